@testable import VGGModel

/// A state_dict with torchvision's key structure for `arch`, widths scaled down by
/// `divisor`, and values that are the element index (so tests can check what went where).
struct FakeWeights: WeightSource {
    var sourceName = "fake.pth"
    var tensorShapes: [(name: String, shape: [Int])]

    init(arch: VGGArch, divisor: Int = 16, classes: Int = 10, hidden: Int = 32, prefix: String = "") {
        var shapes: [(String, [Int])] = []
        var channels = 3
        var index = 0
        for stage in arch.stages {
            switch stage {
            case .conv(let width):
                let out = width / divisor
                shapes.append(("features.\(index).weight", [out, channels, 3, 3]))
                shapes.append(("features.\(index).bias", [out]))
                if arch.hasBatchNorm {
                    index += 1
                    for field in ["weight", "bias", "running_mean", "running_var"] {
                        shapes.append(("features.\(index).\(field)", [out]))
                    }
                    shapes.append(("features.\(index).num_batches_tracked", []))
                }
                index += 2
                channels = out
            case .maxPool:
                index += 1
            }
        }
        shapes.append(("classifier.0.weight", [hidden, channels * 49]))
        shapes.append(("classifier.0.bias", [hidden]))
        shapes.append(("classifier.3.weight", [hidden, hidden]))
        shapes.append(("classifier.3.bias", [hidden]))
        shapes.append(("classifier.6.weight", [classes, hidden]))
        shapes.append(("classifier.6.bias", [classes]))
        tensorShapes = shapes.map { (prefix + $0.0, $0.1) }
    }

    func floatValues(_ name: String) throws -> [Float] {
        guard let shape = tensorShapes.first(where: { $0.name == name })?.shape else {
            throw ModelError("no tensor \(name)")
        }
        return (0..<shape.reduce(1, *)).map(Float.init)
    }

    func replacing(_ name: String, with shape: [Int]) -> FakeWeights {
        var copy = self
        copy.tensorShapes = tensorShapes.map { $0.name == name ? ($0.name, shape) : $0 }
        return copy
    }

    func removing(_ name: String) -> FakeWeights {
        var copy = self
        copy.tensorShapes.removeAll { $0.name == name }
        return copy
    }
}
