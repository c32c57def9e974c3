import FloatEngine
import QuantCore
import VGGModel

/// Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight
/// Equalization and Bias Correction", section 4.2, with the calibration images in place of the
/// BatchNorm statistics; Docs/Accuracy.md).
///
/// Rounding a layer's weights to int8 moves its output: with the int8 weights Ŵ = q * s and the
/// error ε = Ŵ - W, the output becomes y + ε * x, whose mean over the data is shifted by
/// E[ε * x] per output channel. This measures that shift on the calibration images (x: the fp32
/// network's input to the layer; the shift is ε applied to x, one extra convolution or product
/// per layer, before ReLU) and lowers the layer's float bias by it, so that requantizing puts the
/// correction into the int32 bias. The weights, their scales and the activation ranges stay as
/// they are.
public enum BiasCorrection {
    /// The network with every convolution's and linear layer's bias lowered by the mean output
    /// shift of its weights in `model`, and the shifts by layer name.
    /// - Parameters:
    ///   - network: the fused graph `model` was quantized from.
    ///   - inputs: preprocessed calibration images, `[3][height][width]` each.
    ///   - imagesDone: receives the images (cumulative) through the fp32 graph, after each batch.
    public static func corrected(_ network: VGGNetwork, model: QuantizedModel, inputs: [[Float]], height: Int, width: Int,
                                 threads: Int, imagesDone: (Int) -> Void = { _ in }) -> (network: VGGNetwork, shifts: [String: [Float]]) {
        let errors = weightErrors(network, model: model)
        let engine = FloatEngine(network: network, threads: threads)
        var sums: [String: [Double]] = [:]
        var positions: [String: Int] = [:]
        engine.forEachLayerInput(inputs, height: height, width: width, imagesDone: imagesDone) { named, x in
            guard let error = errors[named.name] else { return }
            let shift = engine.apply(error, to: x)
            let outputs = shift.shape[1]
            let plane = shift.values.count / (shift.shape[0] * outputs)
            var channelSums = sums[named.name] ?? [Double](repeating: 0, count: outputs)
            for n in 0..<shift.shape[0] {
                for o in 0..<outputs {
                    let base = (n * outputs + o) * plane
                    channelSums[o] += shift.values[base ..< base + plane].reduce(0.0) { $0 + Double($1) }
                }
            }
            sums[named.name] = channelSums
            positions[named.name, default: 0] += shift.shape[0] * plane
        }
        var shifts: [String: [Float]] = [:]
        var corrected = network
        for index in corrected.layers.indices {
            let name = corrected.layers[index].name
            guard let sum = sums[name], let count = positions[name], count > 0 else { continue }
            let shift = sum.map { Float($0 / Double(count)) }
            shifts[name] = shift
            switch corrected.layers[index].layer {
            case .conv(var conv):
                conv.bias = zip(conv.bias, shift).map { $0 - $1 }
                corrected.layers[index].layer = .conv(conv)
            case .linear(var linear):
                linear.bias = zip(linear.bias, shift).map { $0 - $1 }
                corrected.layers[index].layer = .linear(linear)
            default:
                break
            }
        }
        return (corrected, shifts)
    }

    /// For every convolution and linear layer of `model`, a layer of the same shape whose weights
    /// are the int8 weights' error Ŵ - W, with no bias and no ReLU, in the fused graph's layout.
    static func weightErrors(_ network: VGGNetwork, model: QuantizedModel) -> [String: FloatLayer] {
        var quantized: [String: QuantizedWeights] = [:]
        for layer in model.layers {
            switch layer {
            case .convolution(let conv): quantized[conv.weights.name] = conv.weights
            case .linear(let linear): quantized[linear.weights.name] = linear.weights
            default: break
            }
        }
        var errors: [String: FloatLayer] = [:]
        var channels = network.inputChannels
        for (index, named) in network.layers.enumerated() {
            guard let weights = quantized[named.name] else {
                continue
            }
            let rows = weights.integerRows()
            switch named.layer {
            case .conv(let conv):
                // rows: [o][tap * paddedC + c] (ModelQuantizer.convolutionWeights)
                let paddedChannels = weights.depth / 9
                var error = [Float](repeating: 0, count: conv.weightOIHW.count)
                for o in 0..<conv.outChannels {
                    for c in 0..<conv.inChannels {
                        for tap in 0..<9 {
                            let q = Float(rows[o * weights.depth + tap * paddedChannels + c]) * weights.weightScales[o]
                            let i = (o * conv.inChannels + c) * 9 + tap
                            error[i] = q - conv.weightOIHW[i]
                        }
                    }
                }
                errors[named.name] = .conv(Convolution(outChannels: conv.outChannels, inChannels: conv.inChannels,
                                                       weightOIHW: error, bias: [Float](repeating: 0, count: conv.outChannels)))
                channels = conv.outChannels
            case .linear(let linear):
                // rows: [o][p * paddedC + c] after a flatten of a map with padded channels
                // (ModelQuantizer.padColumns), else [o][k].
                let afterFlatten = index > 0 && network.layers[index - 1].layer.isFlatten
                let paddedChannels = PackedWeights.roundUp(channels, to: PackedWeights.depthTile)
                var error = [Float](repeating: 0, count: linear.weight.count)
                for o in 0..<linear.outFeatures {
                    for k in 0..<linear.inFeatures {
                        let column = afterFlatten ? k / channels * paddedChannels + k % channels : k
                        let q = Float(rows[o * weights.depth + column]) * weights.weightScales[o]
                        error[o * linear.inFeatures + k] = q - linear.weight[o * linear.inFeatures + k]
                    }
                }
                errors[named.name] = .linear(Linear(outFeatures: linear.outFeatures, inFeatures: linear.inFeatures, weight: error,
                                                    bias: [Float](repeating: 0, count: linear.outFeatures)))
                channels = linear.outFeatures
            default:
                break
            }
        }
        return errors
    }
}
