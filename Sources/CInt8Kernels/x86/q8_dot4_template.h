/*
 * The dot4 family: one source for the x86 kernels whose multiply-accumulate adds, per int32
 * lane, the four u8 x s8 products of one 4-k group of one channel, which is exactly a lane of
 * the packed layout ([16][4] int8 per group). Activations need no widening and no correction:
 * per group and pixel, one broadcast dword of the pixel's 4 input bytes, read straight from the
 * bordered NHWC map. A kernel file instantiates it (like XNNPACK's *.c.in templates, expanded
 * here by the preprocessor) by defining, then including this file:
 *
 *   Q8_DOT4_FEATURES   the target attribute's string, e.g. "avx2,avxvnni"
 *   Q8_DOT4_BITS       256 (ymm: 2 vectors per 16 channels) or 512 (zmm: 1)
 *   Q8_DOT4_MAC(acc, x, w)  acc + per lane the dot product of 4 u8 of x and 4 s8 of w, exact
 *   Q8_DOT4_TILE       conv3x3 register tile in pixels (the kernel's name: 16 x TILE)
 *   Q8_DOT4_CONV3X3    the name of the conv3x3 kernel to define, and/or
 *   Q8_DOT4_LINEAR     the name of the linear kernel to define, and/or
 *   Q8_DOT4_LINEAR4    the name of the linear kernel on 4-bit grouped weights to define, with
 *   Q8_DOT4_STEP(acc, x0, w0, x1, w1)  optional: acc plus both MACs of a linear4 step (default:
 *                      two Q8_DOT4_MACs; avx2 adds the two int16 results before one vpmaddwd)
 *
 * Members: q8_conv3x3_16x5c4__avx2pairs (vpmaddubsw + vpmaddwd by ones, on pair-bounded
 * weights), q8_conv3x3_16x6c4__avxvnni and q8_linear_16x1c4__avxvnni (vpdpbusd ymm),
 * q8_conv3x3_16x8c4__avx512vnni and q8_linear_16x1c4__avx512vnni (vpdpbusd zmm); linear4:
 * q8_linear4_16x1c8__avx2 (vpmaddubsw, exact on 4-bit weights), q8_linear4_16x1c8__avxvnni,
 * q8_linear4_16x1c8__avx512vnni.
 *
 * conv3x3 tile: 16 channels (one packed block) x TILE pixels: TILE * 16/lanes accumulators,
 * per 4-k group 64/vector-bytes weight loads, per pixel 1 broadcast + 16/lanes MACs. For a pixel
 * and a row dy of the 3x3 patch, the 3*cin values of k in [3*cin*dy, 3*cin*(dy+1)) are
 * contiguous in the bordered input ((dx, c) order), so one pointer per pixel walks them; each
 * pixel has its own pointer (one stepped from pixel to pixel made clang chain the broadcasts'
 * address arithmetic, 30% slower). Leftover pixels of a row get a register tile of their own.
 * Loops: groups of Q8_GROUP = 4 blocks outermost (avx2_common.h), then rows, then the group's
 * blocks, then pixel tiles.
 * linear tile: the 16 outputs of a block x 1 input vector, one broadcast per 4-k group.
 * linear4 tile: the same, per 64-byte step of 8 k the two nibble groups (below).
 *
 * Bounds: a MAC adds at most 4 x 255 x 127 per lane (the instance states why it is exact);
 * |bias| + K*127*255 < 2^31 keeps the int32 lanes exact in any order (Docs/Numerics.md).
 * Over-reads: none beyond the interface (bias/multiplier/shift up to the next multiple of 16).
 */
#if !defined(Q8_DOT4_FEATURES) || !defined(Q8_DOT4_BITS) || !defined(Q8_DOT4_MAC)
#error "define Q8_DOT4_FEATURES, Q8_DOT4_BITS and Q8_DOT4_MAC before including q8_dot4_template.h"
#endif
#include <immintrin.h>
#include <string.h>

#include "avx2_common.h"
#include "avx512_common.h"

#define Q8_TARGET __attribute__((target(Q8_DOT4_FEATURES)))
#define Q8_INLINE static inline __attribute__((always_inline, target(Q8_DOT4_FEATURES)))

#if Q8_DOT4_BITS == 256
/* ymm: vector j of a block holds channels 8j..8j+7, in order. */
typedef __m256i q8_vec;
enum { VECS = 2 };
Q8_INLINE q8_vec vec_load(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }
Q8_INLINE q8_vec vec_broadcast(int32_t v) { return _mm256_set1_epi32(v); }
Q8_INLINE void vec_store(int32_t *p, q8_vec v) { _mm256_storeu_si256((__m256i *)p, v); }

/* The lane-order requantization of avx2_common.h. */
typedef struct {
    q8_avx2_block requant;
    __m256i zero_point; /* int16 */
    int n;              /* channels < outputs */
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                             int32_t zero_point, int n) {
    q8_avx2_prepare_block(&k->requant, bias, multiplier, shift);
    k->zero_point = _mm256_set1_epi16((short)zero_point);
    k->n = n;
}

Q8_INLINE q8_vec start_value(const block_constants *k, int j) { return k->requant.bias[j]; }

Q8_INLINE void store_pixel(uint8_t *out, const q8_vec acc[VECS], const block_constants *k) {
    q8_avx2_store_pixel(out, acc[0], acc[1], &k->requant, k->zero_point, k->n);
}

/* linear4: 4-bit two's complement nibbles -> int8 (the table 0..7, -8..-1 in each 128-bit lane). */
Q8_INLINE q8_vec vec_nibble_table(void) {
    return _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1));
}
Q8_INLINE q8_vec vec_low_nibbles(q8_vec w, q8_vec table) {
    return _mm256_shuffle_epi8(table, _mm256_and_si256(w, _mm256_set1_epi8(0x0F)));
}
Q8_INLINE q8_vec vec_high_nibbles(q8_vec w, q8_vec table) {
    return _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(w, 4), _mm256_set1_epi8(0x0F)));
}
Q8_INLINE q8_vec vec_zero(void) { return _mm256_setzero_si256(); }
/* total + partial * m: m the VEC_LANES int8 multipliers of the vector's outputs (vpmovsxbd, vpmulld). */
Q8_INLINE q8_vec vec_add_scaled(q8_vec total, q8_vec partial, const int8_t *m) {
    return _mm256_add_epi32(total, _mm256_mullo_epi32(partial, _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)m))));
}

#elif Q8_DOT4_BITS == 512
/* zmm: one vector holds the block's 16 channels, in order. */
typedef __m512i q8_vec;
enum { VECS = 1 };
Q8_INLINE q8_vec vec_load(const void *p) { return _mm512_loadu_si512(p); }
Q8_INLINE q8_vec vec_broadcast(int32_t v) { return _mm512_set1_epi32(v); }
Q8_INLINE void vec_store(int32_t *p, q8_vec v) { _mm512_storeu_si512(p, v); }

/* avx512_common.h's zmm epilogue. */
typedef q8_avx512_block block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                             int32_t zero_point, int n) {
    q8_avx512_prepare_block(k, bias, multiplier, shift, zero_point, n);
}

Q8_INLINE q8_vec start_value(const block_constants *k, int j) {
    (void)j;
    return k->bias;
}

Q8_INLINE void store_pixel(uint8_t *out, const q8_vec acc[VECS], const block_constants *k) { q8_avx512_store_pixel(out, acc[0], k); }

/* linear4: as the ymm helpers above, on all 16 outputs of a block. */
Q8_INLINE q8_vec vec_nibble_table(void) {
    return _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1));
}
Q8_INLINE q8_vec vec_low_nibbles(q8_vec w, q8_vec table) {
    return _mm512_shuffle_epi8(table, _mm512_and_si512(w, _mm512_set1_epi8(0x0F)));
}
Q8_INLINE q8_vec vec_high_nibbles(q8_vec w, q8_vec table) {
    return _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(w, 4), _mm512_set1_epi8(0x0F)));
}
Q8_INLINE q8_vec vec_zero(void) { return _mm512_setzero_si512(); }
Q8_INLINE q8_vec vec_add_scaled(q8_vec total, q8_vec partial, const int8_t *m) {
    return _mm512_add_epi32(total, _mm512_mullo_epi32(partial, _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)m))));
}
#else
#error "Q8_DOT4_BITS must be 256 or 512"
#endif

/* Bytes of one 4-k group of a block's weights per vector: 64 for the block. */
enum { VEC_WEIGHT_BYTES = 64 / VECS, VEC_LANES = 16 / VECS };

#if defined(Q8_DOT4_CONV3X3)
enum { TILE = Q8_DOT4_TILE };

/*
 * P output pixels x the 16 channels of the block at `w` ([9*cin/4][16][4]). `a` points at the
 * first pixel's top-left tap in the bordered input.
 */
Q8_INLINE void conv_tile(int P, const uint8_t *a, ptrdiff_t input_row_stride, int cin, const int8_t *w,
                         const block_constants *k, uint8_t *out, int cout) {
    q8_vec acc[TILE][VECS];
    Q8_UNROLL for (int i = 0; i < P; i++) {
        Q8_UNROLL for (int j = 0; j < VECS; j++) acc[i][j] = start_value(k, j);
    }
    const int groups = 3 * cin / 4; /* 4-k groups in one input row of the patch */
    for (int dy = 0; dy < 3; dy++, a += input_row_stride) {
        const uint8_t *x[TILE];
        Q8_UNROLL for (int i = 0; i < P; i++) x[i] = a + (ptrdiff_t)i * cin;
        for (int g = 0; g < groups; g++, w += 64) {
            q8_vec wg[VECS];
            Q8_UNROLL for (int j = 0; j < VECS; j++) wg[j] = vec_load(w + VEC_WEIGHT_BYTES * j);
            Q8_UNROLL for (int i = 0; i < P; i++) {
                int32_t group;
                memcpy(&group, x[i] + 4 * g, 4);
                const q8_vec v = vec_broadcast(group);
                Q8_UNROLL for (int j = 0; j < VECS; j++) acc[i][j] = Q8_DOT4_MAC(acc[i][j], v, wg[j]);
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) store_pixel(out + (ptrdiff_t)i * cout, acc[i], k);
}

Q8_TARGET void Q8_DOT4_CONV3X3(const q8_conv3x3_params *p, int row_begin, int row_end) {
    Q8_ASSERT_CONV3X3(p, row_begin, row_end);
    const int cin = p->cin;
    const ptrdiff_t block_bytes = (ptrdiff_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    block_constants k[Q8_GROUP];
    for (int first = 0; first < blocks; first += Q8_GROUP) {
        const int count = blocks - first < Q8_GROUP ? blocks - first : Q8_GROUP;
        for (int b = 0; b < count; b++) {
            const int ob = first + b;
            prepare_block(&k[b], p->bias + 16 * ob, p->multiplier + 16 * ob, p->shift + 16 * ob, p->output_zero_point,
                          q8_block_channels(p->outputs, ob));
        }
        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *a = p->input + y * p->input_row_stride;
            for (int b = 0; b < count; b++) {
                const int ob = first + b;
                const int8_t *w = p->weights + ob * block_bytes;
                uint8_t *out = p->output + y * p->output_row_stride + 16 * ob;
                int x = 0;
#define Q8_TILE(P) conv_tile(P, a + (ptrdiff_t)x * cin, p->input_row_stride, cin, w, &k[b], out + (ptrdiff_t)x * p->cout, p->cout)
/* the remainder, with its own register tile: P < TILE, a constant so that the tile unrolls */
#define Q8_REMAINDER(P) \
    case P:             \
        if (P < TILE) Q8_TILE(P); \
        break;
                for (; x + TILE <= p->width; x += TILE) Q8_TILE(TILE);
                switch (p->width - x) {
                    Q8_REMAINDER(7)
                    Q8_REMAINDER(6)
                    Q8_REMAINDER(5)
                    Q8_REMAINDER(4)
                    Q8_REMAINDER(3)
                    Q8_REMAINDER(2)
                    Q8_REMAINDER(1)
                default: break;
                }
#undef Q8_REMAINDER
#undef Q8_TILE
            }
        }
    }
}
_Static_assert(Q8_DOT4_TILE >= 1 && Q8_DOT4_TILE <= 8, "remainders of up to 7 pixels are covered");
#endif

#if defined(Q8_DOT4_LINEAR)
Q8_TARGET void Q8_DOT4_LINEAR(const q8_linear_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR(p, output_begin, output_end);
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (ptrdiff_t)ob * groups * 64;
        q8_vec acc[VECS];
        Q8_UNROLL for (int j = 0; j < VECS; j++) acc[j] = vec_load(p->bias + 16 * ob + VEC_LANES * j);
        for (int g = 0; g < groups; g++, w += 64) {
            int32_t group;
            memcpy(&group, p->input + 4 * g, 4);
            const q8_vec x = vec_broadcast(group);
            Q8_UNROLL for (int j = 0; j < VECS; j++) acc[j] = Q8_DOT4_MAC(acc[j], x, vec_load(w + VEC_WEIGHT_BYTES * j));
        }
        int32_t sums[16];
        Q8_UNROLL for (int j = 0; j < VECS; j++) vec_store(sums + VEC_LANES * j, acc[j]);
        q8_linear_store_block(p->accumulators, sums, ob, output_begin, output_end);
    }
}
#endif

#if defined(Q8_DOT4_LINEAR4)
/*
 * linear4 (q8_linear4_params): a 64-byte step of a block holds 8 k of its 16 outputs, byte
 * (o, j) = q[o][8s + j] | q[o][8s + 4 + j] << 4. Per step and vector: one load of the bytes as
 * they are, vpand (+ vpsrlw 4 for the high nibbles) and a vpshufb table give the low nibbles as
 * an int8 vector in the packed layout's 4-k group 2s and the high nibbles as group 2s + 1; each
 * meets its broadcast input dword (a[8s..8s+3], a[8s+4..8s+7]) in Q8_DOT4_STEP. The steps of a
 * group accumulate a partial sum per output lane from zero; at the group's end vpmovsxbd of its 16
 * multipliers, vpmulld and vpaddd add m * partial to the totals, which start from the bias. The
 * last group may be short (depth not a multiple of group_size).
 * Bounds: a MAC adds at most 4 x 255 x 8 per lane; |partial| <= G*8*255, |m * partial| <= G*128*255
 * (|q * m| <= 128), and |bias| + K*128*255 < 2^31, so every lane is exact (vpmulld keeps the low
 * 32 bits of a product that fits). Over-reads: none beyond the interface (the input up to
 * roundUp(depth, 8), the bias up to the next multiple of 16).
 */
#ifndef Q8_DOT4_STEP
#define Q8_DOT4_STEP(acc, x0, w0, x1, w1) Q8_DOT4_MAC(Q8_DOT4_MAC(acc, x0, w0), x1, w1)
#endif

Q8_TARGET void Q8_DOT4_LINEAR4(const q8_linear4_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR4(p, output_begin, output_end);
    const int steps = (p->depth + 7) / 8, steps_per_group = p->group_size / 8;
    const int groups = (steps + steps_per_group - 1) / steps_per_group;
    const q8_vec table = vec_nibble_table();
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const uint8_t *w = p->weights + (ptrdiff_t)ob * steps * 64;
        const int8_t *m = p->group_multipliers + (ptrdiff_t)ob * groups * 16;
        q8_vec total[VECS];
        Q8_UNROLL for (int j = 0; j < VECS; j++) total[j] = vec_load(p->bias + 16 * ob + VEC_LANES * j);
        for (int s = 0; s < steps; m += 16) {
            const int group_end = s + steps_per_group < steps ? s + steps_per_group : steps;
            q8_vec partial[VECS];
            Q8_UNROLL for (int j = 0; j < VECS; j++) partial[j] = vec_zero();
            for (; s < group_end; s++, w += 64) {
                int32_t low, high;
                memcpy(&low, p->input + 8 * s, 4);
                memcpy(&high, p->input + 8 * s + 4, 4);
                const q8_vec x0 = vec_broadcast(low), x1 = vec_broadcast(high);
                Q8_UNROLL for (int j = 0; j < VECS; j++) {
                    const q8_vec v = vec_load(w + VEC_WEIGHT_BYTES * j);
                    partial[j] = Q8_DOT4_STEP(partial[j], x0, vec_low_nibbles(v, table), x1, vec_high_nibbles(v, table));
                }
            }
            Q8_UNROLL for (int j = 0; j < VECS; j++) total[j] = vec_add_scaled(total[j], partial[j], m + VEC_LANES * j);
        }
        int32_t sums[16];
        Q8_UNROLL for (int j = 0; j < VECS; j++) vec_store(sums + VEC_LANES * j, total[j]);
        q8_linear_store_block(p->accumulators, sums, ob, output_begin, output_end);
    }
}
#endif
