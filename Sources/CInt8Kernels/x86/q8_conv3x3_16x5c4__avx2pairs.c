/*
 * q8_conv3x3_16x5c4__avx2pairs: AVX2 conv3x3 on pair-bounded weights, a dot4 kernel
 * (q8_dot4_template.h). Tile: 16 channels x 5 pixels (10 accumulators + 2 weights + ones +
 * broadcast + product), k in groups of 4. Conv only: its list entry uses avx2's linear kernel.
 *
 * The MAC: vpmaddubsw multiplies unsigned bytes by signed bytes and adds each adjacent pair of
 * products into a saturating int16; vpmaddwd by ones adds the two pairs of a group into the
 * channel's int32 lane. On any u8 activation and s8 weight a pair can saturate (2 x 255 x 127 =
 * 64,770 > 32,767), which is why the general avx2 kernel uses vpmaddwd. But when every adjacent
 * pair of weights of a channel (packed bytes 4g+0/4g+1 and 4g+2/4g+3, i.e. depth k = 2j and
 * 2j+1) has |w0| + |w1| <= 128, a pair sum is at most 255 x 128 = 32,640 in magnitude: never
 * saturated, so the result is the exact integer sum. The compiler makes the weights so on request
 * (Docs/Numerics.md, "Pair-bounded weights"; the blob flags the layer, Q8_WEIGHTS_PAIR_BOUNDED);
 * dispatch uses this kernel only for flagged layers.
 *
 * What it gains over vpmaddwd: 32 MACs per multiply instruction instead of 16 (the widening
 * vpmaddwd by ones costs a second one, so the multiply ports see the same count), half the
 * vpaddd, and no int16 copy of the activations: bytes are broadcast straight from the map.
 * Measured peak of the instruction mix on Zen 3 (Benchmarks/peak): ~95 GMAC/s per core against
 * ~78 for vpmaddwd + vpaddd.
 *
 * Tile: 5 pixels, chosen in vgg-run (vgg16_bn, interleaved A/B): 4 pixels ran 20% slower there
 * (150 vs 125 ms at 2 threads, 54 vs 69 GMAC/s per layer at 1), although the isolated kernel
 * benchmark (Benchmarks/kernels) measured 4 about 8% faster than 5, with the same compiler and
 * flags and with network-like data; the cause was not found. The network is the measure.
 */
#if defined(__x86_64__)
_Static_assert(255 * 128 <= 32767, "a pair-bounded vpmaddubsw pair sum fits int16");

#define Q8_DOT4_FEATURES "avx2"
#define Q8_DOT4_BITS 256
#define Q8_DOT4_MAC(acc, x, w) \
    _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), _mm256_set1_epi16(1)))
#define Q8_DOT4_TILE 5
#define Q8_DOT4_CONV3X3 q8_conv3x3_16x5c4__avx2pairs
#include "q8_dot4_template.h"

#endif
