/*
 * Every kernel function, declared once; defined one kernel per file (portable/, x86/, arm/;
 * Docs/Kernels.md has the families). Also the few plain-C parts every ISA shares: the entry
 * contracts (asserted), a block's channel count and the linear kernels' output tail.
 */
#ifndef VGG_Q8_KERNELS_INTERNAL_H
#define VGG_Q8_KERNELS_INTERNAL_H
#include <assert.h>
#include <string.h>

#include "q8_kernels.h"

void q8_conv3x3_16x1c4__scalar(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x1c4__scalar(const q8_linear_params *p, int output_begin, int output_end);
void q8_linear4_16x1c8__scalar(const q8_linear4_params *p, int output_begin, int output_end);

/*
 * Winograd kernels: tiles per chunk (the unit of the input transform and of one pass over the
 * transformed weights; it may span tile rows), so that a chunk's transformed input V is about
 * Q8_WINO_CHUNK_BYTES, at least 5 tiles, in multiples of 5. Every chunk reads all of a layer's
 * transformed weights U once. x86: 96 KiB (256 KiB to 1 MiB measured slower at 2 threads). AArch64:
 * 192 KiB, from the Pi 4 model (Docs/Performance.md, "ARM boards"): its U comes from DRAM at
 * ~4 GB/s, so fewer passes pay, while the 4 cores' chunks still fit the A72's shared 1 MB L2.
 */
#ifndef Q8_WINO_CHUNK_BYTES
#if defined(__aarch64__)
#define Q8_WINO_CHUNK_BYTES (192 * 1024) /* aarch64 */
#else
#define Q8_WINO_CHUNK_BYTES (96 * 1024)
#endif
#endif
static inline int q8_wino_chunk_tiles(int positions, int cin) {
    const int tiles = Q8_WINO_CHUNK_BYTES / (positions * 2 * cin);
    return tiles < 5 ? 5 : tiles / 5 * 5;
}

/*
 * Winograd F(4x4) output scaling (portable/q8_wino.c), shared by every ISA's kernel: transformed
 * position (i, j) holds d_i d_j times its true product sum (d = 4, 6, 6, 24, 24, 1, the rows of
 * G' = DG); times q8_wino4_scale[6i + j] = (576 / (d_i d_j)) * 9^-1 mod 2^32 it is 64 times the
 * true value modulo 2^32, so the output transform yields 64 * sum and >> 6 is exact.
 */
extern const uint32_t q8_wino4_scale[36];

#if defined(__x86_64__)
void q8_conv3x3_8x6c4_16x3c4__avx2(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x1c4__avx2(const q8_linear_params *p, int output_begin, int output_end);
void q8_linear4_16x1c8__avx2(const q8_linear4_params *p, int output_begin, int output_end);
void q8_conv3x3_16x5c4__avx2pairs(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_conv3x3_wino2x2_16x5c2__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                     int tile_row_begin, int tile_row_end);
void q8_conv3x3_wino4x4_16x5c2__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                     int tile_row_begin, int tile_row_end);
void q8_conv3x3_16x6c4__avxvnni(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x1c4__avxvnni(const q8_linear_params *p, int output_begin, int output_end);
void q8_linear4_16x1c8__avxvnni(const q8_linear4_params *p, int output_begin, int output_end);
void q8_conv3x3_16x8c4__avx512vnni(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x1c4__avx512vnni(const q8_linear_params *p, int output_begin, int output_end);
void q8_linear4_16x1c8__avx512vnni(const q8_linear4_params *p, int output_begin, int output_end);
long long q8_peak__avx2(long iterations);
long long q8_peak__avx2pairs(long iterations);
long long q8_peak__avxvnni(long iterations);
long long q8_peak__avx512vnni(long iterations);
void q8_conv3x3_32x32c64__amx(const q8_conv3x3_params *p, int row_begin, int row_end);
long long q8_peak__amx(long iterations);
#endif

#if defined(__aarch64__)
void q8_conv3x3_16x2c4__neon(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x1c4__neon(const q8_linear_params *p, int output_begin, int output_end);
void q8_linear4_16x1c8__neon(const q8_linear4_params *p, int output_begin, int output_end);
void q8_conv3x3_16x4c4__neondot(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x1c4__neondot(const q8_linear_params *p, int output_begin, int output_end);
void q8_linear4_16x1c8__neondot(const q8_linear4_params *p, int output_begin, int output_end);
void q8_conv3x3_wino2x2_16x3c2__neon(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                     int tile_row_begin, int tile_row_end);
void q8_conv3x3_wino4x4_16x3c2__neon(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch,
                                     int tile_row_begin, int tile_row_end);
long long q8_peak__neon(long iterations);
long long q8_peak__neonwino(long iterations);
long long q8_peak__neondot(long iterations);
#endif

/*
 * The contracts of q8_kernels.h, asserted at every kernel's entry (a macro, so that a failure
 * names the kernel). SwiftPM's release builds of C targets define no NDEBUG: they stay on
 * there too, at the cost of a few compares per call.
 */
#define Q8_ASSERT_CONV3X3(p, row_begin, row_end)                                                    \
    do {                                                                                            \
        assert((p)->cin >= 4 && (p)->cin % 4 == 0); /* the packed layout's 4-k groups */            \
        assert((p)->width >= 1);                                                                    \
        assert((p)->outputs >= 1 && (p)->cout >= (p)->outputs);                                     \
        assert((p)->input_row_stride >= (ptrdiff_t)((p)->width + 2) * (p)->cin);                    \
        assert((p)->output_row_stride >= (ptrdiff_t)(p)->width * (p)->cout);                        \
        assert(0 <= (row_begin) && (row_begin) <= (row_end));                                       \
    } while (0)

/* Winograd: whole tiles across, cin in 16s (q8_conv3x3_wino_fn); rows are tile rows. */
#define Q8_ASSERT_CONV3X3_WINO(p, tile, tile_row_begin, tile_row_end)                               \
    do {                                                                                            \
        Q8_ASSERT_CONV3X3(p, tile_row_begin, tile_row_end);                                         \
        assert((p)->width % (tile) == 0);                                                           \
        assert((p)->cin % 16 == 0);                                                                 \
    } while (0)

/* Output ranges start at a 16-block (the runtime's unit) and end at one or at `outputs`. */
#define Q8_ASSERT_LINEAR(p, output_begin, output_end)                                               \
    do {                                                                                            \
        assert((p)->depth >= 1 && (p)->outputs >= 1);                                               \
        assert(0 <= (output_begin) && (output_begin) <= (output_end) && (output_end) <= (p)->outputs); \
        assert((output_begin) % 16 == 0);                                                           \
    } while (0)

/* linear4: the q8_linear_fn contract, plus group_size a positive multiple of 8. */
#define Q8_ASSERT_LINEAR4(p, output_begin, output_end)                                              \
    do {                                                                                            \
        Q8_ASSERT_LINEAR(p, output_begin, output_end);                                              \
        assert((p)->group_size >= 8 && (p)->group_size % 8 == 0);                                   \
    } while (0)

/* Channels of 16-channel block `block` that exist (< outputs): 16 but in the last block. */
static inline int q8_block_channels(int outputs, int block) {
    return outputs - 16 * block < 16 ? outputs - 16 * block : 16;
}

/* Linear kernels: writes sums[i] (block `block`'s output 16*block + i, bias included) for the
 * outputs in [output_begin, output_end); the others are left untouched. */
static inline void q8_linear_store_block(int32_t *accumulators, const int32_t sums[16], int block, int output_begin,
                                         int output_end) {
    const int lo = 16 * block > output_begin ? 16 * block : output_begin;
    const int hi = 16 * block + 16 < output_end ? 16 * block + 16 : output_end;
    memcpy(accumulators + lo, sums + (lo - 16 * block), (size_t)(hi - lo) * sizeof(int32_t));
}

#endif
