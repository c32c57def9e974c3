/// A blob that cannot be read, or a model that cannot be written as one, as one line:
/// `"<path>: <problem>"`.
///
/// Examples: `model.vq8: not a VGG int8 blob (bad magic)`,
/// `model.vq8: truncated: header says 140123456 bytes, file has 1000`,
/// `model.vq8: checksum mismatch in weight data`.
public struct BlobError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path as the caller spelled it (for `BlobFile(bytes:name:)`, the name given).
    public let path: String
    /// What is wrong, without the path; one line (names from the file appear escaped).
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
