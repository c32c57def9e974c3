import COpenBLAS
import Foundation

/// The OpenBLAS library the fp32 engine runs on: its core name (what kernels it picked) and
/// its thread count.
public enum OpenBLAS {
    /// The core OpenBLAS detected or was told to use (`OPENBLAS_CORETYPE`), e.g. "Haswell".
    /// OpenBLAS 0.3.21 does not recognise some recent CPUs and falls back to slow generic
    /// kernels ("Prescott"); report this name next to every fp32 timing.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Sets the threads OpenBLAS uses for every later call.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// Cores OpenBLAS falls back to on CPUs it does not recognise.
    static let genericCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem",
                                            "atom", "barcelona", "bobcat", "opteron", "katmai"]

    /// The `OPENBLAS_CORETYPE` this CPU should run with when OpenBLAS picked a generic core,
    /// or nil when its own choice is fine or the variable is already set. The variable is
    /// read once, when the library loads, so it only takes effect in a new process: the
    /// command-line tool re-executes itself with it. Speed only; results do not depend on it.
    public static func recommendedCoreType(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, genericCores.contains(coreName.lowercased()) else { return nil }
        #if arch(x86_64)
        // Zen and Haswell-class CPUs share OpenBLAS's AVX2+FMA "Haswell" kernels.
        if CPUFeatures.x86HasAVX2AndFMA { return "Haswell" }
        #endif
        return nil
    }
}

enum CPUFeatures {
    #if arch(x86_64)
    /// AVX2 and FMA, from /proc/cpuinfo (Linux).
    static var x86HasAVX2AndFMA: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return set.contains("avx2") && set.contains("fma")
    }
    #endif
}
