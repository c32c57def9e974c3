/*
 * q8_conv3x3_16x6c4__avxvnni: AVX-VNNI (VEX vpdpbusd on ymm: Alder Lake and later, Zen 5), a
 * dot4 kernel (q8_dot4_template.h). Tile: 16 channels x 6 pixels (12 accumulators, 2 weight
 * registers, 1 broadcast), k in groups of 4.
 *
 * vpdpbusd adds, per int32 lane, the four products of unsigned activation bytes and signed
 * weight bytes: exactly one 4-k group of one output channel of the packed layout. The sum of
 * four products is at most 4*255*127 and the instruction does not saturate (vpdpbusds would),
 * so it is exact for any weights.
 */
#if defined(__x86_64__)
#define Q8_DOT4_FEATURES "avx2,avxvnni"
#define Q8_DOT4_BITS 256
#define Q8_DOT4_MAC(acc, x, w) _mm256_dpbusd_avx_epi32(acc, x, w)
#define Q8_DOT4_TILE 6
#define Q8_DOT4_CONV3X3 q8_conv3x3_16x6c4__avxvnni
#include "q8_dot4_template.h"

#endif
