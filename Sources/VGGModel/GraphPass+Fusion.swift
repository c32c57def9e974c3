extension GraphPass {
    /// Conv followed by BatchNorm becomes one conv:
    /// w' = w * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta,
    /// computed in Double and rounded once to Float.
    public static let foldBatchNorm = GraphPass(name: "fold-batchnorm") { network, _ in
        var copy = network
        var layers: [NamedLayer] = []
        for named in network.layers {
            if case .batchNorm(let bn) = named.layer, let previous = layers.last, case .conv(var conv) = previous.layer {
                let perOutput = conv.inChannels * 9
                for o in 0..<conv.outChannels {
                    let factor = Double(bn.gamma[o]) / (Double(bn.runningVariance[o]) + Double(bn.epsilon)).squareRoot()
                    for k in 0..<perOutput {
                        conv.weightOIHW[o * perOutput + k] = Float(Double(conv.weightOIHW[o * perOutput + k]) * factor)
                    }
                    conv.bias[o] = Float((Double(conv.bias[o]) - Double(bn.runningMean[o])) * factor + Double(bn.beta[o]))
                }
                layers[layers.count - 1] = NamedLayer(name: previous.name, layer: .conv(conv),
                                                      fused: previous.fused + [named.name] + named.fused)
            } else {
                layers.append(named)
            }
        }
        copy.layers = layers
        return copy
    }

    /// ReLU after a conv or linear layer becomes that layer's `fusedReLU`.
    public static let fuseReLU = GraphPass(name: "fuse-relu") { network, _ in
        var copy = network
        var layers: [NamedLayer] = []
        for named in network.layers {
            if case .relu = named.layer, let previous = layers.last {
                switch previous.layer {
                case .conv(var conv) where !conv.fusedReLU:
                    conv.fusedReLU = true
                    layers[layers.count - 1] = NamedLayer(name: previous.name, layer: .conv(conv),
                                                          fused: previous.fused + [named.name])
                    continue
                case .linear(var linear) where !linear.fusedReLU:
                    linear.fusedReLU = true
                    layers[layers.count - 1] = NamedLayer(name: previous.name, layer: .linear(linear),
                                                          fused: previous.fused + [named.name])
                    continue
                default:
                    break
                }
            }
            layers.append(named)
        }
        copy.layers = layers
        return copy
    }

    /// Dropout is the identity at inference.
    public static let dropDropout = GraphPass(name: "drop-dropout") { network, _ in
        var copy = network
        var layers: [NamedLayer] = []
        for named in network.layers {
            if case .dropout = named.layer, let previous = layers.last {
                layers[layers.count - 1].fused = previous.fused + [named.name]
            } else {
                layers.append(named)
            }
        }
        copy.layers = layers
        return copy
    }

    /// AdaptiveAvgPool2d(7, 7) on a map that already is 7x7 (a 224x224 input) is the identity.
    public static let removeIdentityAveragePool = GraphPass(name: "remove-identity-avgpool") { network, input in
        let map = network.featureMapSize(for: input)
        var copy = network
        var layers: [NamedLayer] = []
        for named in network.layers {
            if case .adaptiveAvgPool(let height, let width) = named.layer, height == map.height, width == map.width,
               let previous = layers.last {
                layers[layers.count - 1].fused = previous.fused + [named.name]
            } else {
                layers.append(named)
            }
        }
        copy.layers = layers
        return copy
    }

    /// torchvision flattens NCHW (c*H*W + h*W + w); the int8 runtime's maps are NHWC. The flatten
    /// becomes channels-last and the next linear layer's columns are permuted once to match:
    /// new column (h*W + w)*C + c = old column c*H*W + h*W + w.
    public static let flattenChannelsLast = GraphPass(name: "flatten-channels-last") { network, _ in
        var copy = network
        guard let index = network.layers.firstIndex(where: { if case .flatten = $0.layer { return true } else { return false } }),
              index + 1 < network.layers.count, case .linear(var linear) = network.layers[index + 1].layer
        else { return network }
        let channels = network.convolutionWidths.last ?? network.inputChannels
        let plane = linear.inFeatures / channels
        let old = linear.weight
        for o in 0..<linear.outFeatures {
            let row = o * linear.inFeatures
            for c in 0..<channels {
                for p in 0..<plane { linear.weight[row + p * channels + c] = old[row + c * plane + p] }
            }
        }
        copy.layers[index].layer = .flattenChannelsLast
        copy.layers[index + 1].layer = .linear(linear)
        return copy
    }
}
