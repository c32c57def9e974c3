/// Why the runtime library refused something: one line, what and where.
///
/// Every case carries the message the command line prints (`vgg-run` is built on this library),
/// e.g. `model.vq8: not a blob (magic ...)` or `frame: 3 bytes per row for a 640-pixel row of 3 bytes per pixel`.
public struct ClassifierError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The file or bytes are not a valid blob; no model was made.
        case invalidBlob
        /// An image file that cannot be read or decoded.
        case invalidImage
        /// A buffer of the wrong size, an empty frame, a row stride too small for its width.
        case invalidInput
        /// A thread count outside 1...256, a `VGG_KERNELS` that selects no kernel, a k below 1.
        case invalidSettings
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
