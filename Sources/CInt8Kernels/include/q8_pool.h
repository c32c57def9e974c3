/*
 * Pooling on uint8 NHWC maps (portable C; the compiler vectorizes the channel loops).
 * Numerics: Docs/Numerics.md, "Pooling". Every map is addressed by a pointer to its first
 * interior pixel and a row stride in bytes, so a map may sit inside a padded buffer.
 */
#ifndef VGG_Q8_POOL_H
#define VGG_Q8_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2x2 max-pool, stride 2, floor mode: output rows [row_begin, row_end) of the
 * (height/2) x (width/2) output, `channels` bytes per pixel. */
void q8_maxpool2x2(const uint8_t *input, ptrdiff_t input_row_stride, int width, int channels,
                   uint8_t *output, ptrdiff_t output_row_stride, int row_begin, int row_end);

/* AdaptiveAvgPool2d(output_height, output_width) with PyTorch's windows
 * (rows floor(i*H/oh) ..< ceil((i+1)*H/oh)), mean rounded half up: (sum + count/2) / count. */
void q8_adaptive_avgpool(const uint8_t *input, ptrdiff_t input_row_stride, int height, int width, int channels,
                         uint8_t *output, ptrdiff_t output_row_stride, int output_height, int output_width);

/* out[o] = clamp(((acc[o] * multiplier[o] + 2^(shift[o]-1)) >> shift[o]) + zero_point, zero_point, 255). */
void q8_requantize_vector(const int32_t *accumulators, const int32_t *multiplier, const int32_t *shift,
                          int32_t zero_point, int count, uint8_t *output);

#ifdef __cplusplus
}
#endif
#endif
