/*
 * q8_linear_16x1c4__avxvnni: AVX-VNNI linear, a dot4 kernel (q8_dot4_template.h). Tile: the 16
 * outputs of a block (2 ymm accumulators) x 1 input vector, k in groups of 4: one broadcast and
 * 2 vpdpbusd per group (exact: at most 4*255*127 per lane, no saturation).
 */
#if defined(__x86_64__)
#define Q8_DOT4_FEATURES "avx2,avxvnni"
#define Q8_DOT4_BITS 256
#define Q8_DOT4_MAC(acc, x, w) _mm256_dpbusd_avx_epi32(acc, x, w)
#define Q8_DOT4_LINEAR q8_linear_16x1c4__avxvnni
#include "q8_dot4_template.h"

#endif
