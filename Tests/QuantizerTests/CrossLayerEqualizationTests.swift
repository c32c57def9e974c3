import FloatEngine
import Foundation
import NPY
import Testing
import TorchCheckpoint
import VGGModel
@testable import Quantizer

/// `CrossLayerEqualization` keeps the network's function and equalizes the ranges it pairs.
@Suite struct CrossLayerEqualizationTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    /// Same logits (within float rounding) on the 64x64 fixture batch, for a plain and a
    /// BatchNorm arch (the fused graph: flatten in NHWC order, identity pool removed).
    @Test(arguments: ["vgg11", "vgg16_bn"])
    func theFunctionIsKept(arch: String) throws {
        let array = try NPYArray(path: Self.models.appendingPathComponent("batch64.input.npy").path)
        let x = FloatTensor(shape: array.shape, values: try array.floats())
        let network = try VGGNetwork(arch: VGGArch(rawValue: arch)!, weights: Checkpoint.load(contentsOf: Self.models.appendingPathComponent("\(arch).pth")))
            .applying(GraphPass.int8Preparation, input: .init(height: 64, width: 64))
        let equalized = CrossLayerEqualization.equalized(network)
        let before = try FloatEngine(network: network).run(x).values, after = try FloatEngine(network: equalized).run(x).values
        let scale = before.map(abs).max()!
        let worst = zip(before, after).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * scale, "\(arch): max diff \(worst), max logit \(scale)")
        #expect(network.layers.map(\.name) == equalized.layers.map(\.name))
    }

    /// After the passes, the first two convolutions' ranges per channel meet: the first's output
    /// channel c and the second's weights reading c have the same largest |weight| (within 2%).
    @Test func rangesMeet() throws {
        let network = try VGGNetwork(arch: .vgg11, weights: Checkpoint.load(contentsOf: Self.models.appendingPathComponent("vgg11.pth")))
            .applying(GraphPass.int8Preparation, input: .init(height: 64, width: 64))
        let equalized = CrossLayerEqualization.equalized(network, passes: 30)
        let convs = equalized.layers.compactMap { named -> Convolution? in
            if case .conv(let conv) = named.layer { return conv } else { return nil }
        }
        let (first, second) = (convs[0], convs[1])
        for c in 0..<first.outChannels {
            let r1 = first.weightOIHW[c * first.inChannels * 9 ..< (c + 1) * first.inChannels * 9].map(abs).max()!
            var r2: Float = 0
            for o in 0..<second.outChannels {
                for tap in 0..<9 { r2 = max(r2, abs(second.weightOIHW[(o * second.inChannels + c) * 9 + tap])) }
            }
            #expect(abs(r1 - r2) <= 0.02 * max(r1, r2), "channel \(c): \(r1) vs \(r2)")
        }
    }
}
