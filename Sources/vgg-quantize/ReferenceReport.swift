import Foundation

/// One image's top-k classes.
struct ImageResult: Codable {
    struct Entry: Codable {
        var index: Int
        var label: String
        var probability: Double
        var logit: Double
    }
    var file: String
    var top: [Entry]

    init(file: String, logits: [Float], top k: Int, classNames: [String]) {
        self.file = file
        // Softmax in Double, shifted by the maximum for range safety.
        let maximum = Double(logits.max() ?? 0)
        let exps = logits.map { exp(Double($0) - maximum) }
        let sum = exps.reduce(0, +)
        let order = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        self.top = order.prefix(k).map {
            Entry(index: $0, label: classNames[$0], probability: exps[$0] / sum, logit: Double(logits[$0]))
        }
    }

    var text: String {
        ([file] + top.enumerated().map { rank, entry in
            String(format: "  %2d. %6.2f%%  %@ (%d)", rank + 1, entry.probability * 100, entry.label, entry.index)
        }).joined(separator: "\n")
    }
}

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

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
