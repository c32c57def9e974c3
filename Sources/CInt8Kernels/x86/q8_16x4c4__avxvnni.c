/*
 * AVX-VNNI kernels (VEX vpdpbusd on ymm: Alder Lake and later, Zen 5).
 *
 * vpdpbusd adds, per int32 lane, the four products of unsigned activation bytes and signed
 * weight bytes: exactly one 4-k group of one output channel in the packed layout
 * ([16][4] per group: 8 channels per ymm). The sum of four products is at most 4*255*127 and
 * the instruction does not saturate (vpdpbusds would), so it is exact; the int32 lanes are exact
 * in any order because |bias| + K*127*255 < 2^31 (Docs/Numerics.md).
 *
 * conv3x3 tile: 16 channels x 6 pixels (12 accumulators, 2 weight registers, 1 broadcast); the
 * activations are read straight from the padded uint8 input (a broadcast dword per group), the
 * three horizontal taps of one input row being 3*cin contiguous bytes in k order.
 * Requantization is the exact high-half scheme of the AVX2 kernel (see q8_16x4c4__avx2.c),
 * on channels in natural order. Not run on the development machine (Zen 3): reviewed by reading.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_TARGET __attribute__((target("avx2,avxvnni")))
#define Q8_INLINE static inline __attribute__((always_inline, target("avx2,avxvnni")))
#define Q8_UNROLL _Pragma("GCC unroll 8")

enum { TILE = 6 };

typedef struct {
    __m256i multiplier[2], multiplier_odd[2], round_even[2], round_odd[2], shift[2];
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *multiplier, const int32_t *shift) {
    const __m256i one = _mm256_set1_epi64x(1), low = _mm256_set1_epi64x(0xFFFFFFFF);
    for (int h = 0; h < 2; h++) {
        const __m256i m = _mm256_loadu_si256((const __m256i *)(multiplier + 8 * h));
        const __m256i s = _mm256_loadu_si256((const __m256i *)(shift + 8 * h));
        k->multiplier[h] = m;
        k->multiplier_odd[h] = _mm256_shuffle_epi32(m, 0xF5); /* odd lanes moved down */
        k->round_even[h] = _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_and_si256(s, low), one));
        k->round_odd[h] = _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_srli_epi64(s, 32), one));
        k->shift[h] = _mm256_sub_epi32(s, _mm256_set1_epi32(32));
    }
}

/* (acc * multiplier + 2^(shift-1)) >> shift, exact: the high half of the 64-bit sum, then >> (shift-32). */
Q8_INLINE __m256i requantize8(__m256i acc, const block_constants *k, int h) {
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, k->multiplier[h]), k->round_even[h]);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_shuffle_epi32(acc, 0xF5), k->multiplier_odd[h]), k->round_odd[h]);
    return _mm256_srav_epi32(_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA), k->shift[h]);
}

/* clamp(q + zp, zp, 255) = min(max(q, 0), 255) + zp saturated to 255; n channels stored. */
Q8_INLINE void store_pixel(uint8_t *out, __m256i acc0, __m256i acc1, const block_constants *k, __m256i zero_point, int n) {
    __m256i w = _mm256_packus_epi32(requantize8(acc0, k, 0), requantize8(acc1, k, 1)); /* 0-3,8-11 | 4-7,12-15 */
    w = _mm256_add_epi16(_mm256_min_epu16(w, _mm256_set1_epi16(255)), zero_point);
    const __m256i b = _mm256_packus_epi16(w, w);
    const __m128i order = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
    const __m128i bytes = _mm_shuffle_epi8(_mm256_castsi256_si128(_mm256_permute4x64_epi64(b, 0x08)), order);
    if (n == 16) {
        _mm_storeu_si128((__m128i *)out, bytes);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, bytes);
        memcpy(out, tmp, (size_t)n);
    }
}

/* P output pixels x 16 channels; `a` = the padded input at the tile's first patch (row y, column x). */
Q8_INLINE void conv_tile(int P, const uint8_t *a, ptrdiff_t input_row_stride, int cin, const int8_t *w, const int32_t *bias,
                         const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    __m256i acc[TILE][2];
    Q8_UNROLL for (int i = 0; i < P; i++) {
        acc[i][0] = _mm256_loadu_si256((const __m256i *)bias);
        acc[i][1] = _mm256_loadu_si256((const __m256i *)(bias + 8));
    }
    const int groups = 3 * cin / 4;
    for (int dy = 0; dy < 3; dy++, a += input_row_stride) {
        for (int g = 0; g < groups; g++, w += 64) {
            const __m256i w0 = _mm256_loadu_si256((const __m256i *)w);
            const __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
            Q8_UNROLL for (int i = 0; i < P; i++) {
                int32_t group;
                memcpy(&group, a + i * cin + 4 * g, 4);
                const __m256i x = _mm256_set1_epi32(group);
                acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], x, w0);
                acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], x, w1);
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) store_pixel(out + (ptrdiff_t)i * cout, acc[i][0], acc[i][1], k, zero_point, n);
}

Q8_TARGET void q8_conv3x3_16x4c4__avxvnni(const q8_conv3x3_params *p, int row_begin, int row_end) {
    const int cin = p->cin;
    const size_t block_bytes = (size_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);
    for (int ob = 0; ob < blocks; ob++) {
        block_constants k;
        prepare_block(&k, p->multiplier + 16 * ob, p->shift + 16 * ob);
        const int n = p->outputs - 16 * ob < 16 ? p->outputs - 16 * ob : 16;
        const int8_t *w = p->weights + ob * block_bytes;
        const int32_t *bias = p->bias + 16 * ob;
        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *in = p->input + y * p->input_row_stride;
            uint8_t *out = p->output + y * p->output_row_stride + 16 * ob;
            int x = 0;
            for (; x + TILE <= p->width; x += TILE)
                conv_tile(TILE, in + (ptrdiff_t)x * cin, p->input_row_stride, cin, w, bias, &k, zero_point, out + (ptrdiff_t)x * p->cout, p->cout, n);
            for (; x < p->width; x++)
                conv_tile(1, in + (ptrdiff_t)x * cin, p->input_row_stride, cin, w, bias, &k, zero_point, out + (ptrdiff_t)x * p->cout, p->cout, n);
        }
    }
}

Q8_TARGET void q8_linear_16x4c4__avxvnni(const q8_linear_params *p, int output_begin, int output_end) {
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        __m256i acc0 = _mm256_loadu_si256((const __m256i *)(p->bias + 16 * ob));
        __m256i acc1 = _mm256_loadu_si256((const __m256i *)(p->bias + 16 * ob + 8));
        for (int g = 0; g < groups; g++, w += 64) {
            int32_t group;
            memcpy(&group, p->input + 4 * g, 4);
            const __m256i x = _mm256_set1_epi32(group);
            acc0 = _mm256_dpbusd_avx_epi32(acc0, x, _mm256_loadu_si256((const __m256i *)w));
            acc1 = _mm256_dpbusd_avx_epi32(acc1, x, _mm256_loadu_si256((const __m256i *)(w + 32)));
        }
        int32_t sums[16];
        _mm256_storeu_si256((__m256i *)sums, acc0);
        _mm256_storeu_si256((__m256i *)(sums + 8), acc1);
        const int lo = 16 * ob > output_begin ? 16 * ob : output_begin;
        const int hi = 16 * ob + 16 < output_end ? 16 * ob + 16 : output_end;
        memcpy(p->accumulators + lo, sums + (lo - 16 * ob), (size_t)(hi - lo) * sizeof(int32_t));
    }
}

#endif
