// blob-bench: the timings in Docs/BlobFormat.md, in a release build:
//
//     swift run -c release blob-bench
//
// Prints XXH64 throughput and the time to open a VGG16-sized blob (138 M weights, warm page
// cache) with and without data verification, and to encode it. Public API only.
import Foundation
import Int8Blob
import QuantCore

/// Best of `repetitions` wall-clock runs, seconds.
func bestTime(_ repetitions: Int = 7, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0 ..< repetitions {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return best
}

func milliseconds(_ seconds: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", seconds * 1000)
}

/// VGG16 at 224x224: 13 convolutions, 5 max-pools, fc6/fc7 hidden, fc8 logits (1000 classes),
/// with patterned weights (the blob's size and layout are what matter, not the values).
func vgg16() -> QuantizedModel {
    let quantization = ActivationQuantization(scale: 0.05, zeroPoint: 0)
    let input = ActivationQuantization(scale: 0.018657, zeroPoint: 114)
    func weights(_ name: String, outputs: Int, depth: Int, input: ActivationQuantization) -> QuantizedWeights {
        let rows = (0 ..< outputs * depth).map { Int8(truncatingIfNeeded: $0 % 255 - 127) }
        return QuantizedWeights(name: name, outputs: outputs, depth: depth,
                                packed: PackedWeights.pack(rows, outputs: outputs, depth: depth),
                                bias: Array(repeating: 100, count: outputs),
                                weightScales: Array(repeating: 0.001, count: outputs), inputQuantization: input)
    }
    let requantization = { (count: Int) in Array(repeating: Requantization(multiplier: 1 << 30, shift: 40), count: count) }
    var layers: [QuantizedLayer] = []
    var channels = 3
    var layerInput = input
    for (block, width) in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)] {
        for _ in 0 ..< block {
            let name = "features.\(layers.count)"
            let depth = 9 * PackedWeights.roundUp(channels, to: 4)
            layers.append(.convolution(QuantizedConvolution(
                weights: weights(name, outputs: width, depth: depth, input: layerInput), inputChannels: channels,
                requantization: requantization(width), outputQuantization: quantization)))
            channels = width
            layerInput = quantization
        }
        layers.append(.maxPool(name: "features.\(layers.count)"))
    }
    for (name, depth, outputs) in [("classifier.0", 25_088, 4096), ("classifier.3", 4096, 4096)] {
        layers.append(.linear(QuantizedLinear(weights: weights(name, outputs: outputs, depth: depth, input: quantization),
                                              output: .activation(requantization: requantization(outputs), quantization: quantization))))
    }
    layers.append(.linear(QuantizedLinear(weights: weights("classifier.6", outputs: 1000, depth: 4096, input: quantization),
                                          output: .logits)))
    return QuantizedModel(arch: "vgg16", target: "generic", calibration: "benchmark",
                          input: InputSpec(resize: 256, cropHeight: 224, cropWidth: 224, mean: [0.485, 0.456, 0.406],
                                           std: [0.229, 0.224, 0.225], quantization: input),
                          labels: (0 ..< 1000).map { "class \($0)" }, layers: layers)
}

/// XXH64 of 256 MiB in memory.
func xxh64Throughput() {
    let bytes = [UInt8](repeating: 0xA5, count: 256 << 20)
    var hash: UInt64 = 0
    let seconds = bestTime { hash ^= XXH64.hash(bytes) }
    print("XXH64: \(bytes.count >> 20) MiB in \(milliseconds(seconds, 1)) ms = \(String(format: "%.1f", Double(bytes.count) / seconds / 1e9)) GB/s (hash \(hash))")
}

/// Encode the VGG16 blob once, write it, then open it from the warm page cache.
func openVGG16() throws {
    let model = vgg16()
    var bytes: [UInt8] = []
    let encodeSeconds = try bestTime(1) { bytes = try BlobWriter.encode(model) }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("blob-bench-\(UUID().uuidString).vq8")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data(bytes).write(to: url)
    _ = try BlobFile(path: url.path)  // warm the page cache
    let verified = try bestTime { _ = try BlobFile(path: url.path) }
    let unverified = try bestTime { _ = try BlobFile(path: url.path, verifyData: false) }
    let checksumOnly = bestTime { _ = XXH64.hash(bytes) }
    print("VGG16 blob: \(bytes.count) bytes; encode (with its self-check) \(milliseconds(encodeSeconds, 0)) ms")
    print("open, verifyData true: \(milliseconds(verified, 1)) ms; verifyData false: \(milliseconds(unverified, 2)) ms; XXH64 of the bytes in memory: \(milliseconds(checksumOnly, 1)) ms")
}

xxh64Throughput()
do {
    try openVGG16()
} catch {
    FileHandle.standardError.write(Data("blob-bench: \(error)\n".utf8))
    exit(1)
}
