import FloatEngine
import Foundation

/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when it loads. The tool re-executes itself once
/// with the core its command wants (`OpenBLAS.CorePurpose`): `compile` the same "Haswell"
/// kernels on every AVX2 CPU, so that a blob's bytes do not depend on the machine; `eval` and
/// `reference` the fastest, replacing only a generic fallback (0.3.21 on AMD Zen 3 and on
/// virtual Xeons: "Prescott", about 5x slower sgemm). A set OPENBLAS_CORETYPE is always respected.
enum OpenBLASProcess {
    static func useCore(for purpose: OpenBLAS.CorePurpose) {
        guard let core = OpenBLAS.recommendedCoreType(for: purpose) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv only returns on failure; carry on with the generic kernels.
    }
}
