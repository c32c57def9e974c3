import TestSupport
import Foundation
import Testing
@testable import Int8Blob

/// Damaged, cut and foreign files give a one-line `BlobError`, never a crash.
@Suite struct CorruptionTests {
    static let golden: [UInt8] = try! BlobWriter.encode(TinyModel.make(seed: TinyModel.goldenSeed))

    /// Every byte of the header and tables, flipped one at a time, is caught (by the checksum,
    /// or before it by the framing checks), with and without data verification.
    @Test func everyHeaderAndTableByteFlipIsCaught() {
        let bytes = Self.golden
        for offset in 0 ..< BlobBytes.dataStart(bytes) {
            var damaged = bytes
            damaged[offset] ^= 0x5A
            let problem = BlobBytes.problem(damaged)
            #expect(problem != nil, "flip at \(BlobFormat.hex(offset)) opened")
            #expect(BlobBytes.problem(damaged, verifyData: false) == problem)
        }
    }

    /// Every data byte flipped is a data checksum mismatch; without data verification the
    /// blob either opens (a changed weight) or fails a value check, and never crashes.
    @Test func everyDataByteFlipIsCaught() {
        let bytes = Self.golden
        var openedWithoutVerification = 0
        for offset in BlobBytes.dataStart(bytes) ..< bytes.count {
            var damaged = bytes
            damaged[offset] ^= 0x5A
            #expect(BlobBytes.problem(damaged) == "checksum mismatch in weight data", "flip at \(BlobFormat.hex(offset))")
            if BlobBytes.problem(damaged, verifyData: false) == nil {
                openedWithoutVerification += 1
            }
        }
        #expect(openedWithoutVerification > 0)
    }

    @Test func everyTruncationIsCaught() {
        let bytes = Self.golden
        for count in 0 ..< bytes.count {
            let problem = BlobBytes.problem(Array(bytes[0 ..< count]))
            let expected = count < 24
                ? "truncated: file has \(count) bytes, a blob header has 128"
                : "truncated: header says \(bytes.count) bytes, file has \(count)"
            #expect(problem == expected)
        }
    }

    @Test func extraBytesAreCaught() {
        #expect(BlobBytes.problem(Self.golden + [0]) == "file has \(Self.golden.count + 1) bytes, header says \(Self.golden.count) (extra bytes at the end)")
    }

    @Test(arguments: [
        ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("torch zip", Array("PK\u{03}\u{04}".utf8)),
        ("ELF", [0x7F, 0x45, 0x4C, 0x46]),
        ("text", Array("VGGINT9 hello".utf8)),
    ] as [(String, [UInt8])])
    func foreignFilesAreNotBlobs(kind: String, prefix: [UInt8]) {
        #expect(BlobBytes.problem(prefix) == "not a VGG int8 blob (bad magic)", "\(kind), short")
        #expect(BlobBytes.problem(prefix + Self.golden.dropFirst(prefix.count)) == "not a VGG int8 blob (bad magic)", "\(kind)")
    }

    @Test func newerAndInvalidVersions() {
        var bytes = Self.golden
        BlobBytes.set(&bytes, u32: 4, at: 12)
        #expect(BlobBytes.problem(bytes) == "blob format version 4 is newer than this reader (3)")
        BlobBytes.set(&bytes, u32: 0, at: 12)
        #expect(BlobBytes.problem(bytes) == "blob format version 0 does not exist (this reader reads 1...3)")
    }

    @Test func bigEndianMarker() {
        var bytes = Self.golden
        bytes.replaceSubrange(8 ..< 12, with: [0x01, 0x02, 0x03, 0x04])
        #expect(BlobBytes.problem(bytes) == "bad byte-order marker 0x04030201 (expected 0x01020304): not a little-endian blob")
    }

    @Test func fileByteCountMismatch() {
        var bytes = Self.golden
        BlobBytes.set(&bytes, u64: 140_123_456, at: 16)
        #expect(BlobBytes.problem(bytes) == "truncated: header says 140123456 bytes, file has \(bytes.count)")
        BlobBytes.set(&bytes, u64: 64, at: 16)
        #expect(BlobBytes.problem(bytes) == "file has \(bytes.count) bytes, header says 64 (extra bytes at the end)")
    }

    /// Random multi-byte damage at a printed seed (`VGG_TEST_SEED` reproduces a run),
    /// with and without data verification: one-line errors or a blob whose model decodes.
    @Test func randomDamageNeverCrashes() {
        var generator = SplitMix64(seed: testSeed("randomDamageNeverCrashes"))
        for _ in 0 ..< 2000 {
            var bytes = Self.golden
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &generator) {
                bytes[Int.random(in: 0 ..< bytes.count, using: &generator)] = UInt8.random(in: 0 ... 255, using: &generator)
            }
            for verifyData in [true, false] {
                if let problem = BlobBytes.problem(bytes, verifyData: verifyData) {
                    #expect(!problem.contains("\n"))
                }
            }
        }
    }
}
