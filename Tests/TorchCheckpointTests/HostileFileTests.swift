import Foundation
import Testing

@testable import TorchCheckpoint

/// Every hostile or broken fixture gives a one-line `CheckpointError` naming the file.
@Suite struct HostileFileTests {
    @Test(arguments: [
        ("evil_zip.pth", "refusing to load: the pickle names the global 'posix.system', which is not on the allow-list"),
        ("evil_legacy.pth", "refusing to load: the pickle names the global 'posix.system', which is not on the allow-list"),
        ("zip_bad_offset.pth", "local header offset 2147483632 is not before the central directory"),
        ("zip_compressed.pth", "is compressed (method 8)"),
        ("zip_big_endian.pth", "byteorder record says 'big'; only little-endian checkpoints are supported"),
        ("legacy_truncated.pth", "truncated legacy checkpoint: storage '9' needs 120 bytes at offset 2541, file ends at 2651"),
        ("safetensors_bad_offsets.safetensors", "outside the"),
        ("random.bin", "not a PyTorch or safetensors checkpoint (first bytes "),
        ("empty.pth", "file is empty"),
        ("old_tar.pth", "PyTorch's tar checkpoint format (before 0.1.10), which is not supported"),
        ("training_checkpoint.pth", "entry 'epoch' is an int, not a tensor"),
        ("does-not-exist.pth", "file does not exist"),
    ])
    func givesAClearError(file: String, message: String) {
        let url = FixtureFiles.url(file)
        let error = loadError(url)
        #expect(error?.contains(message) == true, "\(error ?? "loaded")")
        #expect(error?.hasPrefix(url.relativePath + ": ") == true)
        #expect(error?.contains("\n") == false)
    }

    @Test func aDirectoryIsNotACheckpoint() {
        #expect(loadError(FixtureFiles.directory)?.hasSuffix(": is a directory, not a checkpoint file") == true)
    }

    @Test func errorsStayOnOneLine() {
        let error = CheckpointError(path: "a\nb.pth", problem: "names 'x\ny'")
        #expect(error.description == "a\\u{a}b.pth: names 'x\\u{a}y'")
    }
}
