/*
 * AVX2 kernels: exact int8 arithmetic on the 16-bit multiplier (vpmaddwd).
 *
 * Why not vpmaddubsw: it adds two u8 x s8 products into a saturating int16, and
 * 255*127 + 255*127 = 64,770 > 32,767 (Docs/Numerics.md), so it is not exact on our operands.
 * vpmaddwd multiplies int16 pairs into int32 (16 MACs per instruction) and is exact for any
 * u8 activation and s8 weight; every product is then added with vpaddd. On Zen 3 vpmaddwd
 * issues on two pipes and vpaddd on any of four, and the measured ceiling of independent
 * vpmaddwd+vpaddd pairs is ~25 MAC/cycle (Benchmarks/peak). The kernel's job is to add as
 * little as possible to those two instructions.
 *
 * conv3x3 (tile: 16 output channels x 3 output pixels, 12 ymm accumulators)
 *   - Once per output row and column chunk, the three input rows the chunk reads are widened
 *     to int16 into a stack buffer (3 x 8,192 int16 = 48 KiB). Within one input row the three
 *     horizontal taps of a pixel are contiguous, 3*cin values in (dx, c) order, which is
 *     exactly the order of k in the packed weights (k = (dy*3 + dx)*cin + c). So the inner loop
 *     runs over 3*cin/4 groups of 4 k per dy, with one pointer per pixel and one weight pointer.
 *   - Per 4-k group: 3 x vpbroadcastq (a 4-value int16 activation group of each pixel, a load),
 *     4 x vpmovsxbw m128 (the 64 weight bytes of 16 channels widened to int16: channels
 *     4j..4j+3 per register), 12 x vpmaddwd + 12 x vpaddd = 192 MACs.
 *     Each int32 lane holds half of a channel's 4-k group (k0k1 or k2k3); the halves are added
 *     once per output by vphaddd. Weight widening is paid once per 3 pixels.
 *   - Epilogue per pixel: vphaddd, requantize (below), pack to bytes, one 16-byte store
 *     (a partial copy for the last block when outputs % 16 != 0; channels >= outputs untouched).
 *   - Columns are processed in chunks so the stack buffer holds (chunk + 2) * cin values per row;
 *     cin > 2,728 (no chunk of 1 pixel fits) falls back to the scalar kernel.
 * linear: one block of 16 outputs at a time, the activation group broadcast and spread to int16
 *   by vpshufb, 4 x vpmovsxbw + 4 x vpmaddwd + 4 x vpaddd per group (memory-bound anyway).
 *
 * Requantization, bit-exact with q8_requantize(): shift >= 32, so the high 32 bits of the 64-bit
 * sum acc*multiplier + 2^(shift-1) are floor(sum / 2^32) and a 32-bit arithmetic shift by
 * shift - 32 finishes the floor division (Docs/Numerics.md). vpmuldq on even and odd lanes gives
 * the 64-bit products, vpaddq the rounding term, vpblendd gathers the high halves, vpsravd shifts.
 * Clamp: vpackusdw saturates negatives to 0, vpminuw caps at 255, + zero point, vpackuswb:
 * clamp(q + zp, zp, 255) = min(max(q, 0), 255 - zp) + zp, and min(max(q,0),255) + zp <= 510
 * saturates to 255 in vpackuswb exactly when q + zp > 255.
 * Overflow: |bias| + K*127*255 < 2^31 (the quantizer's bias bound), so the int32 lane sums are
 * exact in any order; products in vpmaddwd are at most 2*255*127 in magnitude.
 * Over-reads: none beyond the interface (bias/multiplier/shift to the next multiple of 16).
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
    SCRATCH_VALUES = 3 * 8192, /* int16 activations of the three widened rows: 48 KiB of stack */
    TILE = 6,                  /* output pixels per register tile */
    TILE_WIDE = 3,             /* the same with pre-widened weights (small cin) */
    WIDE_MAX_CIN = 64,         /* pre-widened weights of one block: 9*64*16 int16 = 18 KiB of stack */
};

/* Per 16-channel block: requantization constants in the lane order vphaddd leaves. */
typedef struct {
    __m256i multiplier[2], multiplier_odd[2], round_even[2], round_odd[2], shift[2];
} block_constants;

Q8_INLINE void widen_u8(int16_t *dst, const uint8_t *src, int count) {
    int i = 0;
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < count; i++) dst[i] = src[i];
}

Q8_INLINE void widen_s8(int16_t *dst, const int8_t *src, int count) { /* count: a multiple of 16 */
    for (int i = 0; i < count; i += 16)
        _mm256_store_si256((__m256i *)(dst + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
}

/*
 * After vphaddd(acc[4h], acc[4h+1]) the 8 lanes hold channels (0,1,4,5 | 2,3,6,7) + 8h:
 * vpermq 0xD8 brings the per-channel arrays into that order.
 */
Q8_INLINE void prepare_block(block_constants *k, const int32_t *multiplier, const int32_t *shift) {
    const __m256i one = _mm256_set1_epi64x(1), low = _mm256_set1_epi64x(0xFFFFFFFF);
    for (int h = 0; h < 2; h++) {
        const __m256i m = _mm256_permute4x64_epi64(_mm256_loadu_si256((const __m256i *)(multiplier + 8 * h)), 0xD8);
        const __m256i s = _mm256_permute4x64_epi64(_mm256_loadu_si256((const __m256i *)(shift + 8 * h)), 0xD8);
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
    /* odd lanes moved to the even positions by vpshufd (a vpsrlq here makes clang emulate a 64-bit multiply) */
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_shuffle_epi32(acc, 0xF5), k->multiplier_odd[h]), k->round_odd[h]);
    const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    return _mm256_srav_epi32(high, k->shift[h]);
}

/* Requantizes and stores one pixel's 16 channels (n of them: channels >= outputs untouched). */
Q8_INLINE void store_pixel(uint8_t *out, __m256i sums0, __m256i sums1, const block_constants *k, __m256i zero_point, int n) {
    const __m256i q0 = requantize8(sums0, k, 0); /* ch 0,1,4,5 | 2,3,6,7 */
    const __m256i q1 = requantize8(sums1, k, 1); /* ch 8,9,12,13 | 10,11,14,15 */
    __m256i w = _mm256_min_epu16(_mm256_packus_epi32(q0, q1), _mm256_set1_epi16(255));
    w = _mm256_add_epi16(w, zero_point);
    const __m256i b = _mm256_packus_epi16(w, w); /* bytes 0-7: ch 0,1,4,5,8,9,12,13; 16-23: 2,3,6,7,... */
    const __m128i order = _mm_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
    const __m128i bytes = _mm_shuffle_epi8(_mm256_castsi256_si128(_mm256_permute4x64_epi64(b, 0x08)), order);
    if (n == 16) {
        _mm_storeu_si128((__m128i *)out, bytes);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, bytes);
        memcpy(out, tmp, (size_t)n);
    }
}

/*
 * One pass of a tile: 8 channels (the 32-byte half of every 64-byte weight group at `w`) x P
 * output pixels, 2P accumulators + 2 widened weight registers + broadcast + product <= 16 ymm.
 * `a` points at the tile's first pixel in the widened chunk (row dy at a + dy*row_stride).
 * Returns per pixel the pair-summed accumulators, channels (0,1,4,5 | 2,3,6,7) of the half.
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
            const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w));
            const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16)));
            Q8_UNROLL for (int i = 0; i < P; i++) {
                const __m256i x = _mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)(a + i * cin + 4 * g)));
                acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x, w0));
                acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x, w1));
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) sums[i] = _mm256_hadd_epi32(acc[i][0], acc[i][1]);
}

/* P output pixels x 16 channels of block `w` (packed [9*cin/4][16][4]), stored at out + i*cout. */
Q8_INLINE void conv_tile(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int8_t *w, const int32_t *bias,
                         const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    __m256i sums0[TILE], sums1[TILE];
    conv_pass(P, a, row_stride, cin, w, bias, sums0);
    conv_pass(P, a, row_stride, cin, w + 32, bias + 8, sums1);
    Q8_UNROLL for (int i = 0; i < P; i++) store_pixel(out + (ptrdiff_t)i * cout, sums0[i], sums1[i], k, zero_point, n);
}

/*
 * Small cin (K = 9*cin <= 576): the block's weights are widened once per block into `wide`
 * ([9*cin/4][16][4] int16, 32*K bytes on the stack) and read as memory operands of vpmaddwd, so
 * the inner loop has no widening and one pass covers 16 channels: 4P accumulators + broadcast +
 * product <= 14 ymm for P = 3. The empty asm with a memory clobber stops the compiler from
 * keeping the four weight vectors in registers across pixels (which would need 18).
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
    Q8_UNROLL for (int i = 0; i < P; i++)
        store_pixel(out + (ptrdiff_t)i * cout, _mm256_hadd_epi32(acc[i][0], acc[i][1]), _mm256_hadd_epi32(acc[i][2], acc[i][3]), k,
                    zero_point, n);
}

/* All tiles of one output block over `pixels` pixels of a widened chunk. */
Q8_INLINE void conv_block(int cin, const int16_t *a, ptrdiff_t row_stride, int pixels, const int8_t *w, int16_t *wide,
                          const int32_t *bias, const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    int x = 0;
    if (wide) {
        for (; x + TILE_WIDE <= pixels; x += TILE_WIDE)
            conv_tile_wide(TILE_WIDE, a + x * cin, row_stride, cin, wide, bias, k, zero_point, out + (ptrdiff_t)x * cout, cout, n);
        if (pixels - x == 2) conv_tile_wide(2, a + x * cin, row_stride, cin, wide, bias, k, zero_point, out + (ptrdiff_t)x * cout, cout, n);
        if (pixels - x == 1) conv_tile_wide(1, a + x * cin, row_stride, cin, wide, bias, k, zero_point, out + (ptrdiff_t)x * cout, cout, n);
        return;
    }
    for (; x + TILE <= pixels; x += TILE)
        conv_tile(TILE, a + x * cin, row_stride, cin, w, bias, k, zero_point, out + (ptrdiff_t)x * cout, cout, n);
    a += x * cin;
    out += (ptrdiff_t)x * cout;
    switch (pixels - x) { /* the remainder, with its own register tile */
    case 5: conv_tile(5, a, row_stride, cin, w, bias, k, zero_point, out, cout, n); break;
    case 4: conv_tile(4, a, row_stride, cin, w, bias, k, zero_point, out, cout, n); break;
    case 3: conv_tile(3, a, row_stride, cin, w, bias, k, zero_point, out, cout, n); break;
    case 2: conv_tile(2, a, row_stride, cin, w, bias, k, zero_point, out, cout, n); break;
    case 1: conv_tile(1, a, row_stride, cin, w, bias, k, zero_point, out, cout, n); break;
    default: break;
    }
}

Q8_TARGET void q8_conv3x3_16x4c4__avx2(const q8_conv3x3_params *p, int row_begin, int row_end) {
    const int cin = p->cin;
    int chunk = SCRATCH_VALUES / 3 / cin - 2; /* output pixels per column chunk */
    if (chunk < 1) {
        q8_conv3x3_16x4c4__scalar(p, row_begin, row_end);
        return;
    }
    if (chunk >= TILE) chunk -= chunk % TILE;
    _Alignas(32) int16_t scratch[SCRATCH_VALUES];
    _Alignas(32) int16_t wide_weights[9 * WIDE_MAX_CIN * 16];
    const size_t block_bytes = (size_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);

    for (int y = row_begin; y < row_end; y++) {
        for (int x0 = 0; x0 < p->width; x0 += chunk) {
            const int pixels = p->width - x0 < chunk ? p->width - x0 : chunk;
            const ptrdiff_t row_stride = (ptrdiff_t)(pixels + 2) * cin;
            for (int dy = 0; dy < 3; dy++)
                widen_u8(scratch + dy * row_stride, p->input + (y + dy) * p->input_row_stride + (ptrdiff_t)x0 * cin,
                         (pixels + 2) * cin);
            uint8_t *out_row = p->output + y * p->output_row_stride + (ptrdiff_t)x0 * p->cout;
            for (int ob = 0; ob < blocks; ob++) {
                block_constants k;
                prepare_block(&k, p->multiplier + 16 * ob, p->shift + 16 * ob);
                const int n = p->outputs - 16 * ob < 16 ? p->outputs - 16 * ob : 16;
                const int8_t *w = p->weights + ob * block_bytes;
                const int32_t *bias = p->bias + 16 * ob;
                uint8_t *out = out_row + 16 * ob;
                int16_t *wide = NULL;
                if (cin <= WIDE_MAX_CIN) {
                    wide = wide_weights;
                    widen_s8(wide, w, 9 * cin * 16);
                }
                conv_block(cin, scratch, row_stride, pixels, w, wide, bias, &k, zero_point, out, p->cout, n);
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
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int g = 0; g < groups; g++, w += 64) {
            int32_t group;
            memcpy(&group, p->input + 4 * g, 4);
            const __m256i x = _mm256_shuffle_epi8(_mm256_set1_epi32(group), spread);
            for (int j = 0; j < 4; j++)
                acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16 * j)))));
        }
        /* vphaddd leaves channels (0,1,4,5 | 2,3,6,7); vpermq 0xD8 restores 0..7 */
        int32_t sums[16];
        for (int h = 0; h < 2; h++) {
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
