/*
 * q8_conv3x3_8x6c4_16x3c4__avx2: AVX2 conv3x3, exact int8 arithmetic on the 16-bit multiplier
 * (vpmaddwd). Two register tiles, k in groups of 4: 8 channels x 6 pixels (run twice per
 * 16-channel block) for cin > 64, 16 channels x 3 pixels for cin <= 64 (below).
 *
 * Why not vpmaddubsw: it adds two u8 x s8 products into a saturating int16, and
 * 255*127 + 255*127 = 64,770 > 32,767 (Docs/Numerics.md), so it is not exact on our operands.
 * vpmaddwd multiplies int16 pairs and adds each pair into an int32 (16 MACs per instruction),
 * exact for any u8 activation and s8 weight; its result is then accumulated with vpaddd. On
 * Zen 3 the measured ceiling of independent vpmaddwd+vpaddd pairs is ~25 MAC/cycle
 * (Benchmarks/peak); broadcast and plain loads cost nothing next to them, vpmovsxbw little,
 * while vpmuldq and the lane-crossing shuffles (vphaddd, vpermq, vpermd) each cost about as much
 * as a vpmaddwd. The kernel adds as little as possible to the two instructions.
 *
 * conv3x3
 *   - Activations: per output row and column chunk, the three input rows the chunk reads are
 *     widened to int16 into a stack buffer (3 x 8,192 int16 = 48 KiB). In one input row the three
 *     horizontal taps of a pixel are 3*cin contiguous values in (dx, c) order, which is the order
 *     of k in the packed weights (k = (dy*3 + dx)*cin + c): the inner loop runs over the 3*cin
 *     values of each dy with one pointer per pixel and one weight pointer, and an activation
 *     operand is a 64-bit broadcast load of 4 int16 (one 4-k group).
 *   - A 4-k group times one channel's 4 int16 weights (a 64-bit slot) gives two int32 partial
 *     sums, k0k1 and k2k3; they are added once per output, in the epilogue.
 *   - cin > 64 (K >= 612): tile 8 channels x 6 pixels, run twice per 16-channel block. Per 4-k
 *     group: 2 x vpmovsxbw m128 (the group's 32 weight bytes of 8 channels, widened in registers
 *     and used by 6 pixels), 6 x vpbroadcastq, 12 x vpmaddwd + 12 x vpaddd = 192 MACs, in
 *     12 accumulators + 2 weights + broadcast + product = 16 ymm.
 *   - cin <= 64 (VGG's first two layers, K = 36 and 576): the block's weights are widened once
 *     per call into a stack buffer (at most 18 KiB) and read as vpmaddwd memory operands, so a
 *     pass covers all 16 channels: tile 16 channels x 3 pixels, per group 3 x vpbroadcastq +
 *     12 x vpmaddwd + 12 x vpaddd, 14 ymm. The widened weights are also placed so that the
 *     requantized channels come out in order without a lane-crossing shuffle (natural_slots),
 *     which matters at K = 36, where the epilogue is a large share of the work.
 *   - Epilogue per pixel: requantize 16 channels (below), pack to bytes, store 16 bytes
 *     (a partial copy for the last block when outputs % 16 != 0; channels >= outputs untouched).
 *   - Columns are processed in chunks so that (chunk + 2) * cin values per row fit the buffer;
 *     cin > 2,728 (not even one pixel fits) falls back to the scalar kernel.
 *   - Groups of Q8_GROUP = 4 blocks of 16 channels are the outer loop (avx2_common.h); per row
 *     chunk the activations are widened once for the group's 4 blocks, which fill each pixel's
 *     64-byte output line in one pass (vgg16_bn, 2 threads, interleaved: ~4% faster).
 *
 * Requantization and clamp: avx2_common.h's exact high-half scheme, in slot order: vpmuldq
 * multiplies the even int32 lanes, where each channel's two partial sums were added.
 * Overflow: |bias| + K*127*255 < 2^31 (the quantizer's bias bound), so the int32 lane sums are
 * exact in any order; a vpmaddwd pair sum is at most 2*255*127 in magnitude.
 * Over-reads: none beyond the interface (bias/multiplier/shift up to the next multiple of 16).
 * Stack: 48 KiB of activations + 4 x 18 KiB of widened weights + a few hundred bytes (120 KiB).
 */
#if defined(__x86_64__)
#include "avx2_common.h"

#define Q8_TARGET __attribute__((target("avx2")))
#define Q8_INLINE Q8_AVX2_INLINE

enum {
    SCRATCH_VALUES = 3 * 8192, /* int16 activations of the three widened rows: 48 KiB */
    TILE = 6,                  /* output pixels per register tile (cin > 64) */
    TILE_WIDE = 3,             /* output pixels per register tile (cin <= 64) */
    WIDE_MAX_CIN = 64,         /* pre-widened weights of one block: 9*64*16 int16 = 18 KiB */
};
/* A widened row chunk holds at least one pixel's three rows of taps for cin (a multiple of 4) up to 2,728. */
_Static_assert(SCRATCH_VALUES / 3 / 2728 - 2 >= 1 && SCRATCH_VALUES / 3 / 2732 - 2 < 1, "scalar fallback above cin 2,728");

/*
 * Where the channels of a 16-channel block are: four accumulators of four 64-bit slots, a slot
 * holding one channel's two int32 partial sums (k0k1 and k2k3 of every 4-k group).
 * channels[j][s] is the channel in slot s of accumulator j.
 */
typedef int8_t slot_channels[4][4];
/* cin > 64: accumulator j is vpmovsxbw of the packed bytes of channels 4j..4j+3 */
static const slot_channels packed_slots = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}, {12, 13, 14, 15}};
/* cin <= 64: weights placed so that requantized lanes come out in channel order (store_pixel) */
static const slot_channels natural_slots = {{0, 2, 8, 10}, {1, 3, 9, 11}, {4, 6, 12, 14}, {5, 7, 13, 15}};

/* Per block: accumulator start values and requantization constants, in slot order. */
typedef struct {
    __m256i bias[4];       /* (bias, 0) per slot */
    __m256i multiplier[4]; /* per slot, in its even int32 lane */
    __m256i round[4];      /* 2^(shift-1) per slot, int64 */
    __m256i shift[2];      /* shift - 32 per lane of the two requantized vectors (see requantize8) */
    __m128i order;         /* vpshufb from the packed byte order to channel order */
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                             const slot_channels channels) {
    _Alignas(32) int32_t b[4][8], m[4][8], sh[2][8];
    _Alignas(32) int64_t r[4][4];
    for (int j = 0; j < 4; j++)
        for (int s = 0; s < 4; s++) {
            const int c = channels[j][s];
            b[j][2 * s] = bias[c], b[j][2 * s + 1] = 0;
            m[j][2 * s] = m[j][2 * s + 1] = multiplier[c];
            /* channels >= outputs may hold anything: no undefined shift for them */
            r[j][s] = shift[c] >= 1 && shift[c] <= 63 ? (int64_t)1 << (shift[c] - 1) : 0;
        }
    /* requantize8(2q, 2q+1) lane L holds slot L/2 of accumulator 2q + L%2 */
    for (int q = 0; q < 2; q++)
        for (int lane = 0; lane < 8; lane++) sh[q][lane] = (int32_t)((uint32_t)shift[channels[2 * q + lane % 2][lane / 2]] - 32u);
    /* store_pixel's packed byte i holds lane (i/8)*4 + i%4 of requantized vector (i%8)/4 */
    uint8_t order[16];
    for (int i = 0; i < 16; i++) {
        const int q = (i % 8) / 4, lane = (i / 8) * 4 + i % 4;
        order[channels[2 * q + lane % 2][lane / 2]] = (uint8_t)i;
    }
    for (int j = 0; j < 4; j++) {
        k->bias[j] = _mm256_load_si256((const __m256i *)b[j]);
        k->multiplier[j] = _mm256_load_si256((const __m256i *)m[j]);
        k->round[j] = _mm256_load_si256((const __m256i *)r[j]);
    }
    k->shift[0] = _mm256_load_si256((const __m256i *)sh[0]);
    k->shift[1] = _mm256_load_si256((const __m256i *)sh[1]);
    k->order = _mm_loadu_si128((const __m128i *)order);
}

/*
 * (acc * multiplier + 2^(shift-1)) >> shift for the 8 channels of accumulators 2q and 2q+1,
 * exact (header comment). The partial sums are added in the even lane of each slot, vpmuldq
 * multiplies the even lanes; lane L of the result is slot L/2 of accumulator 2q + L%2.
 */
Q8_INLINE __m256i requantize8(__m256i acc_even, __m256i acc_odd, const block_constants *k, int q) {
    const __m256i sum_even = _mm256_add_epi32(acc_even, _mm256_srli_epi64(acc_even, 32));
    const __m256i sum_odd = _mm256_add_epi32(acc_odd, _mm256_srli_epi64(acc_odd, 32));
    const __m256i product_even = _mm256_add_epi64(_mm256_mul_epi32(sum_even, k->multiplier[2 * q]), k->round[2 * q]);
    const __m256i product_odd = _mm256_add_epi64(_mm256_mul_epi32(sum_odd, k->multiplier[2 * q + 1]), k->round[2 * q + 1]);
    return q8_avx2_high_shift(product_even, product_odd, k->shift[q]);
}

/*
 * Requantizes one pixel's block and stores its n channels (channels >= outputs untouched).
 * natural: the slots are natural_slots, whose bytes come out as channels 0-7 | 8-15 in the two
 * 128-bit halves (two 8-byte stores, no lane-crossing shuffle: those cost as much as a
 * vpmaddwd on Zen 3); otherwise vpermq + vpshufb put the bytes in order.
 */
Q8_INLINE void store_pixel(uint8_t *out, __m256i acc0, __m256i acc1, __m256i acc2, __m256i acc3, const block_constants *k,
                           __m256i zero_point, int n, int natural) {
    const __m256i w = q8_avx2_clamp16(requantize8(acc0, acc1, k, 0), requantize8(acc2, acc3, k, 1), zero_point);
    const __m256i b = _mm256_packus_epi16(w, w);
    if (!natural) {
        q8_avx2_store_n(out, _mm_shuffle_epi8(_mm256_castsi256_si128(_mm256_permute4x64_epi64(b, 0x08)), k->order), n);
        return;
    }
    uint8_t tmp[16];
    uint8_t *dst = n == 16 ? out : tmp;
    _mm_storel_epi64((__m128i *)dst, _mm256_castsi256_si128(b));
    _mm_storel_epi64((__m128i *)(dst + 8), _mm256_extracti128_si256(b, 1));
    if (n < 16) memcpy(out, tmp, (size_t)n);
}

Q8_INLINE void widen_u8(int16_t *dst, const uint8_t *src, int count) {
    int i = 0;
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < count; i++) dst[i] = src[i];
}

/*
 * cin > 64. One pass: accumulators 2h and 2h+1 (channels 8h..8h+7, the 32-byte half of every
 * 64-byte weight group at `w`) x P pixels. `a` points at the tile's first pixel in the widened
 * chunk (row dy at a + dy*row_stride).
 */
Q8_INLINE void conv_pass(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int8_t *w, __m256i bias0,
                         __m256i bias1, __m256i acc[TILE][2]) {
    Q8_UNROLL for (int i = 0; i < P; i++) acc[i][0] = bias0, acc[i][1] = bias1;
    const int groups = 3 * cin / 4; /* 4-k groups in one input row of the patch */
    for (int dy = 0; dy < 3; dy++, a += row_stride) {
        for (int g = 0; g < groups; g++, w += 64) {
            const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w));        /* 4 ch x 4 k */
            const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16))); /* next 4 ch */
            Q8_UNROLL for (int i = 0; i < P; i++) {
                const __m256i x = _mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)(a + i * cin + 4 * g)));
                acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x, w0));
                acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x, w1));
            }
        }
    }
}

/* cin > 64: P output pixels x the 16 channels of the block at `w` ([9*cin/4][16][4], packed_slots). */
Q8_INLINE void conv_tile(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int8_t *w, const block_constants *k,
                         __m256i zero_point, uint8_t *out, int cout, int n) {
    __m256i acc[TILE][2];
    _Alignas(32) int32_t first[TILE][2][8];
    conv_pass(P, a, row_stride, cin, w, k->bias[0], k->bias[1], acc);
    Q8_UNROLL for (int i = 0; i < P; i++) {
        _mm256_store_si256((__m256i *)first[i][0], acc[i][0]);
        _mm256_store_si256((__m256i *)first[i][1], acc[i][1]);
    }
    /* The first pass's sums go through memory: kept in registers they would crowd out (and
     * spill) the second pass's accumulators. */
    __asm__ volatile("" : : "r"(first) : "memory");
    conv_pass(P, a, row_stride, cin, w + 32, k->bias[2], k->bias[3], acc);
    Q8_UNROLL for (int i = 0; i < P; i++)
        store_pixel(out + (ptrdiff_t)i * cout, _mm256_load_si256((const __m256i *)first[i][0]),
                    _mm256_load_si256((const __m256i *)first[i][1]), acc[i][0], acc[i][1], k, zero_point, n, 0);
}

/* cin <= 64: the block's weights widened to int16 and placed in natural_slots order. */
Q8_INLINE void widen_block(int16_t *wide, const int8_t *w, int groups) {
    for (int g = 0; g < groups; g++, w += 64, wide += 64)
        for (int j = 0; j < 4; j++)
            for (int s = 0; s < 4; s++)
                for (int e = 0; e < 4; e++) wide[16 * j + 4 * s + e] = w[4 * natural_slots[j][s] + e];
}

/*
 * cin <= 64: P output pixels x 16 channels in one pass, the weights pre-widened (`wide`) and read
 * as vpmaddwd memory operands: 4P accumulators + broadcast + product = 14 ymm for P = 3. The
 * empty asm with a memory clobber keeps the compiler from holding the four weight vectors in
 * registers across pixels (18 ymm: it would spill accumulators).
 */
Q8_INLINE void conv_tile_wide(int P, const int16_t *a, ptrdiff_t row_stride, int cin, const int16_t *wide,
                              const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    __m256i acc[TILE_WIDE][4];
    Q8_UNROLL for (int j = 0; j < 4; j++) {
        Q8_UNROLL for (int i = 0; i < P; i++) acc[i][j] = k->bias[j];
    }
    const int groups = 3 * cin / 4;
    for (int dy = 0; dy < 3; dy++, a += row_stride) {
        for (int g = 0; g < groups; g++, wide += 64) {
            Q8_UNROLL for (int i = 0; i < P; i++) {
                const __m256i x = _mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)(a + i * cin + 4 * g)));
                Q8_UNROLL for (int j = 0; j < 4; j++)
                    acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(x, _mm256_load_si256((const __m256i *)(wide + 16 * j))));
                __asm__ volatile("" ::: "memory");
            }
        }
    }
    Q8_UNROLL for (int i = 0; i < P; i++)
        store_pixel(out + (ptrdiff_t)i * cout, acc[i][0], acc[i][1], acc[i][2], acc[i][3], k, zero_point, n, 1);
}

/* All tiles of one block over `pixels` pixels of a widened chunk; `wide` set for cin <= 64. */
Q8_INLINE void conv_block(const int16_t *a, ptrdiff_t row_stride, int pixels, int cin, const int8_t *w, const int16_t *wide,
                          const block_constants *k, __m256i zero_point, uint8_t *out, int cout, int n) {
    int x = 0;
    if (wide) {
#define Q8_TILE(P) conv_tile_wide(P, a, row_stride, cin, wide, k, zero_point, out, cout, n)
        for (; x + TILE_WIDE <= pixels; x += TILE_WIDE, a += TILE_WIDE * cin, out += (ptrdiff_t)TILE_WIDE * cout) Q8_TILE(TILE_WIDE);
        switch (pixels - x) { /* the remainder, with its own register tile */
        case 2: Q8_TILE(2); break;
        case 1: Q8_TILE(1); break;
        default: break;
        }
#undef Q8_TILE
        return;
    }
#define Q8_TILE(P) conv_tile(P, a, row_stride, cin, w, k, zero_point, out, cout, n)
    for (; x + TILE <= pixels; x += TILE, a += TILE * cin, out += (ptrdiff_t)TILE * cout) Q8_TILE(TILE);
    switch (pixels - x) {
    case 5: Q8_TILE(5); break;
    case 4: Q8_TILE(4); break;
    case 3: Q8_TILE(3); break;
    case 2: Q8_TILE(2); break;
    case 1: Q8_TILE(1); break;
    default: break;
    }
#undef Q8_TILE
}

Q8_TARGET void q8_conv3x3_8x6c4_16x3c4__avx2(const q8_conv3x3_params *p, int row_begin, int row_end) {
    Q8_ASSERT_CONV3X3(p, row_begin, row_end);
    const int cin = p->cin;
    int chunk = cin > 0 ? SCRATCH_VALUES / 3 / cin - 2 : 0; /* output pixels per column chunk */
    if (chunk < 1) {
        q8_conv3x3_16x1c4__scalar(p, row_begin, row_end);
        return;
    }
    if (p->width <= chunk) chunk = p->width;
    else if (chunk >= TILE) chunk -= chunk % TILE;
    _Alignas(32) int16_t scratch[SCRATCH_VALUES];
    _Alignas(32) int16_t wide_weights[Q8_GROUP][9 * WIDE_MAX_CIN * 16];
    const ptrdiff_t block_bytes = (ptrdiff_t)9 * cin * 16;
    const int blocks = (p->outputs + 15) / 16;
    const __m256i zero_point = _mm256_set1_epi16((short)p->output_zero_point);
    block_constants k[Q8_GROUP];

    for (int first = 0; first < blocks; first += Q8_GROUP) {
        const int count = blocks - first < Q8_GROUP ? blocks - first : Q8_GROUP;
        for (int b = 0; b < count; b++) {
            const int ob = first + b;
            if (cin <= WIDE_MAX_CIN) widen_block(wide_weights[b], p->weights + ob * block_bytes, 9 * cin / 4);
            prepare_block(&k[b], p->bias + 16 * ob, p->multiplier + 16 * ob, p->shift + 16 * ob,
                          cin <= WIDE_MAX_CIN ? natural_slots : packed_slots);
        }
        for (int y = row_begin; y < row_end; y++) {
            for (int x0 = 0; x0 < p->width; x0 += chunk) {
                const int pixels = p->width - x0 < chunk ? p->width - x0 : chunk;
                const ptrdiff_t row_stride = (ptrdiff_t)(pixels + 2) * cin;
                const uint8_t *in = p->input + y * p->input_row_stride + (ptrdiff_t)x0 * cin;
                for (int dy = 0; dy < 3; dy++) widen_u8(scratch + dy * row_stride, in + dy * p->input_row_stride, (pixels + 2) * cin);
                for (int b = 0; b < count; b++) {
                    const int ob = first + b;
                    const int n = q8_block_channels(p->outputs, ob);
                    uint8_t *out = p->output + y * p->output_row_stride + (ptrdiff_t)x0 * p->cout + 16 * ob;
                    conv_block(scratch, row_stride, pixels, cin, p->weights + ob * block_bytes,
                               cin <= WIDE_MAX_CIN ? wide_weights[b] : NULL, &k[b], zero_point, out, p->cout, n);
                }
            }
        }
    }
}

#endif
