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

    @Test(arguments: [(false, false), (true, false), (true, true)])
    func everyKernelAndThreadCountMatchesTheReference(averagePool: Bool, pairBounded: Bool) throws {
        let seed = testSeed("everyKernelAndThreadCountMatchesTheReference")
        let model = Self.model(seed: seed, averagePool: averagePool, pairBounded: pairBounded)
        let blob = try BlobFile(bytes: try BlobWriter.encode(model), name: "test.vq8")
        var generator = SplitMix64(seed: seed ^ 0xA5A5)
        for image in 0..<3 {
            // Real pixels, and the extremes of the uint8 range.
            let input: [UInt8] = (0..<12 * 10).flatMap { _ -> [UInt8] in
                let pixel = (0..<3).map { _ in image == 1 ? UInt8(255) : image == 2 ? 0 : UInt8(truncatingIfNeeded: generator.next()) }
                return pixel + [114]
            }
            let expected = ReferenceExecutor.run(model, input: input, height: 12, width: 10)
            for kernel in KernelTests.kernels {
                // A pair kernel runs the layers it accepts, the portable kernel the others.
                let kernels = kernel.needsPairBoundedWeights ? [kernel, Kernel.all.last!] : [kernel]
                for threads in 1...3 {
                    let network = try Int8Network(blob: blob, kernels: kernels, threads: threads)
                    if pairBounded { #expect(network.layerKernels.compactMap { $0 }.first == kernel) }
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
        let network = try Int8Network(blob: blob, kernels: Kernel.runnable, threads: 2)
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
        let general = runnable.first { !$0.needsPairBoundedWeights }!
        let network = try Int8Network(blob: flagged, kernels: runnable, threads: 1)
        for (layer, kernel) in zip(flagged.layers, network.layerKernels) {
            switch layer.kind {
            case .convolution: #expect(layer.pairBounded && kernel == runnable[0], "\(layer.name)")
            case .linear, .logits: #expect(!layer.pairBounded && kernel == general, "\(layer.name)")
            default: #expect(kernel == nil)
            }
        }
        let plainNetwork = try Int8Network(blob: plain, kernels: runnable, threads: 1)
        #expect(plainNetwork.layerKernels.compactMap { $0 }.allSatisfy { $0 == general })
        #expect(plainNetwork.kernelSummary == general.name)
        if let pairKernel = runnable.first(where: \.needsPairBoundedWeights) {
            #expect(network.kernelSummary == "\(pairKernel.name)+\(general.name)")
            #expect(throws: RuntimeError.self) { try Int8Network(blob: plain, kernels: [pairKernel], threads: 1) }
        } else {
            print("no pair-bounded kernel runs on this CPU: per-layer choice checked with general kernels only")
        }
    }

    @Test func badSettingsAreErrors() throws {
        let blob = try BlobFile(bytes: try BlobWriter.encode(Self.model(seed: 1, averagePool: true)), name: "test.vq8")
        #expect(throws: RuntimeError.self) { try Int8Network(blob: blob, kernel: Kernel.all.last!, threads: 0) }
        #expect(throws: RuntimeError.self) { try Int8Network(blob: blob, kernel: Kernel.all.last!, threads: 100_000) }
    }
}
