/*
 * q8_linear_16x1c4__neondot: ARMv8.2 dot product linear. Tile: the 16 outputs of a block x 1
 * input vector, k in groups of 4, four groups (16 input bytes) per step: 16 `sdot` for the
 * products on a' = a ^ 0x80 and 4 `sdot` against ones for the correction 128 * sum_k w
 * (neon_common.h). Every weight is read exactly once, so a separate correction pass would double
 * the memory traffic; the loop accumulates sum_k w from the registers it already holds (free:
 * the layer is bound by weight bandwidth). Lanes wrap; the final bias + sum w*a fits int32.
 */
#if defined(__aarch64__)
#include "neon_common.h"

Q8_TARGET_DOT void q8_linear_16x1c4__neondot(const q8_linear_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR(p, output_begin, output_end);
    const int groups = (p->depth + 3) / 4;
    const uint8x16_t flip = vdupq_n_u8(0x80);
    const int8x16_t ones = vdupq_n_s8(1);
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
        int32x4_t s0 = a0, s1 = a0, s2 = a0, s3 = a0;
        int g = 0;
#define Q8_LIN_LANE(lane)                                                                          \
    do {                                                                                           \
        const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48); \
        w += 64;                                                                                   \
        a0 = vdotq_laneq_s32(a0, w0, av, lane); s0 = vdotq_s32(s0, w0, ones);                      \
        a1 = vdotq_laneq_s32(a1, w1, av, lane); s1 = vdotq_s32(s1, w1, ones);                      \
        a2 = vdotq_laneq_s32(a2, w2, av, lane); s2 = vdotq_s32(s2, w2, ones);                      \
        a3 = vdotq_laneq_s32(a3, w3, av, lane); s3 = vdotq_s32(s3, w3, ones);                      \
    } while (0)
        for (; g + 4 <= groups; g += 4) {
            const int8x16_t av = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(p->input + 4 * g), flip));
            Q8_LIN_LANE(0);
            Q8_LIN_LANE(1);
            Q8_LIN_LANE(2);
            Q8_LIN_LANE(3);
        }
        for (; g < groups; g++) {
            const int8x16_t av = q8_load4_flip(p->input + 4 * g);
            Q8_LIN_LANE(0);
        }
#undef Q8_LIN_LANE
        const int32x4_t acc[4] = {vaddq_s32(a0, vshlq_n_s32(s0, 7)), vaddq_s32(a1, vshlq_n_s32(s1, 7)),
                                  vaddq_s32(a2, vshlq_n_s32(s2, 7)), vaddq_s32(a3, vshlq_n_s32(s3, 7))};
        q8_neon_linear_store(p->bias, p->accumulators, acc, ob, output_begin, output_end);
    }
}

#else
typedef int q8_neondot_linear_unused_on_this_architecture;
#endif
