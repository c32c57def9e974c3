import QuantCore

/// Symmetric per-output-channel int8 quantization of a row-major [outputs, depth] matrix
/// (Docs/Numerics.md, "Weights"): scale[o] = max_k |w[o][k]| / 127 (1 for an all-zero row),
/// q = round(w / scale[o]) with ties away from zero, in [-127, 127] (never -128, so the range
/// is symmetric and |q| <= 127 holds in every overflow bound).
///
/// Example: row [0.5, -1.27, 0.003] -> scale 0.01, q [50, -127, 0].
///
/// `pairBounded` (Docs/Numerics.md, "Pair-bounded weights"): every pair of adjacent depths
/// (k = 2j, 2j+1; depth must be even) must keep |q0| + |q1| <= 128. The scale is then set by the
/// largest pair as well as the largest weight, scale[o] = max(max_k |w| / 127,
/// max_j (|w[2j]| + |w[2j+1]|) / 128), so the real pairs fit and rounding decides the rest.
/// A pair that rounding pushes past the bound (at most by 2) is replaced by the integer point of
/// |x| + |y| = 128 nearest its real values r = w / scale: both magnitudes lowered by
/// d = (|r0| + |r1| - 128) / 2, the larger rounded, the other 128 minus it.
/// Measured on VGG16's convolutions (seeded weights): weight SQNR 38-43 dB, 3 dB below plain
/// 8-bit and 3 dB above 7-bit weights; a search over scales between the two gains <= 0.2 dB, and
/// keeping the 8-bit scale and projecting the 1-12% of pairs beyond the bound loses 14-29 dB.
/// Example: row [1.0, 0.9, 0.1, 0.0] -> largest pair 1.9 -> scale 1.9 / 128, q [67, 61, 7, 0].
public struct WeightQuantization: Sendable {
    public let values: [Int8]
    public let scales: [Float]
    /// Pairs that rounding pushed past the pair bound and that were moved back (0 without `pairBounded`).
    public let adjustedPairs: Int

    public init(rows: [Float], outputs: Int, depth: Int, pairBounded: Bool = false) {
        precondition(!pairBounded || depth % 2 == 0)
        precondition(rows.count == outputs * depth)
        var values = [Int8](repeating: 0, count: rows.count)
        var scales = [Float](repeating: 1, count: outputs)
        for o in 0..<outputs {
            let row = rows[o * depth ..< (o + 1) * depth]
            let largest = row.map { abs($0) }.max() ?? 0
            // A row too small for a normal scale (or all zeros) keeps scale 1 and q 0.
            guard largest / 127 >= Float.leastNormalMagnitude else { continue }
            var scale = largest / 127
            if pairBounded {
                var largestPair: Float = 0
                for k in stride(from: o * depth, to: (o + 1) * depth, by: 2) {
                    largestPair = max(largestPair, abs(rows[k]) + abs(rows[k + 1]))
                }
                scale = max(scale, largestPair / Float(PackedWeights.pairBound))
            }
            scales[o] = scale
            for k in 0..<depth {
                let q = (Double(rows[o * depth + k]) / Double(scale)).rounded()
                values[o * depth + k] = Int8(min(max(q, -127), 127))
            }
        }
        var adjusted = 0
        if pairBounded {
            for o in 0..<outputs {
                for k in stride(from: o * depth, to: (o + 1) * depth, by: 2) {
                    let (q0, q1) = (Int(values[k]), Int(values[k + 1]))
                    guard q0.magnitude + q1.magnitude > UInt(PackedWeights.pairBound) else { continue }
                    let r0 = Double(rows[k]) / Double(scales[o]), r1 = Double(rows[k + 1]) / Double(scales[o])
                    let (p0, p1) = Self.project(abs(r0), abs(r1))
                    values[k] = Int8(r0 < 0 ? -p0 : p0)
                    values[k + 1] = Int8(r1 < 0 ? -p1 : p1)
                    adjusted += 1
                }
            }
        }
        self.values = values
        self.scales = scales
        self.adjustedPairs = adjusted
    }

    /// Magnitudes (a0, a1), each <= 127 (the scale is at least max |w| / 127): the integer point
    /// of x + y = 128 nearest to their projection onto that line.
    static func project(_ a0: Double, _ a1: Double) -> (Int, Int) {
        let bound = Double(PackedWeights.pairBound)
        let d = (a0 + a1 - bound) / 2
        // Round the larger one (ties away from zero); the other takes the rest of the bound.
        if a0 >= a1 {
            let p0 = Int(min((a0 - d).rounded(), 127))
            return (p0, PackedWeights.pairBound - p0)
        } else {
            let p1 = Int(min((a1 - d).rounded(), 127))
            return (PackedWeights.pairBound - p1, p1)
        }
    }
}
