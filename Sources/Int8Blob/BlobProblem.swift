/// What the validation found wrong, before the caller attaches the path.
struct BlobProblem: Error {
    let text: String

    init(_ text: String) {
        self.text = text
    }
}
