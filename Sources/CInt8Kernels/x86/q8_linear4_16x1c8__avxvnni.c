/*
 * q8_linear4_16x1c8__avxvnni: AVX-VNNI linear on 4-bit grouped weights, a dot4 kernel
 * (q8_dot4_template.h, Q8_DOT4_LINEAR4). Tile: the 16 outputs of a block (2 ymm partials, 2 ymm
 * totals) x 1 input vector, k in 64-byte steps of 8: per step 2 weight loads, 2 vpbroadcastd of
 * the input, per ymm 2 vpand + 1 vpsrlw + 2 vpshufb (the nibbles as int8) and 2 vpdpbusd (the
 * low nibbles against a[8s..8s+3], the high against a[8s+4..8s+7]); per group end 2 vpmovsxbd +
 * 2 vpmulld + 2 vpaddd. Exact: a vpdpbusd adds at most 4*255*8 per lane, no saturation.
 */
#if defined(__x86_64__)
#define Q8_DOT4_FEATURES "avx2,avxvnni"
#define Q8_DOT4_BITS 256
#define Q8_DOT4_MAC(acc, x, w) _mm256_dpbusd_avx_epi32(acc, x, w)
#define Q8_DOT4_LINEAR4 q8_linear4_16x1c8__avxvnni
#include "q8_dot4_template.h"

#endif
