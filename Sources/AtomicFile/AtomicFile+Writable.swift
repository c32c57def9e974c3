import Foundation

extension AtomicFile {
    /// Checks, before a long computation, that `write(_:to:)` could create or replace `url`:
    /// its folder exists and is writable, and `url` is not a folder. (The write itself may still
    /// fail, e.g. when the disk is full; it then throws and leaves no file.)
    ///
    /// - Throws: `AtomicFileError`, e.g. `cannot write /out/model.vq8: folder /out does not exist`.
    public static func checkWritable(_ url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw AtomicFileError(path: url.path, reason: "it is a folder")
        }
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AtomicFileError(path: url.path, reason: "folder \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw AtomicFileError(path: url.path, reason: "folder \(directory) is not writable")
        }
    }
}
