import CInt8Kernels
import Int8Blob
import QuantCore

/// Plans a 3x3 convolution (stride 1, padding 1, fused ReLU): a direct kernel, or a Winograd
/// one where an allowed Winograd entry fits the layer's shape and weights (`Winograd.fitting`).
enum Convolution: OperationPlanner {
    static let readsBorder = true

    static func plan(_ request: PlanRequest) throws(RuntimeError) -> any Operation {
        let (layer, input) = (request.layer, request.input)
        guard layer.depth == 9 * input.channels else {
            throw RuntimeError("\(request.place): depth \(layer.depth) does not match a 3x3 patch of \(input.channels) channels")
        }
        // The weight bound F(4x4) needs is checked only where its shape fits (one pass over them).
        var fits = Winograd.fitting(height: input.height, width: input.width, cin: input.channels)
        if fits.contains(.f4x4)
            && q8_wino4x4_weights_fit(layer.packedWeights.baseAddress, Int32(input.channels), Int32(layer.outputs)) == 0 {
            fits.remove(.f4x4)
        }
        let kernel = try request.chooseKernel(LayerTraits(.convolution(winograd: fits), pairBounded: layer.pairBounded))
        let output = MapLayout(height: input.height, width: input.width,
                               channels: PackedWeights.roundUp(layer.outputs, to: PackedWeights.depthTile),
                               zeroPoint: UInt8(clamping: layer.outputQuantization!.zeroPoint), border: request.outputBorder)
        let params = q8_conv3x3_params(
            input: nil, input_row_stride: input.rowStride, width: Int32(input.width), cin: Int32(input.channels),
            weights: layer.packedWeights.baseAddress, bias: layer.bias.baseAddress,
            multiplier: layer.multipliers.baseAddress, shift: layer.shifts.baseAddress,
            outputs: Int32(layer.outputs), cout: Int32(output.channels),
            output: nil, output_row_stride: output.rowStride, output_zero_point: Int32(output.zeroPoint))
        let shape = ConvolutionShape(input: input, output: output, outputs: layer.outputs, params: params)
        if let direct = kernel.conv3x3 {
            return DirectConvolution(shape: shape, kernel: kernel, function: direct)
        }
        return WinogradConvolution(shape: shape, kernel: kernel, weights: layer.packedWeights.baseAddress!, threads: request.threads)
    }
}

/// What the two convolution operations share: maps, kernel parameters, and preparing the output.
/// `@unchecked Sendable`: the parameters' pointers lead into the blob's read-only mapping (the
/// arena pointers are added per run, on a copy).
struct ConvolutionShape: @unchecked Sendable {
    var input: MapLayout
    var output: MapLayout
    var outputs: Int
    /// The kernel's parameters without the arena pointers, which `parameters(from:to:)` adds.
    var params: q8_conv3x3_params

    var macs: Int { input.height * input.width * outputs * 9 * input.channels }

    /// The kernel's parameters for one run, after writing what the kernels leave untouched:
    /// the border, and the padding channels (the zero point, where outputs is not a multiple of 4).
    func parameters(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer) -> q8_conv3x3_params {
        if output.channels > outputs {
            destination.initializeMemory(as: UInt8.self, repeating: output.zeroPoint, count: output.byteCount)
        } else {
            output.fillBorder(destination)
        }
        var params = params
        params.input = UnsafePointer(source.assumingMemoryBound(to: UInt8.self))
        params.output = destination.assumingMemoryBound(to: UInt8.self) + output.origin
        return params
    }
}

/// A convolution by a direct kernel; threads split the output rows.
struct DirectConvolution: Operation {
    let shape: ConvolutionShape
    let kernel: Kernel?
    let function: q8_conv3x3_fn

    var input: MapLayout { shape.input }
    var output: MapLayout { shape.output }
    var macs: Int { shape.macs }

    func run(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, in workspace: Workspace) {
        let params = shape.parameters(from: source, to: destination)
        workspace.parallel(count: input.height) { _, rows in
            withUnsafePointer(to: params) { function($0, Int32(rows.lowerBound), Int32(rows.upperBound)) }
        }
    }
}

/// A convolution by a Winograd kernel. Its weights are transformed once, at planning, and
/// shared by every run; each thread has its own scratch (`Workspace.scratch`) and whole tile rows.
struct WinogradConvolution: Operation {
    let shape: ConvolutionShape
    let kernel: Kernel?
    let function: q8_conv3x3_wino_fn
    let tile: Int
    let transformed: TransformedWeights
    let scratchBytes: Int

    init(shape: ConvolutionShape, kernel: Kernel, weights: UnsafePointer<Int8>, threads: Int) {
        self.shape = shape
        self.kernel = kernel
        function = kernel.conv3x3Wino!
        tile = kernel.winograd.tile
        let cin = shape.input.channels
        transformed = TransformedWeights(tile: tile, packed: weights, cin: cin, outputs: shape.outputs, threads: threads)
        scratchBytes = q8_wino_scratch_bytes(Int32(tile), Int32(cin))
    }

    var input: MapLayout { shape.input }
    var output: MapLayout { shape.output }
    var macs: Int { shape.macs }
    var derivedWeightBytes: Int { transformed.values.count * MemoryLayout<Int16>.size }

    func run(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, in workspace: Workspace) {
        let params = shape.parameters(from: source, to: destination)
        let weights = UnsafePointer(transformed.values.baseAddress!)
        workspace.parallel(count: input.height / tile) { piece, tileRows in
            withUnsafePointer(to: params) {
                function($0, weights, workspace.scratch[piece], Int32(tileRows.lowerBound), Int32(tileRows.upperBound))
            }
        }
    }
}

/// A layer's Winograd weights (`q8_wino_transform_weights`), owned for the model's lifetime.
/// `@unchecked Sendable`: written once in `init`, only read afterwards.
final class TransformedWeights: @unchecked Sendable {
    let values: UnsafeMutableBufferPointer<Int16>

    /// Transforms the packed weights; threads split the 16-output blocks (each block's transform
    /// depends on that block alone).
    init(tile: Int, packed: UnsafePointer<Int8>, cin: Int, outputs: Int, threads: Int) {
        let count = q8_wino_weights_count(Int32(tile), Int32(cin), Int32(outputs))
        let values = UnsafeMutableBufferPointer<Int16>.allocate(capacity: count)
        self.values = values
        let blocks = (outputs + 15) / 16
        let (packedBlock, transformedBlock) = (9 * cin * 16, (tile + 2) * (tile + 2) * cin * 16)
        let target = UncheckedSendable(values.baseAddress!)
        Workspace.split(count: blocks, threads: threads) { _, range in
            let blockOutputs = min(outputs, 16 * range.upperBound) - 16 * range.lowerBound
            q8_wino_transform_weights(Int32(tile), packed + range.lowerBound * packedBlock, Int32(cin), Int32(blockOutputs),
                                      target.value + range.lowerBound * transformedBlock)
        }
    }

    deinit { values.deallocate() }
}
