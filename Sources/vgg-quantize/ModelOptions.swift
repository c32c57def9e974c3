import ArgumentParser
import Foundation
import VGGModel

/// `--arch`, `--weights`, `--no-verify`: which checkpoint to read.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Architecture: \(VGGArch.allCases.map(\.rawValue).joined(separator: ", ")). Inferred from the weights when omitted.",
                               valueName: "arch"))
    var arch: VGGArch?

    @Option(help: ArgumentHelp("Checkpoint: torch .pth (zip or legacy) or .safetensors. Default: the arch's standard file in the torch hub cache.",
                               valueName: "file"))
    var weights: String?

    @Flag(name: .customLong("no-verify"), help: "Skip the SHA-256 check of a torch.hub file name's hash suffix.")
    var noVerify = false

    func loadNetwork() throws -> VGGNetwork {
        try VGGNetwork.load(arch: arch, weights: weights.map { URL(fileURLWithPath: $0) }, verifyHash: !noVerify)
    }
}

extension VGGArch: ExpressibleByArgument {}
