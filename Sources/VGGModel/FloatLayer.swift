/// One layer of the float VGG graph, in execution order.
///
/// Layouts: a convolution weight is `[outChannels, inChannels, 3, 3]` (OIHW, row-major, as
/// PyTorch stores it); a linear weight is `[outFeatures, inFeatures]`. Activations between
/// layers are NCHW per image; `flatten` turns `[C, H, W]` into `C*H*W` features in that
/// order, which is torchvision's `torch.flatten(x, 1)`.
public enum FloatLayer: Sendable {
    /// 3x3 convolution, stride 1, padding 1; `fusedReLU` applies max(0, x) to the output.
    case conv(Convolution)
    /// Inference BatchNorm: y = (x - mean) / sqrt(var + eps) * gamma + beta, per channel.
    case batchNorm(BatchNorm)
    case relu
    /// 2x2 max-pool, stride 2, floor mode (an odd last row or column is dropped).
    case maxPool
    /// AdaptiveAvgPool2d to `height` x `width`: output cell (i, j) averages input rows
    /// floor(i*H/h) ..< ceil((i+1)*H/h) and the same for columns.
    case adaptiveAvgPool(height: Int, width: Int)
    case flatten
    /// Flatten in NHWC order: `[C, H, W]` becomes features (h*W + w)*C + c. Produced by the
    /// `flattenChannelsLast` pass, which permutes the next linear layer's columns to match.
    case flattenChannelsLast
    /// y = W x + b; `fusedReLU` applies max(0, y).
    case linear(Linear)
    /// Identity at inference; kept so the graph mirrors torchvision's module list.
    case dropout
}

/// A named layer: `name` is the torchvision module path (`features.0`, `classifier.6`).
/// `fused` lists the modules graph passes folded into it, in order (`["features.1",
/// "features.2"]` for a conv with its BatchNorm and ReLU); the layer's output is the output of
/// the last of them in the unfused graph.
public struct NamedLayer: Sendable {
    public var name: String
    public var layer: FloatLayer
    public var fused: [String]
    public init(name: String, layer: FloatLayer, fused: [String] = []) {
        self.name = name
        self.layer = layer
        self.fused = fused
    }

    /// The unfused module whose output this layer's output equals.
    public var outputName: String { fused.last ?? name }
}

public struct Convolution: Sendable {
    public var outChannels: Int
    public var inChannels: Int
    /// `[outChannels, inChannels, 3, 3]`, row-major.
    public var weightOIHW: [Float]
    /// `[outChannels]`.
    public var bias: [Float]
    public var fusedReLU: Bool

    public static let kernelSize = 3
    public static let padding = 1

    public init(outChannels: Int, inChannels: Int, weightOIHW: [Float], bias: [Float], fusedReLU: Bool = false) {
        precondition(weightOIHW.count == outChannels * inChannels * 9 && bias.count == outChannels)
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.weightOIHW = weightOIHW
        self.bias = bias
        self.fusedReLU = fusedReLU
    }
}

public struct BatchNorm: Sendable {
    public var gamma: [Float]
    public var beta: [Float]
    public var runningMean: [Float]
    public var runningVariance: [Float]
    /// torchvision's BatchNorm2d default.
    public var epsilon: Float = 1e-5

    public var channels: Int { gamma.count }

    public init(gamma: [Float], beta: [Float], runningMean: [Float], runningVariance: [Float], epsilon: Float = 1e-5) {
        precondition(beta.count == gamma.count && runningMean.count == gamma.count && runningVariance.count == gamma.count)
        self.gamma = gamma
        self.beta = beta
        self.runningMean = runningMean
        self.runningVariance = runningVariance
        self.epsilon = epsilon
    }
}

public struct Linear: Sendable {
    public var outFeatures: Int
    public var inFeatures: Int
    /// `[outFeatures, inFeatures]`, row-major.
    public var weight: [Float]
    public var bias: [Float]
    public var fusedReLU: Bool

    public init(outFeatures: Int, inFeatures: Int, weight: [Float], bias: [Float], fusedReLU: Bool = false) {
        precondition(weight.count == outFeatures * inFeatures && bias.count == outFeatures)
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        self.weight = weight
        self.bias = bias
        self.fusedReLU = fusedReLU
    }
}
