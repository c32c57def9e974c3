import CInt8Kernels
import Int8Blob

/// 2x2 max-pool, stride 2 (`q8_maxpool2x2`); threads split the output rows. The scale and zero
/// point pass through: max commutes with the monotonic quantization.
struct MaxPool: Operation, OperationPlanner {
    static let readsBorder = false
    let input: MapLayout
    let output: MapLayout

    static func plan(_ request: PlanRequest) throws(RuntimeError) -> any Operation {
        let input = request.input
        guard input.height >= 2 && input.width >= 2 else {
            throw RuntimeError("\(request.place): a 2x2 max-pool needs a map of at least 2x2, got \(input.height)x\(input.width)")
        }
        return MaxPool(input: input, output: MapLayout(height: input.height / 2, width: input.width / 2, channels: input.channels,
                                                       zeroPoint: input.zeroPoint, border: request.outputBorder))
    }

    func run(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, in workspace: Workspace) {
        output.fillBorder(destination)
        let (input, output) = (self.input, self.output)
        let inputOrigin = source.assumingMemoryBound(to: UInt8.self) + input.origin
        let outputOrigin = destination.assumingMemoryBound(to: UInt8.self) + output.origin
        workspace.parallel(count: output.height) { _, rows in
            q8_maxpool2x2(inputOrigin, input.rowStride, Int32(input.width), Int32(input.channels), outputOrigin, output.rowStride,
                          Int32(rows.lowerBound), Int32(rows.upperBound))
        }
    }
}

/// PyTorch's adaptive average pool to the layer's size (`q8_adaptive_avgpool`), one thread:
/// it runs on the last, smallest map. Smaller inputs are fine: PyTorch's windows then repeat
/// pixels (a 1x1 map becomes 7x7).
struct AveragePool: Operation, OperationPlanner {
    static let readsBorder = false
    let input: MapLayout
    let output: MapLayout

    static func plan(_ request: PlanRequest) throws(RuntimeError) -> any Operation {
        let (layer, input) = (request.layer, request.input)
        guard layer.poolHeight >= 1 && layer.poolWidth >= 1 else {
            throw RuntimeError("\(request.place): cannot pool a \(input.height)x\(input.width) map to \(layer.poolHeight)x\(layer.poolWidth)")
        }
        return AveragePool(input: input, output: MapLayout(height: layer.poolHeight, width: layer.poolWidth, channels: input.channels,
                                                           zeroPoint: input.zeroPoint, border: request.outputBorder))
    }

    func run(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, in workspace: Workspace) {
        output.fillBorder(destination)
        q8_adaptive_avgpool(source.assumingMemoryBound(to: UInt8.self) + input.origin, input.rowStride, Int32(input.height),
                            Int32(input.width), Int32(input.channels), destination.assumingMemoryBound(to: UInt8.self) + output.origin,
                            output.rowStride, Int32(output.height), Int32(output.width))
    }
}
