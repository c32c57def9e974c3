/*
 * q8_linear_16x1c4__avx512vnni: AVX-512 VNNI linear, a dot4 kernel (q8_dot4_template.h). Tile:
 * the 16 outputs of a block (1 zmm accumulator) x 1 input vector, k in groups of 4: one
 * broadcast and one vpdpbusd per group (exact: at most 4*255*127 per lane, no saturation).
 */
#if defined(__x86_64__)
#define Q8_DOT4_FEATURES "avx512f,avx512bw,avx512vl,avx512vnni"
#define Q8_DOT4_BITS 512
#define Q8_DOT4_MAC(acc, x, w) _mm512_dpbusd_epi32(acc, x, w)
#define Q8_DOT4_LINEAR q8_linear_16x1c4__avx512vnni
#include "q8_dot4_template.h"

#endif
