/*
 * What the zmm kernels share (avx512vnni through q8_dot4_template.h, and amx): the 16-channel
 * requantization epilogue on one zmm. The exact high-half requantization of avx2_common.h
 * (vpmuldq on the even and odd lanes, + 2^(shift-1), the high 32 bits, vpsravd by shift - 32),
 * with AVX-512's own clamp and store: one zmm is a whole 16-channel block, so vpmaxsd(q + zp,
 * zp) and vpmovusdb (saturates at 255) give the bytes in order, and a byte-masked store writes
 * the block's n channels: no pack, permute or partial copy. Bit-exact with q8_requantize().
 */
#ifndef VGG_Q8_AVX512_COMMON_H
#define VGG_Q8_AVX512_COMMON_H
#include <immintrin.h>

#include "../kernels_internal.h"

#define Q8_AVX512_INLINE static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl")))

/* A 16-channel block's constants: bias and requantization per lane, the zero point, and the
 * store mask of its n channels (< outputs). */
typedef struct {
    __m512i bias, multiplier, multiplier_odd, round_even, round_odd, shift, zero_point;
    __mmask16 store_mask;
} q8_avx512_block;

Q8_AVX512_INLINE void q8_avx512_prepare_block(q8_avx512_block *k, const int32_t *bias, const int32_t *multiplier,
                                              const int32_t *shift, int32_t zero_point, int n) {
    const __m512i one = _mm512_set1_epi64(1), low = _mm512_set1_epi64(0xFFFFFFFF);
    const __m512i m = _mm512_loadu_si512(multiplier), s = _mm512_loadu_si512(shift);
    k->bias = _mm512_loadu_si512(bias);
    k->multiplier = m;
    k->multiplier_odd = _mm512_shuffle_epi32(m, (_MM_PERM_ENUM)0xF5); /* odd lanes moved down */
    /* 2^(shift-1) per 64-bit lane; a padding lane (shift 0) gets a count >= 64, i.e. 0. */
    k->round_even = _mm512_sllv_epi64(one, _mm512_sub_epi64(_mm512_and_si512(s, low), one));
    k->round_odd = _mm512_sllv_epi64(one, _mm512_sub_epi64(_mm512_srli_epi64(s, 32), one));
    k->shift = _mm512_sub_epi32(s, _mm512_set1_epi32(32));
    k->zero_point = _mm512_set1_epi32(zero_point);
    k->store_mask = (__mmask16)((1u << n) - 1);
}

/* Requantizes one pixel's 16 accumulators (bias included, channel order) and stores the block's channels. */
Q8_AVX512_INLINE void q8_avx512_store_pixel(uint8_t *out, __m512i acc, const q8_avx512_block *k) {
    const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(acc, k->multiplier), k->round_even);
    const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_shuffle_epi32(acc, (_MM_PERM_ENUM)0xF5), k->multiplier_odd),
                                         k->round_odd);
    const __m512i q = _mm512_srav_epi32(_mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd), k->shift);
    const __m512i v = _mm512_max_epi32(_mm512_add_epi32(q, k->zero_point), k->zero_point); /* >= 0 */
    _mm_mask_storeu_epi8(out, k->store_mask, _mm512_cvtusepi32_epi8(v));
}

#endif
