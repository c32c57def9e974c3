/*
 * q8_linear_16x1c4__neon: ARMv8.0 NEON linear. Tile: the 16 outputs of a block x 1 input vector,
 * k in groups of 4 (two per step).
 *
 * Every weight is used once, so the conv kernels' correction pass would double the weight
 * traffic; instead u8 x s8 exactly via 16-bit widening: `ld4` de-interleaves a 64-byte group
 * into 4 vectors (one per k, 16 outputs each), `sxtl` widens them, `uxtl` widens the input, and
 * `smlal(2) v.4s, w.4h, a.h[k]` accumulates 4 MACs per instruction (16 per group and k-step of
 * 4: 64 MACs in 16 smlal + 8 sxtl + 1 ld4). Products are at most 255*127: exact in int32, and
 * |bias| + K*127*255 < 2^31 (Docs/Numerics.md). Two accumulator sets (even / odd k) keep the
 * smlal dependency chains short.
 */
#if defined(__aarch64__)
#include "neon_common.h"

#define Q8_LIN_K(wv, xa, lane, A)                                                                  \
    do {                                                                                           \
        const int16x8_t wl = vmovl_s8(vget_low_s8(wv)), wh = vmovl_high_s8(wv);                    \
        A[0] = vmlal_laneq_s16(A[0], vget_low_s16(wl), xa, lane);                                  \
        A[1] = vmlal_high_laneq_s16(A[1], wl, xa, lane);                                           \
        A[2] = vmlal_laneq_s16(A[2], vget_low_s16(wh), xa, lane);                                  \
        A[3] = vmlal_high_laneq_s16(A[3], wh, xa, lane);                                           \
    } while (0)

#define Q8_LIN_GROUP(xa, l0)                                                                       \
    do {                                                                                           \
        const int8x16x4_t wv = vld4q_s8(w); /* wv.val[j] = w[o][k_j], o = 0..15 */                 \
        w += 64;                                                                                   \
        Q8_LIN_K(wv.val[0], xa, (l0) + 0, e);                                                      \
        Q8_LIN_K(wv.val[1], xa, (l0) + 1, d);                                                      \
        Q8_LIN_K(wv.val[2], xa, (l0) + 2, e);                                                      \
        Q8_LIN_K(wv.val[3], xa, (l0) + 3, d);                                                      \
    } while (0)

void q8_linear_16x1c4__neon(const q8_linear_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR(p, output_begin, output_end);
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        int32x4_t e[4], d[4]; /* even and odd k */
        for (int q = 0; q < 4; q++) e[q] = d[q] = vdupq_n_s32(0);
        int g = 0;
        for (; g + 2 <= groups; g += 2) {
            const int16x8_t xa = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(p->input + 4 * g)));
            Q8_LIN_GROUP(xa, 0);
            Q8_LIN_GROUP(xa, 4);
        }
        if (g < groups) {
            uint32_t t;
            memcpy(&t, p->input + 4 * g, 4);
            const int16x8_t xa = vreinterpretq_s16_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(t))));
            Q8_LIN_GROUP(xa, 0);
        }
        int32x4_t acc[4];
        for (int q = 0; q < 4; q++) acc[q] = vaddq_s32(e[q], d[q]);
        q8_neon_linear_store(p->bias, p->accumulators, acc, ob, output_begin, output_end);
    }
}
#undef Q8_LIN_GROUP
#undef Q8_LIN_K

#else
typedef int q8_neon_linear_unused_on_this_architecture;
#endif
