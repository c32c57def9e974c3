/// Why an image could not be decoded, naming the file.
///
/// `description` is one line, `"<file>: <problem>"`, for example
/// `photo.jpg: corrupt JPEG data: premature end of data segment` or
/// `big.png: image is 20000x20000 = 400000000 pixels, over the limit of 89478485`.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read.
        case unreadable
        /// The file has no bytes.
        case empty
        /// The bytes are neither PNG nor JPEG.
        case unsupportedFormat
        /// libpng or libjpeg rejected the data.
        case corrupt
        /// width * height is over the caller's pixel limit.
        case tooManyPixels
        /// The pixel buffer could not be allocated.
        case outOfMemory
    }

    /// The file as the caller named it (a path, or the `name` given to `decode(bytes:name:)`).
    public let file: String
    public let kind: Kind
    /// One line without the file name, e.g. `cannot read file: No such file or directory`.
    public let problem: String

    public init(file: String, kind: Kind, problem: String) {
        self.file = file
        self.kind = kind
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
