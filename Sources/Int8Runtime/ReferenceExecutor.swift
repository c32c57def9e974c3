import QuantCore

/// The slow, obvious int8 executor: Docs/Numerics.md line by line. It is the spec every
/// optimized kernel must match bit for bit; it is never optimized.
///
/// Activations are NHWC uint8 `[H][W][C]` for one image. Weights are read through
/// `PackedWeights.index`, so the packing is part of what it checks.
public enum ReferenceExecutor {
    /// Output of one run: the last layer's int32 accumulators, and the uint8 output of every
    /// layer before it (for per-layer error reports), in network order.
    public struct Result: Sendable {
        public var accumulators: [Int32]
        public var layerOutputs: [[UInt8]]
    }

    /// Runs `model` on one quantized input `[height][width][paddedChannels]`.
    public static func run(_ model: QuantizedModel, input: [UInt8], height: Int, width: Int) -> Result {
        var activation = input
        var (h, w) = (height, width)
        var channels = PackedWeights.roundUp(3, to: PackedWeights.depthTile)
        var outputs: [[UInt8]] = []
        for layer in model.layers {
            switch layer {
            case .convolution(let conv):
                activation = convolution(conv, activation, height: h, width: w)
                channels = PackedWeights.roundUp(conv.weights.outputs, to: PackedWeights.depthTile)
            case .maxPool:
                activation = maxPool(activation, height: h, width: w, channels: channels)
                (h, w) = (h / 2, w / 2)
            case .adaptiveAveragePool(_, let oh, let ow):
                activation = adaptiveAveragePool(activation, height: h, width: w, channels: channels,
                                                 outputHeight: oh, outputWidth: ow)
                (h, w) = (oh, ow)
            case .linear(let linear):
                let accumulators = linearAccumulators(linear.weights, activation)
                switch linear.output {
                case .activation(let requantization, let quantization):
                    activation = accumulators.indices.map {
                        UInt8(requantization[$0].output(accumulators[$0], zeroPoint: quantization.zeroPoint,
                                                       minimum: quantization.zeroPoint, maximum: 255))
                    }
                    (h, w, channels) = (1, 1, linear.weights.outputs)
                case .logits:
                    return Result(accumulators: accumulators, layerOutputs: outputs)
                }
            }
            outputs.append(activation)
        }
        preconditionFailure("the model has no logits layer")
    }

    /// acc[o] = bias[o] + sum over taps (dy, dx) and channels c < paddedC of
    ///          w[o][(dy*3 + dx)*paddedC + c] * a[y+dy-1][x+dx-1][c],
    /// where a pixel outside the map has the value inputZeroPoint on every channel;
    /// out = clamp(requantize(acc) + zeroPoint, zeroPoint, 255) (the fused ReLU).
    /// The output has roundUp(O, 4) channels; the padding channels hold the output zero point.
    static func convolution(_ conv: QuantizedConvolution, _ input: [UInt8], height h: Int, width w: Int) -> [UInt8] {
        let c = conv.paddedInputChannels
        precondition(input.count == h * w * c, "conv \(conv.weights.name): input is not \(h)x\(w)x\(c)")
        let o = conv.weights.outputs
        let outputChannels = PackedWeights.roundUp(o, to: PackedWeights.depthTile)
        let depth = conv.weights.depth
        let paddedDepth = PackedWeights.roundUp(depth, to: PackedWeights.depthTile)
        let zeroPoint = Int32(conv.weights.inputQuantization.zeroPoint)
        var output = [UInt8](repeating: UInt8(conv.outputQuantization.zeroPoint), count: h * w * outputChannels)
        for y in 0..<h {
            for x in 0..<w {
                for oc in 0..<o {
                    var acc = conv.weights.bias[oc]
                    for dy in 0..<3 {
                        for dx in 0..<3 {
                            let (sy, sx) = (y + dy - 1, x + dx - 1)
                            let inside = sy >= 0 && sy < h && sx >= 0 && sx < w
                            for ic in 0..<c {
                                let a = inside ? Int32(input[(sy * w + sx) * c + ic]) : zeroPoint
                                let k = (dy * 3 + dx) * c + ic
                                let weight = Int32(conv.weights.packed[PackedWeights.index(output: oc, depth: k, paddedDepth: paddedDepth)])
                                acc &+= weight * a
                            }
                        }
                    }
                    let q = conv.outputQuantization
                    output[(y * w + x) * outputChannels + oc] = UInt8(conv.requantization[oc].output(
                        acc, zeroPoint: q.zeroPoint, minimum: q.zeroPoint, maximum: 255))
                }
            }
        }
        return output
    }

    /// acc[o] = bias[o] + sum_k w[o][k] * a[k]; with 4-bit groups (Docs/Numerics.md, "4-bit weights")
    /// acc[o] = bias[o] + sum_g m[o][g] * sum_{k in group g} q[o][k] * a[k].
    static func linearAccumulators(_ weights: QuantizedWeights, _ input: [UInt8]) -> [Int32] {
        precondition(input.count == weights.depth, "linear \(weights.name): \(input.count) inputs, expected \(weights.depth)")
        let paddedDepth = PackedWeights.roundUp(weights.depth, to: PackedWeights.depthTile)
        if let groups = weights.groups {
            let count = groups.count(depth: weights.depth)
            return (0..<weights.outputs).map { o in
                var acc = weights.bias[o]
                for g in 0..<count {
                    var partial: Int32 = 0
                    for k in g * groups.size ..< min((g + 1) * groups.size, weights.depth) {
                        partial &+= Int32(weights.packed[PackedWeights.index(output: o, depth: k, paddedDepth: paddedDepth)]) * Int32(input[k])
                    }
                    acc &+= Int32(groups.multipliers[o * count + g]) &* partial
                }
                return acc
            }
        }
        return (0..<weights.outputs).map { o in
            var acc = weights.bias[o]
            for k in 0..<weights.depth {
                acc &+= Int32(weights.packed[PackedWeights.index(output: o, depth: k, paddedDepth: paddedDepth)]) * Int32(input[k])
            }
            return acc
        }
    }

    /// 2x2, stride 2, floor mode.
    static func maxPool(_ input: [UInt8], height h: Int, width w: Int, channels c: Int) -> [UInt8] {
        let (oh, ow) = (h / 2, w / 2)
        var output = [UInt8](repeating: 0, count: oh * ow * c)
        for y in 0..<oh {
            for x in 0..<ow {
                for ch in 0..<c {
                    let a = input[((2 * y) * w + 2 * x) * c + ch], b = input[((2 * y) * w + 2 * x + 1) * c + ch]
                    let d = input[((2 * y + 1) * w + 2 * x) * c + ch], e = input[((2 * y + 1) * w + 2 * x + 1) * c + ch]
                    output[(y * ow + x) * c + ch] = max(max(a, b), max(d, e))
                }
            }
        }
        return output
    }

    /// PyTorch's windows (rows floor(i*H/oh) ..< ceil((i+1)*H/oh)), integer mean rounded half up:
    /// (sum + count/2) / count.
    static func adaptiveAveragePool(_ input: [UInt8], height h: Int, width w: Int, channels c: Int,
                                    outputHeight oh: Int, outputWidth ow: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: oh * ow * c)
        for i in 0..<oh {
            let (y0, y1) = (i * h / oh, ((i + 1) * h + oh - 1) / oh)
            for j in 0..<ow {
                let (x0, x1) = (j * w / ow, ((j + 1) * w + ow - 1) / ow)
                let count = (y1 - y0) * (x1 - x0)
                for ch in 0..<c {
                    var sum = 0
                    for y in y0..<y1 {
                        for x in x0..<x1 { sum += Int(input[(y * w + x) * c + ch]) }
                    }
                    output[(i * ow + j) * c + ch] = UInt8((sum + count / 2) / count)
                }
            }
        }
        return output
    }
}
