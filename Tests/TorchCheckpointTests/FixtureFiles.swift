import Foundation
import Testing

@testable import TorchCheckpoint

/// The committed fixtures (written by Scripts/fixtures/checkpoints.py) and the values torch
/// recorded for them.
enum FixtureFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/checkpoints", isDirectory: true)

    static func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }

    /// One tensor as torch saw it.
    struct ExpectedTensor: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        /// Bit patterns of `tensor.float()`, row-major; nil for integer tensors.
        let floatBits: [UInt32]?
        let intValues: [Int]?

        enum CodingKeys: String, CodingKey {
            case name, dtype, shape
            case floatBits = "float_bits"
            case intValues = "int_values"
        }
    }

    struct Expected: Decodable {
        let seed: Int
        /// tiny.pth, tiny_legacy.pth and tiny.safetensors, in state_dict order.
        let tiny: [ExpectedTensor]
        /// tiny_2017.pth.
        let tiny_2017: [ExpectedTensor]
        /// The Tiny model's state_dict in the training checkpoints (train_*.pth, dataparallel.*).
        let trained: [ExpectedTensor]
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url("expected.json")))
    }

    /// A fresh directory for files a test writes; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("TorchCheckpointTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The message of the `CheckpointError` that loading `url` throws, or nil when it loads.
func loadError(_ url: URL, verifyHash: Bool = true) -> String? {
    do {
        _ = try Checkpoint.load(contentsOf: url, verifyHash: verifyHash)
        return nil
    } catch {
        return error.description
    }
}
