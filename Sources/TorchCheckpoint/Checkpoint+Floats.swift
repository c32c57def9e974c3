extension Checkpoint {
    /// A dense row-major copy of tensor `name`'s elements as `Float`, whatever its strides.
    ///
    /// float32 is copied bit for bit; float16 and bfloat16 widen exactly; float64 rounds to
    /// nearest, as torch's `tensor.float()` does. Example: a `[4, 3]` float32 tensor saved
    /// as the transpose of a `[3, 4]` one (strides `[1, 4]`) comes back as 12 floats in
    /// `[4, 3]` order, element `[i, j]` at index `i * 3 + j`.
    ///
    /// - Throws: `CheckpointError` when there is no such tensor or it holds integers or bools.
    public func floats(_ name: String) throws(CheckpointError) -> [Float] {
        guard let tensor = info(name) else {
            throw error("no tensor named \(CheckpointProblem.quote(name))")
        }
        let bytes = file.bytes
        switch tensor.dtype {
        case .float32:
            #if _endian(little)
            if tensor.isContiguous {
                return Self.copyContiguousFloat32(tensor, from: bytes)
            }
            #endif
            return Self.gather(tensor, from: bytes, as: UInt32.self) { Float(bitPattern: $0) }
        case .float64:
            return Self.gather(tensor, from: bytes, as: UInt64.self) { Float(Double(bitPattern: $0)) }
        case .float16:
            return Self.gather(tensor, from: bytes, as: UInt16.self) { Float(Float16(bitPattern: $0)) }
        case .bfloat16:
            return Self.gather(tensor, from: bytes, as: UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
        case .int64, .int32, .int16, .int8, .uint8, .bool:
            throw error(
                "tensor \(CheckpointProblem.quote(name)) holds \(tensor.dtype.rawValue) elements; floats() reads floating-point tensors only")
        }
    }

    /// The fast path: on a little-endian host the file's bytes are the floats' bytes.
    private static func copyContiguousFloat32(_ tensor: TensorInfo, from bytes: UnsafeRawBufferPointer) -> [Float] {
        let start = tensor.storageByteRange.lowerBound + tensor.storageOffset * 4
        let source = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + tensor.elementCount * 4)])
        return [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, initializedCount in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            initializedCount = tensor.elementCount
        }
    }

    /// Reads every element in row-major order as a little-endian `Raw` and converts it.
    /// `TensorInfo` guarantees every element offset lies inside the storage bytes.
    private static func gather<Raw: FixedWidthInteger>(
        _ tensor: TensorInfo, from bytes: UnsafeRawBufferPointer, as _: Raw.Type, _ convert: (Raw) -> Float
    ) -> [Float] {
        let base = tensor.storageByteRange.lowerBound
        func element(_ elementOffset: Int) -> Float {
            let byteOffset = base + elementOffset * MemoryLayout<Raw>.size
            return convert(Raw(littleEndian: bytes.loadUnaligned(fromByteOffset: byteOffset, as: Raw.self)))
        }
        if tensor.isContiguous {
            return (0..<tensor.elementCount).map { element(tensor.storageOffset + $0) }
        }
        // An odometer over the index; `elementOffset` only ever takes valid element offsets.
        var result: [Float] = []
        result.reserveCapacity(tensor.elementCount)
        var index = [Int](repeating: 0, count: tensor.shape.count)
        var elementOffset = tensor.storageOffset
        for _ in 0..<tensor.elementCount {
            result.append(element(elementOffset))
            var dimension = tensor.shape.count - 1
            while dimension >= 0 {
                if index[dimension] + 1 < tensor.shape[dimension] {
                    index[dimension] += 1
                    elementOffset += tensor.strides[dimension]
                    break
                }
                elementOffset -= index[dimension] * tensor.strides[dimension]
                index[dimension] = 0
                dimension -= 1
            }
        }
        return result
    }
}
