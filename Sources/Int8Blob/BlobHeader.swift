/// The 128-byte header at offset 0 (Docs/BlobFormat.md, "Header"): what the file is, how long
/// it is, its two checksums, and where its five sections lie.
struct BlobHeader: Equatable {
    static let metadataChecksumOffset = 24
    static let dataChecksumOffset = 32
    /// The metadata checksum covers `[metadataChecksumStart, data.offset)`: everything after the
    /// metadata checksum field up to the data section, including the data checksum field.
    static let metadataChecksumStart = 32

    var formatVersion: UInt32 = BlobFormat.version
    var fileByteCount: UInt64
    var metadataChecksum: UInt64 = 0
    var dataChecksum: UInt64 = 0
    var headerByteCount = UInt32(BlobFormat.headerByteCount)
    var reserved: UInt32 = 0
    var model: ByteRange
    var layerTable: ByteRange
    var labels: ByteRange
    var strings: ByteRange
    var data: ByteRange

    /// The sections in file order, with their names for messages.
    var sections: [(name: String, range: ByteRange)] {
        [("model", model), ("layer table", layerTable), ("labels", labels), ("strings", strings), ("data", data)]
    }

    init(fileByteCount: UInt64, model: ByteRange, layerTable: ByteRange, labels: ByteRange, strings: ByteRange,
         data: ByteRange) {
        self.fileByteCount = fileByteCount
        self.model = model
        self.layerTable = layerTable
        self.labels = labels
        self.strings = strings
        self.data = data
    }

    func write(to writer: inout LittleEndianWriter) {
        BlobFormat.magic.withUnsafeBytes { writer.append($0) }
        writer.append(BlobFormat.byteOrderMarker)
        writer.append(formatVersion)
        writer.append(fileByteCount)
        writer.append(metadataChecksum)
        writer.append(dataChecksum)
        writer.append(headerByteCount)
        writer.append(reserved)
        for section in sections {
            section.range.write(to: &writer)
        }
    }

    /// Reads and checks the header of `bytes`, the whole file (checks 1-12 of
    /// Docs/BlobFormat.md, "What the reader checks"): magic, byte order, length, version,
    /// header size, sections inside the file, the metadata checksum, the reserved field, and
    /// the sections' placement.
    init(validating bytes: UnsafeRawBufferPointer) throws(BlobProblem) {
        // The first 24 bytes (magic, byte-order marker, version, file byteCount) mean the same
        // in every format version, so a truncated or foreign file is named before anything else.
        guard bytes.count >= 24 else {
            let known = min(bytes.count, BlobFormat.magic.count)
            guard bytes.prefix(known).elementsEqual(BlobFormat.magic.prefix(known)) else {
                throw BlobProblem("not a VGG int8 blob (bad magic)")
            }
            throw BlobProblem("truncated: file has \(bytes.count) bytes, a blob header has \(BlobFormat.headerByteCount)")
        }
        guard bytes.prefix(8).elementsEqual(BlobFormat.magic) else { throw BlobProblem("not a VGG int8 blob (bad magic)") }
        var reader = LittleEndianReader(bytes, at: 8)
        let marker = reader.u32()
        guard marker == BlobFormat.byteOrderMarker else {
            throw BlobProblem("bad byte-order marker \(Self.hex32(marker)) (expected \(Self.hex32(BlobFormat.byteOrderMarker))): not a little-endian blob")
        }
        formatVersion = reader.u32()
        fileByteCount = reader.u64()
        guard fileByteCount <= UInt64(bytes.count) else {
            throw BlobProblem("truncated: header says \(fileByteCount) bytes, file has \(bytes.count)")
        }
        guard fileByteCount == UInt64(bytes.count) else {
            throw BlobProblem("file has \(bytes.count) bytes, header says \(fileByteCount) (extra bytes at the end)")
        }
        guard formatVersion <= BlobFormat.version else {
            throw BlobProblem("blob format version \(formatVersion) is newer than this reader (\(BlobFormat.version))")
        }
        guard formatVersion >= BlobFormat.firstVersion else {
            throw BlobProblem("blob format version \(formatVersion) does not exist (this reader reads \(BlobFormat.firstVersion)...\(BlobFormat.version))")
        }
        guard bytes.count >= BlobFormat.headerByteCount else {
            throw BlobProblem("header says the file has \(bytes.count) bytes, fewer than the \(BlobFormat.headerByteCount)-byte header")
        }
        metadataChecksum = reader.u64()
        dataChecksum = reader.u64()
        headerByteCount = reader.u32()
        reserved = reader.u32()
        model = ByteRange(reading: &reader)
        layerTable = ByteRange(reading: &reader)
        labels = ByteRange(reading: &reader)
        strings = ByteRange(reading: &reader)
        data = ByteRange(reading: &reader)
        guard headerByteCount == BlobFormat.headerByteCount else {
            throw BlobProblem("header byteCount is \(headerByteCount), format version \(formatVersion) has \(BlobFormat.headerByteCount)")
        }
        for section in sections where !section.range.lies(within: BlobFormat.headerByteCount, bytes.count) {
            throw BlobProblem("\(section.name) section \(section.range.text) lies outside the file (after the header, before \(BlobFormat.hex(bytes.count)))")
        }
        let metadata = UnsafeRawBufferPointer(rebasing: bytes[Self.metadataChecksumStart ..< data.start])
        guard XXH64.hash(metadata) == metadataChecksum else { throw BlobProblem("checksum mismatch in header and tables") }
        guard reserved == 0 else { throw BlobProblem("header reserved field is \(reserved), must be 0") }
        var expectedOffset = BlobFormat.headerByteCount
        for section in sections {
            guard section.range.start == BlobFormat.alignedOffset(expectedOffset) else {
                throw BlobProblem("\(section.name) section starts at \(BlobFormat.hex(section.range.offset)), expected \(BlobFormat.hex(BlobFormat.alignedOffset(expectedOffset))) (sections follow each other in order, each at the next multiple of 64)")
            }
            expectedOffset = section.range.end
        }
        guard data.end == bytes.count, bytes.count % BlobFormat.alignment == 0 else {
            throw BlobProblem("data section ends at \(BlobFormat.hex(data.end)), the file at \(BlobFormat.hex(bytes.count)) (the data section runs to the end of the file, a multiple of 64 bytes)")
        }
    }

    /// Whether the data section of `bytes` (a file whose header validated) hashes to `dataChecksum`.
    func dataChecksumMatches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[data.start ..< data.end])) == dataChecksum
    }

    private static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
