/* Portable C: the fallback for any CPU, on the same packed layout as the SIMD kernels. */
#include "../kernels_internal.h"

void q8_conv3x3_16x4c4__scalar(const q8_conv3x3_params *p, int row_begin, int row_end) {
    const int groups = 9 * p->cin / 4;          /* k-groups of 4 per output block */
    for (int y = row_begin; y < row_end; y++) {
        for (int x = 0; x < p->width; x++) {
            uint8_t *out = p->output + y * p->output_row_stride + (ptrdiff_t)x * p->cout;
            for (int ob = 0; ob * 16 < p->outputs; ob++) {
                const int n = p->outputs - ob * 16 < 16 ? p->outputs - ob * 16 : 16;
                int32_t acc[16] = {0};
                for (int i = 0; i < n; i++) acc[i] = p->bias[ob * 16 + i];
                const int8_t *w = p->weights + (size_t)ob * groups * 64;
                for (int tap = 0; tap < 9; tap++) {
                    const uint8_t *a = p->input + (y + tap / 3) * p->input_row_stride + (ptrdiff_t)(x + tap % 3) * p->cin;
                    for (int c = 0; c < p->cin; c += 4, w += 64) {
                        /* |acc| <= |bias| + K*127*255 < 2^31 (the quantizer's bias bound). */
                        for (int i = 0; i < 16; i++) {
                            acc[i] += w[4 * i] * a[c] + w[4 * i + 1] * a[c + 1] + w[4 * i + 2] * a[c + 2] + w[4 * i + 3] * a[c + 3];
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    const int o = ob * 16 + i;
                    out[o] = q8_requantize(acc[i], p->multiplier[o], p->shift[o], p->output_zero_point);
                }
            }
        }
    }
}

void q8_linear_16x4c4__scalar(const q8_linear_params *p, int output_begin, int output_end) {
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        int32_t acc[16];
        for (int i = 0; i < 16; i++) acc[i] = 0;
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        for (int g = 0; g < groups; g++, w += 64) {
            const uint8_t *a = p->input + 4 * g;
            for (int i = 0; i < 16; i++) {
                acc[i] += w[4 * i] * a[0] + w[4 * i + 1] * a[1] + w[4 * i + 2] * a[2] + w[4 * i + 3] * a[3];
            }
        }
        for (int i = 0; i < 16; i++) {
            const int o = ob * 16 + i;
            if (o >= output_begin && o < output_end) p->accumulators[o] = p->bias[o] + acc[i];
        }
    }
}
