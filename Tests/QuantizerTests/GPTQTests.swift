import QuantCore
import Testing
import TestSupport
@testable import Quantizer

/// GPTQ (Sources/Quantizer/GPTQ.swift): with uncorrelated inputs (a diagonal Gram matrix) nothing
/// is passed on and it is rounding to nearest exactly; with correlated inputs its output error on
/// those inputs is well below rounding to nearest's, in int8 and in 4-bit groups; with fewer input
/// vectors than inputs, the low-rank path (`roundLowRank`) gives the dense path's result.
@Suite struct GPTQTests {
    static func layer(seed: UInt64, outputs: Int, depth: Int, samples: Int, correlated: Bool)
        -> (rows: [Float], inputs: [[Float]], gram: [Float]) {
        var generator = SplitMix64(seed: seed)
        print("GPTQTests seed \(seed)")
        let rows = (0 ..< outputs * depth).map { _ in Float(generator.normal()) }
        // Correlated inputs: a few shared factors plus a little noise per input (as a layer's
        // input channels are); else independent.
        let factors = 4
        let mixing = (0 ..< depth * factors).map { _ in Float(generator.normal()) }
        let inputs = (0 ..< samples).map { _ -> [Float] in
            let z = (0 ..< factors).map { _ in Float(generator.normal()) }
            return (0 ..< depth).map { k in
                correlated ? (0 ..< factors).reduce(Float(0)) { $0 + mixing[k * factors + $1] * z[$1] } + 0.1 * Float(generator.normal())
                    : Float(generator.normal())
            }
        }
        var gram = [Float](repeating: 0, count: depth * depth)
        for x in inputs {
            for i in 0 ..< depth {
                for j in i ..< depth { gram[i * depth + j] += x[i] * x[j] }
            }
        }
        return (rows, inputs, gram)
    }

    static func outputError(_ rows: [Float], _ values: [Int8], _ steps: (Int, Int) -> Float, inputs: [[Float]],
                            outputs: Int, depth: Int) -> Double {
        var total = 0.0
        for x in inputs {
            for o in 0 ..< outputs {
                var d: Float = 0
                for k in 0 ..< depth { d += (rows[o * depth + k] - Float(values[o * depth + k]) * steps(o, k)) * x[k] }
                total += Double(d * d)
            }
        }
        return total
    }

    @Test func aDiagonalGramMatrixGivesRoundingToNearest() throws {
        let (outputs, depth) = (6, 40)
        let (rows, _, _) = Self.layer(seed: 1, outputs: outputs, depth: depth, samples: 1, correlated: false)
        var gram = [Float](repeating: 0, count: depth * depth)
        for k in 0 ..< depth { gram[k * depth + k] = Float(1 + k % 3) }
        let gptq = try #require(GPTQ.round(rows: rows, outputs: outputs, depth: depth, gram: &gram, format: .int8))
        let nearest = WeightQuantization(rows: rows, outputs: outputs, depth: depth)
        #expect(gptq.values == nearest.values && gptq.scales == nearest.scales && gptq.groups == nil)
    }

    @Test(arguments: [ClassifierWeights.int8, .int4(groupSize: 16)])
    func correlatedInputsLoseLessThanRoundingToNearest(format: ClassifierWeights) throws {
        let (outputs, depth, samples) = (8, 64, 256)
        var (rows, inputs, gram) = Self.layer(seed: 2, outputs: outputs, depth: depth, samples: samples, correlated: true)
        let gptq = try #require(GPTQ.round(rows: rows, outputs: outputs, depth: depth, gram: &gram, format: format))
        let nearestError: Double, gptqError: Double
        switch format {
        case .int8:
            let nearest = WeightQuantization(rows: rows, outputs: outputs, depth: depth)
            nearestError = Self.outputError(rows, nearest.values, { o, _ in nearest.scales[o] }, inputs: inputs, outputs: outputs, depth: depth)
            gptqError = Self.outputError(rows, gptq.values, { o, _ in gptq.scales[o] }, inputs: inputs, outputs: outputs, depth: depth)
            #expect(gptq.values.allSatisfy { $0 != Int8.min })
        case .int4(let size):
            let nearest = GroupedWeightQuantization(rows: rows, outputs: outputs, depth: depth, groupSize: size)
            let groups = try #require(gptq.groups)
            let count = depth / size
            nearestError = Self.outputError(rows, nearest.values, { o, k in nearest.scales[o] * Float(nearest.groups.multipliers[o * count + k / size]) },
                                            inputs: inputs, outputs: outputs, depth: depth)
            gptqError = Self.outputError(rows, gptq.values, { o, k in gptq.scales[o] * Float(groups.multipliers[o * count + k / size]) },
                                         inputs: inputs, outputs: outputs, depth: depth)
            #expect(gptq.values.allSatisfy { GroupedWeights.valueRange.contains(Int($0)) })
            #expect(groups.multipliers.allSatisfy { GroupedWeights.multiplierRange.contains(Int($0)) })
        }
        print("GPTQTests \(format): output error \(gptqError / nearestError)x rounding to nearest's")
        #expect(gptqError < nearestError / 2, "\(format): GPTQ \(gptqError), nearest \(nearestError)")
    }

    @Test(arguments: [ClassifierWeights.int8, .int4(groupSize: 32)])
    func theLowRankPathGivesTheDensePathsResult(format: ClassifierWeights) throws {
        let (outputs, depth, samples) = (24, 256, 8)
        #expect(GPTQ.usesLowRank(depth: depth, samples: samples))
        let (rows, generated, _) = Self.layer(seed: 3, outputs: outputs, depth: depth, samples: samples, correlated: true)
        var inputs = generated
        // An input that never fires (its column of H is zero): rounded to nearest on both paths.
        for s in 0 ..< samples { inputs[s][5] = 0 }
        var gram = [Float](repeating: 0, count: depth * depth)
        for x in inputs {
            for i in 0 ..< depth {
                for j in i ..< depth { gram[i * depth + j] += x[i] * x[j] }
            }
        }
        let dense = try #require(GPTQ.round(rows: rows, outputs: outputs, depth: depth, gram: &gram, format: format))
        let lowRank = try #require(GPTQ.roundLowRank(rows: rows, outputs: outputs, depth: depth, inputs: inputs.flatMap { $0 },
                                                     samples: samples, format: format))
        #expect(lowRank.scales == dense.scales)
        // The same optimum, in Double against Float: a weight within rounding error of a tie may
        // round the other way, and what is passed on then differs by a step.
        let same = zip(lowRank.values, dense.values).filter { $0 == $1 }.count
        print("GPTQTests \(format): low-rank path \(same) of \(dense.values.count) values as the dense path's")
        #expect(same >= dense.values.count * 99 / 100)
        #expect(zip(lowRank.values, dense.values).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        let count = depth / 32
        let steps = { (weights: RoundedWeights) -> (Int, Int) -> Float in
            { o, k in weights.scales[o] * Float(weights.groups.map { Int($0.multipliers[o * count + k / 32]) } ?? 1) }
        }
        if let groups = lowRank.groups, let denseGroups = dense.groups {
            let sameMultipliers = zip(groups.multipliers, denseGroups.multipliers).filter { $0 == $1 }.count
            #expect(sameMultipliers >= groups.multipliers.count * 95 / 100)
        }
        let lowRankError = Self.outputError(rows, lowRank.values, steps(lowRank), inputs: inputs, outputs: outputs, depth: depth)
        let denseError = Self.outputError(rows, dense.values, steps(dense), inputs: inputs, outputs: outputs, depth: depth)
        #expect(abs(lowRankError - denseError) <= 0.05 * denseError, "low-rank \(lowRankError), dense \(denseError)")
        // And both are well below rounding to nearest on these inputs.
        let nearest = WeightQuantization(rows: rows, outputs: outputs, depth: depth)
        if case .int8 = format {
            let nearestError = Self.outputError(rows, nearest.values, { o, _ in nearest.scales[o] }, inputs: inputs, outputs: outputs, depth: depth)
            #expect(lowRankError < nearestError / 2)
        }
    }

    @Test func theLowRankPathRefusesNonFiniteInputs() {
        let (outputs, depth, samples) = (4, 64, 2)
        let (rows, generated, _) = Self.layer(seed: 4, outputs: outputs, depth: depth, samples: samples, correlated: false)
        var inputs = generated
        inputs[1][7] = .nan
        #expect(GPTQ.roundLowRank(rows: rows, outputs: outputs, depth: depth, inputs: inputs.flatMap { $0 },
                                  samples: samples, format: .int8) == nil)
    }
}
