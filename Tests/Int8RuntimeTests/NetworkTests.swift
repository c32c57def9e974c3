import CInt8Kernels
import Int8Blob
import QuantCore
import Testing
import TestSupport
@testable import Int8Runtime

/// Whole networks: the runtime (padded arenas, every kernel, 1-3 threads) against the reference
/// executor on the same blob and input, bit for bit.
@Suite struct NetworkTests {
    /// A VGG-shaped random network with odd sizes: a 12x10 input with zero point 114, channel
    /// counts that are not multiples of 4 or 16, two pools, an adaptive average pool that really
    /// averages, a hidden linear layer and the logits.
    /// `pairBounded`: the convolutions' weights made pair-bounded (and flagged), so x86 runs them
    /// with the AVX2 vpmaddubsw kernel.
    static func model(seed: UInt64, averagePool: Bool, pairBounded: Bool = false) -> QuantizedModel {
        var generator = SplitMix64(seed: seed)
        let input = ActivationQuantization(scale: 0.018657, zeroPoint: 114)
        func scale(_ value: Float) -> ActivationQuantization { .init(scale: value, zeroPoint: 0) }
        func bounded(_ convolution: QuantizedConvolution) -> QuantizedConvolution {
            var result = convolution
            if pairBounded { result.weights = RandomLayers.pairBounded(convolution.weights) }
            return result
        }
        let conv0 = bounded(RandomLayers.convolution("features.0", inputChannels: 3, outputs: 8, input: input, output: scale(0.05),
                                                     using: &generator))
        let conv1 = bounded(RandomLayers.convolution("features.2", inputChannels: 8, outputs: 21, input: conv0.outputQuantization,
                                                     output: scale(0.08), using: &generator))
        let conv2 = bounded(RandomLayers.convolution("features.5", inputChannels: 21, outputs: 17, input: conv1.outputQuantization,
                                                     output: scale(0.1), using: &generator))
        // 12x10 -> pool 6x5 -> pool 3x2 -> (average pool to 2x2) ; 17 channels padded to 20.
        let map = averagePool ? 2 * 2 : 3 * 2
        let hidden = RandomLayers.weights("classifier.0", outputs: 33, depth: map * 20, input: conv2.outputQuantization,
                                          isPadding: { $0 % 20 >= 17 }, using: &generator)
        let hiddenOutput = scale(0.3)
        let logits = RandomLayers.weights("classifier.3", outputs: 7, depth: 33, input: hiddenOutput,
                                          isPadding: { _ in false }, using: &generator)
        var layers: [QuantizedLayer] = [
            .convolution(conv0), .convolution(conv1), .maxPool(name: "features.4"), .convolution(conv2),
            .maxPool(name: "features.7"),
        ]
        if averagePool { layers.append(.adaptiveAveragePool(name: "avgpool", height: 2, width: 2)) }
        layers += [
            .linear(QuantizedLinear(weights: hidden, output: .activation(
                requantization: RandomLayers.requantization(hidden, output: hiddenOutput), quantization: hiddenOutput))),
            .linear(QuantizedLinear(weights: logits, output: .logits)),
        ]
        return QuantizedModel(arch: "vgg_test", target: "generic", calibration: "none",
                              input: InputSpec(resize: 12, cropHeight: 12, cropWidth: 10, mean: [0.485, 0.456, 0.406],
                                               std: [0.229, 0.224, 0.225], quantization: input),
                              labels: (0..<7).map { "class \($0)" }, layers: layers)
    }

    /// The Winograd network (TestSupport's TestModels.winograd, shared with the end-to-end tests).
    static func winogradModel(seed: UInt64, pairBounded: Bool = false, beyondF4: Bool = false) -> QuantizedModel {
        TestModels.winograd(seed: seed, pairBounded: pairBounded, beyondF4: beyondF4)
    }

    /// Every kernel list and thread count on the Winograd network, generic and pair-bounded: the
    /// full list runs layer 1 with F(4x4) and layer 3 with F(2x2) (odd tile-row counts per thread
    /// at 3 threads: 17 tile rows of 4, 17 of 2); a list with only one of them runs what it fits.
    @Test(arguments: [false, true])
    func winogradLayersMatchTheReference(pairBounded: Bool) throws {
        let seed = testSeed("winogradLayersMatchTheReference")
        let model = Self.winogradModel(seed: seed, pairBounded: pairBounded)
        var seen: Set<String> = []
        try Self.expectReference(model, height: 68, width: 64, seed: seed) { kernels, network in
            let f4 = kernels[0].winograd == .f4x4, f2 = kernels[0].winograd == .f2x2
            let names = network.layerKernels.map { $0?.name }
            let direct = Kernel.choose(from: kernels, for: LayerTraits(.convolution(winograd: []), pairBounded: pairBounded))!.name
            #expect(names[1] == (f4 || f2 ? kernels[0].name : direct), "\(names)")
            #expect(names[3] == (f2 ? kernels[0].name : direct), "\(names)")
            let expectedBytes = f4 ? 2 * q8_wino_weights_count(4, 16, 32)
                : f2 ? 2 * (q8_wino_weights_count(2, 16, 32) + q8_wino_weights_count(2, 32, 19)) : 0
            #expect(network.winogradWeightBytes == expectedBytes)
            if f4 || f2 { seen.insert(kernels[0].name) }
        }
        // And the full list, as vgg-run chooses: the first kernel of the list (best first) that takes
        // the layer. Layer 1 fits both Winograd tiles, layer 3 only F(2x2). Where a Winograd kernel
        // leads the list (AVX2 without VNNI) that is F(4x4) for layer 1 and F(2x2) for layer 3.
        let blob = try BlobFile(bytes: try BlobWriter.encode(model), name: "test.vq8")
        let network = try Self.context(blob, kernels: Kernel.runnable, threads: 2)
        let f4 = Kernel.runnable.first { $0.winograd == .f4x4 }, f2 = Kernel.runnable.first { $0.winograd == .f2x2 }
        let layer1 = Kernel.choose(from: Kernel.runnable, for: LayerTraits(.convolution(winograd: [.f4x4, .f2x2]), pairBounded: pairBounded))
        let layer3 = Kernel.choose(from: Kernel.runnable, for: LayerTraits(.convolution(winograd: .f2x2), pairBounded: pairBounded))
        #expect(network.model.layerKernels[1] == layer1 && network.model.layerKernels[3] == layer3, "\(network.model.layerKernels.map { $0?.name })")
        if let f4, let f2, Kernel.runnable.firstIndex(of: f4)! < Kernel.runnable.firstIndex(where: { $0.accepts(pairBounded: false) })! {
            #expect(layer1 == f4 && layer3 == f2)
        } else {
            print("no Winograd kernel leads this CPU's list (\(Kernel.runnable.map(\.name))): the full list runs no Winograd layer")
        }
        #expect(seen.count == [f4, f2].compactMap { $0 }.count)
    }

    /// Weights beyond F(4x4)'s bound: the layer falls to F(2x2), and the results stay the reference's.
    @Test func weightsBeyondTheF4BoundFallToF2() throws {
        let seed = testSeed("weightsBeyondTheF4BoundFallToF2")
        let model = Self.winogradModel(seed: seed, beyondF4: true)
        let blob = try BlobFile(bytes: try BlobWriter.encode(model), name: "test.vq8")
        guard let f2 = Kernel.runnable.first(where: { $0.winograd == .f2x2 }) else {
            try skip("no Winograd kernel runs on this CPU: the F(4x4) fallback is not checked")
            return
        }
        // The Winograd kernels ahead of a general one, as on a CPU where they lead the list.
        let kernels = Kernel.runnable.filter { !$0.winograd.isEmpty } + [Kernel.all.last!]
        let network = try Self.context(blob, kernels: kernels, threads: 2)
        #expect(network.model.layerKernels[1] == f2, "\(network.model.layerKernels.map { $0?.name })")
        var generator = SplitMix64(seed: seed)
        let input: [UInt8] = (0..<68 * 64).flatMap { _ -> [UInt8] in [255, 255, UInt8(truncatingIfNeeded: generator.next()), 114] }
        #expect(network.accumulators(input: input) == ReferenceExecutor.run(model, input: input, height: 68, width: 64).accumulators)
    }

    /// Every kernel list a user can ask for (`VGG_KERNELS`): each kernel alone when it runs every
    /// layer, otherwise next to the portable kernel, which takes the layers it does not.
    static func kernelLists() throws -> [[Kernel]] {
        try KernelTests.allowed().map { $0.accepts(pairBounded: false) ? [$0] : [$0, Kernel.all.last!] }
    }

    /// Runs `model` with every kernel list and 1-3 threads on three images (random pixels, all 255,
    /// all 0) and expects the reference's accumulators and layer outputs, twice over.
    static func expectReference(_ model: QuantizedModel, height: Int, width: Int, seed: UInt64,
                                check: ([Kernel], Int8Model) -> Void) throws {
        let blob = try BlobFile(bytes: try BlobWriter.encode(model), name: "test.vq8")
        var generator = SplitMix64(seed: seed ^ 0xA5A5)
        for image in 0..<3 {
            // Real pixels, and the extremes of the uint8 range.
            let input: [UInt8] = (0..<height * width).flatMap { _ -> [UInt8] in
                let pixel = (0..<3).map { _ in image == 1 ? UInt8(255) : image == 2 ? 0 : UInt8(truncatingIfNeeded: generator.next()) }
                return pixel + [114]
            }
            let expected = ReferenceExecutor.run(model, input: input, height: height, width: width)
            for kernels in try kernelLists() {
                let kernel = kernels[0]
                for threads in 1...3 {
                    let network = try Self.context(blob, kernels: kernels, threads: threads)
                    check(kernels, network.model)
                    let got = network.accumulators(input: input)
                    #expect(got == expected.accumulators, "\(kernel.name), \(threads) threads, image \(image): \(got) vs \(expected.accumulators)")
                    // Twice: nothing left over from the previous run changes the result; and the
                    // observed layer outputs are the reference's.
                    var observed: [[UInt8]] = []
                    #expect(network.accumulators(input: input) { observed.append($0.values) } == got)
                    #expect(observed == expected.layerOutputs, "\(kernel.name), \(threads) threads: layer outputs differ")
                }
            }
        }
    }

    /// The float path (quantizing straight into the input arena) equals the two boundaries
    /// applied around `accumulators(input:)`.
    @Test func floatBoundariesAroundTheIntegerNetwork() throws {
        let seed = testSeed("floatBoundariesAroundTheIntegerNetwork")
        let model = Self.model(seed: seed, averagePool: true)
        let blob = try BlobFile(bytes: try BlobWriter.encode(model), name: "test.vq8")
        var generator = SplitMix64(seed: seed)
        let image = (0..<3 * 12 * 10).map { _ in Float(Int(generator.next() % 4001) - 2000) / 900 }
        let network = try Self.context(blob, kernels: Kernel.runnable, threads: 2)
        let quantized = Boundary.quantizeInput(image, height: 12, width: 10, quantization: model.input.quantization)
        let expected = Boundary.dequantizeLogits(ReferenceExecutor.run(model, input: quantized, height: 12, width: 10).accumulators,
                                                 layer: blob.layers.last!)
        #expect(network.logits(preprocessed: image) == expected)
    }

    /// Dispatch per layer: pair-bounded convolutions get the first kernel that takes them, every
    /// other layer the first general kernel; a list that cannot run a layer is an error.
    @Test func kernelsAreChosenPerLayer() throws {
        let flagged = try BlobFile(bytes: try BlobWriter.encode(Self.model(seed: 3, averagePool: false, pairBounded: true)),
                                   name: "pairs.vq8")
        let plain = try BlobFile(bytes: try BlobWriter.encode(Self.model(seed: 3, averagePool: false)), name: "plain.vq8")
        #expect(flagged.formatVersion == 2 && plain.formatVersion == 1)
        let runnable = Kernel.runnable
        let general = runnable.first { $0.accepts(pairBounded: false) }!
        let pairOrGeneral = runnable.first { $0.accepts(pairBounded: true) }!
        let network = try Self.context(flagged, kernels: runnable, threads: 1)
        for (layer, kernel) in zip(flagged.layers, network.model.layerKernels) {
            switch layer.kind {
            case .convolution: #expect(layer.pairBounded && kernel == pairOrGeneral, "\(layer.name)")
            case .linear, .logits: #expect(!layer.pairBounded && kernel == general, "\(layer.name)")
            default: #expect(kernel == nil)
            }
        }
        let plainNetwork = try Self.context(plain, kernels: runnable, threads: 1)
        #expect(plainNetwork.model.layerKernels.compactMap { $0 }.allSatisfy { $0 == general })
        #expect(plainNetwork.model.kernelSummary == general.name)
        // (where a general kernel leads the list, as AVX-512 VNNI does, it takes the flagged layers too)
        #expect(network.model.kernelSummary == (pairOrGeneral == general ? general.name : "\(pairOrGeneral.name)+\(general.name)"))
        if let pairKernel = runnable.first(where: { $0.needsPairBoundedWeights && $0.conv3x3 != nil }) {
            #expect(throws: RuntimeError.self) { try Self.context(plain, kernels: [pairKernel], threads: 1) }
        } else {
            print("no pair-bounded kernel runs on this CPU: per-layer choice checked with general kernels only")
        }
    }

    @Test func badSettingsAreErrors() throws {
        let blob = try BlobFile(bytes: try BlobWriter.encode(Self.model(seed: 1, averagePool: true)), name: "test.vq8")
        for threads in [0, 257, 100_000] {
            #expect(throws: RuntimeError.self) { try Int8Model(blob: blob, kernels: [Kernel.all.last!], threads: threads) }
            let model = try Int8Model(blob: blob, kernels: [Kernel.all.last!])
            #expect(throws: RuntimeError.self) { try ExecutionContext(model: model, threads: threads) }
        }
        #expect(throws: RuntimeError.self) { try Int8Model(blob: blob, kernels: []) }
    }

    /// A model planned with `kernels` and one context on it, both at `threads`.
    static func context(_ blob: BlobFile, kernels: [Kernel], threads: Int) throws -> ExecutionContext {
        try ExecutionContext(model: try Int8Model(blob: blob, kernels: kernels, threads: threads), threads: threads)
    }
}

/// `ExecutionContext.accumulators(from:input:)` and `output(ofLayer:input:)`, which
/// `vgg-quantize eval --sensitivity` uses to run part of a network: from every layer, fed the
/// whole run's output of the layer before, the rest gives the whole run's accumulators, and one
/// layer gives the whole run's output of that layer, bit for bit (the averaging pool included,
/// with every kernel this CPU runs and 1 and 3 threads).
@Test(arguments: [1, 3])
func partsOfANetworkRunAsTheWhole(threads: Int) throws {
    var generator = SplitMix64(seed: 2026_12_06)
    let blob = try BlobFile(bytes: BlobWriter.encode(NetworkTests.model(seed: 91, averagePool: true)), name: "parts.vq8")
    for kernel in Kernel.runnable {
        let context = try ExecutionContext(model: try Int8Model(blob: blob, kernels: kernel.name == "scalar" ? [kernel] : [kernel, Kernel.all.last!], threads: threads),
                                           threads: threads)
        let input = (0..<12 * 10 * 4).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var outputs: [ExecutionContext.LayerOutput] = []
        let whole = context.accumulators(input: input) { outputs.append($0) }
        let layerCount = blob.layers.count
        #expect(outputs.count == layerCount - 1)
        for layer in 0..<layerCount {
            let feed = layer == 0 ? input : outputs[layer - 1].values
            #expect(feed.count == context.model.inputMap(ofLayer: layer).byteCount)
            #expect(context.accumulators(from: layer, input: feed) == whole, "\(kernel.name): from layer \(layer)")
            if layer < layerCount - 1 {
                let single = context.output(ofLayer: layer, input: feed)
                #expect(single.values == outputs[layer].values && single.scale == outputs[layer].scale, "\(kernel.name): layer \(layer)")
            }
        }
    }
}
