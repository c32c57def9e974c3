import Foundation
import NPY
import Testing
import TorchCheckpoint
import VGGModel
@testable import FloatEngine

/// The fixtures of Scripts/fixtures/models.py: reduced-width models of all 8 archs with
/// PyTorch's logits for three batches (64x64, 224x224, 100x132 inputs).
struct ModelFixtures {
    struct Manifest: Decodable {
        struct Batch: Decodable { var name: String; var shape: [Int] }
        struct Model: Decodable { var arch: String; var files: [String: String]; var logits: [String: String] }
        var seed: Int
        var batches: [Batch]
        var models: [Model]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    static let manifest: Manifest = {
        let data = FileManager.default.contents(atPath: directory.appendingPathComponent("manifest.json").path)!
        return try! JSONDecoder().decode(Manifest.self, from: data)
    }()

    static func array(_ name: String) throws -> NPYArray {
        try NPYArray(path: directory.appendingPathComponent(name).path)
    }

    static func input(_ batch: String) throws -> FloatTensor {
        let array = try array("\(batch).input.npy")
        return FloatTensor(shape: array.shape, values: try array.floats())
    }

    /// (arch, container) pairs: every arch's zip file plus the legacy and safetensors copies.
    static var checkpoints: [(String, String)] {
        manifest.models.flatMap { model in model.files.keys.sorted().map { (model.arch, $0) } }
    }
}

/// max |ours - torch| <= 1e-4 * max |torch| for every arch, container, batch and thread count.
@Test(arguments: ModelFixtures.checkpoints)
func logitsMatchPyTorch(arch: String, container: String) throws {
    let model = ModelFixtures.manifest.models.first { $0.arch == arch }!
    let file = ModelFixtures.directory.appendingPathComponent(model.files[container]!)
    let network = try VGGNetwork(arch: VGGArch(rawValue: arch)!, weights: Checkpoint.load(contentsOf: file))
    for batch in ModelFixtures.manifest.batches {
        let expected = try ModelFixtures.array(model.logits[batch.name]!).floats()
        for threads in [1, 2] {
            let logits = try FloatEngine(network: network, threads: threads).run(ModelFixtures.input(batch.name))
            #expect(logits.shape == [batch.shape[0], network.classCount])
            let scale = expected.map(abs).max()!
            let worst = zip(logits.values, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4 * scale,
                    "\(arch) \(container) \(batch.name) threads \(threads): max diff \(worst), max logit \(scale)")
        }
    }
}

@Test func observerSeesEveryLayerInOrder() throws {
    let file = ModelFixtures.directory.appendingPathComponent("vgg11_bn.pth")
    let network = try VGGNetwork(arch: nil, weights: Checkpoint.load(contentsOf: file))
    var seen: [String] = []
    var shapes: [String: [Int]] = [:]
    _ = try FloatEngine(network: network).run(ModelFixtures.input("batch64")) { name, tensor in
        seen.append(name)
        shapes[name] = tensor.shape
    }
    #expect(seen == network.layers.map(\.name))
    #expect(shapes["avgpool"] == [2, network.convolutionWidths.last!, 7, 7])
    #expect(shapes["features.0"] == [2, network.convolutionWidths[0], 64, 64])
}

@Test func inputsTooSmallOrWithWrongChannelsAreRefused() throws {
    let network = try VGGNetwork(arch: nil, weights: Checkpoint.load(
        contentsOf: ModelFixtures.directory.appendingPathComponent("vgg11.pth")))
    let engine = FloatEngine(network: network)
    #expect(throws: ModelError.self) { try engine.run(FloatTensor(zeros: [1, 3, 31, 64])) }
    #expect(throws: ModelError.self) { try engine.run(FloatTensor(zeros: [1, 1, 64, 64])) }
}
