/* Every kernel function, declared once; defined one ISA per file (ref/, x86/, arm/). */
#ifndef VGG_Q8_KERNELS_INTERNAL_H
#define VGG_Q8_KERNELS_INTERNAL_H
#include "q8_kernels.h"

void q8_conv3x3_16x4c4__scalar(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x4c4__scalar(const q8_linear_params *p, int output_begin, int output_end);

/*
 * Winograd kernels: tiles per chunk (the unit of the input transform and of one pass over the
 * transformed weights; it may span tile rows), so that a chunk's transformed input V is about
 * Q8_WINO_CHUNK_BYTES, at least 5 tiles (one register tile), in multiples of 5.
 */
#ifndef Q8_WINO_CHUNK_BYTES
#define Q8_WINO_CHUNK_BYTES (96 * 1024)
#endif
static inline int q8_wino_chunk_tiles(int positions, int cin) {
    const int tiles = Q8_WINO_CHUNK_BYTES / (positions * 2 * cin);
    return tiles < 5 ? 5 : tiles / 5 * 5;
}

#if defined(__x86_64__)
void q8_conv3x3_16x4c4__avx2(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x4c4__avx2(const q8_linear_params *p, int output_begin, int output_end);
void q8_conv3x3_16x4c4__avx2pairs(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_conv3x3_wino2x2__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch, int tile_row_begin,
                              int tile_row_end);
void q8_conv3x3_wino4x4__avx2(const q8_conv3x3_params *p, const int16_t *transformed, void *scratch, int tile_row_begin,
                              int tile_row_end);
void q8_conv3x3_16x4c4__avxvnni(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x4c4__avxvnni(const q8_linear_params *p, int output_begin, int output_end);
void q8_conv3x3_16x4c4__avx512vnni(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x4c4__avx512vnni(const q8_linear_params *p, int output_begin, int output_end);
#endif

#if defined(__aarch64__)
void q8_conv3x3_16x4c4__neon(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x4c4__neon(const q8_linear_params *p, int output_begin, int output_end);
void q8_conv3x3_16x4c4__neondot(const q8_conv3x3_params *p, int row_begin, int row_end);
void q8_linear_16x4c4__neondot(const q8_linear_params *p, int output_begin, int output_end);
#endif

#endif
