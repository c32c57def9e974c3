/// What a layer record describes; the raw value is the `kind` field of the layer table.
public enum BlobLayerKind: UInt32, Sendable, CaseIterable {
    /// 3x3 convolution, stride 1, padding 1, fused ReLU: uint8 NHWC in and out.
    case convolution = 1
    /// 2x2 max-pool, stride 2, floor mode.
    case maxPool = 2
    /// AdaptiveAvgPool2d(poolHeight, poolWidth).
    case adaptiveAveragePool = 3
    /// Hidden fully connected layer with fused ReLU: uint8 out.
    case linear = 4
    /// The last fully connected layer: int32 accumulators out, dequantized to float logits.
    case logits = 5

    /// Short name used by the inspect dump and in messages.
    public var label: String {
        switch self {
        case .convolution: "conv"
        case .maxPool: "maxpool"
        case .adaptiveAveragePool: "avgpool"
        case .linear: "linear"
        case .logits: "logits"
        }
    }

    /// Whether the layer has weights (outputs, depth, input quantization, packed weights, bias, weight scales).
    public var hasWeights: Bool { self == .convolution || self == .linear || self == .logits }

    /// Whether the layer requantizes to uint8 (output quantization, multipliers, shifts).
    var requantizes: Bool { self == .convolution || self == .linear }

    /// The arrays this kind stores in the data section, in storage order.
    var arrays: [BlobArray] {
        hasWeights ? (requantizes ? BlobArray.allCases : [.packedWeights, .bias, .weightScales]) : []
    }
}
