extension TensorInfo {
    /// The tensor `pickled`, named `name`, whose storage record's data start at file offset
    /// `storageStart`. The caller has checked that the record holds `pickled.storage.byteCount`
    /// bytes inside the file, so the view's byte range cannot overflow or leave the file.
    init(name: String, pickled: PickledTensor, storageStart: Int) throws(CheckpointProblem) {
        let elementByteCount = pickled.storage.dtype.elementByteCount
        let view = pickled.storage.view
        try self.init(
            name: name, dtype: pickled.storage.dtype, shape: pickled.shape, strides: pickled.strides,
            storageOffset: pickled.storageOffset,
            storageByteRange: (storageStart + view.lowerBound * elementByteCount)..<(storageStart + view.upperBound * elementByteCount))
    }
}
