import Foundation
import Testing

/// Runs a built command-line tool of this package and captures its output.
struct Tool {
    let name: String

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process ended by a signal (a crash or trap), not by exit().
        var crashed: Bool
    }

    /// The build products folder: the test runner lives there too.
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }

    /// Runs the tool; `input` (if any) is its standard input.
    func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = Self.productsDirectory.appendingPathComponent(name)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            // (a pipe buffer holds 64 KiB; the tests' inputs are far smaller)
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self),
                      crashed: process.terminationReason == .uncaughtSignal)
    }
}

extension Tool.Result {
    /// A failure the way the tools promise it: non-zero exit, no crash, exactly one line on
    /// stderr that contains every one of `fragments`.
    func expectCleanFailure(_ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!crashed, "crashed: \(stderr)", sourceLocation: sourceLocation)
        #expect(status != 0, "exit status 0", sourceLocation: sourceLocation)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one error line, got: \(stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(stderr.contains(fragment), "\(fragment) not in: \(stderr)", sourceLocation: sourceLocation)
        }
    }
}
