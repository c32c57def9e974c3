import Dispatch
import Int8Blob

/// Runs images through a shared `Int8Model`: one caller's arenas, scratch and accumulators.
///
/// Make one context per thread that classifies; many contexts may share one model. A context is
/// not Sendable: it runs one image at a time, on one thread at a time (its own `threads` work
/// inside each layer). Running an image allocates nothing but the returned values.
///
/// Between `Boundary.quantizeInput` and `Boundary.dequantizeLogits` everything is integer
/// arithmetic, bit-exact with `ReferenceExecutor` for every kernel and thread count: threads
/// split a convolution's output rows (tile rows for Winograd) or a linear layer's 16-output
/// blocks, and every output value is computed whole by one thread.
public final class ExecutionContext {
    public let model: Int8Model
    /// Threads inside each layer.
    public let threads: Int
    /// Wall time of each layer in the last run, in nanoseconds (after a partial run,
    /// `accumulators(from:input:)` or `output(ofLayer:input:)`, only its layers' entries are new).
    public private(set) var layerNanoseconds: [UInt64]

    /// Every operation reads arena (i % 2) and writes arena ((i + 1) % 2).
    private let arenas: [UnsafeMutableRawPointer]
    private let workspace: Workspace

    /// - Parameter threads: threads inside each layer, `ThreadCount.range`.
    /// - Throws: `RuntimeError` for a thread count outside `ThreadCount.range`.
    public init(model: Int8Model, threads: Int) throws(RuntimeError) {
        try RuntimeError.checkThreads(threads)
        self.model = model
        self.threads = threads
        let arenaByteCount = model.arenaByteCount
        arenas = (0..<2).map { _ in
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: arenaByteCount, alignment: 64)
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: arenaByteCount)
            return pointer
        }
        let scratchBytes = model.scratchBytes
        let accumulators = UnsafeMutablePointer<Int32>.allocate(capacity: model.accumulatorCount)
        accumulators.initialize(repeating: 0, count: model.accumulatorCount)
        workspace = Workspace(threads: threads,
                              scratch: scratchBytes == 0 ? [] : (0..<threads).map { _ in
                                  UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
                              },
                              accumulators: accumulators)
        layerNanoseconds = Array(repeating: 0, count: model.operations.count)
    }

    deinit {
        workspace.scratch.forEach { $0.deallocate() }
        workspace.accumulators.deallocate()
        arenas.forEach { $0.deallocate() }
    }

    /// The uint8 output of one layer, for per-layer error reports (`accumulators(input:observe:)`).
    public struct LayerOutput: Sendable {
        /// Index into the blob's layers.
        public var index: Int
        public var name: String
        public var height: Int
        public var width: Int
        /// Channels per pixel, padded to a multiple of 4 (a hidden linear layer: its outputs).
        public var channels: Int
        /// Dense `[height][width][channels]`.
        public var values: [UInt8]
        /// real = scale * (value - zeroPoint).
        public var scale: Float
        public var zeroPoint: Int32

        public init(index: Int, name: String, height: Int, width: Int, channels: Int, values: [UInt8], scale: Float, zeroPoint: Int32) {
            (self.index, self.name, self.height, self.width, self.channels) = (index, name, height, width, channels)
            (self.values, self.scale, self.zeroPoint) = (values, scale, zeroPoint)
        }
    }

    /// Runs one image. `input` is the quantized image `[H][W][4]` (`Boundary.quantizeInput`).
    /// - Parameter observe: called after every layer but the last with a copy of its output.
    /// - Returns: the logits layer's int32 accumulators.
    public func accumulators(input: [UInt8], observe: ((LayerOutput) -> Void)? = nil) -> [Int32] {
        let inputMap = model.inputMap
        precondition(input.count == inputMap.height * inputMap.width * inputMap.channels,
                     "input is not \(inputMap.height)x\(inputMap.width)x\(inputMap.channels)")
        input.withUnsafeBytes { source in
            inputMap.copyInterior(from: source.baseAddress!, to: arenas[0])
        }
        return runFromInputArena(observe: observe)
    }

    /// Float image `[3][H][W]` (preprocessed as the blob says) in, float logits out: the two
    /// boundaries around the integer network. The image is quantized straight into the input arena.
    public func logits(preprocessed tensor: [Float]) -> [Float] {
        let inputMap = model.inputMap
        let base = arenas[0].assumingMemoryBound(to: UInt8.self) + inputMap.origin
        Boundary.quantizeInput(tensor, height: inputMap.height, width: inputMap.width,
                               quantization: model.blob.input.quantization, into: base, rowStride: inputMap.rowStride)
        return Boundary.dequantizeLogits(runFromInputArena(observe: nil), layer: model.logitsLayer)
    }

    /// Runs the layers from `index` to the end on `input`, the dense map layer `index` reads
    /// (`Int8Model.inputMap(ofLayer:)`): the second half of a network whose first half ran
    /// elsewhere (`vgg-quantize eval --sensitivity` runs it after one layer in fp32).
    /// - Returns: the logits layer's int32 accumulators.
    public func accumulators(from index: Int, input: [UInt8]) -> [Int32] {
        load(input, forLayer: index)
        return run(layers: index..<model.operations.count, observe: nil)
    }

    /// Runs layer `index` alone (not the logits layer) on `input`, the dense map it reads.
    public func output(ofLayer index: Int, input: [UInt8]) -> LayerOutput {
        precondition(index < model.operations.count - 1, "the logits layer's result is its accumulators")
        load(input, forLayer: index)
        _ = run(layers: index..<index + 1, observe: nil)
        return copyOutput(ofLayer: index)
    }

    /// Copies a dense map into the arena layer `index` reads, with its border.
    private func load(_ input: [UInt8], forLayer index: Int) {
        let map = model.operations[index].input
        precondition(input.count == map.height * map.width * map.channels,
                     "layer \(index) reads \(map.height)x\(map.width)x\(map.channels), got \(input.count) bytes")
        input.withUnsafeBytes { map.copyInterior(from: $0.baseAddress!, to: arenas[index % 2]) }
        map.fillBorder(arenas[index % 2])
    }

    private func runFromInputArena(observe: ((LayerOutput) -> Void)?) -> [Int32] {
        model.inputMap.fillBorder(arenas[0])
        return run(layers: 0..<model.operations.count, observe: observe)
    }

    private func run(layers: Range<Int>, observe: ((LayerOutput) -> Void)?) -> [Int32] {
        let operations = model.operations
        for index in layers {
            let start = DispatchTime.now().uptimeNanoseconds
            operations[index].run(from: arenas[index % 2], to: arenas[(index + 1) % 2], in: workspace)
            layerNanoseconds[index] = DispatchTime.now().uptimeNanoseconds - start
            if let observe, index < operations.count - 1 {
                observe(copyOutput(ofLayer: index))
            }
        }
        return Array(UnsafeBufferPointer(start: workspace.accumulators, count: model.classCount))
    }

    private func copyOutput(ofLayer index: Int) -> LayerOutput {
        let map = model.operations[index].output
        var values = [UInt8](repeating: 0, count: map.height * map.width * map.channels)
        values.withUnsafeMutableBytes { map.copyInterior(from: arenas[(index + 1) % 2], into: $0.baseAddress!) }
        return LayerOutput(index: index, name: model.layerNames[index], height: map.height, width: map.width,
                           channels: map.channels, values: values, scale: model.mapScales[index + 1],
                           zeroPoint: Int32(map.zeroPoint))
    }
}
