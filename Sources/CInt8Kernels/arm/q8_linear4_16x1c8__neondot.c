/*
 * q8_linear4_16x1c8__neondot: ARMv8.2 dot product linear on 4-bit grouped weights. Tile: the 16
 * outputs of a block x 1 input vector, k in 64-byte steps of 8, two steps (16 input bytes) per
 * iteration.
 *
 * `udot` (u8 x u8 -> uint32, the dotprod extension's unsigned form) on the offset weight q + 8 and
 * the raw activations, with the per-group correction - 8 * sum a (neon_common.h): no a ^ 0x80 and
 * no per-output weight sums, as one number per group serves all 16 outputs. Per step: 4 `ldr q`
 * of weights, 4 `eor` + 4 `and` + 4 `ushr` (both nibbles' q + 8), 8 `udot` by element (the low
 * nibbles against a[8s..8s+3], the high against a[8s+4..8s+7]): 128 MACs; per two steps 1 `ldr q`
 * of the input and 1 `udot` against ones (the activation sum).
 * Bounds: a `udot` adds at most 4 * 15 * 255 per lane; the group sums and the group end
 * (neon_common.h) are exact under |bias| + K*128*255 < 2^31.
 */
#if defined(__aarch64__)
#include "neon_common.h"

Q8_TARGET_DOT void q8_linear4_16x1c8__neondot(const q8_linear4_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR4(p, output_begin, output_end);
    const int steps = (p->depth + 7) / 8, steps_per_group = p->group_size / 8;
    const int groups = (steps + steps_per_group - 1) / steps_per_group;
    const uint8x16_t ones = vdupq_n_u8(1);
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const uint8_t *w = p->weights + (size_t)ob * steps * 64;
        const int8_t *m = p->group_multipliers + (size_t)ob * groups * 16;
        int32x4_t total[4];
        Q8_NEON_UNROLL for (int q = 0; q < 4; q++) total[q] = vdupq_n_s32(0);
        for (int s = 0; s < steps; m += 16) {
            const int group_end = s + steps_per_group < steps ? s + steps_per_group : steps;
            uint32x4_t sums[4], a_sum = vdupq_n_u32(0);
            Q8_NEON_UNROLL for (int q = 0; q < 4; q++) sums[q] = vdupq_n_u32(0);
/* one step: its 64 weight bytes against input dwords `lane` (low nibbles) and lane + 1 (high) of av */
#define Q8_LIN4_STEP(lane)                                                                         \
    do {                                                                                           \
        Q8_NEON_UNROLL for (int q = 0; q < 4; q++) {                                               \
            uint8x16_t lo, hi;                                                                     \
            q8_nibbles_offset(vld1q_u8(w + 16 * q), &lo, &hi);                                     \
            sums[q] = vdotq_laneq_u32(vdotq_laneq_u32(sums[q], lo, av, lane), hi, av, (lane) + 1); \
        }                                                                                          \
        w += 64;                                                                                   \
    } while (0)
            for (; s + 2 <= group_end; s += 2) {
                const uint8x16_t av = vld1q_u8(p->input + 8 * s);
                a_sum = vdotq_u32(a_sum, av, ones);
                Q8_LIN4_STEP(0);
                Q8_LIN4_STEP(2);
            }
            if (s < group_end) { /* an odd step: 8 input bytes (the input ends at roundUp(depth, 8)) */
                const uint8x16_t av = vcombine_u8(vld1_u8(p->input + 8 * s), vdup_n_u8(0));
                a_sum = vdotq_u32(a_sum, av, ones);
                Q8_LIN4_STEP(0);
                s++;
            }
#undef Q8_LIN4_STEP
            q8_neon_linear4_group_end(total, sums, vaddvq_u32(a_sum), m);
        }
        q8_neon_linear_store(p->bias, p->accumulators, total, ob, output_begin, output_end);
    }
}

#else
typedef int q8_neondot_linear4_unused_on_this_architecture;
#endif
