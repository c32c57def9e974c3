import TestSupport
import Foundation
import Testing

@testable import TorchCheckpoint

/// Valid checkpoints load with exactly the values torch saved.
@Suite struct LoadTests {
    @Test(arguments: [
        ("tiny.pth", CheckpointFormat.torchZip),
        ("tiny_zip64.pth", CheckpointFormat.torchZip),
        ("tiny_legacy.pth", CheckpointFormat.torchLegacy),
        ("tiny.safetensors", CheckpointFormat.safetensors),
    ])
    func valuesEqualTorchs(file: String, format: CheckpointFormat) throws {
        let checkpoint = try Checkpoint.load(contentsOf: FixtureFiles.url(file))
        #expect(checkpoint.format == format)
        try expectTensors(of: checkpoint, equal: try FixtureFiles.expected().tiny, inOrder: format != .safetensors)
    }

    @Test func pytorch2017LegacyFormWithCudaStoragesAndAStorageView() throws {
        let checkpoint = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny_2017.pth"))
        #expect(checkpoint.format == .torchLegacy)
        try expectTensors(of: checkpoint, equal: try FixtureFiles.expected().tiny_2017, inOrder: true)
    }

    @Test func viewsShareOneStorageWithTheirOwnStrides() throws {
        for file in ["tiny.pth", "tiny_legacy.pth"] {
            let checkpoint = try Checkpoint.load(contentsOf: FixtureFiles.url(file))
            let transposed = try #require(checkpoint.info("views.transposed"))
            let slice = try #require(checkpoint.info("views.slice"))
            #expect(transposed.shape == [6, 5] && transposed.strides == [1, 6] && !transposed.isContiguous)
            #expect(slice.shape == [3, 3] && slice.strides == [6, 1] && slice.storageOffset == 8 && !slice.isContiguous)
            #expect(transposed.storageByteRange == slice.storageByteRange)
        }
        // safetensors stores contiguous copies.
        let safetensors = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny.safetensors"))
        #expect(try #require(safetensors.info("views.transposed")).isContiguous)
    }

    @Test func dtypesAndShapes() throws {
        let checkpoint = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny.pth"))
        #expect(checkpoint.info("features.0.weight")?.shape == [4, 3, 3, 3])
        #expect(checkpoint.info("features.1.num_batches_tracked")?.dtype == .int64)
        #expect(checkpoint.info("features.1.num_batches_tracked")?.shape == [])
        #expect(checkpoint.info("dtypes.half")?.dtype == .float16)
        #expect(checkpoint.info("dtypes.bfloat16")?.dtype == .bfloat16)
        #expect(checkpoint.info("dtypes.double")?.dtype == .float64)
        #expect(checkpoint.info("dtypes.scalar")?.elementCount == 1)
        #expect(checkpoint.info("no.such.tensor") == nil)
    }

    @Test func floatsRefusesIntegerTensorsAndUnknownNames() throws {
        let checkpoint = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny.pth"))
        let integer = expectThrows(CheckpointError.self) { try checkpoint.floats("features.1.num_batches_tracked") }
        #expect(integer?.problem.contains("holds int64 elements") == true)
        let unknown = expectThrows(CheckpointError.self) { try checkpoint.floats("missing") }
        #expect(unknown?.description.hasSuffix("tiny.pth: no tensor named 'missing'") == true)
    }

    /// Training checkpoints give the model's state_dict: under 'state_dict' next to an SGD
    /// optimizer's int-keyed state and a tensor metric, under 'model' next to Adam's, and a
    /// DataParallel model's 'module.' keys without the prefix, in every container.
    @Test(arguments: [("train_imagenet.pth", true), ("train_model.pth", true), ("dataparallel.pth", true),
                      ("dataparallel.safetensors", false)])
    func trainingCheckpointsGiveTheModelsStateDict(file: String, inOrder: Bool) throws {
        let checkpoint = try Checkpoint.load(contentsOf: FixtureFiles.url(file))
        try expectTensors(of: checkpoint, equal: try FixtureFiles.expected().trained, inOrder: inOrder)
    }

    /// A whole pickled model (torch.save(model)) is refused before anything runs, with how to
    /// re-save its weights; a dict of other things names what it lacks.
    @Test func wholeModelsAndOtherDictsAreRefusedWithAHint() {
        let whole = loadError(FixtureFiles.url("whole_model.pth"))
        #expect(whole?.contains("refusing to load: the pickle names the global '__main__.Tiny'") == true, "\(whole ?? "loaded")")
        #expect(whole?.contains("torch.save(model.state_dict(), 'weights.pth')") == true, "\(whole ?? "loaded")")
        let other = loadError(FixtureFiles.url("training_checkpoint.pth"))
        #expect(other?.contains("entry 'epoch' is an int, not a tensor; expected a state_dict (a dict of tensors) or a "
                                + "training checkpoint with one under 'state_dict', 'model_state_dict', 'model', 'net'") == true,
                "\(other ?? "loaded")")
    }

    @Test func wrapperPrefixesGoOnlyWhenEveryKeyHasThem() throws {
        let names = { (tensors: [TensorInfo]) in tensors.map(\.name) }
        let tiny = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny.pth")).tensors
        let prefixed = tiny.map { $0.renamed("_orig_mod.module." + $0.name) }
        #expect(names(Checkpoint.unwrapped(prefixed)) == names(tiny))
        let mixed = [tiny[0].renamed("module.a")] + tiny.dropFirst().map { $0 }
        #expect(names(Checkpoint.unwrapped(mixed)) == names(mixed))
        #expect(Checkpoint.unwrapped([]).isEmpty)
    }

    /// Compares names, dtypes, shapes and every value's bit pattern with torch's.
    private func expectTensors(of checkpoint: Checkpoint, equal expected: [FixtureFiles.ExpectedTensor], inOrder: Bool) throws {
        let names = checkpoint.tensors.map(\.name)
        #expect(inOrder ? names == expected.map(\.name) : Set(names) == Set(expected.map(\.name)))
        for tensor in expected {
            let info = try #require(checkpoint.info(tensor.name), "\(tensor.name)")
            #expect(info.dtype.rawValue == tensor.dtype, "\(tensor.name)")
            #expect(info.shape == tensor.shape, "\(tensor.name)")
            if let bits = tensor.floatBits {
                #expect(try checkpoint.floats(tensor.name).map(\.bitPattern) == bits, "\(tensor.name)")
            } else {
                #expect(!info.dtype.isFloatingPoint && tensor.intValues?.count == info.elementCount, "\(tensor.name)")
            }
        }
    }
}
