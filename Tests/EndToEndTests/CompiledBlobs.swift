import Foundation
import Int8Blob
import TestSupport

private let quantize = Tool(name: "vgg-quantize")
private let fixtures = Tool.fixtures
private let digits = fixtures.appendingPathComponent("digits")
private let photos = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Calibration")

/// Blobs compiled once per test process from the committed fixtures (compiling is deterministic).
enum Blobs {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-run-e2e-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let digitsBlob = compileDigits(target: "generic")
    /// Compiled for x86_64-avx2: pair-bounded convolution weights (format version 2).
    static let digitsPairsBlob = compileDigits(target: "x86_64-avx2")

    /// The hidden linear layers in 4 bits, groups of the default size (format version 3).
    static let digitsInt4Blob = compileDigits(target: "generic", ["--classifier-weights", "int4"], name: "int4")
    /// Rounded to nearest (the default is GPTQ).
    static let digitsNearestBlob = compileDigits(target: "generic", ["--rounding", "nearest"], name: "nearest")

    /// TestModels.winograd (an F(4x4) and an F(2x2) layer where the CPU has Winograd kernels), encoded.
    static let winogradBlob: URL = {
        let blob = directory.appendingPathComponent("winograd.vq8")
        try! Data(try! BlobWriter.encode(TestModels.winograd(seed: 20_261_206))).write(to: blob)
        return blob
    }()

    private static func compileDigits(target: String, _ extra: [String] = [], name: String? = nil) -> URL {
        let blob = directory.appendingPathComponent("digits-\(name ?? target).vq8")
        let result = try! quantize.run(["--weights", digits.appendingPathComponent("vgg11_bn-digits.pth").path,
                                        "--calibration", digits.appendingPathComponent("calibration").path,
                                        "--labels", digits.appendingPathComponent("labels.txt").path,
                                        "--resize", "32", "--crop", "32", "--mean", "0.3053,0.3053,0.3053",
                                        "--std", "0.3234,0.3234,0.3234", "--target", target, "-o", blob.path] + extra)
        precondition(result.status == 0, result.stderr)
        return blob
    }

    static func arch(_ arch: String, target: String = "generic") -> URL {
        let blob = directory.appendingPathComponent("\(arch)-\(target).vq8")
        if !FileManager.default.fileExists(atPath: blob.path) {
            let result = try! quantize.run(["--weights", fixtures.appendingPathComponent("models/\(arch).pth").path,
                                            "--calibration", photos.path, "--calibration-count", "4",
                                            "--resize", "72", "--crop", "64", "--target", target, "-o", blob.path])
            precondition(result.status == 0, result.stderr)
        }
        return blob
    }
}

