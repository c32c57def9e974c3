/// A string in the strings section: an offset from the start of that section and a length,
/// both in bytes, as two little-endian u32 (8 bytes). The bytes are UTF-8, not terminated.
struct StringRef: Equatable {
    static let encodedByteCount = 8

    var offset: UInt32
    var byteCount: UInt32

    init(offset: UInt32, byteCount: UInt32) {
        self.offset = offset
        self.byteCount = byteCount
    }

    init(reading reader: inout LittleEndianReader) {
        offset = reader.u32()
        byteCount = reader.u32()
    }

    func write(to writer: inout LittleEndianWriter) {
        writer.append(offset)
        writer.append(byteCount)
    }

    /// The string, checked: inside `strings`, at `expectedOffset` (strings are stored in their
    /// canonical order without gaps), and valid UTF-8. Advances `expectedOffset` past it.
    /// - Parameter what: the string's role in messages, e.g. `label 7`.
    func read(from strings: UnsafeRawBufferPointer, expectedOffset: inout Int, what: String) throws(BlobProblem) -> String {
        guard UInt64(offset) + UInt64(byteCount) <= UInt64(strings.count) else {
            throw BlobProblem("\(what): string [\(offset), +\(byteCount)) lies outside the strings section (\(strings.count) bytes)")
        }
        guard Int(offset) == expectedOffset else {
            throw BlobProblem("\(what): string at strings offset \(offset), expected \(expectedOffset) (strings are stored in order, without gaps)")
        }
        expectedOffset += Int(byteCount)
        let utf8 = UnsafeRawBufferPointer(rebasing: strings[Int(offset) ..< Int(offset) + Int(byteCount)])
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw BlobProblem("\(what) is not valid UTF-8")
        }
        return string
    }
}
