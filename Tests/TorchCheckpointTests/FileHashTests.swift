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
        ("tiny-deadbeef.tar.gz", "deadbeef"),
        ("a-12345678-6c64b313.pth", "6c64b313"),  // The first '-' is followed by "12345678-", not "<hex>."
        // Users' own names: torch.hub's regex matches them, torchvision's 8-digit form does not.
        ("vgg11-5.pth", nil),
        ("vgg16-ft-2.pth", nil),
        ("vgg16-bad.pth", nil),
        ("resnet-50-abc.pth", nil),
        ("vgg16-397923af0.pth", nil),  // 9 digits
        ("model.pth", nil),
        ("model-final.pth", nil),
        ("x-.pth", nil),
        ("vgg-DEADBEEF.pth", nil),  // Upper case is not in [a-f0-9].
        ("vgg-abc", nil),
    ] as [(String, String?)])
    func expectedPrefixIsTorchvisionsEightHexDigits(fileName: String, prefix: String?) {
        #expect(FileHash.expectedPrefix(inFileName: fileName) == prefix)
    }

    @Test func sha256OptionTakesOneToSixtyFourHexDigits() {
        #expect(FileHash.normalizedPrefix("E61B2248") == "e61b2248")
        #expect(FileHash.normalizedPrefix(String(repeating: "a", count: 64)) == String(repeating: "a", count: 64))
        for bad in ["", "xyz", "e61b 2248", String(repeating: "a", count: 65), "0x12"] {
            #expect(FileHash.normalizedPrefix(bad) == nil, "\(bad)")
        }
    }

    /// --sha256 is checked whatever the name, --no-verify (verifyHash false) or not.
    @Test func expectedDigestIsCheckedWhateverTheName() throws {
        let plain = FixtureFiles.url("tiny.pth")
        #expect(try Checkpoint.load(contentsOf: plain, expectedSHA256: "e61b2248").tensors.count > 0)
        #expect(try Checkpoint.load(contentsOf: plain, verifyHash: false, expectedSHA256: "e61b22482230b5df").tensors.count > 0)
        for verify in [true, false] {
            var message: String?
            do throws(CheckpointError) {
                _ = try Checkpoint.load(contentsOf: plain, verifyHash: verify, expectedSHA256: "deadbeef")
            } catch {
                message = error.description
            }
            #expect(message?.contains("SHA-256 mismatch: --sha256 says the digest starts with deadbeef") == true, "\(message ?? "")")
        }
        // --sha256 replaces the name's check: the right digest loads a misnamed file
        #expect(try Checkpoint.load(contentsOf: FixtureFiles.url("tiny-deadbeef.pth"), expectedSHA256: "e61b2248").tensors.count > 0)
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
