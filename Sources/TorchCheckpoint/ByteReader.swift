/// A bounds-checked cursor over part of a file's bytes.
///
/// Offsets are absolute file offsets, so a message points at the byte a hex dump shows.
/// Every read checks the remaining length first; nothing reads past `end`.
struct ByteReader {
    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    /// One past the last byte this reader may read.
    let end: Int
    /// What the bytes are, for messages, e.g. `zip central directory`.
    let context: String
    /// The next byte to read.
    private(set) var offset: Int

    /// A reader of `range` within `bytes`; `range` must lie inside `bytes`.
    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, context: String) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "reader range outside the file")
        self.bytes = bytes
        self.end = range.upperBound
        self.context = context
        self.offset = range.lowerBound
    }

    var remainingCount: Int { end - offset }

    /// Checks that `count` more bytes exist, without consuming them.
    private func require(_ count: Int) throws(CheckpointProblem) {
        guard count >= 0, count <= remainingCount else {
            throw CheckpointProblem("truncated \(context): needs \(count) bytes at offset \(offset), but it ends at \(end)")
        }
    }

    /// Consumes `count` bytes and returns their absolute range.
    mutating func skip(_ count: Int) throws(CheckpointProblem) -> Range<Int> {
        try require(count)
        defer { offset += count }
        return offset..<(offset + count)
    }

    /// Consumes `count` bytes and returns a copy.
    mutating func readBytes(_ count: Int) throws(CheckpointProblem) -> [UInt8] {
        let range = try skip(count)
        return Array(bytes[range])
    }

    mutating func readUInt8() throws(CheckpointProblem) -> UInt8 {
        try readLittleEndian(UInt8.self)
    }

    /// Consumes a little-endian integer of type `T`.
    mutating func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type) throws(CheckpointProblem) -> T {
        let range = try skip(MemoryLayout<T>.size)
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self))
    }

    /// Consumes a little-endian unsigned length field and checks that it fits in `Int`.
    mutating func readLength<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type) throws(CheckpointProblem) -> Int {
        let start = offset
        let value = try readLittleEndian(T.self)
        guard let length = Int(exactly: value) else {
            throw CheckpointProblem("\(context): length \(value) at offset \(start) is too large")
        }
        return length
    }

    /// Consumes bytes up to and including the next `\n` and returns them without it.
    mutating func readLine() throws(CheckpointProblem) -> [UInt8] {
        guard let newline = bytes[offset..<end].firstIndex(of: UInt8(ascii: "\n")) else {
            throw CheckpointProblem("truncated \(context): no end of line after offset \(offset)")
        }
        defer { offset = newline + 1 }
        return Array(bytes[offset..<newline])
    }
}
