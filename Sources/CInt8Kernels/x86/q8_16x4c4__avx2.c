/*
 * AVX2 kernels: exact int8 arithmetic on the 16-bit multiplier (vpmaddwd).
 *
 * Why not vpmaddubsw: it adds two u8 x s8 products into a saturating int16, and
 * 255*127 + 255*127 = 64,770 > 32,767 (Docs/Numerics.md), so it is not exact on our operands.
 * vpmaddwd multiplies int16 pairs and adds each pair into an int32 (16 MACs per instruction),
 * exact for any u8 activation and s8 weight; its result is then accumulated with vpaddd. On
 * Zen 3 vpmaddwd issues on two pipes and the measured ceiling of independent vpmaddwd+vpaddd
 * pairs is ~25 MAC/cycle (Benchmarks/peak). The kernel's job is to add as little as possible to
 * those two instructions.
 *
 * conv3x3
 *   - Activations: per output row and column chunk, the three input rows the chunk reads are
 *     widened to int16 into a stack buffer (3 x 8,192 int16 = 48 KiB). In one input row the three
 *     horizontal taps of a pixel are 3*cin contiguous values in (dx, c) order, which is the order
 *     of k in the packed weights (k = (dy*3 + dx)*cin + c): the inner loop runs over the 3*cin
 *     values of each dy with one pointer per pixel and one weight pointer, and an activation
 *     operand is a broadcast load (vpbroadcastq / vpbroadcastd, no ALU work).
 *   - cin > 64 (K >= 612): tile 8 channels x 6 pixels, run twice per 16-channel block.
 *     Per 4-k group: 2 x vpmovsxbw m128 (the group's 32 weight bytes of 8 channels, widened in
 *     registers and used by 6 pixels), 6 x vpbroadcastq, 12 x vpmaddwd + 12 x vpaddd = 192 MACs,
 *     in 12 accumulators + 2 weights + broadcast + product = 16 ymm. An int32 lane holds half
 *     of a channel's group (k0k1 or k2k3); vphaddd adds the halves once per output.
 *   - cin <= 64 (VGG's first two layers, K = 36 and 576): the block's weights are rearranged
 *     once into int16 k-pairs [9*cin/2][16 channels][2] on the stack (at most 18 KiB), so a lane
 *     is one channel and no pair-summing or widening is left: tile 16 channels x 6 pixels,
 *     per k-pair 6 x vpbroadcastd + 12 x vpmaddwd (weights as memory operands) + 12 x vpaddd,
 *     14 ymm. With K = 36 the epilogue is a large share of the work, hence this path.
 *   - Epilogue per pixel: requantize 16 channels (below), pack to bytes, one 16-byte store
 *     (a partial copy for the last block when outputs % 16 != 0; channels >= outputs untouched).
 *   - Columns are processed in chunks so that (chunk + 2) * cin values per row fit the buffer;
 *     cin > 2,728 (not even one pixel fits) falls back to the scalar kernel.
 *   - Blocks of 16 channels are the outer loop, so a block's weights (72 KiB at cin 512) stay in
 *     L2 over all rows; the activations are re-widened per block (about 1-2% of the MAC time).
 * linear: one block of 16 outputs at a time, the activation group broadcast and spread to int16
 *   by vpshufb, 4 x vpmovsxbw + 4 x vpmaddwd + 4 x vpaddd per group (memory-bound anyway).
 *
 * Requantization, bit-exact with q8_requantize(): shift >= 32, so the high 32 bits of the 64-bit
 * sum acc*multiplier + 2^(shift-1) are floor(sum / 2^32) and a 32-bit arithmetic shift by
 * shift - 32 finishes the floor division (Docs/Numerics.md). vpmuldq on even and odd lanes gives
 * the 64-bit products, vpaddq the rounding term, vpblendd gathers the high halves, vpsravd shifts.
 * Clamp: vpackusdw saturates negatives to 0, vpminuw caps at 255, + zero point, vpackuswb:
 * clamp(q + zp, zp, 255) = min(max(q, 0), 255) + zp saturated at 255.
 * Overflow: |bias| + K*127*255 < 2^31 (the quantizer's bias bound), so the int32 lane sums are
 * exact in any order; a vpmaddwd pair sum is at most 2*255*127 in magnitude.
 * Over-reads: none beyond the interface (bias/multiplier/shift up to the next multiple of 16).
 * Stack: 48 KiB of activations + 18 KiB of rearranged weights.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_TARGET __attribute__((target("avx2")))
#define Q8_INLINE static inline __attribute__((always_inline, target("avx2")))
/* Loops over the register tile must be unrolled, or the accumulators live in memory. */
#define Q8_UNROLL _Pragma("GCC unroll 8")

enum {
    SCRATCH_VALUES = 3 * 8192, /* int16 activations of the three widened rows: 48 KiB */
    TILE = 6,                  /* output pixels per register tile (cin > 64) */
    TILE_WIDE = 3,             /* output pixels per register tile (cin <= 64) */
    WIDE_MAX_CIN = 64,         /* pre-widened weights of one block: 9*64*16 int16 = 18 KiB */
};

/* Requantization constants of one 16-channel block, channels in natural order (8 per half). */
typedef struct {
    __m256i multiplier[2], multiplier_odd[2], round_even[2], round_odd[2], shift[2];
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *multiplier, const int32_t *shift) {
    const __m256i one = _mm256_set1_epi64x(1), low = _mm256_set1_epi64x(0xFFFFFFFF);
    for (int h = 0; h < 2; h++) {
        const __m256i m = _mm256_loadu_si256((const __m256i *)(multiplier + 8 * h));
        const __m256i s = _mm256_loadu_si256((const __m256i *)(shift + 8 * h));
        k->multiplier[h] = m;
        k->multiplier_odd[h] = _mm256_shuffle_epi32(m, 0xF5);
        /* 2^(shift-1) per 64-bit lane; a padding lane (shift 0) gets a count >= 64, i.e. 0. */
        k->round_even[h] = _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_and_si256(s, low), one));
        k->round_odd[h] = _mm256_sllv_epi64(one, _mm256_sub_epi64(_mm256_srli_epi64(s, 32), one));
        k->shift[h] = _mm256_sub_epi32(s, _mm256_set1_epi32(32));
    }
}

/* (acc * multiplier + 2^(shift-1)) >> shift on 8 int32 lanes, exact (see the header comment). */
Q8_INLINE __m256i requantize8(__m256i acc, const block_constants *k, int h) {
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, k->multiplier[h]), k->round_even[h]);
    /* vpshufd moves the odd lanes down (with vpsrlq here clang emulates a 64-bit multiply) */
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_shuffle_epi32(acc, 0xF5), k->multiplier_odd[h]), k->round_odd[h]);
    const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    return _mm256_srav_epi32(high, k->shift[h]);
}

/* Requantizes one pixel's channels 0-7 (acc0) and 8-15 (acc1) and stores n of them. */
Q8_INLINE void store_pixel(uint8_t *out, __m256i acc0, __m256i acc1, const block_constants *k, __m256i zero_point, int n) {
    /* int16: channels 0-3, 8-11 | 4-7, 12-15 */
    __m256i w = _mm256_packus_epi32(requantize8(acc0, k, 0), requantize8(acc1, k, 1));
    w = _mm256_add_epi16(_mm256_min_epu16(w, _mm256_set1_epi16(255)), zero_point);
    /* bytes, as dwords: 0-3, 8-11, (copy) | 4-7, 12-15, (copy) */
    const __m256i b = _mm256_packus_epi16(w, w);
    const __m128i bytes = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 0, 4, 1, 5)));
    if (n == 16) {
        _mm_storeu_si128((__m128i *)out, bytes);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, bytes);
        memcpy(out, tmp, (size_t)n);
    }
}

Q8_INLINE void widen_u8(int16_t *dst, const uint8_t *src, int count) {
    int i = 0;
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < count; i++) dst[i] = src[i];
}

/*
 * cin > 64. One pass: 8 channels (the 32-byte half at `w` of every 64-byte weight group) x P
 * pixels. `a` points at the tile's first pixel in the widened chunk (row dy at a + dy*row_stride).
 * Returns per pixel the 8 channels' sums in natural order.
 */
Q8_INLINE void conv_pass(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int8_t *w, const int32_t *bias,
                         __m256i sums[TILE]) {
    __m256i acc[TILE][2];
    Q8_UNROLL for (int j = 0; j < 2; j++) {
        /* bias in the k0k1 lane of each channel, 0 in the k2k3 lane */
        const __m256i b = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(bias + 4 * j)));
        Q8_UNROLL for (int i = 0; i < P; i++) acc[i][j] = b;
    }
    const int groups = 3 * cin / 4; /* 4-k groups in one input row of the patch */
    for (int dy = 0; dy < 3; dy++, a += row_stride) {
        for (int g = 0; g < groups; g++, w += 64) {
            const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w));        /* ch 0-3 x k0-3 */
            const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16))); /* ch 4-7 */
            Q8_UNROLL for (int i = 0; i < P; i++) {
                const __m256i x = _mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)(a + i * cin + 4 * g)));
                acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x, w0));
                acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x, w1));
            }
        }
    }
    /* vphaddd: channels 0,1,4,5 | 2,3,6,7; vpermq 0xD8: 0-7 */
    Q8_UNROLL for (int i = 0; i < P; i++) sums[i] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][0], acc[i][1]), 0xD8);
}

/* cin > 64: P output pixels x the 16 channels of the block at `w` ([9*cin/4][16][4]). */
Q8_INLINE void conv_tile(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int8_t *w, const int32_t *bias,
                         const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    __m256i low[TILE], high[TILE];
    conv_pass(P, a, row_stride, cin, w, bias, low);
    conv_pass(P, a, row_stride, cin, w + 32, bias + 8, high);
    Q8_UNROLL for (int i = 0; i < P; i++) store_pixel(out + (ptrdiff_t)i * cout, low[i], high[i], k, zero_point, n);
}

/* cin <= 64: the block's weights widened to int16, same [9*cin/4][16][4] layout. */
Q8_INLINE void widen_s8(int16_t *dst, const int8_t *src, int count) { /* count: a multiple of 16 */
    for (int i = 0; i < count; i += 16)
        _mm256_store_si256((__m256i *)(dst + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
}

/*
 * cin <= 64: P output pixels x 16 channels in one pass, the weights pre-widened (`wide`) and read
 * as vpmaddwd memory operands: 4P accumulators + broadcast + product = 14 ymm for P = 3. The
 * empty asm with a memory clobber keeps the compiler from holding the four weight vectors in
 * registers across pixels (18 ymm: it would spill accumulators).
 */
Q8_INLINE void conv_tile_wide(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int16_t *wide,
                              const int32_t *bias, const block_constants *k, __m256i zero_point, uint8_t *out, int cout,
                              int n) {
    __m256i acc[TILE_WIDE][4];
    Q8_UNROLL for (int j = 0; j < 4; j++) {
        const __m256i b = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(bias + 4 * j)));
        Q8_UNROLL for (int i = 0; i < P; i++) acc[i][j] = b;
    }
    const int groups = 3 * cin / 4;
    for (int dy = 0; dy < 3; dy++, a += row_stride) {
        for (int g = 0; g < groups; g++, wide += 64) {
            Q8_UNROLL for (int i = 0; i < P; i++) {
                const __m256i x = _mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)(a + i * cin + 4 * g)));
                Q8_UNROLL for (int j = 0; j < 4; j++)
                    acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(x, _mm256_load_si256((const __m256i *)(wide + 16 * j))));
                __asm__ volatile("" ::: "memory");
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) {
        const __m256i low = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][0], acc[i][1]), 0xD8);
        const __m256i high = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][2], acc[i][3]), 0xD8);
        store_pixel(out + (ptrdiff_t)i * cout, low, high, k, zero_point, n);
    }
}

/* All tiles of one block over `pixels` pixels of a widened chunk; `wide` set for cin <= 64. */
Q8_INLINE void conv_block(const int16_t *a, ptrdiff_t row_stride, int pixels, int cin, const int8_t *w, const int16_t *wide,
                          const int32_t *bias, const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    int x = 0;
    if (wide) {
#define Q8_TILE(P) conv_tile_wide(P, a, row_stride, cin, wide, bias, k, zero_point, out, cout, n)
        for (; x + TILE_WIDE <= pixels; x += TILE_WIDE, a += TILE_WIDE * cin, out += (ptrdiff_t)TILE_WIDE * cout) Q8_TILE(TILE_WIDE);
        switch (pixels - x) { /* the remainder, with its own register tile */
        case 2: Q8_TILE(2); break;
        case 1: Q8_TILE(1); break;
        default: break;
        }
#undef Q8_TILE
        return;
    }
#define Q8_TILE(P) conv_tile(P, a, row_stride, cin, w, bias, k, zero_point, out, cout, n)
    for (; x + TILE <= pixels; x += TILE, a += TILE * cin, out += (ptrdiff_t)TILE * cout) Q8_TILE(TILE);
    switch (pixels - x) {
    case 5: Q8_TILE(5); break;
    case 4: Q8_TILE(4); break;
    case 3: Q8_TILE(3); break;
    case 2: Q8_TILE(2); break;
    case 1: Q8_TILE(1); break;
    default: break;
    }
#undef Q8_TILE
}

Q8_TARGET void q8_conv3x3_16x4c4__avx2(const q8_conv3x3_params *p, int row_begin, int row_end) {
    const int cin = p->cin;
    int chunk = SCRATCH_VALUES / 3 / cin - 2; /* output pixels per column chunk */
    if (chunk < 1) {
        q8_conv3x3_16x4c4__scalar(p, row_begin, row_end);
        return;
    }
    if (p->width <= chunk) chunk = p->width;
    else if (chunk >= TILE) chunk -= chunk % TILE;
    _Alignas(32) int16_t scratch[SCRATCH_VALUES];
    _Alignas(32) int16_t wide_weights[9 * WIDE_MAX_CIN * 16];
    const ptrdiff_t block_bytes = (ptrdiff_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);

    for (int ob = 0; ob < blocks; ob++) {
        block_constants k;
        prepare_block(&k, p->multiplier + 16 * ob, p->shift + 16 * ob);
        const int n = p->outputs - 16 * ob < 16 ? p->outputs - 16 * ob : 16;
        const int8_t *w = p->weights + ob * block_bytes;
        const int16_t *wide = NULL;
        if (cin <= WIDE_MAX_CIN) {
            widen_s8(wide_weights, w, 9 * cin * 16);
            wide = wide_weights;
        }
        for (int y = row_begin; y < row_end; y++) {
            for (int x0 = 0; x0 < p->width; x0 += chunk) {
                const int pixels = p->width - x0 < chunk ? p->width - x0 : chunk;
                const ptrdiff_t row_stride = (ptrdiff_t)(pixels + 2) * cin;
                for (int dy = 0; dy < 3; dy++)
                    widen_u8(scratch + dy * row_stride, p->input + (y + dy) * p->input_row_stride + (ptrdiff_t)x0 * cin,
                             (pixels + 2) * cin);
                uint8_t *out = p->output + y * p->output_row_stride + (ptrdiff_t)x0 * p->cout + 16 * ob;
                conv_block(scratch, row_stride, pixels, cin, w, wide, p->bias + 16 * ob, &k, zero_point, out, p->cout, n);
            }
        }
    }
}

Q8_TARGET void q8_linear_16x4c4__avx2(const q8_linear_params *p, int output_begin, int output_end) {
    const int groups = (p->depth + 3) / 4;
    /* a0 a1 a2 a3 (one dword, broadcast) -> int16 a0 a1 a2 a3 in every 64-bit lane */
    const __m256i spread = _mm256_setr_epi8(0, -1, 1, -1, 2, -1, 3, -1, 0, -1, 1, -1, 2, -1, 3, -1,
                                            0, -1, 1, -1, 2, -1, 3, -1, 0, -1, 1, -1, 2, -1, 3, -1);
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (ptrdiff_t)ob * groups * 64;
        __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int g = 0; g < groups; g++, w += 64) {
            int32_t group;
            memcpy(&group, p->input + 4 * g, 4);
            const __m256i x = _mm256_shuffle_epi8(_mm256_set1_epi32(group), spread);
            Q8_UNROLL for (int j = 0; j < 4; j++)
                acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16 * j)))));
        }
        int32_t sums[16];
        for (int h = 0; h < 2; h++) {
            /* vphaddd: channels 0,1,4,5 | 2,3,6,7; vpermq 0xD8: 0-7 */
            const __m256i v = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[2 * h], acc[2 * h + 1]), 0xD8);
            const __m256i b = _mm256_loadu_si256((const __m256i *)(p->bias + 16 * ob + 8 * h));
            _mm256_storeu_si256((__m256i *)(sums + 8 * h), _mm256_add_epi32(v, b));
        }
        const int lo = 16 * ob > output_begin ? 16 * ob : output_begin;
        const int hi = 16 * ob + 16 < output_end ? 16 * ob + 16 : output_end;
        memcpy(p->accumulators + lo, sums + (lo - 16 * ob), (size_t)(hi - lo) * sizeof(int32_t));
    }
}

#endif
