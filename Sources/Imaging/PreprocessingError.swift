/// A command-line preprocessing option that could not be parsed, e.g.
/// `--std 0.229,0,0.225: std values must be positive and finite, got [0.229, 0.0, 0.225]`.
public struct PreprocessingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
