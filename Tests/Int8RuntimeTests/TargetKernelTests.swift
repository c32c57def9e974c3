import Foundation
import Testing
@testable import Int8Runtime

/// Every Targets/ profile names a kernel family of the one kernel list: for this CPU's
/// architecture the list compiled in (`Kernel.all`), for the other one the entries of
/// kernel_list.c's block for that architecture.
@Test func everyTargetProfileNamesAKernelOfTheList() throws {
    struct Profile: Decodable {
        var name: String
        var architecture: String
        var kernel_isa: String
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let folder = root.appendingPathComponent("Targets")
    let source = try String(contentsOf: root.appendingPathComponent("Sources/CInt8Kernels/kernel_list.c"), encoding: .utf8)
    /// Kernel names in the `#if defined(__<arch>__)` block of kernel_list.c, plus the portable ones after all blocks.
    func names(in architecture: String) -> Set<String> {
        var result: Set<String> = []
        var block: String?
        for line in source.split(separator: "\n") {
            if line.hasPrefix("#if defined(__") { block = line.contains("x86_64") ? "x86_64" : line.contains("aarch64") ? "aarch64" : "other" }
            if line.hasPrefix("#endif") { block = nil }
            guard let open = line.range(of: "{\""), let close = line[open.upperBound...].range(of: "\"") else { continue }
            if block == nil || block == architecture { result.insert(String(line[open.upperBound ..< close.lowerBound])) }
        }
        return result
    }
    #if arch(x86_64)
    #expect(names(in: "x86_64") == Set(Kernel.all.map(\.name)), "kernel_list.c parsed as the compiled list")
    #elseif arch(arm64)
    #expect(names(in: "aarch64") == Set(Kernel.all.map(\.name)))
    #endif
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
    #expect(files.count >= 6)
    for file in files {
        let profile = try JSONDecoder().decode(Profile.self, from: Data(contentsOf: folder.appendingPathComponent(file)))
        let available = profile.architecture == "any" ? names(in: "none") : names(in: profile.architecture)
        #expect(available.contains(profile.kernel_isa),
                "\(file): kernel_isa \(profile.kernel_isa) is not a \(profile.architecture) kernel of kernel_list.c (\(available.sorted()))")
    }
}
