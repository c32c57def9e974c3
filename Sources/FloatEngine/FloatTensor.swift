/// A dense float32 tensor, row-major. Activations are `[N, C, H, W]` in the convolution
/// part and `[N, features]` after `flatten`.
public struct FloatTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Stacks images of equal shape `[C, H, W]` into a batch `[N, C, H, W]`.
    public init(batch images: [[Float]], channels: Int, height: Int, width: Int) {
        precondition(images.allSatisfy { $0.count == channels * height * width }, "image sizes differ")
        self.init(shape: [images.count, channels, height, width], values: Array(images.joined()))
    }

    /// Item `index` of a `[N, ...]` tensor.
    public func item(_ index: Int) -> [Float] {
        let size = values.count / shape[0]
        return Array(values[index * size ..< (index + 1) * size])
    }

    /// Rows of a `[N, ...]` tensor: one array per batch item.
    public var items: [[Float]] {
        let n = shape[0]
        let size = n == 0 ? 0 : values.count / n
        return (0..<n).map { Array(values[$0 * size ..< ($0 + 1) * size]) }
    }
}
