import Int8Blob
import QuantCore

/// An open blob planned for the int8 kernels: immutable, and shared by any number of
/// `ExecutionContext`s, on any threads at once.
///
/// Everything is planned once, here: each layer becomes an `Operation` (a direct or Winograd
/// convolution, a pool, a linear layer) checked against its input map, with the first allowed
/// kernel that accepts it (`Kernel.choose`: the AVX2 vpmaddubsw kernel only runs layers the blob
/// flags pair-bounded, the Winograd kernels only convolutions they fit, `Winograd`), and the
/// shape and border of every map (a map read by a 3x3 convolution carries a 1-pixel border
/// holding its zero point, so kernels read every tap without bounds checks). Weights are read
/// in place from the blob's mapping, never copied; a layer a Winograd kernel runs has its
/// transformed weights computed here, once (`winogradWeightBytes`).
///
/// Sendable: every stored property is immutable, the blob's mapping is read-only, and the
/// operations write only the arenas of the context that runs them.
public final class Int8Model: Sendable {
    public let blob: BlobFile
    /// The kernels allowed, best first.
    public let kernels: [Kernel]
    public let inputHeight: Int
    public let inputWidth: Int
    /// Number of logits.
    public let classCount: Int
    /// One entry per blob layer, in network order.
    public let layerNames: [String]

    let operations: [any Operation]
    /// The quantized image's map (`[H][W][4]`, with the border the first convolution reads).
    let inputMap: MapLayout
    /// Scale of every map (index 0: the input), for `ExecutionContext`'s layer outputs.
    let mapScales: [Float]
    let logitsLayer: BlobLayer

    /// Plans the network for the blob's input size (its crop).
    /// - Parameters:
    ///   - kernels: the allowed kernels, best first (`Kernel.allowed(environment:)`).
    ///   - threads: threads for the work done at load (Winograd weight transforms), `ThreadCount.range`.
    /// - Throws: `RuntimeError` when the layer chain does not fit together (a blob the reader
    ///   accepted always does), or `threads` is outside `ThreadCount.range`. A layer none of `kernels` accepts
    ///   (a pair-bounded-only list and an unflagged layer) is an error naming the layer.
    public init(blob: BlobFile, kernels: [Kernel], threads: Int = 1) throws(RuntimeError) {
        try RuntimeError.checkThreads(threads)
        guard !kernels.isEmpty else { throw RuntimeError("no kernel given") }
        self.blob = blob
        self.kernels = kernels
        let input = blob.input
        inputHeight = input.cropHeight
        inputWidth = input.cropWidth
        let layers = blob.layers
        guard let last = layers.last, last.kind == .logits else {
            throw RuntimeError("\(blob.name): the last layer is not a logits layer")
        }
        logitsLayer = last
        classCount = last.outputs

        func border(before index: Int) -> Int {
            index < layers.count && layers[index].kind.planner.readsBorder ? 1 : 0
        }
        inputMap = MapLayout(height: inputHeight, width: inputWidth,
                             channels: PackedWeights.roundUp(3, to: PackedWeights.depthTile),
                             zeroPoint: UInt8(clamping: input.quantization.zeroPoint), border: border(before: 0))
        var operations: [any Operation] = []
        var scales: [Float] = [input.quantization.scale]
        for (index, layer) in layers.enumerated() {
            let request = PlanRequest(layer: layer, index: index, isLast: index == layers.count - 1,
                                      input: operations.last?.output ?? inputMap, outputBorder: border(before: index + 1),
                                      kernels: kernels, threads: threads, place: "\(blob.name): layer \(index) (\(layer.name))")
            operations.append(try layer.kind.planner.plan(request))
            // A pool keeps its input's scale (as does the logits layer, whose output is not a map).
            scales.append(layer.outputQuantization?.scale ?? scales[scales.count - 1])
        }
        self.operations = operations
        mapScales = scales
        layerNames = layers.map(\.name)
    }

    /// The map a layer reads, as `ExecutionContext.accumulators(from:input:)` and
    /// `output(ofLayer:input:)` take it: dense `[height][width][channels]` (channels padded to
    /// 4; a linear layer's input: its `[features]`, height and width 1, or the pooled map it
    /// reads whole), real = scale * (q - zeroPoint). Layer 0 reads the quantized image.
    public func inputMap(ofLayer index: Int) -> LayerMap {
        let map = operations[index].input
        return LayerMap(height: map.height, width: map.width, channels: map.channels, scale: mapScales[index],
                        zeroPoint: Int32(map.zeroPoint))
    }

    /// The kernel of each blob layer (nil for pools).
    public var layerKernels: [Kernel?] { operations.map(\.kernel) }

    /// Multiply-accumulates of each layer for one image (0 for pools).
    public var layerMACs: [Int] { operations.map(\.macs) }

    /// The kernels the layers use, in the order of `kernels`, joined by "+": e.g. "avx2pairs+avx2"
    /// (pair-bounded convolutions, general linear layers) or "avx2".
    public var kernelSummary: String {
        let used = Set(layerKernels.compactMap { $0?.name })
        return kernels.map(\.name).filter(used.contains).joined(separator: "+")
    }

    /// Bytes of transformed weights the Winograd layers hold (beside the blob's int8 weights).
    public var winogradWeightBytes: Int { operations.reduce(0) { $0 + $1.derivedWeightBytes } }

    /// Bytes one `ExecutionContext` allocates for its arenas, scratch and accumulators at `threads`.
    public func contextBytes(threads: Int) -> Int {
        2 * arenaByteCount + threads * scratchBytes + accumulatorCount * MemoryLayout<Int32>.size
    }

    /// Each of the two activation arenas: the largest map, plus slack (kernels may read a linear
    /// layer's input up to the next multiple of 4, and whole 64-byte blocks).
    var arenaByteCount: Int { max(inputMap.byteCount, operations.map(\.output.byteCount).max() ?? 0) + 128 }
    /// Scratch per thread: the largest any operation needs.
    var scratchBytes: Int { operations.map(\.scratchBytes).max() ?? 0 }
    var accumulatorCount: Int { max(16, operations.map(\.accumulatorCount).max() ?? 0) }
}

/// The shape and encoding of one activation map (`Int8Model.inputMap(ofLayer:)`).
public struct LayerMap: Sendable, Equatable {
    public var height: Int
    public var width: Int
    /// Channels per pixel, padded to a multiple of 4.
    public var channels: Int
    /// real = scale * (q - zeroPoint).
    public var scale: Float
    public var zeroPoint: Int32
    /// Bytes of the dense map.
    public var byteCount: Int { height * width * channels }

    public init(height: Int, width: Int, channels: Int, scale: Float, zeroPoint: Int32) {
        (self.height, self.width, self.channels, self.scale, self.zeroPoint) = (height, width, channels, scale, zeroPoint)
    }
}
