import QuantCore

/// One layer of an open blob, for the runtime: its shape and quantization, and zero-copy views
/// of its arrays inside the `BlobFile`'s mapping.
///
/// The buffers are valid only while the `BlobFile` they came from is alive; keep the file
/// (not just its layers) for as long as a kernel may read them. Each buffer starts at a
/// 64-byte-aligned address and is followed by zero bytes up to the next multiple of 64, so a
/// kernel may read whole 64-byte blocks: e.g. 16 int32 lanes of `bias` from any multiple of 16,
/// even past `outputs`. The memory is read-only (writing to it crashes).
///
/// `@unchecked Sendable`: the buffers point into read-only memory that never changes.
public struct BlobLayer: @unchecked Sendable {
    public let kind: BlobLayerKind
    /// torchvision module name, e.g. "features.0".
    public let name: String
    /// Output channels or features (0 for pools).
    public let outputs: Int
    /// Depth K of the weight matrix (0 for pools): 9 * roundUp(inputChannels, 4) for a
    /// convolution; input features for a linear layer.
    public let depth: Int
    /// Real input channels of a convolution (0 for other kinds).
    public let inputChannels: Int
    /// Output size of an adaptive average pool (0 for other kinds).
    public let poolHeight: Int
    public let poolWidth: Int
    /// Quantization of the activation the layer reads (nil for pools).
    public let inputQuantization: ActivationQuantization?
    /// Quantization of the uint8 activation the layer writes (convolution and linear only).
    public let outputQuantization: ActivationQuantization?
    /// `PackedWeights` layout [O/16][K/4][16][4], `PackedWeights.byteCount(outputs:depth:)`
    /// bytes (empty for pools). For grouped 4-bit weights: `GroupedWeights`' nibbles only
    /// (`GroupedWeights.nibbleByteCount`), the multipliers are `groupMultipliers`.
    public let packedWeights: UnsafeBufferPointer<Int8>
    /// Input columns per weight group of grouped 4-bit weights (`WeightGroups`); nil for int8.
    public let groupSize: Int?
    /// m[ob][g][oi] of grouped 4-bit weights (`GroupedWeights`), right after the nibbles in the
    /// file (64-byte aligned, zeros after); empty for int8 weights.
    public let groupMultipliers: UnsafeBufferPointer<Int8>
    /// `outputs` int32 values at scale inputScale * weightScales[o] (empty for pools).
    public let bias: UnsafeBufferPointer<Int32>
    /// `outputs` float32 values (empty for pools).
    public let weightScales: UnsafeBufferPointer<Float>
    /// `outputs` requantization multipliers in [0, 2^31) (convolution and linear only, else empty).
    public let multipliers: UnsafeBufferPointer<Int32>
    /// `outputs` requantization shifts in [32, 62] (convolution and linear only, else empty).
    public let shifts: UnsafeBufferPointer<Int32>
    /// The weights keep the pair bound (`PackedWeights.isPairBounded`), as the blob's layer
    /// record says (checked against the weights only when the blob was opened with `verifyData`).
    public let pairBounded: Bool

    /// Views of `record`'s arrays in `bytes`, the whole checked file.
    init(_ record: LayerRecord, kind: BlobLayerKind, name: String, bytes: UnsafeRawBufferPointer) {
        func view<Element>(_ range: ByteRange, as type: Element.Type) -> UnsafeBufferPointer<Element> {
            guard range.byteCount > 0, let base = bytes.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
            let count = Int(range.byteCount) / MemoryLayout<Element>.stride
            return UnsafeBufferPointer(start: (base + range.start).bindMemory(to: Element.self, capacity: count), count: count)
        }
        self.kind = kind
        self.name = name
        outputs = Int(record.outputs)
        depth = Int(record.depth)
        inputChannels = Int(record.inputChannels)
        poolHeight = Int(record.poolHeight)
        poolWidth = Int(record.poolWidth)
        inputQuantization = kind.hasWeights ? record.inputQuantization : nil
        outputQuantization = kind.requantizes ? record.outputQuantization : nil
        let packed = view(record.packedWeights, as: Int8.self)
        groupSize = record.weightGroupSize
        if let groupSize, let base = packed.baseAddress {
            let nibbles = GroupedWeights.nibbleByteCount(outputs: outputs, depth: depth)
            packedWeights = UnsafeBufferPointer(start: base, count: nibbles)
            groupMultipliers = UnsafeBufferPointer(
                start: base + nibbles,
                count: GroupedWeights.multiplierByteCount(outputs: outputs, depth: depth, groupSize: groupSize))
        } else {
            packedWeights = packed
            groupMultipliers = UnsafeBufferPointer(start: nil, count: 0)
        }
        bias = view(record.bias, as: Int32.self)
        weightScales = view(record.weightScales, as: Float.self)
        multipliers = view(record.multipliers, as: Int32.self)
        shifts = view(record.shifts, as: Int32.self)
        pairBounded = BlobFormat.WeightFlags(rawValue: record.weightFlags).contains(.pairBounded)
    }
}
