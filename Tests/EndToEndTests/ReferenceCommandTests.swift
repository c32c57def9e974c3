import Foundation
import NPY
import Testing

private let tool = Tool(name: "vgg-quantize")
private let models = Tool.fixtures.appendingPathComponent("models")
private let images = Tool.fixtures.appendingPathComponent("images")
private let checkpoints = Tool.fixtures.appendingPathComponent("checkpoints")

private struct FilesManifest: Decodable {
    struct Files: Decodable { var images: [String]; var resize: Int; var crop: [Int] }
    var files: Files
}

private let manifest: FilesManifest = {
    let data = FileManager.default.contents(atPath: models.appendingPathComponent("manifest.json").path)!
    return try! JSONDecoder().decode(FilesManifest.self, from: data)
}()

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Image files -> decode -> torchvision preprocessing -> fp32 engine -> .npy, against PyTorch
/// running torchvision's transform on the same files.
@Test(arguments: ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"])
func referenceLogitsMatchPyTorchFromImageFiles(arch: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("logits.npy")
    let result = try tool.run(["reference", "--arch", arch, "--weights", models.appendingPathComponent("\(arch).pth").path,
                               "--resize", "\(manifest.files.resize)", "--crop", "\(manifest.files.crop[0])x\(manifest.files.crop[1])",
                               "--logits-out", out.path, "--threads", "2"]
                              + manifest.files.images.map { images.appendingPathComponent($0).path })
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("OpenBLAS core"), "timings name the OpenBLAS core: \(result.stderr)")
    let ours = try NPYArray(path: out.path)
    let torch = try NPYArray(path: models.appendingPathComponent("\(arch).files.logits.npy").path)
    #expect(ours.shape == torch.shape)
    let (a, b) = (try ours.floats(), try torch.floats())
    let worst = zip(a, b).map { abs($0 - $1) }.max()!
    #expect(worst <= 1e-4 * b.map(abs).max()!, "\(arch): max |diff| \(worst)")
}

@Test func jsonListsTopClassesInOrder() throws {
    let result = try tool.run(["reference", "--weights", models.appendingPathComponent("vgg11.pth").path, "--json",
                               "--top", "3", "--crop", "64", "--resize", "72", images.appendingPathComponent("coffee.png").path])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    #expect(object["arch"] as? String == "vgg11")
    #expect(object["openblas_core"] is String)
    // (no --threads: every tool defaults to the CPUs available, as vgg-run does)
    #expect(object["threads"] as? Int == ProcessInfo.processInfo.activeProcessorCount)
    let first = (object["images"] as! [[String: Any]])[0]
    let top = first["top"] as! [[String: Any]]
    #expect(top.count == 3)
    let probabilities = top.map { $0["probability"] as! Double }
    #expect(probabilities == probabilities.sorted(by: >))
    #expect(probabilities.reduce(0, +) <= 1.0 + 1e-9)
    #expect((top[0]["label"] as? String)?.hasPrefix("class ") == true)
}

@Test func hubCacheIsSearchedAndItsHashChecked() throws {
    let home = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: home) }
    let hub = home.appendingPathComponent("hub/checkpoints")
    try FileManager.default.createDirectory(at: hub, withIntermediateDirectories: true)
    let image = images.appendingPathComponent("coffee.png").path
    let empty = try tool.run(["reference", "--arch", "vgg11", image], environment: ["TORCH_HOME": home.path])
    empty.expectCleanFailure("vgg11-8a719046.pth", hub.path, "--download", "https://download.pytorch.org/models/vgg11-8a719046.pth")
    #expect(try FileManager.default.contentsOfDirectory(atPath: hub.path).isEmpty)

    // The fixture under the real file name: its SHA-256 does not start with 8a719046.
    try FileManager.default.copyItem(at: models.appendingPathComponent("vgg11.pth"),
                                     to: hub.appendingPathComponent("vgg11-8a719046.pth"))
    let mismatch = try tool.run(["reference", "--arch", "vgg11", image], environment: ["TORCH_HOME": home.path])
    mismatch.expectCleanFailure("vgg11-8a719046.pth", "--no-verify")
    let skipped = try tool.run(["reference", "--arch", "vgg11", "--no-verify", "--crop", "64", image],
                               environment: ["TORCH_HOME": home.path])
    #expect(skipped.status == 0, "\(skipped.stderr)")
}

/// Only torchvision's form (`-<8 hex digits>.`) names a digest: a user's fine-tuned file named
/// `vgg11-5.pth` loads. `--sha256 HEX` checks any file's digest.
@Test func usersFileNamesCarryNoDigestAndSha256ChecksAnyFile() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = images.appendingPathComponent("coffee.png").path
    let source = models.appendingPathComponent("vgg11.pth")
    for name in ["vgg11-5.pth", "vgg16-ft-2.pth", "vgg16-bad.pth"] {
        let file = directory.appendingPathComponent(name)
        try FileManager.default.copyItem(at: source, to: file)
        let result = try tool.run(["reference", "--weights", file.path, "--crop", "64", "--resize", "72", image])
        #expect(result.status == 0, "\(name): \(result.stderr)")
    }
    let digest = try sha256Hex(source)
    let good = try tool.run(["reference", "--weights", source.path, "--sha256", String(digest.prefix(12)).uppercased(),
                             "--crop", "64", "--resize", "72", image])
    #expect(good.status == 0, "\(good.stderr)")
    try tool.run(["reference", "--weights", source.path, "--sha256", "deadbeef", "--crop", "64", image])
        .expectCleanFailure("vgg11.pth", "SHA-256 mismatch: --sha256 says the digest starts with deadbeef")
    try tool.run(["reference", "--weights", source.path, "--sha256", "xyz", image]).expectCleanFailure("--sha256", "xyz")
}

/// A training checkpoint (ImageNet example form: 'module.' keys under 'state_dict', SGD state,
/// an epoch and a metric; Scripts/fixtures/training_checkpoints.py) gives the same logits, bit
/// for bit, as the plain state_dict it was made from, its arch inferred.
@Test func trainingCheckpointGivesThePlainStateDictsLogits() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let image = images.appendingPathComponent("chelsea.jpg").path
    var logits: [[Float]] = []
    for name in ["vgg11.pth", "vgg11-train.pth"] {
        let out = directory.appendingPathComponent("\(name).npy")
        let result = try tool.run(["reference", "--weights", models.appendingPathComponent(name).path, "--crop", "64", "--resize", "72",
                                   "--logits-out", out.path, image])
        #expect(result.status == 0, "\(name): \(result.stderr)")
        logits.append(try NPYArray(path: out.path).floats())
    }
    #expect(logits[0] == logits[1] && !logits[0].isEmpty)
}

func sha256Hex(_ url: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")[0].description
}

// MARK: Bad input: one line naming the file and the problem, non-zero exit, no crash.

@Test func missingCheckpoint() throws {
    try tool.run(["reference", "--weights", "/nonexistent/vgg16.pth", images.appendingPathComponent("coffee.png").path])
        .expectCleanFailure("/nonexistent/vgg16.pth")
}

@Test(arguments: [("evil_zip.pth", "posix.system"), ("evil_legacy.pth", "posix.system"),
                  ("zip_bad_offset.pth", "zip_bad_offset.pth"), ("legacy_truncated.pth", "truncated"),
                  ("random.bin", "not a PyTorch"), ("empty.pth", "empty.pth")])
func hostileOrCorruptCheckpoint(file: String, fragment: String) throws {
    try tool.run(["reference", "--weights", checkpoints.appendingPathComponent(file).path,
                  images.appendingPathComponent("coffee.png").path])
        .expectCleanFailure(file, fragment)
}

@Test func weightsOfAnotherArch() throws {
    try tool.run(["reference", "--arch", "vgg19", "--weights", models.appendingPathComponent("vgg16_bn.pth").path,
                  images.appendingPathComponent("coffee.png").path])
        .expectCleanFailure("vgg16_bn.pth", "not vgg19 weights", "fit vgg16_bn")
}

@Test(arguments: [("damaged.jpg", "corrupt JPEG"), ("huge.png", "over the limit"), ("empty.png", "empty.png"),
                  ("random.jpg", "unsupported image format")])
func unreadableOrAbsurdImage(file: String, fragment: String) throws {
    try tool.run(["reference", "--weights", models.appendingPathComponent("vgg11.pth").path,
                  images.appendingPathComponent(file).path])
        .expectCleanFailure(file, fragment)
}

@Test func badValuesAreOneLine() throws {
    let weights = models.appendingPathComponent("vgg11.pth").path
    let image = images.appendingPathComponent("coffee.png").path
    try tool.run(["reference", "--weights", weights, "--threads", "0", image]).expectCleanFailure("--threads")
    try tool.run(["reference", "--weights", weights, "--mean", "1,2", image]).expectCleanFailure("mean")
    try tool.run(["reference", "--weights", weights, "--crop", "16", image]).expectCleanFailure("32")
    try tool.run(["reference", "--weights", weights, "--benchmark", "0", image]).expectCleanFailure("--benchmark")
}

/// `--benchmark N`: N timed batch-1 passes of the first image, in the JSON (runs, median within
/// [min, p90]) and on stderr; without it the JSON has no benchmark key.
@Test func benchmarkTimesBatchOnePasses() throws {
    let arguments = ["reference", "--weights", models.appendingPathComponent("vgg11.pth").path, "--json", "--crop", "64", "--resize", "72",
                     images.appendingPathComponent("coffee.png").path, images.appendingPathComponent("chelsea.jpg").path]
    let result = try tool.run(arguments + ["--benchmark", "5"])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let benchmark = try #require(object["benchmark"] as? [String: Any])
    #expect(benchmark["runs"] as? Int == 5)
    let (median, p90, min) = (benchmark["median_ms"] as! Double, benchmark["p90_ms"] as! Double, benchmark["min_ms"] as! Double)
    #expect(0 < min && min <= median && median <= p90, "\(benchmark)")
    #expect(result.stderr.contains("fp32 latency, batch 1, 5 runs: median"), "\(result.stderr)")
    #expect((object["images"] as! [Any]).count == 2, "the images are still classified")
    let plain = try tool.run(arguments)
    let without = try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as! [String: Any]
    #expect(without["benchmark"] == nil)
}

@Test func unwritableLogitsLeaveNothingBehind() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = directory.appendingPathComponent("missing-dir/logits.npy")
    try tool.run(["reference", "--weights", models.appendingPathComponent("vgg11.pth").path, "--crop", "64",
                  "--logits-out", target.path, images.appendingPathComponent("coffee.png").path])
        .expectCleanFailure("cannot write", "logits.npy")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
}

/// Each vgg-quantize command's --threads says its default once, and it is the CPUs available.
@Test func threadsDefaultToTheCPUsAvailable() throws {
    for command in ["compile", "eval", "reference"] {
        let help = try tool.run([command, "--help"]).stdout
        let line = help.split(separator: "\n").first { $0.contains("--threads") }.map(String.init) ?? ""
        let text = help.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        #expect(text.contains("(default: the CPUs available)"), "\(command): \(line)")
        #expect(text.components(separatedBy: "(default: the CPUs available)").count == 2, "\(command): the default twice")
    }
}
