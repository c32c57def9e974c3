/*
 * q8_linear4_16x1c8__neon: ARMv8.0 NEON linear on 4-bit grouped weights. Tile: the 16 outputs of
 * a block x 1 input vector, k in 64-byte steps of 8 (the low nibbles are the 4-k group 2s, the
 * high nibbles group 2s + 1).
 *
 * u8 x u8 with the offset weight q + 8 and the per-group correction - 8 * sum a (neon_common.h).
 * Per step: 4 `ldr q` of weights, 4 `eor` + 4 `and` + 4 `ushr` (both nibbles' q + 8), 1 `ldr d` of
 * the 8 inputs, 2 `dup` (a[8s..8s+3] and a[8s+4..8s+7], each repeated over the 4 outputs of a
 * half), 1 `uaddw` (the activation sum), and 16 `umlal(2)`, 8 MACs each: 128 MACs. A lane of the
 * 8 uint16 accumulators holds one output's (k mod 4)-th products of both nibble groups, like the
 * int8 conv kernel's pair lanes. Every 8 steps (or at a group's end) `uaddlp` + `addp` fold them
 * into one uint32 lane per output.
 * Bounds: a product is at most 15 * 255 = 3825, a step adds two per uint16 lane, so 8 steps
 * reach 61,200 <= 65,535: exact; the group end (neon_common.h) is exact in int32 under
 * |bias| + K*128*255 < 2^31.
 */
#if defined(__aarch64__)
#include "neon_common.h"

_Static_assert(8 * 2 * 15 * 255 <= 65535, "8 steps of u8 x (q + 8) products fit the uint16 lanes");

void q8_linear4_16x1c8__neon(const q8_linear4_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR4(p, output_begin, output_end);
    const int steps = (p->depth + 7) / 8, steps_per_group = p->group_size / 8;
    const int groups = (steps + steps_per_group - 1) / steps_per_group;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const uint8_t *w = p->weights + (size_t)ob * steps * 64;
        const int8_t *m = p->group_multipliers + (size_t)ob * groups * 16;
        int32x4_t total[4];
        Q8_NEON_UNROLL for (int q = 0; q < 4; q++) total[q] = vdupq_n_s32(0);
        for (int s = 0; s < steps; m += 16) {
            const int group_end = s + steps_per_group < steps ? s + steps_per_group : steps;
            uint32x4_t sums[4];
            Q8_NEON_UNROLL for (int q = 0; q < 4; q++) sums[q] = vdupq_n_u32(0);
            uint32_t activation_sum = 0;
            while (s < group_end) {
                const int chunk_end = s + 8 < group_end ? s + 8 : group_end;
                /* u[2q]: outputs 4q, 4q+1 x (k mod 4); u[2q+1]: outputs 4q+2, 4q+3 */
                uint16x8_t u[8], a_sum = vdupq_n_u16(0);
                Q8_NEON_UNROLL for (int i = 0; i < 8; i++) u[i] = vdupq_n_u16(0);
                for (; s < chunk_end; s++, w += 64) {
                    const uint8x8_t a = vld1_u8(p->input + 8 * s);
                    a_sum = vaddw_u8(a_sum, a);
                    const uint8x16_t a0 = vreinterpretq_u8_u32(vdupq_lane_u32(vreinterpret_u32_u8(a), 0));
                    const uint8x16_t a1 = vreinterpretq_u8_u32(vdupq_lane_u32(vreinterpret_u32_u8(a), 1));
                    Q8_NEON_UNROLL for (int q = 0; q < 4; q++) {
                        uint8x16_t lo, hi;
                        q8_nibbles_offset(vld1q_u8(w + 16 * q), &lo, &hi);
                        u[2 * q] = vmlal_u8(vmlal_u8(u[2 * q], vget_low_u8(lo), vget_low_u8(a0)), vget_low_u8(hi), vget_low_u8(a1));
                        u[2 * q + 1] = vmlal_high_u8(vmlal_high_u8(u[2 * q + 1], lo, a0), hi, a1);
                    }
                }
                Q8_NEON_UNROLL for (int q = 0; q < 4; q++)
                    sums[q] = vaddq_u32(sums[q], vpaddq_u32(vpaddlq_u16(u[2 * q]), vpaddlq_u16(u[2 * q + 1])));
                activation_sum += vaddlvq_u16(a_sum);
            }
            q8_neon_linear4_group_end(total, sums, activation_sum, m);
        }
        q8_neon_linear_store(p->bias, p->accumulators, total, ob, output_begin, output_end);
    }
}

#else
typedef int q8_neon_linear4_unused_on_this_architecture;
#endif
