/*
 * q8_conv3x3_16x1c4__scalar: portable C, the fallback for any CPU, on the packed layout of the
 * SIMD kernels. Tile: 16 channels (one packed block) x 1 pixel, k in groups of 4, read plainly.
 * Bound: |acc| <= |bias| + K*127*255 < 2^31 (the quantizer's bias bound, Docs/Numerics.md), so
 * the int32 sums are exact; channels >= outputs start at 0 and stay below K*127*255 too.
 */
#include "../kernels_internal.h"

void q8_conv3x3_16x1c4__scalar(const q8_conv3x3_params *p, int row_begin, int row_end) {
    Q8_ASSERT_CONV3X3(p, row_begin, row_end);
    const int groups = 9 * p->cin / 4; /* k-groups of 4 per output block */
    for (int y = row_begin; y < row_end; y++) {
        for (int x = 0; x < p->width; x++) {
            uint8_t *out = p->output + y * p->output_row_stride + (ptrdiff_t)x * p->cout;
            for (int ob = 0; ob * 16 < p->outputs; ob++) {
                const int n = q8_block_channels(p->outputs, ob);
                int32_t acc[16] = {0};
                for (int i = 0; i < n; i++) acc[i] = p->bias[ob * 16 + i];
                const int8_t *w = p->weights + (size_t)ob * groups * 64;
                for (int tap = 0; tap < 9; tap++) {
                    const uint8_t *a = p->input + (y + tap / 3) * p->input_row_stride + (ptrdiff_t)(x + tap % 3) * p->cin;
                    for (int c = 0; c < p->cin; c += 4, w += 64) {
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
