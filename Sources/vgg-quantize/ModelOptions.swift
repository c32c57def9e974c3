import ArgumentParser
import CommandLineSupport
import Foundation
import HubDownload
import TorchCheckpoint
import VGGModel

/// `--arch`, `--weights`, `--no-verify`, `--sha256`, `--download`, `--weights-url`: which
/// checkpoint to read, where it comes from, and how it is checked (Docs/Checkpoints.md).
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Architecture: \(VGGArch.allCases.map(\.rawValue).joined(separator: ", ")). Inferred from the weights when omitted.",
                               valueName: "arch"))
    var arch: VGGArch?

    @Option(help: ArgumentHelp("Checkpoint: torch .pth (zip or legacy) or .safetensors. Default: the arch's standard file in the torch hub cache.",
                               valueName: "file"))
    var weights: String?

    @Flag(name: .customLong("no-verify"), help: "Skip the SHA-256 check of a torchvision file name's hash suffix (-<8 hex digits>.pth) when loading; downloads are always checked.")
    var noVerify = false

    @Option(help: ArgumentHelp("Check that the checkpoint's SHA-256 starts with these hex digits (1 to 64), whatever its name.",
                               valueName: "hex"))
    var sha256: String?

    @Flag(help: ArgumentHelp("When --arch's torchvision checkpoint (500-575 MB) is not in the torch hub cache, download it there, checking its SHA-256 (TORCH_HOME, XDG_CACHE_HOME)."))
    var download = false

    @Option(name: .customLong("weights-url"),
            help: ArgumentHelp("Download from this http(s) URL instead of torchvision's (a mirror) when its file is not in the torch hub cache; its file name carries the SHA-256 prefix (NAME-<8 hex digits>.pth) unless --sha256 is given. Implies --download.",
                               valueName: "url"))
    var weightsURL: String?

    /// `--sha256`, lowercased and checked.
    func expectedSHA256() throws -> String? {
        guard let sha256 else { return nil }
        guard let prefix = FileHash.normalizedPrefix(sha256) else {
            throw CommandError("--sha256 must be 1 to 64 hex digits, got '\(sha256)'")
        }
        return prefix
    }

    func validate() throws {
        _ = try expectedSHA256()
        if weights != nil && (download || weightsURL != nil) {
            throw CommandError("--weights FILE names a checkpoint on disk; --download and --weights-url fetch one into the torch hub cache: give one or the other")
        }
        if download && arch == nil && weightsURL == nil {
            throw CommandError("--download needs --arch (which torchvision checkpoint) or --weights-url")
        }
        if let weightsURL { _ = try Self.fileName(inURL: weightsURL) }
    }

    /// The checkpoint to read: `--weights`; else the file of `--weights-url` or of `--arch`'s
    /// torchvision URL in the torch hub cache, downloaded there first when it is missing and
    /// downloading is allowed; nil when neither `--weights`, `--arch` nor `--weights-url` is given.
    func weightsFile() throws -> URL? {
        if let weights { return URL(fileURLWithPath: weights) }
        guard let url = weightsURL ?? arch?.torchvisionURL else { return nil }
        let name = try Self.fileName(inURL: url)
        if let cached = TorchHub.cachedCheckpoint(named: name) { return cached }
        let directory = TorchHub.checkpointsDirectory()
        let file = directory.appendingPathComponent(name)
        guard download || weightsURL != nil else {
            throw CommandError("no --weights given and \(name) is not in the torch hub cache \(directory.path); "
                               + "add --download to fetch it from \(url) (500-575 MB), or pass --weights FILE")
        }
        guard let prefix = try expectedSHA256() ?? FileHash.expectedPrefix(inFileName: name) else {
            throw CommandError("\(url): the file name carries no SHA-256 prefix (NAME-<8 hex digits>.pth, as torchvision's do); "
                               + "add --sha256 HEX so that the download can be checked")
        }
        // (a download is checked with at least torchvision's 32 bits: one hex digit would let a
        // wrong file through once in 16)
        guard prefix.count >= 8 else {
            throw CommandError("--sha256 must give at least 8 hex digits to check a download, got \(prefix.count)")
        }
        let display = DownloadDisplay()
        do {
            try HubDownload.fetch(url, to: file, expectedSHA256Prefix: prefix) { display.show($0, prefix: prefix) }
        } catch {
            display.stop()
            throw error
        }
        return file
    }

    /// The network in `file` (from `weightsFile()`).
    func loadNetwork(from file: URL?) throws -> VGGNetwork {
        try VGGNetwork.load(arch: arch, weights: file, verifyHash: !noVerify, expectedSHA256: try expectedSHA256())
    }

    /// The last path segment of an http(s) URL: the name the file gets in the cache. Only
    /// letters, digits, `.`, `_` and `-`, not starting with `.`: the segment is percent-decoded,
    /// and `..%2F` must not name a file outside the cache.
    static func fileName(inURL text: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else {
            throw CommandError("--weights-url must be an http:// or https:// URL, got '\(text)'")
        }
        let name = url.lastPathComponent
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") }
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy(allowed) else {
            throw CommandError("--weights-url must end in a file name of letters, digits, '.', '_' and '-', got '\(name)'")
        }
        return name
    }
}

/// A download's events on stderr: what is fetched from where, a progress line, the check.
private final class DownloadDisplay {
    private var progress: ProgressLine?
    private var resumedAt: Int64 = 0
    private var lastShown = -1.0

    func show(_ event: HubDownload.Event, prefix: String) {
        switch event {
        case .waitingForAnotherDownload(let partial):
            Log.line("waiting for another process downloading into \(partial.path)")
        case .started(let url, let destination, let offset):
            resumedAt = offset
            progress = nil
            Log.line("downloading \(url) into \(destination.deletingLastPathComponent().path)"
                     + (offset > 0 ? ", resuming after \(Log.megabytes(Int(offset))) MB" : ""))
        case .progress(let received, let total):
            guard let total else { return }
            if progress == nil {
                // (from 0 when the server sent the whole file again instead of the rest)
                progress = ProgressLine(total: Int(total), label: "downloading", unit: .bytes,
                                        startingAt: Int(min(resumedAt, received)))
            }
            // (libcurl reports every few KB; a tenth of a second is often enough for a person)
            let now = ProgressLine.monotonicSeconds()
            guard now - lastShown >= 0.1 || received == total else { return }
            lastShown = now
            progress?.update(done: Int(received))
            if received == total { progress?.finish() }  // (before the hash check, which is not transfer time)
        case .restarting(let reason):
            progress?.finish()
            Log.line("downloading again from the start: \(reason)")
        case .finished(_, let sha256):
            progress?.finish()
            Log.line("SHA-256 \(sha256) starts with \(prefix), as expected")
        }
    }

    /// Ends a progress bar left open by a failed transfer, so that the error starts a line.
    func stop() {
        if let progress, progress.isTerminal, !progress.isFinished { Log.line("") }
    }
}

extension VGGArch: ExpressibleByArgument {}
