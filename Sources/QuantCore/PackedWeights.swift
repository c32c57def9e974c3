/// The packed int8 weight layout every kernel consumes straight from the blob:
///
///     packed[ob][kb][oi][ki] = weight[ob*16 + oi][kb*4 + ki]     shape [O/16][K/4][16][4]
///
/// with O rounded up to a multiple of `outputTile` (16) and K to a multiple of `depthTile` (4);
/// padding rows and columns are zero. A block of 16 outputs x 4 depths is 64 bytes: one
/// AVX-512 register, two AVX2 registers, four NEON registers, and the operand shape of
/// `vpdpbusd` and `sdot` (4 consecutive k per output lane).
///
/// For a convolution, k runs over the 3x3 patch in (dy, dx, c) order with the input channels
/// padded to a multiple of 4: k = (dy*3 + dx) * paddedChannels + c. That is the order of an NHWC
/// activation, so a kernel reads 4 consecutive channels of one tap as one 32-bit word.
public enum PackedWeights {
    public static let outputTile = 16
    public static let depthTile = 4

    @inline(__always)
    public static func roundUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

    /// Bytes of the packed form of an [outputs, depth] matrix.
    public static func byteCount(outputs: Int, depth: Int) -> Int {
        roundUp(outputs, to: outputTile) * roundUp(depth, to: depthTile)
    }

    /// Index into the packed array of weight[o][k].
    @inline(__always)
    public static func index(output o: Int, depth k: Int, paddedDepth: Int) -> Int {
        ((o / outputTile) * (paddedDepth / depthTile) + k / depthTile) * (outputTile * depthTile)
            + (o % outputTile) * depthTile + k % depthTile
    }

    /// Packs a row-major [outputs, depth] int8 matrix.
    public static func pack(_ rows: [Int8], outputs: Int, depth: Int) -> [Int8] {
        precondition(rows.count == outputs * depth)
        let paddedDepth = roundUp(depth, to: depthTile)
        var packed = [Int8](repeating: 0, count: byteCount(outputs: outputs, depth: depth))
        for o in 0..<outputs {
            for k in 0..<depth {
                packed[index(output: o, depth: k, paddedDepth: paddedDepth)] = rows[o * depth + k]
            }
        }
        return packed
    }

    /// The inverse of `pack` (inspection and tests).
    public static func unpack(_ packed: [Int8], outputs: Int, depth: Int) -> [Int8] {
        let paddedDepth = roundUp(depth, to: depthTile)
        precondition(packed.count == byteCount(outputs: outputs, depth: depth))
        var rows = [Int8](repeating: 0, count: outputs * depth)
        for o in 0..<outputs {
            for k in 0..<depth {
                rows[o * depth + k] = packed[index(output: o, depth: k, paddedDepth: paddedDepth)]
            }
        }
        return rows
    }

    /// The pair bound of pair-bounded weights (Docs/Numerics.md, "Pair-bounded weights"):
    /// |w[o][k]| + |w[o][k+1]| <= 128 for every even k, so that 255 * (|w0| + |w1|) fits an int16.
    public static let pairBound = 128

    /// Whether every pair of adjacent depths (k = 2j, 2j+1) keeps the pair bound. In the packed
    /// layout such a pair is two adjacent bytes at an even index, so this reads the bytes in order.
    public static func isPairBounded(_ packed: some RandomAccessCollection<Int8>) -> Bool {
        firstPairBeyondBound(packed) == nil
    }

    /// The offset (from the start, even) of the first byte pair beyond the pair bound, if any; a
    /// lone last byte pairs with 0.
    public static func firstPairBeyondBound(_ packed: some RandomAccessCollection<Int8>) -> Int? {
        var offset = 0, index = packed.startIndex
        while index != packed.endIndex {
            let next = packed.index(after: index)
            let second = next == packed.endIndex ? 0 : packed[next]
            if Int(packed[index].magnitude) + Int(second.magnitude) > pairBound { return offset }
            index = next == packed.endIndex ? next : packed.index(after: next)
            offset += 2
        }
        return nil
    }
}
