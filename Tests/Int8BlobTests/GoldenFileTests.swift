import Foundation
import QuantCore
import Testing
@testable import Int8Blob

/// The committed golden blob and its dump: a format change shows up in review as a changed
/// fixture. After a deliberate change (and a version bump, Docs/BlobFormat.md), regenerate with
///
///     UPDATE_GOLDEN=1 swift test --filter Int8BlobTests.GoldenFileTests
///
/// and commit Tests/Fixtures/blob/tiny.vq8 and tiny.inspect.txt with the change.
@Suite(.serialized) struct GoldenFileTests {
    static let blobURL = BlobBytes.fixtures.appendingPathComponent("tiny.vq8")
    static let dumpURL = BlobBytes.fixtures.appendingPathComponent("tiny.inspect.txt")
    static let updating = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"

    @Test func encodingReproducesTheGoldenBlob() throws {
        let bytes = try BlobWriter.encode(TinyModel.make(seed: TinyModel.goldenSeed))
        if Self.updating {
            try Data(bytes).write(to: Self.blobURL)
        }
        let golden = [UInt8](try Data(contentsOf: Self.blobURL))
        #expect(bytes.count == golden.count)
        let firstDifference = zip(bytes, golden).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "first differing byte at \(firstDifference.map { BlobFormat.hex($0) } ?? "-")")
    }

    @Test func inspectDumpMatchesTheGoldenText() throws {
        let text = try BlobFile(path: Self.blobURL.path).inspectText()
        if Self.updating {
            try text.write(to: Self.dumpURL, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: Self.dumpURL, encoding: .utf8)
        #expect(text == golden)
    }

    @Test func goldenBlobDecodesToTheModel() throws {
        #expect(try BlobFile(path: Self.blobURL.path).model() == TinyModel.make(seed: TinyModel.goldenSeed))
    }

    /// The byte offsets Docs/BlobFormat.md documents, read from the golden file.
    @Test func documentedLayout() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.blobURL))
        #expect(Array(bytes[0 ..< 8]) == Array("VGGINT8\0".utf8))
        #expect(Array(bytes[8 ..< 12]) == [0x04, 0x03, 0x02, 0x01])
        #expect(BlobBytes.u32(bytes, at: 12) == 1)
        #expect(BlobBytes.u64(bytes, at: 16) == UInt64(bytes.count))
        #expect(BlobBytes.u64(bytes, at: 24) == XXH64.hash(Array(bytes[32 ..< BlobBytes.dataStart(bytes)])))
        #expect(BlobBytes.u64(bytes, at: 32) == XXH64.hash(Array(bytes[BlobBytes.dataStart(bytes)...])))
        #expect(BlobBytes.u32(bytes, at: 40) == 128 && BlobBytes.u32(bytes, at: 44) == 0)
        // Sections: model, layer table (6 x 136), labels (6 x 8), strings, data.
        let sections = (0 ..< 5).map { (BlobBytes.u64(bytes, at: 48 + 16 * $0), BlobBytes.u64(bytes, at: 56 + 16 * $0)) }
        #expect(sections[0] == (128, 80))
        #expect(sections[1] == (256, 6 * 136))
        #expect(sections[2] == (1088, 6 * 8))
        #expect(sections[3].0 == 1152)
        #expect(sections[4].0 == UInt64(BlobFormat.alignedOffset(Int(sections[3].0 + sections[3].1))))
        // Model record: arch is the first string, "vgg_tiny".
        #expect(BlobBytes.u32(bytes, at: 128) == 0 && BlobBytes.u32(bytes, at: 132) == 8)
        #expect(Array(bytes[1152 ..< 1160]) == Array("vgg_tiny".utf8))
        #expect(BlobBytes.u32(bytes, at: 128 + 24) == 6 && BlobBytes.u32(bytes, at: 128 + 28) == 6)
        #expect(BlobBytes.u32(bytes, at: 128 + 36) == 8 && BlobBytes.u32(bytes, at: 128 + 48) == 114)
        // Layer 0: a convolution 3->5, depth 36, packed weights first in the data section.
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 0, .kind)) == 1)
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 0, .outputs)) == 5)
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 0, .depth)) == 36)
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 0, .inputChannels)) == 3)
        #expect(BlobBytes.u64(bytes, at: BlobBytes.layerField(bytes, 0, .packedWeights)) == sections[4].0)
        #expect(BlobBytes.u64(bytes, at: BlobBytes.layerField(bytes, 0, .packedWeights) + 8) == 16 * 36)
        #expect(BlobBytes.u64(bytes, at: BlobBytes.layerField(bytes, 0, .bias)) == sections[4].0 + 576)
        // Layer 3: adaptive average pool 2x2; layer 5: logits without multipliers and shifts.
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 3, .kind)) == 3)
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 3, .poolHeight)) == 2)
        #expect(BlobBytes.u32(bytes, at: BlobBytes.layerField(bytes, 5, .kind)) == 5)
        #expect(BlobBytes.u64(bytes, at: BlobBytes.layerField(bytes, 5, .shifts) + 8) == 0)
    }
}
