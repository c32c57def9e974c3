import ArgumentParser
import Foundation

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
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            // (an ExitCode thrown after the command reported its own failures carries no message)
            if !message.isEmpty { FileHandle.standardError.write(Data("Error: \(message)\n".utf8)) }
            Foundation.exit(code.rawValue)
        }
    }
}
