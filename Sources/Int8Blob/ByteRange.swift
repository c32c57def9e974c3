/// Where a section or an array lies in the file: an offset from the start of the file and a
/// length, both in bytes. Stored as two little-endian u64 (16 bytes).
struct ByteRange: Equatable {
    static let encodedByteCount = 16
    /// An absent array: offset 0, byteCount 0.
    static let none = ByteRange(offset: 0, byteCount: 0)

    var offset: UInt64
    var byteCount: UInt64

    init(offset: UInt64, byteCount: UInt64) {
        self.offset = offset
        self.byteCount = byteCount
    }

    init(offset: Int, byteCount: Int) {
        self.init(offset: UInt64(offset), byteCount: UInt64(byteCount))
    }

    init(reading reader: inout LittleEndianReader) {
        offset = reader.u64()
        byteCount = reader.u64()
    }

    func write(to writer: inout LittleEndianWriter) {
        writer.append(offset)
        writer.append(byteCount)
    }

    /// Whether the range lies inside `[lower, upper)`, computed without overflow for any
    /// values a hostile file can hold.
    func lies(within lower: Int, _ upper: Int) -> Bool {
        offset >= UInt64(lower) && offset <= UInt64(upper) && byteCount <= UInt64(upper) - offset
    }

    /// The offset as an Int; only for a range that `lies(within:_:)` the file.
    var start: Int { Int(offset) }
    /// The first offset after the range; only for a range that `lies(within:_:)` the file.
    var end: Int { Int(offset + byteCount) }

    /// `[0x000400, +2304)`, for messages.
    var text: String { "[\(BlobFormat.hex(offset)), +\(byteCount))" }
}
