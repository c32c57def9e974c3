import CInt8Kernels
import Dispatch
import Int8Blob
import QuantCore

/// The int8 executor: runs an open blob with a list of allowed kernels and a fixed number of
/// threads. Each conv and linear layer runs the first allowed kernel that accepts it
/// (`Kernel.choose`): the AVX2 vpmaddubsw kernel only runs layers the blob flags pair-bounded,
/// the Winograd kernels only convolutions they fit (`Winograd`).
///
/// Everything is planned once at load: the shape of every map, which of two activation arenas
/// it lives in, whether it carries a 1-pixel border (a map read by a 3x3 convolution does: the
/// border holds its zero point, so kernels read every tap without bounds checks). Running an
/// image allocates nothing but the returned accumulators. Weights are read in place from the
/// blob's mapping, never copied; a layer the Winograd kernel runs has its transformed weights
/// computed here, once (`winogradWeightBytes`).
///
/// Between `Boundary.quantizeInput` and `Boundary.dequantizeLogits` everything is integer
/// arithmetic, bit-exact with `ReferenceExecutor` for every kernel and thread count: threads
/// split a conv's output rows (tile rows for Winograd) or a linear layer's 16-output blocks,
/// and every output value is computed whole by one thread.
public final class Int8Network: @unchecked Sendable {
    public let blob: BlobFile
    /// The kernels allowed, best first.
    public let kernels: [Kernel]
    /// The kernel of each blob layer (nil for pools).
    public let layerKernels: [Kernel?]
    public let threads: Int
    public let inputHeight: Int
    public let inputWidth: Int
    /// Number of logits.
    public let classCount: Int
    /// One entry per blob layer, in network order.
    public let layerNames: [String]
    /// Multiply-accumulates of each layer for one image (0 for pools).
    public let layerMACs: [Int]
    /// Wall time of each layer in the last `accumulators(input:)` call, in nanoseconds.
    public private(set) var layerNanoseconds: [UInt64]

    private let steps: [Step]
    private let arenas: [UnsafeMutableRawPointer]
    private let arenaByteCount: Int
    private let accumulatorBuffer: UnsafeMutablePointer<Int32>
    private let logitsLayer: BlobLayer
    private let inputMap: MapLayout
    /// Scale of every map (index 0: the input), for `observe`.
    private let mapScales: [Float]
    /// One scratch per thread for the Winograd kernel (empty when no layer uses it).
    private let winogradScratch: [UnsafeMutableRawPointer]

    /// Plans the network for the blob's input size (its crop).
    /// - Throws: `RuntimeError` when the layer chain does not fit together (a blob the reader
    ///   accepted always does), or `threads` is outside 1...256.
    ///   A layer none of `kernels` accepts (a pair-bounded-only list and an unflagged layer) is
    ///   an error naming the layer.
    public init(blob: BlobFile, kernels: [Kernel], threads: Int) throws(RuntimeError) {
        guard (1...256).contains(threads) else { throw RuntimeError("threads must be 1...256, got \(threads)") }
        guard !kernels.isEmpty else { throw RuntimeError("no kernel given") }
        self.blob = blob
        self.kernels = kernels
        self.threads = threads
        let input = blob.input
        inputHeight = input.cropHeight
        inputWidth = input.cropWidth
        let layers = blob.layers
        guard let last = layers.last, last.kind == .logits else {
            throw RuntimeError("\(blob.name): the last layer is not a logits layer")
        }
        logitsLayer = last
        classCount = last.outputs

        // Shapes, in order. A map gets a border when the next layer is a convolution.
        var maps: [MapLayout] = [MapLayout(height: inputHeight, width: inputWidth,
                                           channels: PackedWeights.roundUp(3, to: PackedWeights.depthTile),
                                           zeroPoint: UInt8(clamping: input.quantization.zeroPoint))]
        var planned: [StepKind] = []
        var macs: [Int] = []
        var scales: [Float] = [input.quantization.scale]
        var chosen: [Kernel?] = []
        func choose(_ traits: LayerTraits, _ place: String) throws(RuntimeError) -> Kernel {
            guard let kernel = Kernel.choose(from: kernels, for: traits) else {
                throw RuntimeError("\(place): none of the kernels \(kernels.map(\.name).joined(separator: ", ")) runs it "
                    + "(\(kernels.contains(where: \.needsPairBoundedWeights) ? "some need pair-bounded weights; " : "")"
                    + "add a general kernel such as \(Kernel.all.last!.name))")
            }
            return kernel
        }
        for (index, layer) in layers.enumerated() {
            let current = maps[maps.count - 1]
            let place = "\(blob.name): layer \(index) (\(layer.name))"
            switch layer.kind {
            case .convolution:
                guard layer.depth == 9 * current.channels else {
                    throw RuntimeError("\(place): depth \(layer.depth) does not match a 3x3 patch of \(current.channels) channels")
                }
                // The weight bound F(4x4) needs is checked only where its shape fits (one pass over them).
                var fits = Winograd.fitting(height: current.height, width: current.width, cin: current.channels)
                if fits.contains(.f4x4)
                    && q8_wino4x4_weights_fit(layer.packedWeights.baseAddress, Int32(current.channels), Int32(layer.outputs)) == 0 {
                    fits.remove(.f4x4)
                }
                chosen.append(try choose(LayerTraits(.convolution(winograd: fits), pairBounded: layer.pairBounded), place))
                let output = MapLayout(height: current.height, width: current.width,
                                       channels: PackedWeights.roundUp(layer.outputs, to: PackedWeights.depthTile),
                                       zeroPoint: UInt8(clamping: layer.outputQuantization!.zeroPoint))
                planned.append(.convolution(layer))
                maps.append(output)
                scales.append(layer.outputQuantization!.scale)
                macs.append(current.height * current.width * layer.outputs * layer.depth)
            case .maxPool:
                guard current.height >= 2 && current.width >= 2 else {
                    throw RuntimeError("\(place): a 2x2 max-pool needs a map of at least 2x2, got \(current.height)x\(current.width)")
                }
                planned.append(.maxPool)
                chosen.append(nil)
                scales.append(scales[scales.count - 1])
                maps.append(MapLayout(height: current.height / 2, width: current.width / 2,
                                      channels: current.channels, zeroPoint: current.zeroPoint))
                macs.append(0)
            case .adaptiveAveragePool:
                // Smaller maps are fine: PyTorch's windows then repeat pixels (a 1x1 map becomes 7x7).
                guard layer.poolHeight >= 1 && layer.poolWidth >= 1 else {
                    throw RuntimeError("\(place): cannot pool a \(current.height)x\(current.width) map to \(layer.poolHeight)x\(layer.poolWidth)")
                }
                planned.append(.averagePool(height: layer.poolHeight, width: layer.poolWidth))
                chosen.append(nil)
                scales.append(scales[scales.count - 1])
                maps.append(MapLayout(height: layer.poolHeight, width: layer.poolWidth,
                                      channels: current.channels, zeroPoint: current.zeroPoint))
                macs.append(0)
            case .linear, .logits:
                let flattened = current.height * current.width * current.channels
                guard layer.depth == flattened else {
                    throw RuntimeError("\(place): depth \(layer.depth), but the \(current.height)x\(current.width)x\(current.channels) map has \(flattened) values")
                }
                if layer.kind == .logits && index != layers.count - 1 {
                    throw RuntimeError("\(place): a logits layer before the end of the network")
                }
                chosen.append(try choose(LayerTraits(.linear, pairBounded: layer.pairBounded), place))
                planned.append(layer.kind == .logits ? .logits(layer) : .linear(layer))
                scales.append(layer.outputQuantization?.scale ?? 0)
                maps.append(MapLayout(height: 1, width: 1, channels: layer.outputs,
                                      zeroPoint: UInt8(clamping: layer.outputQuantization?.zeroPoint ?? 0)))
                macs.append(layer.outputs * layer.depth)
            }
        }
        for index in maps.indices.dropLast() where index < planned.count {
            if case .convolution = planned[index] { maps[index].border = 1 }
        }
        layerKernels = chosen
        // Winograd layers: transformed weights (computed by the threads, largest layers first), and
        // one scratch per thread for the largest need.
        var transformed: [UnsafeMutableBufferPointer<Int16>?] = []
        var transforms: [WeightTransform] = []
        var scratchBytes = 0
        for (index, step) in planned.enumerated() {
            guard case .convolution(let layer) = step, let kernel = chosen[index], kernel.conv3x3 == nil else {
                transformed.append(nil)
                continue
            }
            let map = maps[index]
            let (cin, outputs, tile) = (Int32(map.channels), Int32(layer.outputs), Int32(kernel.winograd.tile))
            let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: q8_wino_weights_count(tile, cin, outputs))
            transformed.append(buffer)
            transforms.append(WeightTransform(tile: tile, packed: layer.packedWeights.baseAddress!, cin: cin, outputs: outputs,
                                              into: buffer.baseAddress!))
            scratchBytes = max(scratchBytes, q8_wino_scratch_bytes(tile, cin))
        }
        let jobs = transforms.sorted { $0.size > $1.size }
        DispatchQueue.concurrentPerform(iterations: min(threads, jobs.count)) { worker in
            for job in stride(from: worker, to: jobs.count, by: threads) { jobs[job].run() }
        }
        winogradScratch = scratchBytes == 0 ? [] : (0..<threads).map { _ in
            UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
        }
        // Every step reads arena (i % 2) and writes arena ((i + 1) % 2). Slack: kernels may read
        // a linear layer's input up to the next multiple of 4, and whole 64-byte blocks.
        let arenaByteCount = (maps.map(\.byteCount).max() ?? 0) + 128
        self.arenaByteCount = arenaByteCount
        arenas = (0..<2).map { _ in
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: arenaByteCount, alignment: 64)
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: arenaByteCount)
            return pointer
        }
        let widest = layers.map(\.outputs).max() ?? 0
        accumulatorBuffer = .allocate(capacity: PackedWeights.roundUp(widest, to: 16) + 16)
        accumulatorBuffer.initialize(repeating: 0, count: PackedWeights.roundUp(widest, to: 16) + 16)
        steps = zip(planned.indices, planned).map { index, step in
            Step(kind: step, kernel: chosen[index], winogradWeights: transformed[index], input: maps[index], output: maps[index + 1])
        }
        inputMap = maps[0]
        mapScales = scales
        layerNames = layers.map(\.name)
        layerMACs = macs
        layerNanoseconds = Array(repeating: 0, count: layers.count)
    }

    /// One kernel: `init(blob:kernels:threads:)` with `[kernel]`.
    public convenience init(blob: BlobFile, kernel: Kernel, threads: Int) throws(RuntimeError) {
        try self.init(blob: blob, kernels: [kernel], threads: threads)
    }

    /// The kernels the layers use, in the order of `kernels`, joined by "+": e.g. "avx2pairs+avx2"
    /// (pair-bounded convolutions, general linear layers) or "avx2".
    public var kernelSummary: String {
        let used = Set(layerKernels.compactMap { $0?.name })
        return kernels.map(\.name).filter(used.contains).joined(separator: "+")
    }

    /// Bytes of transformed weights the Winograd layers hold (beside the blob's int8 weights).
    public var winogradWeightBytes: Int { steps.reduce(0) { $0 + ($1.winogradWeights?.count ?? 0) * 2 } }

    deinit {
        steps.forEach { $0.winogradWeights?.deallocate() }
        winogradScratch.forEach { $0.deallocate() }
        arenas.forEach { $0.deallocate() }
        accumulatorBuffer.deallocate()
    }

    /// The uint8 output of one layer, for per-layer error reports (`observe`).
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
    }

    /// Runs one image. `input` is the quantized image `[H][W][4]` (`Boundary.quantizeInput`).
    /// Not reentrant: one image at a time per network (the threads work inside a layer).
    /// - Parameter observe: called after every layer but the last with a copy of its output.
    /// - Returns: the logits layer's int32 accumulators.
    public func accumulators(input: [UInt8], observe: ((LayerOutput) -> Void)? = nil) -> [Int32] {
        precondition(input.count == inputHeight * inputWidth * inputMap.channels,
                     "input is not \(inputHeight)x\(inputWidth)x\(inputMap.channels)")
        input.withUnsafeBytes { source in
            inputMap.copyInterior(from: source.baseAddress!, to: arenas[0])
        }
        return runFromInputArena(observe: observe)
    }

    /// Float image `[3][H][W]` (preprocessed as the blob says) in, float logits out: the two
    /// boundaries around the integer network. The image is quantized straight into the input
    /// arena.
    public func logits(preprocessed tensor: [Float]) -> [Float] {
        let base = arenas[0].assumingMemoryBound(to: UInt8.self) + inputMap.origin
        Boundary.quantizeInput(tensor, height: inputHeight, width: inputWidth, quantization: blob.input.quantization,
                               into: base, rowStride: inputMap.rowStride)
        return Boundary.dequantizeLogits(runFromInputArena(observe: nil), layer: logitsLayer)
    }

    private func runFromInputArena(observe: ((LayerOutput) -> Void)?) -> [Int32] {
        inputMap.fillBorder(arenas[0])
        for (index, step) in steps.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            run(step, from: arenas[index % 2], to: arenas[(index + 1) % 2])
            layerNanoseconds[index] = DispatchTime.now().uptimeNanoseconds - start
            if let observe, index < steps.count - 1 {
                let map = step.output
                var values = [UInt8](repeating: 0, count: map.height * map.width * map.channels)
                values.withUnsafeMutableBytes { map.copyInterior(from: arenas[(index + 1) % 2], into: $0.baseAddress!) }
                observe(LayerOutput(index: index, name: layerNames[index], height: map.height, width: map.width,
                                    channels: map.channels, values: values, scale: mapScales[index + 1],
                                    zeroPoint: Int32(map.zeroPoint)))
            }
        }
        return Array(UnsafeBufferPointer(start: accumulatorBuffer, count: classCount))
    }

    // MARK: - Steps

    private enum StepKind {
        case convolution(BlobLayer)
        case maxPool
        case averagePool(height: Int, width: Int)
        case linear(BlobLayer)
        case logits(BlobLayer)
    }

    private struct Step {
        var kind: StepKind
        var kernel: Kernel?
        var winogradWeights: UnsafeMutableBufferPointer<Int16>?
        var input: MapLayout
        var output: MapLayout
    }

    private func run(_ step: Step, from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer) {
        let (input, output) = (step.input, step.output)
        let inputOrigin = source.assumingMemoryBound(to: UInt8.self) + input.origin
        let outputOrigin = destination.assumingMemoryBound(to: UInt8.self) + output.origin
        switch step.kind {
        case .convolution(let layer):
            if output.channels > layer.outputs {
                // Padding channels hold the zero point; kernels leave them untouched.
                destination.initializeMemory(as: UInt8.self, repeating: output.zeroPoint, count: output.byteCount)
            } else {
                output.fillBorder(destination)
            }
            let params = q8_conv3x3_params(
                input: UnsafePointer(source.assumingMemoryBound(to: UInt8.self)), input_row_stride: input.rowStride,
                width: Int32(input.width), cin: Int32(input.channels),
                weights: layer.packedWeights.baseAddress, bias: layer.bias.baseAddress,
                multiplier: layer.multipliers.baseAddress, shift: layer.shifts.baseAddress,
                outputs: Int32(layer.outputs), cout: Int32(output.channels),
                output: outputOrigin, output_row_stride: output.rowStride,
                output_zero_point: Int32(output.zeroPoint))
            if let direct = step.kernel!.conv3x3 {
                let job = ConvolutionJob(function: direct, params: params)
                parallel(count: input.height) { _, rows in job.run(rows) }
            } else {
                let tile = step.kernel!.winograd.tile
                let job = WinogradJob(function: step.kernel!.conv3x3Wino!, params: params,
                                      transformed: UnsafePointer(step.winogradWeights!.baseAddress!), scratch: winogradScratch)
                parallel(count: input.height / tile) { piece, tileRows in job.run(tileRows, scratch: piece) }
            }
        case .maxPool:
            output.fillBorder(destination)
            let job = PoolJob(input: inputOrigin, inputRowStride: input.rowStride, width: input.width,
                              channels: input.channels, output: outputOrigin, outputRowStride: output.rowStride)
            parallel(count: output.height) { _, rows in job.maxPool(rows) }
        case .averagePool(let height, let width):
            output.fillBorder(destination)
            q8_adaptive_avgpool(inputOrigin, input.rowStride, Int32(input.height), Int32(input.width), Int32(input.channels),
                                outputOrigin, output.rowStride, Int32(height), Int32(width))
        case .linear(let layer), .logits(let layer):
            let params = q8_linear_params(
                input: UnsafePointer(inputOrigin), depth: Int32(layer.depth), weights: layer.packedWeights.baseAddress,
                bias: layer.bias.baseAddress, outputs: Int32(layer.outputs), accumulators: accumulatorBuffer)
            let job = LinearJob(function: step.kernel!.linear!, params: params, outputs: layer.outputs)
            parallel(count: (layer.outputs + 15) / 16) { _, blocks in job.run(blocks) }
            if case .linear = step.kind {
                q8_requantize_vector(accumulatorBuffer, layer.multipliers.baseAddress, layer.shifts.baseAddress,
                                     Int32(output.zeroPoint), Int32(layer.outputs), outputOrigin)
                // The next layer reads up to a multiple of 4 (zero weights there): keep it defined.
                (outputOrigin + layer.outputs).initialize(repeating: 0, count: PackedWeights.roundUp(layer.outputs, to: 4) - layer.outputs + 4)
            }
        }
    }

    /// Splits `0..<count` into `threads` contiguous pieces (fewer when count is small) and runs
    /// them concurrently, passing each its piece number (< threads); the split never changes a result.
    private func parallel(count: Int, _ body: (Int, Range<Int>) -> Void) {
        let pieces = min(threads, count)
        if pieces <= 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                task.value(piece, piece * count / pieces ..< (piece + 1) * count / pieces)
            }
        }
    }
}

/// An activation map inside an arena: `[height + 2b][width + 2b][channels]` with border b.
struct MapLayout {
    var height: Int
    var width: Int
    var channels: Int
    var zeroPoint: UInt8
    var border = 0

    init(height: Int, width: Int, channels: Int, zeroPoint: UInt8) {
        self.height = height
        self.width = width
        self.channels = channels
        self.zeroPoint = zeroPoint
    }

    var rowStride: Int { (width + 2 * border) * channels }
    /// Byte offset of the first interior pixel.
    var origin: Int { border * rowStride + border * channels }
    var byteCount: Int { (height + 2 * border) * rowStride }

    /// Writes the zero point into the border (nothing when there is none).
    func fillBorder(_ base: UnsafeMutableRawPointer) {
        guard border > 0 else { return }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        bytes.initialize(repeating: zeroPoint, count: rowStride)
        (bytes + (height + 1) * rowStride).initialize(repeating: zeroPoint, count: rowStride)
        for y in 1...height {
            (bytes + y * rowStride).initialize(repeating: zeroPoint, count: channels)
            (bytes + y * rowStride + (width + 1) * channels).initialize(repeating: zeroPoint, count: channels)
        }
    }

    /// Copies the interior out into a dense `[height][width][channels]` map.
    func copyInterior(from base: UnsafeRawPointer, into destination: UnsafeMutableRawPointer) {
        let rowBytes = width * channels
        for y in 0..<height {
            (destination + y * rowBytes).copyMemory(from: base + origin + y * rowStride, byteCount: rowBytes)
        }
    }

    /// Copies a dense `[height][width][channels]` map into the interior.
    func copyInterior(from source: UnsafeRawPointer, to base: UnsafeMutableRawPointer) {
        let rowBytes = width * channels
        for y in 0..<height {
            (base + origin + y * rowStride).copyMemory(from: source + y * rowBytes, byteCount: rowBytes)
        }
    }
}

/// A kernel call with its parameters, shared by the threads of one layer.
private struct ConvolutionJob: @unchecked Sendable {
    let function: q8_conv3x3_fn
    var params: q8_conv3x3_params
    func run(_ rows: Range<Int>) {
        withUnsafePointer(to: params) { function($0, Int32(rows.lowerBound), Int32(rows.upperBound)) }
    }
}

/// One layer's Winograd weight transform (at load).
private struct WeightTransform: @unchecked Sendable {
    let tile: Int32
    let packed: UnsafePointer<Int8>
    let cin: Int32
    let outputs: Int32
    let into: UnsafeMutablePointer<Int16>
    var size: Int { Int(cin) * Int(outputs) }
    func run() { q8_wino_transform_weights(tile, packed, cin, outputs, into) }
}

/// A Winograd kernel call: tile rows (2 or 4 output rows), each thread with its own scratch.
private struct WinogradJob: @unchecked Sendable {
    let function: q8_conv3x3_wino_fn
    var params: q8_conv3x3_params
    let transformed: UnsafePointer<Int16>
    let scratch: [UnsafeMutableRawPointer]
    func run(_ tileRows: Range<Int>, scratch piece: Int) {
        withUnsafePointer(to: params) {
            function($0, transformed, scratch[piece], Int32(tileRows.lowerBound), Int32(tileRows.upperBound))
        }
    }
}

private struct LinearJob: @unchecked Sendable {
    let function: q8_linear_fn
    var params: q8_linear_params
    let outputs: Int
    func run(_ blocks: Range<Int>) {
        let (begin, end) = (blocks.lowerBound * 16, min(blocks.upperBound * 16, outputs))
        withUnsafePointer(to: params) { function($0, Int32(begin), Int32(end)) }
    }
}

private struct PoolJob: @unchecked Sendable {
    let input: UnsafeMutablePointer<UInt8>
    let inputRowStride: Int
    let width: Int
    let channels: Int
    let output: UnsafeMutablePointer<UInt8>
    let outputRowStride: Int
    func maxPool(_ rows: Range<Int>) {
        q8_maxpool2x2(input, inputRowStride, Int32(width), Int32(channels), output, outputRowStride,
                      Int32(rows.lowerBound), Int32(rows.upperBound))
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
