/// The eight torchvision VGG architectures: configurations A, B, D and E of Simonyan &
/// Zisserman, each with and without BatchNorm, exactly as `torchvision.models.vgg` builds them.
public enum VGGArch: String, CaseIterable, Sendable, Codable {
    case vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

    /// One entry of a feature configuration: a 3x3 convolution (standard torchvision width)
    /// or a 2x2 max-pool.
    public enum Stage: Equatable, Sendable {
        case conv(width: Int)
        case maxPool
    }

    /// The configuration letter of the VGG paper.
    public var configuration: Character {
        switch self {
        case .vgg11, .vgg11_bn: "A"
        case .vgg13, .vgg13_bn: "B"
        case .vgg16, .vgg16_bn: "D"
        case .vgg19, .vgg19_bn: "E"
        }
    }

    public var hasBatchNorm: Bool { rawValue.hasSuffix("_bn") }

    /// The `features` stages, in torchvision's order (`cfgs` in torchvision/models/vgg.py).
    public var stages: [Stage] {
        let widths: [Int?]  // nil is a max-pool
        switch configuration {
        case "A": widths = [64, nil, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil]
        case "B": widths = [64, 64, nil, 128, 128, nil, 256, 256, nil, 512, 512, nil, 512, 512, nil]
        case "D": widths = [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil]
        default: widths = [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil,
                           512, 512, 512, 512, nil]
        }
        return widths.map { $0.map { .conv(width: $0) } ?? .maxPool }
    }

    /// Number of convolutions (8, 10, 13 or 16): the "11/13/16/19" minus the 3 linear layers.
    public var convolutionCount: Int { stages.filter { $0 != .maxPool }.count }

    /// The file name torchvision downloads into the torch hub cache; the 8 hex digits are the
    /// first digits of the file's SHA-256.
    public var standardFileName: String {
        switch self {
        case .vgg11: "vgg11-8a719046.pth"
        case .vgg13: "vgg13-19584684.pth"
        case .vgg16: "vgg16-397923af.pth"
        case .vgg19: "vgg19-dcbb9e9d.pth"
        case .vgg11_bn: "vgg11_bn-6002323d.pth"
        case .vgg13_bn: "vgg13_bn-abd245e5.pth"
        case .vgg16_bn: "vgg16_bn-6c64b313.pth"
        case .vgg19_bn: "vgg19_bn-c79401a0.pth"
        }
    }

    /// Where torchvision downloads `standardFileName` from (`model_urls` in torchvision/models/vgg.py;
    /// the `weights=` enums of torchvision 0.13 on name the same files).
    public var torchvisionURL: String { "https://download.pytorch.org/models/" + standardFileName }

    /// The index inside `features` of each layer, as torchvision numbers its `nn.Sequential`:
    /// conv, [BatchNorm], ReLU for every convolution stage; MaxPool for every pool stage.
    public var featureModules: [FeatureModule] {
        var modules: [FeatureModule] = []
        for stage in stages {
            switch stage {
            case .conv:
                modules.append(.conv)
                if hasBatchNorm { modules.append(.batchNorm) }
                modules.append(.relu)
            case .maxPool:
                modules.append(.maxPool)
            }
        }
        return modules
    }

    /// A module of torchvision's `features` sequence.
    public enum FeatureModule: Equatable, Sendable {
        case conv, batchNorm, relu, maxPool
    }
}
