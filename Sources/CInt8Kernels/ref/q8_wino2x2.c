/*
 * Winograd F(2x2, 3x3) weight transform, portable C (run once per layer at load; see
 * q8_kernels.h and Docs/Numerics.md "Winograd F(2x2, 3x3), exact").
 *
 * U' = G' g G'^T with G' = 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]: integers, |U'| <= 9 * 127
 * = 1143 (a row of G' has absolute sum <= 3), so int16 holds them exactly.
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

size_t q8_wino2x2_scratch_bytes(int width, int cin) {
    /* V: [16][width/2 tiles][cin] int16, then M: [16][width/2 tiles][16] int32 */
    return (size_t)16 * (size_t)(width / 2) * ((size_t)cin * 2 + 16 * 4) + 64;
}
