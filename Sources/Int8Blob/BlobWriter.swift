import AtomicFile
#if canImport(Glibc)
import Glibc
#endif
import QuantCore

/// Encodes a `QuantizedModel` as a blob (Docs/BlobFormat.md): format version 1, 2 when a layer
/// has weight flags (pair-bounded weights), 3 when a layer has grouped 4-bit weights: the lowest
/// version that carries the model.
///
/// The output is deterministic: the same model gives the same bytes (no timestamps, padding
/// is zeros, every offset follows from the model's sizes). Before returning, the encoder runs
/// the reader's own checks on the bytes, so it never produces a blob that `BlobFile` refuses.
public enum BlobWriter {
    /// The blob of `model`.
    ///
    /// - Throws: `BlobError` (path `blob`) when the model breaks a rule of the format, e.g.
    ///   `blob: refusing to write an invalid model: layer 2 "features.3": 4 input channels, the map it reads has 5`.
    public static func encode(_ model: QuantizedModel) throws(BlobError) -> [UInt8] {
        try encode(model, name: "blob")
    }

    /// Encodes `model` and writes it to the file at `path` atomically (`AtomicFile`: a reader
    /// sees the old file or the whole new one).
    ///
    /// - Throws: `BlobError` naming `path` when the model is invalid; `AtomicFileError`
    ///   (`cannot write PATH: REASON`) when the file cannot be written.
    public static func write(_ model: QuantizedModel, to path: String) throws {
        try AtomicFile.write(encode(model, name: path), to: path)
    }

    static func encode(_ model: QuantizedModel, name: String) throws(BlobError) -> [UInt8] {
        let refuse = { (problem: BlobProblem) in
            BlobError(path: name, problem: "refusing to write an invalid model: \(problem.text)")
        }
        let bytes: [UInt8]
        do {
            bytes = try serialize(model)
        } catch {
            throw refuse(error)
        }
        let problem = bytes.withUnsafeBytes { raw -> BlobProblem? in
            do throws(BlobProblem) {
                _ = try BlobContents(validating: raw, verifyData: true)
                return nil
            } catch {
                return error
            }
        }
        if let problem { throw refuse(problem) }
        return bytes
    }

    /// The bytes of one array in the data section.
    private enum ArrayContent {
        case int8([Int8])
        case bytes([UInt8])
        case int32([Int32])
        case float([Float])

        var byteCount: Int {
            switch self {
            case .int8(let values): values.count
            case .bytes(let values): values.count
            case .int32(let values): 4 * values.count
            case .float(let values): 4 * values.count
            }
        }

        func write(to writer: inout LittleEndianWriter) {
            switch self {
            case .int8(let values): values.withUnsafeBytes { writer.append($0) }
            case .bytes(let values): values.withUnsafeBytes { writer.append($0) }
            case .int32(let values): values.forEach { writer.append($0) }
            case .float(let values): values.forEach { writer.append($0) }
            }
        }
    }

    /// A layer's record (array ranges not yet placed) and the content of each of its arrays.
    private struct LayerParts {
        var record: LayerRecord
        var arrays: [(array: BlobArray, content: ArrayContent)]
    }

    private static func serialize(_ model: QuantizedModel) throws(BlobProblem) -> [UInt8] {
        guard model.input.mean.count == 3, model.input.std.count == 3 else {
            throw BlobProblem("input mean and std have \(model.input.mean.count) and \(model.input.std.count) values; a blob stores 3 each (R, G, B)")
        }
        // Strings in canonical order: arch, target, calibration, labels, layer names.
        var pool: [UInt8] = []
        func intern(_ string: String) throws(BlobProblem) -> StringRef {
            let utf8 = Array(string.utf8)
            let reference = StringRef(offset: try u32(pool.count, "strings section size"), byteCount: try u32(utf8.count, "string length"))
            pool += utf8
            return reference
        }
        let arch = try intern(model.arch)
        let target = try intern(model.target)
        let calibration = try intern(model.calibration)
        var labels: [StringRef] = []
        for label in model.labels {
            labels.append(try intern(label))
        }
        var layers: [LayerParts] = []
        for (index, layer) in model.layers.enumerated() {
            layers.append(try parts(of: layer, index: index, intern: intern))
        }

        // Sections, each at the next multiple of 64; then the arrays, likewise.
        let modelSection = ByteRange(offset: BlobFormat.headerByteCount, byteCount: ModelRecord.encodedByteCount)
        let layerTable = ByteRange(offset: BlobFormat.alignedOffset(modelSection.end),
                                   byteCount: layers.count * LayerRecord.encodedByteCount)
        let labelsSection = ByteRange(offset: BlobFormat.alignedOffset(layerTable.end),
                                      byteCount: labels.count * StringRef.encodedByteCount)
        let strings = ByteRange(offset: BlobFormat.alignedOffset(labelsSection.end), byteCount: pool.count)
        let dataStart = BlobFormat.alignedOffset(strings.end)
        var dataOffset = dataStart
        for index in layers.indices {
            for (array, content) in layers[index].arrays {
                let range = ByteRange(offset: BlobFormat.alignedOffset(dataOffset), byteCount: content.byteCount)
                layers[index].record[array] = range
                dataOffset = range.end
            }
        }
        let fileByteCount = BlobFormat.alignedOffset(dataOffset)
        let data = ByteRange(offset: dataStart, byteCount: fileByteCount - dataStart)

        var writer = LittleEndianWriter(reservingCapacity: fileByteCount)
        var header = BlobHeader(fileByteCount: UInt64(fileByteCount), model: modelSection, layerTable: layerTable,
                                labels: labelsSection, strings: strings, data: data)
        // The lowest version that carries the model.
        header.formatVersion = layers.map { BlobFormat.WeightFlags(rawValue: $0.record.weightFlags).version }.max() ?? BlobFormat.firstVersion
        header.write(to: &writer)
        let input = model.input
        ModelRecord(arch: arch, target: target, calibration: calibration,
                    layerCount: try u32(layers.count, "layer count"), labelCount: try u32(labels.count, "label count"),
                    resize: try u32(input.resize, "input resize"), cropHeight: try u32(input.cropHeight, "input crop height"),
                    cropWidth: try u32(input.cropWidth, "input crop width"), inputQuantization: input.quantization,
                    mean: input.mean, std: input.std).write(to: &writer)
        writer.zeroFill(to: layerTable.start)
        for layer in layers {
            layer.record.write(to: &writer)
        }
        writer.zeroFill(to: labelsSection.start)
        for label in labels {
            label.write(to: &writer)
        }
        writer.zeroFill(to: strings.start)
        pool.withUnsafeBytes { writer.append($0) }
        for layer in layers {
            for (array, content) in layer.arrays {
                writer.zeroFill(to: layer.record[array].start)
                content.write(to: &writer)
            }
        }
        writer.zeroFill(to: fileByteCount)

        let dataChecksum = writer.bytes.withUnsafeBytes { XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[data.start ..< data.end])) }
        writer.overwrite(dataChecksum, at: BlobHeader.dataChecksumOffset)
        let metadataChecksum = writer.bytes.withUnsafeBytes {
            XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[BlobHeader.metadataChecksumStart ..< data.start]))
        }
        writer.overwrite(metadataChecksum, at: BlobHeader.metadataChecksumOffset)
        return writer.bytes
    }

    private static func parts(of layer: QuantizedLayer, index: Int,
                              intern: (String) throws(BlobProblem) -> StringRef) throws(BlobProblem) -> LayerParts {
        switch layer {
        case .convolution(let convolution):
            var parts = try weightParts(convolution.weights, kind: .convolution, index: index, intern: intern)
            parts.record.inputChannels = try u32(convolution.inputChannels, "\(BlobContents.label(index, convolution.weights.name)): input channels")
            parts.record.outputQuantization = convolution.outputQuantization
            parts.arrays += requantizationArrays(convolution.requantization)
            return parts
        case .maxPool(let name):
            return LayerParts(record: LayerRecord(kind: .maxPool, name: try intern(name)), arrays: [])
        case .adaptiveAveragePool(let name, let height, let width):
            var record = LayerRecord(kind: .adaptiveAveragePool, name: try intern(name))
            record.poolHeight = try u32(height, "\(BlobContents.label(index, name)): pool height")
            record.poolWidth = try u32(width, "\(BlobContents.label(index, name)): pool width")
            return LayerParts(record: record, arrays: [])
        case .linear(let linear):
            switch linear.output {
            case .activation(let requantization, let quantization):
                var parts = try weightParts(linear.weights, kind: .linear, index: index, intern: intern)
                parts.record.outputQuantization = quantization
                parts.arrays += requantizationArrays(requantization)
                return parts
            case .logits:
                return try weightParts(linear.weights, kind: .logits, index: index, intern: intern)
            }
        }
    }

    private static func weightParts(_ weights: QuantizedWeights, kind: BlobLayerKind, index: Int,
                                    intern: (String) throws(BlobProblem) -> StringRef) throws(BlobProblem) -> LayerParts {
        var record = LayerRecord(kind: kind, name: try intern(weights.name))
        record.outputs = try u32(weights.outputs, "\(BlobContents.label(index, weights.name)): outputs")
        record.depth = try u32(weights.depth, "\(BlobContents.label(index, weights.name)): depth")
        record.inputQuantization = weights.inputQuantization
        var flags: BlobFormat.WeightFlags = weights.pairBounded ? .pairBounded : []
        var packed = ArrayContent.int8(weights.packed)
        if let groups = weights.groups {
            // What the encoding cannot hold is refused, never truncated (the nibbles keep 4 bits).
            let label = BlobContents.label(index, weights.name)
            guard GroupedWeights.isValidGroupSize(groups.size),
                  groups.multipliers.count == weights.outputs * groups.count(depth: weights.depth) else {
                throw BlobProblem("\(label): \(groups.multipliers.count) group multipliers for \(weights.outputs) outputs in groups of \(groups.size)")
            }
            if let q = weights.packed.first(where: { !GroupedWeights.valueRange.contains(Int($0)) }) {
                throw BlobProblem("\(label): 4-bit weight \(q) is outside \(GroupedWeights.valueRange.lowerBound)...\(GroupedWeights.valueRange.upperBound)")
            }
            flags.insert(.grouped4Bit)
            record.groupSize = try u32(groups.size, "\(BlobContents.label(index, weights.name)): weight group size")
            packed = .bytes(GroupedWeights.encode(weights))
        }
        record.weightFlags = flags.rawValue
        return LayerParts(record: record, arrays: [(.packedWeights, packed), (.bias, .int32(weights.bias)),
                                                   (.weightScales, .float(weights.weightScales))])
    }

    private static func requantizationArrays(_ requantization: [Requantization]) -> [(array: BlobArray, content: ArrayContent)] {
        [(.multipliers, .int32(requantization.map(\.multiplier))), (.shifts, .int32(requantization.map(\.shift)))]
    }

    private static func u32(_ value: Int, _ what: String) throws(BlobProblem) -> UInt32 {
        guard let field = UInt32(exactly: value) else { throw BlobProblem("\(what) \(value) does not fit a u32 field") }
        return field
    }
}
