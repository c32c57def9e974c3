import Foundation
@testable import Int8Blob

/// Helpers that read, patch and re-checksum blob bytes, to craft hostile files.
enum BlobBytes {
    /// Tests/Fixtures/blob.
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/blob", isDirectory: true)

    /// Header field offsets (Docs/BlobFormat.md, "Header").
    static let layerTableSectionOffset = 64
    static let labelsSectionOffset = 80
    static let stringsSectionOffset = 96
    static let dataSectionOffset = 112

    /// Layer record field offsets (Docs/BlobFormat.md, "Layer record").
    enum Field: Int {
        case kind = 0, weightFlags = 4, nameOffset = 8, nameByteCount = 12, outputs = 16, depth = 20, inputChannels = 24
        case poolHeight = 28, poolWidth = 32, inputScale = 36, inputZeroPoint = 40, outputScale = 44
        case outputZeroPoint = 48, groupSize = 52, packedWeights = 56, bias = 72, weightScales = 88
        case multipliers = 104, shifts = 120
    }

    static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    static func u64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    static func set(_ bytes: inout [UInt8], u32 value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset ..< offset + 4, with: $0) }
    }

    static func set(_ bytes: inout [UInt8], u64 value: UInt64, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset ..< offset + 8, with: $0) }
    }

    /// File offset of field `field` of layer `index`.
    static func layerField(_ bytes: [UInt8], _ index: Int, _ field: Field) -> Int {
        Int(u64(bytes, at: layerTableSectionOffset)) + index * LayerRecord.encodedByteCount + field.rawValue
    }

    static func dataStart(_ bytes: [UInt8]) -> Int {
        Int(u64(bytes, at: dataSectionOffset))
    }

    /// Recomputes both checksums, so only the structural checks can catch a change.
    static func reseal(_ bytes: inout [UInt8]) {
        let dataStart = min(dataStart(bytes), bytes.count)
        set(&bytes, u64: XXH64.hash(Array(bytes[dataStart...])), at: 32)
        set(&bytes, u64: XXH64.hash(Array(bytes[32 ..< dataStart])), at: 24)
    }

    /// The problem `BlobFile(bytes:)` reports, or nil when the bytes open.
    static func problem(_ bytes: [UInt8], verifyData: Bool = true) -> String? {
        do {
            let blob = try BlobFile(bytes: bytes, name: "model.vq8", verifyData: verifyData)
            _ = blob.model()
            return nil
        } catch {
            return error.problem
        }
    }
}
