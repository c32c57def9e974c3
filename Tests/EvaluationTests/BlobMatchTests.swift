import Foundation
import Imaging
import Int8Blob
import Quantizer
import Testing
import VGGModel
@testable import Evaluation

/// The committed digits model (vgg11_bn, 10 classes, 32x32) compiled in memory on two of its
/// calibration images (the values do not matter here, only the shapes), and the fused graph the
/// blob was quantized from.
private enum Digits {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/digits")

    static func compiled() throws -> CompileJob.Result {
        let preprocessing = Preprocessing(resize: 32, cropHeight: 32, cropWidth: 32, mean: [0.3, 0.3, 0.3], std: [0.3, 0.3, 0.3])
        return try CompileJob(weights: folder.appendingPathComponent("vgg11_bn-digits.pth"),
                              calibration: .folder(folder.appendingPathComponent("calibration"), count: 2),
                              preprocessing: preprocessing).run()
    }

    static func fused() throws -> VGGNetwork { try compiled().network }

    static func blob() throws -> BlobFile {
        try BlobFile(bytes: BlobWriter.encode(compiled().model), name: "digits.vq8")
    }
}

@Suite struct BlobMatchTests {
    @Test func theBlobMatchesItsOwnWeights() throws {
        try Digits.blob().checkMatches(try Digits.fused())
    }

    @Test func anotherArchClassCountOrLayerShapeIsNamed() throws {
        let blob = try Digits.blob()
        var network = try Digits.fused()
        network.arch = .vgg13_bn
        #expect(throws: EvaluationError("digits.vq8 does not match the weights: the blob is vgg11_bn, the weights are vgg13_bn")) {
            try blob.checkMatches(network)
        }

        network = try Digits.fused()
        network.classCount = 1000
        #expect(throws: EvaluationError("digits.vq8 does not match the weights: the blob has 10 classes, the weights 1000")) {
            try blob.checkMatches(network)
        }

        network = try Digits.fused()
        guard case .conv(var conv) = network.layers[2].layer else { Issue.record("layer 2 is not a conv"); return }
        conv = Convolution(outChannels: 2 * conv.outChannels, inChannels: conv.inChannels,
                           weightOIHW: conv.weightOIHW + conv.weightOIHW, bias: conv.bias + conv.bias, fusedReLU: true)
        network.layers[2].layer = .conv(conv)
        #expect(throws: EvaluationError("digits.vq8 does not match the weights: layer 2 is \"features.4 conv 8->16\" in the blob, "
                                            + "\"features.4 conv 8->32\" in the weights")) {
            try blob.checkMatches(network)
        }

        network = try Digits.fused()
        network.layers.removeLast()
        #expect(throws: EvaluationError("digits.vq8 does not match the weights: the blob has 17 layers, the weights 16")) {
            try blob.checkMatches(network)
        }
    }
}
