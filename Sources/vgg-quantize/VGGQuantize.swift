import ArgumentParser
import Foundation

@main
struct VGGQuantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vgg-quantize",
        abstract: "Turn torchvision VGG checkpoints into int8 blobs, and check them against fp32.",
        subcommands: [Compile.self, Reference.self, Inspect.self],
        defaultSubcommand: Compile.self)

    /// ArgumentParser's own `main()`, except that a failure is exactly one line on stderr
    /// (ArgumentParser appends the usage text to bad-value errors); help and version still
    /// print in full.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = message(for: error).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
