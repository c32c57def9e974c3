import Foundation
import Testing

@testable import TorchCheckpoint

/// torch.hub's cache directory rules, with fake environments.
@Suite struct TorchHubTests {
    private func directory(_ environment: [String: String]) -> String {
        TorchHub.checkpointsDirectory(environment: environment).path
    }

    @Test func torchHomeWins() {
        #expect(directory(["TORCH_HOME": "/data/torch", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"]) == "/data/torch/hub/checkpoints")
    }

    @Test func thenXDGCacheHome() {
        #expect(directory(["XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"]) == "/xdg/torch/hub/checkpoints")
    }

    @Test func thenTheHomeCache() {
        #expect(directory(["HOME": "/home/u"]) == "/home/u/.cache/torch/hub/checkpoints")
        #expect(directory(["HOME": "/home/u/"]) == "/home/u/.cache/torch/hub/checkpoints")
    }

    @Test func expandsALeadingTilde() {
        #expect(directory(["TORCH_HOME": "~/models", "HOME": "/home/u"]) == "/home/u/models/hub/checkpoints")
        #expect(directory(["XDG_CACHE_HOME": "~", "HOME": "/home/u"]) == "/home/u/torch/hub/checkpoints")
        #expect(directory(["TORCH_HOME": "/srv/~x", "HOME": "/home/u"]) == "/srv/~x/hub/checkpoints")
    }

    @Test func emptyVariablesCountAsUnset() {
        #expect(directory(["TORCH_HOME": "", "XDG_CACHE_HOME": "/xdg"]) == "/xdg/torch/hub/checkpoints")
    }
}
