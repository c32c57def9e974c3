import Foundation
import QuantCore
import Testing
@testable import Int8Blob

/// The writer refuses models the reader would refuse, with the reader's message.
@Suite struct WriterTests {
    static let model = TinyModel.make(seed: TinyModel.goldenSeed)

    static func problem(_ change: (inout QuantizedModel) -> Void) -> String? {
        var model = Self.model
        change(&model)
        do {
            _ = try BlobWriter.encode(model)
            return nil
        } catch {
            return error.description
        }
    }

    static func convolution(_ index: Int, in model: QuantizedModel) -> QuantizedConvolution {
        guard case .convolution(let convolution) = model.layers[index] else { preconditionFailure("layer \(index) is not a convolution") }
        return convolution
    }

    @Test func invalidModelsAreRefused() {
        #expect(Self.problem { $0.labels.removeLast() } == "blob: refusing to write an invalid model: 5 labels for 6 classes")
        #expect(Self.problem { $0.input.mean.append(0) }
            == "blob: refusing to write an invalid model: input mean and std have 4 and 3 values; a blob stores 3 each (R, G, B)")
        #expect(Self.problem { $0.input.resize = -1 } == "blob: refusing to write an invalid model: input resize -1 does not fit a u32 field")
        #expect(Self.problem { $0.layers.removeLast() }
            == "blob: refusing to write an invalid model: the last layer, layer 4 \"classifier.0\", is a linear layer; a blob ends with a logits layer")
        #expect(Self.problem { $0.layers.append(.maxPool(name: "pool")) }
            == "blob: refusing to write an invalid model: layer 6 \"pool\" follows the logits layer, which must be the last")
        #expect(Self.problem { $0.layers = [] } == "blob: refusing to write an invalid model: the blob has no layers")
        // Without the adaptive pool the linear layer reads the 4x4 map.
        #expect(Self.problem { $0.layers.remove(at: 3) }
            == "blob: refusing to write an invalid model: layer 3 \"classifier.0\": depth 48, the flattened 4x4x11 map (12 channels padded) has 192")
        #expect(Self.problem { model in
            var convolution = Self.convolution(2, in: model)
            convolution.outputQuantization.scale = 0.5
            model.layers[2] = .convolution(convolution)
        } == "blob: refusing to write an invalid model: layer 4 \"classifier.0\": input quantization (scale 0.07, zero point 0) differs from the previous layer's output (scale 0.5, zero point 0)")
    }

    @Test func arraysThatDisagreeWithTheShapeAreRefused() {
        #expect(Self.problem { model in
            var convolution = Self.convolution(0, in: model)
            convolution.weights.packed.removeLast()
            model.layers[0] = .convolution(convolution)
        } == "blob: refusing to write an invalid model: layer 0 \"features.0\": packed weights have 575 bytes, 5 outputs and depth 36 need 576")
        #expect(Self.problem { model in
            var convolution = Self.convolution(2, in: model)
            convolution.weights.packed[3] = -128
            model.layers[2] = .convolution(convolution)
        } == "blob: refusing to write an invalid model: layer 2 \"features.3\": packed weights contain -128 (weights are in [-127, 127])")
        #expect(Self.problem { model in
            var convolution = Self.convolution(2, in: model)
            convolution.inputChannels = 4
            model.layers[2] = .convolution(convolution)
        } == "blob: refusing to write an invalid model: layer 2 \"features.3\": 4 input channels, the map it reads has 5")
    }

    @Test func unwritablePathIsOneLine() {
        let url = URL(fileURLWithPath: "/nonexistent-directory/model.vq8")
        #expect(throws: (any Error).self) { try BlobWriter.write(Self.model, to: url.path) }
        do {
            try BlobWriter.write(Self.model, to: url.path)
        } catch {
            #expect("\(error)" == "cannot write /nonexistent-directory/model.vq8: No such file or directory")
        }
    }

    @Test func fileErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("Int8BlobTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.vq8").path
        #expect(throws: BlobError(path: missing, problem: "file does not exist")) { try BlobFile(path: missing) }
        #expect(throws: BlobError(path: directory.path, problem: "is a directory, not a blob")) { try BlobFile(path: directory.path) }
        let empty = directory.appendingPathComponent("empty.vq8")
        try Data().write(to: empty)
        #expect(throws: BlobError(path: empty.path, problem: "truncated: file has 0 bytes, a blob header has 128")) {
            try BlobFile(path: empty.path)
        }
        let cut = directory.appendingPathComponent("cut.vq8")
        let bytes = try BlobWriter.encode(Self.model)
        try Data(bytes[0 ..< 1000]).write(to: cut)
        #expect(throws: BlobError(path: cut.path, problem: "truncated: header says \(bytes.count) bytes, file has 1000")) {
            try BlobFile(path: cut.path)
        }
    }
}
