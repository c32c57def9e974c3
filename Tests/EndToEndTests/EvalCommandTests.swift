import Foundation
import Int8Blob
import NPY
import Testing

private let quantize = Tool(name: "vgg-quantize")
private let fixtures = Tool.fixtures
private let digits = fixtures.appendingPathComponent("digits")
private let weights = digits.appendingPathComponent("vgg11_bn-digits.pth").path
private let heldout = digits.appendingPathComponent("heldout")
private let heldoutLabels = heldout.appendingPathComponent("labels.csv").path

/// A scratch folder for this test process, with the digits blob compiled once (as
/// RunCommandTests does: the committed model's preprocessing and class names).
private enum Scratch {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vgg-eval-e2e-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The digits blob, compiled once per test process (CompiledBlobs.swift).
    static var digitsBlob: String { Blobs.digitsBlob.path }

    /// A new folder holding copies of held-out images: `files` maps a path in the new folder to
    /// a file name of the held-out folder.
    static func folder(_ files: [String: String]) throws -> URL {
        let url = directory.appendingPathComponent("images-\(UUID().uuidString)")
        for (target, source) in files {
            let destination = url.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: heldout.appendingPathComponent(source), to: destination)
        }
        return url
    }
}

private func json(_ path: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as! [String: Any]
}

/// The committed trained model on its 360 held-out digits: fp32 accuracy as PyTorch measured it
/// (model.json), int8 within half a point, agreement and SQNR as Docs/Numerics.md reports.
@Test func digitsModelKeepsItsAccuracy() throws {
    let out = Scratch.directory.appendingPathComponent("digits-\(UUID().uuidString)")
    let (report, page, logits) = (out.appendingPathComponent("report.json"), out.appendingPathComponent("report.html"),
                                  out.appendingPathComponent("logits"))
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let result = try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob, "--images", heldout.path,
                                   "--labels", heldoutLabels, "--json", report.path, "--html", page.path,
                                   "--save-logits", logits.path, "--threads", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("top-1 accuracy") && result.stdout.contains("logits SQNR"), "\(result.stdout)")
    // images/s, fp32 then int8: the reciprocals of the ms-per-image row
    let rateRow = result.stdout.split(separator: "\n").first { $0.hasPrefix("images/s") }?.split(separator: " ").compactMap { Double($0) }
    let msRow = result.stdout.split(separator: "\n").first { $0.hasPrefix("ms per image") }?.split(separator: " ").compactMap { Double($0) }
    if let rateRow, let msRow, rateRow.count == 2, msRow.count == 2 {
        // (ms is printed to 0.01 and the rate to 0.1: the rate lies between the reciprocals of ms +- 0.005)
        for (rate, ms) in zip(rateRow, msRow) {
            #expect(rate >= 1000 / (ms + 0.005) - 0.05 && (ms <= 0.005 || rate <= 1000 / (ms - 0.005) + 0.05), "\(rate) images/s vs \(ms) ms")
        }
    } else {
        Issue.record("no images/s and ms per image rows: \(result.stdout)")
    }

    let object = try json(report)
    for key in ["images", "top1_agreement", "top5_agreement", "logits_sqnr_db", "logits_cosine", "layers",
                "fp32_top1", "int8_top1", "fp32_top5", "int8_top5", "arch", "blob", "kernel", "threads",
                "blob_bytes", "checkpoint_bytes", "int8_ms_per_image", "fp32_ms_per_image"] {
        #expect(object[key] != nil, "missing \(key)")
    }
    let model = try json(digits.appendingPathComponent("model.json"))
    let fp32Top1 = try #require(object["fp32_top1"] as? Double)
    let int8Top1 = try #require(object["int8_top1"] as? Double)
    #expect(object["images"] as? Int == 360 && object["arch"] as? String == "vgg11_bn" && object["threads"] as? Int == 2)
    #expect(abs(fp32Top1 - (model["fp32_top1"] as! Double)) <= 0.01, "fp32 top-1 \(fp32Top1)")
    #expect(fp32Top1 - int8Top1 <= AccuracyThresholds.digitsMaximumTop1DropPoints, "int8 top-1 \(int8Top1)% vs fp32 \(fp32Top1)%")
    #expect((object["top1_agreement"] as! Double) >= AccuracyThresholds.digitsMinimumTop1Agreement, "top-1 agreement \(object["top1_agreement"]!)")
    #expect((object["logits_sqnr_db"] as! Double) >= AccuracyThresholds.digitsMinimumLogitsSQNR, "logits SQNR \(object["logits_sqnr_db"]!) dB")
    #expect((object["logits_cosine"] as! Double) >= AccuracyThresholds.digitsMinimumLogitsCosine, "logits cosine \(object["logits_cosine"]!)")

    let blobLayers = try BlobFile(path: Scratch.digitsBlob).layers.map(\.name)
    let layers = object["layers"] as! [[String: Any]]
    #expect(layers.map { $0["name"] as? String } == blobLayers.dropLast().map { $0 })
    #expect(layers.allSatisfy { ($0["sqnr_db"] as? Double ?? 0) >= AccuracyThresholds.digitsMinimumLayerSQNR },
            "per-layer SQNR: \(layers.map { "\($0["name"]!) \($0["sqnr_db"]!)" })")

    let html = try String(contentsOf: page, encoding: .utf8)
    #expect(html.components(separatedBy: "<svg").count - 1 == layers.count + 1)
    #expect(!html.contains("http://") && !html.contains("https://"))

    for name in ["fp32.npy", "int8.npy"] {
        let array = try NPYArray(path: logits.appendingPathComponent(name).path)
        #expect(array.shape == [360, 10], "\(name)")
    }
    // fp32.npy is the fused graph's logits: PyTorch's (torchvision's graph) within float tolerance.
    let fp32 = try NPYArray(path: logits.appendingPathComponent("fp32.npy").path).floats()
    let torch = try NPYArray(path: digits.appendingPathComponent("heldout.logits.npy").path).floats()
    #expect(zip(fp32, torch).map { abs($0 - $1) }.max()! <= 1e-4 * torch.map(abs).max()!)
    let listed = try String(contentsOf: logits.appendingPathComponent("images.txt"), encoding: .utf8).split(separator: "\n")
    #expect(listed.count == 360 && listed.first?.hasSuffix("heldout/0000.png") == true)
}

/// Without --labels, class-named subfolders label the images.
@Test func classSubfoldersAreLabels() throws {
    let csv = try String(contentsOfFile: heldoutLabels, encoding: .utf8).split(separator: "\n").dropFirst().prefix(24)
    let files = Dictionary(uniqueKeysWithValues: csv.map { line in
        let fields = line.split(separator: ",").map(String.init)
        return ("\(fields[1])/\(fields[0])", fields[0])
    })
    let folder = try Scratch.folder(files)
    let report = Scratch.directory.appendingPathComponent("subfolders-\(UUID().uuidString).json")
    let result = try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob, "--images", folder.path,
                                   "--json", report.path])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try json(report)
    #expect(object["images"] as? Int == 24 && object["labels"] as? String == "subfolders")
    #expect((object["fp32_top1"] as? Double ?? 0) >= 90)

    // The same images flat: no labels, no accuracy.
    let flat = try Scratch.folder(Dictionary(uniqueKeysWithValues: files.values.map { ($0, $0) }))
    let unlabelled = try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob, "--images", flat.path,
                                       "--json", report.path])
    #expect(unlabelled.status == 0, "\(unlabelled.stderr)")
    #expect(try json(report)["fp32_top1"] == nil && !unlabelled.stdout.contains("accuracy"))
}

/// The digits model compiled for x86_64-avx2 (pair-bounded convolution weights) keeps its
/// accuracy, and costs little logits SQNR against plain 8-bit weights.
@Test func pairBoundedDigitsKeepTheirAccuracy() throws {
    let pairs = try evaluate(Blobs.digitsPairsBlob)
    // Pair-bounded convolutions keep rounding to nearest (GPTQ does not keep the bound): the
    // cost of the bound is against plain weights rounded to nearest.
    let plain = try evaluate(Blobs.digitsNearestBlob)
    let (fp32Top1, int8Top1) = (pairs["fp32_top1"] as! Double, pairs["int8_top1"] as! Double)
    #expect(fp32Top1 - int8Top1 <= AccuracyThresholds.digitsMaximumTop1DropPoints, "int8 top-1 \(int8Top1)% vs fp32 \(fp32Top1)%")
    #expect((pairs["top1_agreement"] as! Double) >= AccuracyThresholds.digitsMinimumTop1Agreement)
    let sqnr = pairs["logits_sqnr_db"] as! Double
    #expect(sqnr >= AccuracyThresholds.digitsPairBoundedMinimumLogitsSQNR, "logits SQNR \(sqnr) dB")
    for layer in pairs["layers"] as! [[String: Any]] {
        let layerSQNR = layer["sqnr_db"] as? Double ?? -.infinity
        #expect(layerSQNR >= AccuracyThresholds.digitsPairBoundedMinimumLayerSQNR, "\(layer["name"]!): \(layerSQNR) dB")
    }
    let cost = (plain["logits_sqnr_db"] as! Double) - sqnr
    #expect(cost <= AccuracyThresholds.pairBoundedMaximumSQNRCostDB, "pair-bounded weights cost \(cost) dB of logits SQNR")
}

/// The digits model with 4-bit hidden linear layers: a version 3 blob whose linear layers are
/// about half their int8 size, top-1 as fp32 within the int8 floors, logits SQNR above its own
/// floor and below int8's (4 bits cost something; if they stopped costing, the test would ask why).
@Test func int4DigitsKeepTheirAccuracy() throws {
    let blob = try BlobFile(path: Blobs.digitsInt4Blob.path)
    let plain = try BlobFile(path: Blobs.digitsBlob.path)
    #expect(blob.formatVersion == 3 && plain.formatVersion == 1)
    #expect(blob.layers.map(\.groupSize) == blob.layers.map { $0.kind == .linear ? 128 : nil })
    for (int4, int8) in zip(blob.layers, plain.layers) where int4.kind == .linear {
        #expect(Double(int4.packedWeights.count + int4.groupMultipliers.count) <= 0.52 * Double(int8.packedWeights.count), "\(int4.name)")
    }
    let int4 = try evaluate(Blobs.digitsInt4Blob)
    let int8 = try evaluate(Blobs.digitsBlob)
    let (fp32Top1, int4Top1) = (int4["fp32_top1"] as! Double, int4["int8_top1"] as! Double)
    #expect(fp32Top1 - int4Top1 <= AccuracyThresholds.digitsMaximumTop1DropPoints, "int4 top-1 \(int4Top1)% vs fp32 \(fp32Top1)%")
    #expect((int4["top1_agreement"] as! Double) >= AccuracyThresholds.digitsMinimumTop1Agreement)
    let sqnr = int4["logits_sqnr_db"] as! Double
    #expect(sqnr >= AccuracyThresholds.digitsInt4MinimumLogitsSQNR, "logits SQNR \(sqnr) dB")
    #expect(sqnr < int8["logits_sqnr_db"] as! Double)
}

/// GPTQ rounding (the default): the digits model's logits come closer to fp32 than with rounding
/// to nearest (measured +3.4 dB, both equalized), with the same top-1 floors.
@Test func gptqDigitsGainOverRoundingToNearest() throws {
    let gptq = try evaluate(Blobs.digitsBlob)
    let nearest = try evaluate(Blobs.digitsNearestBlob)
    #expect((gptq["top1_agreement"] as! Double) >= AccuracyThresholds.digitsMinimumTop1Agreement)
    let gain = (gptq["logits_sqnr_db"] as! Double) - (nearest["logits_sqnr_db"] as! Double)
    #expect(gain >= AccuracyThresholds.gptqMinimumDigitsGainDB, "GPTQ gains \(gain) dB of logits SQNR")
}

/// eval compares a blob layer by layer with the graph it was compiled from: equalized when the
/// blob's calibration string says so (the default blob, whose layer floors
/// `digitsModelKeepsItsAccuracy` checks), plain otherwise (here). Compared with the wrong graph,
/// the per-layer SQNRs read 2.5-8 dB.
@Test func unequalizedBlobsAreComparedWithThePlainGraph() throws {
    let blob = Scratch.directory.appendingPathComponent("plain.vq8")
    let compiled = try quantize.run(["--weights", weights, "--calibration", digits.appendingPathComponent("calibration").path,
                                     "--labels", digits.appendingPathComponent("labels.txt").path, "--resize", "32", "--crop", "32",
                                     "--mean", "0.3053,0.3053,0.3053", "--std", "0.3234,0.3234,0.3234", "--no-cross-layer-equalization",
                                     "-o", blob.path])
    #expect(compiled.status == 0, "\(compiled.stderr)")
    let report = try evaluate(blob)
    #expect(!(report["calibration"] as? String ?? "equalized").contains("equalized"))
    let equalized = try evaluate(Blobs.digitsBlob)
    #expect((equalized["calibration"] as? String ?? "").contains("cross-layer equalized"))
    for (name, object) in [("plain", report), ("equalized", equalized)] {
        for layer in object["layers"] as! [[String: Any]] {
            let sqnr = layer["sqnr_db"] as? Double ?? -.infinity
            #expect(sqnr >= AccuracyThresholds.digitsMinimumLayerSQNR, "\(name) \(layer["name"]!): \(sqnr) dB")
        }
    }
}

private func evaluate(_ blob: URL) throws -> [String: Any] {
    let report = Scratch.directory.appendingPathComponent("eval-\(UUID().uuidString).json")
    let result = try quantize.run(["eval", "--weights", weights, "--blob", blob.path, "--images", heldout.path,
                                   "--labels", heldoutLabels, "--json", report.path, "--threads", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    return try json(report)
}

// MARK: - Bad input

@Test func mismatchedBlobsAreOneLineErrors() throws {
    // The vgg11_bn fixture: same arch and class count, 1/32 width instead of 1/8. vgg13_bn: another
    // arch. (Another class count: Tests/EvaluationTests/BlobMatchTests.swift.)
    for (arch, message) in [("vgg11_bn", #"layer 0 is "features.0 conv 3->8" in the blob, "features.0 conv 3->2" in the weights"#),
                            ("vgg13_bn", "the blob is vgg11_bn, the weights are vgg13_bn")] {
        let result = try quantize.run(["eval", "--weights", fixtures.appendingPathComponent("models/\(arch).pth").path,
                                       "--blob", Scratch.digitsBlob, "--images", heldout.path])
        result.expectCleanFailure("digits-generic.vq8 does not match the weights", message)
    }
}

@Test func badImagesAndLabelsAreOneLineErrors() throws {
    func eval(_ images: URL, _ extra: [String] = []) throws -> Tool.Result {
        try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob, "--images", images.path] + extra)
    }
    let empty = Scratch.directory.appendingPathComponent("empty-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    try eval(empty).expectCleanFailure("no PNG or JPEG images")
    try eval(empty.appendingPathComponent("absent")).expectCleanFailure("absent", "does not exist")

    let broken = try Scratch.folder(["0000.png": "0000.png"])
    try Data("not a png".utf8).write(to: broken.appendingPathComponent("0001.png"))
    try eval(broken).expectCleanFailure("0001.png")

    func labels(_ text: String) throws -> [String] {
        let file = Scratch.directory.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        return ["--labels", file.path]
    }
    let two = try Scratch.folder(["0000.png": "0000.png", "0001.png": "0001.png"])
    try eval(two, try labels("file,label\n0000.png,1\n0001.png,4\n0002.png,8\n")).expectCleanFailure("0002.png is not an image")
    try eval(two, try labels("file,label\n0000.png,1\n0001.png,eleven\n")).expectCleanFailure("line 3", "unknown class \"eleven\"")
    try eval(two, try labels("file,label\n0000.png,1\n")).expectCleanFailure("have no label", "0001.png")
    try eval(two, try labels("0000.png,1\n")).expectCleanFailure("header file,label")
    try eval(two, ["--labels", Scratch.directory.appendingPathComponent("absent.csv").path]).expectCleanFailure("absent.csv")
}

@Test func badOptionsAndBlobsAreOneLineErrors() throws {
    let base = ["eval", "--weights", weights, "--images", heldout.path]
    try quantize.run(base + ["--blob", Scratch.directory.appendingPathComponent("absent.vq8").path]).expectCleanFailure("absent.vq8")
    let foreign = Scratch.directory.appendingPathComponent("foreign.vq8")
    try Data("PK\u{3}\u{4} definitely a zip".utf8).write(to: foreign)
    try quantize.run(base + ["--blob", foreign.path]).expectCleanFailure("foreign.vq8")
    try quantize.run(base + ["--blob", Scratch.digitsBlob, "--threads", "0"]).expectCleanFailure("--threads")
    try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob]).expectCleanFailure("--images")
}

/// `--sensitivity`: a table on stdout, the layers worst first in the JSON, a chart in the page;
/// without it the JSON has no such key.
@Test func sensitivityIsReportedInEveryForm() throws {
    let out = Scratch.directory.appendingPathComponent("sensitivity-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let images = try Scratch.folder(Dictionary(uniqueKeysWithValues: (0..<24).map { i in
        let name = String(format: "%04d.png", i)
        return (name, name)
    }))
    let (report, page) = (out.appendingPathComponent("report.json"), out.appendingPathComponent("report.html"))
    let result = try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob, "--images", images.path,
                                   "--sensitivity", "--json", report.path, "--html", page.path])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    let table = try #require(lines.firstIndex { $0.hasPrefix("layer sensitivity, worst first") })
    #expect(lines.count - table - 2 == 11, "\(result.stdout)")
    #expect(result.stderr.contains("sensitivity"), "progress: \(result.stderr)")
    let sensitivity = try #require(try json(report)["sensitivity"] as? [[String: Any]])
    let alone = sensitivity.compactMap { $0["alone_sqnr_db"] as? Double }
    #expect(alone.count == 11 && alone == alone.sorted())
    for key in ["name", "kind", "alone_sqnr_db", "alone_top1_agreement", "all_but_sqnr_db", "all_but_top1_agreement"] {
        #expect(sensitivity.allSatisfy { $0[key] != nil }, "missing \(key)")
    }
    // The table's first row is the JSON's first layer.
    #expect(lines[table + 2].hasPrefix(sensitivity[0]["name"] as! String + " "))
    let html = try String(contentsOf: page, encoding: .utf8)
    #expect(html.contains("<h2>Layer sensitivity</h2>") && html.contains(sensitivity[0]["name"] as! String))

    let plain = out.appendingPathComponent("plain.json")
    let without = try quantize.run(["eval", "--weights", weights, "--blob", Scratch.digitsBlob, "--images", images.path, "--json", plain.path])
    #expect(without.status == 0)
    let plainObject = try json(plain)
    #expect(plainObject["sensitivity"] == nil)
    #expect(!without.stdout.contains("layer sensitivity"))
}
