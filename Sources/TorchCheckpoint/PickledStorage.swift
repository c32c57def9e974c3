/// A storage named by one of torch's persistent ids: which record holds its bytes, its
/// element type and size, and the part of it a tensor sees.
struct PickledStorage: Equatable {
    /// The record key: `data/<key>` in a zip, a position in the legacy storage list.
    let key: String
    let dtype: TensorDType
    /// Elements in the whole record (torch's `numel`).
    let elementCount: Int
    /// `elementCount * dtype.elementByteCount`, checked for overflow.
    let byteCount: Int
    /// The elements tensors built on this storage see: all of them, except for a legacy
    /// storage view.
    let view: Range<Int>

    /// Reads a persistent id: `('storage', storage_class, key, location, numel)` in a zip
    /// checkpoint; a legacy one adds `view_metadata`, None or `(view_key, offset, numel)`.
    /// The location (`cpu`, `cuda:0`) is ignored: the bytes are the same.
    ///
    /// - Throws: `CheckpointProblem` for any other shape, e.g. a pickled `nn.Module`.
    init(persistentID: PickleValue, hasViewMetadata: Bool) throws(CheckpointProblem) {
        guard case .tuple(let tuple) = persistentID, let first = tuple.items.first else {
            throw CheckpointProblem("a persistent id is \(persistentID.kindDescription), not a tuple")
        }
        guard case .string("storage") = first else {
            if case .string("module") = first {
                throw CheckpointProblem("the file holds a pickled nn.Module, not a state_dict; save model.state_dict() instead")
            }
            throw CheckpointProblem("a persistent id is not a storage record")
        }
        let fields = Array(tuple.items.dropFirst())
        guard fields.count == (hasViewMetadata ? 5 : 4) else {
            throw CheckpointProblem("a storage record has \(fields.count) fields, expected \(hasViewMetadata ? 5 : 4)")
        }
        guard case .global(.storageClass(let dtype)) = fields[0], case .string(let key) = fields[1],
            case .string = fields[2], case .int(let elementCount) = fields[3], elementCount >= 0
        else {
            throw CheckpointProblem("a storage record is not (storage class, key, location, element count)")
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.elementByteCount)
        guard !overflow else {
            throw CheckpointProblem("storage \(CheckpointProblem.quote(key)) claims \(elementCount) elements, too many to address")
        }
        self.key = key
        self.dtype = dtype
        self.elementCount = elementCount
        self.byteCount = byteCount
        self.view = hasViewMetadata ? try Self.view(fields[4], key: key, elementCount: elementCount) : 0..<elementCount
    }

    private static func view(_ metadata: PickleValue, key: String, elementCount: Int) throws(CheckpointProblem) -> Range<Int> {
        if case .none = metadata {
            return 0..<elementCount
        }
        guard case .tuple(let tuple) = metadata, tuple.items.count == 3,
            case .int(let offset) = tuple.items[1], case .int(let count) = tuple.items[2],
            offset >= 0, count >= 0, offset <= elementCount, count <= elementCount - offset
        else {
            throw CheckpointProblem(
                "storage \(CheckpointProblem.quote(key)) has a view that is not (key, offset, count) inside its \(elementCount) elements")
        }
        return offset..<(offset + count)
    }

    /// Records `self` in `table`, checking that every reference to a key agrees on dtype and size.
    func register(in table: inout [String: PickledStorage]) throws(CheckpointProblem) {
        if let earlier = table[key] {
            guard earlier.dtype == dtype, earlier.elementCount == elementCount else {
                throw CheckpointProblem(
                    "storage \(CheckpointProblem.quote(key)) is named as \(earlier.elementCount) \(earlier.dtype.rawValue) "
                        + "and as \(elementCount) \(dtype.rawValue) elements")
            }
        } else {
            table[key] = self
        }
    }
}
