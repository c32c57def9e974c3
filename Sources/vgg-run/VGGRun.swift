import ArgumentParser
import AtomicFile
import Classification
import CommandLineSupport
import Foundation
import Int8Runtime
import NPY
import VGGInt8Runtime

/// `vgg-run model.vq8 IMAGE...`: the on-device runtime. Links no BLAS and no compiler code.
@main
struct VGGRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vgg-run",
        abstract: "Classify images with an int8 blob written by vgg-quantize (integer-only runtime).",
        discussion: """
        The blob carries the preprocessing (resize, crop, mean, std) and the class names. \
        The kernel is the best this CPU runs; \(Kernel.environmentVariable)=name[,name...] restricts the choice.
        """)

    @Argument(help: ArgumentHelp("The blob.", valueName: "model.vq8"))
    var blob: String

    @Argument(help: ArgumentHelp("PNG or JPEG images.", valueName: "image"))
    var images: [String] = []

    @Option(help: "Classes to print per image.")
    var top = 5

    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false

    @Option(help: "Threads (default: the CPUs available).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("logits-out"), help: ArgumentHelp("Write the logits as a float32 .npy of shape (N, classes), in input order.", valueName: "file.npy"))
    var logitsOut: String?

    @Option(help: ArgumentHelp("Time N runs on the first image after a warm-up run, and report.", valueName: "n"))
    var benchmark: Int?

    static func main() { mainWithOneLineErrors() }

    func validate() throws {
        try CommandError.checkThreads(threads)
        guard top >= 1 else { throw CommandError("--top must be at least 1, got \(top)") }
        if let benchmark, !(1...100_000).contains(benchmark) {
            throw CommandError("--benchmark must be 1...100000, got \(benchmark)")
        }
        guard !images.isEmpty else { throw CommandError("no images given (usage: vgg-run model.vq8 IMAGE...)") }
    }

    func run() throws {
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let kernels = try Kernel.allowed(environment: ProcessInfo.processInfo.environment)
        let classifier = try Classifier(path: blob, kernels: kernels, threads: threads)
        let context = try classifier.makeContext(threads: threads)
        let loadMs = milliseconds(since: loadStart)

        if let benchmark {
            let report = Benchmark.run(context.execution, input: try classifier.preprocess(imageAt: images[0]), runs: benchmark,
                                       loadMs: loadMs)
            print(json ? try report.jsonText() : report.text)
            return
        }
        // One image at a time (memory stays flat for any number of images); the time counts the
        // network only, not decoding.
        var logits: [[Float]] = []
        var runNanoseconds: UInt64 = 0
        for path in images {
            let input = try classifier.preprocess(imageAt: path)
            let start = DispatchTime.now().uptimeNanoseconds
            logits.append(try context.classify(preprocessed: input).logits)
            runNanoseconds += DispatchTime.now().uptimeNanoseconds - start
        }
        let runMs = Double(runNanoseconds) / 1e6
        if let logitsOut {
            let array = NPYArray(floats: Array(logits.joined()), shape: [logits.count, classifier.classCount])
            try AtomicFile.write(array.npyBytes, to: URL(fileURLWithPath: logitsOut))
        }
        let results = zip(images, logits).map { ImageResult(file: $0, logits: $1, top: top, classNames: classifier.labels) }
        if json {
            let report = RunReport(arch: classifier.arch, classes: classifier.classCount, kernel: classifier.kernelSummary, threads: threads,
                                   loadMs: loadMs, runMs: runMs, images: results)
            print(try report.jsonText())
        } else {
            for result in results { print(result.text) }
        }
        FileHandle.standardError.write(Data(("\(classifier.arch) int8: \(images.count) image(s) in \(String(format: "%.1f", runMs)) ms, "
            + "load \(String(format: "%.1f", loadMs)) ms, kernel \(classifier.kernelSummary), \(threads) thread(s)\n").utf8))
    }
}

func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// `vgg-run --json` output.
struct RunReport: Codable {
    var arch: String
    var classes: Int
    var kernel: String
    var threads: Int
    var loadMs: Double
    var runMs: Double
    var images: [ImageResult]

    enum CodingKeys: String, CodingKey {
        case arch, classes, kernel, threads, images
        case loadMs = "load_ms", runMs = "run_ms"
    }

}
