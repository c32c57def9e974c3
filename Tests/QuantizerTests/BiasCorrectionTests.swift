import FloatEngine
import Foundation
import Imaging
import Int8Blob
import Int8Runtime
import QuantCore
import Testing
import VGGModel
@testable import Quantizer

/// `BiasCorrection` on the committed digits model (trained vgg11_bn at 1/8 width, 32x32).
@Suite struct BiasCorrectionTests {
    static let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/digits")
    static let preprocessing = Preprocessing(resize: 32, cropHeight: 32, cropWidth: 32,
                                             mean: [0.3053, 0.3053, 0.3053], std: [0.3234, 0.3234, 0.3234])

    static func images(_ folder: String, count: Int) throws -> [[Float]] {
        let files = try CalibrationImages.list(digits.appendingPathComponent(folder), count: count)
        return try CalibrationImages.load(files, preprocessing: preprocessing) { _ in }.map(\.tensor)
    }

    static func compile(biasCorrection: Bool) throws -> CompileJob.Result {
        var job = CompileJob(weights: digits.appendingPathComponent("vgg11_bn-digits.pth"),
                             calibration: .folder(digits.appendingPathComponent("calibration"), count: 32),
                             preprocessing: preprocessing, threads: 2)
        job.biasCorrection = biasCorrection
        job.rounding = .nearest // what these tests measure: bias correction of rounding to nearest's errors
        job.crossLayerEqualization = false
        return try job.run()
    }

    /// The weight errors are in the fused graph's layout: every element within half a step of
    /// its row's scale (a layout mix-up would pair a weight with another's int8 value).
    @Test func weightErrorsAreRoundingErrors() throws {
        let result = try Self.compile(biasCorrection: false)
        let errors = BiasCorrection.weightErrors(result.network, model: result.model)
        #expect(errors.count == 11)
        var scales: [String: [Float]] = [:]
        for layer in result.model.layers {
            if case .convolution(let conv) = layer { scales[conv.weights.name] = conv.weights.weightScales }
            if case .linear(let linear) = layer { scales[linear.weights.name] = linear.weights.weightScales }
        }
        for (name, error) in errors {
            let scale = try #require(scales[name])
            switch error {
            case .conv(let conv):
                let perOutput = conv.inChannels * 9
                for (i, e) in conv.weightOIHW.enumerated() { #expect(abs(e) <= scale[i / perOutput] * 0.5001, "\(name)[\(i)]") }
            case .linear(let linear):
                for (i, e) in linear.weight.enumerated() { #expect(abs(e) <= scale[i / linear.inFeatures] * 0.5001, "\(name)[\(i)]") }
            default:
                Issue.record("\(name): not a convolution or linear layer")
            }
        }
    }

    /// The first convolution's shift, by direct sums over the calibration images: per output
    /// channel, the mean over images and pixels of sum_k error[o][k] * input (zero padding at the
    /// border); the corrected bias is the old one minus it.
    @Test func theShiftIsTheMeanOutputOfTheWeightError() throws {
        let result = try Self.compile(biasCorrection: false)
        let inputs = try Self.images("calibration", count: 6)
        let (corrected, shifts) = BiasCorrection.corrected(result.network, model: result.model, inputs: inputs, height: 32, width: 32,
                                                           threads: 2)
        guard case .conv(let error) = BiasCorrection.weightErrors(result.network, model: result.model)["features.0"]!,
              case .conv(let before) = result.network.layers[0].layer, case .conv(let after) = corrected.layers[0].layer
        else { Issue.record("features.0 is not a convolution"); return }
        let shift = try #require(shifts["features.0"])
        for o in 0..<error.outChannels {
            var sum = 0.0
            for image in inputs {
                for y in 0..<32 {
                    for x in 0..<32 {
                        for c in 0..<3 {
                            for tap in 0..<9 {
                                let (sy, sx) = (y + tap / 3 - 1, x + tap % 3 - 1)
                                guard (0..<32).contains(sy), (0..<32).contains(sx) else { continue }
                                sum += Double(error.weightOIHW[(o * 3 + c) * 9 + tap]) * Double(image[(c * 32 + sy) * 32 + sx])
                            }
                        }
                    }
                }
            }
            let expected = sum / Double(inputs.count * 32 * 32)
            #expect(abs(Double(shift[o]) - expected) <= 1e-5 + 1e-3 * abs(expected), "channel \(o): \(shift[o]) vs \(expected)")
            #expect(after.bias[o] == before.bias[o] - shift[o])
        }
        #expect(corrected.layers.count == result.network.layers.count)
    }

    /// What it is for: on the held-out digits (not seen in calibration), the int8 logits get
    /// closer to fp32's (measured 38.3 -> 39.1 dB with mse clips, Docs/Accuracy.md).
    @Test func heldOutLogitsGetCloserToFloat() throws {
        let plain = try Self.compile(biasCorrection: false), corrected = try Self.compile(biasCorrection: true)
        #expect(corrected.model.calibration.hasSuffix(", bias corrected") && !plain.model.calibration.contains("bias"))
        let images = try Self.images("heldout", count: 120)
        let reference = try FloatEngine(network: plain.network, threads: 2)
            .run(FloatTensor(batch: images, channels: 3, height: 32, width: 32)).values
        func logits(_ model: QuantizedModel) throws -> [Float] {
            let blob = try BlobFile(bytes: BlobWriter.encode(model), name: "digits.vq8")
            let context = try ExecutionContext(model: try Int8Model(blob: blob, kernels: Kernel.runnable), threads: 1)
            return images.flatMap { context.logits(preprocessed: $0) }
        }
        func sqnr(_ x: [Float]) -> Double {
            let signal = reference.reduce(0.0) { $0 + Double($1) * Double($1) }
            let noise = zip(reference, x).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            return 10 * log10(signal / noise)
        }
        let (before, after) = (sqnr(try logits(plain.model)), sqnr(try logits(corrected.model)))
        print("digits held-out logits SQNR: \(before) dB plain, \(after) dB bias corrected")
        #expect(after > before + 0.3, "\(before) -> \(after) dB")
    }
}
