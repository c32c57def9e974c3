import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Classification
import VGGInt8Runtime

/// `vgg-run --benchmark N --jobs J`: J contexts of the one model, each on its own thread with
/// `threads` threads inside, run the given (already preprocessed) images round-robin: one warm-up
/// run each, then, started together, N timed runs each. Throughput is J x N over the wall time
/// from the start to the last job's end; latency is each run's own time.
struct Throughput: Codable {
    var arch: String
    var kernel: String
    var jobs: Int
    var threads: Int
    var runsPerJob: Int
    var images: Int
    var seconds: Double
    var imagesPerS: Double
    var latencyMs: Latency
    var loadMs: Double
    var peakRssMb: Double

    struct Latency: Codable {
        var median: Double
        var p90: Double
        var min: Double
        var max: Double
    }

    enum CodingKeys: String, CodingKey {
        case arch, kernel, jobs, threads, images, seconds
        case runsPerJob = "runs_per_job", imagesPerS = "images_per_s", latencyMs = "latency_ms", loadMs = "load_ms",
             peakRssMb = "peak_rss_mb"
    }

    static func run(_ classifier: Classifier, inputs: [[Float]], jobs: Int, threads: Int, runs: Int,
                    loadMs: Double) throws(ClassifierError) -> Throughput {
        let workers = try (0..<jobs).map { _ throws(ClassifierError) in Pipeline.Worker(try classifier.makeContext(threads: threads)) }
        let latencies = Latencies(jobs: jobs)
        let ready = DispatchGroup(), finished = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for (job, worker) in workers.enumerated() {
            ready.enter()
            finished.enter()
            startThread {
                _ = try? worker.context.classify(preprocessed: inputs[job % inputs.count])  // warm-up
                ready.leave()
                start.wait()
                var own: [Double] = []
                for run in 0..<runs {
                    let begin = DispatchTime.now().uptimeNanoseconds
                    _ = try? worker.context.classify(preprocessed: inputs[(job + run) % inputs.count])
                    own.append(milliseconds(since: begin))
                }
                latencies.set(job, own)
                finished.leave()
            }
        }
        ready.wait()
        let begin = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<jobs { start.signal() }
        finished.wait()
        let seconds = milliseconds(since: begin) / 1000
        let all = latencies.all
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Throughput(arch: classifier.arch, kernel: classifier.kernelSummary, jobs: jobs, threads: threads, runsPerJob: runs,
                          images: all.count, seconds: seconds, imagesPerS: Double(all.count) / seconds,
                          latencyMs: Latency(median: median(all), p90: percentile(all, 0.9), min: all.min()!, max: all.max()!),
                          loadMs: loadMs, peakRssMb: Double(usage.ru_maxrss) / 1024)
    }

    var text: String {
        "\(arch), kernel \(kernel), \(jobs) job(s) x \(threads) thread(s), \(images) images in "
            + formatted("%.2f s: %.2f images/s; latency median %.2f ms, p90 %.2f ms, min %.2f ms, max %.2f ms; load %.1f ms; peak RSS %.1f MB",
                        seconds, imagesPerS, latencyMs.median, latencyMs.p90, latencyMs.min, latencyMs.max, loadMs, peakRssMb)
    }

    final class Latencies: @unchecked Sendable {  // every access holds `lock`
        private let lock = Condition()
        private var perJob: [[Double]]
        init(jobs: Int) { perJob = Array(repeating: [], count: jobs) }
        func set(_ job: Int, _ values: [Double]) { lock.withLock { perJob[job] = values } }
        var all: [Double] { lock.withLock { perJob.flatMap { $0 } } }
    }
}
