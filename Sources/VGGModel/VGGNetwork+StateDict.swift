extension VGGNetwork {
    /// Builds the network from a torchvision VGG state_dict.
    ///
    /// - Parameters:
    ///   - arch: the expected architecture, or nil to infer it from the key structure.
    ///   - weights: the state_dict. Keys may carry DataParallel's `module.` prefix.
    /// - Throws: `ModelError` naming the first offending key and both shapes when the weights
    ///   do not fit `arch`, or saying which archs were tried when none fits.
    public init(arch: VGGArch?, weights: WeightSource) throws {
        let layout = try StateDictLayout(weights)
        let chosen: VGGArch
        if let arch {
            if let problem = layout.firstMismatch(for: arch) {
                var hint = ""
                if let inferred = VGGArch.allCases.first(where: { layout.firstMismatch(for: $0) == nil }) {
                    hint = " (the weights fit \(inferred.rawValue))"
                }
                throw ModelError("\(weights.sourceName): not \(arch.rawValue) weights: \(problem)\(hint)")
            }
            chosen = arch
        } else {
            guard let inferred = VGGArch.allCases.first(where: { layout.firstMismatch(for: $0) == nil }) else {
                let convs = layout.shapes.keys.filter { $0.hasPrefix("features.") && $0.hasSuffix(".weight") }.count
                throw ModelError("\(weights.sourceName): not a torchvision VGG state_dict: it fits none of "
                    + "\(VGGArch.allCases.map(\.rawValue).joined(separator: ", ")) "
                    + "(\(layout.shapes.count) tensors, \(convs) features.*.weight)")
            }
            chosen = inferred
        }
        self = try layout.network(chosen, weights: weights)
    }
}

/// The names and shapes of a state_dict, checked against an arch's key structure.
struct StateDictLayout {
    var shapes: [String: [Int]]
    var order: [String]
    /// "module." when every key carries DataParallel's prefix.
    var prefix: String

    init(_ weights: WeightSource) throws {
        let entries = weights.tensorShapes
        guard !entries.isEmpty else { throw ModelError("\(weights.sourceName): the checkpoint holds no tensors") }
        let prefix = entries.allSatisfy { $0.name.hasPrefix("module.") } ? "module." : ""
        self.prefix = prefix
        order = entries.map { String($0.name.dropFirst(prefix.count)) }
        shapes = Dictionary(entries.map { (String($0.name.dropFirst(prefix.count)), $0.shape) },
                            uniquingKeysWith: { first, _ in first })
    }

    /// An expected key: its name and its shape, where -1 matches any positive size.
    struct Expected {
        var key: String
        var shape: [Int]
        var optional = false
    }

    /// The keys and shapes `arch` needs, with widths taken from the checkpoint where they are
    /// free (a conv's output channels, the hidden and class counts) and cross-checked where
    /// they are implied (a conv's input channels, classifier.0's input features).
    func expectedKeys(for arch: VGGArch) -> [Expected] {
        var expected: [Expected] = []
        var channels = 3
        for (index, module) in arch.featureModules.enumerated() {
            let name = "features.\(index)"
            switch module {
            case .conv:
                let width = shapes[name + ".weight"].flatMap { $0.count == 4 ? $0[0] : nil } ?? -1
                expected.append(Expected(key: name + ".weight", shape: [width, channels, 3, 3]))
                expected.append(Expected(key: name + ".bias", shape: [width]))
                channels = width
            case .batchNorm:
                for field in ["weight", "bias", "running_mean", "running_var"] {
                    expected.append(Expected(key: "\(name).\(field)", shape: [channels]))
                }
                expected.append(Expected(key: name + ".num_batches_tracked", shape: [], optional: true))
            case .relu, .maxPool:
                break
            }
        }
        let pooled = VGGNetwork.pooledSize * VGGNetwork.pooledSize
        var features = channels < 0 ? -1 : channels * pooled
        for index in [0, 3, 6] {
            let name = "classifier.\(index)"
            let width = shapes[name + ".weight"].flatMap { $0.count == 2 ? $0[0] : nil } ?? -1
            expected.append(Expected(key: name + ".weight", shape: [width, features]))
            expected.append(Expected(key: name + ".bias", shape: [width]))
            features = width
        }
        return expected
    }

    /// The first way the state_dict differs from `arch`, as a phrase, or nil when it fits.
    func firstMismatch(for arch: VGGArch) -> String? {
        let expected = expectedKeys(for: arch)
        for item in expected {
            guard let actual = shapes[item.key] else {
                if item.optional { continue }
                return "missing key \(prefix)\(item.key) (expected shape \(Self.text(item.shape)))"
            }
            let fits = actual.count == item.shape.count
                && zip(actual, item.shape).allSatisfy { $1 == -1 ? $0 > 0 : $0 == $1 }
            if !fits {
                return "key \(prefix)\(item.key) has shape \(Self.text(actual)), expected \(Self.text(item.shape))"
            }
        }
        let known = Set(expected.map(\.key))
        if let extra = order.first(where: { !known.contains($0) }) {
            return "unexpected key \(prefix)\(extra) with shape \(Self.text(shapes[extra] ?? []))"
        }
        return nil
    }

    static func text(_ shape: [Int]) -> String {
        "[" + shape.map { $0 == -1 ? "*" : String($0) }.joined(separator: ", ") + "]"
    }

    /// Reads the tensors of a layout that fits `arch` into the float graph.
    func network(_ arch: VGGArch, weights: WeightSource) throws -> VGGNetwork {
        func values(_ key: String) throws -> [Float] { try weights.floatValues(prefix + key) }
        var layers: [NamedLayer] = []
        var widths: [Int] = []
        var channels = 3
        for (index, module) in arch.featureModules.enumerated() {
            let name = "features.\(index)"
            switch module {
            case .conv:
                let width = shapes[name + ".weight"]![0]
                layers.append(NamedLayer(name: name, layer: .conv(Convolution(
                    outChannels: width, inChannels: channels,
                    weightOIHW: try values(name + ".weight"), bias: try values(name + ".bias")))))
                widths.append(width)
                channels = width
            case .batchNorm:
                layers.append(NamedLayer(name: name, layer: .batchNorm(BatchNorm(
                    gamma: try values(name + ".weight"), beta: try values(name + ".bias"),
                    runningMean: try values(name + ".running_mean"),
                    runningVariance: try values(name + ".running_var")))))
            case .relu:
                layers.append(NamedLayer(name: name, layer: .relu))
            case .maxPool:
                layers.append(NamedLayer(name: name, layer: .maxPool))
            }
        }
        layers.append(NamedLayer(name: "avgpool",
                                 layer: .adaptiveAvgPool(height: VGGNetwork.pooledSize, width: VGGNetwork.pooledSize)))
        layers.append(NamedLayer(name: "flatten", layer: .flatten))
        var hidden: [Int] = []
        for index in [0, 3, 6] {
            let name = "classifier.\(index)"
            let shape = shapes[name + ".weight"]!
            layers.append(NamedLayer(name: name, layer: .linear(Linear(
                outFeatures: shape[0], inFeatures: shape[1],
                weight: try values(name + ".weight"), bias: try values(name + ".bias")))))
            if index < 6 {
                hidden.append(shape[0])
                layers.append(NamedLayer(name: "classifier.\(index + 1)", layer: .relu))
                layers.append(NamedLayer(name: "classifier.\(index + 2)", layer: .dropout))
            }
        }
        return VGGNetwork(arch: arch, inputChannels: 3, convolutionWidths: widths, hiddenFeatures: hidden,
                          classCount: shapes["classifier.6.weight"]![0], layers: layers)
    }
}
