/*
 * q8_linear4_16x1c8__scalar: portable C linear on 4-bit grouped weights. Tile: 16 outputs (one
 * packed block) x 1 input vector, k in 64-byte steps of 8 (the low nibbles are the 4-k group 2s,
 * the high nibbles group 2s + 1). Per group: a partial sum of q * a, then acc += m * partial.
 * Bound: |bias| + K*128*255 < 2^31 (|q * m| <= 128, Docs/Numerics.md): exact int32 sums.
 */
#include "../kernels_internal.h"

void q8_linear4_16x1c8__scalar(const q8_linear4_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR4(p, output_begin, output_end);
    const int steps = (p->depth + 7) / 8, steps_per_group = p->group_size / 8;
    const int groups = (steps + steps_per_group - 1) / steps_per_group;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int n = q8_block_channels(p->outputs, ob);
        int32_t acc[16] = {0};
        for (int i = 0; i < n; i++) acc[i] = p->bias[ob * 16 + i];
        const uint8_t *w = p->weights + (size_t)ob * steps * 64;
        const int8_t *m = p->group_multipliers + (size_t)ob * groups * 16;
        for (int g = 0; g < groups; g++, m += 16) {
            int32_t partial[16] = {0};
            const int end = (g + 1) * steps_per_group < steps ? (g + 1) * steps_per_group : steps;
            for (int s = g * steps_per_group; s < end; s++, w += 64) {
                const uint8_t *a = p->input + 8 * s;
                for (int i = 0; i < 16; i++)
                    for (int j = 0; j < 4; j++) {
                        const uint8_t byte = w[4 * i + j];
                        const int lo = (int)(byte & 15) - ((byte & 8) << 1), hi = (int)(byte >> 4) - ((byte & 128) >> 3);
                        partial[i] += lo * a[j] + hi * a[4 + j];
                    }
            }
            for (int i = 0; i < 16; i++) acc[i] += m[i] * partial[i];
        }
        q8_linear_store_block(p->accumulators, acc, ob, output_begin, output_end);
    }
}
