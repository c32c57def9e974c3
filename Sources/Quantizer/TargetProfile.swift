import Foundation
import StrictJSON

/// A deployment target (Targets/*.json, schema in Docs/Targets.md). The int8 numerics and the
/// packed layout are the same on every target (bit-exact everywhere); the profile records
/// which kernel family the blob is meant for, so the runtime can say when the CPU it runs on
/// cannot use it.
public struct TargetProfile: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    /// "x86_64", "aarch64" or "any".
    public var architecture: String
    /// Linux /proc/cpuinfo flag names the kernel family needs.
    public var cpuFeatures: [String]
    /// Kernel family: scalar, avx2, avx2pairs (needs `pairBoundedWeights`), avx512vnni, avxvnni, amx, neon, neondot.
    public var kernelISA: String
    /// Threads to use by default; 0 = all cores.
    public var threads: Int
    /// Quantize convolution weights pair-bounded (Docs/Numerics.md, "Pair-bounded weights"), so
    /// the AVX2 vpmaddubsw kernel can run them; optional in JSON, default false.
    public var pairBoundedWeights: Bool

    enum CodingKeys: String, CodingKey {
        case name, description, architecture, threads
        case cpuFeatures = "cpu_features", kernelISA = "kernel_isa", pairBoundedWeights = "pair_bounded_weights"
    }

    public init(name: String, description: String, architecture: String, cpuFeatures: [String], kernelISA: String,
                threads: Int, pairBoundedWeights: Bool = false) {
        self.name = name
        self.description = description
        self.architecture = architecture
        self.cpuFeatures = cpuFeatures
        self.kernelISA = kernelISA
        self.threads = threads
        self.pairBoundedWeights = pairBoundedWeights
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name),
                  description: try container.decode(String.self, forKey: .description),
                  architecture: try container.decode(String.self, forKey: .architecture),
                  cpuFeatures: try container.decode([String].self, forKey: .cpuFeatures),
                  kernelISA: try container.decode(String.self, forKey: .kernelISA),
                  threads: try container.decode(Int.self, forKey: .threads),
                  pairBoundedWeights: try container.decodeIfPresent(Bool.self, forKey: .pairBoundedWeights) ?? false)
    }

    public static let architectures: Set<String> = ["any", "x86_64", "aarch64"]

    /// Any 64-bit CPU (Targets/generic.json): the default target.
    public static let generic = TargetProfile(name: "generic", description: "Any 64-bit CPU: portable C kernels, no SIMD assumptions",
                                              architecture: "any", cpuFeatures: [], kernelISA: "scalar", threads: 0)

    /// The profiles of Targets/, built into the tool so it works from any directory.
    /// A test keeps this list equal to the JSON files.
    public static let builtIn: [TargetProfile] = [
        generic,
        TargetProfile(name: "rk3588",
                      description: "Rockchip RK3588 (4x Cortex-A76 + 4x Cortex-A55, ARMv8.2-A): NEON + dot product; run on the A76 cores",
                      architecture: "aarch64", cpuFeatures: ["asimd", "asimddp"], kernelISA: "neondot", threads: 4),
        TargetProfile(name: "rpi4", description: "Raspberry Pi 4 (Broadcom BCM2711, 4x Cortex-A72, ARMv8.0-A): NEON only",
                      architecture: "aarch64", cpuFeatures: ["asimd"], kernelISA: "neon", threads: 4),
        TargetProfile(name: "rpi5", description: "Raspberry Pi 5 (Broadcom BCM2712, 4x Cortex-A76, ARMv8.2-A): NEON + dot product",
                      architecture: "aarch64", cpuFeatures: ["asimd", "asimddp"], kernelISA: "neondot", threads: 4),
        TargetProfile(name: "x86_64-avx2", description: "x86-64 with AVX2 (Intel Haswell and later, AMD Zen 1-3)",
                      architecture: "x86_64", cpuFeatures: ["avx2", "fma"], kernelISA: "avx2pairs", threads: 0,
                      pairBoundedWeights: true),
        TargetProfile(name: "x86_64-avx512vnni",
                      description: "x86-64 with AVX-512 VNNI (Intel Cascade Lake and later servers, Ice Lake, AMD Zen 4/5)",
                      architecture: "x86_64", cpuFeatures: ["avx512f", "avx512bw", "avx512vl", "avx512vnni"],
                      kernelISA: "avx512vnni", threads: 0),
        TargetProfile(name: "x86_64-amx", description: "x86-64 with AMX-INT8 (Intel Sapphire Rapids and later Xeons)",
                      architecture: "x86_64", cpuFeatures: ["amx_tile", "amx_int8", "avx512f", "avx512bw", "avx512vl", "avx512vnni"],
                      kernelISA: "amx", threads: 0),
    ]

    /// `--target NAME` (a built-in profile) or `--target FILE.json`.
    /// - Throws: `CalibrationError`-style one-line error naming the known targets.
    public static func resolve(_ nameOrPath: String) throws -> TargetProfile {
        if let profile = builtIn.first(where: { $0.name == nameOrPath }) { return profile }
        if nameOrPath.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: nameOrPath) else {
                throw TargetError("\(nameOrPath): cannot read target profile")
            }
            do {
                // Swift 6.0's Foundation traps instead of throwing on some malformed strings.
                try StrictJSON.checkStrings(data)
                let profile = try JSONDecoder().decode(TargetProfile.self, from: data)
                try profile.validate()
                return profile
            } catch let error as TargetError {
                throw TargetError("\(nameOrPath): \(error.description)")
            } catch let error as StrictJSON.Problem {
                throw TargetError("\(nameOrPath): not a target profile (\(error.description))")
            } catch {
                throw TargetError("\(nameOrPath): not a target profile (\(error))")
            }
        }
        throw TargetError("unknown target '\(nameOrPath)'; known targets: \(builtIn.map(\.name).joined(separator: ", "))")
    }

    func validate() throws {
        guard !name.isEmpty else { throw TargetError("target name is empty") }
        guard Self.architectures.contains(architecture) else {
            throw TargetError("architecture '\(architecture)' is not one of \(Self.architectures.sorted().joined(separator: ", "))")
        }
        guard threads >= 0 else { throw TargetError("threads must be >= 0") }
        guard kernelISA != "avx2pairs" || pairBoundedWeights else {
            throw TargetError("kernel_isa avx2pairs runs only pair-bounded weights: set \"pair_bounded_weights\": true")
        }
    }
}

public struct TargetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
