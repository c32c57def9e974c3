#if canImport(Glibc)
import Glibc
#endif

extension AtomicFile {
    /// Checks, before a long computation, that `write(_:to:)` could create or replace `path`:
    /// its folder exists and is writable, and `path` is not a folder. (The write itself may still
    /// fail, e.g. when the disk is full; it then throws and leaves no file.)
    ///
    /// - Throws: `AtomicFileError`, e.g. `cannot write /out/model.vq8: folder /out does not exist`.
    public static func checkWritable(_ path: String) throws {
        let (directory, name) = split(path)
        if name.isEmpty || kind(of: path) == S_IFDIR {
            throw AtomicFileError(path: path, reason: "it is a folder")
        }
        guard kind(of: directory) == S_IFDIR else {
            throw AtomicFileError(path: path, reason: "folder \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw AtomicFileError(path: path, reason: "folder \(directory) is not writable")
        }
    }

    /// The file type bits of `path` (`S_IFDIR`, `S_IFREG`, ...), following links; nil when it does not exist.
    private static func kind(of path: String) -> mode_t? {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & S_IFMT : nil
    }
}
