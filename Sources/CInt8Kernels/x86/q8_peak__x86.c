/*
 * The x86 kernel families' multiply-accumulate peaks (q8_kernel.peak, q8_kernels.h): per family,
 * 8 independent chains of the instructions its inner loop multiplies and accumulates with, in
 * inline asm (so that the compiler can neither drop nor reorder them), no loads. `vgg-run
 * --benchmark` times them between its runs, so that a layer's fraction of peak compares like with
 * like on a shared or throttled machine (Benchmarks/peak measures the same loops offline).
 * Each returns the MACs it did: int8 products for the direct kernels, int16 products for
 * Winograd's (its layers' rates are converted to those, Int8Runtime/Kernels.swift).
 */
#if defined(__x86_64__)
#include <immintrin.h>

#include "../kernels_internal.h"

/* 8 chains: accumulators ymm0-7 (v0-v7), products through 4 temporaries ymm8-11 (renamed by the
 * core), operands ymm14 and ymm15 (ymm13: ones). */
#define Q8_CHAINS8(step) step(0, 8) step(1, 9) step(2, 10) step(3, 11) step(4, 8) step(5, 9) step(6, 10) step(7, 11)
#define Q8_YMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
                        "xmm12", "xmm13", "xmm14", "xmm15"

/* avx2, avx2wino, avx2wino4: vpmaddwd (16 int16 products into 8 pair sums) + vpaddd. */
#define Q8_MADDWD(a, t) "vpmaddwd %%ymm14, %%ymm15, %%ymm" #t "\n\t" "vpaddd %%ymm" #t ", %%ymm" #a ", %%ymm" #a "\n\t"
__attribute__((target("avx2"))) long long q8_peak__avx2(long iterations) {
    for (long i = 0; i < iterations; i++) __asm__ volatile(Q8_CHAINS8(Q8_MADDWD) ::: Q8_YMM_CLOBBERS);
    return 8 * 16 * (long long)iterations;
}

/* avx2pairs: vpmaddubsw (32 u8 x s8 products into 16 pair sums), vpmaddwd by ones, vpaddd. */
#define Q8_MADDUBSW(a, t) \
    "vpmaddubsw %%ymm14, %%ymm15, %%ymm" #t "\n\t" "vpmaddwd %%ymm13, %%ymm" #t ", %%ymm" #t "\n\t" \
    "vpaddd %%ymm" #t ", %%ymm" #a ", %%ymm" #a "\n\t"
__attribute__((target("avx2"))) long long q8_peak__avx2pairs(long iterations) {
    for (long i = 0; i < iterations; i++) __asm__ volatile(Q8_CHAINS8(Q8_MADDUBSW) ::: Q8_YMM_CLOBBERS);
    return 8 * 32 * (long long)iterations;
}

/* avxvnni: vpdpbusd ymm (32 u8 x s8 products into 8 int32 lanes). */
#define Q8_DPBUSD_YMM(a, t) "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm" #a "\n\t"
__attribute__((target("avx2"))) long long q8_peak__avxvnni(long iterations) {
    for (long i = 0; i < iterations; i++) __asm__ volatile(Q8_CHAINS8(Q8_DPBUSD_YMM) ::: Q8_YMM_CLOBBERS);
    return 8 * 32 * (long long)iterations;
}

/* avx512vnni: vpdpbusd zmm (64 products). */
#define Q8_DPBUSD_ZMM(a, t) "vpdpbusd %%zmm14, %%zmm15, %%zmm" #a "\n\t"
__attribute__((target("avx512f"))) long long q8_peak__avx512vnni(long iterations) {
    for (long i = 0; i < iterations; i++) __asm__ volatile(Q8_CHAINS8(Q8_DPBUSD_ZMM) ::: Q8_YMM_CLOBBERS);
    return 8 * 64 * (long long)iterations;
}

/* amx: tdpbusd (16 x 16 x 64 = 16,384 u8 x s8 products) into 4 independent sum tiles. */
__attribute__((target("amx-tile,amx-int8"))) long long q8_peak__amx(long iterations) {
    _Alignas(64) struct {
        uint8_t palette, start_row, reserved[14];
        uint16_t colsb[16];
        uint8_t rows[16];
    } config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) config.rows[t] = 16, config.colsb[t] = 64;
    _tile_loadconfig(&config);
    _tile_zero(4);
    _tile_zero(6);
    for (long i = 0; i < iterations; i++) {
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 6);
        _tile_dpbusd(2, 4, 6);
        _tile_dpbusd(3, 4, 6);
    }
    _tile_release();
    return 4 * 16384LL * iterations;
}

#else
typedef int q8_peak_x86_unused_on_this_architecture;
#endif
