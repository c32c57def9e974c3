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
    var images: [ImageResult]

    enum CodingKeys: String, CodingKey {
        case arch, classes, threads, images
        case openblasCore = "openblas_core", loadMs = "load_ms", runMs = "run_ms"
    }

}
