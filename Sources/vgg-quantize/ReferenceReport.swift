import Classification
import Foundation

/// `vgg-quantize reference --json` output.
struct ReferenceReport: Codable {
    var arch: String
    var classes: Int
    var threads: Int
    var openblasCore: String
    var loadMs: Double
    var runMs: Double
    /// `--benchmark N`: batch-1 latency of the first image.
    var benchmark: Latency?
    var images: [ImageResult]

    struct Latency: Codable {
        var runs: Int
        var medianMs: Double
        var p90Ms: Double
        var minMs: Double

        enum CodingKeys: String, CodingKey {
            case runs
            case medianMs = "median_ms", p90Ms = "p90_ms", minMs = "min_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case arch, classes, threads, images, benchmark
        case openblasCore = "openblas_core", loadMs = "load_ms", runMs = "run_ms"
    }

}
