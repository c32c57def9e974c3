import ArgumentParser
import AtomicFile
import Classification
import CommandLineSupport
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Int8Runtime
import NPY
import VGGInt8Runtime

/// `vgg-run model.vq8 IMAGE|FOLDER... [--list FILE|-] [--jobs N]`: the on-device runtime. Links no BLAS and no compiler code.
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

    @Argument(help: ArgumentHelp("PNG or JPEG images, or folders of them (their .png/.jpg/.jpeg files, sorted by name).",
                                 valueName: "image|folder"))
    var images: [String] = []

    @Option(help: ArgumentHelp("Also classify the paths in this file, one per line; - reads them from standard input.",
                               valueName: "file"))
    var list: String?

    @Option(help: "Classes to print per image.")
    var top = 5

    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false

    @Option(help: "Threads inside each job (default: the CPUs available divided among the jobs).")
    var threads: Int?

    @Option(help: ArgumentHelp("Classify this many images at once: one execution context each, sharing the one mapped model, while a decoder thread reads the next images. With --benchmark: report throughput and per-image latency.",
                               valueName: "n"))
    var jobs: Int?

    @Option(name: .customLong("logits-out"), help: ArgumentHelp("Write the logits as a float32 .npy of shape (N, classes), in input order (NaN rows for images that failed).", valueName: "file.npy"))
    var logitsOut: String?

    @Option(help: ArgumentHelp("Time N runs on the first image after a warm-up run, and report per-layer times; with --jobs, N runs per job over the images.", valueName: "n"))
    var benchmark: Int?

    static func main() { mainWithOneLineErrors() }


    var jobCount: Int { jobs ?? 1 }
    var threadCount: Int { threads ?? max(1, availableProcessors / jobCount) }

    func validate() throws {
        if let threads { try CommandError.checkThreads(threads) }
        if let jobs, !(1...256).contains(jobs) { throw CommandError("--jobs must be 1...256, got \(jobs)") }
        guard top >= 1 else { throw CommandError("--top must be at least 1, got \(top)") }
        if let benchmark, !(1...100_000).contains(benchmark) {
            throw CommandError("--benchmark must be 1...100000, got \(benchmark)")
        }
        guard !images.isEmpty || list != nil else {
            throw CommandError("no images given (usage: vgg-run model.vq8 IMAGE|FOLDER... [--list FILE|-])")
        }
    }

    func run() throws {
        let paths = try Inputs.collect(arguments: images, list: list)
        guard !paths.isEmpty else { throw CommandError("no images given: \(list == "-" ? "standard input" : list ?? "the list") is empty") }
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let kernels = try Kernel.allowed()
        let classifier = try Classifier(path: blob, kernels: kernels, threads: threadCount)
        let loadMs = milliseconds(since: loadStart)

        if let benchmark {
            if jobs == nil {
                let context = try classifier.makeContext(threads: threadCount)
                let report = Benchmark.run(context.execution, input: try classifier.preprocess(imageAt: paths[0]), runs: benchmark,
                                           loadMs: loadMs)
                print(json ? try report.jsonText() : report.text)
            } else {
                // (job j, run r uses image (j + r) mod count: never more than jobs + runs - 1 of them)
                let used = paths.prefix(jobCount + benchmark - 1)
                let inputs = try used.map { path throws(ClassifierError) in try classifier.preprocess(imageAt: path) }
                let report = try Throughput.run(classifier, inputs: inputs, jobs: jobCount, threads: threadCount, runs: benchmark,
                                                loadMs: loadMs)
                print(json ? try report.jsonText() : report.text)
            }
            return
        }

        // Results in input order, each as soon as it and its predecessors are done; a bad image
        // is its own error line (stderr) and the rest still run.
        let runStart = DispatchTime.now().uptimeNanoseconds
        var logits: [Float] = []
        var entries: [RunReport.Entry] = []
        var failed = 0
        try Pipeline.run(classifier, paths: paths, jobs: jobCount, threads: threadCount) { index, outcome in
            switch outcome {
            case .logits(let values):
                let result = ImageResult(file: paths[index], logits: values, top: top, classNames: classifier.labels)
                if logitsOut != nil { logits += values }
                if json { entries.append(RunReport.Entry(result: result)) } else { print(result.text) }
            case .failure(let message):
                failed += 1
                if logitsOut != nil { logits += Array(repeating: .nan, count: classifier.classCount) }
                if json { entries.append(RunReport.Entry(file: paths[index], error: message)) }
                printToStandardError("vgg-run: \(message)")
            }
        }
        let runMs = milliseconds(since: runStart)
        let perSecond = Double(paths.count) / (runMs / 1000)
        if let logitsOut {
            let array = NPYArray(floats: logits, shape: [paths.count, classifier.classCount])
            try AtomicFile.write(array.npyBytes, to: logitsOut)
        }
        if json {
            let report = RunReport(arch: classifier.arch, classes: classifier.classCount, kernel: classifier.kernelSummary,
                                   jobs: jobCount, threads: threadCount, loadMs: loadMs, runMs: runMs, imagesPerS: perSecond,
                                   failed: failed, images: entries)
            print(try report.jsonText())
        }
        printToStandardError(("\(classifier.arch) int8: \(paths.count) image(s) in \(formatted("%.1f", runMs)) ms, "
            + "\(formatted("%.2f", perSecond)) images/s, load \(formatted("%.1f", loadMs)) ms, kernel \(classifier.kernelSummary), "
            + "\(jobCount) job(s) x \(threadCount) thread(s)"
            + (failed > 0 ? "; \(failed) image(s) failed" : "")))
        if failed > 0 { throw ExitCode.failure }
    }
}

func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

/// `vgg-run --json` output. `run_ms` is the wall time of all images (decoding overlapped with
/// the network), `images_per_s` the images over it.
struct RunReport: Encodable {
    var arch: String
    var classes: Int
    var kernel: String
    var jobs: Int
    var threads: Int
    var loadMs: Double
    var runMs: Double
    var imagesPerS: Double
    var failed: Int
    var images: [Entry]

    /// One image, in input order: its top classes, or the error that stopped it.
    struct Entry: Encodable {
        var file: String
        var top: [ImageResult.Entry]?
        var error: String?

        init(result: ImageResult) { (file, top, error) = (result.file, result.top, nil) }
        init(file: String, error: String) { (self.file, top, self.error) = (file, nil, error) }
    }

    enum CodingKeys: String, CodingKey {
        case arch, classes, kernel, jobs, threads, failed, images
        case loadMs = "load_ms", runMs = "run_ms", imagesPerS = "images_per_s"
    }
}
