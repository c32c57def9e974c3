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
