import VGGModel

/// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization", section 4.1) of the
/// fused graph: for two weighted layers with only ReLU, max-pools, the average pool or a flatten
/// between them, scaling output channel c of the first by 1 / s_c and the second's inputs from
/// channel c by s_c (s_c > 0) computes the same function, since those steps commute with a
/// positive per-channel scale. s_c = sqrt(r1_c / r2_c), with r1_c the largest |weight| of the first
/// layer's channel c and r2_c the largest |weight| the second applies to it, makes both ranges
/// sqrt(r1_c * r2_c). Repeated over all pairs until the scales settle.
///
/// On by default since 2026-12-06, with GPTQ and bias correction (Docs/Accuracy.md): alone it
/// does not help (per-output-channel weight scales already give every channel its own range);
/// before GPTQ it does.
public enum CrossLayerEqualization {
    /// What a blob's calibration string holds when its graph was equalized (`CompileJob`).
    public static let calibrationNote = "cross-layer equalized"

    /// The equalized network (the same function, other weights) after `passes` sweeps.
    public static func equalized(_ network: VGGNetwork, passes: Int = 8) -> VGGNetwork {
        var network = network
        let weighted = network.layers.indices.filter {
            switch network.layers[$0].layer {
            case .conv, .linear: true
            default: false
            }
        }
        for _ in 0..<passes {
            for (first, second) in zip(weighted, weighted.dropFirst()) where equalizable(network, first, second) {
                equalize(&network, first, second)
            }
        }
        return network
    }

    /// Whether only scale-commuting steps lie between the two, and the first ends in ReLU.
    static func equalizable(_ network: VGGNetwork, _ first: Int, _ second: Int) -> Bool {
        let fusedReLU: Bool
        switch network.layers[first].layer {
        case .conv(let conv): fusedReLU = conv.fusedReLU
        case .linear(let linear): fusedReLU = linear.fusedReLU
        default: return false
        }
        return fusedReLU && network.layers[(first + 1)..<second].allSatisfy {
            switch $0.layer {
            case .maxPool, .adaptiveAvgPool, .flatten, .flattenChannelsLast, .dropout: true
            default: false
            }
        }
    }

    static func equalize(_ network: inout VGGNetwork, _ first: Int, _ second: Int) {
        // The first layer's output channels: rows of its weights.
        var firstWeights: [Float], firstBias: [Float], channels: Int, rowLength: Int
        switch network.layers[first].layer {
        case .conv(let conv):
            (firstWeights, firstBias, channels, rowLength) = (conv.weightOIHW, conv.bias, conv.outChannels, conv.inChannels * 9)
        case .linear(let linear):
            (firstWeights, firstBias, channels, rowLength) = (linear.weight, linear.bias, linear.outFeatures, linear.inFeatures)
        default:
            return
        }
        // Which of the second layer's weights read channel c.
        var secondWeights: [Float]
        let readsChannel: (Int) -> Int  // weight index -> the channel it reads
        switch network.layers[second].layer {
        case .conv(let conv):
            secondWeights = conv.weightOIHW
            readsChannel = { $0 / 9 % conv.inChannels }
        case .linear(let linear):
            secondWeights = linear.weight
            let flattenedFirst = network.layers[(first + 1)..<second].contains {
                if case .flattenChannelsLast = $0.layer { return true } else { return false }
            }
            let flattenedChannelsFirst = network.layers[(first + 1)..<second].contains {
                if case .flatten = $0.layer { return true } else { return false }
            }
            let inFeatures = linear.inFeatures
            if flattenedFirst {
                readsChannel = { $0 % inFeatures % channels }  // column p * C + c
            } else if flattenedChannelsFirst {
                let plane = inFeatures / channels
                readsChannel = { $0 % inFeatures / plane }  // column c * plane + p
            } else {
                readsChannel = { $0 % inFeatures }
            }
        default:
            return
        }
        var firstRange = [Float](repeating: 0, count: channels), secondRange = [Float](repeating: 0, count: channels)
        for (i, w) in firstWeights.enumerated() { firstRange[i / rowLength] = max(firstRange[i / rowLength], abs(w)) }
        for (i, w) in secondWeights.enumerated() { secondRange[readsChannel(i)] = max(secondRange[readsChannel(i)], abs(w)) }
        let scales = zip(firstRange, secondRange).map { r1, r2 in r1 > 0 && r2 > 0 ? (r1 / r2).squareRoot() : 1 }
        for i in firstWeights.indices { firstWeights[i] /= scales[i / rowLength] }
        for c in 0..<channels { firstBias[c] /= scales[c] }
        for i in secondWeights.indices { secondWeights[i] *= scales[readsChannel(i)] }
        switch network.layers[first].layer {
        case .conv(var conv): (conv.weightOIHW, conv.bias) = (firstWeights, firstBias); network.layers[first].layer = .conv(conv)
        case .linear(var linear): (linear.weight, linear.bias) = (firstWeights, firstBias); network.layers[first].layer = .linear(linear)
        default: break
        }
        switch network.layers[second].layer {
        case .conv(var conv): conv.weightOIHW = secondWeights; network.layers[second].layer = .conv(conv)
        case .linear(var linear): linear.weight = secondWeights; network.layers[second].layer = .linear(linear)
        default: break
        }
    }
}
