/*
 * What the AArch64 kernels (neon, neondot) share: the requantization epilogue, the partial
 * store, the flipped activation load, a block's start values, the linear output tail and the
 * linear4 kernels' nibble unpacking and group end.
 *
 * The a ^ 0x80 correction. Both conv kernels multiply signed bytes, and activations are uint8:
 * with a' = a ^ 0x80 = a - 128 (an exact int8 in [-128, 127]),
 *     sum_k w*a = sum_k w*a' + 128 * sum_k w,
 * and the correction depends on the weights only: once per 16-output block per call it is
 * folded into the accumulators' start value with the bias. int32 vector additions wrap, so the
 * order cannot matter: the result equals bias + sum w*a, which fits int32 by the quantizer's
 * bias bound (Docs/Numerics.md, overflow budget).
 *
 * Requantization is exact: 64-bit products (smull), `srshl` by -shift (adds 2^(shift-1), then
 * shifts arithmetically: round half up), + zero point, clamp (Docs/Numerics.md).
 */
#ifndef VGG_Q8_NEON_COMMON_H
#define VGG_Q8_NEON_COMMON_H
#include <arm_neon.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_INLINE static inline __attribute__((always_inline))
/* Loops over a block's registers must be unrolled, or gcc keeps the accumulators in memory. */
#define Q8_NEON_UNROLL _Pragma("GCC unroll 8")
/* The dotprod kernels' functions (the files build with plain armv8-a flags). */
#if defined(__clang__)
#define Q8_TARGET_DOT __attribute__((target("dotprod")))
#else
#define Q8_TARGET_DOT __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

/* 16 int32 accumulators -> 16 uint8, the rule of Docs/Numerics.md, bit-exact. */
Q8_INLINE uint8x16_t q8_requantize16(const int32x4_t acc[4], const int32_t *multiplier, const int32_t *shift, int32x4_t zp) {
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

/* 4 activation bytes, flipped to int8 (a ^ 0x80 = a - 128) and repeated over the vector. */
Q8_INLINE int8x16_t q8_load4_flip(const uint8_t *p) {
    uint32_t t;
    memcpy(&t, p, 4);
    return vreinterpretq_s8_u32(vdupq_n_u32(t ^ 0x80808080u));
}

/* A conv3x3 call's 16-output block: its weights, the accumulators' start values (outputs
 * 4q..4q+3 in init[q]) and its requantization constants. */
typedef struct {
    const int8_t *weights;
    int32x4_t init[4];
    const int32_t *multiplier, *shift;
    int32x4_t zero_point;
    int n; /* channels < outputs */
} q8_neon_block;

/*
 * Prepares block `ob` of a call: init[q] = bias + 128 * sum_k w[o][k] for outputs 4q..4q+3 (the
 * correction above). ADD16(s, w) adds 16 weight bytes (outputs 4q..4q+3 x 4 k) into one int32
 * lane per output, with the kernel's own instructions (a macro, so that it expands inside the
 * kernel's target attribute).
 */
#define Q8_NEON_PREPARE_BLOCK(block, p, ob, ADD16)                                                               \
    do {                                                                                                         \
        const int groups_ = 9 * (p)->cin / 4;                                                                    \
        (block)->weights = (p)->weights + (size_t)(ob) * groups_ * 64;                                           \
        int32x4_t sums_[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};                   \
        for (int g_ = 0; g_ < groups_; g_++) {                                                                   \
            _Pragma("GCC unroll 4") for (int q_ = 0; q_ < 4; q_++)                                               \
                sums_[q_] = ADD16(sums_[q_], vld1q_s8((block)->weights + (size_t)g_ * 64 + 16 * q_));            \
        }                                                                                                        \
        _Pragma("GCC unroll 4") for (int q_ = 0; q_ < 4; q_++)                                                   \
            (block)->init[q_] = vaddq_s32(vld1q_s32((p)->bias + 16 * (ob) + 4 * q_), vshlq_n_s32(sums_[q_], 7)); \
        (block)->multiplier = (p)->multiplier + 16 * (ob);                                                       \
        (block)->shift = (p)->shift + 16 * (ob);                                                                 \
        (block)->zero_point = vdupq_n_s32((p)->output_zero_point);                                               \
        (block)->n = q8_block_channels((p)->outputs, ob);                                                        \
    } while (0)

/* Requantizes one pixel's 16 channels (acc: outputs 4q..4q+3 in acc[q]) and stores the first n
 * (a block's channels < outputs; the rest untouched). */
Q8_INLINE void q8_store_pixel(uint8_t *out, const int32x4_t acc[4], const q8_neon_block *b) {
    const uint8x16_t v = q8_requantize16(acc, b->multiplier, b->shift, b->zero_point);
    const int n = b->n;
    if (n == 16) {
        vst1q_u8(out, v);
    } else {
        uint8_t tmp[16];
        vst1q_u8(tmp, v);
        memcpy(out, tmp, (size_t)n);
    }
}

/* Linear, linear4: bias + acc (outputs 4q..4q+3 in acc[q]; wrapping like every lane, the true
 * sum fits int32) of block `block`, stored for the outputs in [output_begin, output_end). */
Q8_INLINE void q8_neon_linear_store(const int32_t *bias, int32_t *accumulators, const int32x4_t acc[4], int block,
                                    int output_begin, int output_end) {
    int32_t sums[16];
    for (int q = 0; q < 4; q++) vst1q_s32(sums + 4 * q, vaddq_s32(vld1q_s32(bias + 16 * block + 4 * q), acc[q]));
    q8_linear_store_block(accumulators, sums, block, output_begin, output_end);
}

/*
 * linear4 (4-bit grouped weights, q8_linear4_params): both ARM kernels multiply unsigned bytes,
 * the offset weight q + 8 in [0, 15] by the uint8 activation, and correct per group with
 *     sum_k q*a = sum_k (q + 8)*a - 8 * sum_k a,
 * a correction that depends on the input only: one number per group, the same for all 16
 * outputs (no per-output weight sums as in the int8 kernels' a ^ 0x80 scheme). k past depth has
 * q = 0, so its junk input byte enters both sums and cancels. A nibble's q + 8 is its two's
 * complement bits with bit 3 flipped: one eor of 0x88 serves both nibbles of a byte, then and
 * 0x0F (k = 8s + j) and ushr 4 (k = 8s + 4 + j).
 */
Q8_INLINE void q8_nibbles_offset(uint8x16_t bytes, uint8x16_t *low, uint8x16_t *high) {
    const uint8x16_t u = veorq_u8(bytes, vdupq_n_u8(0x88));
    *low = vandq_u8(u, vdupq_n_u8(0x0F));
    *high = vshrq_n_u8(u, 4);
}

/*
 * The end of a linear4 group: total[q] += m * (sums[q] - 8 * activation_sum) for outputs
 * 4q..4q+3, sums[q] their sum of (q + 8)*a over the group, m the group's 16 multipliers.
 * Bounds (G = group_size): sums <= G*15*255 and 8 * activation_sum <= G*8*255 fit int32 (the
 * largest 4-bit depth is 65,793), |m * partial| <= G*128*255, and |bias| + K*128*255 < 2^31.
 */
Q8_INLINE void q8_neon_linear4_group_end(int32x4_t total[4], const uint32x4_t sums[4], uint32_t activation_sum,
                                         const int8_t *m) {
    const int8x16_t m8 = vld1q_s8(m);
    const int16x8_t m16[2] = {vmovl_s8(vget_low_s8(m8)), vmovl_high_s8(m8)};
    const int32x4_t correction = vdupq_n_s32((int32_t)(8u * activation_sum));
    Q8_NEON_UNROLL for (int q = 0; q < 4; q++) {
        const int32x4_t m32 = q % 2 ? vmovl_high_s16(m16[q / 2]) : vmovl_s16(vget_low_s16(m16[q / 2]));
        total[q] = vmlaq_s32(total[q], vsubq_s32(vreinterpretq_s32_u32(sums[q]), correction), m32);
    }
}

#endif
