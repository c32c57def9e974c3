/*
 * q8_conv3x3_32x32c64__amx: conv3x3 on Intel AMX-INT8 (Sapphire Rapids and later): `tdpbusd`
 * multiplies a tile of 16 pixels x 64 activation bytes (u8) by a tile of 64 k x 16 outputs of
 * weights (s8) into 16 x 16 int32 sums, 16,384 exact products per instruction, accumulated
 * modulo 2^32 like every int32 sum here (the true sums fit: Docs/Numerics.md). So the result is
 * the direct kernels' bit for bit.
 *
 * No copies: the packed weights [O/16][K/4][16][4] are already the B tile's layout (16 rows of
 * 4-k groups x 16 outputs x 4 bytes, stride 64), and the A tile's 16 rows are 16 neighbouring
 * output pixels read straight from the bordered NHWC map: for patch row dy, pixel x's 3 taps x
 * cin channels are the 3*cin bytes from its top-left tap, and pixel x+1's start cin bytes later,
 * so a tile load with stride cin reads 16 pixels' next 64 k. That needs 3*cin to be a multiple
 * of 64, i.e. cin % 64 == 0; other layers (VGG's first, cin 4) go to the avx512vnni kernel,
 * which every AMX CPU has.
 *
 * Register tile 32 outputs x 32 pixels (c64: k in 64-byte steps): tmm0-3 the sums of 2 pixel
 * chunks x 2 output blocks, tmm4-5 the chunks' activations, tmm6-7 the blocks' weights; per
 * step 4 tile loads and 4 tdpbusd (65,536 MACs). A chunk is up to 16 pixels of one output row;
 * chunks pair within a row or across two rows (the 14- and 28-wide maps); the tile rows are
 * configured to the chunk length (the last chunk of a 56-wide row has 8). The sums go through
 * a 4 KiB stack buffer to the zmm requantization and masked stores (avx512_common.h).
 * Needs (asserted): the Q8_ASSERT_CONV3X3 contract; AMX usable (q8_cpu_features asked Linux for
 * the tile data state, arch_prctl ARCH_REQ_XCOMP_PERM).
 */
#if defined(__x86_64__)
#include "avx512_common.h"

#define Q8_TARGET_AMX __attribute__((target("amx-tile,amx-int8,avx512f,avx512bw,avx512vl")))

/* LDTILECFG's 64-byte operand (palette 1). */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} q8_tile_config;

/* tmm0-5 hold `rows` pixels (sums: 16 int32, activations: 64 bytes per row), tmm6-7 16 k-groups. */
Q8_TARGET_AMX static void configure(int rows) {
    _Alignas(64) q8_tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.rows[t] = (uint8_t)(t < 6 ? rows : 16);
        config.colsb[t] = 64;
    }
    _tile_loadconfig(&config);
}

/*
 * The sums of P pixel chunks (activations from a[0], a[1]: the chunk's first pixel's top-left
 * tap) x NB output blocks (weights from w[0], w[1]), the whole K loop, into
 * sums[2 * chunk + block][pixel][16].
 */
#define Q8_AMX_TILE(P, NB)                                                                         \
    do {                                                                                           \
        _tile_zero(0);                                                                             \
        _tile_zero(1);                                                                             \
        _tile_zero(2);                                                                             \
        _tile_zero(3);                                                                             \
        for (int dy = 0; dy < 3; dy++) {                                                           \
            const uint8_t *a0 = a[0] + dy * row_stride, *a1 = a[1] + dy * row_stride;             \
            const int8_t *w0 = w[0] + (size_t)dy * run * 16, *w1 = w[1] + (size_t)dy * run * 16;   \
            for (int kk = 0; kk < run; kk += 64) {                                                 \
                _tile_loadd(6, w0 + (size_t)kk * 16, 64);                                          \
                if (NB == 2) _tile_loadd(7, w1 + (size_t)kk * 16, 64);                             \
                _tile_loadd(4, a0 + kk, cin);                                                      \
                if (P == 2) _tile_loadd(5, a1 + kk, cin);                                          \
                _tile_dpbusd(0, 4, 6);                                                             \
                if (NB == 2) _tile_dpbusd(1, 4, 7);                                                \
                if (P == 2) _tile_dpbusd(2, 5, 6);                                                 \
                if (P == 2 && NB == 2) _tile_dpbusd(3, 5, 7);                                      \
            }                                                                                      \
        }                                                                                          \
        _tile_stored(0, sums[0], 64);                                                              \
        if (NB == 2) _tile_stored(1, sums[1], 64);                                                 \
        if (P == 2) _tile_stored(2, sums[2], 64);                                                  \
        if (P == 2 && NB == 2) _tile_stored(3, sums[3], 64);                                       \
    } while (0)

Q8_TARGET_AMX static void tile_sums(const uint8_t *const a[2], const int8_t *const w[2], int P, int NB, int cin,
                                    ptrdiff_t row_stride, int32_t sums[4][16][16]) {
    const int run = 3 * cin;
    if (P == 2 && NB == 2) Q8_AMX_TILE(2, 2);
    else if (P == 2) Q8_AMX_TILE(2, 1);
    else if (NB == 2) Q8_AMX_TILE(1, 2);
    else Q8_AMX_TILE(1, 1);
}
#undef Q8_AMX_TILE

/* Blocks of a layer whose weights fit the chunk-outer order's 256 KiB: 9 * cin * 16 * blocks <=
 * 256 KiB with cin >= 64 gives at most 28 blocks. */
enum { Q8_MAX_AMX_BLOCKS = 28 };
_Static_assert(9 * 64 * 16 * (Q8_MAX_AMX_BLOCKS + 1) > 256 * 1024, "28 blocks bound the small-weight order");

/* A chunk of output pixels: row y, pixels x .. x + n - 1. */
typedef struct {
    int y, x;
} q8_chunk;

/* One block pair's requantization constants. */
typedef struct {
    const int8_t *w[2];
    q8_avx512_block k[2];
    int count;
} q8_amx_blocks;

Q8_TARGET_AMX static void prepare_blocks(q8_amx_blocks *pair, const q8_conv3x3_params *p, int b) {
    const int groups = 9 * p->cin / 4, blocks = (p->outputs + 15) / 16;
    pair->count = b + 1 < blocks ? 2 : 1;
    for (int j = 0; j < 2; j++) pair->w[j] = p->weights + (size_t)(b + (j < pair->count ? j : 0)) * groups * 64;
    for (int j = 0; j < pair->count; j++)
        q8_avx512_prepare_block(&pair->k[j], p->bias + 16 * (b + j), p->multiplier + 16 * (b + j), p->shift + 16 * (b + j),
                                p->output_zero_point, q8_block_channels(p->outputs, b + j));
}

/* The sums of chunks c, c+1 (P of them, n pixels each) x a block pair, requantized and stored. */
Q8_TARGET_AMX static void chunk_pair(const q8_conv3x3_params *p, const q8_chunk *chunks, int c, int P, int n,
                                     const q8_amx_blocks *pair, int b) {
    _Alignas(64) int32_t sums[4][16][16];
    const uint8_t *a[2];
    for (int i = 0; i < 2; i++) {
        const q8_chunk chunk = chunks[c + (i < P ? i : 0)];
        a[i] = p->input + (ptrdiff_t)chunk.y * p->input_row_stride + (ptrdiff_t)chunk.x * p->cin;
    }
    tile_sums(a, pair->w, P, pair->count, p->cin, p->input_row_stride, sums);
    for (int i = 0; i < P; i++) {
        const q8_chunk chunk = chunks[c + i];
        for (int j = 0; j < pair->count; j++) {
            const q8_avx512_block *k = &pair->k[j];
            uint8_t *out = p->output + (ptrdiff_t)chunk.y * p->output_row_stride + (ptrdiff_t)chunk.x * p->cout + 16 * (b + j);
            for (int x = 0; x < n; x++)
                q8_avx512_store_pixel(out + (ptrdiff_t)x * p->cout, _mm512_add_epi32(_mm512_load_si512(sums[2 * i + j][x]), k->bias), k);
        }
    }
}

/*
 * `count` chunks of n pixels. Where the layer's weights are small (at most 256 KiB: cin 64 and
 * 128 with up to 128 outputs) chunk pairs go outer and every block pair inner: the weights stay
 * in L2 and each pixel's output line is written whole. Otherwise block pairs go outer (their
 * 2 x 9*cin*16 bytes stay in L2 across the chunks) and chunk pairs inner (their activation rows
 * stay in L2 across the blocks): at cin 512 chunk-outer streamed 2.4 MB of weights per 32
 * pixels (14x14x512: 329 -> 908 GMAC/s single-threaded, Benchmarks/kernels).
 */
Q8_TARGET_AMX static void run_chunks(const q8_conv3x3_params *p, const q8_chunk *chunks, int count, int n) {
    const int blocks = (p->outputs + 15) / 16;
    const size_t weight_bytes = (size_t)blocks * 9 * (size_t)p->cin * 16;
    configure(n);
    if (weight_bytes <= 256 * 1024) {
        q8_amx_blocks pairs[(Q8_MAX_AMX_BLOCKS + 1) / 2];
        for (int b = 0; b < blocks; b += 2) prepare_blocks(&pairs[b / 2], p, b);
        for (int c = 0; c < count; c += 2)
            for (int b = 0; b < blocks; b += 2) chunk_pair(p, chunks, c, c + 1 < count ? 2 : 1, n, &pairs[b / 2], b);
    } else {
        for (int b = 0; b < blocks; b += 2) {
            q8_amx_blocks pair;
            prepare_blocks(&pair, p, b);
            for (int c = 0; c < count; c += 2) chunk_pair(p, chunks, c, c + 1 < count ? 2 : 1, n, &pair, b);
        }
    }
    _tile_release();
}

Q8_TARGET_AMX void q8_conv3x3_32x32c64__amx(const q8_conv3x3_params *p, int row_begin, int row_end) {
    Q8_ASSERT_CONV3X3(p, row_begin, row_end);
    if (p->cin % 64 != 0) { /* the A tile's rows need 3*cin in 64-byte steps */
        q8_conv3x3_16x8c4__avx512vnni(p, row_begin, row_end);
        return;
    }
    /* full 16-pixel chunks of every row, then the rows' remainders (all of one length) */
    enum { BATCH = 256 }; /* chunks per pass over the weights */
    q8_chunk chunks[BATCH];
    int count = 0;
    for (int y = row_begin; y < row_end; y++) {
        for (int x = 0; x + 16 <= p->width; x += 16) {
            chunks[count++] = (q8_chunk){y, x};
            if (count == BATCH) {
                run_chunks(p, chunks, count, 16);
                count = 0;
            }
        }
    }
    if (count) run_chunks(p, chunks, count, 16);
    const int rest = p->width % 16;
    if (rest) {
        count = 0;
        for (int y = row_begin; y < row_end; y++) {
            chunks[count++] = (q8_chunk){y, p->width - rest};
            if (count == BATCH) {
                run_chunks(p, chunks, count, rest);
                count = 0;
            }
        }
        if (count) run_chunks(p, chunks, count, rest);
    }
}

#else
typedef int q8_amx_conv_unused_on_this_architecture;
#endif
