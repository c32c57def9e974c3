/// A checkpoint that could not be loaded, as one line: `"<file path>: <problem>"`.
///
/// Example: `vgg16.pth: truncated legacy checkpoint: storage '7' needs 2359296 bytes at
/// offset 1234, file ends at 5000`.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The path as the caller spelled it (`URL.relativePath`).
    public let path: String
    /// What is wrong, without the path; never contains a line break.
    public let problem: String

    /// Makes an error; control characters in `path` and `problem` are escaped so that the
    /// message stays on one line whatever a hostile file put into a name.
    public init(path: String, problem: String) {
        self.path = Self.singleLine(path)
        self.problem = Self.singleLine(problem)
    }

    public var description: String { "\(path): \(problem)" }

    private static func singleLine(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
