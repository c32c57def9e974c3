import Classification
import Dispatch
import FloatEngine
import Imaging
import Int8Blob
import Int8Runtime
import Quantizer
import VGGModel

/// Runs the fp32 reference and the int8 runtime on the same preprocessed images (the
/// preprocessing the blob carries) and compares them: the logits, the output of every quantized
/// layer, and the classes each picks.
///
/// The fp32 reference is the fused graph (`GraphPass.int8Preparation` for the blob's crop): the
/// graph the blob was quantized from, so every blob layer has an fp32 twin of the same name
/// (`features.0` is conv + BatchNorm + ReLU). Its logits are the reference logits; they equal
/// torchvision's unfused graph's within 1e-5 of the largest logit
/// (Tests/FloatEngineTests/GraphPassTests.swift).
public struct Evaluator {
    /// The fused fp32 graph.
    public let network: VGGNetwork
    public let blob: BlobFile
    /// The int8 model's context (the evaluator runs one image at a time).
    public let int8: ExecutionContext
    /// Threads of each engine (they take turns).
    public let threads: Int
    /// Images per fp32 forward pass; the int8 runtime runs one image at a time.
    public static let batchSize = 8

    /// What one run measured.
    public struct Result: Sendable {
        public var counts = AgreementCounts()
        /// fp32 against int8 logits, over all images.
        public var logits = ErrorStatistics()
        /// One per blob layer but the logits layer, in network order.
        public var layers: [LayerComparison]
        /// Time in the fp32 forward passes, without the comparisons done while they run.
        public var fp32Seconds = 0.0
        /// Time in the int8 layers (`ExecutionContext.layerNanoseconds`), without copying their outputs out.
        public var int8Seconds = 0.0
        /// Logits `[images][classes]`, row-major, when the run was asked to keep them; else empty.
        public var fp32Logits: [Float] = []
        public var int8Logits: [Float] = []
    }

    /// - Parameters:
    ///   - network: the weights' graph as loaded (torchvision's, unfused).
    ///   - threads: `ThreadCount.range` (1...256), checked by `Int8Model` and `ExecutionContext`.
    ///   - environment: `VGG_KERNELS` restricts the int8 kernel choice, as for vgg-run.
    /// - Throws: `EvaluationError` when the blob was not compiled from these weights
    ///   (`BlobFile.checkMatches`); `RuntimeError` for a bad kernel list or thread count.
    public init(network: VGGNetwork, blob: BlobFile, threads: Int, environment: [String: String]) throws {
        let input = blob.input
        let prepared = network.applying(GraphPass.int8Preparation, input: .init(height: input.cropHeight, width: input.cropWidth))
        // A blob compiled from the equalized graph (its calibration string says so) is compared
        // layer by layer with that graph: the same function, the layers' own weights and ranges.
        self.network = blob.calibration.contains(CrossLayerEqualization.calibrationNote)
            ? CrossLayerEqualization.equalized(prepared) : prepared
        try blob.checkMatches(self.network)
        self.blob = blob
        self.threads = threads
        let model = try Int8Model(blob: blob, kernels: try Kernel.allowed(environment: environment), threads: threads)
        int8 = try ExecutionContext(model: model, threads: threads)
    }

    /// Evaluates `images` in order, `batchSize` at a time.
    /// - Parameters:
    ///   - keepLogits: fill `Result.fp32Logits` and `int8Logits`.
    ///   - progress: called with the number of images done after every batch.
    /// - Throws: `ImageError` for an image that cannot be read or decoded.
    public func run(_ images: EvaluationImages, keepLogits: Bool = false, progress: (Int) -> Void = { _ in }) throws -> Result {
        let spec = blob.input
        let preprocessing = Preprocessing(spec)
        let engine = FloatEngine(network: network, threads: threads)
        let logitsLayer = blob.layers[blob.layers.count - 1]
        // Layer outputs carry the scale of the last requantization (a pool keeps its input's).
        var quantization = spec.quantization
        var result = Result(layers: blob.layers.dropLast().map { layer in
            quantization = layer.outputQuantization ?? quantization
            return LayerComparison(name: layer.name, quantization: quantization)
        })
        let layerIndex = Dictionary(uniqueKeysWithValues: result.layers.enumerated().map { ($1.name, $0) })
        let files = images.files
        for batch in stride(from: 0, to: files.count, by: Self.batchSize).map({ $0 ..< min($0 + Self.batchSize, files.count) }) {
            let inputs = try batch.map { preprocessing(try ImageDecoder.decode(path: files[$0].relativePath)) }

            // int8 first, keeping every layer's output (uint8: a quarter of the fp32 bytes).
            var int8Outputs: [[ExecutionContext.LayerOutput]] = []
            var int8Logits: [[Float]] = []
            for input in inputs {
                var outputs: [ExecutionContext.LayerOutput] = []
                let quantized = Boundary.quantizeInput(input, height: spec.cropHeight, width: spec.cropWidth,
                                                       quantization: spec.quantization)
                let accumulators = int8.accumulators(input: quantized) { outputs.append($0) }
                result.int8Seconds += Double(int8.layerNanoseconds.reduce(0, +)) / 1e9
                int8Logits.append(Boundary.dequantizeLogits(accumulators, layer: logitsLayer))
                int8Outputs.append(outputs)
            }

            // fp32 on the batch; each layer's output is compared as it comes out.
            var comparingSeconds = 0.0
            let fp32Start = Self.seconds()
            let batchInput = FloatTensor(batch: inputs, channels: 3, height: spec.cropHeight, width: spec.cropWidth)
            let fp32Logits = try engine.run(batchInput) { name, tensor in
                guard let index = layerIndex[name] else { return }
                let compareStart = Self.seconds()
                let size = tensor.values.count / inputs.count
                for (item, outputs) in int8Outputs.enumerated() {
                    let output = outputs[index]
                    result.layers[index].add(reference: tensor.values[item * size ..< (item + 1) * size], quantized: output.values,
                                             height: output.height, width: output.width, paddedChannels: output.channels)
                }
                comparingSeconds += Self.seconds() - compareStart
            }.items
            result.fp32Seconds += Self.seconds() - fp32Start - comparingSeconds

            for (item, (fp32, int8)) in zip(fp32Logits, int8Logits).enumerated() {
                result.logits.add(reference: fp32, approximation: int8)
                result.counts.add(fp32Ranking: ranking(fp32), int8Ranking: ranking(int8), label: images.labels?[batch.lowerBound + item])
                if keepLogits {
                    result.fp32Logits += fp32
                    result.int8Logits += int8
                }
            }
            progress(batch.upperBound)
        }
        return result
    }

    /// The five most probable classes, best first, as vgg-run reports them (ties: lower index).
    private func ranking(_ logits: [Float]) -> [Int] {
        ImageResult(file: "", logits: logits, top: 5, classNames: blob.labels).top.map(\.index)
    }

    private static func seconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
