import QuantCore
import TestSupport

/// A small hand-built `QuantizedModel` with every layer kind and odd channel counts, from
/// seeded random values:
///
///     input 8x8x3 (padded to 4), zero point 114
///     0 conv    features.0    3(4)->5   k=36
///     1 maxpool features.2    8x8 -> 4x4
///     2 conv    features.3    5(8)->11  k=72
///     3 avgpool avgpool       -> 2x2
///     4 linear  classifier.0  2*2*12=48 -> 17 (two output tiles, the second 1/16 full)
///     5 logits  classifier.3  17(20)->6 (depth padding)
///
/// Weights are in [-127, 127] and zero on padding channels, as the quantizer makes them.
enum TinyModel {
    /// The seed of the golden files Tests/Fixtures/blob/tiny.vq8 and tiny.inspect.txt.
    static let goldenSeed: UInt64 = 20_251_127

    static let labels = ["tench", "goldfish", "café crème", "great white shark", "tiger shark", "hammerhead"]

    static func make(seed: UInt64) -> QuantizedModel {
        var generator = SplitMix64(seed: seed)
        let input = ActivationQuantization(scale: 0.018657, zeroPoint: 114)
        let scales: [Float] = [0.05, 0.07, 0.09]
        let conv0 = RandomLayers.convolution("features.0", inputChannels: 3, outputs: 5, input: input,
                                output: ActivationQuantization(scale: scales[0], zeroPoint: 0), using: &generator)
        let conv1 = RandomLayers.convolution("features.3", inputChannels: 5, outputs: 11, input: conv0.outputQuantization,
                                output: ActivationQuantization(scale: scales[1], zeroPoint: 0), using: &generator)
        // The first linear layer reads the 2x2 map of 11 channels padded to 12: columns p*12 + 11 are zero.
        let hidden = RandomLayers.weights("classifier.0", outputs: 17, depth: 48, input: conv1.outputQuantization,
                             isPadding: { $0 % 12 == 11 }, using: &generator)
        let hiddenOutput = ActivationQuantization(scale: scales[2], zeroPoint: 0)
        let logits = RandomLayers.weights("classifier.3", outputs: labels.count, depth: 17, input: hiddenOutput,
                             isPadding: { _ in false }, using: &generator)
        return QuantizedModel(
            arch: "vgg_tiny", target: "generic", calibration: "minmax, 4 images",
            input: InputSpec(resize: 9, cropHeight: 8, cropWidth: 8, mean: [0.485, 0.456, 0.406],
                             std: [0.229, 0.224, 0.225], quantization: input),
            labels: labels,
            layers: [
                .convolution(conv0),
                .maxPool(name: "features.2"),
                .convolution(conv1),
                .adaptiveAveragePool(name: "avgpool", height: 2, width: 2),
                .linear(QuantizedLinear(weights: hidden, output: .activation(
                    requantization: RandomLayers.requantization(hidden, output: hiddenOutput), quantization: hiddenOutput))),
                .linear(QuantizedLinear(weights: logits, output: .logits)),
            ])
    }
}
