import Foundation
import Imaging
import Int8Blob
import Int8Runtime
import QuantCore
import Quantizer
import Testing
import VGGModel
@testable import Evaluation

/// `SensitivityAnalysis` on the committed digits model (vgg11_bn at 1/8 width, 32x32) and the
/// reduced vgg16_bn fixture, compiled in memory.
@Suite struct SensitivityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let digits = fixtures.appendingPathComponent("digits")

    /// The digits model as `make demo` compiles it, and its fused fp32 graph.
    static func digitsModel() throws -> CompileJob.Result {
        let preprocessing = Preprocessing(resize: 32, cropHeight: 32, cropWidth: 32,
                                          mean: [0.3053, 0.3053, 0.3053], std: [0.3234, 0.3234, 0.3234])
        return try CompileJob(weights: digits.appendingPathComponent("vgg11_bn-digits.pth"),
                              calibration: .folder(digits.appendingPathComponent("calibration"), count: 32),
                              preprocessing: preprocessing, labelsPath: digits.appendingPathComponent("labels.txt").path).run()
    }

    /// The first `count` held-out digits, in a folder of their own.
    static func heldout(_ count: Int) throws -> EvaluationImages {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-sensitivity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: digits.appendingPathComponent("heldout").path)
            .filter { $0.hasSuffix(".png") }.sorted().prefix(count)
        for name in names {
            try FileManager.default.copyItem(at: digits.appendingPathComponent("heldout/\(name)"), to: folder.appendingPathComponent(name))
        }
        return try EvaluationImages(folder: folder, labelsFile: nil, classNames: (0..<10).map(String.init))
    }

    /// A digits checkpoint as loaded (the evaluator fuses it, and equalizes it as the blob says).
    static func loaded(_ name: String) throws -> VGGNetwork {
        try VGGNetwork.load(arch: nil, weights: digits.appendingPathComponent(name))
    }

    static func analysis(_ model: QuantizedModel, network: VGGNetwork, name: String) throws -> (SensitivityAnalysis, Evaluator) {
        let blob = try BlobFile(bytes: BlobWriter.encode(model), name: name)
        let evaluator = try Evaluator(network: network, blob: blob, threads: 2, environment: [:])
        return (SensitivityAnalysis(evaluator: evaluator), evaluator)
    }

    /// Every layer with weights once, none other; each one alone in int8 costs less than all of
    /// them together (within 1 dB: noise from different layers can cancel a little).
    @Test func digitsListsEveryWeightedLayerOnce() throws {
        let compiled = try Self.digitsModel()
        let images = try Self.heldout(40)
        let (analysis, evaluator) = try Self.analysis(compiled.model, network: try Self.loaded("vgg11_bn-digits.pth"), name: "digits.vq8")
        let layers = try analysis.run(images)
        let whole = try evaluator.run(images).logits.sqnrDecibels
        let weighted = evaluator.blob.layers.filter { [.convolution, .linear, .logits].contains($0.kind) }.map(\.name)
        #expect(layers.map(\.name).sorted() == weighted.sorted())
        #expect(layers.count == 11)  // 8 convolutions, 2 hidden linear layers, the logits
        #expect(layers.map(\.aloneSQNRDecibels) == layers.map(\.aloneSQNRDecibels).sorted())
        for layer in layers {
            #expect(layer.aloneSQNRDecibels.isFinite && layer.allButSQNRDecibels.isFinite, "\(layer)")
            #expect(layer.aloneSQNRDecibels > whole - 1, "\(layer.name): alone \(layer.aloneSQNRDecibels) dB, whole network \(whole) dB")
            #expect((0...100).contains(layer.aloneTop1Agreement) && (0...100).contains(layer.allButTop1Agreement))
        }
    }

    /// One convolution's weights coarsened to multiples of 32 (about 3 bits) while its scales
    /// stay: that layer must come out worst alone, and keeping it in fp32 must win back the most.
    @Test(arguments: ["features.4", "features.18"])
    func aBadlyQuantizedLayerComesOutWorst(bad: String) throws {
        var compiled = try Self.digitsModel()
        compiled.model.layers = compiled.model.layers.map { layer in
            guard case .convolution(var conv) = layer, conv.weights.name == bad else { return layer }
            conv.weights.packed = conv.weights.packed.map { $0 / 32 * 32 }
            return .convolution(conv)
        }
        let (analysis, _) = try Self.analysis(compiled.model, network: try Self.loaded("vgg11_bn-digits.pth"), name: "bad.vq8")
        let layers = try analysis.run(try Self.heldout(40))
        #expect(layers.first?.name == bad, "\(layers.map { "\($0.name) \($0.aloneSQNRDecibels)" })")
        #expect(layers.max { $0.allButSQNRDecibels < $1.allButSQNRDecibels }?.name == bad)
        // And by a margin: the coarse layer is several dB below the next one.
        #expect(layers[0].aloneSQNRDecibels < layers[1].aloneSQNRDecibels - 6)
    }

    /// The reduced vgg16_bn (64x64): 13 convolutions and 3 linear layers, across its pools and
    /// its flatten.
    @Test func reducedVGG16BNListsSixteenLayers() throws {
        let preprocessing = Preprocessing(resize: 72, cropHeight: 64, cropWidth: 64,
                                          mean: Preprocessing.imagenet.mean, std: Preprocessing.imagenet.std)
        let compiled = try CompileJob(weights: Self.fixtures.appendingPathComponent("models/vgg16_bn.pth"),
                                      calibration: .folder(Self.fixtures.appendingPathComponent("../../Calibration").standardized, count: 4),
                                      preprocessing: preprocessing).run()
        let images = try EvaluationImages(folder: Self.fixtures.appendingPathComponent("../../Calibration").standardized, labelsFile: nil,
                                          classNames: compiled.model.labels)
        let (analysis, evaluator) = try Self.analysis(
            compiled.model, network: try VGGNetwork.load(arch: nil, weights: Self.fixtures.appendingPathComponent("models/vgg16_bn.pth")),
            name: "vgg16_bn.vq8")
        let layers = try analysis.run(images)
        let whole = try evaluator.run(images).logits.sqnrDecibels
        #expect(layers.allSatisfy { $0.aloneSQNRDecibels > whole - 1 }, "whole \(whole) dB: \(layers.map { ($0.name, $0.aloneSQNRDecibels) })")
        #expect(layers.count == 16)
        #expect(layers.filter { $0.kind == "convolution" }.count == 13)
        #expect(layers.filter { $0.kind == "linear" }.count == 2 && layers.filter { $0.kind == "logits" }.count == 1)
        #expect(layers.allSatisfy { $0.aloneSQNRDecibels.isFinite && $0.allButSQNRDecibels.isFinite })
    }

    /// The fp32 to uint8 map conversion and back: channel-major floats meet HWC bytes, padding
    /// channels hold the zero point, values clamp to 0...255; dequantizing gives the grid values.
    @Test func quantizeAndDequantizeMaps() {
        let map = LayerMap(height: 1, width: 2, channels: 4, scale: 0.5, zeroPoint: 10)
        // channel 0: 1.0, -20; channel 1: 0.2, 200
        let bytes = Boundary.quantize([1.0, -20, 0.2, 200], into: map)
        #expect(bytes == [12, 10, 10, 10, 0, 255, 10, 10])
        let output = ExecutionContext.LayerOutput(index: 0, name: "x", height: 1, width: 2, channels: 4, values: bytes,
                                                  scale: 0.5, zeroPoint: 10)
        #expect(SensitivityAnalysis.dequantize(output, channels: 2) == [1.0, -5, 0, 122.5])
    }
}
