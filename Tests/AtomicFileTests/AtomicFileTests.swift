@testable import AtomicFile
import Foundation
import Testing

/// Paths as given (relative or absolute) are written atomically and named as given in errors.
@Suite struct AtomicFileTests {
    @Test(arguments: [
        ("a/b/c.vq8", "a/b", "c.vq8"), ("c.vq8", ".", "c.vq8"), ("/c.vq8", "/", "c.vq8"),
        ("out/", "out", ""), ("a//b", "a", "b"), ("/x/y.npy", "/x", "y.npy"), ("./m.vq8", ".", "m.vq8"),
    ])
    func splitsFolderAndName(_ path: String, _ directory: String, _ name: String) {
        let parts = AtomicFile.split(path)
        #expect(parts.directory == directory)
        #expect(parts.name == name)
    }

    static func scratchFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomicfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func writesReplacesAndLeavesNoTemporaryFile() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/out.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([4, 5], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([4, 5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.bin"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let mask = umask(0)
        umask(mask)
        #expect(mode == Int(0o644 & ~mask), "mkstemp's 0600 becomes 0644 less the umask")
    }

    /// What a killed writer left (`.NAME.tmp-PID-XXXXXX` of a process that is gone) goes at the
    /// next write of the same target; a live process's file, other targets' and other names stay.
    @Test func removesOnlyStaleTemporariesOfTheTarget() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A process id that is surely gone: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let gone = child.processIdentifier
        let live = getpid()
        let names = [".out.bin.tmp-\(gone)-Ab12Cd", ".out.bin.tmp-\(live)-Ef34Gh", ".other.bin.tmp-\(gone)-Ij56Kl",
                     ".out.bin.tmp-notapid-Mn78Op", "out.bin.tmp-\(gone)-Qr90St", ".out.bin.tmp-\(gone)-short"]
        for name in names { FileManager.default.createFile(atPath: folder + "/" + name, contents: Data([9])) }
        try AtomicFile.write([1, 2], to: folder + "/out.bin")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        #expect(left == Set(names.filter { $0 != ".out.bin.tmp-\(gone)-Ab12Cd" } + ["out.bin"]), "\(left)")
    }

    @Test func writesARelativePathInTheWorkingFolder() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let previous = FileManager.default.currentDirectoryPath
        #expect(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        try AtomicFile.checkWritable("plain.txt")
        try AtomicFile.write(Array("x".utf8), to: "plain.txt")
        #expect(FileManager.default.contents(atPath: folder + "/plain.txt") == Data("x".utf8))
    }

    @Test func refusesWithOneLineNamingThePathAsGiven() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func message(_ body: () throws -> Void) -> String? {
            do { try body() } catch { return "\(error)" }
            return nil
        }
        #expect(message { try AtomicFile.checkWritable(folder) } == "cannot write \(folder): it is a folder")
        #expect(message { try AtomicFile.checkWritable(folder + "/") } == "cannot write \(folder)/: it is a folder")
        #expect(message { try AtomicFile.write([1], to: folder + "/") } == "cannot write \(folder)/: it is a folder")
        #expect(message { try AtomicFile.checkWritable(folder + "/no/x.vq8") }
            == "cannot write \(folder)/no/x.vq8: folder \(folder)/no does not exist")
        #expect(message { try AtomicFile.write([1], to: folder + "/no/x.vq8") }
            == "cannot write \(folder)/no/x.vq8: No such file or directory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
