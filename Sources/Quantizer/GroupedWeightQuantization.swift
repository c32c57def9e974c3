import Dispatch
import QuantCore

/// The weight format of the linear layers (`vgg-quantize --classifier-weights`).
public enum ClassifierWeights: Sendable, Equatable, CustomStringConvertible {
    /// Per-output-channel int8, like the convolutions.
    case int8
    /// Grouped 4-bit weights (`GroupedWeightQuantization`, Docs/Numerics.md, "4-bit weights").
    case int4(groupSize: Int)

    /// The group size `--weight-group-size` defaults to (Docs/Accuracy.md, "4-bit classifier weights").
    public static let defaultGroupSize = 128
    /// The group sizes `--weight-group-size` offers (the format takes any multiple of 8).
    public static let offeredGroupSizes = GroupedWeights.offeredGroupSizes

    public var description: String {
        switch self {
        case .int8: "int8"
        case .int4(let groupSize): "int4 in groups of \(groupSize)"
        }
    }
}

/// Symmetric 4-bit quantization of a row-major [outputs, depth] matrix in groups of `groupSize`
/// input columns (Docs/Numerics.md, "4-bit weights"): w[o][k] ≈ s[o] * m[o][g] * q[o][k] with
/// q in [-8, 7] and m in [-16, 16], all integers, so the runtime's arithmetic stays integer and
/// exact and requantization is the int8 rule with per-channel scale s[o].
///
/// s[o] = max_k |w[o][k]| / 128, so the row's largest weight is reachable as 8 * 16 * s. Each
/// group then takes the multiplier that gives it the least squared error, q = round(w / (s * m))
/// clamped to [-8, 7], over the candidates near its own range (|m| from two below
/// max|w_g| / (8 s) up to one above max|w_g| / (7 s), both signs: the sign decides whether the
/// group's largest weight meets -8 or +7). A row of zeros gets s = 1, m = 1, q = 0.
///
/// Example: group [0.5, -1.0, 0.25, 0] in a row whose largest weight is 2: s = 2 / 128; for
/// m = 8, s * m = 0.125 and q = [4, -8, 2, 0] reproduces the group exactly.
public struct GroupedWeightQuantization: Sendable {
    /// q values, row-major [outputs][depth], each in [-8, 7].
    public let values: [Int8]
    public let scales: [Float]
    public let groups: WeightGroups

    public init(rows: [Float], outputs: Int, depth: Int, groupSize: Int) {
        precondition(rows.count == outputs * depth && GroupedWeights.isValidGroupSize(groupSize))
        let groupCount = (depth + groupSize - 1) / groupSize
        let quantized = RowQuantization.parallel(outputs: outputs, depth: depth, groupCount: groupCount) { range, out in
            for o in range {
                Self.quantizeRow(rows[o * depth ..< (o + 1) * depth], groupSize: groupSize, values: out.values.baseAddress! + o * depth,
                                 scale: &out.scales[o], multipliers: out.multipliers.baseAddress! + o * groupCount)
            }
        }
        values = quantized.values
        scales = quantized.scales
        groups = WeightGroups(size: groupSize, multipliers: quantized.multipliers)
    }

    /// The group multiplier of least squared error for `group` at row scale `scale` (the search
    /// above); 1 for a group of zeros.
    static func bestMultiplier(_ group: some Collection<Float>, scale s: Float) -> Int {
        let range = group.reduce(Float(0)) { max($0, abs($1)) }
        guard range > 0 else { return 1 }
        let low = max(1, min(16, Int((range / (8 * s)).rounded(.down)) - 2))
        let high = min(16, Int((range / (7 * s)).rounded(.up)) + 1)
        var best = (error: Float.infinity, multiplier: 1)
        for magnitude in low ... max(low, high) {
            for multiplier in [magnitude, -magnitude] {
                let step = s * Float(multiplier)
                var error: Float = 0
                for w in group {
                    let q = min(max((w / step).rounded(), -8), 7)
                    let d = w - q * step
                    error += d * d
                }
                if error < best.error { best = (error, multiplier) }
            }
        }
        return best.multiplier
    }

    private static func quantizeRow(_ row: ArraySlice<Float>, groupSize: Int, values: UnsafeMutablePointer<Int8>,
                                     scale: inout Float, multipliers: UnsafeMutablePointer<Int8>) {
        let largest = row.reduce(Float(0)) { max($0, abs($1)) }
        // A row too small for a normal scale is a row of zeros (scale 1, q 0).
        guard largest / Float(GroupedWeights.largestProduct) >= Float.leastNormalMagnitude else { return }
        let s = largest / Float(GroupedWeights.largestProduct)
        scale = s
        let start = row.startIndex
        for (g, groupStart) in stride(from: start, to: row.endIndex, by: groupSize).enumerated() {
            let group = row[groupStart ..< min(groupStart + groupSize, row.endIndex)]
            guard group.contains(where: { $0 != 0 }) else { continue }
            let multiplier = bestMultiplier(group, scale: s)
            multipliers[g] = Int8(multiplier)
            let step = s * Float(multiplier)
            for (i, w) in group.enumerated() {
                values[groupStart - start + i] = Int8(min(max((w / step).rounded(), -8), 7))
            }
        }
    }
}

/// Quantizing a weight matrix's rows in parallel (rounding to nearest in 4-bit groups, GPTQ's
/// low-rank path): rows are independent, so they are split over the CPUs, and the result does
/// not depend on the split.
enum RowQuantization {
    /// Where a piece writes its rows: values [outputs][depth], scales [outputs], multipliers
    /// [outputs][groupCount]. Pieces write disjoint rows.
    struct Output: @unchecked Sendable {
        let values: UnsafeMutableBufferPointer<Int8>
        let scales: UnsafeMutableBufferPointer<Float>
        let multipliers: UnsafeMutableBufferPointer<Int8>
    }

    /// Calls `body` on pieces of the rows 0 ..< outputs, concurrently; what it did not write is
    /// value 0, scale 1, multiplier 1.
    static func parallel(outputs: Int, depth: Int, groupCount: Int, _ body: @Sendable (Range<Int>, Output) -> Void)
        -> (values: [Int8], scales: [Float], multipliers: [Int8]) {
        var values = [Int8](repeating: 0, count: outputs * depth)
        var scales = [Float](repeating: 1, count: outputs)
        var multipliers = [Int8](repeating: 1, count: outputs * groupCount)
        let pieces = min(outputs, 64)
        values.withUnsafeMutableBufferPointer { values in
            scales.withUnsafeMutableBufferPointer { scales in
                multipliers.withUnsafeMutableBufferPointer { multipliers in
                    let out = Output(values: values, scales: scales, multipliers: multipliers)
                    DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                        body(piece * outputs / pieces ..< (piece + 1) * outputs / pieces, out)
                    }
                }
            }
        }
        return (values, scales, multipliers)
    }
}
