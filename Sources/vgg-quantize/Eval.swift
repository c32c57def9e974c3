import ArgumentParser
import AtomicFile
import CommandLineSupport
import Evaluation
import Foundation
import Int8Blob
import NPY
import Quantizer

/// `vgg-quantize eval --weights FILE --blob model.vq8 --images DIR`: the int8 blob against the
/// fp32 weights it was compiled from (Docs/Evaluation.md).
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare an int8 blob with the fp32 weights it was compiled from: agreement, SQNR per layer, accuracy.",
        discussion: """
        Runs the fp32 reference (the fused graph) and the int8 runtime on the images of --images, \
        preprocessed as the blob says, and prints a summary. Labels come from --labels, or else from \
        class-named subfolders. Every output file is written atomically.
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("The blob to evaluate.", valueName: "model.vq8"))
    var blob: String

    @Option(help: ArgumentHelp("Folder of PNG/JPEG images (subfolders included, sorted by path).", valueName: "dir"))
    var images: String

    @Option(help: ArgumentHelp("CSV with the header file,label; a label is a class name or index. Default: class-named subfolders of --images, if any.",
                               valueName: "file.csv"))
    var labels: String?

    @Option(help: ArgumentHelp("Write the report as JSON.", valueName: "report.json"))
    var json: String?

    @Option(help: ArgumentHelp("Write the report as a self-contained HTML page.", valueName: "report.html"))
    var html: String?

    @Option(name: .customLong("save-logits"),
            help: ArgumentHelp("Write fp32.npy and int8.npy (float32, shape (N, classes)) and images.txt into this folder.", valueName: "dir"))
    var saveLogits: String?

    @Flag(help: "Also measure each layer's sensitivity: the logits with only that layer in int8, and with every layer but it in int8, worst first (Docs/Evaluation.md).")
    var sensitivity = false

    @Option(help: "Threads for each engine, which take turns (default: the CPUs available).")
    var threads: Int?

    /// `--threads`, or the CPUs available.
    var threadCount: Int { threads ?? availableProcessors }

    func validate() throws {
        if let threads { try CommandError.checkThreads(threads) }
    }

    func run() throws {
        OpenBLASProcess.useCore(for: .fastest)
        let blobFile = try BlobFile(path: blob)
        let imageSet = try EvaluationImages(folder: URL(fileURLWithPath: images), labelsFile: labels.map { URL(fileURLWithPath: $0) },
                                            classNames: blobFile.labels)
        let weightsFile = try model.weightsFile()
        let evaluator = try Evaluator(network: try model.loadNetwork(from: weightsFile), blob: blobFile, threads: threadCount,
                                      environment: ProcessInfo.processInfo.environment)
        if let saveLogits {
            do {
                try FileManager.default.createDirectory(atPath: saveLogits, withIntermediateDirectories: true)
            } catch {
                throw CommandError("cannot create folder \(saveLogits) for --save-logits")
            }
        }

        let progress = ProgressLine(total: imageSet.relativePaths.count, label: "evaluating")
        let result = try evaluator.run(imageSet, keepLogits: saveLogits != nil) { progress.update(done: $0) }
        progress.finish()
        let checkpointBytes = weightsFile.flatMap { try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? Int } ?? 0
        var report = EvaluationReport(result, evaluator: evaluator, images: imageSet, checkpointBytes: checkpointBytes)
        if sensitivity {
            let progress = ProgressLine(total: imageSet.relativePaths.count, label: "sensitivity")
            report.sensitivity = try SensitivityAnalysis(evaluator: evaluator).run(imageSet) { progress.update(done: $0) }
            progress.finish()
        }

        if let json {
            try AtomicFile.write(Array((try report.jsonText() + "\n").utf8), to: json)
        }
        if let html {
            try AtomicFile.write(Array(ReportPage.html(report).utf8), to: html)
        }
        if let saveLogits {
            let folder = URL(fileURLWithPath: saveLogits)
            let shape = [report.images, blobFile.labels.count]
            try AtomicFile.write(NPYArray(floats: result.fp32Logits, shape: shape).npyBytes, to: folder.appendingPathComponent("fp32.npy").path)
            try AtomicFile.write(NPYArray(floats: result.int8Logits, shape: shape).npyBytes, to: folder.appendingPathComponent("int8.npy").path)
            let paths = imageSet.files.map { $0.relativePath + "\n" }.joined()
            try AtomicFile.write(Array(paths.utf8), to: folder.appendingPathComponent("images.txt").path)
        }
        print(report.summaryText)
    }
}
