import Foundation

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

    static let digitsBlob: URL = {
        let blob = directory.appendingPathComponent("digits.vq8")
        let result = try! quantize.run(["--weights", digits.appendingPathComponent("vgg11_bn-digits.pth").path,
                                        "--calibration", digits.appendingPathComponent("calibration").path,
                                        "--labels", digits.appendingPathComponent("labels.txt").path,
                                        "--resize", "32", "--crop", "32", "--mean", "0.3053,0.3053,0.3053",
                                        "--std", "0.3234,0.3234,0.3234", "-o", blob.path])
        precondition(result.status == 0, result.stderr)
        return blob
    }()

    static func arch(_ arch: String) -> URL {
        let blob = directory.appendingPathComponent("\(arch).vq8")
        if !FileManager.default.fileExists(atPath: blob.path) {
            let result = try! quantize.run(["--weights", fixtures.appendingPathComponent("models/\(arch).pth").path,
                                            "--calibration", photos.path, "--calibration-count", "4",
                                            "--resize", "72", "--crop", "64", "-o", blob.path])
            precondition(result.status == 0, result.stderr)
        }
        return blob
    }
}

