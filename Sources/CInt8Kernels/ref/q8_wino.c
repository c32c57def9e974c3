/*
 * Winograd weight transforms, portable C (run once per layer at load; see q8_kernels.h and
 * Docs/Numerics.md "Winograd, exact").
 *
 * F(2x2, 3x3): U' = G' g G'^T with G' = 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]: integers,
 * |U'| <= 9 * 127 = 1143 (a row of G' has absolute sum <= 3), so int16 holds them exactly.
 * F(4x4, 3x3): G' = DG, G's rows scaled by d = (4, 6, 6, 24, 24, 1) to integers:
 * [[1,0,0],[-1,-1,-1],[-1,1,-1],[1,2,4],[1,-2,4],[0,0,1]], |U'| <= 7 * 7 * 127 = 6223.
 */
#include "q8_kernels.h"

size_t q8_wino2x2_weights_count(int cin, int outputs) {
    return (size_t)((outputs + 15) / 16) * 16 * (size_t)cin * 16;
}

/* G' x for a column of 3: (2 x0, x0 + x1 + x2, x0 - x1 + x2, 2 x2). */
static inline void g2(int x0, int x1, int x2, int out[4]) {
    out[0] = 2 * x0;
    out[1] = x0 + x1 + x2;
    out[2] = x0 - x1 + x2;
    out[3] = 2 * x2;
}

void q8_wino2x2_transform_weights(const int8_t *packed, int cin, int outputs, int16_t *transformed) {
    const int blocks = (outputs + 15) / 16;
    const size_t block_bytes = (size_t)9 * cin * 16; /* packed: [blocks][9*cin/4][16][4] */
    const size_t position_stride = (size_t)cin * 16; /* transformed: [blocks][16 positions][cin/2][16][2] */
    for (int b = 0; b < blocks; b++) {
        const int8_t *w = packed + b * block_bytes;
        int16_t *u = transformed + (size_t)b * 16 * position_stride;
        for (int c = 0; c < cin; c++) {
            for (int o = 0; o < 16; o++) {
                int g[3][3], t[3][4], column[4];
                for (int tap = 0; tap < 9; tap++) {
                    const int k = tap * cin + c;
                    g[tap / 3][tap % 3] = w[(k / 4) * 64 + o * 4 + k % 4];
                }
                for (int e = 0; e < 3; e++) { /* t = G' g, column e of g */
                    g2(g[0][e], g[1][e], g[2][e], column);
                    for (int i = 0; i < 4; i++) t[e][i] = column[i];
                }
                int16_t *out = u + (size_t)(c / 2) * 32 + o * 2 + c % 2;
                for (int i = 0; i < 4; i++) { /* U' = t G'^T, row i of t */
                    g2(t[0][i], t[1][i], t[2][i], column);
                    for (int j = 0; j < 4; j++) out[(size_t)(i * 4 + j) * position_stride] = (int16_t)column[j];
                }
            }
        }
    }
}

/* G' x, F(4x4) rows, for a column of 3. */
static inline void g4(int x0, int x1, int x2, int out[6]) {
    out[0] = x0;
    out[1] = -x0 - x1 - x2;
    out[2] = -x0 + x1 - x2;
    out[3] = x0 + 2 * x1 + 4 * x2;
    out[4] = x0 - 2 * x1 + 4 * x2;
    out[5] = x2;
}

size_t q8_wino4x4_weights_count(int cin, int outputs) {
    return (size_t)((outputs + 15) / 16) * 36 * (size_t)cin * 16;
}

void q8_wino4x4_transform_weights(const int8_t *packed, int cin, int outputs, int16_t *transformed) {
    const int blocks = (outputs + 15) / 16;
    const size_t block_bytes = (size_t)9 * cin * 16;
    const size_t position_stride = (size_t)cin * 16; /* transformed: [blocks][36 positions][cin/2][16][2] */
    for (int b = 0; b < blocks; b++) {
        const int8_t *w = packed + b * block_bytes;
        int16_t *u = transformed + (size_t)b * 36 * position_stride;
        for (int c = 0; c < cin; c++) {
            for (int o = 0; o < 16; o++) {
                int g[3][3], t[3][6], row[6];
                for (int tap = 0; tap < 9; tap++) {
                    const int k = tap * cin + c;
                    g[tap / 3][tap % 3] = w[(k / 4) * 64 + o * 4 + k % 4];
                }
                for (int e = 0; e < 3; e++) g4(g[0][e], g[1][e], g[2][e], t[e]);
                int16_t *out = u + (size_t)(c / 2) * 32 + o * 2 + c % 2;
                for (int i = 0; i < 6; i++) {
                    g4(t[0][i], t[1][i], t[2][i], row);
                    for (int j = 0; j < 6; j++) out[(size_t)(i * 6 + j) * position_stride] = (int16_t)row[j];
                }
            }
        }
    }
}

int q8_wino4x4_weights_fit(const int8_t *packed, int cin, int outputs) {
    const int groups = 9 * cin / 4;
    for (int o = 0; o < outputs; o++) {
        const int8_t *w = packed + (size_t)(o / 16) * groups * 64 + (o % 16) * 4;
        int64_t positive = 0, negative = 0;
        for (int g = 0; g < groups; g++, w += 64) {
            for (int i = 0; i < 4; i++) {
                if (w[i] > 0) positive += w[i];
                else negative -= w[i];
            }
        }
        const int64_t largest = positive > negative ? positive : negative;
        if (largest * 255 >= ((int64_t)1 << 25)) return 0;
    }
    return 1;
}

/* V: [positions][chunk][cin] int16, then M: [positions][chunk][16] int32, chunk <= width/tile. */
size_t q8_wino2x2_scratch_bytes(int width, int cin) {
    return (size_t)16 * (size_t)(width / 2) * ((size_t)cin * 2 + 16 * 4) + 64;
}

size_t q8_wino4x4_scratch_bytes(int width, int cin) {
    return (size_t)36 * (size_t)(width / 4) * ((size_t)cin * 2 + 16 * 4) + 64;
}
