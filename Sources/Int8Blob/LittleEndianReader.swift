/// Reads little-endian fields in order from a validated byte range.
///
/// Callers check that a record lies inside the buffer before reading it; the precondition on
/// every read is a second line of defence that turns a missed check into a trap, never into a
/// read outside the buffer.
struct LittleEndianReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    mutating func u32() -> UInt32 {
        UInt32(littleEndian: load(UInt32.self))
    }

    mutating func u64() -> UInt64 {
        UInt64(littleEndian: load(UInt64.self))
    }

    mutating func i32() -> Int32 {
        Int32(bitPattern: u32())
    }

    mutating func f32() -> Float {
        Float(bitPattern: u32())
    }

    private mutating func load<Value: FixedWidthInteger>(_ type: Value.Type) -> Value {
        let size = MemoryLayout<Value>.size
        precondition(position >= 0 && position + size <= bytes.count, "read of \(size) bytes at \(position) outside \(bytes.count)")
        defer { position += size }
        return bytes.loadUnaligned(fromByteOffset: position, as: Value.self)
    }
}
