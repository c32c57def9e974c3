/*
 * Requantization of 16 channels in lane order for the AVX2 kernels whose accumulators hold
 * channels in order (avx2pairs, the Winograd kernels), bit-exact with q8_requantize(): vpmuldq
 * takes the even channels, and the odd ones after a 64-bit shift; the high 32 bits of
 * acc*multiplier + 2^(shift-1) are floor(sum / 2^32) and vpsravd by shift - 32 finishes the floor
 * division (shift >= 32, Docs/Numerics.md). Clamp: vpackusdw, vpminuw 255, + zero point, vpackuswb.
 * Include after defining Q8_INLINE (static inline, target("avx2")).
 */
#ifndef VGG_Q8_AVX2_REQUANTIZE_H
#define VGG_Q8_AVX2_REQUANTIZE_H
#include <immintrin.h>
#include <string.h>

/* Per 16-channel block, per half h (channels 8h..8h+7, in lane order). */
typedef struct {
    __m256i bias[2];
    __m256i multiplier_even[2]; /* multiplier of channel 2i in the low half of 64-bit lane i */
    __m256i multiplier_odd[2];  /* multiplier of channel 2i+1 in the low half of 64-bit lane i */
    __m256i round_even[2];      /* 2^(shift-1), int64, of channel 2i in lane i */
    __m256i round_odd[2];
    __m256i shift[2];           /* shift - 32 per channel */
} block_constants;

Q8_INLINE void prepare_block(block_constants *k, const int32_t *bias, const int32_t *multiplier, const int32_t *shift) {
    _Alignas(32) int64_t round[16];
    _Alignas(32) int32_t shift32[16];
    for (int c = 0; c < 16; c++) {
        /* channels >= outputs read zeros: no undefined shift for them */
        round[c] = shift[c] >= 1 && shift[c] <= 63 ? (int64_t)1 << (shift[c] - 1) : 0;
        shift32[c] = (int32_t)((uint32_t)shift[c] - 32u);
    }
    for (int h = 0; h < 2; h++) {
        const __m256i m = _mm256_loadu_si256((const __m256i *)(multiplier + 8 * h));
        k->bias[h] = _mm256_loadu_si256((const __m256i *)(bias + 8 * h));
        k->multiplier_even[h] = m;
        k->multiplier_odd[h] = _mm256_srli_epi64(m, 32);
        k->round_even[h] = _mm256_setr_epi64x(round[8 * h], round[8 * h + 2], round[8 * h + 4], round[8 * h + 6]);
        k->round_odd[h] = _mm256_setr_epi64x(round[8 * h + 1], round[8 * h + 3], round[8 * h + 5], round[8 * h + 7]);
        k->shift[h] = _mm256_load_si256((const __m256i *)(shift32 + 8 * h));
    }
}

/* (acc * multiplier + 2^(shift-1)) >> shift for 8 channels in lane order. */
Q8_INLINE __m256i requantize8(__m256i acc, const block_constants *k, int h) {
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, k->multiplier_even[h]), k->round_even[h]);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), k->multiplier_odd[h]), k->round_odd[h]);
    const __m256i high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    return _mm256_srav_epi32(high, k->shift[h]);
}

/* Requantizes one pixel's 16 channels and stores the first n (channels >= outputs untouched). */
Q8_INLINE void store_pixel(uint8_t *out, __m256i acc0, __m256i acc1, const block_constants *k, __m256i zero_point, int n) {
    /* vpackusdw interleaves the halves per 128-bit lane: quads are channels 0-3, 8-11, 4-7, 12-15 */
    __m256i w = _mm256_permute4x64_epi64(_mm256_packus_epi32(requantize8(acc0, k, 0), requantize8(acc1, k, 1)), 0xD8);
    w = _mm256_add_epi16(_mm256_min_epu16(w, _mm256_set1_epi16(255)), zero_point);
    const __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    if (n == 16) {
        _mm_storeu_si128((__m128i *)out, b);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, b);
        memcpy(out, tmp, (size_t)n);
    }
}

#endif
