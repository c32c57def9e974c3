import Foundation
import Imaging
import Int8Blob
import Int8Runtime
import NPY
import QuantCore
import Testing
import TestSupport

private let tool = Tool(name: "vgg-quantize")
private let models = Tool.fixtures.appendingPathComponent("models")
private let digits = Tool.fixtures.appendingPathComponent("digits")
private let photos = Tool.fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Calibration")

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-compile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Small inputs keep the fp32 calibration runs of the reduced-width fixtures quick.
private let smallInput = ["--resize", "72", "--crop", "64", "--calibration-count", "4"]

/// Every arch compiles (with no subcommand: compiling is the default) to a blob the reader
/// accepts with full verification, with one int8 layer per conv and linear layer.
@Test(arguments: ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"])
func everyArchCompiles(arch: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let blob = directory.appendingPathComponent("\(arch).vq8")
    let result = try tool.run(["--weights", models.appendingPathComponent("\(arch).pth").path,
                               "--calibration", photos.path, "-o", blob.path] + smallInput)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("\(arch),"), "summary names the arch: \(result.stdout)")
    let file = try BlobFile(path: blob.path)
    #expect(file.arch == arch)
    let convs = ["vgg11": 8, "vgg13": 10, "vgg16": 13, "vgg19": 16][arch.replacingOccurrences(of: "_bn", with: "")]!
    let weighted = file.model().layers.filter {
        switch $0 { case .convolution, .linear: true; default: false }
    }
    #expect(weighted.count == convs + 3)
    #expect(file.input.resize == 72 && file.input.cropHeight == 64 && file.input.cropWidth == 64)
    #expect(file.calibration.hasPrefix("mse, cross-layer equalized, 4 images"), "default method recorded: \(file.calibration)")
}

/// Same inputs, same bytes: two runs (with different thread counts for the fp32 calibration
/// passes) write identical blobs; another method writes a different one.
@Test func compilingIsDeterministic() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    func compile(_ name: String, _ extra: [String]) throws -> Data {
        let blob = directory.appendingPathComponent(name)
        let result = try tool.run(["compile", "--arch", "vgg11_bn", "--weights", models.appendingPathComponent("vgg11_bn.pth").path,
                                   "--calibration", photos.path, "-o", blob.path] + smallInput + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return try Data(contentsOf: blob)
    }
    let first = try compile("a.vq8", ["--threads", "1"])
    let second = try compile("b.vq8", ["--threads", "2"])
    #expect(first == second, "two runs gave different blobs")
    let percentile = try compile("c.vq8", ["--method", "percentile", "--percentile", "99.9"])
    #expect(percentile != first)
    #expect(try BlobFile(bytes: Array(percentile), name: "c.vq8").calibration.hasPrefix("percentile 99.9, cross-layer equalized, 4 images"))
}

/// The trained digits model: compile with its own calibration images, then run the blob's
/// model through the reference int8 executor (the spec) on held-out digits and compare with
/// PyTorch's fp32 logits. Floors from the measurement in Docs/Numerics.md (mse: 360/360
/// agreement, 38.3 dB over all 360 images): 24 images must all agree and stay above 30 dB.
@Test func digitsBlobRoundTripsThroughTheReferenceExecutor() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let blob = directory.appendingPathComponent("digits.vq8")
    let result = try tool.run(["--weights", digits.appendingPathComponent("vgg11_bn-digits.pth").path,
                               "--calibration", digits.appendingPathComponent("calibration").path,
                               "--labels", digits.appendingPathComponent("labels.txt").path,
                               "--resize", "32", "--crop", "32", "--mean", "0.3053,0.3053,0.3053", "--std", "0.3234,0.3234,0.3234",
                               "-o", blob.path])
    #expect(result.status == 0, "\(result.stderr)")
    let file = try BlobFile(path: blob.path)
    #expect(file.labels == (0..<10).map { "\($0)" })
    let model = file.model()
    guard case .linear(let last) = model.layers.last else { Issue.record("last layer is not linear"); return }
    let spec = model.input
    let preprocessing = Preprocessing(spec)
    let reference = try NPYArray(path: digits.appendingPathComponent("heldout.logits.npy").path).floats()
    let rows = try String(contentsOf: digits.appendingPathComponent("heldout/labels.csv"), encoding: .utf8)
        .split(separator: "\n").dropFirst().prefix(24).map { $0.split(separator: ",") }
    var signal = 0.0, noise = 0.0, disagreements: [String] = []
    for (index, row) in rows.enumerated() {
        let image = try ImageDecoder.decode(path: digits.appendingPathComponent("heldout/\(row[0])").path)
        let input = Boundary.quantizeInput(preprocessing(image), height: 32, width: 32, quantization: spec.quantization)
        let logits = Boundary.dequantizeLogits(ReferenceExecutor.run(model, input: input, height: 32, width: 32).accumulators,
                                               layer: last)
        let fp32 = Array(reference[index * 10 ..< index * 10 + 10])
        let top = logits.indices.max { logits[$0] < logits[$1] }!
        let fp32Top = fp32.indices.max { fp32[$0] < fp32[$1] }!
        if top != fp32Top { disagreements.append("\(row[0]): int8 \(top), fp32 \(fp32Top)") }
        for k in 0..<10 {
            signal += Double(fp32[k] * fp32[k])
            noise += Double((fp32[k] - logits[k]) * (fp32[k] - logits[k]))
        }
    }
    let sqnr = 10 * log10(signal / noise)
    #expect(disagreements.isEmpty, "int8 top-1 differs from fp32: \(disagreements)")
    #expect(sqnr > 30, "logits SQNR \(sqnr) dB over \(rows.count) held-out digits")
}

@Test func inspectPrintsLayersAndChecksumStatus() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let golden = Tool.fixtures.appendingPathComponent("blob")
    let result = try tool.run(["inspect", golden.appendingPathComponent("tiny.vq8").path])
    #expect(result.status == 0, "\(result.stderr)")
    let expected = try String(contentsOf: golden.appendingPathComponent("tiny.inspect.txt"), encoding: .utf8)
    #expect(result.stdout == expected, "inspect output differs from tiny.inspect.txt")

    // A flipped byte in the first layer's weights (offset 0x540, from the dump): inspect still
    // prints, and says MISMATCH.
    var bytes = try Data(contentsOf: golden.appendingPathComponent("tiny.vq8"))
    #expect(expected.contains("w 576 B @ 0x000540"))
    bytes[0x540] ^= 0x01
    let damaged = directory.appendingPathComponent("damaged.vq8")
    try bytes.write(to: damaged)
    let second = try tool.run(["inspect", damaged.path])
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.contains("data MISMATCH"), "\(second.stdout)")

    try tool.run(["inspect", directory.appendingPathComponent("missing.vq8").path]).expectCleanFailure("missing.vq8")
    try Data("not a blob".utf8).write(to: directory.appendingPathComponent("foreign.vq8"))
    try tool.run(["inspect", directory.appendingPathComponent("foreign.vq8").path]).expectCleanFailure("foreign.vq8")
}

// MARK: - Bad input: one line, non-zero exit, nothing written.

private struct CompileCase {
    let directory: URL
    let blob: URL
    init() throws {
        directory = try temporaryDirectory()
        blob = directory.appendingPathComponent("out.vq8")
    }
    func run(calibration: URL? = nil, output: URL? = nil, _ extra: [String] = []) throws -> Tool.Result {
        try tool.run(["--weights", models.appendingPathComponent("vgg11.pth").path,
                      "--calibration", (calibration ?? photos).path, "-o", (output ?? blob).path,
                      "--resize", "40", "--crop", "32"] + extra)
    }
    func expectNothingWritten(sourceLocation: SourceLocation = #_sourceLocation) {
        let left = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        #expect(left.filter { !$0.hasPrefix("input") }.isEmpty, "left behind: \(left)", sourceLocation: sourceLocation)
    }
    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Test func emptyCalibrationFolderIsRefused() throws {
    let c = try CompileCase()
    defer { c.remove() }
    let empty = c.directory.appendingPathComponent("input-empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    try Data("notes".utf8).write(to: empty.appendingPathComponent("README.txt"))
    try c.run(calibration: empty).expectCleanFailure("input-empty", "no PNG or JPEG images")
    try c.run(calibration: c.directory.appendingPathComponent("input-missing")).expectCleanFailure("input-missing", "does not exist")
    c.expectNothingWritten()
}

@Test func undecodableImagesAreSkippedUntilNoneIsLeft() throws {
    let c = try CompileCase()
    defer { c.remove() }
    let folder = c.directory.appendingPathComponent("input-images")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data("this is not a png".utf8).write(to: folder.appendingPathComponent("a-broken.png"))
    try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: folder.appendingPathComponent("b-cut.jpg"))
    let failure = try c.run(calibration: folder)
    #expect(failure.status != 0 && !failure.crashed)
    let lines = failure.stderr.split(separator: "\n")
    #expect(lines.count == 3 && lines.prefix(2).allSatisfy { $0.hasPrefix("warning: skipping calibration image") },
            "two warnings, then the error: \(failure.stderr)")
    #expect(lines.last?.contains("none of the 2 calibration images could be decoded") == true, "\(failure.stderr)")
    c.expectNothingWritten()

    try FileManager.default.copyItem(at: photos.appendingPathComponent("coffee.jpg"), to: folder.appendingPathComponent("c-good.jpg"))
    let result = try c.run(calibration: folder)
    #expect(result.status == 0, "\(result.stderr)")
    let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: skipping calibration image") }
    #expect(warnings.count == 2, "\(result.stderr)")
    #expect(warnings.contains { $0.contains("a-broken.png") } && warnings.contains { $0.contains("b-cut.jpg") })
    #expect(try BlobFile(path: c.blob.path).calibration.contains("1 images"))
}

@Test func unwritableOutputIsRefusedBeforeCalibrating() throws {
    let c = try CompileCase()
    defer { c.remove() }
    try c.run(output: c.directory.appendingPathComponent("input-no-such-folder/out.vq8"))
        .expectCleanFailure("input-no-such-folder", "does not exist")
    // An existing folder in the output's place cannot be replaced by a file.
    let folder = c.directory.appendingPathComponent("input-a-folder")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try c.run(output: folder).expectCleanFailure("input-a-folder", "is a folder")
    c.expectNothingWritten()
}

@Test func badOptionsAreRefused() throws {
    let c = try CompileCase()
    defer { c.remove() }
    try c.run(["--target", "pdp11"]).expectCleanFailure("pdp11")
    try c.run(["--method", "percentile", "--percentile", "0"]).expectCleanFailure("--percentile", "0")
    try c.run(["--percentile", "100.5"]).expectCleanFailure("--percentile", "100.5")
    try c.run(["--method", "median"]).expectCleanFailure("median")
    try c.run(["--calibration-count", "0"]).expectCleanFailure("--calibration-count")
    try c.run(["--classifier-weights", "int3"]).expectCleanFailure("int3")
    try c.run(["--weight-group-size", "64"]).expectCleanFailure("--weight-group-size needs --classifier-weights int4")
    try c.run(["--classifier-weights", "int4", "--weight-group-size", "48"]).expectCleanFailure("--weight-group-size", "48")
    try c.run(["--rounding", "stochastic"]).expectCleanFailure("stochastic")
    try c.run(["--labels", c.directory.appendingPathComponent("input-labels.txt").path]).expectCleanFailure("input-labels.txt")
    let fewLabels = c.directory.appendingPathComponent("input-few.txt")
    try Data("cat\ndog\n".utf8).write(to: fewLabels)
    try c.run(["--labels", fewLabels.path]).expectCleanFailure("input-few.txt", "2")
    c.expectNothingWritten()
}

/// An existing blob is replaced only by a complete new one: a failing run leaves it as it was.
@Test func failedRunKeepsThePreviousBlob() throws {
    let c = try CompileCase()
    defer { c.remove() }
    let first = try c.run()
    #expect(first.status == 0, "\(first.stderr)")
    let before = try Data(contentsOf: c.blob)
    try c.run(["--target", "pdp11"]).expectCleanFailure("pdp11")
    let empty = c.directory.appendingPathComponent("input-empty")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    try c.run(calibration: empty).expectCleanFailure("no PNG or JPEG images")
    #expect(try Data(contentsOf: c.blob) == before)
    let left = try FileManager.default.contentsOfDirectory(atPath: c.directory.path).sorted()
    #expect(left == ["input-empty", "out.vq8"], "temporary files left: \(left)")
}

/// Crash safety: vgg-quantize killed with SIGKILL at 20 random points of a compile (seeded,
/// printed) never leaves a damaged blob: the file is the previous blob or the new one, whole. A
/// killed write cannot remove its temporary file, but the next run removes it (AtomicFile: the
/// name carries the dead writer's pid), so after one clean run the folder holds only the blob.
@Test func killedCompilesNeverDamageTheBlob() throws {
    let c = try CompileCase()
    defer { c.remove() }
    // the previous blob: minmax (quick); the killed runs: mse, the default (about 0.7 s here)
    #expect(try c.run(["--method", "minmax"]).status == 0)
    let old = try Data(contentsOf: c.blob)
    let other = c.directory.appendingPathComponent("new.vq8")
    #expect(try c.run(output: other).status == 0)
    let new = try Data(contentsOf: other)
    try FileManager.default.removeItem(at: other)
    #expect(old != new, "the two blobs must differ to tell them apart")
    let seed = testSeed("killedCompilesNeverDamageTheBlob")
    print("killedCompilesNeverDamageTheBlob: seed \(seed)")
    var generator = SplitMix64(seed: seed)
    var killedRunning = 0, leftovers = 0
    for round in 0..<20 {
        // restore the previous blob half the time, so that kills also land on a finished new one
        if round % 2 == 0 { try old.write(to: c.blob) }
        let process = Process()
        process.executableURL = Tool.productsDirectory.appendingPathComponent("vgg-quantize")
        process.arguments = ["--weights", models.appendingPathComponent("vgg11.pth").path, "--calibration", photos.path,
                             "-o", c.blob.path, "--resize", "40", "--crop", "32"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32(30_000 + generator.next() % 770_000))
        if process.isRunning { killedRunning += 1 }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let now = try Data(contentsOf: c.blob)
        #expect(now == old || now == new, "round \(round): the blob is neither the old nor the new one (\(now.count) bytes)")
        let temporaries = try FileManager.default.contentsOfDirectory(atPath: c.directory.path).filter { $0.hasPrefix(".out.vq8.tmp-") }
        leftovers += temporaries.count
    }
    print("killedCompilesNeverDamageTheBlob: \(killedRunning) of 20 kills during the run; temporary files seen after kills: \(leftovers)")
    #expect(killedRunning >= 5, "most kills should land while the compile runs (\(killedRunning) of 20)")
    #expect(try c.run().status == 0)
    #expect(try Data(contentsOf: c.blob) == new)
    let left = try FileManager.default.contentsOfDirectory(atPath: c.directory.path)
    #expect(left == ["out.vq8"], "left behind: \(left)")
}
