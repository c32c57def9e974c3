/// A float VGG network: the architecture, the widths read from the weights, and the layer
/// graph in execution order, exactly as torchvision's `VGG.forward` runs it in eval mode:
/// `features` -> `avgpool` (AdaptiveAvgPool2d(7, 7)) -> `flatten` -> `classifier`.
public struct VGGNetwork: Sendable {
    public var arch: VGGArch
    /// Channels of the network input (3 for RGB).
    public var inputChannels: Int
    /// Output channels of each convolution, in order (torchvision: 64 ... 512).
    public var convolutionWidths: [Int]
    /// Widths of classifier.0 and classifier.3 (torchvision: 4096, 4096).
    public var hiddenFeatures: [Int]
    public var classCount: Int
    public var layers: [NamedLayer]

    /// The spatial size AdaptiveAvgPool2d produces before the classifier.
    public static let pooledSize = 7

    public init(arch: VGGArch, inputChannels: Int, convolutionWidths: [Int], hiddenFeatures: [Int],
                classCount: Int, layers: [NamedLayer]) {
        self.arch = arch
        self.inputChannels = inputChannels
        self.convolutionWidths = convolutionWidths
        self.hiddenFeatures = hiddenFeatures
        self.classCount = classCount
        self.layers = layers
    }

    /// Smallest input side that survives the five 2x2 max-pools (32 -> 1).
    public static let minimumInputSize = 32
}
