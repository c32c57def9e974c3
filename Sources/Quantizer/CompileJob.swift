import AtomicFile
import Foundation
import Imaging
import Int8Blob
import QuantCore
import VGGModel

/// The compiler's one entry point: a torchvision VGG checkpoint and calibration images in, the
/// int8 model (and its blob) out. `vgg-quantize compile` is this call plus argument parsing; the
/// tests call it too. The steps, in order:
///
/// 1. list the calibration folder (`CalibrationImages.list`), load the checkpoint
///    (`VGGNetwork.load`) and the class names (`ClassNames`), decode and preprocess the images;
/// 2. fuse the graph for the crop (`GraphPass.int8Preparation`);
/// 3. calibrate: run the fused fp32 graph over the images (`Calibrator`) and choose each
///    activation's clip with `method` (Docs/Calibration.md);
/// 4. quantize the weights and assemble the model (`ModelQuantizer`, Docs/Numerics.md);
/// 5. with `run(writingTo:progress:)`, write the blob atomically (`BlobWriter`); whether the
///    file can be written is checked before step 1.
///
/// A job is a value holding the options and nothing else: `run` keeps no state between calls,
/// and the same job on the same files always gives the same bytes (whatever `threads` is).
///
/// Example:
///
///     let job = CompileJob(weights: URL(fileURLWithPath: "vgg16_bn.pth"),
///                          calibration: .folder(URL(fileURLWithPath: "Calibration"), count: 32))
///     let result = try job.run(writingTo: URL(fileURLWithPath: "vgg16_bn.vq8"))
///     // result.model.calibration == "mse, 32 images", result.model.target == "generic"
public struct CompileJob {
    /// Where the calibration images come from.
    public enum CalibrationSource: Sendable {
        /// The PNG and JPEG files of a folder and its subfolders in byte-wise path order
        /// (`CalibrationImages`), the first `count` of them (nil: all), decoded and preprocessed
        /// with the job's `preprocessing`. A file that does not decode is skipped with a `.warning`.
        case folder(URL, count: Int?)
        /// Images already preprocessed: each `3 * cropHeight * cropWidth` floats, CHW
        /// (`Preprocessing.callAsFunction`).
        case inputs([[Float]])
    }

    /// A run over the calibration images: each takes the images through the fp32 graph once.
    public enum Pass: Sendable, Equatable {
        /// The activation ranges (`Calibrator`).
        case calibration
        /// GPTQ's layer inputs (`--rounding gptq`); each layer's rounding follows the pass.
        case gptq
        /// The output shifts of the int8 weights (`--bias-correction`).
        case biasCorrection

        /// The first word of its progress line.
        public var label: String {
            switch self {
            case .calibration: "calibrating"
            case .gptq: "GPTQ rounding"
            case .biasCorrection: "bias correction"
            }
        }
    }

    /// What `run` reports while it works, in this order: warnings, then for each pass it makes
    /// (calibration, then GPTQ and bias correction when on) its start, its progress and its end.
    /// Warnings about a layer (GPTQ's) come between a pass's start and its end.
    public enum Event: Equatable, Sendable {
        /// A calibration image was skipped, or a layer kept rounding to nearest; one line for
        /// stderr, `warning: ...`.
        case warning(String)
        /// A pass starts, on `imageCount` images.
        case passStarted(Pass, imageCount: Int)
        /// `imagesDone` images (cumulative) are through the fp32 graph; sent after every batch.
        case imagesDone(Pass, Int)
        /// The pass is done (GPTQ: its layers rounded too).
        case passFinished(Pass)
    }

    /// What a run made.
    public struct Result {
        /// The int8 model, as the blob carries it.
        public var model: QuantizedModel
        /// The fused fp32 graph that was calibrated and quantized: every int8 layer's fp32 twin.
        public var network: VGGNetwork
        /// The images the clips were computed on (skipped files not counted).
        public var calibrationImageCount: Int
        /// The method as the blob records it: `mse`, or `percentile 99.9`.
        public var methodDescription: String
        /// Whether the convolution weights were quantized pair-bounded.
        public var pairBoundedWeights: Bool
    }

    /// The checkpoint: torch `.pth` (zip or legacy) or `.safetensors`; nil: `arch`'s standard
    /// file in the torch hub cache.
    public var weights: URL?
    /// The architecture; nil: inferred from the checkpoint.
    public var arch: VGGArch?
    /// Check the SHA-256 a torchvision file name carries as its suffix.
    public var verifyHash: Bool
    /// A SHA-256 prefix the checkpoint must have, whatever its name (`--sha256`).
    public var expectedSHA256: String?
    public var calibration: CalibrationSource
    /// The input transform, recorded in the blob; its crop is the compiled input size.
    public var preprocessing: Preprocessing
    /// How each activation's clip is chosen from its statistics.
    public var method: CalibrationMethod
    /// P in (0, 100], in percent, for `.percentile`.
    public var percentile: Double
    /// The deployment target, recorded in the blob.
    public var target: TargetProfile
    /// Quantize convolution weights pair-bounded (Docs/Numerics.md); nil: `target`'s setting.
    public var pairBoundedWeights: Bool?
    /// A labels file, one class name per line, as the user wrote its path (messages quote it);
    /// nil: `ClassNames`' defaults.
    public var labelsPath: String?
    /// Threads of the fp32 calibration runs, in `ThreadCount.range`. The blob does not depend on it.
    public var threads: Int
    /// Lower each layer's bias by the mean output shift its int8 weights cause on the
    /// calibration images (`BiasCorrection`, Docs/Accuracy.md). On by default: logits SQNR
    /// +0.8 dB on the trained digits model, +2.8 and +3.1 dB on full-size vgg19_bn and vgg16_bn,
    /// +0.1 to +4.6 dB on the reduced BatchNorm archs (-0.7 to +3.9 on the others).
    public var biasCorrection = true
    /// Equalize consecutive layers' per-channel weight ranges before calibrating
    /// (`CrossLayerEqualization`). On by default: with GPTQ and bias correction it measured best
    /// (Docs/Accuracy.md, "The methods together"; alone it does not help).
    public var crossLayerEqualization = true
    /// The linear layers' weight format (`--classifier-weights`, `--weight-group-size`).
    public var classifierWeights = ClassifierWeights.int8
    /// How weights are rounded (`--rounding`): by `GPTQ` (the default: with bias correction it
    /// measured best, Docs/Accuracy.md), or to nearest (faster, and less memory: GPTQ holds a
    /// convolution's input Gram matrix, the deepest 4,608² floats, and a linear layer's inputs).
    public var rounding = WeightRounding.gptq

    /// A job with `vgg-quantize compile`'s defaults for every option not given: ImageNet
    /// preprocessing, `mse`, percentile 99.99, target `generic`, one thread.
    public init(weights: URL?, arch: VGGArch? = nil, verifyHash: Bool = true, expectedSHA256: String? = nil, calibration: CalibrationSource,
                preprocessing: Preprocessing = .imagenet, method: CalibrationMethod = .defaultMethod,
                percentile: Double = CalibrationMethod.defaultPercentile, target: TargetProfile = .generic,
                pairBoundedWeights: Bool? = nil, labelsPath: String? = nil, threads: Int = 1) {
        self.weights = weights
        self.arch = arch
        self.verifyHash = verifyHash
        self.expectedSHA256 = expectedSHA256
        self.calibration = calibration
        self.preprocessing = preprocessing
        self.method = method
        self.percentile = percentile
        self.target = target
        self.pairBoundedWeights = pairBoundedWeights
        self.labelsPath = labelsPath
        self.threads = threads
    }

    /// Compiles (steps 1 to 4) and returns the model without writing it.
    ///
    /// - Parameter progress: receives the `Event`s, on the calling thread.
    /// - Throws: the first problem, as a one-line error: `CalibrationError` (threads or
    ///   percentile out of range, the folder, no decodable image, a wrong input size, NaN
    ///   activations), `ModelError` or `CheckpointError` (the checkpoint, the labels file),
    ///   `ModelQuantizer.QuantizerError`.
    public func run(progress: (Event) -> Void = { _ in }) throws -> Result {
        try checkOptions()
        return try compile(progress: progress)
    }

    /// Compiles and writes the blob to `url` atomically (`BlobWriter.write`): a reader sees the
    /// old file or the whole new one, and a failed run leaves the old one as it was. Before the
    /// checkpoint is read, checks that `url` can be written (`AtomicFile.checkWritable`).
    ///
    /// - Throws: as `run(progress:)`, and `AtomicFileError` or `BlobError` for the file.
    public func run(writingTo url: URL, progress: (Event) -> Void = { _ in }) throws -> Result {
        try checkOptions()
        try AtomicFile.checkWritable(url.path)
        let result = try compile(progress: progress)
        try BlobWriter.write(result.model, to: url.relativePath)
        return result
    }

    /// The checks that would otherwise fail only after the calibration runs.
    private func checkOptions() throws {
        if let problem = ThreadCount.problem(threads) { throw CalibrationError(problem) }
        try CalibrationMethod.validatePercentile(percentile)
    }

    private func compile(progress: (Event) -> Void) throws -> Result {
        // The folder is listed before the checkpoint is loaded, so a wrong folder fails at once.
        var files: [URL] = []
        if case .folder(let folder, let count) = calibration {
            files = try CalibrationImages.list(folder, count: count)
        }
        let network = try VGGNetwork.load(arch: arch, weights: weights, verifyHash: verifyHash, expectedSHA256: expectedSHA256)
        let classNames = try ClassNames.load(labelsPath, classCount: network.classCount)
        let size = GraphPass.InputSize(height: preprocessing.cropHeight, width: preprocessing.cropWidth)
        let inputs: [[Float]]
        switch calibration {
        case .folder:
            inputs = try CalibrationImages.load(files, preprocessing: preprocessing) { progress(.warning($0)) }.map(\.tensor)
        case .inputs(let given):
            let count = 3 * size.height * size.width
            guard !given.isEmpty else { throw CalibrationError("no calibration inputs given") }
            if let index = given.firstIndex(where: { $0.count != count }) {
                throw CalibrationError("calibration input \(index) has \(given[index].count) values, "
                    + "the \(size.height)x\(size.width) crop needs \(count)")
            }
            inputs = given
        }

        let prepared = network.applying(GraphPass.int8Preparation, input: size)
        let fused = crossLayerEqualization ? CrossLayerEqualization.equalized(prepared) : prepared
        if crossLayerEqualization && method == .entropy {
            progress(.warning("warning: entropy calibration after cross-layer equalization measured far below mse "
                + "(Docs/Accuracy.md); consider --no-cross-layer-equalization or another --method"))
        }
        progress(.passStarted(.calibration, imageCount: inputs.count))
        let observers = try Calibrator(network: fused, threads: threads).observe(inputs, height: size.height, width: size.width) {
            progress(.imagesDone(.calibration, $0))
        }
        progress(.passFinished(.calibration))
        var clips: [String: Float] = [:]
        for (name, observer) in observers {
            clips[name] = try method.clip(observer, percentile: percentile)
        }
        let description = (method == .percentile ? "percentile \(percentile)" : method.rawValue)
            + (crossLayerEqualization ? ", \(CrossLayerEqualization.calibrationNote)" : "")
        let pairBounded = pairBoundedWeights ?? target.pairBoundedWeights
        let roundingNote = rounding == .gptq ? ", GPTQ rounding" : ""
        var rounded: [String: RoundedWeights] = [:]
        if rounding == .gptq {
            // Pair-bounded convolutions keep their own rounding (the bound needs it).
            progress(.passStarted(.gptq, imageCount: inputs.count))
            rounded = GPTQ.round(fused, inputs: inputs, height: size.height, width: size.width, threads: threads,
                                 classifierWeights: classifierWeights, skipConvolutions: pairBounded,
                                 imagesDone: { progress(.imagesDone(.gptq, $0)) }) { progress(.warning($0)) }
            progress(.passFinished(.gptq))
        }
        var model = try ModelQuantizer.quantize(fused, preprocessing: preprocessing, clips: clips, labels: classNames,
                                                target: target.name, calibration: "\(description), \(inputs.count) images\(roundingNote)",
                                                pairBoundedConvolutions: pairBounded, classifierWeights: classifierWeights,
                                                roundedWeights: rounded)
        if biasCorrection {
            progress(.passStarted(.biasCorrection, imageCount: inputs.count))
            let corrected = BiasCorrection.corrected(fused, model: model, inputs: inputs, height: size.height, width: size.width,
                                                     threads: threads) { progress(.imagesDone(.biasCorrection, $0)) }.network
            progress(.passFinished(.biasCorrection))
            model = try ModelQuantizer.quantize(corrected, preprocessing: preprocessing, clips: clips, labels: classNames,
                                                target: target.name,
                                                calibration: "\(description), \(inputs.count) images, bias corrected\(roundingNote)",
                                                pairBoundedConvolutions: pairBounded, classifierWeights: classifierWeights,
                                                roundedWeights: rounded)
        }
        return Result(model: model, network: fused, calibrationImageCount: inputs.count, methodDescription: description,
                      pairBoundedWeights: pairBounded)
    }
}
