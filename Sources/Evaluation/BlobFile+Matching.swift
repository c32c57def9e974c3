import Int8Blob
import VGGModel

extension BlobFile {
    /// Checks that the blob was compiled from `network`: the fused graph of the same weights
    /// (`GraphPass.int8Preparation` for the blob's crop). The arch, the class count, and layer by
    /// layer the name, the kind, the output count, a convolution's input channels and a pool's
    /// size must agree; with the crop these fix every tensor shape on both sides. (Weight values
    /// are not compared: a blob compiled from other weights of the same shape shows up as a low
    /// SQNR instead.)
    ///
    /// - Throws: `EvaluationError`, e.g. `model.vq8 does not match the weights: layer 2 is
    ///   "features.3 conv 8->16" in the blob, "features.3 conv 16->32" in the weights`.
    public func checkMatches(_ network: VGGNetwork) throws(EvaluationError) {
        let problem = "\(name) does not match the weights:"
        guard arch == network.arch.rawValue else {
            throw EvaluationError("\(problem) the blob is \(arch), the weights are \(network.arch.rawValue)")
        }
        guard labels.count == network.classCount else {
            throw EvaluationError("\(problem) the blob has \(labels.count) classes, the weights \(network.classCount)")
        }
        let expected = network.layers.compactMap(Self.signature)
        let found = layers.map(Self.signature)
        for (index, (blobLayer, weightsLayer)) in zip(found, expected).enumerated() where blobLayer != weightsLayer {
            throw EvaluationError("\(problem) layer \(index) is \"\(blobLayer)\" in the blob, \"\(weightsLayer)\" in the weights")
        }
        guard found.count == expected.count else {
            throw EvaluationError("\(problem) the blob has \(found.count) layers, the weights \(expected.count)")
        }
    }

    /// "features.0 conv 3->64", "features.2 maxpool", "avgpool 7x7", "classifier.0 linear 4096",
    /// "classifier.6 logits 1000".
    static func signature(_ layer: BlobLayer) -> String {
        let shape = switch layer.kind {
        case .convolution: " \(layer.inputChannels)->\(layer.outputs)"
        case .maxPool: ""
        case .adaptiveAveragePool: " \(layer.poolHeight)x\(layer.poolWidth)"
        case .linear, .logits: " \(layer.outputs)"
        }
        return "\(layer.name) \(layer.kind.label)\(shape)"
    }

    /// The same for a layer of the fused float graph (`BlobLayerKind.label`'s words); nil for the
    /// flatten, which has no blob layer.
    static func signature(_ named: NamedLayer) -> String? {
        switch named.layer {
        case .conv(let conv): "\(named.name) conv \(conv.inChannels)->\(conv.outChannels)"
        case .maxPool: "\(named.name) maxpool"
        case .adaptiveAvgPool(let height, let width): "\(named.name) avgpool \(height)x\(width)"
        case .linear(let linear): "\(named.name) \(linear.fusedReLU ? "linear" : "logits") \(linear.outFeatures)"
        case .flatten, .flattenChannelsLast: nil
        // Not in a fused graph; named so that a mismatch says what it is.
        case .batchNorm: "\(named.name) batchnorm"
        case .relu: "\(named.name) relu"
        case .dropout: "\(named.name) dropout"
        }
    }
}
