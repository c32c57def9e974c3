/*
 * AVX2 conv3x3 on pair-bounded weights: vpmaddubsw, exact because of a property of the weights.
 *
 * vpmaddubsw multiplies unsigned bytes by signed bytes and adds each adjacent pair of products
 * into a saturating int16. On any u8 activation and s8 weight that can saturate (2 x 255 x 127 =
 * 64,770 > 32,767), which is why the general avx2 kernel uses vpmaddwd. But when every adjacent
 * pair of weights of a channel (packed bytes 4g+0/4g+1 and 4g+2/4g+3, i.e. depth k = 2j and
 * 2j+1) has |w0| + |w1| <= 128, a pair sum is at most 255 x 128 = 32,640 in magnitude: never
 * saturated, so the result is the exact integer sum. The compiler makes the weights so on request
 * (Docs/Numerics.md, "Pair-bounded weights"; the blob flags the layer); dispatch uses this
 * kernel only for flagged layers. Arithmetic and results are those of every other kernel.
 *
 * What it gains over vpmaddwd: 32 MACs per multiply instruction instead of 16 (the widening
 * vpmaddwd by ones costs a second one, so the multiply ports see the same count), half the
 * vpaddd, and no int16 copy of the activations: bytes are broadcast straight from the map.
 * Measured peak of the instruction mix on Zen 3 (Benchmarks/peak): ~95 GMAC/s per core against
 * ~78 for vpmaddwd + vpaddd.
 *
 * Tile: 16 channels (one packed block) x TILE pixels. Per 4-k group: 2 weight loads (32 bytes =
 * 8 channels x 4 k each), per pixel 1 vpbroadcastd of the pixel's 4 input bytes, 2 vpmaddubsw,
 * 2 vpmaddwd by ones (pair sums -> one int32 per channel, in channel order), 2 vpaddd.
 * Registers: 2*TILE accumulators + 2 weights + ones + broadcast + product.
 * For a pixel and a row dy of the 3x3 patch, the 3*cin values of k in [3*cin*dy, 3*cin*(dy+1))
 * are contiguous in the bordered NHWC input ((dx, c) order), so one pointer per pixel walks them.
 *
 * Loops: groups of GROUP = 4 16-channel blocks outermost (their weights, 4 x 9*cin*16 bytes, 288
 * KiB at cin 512, stay in L2 over all rows), then rows, then the group's blocks, then pixel tiles.
 * A row's 4 blocks fill each pixel's 64-byte output line in one pass, where one block per pass
 * wrote 16 bytes of every line 4 times over (vgg16_bn 2 threads, interleaved: 3-6% faster; 14x14x512
 * 8% faster single-threaded). 8 blocks (576 KiB of weights at cin 512, beyond L2) was no better.
 *
 * Requantization, bit-exact with q8_requantize(): the accumulators hold channels in order, so
 * vpmuldq takes the even channels, and the odd ones after a 64-bit shift; the high 32 bits of
 * acc*multiplier + 2^(shift-1) are floor(sum / 2^32) and vpsravd by shift - 32 finishes the floor
 * division (shift >= 32, Docs/Numerics.md). Clamp as in the avx2 kernel: vpackusdw, vpminuw 255,
 * + zero point, vpackuswb.
 * Overflow: besides the pair bound, the int32 budget of every kernel (|bias| + K*127*255 < 2^31).
 * Over-reads: none beyond the interface (bias/multiplier/shift up to the next multiple of 16).
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_TARGET __attribute__((target("avx2")))
#define Q8_INLINE static inline __attribute__((always_inline, target("avx2")))
/* Loops over the register tile must be unrolled, or the accumulators live in memory. */
#define Q8_UNROLL _Pragma("GCC unroll 8")

/* Output pixels per register tile: 10 accumulators. Chosen in vgg-run (vgg16_bn, interleaved
 * A/B): 4 pixels ran 20% slower there (150 vs 125 ms at 2 threads, 54 vs 69 GMAC/s per layer at
 * 1), although the isolated kernel benchmark (Benchmarks/kernels) measured 4 about 8% faster
 * than 5, with the same compiler and flags and with network-like data; the cause was not found.
 * The network is the measure. */
enum { TILE = 5 };
/* 16-channel blocks per row pass (below): 4 blocks write a pixel's whole 64-byte output line. */
enum { GROUP = 4 };

#include "avx2_requantize.h"

/*
 * P output pixels x the 16 channels of the block at `w` ([9*cin/4][16][4]). `a` points at the
 * first pixel's top-left tap in the bordered input.
 */
Q8_INLINE void conv_tile(int P, const uint8_t *a, ptrdiff_t input_row_stride, int cin, const int8_t *w,
                         const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    __m256i acc[TILE][2];
    Q8_UNROLL for (int i = 0; i < P; i++) acc[i][0] = k->bias[0], acc[i][1] = k->bias[1];
    const __m256i ones = _mm256_set1_epi16(1);
    const int groups = 3 * cin / 4; /* 4-k groups in one input row of the patch */
    for (int dy = 0; dy < 3; dy++, a += input_row_stride) {
        /* One pointer per pixel, indexed by the group offset: independent addresses (a pointer
         * stepped from pixel to pixel makes clang chain the broadcasts' address arithmetic). */
        const uint8_t *x[TILE];
        Q8_UNROLL for (int i = 0; i < P; i++) x[i] = a + (ptrdiff_t)i * cin;
        for (int g = 0; g < groups; g++, w += 64) {
            const __m256i w0 = _mm256_loadu_si256((const __m256i *)w);        /* channels 0-7 x 4 k */
            const __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + 32)); /* channels 8-15 */
            Q8_UNROLL for (int i = 0; i < P; i++) {
                int32_t group;
                memcpy(&group, x[i] + 4 * g, 4);
                const __m256i v = _mm256_set1_epi32(group);
                acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(v, w0), ones));
                acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(v, w1), ones));
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) store_pixel(out + (ptrdiff_t)i * cout, acc[i][0], acc[i][1], k, zero_point, n);
}

Q8_TARGET void q8_conv3x3_16x4c4__avx2pairs(const q8_conv3x3_params *p, int row_begin, int row_end) {
    const int cin = p->cin;
    const ptrdiff_t block_bytes = (ptrdiff_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);
    block_constants k[GROUP];
    for (int first = 0; first < blocks; first += GROUP) {
        const int count = blocks - first < GROUP ? blocks - first : GROUP;
        for (int b = 0; b < count; b++) {
            const int ob = first + b;
            prepare_block(&k[b], p->bias + 16 * ob, p->multiplier + 16 * ob, p->shift + 16 * ob);
        }
        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *a = p->input + y * p->input_row_stride;
            for (int b = 0; b < count; b++) {
                const int ob = first + b;
                const int n = p->outputs - 16 * ob < 16 ? p->outputs - 16 * ob : 16;
                const int8_t *w = p->weights + ob * block_bytes;
                uint8_t *out = p->output + y * p->output_row_stride + 16 * ob;
                int x = 0;
#define Q8_TILE(P) conv_tile(P, a + (ptrdiff_t)x * cin, p->input_row_stride, cin, w, &k[b], zero_point, out + (ptrdiff_t)x * p->cout, p->cout, n)
                for (; x + TILE <= p->width; x += TILE) Q8_TILE(TILE);
                switch (p->width - x) { /* the remainder, with its own register tile */
                case 4: Q8_TILE(4); break;
                case 3: Q8_TILE(3); break;
                case 2: Q8_TILE(2); break;
                case 1: Q8_TILE(1); break;
                default: break;
                }
#undef Q8_TILE
            }
        }
    }
}

#endif
