import CommandLineSupport
import ArgumentParser
import Foundation
import Imaging
import Int8Blob
import QuantCore
import Quantizer
import VGGModel

/// `vgg-quantize --weights FILE --calibration DIR -o model.vq8`: the compiler.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Quantize a torchvision VGG checkpoint to an int8 blob (the default subcommand).",
        discussion: """
        Folds BatchNorm into the convolutions, fuses ReLU, calibrates activation ranges on the \
        images of --calibration, quantizes weights per output channel and writes the blob atomically.
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
    var percentile: Double = 99.99

    @Option(name: .customLong("calibration-count"), help: ArgumentHelp("Use the first N images of the folder.", valueName: "n"))
    var calibrationCount: Int?

    @Option(help: ArgumentHelp("Deployment target: a Targets/ profile name or a .json file.", valueName: "name"))
    var target = "generic"

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Quantize convolution weights pair-bounded (|w[2j]| + |w[2j+1]| <= 128), so x86 AVX2 runs them with vpmaddubsw, about twice as fast; default: the target's setting (on for x86_64-avx2)."))
    var pairBoundedWeights: Bool?

    @Option(help: ArgumentHelp("Class names, one per line (default: ImageNet's for 1000-class models).", valueName: "file"))
    var labels: String?

    @Option(help: "Threads for the fp32 calibration runs.")
    var threads = 1

    func validate() throws {
        guard (1...256).contains(threads) else { throw CommandError("--threads must be 1...256, got \(threads)") }
        guard percentile > 0 && percentile <= 100 else { throw CommandError("--percentile must be in (0, 100], got \(percentile)") }
        if let calibrationCount, calibrationCount < 1 { throw CommandError("--calibration-count must be at least 1, got \(calibrationCount)") }
    }

    func run() throws {
        OpenBLASProcess.useOptimizedCoreIfNeeded()
        let start = Date()
        let preprocessing = try preprocessingOptions.preprocessing()
        let profile = try TargetProfile.resolve(target)
        let outputURL = URL(fileURLWithPath: output)
        try checkWritable(outputURL)
        let files = try CalibrationImages.list(URL(fileURLWithPath: calibration), count: calibrationCount)
        let network = try model.loadNetwork()
        let classNames = try ClassNames.load(labels, classCount: network.classCount)
        let images = try CalibrationImages.load(files, preprocessing: preprocessing) { Log.line($0) }

        let size = GraphPass.InputSize(height: preprocessing.cropHeight, width: preprocessing.cropWidth)
        let fused = network.applying(GraphPass.int8Preparation, input: size)
        let calibrator = Calibrator(network: fused, threads: threads)
        let progress = CalibrationProgress(total: images.count, label: "calibrating")
        let observers = try calibrator.observe(images.map(\.tensor), height: size.height, width: size.width) {
            progress.update(done: $0)
        }
        progress.finish()
        var clips: [String: Float] = [:]
        for (name, observer) in observers {
            clips[name] = try method.clip(observer, percentile: percentile)
        }
        let description = method == .percentile ? "percentile \(percentile)" : method.rawValue
        let pairBounded = pairBoundedWeights ?? profile.pairBoundedWeights
        let quantized = try ModelQuantizer.quantize(fused, preprocessing: preprocessing, clips: clips, labels: classNames,
                                                    target: profile.name,
                                                    calibration: "\(description), \(images.count) images",
                                                    pairBoundedConvolutions: pairBounded)
        try BlobWriter.write(quantized, to: outputURL)

        let blobBytes = (try? FileManager.default.attributesOfItem(atPath: outputURL.path)[.size] as? Int) ?? 0
        let checkpointBytes = model.weights.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int } ?? 0
        var summary = "\(output): \(network.arch.rawValue), \(quantized.layers.count) int8 layers, "
            + "\(Log.megabytes(blobBytes)) MB"
        if checkpointBytes > 0 {
            summary += " (checkpoint \(Log.megabytes(checkpointBytes)) MB, \(String(format: "%.2f", Double(checkpointBytes) / Double(max(blobBytes, 1))))x smaller)"
        }
        summary += "; \(description) calibration on \(images.count) images, target \(profile.name)"
            + (pairBounded ? " (pair-bounded convolution weights), " : ", ")
            + "\(String(format: "%.1f", Date().timeIntervalSince(start))) s"
        print(summary)
    }

    /// Fails before the long calibration run when the blob could not be written anyway.
    func checkWritable(_ url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CommandError("cannot write \(url.path): it is a folder")
        }
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("cannot write \(url.path): folder \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw CommandError("cannot write \(url.path): folder \(directory) is not writable")
        }
    }
}

extension CalibrationMethod: ExpressibleByArgument {}
