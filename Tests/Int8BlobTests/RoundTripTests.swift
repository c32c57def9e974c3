import Foundation
import QuantCore
import TestSupport
import Testing
@testable import Int8Blob

/// encode -> decode gives the model back exactly; the bytes are deterministic and aligned.
@Suite struct RoundTripTests {
    @Test func decodeGivesTheModelBack() throws {
        let model = TinyModel.make(seed: testSeed("decodeGivesTheModelBack"))
        let bytes = try BlobWriter.encode(model)
        let blob = try BlobFile(bytes: bytes, name: "tiny.vq8")
        #expect(blob.model() == model)
        #expect(try BlobWriter.encode(blob.model()) == bytes)
        #expect(blob.arch == "vgg_tiny" && blob.labels == TinyModel.labels && blob.input == model.input)
        #expect(blob.formatVersion == 1 && blob.fileByteCount == bytes.count)
    }

    /// Float bit patterns survive, including values that print alike.
    @Test func floatsAreStoredBitExactly() throws {
        var model = TinyModel.make(seed: 7)
        model.input.mean = [Float.leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude]
        model.input.std = [Float(bitPattern: 0x3E6A_7EFA), .leastNormalMagnitude, 1]
        let decoded = try BlobFile(bytes: BlobWriter.encode(model), name: "x").model()
        #expect(decoded.input.mean.map(\.bitPattern) == model.input.mean.map(\.bitPattern))
        #expect(decoded.input.std.map(\.bitPattern) == model.input.std.map(\.bitPattern))
    }

    @Test func encodingIsDeterministic() throws {
        let seed = testSeed("encodingIsDeterministic")
        let first = try BlobWriter.encode(TinyModel.make(seed: seed))
        let second = try BlobWriter.encode(TinyModel.make(seed: seed))
        #expect(first == second)
        #expect(try BlobWriter.encode(TinyModel.make(seed: seed &+ 1)) != first)
    }

    /// Every array starts at a multiple of 64 (in the file and in memory) and is followed by
    /// zeros up to the next multiple of 64, so kernels may read whole 64-byte blocks.
    @Test func arraysAreAlignedAndZeroPadded() throws {
        let bytes = try BlobWriter.encode(TinyModel.make(seed: testSeed("arraysAreAlignedAndZeroPadded")))
        #expect(bytes.count % 64 == 0)
        let blob = try BlobFile(bytes: bytes, name: "tiny.vq8")
        var arrayCount = 0
        for layer in blob.layers {
            let arrays: [UnsafeRawBufferPointer] = [
                UnsafeRawBufferPointer(layer.packedWeights), UnsafeRawBufferPointer(layer.bias),
                UnsafeRawBufferPointer(layer.weightScales), UnsafeRawBufferPointer(layer.multipliers),
                UnsafeRawBufferPointer(layer.shifts),
            ]
            for array in arrays where !array.isEmpty {
                arrayCount += 1
                let offset = array.baseAddress! - blob.bytes.baseAddress!
                #expect(offset % 64 == 0, "\(layer.name): array at file offset \(offset)")
                #expect(Int(bitPattern: array.baseAddress!) % 64 == 0)
                let paddingEnd = BlobFormat.alignedOffset(offset + array.count)
                #expect(bytes[offset + array.count ..< paddingEnd].allSatisfy { $0 == 0 })
            }
        }
        #expect(arrayCount == 3 * 5 + 3)
    }

    /// The runtime's views show the same values as the model.
    @Test func viewsMatchTheModel() throws {
        let model = TinyModel.make(seed: testSeed("viewsMatchTheModel"))
        let blob = try BlobFile(bytes: BlobWriter.encode(model), name: "tiny.vq8")
        #expect(blob.layers.map(\.kind) == [.convolution, .maxPool, .convolution, .adaptiveAveragePool, .linear, .logits])
        for (layer, source) in zip(blob.layers, model.layers) {
            switch source {
            case .convolution(let convolution):
                #expect(Array(layer.packedWeights) == convolution.weights.packed)
                #expect(Array(layer.bias) == convolution.weights.bias)
                #expect(Array(layer.weightScales) == convolution.weights.weightScales)
                #expect(Array(layer.multipliers) == convolution.requantization.map(\.multiplier))
                #expect(Array(layer.shifts) == convolution.requantization.map(\.shift))
                #expect(layer.inputChannels == convolution.inputChannels)
                #expect(layer.outputQuantization == convolution.outputQuantization)
            case .linear(let linear):
                #expect(Array(layer.packedWeights) == linear.weights.packed)
                #expect(Array(layer.bias) == linear.weights.bias)
                #expect(layer.inputQuantization == linear.weights.inputQuantization)
                if case .logits = linear.output {
                    #expect(layer.multipliers.isEmpty && layer.shifts.isEmpty && layer.outputQuantization == nil)
                }
            case .maxPool(let name):
                #expect(layer.name == name && layer.packedWeights.isEmpty && layer.inputQuantization == nil)
            case .adaptiveAveragePool(_, let height, let width):
                #expect(layer.poolHeight == height && layer.poolWidth == width)
            }
        }
    }

    /// The mmap path: write atomically, map, read back.
    @Test func writeThenMap() throws {
        let model = TinyModel.make(seed: testSeed("writeThenMap"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("Int8BlobTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.vq8")
        try BlobWriter.write(model, to: url.path)
        let blob = try BlobFile(path: url.path)
        #expect(blob.model() == model)
        #expect(Int(bitPattern: blob.layers[0].packedWeights.baseAddress!) % 64 == 0)
        let unverified = try BlobFile(path: url.path, verifyData: false)
        #expect(unverified.dataChecksumMatches())
        #expect(unverified.model() == model)
    }
}
