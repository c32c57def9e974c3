/*
 * AVX-512 VNNI kernels (vpdpbusd on zmm: Ice Lake and later, Zen 4).
 *
 * One zmm of weights is a whole 4-k group of the 16-channel block ([16][4] int8 = 64 bytes), and
 * vpdpbusd adds the four u8 x s8 products of each channel's group to its int32 lane: exact (at
 * most 4*255*127 per instruction, no saturation), and |bias| + K*127*255 < 2^31 keeps the lanes
 * exact in any order (Docs/Numerics.md).
 *
 * conv3x3 tile: 16 channels x 8 pixels (8 accumulators), activations broadcast straight from the
 * padded uint8 input; the three horizontal taps of one input row are 3*cin contiguous bytes in
 * k order. Requantization: the exact high-half scheme of q8_16x4c4__avx2.c on zmm, then
 * max(q + zp, zp), vpmovusdb (saturates at 255) and a masked store of the channels < outputs.
 * Not run on the development machine (Zen 3): reviewed by reading.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define Q8_INLINE static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define Q8_UNROLL _Pragma("GCC unroll 8")

enum { TILE = 8 };

typedef struct {
    __m512i multiplier, multiplier_odd, round_even, round_odd, shift, zero_point;
    __mmask16 store_mask;
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *multiplier, const int32_t *shift, int32_t zero_point, int n) {
    const __m512i one = _mm512_set1_epi64(1), low = _mm512_set1_epi64(0xFFFFFFFF);
    const __m512i m = _mm512_loadu_si512(multiplier), s = _mm512_loadu_si512(shift);
    k->multiplier = m;
    k->multiplier_odd = _mm512_shuffle_epi32(m, (_MM_PERM_ENUM)0xF5); /* odd lanes moved down */
    /* 2^(shift-1) per 64-bit lane; a padding lane (shift 0) gets a count >= 64, i.e. 0. */
    k->round_even = _mm512_sllv_epi64(one, _mm512_sub_epi64(_mm512_and_si512(s, low), one));
    k->round_odd = _mm512_sllv_epi64(one, _mm512_sub_epi64(_mm512_srli_epi64(s, 32), one));
    k->shift = _mm512_sub_epi32(s, _mm512_set1_epi32(32));
    k->zero_point = _mm512_set1_epi32(zero_point);
    k->store_mask = (__mmask16)((1u << n) - 1);
}

Q8_INLINE void store_pixel(uint8_t *out, __m512i acc, const block_constants *k) {
    const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(acc, k->multiplier), k->round_even);
    const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_shuffle_epi32(acc, (_MM_PERM_ENUM)0xF5), k->multiplier_odd), k->round_odd);
    const __m512i q = _mm512_srav_epi32(_mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd), k->shift);
    const __m512i v = _mm512_max_epi32(_mm512_add_epi32(q, k->zero_point), k->zero_point); /* >= 0 */
    _mm_mask_storeu_epi8(out, k->store_mask, _mm512_cvtusepi32_epi8(v));
}

/* P output pixels x 16 channels; `a` = the padded input at the tile's first patch (row y, column x). */
Q8_INLINE void conv_tile(int P, const uint8_t *a, ptrdiff_t input_row_stride, int cin, const int8_t *w, const int32_t *bias,
                         const block_constants *k, uint8_t *out, int cout) {
    __m512i acc[TILE];
    Q8_UNROLL for (int i = 0; i < P; i++) acc[i] = _mm512_loadu_si512(bias);
    const int groups = 3 * cin / 4;
    for (int dy = 0; dy < 3; dy++, a += input_row_stride) {
        for (int g = 0; g < groups; g++, w += 64) {
            const __m512i wg = _mm512_loadu_si512(w);
            Q8_UNROLL for (int i = 0; i < P; i++) {
                int32_t group;
                memcpy(&group, a + i * cin + 4 * g, 4);
                acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_set1_epi32(group), wg);
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) store_pixel(out + (ptrdiff_t)i * cout, acc[i], k);
}

Q8_TARGET void q8_conv3x3_16x4c4__avx512vnni(const q8_conv3x3_params *p, int row_begin, int row_end) {
    const int cin = p->cin;
    const size_t block_bytes = (size_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    for (int ob = 0; ob < blocks; ob++) {
        block_constants k;
        const int n = p->outputs - 16 * ob < 16 ? p->outputs - 16 * ob : 16;
        prepare_block(&k, p->multiplier + 16 * ob, p->shift + 16 * ob, p->output_zero_point, n);
        const int8_t *w = p->weights + ob * block_bytes;
        const int32_t *bias = p->bias + 16 * ob;
        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *in = p->input + y * p->input_row_stride;
            uint8_t *out = p->output + y * p->output_row_stride + 16 * ob;
            int x = 0;
            for (; x + TILE <= p->width; x += TILE)
                conv_tile(TILE, in + (ptrdiff_t)x * cin, p->input_row_stride, cin, w, bias, &k, out + (ptrdiff_t)x * p->cout, p->cout);
            for (; x < p->width; x++)
                conv_tile(1, in + (ptrdiff_t)x * cin, p->input_row_stride, cin, w, bias, &k, out + (ptrdiff_t)x * p->cout, p->cout);
        }
    }
}

Q8_TARGET void q8_linear_16x4c4__avx512vnni(const q8_linear_params *p, int output_begin, int output_end) {
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        __m512i acc = _mm512_loadu_si512(p->bias + 16 * ob);
        for (int g = 0; g < groups; g++, w += 64) {
            int32_t group;
            memcpy(&group, p->input + 4 * g, 4);
            acc = _mm512_dpbusd_epi32(acc, _mm512_set1_epi32(group), _mm512_loadu_si512(w));
        }
        const int lo = 16 * ob > output_begin ? 16 * ob : output_begin;
        const int hi = 16 * ob + 16 < output_end ? 16 * ob + 16 : output_end;
        /* lanes [lo, hi) of this block */
        const __mmask16 mask = (__mmask16)(((1u << (hi - 16 * ob)) - 1) & ~((1u << (lo - 16 * ob)) - 1));
        _mm512_mask_storeu_epi32(p->accumulators + 16 * ob, mask, acc);
    }
}

#endif
