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

    public static func requantization(_ weights: QuantizedWeights, output: ActivationQuantization) -> [Requantization] {
        weights.weightScales.map { weightScale in
            Requantization(ratio: Double(weights.inputQuantization.scale) * Double(weightScale) / Double(output.scale))!
        }
    }
}
