import Foundation
import Int8Blob
import Int8Runtime
import NPY
import Testing

private let quantize = Tool(name: "vgg-quantize")
private let run = Tool(name: "vgg-run")
private let fixtures = Tool.fixtures
private let digits = fixtures.appendingPathComponent("digits")
private let photos = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Calibration")

private let heldout: [String] = {
    let csv = try! String(contentsOf: digits.appendingPathComponent("heldout/labels.csv"), encoding: .utf8)
    return csv.split(separator: "\n").dropFirst().prefix(12).map { digits.appendingPathComponent("heldout/\($0.split(separator: ",")[0])").path }
}()

/// Runs vgg-run and returns the logits it wrote.
private func logits(_ blob: URL, _ images: [String], environment: [String: String] = [:], threads: Int = 1) throws -> [UInt8] {
    let out = Blobs.directory.appendingPathComponent("logits-\(UUID().uuidString).npy")
    defer { try? FileManager.default.removeItem(at: out) }
    let result = try run.run([blob.path, "--threads", "\(threads)", "--logits-out", out.path] + images, environment: environment)
    #expect(result.status == 0, "\(result.stderr)")
    return try NPYArray(path: out.path).bytes
}

@Test func classifiesDigitsLikeTheFloatModel() throws {
    let result = try run.run([Blobs.digitsBlob.path, "--top", "2", "--json"] + heldout)
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    #expect(object["arch"] as? String == "vgg11_bn")
    // A generic blob: the best general kernel runs every layer.
    #expect(object["kernel"] as? String == Kernel.runnable.first { $0.accepts(pairBounded: false) }?.name)
    let images = object["images"] as! [[String: Any]]
    #expect(images.count == heldout.count)
    // Against PyTorch's fp32 logits of the same images: same top-1 on all 12.
    let reference = try NPYArray(path: digits.appendingPathComponent("heldout.logits.npy").path).floats()
    for (index, image) in images.enumerated() {
        let fp32 = Array(reference[index * 10 ..< index * 10 + 10])
        let fp32Top = fp32.indices.max { fp32[$0] < fp32[$1] }!
        let top = (image["top"] as! [[String: Any]])[0]
        #expect(top["label"] as? String == "\(fp32Top)", "\(heldout[index])")
    }
}

/// The same blob and images give identical logits with every kernel this CPU runs and 1, 2
/// and 3 threads (kernels the CPU lacks: see the kernel tests' printout), for a generic blob and
/// one with pair-bounded weights. A kernel that does not run every layer (pair-bounded weights
/// only, Winograd) runs next to the portable one, which takes the others (VGG_KERNELS=avx2pairs,scalar).
@Test(arguments: ["generic", "x86_64-avx2"])
func logitsAreIdenticalForEveryKernelAndThreadCount(target: String) throws {
    let blob = Blobs.arch("vgg13_bn", target: target)
    let images = ["astronaut.jpg", "coffee.png"].map { fixtures.appendingPathComponent("images/\($0)").path }
    let baseline = try logits(blob, images, environment: ["VGG_KERNELS": "scalar"])
    for kernel in Kernel.runnable {
        let names = kernel.accepts(pairBounded: false) ? kernel.name : "\(kernel.name),scalar"
        for threads in 1...3 {
            let got = try logits(blob, images, environment: ["VGG_KERNELS": names], threads: threads)
            #expect(got == baseline, "\(names), \(threads) threads")
        }
    }
}

/// A pair-bounded blob runs its convolutions on the pair kernel where the CPU has one (the
/// per-layer kernels are in the benchmark report), and the blob says so in inspect.
@Test func pairBoundedBlobsUseThePairKernel() throws {
    let result = try run.run([Blobs.digitsPairsBlob.path, "--benchmark", "2", "--json", heldout[0]])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let layers = object["layers"] as! [[String: Any]]
    let blob = try BlobFile(path: Blobs.digitsPairsBlob.path)
    #expect(blob.formatVersion == 2)
    let general = Kernel.runnable.first { $0.accepts(pairBounded: false) }!.name
    let best = Kernel.runnable.first { $0.accepts(pairBounded: true) }!.name
    for (layer, report) in zip(blob.layers, layers) {
        switch layer.kind {
        case .convolution: #expect(layer.pairBounded && report["kernel"] as? String == best, "\(layer.name)")
        case .linear, .logits: #expect(!layer.pairBounded && report["kernel"] as? String == general, "\(layer.name)")
        default: #expect(report["kernel"] == nil)
        }
    }
    let inspect = try quantize.run(["inspect", Blobs.digitsPairsBlob.path])
    #expect(inspect.stdout.contains("format version 2") && inspect.stdout.contains("pair-bounded"), "\(inspect.stdout)")
}

/// Golden logits: FNV-1a hashes of the float32 logits of the committed small models, so any
/// change in quantization, kernels or boundaries shows. `UPDATE_GOLDEN=1` rewrites the file.
@Test func logitsMatchTheGoldenHashes() throws {
    let golden = fixtures.appendingPathComponent("golden/int8-logits.txt")
    let images = ["astronaut.jpg", "chelsea.jpg", "coffee.png"].map { fixtures.appendingPathComponent("images/\($0)").path }
    var lines: [String] = []
    lines.append("digits \(fnv1a(try logits(Blobs.digitsBlob, heldout)))")
    for arch in ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"] {
        lines.append("\(arch) \(fnv1a(try logits(Blobs.arch(arch), images)))")
    }
    // Pair-bounded weights (compiled for x86_64-avx2).
    lines.append("digits x86_64-avx2 \(fnv1a(try logits(Blobs.digitsPairsBlob, heldout)))")
    lines.append("vgg16_bn x86_64-avx2 \(fnv1a(try logits(Blobs.arch("vgg16_bn", target: "x86_64-avx2"), images)))")
    let text = lines.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try Data(text.utf8).write(to: golden)
        return
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    #expect(text == expected, "int8 logits changed (UPDATE_GOLDEN=1 to accept):\n\(text)")
}

private func fnv1a(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return String(hash, radix: 16)
}

@Test func benchmarkReportsTheAgreedKeys() throws {
    let result = try run.run([Blobs.digitsBlob.path, "--benchmark", "3", "--json", "--threads", "2", heldout[0]])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    for key in ["median_ms", "p90_ms", "threads", "kernel", "load_ms", "peak_rss_mb", "layers"] {
        #expect(object[key] != nil, "missing \(key)")
    }
    let layers = object["layers"] as! [[String: Any]]
    let blob = try BlobFile(path: Blobs.digitsBlob.path)
    #expect(layers.count == blob.layers.count)
    #expect(layers.allSatisfy { $0["name"] is String && $0["ms"] is Double })
    #expect(layers.contains { ($0["gmac_per_s"] as? Double ?? 0) > 0 })
    #expect((object["median_ms"] as! Double) <= (object["p90_ms"] as! Double))
    // Time outside the layers: part of a run, never negative.
    let outside = try #require(object["outside_layers_ms"] as? Double)
    #expect(outside >= 0 && outside < (object["p90_ms"] as! Double), "outside_layers_ms \(outside)")
    try checkFractionsOfPeak(object)
}

/// Each layer's of_peak is its rate in the kernel's own products over the kernel's peak (listed
/// in "peaks", one per kernel with a peak loop) times the threads; pools and the scalar kernel
/// have none.
private func checkFractionsOfPeak(_ object: [String: Any]) throws {
    let threads = Double(object["threads"] as! Int)
    let peaks = try #require(object["peaks"] as? [[String: Any]])
    var peak: [String: Double] = [:]
    for entry in peaks { peak[entry["kernel"] as! String] = entry["gmac_per_s_per_thread"] as? Double }
    for layer in object["layers"] as! [[String: Any]] {
        let name = layer["kernel"] as? String
        guard let name, let kernel = Kernel.all.first(where: { $0.name == name }), kernel.hasPeak else {
            #expect(layer["of_peak"] == nil, "\(layer)")
            continue
        }
        let perThread = try #require(peak[name], "no peak for \(name)")
        #expect(perThread > 0 && perThread.isFinite)
        let rate = try #require(layer["gmac_per_s"] as? Double)
        let fraction = try #require(layer["of_peak"] as? Double, "\(layer)")
        #expect(abs(fraction - rate * kernel.productsPerMAC / (perThread * threads)) <= 1e-9 * fraction, "\(layer)")
    }
    #expect(Set(peak.keys) == Set((object["layers"] as! [[String: Any]]).compactMap { $0["kernel"] as? String }.filter { name in
        Kernel.all.first { $0.name == name }!.hasPeak
    }))
}

/// The Winograd network (Int8RuntimeTests' winogradModel, written by the kernel-case test) where
/// this CPU runs a Winograd kernel: its layers' fractions count the kernel's int16 products; with
/// VGG_KERNELS=scalar there is no peak at all.
@Test func benchmarkFractionsOfPeakForEveryKernelKind() throws {
    let winograd = Kernel.runnable.filter { !$0.winograd.isEmpty }.map(\.name)
    for kernels in [winograd.isEmpty ? nil : (winograd + ["scalar"]).joined(separator: ","), "scalar"].compactMap({ $0 }) {
        let result = try run.run([Blobs.winogradBlob.path, "--benchmark", "2", "--json", "--threads", "2",
                                  fixtures.appendingPathComponent("images/chelsea.jpg").path], environment: ["VGG_KERNELS": kernels])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        try checkFractionsOfPeak(object)
        let layers = object["layers"] as! [[String: Any]]
        if kernels == "scalar" {
            #expect((object["peaks"] as! [Any]).isEmpty)
        } else {
            #expect(layers.contains { ($0["kernel"] as? String).map(winograd.contains) == true && $0["of_peak"] != nil })
        }
    }
}

// MARK: - Bad input

@Test func damagedBlobsAreOneLineErrors() throws {
    let good = try Data(contentsOf: Blobs.digitsBlob)
    let image = heldout[0]
    func write(_ name: String, _ bytes: Data) throws -> String {
        let url = Blobs.directory.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }
    var flipped = good
    flipped[flipped.count - 100] ^= 0x40
    try run.run([try write("flipped.vq8", flipped), image]).expectCleanFailure("flipped.vq8", "checksum")
    try run.run([try write("truncated.vq8", good.prefix(good.count / 2)), image]).expectCleanFailure("truncated.vq8")
    try run.run([try write("foreign.vq8", Data("PK\u{3}\u{4} definitely a zip".utf8)), image]).expectCleanFailure("foreign.vq8")
    var newer = good
    newer[12] = 4
    try run.run([try write("newer.vq8", newer), image]).expectCleanFailure("newer.vq8", "newer than this reader")
    try run.run([Blobs.directory.appendingPathComponent("absent.vq8").path, image]).expectCleanFailure("absent.vq8")
}

@Test func badImagesAndOptionsAreOneLineErrors() throws {
    let blob = Blobs.digitsBlob.path
    // (a bad image among others: ThroughputCommandTests)
    try run.run([blob, "--threads", "0", heldout[0]]).expectCleanFailure("--threads")
    try run.run([blob, "--threads", "100000", heldout[0]]).expectCleanFailure("--threads")
    try run.run([blob, "--threads", "many", heldout[0]]).expectCleanFailure("many")
    try run.run([blob, "--benchmark", "0", heldout[0]]).expectCleanFailure("--benchmark")
    try run.run([blob]).expectCleanFailure("no images")
    try run.run([blob, "--jobs", "0", heldout[0]]).expectCleanFailure("--jobs")
    try run.run([blob, "--jobs", "257", heldout[0]]).expectCleanFailure("--jobs")
    try run.run([blob, "--list", Blobs.directory.appendingPathComponent("no-list.txt").path]).expectCleanFailure("no-list.txt")
    let emptyFolder = Blobs.directory.appendingPathComponent("empty-folder-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: emptyFolder, withIntermediateDirectories: true)
    try run.run([blob, emptyFolder.path]).expectCleanFailure(emptyFolder.lastPathComponent, "no .png")
    try run.run([blob, "--list", "-"], input: "\n\n").expectCleanFailure("standard input is empty")
    try run.run([blob, heldout[0]], environment: ["VGG_KERNELS": "sse9"]).expectCleanFailure("VGG_KERNELS", "sse9")
    let unwritable = Blobs.directory.appendingPathComponent("no-such-folder/logits.npy").path
    try run.run([blob, "--logits-out", unwritable, heldout[0]]).expectCleanFailure("no-such-folder")
}

/// The modules of the offline world (Package.swift): none of their code may be in vgg-run.
private let offlineModules: Set = ["TorchCheckpoint", "StrictJSON", "VGGModel", "FloatEngine", "Quantizer", "Evaluation"]

/// Symbols of OpenBLAS (its CBLAS and Fortran interfaces) and of OpenSSL's libcrypto (the
/// checkpoint hash check).
private func isBLASOrCrypto(_ symbol: String) -> Bool {
    ["cblas_", "openblas_", "sgemm_", "EVP_"].contains { symbol.hasPrefix($0) }
}

/// Every symbol name in a tool the tests built (`nm`: a statically linked library's code shows
/// as defined symbols, a shared library's functions as undefined ones; `ldd` sees only the
/// shared libraries), without ELF version suffixes (`@GLIBC_2.2.5`).
private func symbols(of tool: String) throws -> Set<String> {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["nm", Tool.productsDirectory.appendingPathComponent(tool).path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "nm \(tool) exited with \(process.terminationStatus)")
    return Set(text.split(separator: "\n").compactMap { line in
        line.split(separator: " ").last.map { String($0.prefix { $0 != "@" }) }
    })
}

/// The first name in a mangled Swift symbol: `$s`, then the name after its length. For a
/// function, a type or its metadata that is the module it belongs to
/// (`$s11Int8Runtime6KernelV4nameSSvg` is Int8Runtime's `Kernel.name` getter); a few symbols
/// start with another name (`$s7Element...`, an associated type), which never names a module of
/// this package. Nil for C symbols and `$sS...` (the standard library's short forms).
private func swiftModule(of symbol: String) -> String? {
    guard symbol.hasPrefix("$s") else { return nil }
    let rest = symbol.dropFirst(2)
    let digits = rest.prefix { $0.isASCII && $0.isNumber }
    guard let length = Int(digits), length > 0 else { return nil }
    let name = rest.dropFirst(digits.count).prefix(length)
    return name.count == length ? String(name) : nil
}

/// vgg-run is the on-device side: no BLAS, no libcrypto and no code of the offline modules in
/// the binary the tests built, read by symbol. The same reading of vgg-quantize finds all of
/// them, and of vgg-run finds Int8Runtime and libpng, so the check can fail.
@Test func theRuntimeLinksNoBLASAndNoCompilerCode() throws {
    let runtime = try symbols(of: "vgg-run")
    let runtimeModules = Set(runtime.compactMap(swiftModule(of:)))
    #expect(runtimeModules.contains("Int8Runtime"), "modules in vgg-run: \(runtimeModules.sorted())")
    #expect(runtime.contains("png_create_read_struct"))
    #expect(runtimeModules.isDisjoint(with: offlineModules), "offline modules in vgg-run: \(runtimeModules.intersection(offlineModules).sorted())")
    #expect(!runtime.contains(where: isBLASOrCrypto), "\(runtime.filter(isBLASOrCrypto).sorted())")

    // Foundation proper (and its ICU) neither; FoundationEssentials comes in only through
    // swift-argument-parser (Scripts/check-on-device-imports.sh checks our own imports).
    #expect(!runtimeModules.contains("Foundation"), "vgg-run uses Foundation")

    let compiler = try symbols(of: "vgg-quantize")
    #expect(offlineModules.isSubset(of: compiler.compactMap(swiftModule(of:))))
    // (the control: vgg-quantize uses Foundation, and the reading sees it)
    #expect(compiler.compactMap(swiftModule(of:)).contains("Foundation"))
    #expect(compiler.contains("cblas_sgemm") && compiler.contains("EVP_Digest"))
}
