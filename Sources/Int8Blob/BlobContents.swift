import QuantCore

/// A blob's header and tables, checked (Docs/BlobFormat.md, "What the reader checks") in the
/// documented order: framing, checksum, sections, strings, input spec, every layer's fields,
/// shapes and arrays, the layer chain, per-channel values, padding, and (with `verifyData`)
/// the data checksum and the packed weights.
///
/// It holds no pointers, only checked offsets: `BlobFile` makes views of its own bytes from
/// them, and `BlobWriter` runs the same checks on what it encoded.
struct BlobContents {
    /// Sanity bound on a layer's output channels (ImageNet-21k's 21,841 classes fit easily).
    static let maximumOutputs = 1 << 20
    /// The overflow budget of Docs/Numerics.md: depth * 127 * 255 <= 2^31 - 1, so an int32
    /// accumulator of a depth-66,311 dot product of int8 weights and uint8 activations
    /// cannot overflow. (VGG's largest depth is fc6's 25,088.)
    static let maximumDepth = 66_311
    /// The same for grouped 4-bit weights (|q * m| <= 128): depth * 128 * 255 <= 2^31 - 1.
    static let maximumGroupedDepth = 65_793
    /// Sanity bound on image and map sides, pixels.
    static let maximumSide = 65_536

    let header: BlobHeader
    let model: ModelRecord
    let layers: [LayerRecord]
    /// The checked kind of each layer record.
    let kinds: [BlobLayerKind]
    let arch: String
    let target: String
    let calibration: String
    let labels: [String]
    let layerNames: [String]

    /// Checks `bytes`, the whole file.
    /// - Parameter verifyData: also check the data checksum and the packed weights (reads the
    ///   whole data section); without it, only the tables and per-channel arrays are read.
    init(validating bytes: UnsafeRawBufferPointer, verifyData: Bool) throws(BlobProblem) {
        header = try BlobHeader(validating: bytes)
        // Damage shows as a checksum mismatch; the rules below catch what a checksum cannot
        // (a faulty writer, a crafted file).
        if verifyData {
            guard header.dataChecksumMatches(bytes) else { throw BlobProblem("checksum mismatch in weight data") }
        }
        guard header.model.byteCount == UInt64(ModelRecord.encodedByteCount) else {
            throw BlobProblem("model section has \(header.model.byteCount) bytes, expected \(ModelRecord.encodedByteCount)")
        }
        var reader = LittleEndianReader(bytes, at: header.model.start)
        model = ModelRecord(reading: &reader)
        guard model.reserved == 0 else { throw BlobProblem("model record reserved field is \(model.reserved), must be 0") }
        let tableByteCount = UInt64(model.layerCount) * UInt64(LayerRecord.encodedByteCount)
        guard header.layerTable.byteCount == tableByteCount else {
            throw BlobProblem("layer table has \(header.layerTable.byteCount) bytes, \(model.layerCount) layers need \(tableByteCount)")
        }
        let labelsByteCount = UInt64(model.labelCount) * UInt64(StringRef.encodedByteCount)
        guard header.labels.byteCount == labelsByteCount else {
            throw BlobProblem("labels section has \(header.labels.byteCount) bytes, \(model.labelCount) labels need \(labelsByteCount)")
        }

        // Strings, in their canonical order: arch, target, calibration, labels, layer names.
        let strings = UnsafeRawBufferPointer(rebasing: bytes[header.strings.start ..< header.strings.end])
        var stringOffset = 0
        arch = try model.arch.read(from: strings, expectedOffset: &stringOffset, what: "arch")
        target = try model.target.read(from: strings, expectedOffset: &stringOffset, what: "target")
        calibration = try model.calibration.read(from: strings, expectedOffset: &stringOffset, what: "calibration")
        var labels: [String] = []
        reader = LittleEndianReader(bytes, at: header.labels.start)
        for index in 0 ..< Int(model.labelCount) {
            labels.append(try StringRef(reading: &reader).read(from: strings, expectedOffset: &stringOffset, what: "label \(index)"))
        }
        self.labels = labels
        var layers: [LayerRecord] = []
        var layerNames: [String] = []
        reader = LittleEndianReader(bytes, at: header.layerTable.start)
        for index in 0 ..< Int(model.layerCount) {
            let record = LayerRecord(reading: &reader)
            layers.append(record)
            layerNames.append(try record.name.read(from: strings, expectedOffset: &stringOffset, what: "layer \(index) name"))
        }
        self.layers = layers
        self.layerNames = layerNames
        guard stringOffset == strings.count else {
            throw BlobProblem("strings section has \(strings.count) bytes, the strings use \(stringOffset)")
        }

        try Self.checkInputSpec(model)
        kinds = try Self.checkLayers(layers, names: layerNames, model: model, labelCount: labels.count,
                                     data: header.data, bytes: bytes, formatVersion: header.formatVersion)
        let sections = header.sections
        for (previous, next) in zip(sections, sections.dropFirst()) {
            try Self.requireZero(bytes, previous.range.end ..< next.range.start)
        }
        if verifyData {
            for (index, record) in layers.enumerated() where kinds[index].hasWeights {
                try Self.checkPackedWeights(record, bytes: bytes, label: Self.label(index, layerNames[index]))
            }
        }
    }

    /// `layer 3 "features.7"`: how messages name a layer (the name escaped, so it stays on one line).
    static func label(_ index: Int, _ name: String) -> String {
        "layer \(index) \(name.debugDescription)"
    }

    private static func checkInputSpec(_ model: ModelRecord) throws(BlobProblem) {
        let sides = 1 ... UInt32(maximumSide)
        guard sides.contains(model.cropHeight), sides.contains(model.cropWidth) else {
            throw BlobProblem("input crop \(model.cropHeight)x\(model.cropWidth) is not a valid size (1...\(maximumSide) pixels a side)")
        }
        guard model.resize <= UInt32(maximumSide) else {
            throw BlobProblem("input resize \(model.resize) is larger than \(maximumSide) pixels")
        }
        guard model.mean.allSatisfy(\.isFinite) else { throw BlobProblem("input mean \(model.mean) is not finite") }
        guard model.std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw BlobProblem("input std \(model.std) must be positive and finite")
        }
        try checkActivation(model.inputQuantization, what: "input quantization")
    }

    /// A uint8 activation's parameters: scale positive and finite, zero point in [0, 255].
    static func checkActivation(_ quantization: ActivationQuantization, what: String) throws(BlobProblem) {
        guard quantization.scale.isFinite && quantization.scale > 0 else {
            throw BlobProblem("\(what) scale \(quantization.scale) must be positive and finite")
        }
        guard (0 ... 255).contains(quantization.zeroPoint) else {
            throw BlobProblem("\(what) zero point \(quantization.zeroPoint) is outside 0...255")
        }
    }

    /// Every byte of `range` is zero (alignment padding).
    static func requireZero(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(BlobProblem) {
        if let index = range.first(where: { bytes[$0] != 0 }) {
            throw BlobProblem("non-zero padding byte at \(BlobFormat.hex(index)) (padding is zero)")
        }
    }
}
