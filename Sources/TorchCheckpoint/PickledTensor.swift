/// A tensor as the pickle describes it: a storage and a layout in elements. Validated
/// against its storage's bytes when it becomes a `TensorInfo`.
struct PickledTensor {
    let storage: PickledStorage
    /// Elements from the start of `storage.view` to element `[0, 0, ...]`.
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]

    /// Reads `(storage, storage_offset, size, stride, ...)`, the leading arguments of
    /// `_rebuild_tensor` and `_rebuild_tensor_v2`.
    init(rebuildArguments arguments: [PickleValue]) throws(CheckpointProblem) {
        guard case .storage(let storage) = arguments[0] else {
            throw CheckpointProblem("a tensor is rebuilt from \(arguments[0].kindDescription), not a storage")
        }
        guard case .int(let storageOffset) = arguments[1] else {
            throw CheckpointProblem("a tensor's storage offset is \(arguments[1].kindDescription), not an int")
        }
        self.storage = storage
        self.storageOffset = storageOffset
        self.shape = try Self.integers(arguments[2], "size")
        self.strides = try Self.integers(arguments[3], "stride")
    }

    private static func integers(_ value: PickleValue, _ what: String) throws(CheckpointProblem) -> [Int] {
        guard case .tuple(let tuple) = value else {
            throw CheckpointProblem("a tensor's \(what) is \(value.kindDescription), not a tuple")
        }
        var result: [Int] = []
        for item in tuple.items {
            guard case .int(let integer) = item else {
                throw CheckpointProblem("a tensor's \(what) holds \(item.kindDescription), not an int")
            }
            result.append(integer)
        }
        return result
    }
}
