/// A named rewrite of the float graph that keeps its function (up to float rounding).
///
/// The compiler runs `GraphPass.int8Preparation` before calibration: the graph it calibrates
/// and quantizes is the fused one, and every fused layer remembers the unfused modules it
/// absorbed (`NamedLayer.fused`), so reports can compare it with the torchvision graph.
public struct GraphPass: Sendable {
    public let name: String
    let transform: @Sendable (VGGNetwork, InputSize) -> VGGNetwork

    /// The spatial size of the network input the graph is prepared for.
    public struct InputSize: Sendable, Equatable {
        public var height: Int
        public var width: Int
        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }
    }

    public func apply(_ network: VGGNetwork, input: InputSize) -> VGGNetwork { transform(network, input) }

    /// The passes that turn torchvision's graph into the int8 runtime's, in order.
    public static let int8Preparation: [GraphPass] = [
        .foldBatchNorm, .fuseReLU, .dropDropout, .removeIdentityAveragePool, .flattenChannelsLast,
    ]
}

extension VGGNetwork {
    /// Runs `passes` in order.
    public func applying(_ passes: [GraphPass], input: GraphPass.InputSize) -> VGGNetwork {
        passes.reduce(self) { $1.apply($0, input: input) }
    }

    /// The spatial size of the feature map entering `avgpool` for an input of `input`
    /// (each 2x2 max-pool halves it, rounding down).
    public func featureMapSize(for input: GraphPass.InputSize) -> GraphPass.InputSize {
        let pools = layers.filter { if case .maxPool = $0.layer { return true } else { return false } }.count
        return GraphPass.InputSize(height: input.height >> pools, width: input.width >> pools)
    }
}
