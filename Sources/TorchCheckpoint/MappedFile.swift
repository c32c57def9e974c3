#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory; unmapped when the last reference goes.
///
/// Tensors point into `bytes`, so loading a checkpoint copies nothing: pages are read from
/// disk (or the page cache) only when an element is first touched.
/// `@unchecked Sendable`: the mapping is read-only and never changes after `init`.
final class MappedFile: @unchecked Sendable {
    /// The file's bytes (empty for an empty file, which is not mapped).
    let bytes: UnsafeRawBufferPointer

    /// Maps the regular file at `path`.
    ///
    /// - Throws: `CheckpointProblem` when the file does not exist, is not a regular file,
    ///   or cannot be opened or mapped.
    init(path: String) throws(CheckpointProblem) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CheckpointProblem(errno == ENOENT ? "file does not exist" : "cannot open: \(Self.systemError())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CheckpointProblem("cannot read file status: \(Self.systemError())")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            let isDirectory = status.st_mode & S_IFMT == S_IFDIR
            throw CheckpointProblem(isDirectory ? "is a directory, not a checkpoint file" : "is not a regular file")
        }
        let byteCount = Int(status.st_size)
        guard byteCount > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CheckpointProblem("cannot map \(byteCount) bytes: \(Self.systemError())")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: byteCount)
    }

    deinit {
        if let address = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
        }
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
