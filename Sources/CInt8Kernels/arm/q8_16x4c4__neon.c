/*
 * ARMv8.0 NEON kernels (any AArch64 CPU) on the packed [O/16][K/4][16][4] layout.
 *
 * conv3x3: 8-bit multiplies with 16-bit pair sums.
 *   a' = a ^ 0x80 = a - 128 is an exact int8, and sum_k w*a = sum_k w*a' + 128 * sum_k w.
 *   `smull` multiplies 8 weight bytes of one k-group by the broadcast a' of its 4 channels,
 *   `smlal` adds the products of the next k-group (same outputs, same lanes): each int16 lane
 *   holds w1*a1' + w2*a2' with |w| <= 127 (weights are never -128, Docs/Numerics.md) and
 *   |a'| <= 128, so |lane| <= 2 * 127 * 128 = 32512 < 2^15: exact. `sadalp` then adds lane
 *   pairs into int32 accumulators. 16 MACs per smull/smlal pair + 1 sadalp:
 *   per 2 groups x 16 outputs x 1 pixel: 8 smull + 8 smlal + 8 sadalp = 24 instructions for
 *   128 MACs (5.3 MACs/instruction; the multiplies alone: 8 MACs each), 2 pixels per tile so
 *   each weight load serves 2 pixels. The correction 128 * sum_k w[o][k] is computed once per
 *   16-output block per call (saddlp + sadalp per 16 weight bytes, the cost of about one
 *   pixel) and folded into the start value with the bias. int32 vector additions wrap, so
 *   the order cannot matter: the result equals bias + sum w*a, which fits int32 by the
 *   quantizer's bias bound (Docs/Numerics.md, overflow budget).
 *
 * linear: every weight is used once, so a correction pass would double the weight traffic;
 *   instead u8 x s8 exactly via 16-bit widening: `ld4` de-interleaves a 64-byte group into
 *   4 vectors (one per k, 16 outputs each), `sxtl` widens them, `uxtl` widens the input, and
 *   `smlal(2) v.4s, w.4h, a.h[k]` accumulates 4 MACs per instruction (16 per group and k-step
 *   of 4: 64 MACs in 16 smlal + 8 sxtl + 1 ld4).
 *
 * Requantization is exact: 64-bit products (smull), `srshl` by -shift (adds 2^(shift-1),
 * then shifts arithmetically: round half up), + zero point, clamp (Docs/Numerics.md).
 */
#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_INLINE static inline __attribute__((always_inline))

/* 16 int32 accumulators -> 16 uint8, the rule of Docs/Numerics.md, bit-exact. */
Q8_INLINE uint8x16_t q8_requantize16(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3,
                                     const int32_t *multiplier, const int32_t *shift, int32x4_t zp) {
    const int32x4_t acc[4] = {a0, a1, a2, a3};
    int32x4_t r[4];
    for (int q = 0; q < 4; q++) {
        const int32x4_t m = vld1q_s32(multiplier + 4 * q);
        const int32x4_t ns = vnegq_s32(vld1q_s32(shift + 4 * q));
        /* |acc * m| < 2^62; srshl adds 2^(shift-1) and shifts right (exact, no overflow). */
        const int64x2_t lo = vrshlq_s64(vmull_s32(vget_low_s32(acc[q]), vget_low_s32(m)), vmovl_s32(vget_low_s32(ns)));
        const int64x2_t hi = vrshlq_s64(vmull_high_s32(acc[q], m), vmovl_high_s32(ns));
        /* |result| < 2^30: the low halves are the values. */
        const int32x4_t v = vuzp1q_s32(vreinterpretq_s32_s64(lo), vreinterpretq_s32_s64(hi));
        r[q] = vmaxq_s32(vaddq_s32(v, zp), zp);
    }
    /* values in [zp, 2^30]: saturating narrows clamp to 255. */
    const int16x8_t h0 = vcombine_s16(vqmovn_s32(r[0]), vqmovn_s32(r[1]));
    const int16x8_t h1 = vcombine_s16(vqmovn_s32(r[2]), vqmovn_s32(r[3]));
    return vcombine_u8(vqmovun_s16(h0), vqmovun_s16(h1));
}

Q8_INLINE void q8_store_n(uint8_t *out, uint8x16_t v, int n) {
    if (n == 16) {
        vst1q_u8(out, v);
    } else {
        uint8_t tmp[16];
        vst1q_u8(tmp, v);
        memcpy(out, tmp, (size_t)n);
    }
}

/* 4 activation bytes, flipped to int8 (a ^ 0x80 = a - 128) and repeated over 8 lanes. */
Q8_INLINE int8x8_t q8_load4_flip(const uint8_t *p) {
    uint32_t t;
    memcpy(&t, p, 4);
    return vreinterpret_s8_u32(vdup_n_u32(t ^ 0x80808080u));
}

/* Keeps the compilers from hoisting all weight loads of a step ahead of the multiplies (which
 * runs out of the 32 vector registers and spills accumulators): loads stay next to their use. */
#define Q8_STEP_FENCE() __asm__ __volatile__("" ::: "memory")

/*
 * One tile: P (1 or 2) pixels x 16 outputs, the whole K loop. `a` is the first pixel's
 * top-left tap; a patch row's 3 taps are 3*cin contiguous bytes in k order.
 * Weights in 8-byte halves h = 0..7 of a 64-byte group: outputs 2h, 2h+1 x 4 k.
 * acc[p][h]: lanes (2h: k0+k1, 2h: k2+k3, 2h+1: k0+k1, 2h+1: k2+k3), summed over the groups.
 */
Q8_INLINE void q8_conv_tile(const q8_conv3x3_params *p_, const uint8_t *a, const int8_t *w,
                            const int32x4_t init[4], uint8_t *out, int n, const int P,
                            const int32_t *multiplier, const int32_t *shift, int32x4_t zp) {
    const int cin = p_->cin;
    const int run = 3 * cin;
    const ptrdiff_t stride = p_->input_row_stride;
    int32x4_t acc[2][8];
    _Pragma("GCC unroll 2") for (int p = 0; p < P; p++)
        _Pragma("GCC unroll 8") for (int h = 0; h < 8; h++) acc[p][h] = vdupq_n_s32(0);
    for (int dy = 0; dy < 3; dy++, a += stride) {
        int c = 0;
        for (; c + 8 <= run; c += 8, w += 128) { /* two k-groups: g at w, g+1 at w + 64 */
            int8x8_t x0[2], x1[2];
            _Pragma("GCC unroll 2") for (int p = 0; p < P; p++) {
                x0[p] = q8_load4_flip(a + (ptrdiff_t)p * cin + c);
                x1[p] = q8_load4_flip(a + (ptrdiff_t)p * cin + c + 4);
            }
            _Pragma("GCC unroll 8") for (int h = 0; h < 8; h += 2) {
                Q8_STEP_FENCE();
                const int8x8_t wa0 = vld1_s8(w + 8 * h), wa1 = vld1_s8(w + 8 * h + 8);
                const int8x8_t wb0 = vld1_s8(w + 64 + 8 * h), wb1 = vld1_s8(w + 64 + 8 * h + 8);
                _Pragma("GCC unroll 2") for (int p = 0; p < P; p++) {
                    /* |w*a' + w*a'| <= 2*127*128 < 2^15 */
                    const int16x8_t t0 = vmlal_s8(vmull_s8(wa0, x0[p]), wb0, x1[p]);
                    const int16x8_t t1 = vmlal_s8(vmull_s8(wa1, x0[p]), wb1, x1[p]);
                    acc[p][h] = vpadalq_s16(acc[p][h], t0);
                    acc[p][h + 1] = vpadalq_s16(acc[p][h + 1], t1);
                }
            }
        }
        if (c < run) { /* one group left in this patch row */
            int8x8_t x0[2];
            _Pragma("GCC unroll 2") for (int p = 0; p < P; p++) x0[p] = q8_load4_flip(a + (ptrdiff_t)p * cin + c);
            _Pragma("GCC unroll 8") for (int h = 0; h < 8; h++) {
                const int8x8_t wa = vld1_s8(w + 8 * h);
                _Pragma("GCC unroll 2") for (int p = 0; p < P; p++)
                    acc[p][h] = vpadalq_s16(acc[p][h], vmull_s8(wa, x0[p]));
            }
            w += 64;
        }
    }
    _Pragma("GCC unroll 2") for (int p = 0; p < P; p++) {
        /* addp: (h: 2h, 2h+1) pairs -> outputs 4q..4q+3 from halves 2q, 2q+1 */
        const int32x4_t r0 = vaddq_s32(vpaddq_s32(acc[p][0], acc[p][1]), init[0]);
        const int32x4_t r1 = vaddq_s32(vpaddq_s32(acc[p][2], acc[p][3]), init[1]);
        const int32x4_t r2 = vaddq_s32(vpaddq_s32(acc[p][4], acc[p][5]), init[2]);
        const int32x4_t r3 = vaddq_s32(vpaddq_s32(acc[p][6], acc[p][7]), init[3]);
        q8_store_n(out + (ptrdiff_t)p * p_->cout, q8_requantize16(r0, r1, r2, r3, multiplier, shift, zp), n);
    }
}

void q8_conv3x3_16x4c4__neon(const q8_conv3x3_params *p, int row_begin, int row_end) {
    if (row_begin >= row_end) return;
    const int groups = 9 * p->cin / 4;
    const int32x4_t zp = vdupq_n_s32(p->output_zero_point);
    for (int ob = 0; ob * 16 < p->outputs; ob++) {
        const int n = p->outputs - ob * 16 < 16 ? p->outputs - ob * 16 : 16;
        const int8_t *wb = p->weights + (size_t)ob * groups * 64;
        /* start value: bias + 128 * sum_k w (the a ^ 0x80 correction), once per block.
         * 16 weight bytes = outputs 4q..4q+3 x 4 k: saddlp gives (o, k0+k1), (o, k2+k3), ...,
         * sadalp adds those pairs: one int32 lane per output. */
        int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
        for (int g = 0; g < groups; g++) {
            const int8_t *w = wb + (size_t)g * 64;
            s0 = vpadalq_s16(s0, vpaddlq_s8(vld1q_s8(w)));
            s1 = vpadalq_s16(s1, vpaddlq_s8(vld1q_s8(w + 16)));
            s2 = vpadalq_s16(s2, vpaddlq_s8(vld1q_s8(w + 32)));
            s3 = vpadalq_s16(s3, vpaddlq_s8(vld1q_s8(w + 48)));
        }
        const int32_t *bias = p->bias + ob * 16;
        int32x4_t init[4];
        init[0] = vaddq_s32(vld1q_s32(bias), vshlq_n_s32(s0, 7));
        init[1] = vaddq_s32(vld1q_s32(bias + 4), vshlq_n_s32(s1, 7));
        init[2] = vaddq_s32(vld1q_s32(bias + 8), vshlq_n_s32(s2, 7));
        init[3] = vaddq_s32(vld1q_s32(bias + 12), vshlq_n_s32(s3, 7));
        const int32_t *mult = p->multiplier + ob * 16, *shift = p->shift + ob * 16;

        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *arow = p->input + (ptrdiff_t)y * p->input_row_stride;
            uint8_t *orow = p->output + (ptrdiff_t)y * p->output_row_stride + ob * 16;
            int x = 0;
            for (; x + 2 <= p->width; x += 2)
                q8_conv_tile(p, arow + (ptrdiff_t)x * p->cin, wb, init, orow + (ptrdiff_t)x * p->cout, n, 2, mult, shift, zp);
            if (x < p->width)
                q8_conv_tile(p, arow + (ptrdiff_t)x * p->cin, wb, init, orow + (ptrdiff_t)x * p->cout, n, 1, mult, shift, zp);
        }
    }
}

/*
 * Linear: one input vector, 16 outputs per block, exact u8 x s8 in 16 bits (see the header).
 * Two accumulator sets (even / odd k) keep the smlal dependency chains short.
 */
#define Q8_LIN_K(wv, xa, lane, A0, A1, A2, A3)                                                     \
    do {                                                                                           \
        const int16x8_t wl = vmovl_s8(vget_low_s8(wv)), wh = vmovl_high_s8(wv);                    \
        A0 = vmlal_laneq_s16(A0, vget_low_s16(wl), xa, lane);                                      \
        A1 = vmlal_high_laneq_s16(A1, wl, xa, lane);                                               \
        A2 = vmlal_laneq_s16(A2, vget_low_s16(wh), xa, lane);                                      \
        A3 = vmlal_high_laneq_s16(A3, wh, xa, lane);                                               \
    } while (0)

#define Q8_LIN_GROUP(xa, l0)                                                                       \
    do {                                                                                           \
        const int8x16x4_t wv = vld4q_s8(w); /* wv.val[j] = w[o][k_j], o = 0..15 */                 \
        w += 64;                                                                                   \
        Q8_LIN_K(wv.val[0], xa, (l0) + 0, e0, e1, e2, e3);                                         \
        Q8_LIN_K(wv.val[1], xa, (l0) + 1, d0, d1, d2, d3);                                         \
        Q8_LIN_K(wv.val[2], xa, (l0) + 2, e0, e1, e2, e3);                                         \
        Q8_LIN_K(wv.val[3], xa, (l0) + 3, d0, d1, d2, d3);                                         \
    } while (0)

void q8_linear_16x4c4__neon(const q8_linear_params *p, int output_begin, int output_end) {
    const int groups = (p->depth + 3) / 4;
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (size_t)ob * groups * 64;
        int32x4_t e0 = vdupq_n_s32(0), e1 = e0, e2 = e0, e3 = e0, d0 = e0, d1 = e0, d2 = e0, d3 = e0;
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
        int32_t acc[16];
        vst1q_s32(acc, vaddq_s32(e0, d0));
        vst1q_s32(acc + 4, vaddq_s32(e1, d1));
        vst1q_s32(acc + 8, vaddq_s32(e2, d2));
        vst1q_s32(acc + 12, vaddq_s32(e3, d3));
        const int o0 = ob * 16 > output_begin ? ob * 16 : output_begin;
        const int o1 = ob * 16 + 16 < output_end ? ob * 16 + 16 : output_end;
        /* unsigned addition: wraps like the vector lanes; the true sum fits int32 */
        for (int o = o0; o < o1; o++)
            p->accumulators[o] = (int32_t)((uint32_t)p->bias[o] + (uint32_t)acc[o - ob * 16]);
    }
}
#undef Q8_LIN_GROUP
#undef Q8_LIN_K

#else
typedef int q8_neon_unused_on_this_architecture;
#endif
