import Foundation
import Synchronization
import HubDownload
import TestSupport
import Testing
import TorchCheckpoint

/// HubDownload against Scripts/hub-test-server.py on 127.0.0.1, serving a real checkpoint
/// (Tests/Fixtures/models/vgg11.pth, 149 KB) under a torchvision-style name with its SHA-256 prefix.
/// Each test has its own server, served folder and cache folder.
@Suite struct HubDownloadTests {
    let server: HubTestServer
    let cache: URL
    let name: String
    let prefix: String
    let bytes: Data

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hub-download-\(UUID().uuidString)")
        let served = root.appendingPathComponent("served")
        cache = root.appendingPathComponent("torch/hub/checkpoints")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models/vgg11.pth")
        bytes = try Data(contentsOf: fixture)
        prefix = String(try FileHash.sha256Hex(of: fixture).prefix(8))
        name = "vgg11-\(prefix).pth"
        try bytes.write(to: served.appendingPathComponent(name))
        server = try HubTestServer(serving: served)
    }

    var destination: URL { cache.appendingPathComponent(name) }
    var partial: URL { cache.appendingPathComponent(name + ".partial") }

    /// The names in the cache folder (none when it does not exist).
    var cached: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).sorted()
    }

    @discardableResult
    func fetch(_ mode: String, stallSeconds: Int = HubDownload.defaultStallSeconds,
               events: (HubDownload.Event) -> Void = { _ in }) throws(DownloadError) -> URL {
        try HubDownload.fetch(server.url(mode, name), to: destination, expectedSHA256Prefix: prefix,
                              stallSeconds: stallSeconds, events: events)
    }

    @Test func aGoodDownloadEndsUnderItsNameAndIsNotFetchedTwice() throws {
        var received: [Int64] = []
        var totals: Set<Int64?> = []
        var finished: String?
        let file = try fetch("ok") { event in
            if case .progress(let count, let total) = event {
                received.append(count)
                totals.insert(total)
            }
            if case .finished(_, let sha256) = event { finished = sha256 }
        }
        #expect(file == destination)
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(received.last == Int64(bytes.count))
        #expect(totals == [Int64(bytes.count)])
        #expect(received == received.sorted())
        #expect(finished?.hasPrefix(prefix) == true)
        // Already there: no request.
        _ = try fetch("ok")
        #expect(server.requests.count == 1)
        #expect(cached == [name])
        server.stop()
    }

    @Test(arguments: ["truncated", "wronghash"])
    func aFileThatFailsItsHashIsRemoved(mode: String) throws {
        let error = expectThrows(DownloadError.self) { try fetch(mode) }
        #expect(error?.description.contains("SHA-256 mismatch") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.description.contains("should start with \(prefix)") == true)
        #expect(cached.isEmpty)
        server.stop()
    }

    @Test func notFoundSaysTheStatusAndLeavesNothing() throws {
        let error = expectThrows(DownloadError.self) {
            try HubDownload.fetch(server.url("ok", "vgg11-00000000.pth"), to: cache.appendingPathComponent("vgg11-00000000.pth"),
                                  expectedSHA256Prefix: "00000000")
        }
        #expect(error?.description.contains("HTTP 404") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(cached.isEmpty)
        server.stop()
    }

    /// The connection drops half-way: the bytes so far stay as NAME.partial, never under the
    /// checkpoint's name; the next attempt asks for the rest only and finishes the file.
    @Test func aDroppedConnectionIsResumed() throws {
        let error = expectThrows(DownloadError.self) { try fetch("dropfirst") }
        #expect(error?.description.contains("the same command resumes") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(cached == [name + ".partial"])
        let kept = try Data(contentsOf: partial)
        #expect(kept.count == bytes.count / 2)
        #expect(kept == bytes.prefix(bytes.count / 2))

        var resumedAt: Int64?
        try fetch("dropfirst") { event in
            if case .started(_, _, let offset) = event { resumedAt = offset }
        }
        #expect(resumedAt == Int64(bytes.count / 2))
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(server.requests == ["GET /dropfirst/\(name) -", "GET /dropfirst/\(name) bytes=\(bytes.count / 2)-"])
        server.stop()
    }

    /// A server that answers a range request with the whole file (200): the file starts over.
    @Test func aServerWithoutRangesSendsTheWholeFileAgain() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try bytes.prefix(1000).write(to: partial)
        try fetch("norange")
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(server.requests == ["GET /norange/\(name) bytes=1000-"])
        server.stop()
    }

    /// A server that answers the range request with another range: the file is fetched again
    /// from byte 0 (once), never stuck on a range it will not serve. One that sends the whole
    /// file as a range from byte 0: taken as it comes, in one request.
    @Test func aServerThatSendsAnotherRangeIsAskedForTheWholeFile() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try bytes.prefix(1000).write(to: partial)
        var restarts = 0
        try fetch("badrange") { event in
            if case .restarting = event { restarts += 1 }
        }
        #expect(restarts == 1)
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(server.requests == ["GET /badrange/\(name) bytes=1000-", "GET /badrange/\(name) -"])
        try FileManager.default.removeItem(at: destination)
        try bytes.prefix(1000).write(to: partial)
        var totals: Set<Int64?> = []
        try fetch("rangezero") { event in
            if case .progress(_, let total) = event { totals.insert(total) }
        }
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(totals == [Int64(bytes.count)], "the progress counts the whole file once")
        #expect(server.requests.last == "GET /rangezero/\(name) bytes=1000-")
        #expect(cached == [name])
        server.stop()
    }

    /// A partial file whose bytes are not the server's (the file changed, or the disk lied):
    /// the resumed file fails its hash, and the download runs once more from byte 0.
    @Test func aResumedFileThatFailsItsHashIsFetchedAgainFromTheStart() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        var wrong = bytes.prefix(bytes.count / 2)
        wrong[wrong.startIndex + 100] ^= 0x01
        try wrong.write(to: partial)
        var restarts = 0
        try fetch("ok") { event in
            if case .restarting = event { restarts += 1 }
        }
        #expect(restarts == 1)
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(server.requests == ["GET /ok/\(name) bytes=\(bytes.count / 2)-", "GET /ok/\(name) -"])
        server.stop()
    }

    /// Killed after the last byte but before the rename: the server has nothing past the end
    /// (416), the file on disk is checked as it is and moved into place.
    @Test func aCompletePartialFileIsCheckedAndKept() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try bytes.write(to: partial)
        try fetch("ok")
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(server.requests == ["GET /ok/\(name) bytes=\(bytes.count)-"])
        server.stop()
    }

    /// Nothing arrives for the stall time: the transfer fails (it does not hang), and what did
    /// arrive is kept for the next attempt.
    @Test func aStalledServerFailsTheTransfer() throws {
        let start = ContinuousClock.now
        let error = expectThrows(DownloadError.self) { try fetch("stall", stallSeconds: 1) }
        #expect(ContinuousClock.now - start < .seconds(8))
        #expect(error?.description.contains("download failed") == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        #expect(try Data(contentsOf: partial) == bytes.prefix(bytes.count / 2))
        server.stop()
    }

    /// Another process is downloading the file (here: this test holds the lock on NAME.partial):
    /// the download waits, and when the other one has put the checked file in place and let go,
    /// takes it without a request of its own.
    @Test func aDownloadWaitsForAnotherAndTakesItsFile() throws {
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let fd = open(partial.path, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let waiting = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<URL, DownloadError>?>(nil)
        let (url, destination, prefix) = (server.url("ok", name), self.destination, self.prefix)
        let thread = Thread {
            let result = Result { () throws(DownloadError) in
                try HubDownload.fetch(url, to: destination, expectedSHA256Prefix: prefix) { event in
                    if case .waitingForAnotherDownload = event { waiting.signal() }
                }
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        thread.start()
        #expect(waiting.wait(timeout: .now() + 30) == .success, "the download did not wait")
        // The "other process" finishes: the checked file goes in place, the partial name goes away.
        try bytes.write(to: partial)
        #expect(rename(partial.path, destination.path) == 0)
        close(fd)
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(try outcome.withLock({ $0 })?.get() == destination)
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(server.requests.isEmpty)
        server.stop()
    }

    /// Two downloads of one file at once in this process: both end with the file, and the
    /// file is fetched once (whichever way the two overlap).
    @Test func twoDownloadsOfOneFileFetchItOnce() throws {
        let url = server.url("ok", name)
        let destination = self.destination, prefix = self.prefix
        let results = Mutex<[Result<URL, DownloadError>]>([])
        // (threads of their own: a download that waits blocks its thread)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let result = Result { () throws(DownloadError) in try HubDownload.fetch(url, to: destination, expectedSHA256Prefix: prefix) }
            results.withLock { $0.append(result) }
        }
        for result in results.withLock({ $0 }) { #expect(try result.get() == destination) }
        #expect(try Data(contentsOf: destination) == bytes)
        #expect(cached == [name])
        #expect(server.requests.count == 1)
        server.stop()
    }

    @Test func aCacheFolderThatCannotBeMadeIsOneError() throws {
        let blocker = cache.deletingLastPathComponent().appendingPathComponent("file")
        try FileManager.default.createDirectory(at: blocker.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: blocker)
        let error = expectThrows(DownloadError.self) {
            try HubDownload.fetch(server.url("ok", name), to: blocker.appendingPathComponent("sub/\(name)"), expectedSHA256Prefix: prefix)
        }
        #expect(error?.description.contains("cannot create the folder") == true)
        #expect(server.requests.isEmpty)
        server.stop()
    }
}
