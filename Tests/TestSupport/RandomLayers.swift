import QuantCore

/// Quantized layers from seeded random values, shaped as the quantizer makes them: weights in
/// [-127, 127], zero on padding channels, bias small, requantization from real scale ratios.
public enum RandomLayers {
    public static func convolution(_ name: String, inputChannels: Int, outputs: Int, input: ActivationQuantization,
                                   output: ActivationQuantization,
                                   using generator: inout SplitMix64) -> QuantizedConvolution {
        let paddedChannels = PackedWeights.roundUp(inputChannels, to: PackedWeights.depthTile)
        let convolutionWeights = weights(name, outputs: outputs, depth: 9 * paddedChannels, input: input,
                                         isPadding: { $0 % paddedChannels >= inputChannels }, using: &generator)
        return QuantizedConvolution(weights: convolutionWeights, inputChannels: inputChannels,
                                    requantization: requantization(convolutionWeights, output: output),
                                    outputQuantization: output)
    }

    public static func weights(_ name: String, outputs: Int, depth: Int, input: ActivationQuantization,
                               isPadding: (Int) -> Bool, using generator: inout SplitMix64) -> QuantizedWeights {
        let rows: [Int8] = (0 ..< outputs * depth).map { index in
            isPadding(index % depth) ? 0 : Int8(Int(generator.next() % 255) - 127)
        }
        let bias: [Int32] = (0 ..< outputs).map { _ in Int32(Int(generator.next() % 20_001) - 10_000) }
        let weightScales: [Float] = (0 ..< outputs).map { _ in Float(1 + generator.next() % 999) / 100_000 }
        return QuantizedWeights(name: name, outputs: outputs, depth: depth,
                                packed: PackedWeights.pack(rows, outputs: outputs, depth: depth), bias: bias,
                                weightScales: weightScales, inputQuantization: input)
    }

    /// The same weights made pair-bounded (|w[2j]| + |w[2j+1]| <= 128, `PackedWeights.isPairBounded`):
    /// in a pair beyond the bound the second weight keeps its sign and shrinks to 128 - |first|.
    /// (The quantizer's own rule, `WeightQuantization`, is tested in QuantizerTests; kernels only
    /// need the property.)
    public static func pairBounded(_ weights: QuantizedWeights) -> QuantizedWeights {
        var result = weights
        for index in stride(from: 0, to: result.packed.count, by: 2) {
            let (first, second) = (Int(result.packed[index]), Int(result.packed[index + 1]))
            if abs(first) + abs(second) > PackedWeights.pairBound {
                result.packed[index + 1] = Int8((second < 0 ? -1 : 1) * (PackedWeights.pairBound - abs(first)))
            }
        }
        result.pairBounded = true
        return result
    }

    public static func requantization(_ weights: QuantizedWeights, output: ActivationQuantization) -> [Requantization] {
        weights.weightScales.map { weightScale in
            Requantization(ratio: Double(weights.inputQuantization.scale) * Double(weightScale) / Double(output.scale))!
        }
    }
}
