/// One line: what is wrong with the evaluation's input (blob against weights, image folder,
/// labels file).
public struct EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
