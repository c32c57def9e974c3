/*
 * q8_conv3x3_16x2c4__neon: ARMv8.0 NEON conv3x3 (any AArch64 CPU) on the packed
 * [O/16][K/4][16][4] layout. Tile: 16 outputs x 2 pixels (each weight load serves 2 pixels),
 * k in groups of 4, two groups per step; a leftover pixel gets a 1-pixel tile.
 *
 * 8-bit multiplies with 16-bit pair sums on a' = a ^ 0x80 = a - 128 (the correction:
 * neon_common.h). `smull` multiplies 8 weight bytes of one k-group by the broadcast a' of its
 * 4 channels, `smlal` adds the products of the next k-group (same outputs, same lanes): each
 * int16 lane holds w1*a1' + w2*a2' with |w| <= 127 (weights are never -128, Docs/Numerics.md)
 * and |a'| <= 128, so |lane| <= 2 * 127 * 128 = 32512 < 2^15: exact. `sadalp` then adds lane
 * pairs into int32 accumulators. Per 2 groups x 16 outputs x 1 pixel: 8 smull + 8 smlal +
 * 8 sadalp = 24 instructions for 128 MACs (5.3 MACs/instruction; the multiplies alone: 8 MACs
 * each). The correction's sum_k w: saddlp + sadalp per 16 weight bytes, once per block per call
 * (the cost of about one pixel).
 */
#if defined(__aarch64__)
#include "neon_common.h"

_Static_assert(2 * 127 * 128 < 32768, "an smull + smlal int16 lane of weights in [-127, 127] and a' in [-128, 127] is exact");

/* Keeps the compilers from hoisting all weight loads of a step ahead of the multiplies (which
 * runs out of the 32 vector registers and spills accumulators): loads stay next to their use. */
#define Q8_STEP_FENCE() __asm__ __volatile__("" ::: "memory")

/* 16 weight bytes (outputs 4q..4q+3 x 4 k) into one int32 lane per output: saddlp + sadalp. */
Q8_INLINE int32x4_t add_weight_sums(int32x4_t s, int8x16_t w) { return vpadalq_s16(s, vpaddlq_s8(w)); }

/*
 * One tile: P (1 or 2) pixels x 16 outputs, the whole K loop. `a` is the first pixel's
 * top-left tap; a patch row's 3 taps are 3*cin contiguous bytes in k order.
 * Weights in 8-byte halves h = 0..7 of a 64-byte group: outputs 2h, 2h+1 x 4 k.
 * acc[p][h]: lanes (2h: k0+k1, 2h: k2+k3, 2h+1: k0+k1, 2h+1: k2+k3), summed over the groups.
 */
Q8_INLINE void conv_tile(const q8_conv3x3_params *p_, const uint8_t *a, const q8_neon_block *b, uint8_t *out, const int P) {
    const int cin = p_->cin;
    const int run = 3 * cin;
    const int8_t *w = b->weights;
    const int32x4_t *init = b->init;
    const ptrdiff_t stride = p_->input_row_stride;
    int32x4_t acc[2][8];
    _Pragma("GCC unroll 2") for (int p = 0; p < P; p++)
        _Pragma("GCC unroll 8") for (int h = 0; h < 8; h++) acc[p][h] = vdupq_n_s32(0);
    for (int dy = 0; dy < 3; dy++, a += stride) {
        int c = 0;
        for (; c + 8 <= run; c += 8, w += 128) { /* two k-groups: g at w, g+1 at w + 64 */
            int8x8_t x0[2], x1[2];
            _Pragma("GCC unroll 2") for (int p = 0; p < P; p++) {
                x0[p] = vget_low_s8(q8_load4_flip(a + (ptrdiff_t)p * cin + c));
                x1[p] = vget_low_s8(q8_load4_flip(a + (ptrdiff_t)p * cin + c + 4));
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
            _Pragma("GCC unroll 2") for (int p = 0; p < P; p++) x0[p] = vget_low_s8(q8_load4_flip(a + (ptrdiff_t)p * cin + c));
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
        int32x4_t r[4];
        _Pragma("GCC unroll 4") for (int q = 0; q < 4; q++) r[q] = vaddq_s32(vpaddq_s32(acc[p][2 * q], acc[p][2 * q + 1]), init[q]);
        q8_store_pixel(out + (ptrdiff_t)p * p_->cout, r, b);
    }
}

void q8_conv3x3_16x2c4__neon(const q8_conv3x3_params *p, int row_begin, int row_end) {
    Q8_ASSERT_CONV3X3(p, row_begin, row_end);
    if (row_begin >= row_end) return;
    for (int ob = 0; ob * 16 < p->outputs; ob++) {
        q8_neon_block b;
        Q8_NEON_PREPARE_BLOCK(&b, p, ob, add_weight_sums);
        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *a = p->input + (ptrdiff_t)y * p->input_row_stride;
            uint8_t *out = p->output + (ptrdiff_t)y * p->output_row_stride + ob * 16;
            int x = 0;
            for (; x + 2 <= p->width; x += 2) conv_tile(p, a + (ptrdiff_t)x * p->cin, &b, out + (ptrdiff_t)x * p->cout, 2);
            if (x < p->width) conv_tile(p, a + (ptrdiff_t)x * p->cin, &b, out + (ptrdiff_t)x * p->cout, 1);
        }
    }
}

#else
typedef int q8_neon_conv_unused_on_this_architecture;
#endif
