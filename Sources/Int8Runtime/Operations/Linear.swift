import CInt8Kernels
import Int8Blob
import QuantCore

/// A fully connected layer on the flattened map; threads split the 16-output blocks. A hidden
/// layer requantizes (with the fused ReLU) into its output map; the logits layer leaves its
/// int32 accumulators in `Workspace.accumulators` for `Boundary.dequantizeLogits`.
struct Linear: Operation, OperationPlanner {
    static let readsBorder = false
    let input: MapLayout
    let output: MapLayout
    let kernel: Kernel?
    let function: Function
    let layer: BlobLayer
    let isLogits: Bool

    static func plan(_ request: PlanRequest) throws(RuntimeError) -> any Operation {
        let (layer, input) = (request.layer, request.input)
        let flattened = input.height * input.width * input.channels
        guard layer.depth == flattened else {
            throw RuntimeError("\(request.place): depth \(layer.depth), but the \(input.height)x\(input.width)x\(input.channels) map has \(flattened) values")
        }
        let isLogits = layer.kind == .logits
        if isLogits && !request.isLast {
            throw RuntimeError("\(request.place): a logits layer before the end of the network")
        }
        let grouped = layer.groupSize != nil
        let kernel = try request.chooseKernel(LayerTraits(grouped ? .linear4 : .linear, pairBounded: layer.pairBounded))
        let output = MapLayout(height: 1, width: 1, channels: layer.outputs,
                               zeroPoint: UInt8(clamping: layer.outputQuantization?.zeroPoint ?? 0), border: request.outputBorder)
        let function: Function = grouped ? .grouped(kernel.linear4!) : .int8(kernel.linear!)
        return Linear(input: input, output: output, kernel: kernel, function: function, layer: layer, isLogits: isLogits)
    }

    /// The kernel function: int8 weights, or grouped 4-bit ones (`BlobLayer.groupSize`).
    enum Function {
        case int8(q8_linear_fn)
        case grouped(q8_linear4_fn)
    }

    var macs: Int { layer.outputs * layer.depth }
    /// Kernels write whole 16-output blocks' worth of lanes below `outputs`; 16 more of slack.
    var accumulatorCount: Int { PackedWeights.roundUp(layer.outputs, to: 16) + 16 }

    func run(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, in workspace: Workspace) {
        let outputs = layer.outputs
        let inputBytes = UnsafePointer(source.assumingMemoryBound(to: UInt8.self) + input.origin)
        // The kernel on one range of outputs, whole 16-blocks but at the end.
        let call: (Int32, Int32) -> Void
        switch function {
        case .int8(let function):
            let params = q8_linear_params(
                input: inputBytes, depth: Int32(layer.depth), weights: layer.packedWeights.baseAddress, bias: layer.bias.baseAddress,
                outputs: Int32(outputs), accumulators: workspace.accumulators)
            call = { begin, end in withUnsafePointer(to: params) { function($0, begin, end) } }
        case .grouped(let function):
            let params = q8_linear4_params(
                input: inputBytes, depth: Int32(layer.depth),
                weights: UnsafeRawPointer(layer.packedWeights.baseAddress!).assumingMemoryBound(to: UInt8.self),
                group_multipliers: layer.groupMultipliers.baseAddress, group_size: Int32(layer.groupSize!),
                bias: layer.bias.baseAddress, outputs: Int32(outputs), accumulators: workspace.accumulators)
            call = { begin, end in withUnsafePointer(to: params) { function($0, begin, end) } }
        }
        workspace.parallel(count: (outputs + 15) / 16) { _, blocks in
            call(Int32(blocks.lowerBound * 16), Int32(min(blocks.upperBound * 16, outputs)))
        }
        guard !isLogits else { return }
        let outputOrigin = destination.assumingMemoryBound(to: UInt8.self) + output.origin
        q8_requantize_vector(workspace.accumulators, layer.multipliers.baseAddress, layer.shifts.baseAddress,
                             Int32(output.zeroPoint), Int32(outputs), outputOrigin)
        // The next layer reads up to a multiple of 4 (zero weights there): keep it defined.
        (outputOrigin + outputs).initialize(repeating: 0, count: PackedWeights.roundUp(outputs, to: 4) - outputs + 4)
    }
}
