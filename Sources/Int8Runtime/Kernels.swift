import CInt8Kernels
#if canImport(Glibc)
import Glibc
#endif
import QuantCore

/// One entry of the C kernel list (`CInt8Kernels/kernel_list.c`): for one instruction set, a direct
/// conv3x3 and a linear kernel, or (a Winograd entry) only a Winograd F(2x2, 3x3) or F(4x4, 3x3)
/// conv3x3, which runs the convolutions it fits (`Winograd`). The same list drives dispatch, the tests and
/// the benchmark. Sendable: names and pointers to stateless C functions.
public struct Kernel: Sendable, Equatable {
    /// Short name, e.g. "avx2" (the `VGG_KERNELS` spelling).
    public let name: String
    /// Human-readable instruction set, e.g. "AVX2".
    public let isaName: String
    /// `Q8_ISA_*` bits the kernel needs.
    public let isa: UInt32
    /// `Q8_WEIGHTS_*` properties a layer's weights must have for this entry to run it.
    public let weights: UInt32
    let conv3x3: q8_conv3x3_fn?
    let linear: q8_linear_fn?
    /// The linear kernel for grouped 4-bit weights (`q8_linear4_fn`), nil where the entry has none.
    let linear4: q8_linear4_fn?
    let conv3x3Wino: q8_conv3x3_wino_fn?
    /// The Winograd variant of `conv3x3Wino` (`[]` for a direct entry).
    public let winograd: Winograd
    /// The family's multiply-accumulate peak loop (nil for scalar).
    let peak: q8_peak_fn?

    public static func == (a: Kernel, b: Kernel) -> Bool { a.name == b.name }

    /// All kernels compiled for this architecture, best first.
    public static let all: [Kernel] = {
        var count: Int32 = 0
        guard let list = q8_kernel_list(&count) else { return [] }
        return (0..<Int(count)).map { index in
            let entry = list[index]
            return Kernel(name: String(cString: entry.name), isaName: String(cString: entry.isa_name),
                          isa: UInt32(entry.isa), weights: UInt32(entry.weights), conv3x3: entry.conv3x3, linear: entry.linear,
                          linear4: entry.linear4,
                          conv3x3Wino: entry.conv3x3_wino,
                          winograd: entry.conv3x3_wino == nil ? [] : entry.wino_tile == 4 ? .f4x4 : .f2x2, peak: entry.peak)
        }
    }()

    /// The kernel's own multiplies per MAC of the direct convolution it computes: F(4x4) makes a
    /// 4x4 output tile of one channel pair from 36 products instead of 144, F(2x2) a 2x2 tile from
    /// 16 instead of 36; 1 for the direct kernels.
    public var productsPerMAC: Double {
        switch winograd {
        case .f4x4: 36.0 / 144
        case .f2x2: 16.0 / 36
        default: 1
        }
    }

    /// One timing of the family's peak loop (`q8_kernel.peak`: independent chains of the
    /// instructions its inner loop multiplies and accumulates with) on the calling thread, in the
    /// kernel's own products per second; nil for scalar and for a kernel this CPU cannot run.
    /// `vgg-run --benchmark` samples it between runs for each layer's fraction of peak.
    /// Whether `peakProductsPerSecond` gives a rate (a peak loop this CPU runs).
    public var hasPeak: Bool { peak != nil && runsHere }

    public func peakProductsPerSecond(iterations: Int = 50_000) -> Double? {
        guard let peak, runsHere, iterations > 0 else { return nil }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let products = peak(iterations)
        clock_gettime(CLOCK_MONOTONIC, &end)
        let nanoseconds = (end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec)
        return nanoseconds > 0 ? Double(products) / Double(nanoseconds) * 1e9 : nil
    }

    /// The instruction-set features of this CPU (`Q8_ISA_*` bits).
    public static let cpuFeatures = UInt32(q8_cpu_features())

    /// Whether this CPU can run the kernel.
    public var runsHere: Bool { isa & ~Kernel.cpuFeatures == 0 }

    /// Whether the kernel needs pair-bounded weights (`Q8_WEIGHTS_PAIR_BOUNDED`).
    public var needsPairBoundedWeights: Bool { weights & UInt32(Q8_WEIGHTS_PAIR_BOUNDED) != 0 }

    /// Whether the entry runs every layer whose weights it accepts (a direct conv3x3 and a linear
    /// kernel); a Winograd entry does not.
    public var isComplete: Bool { conv3x3 != nil && linear != nil }

    /// Whether the entry has a function for the layer and the layer's weights have every property
    /// the entry needs.
    public func accepts(_ layer: LayerTraits) -> Bool {
        guard !needsPairBoundedWeights || layer.pairBounded else { return false }
        switch layer.kind {
        case .convolution(let fits): return conv3x3 != nil || (!winograd.isEmpty && fits.isSuperset(of: winograd))
        case .linear: return linear != nil
        case .linear4: return linear4 != nil
        }
    }

    /// Whether the entry accepts a convolution or linear layer with these weights, whatever its shape
    /// (what the kernel tests ask of a direct kernel).
    public func accepts(pairBounded: Bool) -> Bool { isComplete && (!needsPairBoundedWeights || pairBounded) }

    /// Per-layer dispatch: the first of `kernels` (best first) that accepts the layer.
    public static func choose(from kernels: [Kernel], for layer: LayerTraits) -> Kernel? {
        kernels.first { $0.accepts(layer) }
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

    /// `allowed(environment:)` with this process's `VGG_KERNELS`.
    public static func allowed() throws(RuntimeError) -> [Kernel] {
        guard let value = getenv(environmentVariable) else { return try allowed(environment: [:]) }
        return try allowed(environment: [environmentVariable: String(cString: value)])
    }

    /// The best complete kernel this CPU runs for layers of any weights, within `VGG_KERNELS` when
    /// set (what an unflagged layer gets where no Winograd entry fits; `Int8Model` chooses per
    /// layer from `allowed`).
    public static func best(environment: [String: String]) throws(RuntimeError) -> Kernel {
        let kernels = try allowed(environment: environment)
        return kernels.first { $0.accepts(pairBounded: false) } ?? kernels[0]
    }
}

/// What dispatch needs to know of a layer.
public struct LayerTraits: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `winograd`: the Winograd kernels that fit the convolution (`Winograd`).
        case convolution(winograd: Winograd)
        case linear
        /// A linear layer with grouped 4-bit weights.
        case linear4
    }
    public var kind: Kind
    /// The blob flags the layer's weights pair-bounded.
    public var pairBounded: Bool
    public init(_ kind: Kind, pairBounded: Bool) {
        self.kind = kind
        self.pairBounded = pairBounded
    }
}

/// Which Winograd kernels fit a convolution (Docs/Kernels.md, "Winograd").
public struct Winograd: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// F(2x2, 3x3): 2x2 output tiles.
    public static let f2x2 = Winograd(rawValue: 1)
    /// F(4x4, 3x3): 4x4 output tiles; needs weights that `q8_wino4x4_weights_fit`.
    public static let f4x4 = Winograd(rawValue: 2)

    /// The output tile's side of a single variant: 2 or 4 (the C functions' `tile`).
    public var tile: Int { self == .f4x4 ? 4 : 2 }

    /// Maps smaller than this many pixels keep the direct kernels: their transformed weights (16
    /// or 36 int16 per 9 int8: 3.6x or 8x the bytes) are large for the work they save. With a
    /// 224x224 input the 224, 112 and 56 layers qualify (vgg16_bn: 1.7 MB of int8 weights, 14 MB
    /// transformed for F(4x4)), the 28 and 14 layers (13 MB of int8 weights) do not.
    public static let minimumPixels = 32 * 32

    /// The Winograd kernels whose shape needs a convolution over a `height` x `width` map of `cin`
    /// (padded) channels meets: channels in 16s, at least `minimumPixels`, and whole tiles (even
    /// sides for F(2x2), multiples of 4 for F(4x4)). F(4x4) also needs weights within its bound,
    /// which `Convolution.plan` checks (`q8_wino4x4_weights_fit`).
    public static func fitting(height: Int, width: Int, cin: Int) -> Winograd {
        guard cin % 16 == 0 && height * width >= minimumPixels else { return [] }
        var fits: Winograd = []
        if height % 2 == 0 && width % 2 == 0 { fits.insert(.f2x2) }
        if height % 4 == 0 && width % 4 == 0 { fits.insert(.f4x4) }
        return fits
    }
}

/// A runtime failure, one line (what and where).
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// Throws unless `threads` is in `ThreadCount.range` (1...256).
    static func checkThreads(_ threads: Int) throws(RuntimeError) {
        if let problem = ThreadCount.problem(threads) { throw RuntimeError(problem) }
    }
}
