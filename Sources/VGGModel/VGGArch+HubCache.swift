import Foundation
import TorchCheckpoint

extension VGGArch {
    /// The arch's standard checkpoint in the torch hub cache, where torchvision's
    /// `vgg16_bn(weights=...)` downloads it.
    ///
    /// - Throws: `ModelError` saying where it looked when the file is not there.
    public func checkpointInHubCache(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        guard let file = TorchHub.cachedCheckpoint(named: standardFileName, environment: environment) else {
            throw ModelError("no --weights given and \(standardFileName) is not in the torch hub cache "
                + "\(TorchHub.checkpointsDirectory(environment: environment).path) (set TORCH_HOME or pass --weights FILE)")
        }
        return file
    }
}
