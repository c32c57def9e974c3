/// A problem found in a file's bytes, before the file path is attached.
///
/// The readers throw this; `Checkpoint.load` turns it into a `CheckpointError` that names
/// the file, so no reader needs to know where its bytes came from.
struct CheckpointProblem: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    /// A name taken from the file, quoted for a message and cut to a readable length.
    static func quote(_ name: String) -> String {
        let limit = 80
        return name.count <= limit ? "'\(name)'" : "'\(name.prefix(limit))...'"
    }
}
