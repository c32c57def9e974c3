import Foundation
import Testing
import TorchCheckpoint
import VGGModel
@testable import FloatEngine

private func network(_ arch: String) throws -> VGGNetwork {
    try VGGNetwork(arch: VGGArch(rawValue: arch)!,
                   weights: Checkpoint.load(contentsOf: ModelFixtures.directory.appendingPathComponent("\(arch).pth")))
}

private func maxRelativeDifference(_ a: FloatTensor, _ b: FloatTensor) -> Float {
    let scale = b.values.map(abs).max()!
    return zip(a.values, b.values).map { abs($0 - $1) }.max()! / scale
}

/// Every pass, alone and all together, keeps the network's function: the fused fp32 graph
/// equals torchvision's within float tolerance, for every arch and both a 7x7 map (224 input)
/// and an upsampled one (64 input).
@Test(arguments: VGGArch.allCases.map(\.rawValue))
func fusedGraphEqualsUnfusedGraph(arch: String) throws {
    let original = try network(arch)
    for batch in ["batch64", "batch224"] {
        let input = try ModelFixtures.input(batch)
        let size = GraphPass.InputSize(height: input.shape[2], width: input.shape[3])
        let reference = try FloatEngine(network: original).run(input)
        for pass in GraphPass.int8Preparation {
            let single = try FloatEngine(network: original.applying([pass], input: size)).run(input)
            #expect(maxRelativeDifference(single, reference) <= 1e-5, "\(arch) \(batch) \(pass.name)")
        }
        let fused = original.applying(GraphPass.int8Preparation, input: size)
        let all = try FloatEngine(network: fused).run(input)
        #expect(maxRelativeDifference(all, reference) <= 1e-5, "\(arch) \(batch) all passes")
    }
}

@Test func fusedGraphHasOnlyConvPoolAndLinearLayers() throws {
    let original = try network("vgg16_bn")
    let fused = original.applying(GraphPass.int8Preparation, input: .init(height: 224, width: 224))
    var kinds: [String] = []
    for layer in fused.layers {
        switch layer.layer {
        case .conv(let conv): kinds.append(conv.fusedReLU ? "conv+relu" : "conv")
        case .maxPool: kinds.append("pool")
        case .linear(let linear): kinds.append(linear.fusedReLU ? "linear+relu" : "linear")
        case .flattenChannelsLast: kinds.append("flatten-nhwc")
        default: kinds.append("other")
        }
    }
    let features = VGGArch.vgg16_bn.stages.map { $0 == .maxPool ? "pool" : "conv+relu" }
    #expect(kinds == features + ["flatten-nhwc", "linear+relu", "linear+relu", "linear"])
    // The first conv absorbed its BatchNorm and ReLU; the last pool absorbed avgpool (7x7 identity).
    #expect(fused.layers[0].name == "features.0" && fused.layers[0].fused == ["features.1", "features.2"])
    #expect(fused.layers[0].outputName == "features.2")
    #expect(fused.layers[features.count - 1].fused == ["avgpool"])
    #expect(fused.layers.last!.name == "classifier.6")
}

@Test func averagePoolStaysWhenTheMapIsNot7x7() throws {
    let fused = try network("vgg11").applying(GraphPass.int8Preparation, input: .init(height: 64, width: 64))
    #expect(fused.layers.contains { if case .adaptiveAvgPool = $0.layer { return true } else { return false } })
}

@Test func flattenPermutationMovesTheRightColumn() throws {
    // Column c*49 + p of classifier.0 (NCHW) must land at p*C + c (NHWC).
    let original = try network("vgg11")
    let moved = GraphPass.flattenChannelsLast.apply(original, input: .init(height: 224, width: 224))
    guard case .linear(let before) = original.layers.first(where: { $0.name == "classifier.0" })!.layer,
          case .linear(let after) = moved.layers.first(where: { $0.name == "classifier.0" })!.layer
    else { Issue.record("classifier.0 is not linear"); return }
    let channels = original.convolutionWidths.last!
    for (c, p) in [(0, 0), (1, 0), (0, 1), (channels - 1, 48), (3, 17)] {
        #expect(after.weight[p * channels + c] == before.weight[c * 49 + p])
        #expect(after.weight[before.inFeatures + p * channels + c] == before.weight[before.inFeatures + c * 49 + p])
    }
}
