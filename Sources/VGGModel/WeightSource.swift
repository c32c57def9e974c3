/// Named float tensors, in the order a state_dict lists them.
public protocol WeightSource {
    /// A name for error messages (the checkpoint's path).
    var sourceName: String { get }
    /// Tensor names and shapes, in state_dict order.
    var tensorShapes: [(name: String, shape: [Int])] { get }
    /// The tensor's values as a contiguous row-major Float array.
    func floatValues(_ name: String) throws -> [Float]
}

/// A one-line error about a model: the file it came from and what is wrong.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
