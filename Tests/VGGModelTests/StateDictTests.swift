import TestSupport
import Testing
@testable import VGGModel

@Test(arguments: VGGArch.allCases)
func archIsInferredFromTheKeyStructure(arch: VGGArch) throws {
    let network = try VGGNetwork(arch: nil, weights: FakeWeights(arch: arch))
    #expect(network.arch == arch)
    #expect(network.convolutionWidths.count == arch.convolutionCount)
    #expect(network.classCount == 10)
    #expect(network.hiddenFeatures == [32, 32])
}

@Test(arguments: VGGArch.allCases)
func graphMirrorsTorchvisionModules(arch: VGGArch) throws {
    let network = try VGGNetwork(arch: arch, weights: FakeWeights(arch: arch))
    let names = network.layers.map(\.name)
    let features = arch.featureModules.indices.map { "features.\($0)" }
    #expect(names == features + ["avgpool", "flatten"] + (0...6).map { "classifier.\($0)" })
    // Widths: torchvision's divided by 16.
    let expected = arch.stages.compactMap { stage -> Int? in
        if case .conv(let width) = stage { return width / 16 }
        return nil
    }
    #expect(network.convolutionWidths == expected)
}

@Test func weightsGoWhereTheKeysSay() throws {
    let network = try VGGNetwork(arch: .vgg11_bn, weights: FakeWeights(arch: .vgg11_bn))
    guard case .conv(let conv) = network.layers[0].layer, case .batchNorm(let bn) = network.layers[1].layer,
          case .linear(let fc) = network.layers.last!.layer
    else {
        Issue.record("unexpected layer kinds")
        return
    }
    #expect(conv.weightOIHW.count == 4 * 3 * 9 && conv.weightOIHW[5] == 5)
    #expect(bn.runningVariance == (0..<4).map(Float.init))
    #expect(fc.outFeatures == 10 && fc.inFeatures == 32)
}

@Test func dataParallelPrefixIsAccepted() throws {
    let network = try VGGNetwork(arch: .vgg13, weights: FakeWeights(arch: .vgg13, prefix: "module."))
    #expect(network.arch == .vgg13)
}

@Test func missingNumBatchesTrackedIsFine() throws {
    let weights = FakeWeights(arch: .vgg11_bn).removing("features.1.num_batches_tracked")
    #expect(try VGGNetwork(arch: .vgg11_bn, weights: weights).arch == .vgg11_bn)
}

@Test func wrongArchNamesTheFirstOffendingKeyAndTheArchThatFits() {
    let error = expectThrows(ModelError.self) {
        try VGGNetwork(arch: .vgg16_bn, weights: FakeWeights(arch: .vgg16))
    }
    let text = error?.description ?? ""
    #expect(text.hasPrefix("fake.pth: not vgg16_bn weights:"), "\(text)")
    // vgg16_bn has its first BatchNorm at features.1; vgg16 has none there.
    #expect(text.contains("features.1.weight"), "\(text)")
    #expect(text.contains("(the weights fit vgg16)"), "\(text)")
}

@Test func shapeMismatchNamesKeyAndBothShapes() {
    let weights = FakeWeights(arch: .vgg11).replacing("features.3.weight", with: [8, 5, 3, 3])
    let error = expectThrows(ModelError.self) { try VGGNetwork(arch: .vgg11, weights: weights) }
    #expect(error?.description.contains("key features.3.weight has shape [8, 5, 3, 3], expected [8, 4, 3, 3]") == true,
            "\(error?.description ?? "")")
}

@Test func classifierInputMustBeLastWidthTimes49() {
    let weights = FakeWeights(arch: .vgg19).replacing("classifier.0.weight", with: [32, 1000])
    let error = expectThrows(ModelError.self) { try VGGNetwork(arch: .vgg19, weights: weights) }
    #expect(error?.description.contains("classifier.0.weight has shape [32, 1000], expected [32, 1568]") == true,
            "\(error?.description ?? "")")
}

@Test func missingAndUnexpectedKeysAreNamed() {
    let missing = FakeWeights(arch: .vgg13).removing("classifier.6.bias")
    let error = expectThrows(ModelError.self) { try VGGNetwork(arch: .vgg13, weights: missing) }
    #expect(error?.description.contains("missing key classifier.6.bias (expected shape [10])") == true,
            "\(error?.description ?? "")")

    var extra = FakeWeights(arch: .vgg13)
    extra.tensorShapes.append(("classifier.9.weight", [2, 2]))
    let error2 = expectThrows(ModelError.self) { try VGGNetwork(arch: .vgg13, weights: extra) }
    #expect(error2?.description.contains("unexpected key classifier.9.weight with shape [2, 2]") == true)
}

@Test func somethingElseEntirelyFitsNoArch() {
    var weights = FakeWeights(arch: .vgg11)
    weights.tensorShapes = [("fc.weight", [10, 512]), ("fc.bias", [10])]
    let error = expectThrows(ModelError.self) { try VGGNetwork(arch: nil, weights: weights) }
    #expect(error?.description.contains("not a torchvision VGG state_dict") == true)
}
