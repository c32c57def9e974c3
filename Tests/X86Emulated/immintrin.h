/*
 * Stand-in for the compiler's <immintrin.h> when Scripts/test-x86-emulated.sh compiles the VNNI
 * kernel files (x86/q8_{conv3x3,linear,linear4}_*__{avx512vnni,avxvnni}.c, with the dot4 template and
 * avx2_common.h they include) for any x86-64 CPU, whether or not it has AVX-512 / AVX-VNNI:
 * `-I Tests/X86Emulated` makes their `#include <immintrin.h>` land here, and
 * every intrinsic resolves to SIMDe (SIMD Everywhere, Debian libsimde-dev), which implements it in
 * portable C. The kernel files themselves are compiled unchanged.
 *
 * 1. SIMDe with native aliases: `__m512i`, `_mm512_dpbusd_epi32`, `_mm256_*` ... name SIMDe's
 *    portable versions. Compile WITHOUT -mavx/-mavx2 (checked below): then SIMDe does not include
 *    the real <immintrin.h> (which would declare the same names) and nothing runs natively
 *    except SSE2.
 * 2. The few intrinsics the kernels use that SIMDe 0.7.4 lacks, written from the pseudo-code of
 *    the Intel Intrinsics Guide as plain per-lane C. Each is skipped when SIMDe provides it
 *    (its aliases are macros), so a newer SIMDe takes over. Tests/X86Emulated/shim_check.c checks
 *    all of them, and SIMDe's dpbusd, against scalar definitions before the kernels run.
 * 3. `target(...)` is defined away LAST (after every system header this file includes), so the
 *    kernels' `__attribute__((target("avx512f,...")))` becomes `__attribute__(())`: without it
 *    the compiler could use AVX-512 / AVX-VNNI instructions for the emulation inside those
 *    functions and the test would die of SIGILL here.
 */
#ifndef Q8_X86_EMULATED_IMMINTRIN_H
#define Q8_X86_EMULATED_IMMINTRIN_H

#if defined(__AVX__)
#error "emulated kernels: compile without -mavx/-mavx2/-march=native (SIMDe would include the real <immintrin.h>)"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SIMDE_ENABLE_NATIVE_ALIASES
#if defined(__clang__) /* clang's <emmintrin.h> has its own __m128bh, which SIMDe 0.7.4 would redefine */
#include <emmintrin.h>
#define __m128bh q8_simde_m128bh
#endif
#include <simde/x86/avx512.h> /* AVX-512 F/BW/VL/VNNI, and through it AVX2, AVX, SSE* */
#undef __m128bh

#define Q8_EMU static inline __attribute__((always_inline, unused))

/* ---- AVX-512 names SIMDe 0.7.4 does not alias */
typedef simde__mmask16 __mmask16;
#if !defined(_MM_PERM_AAAA) /* the enum of _mm512_shuffle_epi32's control byte; the kernels cast 0xF5 to it */
typedef int _MM_PERM_ENUM;
#endif

/* VPSHUFD zmm: in each 128-bit lane, dst[i] = a[(imm >> 2*(i%4)) & 3] of the same lane. */
#if !defined(_mm512_shuffle_epi32)
Q8_EMU __m512i _mm512_shuffle_epi32(__m512i a, _MM_PERM_ENUM imm) {
    int32_t s[16], d[16];
    memcpy(s, &a, 64);
    for (int i = 0; i < 16; i++) d[i] = s[(i & ~3) + (((unsigned)imm >> (2 * (i & 3))) & 3)];
    __m512i r;
    memcpy(&r, d, 64);
    return r;
}
#endif

/* VPSRAVD zmm: arithmetic right shift per lane; a count > 31 (as unsigned) fills with the sign. */
#if !defined(_mm512_srav_epi32)
Q8_EMU __m512i _mm512_srav_epi32(__m512i a, __m512i count) {
    int32_t s[16], d[16];
    uint32_t c[16];
    memcpy(s, &a, 64);
    memcpy(c, &count, 64);
    for (int i = 0; i < 16; i++) d[i] = c[i] > 31 ? (s[i] < 0 ? -1 : 0) : s[i] >> c[i]; /* >> of a negative: arithmetic (gcc, clang) */
    __m512i r;
    memcpy(&r, d, 64);
    return r;
}
#endif

/* VPMOVUSDB: each lane as UNSIGNED 32-bit, saturated to 0..255, 16 bytes. */
#if !defined(_mm512_cvtusepi32_epi8)
Q8_EMU __m128i _mm512_cvtusepi32_epi8(__m512i a) {
    uint32_t s[16];
    uint8_t d[16];
    memcpy(s, &a, 64);
    for (int i = 0; i < 16; i++) d[i] = s[i] > 255 ? 255 : (uint8_t)s[i];
    __m128i r;
    memcpy(&r, d, 16);
    return r;
}
#endif

/* VPMOVSXBD zmm: 16 bytes sign-extended to 16 int32 lanes (the linear4 kernels' multipliers). */
#if !defined(_mm512_cvtepi8_epi32)
Q8_EMU __m512i _mm512_cvtepi8_epi32(__m128i a) {
    int8_t s[16];
    int32_t d[16];
    memcpy(s, &a, 16);
    for (int i = 0; i < 16; i++) d[i] = s[i];
    __m512i r;
    memcpy(&r, d, 64);
    return r;
}
#endif

/* VMOVDQU8 m128 {k}: stores byte i iff mask bit i; masked-off bytes are not accessed (no fault). */
#if !defined(_mm_mask_storeu_epi8)
Q8_EMU void _mm_mask_storeu_epi8(void *mem, __mmask16 k, __m128i a) {
    uint8_t s[16];
    memcpy(s, &a, 16);
    for (int i = 0; i < 16; i++)
        if ((k >> i) & 1) ((uint8_t *)mem)[i] = s[i];
}
#endif

/* VMOVDQU32 m512 {k}: stores dword i iff mask bit i; masked-off dwords are not accessed. */
#if !defined(_mm512_mask_storeu_epi32)
Q8_EMU void _mm512_mask_storeu_epi32(void *mem, __mmask16 k, __m512i a) {
    int32_t s[16];
    memcpy(s, &a, 64);
    for (int i = 0; i < 16; i++)
        if ((k >> i) & 1) memcpy((char *)mem + 4 * i, &s[i], 4);
}
#endif

/* ---- AVX-VNNI: VEX-encoded VPDPBUSD ymm. Same operation as the EVEX (AVX512_VNNI + VL) form, which
 * SIMDe has as _mm256_dpbusd_epi32: per int32 lane, src + four zero-extended u8 (a) x sign-extended
 * s8 (b) products, no saturation. SIMDe 0.7.4 has no AVX-VNNI header. */
#if !defined(_mm256_dpbusd_avx_epi32)
#define _mm256_dpbusd_avx_epi32(src, a, b) simde_mm256_dpbusd_epi32(src, a, b)
#endif

/* Last: neutralize the kernels' target attributes (see 3. above). */
#define target(...)

#endif
