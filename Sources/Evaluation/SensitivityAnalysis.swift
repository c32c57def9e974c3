import Classification
import Dispatch
import FloatEngine
import Imaging
import Int8Blob
import Int8Runtime
import VGGModel

/// `vgg-quantize eval --sensitivity`: which layer's quantization costs the most (TFLite's
/// quantization debugger, onnxruntime's qdq_loss_debug and AIMET's QuantAnalyzer answer the same
/// question). For every layer with weights (convolutions, linear layers, the logits layer), two
/// mixed networks run on every image:
///
/// - **alone**: only this layer in int8. The fp32 network runs up to the layer; its input is
///   quantized with the blob's encoding, the int8 kernel runs it, its output is dequantized and
///   the fp32 network finishes. What this layer's quantization costs by itself.
/// - **all but**: every layer in int8 but this one. The int8 network runs up to the layer; its
///   input is dequantized, the fp32 layer runs (with any unquantized steps before it, such as
///   flatten), its output is quantized with the blob's encoding of that map, and the int8
///   network finishes. What keeping this layer in fp32 would win back.
///
/// Both are compared with the fp32 logits: SQNR over all images, and top-1 agreement. The
/// fp32 and int8 activations of the whole networks are computed once per image and reused, so
/// a layer costs one fp32 run of the layers after it, one int8 run of the layers after it, and
/// one layer of each kind. The fp32 parts run on batches of `Evaluator.batchSize` images (at
/// batch 1, OpenBLAS would pack fc6's 411 MB of weights once per image and layer). Layer 0's "alone" includes the image's quantization (the int8
/// network's input); its "all but" runs from the fp32 image.
public struct SensitivityAnalysis {
    public let evaluator: Evaluator

    /// One layer's result.
    public struct Layer: Codable, Sendable, Equatable {
        /// The blob's (and the fused fp32 graph's) name, e.g. "features.0".
        public var name: String
        /// "convolution", "linear" or "logits".
        public var kind: String
        /// Only this layer in int8: fp32 logits against the mixed network's, dB, over all images.
        public var aloneSQNRDecibels: Double
        /// Only this layer in int8: images whose top-1 class is fp32's, percent.
        public var aloneTop1Agreement: Double
        /// Every layer in int8 but this one: logits SQNR against fp32, dB.
        public var allButSQNRDecibels: Double
        /// Every layer in int8 but this one: top-1 agreement with fp32, percent.
        public var allButTop1Agreement: Double

        enum CodingKeys: String, CodingKey {
            case name, kind
            case aloneSQNRDecibels = "alone_sqnr_db", aloneTop1Agreement = "alone_top1_agreement"
            case allButSQNRDecibels = "all_but_sqnr_db", allButTop1Agreement = "all_but_top1_agreement"
        }
    }

    public init(evaluator: Evaluator) {
        self.evaluator = evaluator
    }

    /// Sums over the images for one layer.
    private struct Accumulated {
        var alone = ErrorStatistics()
        var allBut = ErrorStatistics()
        var aloneAgreements = 0
        var allButAgreements = 0
    }

    /// Runs every image and returns the layers worst first: by the SQNR with only that layer in
    /// int8, lowest first (ties: network order).
    /// - Parameter progress: called with the number of images done after every batch of
    ///   `Evaluator.batchSize`.
    /// - Throws: `ImageError` for an image that cannot be read or decoded.
    public func run(_ images: EvaluationImages, progress: (Int) -> Void = { _ in }) throws -> [Layer] {
        let blob = evaluator.blob, network = evaluator.network, int8 = evaluator.int8
        let spec = blob.input
        let preprocessing = Preprocessing(spec)
        let engine = FloatEngine(network: network, threads: evaluator.threads)
        let blobLayers = blob.layers
        let last = blobLayers.count - 1
        // The fp32 layer each blob layer is (Evaluator.init checked that every name has one).
        let fp32Index = blobLayers.map { layer in network.layers.firstIndex { $0.name == layer.name }! }
        let blobIndex = Dictionary(uniqueKeysWithValues: blobLayers.enumerated().map { ($1.name, $0) })
        let measured = blobLayers.indices.filter { [.convolution, .linear, .logits].contains(blobLayers[$0].kind) }
        var sums = [Accumulated](repeating: Accumulated(), count: blobLayers.count)

        let files = images.files
        for batch in stride(from: 0, to: files.count, by: Evaluator.batchSize).map({ $0 ..< min($0 + Evaluator.batchSize, files.count) }) {
            let inputs = try batch.map { preprocessing(try ImageDecoder.decode(path: files[$0].relativePath)) }
            let imageBatch = FloatTensor(batch: inputs, channels: 3, height: spec.cropHeight, width: spec.cropWidth)
            let quantizedImages = inputs.map {
                Boundary.quantizeInput($0, height: spec.cropHeight, width: spec.cropWidth, quantization: spec.quantization)
            }
            // The whole fp32 network on the batch, keeping the output of every blob layer's twin.
            var fp32Outputs = [FloatTensor?](repeating: nil, count: blobLayers.count)
            let reference = try engine.run(imageBatch) { name, tensor in
                if let layer = blobIndex[name] { fp32Outputs[layer] = tensor }
            }.items
            let referenceTop1 = reference.map(top1)
            // The whole int8 network on each image, keeping every layer's output.
            let int8Outputs = quantizedImages.map { image in
                var outputs: [ExecutionContext.LayerOutput] = []
                _ = int8.accumulators(input: image) { outputs.append($0) }
                return outputs
            }

            for layer in measured {
                // Only this layer in int8: the int8 layer on each image, then the fp32 layers after
                // it on the batch (one sgemm per linear layer for the batch, not one per image).
                var alone: [[Float]]
                if layer == last {
                    alone = (0..<batch.count).map { item in
                        let input = layer == 0 ? quantizedImages[item]
                            : Boundary.quantize(fp32Outputs[layer - 1]!.item(item), into: int8.model.inputMap(ofLayer: layer))
                        return Boundary.dequantizeLogits(int8.accumulators(from: layer, input: input), layer: blobLayers[last])
                    }
                } else {
                    let twin = fp32Outputs[layer]!
                    let values = (0..<batch.count).flatMap { item in
                        let input = layer == 0 ? quantizedImages[item]
                            : Boundary.quantize(fp32Outputs[layer - 1]!.item(item), into: int8.model.inputMap(ofLayer: layer))
                        let output = int8.output(ofLayer: layer, input: input)
                        return Self.dequantize(output, channels: twin.values.count / batch.count / (output.height * output.width))
                    }
                    alone = engine.run(FloatTensor(shape: twin.shape, values: values), layers: fp32Index[layer] + 1..<network.layers.count).items
                }
                // Every layer in int8 but this one: the fp32 layer (and the unquantized steps before
                // it) on the batch, then the int8 layers after it on each image.
                let start: FloatTensor
                if layer == 0 {
                    start = imageBatch
                } else {
                    let twin = fp32Outputs[layer - 1]!
                    start = FloatTensor(shape: twin.shape, values: int8Outputs.flatMap { outputs in
                        let before = outputs[layer - 1]
                        return Self.dequantize(before, channels: twin.values.count / batch.count / (before.height * before.width))
                    })
                }
                let firstFP32 = layer == 0 ? 0 : fp32Index[layer - 1] + 1
                let fp32Layer = engine.run(start, layers: firstFP32..<fp32Index[layer] + 1)
                let allBut = layer == last ? fp32Layer.items : (0..<batch.count).map { item in
                    let input = Boundary.quantize(fp32Layer.item(item), into: int8.model.inputMap(ofLayer: layer + 1))
                    return Boundary.dequantizeLogits(int8.accumulators(from: layer + 1, input: input), layer: blobLayers[last])
                }

                for item in (0..<batch.count) {
                    sums[layer].alone.add(reference: reference[item], approximation: alone[item])
                    sums[layer].allBut.add(reference: reference[item], approximation: allBut[item])
                    if top1(alone[item]) == referenceTop1[item] { sums[layer].aloneAgreements += 1 }
                    if top1(allBut[item]) == referenceTop1[item] { sums[layer].allButAgreements += 1 }
                }
            }
            progress(batch.upperBound)
        }

        let count = images.files.count
        let layers = measured.map { index in
            Layer(name: blobLayers[index].name, kind: Self.kindName(blobLayers[index].kind),
                  aloneSQNRDecibels: sums[index].alone.sqnrDecibels,
                  aloneTop1Agreement: AgreementCounts.percent(sums[index].aloneAgreements, of: count),
                  allButSQNRDecibels: sums[index].allBut.sqnrDecibels,
                  allButTop1Agreement: AgreementCounts.percent(sums[index].allButAgreements, of: count))
        }
        // (a stable sort: equal SQNRs keep network order; NaN, no signal at all, goes last)
        return layers.enumerated().sorted { a, b in
            let (x, y) = (a.element.aloneSQNRDecibels, b.element.aloneSQNRDecibels)
            if x.isNaN != y.isNaN { return y.isNaN }
            return x < y || (!(y < x) && a.offset < b.offset)
        }.map(\.element)
    }

    /// The class vgg-run would rank first (ties: the lower index), as `Evaluator` ranks.
    private func top1(_ logits: [Float]) -> Int {
        ImageResult(file: "", logits: logits, top: 1, classNames: evaluator.blob.labels).top[0].index
    }

    private static func kindName(_ kind: BlobLayerKind) -> String {
        switch kind {
        case .convolution: "convolution"
        case .linear: "linear"
        case .logits: "logits"
        case .maxPool: "max pool"
        case .adaptiveAveragePool: "average pool"
        }
    }

    /// The first `channels` channels of an int8 layer's output as channel-major floats:
    /// scale * (q - zeroPoint).
    static func dequantize(_ output: ExecutionContext.LayerOutput, channels: Int) -> [Float] {
        let plane = output.height * output.width
        let zeroPoint = Float(output.zeroPoint)
        var values = [Float](repeating: 0, count: channels * plane)
        for c in 0..<channels {
            for p in 0..<plane {
                values[c * plane + p] = output.scale * (Float(output.values[p * output.channels + c]) - zeroPoint)
            }
        }
        return values
    }
}
