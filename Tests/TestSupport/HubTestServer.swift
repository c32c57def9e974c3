import Foundation

/// Scripts/hub-test-server.py on 127.0.0.1: serves the files of a folder, whole or in the broken
/// ways the download tests need (`/ok/`, `/norange/`, `/truncated/`, `/wronghash/`,
/// `/dropfirst/`, anything else 404), and logs every request. Stopped by `stop()` or when the
/// test process ends (its stdin closes).
public final class HubTestServer {
    public let port: Int
    public let folder: URL
    private let process: Process
    private let stdin: Pipe
    private let log: URL

    /// Serves `folder` (Python's http.server, from the system's python3).
    public init(serving folder: URL) throws {
        self.folder = folder
        log = folder.appendingPathComponent("requests.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: Data())
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/hub-test-server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.path, log.path]
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 10 {
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw HubTestServerError(description: "hub-test-server.py printed no port")
        }
        self.port = port
    }

    /// The URL of `name` served in `mode` ("ok", "norange", "truncated", "wronghash", "dropfirst").
    public func url(_ mode: String, _ name: String) -> String {
        "http://127.0.0.1:\(port)/\(mode)/\(name)"
    }

    /// The requests so far, one "GET PATH RANGE" line each (RANGE "-" when there was none).
    public var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    public func stop() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

public struct HubTestServerError: Error, CustomStringConvertible {
    public let description: String
}
