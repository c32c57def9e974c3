import QuantCore

extension BlobFile {
    /// The model the blob carries, copied out of the mapping (for inspection and round-trip
    /// tests; the runtime uses `layers`). `BlobWriter.encode(blob.model())` gives back the
    /// blob's bytes exactly.
    public func model() -> QuantizedModel {
        QuantizedModel(arch: arch, target: target, calibration: calibration, input: input, labels: labels,
                       layers: layers.map(Self.quantizedLayer))
    }

    /// Safe to build without checks: validation guaranteed every precondition of the QuantCore
    /// initializers (array counts, depth, multiplier and shift ranges).
    private static func quantizedLayer(_ layer: BlobLayer) -> QuantizedLayer {
        switch layer.kind {
        case .maxPool:
            return .maxPool(name: layer.name)
        case .adaptiveAveragePool:
            return .adaptiveAveragePool(name: layer.name, height: layer.poolHeight, width: layer.poolWidth)
        case .convolution, .linear, .logits:
            var packed = Array(layer.packedWeights)
            var groups: WeightGroups?
            if let groupSize = layer.groupSize {
                let bytes = UnsafeRawBufferPointer(start: layer.packedWeights.baseAddress,
                                                   count: layer.packedWeights.count + layer.groupMultipliers.count)
                (packed, groups) = GroupedWeights.decode(bytes, outputs: layer.outputs, depth: layer.depth, groupSize: groupSize)
            }
            let weights = QuantizedWeights(name: layer.name, outputs: layer.outputs, depth: layer.depth,
                                           packed: packed, bias: Array(layer.bias),
                                           weightScales: Array(layer.weightScales), inputQuantization: layer.inputQuantization!,
                                           pairBounded: layer.pairBounded, groups: groups)
            let requantization = zip(layer.multipliers, layer.shifts).map { Requantization(multiplier: $0, shift: $1) }
            switch layer.kind {
            case .convolution:
                return .convolution(QuantizedConvolution(weights: weights, inputChannels: layer.inputChannels,
                                                         requantization: requantization,
                                                         outputQuantization: layer.outputQuantization!))
            case .linear:
                return .linear(QuantizedLinear(weights: weights, output: .activation(requantization: requantization,
                                                                                     quantization: layer.outputQuantization!)))
            default:
                return .linear(QuantizedLinear(weights: weights, output: .logits))
            }
        }
    }
}
