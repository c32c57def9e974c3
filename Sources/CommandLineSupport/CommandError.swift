import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// A bad command-line value, reported as one line (`Error: --threads must be ...`) without
/// the usage text ArgumentParser adds to its own `ValidationError`.
public struct CommandError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ParsableCommand {
    /// ArgumentParser's `main()`, except that a failure is exactly one line on stderr
    /// (ArgumentParser appends the usage text to bad-value errors) and a non-zero exit; help
    /// and version still print in full.
    public static func mainWithOneLineErrors() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline)
                .map { trimmed($0) }.filter { !$0.isEmpty }.joined(separator: " ")
            // (an ExitCode thrown after the command reported its own failures carries no message)
            if !message.isEmpty { printToStandardError("Error: \(message)") }
            Glibc.exit(code.rawValue)
        }
    }
}

/// Writes `line` and a newline to standard error, unbuffered (the one-line errors and per-image
/// error lines of both command lines).
public func printToStandardError(_ line: String) {
    writeToStandardError(line + "\n")
}

/// Writes `text` to standard error as it is, unbuffered (also the progress lines).
public func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }  // (nowhere left to report a failing stderr)
        bytes = bytes.dropFirst(written)
    }
}

/// `text` without the blanks (spaces, tabs) at either end.
func trimmed(_ text: Substring) -> String {
    let blank = { (c: Character) in c.isWhitespace && !c.isNewline }
    return String(text.drop(while: blank).reversed().drop(while: blank).reversed())
}
