/// Builds a blob's bytes: little-endian fields appended in order, zero padding, and the
/// header's checksums patched in at the end.
struct LittleEndianWriter {
    private(set) var bytes: [UInt8] = []

    init(reservingCapacity byteCount: Int) {
        bytes.reserveCapacity(byteCount)
    }

    mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Int32) {
        append(UInt32(bitPattern: value))
    }

    mutating func append(_ value: Float) {
        append(value.bitPattern)
    }

    mutating func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }

    /// Appends zero bytes up to `offset` (which must not lie behind the end).
    mutating func zeroFill(to offset: Int) {
        precondition(offset >= bytes.count, "zeroFill to \(offset) behind the end \(bytes.count)")
        bytes.append(contentsOf: repeatElement(0, count: offset - bytes.count))
    }

    /// Replaces the 8 bytes at `offset` (already written) with `value`.
    mutating func overwrite(_ value: UInt64, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            bytes.replaceSubrange(offset ..< offset + 8, with: raw)
        }
    }
}
