import Foundation
import QuantCore

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
        let conv0 = convolution("features.0", inputChannels: 3, outputs: 5, input: input,
                                output: ActivationQuantization(scale: scales[0], zeroPoint: 0), using: &generator)
        let conv1 = convolution("features.3", inputChannels: 5, outputs: 11, input: conv0.outputQuantization,
                                output: ActivationQuantization(scale: scales[1], zeroPoint: 0), using: &generator)
        // The first linear layer reads the 2x2 map of 11 channels padded to 12: columns p*12 + 11 are zero.
        let hidden = weights("classifier.0", outputs: 17, depth: 48, input: conv1.outputQuantization,
                             isPadding: { $0 % 12 == 11 }, using: &generator)
        let hiddenOutput = ActivationQuantization(scale: scales[2], zeroPoint: 0)
        let logits = weights("classifier.3", outputs: labels.count, depth: 17, input: hiddenOutput,
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
                    requantization: requantization(hidden, output: hiddenOutput), quantization: hiddenOutput))),
                .linear(QuantizedLinear(weights: logits, output: .logits)),
            ])
    }

    /// A random model seed: `INT8BLOB_TEST_SEED` when set, else fresh; printed so a failure can be reproduced.
    static func testSeed(_ test: String) -> UInt64 {
        let seed = ProcessInfo.processInfo.environment["INT8BLOB_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0 ... UInt64.max)
        print("\(test): INT8BLOB_TEST_SEED=\(seed)")
        return seed
    }

    private static func convolution(_ name: String, inputChannels: Int, outputs: Int, input: ActivationQuantization,
                                    output: ActivationQuantization,
                                    using generator: inout SplitMix64) -> QuantizedConvolution {
        let paddedChannels = PackedWeights.roundUp(inputChannels, to: PackedWeights.depthTile)
        let convolutionWeights = weights(name, outputs: outputs, depth: 9 * paddedChannels, input: input,
                                         isPadding: { $0 % paddedChannels >= inputChannels }, using: &generator)
        return QuantizedConvolution(weights: convolutionWeights, inputChannels: inputChannels,
                                    requantization: requantization(convolutionWeights, output: output),
                                    outputQuantization: output)
    }

    private static func weights(_ name: String, outputs: Int, depth: Int, input: ActivationQuantization,
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

    private static func requantization(_ weights: QuantizedWeights, output: ActivationQuantization) -> [Requantization] {
        weights.weightScales.map { weightScale in
            Requantization(ratio: Double(weights.inputQuantization.scale) * Double(weightScale) / Double(output.scale))!
        }
    }
}

/// A small seeded generator (Steele, Lea and Flood's SplitMix64), so runs reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
