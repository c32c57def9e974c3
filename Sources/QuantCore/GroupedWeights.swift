/// 4-bit weights in groups of input columns (Docs/Numerics.md, "4-bit weights"):
///
///     w[o][k] ≈ weightScale[o] * m[o][g] * q[o][k],    g = k / size
///
/// q in [-8, 7] and the group multiplier m in [-16, 16] are integers, so the accumulator stays an
/// exact int32 sum, bias[o] + sum_g m[o][g] * sum_{k in g} q[o][k] * a[k], and requantization is
/// the int8 rule unchanged (the per-channel scale is `weightScale[o]`; the group scales
/// weightScale[o] * m[o][g] are folded in exactly as integers). |q * m| <= 128, so the
/// overflow budget is depth * 128 * 255 (int8: depth * 127 * 255).
///
/// A layer with groups keeps its q values in `QuantizedWeights.packed` (the int8 layout, each
/// value in [-8, 7]); the blob stores them as nibbles (`GroupedWeights.encode`).
public struct WeightGroups: Sendable, Equatable {
    /// Input columns per group: a multiple of `GroupedWeights.step` (8).
    public var size: Int
    /// m[o][g], row-major [outputs][groupCount], each in `GroupedWeights.multiplierRange`.
    public var multipliers: [Int8]

    public init(size: Int, multipliers: [Int8]) {
        precondition(GroupedWeights.isValidGroupSize(size))
        self.size = size
        self.multipliers = multipliers
    }

    /// Groups per output for a layer of this depth: ceil(depth / size).
    public func count(depth: Int) -> Int { (depth + size - 1) / size }
}

/// The 4-bit blob layout the linear4 kernels read (`q8_linear4_params`, CInt8Kernels):
///
///     nibbles[ob][s][oi][j]:  low nibble q[ob*16 + oi][8s + j], high nibble q[ob*16 + oi][8s + 4 + j]
///                             shape [ceil(O/16)][ceil(K/8)][16][4] bytes
///     multipliers[ob][g][oi] = m[ob*16 + oi][g]
///                             shape [ceil(O/16)][ceil(K/size)][16] int8, right after the nibbles
///
/// The low nibbles of a 64-byte step are the int8 layout's 4-k group 2s and the high nibbles its
/// group 2s + 1, so a kernel turns a step into two int8 blocks with a mask and a shift. Padding
/// (k >= K, o >= O) is zero. The nibble part is a multiple of 64 bytes, so the multipliers start
/// 64-byte aligned.
public enum GroupedWeights {
    /// Input columns per 64-byte step of 16 outputs.
    public static let step = 8
    public static let valueRange: ClosedRange<Int> = -8 ... 7
    public static let multiplierRange: ClosedRange<Int> = -16 ... 16
    /// The largest |q * m|: the overflow budget's per-product weight (int8: 127).
    public static let largestProduct = 128
    /// The group sizes `vgg-quantize --weight-group-size` offers; the format takes any multiple of 8.
    public static let offeredGroupSizes = [32, 64, 128, 256]

    /// The byte of the nibble part that holds q[o][k] (its low nibble when k % 8 < 4, else its
    /// high one), for a layer of `steps` = ceil(depth / 8) steps.
    @inline(__always)
    public static func nibbleByte(output o: Int, depth k: Int, steps: Int) -> Int {
        ((o / PackedWeights.outputTile) * steps + k / step) * 64 + (o % PackedWeights.outputTile) * 4 + k % 4
    }

    /// The byte of the multiplier part (counted from its start) that holds m[o][g].
    @inline(__always)
    public static func multiplierByte(output o: Int, group g: Int, groupCount: Int) -> Int {
        ((o / PackedWeights.outputTile) * groupCount + g) * PackedWeights.outputTile + o % PackedWeights.outputTile
    }

    public static func isValidGroupSize(_ size: Int) -> Bool { size >= step && size % step == 0 && size <= 1 << 20 }

    public static func nibbleByteCount(outputs: Int, depth: Int) -> Int {
        PackedWeights.roundUp(outputs, to: PackedWeights.outputTile) * PackedWeights.roundUp(depth, to: step) / 2
    }

    public static func multiplierByteCount(outputs: Int, depth: Int, groupSize: Int) -> Int {
        PackedWeights.roundUp(outputs, to: PackedWeights.outputTile) * ((depth + groupSize - 1) / groupSize)
    }

    /// Bytes of the blob array: nibbles, then multipliers.
    public static func byteCount(outputs: Int, depth: Int, groupSize: Int) -> Int {
        nibbleByteCount(outputs: outputs, depth: depth) + multiplierByteCount(outputs: outputs, depth: depth, groupSize: groupSize)
    }

    /// The blob array of `weights`, whose `packed` holds q values in [-8, 7] and whose `groups` is set.
    public static func encode(_ weights: QuantizedWeights) -> [UInt8] {
        guard let groups = weights.groups else { preconditionFailure("\(weights.name): no weight groups") }
        let (outputs, depth) = (weights.outputs, weights.depth)
        let paddedDepth = PackedWeights.roundUp(depth, to: PackedWeights.depthTile)
        let steps = (depth + step - 1) / step
        let groupCount = groups.count(depth: depth)
        let nibbles = nibbleByteCount(outputs: outputs, depth: depth)
        var bytes = [UInt8](repeating: 0, count: byteCount(outputs: outputs, depth: depth, groupSize: groups.size))
        for o in 0 ..< outputs {
            for k in 0 ..< depth {
                let q = UInt8(bitPattern: weights.packed[PackedWeights.index(output: o, depth: k, paddedDepth: paddedDepth)]) & 15
                bytes[nibbleByte(output: o, depth: k, steps: steps)] |= k % step < 4 ? q : q << 4
            }
            for g in 0 ..< groupCount {
                bytes[nibbles + multiplierByte(output: o, group: g, groupCount: groupCount)] =
                    UInt8(bitPattern: groups.multipliers[o * groupCount + g])
            }
        }
        return bytes
    }

    /// The inverse of `encode`: q values in the int8 packed layout and the multipliers [o][g].
    public static func decode(_ bytes: some RandomAccessCollection<UInt8>, outputs: Int, depth: Int,
                              groupSize: Int) -> (packed: [Int8], groups: WeightGroups) {
        precondition(bytes.count == byteCount(outputs: outputs, depth: depth, groupSize: groupSize))
        let bytes = Array(bytes)
        let paddedDepth = PackedWeights.roundUp(depth, to: PackedWeights.depthTile)
        let steps = (depth + step - 1) / step
        let groupCount = (depth + groupSize - 1) / groupSize
        let nibbles = nibbleByteCount(outputs: outputs, depth: depth)
        var packed = [Int8](repeating: 0, count: PackedWeights.byteCount(outputs: outputs, depth: depth))
        var multipliers = [Int8](repeating: 0, count: outputs * groupCount)
        for o in 0 ..< outputs {
            for k in 0 ..< depth {
                let byte = bytes[nibbleByte(output: o, depth: k, steps: steps)]
                packed[PackedWeights.index(output: o, depth: k, paddedDepth: paddedDepth)] = value(k % step < 4 ? byte : byte >> 4)
            }
            for g in 0 ..< groupCount {
                multipliers[o * groupCount + g] =
                    Int8(bitPattern: bytes[nibbles + multiplierByte(output: o, group: g, groupCount: groupCount)])
            }
        }
        return (packed, WeightGroups(size: groupSize, multipliers: multipliers))
    }

    /// The signed value of a byte's low nibble (two's complement, -8...7).
    @inline(__always)
    public static func value(_ nibble: UInt8) -> Int8 {
        let low = Int8(nibble & 15)
        return low >= 8 ? low - 16 : low
    }
}

extension QuantizedWeights {
    /// The integer weight of output o, column k as the arithmetic uses it: q for int8 weights,
    /// q * m for grouped 4-bit ones (|value| <= 128).
    @inline(__always)
    public func integerWeight(output o: Int, depth k: Int, paddedDepth: Int) -> Int32 {
        let q = Int32(packed[PackedWeights.index(output: o, depth: k, paddedDepth: paddedDepth)])
        guard let groups else { return q }
        return q * Int32(groups.multipliers[o * groups.count(depth: depth) + k / groups.size])
    }

    /// Every integer weight, row-major [outputs][depth] (`integerWeight`).
    public func integerRows() -> [Int32] {
        let paddedDepth = PackedWeights.roundUp(depth, to: PackedWeights.depthTile)
        var rows = [Int32](repeating: 0, count: outputs * depth)
        for o in 0 ..< outputs {
            for k in 0 ..< depth { rows[o * depth + k] = integerWeight(output: o, depth: k, paddedDepth: paddedDepth) }
        }
        return rows
    }

    /// The largest |integer weight| the layer's format allows: 127 (int8) or 128 (grouped 4-bit).
    public var largestIntegerWeight: Int { groups == nil ? 127 : GroupedWeights.largestProduct }
}
