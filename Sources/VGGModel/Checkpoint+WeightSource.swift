import TorchCheckpoint

extension Checkpoint: WeightSource {
    public var sourceName: String { url.path }
    public var tensorShapes: [(name: String, shape: [Int])] { tensors.map { ($0.name, $0.shape) } }
    public func floatValues(_ name: String) throws -> [Float] { try floats(name) }
}
