#if canImport(Glibc)
import Glibc
#endif

/// A NumPy `.npy` array (format version 1.0-3.0), C order, little-endian.
///
/// Only the element types this project exchanges with NumPy are supported:
/// float32 (`<f4`), uint8 (`|u1`), int32 (`<i4`) and int64 (`<i8`).
///
/// Example: `try NPYArray(floats: logits, shape: [2, 1000]).write(to: url)` writes what
/// `numpy.load` reads back as a `(2, 1000)` float32 array.
public struct NPYArray: Sendable, Equatable {
    public enum Element: String, Sendable {
        case float32 = "<f4", uint8 = "|u1", int32 = "<i4", int64 = "<i8"
        var byteCount: Int {
            switch self { case .float32, .int32: 4; case .uint8: 1; case .int64: 8 }
        }
    }

    public let element: Element
    public let shape: [Int]
    /// Raw little-endian element bytes, C order.
    public let bytes: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    public init(floats: [Float], shape: [Int]) {
        precondition(floats.count == shape.reduce(1, *), "shape does not match element count")
        self.element = .float32
        self.shape = shape
        self.bytes = floats.withUnsafeBytes { Array($0) }
    }

    public init(uint8 values: [UInt8], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "shape does not match element count")
        self.element = .uint8
        self.shape = shape
        self.bytes = values
    }

    /// The elements as Float (float32 arrays only).
    public func floats() throws -> [Float] {
        guard element == .float32 else { throw NPYError("expected float32, found \(element.rawValue)") }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        }
    }

    /// The elements as Int (integer arrays only).
    public func integers() throws -> [Int] {
        return try bytes.withUnsafeBytes { raw in
            switch element {
            case .uint8: return raw.map { Int($0) }
            case .int32: return (0..<count).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .int64: return (0..<count).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            case .float32: throw NPYError("expected an integer array, found float32")
            }
        }
    }

    /// Parses `.npy` bytes.
    /// - Throws: `NPYError` for a wrong magic, an unsupported dtype, Fortran order or a size mismatch.
    public init(npyBytes data: [UInt8]) throws {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard data.count >= 10, Array(data[0..<6]) == magic else { throw NPYError("not a .npy file (bad magic)") }
        let major = data[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[8]) | Int(data[9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw NPYError("truncated header") }
            headerLength = (8...11).reduce(0) { $0 | Int(data[$1]) << (8 * ($1 - 8)) }
            headerStart = 12
        default:
            throw NPYError("unsupported .npy version \(major)")
        }
        guard headerStart + headerLength <= data.count,
              let header = String(validating: data[headerStart..<headerStart + headerLength], as: UTF8.self)
        else { throw NPYError("truncated header") }
        guard let descr = Self.field("descr", in: header), let element = Element(rawValue: descr)
        else { throw NPYError("unsupported dtype in header \(header)") }
        guard Self.field("fortran_order", in: header) == "False" else { throw NPYError("Fortran order is not supported") }
        guard let shapeText = Self.field("shape", in: header) else { throw NPYError("no shape in header") }
        let shape = try shapeText.split(separator: ",").map { trimmed($0) }
            .filter { !$0.isEmpty }
            .map { text -> Int in
                guard let v = Int(text), v >= 0 else { throw NPYError("bad shape \(shapeText)") }
                return v
            }
        let count = shape.reduce(1, *)
        let start = headerStart + headerLength
        guard data.count - start == count * element.byteCount else {
            throw NPYError("data holds \(data.count - start) bytes, shape \(shape) needs \(count * element.byteCount)")
        }
        self.element = element
        self.shape = shape
        self.bytes = Array(data[start...])
    }

    /// Reads the `.npy` file at `path`; errors name the path.
    public init(path: String) throws {
        guard let bytes = Self.readFile(path) else { throw NPYError("\(path): cannot read file") }
        do { try self.init(npyBytes: bytes) } catch let error as NPYError {
            throw NPYError("\(path): \(error.message)")
        }
    }

    /// The whole file (C stdio), nil when it cannot be opened or read (a folder included).
    private static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes += chunk[0..<count]
            if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
        }
    }

    /// The `.npy` version 1.0 encoding.
    public var npyBytes: [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(element.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so that the data starts on a 64-byte boundary, header ends with '\n'.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let length = header.utf8.count
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += bytes
        return out
    }

    private static func field(_ name: String, in header: String) -> String? {
        guard let key = header.firstRange(of: "'\(name)':") else { return nil }
        let rest = header[key.upperBound...].drop(while: { $0 == " " })
        if rest.first == "'" {
            let body = rest.dropFirst()
            return body.firstIndex(of: "'").map { String(body[..<$0]) }
        }
        if rest.first == "(" {
            return rest.firstIndex(of: ")").map { String(rest[rest.index(after: rest.startIndex)..<$0]) }
        }
        return trimmed(rest.prefix(while: { $0 != "," && $0 != "}" }))
    }
}

public struct NPYError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `text` without the blanks (spaces, tabs) at either end.
private func trimmed(_ text: Substring) -> String {
    let blank = { (c: Character) in c.isWhitespace && !c.isNewline }
    return String(text.drop(while: blank).reversed().drop(while: blank).reversed())
}
