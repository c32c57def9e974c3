/*
 * The reference loops shared by peak.c and Benchmarks/kernels/bench.c (which measures the exact
 * peak next to every kernel run, so that a fraction of peak compares like with like on a shared
 * or throttled machine). Build with -mavx2 or include from a file compiled without it: the loops
 * carry their own target attribute. On AArch64 only loop_peak exists (bench.c's reference there).
 */
#ifndef VGG_PEAK_LOOPS_H
#define VGG_PEAK_LOOPS_H
#if defined(__x86_64__)

/* Core clock estimate: a chain of dependent 1-cycle adds. */
static inline void chain_add(long n) {
    long x = 0;
    for (long i = 0; i < n; i++) __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
}

/* 8 independent vpmaddwd+vpaddd pairs on ymm14/ymm15 into ymm0-7 (products in ymm8-11);
 * ymm12 and ymm13 are left for the operand-traffic variants of peak.c. */
#define MADD8 \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm8\n\t" "vpaddd %%ymm8, %%ymm0, %%ymm0\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm9\n\t" "vpaddd %%ymm9, %%ymm1, %%ymm1\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm10\n\t" "vpaddd %%ymm10, %%ymm2, %%ymm2\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm11\n\t" "vpaddd %%ymm11, %%ymm3, %%ymm3\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm8\n\t" "vpaddd %%ymm8, %%ymm4, %%ymm4\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm9\n\t" "vpaddd %%ymm9, %%ymm5, %%ymm5\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm10\n\t" "vpaddd %%ymm10, %%ymm6, %%ymm6\n\t" \
    "vpmaddwd %%ymm14, %%ymm15, %%ymm11\n\t" "vpaddd %%ymm11, %%ymm7, %%ymm7\n\t"

#define CLOBBER_YMM "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
    "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* 1. exact 16-bit path: vpmaddwd + vpaddd, 16 MAC per pair. 128 MAC per iteration. */
__attribute__((target("avx2"))) static inline void loop_maddwd(long n) {
    for (long i = 0; i < n; i++) __asm__ volatile(MADD8 ::: CLOBBER_YMM);
}


enum { MADDWD_MACS_PER_ITERATION = 128 };

/* bench.c's reference: the exact 16-bit path. */
#define loop_peak loop_maddwd
enum { PEAK_MACS_PER_ITERATION = MADDWD_MACS_PER_ITERATION };
#define PEAK_NAME "vpmaddwd + vpaddd"

#elif defined(__aarch64__)
/* 8 independent smlal (8 int8 products into int16 lanes each: the neon conv kernel's multiply)
 * into v0-v7: 64 MAC per iteration. */
static inline void loop_peak(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile("smlal v0.8h, v14.8b, v15.8b\n\t" "smlal v1.8h, v14.8b, v15.8b\n\t"
                         "smlal v2.8h, v14.8b, v15.8b\n\t" "smlal v3.8h, v14.8b, v15.8b\n\t"
                         "smlal v4.8h, v14.8b, v15.8b\n\t" "smlal v5.8h, v14.8b, v15.8b\n\t"
                         "smlal v6.8h, v14.8b, v15.8b\n\t" "smlal v7.8h, v14.8b, v15.8b"
                         ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v14", "v15");
}
enum { PEAK_MACS_PER_ITERATION = 64 };
#define PEAK_NAME "smlal (8-bit)"
#endif

#endif
