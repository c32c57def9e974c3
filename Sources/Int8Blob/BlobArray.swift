import QuantCore

/// The arrays a layer can store in the data section, in the order they are stored.
enum BlobArray: CaseIterable {
    /// int8, `PackedWeights` layout [O/16][K/4][16][4]: `PackedWeights.byteCount(outputs:depth:)` bytes;
    /// for grouped 4-bit weights, `GroupedWeights`' nibbles then multipliers.
    case packedWeights
    /// int32 per output channel.
    case bias
    /// float32 per output channel.
    case weightScales
    /// int32 per output channel, in [0, 2^31).
    case multipliers
    /// int32 per output channel, in [32, 62].
    case shifts

    var name: String {
        switch self {
        case .packedWeights: "packed weights"
        case .bias: "bias"
        case .weightScales: "weight scales"
        case .multipliers: "multipliers"
        case .shifts: "shifts"
        }
    }

    /// The byteCount the array must have for a layer with these dimensions (`groupSize`: of
    /// grouped 4-bit weights, nil for int8).
    func byteCount(outputs: Int, depth: Int, groupSize: Int? = nil) -> Int {
        guard self == .packedWeights else { return 4 * outputs }
        guard let groupSize else { return PackedWeights.byteCount(outputs: outputs, depth: depth) }
        return GroupedWeights.byteCount(outputs: outputs, depth: depth, groupSize: groupSize)
    }
}
