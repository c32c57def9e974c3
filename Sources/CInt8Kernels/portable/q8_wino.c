/*
 * Winograd weight transforms, portable C (run once per layer at load; see q8_kernels.h and
 * Docs/Numerics.md "Winograd, exact").
 *
 * F(2x2, 3x3): U' = G' g G'^T with G' = 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]: integers,
 * |U'| <= 9 * 127 = 1143 (a row of G' has absolute sum <= 3), so int16 holds them exactly.
 * F(4x4, 3x3): G' = DG, G's rows scaled by d = (4, 6, 6, 24, 24, 1) to integers:
 * [[1,0,0],[-1,-1,-1],[-1,1,-1],[1,2,4],[1,-2,4],[0,0,1]], |U'| <= 7 * 7 * 127 = 6223.
 */
#include "../kernels_internal.h"

/* f_ij * 9^-1 mod 2^32, F(4x4) (kernels_internal.h): d_i d_j f_ij = 576 = 64 * 9. */
_Static_assert(9u * 0x38E38E39u == 1u, "0x38E38E39 is the inverse of 9 modulo 2^32");
const uint32_t q8_wino4_scale[36] = {
#define Q8_S(f) (uint32_t)((f) * 0x38E38E39u)
    Q8_S(36), Q8_S(24), Q8_S(24), Q8_S(6), Q8_S(6), Q8_S(144), Q8_S(24), Q8_S(16), Q8_S(16), Q8_S(4), Q8_S(4), Q8_S(96),
    Q8_S(24), Q8_S(16), Q8_S(16), Q8_S(4), Q8_S(4), Q8_S(96), Q8_S(6), Q8_S(4), Q8_S(4), Q8_S(1), Q8_S(1), Q8_S(24),
    Q8_S(6), Q8_S(4), Q8_S(4), Q8_S(1), Q8_S(1), Q8_S(24), Q8_S(144), Q8_S(96), Q8_S(96), Q8_S(24), Q8_S(24), Q8_S(576),
#undef Q8_S
};

size_t q8_wino_weights_count(int tile, int cin, int outputs) {
    return (size_t)((outputs + 15) / 16) * (size_t)((tile + 2) * (tile + 2)) * (size_t)cin * 16;
}

static const int g2_rows[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
static const int g4_rows[6][3] = {{1, 0, 0}, {-1, -1, -1}, {-1, 1, -1}, {1, 2, 4}, {1, -2, 4}, {0, 0, 1}};

/*
 * U' = G' g G'^T for every (output, input) channel pair, N = 4 or 6 rows of G'. Output layout
 * [blocks][N*N positions][cin/2][16][2]. Loops run over a block's 16 output channels innermost
 * (the compiler vectorizes them), and a channel pair's 16 x 2 values of a position are 64
 * contiguous bytes.
 */
static void transform(int N, const int (*rows)[3], const int8_t *packed, int cin, int outputs, int16_t *transformed) {
    const int blocks = (outputs + 15) / 16, positions = N * N;
    const size_t block_bytes = (size_t)9 * cin * 16; /* packed: [blocks][9*cin/4][16][4] */
    const size_t position_stride = (size_t)cin * 16;
    for (int b = 0; b < blocks; b++) {
        const int8_t *w = packed + b * block_bytes;
        int16_t *u = transformed + (size_t)b * positions * position_stride;
        for (int c = 0; c < cin; c++) {
            int g[3][3][16], t[6][3][16];
            for (int tap = 0; tap < 9; tap++) {
                const int k = tap * cin + c;
                const int8_t *source = w + (size_t)(k / 4) * 64 + k % 4;
                for (int o = 0; o < 16; o++) g[tap / 3][tap % 3][o] = source[4 * o];
            }
            for (int i = 0; i < N; i++) /* t = G' g */
                for (int e = 0; e < 3; e++)
                    for (int o = 0; o < 16; o++)
                        t[i][e][o] = rows[i][0] * g[0][e][o] + rows[i][1] * g[1][e][o] + rows[i][2] * g[2][e][o];
            int16_t *out = u + (size_t)(c / 2) * 32 + c % 2;
            for (int i = 0; i < N; i++) /* U' = t G'^T */
                for (int j = 0; j < N; j++)
                    for (int o = 0; o < 16; o++)
                        out[(size_t)(i * N + j) * position_stride + 2 * o] =
                            (int16_t)(rows[j][0] * t[i][0][o] + rows[j][1] * t[i][1][o] + rows[j][2] * t[i][2][o]);
        }
    }
}

void q8_wino_transform_weights(int tile, const int8_t *packed, int cin, int outputs, int16_t *transformed) {
    if (tile == 2) transform(4, g2_rows, packed, cin, outputs, transformed);
    else transform(6, g4_rows, packed, cin, outputs, transformed);
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

/* V: [positions][chunk][cin] int16, then M: [positions][chunk][16] int32 (q8_wino_chunk_tiles). */
size_t q8_wino_scratch_bytes(int tile, int cin) {
    const int positions = (tile + 2) * (tile + 2);
    return (size_t)positions * (size_t)q8_wino_chunk_tiles(positions, cin) * ((size_t)cin * 2 + 16 * 4) + 64;
}
