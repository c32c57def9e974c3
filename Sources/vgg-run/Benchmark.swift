import Classification
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Int8Runtime

/// `vgg-run --benchmark N`: one warm-up run, then N timed runs of the same image (the whole
/// network including both boundaries), with per-layer medians.
struct Benchmark: Codable {
    struct Layer: Codable {
        var name: String
        var ms: Double
        var gmacPerS: Double?
        /// The kernel that ran the layer (nil for pools).
        var kernel: String?
        /// The layer's rate over its kernel's peak on the threads used: the kernel's own products
        /// per second (Winograd: `Kernel.productsPerMAC` of the MACs) over `Peak.gmacPerSPerThread`
        /// times the thread count. Nil for pools and the scalar kernel.
        var ofPeak: Double?

        enum CodingKeys: String, CodingKey {
            case name, ms, kernel
            case gmacPerS = "gmac_per_s", ofPeak = "of_peak"
        }
    }

    /// A kernel family's peak on one thread: the median over the benchmark's runs of one timing
    /// of its peak loop after each run (`Kernel.peakProductsPerSecond`), so that the fractions
    /// compare like with like on a shared or throttled machine.
    struct Peak: Codable {
        var kernel: String
        var gmacPerSPerThread: Double

        enum CodingKeys: String, CodingKey {
            case kernel
            case gmacPerSPerThread = "gmac_per_s_per_thread"
        }
    }

    var arch: String
    var kernel: String
    var threads: Int
    var input: [Int]
    var runs: Int
    var gmac: Double
    var medianMs: Double
    var p90Ms: Double
    var minMs: Double
    var loadMs: Double
    var peakRssMb: Double
    /// Median over runs of the run's time outside the layers (quantizing the input, the logits,
    /// the input border): the run's total minus its own layers' sum. (The total's median minus
    /// the sum of the layers' medians is larger: each layer's noise adds to the total's median.)
    var outsideLayersMs: Double
    var peaks: [Peak]
    var layers: [Layer]

    enum CodingKeys: String, CodingKey {
        case arch, kernel, threads, input, runs, gmac, layers, peaks
        case medianMs = "median_ms", p90Ms = "p90_ms", minMs = "min_ms", loadMs = "load_ms", peakRssMb = "peak_rss_mb"
        case outsideLayersMs = "outside_layers_ms"
    }

    static func run(_ network: ExecutionContext, input: [Float], runs: Int, loadMs: Double) -> Benchmark {
        let model = network.model
        _ = network.logits(preprocessed: input)
        var totals: [Double] = []
        var outside: [Double] = []
        var perLayer: [[Double]] = Array(repeating: [], count: model.layerNames.count)
        var used: [Kernel] = []
        for case let kernel? in model.layerKernels where kernel.hasPeak && !used.contains(kernel) {
            used.append(kernel)
        }
        var peakSamples: [[Double]] = Array(repeating: [], count: used.count)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = network.logits(preprocessed: input)
            totals.append(milliseconds(since: start))
            for (index, nanoseconds) in network.layerNanoseconds.enumerated() {
                perLayer[index].append(Double(nanoseconds) / 1e6)
            }
            outside.append(totals[totals.count - 1] - Double(network.layerNanoseconds.reduce(0, +)) / 1e6)
            for (index, kernel) in used.enumerated() {
                if let rate = kernel.peakProductsPerSecond() { peakSamples[index].append(rate) }
            }
        }
        let peaks = zip(used, peakSamples).compactMap { kernel, samples in
            samples.isEmpty ? nil : Peak(kernel: kernel.name, gmacPerSPerThread: median(samples) / 1e9)
        }
        let layers = model.layerNames.indices.map { index in
            let ms = median(perLayer[index])
            let macs = model.layerMACs[index]
            let kernel = model.layerKernels[index]
            let rate = macs > 0 && ms > 0 ? Double(macs) / (ms * 1e6) : nil
            var ofPeak: Double?
            if let rate, let kernel, let peak = peaks.first(where: { $0.kernel == kernel.name }) {
                ofPeak = rate * kernel.productsPerMAC / (peak.gmacPerSPerThread * Double(network.threads))
            }
            return Layer(name: model.layerNames[index], ms: ms, gmacPerS: rate, kernel: kernel?.name, ofPeak: ofPeak)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Benchmark(arch: model.blob.arch, kernel: model.kernelSummary, threads: network.threads,
                         input: [model.inputHeight, model.inputWidth], runs: runs,
                         gmac: Double(model.layerMACs.reduce(0, +)) / 1e9,
                         medianMs: median(totals), p90Ms: percentile(totals, 0.9), minMs: totals.min()!,
                         loadMs: loadMs, peakRssMb: Double(usage.ru_maxrss) / 1024, outsideLayersMs: median(outside),
                         peaks: peaks, layers: layers)
    }


    var text: String {
        var lines = ["\(arch) \(input[0])x\(input[1]), kernel \(kernel), \(threads) thread(s), \(runs) runs: "
                     + formatted("median %.2f ms, p90 %.2f ms, min %.2f ms (%.2f GMAC, %.1f GMAC/s); load %.1f ms; "
                                 + "peak RSS %.1f MB; outside the layers %.2f ms",
                                 medianMs, p90Ms, minMs, gmac, gmac / (medianMs / 1000), loadMs, peakRssMb, outsideLayersMs)]
        for layer in layers {
            // (the name left-aligned in 14 columns, as printf's %-14s)
            let name = layer.name + String(repeating: " ", count: max(0, 14 - layer.name.count))
            lines.append("  \(name) " + formatted("%8.3f ms", layer.ms)
                + (layer.gmacPerS.map { formatted("  %6.1f GMAC/s", $0) } ?? "")
                + (layer.ofPeak.map { formatted("  %4.0f%% of peak", $0 * 100) } ?? "")
                + (layer.kernel.map { "  \($0)" } ?? ""))
        }
        if !peaks.isEmpty {
            lines.append("peak per thread (the kernel's multiply mix, median of one timing after each run): "
                         + peaks.map { "\($0.kernel) " + formatted("%.1f GMAC/s", $0.gmacPerSPerThread) }.joined(separator: ", ")
                         + "; of peak: the layer's own products per second over that times \(threads) thread(s)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Median (the mean of the two middle values for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The value at rank ceil(p * n) (nearest rank).
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
    return sorted[rank - 1]
}
