import Imaging
import QuantCore
import VGGModel

/// Turns a fused float VGG graph (`GraphPass.int8Preparation`) and calibrated activation
/// ranges into the int8 model a blob carries (Docs/Numerics.md).
public struct ModelQuantizer {
    /// Largest |accumulator| any weight-activation product sum may reach before the bias:
    /// depth * 127 * 255. VGG's largest depth is fc6's 25088: 812,474,880 < 2^31 - 1.
    static func productBound(depth: Int) -> Int64 { Int64(depth) * 127 * 255 }

    public enum QuantizerError: Error, CustomStringConvertible {
        case missingRange(String)
        case depthTooLarge(String, Int)
        case unsupportedLayer(String)

        public var description: String {
            switch self {
            case .missingRange(let name): "no calibrated range for layer \(name)"
            case .depthTooLarge(let name, let depth): "layer \(name): depth \(depth) can overflow the int32 accumulator"
            case .unsupportedLayer(let name): "layer \(name) cannot be quantized (not a fused VGG layer)"
            }
        }
    }

    /// - Parameters:
    ///   - network: the fused graph.
    ///   - preprocessing: the input transform; its crop is the compiled input size.
    ///   - clips: per fused layer name, the calibrated clip c of its (post-ReLU) output: scale c / 255.
    ///   - labels: class names, one per class.
    ///   - pairBoundedConvolutions: quantize every convolution's weights pair-bounded
    ///     (`WeightQuantization`), so the AVX2 vpmaddubsw kernel runs them (Docs/Numerics.md).
    ///   - classifierWeights: the hidden linear layers' weight format (`GroupedWeightQuantization`
    ///     for int4; the logits layer stays int8, Docs/Accuracy.md).
    ///   - roundedWeights: layers rounded by `GPTQ` (by name), used in place of rounding to nearest.
    public static func quantize(_ network: VGGNetwork, preprocessing: Preprocessing, clips: [String: Float],
                                labels: [String], target: String, calibration: String,
                                pairBoundedConvolutions: Bool = false, classifierWeights: ClassifierWeights = .int8,
                                roundedWeights: [String: RoundedWeights] = [:]) throws -> QuantizedModel {
        let inputQuantization = inputRange(preprocessing)
        var quantization = inputQuantization
        var layers: [QuantizedLayer] = []
        var channels = network.inputChannels
        var (h, w) = (preprocessing.cropHeight, preprocessing.cropWidth)
        for (index, named) in network.layers.enumerated() {
            switch named.layer {
            case .conv(let conv):
                guard conv.fusedReLU else { throw QuantizerError.unsupportedLayer(named.name) }
                let output = try outputQuantization(named, clips: clips)
                let weights = try convolutionWeights(conv, name: named.name, input: quantization,
                                                     pairBounded: pairBoundedConvolutions, rounded: roundedWeights[named.name])
                let requantization = try requantizations(weights, output: output)
                layers.append(.convolution(QuantizedConvolution(weights: weights, inputChannels: conv.inChannels,
                                                                requantization: requantization, outputQuantization: output)))
                quantization = output
                channels = conv.outChannels
            case .maxPool:
                layers.append(.maxPool(name: named.name))
                (h, w) = (h / 2, w / 2)
            case .adaptiveAvgPool(let oh, let ow):
                layers.append(.adaptiveAveragePool(name: named.name, height: oh, width: ow))
                (h, w) = (oh, ow)
            case .flattenChannelsLast:
                break
            case .linear(let linear):
                // The first linear layer reads the NHWC map with padded channels.
                let paddedChannels = PackedWeights.roundUp(channels, to: PackedWeights.depthTile)
                let rows = index > 0 && network.layers[index - 1].layer.isFlatten
                    ? padColumns(linear.weight, outputs: linear.outFeatures, plane: h * w, channels: channels, paddedChannels: paddedChannels)
                    : linear.weight
                let depth = rows.count / linear.outFeatures
                let weights = try quantizedWeights(name: named.name, rows: rows, bias: linear.bias, outputs: linear.outFeatures,
                                                   depth: depth, input: quantization, format: linear.fusedReLU ? classifierWeights : .int8,
                                                   rounded: roundedWeights[named.name])
                if linear.fusedReLU {
                    let output = try outputQuantization(named, clips: clips)
                    layers.append(.linear(QuantizedLinear(weights: weights, output: .activation(
                        requantization: try requantizations(weights, output: output), quantization: output))))
                    quantization = output
                    channels = linear.outFeatures
                    (h, w) = (1, 1)
                } else {
                    layers.append(.linear(QuantizedLinear(weights: weights, output: .logits)))
                }
            case .flatten, .batchNorm, .relu, .dropout:
                throw QuantizerError.unsupportedLayer(named.name)
            }
        }
        let input = InputSpec(resize: preprocessing.resize, cropHeight: preprocessing.cropHeight,
                              cropWidth: preprocessing.cropWidth, mean: preprocessing.mean, std: preprocessing.std,
                              quantization: inputQuantization)
        return QuantizedModel(arch: network.arch.rawValue, target: target, calibration: calibration, input: input,
                              labels: labels, layers: layers)
    }

    /// The input needs no calibration: Normalize maps pixel values [0, 1] to
    /// [(0 - mean) / std, (1 - mean) / std] per channel, so the union over channels is the exact
    /// range. scale = (hi - lo) / 255, zeroPoint = round(-lo / scale) (real 0 is exact).
    public static func inputRange(_ preprocessing: Preprocessing) -> ActivationQuantization {
        let lows = (0..<3).map { Double(0 - preprocessing.mean[$0]) / Double(preprocessing.std[$0]) }
        let highs = (0..<3).map { Double(1 - preprocessing.mean[$0]) / Double(preprocessing.std[$0]) }
        let lo = min(lows.min()!, 0), hi = max(highs.max()!, 0)
        let scale = (hi - lo) / 255
        return ActivationQuantization(scale: Float(scale), zeroPoint: Int32((-lo / scale).rounded()))
    }

    static func outputQuantization(_ named: NamedLayer, clips: [String: Float]) throws -> ActivationQuantization {
        guard let clip = clips[named.name] else { throw QuantizerError.missingRange(named.name) }
        // A layer that never fired during calibration still needs a positive scale.
        return ActivationQuantization(scale: max(clip, Float.leastNormalMagnitude * 255) / 255, zeroPoint: 0)
    }

    /// OIHW -> [o][(dy*3 + dx)*paddedC + c], zero for the padding channels.
    static func convolutionWeights(_ conv: Convolution, name: String, input: ActivationQuantization,
                                   pairBounded: Bool = false, rounded: RoundedWeights? = nil) throws -> QuantizedWeights {
        let rows = convolutionRows(conv)
        return try quantizedWeights(name: name, rows: rows, bias: conv.bias, outputs: conv.outChannels, depth: rows.count / conv.outChannels,
                                    input: input, pairBounded: pairBounded, rounded: rounded)
    }

    /// A convolution's weights as rows [o][(dy*3 + dx)*paddedC + c].
    static func convolutionRows(_ conv: Convolution) -> [Float] {
        let paddedChannels = PackedWeights.roundUp(conv.inChannels, to: PackedWeights.depthTile)
        let depth = 9 * paddedChannels
        var rows = [Float](repeating: 0, count: conv.outChannels * depth)
        for o in 0..<conv.outChannels {
            for c in 0..<conv.inChannels {
                for tap in 0..<9 {
                    rows[o * depth + tap * paddedChannels + c] = conv.weightOIHW[(o * conv.inChannels + c) * 9 + tap]
                }
            }
        }
        return rows
    }

    /// Every convolution's and linear layer's weight rows as `quantize` lays them out, with what
    /// `GPTQ` needs to build their input vectors, for a `height` x `width` input.
    static func weightRows(_ network: VGGNetwork, height: Int, width: Int) -> [WeightRows] {
        var result: [WeightRows] = []
        var channels = network.inputChannels
        var (h, w) = (height, width)
        for (index, named) in network.layers.enumerated() {
            switch named.layer {
            case .conv(let conv):
                let paddedChannels = PackedWeights.roundUp(conv.inChannels, to: PackedWeights.depthTile)
                result.append(WeightRows(name: named.name, rows: convolutionRows(conv), outputs: conv.outChannels, depth: 9 * paddedChannels,
                                         isLinear: false, isLogits: false, channels: conv.inChannels,
                                         paddedChannels: paddedChannels, height: h, width: w))
                channels = conv.outChannels
            case .maxPool:
                (h, w) = (h / 2, w / 2)
            case .adaptiveAvgPool(let oh, let ow):
                (h, w) = (oh, ow)
            case .linear(let linear):
                let paddedChannels = PackedWeights.roundUp(channels, to: PackedWeights.depthTile)
                let afterFlatten = index > 0 && network.layers[index - 1].layer.isFlatten
                let rows = afterFlatten
                    ? padColumns(linear.weight, outputs: linear.outFeatures, plane: h * w, channels: channels, paddedChannels: paddedChannels)
                    : linear.weight
                result.append(WeightRows(name: named.name, rows: rows, outputs: linear.outFeatures, depth: rows.count / linear.outFeatures,
                                         isLinear: true, isLogits: !linear.fusedReLU, channels: channels,
                                         paddedChannels: paddedChannels, readsPaddedMap: afterFlatten && channels != paddedChannels))
                channels = linear.outFeatures
                (h, w) = (1, 1)
            default:
                break
            }
        }
        return result
    }

    /// NHWC columns (p*C + c) -> (p*paddedC + c), zero columns for the padding channels.
    static func padColumns(_ weight: [Float], outputs: Int, plane: Int, channels: Int, paddedChannels: Int) -> [Float] {
        guard channels != paddedChannels else { return weight }
        let depth = plane * paddedChannels
        var rows = [Float](repeating: 0, count: outputs * depth)
        for o in 0..<outputs {
            for p in 0..<plane {
                for c in 0..<channels { rows[o * depth + p * paddedChannels + c] = weight[(o * plane + p) * channels + c] }
            }
        }
        return rows
    }

    /// Per-channel int8 weights, packed; int32 bias at scale s_in * s_w[o] with the input zero
    /// point folded in: bias_q[o] = round(b[o] / (s_in * s_w[o])) - zeroPoint_in * sum_k q[o][k].
    /// The bias is saturated so that |bias_q| + depth * 127 * 255 < 2^31 (no accumulator overflow).
    ///
    /// `format` `.int4`: grouped 4-bit weights (`GroupedWeightQuantization`); the integer weight
    /// is then q * m, whose sum is folded, and the budget is depth * 128 * 255.
    static func quantizedWeights(name: String, rows: [Float], bias: [Float], outputs: Int, depth: Int,
                                 input: ActivationQuantization, pairBounded: Bool = false,
                                 format: ClassifierWeights = .int8, rounded: RoundedWeights? = nil) throws -> QuantizedWeights {
        var bound = productBound(depth: depth)
        let values: [Int8], scales: [Float], groups: WeightGroups?
        switch format {
        case _ where rounded != nil:
            (values, scales, groups) = (rounded!.values, rounded!.scales, rounded!.groups)
            if groups != nil { bound = Int64(depth) * Int64(GroupedWeights.largestProduct) * 255 }
        case .int8:
            let quantized = WeightQuantization(rows: rows, outputs: outputs, depth: depth, pairBounded: pairBounded)
            (values, scales, groups) = (quantized.values, quantized.scales, nil)
        case .int4(let groupSize):
            let quantized = GroupedWeightQuantization(rows: rows, outputs: outputs, depth: depth, groupSize: groupSize)
            (values, scales, groups) = (quantized.values, quantized.scales, quantized.groups)
            bound = Int64(depth) * Int64(GroupedWeights.largestProduct) * 255
        }
        guard bound < Int64(Int32.max) else { throw QuantizerError.depthTooLarge(name, depth) }
        let biasLimit = Int64(Int32.max) - bound
        let zeroPoint = Int64(input.zeroPoint)
        let groupCount = groups?.count(depth: depth) ?? 0
        let biases: [Int32] = (0..<outputs).map { o in
            let real = (Double(bias[o]) / (Double(input.scale) * Double(scales[o]))).rounded()
            var weightSum: Int64 = 0
            for k in 0..<depth {
                let m = groups.map { Int64($0.multipliers[o * groupCount + k / $0.size]) } ?? 1
                weightSum += Int64(values[o * depth + k]) * m
            }
            let folded = Int64(max(min(real, 4e18), -4e18)) - zeroPoint * weightSum
            return Int32(min(max(folded, -biasLimit), biasLimit))
        }
        return QuantizedWeights(name: name, outputs: outputs, depth: depth,
                                packed: PackedWeights.pack(values, outputs: outputs, depth: depth),
                                bias: biases, weightScales: scales, inputQuantization: input, pairBounded: pairBounded,
                                groups: groups)
    }

    /// r[o] = s_in * s_w[o] / s_out as multiplier and shift. When a channel's ratio reaches 1/2
    /// (an output scale below two accumulator steps: a degenerate layer), the ratio is capped just
    /// below 1/2, which saturates that channel instead of failing.
    static func requantizations(_ weights: QuantizedWeights, output: ActivationQuantization) throws -> [Requantization] {
        weights.weightScales.map { weightScale in
            let ratio = Double(weights.inputQuantization.scale) * Double(weightScale) / Double(output.scale)
            return Requantization(ratio: min(ratio, 0.499_999_999)) ?? Requantization(multiplier: 0, shift: 32)
        }
    }
}

extension FloatLayer {
    var isFlatten: Bool {
        switch self {
        case .flatten, .flattenChannelsLast: true
        default: false
        }
    }
}
