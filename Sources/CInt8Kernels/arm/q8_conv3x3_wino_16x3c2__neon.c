/*
 * q8_conv3x3_wino2x2_16x3c2__neon, q8_conv3x3_wino4x4_16x3c2__neon: ARMv8.0 NEON conv3x3 by
 * Winograd F(2x2, 3x3) and F(4x4, 3x3) in int16, exact. The arithmetic is that of the AVX2
 * Winograd kernels (x86/q8_conv3x3_wino_16x5c2__avx2.c; Docs/Numerics.md, "Winograd, exact"):
 * the same transformed weights U' (portable/q8_wino.c, [blocks][positions][cin/2][16][2]), the
 * same input transform B^T d B of the uint8 input (|V| <= 1020 for F(2x2), <= 25,500 for F(4x4):
 * int16), the same sums modulo 2^32, the same F(4x4) scaling (q8_wino4_scale) and exact shifts.
 * Results are bit-identical to the direct kernels'.
 *
 * The GEMM (the time): `smlal`/`smlal2` multiply 4 int16 pairs into int32 lanes. A channel pair's
 * weights for 4 outputs are one q register (o c0, o c1, o+1 c0, o+1 c1, ...), the tile's two
 * values (v c0, v c1) are repeated over a q register (`ld1r` of 32 bits), so lane 2o + e holds
 * the channel-parity-e half of output o's sum; `addp` joins the halves at the end. Products are
 * below 6223 * 25,500 < 2^31 and the lanes wrap like every int32 sum here (modulo 2^32, exact as
 * above). Per tile and channel pair: 8 multiply instructions for 32 MACs, 4 `ldr q` of weights
 * shared by the register tile's tiles, 1 `ld1r` per tile.
 *
 * GEMM register tile: 16 channels x 3 tiles, over cin in channel pairs (c2): 24 accumulators +
 * 4 weight + 3 value registers of the 32. On the Cortex-A72 every integer multiply issues on F0,
 * one per cycle, so the loop is bound at 4 int16 MACs per cycle: F(4x4)'s 36 products for 16
 * outputs stand for 144 direct MACs (16 per cycle against the direct neon kernel's 8); F(2x2)'s
 * 16 for 36 (9 per cycle). Docs/Kernels.md has the llvm-mca estimate and the dispatch order.
 *
 * Per thread (whole tile rows), in chunks of tiles (q8_wino_chunk_tiles): (1) the input transform
 * of the chunk into the scratch V [positions][tiles][cin] int16, 8 channels at a time; (2) per
 * 16-channel output block and position, the GEMM into the scratch M [positions][tiles][16]
 * int32; (3) per tile, the output transform into a 16-pixel buffer, requantization and the stores.
 * Needs (asserted): width and height multiples of the tile (2 or 4), cin a multiple of 16.
 */
#if defined(__aarch64__)
#include "neon_common.h"

enum { TILE = 3 };

/* F(2x2) B^T of 4 values. */
Q8_INLINE void bt2(const int16x8_t d[4], int16x8_t out[4]) {
    out[0] = vsubq_s16(d[0], d[2]);
    out[1] = vaddq_s16(d[1], d[2]);
    out[2] = vsubq_s16(d[2], d[1]);
    out[3] = vsubq_s16(d[1], d[3]);
}

/* F(4x4) B^T of 6 values (|out| <= 10 max|d|). */
Q8_INLINE void bt4(const int16x8_t d[6], int16x8_t out[6]) {
    const int16x8_t four_d1_d2 = vshlq_n_s16(vaddq_s16(d[1], d[2]), 2);
    const int16x8_t four_d1m_d2 = vshlq_n_s16(vsubq_s16(d[1], d[2]), 2);
    const int16x8_t two_d3m_d1 = vshlq_n_s16(vsubq_s16(d[3], d[1]), 1);
    const int16x8_t d4m_d2 = vsubq_s16(d[4], d[2]);
    /* 4 d0 - 5 d2 + d4 = 4 (d0 - d2) + (d4 - d2) */
    out[0] = vaddq_s16(vshlq_n_s16(vsubq_s16(d[0], d[2]), 2), d4m_d2);
    out[1] = vsubq_s16(vaddq_s16(d[3], d[4]), four_d1_d2);
    out[2] = vaddq_s16(vsubq_s16(d[4], d[3]), four_d1m_d2);
    out[3] = vaddq_s16(d4m_d2, two_d3m_d1);
    out[4] = vsubq_s16(d4m_d2, two_d3m_d1);
    /* 4 d1 - 5 d3 + d5 = 4 (d1 - d3) + (d5 - d3) */
    out[5] = vaddq_s16(vshlq_n_s16(vsubq_s16(d[1], d[3]), 2), vsubq_s16(d[5], d[3]));
}

/*
 * B^T d B for `count` tiles from flat tile index `first` (row-major over the map's tile rows of
 * `tiles` tiles), 8 channels at a time, into V [N*N][count][cin]. A tile's patch is N x N,
 * tiles step by N - 2 pixels.
 */
Q8_INLINE void input_transform(int N, const q8_conv3x3_params *p, int first, int count, int tiles, int16_t *v) {
    const int cin = p->cin;
    const ptrdiff_t row_stride = p->input_row_stride;
    const size_t position_stride = (size_t)count * cin;
    for (int t = 0; t < count; t++) {
        const int ty = (first + t) / tiles, tx = (first + t) % tiles;
        const uint8_t *a = p->input + (N - 2) * ty * row_stride + (ptrdiff_t)(N - 2) * tx * cin;
        for (int c = 0; c < cin; c += 8) {
            int16x8_t s[6][6]; /* s[x][i]: column x after the row transform */
            _Pragma("GCC unroll 6") for (int x = 0; x < N; x++) {
                int16x8_t d[6];
                _Pragma("GCC unroll 6") for (int r = 0; r < N; r++)
                    d[r] = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(a + r * row_stride + (ptrdiff_t)x * cin + c)));
                if (N == 4) bt2(d, s[x]); else bt4(d, s[x]);
            }
            int16_t *out = v + (size_t)t * cin + c;
            _Pragma("GCC unroll 6") for (int i = 0; i < N; i++) {
                int16x8_t row[6], result[6];
                _Pragma("GCC unroll 6") for (int x = 0; x < N; x++) row[x] = s[x][i];
                if (N == 4) bt2(row, result); else bt4(row, result);
                _Pragma("GCC unroll 6") for (int j = 0; j < N; j++) vst1q_s16(out + (N * i + j) * position_stride, result[j]);
            }
        }
    }
}

/* M[i] = sum over c of U'[.][c] V[tile i][c] for P tiles x 16 channels, one position. */
Q8_INLINE void gemm_tiles(const int P, const int16_t *v, int cin, const int16_t *u, int32_t *m) {
    const int pairs = cin / 2;
    int32x4_t acc[TILE][8]; /* acc[i][2q + h]: outputs 4q + 2h, 4q + 2h + 1, by channel parity */
    _Pragma("GCC unroll 3") for (int i = 0; i < P; i++)
        _Pragma("GCC unroll 8") for (int h = 0; h < 8; h++) acc[i][h] = vdupq_n_s32(0);
    for (int c = 0; c < pairs; c++, u += 32) {
        int16x8_t w[4]; /* outputs 4q..4q+3 x the pair's 2 channels */
        _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) w[q] = vld1q_s16(u + 8 * q);
        _Pragma("GCC unroll 3") for (int i = 0; i < P; i++) {
            int32_t pair;
            memcpy(&pair, v + (size_t)i * cin + 2 * c, 4);
            const int16x8_t b = vreinterpretq_s16_s32(vdupq_n_s32(pair));
            _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) {
                acc[i][2 * q] = vmlal_s16(acc[i][2 * q], vget_low_s16(w[q]), vget_low_s16(b));
                acc[i][2 * q + 1] = vmlal_high_s16(acc[i][2 * q + 1], w[q], b);
            }
        }
    }
    _Pragma("GCC unroll 3") for (int i = 0; i < P; i++)
        _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) vst1q_s32(m + i * 16 + 4 * q, vpaddq_s32(acc[i][2 * q], acc[i][2 * q + 1]));
}

/* F(2x2) A^T of 4 values: (m0 + m1 + m2, m1 - m2 - m3). */
Q8_INLINE void at2(const int32x4_t m[4], int32x4_t out[2]) {
    out[0] = vaddq_s32(vaddq_s32(m[0], m[1]), m[2]);
    out[1] = vsubq_s32(vsubq_s32(m[1], m[2]), m[3]);
}

/* F(4x4) A^T of 6 values. */
Q8_INLINE void at4(const int32x4_t m[6], int32x4_t out[4]) {
    const int32x4_t p12 = vaddq_s32(m[1], m[2]), d12 = vsubq_s32(m[1], m[2]);
    const int32x4_t p34 = vaddq_s32(m[3], m[4]), d34 = vsubq_s32(m[3], m[4]);
    out[0] = vaddq_s32(vaddq_s32(m[0], p12), p34);
    out[1] = vaddq_s32(d12, vshlq_n_s32(d34, 1));
    out[2] = vaddq_s32(p12, vshlq_n_s32(p34, 2));
    out[3] = vaddq_s32(vaddq_s32(d12, vshlq_n_s32(d34, 3)), m[5]);
}

/*
 * A^T M A, exact division, + bias for tile t, channels 4g..4g+3 into y[(r * R + x) * 16 + 4g]
 * (output pixel (r, x) of the tile). M: [N*N][tiles][16].
 */
Q8_INLINE void output_transform(int N, const int32_t *m, size_t m_position_stride, int t, int g, int32x4_t bias, int32_t *y) {
    const int R = N - 2;
    int32x4_t s[6][4]; /* s[j][r]: column j after the row transform */
    _Pragma("GCC unroll 6") for (int j = 0; j < N; j++) {
        int32x4_t column[6];
        _Pragma("GCC unroll 6") for (int i = 0; i < N; i++) {
            column[i] = vld1q_s32(m + (N * i + j) * m_position_stride + t * 16 + 4 * g);
            if (N == 6) column[i] = vmulq_s32(column[i], vdupq_n_s32((int32_t)q8_wino4_scale[6 * i + j]));
        }
        if (N == 4) at2(column, s[j]); else at4(column, s[j]);
    }
    _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {
        int32x4_t row[6], out[4];
        _Pragma("GCC unroll 6") for (int j = 0; j < N; j++) row[j] = s[j][r];
        if (N == 4) at2(row, out); else at4(row, out);
        _Pragma("GCC unroll 4") for (int x = 0; x < R; x++) {
            const int32x4_t exact = N == 4 ? vshrq_n_s32(out[x], 2) : vshrq_n_s32(out[x], 6);
            vst1q_s32(y + (r * R + x) * 16 + 4 * g, vaddq_s32(exact, bias));
        }
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
    const int end = tile_row_end * tiles;
    for (int first = tile_row_begin * tiles; first < end; first += chunk) {
        const int count = end - first < chunk ? end - first : chunk;
        const size_t position_stride = (size_t)count * cin;
        input_transform(N, p, first, count, tiles, v);
        for (int b = 0; b < blocks; b++) {
            q8_neon_block k; /* requantization constants only: no direct weights or start values */
            k.multiplier = p->multiplier + 16 * b;
            k.shift = p->shift + 16 * b;
            k.zero_point = vdupq_n_s32(p->output_zero_point);
            k.n = q8_block_channels(p->outputs, b);
            const int16_t *u = transformed + (size_t)b * positions * cin * 16;
            for (int q = 0; q < positions; q++, u += 16 * cin) {
                const int16_t *vq = v + q * position_stride;
                int32_t *mq = m + (size_t)q * count * 16;
                int t = 0;
                for (; t + TILE <= count; t += TILE) gemm_tiles(TILE, vq + (size_t)t * cin, cin, u, mq + t * 16);
                switch (count - t) { /* the remainder, with its own register tile */
                case 2: gemm_tiles(2, vq + (size_t)t * cin, cin, u, mq + t * 16); break;
                case 1: gemm_tiles(1, vq + (size_t)t * cin, cin, u, mq + t * 16); break;
                default: break;
                }
            }
            for (int t = 0; t < count; t++) {
                const int ty = (first + t) / tiles, tx = (first + t) % tiles;
                uint8_t *out = p->output + R * ty * p->output_row_stride + (ptrdiff_t)R * tx * p->cout + 16 * b;
                int32_t y[16 * 16]; /* the tile's R x R pixels x 16 channels, bias added */
                _Pragma("GCC unroll 1") for (int g = 0; g < 4; g++) /* a loop: 4 copies only grow the code */
                    output_transform(N, m, (size_t)count * 16, t, g, vld1q_s32(p->bias + 16 * b + 4 * g), y);
                for (int r = 0; r < R; r++)
                    for (int x = 0; x < R; x++) {
                        const int32_t *pixel = y + (r * R + x) * 16;
                        const int32x4_t acc[4] = {vld1q_s32(pixel), vld1q_s32(pixel + 4), vld1q_s32(pixel + 8), vld1q_s32(pixel + 12)};
                        q8_store_pixel(out + r * p->output_row_stride + (ptrdiff_t)x * p->cout, acc, &k);
                    }
            }
        }
    }
}

void q8_conv3x3_wino2x2_16x3c2__neon(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch, int tile_row_begin,
                                     int tile_row_end) {
    Q8_ASSERT_CONV3X3_WINO(p, 2, tile_row_begin, tile_row_end);
    wino(4, p, transformed, scratch, tile_row_begin, tile_row_end);
}

void q8_conv3x3_wino4x4_16x3c2__neon(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch, int tile_row_begin,
                                     int tile_row_end) {
    Q8_ASSERT_CONV3X3_WINO(p, 4, tile_row_begin, tile_row_end);
    wino(6, p, transformed, scratch, tile_row_begin, tile_row_end);
}

#endif
