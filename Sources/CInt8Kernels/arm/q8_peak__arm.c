/*
 * The AArch64 kernel families' multiply-accumulate peaks (q8_kernel.peak, q8_kernels.h): per
 * family, 8 independent chains of the instructions its inner loop multiplies and accumulates
 * with, in inline asm, no loads (see x86/q8_peak__x86.c). Each returns the MACs it did.
 */
#if defined(__aarch64__)
#include "neon_common.h"

#define Q8_CHAINS8(step) step(0) step(1) step(2) step(3) step(4) step(5) step(6) step(7)
#define Q8_V_CLOBBERS "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19", "v20", "v21", "v22", \
                      "v23", "v30", "v31"

/* neon: smull + smlal on bytes (8 products each into int16 lanes), sadalp into int32. */
#define Q8_SMULL(i) \
    "smull v" #i ".8h, v30.8b, v31.8b\n\t" "smlal v" #i ".8h, v30.8b, v31.8b\n\t" "sadalp v1" #i ".4s, v" #i ".8h\n\t"
long long q8_peak__neon(long iterations) {
    for (long i = 0; i < iterations; i++)
        __asm__ volatile(Q8_CHAINS8(Q8_SMULL) ::: Q8_V_CLOBBERS, "v10", "v11", "v12", "v13", "v14", "v15");
    return 8 * 16 * (long long)iterations;
}

/* neonwino, neonwino4: smlal on halves (4 int16 products into int32 lanes). */
#define Q8_SMLAL16(i) "smlal v" #i ".4s, v30.4h, v31.4h\n\t"
long long q8_peak__neonwino(long iterations) {
    for (long i = 0; i < iterations; i++) __asm__ volatile(Q8_CHAINS8(Q8_SMLAL16) ::: Q8_V_CLOBBERS);
    return 8 * 4 * (long long)iterations;
}

/* neondot: sdot by lane (16 products into 4 int32 lanes). */
#define Q8_SDOT(i) "sdot v" #i ".4s, v30.16b, v31.4b[0]\n\t"
Q8_TARGET_DOT long long q8_peak__neondot(long iterations) {
    for (long i = 0; i < iterations; i++) __asm__ volatile(Q8_CHAINS8(Q8_SDOT) ::: Q8_V_CLOBBERS);
    return 8 * 16 * (long long)iterations;
}

#else
typedef int q8_peak_arm_unused_on_this_architecture;
#endif
