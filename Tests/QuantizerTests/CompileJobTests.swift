import AtomicFile
import FloatEngine
import Foundation
import Imaging
import Int8Blob
import Int8Runtime
import NPY
import QuantCore
import TestSupport
import Testing
import VGGModel
@testable import Quantizer

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")
private let models = fixtures.appendingPathComponent("models")
private let digits = fixtures.appendingPathComponent("digits")

/// The committed digits model's own input transform (Tests/Fixtures/digits/model.json).
private let digitsPreprocessing = Preprocessing(resize: 32, cropHeight: 32, cropWidth: 32,
                                                mean: [0.3053, 0.3053, 0.3053], std: [0.3234, 0.3234, 0.3234])

/// 10*log10(sum ref^2 / sum (ref - x)^2).
private func sqnr(_ reference: [Float], _ x: [Float]) -> Double {
    let signal = reference.reduce(0.0) { $0 + Double($1) * Double($1) }
    let noise = zip(reference, x).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    return 10 * log10(signal / max(noise, 1e-30))
}

/// Compiles a fixture model with minmax clips (the largest output of every layer) taken on the
/// same batch it is then run on, and runs the reference int8 executor: the int8 logits must track
/// the fused fp32 graph's closely.
@Test(arguments: ["vgg11", "vgg16_bn"])
func int8ReferenceTracksFloatOnCalibrationImages(arch: String) throws {
    let array = try NPYArray(path: models.appendingPathComponent("batch64.input.npy").path)
    let x = FloatTensor(shape: array.shape, values: try array.floats())
    let preprocessing = Preprocessing(resize: 72, cropHeight: 64, cropWidth: 64,
                                      mean: Preprocessing.imagenet.mean, std: Preprocessing.imagenet.std)
    let job = CompileJob(weights: models.appendingPathComponent("\(arch).pth"), arch: VGGArch(rawValue: arch)!,
                         calibration: .inputs(x.items), preprocessing: preprocessing, method: .minmax)
    let result = try job.run()
    let model = result.model
    #expect(model.calibration == "minmax, cross-layer equalized, \(x.items.count) images, bias corrected, GPTQ rounding" && model.labels == (0..<10).map { "class \($0)" })
    let reference = try FloatEngine(network: result.network).run(x)
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

/// The digits model from its calibration folder: the blob written is the model returned, the
/// events come in order, the options are recorded.
@Test func compileJobWritesTheModelItReturns() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-compile-job-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let blob = directory.appendingPathComponent("digits.vq8")
    let job = CompileJob(weights: digits.appendingPathComponent("vgg11_bn-digits.pth"),
                         calibration: .folder(digits.appendingPathComponent("calibration"), count: 9),
                         preprocessing: digitsPreprocessing, method: .percentile, percentile: 99.9,
                         target: try TargetProfile.resolve("x86_64-avx2"),
                         labelsPath: digits.appendingPathComponent("labels.txt").path, threads: 2)
    var events: [CompileJob.Event] = []
    let result = try job.run(writingTo: blob) { events.append($0) }
    // Calibration, then GPTQ (the linear layers: pair-bounded convolutions keep rounding to
    // nearest) and bias correction, each over the 9 images in batches of 8.
    #expect(events == [CompileJob.Pass.calibration, .gptq, .biasCorrection].flatMap { pass -> [CompileJob.Event] in
        [.passStarted(pass, imageCount: 9), .imagesDone(pass, 8), .imagesDone(pass, 9), .passFinished(pass)]
    })
    #expect(try Data(contentsOf: blob) == Data(BlobWriter.encode(result.model)))
    #expect(result.calibrationImageCount == 9 && result.methodDescription == "percentile 99.9, cross-layer equalized" && result.pairBoundedWeights)
    let file = try BlobFile(path: blob.path)
    #expect(file.arch == "vgg11_bn" && file.target == "x86_64-avx2" && file.calibration == "percentile 99.9, cross-layer equalized, 9 images, bias corrected, GPTQ rounding")
    #expect(file.labels == (0..<10).map { "\($0)" })
    #expect(Preprocessing(file.input) == digitsPreprocessing)
    // The fp32 thread count does not change a bit of the blob.
    var oneThread = job
    oneThread.threads = 1
    #expect(try oneThread.run().model == result.model)
}

/// Options that would fail only after the calibration runs, and an output that cannot be
/// written, fail first: the (missing) checkpoint is never opened.
@Test func compileJobChecksBeforeTheSlowSteps() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/vgg11.pth")
    var job = CompileJob(weights: missing, calibration: .folder(digits.appendingPathComponent("calibration"), count: 1))
    job.threads = 0
    #expect(expectThrows(CalibrationError.self) { try job.run() }?.description == "threads must be 1...256, got 0")
    job.threads = 1
    job.percentile = 100.5
    #expect(expectThrows(CalibrationError.self) { try job.run() }?.description == "percentile must be in (0, 100], got 100.5")
    job.percentile = CalibrationMethod.defaultPercentile
    let output = URL(fileURLWithPath: "/nonexistent-folder/out.vq8")
    #expect(expectThrows(AtomicFileError.self) { try job.run(writingTo: output) }?.description
        == "cannot write /nonexistent-folder/out.vq8: folder /nonexistent-folder does not exist")
    // Now the checkpoint is read, and named.
    #expect(expectThrows((any Error).self) { try job.run() }.map { "\($0)".contains(missing.path) } == true)
}

/// Given inputs must have the crop's size.
@Test func compileJobRefusesInputsOfAnotherSize() throws {
    let job = CompileJob(weights: digits.appendingPathComponent("vgg11_bn-digits.pth"),
                         calibration: .inputs([[Float](repeating: 0, count: 3 * 32 * 32), [0, 1]]),
                         preprocessing: digitsPreprocessing)
    #expect(expectThrows(CalibrationError.self) { try job.run() }?.description
        == "calibration input 1 has 2 values, the 32x32 crop needs 3072")
}
