import Foundation
import NPY
import Testing

/// `vgg-run` over many images: folders, list files and standard input, `--jobs N` (N contexts on
/// one model, decoding overlapped), results in input order, a bad image as its own error line,
/// and `--benchmark N --jobs J`'s throughput report.
@Suite struct ThroughputCommandTests {
    static let run = Tool(name: "vgg-run")
    static let folder = Tool.fixtures.appendingPathComponent("digits/heldout")
    /// The folder's images as vgg-run lists them: .png files, sorted by name.
    static let folderImages: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".png") }.sorted().map { folder.appendingPathComponent($0).path }
    }()

    func temporary(_ name: String) -> URL {
        Blobs.directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
    }

    /// A folder, the same paths as a list file, on standard input, and as arguments, with 1 and 3
    /// jobs: the same text, in the same order, and the same logits bit for bit.
    @Test func everyInputFormAndJobCountGivesTheSameResults() throws {
        let blob = Blobs.digitsBlob.path
        let images = Self.folderImages
        #expect(images.count >= 300, "\(images.count) digits")
        let list = temporary("list.txt")
        try (images.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }

        func outcome(_ arguments: [String], input: String? = nil) throws -> (text: String, logits: [UInt8]) {
            let out = temporary("logits.npy")
            defer { try? FileManager.default.removeItem(at: out) }
            let result = try Self.run.run([blob, "--top", "2", "--logits-out", out.path] + arguments, input: input)
            #expect(result.status == 0 && !result.crashed, "\(arguments): \(result.stderr)")
            return (result.stdout, try NPYArray(path: out.path).bytes)
        }
        let baseline = try outcome(images + ["--jobs", "1", "--threads", "1"])
        let firstLines = baseline.text.split(separator: "\n").filter { !$0.hasPrefix(" ") }
        #expect(firstLines.map(String.init) == images, "one result per image, in input order")
        #expect(try outcome([Self.folder.path, "--jobs", "3", "--threads", "1"]) == baseline)
        #expect(try outcome(["--list", list.path, "--jobs", "2"]) == baseline)
        #expect(try outcome(["--list", "-", "--jobs", "2", "--threads", "2"], input: images.joined(separator: "\n")) == baseline)
        // Arguments first, then the list.
        let split = images.count / 2
        #expect(try outcome(Array(images[..<split]) + ["--list", "-", "--jobs", "2"],
                            input: images[split...].joined(separator: "\r\n")) == baseline)
    }

    /// Bad images among good ones: each gets its own stderr line naming it, the others are
    /// classified in order, the logits of the bad ones are NaN rows, and the exit status is 1.
    @Test func aBadImageIsItsOwnErrorAndTheRestRun() throws {
        let blob = Blobs.digitsBlob.path
        let broken = temporary("broken.png")
        try Data("not a png".utf8).write(to: broken)
        defer { try? FileManager.default.removeItem(at: broken) }
        let missing = temporary("missing.jpg").path
        let good = Array(Self.folderImages.prefix(3))
        let inputs = [good[0], broken.path, good[1], missing, good[2]]
        let alone = temporary("alone.npy"), mixed = temporary("mixed.npy")
        defer { for url in [alone, mixed] { try? FileManager.default.removeItem(at: url) } }
        let clean = try Self.run.run([blob, "--logits-out", alone.path] + good)
        #expect(clean.status == 0)

        for jobs in ["1", "2"] {
            let result = try Self.run.run([blob, "--jobs", jobs, "--logits-out", mixed.path] + inputs)
            #expect(result.status == 1 && !result.crashed, "\(result.stderr)")
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("vgg-run: ") }
            #expect(errors.count == 2 && errors[0].contains(broken.lastPathComponent) && errors[1].contains("missing.jpg"),
                    "\(result.stderr)")
            #expect(result.stderr.contains("2 image(s) failed"))
            let named = result.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map(String.init)
            #expect(named == good, "jobs \(jobs)")
            let rows = try NPYArray(path: mixed.path).floats(), expected = try NPYArray(path: alone.path).floats()
            #expect(rows.count == 50)
            #expect(rows[10..<20].allSatisfy(\.isNaN) && rows[30..<40].allSatisfy(\.isNaN))
            let kept = Array(rows[0..<10]) + Array(rows[20..<30]) + Array(rows[40..<50])
            #expect(kept.map(\.bitPattern) == expected.map(\.bitPattern))
        }
        // JSON: every input in order, with its top classes or its error.
        let result = try Self.run.run([blob, "--json", "--jobs", "2"] + inputs)
        #expect(result.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let entries = object["images"] as! [[String: Any]]
        #expect(entries.map { $0["file"] as? String } == inputs)
        #expect(entries.map { $0["error"] != nil } == [false, true, false, true, false])
        #expect(entries.map { $0["top"] != nil } == [true, false, true, false, true])
        #expect(object["failed"] as? Int == 2 && object["jobs"] as? Int == 2)
        #expect((object["images_per_s"] as? Double ?? 0) > 0)
    }

    /// `--benchmark N --jobs J`: J x N timed images, throughput from the wall time, latency order.
    @Test(arguments: [(1, 2), (2, 1), (3, 1)])
    func benchmarkWithJobsReportsThroughput(jobs: Int, threads: Int) throws {
        let images = Array(Self.folderImages.prefix(4))
        let result = try Self.run.run([Blobs.digitsBlob.path, "--benchmark", "25", "--jobs", "\(jobs)", "--threads", "\(threads)",
                                       "--json"] + images)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(object["jobs"] as? Int == jobs && object["threads"] as? Int == threads)
        #expect(object["images"] as? Int == jobs * 25 && object["runs_per_job"] as? Int == 25)
        let seconds = try #require(object["seconds"] as? Double), perSecond = try #require(object["images_per_s"] as? Double)
        #expect(seconds > 0 && abs(perSecond * seconds - Double(jobs * 25)) < 1e-6 * Double(jobs * 25))
        let latency = try #require(object["latency_ms"] as? [String: Double])
        let (low, middle, p90, high) = (latency["min"]!, latency["median"]!, latency["p90"]!, latency["max"]!)
        #expect(0 < low && low <= middle && middle <= p90 && p90 <= high, "\(latency)")
        // No job's image can take longer than the whole timed part.
        #expect(high <= seconds * 1000 + 1)
    }
}
