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
        server.stop()
    }

    /// Two downloads of one file at once (two threads here; two processes use the same lock):
    /// one fetches, the other waits and takes its file.
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
