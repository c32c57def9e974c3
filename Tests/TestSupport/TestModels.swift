import QuantCore

/// Small quantized networks that several test bundles run.
public enum TestModels {
    /// A network where Winograd fits two convolutions: a 68x64 input; 16 -> 32 channels at full
    /// size (F(4x4) fits), a pool, 32 -> 19 at 34x32 (34 = 2 mod 4: F(2x2) only; a partial
    /// 16-block); then direct layers: the first (4 padded input channels), one after a second pool
    /// (17x16), and the logits. `beyondF4`: the 16 -> 32 layer's weights all 127 and cin 128
    /// instead, beyond F(4x4)'s bound, so it falls to F(2x2).
    public static func winograd(seed: UInt64, pairBounded: Bool = false, beyondF4: Bool = false) -> QuantizedModel {
        var generator = SplitMix64(seed: seed)
        let input = ActivationQuantization(scale: 0.018657, zeroPoint: 114)
        func scale(_ value: Float) -> ActivationQuantization { .init(scale: value, zeroPoint: 0) }
        var convolutions: [QuantizedConvolution] = []
        var previous = input
        let first = beyondF4 ? 128 : 16
        for (index, (cin, outputs, outputScale)) in [(3, first, Float(0.05)), (first, 32, 0.08), (32, 19, 0.1), (19, 8, 0.12)].enumerated() {
            var convolution = RandomLayers.convolution("features.\(index)", inputChannels: cin, outputs: outputs, input: previous,
                                                       output: scale(outputScale), using: &generator)
            if beyondF4 && index == 1 {
                let rows = [Int8](repeating: 127, count: outputs * 9 * cin)
                convolution.weights.packed = PackedWeights.pack(rows, outputs: outputs, depth: 9 * cin)
            }
            if pairBounded { convolution.weights = RandomLayers.pairBounded(convolution.weights) }
            convolutions.append(convolution)
            previous = convolution.outputQuantization
        }
        let logits = RandomLayers.weights("classifier.0", outputs: 7, depth: 8 * 8 * 8, input: previous, isPadding: { _ in false },
                                          using: &generator)
        let layers: [QuantizedLayer] = [
            .convolution(convolutions[0]), .convolution(convolutions[1]), .maxPool(name: "pool.0"), .convolution(convolutions[2]),
            .maxPool(name: "pool.1"), .convolution(convolutions[3]), .maxPool(name: "pool.2"),
            .linear(QuantizedLinear(weights: logits, output: .logits)),
        ]
        return QuantizedModel(arch: "vgg_test", target: "generic", calibration: "none",
                              input: InputSpec(resize: 68, cropHeight: 68, cropWidth: 64, mean: [0.485, 0.456, 0.406],
                                               std: [0.229, 0.224, 0.225], quantization: input),
                              labels: (0..<7).map { "class \($0)" }, layers: layers)
    }
}
