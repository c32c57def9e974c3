/*
 * What the AVX2-class x86 kernels share (avx2, avx2pairs, the Winograd kernels, avxvnni; the
 * avx512vnni kernels take the 16-channel block loop): the requantization epilogue, the byte
 * stores and the blocking constants. Each helper carries target("avx2"), so it inlines into any
 * kernel whose own target includes AVX2 (avx2,avxvnni; avx512f implies avx2).
 *
 * Requantization, bit-exact with q8_requantize() (Docs/Numerics.md): shift >= 32, so the high
 * 32 bits of the 64-bit sum acc*multiplier + 2^(shift-1) are floor(sum / 2^32), and a 32-bit
 * arithmetic shift by shift - 32 (vpsravd) finishes the floor division. vpmuldq multiplies the
 * even int32 lanes into 64-bit products: the odd lanes take a second vpmuldq (lane order below)
 * or are summed into the even ones first (avx2's slot order). |acc * multiplier| < 2^62 and
 * |bias| + K*127*255 < 2^31, so nothing wraps.
 * Clamp: vpackusdw saturates negatives to 0, vpminuw caps at 255, + zero point, and vpackuswb
 * saturates at 255: clamp(q + zp, zp, 255) = min(min(max(q, 0), 255) + zp, 255).
 */
#ifndef VGG_Q8_AVX2_COMMON_H
#define VGG_Q8_AVX2_COMMON_H
#include <immintrin.h>
#include <string.h>

#include "../kernels_internal.h"

#define Q8_AVX2_INLINE static inline __attribute__((always_inline, target("avx2")))
/* Loops over the register tile must be unrolled, or the accumulators live in memory. */
#define Q8_UNROLL _Pragma("GCC unroll 8")

/* 16-channel blocks per row pass: 4 blocks write a pixel's whole 64-byte output line in one
 * pass (one block per pass wrote 16 bytes of every line 4 times over), and their weights
 * (4 x 9*cin*16 bytes, 288 KiB at cin 512) stay in L2 over all rows. Measured in
 * Docs/Kernels.md; 8 blocks (576 KiB at cin 512, beyond L2) were no better. */
enum { Q8_GROUP = 4 };
_Static_assert(Q8_GROUP * 16 == 64, "a group's blocks fill one 64-byte line of a pixel's output");

/*
 * The requantized int32 of 8 channels from their 64-bit sums: channel 2i's in 64-bit lane i of
 * `even`, channel 2i+1's in lane i of `odd`; shift holds shift - 32 per output lane.
 */
Q8_AVX2_INLINE __m256i q8_avx2_high_shift(__m256i even, __m256i odd, __m256i shift) {
    return _mm256_srav_epi32(_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA), shift);
}

/* Clamps two vectors of 8 requantized int32 to int16 in [zero_point, 255]; vpackusdw interleaves
 * them per 128-bit lane: q0[0-3] q1[0-3] | q0[4-7] q1[4-7]. zero_point: int16 in every lane. */
Q8_AVX2_INLINE __m256i q8_avx2_clamp16(__m256i q0, __m256i q1, __m256i zero_point) {
    const __m256i w = _mm256_packus_epi32(q0, q1);
    return _mm256_add_epi16(_mm256_min_epu16(w, _mm256_set1_epi16(255)), zero_point);
}

/* Stores the first n of 16 bytes (a block's channels < outputs; the rest untouched). */
Q8_AVX2_INLINE void q8_avx2_store_n(uint8_t *out, __m128i bytes, int n) {
    if (n == 16) {
        _mm_storeu_si128((__m128i *)out, bytes);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, bytes);
        memcpy(out, tmp, (size_t)n);
    }
}

/*
 * Lane order: accumulators that hold channels 0-7 and 8-15 of a block in order (avx2pairs,
 * avxvnni, the Winograd kernels). Per block and half h (channels 8h..8h+7):
 */
typedef struct {
    __m256i bias[2];
    __m256i multiplier_even[2]; /* multiplier of channel 2i in the low half of 64-bit lane i */
    __m256i multiplier_odd[2];  /* multiplier of channel 2i+1 in the low half of 64-bit lane i */
    __m256i round_even[2];      /* 2^(shift-1), int64, of channel 2i in lane i */
    __m256i round_odd[2];
    __m256i shift[2];           /* shift - 32 per channel */
} q8_avx2_block;

Q8_AVX2_INLINE void q8_avx2_prepare_block(q8_avx2_block *k, const int32_t *bias, const int32_t *multiplier,
                                          const int32_t *shift) {
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

/* (acc * multiplier + 2^(shift-1)) >> shift for channels 8h..8h+7 in lane order. */
Q8_AVX2_INLINE __m256i q8_avx2_requantize8(__m256i acc, const q8_avx2_block *k, int h) {
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, k->multiplier_even[h]), k->round_even[h]);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), k->multiplier_odd[h]), k->round_odd[h]);
    return q8_avx2_high_shift(even, odd, k->shift[h]);
}

/* Requantizes one pixel's 16 channels in lane order and stores the first n. */
Q8_AVX2_INLINE void q8_avx2_store_pixel(uint8_t *out, __m256i acc0, __m256i acc1, const q8_avx2_block *k,
                                        __m256i zero_point, int n) {
    const __m256i w = q8_avx2_clamp16(q8_avx2_requantize8(acc0, k, 0), q8_avx2_requantize8(acc1, k, 1), zero_point);
    /* vpermq undoes vpackusdw's interleave: channels 0-7 | 8-15 */
    const __m256i ordered = _mm256_permute4x64_epi64(w, 0xD8);
    q8_avx2_store_n(out, _mm_packus_epi16(_mm256_castsi256_si128(ordered), _mm256_extracti128_si256(ordered, 1)), n);
}

#endif
