/*
 * ARMv8.2 dot product (FEAT_DotProd, `sdot`) kernels on the packed [O/16][K/4][16][4] layout.
 *
 * Arithmetic. `sdot` multiplies signed x signed bytes; activations are uint8 0..255 and
 * weights int8. With a' = a ^ 0x80 = a - 128 (an exact int8 in [-128, 127]):
 *     sum_k w*a = sum_k w*a' + 128 * sum_k w
 * The correction 128 * sum_k w[o][k] is a property of the weights alone:
 *   - conv: computed once per 16-output block per call (one `sdot` against a vector of ones per
 *     16 weight bytes, the cost of one extra pixel) and folded into the accumulator's start
 *     value together with the bias, before the loop over rows and pixels;
 *   - linear: every weight is read exactly once, so a separate pass would double the memory
 *     traffic; the loop instead accumulates sum_k w with an `sdot` against ones from the
 *     registers it already holds (free: the layer is bound by weight bandwidth).
 * Every product is exact in int32 and all int32 vector additions wrap, so the order of the
 * additions cannot matter: the final value equals bias + sum w*a, which the quantizer keeps
 * inside int32 (Docs/Numerics.md, overflow budget).
 *
 * Inner loop (conv): 4 pixels x 16 outputs; per 4-channel group 4 weight loads (64 bytes) feed
 * 16 `sdot v.4s, w.16b, a.4b[lane]` (16 MACs each), activations are loaded 16 bytes (4 groups)
 * per pixel. Requantization is exact: 64-bit products (smull), `srshl` by -shift (adds
 * 2^(shift-1), then arithmetic shift: round half up, Docs/Numerics.md), + zero point, clamp.
 *
 * Built with plain -O2 for armv8-a: only the functions carry the dotprod target attribute.
 */
#if defined(__aarch64__)

#include <arm_neon.h>
#include <string.h>

#include "../kernels_internal.h"

#if defined(__clang__)
#define Q8_TARGET_DOT __attribute__((target("dotprod")))
#else
#define Q8_TARGET_DOT __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#define Q8_INLINE static inline __attribute__((always_inline))
/* gcc hoists all 16 weight loads of a 4-group step ahead of the sdots and spills accumulators;
 * an empty asm with a memory clobber keeps each group's loads next to their use. */
#if defined(__clang__)
#define Q8_GROUP_FENCE() ((void)0)
#else
#define Q8_GROUP_FENCE() __asm__ __volatile__("" ::: "memory")
#endif

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

Q8_INLINE int8x16_t q8_load4_flip(const uint8_t *p) {
    uint32_t t;
    memcpy(&t, p, 4);
    return vreinterpretq_s8_u32(vdupq_n_u32(t ^ 0x80808080u));
}

/*
 * One tile: P pixels (consecutive in a row) x 16 outputs, the whole K loop.
 * a: the tile's first pixel's top-left tap; the 3 taps of a patch row are 3*cin contiguous
 * bytes, which is also the order of k, so K is 3 contiguous runs of 3*cin bytes.
 */
#define Q8_DOT_LANE(g)                                                                             \
    do {                                                                                           \
        Q8_GROUP_FENCE();                                                                          \
        const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32), w3 = vld1q_s8(w + 48); \
        w += 64;                                                                                   \
        _Pragma("GCC unroll 4") for (int p = 0; p < P; p++) {                                      \
            acc[p][0] = vdotq_laneq_s32(acc[p][0], w0, av[p], g);                                  \
            acc[p][1] = vdotq_laneq_s32(acc[p][1], w1, av[p], g);                                  \
            acc[p][2] = vdotq_laneq_s32(acc[p][2], w2, av[p], g);                                  \
            acc[p][3] = vdotq_laneq_s32(acc[p][3], w3, av[p], g);                                  \
        }                                                                                          \
    } while (0)

Q8_TARGET_DOT Q8_INLINE void q8_conv_tile(const q8_conv3x3_params *p_, const uint8_t *a, const int8_t *w,
                                          const int32x4_t init[4], uint8_t *out, int n, const int P,
                                          const int32_t *multiplier, const int32_t *shift, int32x4_t zp) {
    const int cin = p_->cin;
    const int run = 3 * cin;
    const ptrdiff_t stride = p_->input_row_stride;
    const uint8x16_t flip = vdupq_n_u8(0x80);
    int32x4_t acc[4][4];
    _Pragma("GCC unroll 4") for (int p = 0; p < P; p++) {
        acc[p][0] = init[0]; acc[p][1] = init[1]; acc[p][2] = init[2]; acc[p][3] = init[3];
    }
    for (int dy = 0; dy < 3; dy++, a += stride) {
        int c = 0;
        for (; c + 16 <= run; c += 16) {
            int8x16_t av[4];
            _Pragma("GCC unroll 4") for (int p = 0; p < P; p++)
                av[p] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(a + (ptrdiff_t)p * cin + c), flip));
            Q8_DOT_LANE(0);
            Q8_DOT_LANE(1);
            Q8_DOT_LANE(2);
            Q8_DOT_LANE(3);
        }
        for (; c < run; c += 4) {
            int8x16_t av[4];
            _Pragma("GCC unroll 4") for (int p = 0; p < P; p++) av[p] = q8_load4_flip(a + (ptrdiff_t)p * cin + c);
            Q8_DOT_LANE(0);
        }
    }
    _Pragma("GCC unroll 4") for (int p = 0; p < P; p++) {
        q8_store_n(out + (ptrdiff_t)p * p_->cout,
                   q8_requantize16(acc[p][0], acc[p][1], acc[p][2], acc[p][3], multiplier, shift, zp), n);
    }
}

Q8_TARGET_DOT void q8_conv3x3_16x4c4__neondot(const q8_conv3x3_params *p, int row_begin, int row_end) {
    if (row_begin >= row_end) return;
    const int groups = 9 * p->cin / 4;
    const int32x4_t zp = vdupq_n_s32(p->output_zero_point);
    const int8x16_t ones = vdupq_n_s8(1);
    for (int ob = 0; ob * 16 < p->outputs; ob++) {
        const int n = p->outputs - ob * 16 < 16 ? p->outputs - ob * 16 : 16;
        const int8_t *wb = p->weights + (size_t)ob * groups * 64;
        /* start value: bias + 128 * sum_k w (the a ^ 0x80 correction), once per block */
        int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
        for (int g = 0; g < groups; g++) {
            const int8_t *w = wb + (size_t)g * 64;
            s0 = vdotq_s32(s0, vld1q_s8(w), ones);
            s1 = vdotq_s32(s1, vld1q_s8(w + 16), ones);
            s2 = vdotq_s32(s2, vld1q_s8(w + 32), ones);
            s3 = vdotq_s32(s3, vld1q_s8(w + 48), ones);
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
            for (; x + 4 <= p->width; x += 4)
                q8_conv_tile(p, arow + (ptrdiff_t)x * p->cin, wb, init, orow + (ptrdiff_t)x * p->cout, n, 4, mult, shift, zp);
            if (x + 2 <= p->width) { /* 14-wide maps (conv5): 4 + 4 + 4 + 2 */
                q8_conv_tile(p, arow + (ptrdiff_t)x * p->cin, wb, init, orow + (ptrdiff_t)x * p->cout, n, 2, mult, shift, zp);
                x += 2;
            }
            if (x < p->width)
                q8_conv_tile(p, arow + (ptrdiff_t)x * p->cin, wb, init, orow + (ptrdiff_t)x * p->cout, n, 1, mult, shift, zp);
        }
    }
}

/*
 * Linear: one input vector, 16 outputs per block; 4 groups (16 input bytes) per step:
 * 16 `sdot` for the products and 4 `sdot` against ones for the correction.
 */
Q8_TARGET_DOT void q8_linear_16x4c4__neondot(const q8_linear_params *p, int output_begin, int output_end) {
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
        int32_t acc[16];
        vst1q_s32(acc, vaddq_s32(a0, vshlq_n_s32(s0, 7)));
        vst1q_s32(acc + 4, vaddq_s32(a1, vshlq_n_s32(s1, 7)));
        vst1q_s32(acc + 8, vaddq_s32(a2, vshlq_n_s32(s2, 7)));
        vst1q_s32(acc + 12, vaddq_s32(a3, vshlq_n_s32(s3, 7)));
        const int o0 = ob * 16 > output_begin ? ob * 16 : output_begin;
        const int o1 = ob * 16 + 16 < output_end ? ob * 16 + 16 : output_end;
        /* unsigned addition: wraps like the vector lanes; the true sum fits int32 */
        for (int o = o0; o < o1; o++)
            p->accumulators[o] = (int32_t)((uint32_t)p->bias[o] + (uint32_t)acc[o - ob * 16]);
    }
}

#else
typedef int q8_neondot_unused_on_this_architecture;
#endif
