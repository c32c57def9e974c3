import CHTTP
import Foundation
import TorchCheckpoint
#if canImport(Glibc)
import Glibc
#endif

/// Verified downloads of checkpoints into the torch hub cache (Docs/Checkpoints.md, "Downloads").
///
/// A download goes to `NAME.partial` next to its destination, under an exclusive lock (a second
/// process waits, then takes the first one's file). The bytes are appended, so an interrupted
/// download leaves a prefix of the file that the next attempt resumes with a range request (a
/// server that ignores ranges sends the whole file again). The finished file's SHA-256 must start
/// with the expected prefix; only then is it renamed to the destination, atomically. A resumed
/// file that fails the check is fetched once more from the start; any other failed check removes
/// it. Nothing ever reads `NAME.partial` as a checkpoint, and no file reaches the destination name
/// unchecked.
///
///     let file = try HubDownload.fetch("https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
///                                      to: TorchHub.checkpointsDirectory().appendingPathComponent("vgg16_bn-6c64b313.pth"),
///                                      expectedSHA256Prefix: "6c64b313") { event in print(event) }
public enum HubDownload {
    /// What a download reports as it goes.
    public enum Event: Sendable {
        /// Another process is downloading the same file; this one waits for it.
        case waitingForAnotherDownload(partial: URL)
        /// A request starts; `resumingAt` is the length of the partial file it continues (0: from the start).
        case started(url: String, destination: URL, resumingAt: Int64)
        /// `received` bytes of the file are on disk; `total` is its length when the server said.
        case progress(received: Int64, total: Int64?)
        /// The partial file is discarded and the download starts again from byte 0.
        case restarting(reason: String)
        /// The file is complete, verified and in place.
        case finished(bytes: Int64, sha256: String)
    }

    /// A request gives up when no byte arrives for this long (seconds).
    public static let defaultStallSeconds = 60

    /// Downloads `url` to `destination` unless it is already there, checking that the file's
    /// SHA-256 starts with `expectedSHA256Prefix` (1 to 64 lowercase hex digits) before renaming it
    /// into place.
    ///
    /// - Returns: `destination`.
    /// - Throws: `DownloadError`: the HTTP status or the transfer's failure, a SHA-256 mismatch, a
    ///   file-system error. After an interrupted transfer the partial file stays for the next attempt.
    @discardableResult
    public static func fetch(_ url: String, to destination: URL, expectedSHA256Prefix: String,
                             stallSeconds: Int = defaultStallSeconds,
                             events: (Event) -> Void = { _ in }) throws(DownloadError) -> URL {
        precondition(FileHash.normalizedPrefix(expectedSHA256Prefix) == expectedSHA256Prefix, "not a lowercase hex prefix")
        let directory = destination.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DownloadError("cannot create the folder \(directory.path): \(error.localizedDescription)")
        }
        // (also before the lock: a read-only cache that holds the file is fine)
        if FileManager.default.fileExists(atPath: destination.path) { return destination }
        let partial = directory.appendingPathComponent(destination.lastPathComponent + ".partial")
        let fd = try lockedPartialFile(partial, events: events)
        defer { close(fd) }  // (releases the lock)
        if FileManager.default.fileExists(atPath: destination.path) {
            // Another process finished it while this one waited (its hash was checked there).
            unlink(partial.path)
            return destination
        }

        while true {
            let offset = try size(of: fd, partial)
            let outcome = try transfer(url, fd: fd, offset: offset, partial: partial, destination: destination,
                                       stallSeconds: stallSeconds, events: events)
            if outcome.otherRange {
                // A server that answers a range request with other bytes: from byte 0 then (that
                // request has no range, so this happens once).
                events(.restarting(reason: "the server sent other bytes than the \(offset) on asked for"))
                guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw DownloadError(path: partial, errno: errno) }
                continue
            }
            let digest: String
            do throws(CheckpointError) {
                digest = try FileHash.sha256Hex(of: partial)
            } catch {
                throw DownloadError("cannot read \(partial.path) back: \(error)")
            }
            if digest.hasPrefix(expectedSHA256Prefix) {
                try moveIntoPlace(fd: fd, partial: partial, destination: destination)
                events(.finished(bytes: try size(of: fd, partial), sha256: digest))
                return destination
            }
            // Again from the start when the bytes were joined to an earlier attempt's (the
            // server's file may have changed in between). That attempt starts at byte 0, so
            // there is no third.
            guard outcome.resumed else {
                unlink(partial.path)
                throw DownloadError("\(url): SHA-256 mismatch: the download's SHA-256 is \(digest), but it should start with "
                                    + "\(expectedSHA256Prefix); the file was removed")
            }
            events(.restarting(reason: "the resumed file's SHA-256 is \(digest), not \(expectedSHA256Prefix)..."))
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
                throw DownloadError(path: partial, errno: errno)
            }
        }
    }

    private struct TransferOutcome {
        /// Whether the file on disk joins this request's bytes to an earlier attempt's. Also true
        /// when the server answered 416 to a range request: the partial file is already as long
        /// as the server's (a download killed before its rename), or longer.
        var resumed: Bool
        /// The server answered the range request with a range that starts elsewhere; nothing was written.
        var otherRange = false
    }

    /// One GET, the body appended to `fd` from `offset`.
    private static func transfer(_ url: String, fd: Int32, offset: Int64, partial: URL, destination: URL,
                                 stallSeconds: Int, events: (Event) -> Void) throws(DownloadError) -> TransferOutcome {
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw DownloadError(path: partial, errno: errno) }
        events(.started(url: url, destination: destination, resumingAt: offset))
        var result = vgg_http_result()
        let status = withoutActuallyEscaping(events) { events in
            let reporter = ProgressReporter(events: events)
            return withExtendedLifetime(reporter) {
                vgg_http_get(url, fd, offset, stallSeconds, { context, start, received, expected in
                    Unmanaged<ProgressReporter>.fromOpaque(context!).takeUnretainedValue().report(start, received, expected)
                    return 0
                }, Unmanaged.passUnretained(reporter).toOpaque(), &result)
            }
        }
        if status == 0 {
            return TransferOutcome(resumed: offset > 0 && result.restarted == 0)
        }
        if result.status == 416 && offset > 0 { return TransferOutcome(resumed: true) }
        if result.range_mismatch != 0 { return TransferOutcome(resumed: false, otherRange: true) }
        let have = (try? size(of: fd, partial)) ?? 0
        if have == 0 { unlink(partial.path) }
        let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if result.status >= 400 {
            throw DownloadError("\(url): the server answered HTTP \(result.status)")
        }
        let resumeHint = have > 0
            ? "; \(have) bytes are kept in \(partial.path), and the same command resumes from there"
            : ""
        throw DownloadError("\(url): download failed: \(message)\(resumeHint)")
    }

    /// Opens (creating) `partial` and holds an exclusive lock on it. A process that finds it
    /// locked waits. The lock belongs to the file's inode, so after waiting, the path must still
    /// name the locked inode: the holder may have renamed it into place, and writing to that
    /// inode would change the finished checkpoint.
    private static func lockedPartialFile(_ partial: URL, events: (Event) -> Void) throws(DownloadError) -> Int32 {
        var waited = false
        while true {
            let fd = open(partial.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw DownloadError(path: partial, errno: errno) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK else {
                    let code = errno
                    close(fd)
                    throw DownloadError(path: partial, errno: code)
                }
                if !waited { events(.waitingForAnotherDownload(partial: partial)) }
                waited = true
                while flock(fd, LOCK_EX) != 0 {
                    guard errno == EINTR else {
                        let code = errno
                        close(fd)
                        throw DownloadError(path: partial, errno: code)
                    }
                }
            }
            var locked = stat(), named = stat()
            if fstat(fd, &locked) == 0, stat(partial.path, &named) == 0, locked.st_ino == named.st_ino, locked.st_dev == named.st_dev {
                return fd
            }
            close(fd)  // renamed or removed while this process waited: take the path again
        }
    }

    /// Flushes the verified file and renames it to `destination`, then flushes the folder so the
    /// rename itself survives a power cut.
    private static func moveIntoPlace(fd: Int32, partial: URL, destination: URL) throws(DownloadError) {
        guard fsync(fd) == 0 else { throw DownloadError(path: partial, errno: errno) }
        guard rename(partial.path, destination.path) == 0 else { throw DownloadError(path: destination, errno: errno) }
        let folder = open(destination.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    private static func size(of fd: Int32, _ path: URL) throws(DownloadError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DownloadError(path: path, errno: errno) }
        return Int64(info.st_size)
    }
}

/// Turns libcurl's per-request byte counts into whole-file progress events.
private final class ProgressReporter {
    let events: (HubDownload.Event) -> Void
    var last: Int64 = -1

    init(events: @escaping (HubDownload.Event) -> Void) {
        self.events = events
    }

    /// The body starts at byte `start` of the file (0 after the server sent it whole).
    func report(_ start: Int64, _ received: Int64, _ expected: Int64) {
        // (libcurl also calls while nothing arrives, and before the headers say the length)
        guard start + received != last, received > 0 || expected > 0 else { return }
        last = start + received
        events(.progress(received: start + received, total: expected > 0 ? start + expected : nil))
    }
}
