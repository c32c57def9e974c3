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

    /// h += aᵀ a for `a`, row-major [rows][k]: the upper triangle of row-major `h` [k][k] (the
    /// lower one is left as it was). A Gram matrix of layer inputs, for GPTQ's Hessian.
    public static func addGram(of a: UnsafePointer<Float>, rows: Int, k: Int, to h: UnsafeMutablePointer<Float>) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(k), Int32(rows), 1, a, Int32(k), 1, h, Int32(k))
    }

    /// GPTQ's factor of a symmetric positive definite `h` (row-major [k][k], upper triangle read):
    /// the upper triangular U with h⁻¹ = Uᵀ U, in place, row-major (row i of U is
    /// h[i*k + i ..< i*k + k]; the lower triangle is left undefined). Returns false when `h` is not
    /// positive definite.
    ///
    /// With J the order reversal, J h J = L Lᵀ (a Cholesky factorization, LAPACK spotrf) gives
    /// h⁻¹ = J L⁻ᵀ L⁻¹ J = Uᵀ U with U = J L⁻¹ J upper triangular: one factorization and one
    /// triangular inverse (strtri), k³/3 multiply-adds each, instead of inverting h and factoring
    /// the inverse (5k³/3).
    public static func inverseCholeskyFactor(_ h: UnsafeMutablePointer<Float>, k: Int) -> Bool {
        // Symmetric in full, then J h J: reversing the flat array reverses rows and columns.
        for i in 0 ..< k {
            for j in 0 ..< i { h[i * k + j] = h[j * k + i] }
        }
        let count = k * k
        for t in 0 ..< count / 2 { swap(&h[t], &h[count - 1 - t]) }
        var (n, lda, info) = (Int32(k), Int32(k), Int32(0))
        var (lower, nonUnit) = (CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "N")))
        spotrf_(&lower, &n, h, &lda, &info)
        guard info == 0 else { return false }
        strtri_(&lower, &nonUnit, &n, h, &lda, &info)
        guard info == 0 else { return false }
        // Column-major L⁻¹ at h[r + c*k]; U[i][j] = L⁻¹[k-1-i][k-1-j] sits at h[count-1 - (j*k + i)]:
        // reversing the flat array puts U[i][j] at h[j*k + i], and a transpose at h[i*k + j].
        for t in 0 ..< count / 2 { swap(&h[t], &h[count - 1 - t]) }
        for i in 0 ..< k {
            for j in i + 1 ..< k { swap(&h[i * k + j], &h[j * k + i]) }
        }
        return true
    }

    /// c[m][n] += alpha * aᵀ b with a row-major [kk][m] (leading dimension lda), b [kk][n] (ldb),
    /// c [m][n] (ldc): GPTQ's lazy block update.
    public static func addTransposedProduct(m: Int, n: Int, kk: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                                            b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(kk), alpha, a, Int32(lda),
                    b, Int32(ldb), 1, c, Int32(ldc))
    }

    /// Cores OpenBLAS falls back to on CPUs it does not recognise.
    static let genericCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem",
                                            "atom", "barcelona", "bobcat", "opteron", "katmai"]

    /// What a command wants of OpenBLAS's core.
    public enum CorePurpose: Sendable {
        /// The same kernels on every AVX2 x86 CPU (AMD or Intel, recognised or not): calibration's
        /// float sums, and so `compile`'s blob bytes, do not depend on the machine.
        case reproducible
        /// The fastest kernels this CPU has (`eval`, `reference`): fp32 logits may differ in
        /// their last bits from another machine's.
        case fastest
    }

    /// The `OPENBLAS_CORETYPE` this process should run with, or nil when OpenBLAS's own choice
    /// serves `purpose` or the variable is already set. The variable is read once, when the
    /// library loads, so it only takes effect in a new process: the command-line tool
    /// re-executes itself with it.
    public static func recommendedCoreType(for purpose: CorePurpose,
                                           environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        #if arch(x86_64)
        return coreType(for: purpose, detected: coreName, x86Flags: CPUFeatures.x86Flags)
        #else
        return nil
        #endif
    }

    /// The core to switch to from `detected` on an x86 CPU with these /proc/cpuinfo flags:
    /// - reproducible: "Haswell" (AVX2 and FMA: Haswell-class Intel and every AMD Zen) whenever
    ///   OpenBLAS detected another core on such a CPU;
    /// - fastest: only when OpenBLAS fell back to a generic core, "SkylakeX" on AVX-512 CPUs
    ///   (AVX512F, BW, DQ and VL: its kernels ran vgg16_bn 1.30x faster than Haswell's on an
    ///   AVX-512 Xeon, Docs/FloatEngine.md), else "Haswell".
    /// Nil for CPUs without AVX2 and FMA: the generic core is then right.
    static func coreType(for purpose: CorePurpose, detected: String, x86Flags flags: Set<String>) -> String? {
        guard flags.isSuperset(of: ["avx2", "fma"]) else { return nil }
        switch purpose {
        case .reproducible:
            return detected.lowercased() == "haswell" ? nil : "Haswell"
        case .fastest:
            guard genericCores.contains(detected.lowercased()) else { return nil }
            return flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) ? "SkylakeX" : "Haswell"
        }
    }
}

enum CPUFeatures {
    /// The flags of the first CPU in /proc/cpuinfo (Linux); empty when it cannot be read.
    static var x86Flags: Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(flags.split(separator: " ").map(String.init))
    }
}
