import Foundation
import StrictJSON

/// Reads a safetensors file: an 8-byte little-endian header length N, N bytes of JSON
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then
/// the data, with offsets counted from the end of the header.
///
/// safetensors does not record a state_dict order, so tensors are listed in the order of
/// their data in the file.
enum SafetensorsReader {
    /// The largest header accepted, as in the safetensors reference implementation.
    static let maxHeaderByteCount = 100_000_000

    private struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// A header value: a tensor entry, or anything else (only `__metadata__` may be that).
    private enum HeaderValue: Decodable {
        case tensor(Entry)
        case other

        init(from decoder: any Decoder) throws {
            self = (try? Entry(from: decoder)).map(HeaderValue.tensor) ?? .other
        }
    }

    /// The tensors, pointing into `bytes`.
    ///
    /// - Throws: `CheckpointProblem` for a header that is not the expected JSON, an
    ///   unsupported dtype, or data offsets that are out of bounds, overlap, or disagree
    ///   with shape and dtype.
    static func tensors(in bytes: UnsafeRawBufferPointer) throws(CheckpointProblem) -> [TensorInfo] {
        var reader = ByteReader(bytes, range: 0..<bytes.count, context: "safetensors header")
        let headerByteCount = try reader.readLength(UInt64.self)
        guard headerByteCount <= maxHeaderByteCount else {
            throw CheckpointProblem("safetensors header claims \(headerByteCount) bytes, more than the \(maxHeaderByteCount) allowed")
        }
        let headerRange = try reader.skip(headerByteCount)
        let dataStart = headerRange.upperBound
        let header: [String: HeaderValue]
        // Swift 6.0's Foundation traps instead of throwing on some malformed strings (StrictJSON).
        do {
            try StrictJSON.checkStrings(bytes[headerRange])
        } catch {
            throw CheckpointProblem("safetensors header: \(error.description)")
        }
        do {
            header = try JSONDecoder().decode([String: HeaderValue].self, from: Data(bytes[headerRange]))
        } catch {
            throw CheckpointProblem("safetensors header is not a JSON object")
        }

        var tensors: [TensorInfo] = []
        for (name, value) in header where name != "__metadata__" {
            guard case .tensor(let entry) = value else {
                throw CheckpointProblem("safetensors entry \(CheckpointProblem.quote(name)) lacks dtype, shape or data_offsets")
            }
            tensors.append(try tensor(name, entry, dataStart: dataStart, dataByteCount: bytes.count - dataStart))
        }
        tensors.sort { ($0.storageByteRange.lowerBound, $0.name) < ($1.storageByteRange.lowerBound, $1.name) }
        for (previous, next) in zip(tensors, tensors.dropFirst())
        where next.storageByteRange.lowerBound < previous.storageByteRange.upperBound {
            throw CheckpointProblem(
                "safetensors entries \(CheckpointProblem.quote(previous.name)) and \(CheckpointProblem.quote(next.name)) overlap")
        }
        return tensors
    }

    private static func tensor(_ name: String, _ entry: Entry, dataStart: Int, dataByteCount: Int) throws(CheckpointProblem) -> TensorInfo {
        let quoted = CheckpointProblem.quote(name)
        guard let dtype = TensorDType(safetensorsName: entry.dtype) else {
            throw CheckpointProblem("safetensors entry \(quoted) has unsupported dtype \(CheckpointProblem.quote(entry.dtype))")
        }
        guard entry.dataOffsets.count == 2, entry.dataOffsets[0] >= 0, entry.dataOffsets[0] <= entry.dataOffsets[1],
            entry.dataOffsets[1] <= dataByteCount
        else {
            throw CheckpointProblem(
                "safetensors entry \(quoted) has data_offsets \(entry.dataOffsets) outside the \(dataByteCount) data bytes")
        }
        let byteRange = (dataStart + entry.dataOffsets[0])..<(dataStart + entry.dataOffsets[1])
        let strides = try rowMajorStrides(entry.shape, name: quoted)
        let tensor = try TensorInfo(
            name: name, dtype: dtype, shape: entry.shape, strides: strides, storageOffset: 0, storageByteRange: byteRange)
        guard tensor.elementCount * dtype.elementByteCount == byteRange.count else {
            throw CheckpointProblem(
                "safetensors entry \(quoted) \(entry.shape) \(dtype.rawValue) needs \(tensor.elementCount * dtype.elementByteCount) "
                    + "bytes, but data_offsets span \(byteRange.count)")
        }
        return tensor
    }

    /// Strides of a dense row-major tensor; the shape's element count must fit in `Int`.
    private static func rowMajorStrides(_ shape: [Int], name: String) throws(CheckpointProblem) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var product = 1
        for index in shape.indices.reversed() {
            strides[index] = product
            let (next, overflow) = product.multipliedReportingOverflow(by: Swift.max(shape[index], 1))
            guard !overflow else { throw CheckpointProblem("safetensors entry \(name) has shape \(shape), too large to address") }
            product = next
        }
        return strides
    }
}
