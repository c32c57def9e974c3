import Foundation
import Testing

@testable import TorchCheckpoint

/// SHA-256 and torch.hub's file-name hash rule.
@Suite struct FileHashTests {
    @Test func sha256OfKnownContent() throws {
        let directory = try FixtureFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let abc = directory.appendingPathComponent("abc")
        try Data("abc".utf8).write(to: abc)
        #expect(try FileHash.sha256Hex(of: abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let empty = directory.appendingPathComponent("empty")
        try Data().write(to: empty)
        #expect(try FileHash.sha256Hex(of: empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(throws: CheckpointError.self) { try FileHash.sha256Hex(of: directory.appendingPathComponent("missing")) }
    }

    @Test(arguments: [
        ("vgg16_bn-6c64b313.pth", "6c64b313"),
        ("vgg16-397923af.pth", "397923af"),
        ("resnet-50-abc.pth", "abc"),  // The first '-' is followed by "50-", not "<hex>."
        ("tiny-deadbeef.tar.gz", "deadbeef"),
        ("model.pth", nil),
        ("model-final.pth", nil),
        ("x-.pth", nil),  // torch.hub matches an empty prefix, which every digest starts with.
        ("vgg-DEADBEEF.pth", nil),  // Upper case is not in [a-f0-9].
        ("vgg-abc", nil),
    ] as [(String, String?)])
    func expectedPrefixFollowsTorchHubsRegex(fileName: String, prefix: String?) {
        #expect(FileHash.expectedPrefix(inFileName: fileName) == prefix)
    }

    @Test func hashCheckPassesForTheRightNameAndFailsForAWrongOne() throws {
        let named = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny-e61b2248.pth"))
        let plain = try Checkpoint.load(contentsOf: FixtureFiles.url("tiny.pth"))
        #expect(named.tensors == plain.tensors)
        #expect(try FileHash.sha256Hex(of: FixtureFiles.url("tiny.pth")).hasPrefix("e61b2248"))

        let error = loadError(FixtureFiles.url("tiny-deadbeef.pth"))
        #expect(error?.contains("SHA-256 mismatch: the file name says the digest starts with deadbeef") == true)
        #expect(error?.contains("e61b22482230b5df19f9656bfe4d0242bd53e8e5e8fe605231b74d031bfccd45") == true)
        #expect(error?.contains("--no-verify skips this check") == true)
        #expect(loadError(FixtureFiles.url("tiny-deadbeef.pth"), verifyHash: false) == nil)
    }
}
