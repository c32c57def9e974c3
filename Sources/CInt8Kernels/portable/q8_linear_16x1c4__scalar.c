/*
 * q8_linear_16x1c4__scalar: portable C. Tile: 16 outputs (one packed block) x 1 input vector,
 * k in groups of 4. Bound: |bias| + K*127*255 < 2^31 (Docs/Numerics.md): exact int32 sums.
 */
#include "../kernels_internal.h"

void q8_linear_16x1c4__scalar(const q8_linear_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR(p, output_begin, output_end);
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int n = q8_block_channels(p->outputs, ob);
        int32_t acc[16] = {0};
        for (int i = 0; i < n; i++) acc[i] = p->bias[ob * 16 + i];
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        for (int g = 0; g < groups; g++, w += 64) {
            const uint8_t *a = p->input + 4 * g;
            for (int i = 0; i < 16; i++) {
                acc[i] += w[4 * i] * a[0] + w[4 * i + 1] * a[1] + w[4 * i + 2] * a[2] + w[4 * i + 3] * a[3];
            }
        }
        q8_linear_store_block(p->accumulators, acc, ob, output_begin, output_end);
    }
}
