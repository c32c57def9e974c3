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

        enum CodingKeys: String, CodingKey {
            case name, ms, kernel
            case gmacPerS = "gmac_per_s"
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
    var layers: [Layer]

    enum CodingKeys: String, CodingKey {
        case arch, kernel, threads, input, runs, gmac, layers
        case medianMs = "median_ms", p90Ms = "p90_ms", minMs = "min_ms", loadMs = "load_ms", peakRssMb = "peak_rss_mb"
        case outsideLayersMs = "outside_layers_ms"
    }

    static func run(_ network: ExecutionContext, input: [Float], runs: Int, loadMs: Double) -> Benchmark {
        let model = network.model
        _ = network.logits(preprocessed: input)
        var totals: [Double] = []
        var outside: [Double] = []
        var perLayer: [[Double]] = Array(repeating: [], count: model.layerNames.count)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = network.logits(preprocessed: input)
            totals.append(milliseconds(since: start))
            for (index, nanoseconds) in network.layerNanoseconds.enumerated() {
                perLayer[index].append(Double(nanoseconds) / 1e6)
            }
            outside.append(totals[totals.count - 1] - Double(network.layerNanoseconds.reduce(0, +)) / 1e6)
        }
        let layers = model.layerNames.indices.map { index in
            let ms = median(perLayer[index])
            let macs = model.layerMACs[index]
            return Layer(name: model.layerNames[index], ms: ms,
                         gmacPerS: macs > 0 && ms > 0 ? Double(macs) / (ms * 1e6) : nil, kernel: model.layerKernels[index]?.name)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Benchmark(arch: model.blob.arch, kernel: model.kernelSummary, threads: network.threads,
                         input: [model.inputHeight, model.inputWidth], runs: runs,
                         gmac: Double(model.layerMACs.reduce(0, +)) / 1e9,
                         medianMs: median(totals), p90Ms: percentile(totals, 0.9), minMs: totals.min()!,
                         loadMs: loadMs, peakRssMb: Double(usage.ru_maxrss) / 1024, outsideLayersMs: median(outside),
                         layers: layers)
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
                + (layer.kernel.map { "  \($0)" } ?? ""))
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
