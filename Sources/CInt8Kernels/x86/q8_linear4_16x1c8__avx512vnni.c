/*
 * q8_linear4_16x1c8__avx512vnni: AVX-512 VNNI linear on 4-bit grouped weights, a dot4 kernel
 * (q8_dot4_template.h, Q8_DOT4_LINEAR4). Tile: the 16 outputs of a block (1 zmm partial, 1 zmm
 * total) x 1 input vector, k in 64-byte steps of 8: a step is one zmm load, whose low nibbles are
 * the 4-k group 2s of all 16 outputs and whose high nibbles are group 2s + 1; per step 2 vpandq +
 * 1 vpsrlw + 2 vpshufb (the nibbles as int8), 2 vpbroadcastd of the input and 2 vpdpbusd; per group
 * end 1 vpmovsxbd + 1 vpmulld + 1 vpaddd. Exact: a vpdpbusd adds at most 4*255*8 per lane, no
 * saturation.
 */
#if defined(__x86_64__)
#define Q8_DOT4_FEATURES "avx512f,avx512bw,avx512vl,avx512vnni"
#define Q8_DOT4_BITS 512
#define Q8_DOT4_MAC(acc, x, w) _mm512_dpbusd_epi32(acc, x, w)
#define Q8_DOT4_LINEAR4 q8_linear4_16x1c8__avx512vnni
#include "q8_dot4_template.h"

#endif
