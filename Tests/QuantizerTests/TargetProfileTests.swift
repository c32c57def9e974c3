import TestSupport
import Foundation
import Testing
@testable import Quantizer

private let targets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Targets")

@Test func builtInProfilesEqualTheTargetsFolder() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: targets.path).filter { $0.hasSuffix(".json") }.sorted()
    let decoded = try files.map { file -> TargetProfile in
        let profile = try JSONDecoder().decode(TargetProfile.self,
                                               from: Data(contentsOf: targets.appendingPathComponent(file)))
        #expect(file == profile.name + ".json", "file name must be the profile name")
        try profile.validate()
        return profile
    }
    #expect(decoded == TargetProfile.builtIn.sorted { $0.name < $1.name })
    #expect(Set(decoded.map(\.name)).isSuperset(of: ["generic", "x86_64-avx2", "x86_64-avx512vnni", "x86_64-amx", "rpi4", "rpi5"]))
}

@Test func unknownTargetNamesTheKnownOnes() {
    let error = expectThrows(TargetError.self) { try TargetProfile.resolve("pdp11") }
    #expect(error?.description.contains("unknown target 'pdp11'") == true)
    #expect(error?.description.contains("rpi4") == true)
    #expect(throws: TargetError.self) { try TargetProfile.resolve("/nonexistent/profile.json") }
}

@Test func aCustomProfileFileIsRead() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("custom-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: file) }
    try Data(#"{"name":"jetson","description":"Jetson Orin CPU","architecture":"aarch64","cpu_features":["asimd","asimddp"],"kernel_isa":"neondot","threads":6}"#.utf8).write(to: file)
    #expect(try TargetProfile.resolve(file.path).name == "jetson")
    #expect(try TargetProfile.resolve(file.path).pairBoundedWeights == false, "optional, default false")
    #expect(try TargetProfile.resolve("x86_64-avx2").pairBoundedWeights && !TargetProfile.resolve("generic").pairBoundedWeights)
    try Data(#"{"name":"x","description":"","architecture":"mips","cpu_features":[],"kernel_isa":"scalar","threads":1}"#.utf8).write(to: file)
    #expect(throws: TargetError.self) { try TargetProfile.resolve(file.path) }
    try Data(#"{"name":"x","description":"","architecture":"x86_64","cpu_features":["avx2"],"kernel_isa":"avx2pairs","threads":0}"#.utf8).write(to: file)
    let error = expectThrows(TargetError.self) { try TargetProfile.resolve(file.path) }
    #expect(error?.description.contains("pair_bounded_weights") == true)
}

/// A profile whose strings Swift 6.0's Foundation would trap on (a raw control character) is one
/// clear error on every toolchain.
@Test func aProfileWithAControlCharacterIsRefused() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("control-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: file) }
    try Data("{\"name\u{1}\":\"x\",\"description\":\"\",\"architecture\":\"any\",\"cpu_features\":[],\"kernel_isa\":\"scalar\",\"threads\":1}".utf8)
        .write(to: file)
    let error = expectThrows(TargetError.self) { try TargetProfile.resolve(file.path) }
    #expect(error?.description == "\(file.path): not a target profile (JSON string at byte 1 holds control character 0x01 at byte 6)")
}
