import QuantCore
import TestSupport
@testable import Int8Runtime

/// One conv3x3 kernel test case: an unpadded input map and a convolution with all `cin`
/// channels real, plus the output channel stride the kernel writes with.
struct ConvolutionCase: CustomStringConvertible {
    var label: String
    var height: Int
    var width: Int
    var cout: Int
    var input: [UInt8]
    var convolution: QuantizedConvolution

    var cin: Int { convolution.paddedInputChannels }
    var outputs: Int { convolution.weights.outputs }
    var description: String { "conv \(label) \(height)x\(width)x\(cin)->\(outputs) (cout \(cout))" }

    /// The spec: `ReferenceExecutor.convolution`, `[H][W][roundUp(O, 4)]`.
    var expected: [UInt8] { ReferenceExecutor.convolution(convolution, input, height: height, width: width) }

    /// The case with pair-bounded weights (`RandomLayers.pairBounded`), for kernels that need them.
    var pairBounded: ConvolutionCase {
        var result = self
        result.convolution.weights = RandomLayers.pairBounded(convolution.weights)
        result.label += ", pair-bounded"
        return result
    }
}

struct LinearCase: CustomStringConvertible {
    var label: String
    var input: [UInt8]
    var weights: QuantizedWeights

    var description: String { "linear \(label) \(weights.depth)->\(weights.outputs)" }
    var expected: [Int32] { ReferenceExecutor.linearAccumulators(weights, input) }
}

/// The kernel test grid: each kernel's own tile edges (16 outputs, groups of 4 channels, row
/// splits), VGG's real channel counts on small maps, and the extremes of the overflow budget.
enum KernelGrid {
    /// `|bias| <= 2^31 - 1 - K * 127 * 255`, the quantizer's saturation bound (Docs/Numerics.md).
    static func biasBound(depth: Int) -> Int32 { Int32(Int(Int32.max) - depth * 127 * 255) }

    static func convolutions(seed: UInt64) -> [ConvolutionCase] {
        var generator = SplitMix64(seed: seed)
        var cases: [ConvolutionCase] = []
        // Tile edges: outputs around 16, channels in groups of 4, odd maps.
        let maps = [(1, 1), (2, 3), (3, 7), (5, 13), (7, 7), (4, 16)]
        for (index, (h, w)) in maps.enumerated() {
            for cin in [4, 8, 12] {
                let outputs = [1, 5, 16, 17, 31, 32, 48][(index + cin) % 7]
                cases.append(random("tile", h, w, cin: cin, outputs: outputs, extraChannels: index % 2 * 4, using: &generator))
            }
        }
        cases.append(random("tile", 14, 14, cin: 64, outputs: 17, using: &generator))
        // VGG's real channel counts (maps shrunk to keep the reference fast).
        cases.append(random("vgg first layer", 8, 9, cin: 4, outputs: 64, inputZeroPoint: 114, using: &generator))
        cases.append(random("vgg", 6, 6, cin: 64, outputs: 128, using: &generator))
        cases.append(random("vgg", 4, 4, cin: 256, outputs: 256, using: &generator))
        cases.append(random("vgg", 3, 3, cin: 512, outputs: 512, using: &generator))
        // Extremes: the largest K with every product at its maximum, bias at the bound.
        for (weight, activation, biasSign) in [(Int8(127), UInt8(255), Int32(1)), (-127, 255, -1), (127, 0, 1), (-127, 255, 1)] {
            cases.append(constant("extreme w=\(weight) a=\(activation)", 2, 3, cin: 512, outputs: 16, weight: weight,
                                  activation: activation, bias: biasSign * biasBound(depth: 9 * 512), using: &generator))
        }
        cases.append(constant("extreme zero point 255", 3, 2, cin: 8, outputs: 20, weight: -127, activation: 255, bias: 0,
                              inputZeroPoint: 255, outputZeroPoint: 17, using: &generator))
        // Pairs at the pair bound (|w0| + |w1| = 128) with activations 255: pair sums of
        // +-32,640, the most a vpmaddubsw kernel's int16 ever holds; valid for every kernel.
        for (pair, activation, biasSign) in [((Int8(127), Int8(1)), UInt8(255), Int32(1)), ((64, 64), 255, 1),
                                             ((-64, -64), 255, -1), ((-1, -127), 255, -1), ((127, -1), 255, 1)] {
            cases.append(constant("extreme pair \(pair) a=\(activation)", 2, 3, cin: 512, outputs: 16, weights: [pair.0, pair.1],
                                  activation: activation, bias: biasSign * biasBound(depth: 9 * 512), using: &generator))
        }
        return cases
    }

    static func linears(seed: UInt64) -> [LinearCase] {
        var generator = SplitMix64(seed: seed)
        var cases: [LinearCase] = []
        for (depth, outputs) in [(1, 1), (3, 6), (4, 16), (17, 17), (64, 33), (100, 100), (4096, 40), (25088, 20)] {
            let weights = RandomLayers.weights("linear", outputs: outputs, depth: depth,
                                               input: .init(scale: 0.05, zeroPoint: 0), isPadding: { _ in false }, using: &generator)
            let input = (0..<depth).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            cases.append(LinearCase(label: "random", input: input, weights: weights))
        }
        for (weight, biasSign) in [(Int8(127), Int32(1)), (-127, -1)] {
            let depth = 25088, outputs = 16
            let rows = [Int8](repeating: weight, count: outputs * depth)
            let weights = QuantizedWeights(name: "extreme", outputs: outputs, depth: depth,
                                           packed: PackedWeights.pack(rows, outputs: outputs, depth: depth),
                                           bias: Array(repeating: biasSign * biasBound(depth: depth), count: outputs),
                                           weightScales: Array(repeating: 0.01, count: outputs),
                                           inputQuantization: .init(scale: 0.05, zeroPoint: 0))
            cases.append(LinearCase(label: "extreme w=\(weight)", input: Array(repeating: 255, count: depth), weights: weights))
        }
        return cases
    }

    /// `|bias| <= 2^31 - 1 - K * 128 * 255` for grouped 4-bit weights (|q * m| <= 128).
    static func groupedBiasBound(depth: Int) -> Int32 { Int32(Int(Int32.max) - depth * 128 * 255) }

    /// Grouped 4-bit linear cases (the linear4 kernels): the 8-k step and 16-output block edges,
    /// every offered group size and 8, short last groups, fc6's depth, and the extremes
    /// |q * m| = 128 with activations 255 and the bias at the bound.
    static func groupedLinears(seed: UInt64) -> [LinearCase] {
        var generator = SplitMix64(seed: seed)
        var cases: [LinearCase] = []
        let shapes = [(1, 1, 8), (7, 5, 8), (8, 16, 8), (9, 17, 16), (17, 3, 8), (64, 33, 32), (100, 20, 64), (255, 31, 128),
                      (512, 48, 64), (1000, 17, 256), (4096, 40, 128), (25088, 20, 128), (25088, 17, 64), (300, 16, 32)]
        for (depth, outputs, groupSize) in shapes {
            let groupCount = (depth + groupSize - 1) / groupSize
            let q = (0 ..< outputs * depth).map { _ in Int8(Int(generator.next() % 16) - 8) }
            let m = (0 ..< outputs * groupCount).map { _ in Int8(Int(generator.next() % 33) - 16) }
            let bias = (0 ..< outputs).map { _ in Int32(truncatingIfNeeded: Int(generator.next() % 2_000_001) - 1_000_000) }
            let input = (0 ..< depth).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            cases.append(LinearCase(label: "random groups of \(groupSize)", input: input,
                                    weights: grouped(q, m, groupSize: groupSize, outputs: outputs, depth: depth, bias: bias)))
        }
        for (value, multiplier, biasSign) in [(Int8(-8), Int8(-16), Int32(1)), (-8, 16, -1), (7, 16, 1), (7, -16, -1)] {
            let (depth, outputs, groupSize) = (25088, 16, 128)
            let groupCount = depth / groupSize
            cases.append(LinearCase(
                label: "extreme q=\(value) m=\(multiplier)", input: Array(repeating: 255, count: depth),
                weights: grouped(Array(repeating: value, count: outputs * depth), Array(repeating: multiplier, count: outputs * groupCount),
                                 groupSize: groupSize, outputs: outputs, depth: depth,
                                 bias: Array(repeating: biasSign * groupedBiasBound(depth: depth), count: outputs))))
        }
        return cases
    }

    static func grouped(_ q: [Int8], _ m: [Int8], groupSize: Int, outputs: Int, depth: Int, bias: [Int32]) -> QuantizedWeights {
        QuantizedWeights(name: "grouped", outputs: outputs, depth: depth, packed: PackedWeights.pack(q, outputs: outputs, depth: depth),
                         bias: bias, weightScales: Array(repeating: 0.01, count: outputs),
                         inputQuantization: .init(scale: 0.05, zeroPoint: 0), groups: WeightGroups(size: groupSize, multipliers: m))
    }

    /// Random weights, bias and activations; requantization scaled to the typical accumulator so
    /// outputs spread over [0, 255], with a few channels at the shift range's ends.
    static func random(_ label: String, _ h: Int, _ w: Int, cin: Int, outputs: Int, extraChannels: Int = 0,
                       inputZeroPoint: Int32 = 0, using generator: inout SplitMix64) -> ConvolutionCase {
        var weights = RandomLayers.weights("conv", outputs: outputs, depth: 9 * cin,
                                           input: .init(scale: 0.05, zeroPoint: inputZeroPoint),
                                           isPadding: { _ in false }, using: &generator)
        weights.bias = weights.bias.map { $0 &* 37 }
        let typical = Double(127 * 128) * Double(9 * cin).squareRoot() / 2
        let requantization = (0..<outputs).map { o -> Requantization in
            switch o % 7 {
            case 5: return Requantization(multiplier: Int32(1 << 30) + Int32(o), shift: 32)
            case 6: return Requantization(multiplier: Int32.max, shift: 62)
            default: return Requantization(ratio: 128 / typical * Double(1 + generator.next() % 100) / 50)!
            }
        }
        let convolution = QuantizedConvolution(weights: weights, inputChannels: cin, requantization: requantization,
                                               outputQuantization: .init(scale: 0.1, zeroPoint: 0))
        let input = (0..<h * w * cin).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        return ConvolutionCase(label: label, height: h, width: w, cout: PackedWeights.roundUp(outputs, to: 4) + extraChannels,
                               input: input, convolution: convolution)
    }

    static func constant(_ label: String, _ h: Int, _ w: Int, cin: Int, outputs: Int, weight: Int8, activation: UInt8,
                         bias: Int32, inputZeroPoint: Int32 = 0, outputZeroPoint: Int32 = 0,
                         using generator: inout SplitMix64) -> ConvolutionCase {
        constant(label, h, w, cin: cin, outputs: outputs, weights: [weight], activation: activation, bias: bias,
                 inputZeroPoint: inputZeroPoint, outputZeroPoint: outputZeroPoint, using: &generator)
    }

    /// Every weight row repeats `weights` along k (e.g. [w0, w1]: w0 at even k, w1 at odd k).
    static func constant(_ label: String, _ h: Int, _ w: Int, cin: Int, outputs: Int, weights pattern: [Int8], activation: UInt8,
                         bias: Int32, inputZeroPoint: Int32 = 0, outputZeroPoint: Int32 = 0,
                         using generator: inout SplitMix64) -> ConvolutionCase {
        let depth = 9 * cin
        let rows = (0..<outputs * depth).map { pattern[$0 % depth % pattern.count] }
        let weights = QuantizedWeights(name: "conv", outputs: outputs, depth: depth,
                                       packed: PackedWeights.pack(rows, outputs: outputs, depth: depth),
                                       bias: Array(repeating: bias, count: outputs),
                                       weightScales: Array(repeating: 0.01, count: outputs),
                                       inputQuantization: .init(scale: 0.05, zeroPoint: inputZeroPoint))
        let requantization = (0..<outputs).map { o in
            Requantization(multiplier: Int32(1 << 30) + Int32(generator.next() % (1 << 30)), shift: Int32(32 + o % 31))
        }
        let convolution = QuantizedConvolution(weights: weights, inputChannels: cin, requantization: requantization,
                                               outputQuantization: .init(scale: 0.1, zeroPoint: outputZeroPoint))
        return ConvolutionCase(label: label, height: h, width: w, cout: PackedWeights.roundUp(outputs, to: 4),
                               input: Array(repeating: activation, count: h * w * cin), convolution: convolution)
    }
}
