#if canImport(Glibc)
import Glibc
#endif

/// One image's top-k classes.
public struct ImageResult: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var index: Int
        public var label: String
        public var probability: Double
        public var logit: Double
    }
    public var file: String
    public var top: [Entry]

    /// The k most probable classes (softmax of `logits`), ties broken by the lower index.
    public init(file: String, logits: [Float], top k: Int, classNames: [String]) {
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

    /// The file name, then one line per class: rank, probability, label, index.
    public var text: String {
        ([file] + top.enumerated().map { rank, entry in
            formatted("  %2ld. %6.2f%%  ", rank + 1, entry.probability * 100) + "\(entry.label) (\(entry.index))"
        }).joined(separator: "\n")
    }
}
