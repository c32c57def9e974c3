import Dispatch
import Int8Blob

/// One layer of an `Int8Model`, planned at load and run per image: tflite-micro's Prepare and
/// Eval. `OperationPlanner.plan` checks the layer against its input map, chooses its kernel and
/// computes what can be computed once (kernel parameters, Winograd weights); `run` does one
/// image's work between two arenas.
///
/// Sendable: an operation is immutable after planning, and `run` writes only the destination
/// arena and the workspace it is given, which belong to the calling `ExecutionContext`. So one
/// operation serves any number of contexts at once.
protocol Operation: Sendable {
    /// The map the operation reads (in the source arena) and the one it writes (in the destination).
    var input: MapLayout { get }
    var output: MapLayout { get }
    /// The kernel that runs it (nil for pools, which have one portable implementation).
    var kernel: Kernel? { get }
    /// Multiply-accumulates for one image (0 for pools).
    var macs: Int { get }
    /// Bytes of scratch per thread that `run` needs (a Winograd convolution's transformed tiles).
    var scratchBytes: Int { get }
    /// int32 accumulators `run` needs in `Workspace.accumulators` (a linear layer's outputs).
    var accumulatorCount: Int { get }
    /// Bytes of weights computed at load and held beside the blob's (Winograd's transformed ones).
    var derivedWeightBytes: Int { get }

    /// One image: reads `source` (laid out as `input`), writes `destination` (as `output`),
    /// including its border and padding channels.
    func run(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, in workspace: Workspace)
}

extension Operation {
    var kernel: Kernel? { nil }
    var macs: Int { 0 }
    var scratchBytes: Int { 0 }
    var accumulatorCount: Int { 0 }
    var derivedWeightBytes: Int { 0 }
}

/// Plans the layers of one `BlobLayerKind` (`BlobLayerKind.planner`).
protocol OperationPlanner {
    /// Whether the operation reads its input with a 1-pixel border holding the zero point (a 3x3
    /// convolution does, so its kernels read every tap without bounds checks).
    static var readsBorder: Bool { get }
    /// Checks the layer against its input and plans it.
    /// - Throws: `RuntimeError` naming the layer when it does not fit its input, or no allowed kernel runs it.
    static func plan(_ request: PlanRequest) throws(RuntimeError) -> any Operation
}

extension BlobLayerKind {
    /// The type that plans (and whose operations run) layers of this kind.
    var planner: any OperationPlanner.Type {
        switch self {
        case .convolution: Convolution.self
        case .maxPool: MaxPool.self
        case .adaptiveAveragePool: AveragePool.self
        case .linear, .logits: Linear.self
        }
    }
}

/// What planning one layer is given.
struct PlanRequest {
    var layer: BlobLayer
    /// Position in the blob's layers, and whether it is the last.
    var index: Int
    var isLast: Bool
    /// The layer's input map, with the border its planner reads.
    var input: MapLayout
    /// The border the next layer reads on this layer's output.
    var outputBorder: Int
    /// The allowed kernels, best first.
    var kernels: [Kernel]
    /// Threads for work done once at load (Winograd weight transforms).
    var threads: Int
    /// "blob: layer 3 (features.7)", for errors.
    var place: String

    /// The first allowed kernel that runs a layer with these traits (`Kernel.choose`).
    func chooseKernel(_ traits: LayerTraits) throws(RuntimeError) -> Kernel {
        guard let kernel = Kernel.choose(from: kernels, for: traits) else {
            let pairNote = kernels.contains(where: \.needsPairBoundedWeights) ? "some need pair-bounded weights; " : ""
            throw RuntimeError("\(place): none of the kernels \(kernels.map(\.name).joined(separator: ", ")) runs it "
                + "(\(pairNote)add a general kernel such as \(Kernel.all.last!.name))")
        }
        return kernel
    }
}

/// What one run of an operation may use besides its arenas: the calling context's threads,
/// its per-thread scratch and its accumulators. Belongs to one `ExecutionContext`.
struct Workspace {
    var threads: Int
    /// One per thread, `Operation.scratchBytes` each (the largest of the model's operations).
    var scratch: [UnsafeMutableRawPointer]
    var accumulators: UnsafeMutablePointer<Int32>

    /// Splits `0..<count` into `threads` contiguous pieces (fewer when count is small) and runs
    /// them concurrently, passing each its piece number (< threads). Every output value is
    /// computed whole by one piece, so the split never changes a result.
    func parallel(count: Int, _ body: (Int, Range<Int>) -> Void) {
        Self.split(count: count, threads: threads, body)
    }

    static func split(count: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) {
        let pieces = min(threads, count)
        if pieces <= 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            // The pieces write disjoint outputs (rows, 16-output blocks) and read shared inputs.
            let task = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                task.value(piece, piece * count / pieces ..< (piece + 1) * count / pieces)
            }
        }
    }
}

/// A value handed to `concurrentPerform`'s pieces, which use it on disjoint data (see `Workspace.split`).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
