import Classification
import CommandLineSupport
import ArgumentParser
import AtomicFile
import FloatEngine
import Foundation
import Imaging
import NPY
import VGGModel

/// `vgg-quantize reference`: classify images with the fp32 reference engine.
struct Reference: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify images with the fp32 reference engine (OpenBLAS).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var preprocessingOptions: PreprocessingOptions

    @Argument(help: ArgumentHelp("PNG or JPEG images.", valueName: "image"))
    var images: [String]

    @Option(help: "Classes to print per image.")
    var top = 5

    @Flag(help: "Print machine-readable JSON on stdout.")
    var json = false

    @Option(name: .customLong("logits-out"), help: ArgumentHelp("Write the logits as a float32 .npy of shape (N, classes), in input order.", valueName: "file.npy"))
    var logitsOut: String?

    @Option(help: "Threads for OpenBLAS and the engine's own loops (default: the CPUs available).")
    var threads: Int?

    /// `--threads`, or the CPUs available.
    var threadCount: Int { threads ?? availableProcessors }

    @Option(name: .customLong("batch-size"), help: "Images per forward pass.")
    var batchSize = 8

    @Option(help: ArgumentHelp("Class names, one per line (default: ImageNet's for 1000-class models).", valueName: "file"))
    var labels: String?

    @Option(help: ArgumentHelp("Time this many forward passes of the first image at batch 1, after one warm-up, and report the median, p90 and min ms (the latency of the fp32 engine; Benchmarks/peers/compare.py's fp32 row).", valueName: "runs"))
    var benchmark: Int?

    func validate() throws {
        if let threads { try CommandError.checkThreads(threads) }
        guard top >= 1 else { throw CommandError("--top must be at least 1, got \(top)") }
        guard batchSize >= 1 else { throw CommandError("--batch-size must be at least 1, got \(batchSize)") }
        if let benchmark, !(1...100_000).contains(benchmark) {
            throw CommandError("--benchmark must be 1...100000, got \(benchmark)")
        }
    }

    func run() throws {
        OpenBLASProcess.useCore(for: .fastest)
        let preprocessing = try preprocessingOptions.preprocessing()
        let loadStart = Date()
        let network = try model.loadNetwork(from: try model.weightsFile())
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let classNames = try ClassNames.load(labels, classCount: network.classCount)

        var inputs: [[Float]] = []
        for path in images {
            let image = try ImageDecoder.decode(path: path)
            inputs.append(preprocessing(image))
        }
        let engine = FloatEngine(network: network, threads: threadCount)
        let runStart = Date()
        var logits: [[Float]] = []
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let batch = Array(inputs[start..<min(start + batchSize, inputs.count)])
            let x = FloatTensor(batch: batch, channels: 3, height: preprocessing.cropHeight, width: preprocessing.cropWidth)
            logits += try engine.run(x).items
        }
        let runSeconds = Date().timeIntervalSince(runStart)
        let latency = try benchmark.map { runs throws in
            try Self.latency(engine, input: inputs[0], runs: runs, height: preprocessing.cropHeight, width: preprocessing.cropWidth)
        }

        if let logitsOut {
            let array = NPYArray(floats: Array(logits.joined()), shape: [logits.count, network.classCount])
            try AtomicFile.write(array.npyBytes, to: logitsOut)
        }
        let results = zip(images, logits).map { ImageResult(file: $0, logits: $1, top: top, classNames: classNames) }
        let timing = String(format: "%.1f", runSeconds * 1000)
        if json {
            let report = ReferenceReport(arch: network.arch.rawValue, classes: network.classCount, threads: threadCount,
                                         openblasCore: OpenBLAS.coreName, loadMs: loadSeconds * 1000,
                                         runMs: runSeconds * 1000, benchmark: latency, images: results)
            print(try report.jsonText())
        } else {
            for result in results { print(result.text) }
        }
        Log.line("\(network.arch.rawValue): \(images.count) image(s) in \(timing) ms, "
            + "load \(String(format: "%.0f", loadSeconds * 1000)) ms, \(threadCount) thread(s), "
            + "OpenBLAS core \(OpenBLAS.coreName)")
        if let latency {
            Log.line(String(format: "fp32 latency, batch 1, %d runs: median %.2f ms, p90 %.2f ms, min %.2f ms",
                            latency.runs, latency.medianMs, latency.p90Ms, latency.minMs))
        }
    }

    /// `--benchmark N`: one warm-up pass, then N timed passes of one image at batch 1.
    static func latency(_ engine: FloatEngine, input: [Float], runs: Int, height: Int, width: Int) throws -> ReferenceReport.Latency {
        let x = FloatTensor(batch: [input], channels: 3, height: height, width: width)
        _ = try engine.run(x)
        var times: [Double] = []
        for _ in 0..<runs {
            let start = Date()
            _ = try engine.run(x)
            times.append(Date().timeIntervalSince(start) * 1000)
        }
        let sorted = times.sorted()
        let middle = sorted.count / 2
        return ReferenceReport.Latency(runs: runs,
                                       medianMs: sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2,
                                       p90Ms: sorted[max(1, Int((0.9 * Double(sorted.count)).rounded(.up))) - 1],
                                       minMs: sorted[0])
    }
}
