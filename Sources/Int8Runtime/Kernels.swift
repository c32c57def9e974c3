import CInt8Kernels

/// One entry of the C kernel list (`CInt8Kernels/kernel_list.c`): a conv3x3 and a linear kernel
/// for one instruction set. The same list drives dispatch, the tests and the benchmark.
public struct Kernel: @unchecked Sendable, Equatable {
    /// Short name, e.g. "avx2" (the `VGG_KERNELS` spelling).
    public let name: String
    /// Human-readable instruction set, e.g. "AVX2".
    public let isaName: String
    /// `Q8_ISA_*` bits the kernel needs.
    public let isa: UInt32
    /// `Q8_WEIGHTS_*` properties a layer's weights must have for this entry to run it.
    public let weights: UInt32
    let conv3x3: q8_conv3x3_fn
    let linear: q8_linear_fn

    public static func == (a: Kernel, b: Kernel) -> Bool { a.name == b.name }

    /// All kernels compiled for this architecture, best first.
    public static let all: [Kernel] = {
        var count: Int32 = 0
        guard let list = q8_kernel_list(&count) else { return [] }
        return (0..<Int(count)).map { index in
            let entry = list[index]
            return Kernel(name: String(cString: entry.name), isaName: String(cString: entry.isa_name),
                          isa: UInt32(entry.isa), weights: UInt32(entry.weights), conv3x3: entry.conv3x3, linear: entry.linear)
        }
    }()

    /// The instruction-set features of this CPU (`Q8_ISA_*` bits).
    public static let cpuFeatures = UInt32(q8_cpu_features())

    /// Whether this CPU can run the kernel.
    public var runsHere: Bool { isa & ~Kernel.cpuFeatures == 0 }

    /// Whether the kernel needs pair-bounded weights (`Q8_WEIGHTS_PAIR_BOUNDED`).
    public var needsPairBoundedWeights: Bool { weights & UInt32(Q8_WEIGHTS_PAIR_BOUNDED) != 0 }

    /// Whether a layer's weights have every property the kernel needs.
    public func accepts(pairBounded: Bool) -> Bool { !needsPairBoundedWeights || pairBounded }

    /// Per-layer dispatch: the first of `kernels` (best first) that accepts the layer's weights.
    public static func choose(from kernels: [Kernel], pairBounded: Bool) -> Kernel? {
        kernels.first { $0.accepts(pairBounded: pairBounded) }
    }

    /// The kernels this CPU can run, best first.
    public static var runnable: [Kernel] { all.filter(\.runsHere) }

    /// The environment variable that restricts dispatch (and the kernel tests) to a subset,
    /// e.g. `VGG_KERNELS=scalar` or `VGG_KERNELS=avx2,scalar`.
    public static let environmentVariable = "VGG_KERNELS"

    /// The kernels allowed by `VGG_KERNELS` (all when unset) that this CPU can run, best first.
    /// - Throws: `RuntimeError` for a name not in the list, or when none of the named kernels runs here.
    public static func allowed(environment: [String: String]) throws(RuntimeError) -> [Kernel] {
        guard let value = environment[environmentVariable], !value.isEmpty else { return runnable }
        let names = value.split(separator: ",").map { String($0.filter { $0 != " " }) }
        for name in names where !all.contains(where: { $0.name == name }) {
            throw RuntimeError("\(environmentVariable)=\(value): unknown kernel \"\(name)\" "
                + "(this build has: \(all.map(\.name).joined(separator: ", ")))")
        }
        let chosen = runnable.filter { names.contains($0.name) }
        guard !chosen.isEmpty else {
            throw RuntimeError("\(environmentVariable)=\(value): none of these kernels runs on this CPU "
                + "(it runs: \(runnable.map(\.name).joined(separator: ", ")))")
        }
        return chosen
    }

    /// The best kernel this CPU runs for layers of any weights, within `VGG_KERNELS` when set
    /// (what an unflagged layer gets; `Int8Network` chooses per layer from `allowed`).
    public static func best(environment: [String: String]) throws(RuntimeError) -> Kernel {
        let kernels = try allowed(environment: environment)
        return choose(from: kernels, pairBounded: false) ?? kernels[0]
    }
}

/// A runtime failure, one line (what and where).
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
