/// Everything the int8 runtime needs to take a raw image to class names: the content of a
/// blob (Docs/BlobFormat.md), independent of its byte encoding.
///
/// Activations are NHWC. Between layers they are uint8 at a per-tensor scale with zero point
/// 0 (every VGG convolution and hidden linear layer ends in a fused ReLU). The network input
/// is uint8 with a zero point. Every map's channel count is padded to a multiple of 4
/// (`PackedWeights.depthTile`): the padding channels hold the zero point and meet zero weights.
/// (The input's 3 channels become 4; torchvision's own widths are already multiples of 4.)
public struct QuantizedModel: Sendable, Equatable {
    /// torchvision arch name, e.g. "vgg16_bn".
    public var arch: String
    /// Targets/ profile name the blob was compiled for, e.g. "generic".
    public var target: String
    /// How activation ranges were calibrated, e.g. "entropy, 32 images".
    public var calibration: String
    public var input: InputSpec
    /// One name per class, index = class id.
    public var labels: [String]
    public var layers: [QuantizedLayer]

    public init(arch: String, target: String, calibration: String, input: InputSpec, labels: [String],
                layers: [QuantizedLayer]) {
        self.arch = arch
        self.target = target
        self.calibration = calibration
        self.input = input
        self.labels = labels
        self.layers = layers
    }
}

/// Preprocessing and input quantization, so the runtime reproduces torchvision's eval
/// transform: Resize(resize) -> CenterCrop(cropHeight, cropWidth) -> ToTensor -> Normalize(mean, std)
/// -> q = clamp(round(x / scale) + zeroPoint, 0, 255).
public struct InputSpec: Sendable, Equatable {
    /// Shorter side after resizing, pixels; 0 = no resize.
    public var resize: Int
    public var cropHeight: Int
    public var cropWidth: Int
    /// Per-channel mean and std (R, G, B) of Normalize.
    public var mean: [Float]
    public var std: [Float]
    public var quantization: ActivationQuantization

    public init(resize: Int, cropHeight: Int, cropWidth: Int, mean: [Float], std: [Float],
                quantization: ActivationQuantization) {
        self.resize = resize
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.mean = mean
        self.std = std
        self.quantization = quantization
    }
}

/// real = scale * (q - zeroPoint), q in [0, 255].
public struct ActivationQuantization: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int32

    public init(scale: Float, zeroPoint: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// A layer of the int8 graph, in execution order.
public enum QuantizedLayer: Sendable, Equatable {
    /// 3x3 convolution, stride 1, padding 1 (the padding is the input zero point), fused
    /// BatchNorm and ReLU; uint8 NHWC in and out.
    case convolution(QuantizedConvolution)
    /// 2x2 max-pool, stride 2, floor mode, on uint8 values (same scale in and out).
    case maxPool(name: String)
    /// AdaptiveAvgPool2d(height, width) on uint8 values: identity when the map already has that
    /// size, else the integer average of each window, rounded half up (Docs/Numerics.md).
    case adaptiveAveragePool(name: String, height: Int, width: Int)
    /// Fully connected layer on the flattened NHWC map (its columns are permuted offline from
    /// torchvision's NCHW flatten order). Either a hidden layer (fused ReLU, uint8 out) or the
    /// last layer (int32 accumulators out, dequantized at the boundary to float logits).
    case linear(QuantizedLinear)
}

/// Per-output-channel integer parameters shared by convolutions and linear layers.
public struct QuantizedWeights: Sendable, Equatable {
    /// torchvision module name of the (first fused) source layer, e.g. "features.0".
    public var name: String
    public var outputs: Int
    /// Depth: 9 * paddedInputChannels for a convolution; input features for a linear layer
    /// (for the first one: the flattened NHWC map with padded channels, H * W * roundUp(C, 4)).
    public var depth: Int
    /// `PackedWeights` layout, `PackedWeights.byteCount(outputs:depth:)` bytes, symmetric int8 in
    /// [-127, 127] (or 4-bit q in [-8, 7] when `groups` is set).
    public var packed: [Int8]
    /// Per output channel: bias at scale inputScale * weightScales[o], with -inputZeroPoint * sum_k w[o][k] folded in.
    public var bias: [Int32]
    /// Per output channel: real = weightScales[o] * q.
    public var weightScales: [Float]
    public var inputQuantization: ActivationQuantization
    /// Every pair of adjacent depths keeps |w[k]| + |w[k+1]| <= 128 (`PackedWeights.isPairBounded`),
    /// which the AVX2 vpmaddubsw kernel needs; the quantizer makes it so on request. Not checked
    /// here (it reads every weight): the blob writer refuses a flag the weights do not keep.
    public var pairBounded: Bool
    /// Grouped 4-bit weights (linear layers, `vgg-quantize --classifier-weights int4`): `packed`
    /// then holds q in [-8, 7], and w[o][k] = weightScales[o] * m[o][k / size] * q (`WeightGroups`).
    /// nil: int8 weights.
    public var groups: WeightGroups?

    public init(name: String, outputs: Int, depth: Int, packed: [Int8], bias: [Int32], weightScales: [Float],
                inputQuantization: ActivationQuantization, pairBounded: Bool = false, groups: WeightGroups? = nil) {
        precondition(packed.count == PackedWeights.byteCount(outputs: outputs, depth: depth))
        precondition(bias.count == outputs && weightScales.count == outputs)
        precondition(groups.map { $0.multipliers.count == outputs * $0.count(depth: depth) && !pairBounded } ?? true)
        self.name = name
        self.outputs = outputs
        self.depth = depth
        self.packed = packed
        self.bias = bias
        self.weightScales = weightScales
        self.inputQuantization = inputQuantization
        self.pairBounded = pairBounded
        self.groups = groups
    }
}

public struct QuantizedConvolution: Sendable, Equatable {
    public var weights: QuantizedWeights
    /// Real input channels (3 for the first layer) and the padded count the layout uses.
    public var inputChannels: Int
    public var paddedInputChannels: Int { PackedWeights.roundUp(inputChannels, to: PackedWeights.depthTile) }
    /// Per output channel requantization to `outputQuantization`.
    public var requantization: [Requantization]
    public var outputQuantization: ActivationQuantization

    public init(weights: QuantizedWeights, inputChannels: Int, requantization: [Requantization],
                outputQuantization: ActivationQuantization) {
        precondition(requantization.count == weights.outputs)
        self.weights = weights
        self.inputChannels = inputChannels
        self.requantization = requantization
        self.outputQuantization = outputQuantization
        precondition(weights.depth == 9 * paddedInputChannels)
    }
}

public struct QuantizedLinear: Sendable, Equatable {
    public var weights: QuantizedWeights
    public enum Output: Sendable, Equatable {
        /// Fused ReLU, uint8 at `quantization`.
        case activation(requantization: [Requantization], quantization: ActivationQuantization)
        /// int32 accumulators; logit[o] = accumulator[o] * inputScale * weightScales[o].
        case logits
    }
    public var output: Output

    public init(weights: QuantizedWeights, output: Output) {
        if case .activation(let requantization, _) = output { precondition(requantization.count == weights.outputs) }
        self.weights = weights
        self.output = output
    }
}
