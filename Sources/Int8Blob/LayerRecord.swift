import QuantCore

/// One entry of the layer table (136 bytes, Docs/BlobFormat.md, "Layer record"). Fields a kind
/// does not use are zero.
struct LayerRecord: Equatable {
    static let encodedByteCount = 136

    /// A `BlobLayerKind` raw value (unchecked until validation).
    var kind: UInt32
    /// `BlobFormat.WeightFlags` bits (format version 2; must be 0 in version 1).
    var weightFlags: UInt32 = 0
    var name: StringRef
    var outputs: UInt32 = 0
    var depth: UInt32 = 0
    var inputChannels: UInt32 = 0
    var poolHeight: UInt32 = 0
    var poolWidth: UInt32 = 0
    var inputQuantization = ActivationQuantization(scale: 0, zeroPoint: 0)
    var outputQuantization = ActivationQuantization(scale: 0, zeroPoint: 0)
    /// Input columns per weight group (format version 3, grouped 4-bit layers only; else 0).
    var groupSize: UInt32 = 0
    var packedWeights = ByteRange.none
    var bias = ByteRange.none
    var weightScales = ByteRange.none
    var multipliers = ByteRange.none
    var shifts = ByteRange.none

    /// The group size of a grouped 4-bit layer, nil for int8 weights.
    var weightGroupSize: Int? {
        BlobFormat.WeightFlags(rawValue: weightFlags).contains(.grouped4Bit) ? Int(groupSize) : nil
    }

    init(kind: BlobLayerKind, name: StringRef) {
        self.kind = kind.rawValue
        self.name = name
    }

    init(reading reader: inout LittleEndianReader) {
        kind = reader.u32()
        weightFlags = reader.u32()
        name = StringRef(reading: &reader)
        outputs = reader.u32()
        depth = reader.u32()
        inputChannels = reader.u32()
        poolHeight = reader.u32()
        poolWidth = reader.u32()
        inputQuantization = ActivationQuantization(scale: reader.f32(), zeroPoint: reader.i32())
        outputQuantization = ActivationQuantization(scale: reader.f32(), zeroPoint: reader.i32())
        groupSize = reader.u32()
        for array in BlobArray.allCases {
            self[array] = ByteRange(reading: &reader)
        }
    }

    func write(to writer: inout LittleEndianWriter) {
        writer.append(kind)
        writer.append(weightFlags)
        name.write(to: &writer)
        writer.append(outputs)
        writer.append(depth)
        writer.append(inputChannels)
        writer.append(poolHeight)
        writer.append(poolWidth)
        writer.append(inputQuantization.scale)
        writer.append(inputQuantization.zeroPoint)
        writer.append(outputQuantization.scale)
        writer.append(outputQuantization.zeroPoint)
        writer.append(groupSize)
        for array in BlobArray.allCases {
            self[array].write(to: &writer)
        }
    }

    subscript(array: BlobArray) -> ByteRange {
        get {
            switch array {
            case .packedWeights: packedWeights
            case .bias: bias
            case .weightScales: weightScales
            case .multipliers: multipliers
            case .shifts: shifts
            }
        }
        set {
            switch array {
            case .packedWeights: packedWeights = newValue
            case .bias: bias = newValue
            case .weightScales: weightScales = newValue
            case .multipliers: multipliers = newValue
            case .shifts: shifts = newValue
            }
        }
    }

    /// The names of the fields that `kind` does not use but that are not zero (a valid record
    /// has none): the reserved fields, and for example a max-pool's outputs or arrays.
    func nonZeroUnusedFields(of kind: BlobLayerKind) -> [String] {
        let isZero = { (quantization: ActivationQuantization) in
            quantization.scale.bitPattern == 0 && quantization.zeroPoint == 0
        }
        var fields: [(name: String, isUnusedAndNonZero: Bool)] = [
            ("groupSize", !BlobFormat.WeightFlags(rawValue: weightFlags).contains(.grouped4Bit) && groupSize != 0),
            ("weightFlags", !kind.hasWeights && weightFlags != 0),
            ("outputs", !kind.hasWeights && outputs != 0),
            ("depth", !kind.hasWeights && depth != 0),
            ("inputChannels", kind != .convolution && inputChannels != 0),
            ("poolHeight", kind != .adaptiveAveragePool && poolHeight != 0),
            ("poolWidth", kind != .adaptiveAveragePool && poolWidth != 0),
            ("inputQuantization", !kind.hasWeights && !isZero(inputQuantization)),
            ("outputQuantization", !kind.requantizes && !isZero(outputQuantization)),
        ]
        for array in BlobArray.allCases {
            fields.append((array.name, !kind.arrays.contains(array) && self[array] != .none))
        }
        return fields.filter(\.isUnusedAndNonZero).map(\.name)
    }
}
