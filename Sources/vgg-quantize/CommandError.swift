/// A bad command-line value, reported as one line (`Error: --threads must be ...`) without
/// the usage text ArgumentParser adds to its own `ValidationError`.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
