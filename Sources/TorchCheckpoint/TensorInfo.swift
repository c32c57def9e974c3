/// One tensor of a checkpoint: its name, element type and shape, and where its elements lie
/// in the mapped file.
///
/// The layout is torch's: element `[i0, i1, ...]` is storage element
/// `storageOffset + i0 * strides[0] + i1 * strides[1] + ...`, counted from the first byte of
/// `storageByteRange`. The initializer proves that every element lies inside that range, so
/// readers of the mapping never need to check again.
public struct TensorInfo: Sendable, Equatable {
    /// The state_dict key, e.g. `features.0.weight`.
    public let name: String
    public let dtype: TensorDType
    /// Sizes, outermost first (`[out, in, kh, kw]` for a conv weight; `[]` for a scalar).
    public let shape: [Int]
    /// The number of elements (1 for a scalar).
    public let elementCount: Int

    /// Element strides, one per dimension (torch's `tensor.stride()`).
    let strides: [Int]
    /// Elements between the start of `storageByteRange` and element `[0, 0, ...]`.
    let storageOffset: Int
    /// The bytes of the storage (or storage view) the tensor reads, as absolute file offsets.
    let storageByteRange: Range<Int>

    /// Validates a tensor's layout against its storage.
    ///
    /// - Throws: `CheckpointProblem` when a size, stride or offset is negative, the element
    ///   count overflows or exceeds the storage's, or some element would lie outside
    ///   `storageByteRange`.
    /// The same tensor under another name (a state_dict key without a wrapper's prefix).
    func renamed(_ newName: String) -> TensorInfo {
        TensorInfo(name: newName, dtype: dtype, shape: shape, elementCount: elementCount, strides: strides,
                   storageOffset: storageOffset, storageByteRange: storageByteRange)
    }

    private init(name: String, dtype: TensorDType, shape: [Int], elementCount: Int, strides: [Int], storageOffset: Int,
                 storageByteRange: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.elementCount = elementCount
        self.strides = strides
        self.storageOffset = storageOffset
        self.storageByteRange = storageByteRange
    }

    init(
        name: String, dtype: TensorDType, shape: [Int], strides: [Int], storageOffset: Int,
        storageByteRange: Range<Int>
    ) throws(CheckpointProblem) {
        let label = "tensor \(CheckpointProblem.quote(name)) \(shape)"
        guard strides.count == shape.count else {
            throw CheckpointProblem("\(label) has \(strides.count) strides for \(shape.count) dimensions")
        }
        guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }), storageOffset >= 0 else {
            throw CheckpointProblem("\(label) has a negative size, stride (\(strides)) or storage offset (\(storageOffset))")
        }
        var elementCount = 1
        var lastElement = storageOffset
        for (size, stride) in zip(shape, strides) {
            let (count, countOverflow) = elementCount.multipliedReportingOverflow(by: size)
            let (span, spanOverflow) = Swift.max(size - 1, 0).multipliedReportingOverflow(by: stride)
            let (last, lastOverflow) = lastElement.addingReportingOverflow(span)
            guard !countOverflow, !spanOverflow, !lastOverflow else {
                throw CheckpointProblem("\(label) with strides \(strides) overflows a 64-bit element index")
            }
            elementCount = count
            lastElement = last
        }
        let storageElementCount = storageByteRange.count / dtype.elementByteCount
        // No state_dict tensor repeats elements (a stride-0 broadcast would); refusing them
        // bounds what `Checkpoint.floats` allocates by the file size.
        guard elementCount <= storageElementCount else {
            throw CheckpointProblem(
                "\(label) has \(elementCount) elements, more than the \(storageElementCount) its storage holds")
        }
        // An empty tensor touches no element; its offset may point just past the storage.
        let fits = elementCount == 0 ? storageOffset <= storageElementCount : lastElement < storageElementCount
        guard fits else {
            throw CheckpointProblem(
                "\(label) with strides \(strides) at storage offset \(storageOffset) reaches element "
                    + "\(lastElement), but its storage holds \(storageElementCount) \(dtype.rawValue) elements")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.elementCount = elementCount
        self.strides = strides
        self.storageOffset = storageOffset
        self.storageByteRange = storageByteRange
    }

    /// Whether the elements are stored densely in row-major order from `storageOffset`.
    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            guard stride == expected else { return false }
            expected *= size
        }
        return true
    }
}
