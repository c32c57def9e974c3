/*
 * q8_conv3x3_16x4c4__neondot: ARMv8.2 dot product (FEAT_DotProd, `sdot`) conv3x3 on the packed
 * [O/16][K/4][16][4] layout. Tile: 16 outputs x 4 pixels, k in groups of 4; leftover pixels get
 * tiles of 2 and 1.
 *
 * `sdot` multiplies signed x signed bytes, so it runs on a' = a ^ 0x80 = a - 128 with the
 * correction 128 * sum_k w in the start values (neon_common.h), whose sums are one `sdot`
 * against a vector of ones per 16 weight bytes (the cost of one extra pixel). Every product is
 * exact in int32 (at most 4*128*127 per sdot lane) and the lanes wrap.
 *
 * Inner loop: per 4-channel group 4 weight loads (64 bytes) feed 16 `sdot v.4s, w.16b,
 * a.4b[lane]` (16 MACs each) for the 4 pixels; activations are loaded 16 bytes (4 groups) per
 * pixel.
 *
 * Built with plain -O2 for armv8-a: only the functions carry the dotprod target attribute.
 */
#if defined(__aarch64__)
#include "neon_common.h"

/* gcc hoists all 16 weight loads of a 4-group step ahead of the sdots and spills accumulators;
 * an empty asm with a memory clobber keeps each group's loads next to their use. */
#if defined(__clang__)
#define Q8_GROUP_FENCE() ((void)0)
#else
#define Q8_GROUP_FENCE() __asm__ __volatile__("" ::: "memory")
#endif

/* 16 weight bytes (outputs 4q..4q+3 x 4 k) into one int32 lane per output: sdot with ones. */
Q8_TARGET_DOT Q8_INLINE int32x4_t add_weight_sums(int32x4_t s, int8x16_t w) { return vdotq_s32(s, w, vdupq_n_s8(1)); }

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

Q8_TARGET_DOT Q8_INLINE void conv_tile(const q8_conv3x3_params *p_, const uint8_t *a, const q8_neon_block *b,
                                       uint8_t *out, const int P) {
    const int cin = p_->cin;
    const int run = 3 * cin;
    const int8_t *w = b->weights;
    const int32x4_t *init = b->init;
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
        /* a copy: handing q8_store_pixel acc[p] itself made clang 17 store all 16 accumulators to
         * the stack in every K iteration (108 instructions per 1024 MACs instead of 88; llvm-mca,
         * Neoverse N1: 19.0 instead of 30.1 MACs per cycle) */
        const int32x4_t r[4] = {acc[p][0], acc[p][1], acc[p][2], acc[p][3]};
        q8_store_pixel(out + (ptrdiff_t)p * p_->cout, r, b);
    }
}
#undef Q8_DOT_LANE

Q8_TARGET_DOT void q8_conv3x3_16x4c4__neondot(const q8_conv3x3_params *p, int row_begin, int row_end) {
    Q8_ASSERT_CONV3X3(p, row_begin, row_end);
    if (row_begin >= row_end) return;
    for (int ob = 0; ob * 16 < p->outputs; ob++) {
        q8_neon_block b;
        Q8_NEON_PREPARE_BLOCK(&b, p, ob, add_weight_sums);
        for (int y = row_begin; y < row_end; y++) {
            const uint8_t *a = p->input + (ptrdiff_t)y * p->input_row_stride;
            uint8_t *out = p->output + (ptrdiff_t)y * p->output_row_stride + ob * 16;
            int x = 0;
            for (; x + 4 <= p->width; x += 4) conv_tile(p, a + (ptrdiff_t)x * p->cin, &b, out + (ptrdiff_t)x * p->cout, 4);
            if (x + 2 <= p->width) { /* 14-wide maps (conv5): 4 + 4 + 4 + 2 */
                conv_tile(p, a + (ptrdiff_t)x * p->cin, &b, out + (ptrdiff_t)x * p->cout, 2);
                x += 2;
            }
            if (x < p->width) conv_tile(p, a + (ptrdiff_t)x * p->cin, &b, out + (ptrdiff_t)x * p->cout, 1);
        }
    }
}

#else
typedef int q8_neondot_conv_unused_on_this_architecture;
#endif
