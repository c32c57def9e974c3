import Foundation
import TorchCheckpoint

extension VGGNetwork {
    /// Loads a torchvision VGG checkpoint (torch zip, torch legacy or safetensors).
    ///
    /// - Parameters:
    ///   - arch: expected arch; nil infers it from the weights (and then `weights` is required).
    ///   - weights: the checkpoint; nil looks for `arch`'s standard file in the torch hub cache.
    ///   - verifyHash: check torchvision's SHA-256 prefix when the file name carries one.
    ///   - expectedSHA256: a SHA-256 prefix the file must have, whatever its name (`--sha256`).
    /// - Throws: `CheckpointError` or `ModelError`, each one line naming the file.
    public static func load(arch: VGGArch?, weights: URL?, verifyHash: Bool = true,
                            expectedSHA256: String? = nil) throws -> VGGNetwork {
        let file: URL
        if let weights {
            file = weights
        } else if let arch {
            file = try arch.checkpointInHubCache()
        } else {
            throw ModelError("give --weights FILE, or --arch to look in the torch hub cache")
        }
        let checkpoint = try Checkpoint.load(contentsOf: file, verifyHash: verifyHash, expectedSHA256: expectedSHA256)
        return try VGGNetwork(arch: arch, weights: checkpoint)
    }
}
