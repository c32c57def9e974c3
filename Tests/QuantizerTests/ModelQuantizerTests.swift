import Imaging
import QuantCore
import Testing
@testable import Quantizer

@Test func weightQuantizationWorkedExample() {
    let q = WeightQuantization(rows: [0.5, -1.27, 0.003, 0, 0, 0], outputs: 2, depth: 3)
    #expect(q.values == [50, -127, 0, 0, 0, 0])
    #expect(q.scales[0] == Float(1.27) / 127 && q.scales[1] == 1)
}

@Test func inputRangeCoversEveryPixelAndZeroIsExact() {
    let q = ModelQuantizer.inputRange(.imagenet)
    let mean = Preprocessing.imagenet.mean, std = Preprocessing.imagenet.std
    for c in 0..<3 {
        for pixel in [Float(0), 1] {
            let x = (pixel - mean[c]) / std[c]
            let level = (x / q.scale).rounded() + Float(q.zeroPoint)
            // Within half a step of the representable range [0, 255].
            #expect(level >= -0.5 && level <= 255.5, "channel \(c) pixel \(pixel): level \(level)")
        }
    }
}

/// Pair-bounded weights (Docs/Numerics.md): the scale also covers the largest pair, every pair
/// keeps |q0| + |q1| <= 128, rows whose pairs already fit are quantized as without the option.
@Test func pairBoundedWeightQuantization() {
    let example = WeightQuantization(rows: [1.0, 0.9, 0.1, 0.0], outputs: 1, depth: 4, pairBounded: true)
    #expect(example.values == [67, 61, 7, 0])
    #expect(example.scales[0] == Float(1.9) / 128)
    // The pair (64.5, 63.5) fits (scale 1), rounding pushes it to 129: moved back to the bound.
    let tie = WeightQuantization(rows: [64.5, 63.5, 127, 0], outputs: 1, depth: 4, pairBounded: true)
    #expect(tie.scales[0] == 1 && tie.values == [65, 63, 127, 0] && tie.adjustedPairs == 1)
    // A row whose pairs fit: the same as plain quantization.
    let small: [Float] = [0.5, -0.2, 1.27, 0, 0.03, -0.7]
    #expect(WeightQuantization(rows: small, outputs: 1, depth: 6, pairBounded: true).values
        == WeightQuantization(rows: small, outputs: 1, depth: 6).values)
    // Seeded bell-shaped random rows (sums of 4 uniforms), one heavy pair planted per row: the
    // bound holds, the error stays small.
    var state: UInt64 = 20_261_127
    func uniform() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    let (outputs, depth) = (16, 72)
    var rows = (0..<outputs * depth).map { _ in (uniform() + uniform() + uniform() + uniform()) / 4 }
    for o in 0..<outputs { (rows[o * depth + 2], rows[o * depth + 3]) = (0.99, -0.6) }
    let plain = WeightQuantization(rows: rows, outputs: outputs, depth: depth)
    let bounded = WeightQuantization(rows: rows, outputs: outputs, depth: depth, pairBounded: true)
    #expect(PackedWeights.isPairBounded(bounded.values))
    #expect(!PackedWeights.isPairBounded(plain.values))
    #expect(bounded.values.allSatisfy { $0 != Int8.min })
    func error(_ q: WeightQuantization) -> Double {
        (0..<rows.count).reduce(0) { sum, i in
            let d = Double(rows[i]) - Double(q.scales[i / depth]) * Double(q.values[i])
            return sum + d * d
        }
    }
    // No worse than 7-bit weights (scale max / 63): at most 4x the 8-bit error, measured 2-3x.
    #expect(error(bounded) <= 4 * error(plain))
    print("pair-bounded weights: squared error \(error(bounded) / error(plain))x plain 8-bit")
}
