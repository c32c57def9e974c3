import Foundation
import Testing

@testable import TorchCheckpoint

/// Files that claim sizes far beyond what they hold are refused before anything is allocated
/// for them, with one line (Docs/Security.md, "Resource limits").
@Suite struct ResourceLimitTests {
    /// A pickle declaring a 10^12-element tensor on a small storage: refused when the layout is
    /// admitted (`TensorInfo`), before `floats` could allocate.
    @Test func aTrillionElementTensorIsRefused() {
        var message: String?
        do throws(CheckpointProblem) {
            _ = try TensorInfo(name: "features.0.weight", dtype: .float32, shape: [1_000_000, 1_000_000], strides: [1_000_000, 1],
                               storageOffset: 0, storageByteRange: 64..<(64 + 4 * 1728))
        } catch {
            message = error.message
        }
        #expect(message?.hasSuffix("has 1000000000000 elements, more than the 1728 its storage holds") == true, "\(message ?? "admitted")")
    }

    /// A zip entry whose central directory claims 4 GiB in a file of a few kilobytes.
    @Test func aZipEntryClaimingAHugeSizeIsRefused() throws {
        var bytes = [UInt8](try Data(contentsOf: FixtureFiles.url("tiny.pth")))
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let header = try #require((0..<bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == signature })
        for field in [20, 24] {  // compressed and uncompressed size
            bytes.replaceSubrange(header + field..<header + field + 4, with: [0x00, 0x00, 0xFF, 0xFE])
        }
        let directory = try FixtureFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("claims-4gib.pth")
        try Data(bytes).write(to: file)
        let error = loadError(file)
        #expect(error?.contains("4278124544 bytes at offset") == true && error?.contains("run past the central directory") == true,
                "\(error ?? "loaded")")
        #expect(error?.contains("\n") == false)
    }
}
