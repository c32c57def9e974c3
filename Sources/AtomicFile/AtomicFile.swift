#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that readers see either the old file or the complete new one, never a
/// truncated one: the bytes go to a temporary file in the same directory, are flushed to disk,
/// and the temporary file is renamed over the target (rename is atomic within a file system).
/// A failed write removes its temporary file. A killed process cannot, so the temporary file's
/// name carries the writer's process id (`.NAME.tmp-PID-XXXXXX`), and the next write of the
/// same target removes those whose process is gone.
public enum AtomicFile {
    /// Writes `bytes` to the file at `path` (as given: relative to the working folder or absolute).
    /// - Throws: `AtomicFileError` naming the path and the system's reason.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let (directory, name) = split(path)
        guard !name.isEmpty else { throw AtomicFileError(path: path, reason: "it is a folder") }
        removeStaleTemporaries(directory: directory, name: name)
        var template = (directory + "/." + name + ".tmp-\(getpid())-XXXXXX").utf8CString
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw AtomicFileError(path: path, errno: errno) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                throw AtomicFileError(path: path, errno: code)
            }
            written += n
        }
        // mkstemp creates 0600; give the file the usual permissions (0644 less the umask).
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o644 & ~mask)
        guard fsync(fd) == 0, close(fd) == 0 else { throw AtomicFileError(path: path, errno: errno) }
        guard rename(temporary, path) == 0 else { throw AtomicFileError(path: path, errno: errno) }
        ok = true
    }

    /// Removes `directory`'s temporary files for target `name` (`.NAME.tmp-PID-XXXXXX`) whose
    /// writer process no longer exists: what a killed write left. A live writer's file stays.
    static func removeStaleTemporaries(directory: String, name: String) {
        guard let folder = opendir(directory) else { return }
        defer { closedir(folder) }
        let prefix = "." + name + ".tmp-"
        var stale: [String] = []
        while let entry = readdir(folder) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard entryName.hasPrefix(prefix) else { continue }
            let rest = entryName.dropFirst(prefix.count).split(separator: "-", maxSplits: 1)
            guard rest.count == 2, rest[1].utf8.count == 6, let pid = pid_t(rest[0]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(entryName) }
        }
        for entryName in stale { unlink(directory + "/" + entryName) }
    }

    /// The folder holding `path` and the file's name in it: `a/b/c.vq8` is (`a/b`, `c.vq8`),
    /// `c.vq8` is (`.`, `c.vq8`), `/c.vq8` is (`/`, `c.vq8`), `out/` is (`out`, ``).
    /// Repeated slashes are kept, as the file system reads them the same way.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let name = String(path[path.index(after: slash)...])
        var directory = path[..<slash]
        while directory.hasSuffix("/") { directory.removeLast() }
        return (directory.isEmpty ? "/" : String(directory), name)
    }
}

/// One line: `cannot write PATH: REASON`.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }
    init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot write \(path): \(reason)" }
}
