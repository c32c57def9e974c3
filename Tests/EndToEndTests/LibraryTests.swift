import Foundation
import Imaging
import NPY
import Testing
import VGGInt8Runtime

/// The Swift library (`VGGInt8Runtime`) that vgg-run is built on: its logits against vgg-run's
/// `--logits-out`, raw frames, bad input as typed errors, and one classifier shared by threads.
@Suite struct LibraryTests {
    static let fixtures = Tool.fixtures
    static let images: [String] = {
        let digits = fixtures.appendingPathComponent("digits/heldout")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: digits.path))?.filter { $0.hasSuffix(".png") }.sorted() ?? []
        return names.prefix(4).map { digits.appendingPathComponent($0).path }
            + ["astronaut.jpg", "coffee.png"].map { fixtures.appendingPathComponent("images/\($0)").path }
    }()

    /// The float32 bytes vgg-run writes for `images`, as floats.
    static func vggRunLogits(_ blob: URL, _ images: [String]) throws -> [Float] {
        let out = Blobs.directory.appendingPathComponent("library-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Tool(name: "vgg-run").run([blob.path, "--threads", "2", "--logits-out", out.path] + images)
        #expect(result.status == 0, "\(result.stderr)")
        return try NPYArray(path: out.path).floats()
    }

    @Test(arguments: ["digits", "vgg13_bn"])
    func logitsEqualVGGRuns(blobName: String) throws {
        let blob = blobName == "digits" ? Blobs.digitsBlob : Blobs.arch("vgg13_bn")
        #expect(Self.images.count == 6)
        let expected = try Self.vggRunLogits(blob, Self.images)
        let classifier = try Classifier(path: blob.path, threads: 2)
        let context = try classifier.makeContext(threads: 2)
        var got: [Float] = []
        for path in Self.images { got += try context.classify(imageAt: path).logits }
        #expect(got.map(\.bitPattern) == expected.map(\.bitPattern))
        // From bytes, and the classes' names and probabilities.
        let fromBytes = try Classifier(bytes: Array(try Data(contentsOf: blob)), name: "in memory")
        let first = try fromBytes.makeContext().classify(imageAt: Self.images[0])
        #expect(first.logits == Array(got.prefix(classifier.classCount)))
        let top = first.top(3)
        #expect(top.count == 3 && top[0].probability >= top[1].probability && top[1].probability >= top[2].probability)
        #expect(top[0].label == classifier.labels[top[0].index])
        #expect(abs(first.probabilities.reduce(0, +) - 1) < 1e-9)
    }

    /// A frame in RGB with padded rows and the same frame in BGR classify as the decoded image does.
    @Test func framesInBothPixelOrdersAndStrides() throws {
        let classifier = try Classifier(path: Blobs.digitsBlob.path)
        let context = try classifier.makeContext()
        let image = try ImageDecoder.decode(path: Self.images[4])
        let expected = context.classify(image).logits
        for (format, stride) in [(PixelFormat.rgb, image.width * 3), (.rgb, image.width * 3 + 13), (.bgr, image.width * 3 + 1)] {
            var frame = [UInt8](repeating: 0xAB, count: stride * image.height)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let pixel = Array(image.pixels[(y * image.width + x) * 3 ..< (y * image.width + x) * 3 + 3])
                    let ordered = format == .rgb ? pixel : pixel.reversed()
                    for c in 0..<3 { frame[y * stride + 3 * x + c] = ordered[c] }
                }
            }
            let got = try frame.withUnsafeBytes {
                try context.classify(frame: $0, width: image.width, height: image.height, rowStride: stride, format: format).logits
            }
            #expect(got == expected, "\(format), stride \(stride)")
        }
    }

    @Test func badInputIsATypedError() throws {
        func kind(_ body: () throws -> Any) -> ClassifierError.Kind? {
            do {
                _ = try body()
                return nil
            } catch let error as ClassifierError {
                #expect(!error.description.isEmpty && !error.description.contains("\n"))
                return error.kind
            } catch {
                return nil
            }
        }
        #expect(kind { try Classifier(path: "/nonexistent/model.vq8") } == .invalidBlob)
        #expect(kind { try Classifier(bytes: Array("not a blob at all".utf8)) } == .invalidBlob)
        #expect(kind { try Classifier(path: Blobs.digitsBlob.path, threads: 0) } == .invalidSettings)
        #expect(kind { try Classifier(path: Blobs.digitsBlob.path, kernels: []) } == .invalidSettings)
        let classifier = try Classifier(path: Blobs.digitsBlob.path)
        #expect(kind { try classifier.makeContext(threads: 257) } == .invalidSettings)
        let context = try classifier.makeContext()
        #expect(kind { try context.classify(imageAt: "/nonexistent.png") } == .invalidImage)
        #expect(kind { try context.classify(imageAt: Self.fixtures.appendingPathComponent("images/empty.png").path) } == .invalidImage)
        // Not regular files: a device that never ends and a FIFO nobody writes (neither may hang
        // or fill memory), a folder.
        #expect(kind { try context.classify(imageAt: "/dev/zero") } == .invalidImage)
        let fifo = Blobs.directory.appendingPathComponent("fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        #expect(kind { try context.classify(imageAt: fifo) } == .invalidImage)
        #expect(kind { try context.classify(imageAt: Self.fixtures.path) } == .invalidImage)
        #expect(kind { try context.classify(preprocessed: [0, 1, 2]) } == .invalidInput)
        #expect(kind { try context.classify(quantized: [1, 2, 3]) } == .invalidInput)
        // The digits model takes 32x32: a frame must be at least that.
        let bytes = [UInt8](repeating: 7, count: 100 * 32 + 96)
        #expect(kind { try bytes.withUnsafeBytes { try context.classify(frame: $0, width: 0, height: 1, rowStride: 0) } } == .invalidInput)
        #expect(kind { try bytes.withUnsafeBytes { try context.classify(frame: $0, width: 31, height: 33, rowStride: 93) } } == .invalidInput)
        #expect(kind { try bytes.withUnsafeBytes { try context.classify(frame: $0, width: 32, height: 32, rowStride: 95) } } == .invalidInput)
        #expect(kind { try bytes.withUnsafeBytes { try context.classify(frame: $0, width: 32, height: 34, rowStride: 100) } } == .invalidInput)
        // 32x33 with stride 100 needs 32 x 100 + 96 bytes, all of them: fine.
        #expect(kind { try bytes.withUnsafeBytes { try context.classify(frame: $0, width: 32, height: 33, rowStride: 100) } } == nil)
    }

    /// One classifier, a context per thread, 4 threads at once: each gets the lone context's logits.
    @Test func contextsOnFourThreadsShareOneClassifier() throws {
        let classifier = try Classifier(path: Blobs.digitsBlob.path)
        let images = Self.images
        let lone = try classifier.makeContext()
        let expected = try images.map { try lone.classify(imageAt: $0).logits }
        let results = Results()
        let group = DispatchGroup()
        for worker in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                let logits = try? classifier.makeContext(threads: 1 + worker % 2).classify(imageAt: images[worker]).logits
                results.set(worker, logits ?? [])
            }.start()
        }
        group.wait()
        for worker in 0..<4 { #expect(results.get(worker) == expected[worker], "worker \(worker)") }
    }

    final class Results: @unchecked Sendable { // every access holds `lock`
        private let lock = NSLock()
        private var values: [Int: [Float]] = [:]
        func set(_ index: Int, _ value: [Float]) { lock.withLock { values[index] = value } }
        func get(_ index: Int) -> [Float] { lock.withLock { values[index] ?? [] } }
    }
}
