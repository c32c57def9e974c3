import QuantCore

extension BlobContents {
    /// Checks the layer table (checks 19-21 of Docs/BlobFormat.md) and returns each layer's kind.
    ///
    /// Walks the network as the runtime will, from the 3-channel cropHeight x cropWidth input:
    /// a convolution takes the map's channels; a max-pool halves the map (floor); an adaptive
    /// average pool sets it; the first linear layer reads the flattened NHWC map with channels
    /// padded to 4 (depth H * W * roundUp(C, 4)), the next ones the previous layer's outputs;
    /// every layer with weights reads the quantization the previous one wrote; the logits layer
    /// is last. Arrays follow each other in table order, each at the next multiple of 64.
    static func checkLayers(_ layers: [LayerRecord], names: [String], model: ModelRecord, labelCount: Int,
                            data: ByteRange, bytes: UnsafeRawBufferPointer, formatVersion: UInt32) throws(BlobProblem) -> [BlobLayerKind] {
        var kinds: [BlobLayerKind] = []
        var channels = 3
        var (height, width) = (Int(model.cropHeight), Int(model.cropWidth))
        var isFlattened = false
        var quantization = model.inputQuantization
        var dataOffset = data.start
        for (index, record) in layers.enumerated() {
            let label = Self.label(index, names[index])
            guard let kind = BlobLayerKind(rawValue: record.kind) else {
                throw BlobProblem("\(label): unknown layer kind \(record.kind)")
            }
            let unused = record.nonZeroUnusedFields(of: kind)
            guard unused.isEmpty else {
                throw BlobProblem("\(label): non-zero fields that a \(kind.label) layer does not use: \(unused.joined(separator: ", "))")
            }
            guard kinds.last != .logits else { throw BlobProblem("\(label) follows the logits layer, which must be the last") }
            guard !isFlattened || kind == .linear || kind == .logits else {
                throw BlobProblem("\(label): a \(kind.label) layer after a linear layer")
            }
            switch kind {
            case .maxPool:
                guard height >= 2 && width >= 2 else {
                    throw BlobProblem("\(label): max-pool of a \(height)x\(width) map (it needs at least 2x2)")
                }
                (height, width) = (height / 2, width / 2)
            case .adaptiveAveragePool:
                let sides = 1 ... UInt32(maximumSide)
                guard sides.contains(record.poolHeight), sides.contains(record.poolWidth) else {
                    throw BlobProblem("\(label): pool size \(record.poolHeight)x\(record.poolWidth) is not a valid size (1...\(maximumSide))")
                }
                (height, width) = (Int(record.poolHeight), Int(record.poolWidth))
            case .convolution, .linear, .logits:
                try checkWeightFlags(record, kind: kind, label: label, formatVersion: formatVersion)
                try checkWeightShapes(record, kind: kind, label: label, channels: channels, height: height, width: width,
                                      isFlattened: isFlattened)
                try checkActivation(record.inputQuantization, what: "\(label): input quantization")
                guard record.inputQuantization == quantization else {
                    throw BlobProblem("\(label): input quantization (scale \(record.inputQuantization.scale), zero point \(record.inputQuantization.zeroPoint)) differs from the previous layer's output (scale \(quantization.scale), zero point \(quantization.zeroPoint))")
                }
                if kind.requantizes {
                    try checkActivation(record.outputQuantization, what: "\(label): output quantization")
                    quantization = record.outputQuantization
                }
                channels = Int(record.outputs)
                isFlattened = isFlattened || kind != .convolution
                try checkArrays(record, kind: kind, label: label, data: data, bytes: bytes, dataOffset: &dataOffset)
                try checkPerChannelValues(record, kind: kind, label: label, bytes: bytes)
            }
            kinds.append(kind)
        }
        guard let last = kinds.last else { throw BlobProblem("the blob has no layers") }
        guard last == .logits else {
            throw BlobProblem("the last layer, \(label(kinds.count - 1, names[kinds.count - 1])), is a \(last.label) layer; a blob ends with a logits layer")
        }
        guard labelCount == Int(layers[layers.count - 1].outputs) else {
            throw BlobProblem("\(labelCount) labels for \(layers[layers.count - 1].outputs) classes")
        }
        guard data.end == BlobFormat.alignedOffset(dataOffset) else {
            throw BlobProblem("data section has \(data.byteCount) bytes, the arrays need \(BlobFormat.alignedOffset(dataOffset) - data.start)")
        }
        try requireZero(bytes, dataOffset ..< data.end)
        // One encoding per model: the writer uses the lowest version that carries the model
        // (2 only when a layer has weight flags, 3 only when a layer has grouped 4-bit weights).
        let needed = layers.map { BlobFormat.WeightFlags(rawValue: $0.weightFlags).version }.max() ?? BlobFormat.firstVersion
        guard formatVersion == needed else {
            let what = formatVersion >= BlobFormat.groupedWeightsVersion ? "without grouped 4-bit weights" : "without weight flags"
            throw BlobProblem("format version \(formatVersion) blob \(what) (such a model is written as version \(needed))")
        }
        return kinds
    }

    /// Known bits only, none in format version 1, grouped 4-bit weights only in version 3 and
    /// only on linear and logits layers, never also pair-bounded, with a group size that is a
    /// multiple of 8. Whether the weights keep the pair bound is checked with `verifyData`
    /// (`checkPackedWeights`); the runtime trusts the flag, which the metadata checksum covers.
    private static func checkWeightFlags(_ record: LayerRecord, kind: BlobLayerKind, label: String,
                                         formatVersion: UInt32) throws(BlobProblem) {
        let bits = record.weightFlags
        let flags = BlobFormat.WeightFlags(rawValue: bits)
        guard flags.isSubset(of: .known) else {
            throw BlobProblem("\(label): unknown weight flags 0x\(String(bits, radix: 16)) (this reader knows 0x\(String(BlobFormat.WeightFlags.known.rawValue, radix: 16)))")
        }
        guard formatVersion >= flags.version else {
            throw BlobProblem("\(label): weight flags 0x\(String(bits, radix: 16)) in a format version \(formatVersion) blob (they need version \(flags.version))")
        }
        guard flags.contains(.grouped4Bit) else { return }
        guard kind != .convolution else { throw BlobProblem("\(label): grouped 4-bit weights on a conv layer (linear layers only)") }
        guard !flags.contains(.pairBounded) else { throw BlobProblem("\(label): grouped 4-bit weights cannot also be pair-bounded") }
        guard GroupedWeights.isValidGroupSize(Int(record.groupSize)) else {
            throw BlobProblem("\(label): weight group size \(record.groupSize) is not a multiple of 8 in 8...\(1 << 20)")
        }
    }

    /// outputs and depth sane, input channels and depth chained to the map the layer reads.
    private static func checkWeightShapes(_ record: LayerRecord, kind: BlobLayerKind, label: String, channels: Int,
                                          height: Int, width: Int, isFlattened: Bool) throws(BlobProblem) {
        guard (1 ... UInt32(maximumOutputs)).contains(record.outputs) else {
            throw BlobProblem("\(label): \(record.outputs) outputs (a layer has 1...\(maximumOutputs))")
        }
        let depthLimit = record.weightGroupSize == nil ? maximumDepth : maximumGroupedDepth
        guard (1 ... UInt32(depthLimit)).contains(record.depth) else {
            throw BlobProblem("\(label): depth \(record.depth) is outside 1...\(depthLimit) (beyond it an int32 accumulator can overflow)")
        }
        let paddedChannels = PackedWeights.roundUp(channels, to: PackedWeights.depthTile)
        switch kind {
        case .convolution:
            guard Int(record.inputChannels) == channels else {
                throw BlobProblem("\(label): \(record.inputChannels) input channels, the map it reads has \(channels)")
            }
            guard Int(record.depth) == 9 * paddedChannels else {
                throw BlobProblem("\(label): depth \(record.depth), a 3x3 convolution over \(channels) channels (\(paddedChannels) padded) has \(9 * paddedChannels)")
            }
        case .linear, .logits:
            if isFlattened {
                guard Int(record.depth) == channels else {
                    throw BlobProblem("\(label): depth \(record.depth), the previous linear layer has \(channels) outputs")
                }
            } else {
                guard Int(record.depth) == height * width * paddedChannels else {
                    throw BlobProblem("\(label): depth \(record.depth), the flattened \(height)x\(width)x\(channels) map (\(paddedChannels) channels padded) has \(height * width * paddedChannels)")
                }
            }
        case .maxPool, .adaptiveAveragePool:
            preconditionFailure("\(kind) has no weights")
        }
    }

    /// Each array of the kind: the byteCount its shape needs, inside the data section, 64-byte
    /// aligned, at the next aligned offset after the previous array, with zero padding before it.
    private static func checkArrays(_ record: LayerRecord, kind: BlobLayerKind, label: String, data: ByteRange,
                                    bytes: UnsafeRawBufferPointer, dataOffset: inout Int) throws(BlobProblem) {
        let (outputs, depth) = (Int(record.outputs), Int(record.depth))
        for array in kind.arrays {
            let range = record[array]
            let byteCount = array.byteCount(outputs: outputs, depth: depth, groupSize: record.weightGroupSize)
            guard range.byteCount == UInt64(byteCount) else {
                throw BlobProblem("\(label): \(array.name) have \(range.byteCount) bytes, \(outputs) outputs and depth \(depth) need \(byteCount)")
            }
            guard range.lies(within: data.start, data.end) else {
                throw BlobProblem("\(label): \(array.name) \(range.text) lie outside the data section [\(BlobFormat.hex(data.start)), \(BlobFormat.hex(data.end)))")
            }
            guard range.start % BlobFormat.alignment == 0 else {
                throw BlobProblem("\(label): \(array.name) at \(BlobFormat.hex(range.offset)) are not 64-byte aligned")
            }
            guard range.start == BlobFormat.alignedOffset(dataOffset) else {
                throw BlobProblem("\(label): \(array.name) at \(BlobFormat.hex(range.offset)), expected \(BlobFormat.hex(BlobFormat.alignedOffset(dataOffset))) (arrays follow each other in table order, each at the next multiple of 64)")
            }
            try requireZero(bytes, dataOffset ..< range.start)
            dataOffset = range.end
        }
    }

    /// Per output channel: |bias| within the overflow budget, weight scale positive and
    /// finite, multiplier >= 0, shift in [32, 62] (so `model()` can build `Requantization`s).
    private static func checkPerChannelValues(_ record: LayerRecord, kind: BlobLayerKind, label: String,
                                              bytes: UnsafeRawBufferPointer) throws(BlobProblem) {
        // |acc| <= |bias| + depth * 127 * 255 <= 2^31 - 1 (Docs/Numerics.md, "Overflow budget");
        // 128 in place of 127 for grouped 4-bit weights (|q * m| <= 128).
        let largestWeight = Int64(record.weightGroupSize == nil ? 127 : GroupedWeights.largestProduct)
        let biasLimit = Int64(Int32.max) - Int64(record.depth) * largestWeight * 255
        var biases = LittleEndianReader(bytes, at: record.bias.start)
        var scales = LittleEndianReader(bytes, at: record.weightScales.start)
        var multipliers = LittleEndianReader(bytes, at: record.multipliers.start)
        var shifts = LittleEndianReader(bytes, at: record.shifts.start)
        for channel in 0 ..< Int(record.outputs) {
            let bias = Int64(biases.i32())
            guard abs(bias) <= biasLimit else {
                throw BlobProblem("\(label): bias of channel \(channel) is \(bias), beyond ±\(biasLimit): the int32 accumulator could overflow")
            }
            let scale = scales.f32()
            guard scale.isFinite && scale > 0 else {
                throw BlobProblem("\(label): weight scale of channel \(channel) is \(scale), must be positive and finite")
            }
            guard kind.requantizes else { continue }
            let multiplier = multipliers.i32()
            guard multiplier >= 0 else {
                throw BlobProblem("\(label): multiplier of channel \(channel) is \(multiplier), must be >= 0")
            }
            let shift = shifts.i32()
            guard (Requantization.minimumShift ... Requantization.maximumShift).contains(shift) else {
                throw BlobProblem("\(label): shift of channel \(channel) is \(shift), outside \(Requantization.minimumShift)...\(Requantization.maximumShift)")
            }
        }
    }

    /// The packed weights (read only with `verifyData`): no -128 (weights are symmetric,
    /// [-127, 127]), zeros in the padding rows (outputs up to a multiple of 16) and columns
    /// (depth up to a multiple of 4) of the packed layout, and the pair bound when flagged.
    static func checkPackedWeights(_ record: LayerRecord, bytes: UnsafeRawBufferPointer, label: String) throws(BlobProblem) {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[record.packedWeights.start ..< record.packedWeights.end])
        if let groupSize = record.weightGroupSize {
            return try checkGroupedWeights(raw, outputs: Int(record.outputs), depth: Int(record.depth), groupSize: groupSize, label: label)
        }
        let weights = raw.bindMemory(to: Int8.self)
        // One pass the compiler vectorizes. A pair-bounded layer also gets the largest pair sum:
        // a pair is one little-endian 16-bit word (the array is 64-byte aligned and a multiple of
        // 64 bytes long), and |w0| + |w1| <= 256 fits a UInt16.
        var smallest: Int8 = 0
        var largestPair: UInt16 = 0
        if BlobFormat.WeightFlags(rawValue: record.weightFlags).contains(.pairBounded) {
            for pair in raw.bindMemory(to: UInt16.self) {
                let (first, second) = (Int8(truncatingIfNeeded: pair), Int8(truncatingIfNeeded: pair >> 8))
                smallest = min(smallest, min(first, second))
                largestPair = max(largestPair, UInt16(first.magnitude) &+ UInt16(second.magnitude))
            }
        } else {
            for weight in weights {
                smallest = min(smallest, weight)
            }
        }
        guard smallest != Int8.min else { throw BlobProblem("\(label): packed weights contain -128 (weights are in [-127, 127])") }
        if Int(largestPair) > PackedWeights.pairBound, let index = PackedWeights.firstPairBeyondBound(weights) {
            let sum = Int(weights[index].magnitude) + Int(weights[index + 1].magnitude)
            throw BlobProblem("\(label): flagged pair-bounded, but packed weights \(index) and \(index + 1) are \(weights[index]) and \(weights[index + 1]) (|w0| + |w1| = \(sum) > \(PackedWeights.pairBound))")
        }
        let (outputs, depth) = (Int(record.outputs), Int(record.depth))
        let paddedOutputs = PackedWeights.roundUp(outputs, to: PackedWeights.outputTile)
        let paddedDepth = PackedWeights.roundUp(depth, to: PackedWeights.depthTile)
        for output in 0 ..< paddedOutputs {
            for k in (output < outputs ? depth : 0) ..< paddedDepth
            where weights[PackedWeights.index(output: output, depth: k, paddedDepth: paddedDepth)] != 0 {
                throw BlobProblem("\(label): packed weights have a non-zero padding weight at output \(output), depth \(k)")
            }
        }
    }

    /// Grouped 4-bit weights (read only with `verifyData`): multipliers in [-16, 16]; zeros in the
    /// padding (nibbles of k >= depth and of outputs up to a multiple of 16, those outputs'
    /// multipliers). Every nibble value is a valid q.
    private static func checkGroupedWeights(_ raw: UnsafeRawBufferPointer, outputs: Int, depth: Int, groupSize: Int,
                                            label: String) throws(BlobProblem) {
        let nibbleBytes = GroupedWeights.nibbleByteCount(outputs: outputs, depth: depth)
        let steps = (depth + GroupedWeights.step - 1) / GroupedWeights.step
        let groupCount = (depth + groupSize - 1) / groupSize
        let blocks = (outputs + PackedWeights.outputTile - 1) / PackedWeights.outputTile
        for block in 0 ..< blocks {
            for lane in 0 ..< PackedWeights.outputTile {
                let output = block * PackedWeights.outputTile + lane
                for group in 0 ..< groupCount {
                    let m = Int(Int8(bitPattern: raw[nibbleBytes + GroupedWeights.multiplierByte(output: output, group: group, groupCount: groupCount)]))
                    guard output < outputs || m == 0 else {
                        throw BlobProblem("\(label): group multiplier \(m) of padding output \(output) (padding is zero)")
                    }
                    guard GroupedWeights.multiplierRange.contains(m) else {
                        throw BlobProblem("\(label): group multiplier \(m) of output \(output), group \(group) is outside \(GroupedWeights.multiplierRange.lowerBound)...\(GroupedWeights.multiplierRange.upperBound)")
                    }
                }
                // Padding nibbles: every k of a padding output, k in depth ..< 8 * steps of the others.
                for k in (output < outputs ? depth : 0) ..< steps * GroupedWeights.step {
                    let byte = raw[GroupedWeights.nibbleByte(output: output, depth: k, steps: steps)]
                    guard (k % 8 < 4 ? byte & 15 : byte >> 4) == 0 else {
                        throw BlobProblem("\(label): grouped weights have a non-zero padding weight at output \(output), depth \(k)")
                    }
                }
            }
        }
    }
}
