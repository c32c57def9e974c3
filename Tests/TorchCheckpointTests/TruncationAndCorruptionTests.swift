import Foundation
import Testing
import TestSupport

@testable import TorchCheckpoint

/// Cut or scrambled checkpoints throw (or, for a harmless change, load); they never crash.
@Suite struct TruncationAndCorruptionTests {
    static let validFiles = ["tiny.pth", "tiny_zip64.pth", "tiny_legacy.pth", "tiny.safetensors", "tiny_2017.pth"]

    @Test(arguments: validFiles)
    func everyTruncationThrows(file: String) throws {
        let bytes = try Data(contentsOf: FixtureFiles.url(file))
        let directory = try FixtureFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(file)
        try bytes.write(to: url)
        for length in (0..<bytes.count).reversed() {
            #expect(truncate(url.path, off_t(length)) == 0)
            #expect(loadError(url) != nil, "\(file) cut to \(length) bytes loaded")
        }
    }

    /// A safetensors header key holding a byte that is not UTF-8, or a raw control character
    /// (inside "format"): one clear error. (Swift 6.0.3's Foundation traps on both instead of
    /// throwing; the random test below found them, VGG_TEST_SEED=11165416238297211625.)
    @Test(arguments: [(UInt8(0xFF), "safetensors header: JSON text is not valid UTF-8"),
                      (UInt8(0x1C), "safetensors header: JSON string at byte 17 holds control character 0x1C at byte 19")])
    func safetensorsHeaderStringsFoundationTrapsOn(byte: UInt8, message: String) throws {
        var bytes = [UInt8](try Data(contentsOf: FixtureFiles.url("tiny.safetensors")))
        let format = Array("\"format\"".utf8)
        let at = try #require((8..<bytes.count - format.count).first { Array(bytes[$0..<$0 + format.count]) == format })
        bytes[at + 2] = byte
        let directory = try FixtureFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad-string.safetensors")
        try Data(bytes).write(to: url)
        #expect(loadError(url)?.hasSuffix(message) == true, "\(loadError(url) ?? "loaded")")
    }

    /// Random byte changes at a seed printed by the test; set VGG_TEST_SEED to reproduce a run.
    @Test func randomByteChangesNeverCrash() throws {
        var generator = SplitMix64(seed: testSeed("randomByteChangesNeverCrash"))
        let directory = try FixtureFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in Self.validFiles {
            let original = [UInt8](try Data(contentsOf: FixtureFiles.url(file)))
            let url = directory.appendingPathComponent(file)
            for _ in 0..<500 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                try Data(bytes).write(to: url)
                do {
                    let checkpoint = try Checkpoint.load(contentsOf: url)
                    for tensor in checkpoint.tensors where tensor.dtype.isFloatingPoint {
                        #expect(try checkpoint.floats(tensor.name).count == tensor.elementCount)
                    }
                } catch {
                    #expect(!error.description.contains("\n"))
                }
            }
        }
    }
}
