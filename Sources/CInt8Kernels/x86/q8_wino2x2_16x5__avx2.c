/*
 * AVX2 conv3x3 by Winograd F(2x2, 3x3) in int16, exact: 16 products per 2x2 output tile and
 * input channel instead of 36, all of them vpmaddwd (Docs/Numerics.md, "Winograd F(2x2, 3x3)").
 *
 * Per 2x2 output tile, with d the 4x4 input patch, g the 3x3 weights of one (output, input)
 * channel pair: Y = A^T [ (G' g G'^T) . (B^T d B) ] A = 4 * (the direct sum), where G' = 2G has
 * integer entries. B^T d B needs only additions: |V| <= 4 * 255 = 1020; |U'| <= 1143 (the
 * transform of q8_wino2x2.c): both int16, and a vpmaddwd pair sum (<= 2.4e6) never overflows.
 * The sums over channels and the output transform may wrap int32, but all of it is addition
 * modulo 2^32 and the final 4 * sum is below 2^31 in magnitude (|sum| <= K * 127 * 255 < 2^29
 * for K <= 16,000), so it comes out exact; >> 2 is then an exact division. Bias and
 * requantization follow as in every kernel: results are bit-identical to the direct kernels.
 *
 * Per tile row (2 output rows) and thread: (1) the input transform of every tile of the row into
 * the scratch V [16 positions][tiles][cin] int16; (2) per 16-channel output block and chunk of
 * TILE tiles, for each of the 16 positions an int16 GEMM over cin (2 vpmaddwd + 2 vpaddd per
 * tile and channel pair, weights [16][cin/2][16][2] as 2 ymm, the tile's channel pair broadcast),
 * written to the small scratch M; (3) the output transform of those tiles, requantization and the
 * store of 4 pixels x 16 channels each.
 *
 * Needs: even width, cin a multiple of 16 (the runtime's dispatch checks; the first layer, cin 4,
 * stays on the direct kernels). Rows [2*tile_row_begin, 2*tile_row_end) are written.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_TARGET __attribute__((target("avx2")))
#define Q8_INLINE static inline __attribute__((always_inline, target("avx2")))
#define Q8_UNROLL _Pragma("GCC unroll 8")

enum { TILE = 5 };

/* Requantization constants of one 16-channel block, per half (as in the avx2pairs kernel). */
typedef struct {
    __m256i bias[2];
    __m256i multiplier_even[2];
    __m256i multiplier_odd[2];
    __m256i round_even[2];
    __m256i round_odd[2];
    __m256i shift[2];
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *bias, const int32_t *multiplier, const int32_t *shift) {
    _Alignas(32) int64_t round[16];
    _Alignas(32) int32_t shift32[16];
    for (int c = 0; c < 16; c++) {
        round[c] = shift[c] >= 1 && shift[c] <= 63 ? (int64_t)1 << (shift[c] - 1) : 0;
        shift32[c] = (int32_t)((uint32_t)shift[c] - 32u);
    }
    for (int h = 0; h < 2; h++) {
        const __m256i m = _mm256_loadu_si256((const __m256i *)(multiplier + 8 * h));
        k->bias[h] = _mm256_loadu_si256((const __m256i *)(bias + 8 * h));
        k->multiplier_even[h] = m;
        k->multiplier_odd[h] = _mm256_srli_epi64(m, 32);
        k->round_even[h] = _mm256_setr_epi64x(round[8 * h], round[8 * h + 2], round[8 * h + 4], round[8 * h + 6]);
        k->round_odd[h] = _mm256_setr_epi64x(round[8 * h + 1], round[8 * h + 3], round[8 * h + 5], round[8 * h + 7]);
        k->shift[h] = _mm256_load_si256((const __m256i *)(shift32 + 8 * h));
    }
}

Q8_INLINE __m256i requantize8(__m256i acc, const block_constants *k, int h) {
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, k->multiplier_even[h]), k->round_even[h]);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), k->multiplier_odd[h]), k->round_odd[h]);
    const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    return _mm256_srav_epi32(high, k->shift[h]);
}

Q8_INLINE void store_pixel(uint8_t *out, __m256i acc0, __m256i acc1, const block_constants *k, __m256i zero_point, int n) {
    __m256i w = _mm256_permute4x64_epi64(_mm256_packus_epi32(requantize8(acc0, k, 0), requantize8(acc1, k, 1)), 0xD8);
    w = _mm256_add_epi16(_mm256_min_epu16(w, _mm256_set1_epi16(255)), zero_point);
    const __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    if (n == 16) {
        _mm_storeu_si128((__m128i *)out, b);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, b);
        memcpy(out, tmp, (size_t)n);
    }
}

/* B^T d B for the tiles of one tile row, 16 channels at a time. `a`: the row's top-left input. */
Q8_INLINE void input_transform(const uint8_t *a, ptrdiff_t row_stride, int cin, int tiles, int16_t *v) {
    const size_t position_stride = (size_t)tiles * cin;
    for (int t = 0; t < tiles; t++) {
        for (int c = 0; c < cin; c += 16) {
            __m256i d[4][4];
            Q8_UNROLL for (int r = 0; r < 4; r++)
                Q8_UNROLL for (int x = 0; x < 4; x++)
                    d[r][x] = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + r * row_stride + (ptrdiff_t)(2 * t + x) * cin + c)));
            __m256i s[4][4];
            Q8_UNROLL for (int x = 0; x < 4; x++) {
                s[0][x] = _mm256_sub_epi16(d[0][x], d[2][x]);
                s[1][x] = _mm256_add_epi16(d[1][x], d[2][x]);
                s[2][x] = _mm256_sub_epi16(d[2][x], d[1][x]);
                s[3][x] = _mm256_sub_epi16(d[1][x], d[3][x]);
            }
            int16_t *out = v + (size_t)t * cin + c;
            Q8_UNROLL for (int r = 0; r < 4; r++) {
                _mm256_storeu_si256((__m256i *)(out + (4 * r + 0) * position_stride), _mm256_sub_epi16(s[r][0], s[r][2]));
                _mm256_storeu_si256((__m256i *)(out + (4 * r + 1) * position_stride), _mm256_add_epi16(s[r][1], s[r][2]));
                _mm256_storeu_si256((__m256i *)(out + (4 * r + 2) * position_stride), _mm256_sub_epi16(s[r][2], s[r][1]));
                _mm256_storeu_si256((__m256i *)(out + (4 * r + 3) * position_stride), _mm256_sub_epi16(s[r][1], s[r][3]));
            }
        }
    }
}

/* M[p][t0 + i] = sum over c of U'[p][.][c] V[p][t0 + i][c] for P tiles x 16 channels, one position. */
Q8_INLINE void gemm_tiles(int P, const int16_t *v, int cin, const int16_t *u, int32_t *m) {
    const int pairs = cin / 2;
    __m256i acc[TILE][2];
    Q8_UNROLL for (int i = 0; i < P; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    const int16_t *x[TILE];
    Q8_UNROLL for (int i = 0; i < P; i++) x[i] = v + (size_t)i * cin;
    for (int c = 0; c < pairs; c++, u += 32) {
        const __m256i w0 = _mm256_loadu_si256((const __m256i *)u);
        const __m256i w1 = _mm256_loadu_si256((const __m256i *)(u + 16));
        Q8_UNROLL for (int i = 0; i < P; i++) {
            int32_t pair;
            memcpy(&pair, x[i] + 2 * c, 4);
            const __m256i b = _mm256_set1_epi32(pair);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(b, w0));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(b, w1));
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++) {
        _mm256_store_si256((__m256i *)(m + i * 16), acc[i][0]);
        _mm256_store_si256((__m256i *)(m + i * 16 + 8), acc[i][1]);
    }
}

/* A^T M A / 4 + bias for tile t, half h; y[i][j] is output pixel (i, j) of the tile. M: [16][tiles][16]. */
Q8_INLINE void output_transform(const int32_t *m, size_t m_position_stride, int t, int h, __m256i bias, __m256i y[2][2]) {
    __m256i q[4][4];
    Q8_UNROLL for (int p = 0; p < 16; p++) q[p / 4][p % 4] = _mm256_load_si256((const __m256i *)(m + p * m_position_stride + t * 16 + 8 * h));
    __m256i s[2][4];
    Q8_UNROLL for (int x = 0; x < 4; x++) {
        s[0][x] = _mm256_add_epi32(_mm256_add_epi32(q[0][x], q[1][x]), q[2][x]);
        s[1][x] = _mm256_sub_epi32(_mm256_sub_epi32(q[1][x], q[2][x]), q[3][x]);
    }
    Q8_UNROLL for (int r = 0; r < 2; r++) {
        const __m256i y0 = _mm256_add_epi32(_mm256_add_epi32(s[r][0], s[r][1]), s[r][2]);
        const __m256i y1 = _mm256_sub_epi32(_mm256_sub_epi32(s[r][1], s[r][2]), s[r][3]);
        y[r][0] = _mm256_add_epi32(_mm256_srai_epi32(y0, 2), bias);
        y[r][1] = _mm256_add_epi32(_mm256_srai_epi32(y1, 2), bias);
    }
}

Q8_TARGET void q8_conv3x3_wino2x2__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                        int tile_row_begin, int tile_row_end) {
    const int cin = p->cin, tiles = p->width / 2;
    const size_t position_stride = (size_t)tiles * cin;
    int16_t *v = (int16_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    int32_t *m = (int32_t *)(v + 16 * position_stride);
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);
    for (int ty = tile_row_begin; ty < tile_row_end; ty++) {
        input_transform(p->input + 2 * ty * p->input_row_stride, p->input_row_stride, cin, tiles, v);
        for (int b = 0; b < blocks; b++) {
            block_constants k;
            prepare_block(&k, p->bias + 16 * b, p->multiplier + 16 * b, p->shift + 16 * b);
            const int n = p->outputs - 16 * b < 16 ? p->outputs - 16 * b : 16;
            const int16_t *u = transformed + (size_t)b * 16 * cin * 16;
            uint8_t *out = p->output + 2 * ty * p->output_row_stride + 16 * b;
            for (int q = 0; q < 16; q++, u += 16 * cin) {
                const int16_t *vq = v + q * position_stride;
                int32_t *mq = m + (size_t)q * tiles * 16;
                int t = 0;
#define Q8_TILES(P) gemm_tiles(P, vq + (size_t)t * cin, cin, u, mq + t * 16)
                for (; t + TILE <= tiles; t += TILE) Q8_TILES(TILE);
                switch (tiles - t) {
                case 4: Q8_TILES(4); break;
                case 3: Q8_TILES(3); break;
                case 2: Q8_TILES(2); break;
                case 1: Q8_TILES(1); break;
                default: break;
                }
#undef Q8_TILES
            }
            for (int t = 0; t < tiles; t++) {
                __m256i lo[2][2], hi[2][2];
                output_transform(m, (size_t)tiles * 16, t, 0, k.bias[0], lo);
                output_transform(m, (size_t)tiles * 16, t, 1, k.bias[1], hi);
                Q8_UNROLL for (int r = 0; r < 2; r++)
                    Q8_UNROLL for (int x = 0; x < 2; x++)
                        store_pixel(out + r * p->output_row_stride + (ptrdiff_t)(2 * t + x) * p->cout, lo[r][x], hi[r][x], &k, zero_point, n);
            }
        }
    }
}

#endif
