import Foundation
import Imaging
import Int8Runtime
import NPY
import QuantCore
import Testing
import TorchCheckpoint
import VGGModel
import FloatEngine
@testable import Quantizer

private let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/models")

private func input(_ batch: String) throws -> FloatTensor {
    let array = try NPYArray(contentsOf: models.appendingPathComponent("\(batch).input.npy"))
    return FloatTensor(shape: array.shape, values: try array.floats())
}

/// 10*log10(sum ref^2 / sum (ref - x)^2).
func sqnr(_ reference: [Float], _ x: [Float]) -> Double {
    let signal = reference.reduce(0.0) { $0 + Double($1) * Double($1) }
    let noise = zip(reference, x).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    return 10 * log10(signal / max(noise, 1e-30))
}

/// Quantizes a fixture model with max-of-outputs clips taken on the same batch and runs the
/// reference int8 executor: the int8 logits must track fp32 closely.
@Test(arguments: ["vgg11", "vgg16_bn"])
func int8ReferenceTracksFloatOnCalibrationImages(arch: String) throws {
    let original = try VGGNetwork(arch: VGGArch(rawValue: arch)!,
                                  weights: Checkpoint.load(contentsOf: models.appendingPathComponent("\(arch).pth")))
    let x = try input("batch64")
    let preprocessing = Preprocessing(resize: 72, cropHeight: 64, cropWidth: 64,
                                      mean: Preprocessing.imagenet.mean, std: Preprocessing.imagenet.std)
    let fused = original.applying(GraphPass.int8Preparation, input: .init(height: 64, width: 64))
    var clips: [String: Float] = [:]
    let reference = try FloatEngine(network: fused).run(x) { name, tensor in
        clips[name] = max(clips[name] ?? 0, tensor.values.max() ?? 0)
    }
    let model = try ModelQuantizer.quantize(fused, preprocessing: preprocessing, clips: clips,
                                            labels: (0..<10).map { "class \($0)" }, target: "generic", calibration: "test")
    guard case .linear(let last) = model.layers.last! else { Issue.record("last layer is not linear"); return }
    for (image, expected) in zip(x.items, reference.items) {
        let q = Boundary.quantizeInput(image, height: 64, width: 64, quantization: model.input.quantization)
        let result = ReferenceExecutor.run(model, input: q, height: 64, width: 64)
        let logits = Boundary.dequantizeLogits(result.accumulators, layer: last)
        let db = sqnr(expected, logits)
        print("\(arch) int8 reference vs fp32: logits SQNR \(String(format: "%.1f", db)) dB")
        #expect(db > 25, "\(arch): logits SQNR \(db) dB")
        #expect(logits.indices.max { logits[$0] < logits[$1] } == expected.indices.max { expected[$0] < expected[$1] })
    }
}

@Test func weightQuantizationWorkedExample() {
    let q = WeightQuantization(rows: [0.5, -1.27, 0.003, 0, 0, 0], outputs: 2, depth: 3)
    #expect(q.values == [50, -127, 0, 0, 0, 0])
    #expect(q.scales[0] == Float(1.27) / 127 && q.scales[1] == 1)
}

@Test func inputRangeCoversEveryPixelAndZeroIsExact() {
    let q = ModelQuantizer.inputRange(.imagenet)
    let mean = Preprocessing.imagenet.mean, std = Preprocessing.imagenet.std
    for c in 0..<3 {
        for pixel in [Float(0), 1] {
            let x = (pixel - mean[c]) / std[c]
            let level = (x / q.scale).rounded() + Float(q.zeroPoint)
            // Within half a step of the representable range [0, 255].
            #expect(level >= -0.5 && level <= 255.5, "channel \(c) pixel \(pixel): level \(level)")
        }
    }
}
