import Testing
@testable import VGGModel

/// torchvision's module counts: `len(vgg16().features)` is 31, `len(vgg16_bn().features)` is 44, ...
@Test(arguments: [(VGGArch.vgg11, 21), (.vgg11_bn, 29), (.vgg13, 25), (.vgg13_bn, 35),
                  (.vgg16, 31), (.vgg16_bn, 44), (.vgg19, 37), (.vgg19_bn, 53)])
func featureModuleCountMatchesTorchvision(arch: VGGArch, count: Int) {
    #expect(arch.featureModules.count == count)
}

@Test func convolutionCountsAreTheNameMinusThreeLinearLayers() {
    for arch in VGGArch.allCases {
        let depth = Int(arch.rawValue.dropFirst(3).prefix(2))!
        #expect(arch.convolutionCount == depth - 3, "\(arch)")
        #expect(arch.stages.filter { $0 == .maxPool }.count == 5, "\(arch)")
        #expect(arch.stages.last == .maxPool)
    }
}

@Test func standardFileNamesCarryTheArchAndAnEightDigitHash() {
    for arch in VGGArch.allCases {
        let name = arch.standardFileName
        #expect(name.hasPrefix(arch.rawValue + "-"))
        let hash = name.dropFirst(arch.rawValue.count + 1).prefix(while: { $0 != "." })
        #expect(hash.count == 8 && hash.allSatisfy(\.isHexDigit), "\(name)")
    }
}
