/*
 * q8_conv3x3_wino2x2_16x5c2__avx2, q8_conv3x3_wino4x4_16x5c2__avx2: AVX2 conv3x3 by Winograd F(2x2, 3x3) and F(4x4, 3x3) in int16, exact: per output tile and
 * input channel 16 products for 4 outputs (F2) or 36 for 16 (F4) instead of 9 per output, all
 * of them vpmaddwd (Docs/Numerics.md, "Winograd, exact").
 *
 * F(2x2): Y = A^T [ (G' g G'^T) . (B^T d B) ] A = 4 * (the direct sum), G' = 2G integer.
 * |V| <= 4 * 255 = 1020 and |U'| <= 1143 (q8_wino.c): int16; a vpmaddwd pair sum (<= 2.4e6)
 * never overflows. The sums over channels and the output transform may wrap int32, but all of it
 * is arithmetic modulo 2^32 and the final 4 * sum is below 2^31 in magnitude (|sum| <= K * 127 *
 * 255 < 2^29), so it comes out exact; >> 2 is then an exact division.
 * F(4x4): G' = DG (rows scaled by d = 4, 6, 6, 24, 24, 1), |U'| <= 6223, |V| <= 100 * 255 =
 * 25,500 (B^T's rows have absolute sums <= 10): int16, pair sums <= 3.2e8. Position (i, j) holds
 * d_i d_j times the true product sum; multiplying it by f_ij = 576 / (d_i d_j) times the inverse
 * of 9 modulo 2^32 makes every position 64 times its true value modulo 2^32, so the output
 * transform yields 64 * sum modulo 2^32, exact when |sum| < 2^25: q8_wino4x4_weights_fit checks
 * 255 * (the larger of a channel's positive and negative weight sums) < 2^25 at load, and the
 * runtime uses F(2x2) or a direct kernel where it does not hold. Then >> 6 is exact.
 * Bias and requantization follow as in every kernel: results are bit-identical to the direct ones.
 *
 * Per thread (whole tile rows), in chunks of tiles that may cross tile rows (V of a chunk about
 * Q8_WINO_CHUNK_BYTES, q8_wino_chunk_tiles): (1) the input transform of the chunk into the
 * scratch V [positions][tiles][cin] int16; (2) per 16-channel
 * output block and position, an int16 GEMM over cin for TILE tiles at a time (2 vpmaddwd + 2 vpaddd
 * per tile and channel pair, weights [positions][cin/2][16][2] as 2 ymm, the tile's channel pair
 * broadcast) into the scratch M; (3) the output transform, requantization and the stores.
 *
 * GEMM register tile: 16 channels x 5 tiles, over cin in channel pairs (c2: vpmaddwd's int16
 * pairs); the name's wino2x2 / wino4x4 is the output tile F(2x2) / F(4x4).
 * Needs (asserted): width and height multiples of the tile (2 or 4), cin a multiple of 16 (the
 * runtime's dispatch checks). Output rows [tile * tile_row_begin, tile * tile_row_end) are written.
 */
#if defined(__x86_64__)
#include "avx2_common.h"

#define Q8_TARGET __attribute__((target("avx2")))
#define Q8_INLINE Q8_AVX2_INLINE

/* Tiles per GEMM register tile: 10 accumulators (measured in L1: 77-79 GMAC/s of int16 products,
 * the vpmaddwd + vpaddd peak; 4 and 6 tiles reached 52-60 and 64-70). */
enum { TILE = 5 };

/* F(2x2) B^T column (or row) transform of 4 values. */
Q8_INLINE void bt2(const __m256i d[4], __m256i out[4]) {
    out[0] = _mm256_sub_epi16(d[0], d[2]);
    out[1] = _mm256_add_epi16(d[1], d[2]);
    out[2] = _mm256_sub_epi16(d[2], d[1]);
    out[3] = _mm256_sub_epi16(d[1], d[3]);
}

/* F(4x4) B^T transform of 6 values (|out| <= 10 max|d|). */
Q8_INLINE void bt4(const __m256i d[6], __m256i out[6]) {
    const __m256i four_d1_d2 = _mm256_slli_epi16(_mm256_add_epi16(d[1], d[2]), 2);
    const __m256i four_d1m_d2 = _mm256_slli_epi16(_mm256_sub_epi16(d[1], d[2]), 2);
    const __m256i two_d3m_d1 = _mm256_slli_epi16(_mm256_sub_epi16(d[3], d[1]), 1);
    const __m256i d4m_d2 = _mm256_sub_epi16(d[4], d[2]);
    /* 4 d0 - 5 d2 + d4 = 4 (d0 - d2) + (d4 - d2) */
    out[0] = _mm256_add_epi16(_mm256_slli_epi16(_mm256_sub_epi16(d[0], d[2]), 2), d4m_d2);
    out[1] = _mm256_sub_epi16(_mm256_add_epi16(d[3], d[4]), four_d1_d2);
    out[2] = _mm256_add_epi16(_mm256_sub_epi16(d[4], d[3]), four_d1m_d2);
    out[3] = _mm256_add_epi16(d4m_d2, two_d3m_d1);
    out[4] = _mm256_sub_epi16(d4m_d2, two_d3m_d1);
    /* 4 d1 - 5 d3 + d5 = 4 (d1 - d3) + (d5 - d3) */
    out[5] = _mm256_add_epi16(_mm256_slli_epi16(_mm256_sub_epi16(d[1], d[3]), 2), _mm256_sub_epi16(d[5], d[3]));
}

/*
 * B^T d B for `count` tiles from flat tile index `first` (row-major over the map's tile rows of
 * `tiles` tiles), 16 channels at a time, into V [N*N][count][cin]. A tile's patch is N x N,
 * tiles step by N - 2 pixels.
 */
Q8_INLINE void input_transform(int N, const q8_conv3x3_params *p, int first, int count, int tiles, int16_t *v) {
    const int cin = p->cin;
    const ptrdiff_t row_stride = p->input_row_stride;
    const size_t position_stride = (size_t)count * cin;
    for (int t = 0; t < count; t++) {
        const int ty = (first + t) / tiles, tx = (first + t) % tiles;
        const uint8_t *a = p->input + (N - 2) * ty * row_stride + (ptrdiff_t)(N - 2) * tx * cin;
        for (int c = 0; c < cin; c += 16) {
            __m256i s[6][6]; /* s[x][i]: column x after the row transform */
            Q8_UNROLL for (int x = 0; x < N; x++) {
                __m256i d[6];
                Q8_UNROLL for (int r = 0; r < N; r++)
                    d[r] = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + r * row_stride + (ptrdiff_t)x * cin + c)));
                if (N == 4) bt2(d, s[x]); else bt4(d, s[x]);
            }
            int16_t *out = v + (size_t)t * cin + c;
            Q8_UNROLL for (int i = 0; i < N; i++) {
                __m256i row[6], result[6];
                Q8_UNROLL for (int x = 0; x < N; x++) row[x] = s[x][i];
                if (N == 4) bt2(row, result); else bt4(row, result);
                Q8_UNROLL for (int j = 0; j < N; j++) _mm256_storeu_si256((__m256i *)(out + (N * i + j) * position_stride), result[j]);
            }
        }
    }
}

/* M[i] = sum over c of U'[.][c] V[tile i][c] for P tiles x 16 channels, one position. */
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

/* F(2x2) A^T of 4 values: (m0 + m1 + m2, m1 - m2 - m3). */
Q8_INLINE void at2(const __m256i m[4], __m256i out[2]) {
    out[0] = _mm256_add_epi32(_mm256_add_epi32(m[0], m[1]), m[2]);
    out[1] = _mm256_sub_epi32(_mm256_sub_epi32(m[1], m[2]), m[3]);
}

/* F(4x4) A^T of 6 values. */
Q8_INLINE void at4(const __m256i m[6], __m256i out[4]) {
    const __m256i p12 = _mm256_add_epi32(m[1], m[2]), d12 = _mm256_sub_epi32(m[1], m[2]);
    const __m256i p34 = _mm256_add_epi32(m[3], m[4]), d34 = _mm256_sub_epi32(m[3], m[4]);
    out[0] = _mm256_add_epi32(_mm256_add_epi32(m[0], p12), p34);
    out[1] = _mm256_add_epi32(d12, _mm256_slli_epi32(d34, 1));
    out[2] = _mm256_add_epi32(p12, _mm256_slli_epi32(p34, 2));
    out[3] = _mm256_add_epi32(_mm256_add_epi32(d12, _mm256_slli_epi32(d34, 3)), m[5]);
}

/*
 * A^T M A, exact division, + bias for tile t, channels 8h..8h+7: y[r][x] is output pixel (r, x)
 * of the tile. M: [N*N][tiles][16].
 */
Q8_INLINE void output_transform(int N, const int32_t *m, size_t m_position_stride, int t, int h, __m256i bias, __m256i y[4][4]) {
    const int R = N - 2;
    __m256i s[6][4]; /* s[j][r]: column j after the row transform */
    Q8_UNROLL for (int j = 0; j < N; j++) {
        __m256i column[6];
        Q8_UNROLL for (int i = 0; i < N; i++) {
            column[i] = _mm256_load_si256((const __m256i *)(m + (N * i + j) * m_position_stride + t * 16 + 8 * h));
            if (N == 6) column[i] = _mm256_mullo_epi32(column[i], _mm256_set1_epi32((int)q8_wino4_scale[6 * i + j]));
        }
        if (N == 4) at2(column, s[j]); else at4(column, s[j]);
    }
    Q8_UNROLL for (int r = 0; r < R; r++) {
        __m256i row[6], out[4];
        Q8_UNROLL for (int j = 0; j < N; j++) row[j] = s[j][r];
        if (N == 4) at2(row, out); else at4(row, out);
        Q8_UNROLL for (int x = 0; x < R; x++) y[r][x] = _mm256_add_epi32(_mm256_srai_epi32(out[x], N == 4 ? 2 : 6), bias);
    }
}

/* The kernel for N x N input patches (N = 4: F(2x2), N = 6: F(4x4)). */
Q8_INLINE void wino(int N, const q8_conv3x3_params *p, const int16_t *transformed, void *scratch, int tile_row_begin,
                    int tile_row_end) {
    const int R = N - 2, positions = N * N, cin = p->cin, tiles = p->width / R;
    const int chunk = q8_wino_chunk_tiles(positions, cin); /* tiles per chunk, across tile rows */
    int16_t *v = (int16_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    int32_t *m = (int32_t *)(v + (size_t)positions * chunk * cin);
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);
    const int end = tile_row_end * tiles;
    for (int first = tile_row_begin * tiles; first < end; first += chunk) {
        const int count = end - first < chunk ? end - first : chunk;
        const size_t position_stride = (size_t)count * cin;
        input_transform(N, p, first, count, tiles, v);
        for (int b = 0; b < blocks; b++) {
            q8_avx2_block k;
            q8_avx2_prepare_block(&k, p->bias + 16 * b, p->multiplier + 16 * b, p->shift + 16 * b);
            const int n = q8_block_channels(p->outputs, b);
            const int16_t *u = transformed + (size_t)b * positions * cin * 16;
            for (int q = 0; q < positions; q++, u += 16 * cin) {
                const int16_t *vq = v + q * position_stride;
                int32_t *mq = m + (size_t)q * count * 16;
                int t = 0;
#define Q8_TILES(P) gemm_tiles(P, vq + (size_t)t * cin, cin, u, mq + t * 16)
                for (; t + TILE <= count; t += TILE) Q8_TILES(TILE);
                switch (count - t) { /* the remainder, with its own register tile */
                case 4: Q8_TILES(4); break;
                case 3: Q8_TILES(3); break;
                case 2: Q8_TILES(2); break;
                case 1: Q8_TILES(1); break;
                default: break;
                }
#undef Q8_TILES
            }
            for (int t = 0; t < count; t++) {
                const int ty = (first + t) / tiles, tx = (first + t) % tiles;
                uint8_t *out = p->output + R * ty * p->output_row_stride + (ptrdiff_t)R * tx * p->cout + 16 * b;
                __m256i lo[4][4], hi[4][4];
                output_transform(N, m, (size_t)count * 16, t, 0, k.bias[0], lo);
                output_transform(N, m, (size_t)count * 16, t, 1, k.bias[1], hi);
                Q8_UNROLL for (int r = 0; r < R; r++)
                    Q8_UNROLL for (int x = 0; x < R; x++)
                        q8_avx2_store_pixel(out + r * p->output_row_stride + (ptrdiff_t)x * p->cout, lo[r][x], hi[r][x], &k, zero_point, n);
            }
        }
    }
}

Q8_TARGET void q8_conv3x3_wino2x2_16x5c2__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                               int tile_row_begin, int tile_row_end) {
    Q8_ASSERT_CONV3X3_WINO(p, 2, tile_row_begin, tile_row_end);
    wino(4, p, transformed, scratch, tile_row_begin, tile_row_end);
}

Q8_TARGET void q8_conv3x3_wino4x4_16x5c2__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                               int tile_row_begin, int tile_row_end) {
    Q8_ASSERT_CONV3X3_WINO(p, 4, tile_row_begin, tile_row_end);
    wino(6, p, transformed, scratch, tile_row_begin, tile_row_end);
}

#endif
