import QuantCore
import Testing
import TestSupport
@testable import Quantizer

/// Grouped 4-bit weights (Docs/Numerics.md, "4-bit weights"): the doc comment's example, the
/// ranges, and the error against the simple choices the multiplier search must beat.
@Suite struct GroupedWeightQuantizationTests {
    @Test func workedExample() {
        // One row of 8: group 0 = [0.5, -1, 0.25, 0], group 1 = [2, 0, 0, 0] (the row's largest).
        let q = GroupedWeightQuantization(rows: [0.5, -1, 0.25, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                                          outputs: 2, depth: 8, groupSize: 8)
        #expect(q.scales == [Float(2) / 128, 1])
        // One group of 8 here: its multiplier is the row's; 2 is reachable exactly as -8 * -16 * s.
        let exact = GroupedWeightQuantization(rows: [0.5, -1, 0.25, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0],
                                              outputs: 1, depth: 16, groupSize: 8)
        #expect(exact.groups.multipliers == [8, -16])
        #expect(Array(exact.values) == [4, -8, 2, 0, 0, 0, 0, 0, -8, 0, 0, 0, 0, 0, 0, 0])
        // A zero row: scale 1, q 0; so is a row too small for a normal scale (subnormal weights),
        // in int8 and 4 bits alike, where a zero scale would divide by zero.
        #expect(q.values[8...].allSatisfy { $0 == 0 })
        let tiny: [Float] = [1e-44, -3e-45, 0, 0, 0, 0, 0, 0]
        let grouped = GroupedWeightQuantization(rows: tiny, outputs: 1, depth: 8, groupSize: 8)
        #expect(grouped.scales == [1] && grouped.values.allSatisfy { $0 == 0 })
        let int8 = WeightQuantization(rows: tiny, outputs: 1, depth: 8)
        #expect(int8.scales == [1] && int8.values.allSatisfy { $0 == 0 })
    }

    /// Seeded bell-shaped rows with an outlier per row: q and m in range, every weight within half
    /// a step of its group (or clipped toward it), and the squared error at most that of the plain
    /// choice m = ceil(max|w_g| / (8 s)) (what the search starts from), and well below one scale
    /// per row.
    @Test func errorIsAtMostThePlainChoicesAndFarBelowOneScalePerRow() {
        var generator = SplitMix64(seed: 20_261_206)
        print("GroupedWeightQuantizationTests seed 20261206")
        let (outputs, depth, groupSize) = (24, 512, 64)
        var rows = (0 ..< outputs * depth).map { _ in Float(generator.normal()) * 0.02 }
        for o in 0 ..< outputs { rows[o * depth + Int(generator.next() % UInt64(depth))] = 0.3 }
        let q = GroupedWeightQuantization(rows: rows, outputs: outputs, depth: depth, groupSize: groupSize)
        #expect(q.values.allSatisfy { GroupedWeights.valueRange.contains(Int($0)) })
        #expect(q.groups.multipliers.allSatisfy { GroupedWeights.multiplierRange.contains(Int($0)) && $0 != 0 })
        let groupCount = depth / groupSize
        var (searched, plain, perRow) = (0.0, 0.0, 0.0)
        for o in 0 ..< outputs {
            let s = q.scales[o]
            for g in 0 ..< groupCount {
                let group = (g * groupSize ..< (g + 1) * groupSize).map { rows[o * depth + $0] }
                let m = Float(q.groups.multipliers[o * groupCount + g])
                let range = group.map(abs).max()!
                let mPlain = Float(max(1, min(16, (range / (8 * s)).rounded(.up))))
                for (i, w) in group.enumerated() {
                    let value = Float(q.values[o * depth + g * groupSize + i])
                    searched += Double((w - s * m * value) * (w - s * m * value))
                    let qPlain = min(max((w / (s * mPlain)).rounded(), -8), 7)
                    plain += Double((w - s * mPlain * qPlain) * (w - s * mPlain * qPlain))
                    let qRow = min(max((w / (s * 16)).rounded(), -8), 7)
                    perRow += Double((w - s * 16 * qRow) * (w - s * 16 * qRow))
                }
            }
        }
        #expect(searched <= plain)
        // The outlier sets one scale per row 15x above the bulk: most weights round to 0 there (measured: 7x the error of groups).
        #expect(searched * 5 < perRow, "grouped \(searched), one scale per row \(perRow)")
    }

    /// The quantizer's grouped layers: the bias folds sum(q * m), and the Swift reference on the
    /// quantized layer reproduces the float product within the 4-bit error.
    @Test func modelQuantizerFoldsTheGroupedWeightSum() throws {
        var generator = SplitMix64(seed: 7)
        let (outputs, depth) = (5, 40)
        let rows = (0 ..< outputs * depth).map { _ in Float(generator.normal()) }
        let input = ActivationQuantization(scale: 0.1, zeroPoint: 3)
        let weights = try ModelQuantizer.quantizedWeights(name: "fc", rows: rows, bias: Array(repeating: 0, count: outputs),
                                                          outputs: outputs, depth: depth, input: input, format: .int4(groupSize: 16))
        let groups = try #require(weights.groups)
        #expect(groups.size == 16 && groups.multipliers.count == outputs * 3)
        let integer = weights.integerRows()
        for o in 0 ..< outputs {
            let sum = integer[o * depth ..< (o + 1) * depth].reduce(Int32(0), +)
            #expect(weights.bias[o] == -3 * sum)
            // Each dequantized weight is within half its group's step, or clipped at q = -8 or 7.
            let paddedDepth = PackedWeights.roundUp(depth, to: 4)
            for k in 0 ..< depth {
                let step = weights.weightScales[o] * Float(abs(groups.multipliers[o * 3 + k / 16]))
                let q = weights.packed[PackedWeights.index(output: o, depth: k, paddedDepth: paddedDepth)]
                let error = abs(Float(integer[o * depth + k]) * weights.weightScales[o] - rows[o * depth + k])
                #expect(error <= step / 2 * 1.0001 || q == -8 || q == 7, "output \(o), k \(k): error \(error), step \(step)")
            }
        }
    }
}
