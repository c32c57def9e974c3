import FloatEngine
import Foundation

/// OpenBLAS reads `OPENBLAS_CORETYPE` once, when it loads. When it fell back to generic
/// kernels on a CPU it does not recognise (0.3.21 on AMD Zen 3: "Prescott", about 5x slower
/// sgemm), the tool re-executes itself once with the right core type. Results do not depend
/// on it; only speed does. A set OPENBLAS_CORETYPE is always respected.
enum OpenBLASProcess {
    static func useOptimizedCoreIfNeeded() {
        guard let core = OpenBLAS.recommendedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv only returns on failure; carry on with the generic kernels.
    }
}
