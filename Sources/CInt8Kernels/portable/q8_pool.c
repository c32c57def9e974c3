/* Pooling and vector requantization: portable C, see q8_pool.h. */
#include "q8_pool.h"
#include "q8_kernels.h"

void q8_maxpool2x2(const uint8_t *input, ptrdiff_t input_row_stride, int width, int channels,
                   uint8_t *output, ptrdiff_t output_row_stride, int row_begin, int row_end) {
    const int output_width = width / 2;
    for (int y = row_begin; y < row_end; y++) {
        const uint8_t *top = input + 2 * y * input_row_stride;
        const uint8_t *bottom = top + input_row_stride;
        uint8_t *out = output + y * output_row_stride;
        for (int x = 0; x < output_width; x++) {
            const uint8_t *a = top + 2 * x * channels, *b = a + channels;
            const uint8_t *c = bottom + 2 * x * channels, *d = c + channels;
            uint8_t *o = out + x * channels;
            for (int ch = 0; ch < channels; ch++) {
                const uint8_t ab = a[ch] > b[ch] ? a[ch] : b[ch];
                const uint8_t cd = c[ch] > d[ch] ? c[ch] : d[ch];
                o[ch] = ab > cd ? ab : cd;
            }
        }
    }
}

void q8_adaptive_avgpool(const uint8_t *input, ptrdiff_t input_row_stride, int height, int width, int channels,
                         uint8_t *output, ptrdiff_t output_row_stride, int output_height, int output_width) {
    for (int i = 0; i < output_height; i++) {
        const int y0 = i * height / output_height, y1 = ((i + 1) * height + output_height - 1) / output_height;
        for (int j = 0; j < output_width; j++) {
            const int x0 = j * width / output_width, x1 = ((j + 1) * width + output_width - 1) / output_width;
            const int count = (y1 - y0) * (x1 - x0);
            uint8_t *o = output + i * output_row_stride + (ptrdiff_t)j * channels;
            for (int ch = 0; ch < channels; ch++) {
                int sum = 0;   /* <= 255 * H * W: fine for any map the pixel limit admits */
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) sum += input[y * input_row_stride + (ptrdiff_t)x * channels + ch];
                o[ch] = (uint8_t)((sum + count / 2) / count);
            }
        }
    }
}

void q8_requantize_vector(const int32_t *accumulators, const int32_t *multiplier, const int32_t *shift,
                          int32_t zero_point, int count, uint8_t *output) {
    for (int o = 0; o < count; o++)
        output[o] = q8_requantize(accumulators[o], multiplier[o], shift[o], zero_point);
}
