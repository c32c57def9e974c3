import Testing

@testable import TorchCheckpoint

/// `TensorInfo` admits a layout only when every element lies inside its storage.
@Suite struct TensorInfoTests {
    private func problem(shape: [Int], strides: [Int], offset: Int = 0, storageBytes: Int) -> String? {
        do {
            _ = try TensorInfo(
                name: "t", dtype: .float32, shape: shape, strides: strides, storageOffset: offset,
                storageByteRange: 100..<(100 + storageBytes))
            return nil
        } catch {
            return error.message
        }
    }

    @Test func acceptsViewsInsideTheStorage() {
        #expect(problem(shape: [3, 4], strides: [4, 1], storageBytes: 48) == nil)
        #expect(problem(shape: [4, 3], strides: [1, 4], storageBytes: 48) == nil)
        #expect(problem(shape: [2, 2], strides: [4, 1], offset: 5, storageBytes: 48) == nil)
        #expect(problem(shape: [], strides: [], offset: 11, storageBytes: 48) == nil)
        #expect(problem(shape: [0, 5], strides: [5, 1], offset: 12, storageBytes: 48) == nil)
    }

    @Test func refusesLayoutsOutsideTheStorage() {
        #expect(problem(shape: [3, 4], strides: [4, 1], offset: 1, storageBytes: 48)?.contains("reaches element 12, but its storage holds 12 float32 elements") == true)
        #expect(problem(shape: [], strides: [], offset: 12, storageBytes: 48)?.contains("reaches element 12") == true)
        #expect(problem(shape: [0], strides: [1], offset: 13, storageBytes: 48) != nil)
        #expect(problem(shape: [2], strides: [-1], offset: 1, storageBytes: 48)?.contains("negative") == true)
        #expect(problem(shape: [2], strides: [1], offset: -1, storageBytes: 48)?.contains("negative") == true)
        #expect(problem(shape: [2, 2], strides: [1], storageBytes: 48)?.contains("1 strides for 2 dimensions") == true)
        #expect(problem(shape: [1 << 40, 1 << 40], strides: [0, 0], storageBytes: 48)?.contains("overflows") == true)
        #expect(problem(shape: [1000], strides: [0], storageBytes: 48)?.contains("more than the 12 its storage holds") == true)
        #expect(problem(shape: [2, 2], strides: [Int.max, Int.max], storageBytes: 48)?.contains("overflows") == true)
    }

    @Test func contiguityIgnoresUnitDimensions() throws {
        let tensor = try TensorInfo(
            name: "t", dtype: .float32, shape: [1, 3, 1], strides: [99, 1, 7], storageOffset: 0, storageByteRange: 0..<12)
        #expect(tensor.isContiguous)
    }
}
