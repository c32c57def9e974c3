/// Symmetric per-output-channel int8 quantization of a row-major [outputs, depth] matrix
/// (Docs/Numerics.md, "Weights"): scale[o] = max_k |w[o][k]| / 127 (1 for an all-zero row),
/// q = round(w / scale[o]) with ties away from zero, in [-127, 127] (never -128, so the range
/// is symmetric and |q| <= 127 holds in every overflow bound).
///
/// Example: row [0.5, -1.27, 0.003] -> scale 0.01, q [50, -127, 0].
public struct WeightQuantization: Sendable {
    public let values: [Int8]
    public let scales: [Float]

    public init(rows: [Float], outputs: Int, depth: Int) {
        precondition(rows.count == outputs * depth)
        var values = [Int8](repeating: 0, count: rows.count)
        var scales = [Float](repeating: 1, count: outputs)
        for o in 0..<outputs {
            let row = rows[o * depth ..< (o + 1) * depth]
            let largest = row.map { abs($0) }.max() ?? 0
            guard largest > 0 else { continue }
            let scale = largest / 127
            scales[o] = scale
            for k in 0..<depth {
                let q = (Double(rows[o * depth + k]) / Double(scale)).rounded()
                values[o * depth + k] = Int8(min(max(q, -127), 127))
            }
        }
        self.values = values
        self.scales = scales
    }
}
