import ArgumentParser
import CommandLineSupport
import Foundation
import TorchCheckpoint
import VGGModel

/// `--arch`, `--weights`, `--no-verify`, `--sha256`: which checkpoint to read, and how it is checked.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Architecture: \(VGGArch.allCases.map(\.rawValue).joined(separator: ", ")). Inferred from the weights when omitted.",
                               valueName: "arch"))
    var arch: VGGArch?

    @Option(help: ArgumentHelp("Checkpoint: torch .pth (zip or legacy) or .safetensors. Default: the arch's standard file in the torch hub cache.",
                               valueName: "file"))
    var weights: String?

    @Flag(name: .customLong("no-verify"), help: "Skip the SHA-256 check of a torchvision file name's hash suffix (-<8 hex digits>.pth).")
    var noVerify = false

    @Option(help: ArgumentHelp("Check that the checkpoint's SHA-256 starts with these hex digits (1 to 64), whatever its name.",
                               valueName: "hex"))
    var sha256: String?

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
    }

    func loadNetwork() throws -> VGGNetwork {
        try VGGNetwork.load(arch: arch, weights: weights.map { URL(fileURLWithPath: $0) }, verifyHash: !noVerify,
                            expectedSHA256: try expectedSHA256())
    }
}

extension VGGArch: ExpressibleByArgument {}
