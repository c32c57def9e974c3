/*
 * q8_linear4_16x1c8__avx2: AVX2 linear on 4-bit grouped weights, a dot4 kernel
 * (q8_dot4_template.h, Q8_DOT4_LINEAR4). Tile: the 16 outputs of a block (2 ymm partials, 2 ymm
 * totals) x 1 input vector, k in 64-byte steps of 8: per step 2 weight loads, 2 vpbroadcastd of
 * the input, per ymm 2 vpand + 1 vpsrlw + 2 vpshufb (the nibbles as int8), 2 vpmaddubsw, 1
 * vpaddw, 1 vpmaddwd by ones, 1 vpaddd; per group end 2 vpmovsxbd + 2 vpmulld + 2 vpaddd.
 *
 * Why vpmaddubsw is exact here when it is not on int8 weights (q8_conv3x3_16x5c4__avx2pairs.c):
 * |q| <= 8, so a pair sum of u8 x s8 products is at most 2 x 255 x 8 = 4080 in magnitude, and
 * the low and high nibbles' pair sums of the same lane add to at most 8160: no int16 saturates,
 * and vpmaddwd by ones widens the two pair sums of an output's lane to its int32 (8 k of one
 * output per lane and step). Group sums and the totals: the template's bounds.
 */
#if defined(__x86_64__)
_Static_assert(4 * 255 * 8 <= 32767, "a step's two vpmaddubsw pair sums of one lane add within int16");

#define Q8_DOT4_FEATURES "avx2"
#define Q8_DOT4_BITS 256
#define Q8_DOT4_MAC(acc, x, w) \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), _mm256_set1_epi16(1)))
#define Q8_DOT4_STEP(acc, x0, w0, x1, w1)                                                                         \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(x0, w0), _mm256_maddubs_epi16(x1, w1)), \
                                            _mm256_set1_epi16(1)))
#define Q8_DOT4_LINEAR4 q8_linear4_16x1c8__avx2
#include "q8_dot4_template.h"

#endif
