import QuantCore
import Testing
import TestSupport
@testable import Quantizer

/// GPTQ (Sources/Quantizer/GPTQ.swift): with uncorrelated inputs (a diagonal Gram matrix) nothing
/// is passed on and it is rounding to nearest exactly; with correlated inputs its output error on
/// those inputs is well below rounding to nearest's, in int8 and in 4-bit groups.
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
}
