/*
 * q8_conv3x3_16x8c4__avx512vnni: AVX-512 VNNI (vpdpbusd on zmm: Ice Lake and later, Zen 4), a
 * dot4 kernel (q8_dot4_template.h). Tile: 16 channels x 8 pixels (8 zmm accumulators, 1 weight
 * register: a zmm is a whole 4-k group of the block, [16][4] int8 = 64 bytes), k in groups of 4.
 *
 * vpdpbusd adds the four u8 x s8 products of each channel's group to its int32 lane: exact (at
 * most 4*255*127 per instruction, no saturation). Requantization: the exact high-half scheme on
 * zmm, then max(q + zp, zp), vpmovusdb (saturates at 255) and a byte-masked store of the
 * channels < outputs.
 */
#if defined(__x86_64__)
#define Q8_DOT4_FEATURES "avx512f,avx512bw,avx512vl,avx512vnni"
#define Q8_DOT4_BITS 512
#define Q8_DOT4_MAC(acc, x, w) _mm512_dpbusd_epi32(acc, x, w)
#define Q8_DOT4_TILE 8
#define Q8_DOT4_CONV3X3 q8_conv3x3_16x8c4__avx512vnni
#include "q8_dot4_template.h"

#endif
