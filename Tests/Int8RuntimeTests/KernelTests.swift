import CInt8Kernels
import Foundation
import QuantCore
import Testing
import TestSupport
@testable import Int8Runtime

/// Every kernel this CPU runs (within `VGG_KERNELS`) against the Swift reference, tolerance zero,
/// one test case per kernel; the kernels of the list that do not run here are named by a skipped
/// test (`kernelsNotRunHere`), so a run says what it did not check.
@Suite struct KernelTests {
    /// The kernels `VGG_KERNELS` allows on this CPU (all it runs when unset). A value that
    /// selects nothing is an error (`Kernel.allowed`), never a run of zero checks.
    static func allowed() throws -> [Kernel] {
        try Kernel.allowed(environment: ProcessInfo.processInfo.environment)
    }

    // The test arguments: the allowed kernels that have the function a test checks. (When
    // `VGG_KERNELS` is wrong they are empty, and `theKernelsToTestAreNotEmpty` fails.)
    static let tested = (try? allowed()) ?? []
    static let directKernels = tested.filter { $0.conv3x3 != nil }
    static let linearKernels = tested.filter { $0.linear != nil }
    static let linear4Kernels = tested.filter { $0.linear4 != nil }
    static let winogradKernels = tested.filter { !$0.winograd.isEmpty }
    static let winograd4x4Kernels = tested.filter { $0.winograd == .f4x4 }
    static let pairKernels = tested.filter { $0.needsPairBoundedWeights && $0.conv3x3 != nil }

    /// Skipped, naming them, when some kernels of the list are not tested here.
    /// Every kernel but scalar has a peak loop, which runs on this CPU where the kernel does and
    /// gives a positive rate that grows with the work (twice the iterations take longer);
    /// Winograd's rates count int16 products: 36 per 144 MACs (F(4x4)), 16 per 36 (F(2x2)).
    @Test func peakLoops() throws {
        for kernel in Kernel.all {
            #expect((kernel.peak != nil) == (kernel.name != "scalar"), "\(kernel.name)")
            #expect(kernel.hasPeak == (kernel.peak != nil && kernel.runsHere))
            #expect(kernel.productsPerMAC == (kernel.winograd == .f4x4 ? 0.25 : kernel.winograd == .f2x2 ? 16.0 / 36 : 1))
            guard kernel.hasPeak else {
                #expect(kernel.peakProductsPerSecond() == nil)
                continue
            }
            let rates = (0..<5).compactMap { _ in kernel.peakProductsPerSecond() }
            #expect(rates.count == 5 && rates.allSatisfy { $0 > 1e8 && $0.isFinite }, "\(kernel.name): \(rates)")
            #expect(kernel.peak!(1000) == 1000 * kernel.peak!(1), "\(kernel.name): MACs per iteration")
        }
    }

    @Test func kernelsNotRunHere() throws {
        let lacking = Kernel.all.filter { !$0.runsHere }.map { "\($0.name) (this CPU lacks \($0.isaName))" }
        let excluded = Kernel.all.filter { $0.runsHere && !Self.tested.contains($0) }
            .map { "\($0.name) (left out by \(Kernel.environmentVariable))" }
        print("kernels tested here: \(Self.tested.map(\.name).joined(separator: ", "))")
        if !(lacking + excluded).isEmpty {
            try skip("not tested here: " + (lacking + excluded).joined(separator: ", "))
        }
    }

    @Test func theKernelsToTestAreNotEmpty() throws {
        let allowed = try Self.allowed()
        #expect(!allowed.isEmpty)
        #expect(throws: RuntimeError.self) { try Kernel.allowed(environment: [Kernel.environmentVariable: "sse9"]) }
        if let missing = Kernel.all.first(where: { !$0.runsHere }) {
            #expect(throws: RuntimeError.self) { try Kernel.allowed(environment: [Kernel.environmentVariable: missing.name]) }
        }
    }

    @Test func theListHasAPortableFallbackAndDispatchPicksTheFirstRunnable() throws {
        #expect(Kernel.all.last?.name == "scalar" && Kernel.all.last?.isa == 0)
        #expect(Set(Kernel.all.map(\.name)).count == Kernel.all.count, "names are unique")
        let best = try Kernel.best(environment: [:])
        #expect(best == Kernel.all.first { $0.runsHere && $0.isComplete && !$0.needsPairBoundedWeights })
        #expect(try Kernel.best(environment: ["VGG_KERNELS": "scalar"]).name == "scalar")
        #expect(throws: RuntimeError.self) { try Kernel.best(environment: ["VGG_KERNELS": "sse9"]) }
        if let missing = Kernel.all.first(where: { !$0.runsHere }) {
            #expect(throws: RuntimeError.self) { try Kernel.best(environment: ["VGG_KERNELS": missing.name]) }
        }
        // Per-layer choice: the first kernel with a function for the layer whose weight needs it meets.
        let runnable = Kernel.runnable
        let direct = LayerTraits(.convolution(winograd: []), pairBounded: true)
        #expect(Kernel.choose(from: runnable, for: direct) == runnable.first { $0.conv3x3 != nil })
        let plain = LayerTraits(.convolution(winograd: []), pairBounded: false)
        #expect(Kernel.choose(from: runnable, for: plain) == runnable.first { $0.accepts(pairBounded: false) })
        let both = LayerTraits(.convolution(winograd: [.f2x2, .f4x4]), pairBounded: false)
        #expect(Kernel.choose(from: runnable, for: both) == runnable.first { !$0.winograd.isEmpty || $0.isComplete })
        let f2 = LayerTraits(.convolution(winograd: .f2x2), pairBounded: false)
        #expect(Kernel.choose(from: runnable, for: f2) == runnable.first { $0.winograd == .f2x2 || $0.isComplete })
        let linear = LayerTraits(.linear, pairBounded: false)
        #expect(Kernel.choose(from: runnable, for: linear)?.linear != nil)
        #expect(!best.needsPairBoundedWeights && best.isComplete, "best() is for layers of any weights and shapes")
        #if arch(x86_64)
        #expect(Kernel.all.contains { $0.needsPairBoundedWeights }, "the x86 list has the AVX2 vpmaddubsw kernel")
        #expect(Kernel.all.contains { $0.winograd == .f4x4 && $0.conv3x3Wino != nil && $0.conv3x3 == nil && $0.linear == nil }, "a Winograd F(4x4) entry")
        #expect(Kernel.all.contains { $0.winograd == .f2x2 && $0.conv3x3Wino != nil && $0.conv3x3 == nil && $0.linear == nil }, "a Winograd F(2x2) entry")
        #endif
        // Where Winograd's shape needs hold: channels in 16s, at least 32x32 pixels, whole tiles
        // (F(4x4)'s weight bound: winograd4x4NeedsItsWeightBound, NetworkTests).
        #expect(Winograd.fitting(height: 32, width: 32, cin: 16) == [.f2x2, .f4x4])
        #expect(Winograd.fitting(height: 34, width: 34, cin: 16) == .f2x2, "34 = 2 mod 4")
        #expect(Winograd.fitting(height: 28, width: 28, cin: 512) == [], "below the size")
        #expect(Winograd.fitting(height: 33, width: 40, cin: 16) == [] && Winograd.fitting(height: 40, width: 33, cin: 16) == [], "odd")
        #expect(Winograd.fitting(height: 224, width: 224, cin: 4) == [] && Winograd.fitting(height: 64, width: 64, cin: 40) == [], "channels")
    }

    /// The grid of `KernelGrid.convolutions`, every case as generated and with pair-bounded
    /// weights, with the reference's output (computed once for all kernels).
    static let convolutionCases: [(ConvolutionCase, expected: [UInt8])] = {
        let seed = testSeed("convolutionKernelMatchesTheReference")
        return KernelGrid.convolutions(seed: seed).flatMap { [$0, $0.pairBounded] }.map { ($0, $0.expected) }
    }()

    @Test(arguments: directKernels)
    func convolutionKernelMatchesTheReference(_ kernel: Kernel) throws {
        var checked = 0
        // A kernel that needs pair-bounded weights runs only the pair-bounded variant.
        for (testCase, expected) in Self.convolutionCases where kernel.accepts(pairBounded: testCase.convolution.weights.pairBounded) {
            let referenceChannels = PackedWeights.roundUp(testCase.outputs, to: 4)
            for split in rowSplits(testCase.height) {
                let output = KernelRunner.convolution(kernel, testCase, rowSplit: split)
                var mismatches = 0, first = ""
                for pixel in 0..<testCase.height * testCase.width {
                    for channel in 0..<testCase.cout {
                        let got = output[pixel * testCase.cout + channel]
                        let want = channel < testCase.outputs ? expected[pixel * referenceChannels + channel] : KernelRunner.untouched
                        if got != want {
                            if mismatches == 0 { first = "pixel \(pixel) channel \(channel): got \(got), expected \(want)" }
                            mismatches += 1
                        }
                    }
                }
                #expect(mismatches == 0, "\(kernel.name), \(testCase), rows split at \(split): \(mismatches) wrong, first \(first)")
                checked += 1
            }
        }
        #expect(checked >= Self.convolutionCases.count / 2, "\(kernel.name) ran \(checked) cases")
    }

    /// The Winograd kernels over their own grid (channels in 16s, maps of whole tiles; the size rule
    /// is the runtime's, not the kernels'), with tile-row splits as threads cut them. The extremes
    /// drive the int32 sums past 2^31 before the output transform (all weights 127, activations
    /// 255, cin 512: 9 x 1143 x 1020 x 512 = 5.4e9 in F(2x2)) and back: a kernel that did not wrap,
    /// or saturated, would be wrong there. F(4x4) runs only where its weight bound holds, and
    /// the grid has channels exactly at that bound.
    static let winogradCases: [(ConvolutionCase, expected: [UInt8])] = {
        var generator = SplitMix64(seed: testSeed("winogradKernelMatchesTheReference"))
        var cases: [ConvolutionCase] = []
        for (index, (h, w, cin)) in [(2, 2, 16), (2, 8, 32), (4, 6, 16), (6, 4, 48), (8, 12, 64), (10, 14, 32), (14, 14, 64),
                                     (4, 4, 256), (2, 4, 512), (4, 8, 16), (8, 4, 32), (12, 16, 64), (16, 12, 128), (4, 4, 512),
                                     (8, 24, 256), (6, 14, 256)].enumerated() {
            // The last two: chunks of tiles (q8_wino_chunk_tiles: 5 and 10 here) that cross tile rows.
            let outputs = [1, 5, 16, 17, 31, 32, 48, 64, 19, 33, 7, 16, 40, 18, 17, 20][index]
            cases.append(KernelGrid.random("winograd", h, w, cin: cin, outputs: outputs, extraChannels: index % 2 * 4,
                                           inputZeroPoint: index % 3 == 0 ? 114 : 0, using: &generator))
        }
        for (weight, activation, biasSign) in [(Int8(127), UInt8(255), Int32(1)), (-127, 255, -1), (127, 0, 1), (-127, 255, 1)] {
            cases.append(KernelGrid.constant("extreme w=\(weight) a=\(activation)", 4, 4, cin: 512, outputs: 16, weight: weight,
                                             activation: activation, bias: biasSign * KernelGrid.biasBound(depth: 9 * 512), using: &generator))
        }
        // Signs that change from tap to tap (k = tap * 512 + c, so k % 3 moves with the tap too).
        cases.append(KernelGrid.constant("extreme mixed signs", 4, 4, cin: 512, outputs: 16, weights: [127, -127, 127],
                                         activation: 255, bias: 0, using: &generator))
        // F(4x4)'s bound: 255 * (sum of a channel's positive weights) = 2^25 - 2 and its negative twin.
        for sign in [Int8(1), -1] {
            cases.append(KernelGrid.constant("at the F(4x4) bound, sign \(sign)", 4, 8, cin: 512, outputs: 16,
                                             weights: Self.weightsSumming(to: Self.f4Bound, sign: sign, depth: 9 * 512),
                                             activation: 255, bias: 0, using: &generator))
        }
        return cases.flatMap { [$0, $0.pairBounded] }.map { ($0, $0.expected) }
    }()

    @Test(arguments: winogradKernels)
    func winogradKernelMatchesTheReference(_ kernel: Kernel) throws {
        let tile = kernel.winograd.tile
        var checked = 0
        for (testCase, expected) in Self.winogradCases {
            let referenceChannels = PackedWeights.roundUp(testCase.outputs, to: 4)
            guard testCase.height % tile == 0 && testCase.width % tile == 0 else { continue }
            if tile == 4 {
                guard KernelRunner.winograd4x4Fits(testCase) else { continue }
            }
            checked += 1
            let tileRows = testCase.height / tile
            for split in tileRows < 3 ? [[]] : [[], [1], [tileRows / 2, tileRows / 2 + 1]] {
                let output = KernelRunner.winograd(kernel, testCase, tileRowSplit: split)
                let wrong = (0..<testCase.height * testCase.width * testCase.cout).filter { index in
                    let (pixel, channel) = (index / testCase.cout, index % testCase.cout)
                    let want = channel < testCase.outputs ? expected[pixel * referenceChannels + channel] : KernelRunner.untouched
                    return output[index] != want
                }
                #expect(wrong.isEmpty, "\(kernel.name), \(testCase), tile rows split at \(split): \(wrong.count) wrong, first at \(wrong.first ?? -1)")
            }
        }
        #expect(checked >= 16, "\(kernel.name) ran on \(checked) cases only")
    }

    /// The largest sum of one sign F(4x4) takes: 255 * 131,586 = 2^25 - 2.
    static let f4Bound = Int((1 << 25) - 1) / 255

    /// A weight row (length `depth`) of 127s and a remainder, times `sign`, summing to `total`
    /// (with activations 255 the sum is then 255 * total).
    static func weightsSumming(to total: Int, sign: Int8, depth: Int) -> [Int8] {
        var row = [Int8](repeating: 0, count: depth)
        var left = total
        for k in 0..<depth where k % 4 != 3 && left > 0 {
            let value = min(left, 127)
            row[k] = sign * Int8(value)
            left -= value
        }
        precondition(left == 0, "depth too small for the sum")
        return row
    }

    /// Beyond F(4x4)'s bound the kernel is wrong (64 * sum wraps), and q8_wino4x4_weights_fit
    /// says so: the check is what keeps F(4x4) exact.
    @Test(arguments: winograd4x4Kernels)
    func winograd4x4NeedsItsWeightBound(_ kernel: Kernel) throws {
        var generator = SplitMix64(seed: 11)
        let at = KernelGrid.constant("at", 4, 4, cin: 512, outputs: 16, weights: Self.weightsSumming(to: Self.f4Bound, sign: 1, depth: 4608),
                                     activation: 255, bias: 0, using: &generator)
        let beyond = KernelGrid.constant("beyond", 4, 4, cin: 512, outputs: 16,
                                         weights: Self.weightsSumming(to: Self.f4Bound + 1, sign: 1, depth: 4608),
                                         activation: 255, bias: 0, using: &generator)
        #expect(KernelRunner.winograd4x4Fits(at) && !KernelRunner.winograd4x4Fits(beyond))
        let negative = KernelGrid.constant("beyond, negative", 4, 4, cin: 512, outputs: 16,
                                           weights: Self.weightsSumming(to: Self.f4Bound + 1, sign: -1, depth: 4608),
                                           activation: 255, bias: 0, using: &generator)
        #expect(!KernelRunner.winograd4x4Fits(negative))
        let got = KernelRunner.winograd(kernel, beyond, tileRowSplit: [])
        let expected = beyond.expected
        #expect((0..<16 * 16).contains { got[$0] != expected[$0] },
                "\(kernel.name) matched the reference beyond its bound: is the bound check still needed?")
    }

    /// The pair bound is what makes a vpmaddubsw kernel exact: on weights beyond it (127 next to
    /// 127, activations 255: pair sums of 64,770) it saturates, and the grid sees that.
    @Test(arguments: pairKernels)
    func pairKernelIsWrongWithoutTheBound(_ kernel: Kernel) throws {
        var generator = SplitMix64(seed: 7)
        let unbounded = KernelGrid.constant("beyond the bound", 2, 3, cin: 64, outputs: 16, weight: 127, activation: 255,
                                            bias: 0, using: &generator)
        let expected = unbounded.expected
        let got = KernelRunner.convolution(kernel, unbounded, rowSplit: [])
        let channels = PackedWeights.roundUp(unbounded.outputs, to: 4)
        let differs = (0..<6 * 16).contains { (index: Int) -> Bool in
            let pixel = index / 16, channel = index % 16
            return got[pixel * unbounded.cout + channel] != expected[pixel * channels + channel]
        }
        #expect(differs, "\(kernel.name) matched the reference on weights beyond the pair bound: is it still vpmaddubsw?")
    }

    /// The pair-bounded variants really differ from the originals (so the loop above tests the
    /// pair kernels on data that exercises them), and keep the bound.
    @Test func pairBoundedCasesKeepTheBound() {
        let cases = KernelGrid.convolutions(seed: testSeed("pairBoundedCasesKeepTheBound"))
        #expect(cases.allSatisfy { PackedWeights.isPairBounded($0.pairBounded.convolution.weights.packed) })
        #expect(cases.filter { $0.pairBounded.convolution.weights.packed != $0.convolution.weights.packed }.count >= cases.count / 2)
        #expect(!PackedWeights.isPairBounded([127, 2]) && PackedWeights.isPairBounded([127, 1, -64, -64]))
    }

    static let linearCases: [(LinearCase, expected: [Int32])] = {
        KernelGrid.linears(seed: testSeed("linearKernelMatchesTheReference")).map { ($0, $0.expected) }
    }()

    @Test(arguments: linearKernels)
    func linearKernelMatchesTheReference(_ kernel: Kernel) throws {
        expectLinearMatches(kernel, Self.linearCases, run: KernelRunner.linear)
    }

    /// Every case, whole and split into output ranges, bit for bit against the reference.
    func expectLinearMatches(_ kernel: Kernel, _ cases: [(LinearCase, expected: [Int32])],
                             run: (Kernel, LinearCase, [Int]) -> [Int32]) {
        #expect(!cases.isEmpty)
        for (testCase, expected) in cases {
            for split in outputSplits(testCase.weights.outputs) {
                let got = run(kernel, testCase, split)
                let wrong = expected.indices.filter { got[$0] != expected[$0] }
                let detail = "outputs \(wrong.prefix(5)) got \(wrong.prefix(5).map { got[$0] }), expected \(wrong.prefix(5).map { expected[$0] })"
                #expect(wrong.isEmpty, "\(kernel.name), \(testCase), split at \(split): \(detail)")
            }
        }
    }

    static let groupedCases: [(LinearCase, expected: [Int32])] = {
        KernelGrid.groupedLinears(seed: testSeed("linear4KernelMatchesTheReference")).map { ($0, $0.expected) }
    }()

    @Test(arguments: linear4Kernels)
    func linear4KernelMatchesTheReference(_ kernel: Kernel) throws {
        expectLinearMatches(kernel, Self.groupedCases, run: KernelRunner.linear4)
    }

    /// Every complete entry has a linear4 kernel, so a grouped layer runs wherever an int8 one does.
    @Test func everyCompleteKernelHasALinear4Kernel() {
        #expect(Kernel.all.filter(\.isComplete).allSatisfy { $0.linear4 != nil })
        #expect(Kernel.choose(from: Kernel.runnable, for: LayerTraits(.linear4, pairBounded: false))?.linear4 != nil)
        #expect(Kernel.all.filter { !$0.winograd.isEmpty }.allSatisfy { $0.linear4 == nil })
    }

    /// Row ranges a multi-threaded run could hand out: whole, and cut after the first row and in the middle.
    func rowSplits(_ height: Int) -> [[Int]] {
        height < 3 ? [[]] : [[], [1], [height / 2, height / 2 + 1]]
    }

    /// Output ranges in whole 16-blocks (the runtime's unit), whole and cut after the first block.
    func outputSplits(_ outputs: Int) -> [[Int]] {
        outputs > 16 ? [[], [16]] : [[]]
    }
}

/// Runs one kernel on one case the way the runtime calls it: a padded input whose border holds
/// the input zero point, an output prefilled with a marker that channels >= outputs must keep.
enum KernelRunner {
    static let untouched: UInt8 = 0xEE

    static func convolution(_ kernel: Kernel, _ testCase: ConvolutionCase, rowSplit: [Int]) -> [UInt8] {
        let bounds = [0] + rowSplit + [testCase.height]
        return run(testCase) { params in
            for piece in 0..<bounds.count - 1 {
                kernel.conv3x3!(params, Int32(bounds[piece]), Int32(bounds[piece + 1]))
            }
        }
    }

    /// A Winograd kernel with the layer's transformed weights, one scratch per piece of the split
    /// (in tile rows of 2 or 4 output rows), as the runtime's threads use them.
    static func winograd(_ kernel: Kernel, _ testCase: ConvolutionCase, tileRowSplit: [Int]) -> [UInt8] {
        let (cin, outputs, tile) = (Int32(testCase.cin), Int32(testCase.outputs), Int32(kernel.winograd.tile))
        var transformed = [Int16](repeating: 0, count: q8_wino_weights_count(tile, cin, outputs))
        testCase.convolution.weights.packed.withUnsafeBufferPointer { packed in
            q8_wino_transform_weights(tile, packed.baseAddress, cin, outputs, &transformed)
        }
        let bounds = [0] + tileRowSplit + [testCase.height / Int(tile)]
        let scratchBytes = q8_wino_scratch_bytes(tile, cin)
        return run(testCase) { params in
            transformed.withUnsafeBufferPointer { transformed in
                for piece in 0..<bounds.count - 1 {
                    let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
                    defer { scratch.deallocate() }
                    kernel.conv3x3Wino!(params, transformed.baseAddress, scratch, Int32(bounds[piece]), Int32(bounds[piece + 1]))
                }
            }
        }
    }

    static func winograd4x4Fits(_ testCase: ConvolutionCase) -> Bool {
        testCase.convolution.weights.packed.withUnsafeBufferPointer {
            q8_wino4x4_weights_fit($0.baseAddress, Int32(testCase.cin), Int32(testCase.outputs)) != 0
        }
    }

    /// The kernel parameters of a case: a padded input whose border holds the input zero point,
    /// an output prefilled with `untouched`, bias and requantization padded to 16 with zeros.
    private static func run(_ testCase: ConvolutionCase, _ body: (UnsafePointer<q8_conv3x3_params>) -> Void) -> [UInt8] {
        let (h, w, cin, cout) = (testCase.height, testCase.width, testCase.cin, testCase.cout)
        let zeroPoint = UInt8(testCase.convolution.weights.inputQuantization.zeroPoint)
        var padded = [UInt8](repeating: zeroPoint, count: (h + 2) * (w + 2) * cin)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<cin { padded[((y + 1) * (w + 2) + x + 1) * cin + c] = testCase.input[(y * w + x) * cin + c] }
            }
        }
        let weights = testCase.convolution.weights
        let padTo16 = { (values: [Int32]) in values + [Int32](repeating: 0, count: PackedWeights.roundUp(values.count, to: 16) - values.count) }
        let bias = padTo16(weights.bias)
        let multipliers = padTo16(testCase.convolution.requantization.map(\.multiplier))
        let shifts = padTo16(testCase.convolution.requantization.map(\.shift))
        var output = [UInt8](repeating: untouched, count: h * w * cout)
        padded.withUnsafeBufferPointer { input in
            weights.packed.withUnsafeBufferPointer { packed in
                bias.withUnsafeBufferPointer { bias in
                    multipliers.withUnsafeBufferPointer { multipliers in
                        shifts.withUnsafeBufferPointer { shifts in
                            output.withUnsafeMutableBufferPointer { out in
                                var params = q8_conv3x3_params(
                                    input: input.baseAddress, input_row_stride: (w + 2) * cin, width: Int32(w), cin: Int32(cin),
                                    weights: packed.baseAddress, bias: bias.baseAddress, multiplier: multipliers.baseAddress,
                                    shift: shifts.baseAddress, outputs: Int32(testCase.outputs), cout: Int32(cout),
                                    output: out.baseAddress, output_row_stride: w * cout,
                                    output_zero_point: testCase.convolution.outputQuantization.zeroPoint)
                                body(&params)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    static func linear(_ kernel: Kernel, _ testCase: LinearCase, split: [Int]) -> [Int32] {
        let weights = testCase.weights
        let input = testCase.input + [UInt8](repeating: 0, count: PackedWeights.roundUp(weights.depth, to: 4) - weights.depth)
        let bias = weights.bias + [Int32](repeating: 0, count: PackedWeights.roundUp(weights.outputs, to: 16) - weights.outputs)
        var accumulators = [Int32](repeating: Int32.min, count: weights.outputs)
        let bounds = [0] + split + [weights.outputs]
        input.withUnsafeBufferPointer { input in
            weights.packed.withUnsafeBufferPointer { packed in
                bias.withUnsafeBufferPointer { bias in
                    accumulators.withUnsafeMutableBufferPointer { out in
                        var params = q8_linear_params(input: input.baseAddress, depth: Int32(weights.depth),
                                                      weights: packed.baseAddress, bias: bias.baseAddress,
                                                      outputs: Int32(weights.outputs), accumulators: out.baseAddress)
                        for piece in 0..<bounds.count - 1 {
                            kernel.linear!(&params, Int32(bounds[piece]), Int32(bounds[piece + 1]))
                        }
                    }
                }
            }
        }
        return accumulators
    }
}

extension KernelRunner {
    /// A linear4 kernel on a grouped case: the blob's nibble layout, the input padded to 8
    /// (junk there: its weights are zero), accumulators prefilled with a marker.
    static func linear4(_ kernel: Kernel, _ testCase: LinearCase, split: [Int]) -> [Int32] {
        let weights = testCase.weights
        let groups = weights.groups!
        let encoded = GroupedWeights.encode(weights)
        let nibbleBytes = GroupedWeights.nibbleByteCount(outputs: weights.outputs, depth: weights.depth)
        let input = testCase.input + [UInt8](repeating: 0xA5, count: PackedWeights.roundUp(weights.depth, to: 8) - weights.depth)
        let bias = weights.bias + [Int32](repeating: 0, count: PackedWeights.roundUp(weights.outputs, to: 16) - weights.outputs)
        var accumulators = [Int32](repeating: Int32.min, count: weights.outputs)
        let bounds = [0] + split + [weights.outputs]
        input.withUnsafeBufferPointer { input in
            encoded.withUnsafeBufferPointer { encoded in
                bias.withUnsafeBufferPointer { bias in
                    accumulators.withUnsafeMutableBufferPointer { out in
                        let multipliers = UnsafeRawPointer(encoded.baseAddress! + nibbleBytes).assumingMemoryBound(to: Int8.self)
                        var params = q8_linear4_params(input: input.baseAddress, depth: Int32(weights.depth), weights: encoded.baseAddress,
                                                       group_multipliers: multipliers, group_size: Int32(groups.size),
                                                       bias: bias.baseAddress, outputs: Int32(weights.outputs), accumulators: out.baseAddress)
                        for piece in 0..<bounds.count - 1 {
                            kernel.linear4!(&params, Int32(bounds[piece]), Int32(bounds[piece + 1]))
                        }
                    }
                }
            }
        }
        return accumulators
    }
}

extension Kernel: CustomTestStringConvertible {
    public var testDescription: String { name }
}
