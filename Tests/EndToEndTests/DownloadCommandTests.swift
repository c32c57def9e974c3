import Foundation
import TestSupport
import Testing

/// `--download` and `--weights-url` through vgg-quantize, against Scripts/hub-test-server.py on
/// 127.0.0.1 serving the vgg11 fixture under a torchvision-style name (HubDownloadTests covers
/// the downloader's cases one by one).
@Suite struct DownloadCommandTests {
    let tool = Tool(name: "vgg-quantize")
    let root: URL
    let server: HubTestServer
    let name: String
    let fixture = Tool.fixtures.appendingPathComponent("models/vgg11.pth")
    let image = Tool.fixtures.appendingPathComponent("images/coffee.png").path

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-download-\(UUID().uuidString)")
        let served = root.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        name = "vgg11-\(try sha256Hex(fixture).prefix(8)).pth"
        try FileManager.default.copyItem(at: fixture, to: served.appendingPathComponent(name))
        try FileManager.default.copyItem(at: fixture, to: served.appendingPathComponent("finetuned.pth"))
        server = try HubTestServer(serving: served)
    }

    /// `reference` on one image (small crop): the quickest command that loads a checkpoint.
    func reference(_ arguments: [String], environment: [String: String]) throws -> Tool.Result {
        try tool.run(["reference", "--json", "--crop", "64", "--resize", "72"] + arguments + [image], environment: environment)
    }

    /// The `images` part of `reference --json` (the rest holds timings).
    func topClasses(_ result: Tool.Result) throws -> NSArray? {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return object?["images"] as? NSArray
    }

    func files(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func weightsURLDownloadsIntoTorchHomeOnceAndGivesTheFilesResults() throws {
        let environment = ["TORCH_HOME": root.appendingPathComponent("torch").path]
        let hub = root.appendingPathComponent("torch/hub/checkpoints")
        let downloaded = try reference(["--weights-url", server.url("ok", name)], environment: environment)
        #expect(downloaded.status == 0, "\(downloaded.stderr)")
        #expect(downloaded.stderr.contains("downloading \(server.url("ok", name)) into \(hub.path)"), "\(downloaded.stderr)")
        #expect(downloaded.stderr.contains("starts with \(name.dropFirst(6).prefix(8)), as expected"), "\(downloaded.stderr)")
        #expect(files(hub) == [name])
        let direct = try reference(["--weights", fixture.path], environment: [:])
        #expect(try topClasses(downloaded) == topClasses(direct))
        // Cached: no second request.
        let again = try reference(["--weights-url", server.url("ok", name)], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("downloading"))
        #expect(server.requests.count == 1)
        server.stop()
    }

    /// With TORCH_HOME unset (empty counts as unset), XDG_CACHE_HOME/torch is torch's home.
    @Test func xdgCacheHomeIsHonoured() throws {
        let xdg = root.appendingPathComponent("xdg")
        let result = try reference(["--weights-url", server.url("ok", name)],
                                   environment: ["TORCH_HOME": "", "XDG_CACHE_HOME": xdg.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(files(xdg.appendingPathComponent("torch/hub/checkpoints")) == [name])
        server.stop()
    }

    /// The connection drops half-way: the command fails saying so, nothing sits under the
    /// checkpoint's name, and the same command resumes and finishes.
    @Test func anInterruptedDownloadFailsAndTheSameCommandResumesIt() throws {
        let environment = ["TORCH_HOME": root.appendingPathComponent("torch").path]
        let hub = root.appendingPathComponent("torch/hub/checkpoints")
        let first = try reference(["--weights-url", server.url("dropfirst", name)], environment: environment)
        #expect(first.status != 0 && !first.crashed)
        #expect(first.stderr.split(separator: "\n").last?.contains("the same command resumes from there") == true, "\(first.stderr)")
        #expect(files(hub) == [name + ".partial"])
        let second = try reference(["--weights-url", server.url("dropfirst", name)], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resuming after"), "\(second.stderr)")
        #expect(files(hub) == [name])
        #expect(server.requests.last?.hasSuffix("bytes=\(try Data(contentsOf: fixture).count / 2)-") == true)
        server.stop()
    }

    @Test func aDownloadThatFailsItsHashIsRefusedAndRemoved() throws {
        let hub = root.appendingPathComponent("torch/hub/checkpoints")
        let result = try reference(["--weights-url", server.url("wronghash", name)],
                                   environment: ["TORCH_HOME": root.appendingPathComponent("torch").path])
        #expect(result.status != 0 && !result.crashed)
        #expect(result.stderr.split(separator: "\n").last?.contains("SHA-256 mismatch") == true, "\(result.stderr)")
        #expect(files(hub).isEmpty)
        server.stop()
    }

    /// A name without torchvision's hash suffix needs --sha256; with it, the download is checked.
    @Test func aURLWhoseNameCarriesNoDigestNeedsSha256() throws {
        let environment = ["TORCH_HOME": root.appendingPathComponent("torch").path]
        try reference(["--weights-url", server.url("ok", "finetuned.pth")], environment: environment)
            .expectCleanFailure("finetuned.pth", "no SHA-256 prefix", "--sha256")
        #expect(server.requests.isEmpty)
        let digest = try sha256Hex(fixture)
        let checked = try reference(["--weights-url", server.url("ok", "finetuned.pth"), "--sha256", String(digest.prefix(16))],
                                    environment: environment)
        #expect(checked.status == 0, "\(checked.stderr)")
        let wrong = try reference(["--weights-url", server.url("wronghash", "finetuned.pth"), "--sha256", String(digest.prefix(16))],
                                  environment: ["TORCH_HOME": root.appendingPathComponent("other").path])
        #expect(wrong.status != 0 && !wrong.crashed)
        let last = try #require(wrong.stderr.split(separator: "\n").last)
        #expect(last.hasPrefix("Error: ") && last.contains("SHA-256 mismatch"), "\(wrong.stderr)")
        // A download is checked with at least 8 digits.
        try reference(["--weights-url", server.url("ok", "finetuned.pth"), "--sha256", String(digest.prefix(4))],
                      environment: ["TORCH_HOME": root.appendingPathComponent("third").path])
            .expectCleanFailure("--sha256", "at least 8 hex digits")
        server.stop()
    }

    @Test func optionsThatCannotGoTogetherAreOneLine() throws {
        try reference(["--weights", fixture.path, "--download"], environment: [:]).expectCleanFailure("--weights", "--download")
        try reference(["--download"], environment: [:]).expectCleanFailure("--download needs --arch")
        try reference(["--weights-url", "ftp://example.com/vgg11-12345678.pth"], environment: [:])
            .expectCleanFailure("--weights-url", "http")
        let missing = try reference(["--weights-url", server.url("nothere", name)], environment: ["TORCH_HOME": root.path])
        #expect(missing.status != 0 && !missing.crashed)
        let last = try #require(missing.stderr.split(separator: "\n").last)
        #expect(last.hasPrefix("Error: ") && last.contains("HTTP 404"), "\(missing.stderr)")
        // A name that would leave the cache (the last segment is percent-decoded).
        try reference(["--weights-url", "http://127.0.0.1:\(server.port)/ok/..%2F..%2Fescape-12345678.pth"], environment: ["TORCH_HOME": root.path])
            .expectCleanFailure("--weights-url", "file name")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("escape-12345678.pth").path))
        server.stop()
    }
}
