import Foundation

/// Where torch.hub keeps downloaded checkpoints, so users can point at weights they already have.
public enum TorchHub {
    /// torch.hub's checkpoint directory (`torch.hub.get_dir()` + `/checkpoints`):
    /// `$TORCH_HOME/hub/checkpoints`, else `$XDG_CACHE_HOME/torch/hub/checkpoints`, else
    /// `~/.cache/torch/hub/checkpoints`. A leading `~` is expanded with `$HOME`, as Python's
    /// `os.path.expanduser` does. One deliberate difference: a variable set to the empty
    /// string counts as unset (Python would produce a path relative to the working directory).
    ///
    /// - Parameter environment: the variables to read; the process environment by default.
    public static func checkpointsDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        let torchHome = value("TORCH_HOME") ?? ((value("XDG_CACHE_HOME") ?? "~/.cache") + "/torch")
        return URL(fileURLWithPath: expandingTilde(torchHome, home: value("HOME")), isDirectory: true)
            .appendingPathComponent("hub", isDirectory: true)
            .appendingPathComponent("checkpoints", isDirectory: true)
    }

    /// The file `name` in the checkpoint directory, nil when it is not there.
    public static func cachedCheckpoint(named name: String,
                                        environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        let file = checkpointsDirectory(environment: environment).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: file.path) ? file : nil
    }

    /// `path` with a leading `~` or `~/` replaced by `home` (the user's home directory when nil).
    private static func expandingTilde(_ path: String, home: String?) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        var home = home ?? NSHomeDirectory()
        while home.hasSuffix("/") {
            home.removeLast()
        }
        let expanded = home + path.dropFirst()
        return expanded.isEmpty ? "/" : expanded
    }
}
