import ArgumentParser
import AtomicFile
import CommandLineSupport
import Foundation
import Quantizer

/// `vgg-quantize --weights FILE --calibration DIR -o model.vq8`: the compiler's options, handed
/// to `CompileJob` (Quantizer), which does the work; this prints the progress and the summary.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Quantize a torchvision VGG checkpoint to an int8 blob (the default subcommand).",
        discussion: """
        Folds BatchNorm into the convolutions, fuses ReLU, equalizes weight ranges across layers, \
        calibrates activation ranges on the images of --calibration, quantizes weights per output \
        channel with GPTQ's rounding, corrects biases and writes the blob atomically.
        """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var preprocessingOptions: PreprocessingOptions

    @Option(help: ArgumentHelp("Folder of PNG/JPEG calibration images (sorted by path).", valueName: "dir"))
    var calibration: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The blob to write.", valueName: "model.vq8"))
    var output: String

    @Option(help: ArgumentHelp("Activation range method: \(CalibrationMethod.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "method"))
    var method: CalibrationMethod = .defaultMethod

    @Option(help: "Percentile for --method percentile, in (0, 100].")
    var percentile: Double = CalibrationMethod.defaultPercentile

    @Option(name: .customLong("calibration-count"), help: ArgumentHelp("Use the first N images of the folder.", valueName: "n"))
    var calibrationCount: Int?

    @Option(help: ArgumentHelp("Deployment target: a Targets/ profile name or a .json file.", valueName: "name"))
    var target = "generic"

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Quantize convolution weights pair-bounded (|w[2j]| + |w[2j+1]| <= 128), so x86 AVX2 runs them with vpmaddubsw, about 1.4x faster in vgg-run on the layers Winograd does not take; default: the target's setting (on for x86_64-avx2)."))
    var pairBoundedWeights: Bool?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Lower each layer's bias by the mean output shift its int8 weights cause on the calibration images (Docs/Accuracy.md)."))
    var biasCorrection = true

    @Option(name: .customLong("classifier-weights"), help: ArgumentHelp(
        "Weight format of the linear layers: int8, or int4 (4-bit weights for the hidden linear layers, one scale per group of input columns: a vgg16 blob about 58% the size; with GPTQ, more calibration images narrow its fidelity gap; Docs/Accuracy.md).",
        valueName: "int8|int4"))
    var classifierWeights = ClassifierWeightsOption.int8

    @Option(name: .customLong("weight-group-size"), help: ArgumentHelp(
        "Input columns per 4-bit weight group, with --classifier-weights int4: \(ClassifierWeights.offeredGroupSizes.map(String.init).joined(separator: ", ")).",
        valueName: "n"))
    var weightGroupSize: Int?

    @Option(help: ArgumentHelp(
        "Weight rounding: gptq (rounding-aware on the calibration images, the default: vgg16 about a minute more and 1.8 GB), or nearest (1.6 GB; Docs/Accuracy.md).",
        valueName: "gptq|nearest"))
    var rounding = WeightRounding.gptq

    @Flag(name: .customLong("cross-layer-equalization"), inversion: .prefixedNo, help: ArgumentHelp(
        "Equalize consecutive layers' weight ranges through ReLU before calibrating (the same function; with GPTQ and bias correction it measured best: Docs/Accuracy.md)."))
    var crossLayerEqualization = true

    @Option(help: ArgumentHelp("Class names, one per line (default: ImageNet's for 1000-class models).", valueName: "file"))
    var labels: String?

    @Option(help: "Threads for the fp32 calibration runs (default: the CPUs available).")
    var threads: Int?

    /// `--threads`, or the CPUs available.
    var threadCount: Int { threads ?? availableProcessors }

    func validate() throws {
        if let threads { try CommandError.checkThreads(threads) }
        if let problem = CalibrationMethod.percentileProblem(percentile, name: "--percentile") { throw CommandError(problem) }
        if let calibrationCount, calibrationCount < 1 { throw CommandError("--calibration-count must be at least 1, got \(calibrationCount)") }
        if let weightGroupSize {
            guard classifierWeights == .int4 else { throw CommandError("--weight-group-size needs --classifier-weights int4") }
            guard ClassifierWeights.offeredGroupSizes.contains(weightGroupSize) else {
                throw CommandError("--weight-group-size must be one of \(ClassifierWeights.offeredGroupSizes.map(String.init).joined(separator: ", ")), got \(weightGroupSize)")
            }
        }
    }

    func run() throws {
        OpenBLASProcess.useCore(for: .reproducible)
        let start = Date()
        let outputURL = URL(fileURLWithPath: output)
        // The checks CompileJob makes before anything slow, made before a download as well.
        try AtomicFile.checkWritable(outputURL.relativePath)
        _ = try CalibrationImages.list(URL(fileURLWithPath: calibration), count: calibrationCount)
        let weightsFile = try model.weightsFile()
        var job = CompileJob(weights: weightsFile, arch: model.arch,
                             verifyHash: !model.noVerify, expectedSHA256: try model.expectedSHA256(),
                             calibration: .folder(URL(fileURLWithPath: calibration), count: calibrationCount),
                             preprocessing: try preprocessingOptions.preprocessing(), method: method, percentile: percentile,
                             target: try TargetProfile.resolve(target), pairBoundedWeights: pairBoundedWeights,
                             labelsPath: labels, threads: threadCount)
        job.biasCorrection = biasCorrection
        job.crossLayerEqualization = crossLayerEqualization
        job.rounding = rounding
        job.classifierWeights = classifierWeights == .int4
            ? .int4(groupSize: weightGroupSize ?? ClassifierWeights.defaultGroupSize) : .int8
        var progress: ProgressLine?
        let result = try job.run(writingTo: outputURL) { event in
            switch event {
            case .warning(let line):
                // A bar being redrawn on a terminal ends its line first.
                if let bar = progress, bar.isTerminal && !bar.isFinished { ProgressLine.standardError("\n") }
                Log.line(line)
            case .passStarted(let pass, let imageCount): progress = ProgressLine(total: imageCount, label: pass.label)
            case .imagesDone(_, let imagesDone): progress?.update(done: imagesDone)
            case .passFinished: progress?.finish()
            }
        }

        let blobBytes = (try? FileManager.default.attributesOfItem(atPath: outputURL.path)[.size] as? Int) ?? 0
        let checkpointBytes = weightsFile.flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int } ?? 0
        let grouped = result.model.layers.compactMap { layer -> Int? in
            if case .linear(let linear) = layer { return linear.weights.groups?.size }
            return nil
        }
        var summary = "\(output): \(result.model.arch), \(result.model.layers.count) int8 layers"
            + (grouped.isEmpty ? ", " : " (\(grouped.count) linear with 4-bit weights in groups of \(grouped[0])), ")
            + "\(Log.megabytes(blobBytes)) MB"
        if checkpointBytes > 0 {
            summary += " (checkpoint \(Log.megabytes(checkpointBytes)) MB, \(String(format: "%.2f", Double(checkpointBytes) / Double(max(blobBytes, 1))))x smaller)"
        }
        summary += "; \(result.methodDescription) calibration on \(result.calibrationImageCount) images, target \(result.model.target)"
            + (result.pairBoundedWeights ? " (pair-bounded convolution weights), " : ", ")
            + "\(String(format: "%.1f", Date().timeIntervalSince(start))) s"
        print(summary)
    }
}

extension CalibrationMethod: ExpressibleByArgument {}
extension WeightRounding: ExpressibleByArgument {}

/// `--classifier-weights`.
enum ClassifierWeightsOption: String, ExpressibleByArgument, CaseIterable {
    case int8, int4
}
