/*
 * Self-check of the emulation (Scripts/test-x86-emulated.sh runs it before the kernel driver):
 * every intrinsic that Tests/X86Emulated/immintrin.h adds to SIMDe, SIMDe's vpdpbusd (both forms)
 * and the SIMDe ops whose edge cases the requantization uses, against plain C definitions
 * written from the Intel Intrinsics Guide's pseudo-code: hand cases, then random lanes.
 * Prints one line per intrinsic; exit 1 on any difference.
 */
#include <immintrin.h> /* Tests/X86Emulated/immintrin.h (-I), i.e. SIMDe */
#include <stdio.h>

static int failures = 0;
static void check(const char *what, int ok, int index) {
    if (!ok && failures++ < 20) printf("MISMATCH %s (case %d)\n", what, index);
}

static uint64_t state = 0x243F6A8885A308D3ull;
static uint64_t next(void) { /* splitmix64 */
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static void fill(void *p, size_t n) {
    for (size_t i = 0; i < n; i++) ((uint8_t *)p)[i] = (uint8_t)next();
}

/* vpdpbusd lane: src + sum of 4 u8 (a) x s8 (b), wrapping int32 (the instruction does not saturate) */
static int32_t dpbusd_ref(int32_t src, const uint8_t *a, const int8_t *b) {
    int64_t sum = src;
    for (int j = 0; j < 4; j++) sum += (int64_t)a[j] * b[j];
    return (int32_t)(uint32_t)(uint64_t)sum;
}

/* runs both dpbusd forms on (src, a, b) and compares every lane with the reference */
static void check_dpbusd(const int32_t *src, const uint8_t *a, const int8_t *b, int index) {
    __m512i s5, a5, b5, r5;
    memcpy(&s5, src, 64);
    memcpy(&a5, a, 64);
    memcpy(&b5, b, 64);
    r5 = _mm512_dpbusd_epi32(s5, a5, b5);
    __m256i s2, a2, b2, r2;
    memcpy(&s2, src, 32);
    memcpy(&a2, a, 32);
    memcpy(&b2, b, 32);
    r2 = _mm256_dpbusd_avx_epi32(s2, a2, b2);
    int32_t got5[16], got2[8];
    memcpy(got5, &r5, 64);
    memcpy(got2, &r2, 32);
    int ok5 = 1, ok2 = 1;
    for (int i = 0; i < 16; i++) ok5 &= got5[i] == dpbusd_ref(src[i], a + 4 * i, b + 4 * i);
    for (int i = 0; i < 8; i++) ok2 &= got2[i] == dpbusd_ref(src[i], a + 4 * i, b + 4 * i);
    check("_mm512_dpbusd_epi32", ok5, index);
    check("_mm256_dpbusd_avx_epi32", ok2, index);
}

int main(void) {
    /* dpbusd by hand: lane i holds a different case; the expected values are written out */
    {
        static const struct { int32_t src; uint8_t a[4]; int8_t b[4]; int32_t expected; } hand[] = {
            {0, {255, 255, 255, 255}, {127, 127, 127, 127}, 129540},          /* 4*255*127: the kernels' largest */
            {0, {255, 255, 255, 255}, {-127, -127, -127, -127}, -129540},
            {0, {255, 255, 255, 255}, {-128, -128, -128, -128}, -130560},
            {100, {1, 2, 3, 4}, {-1, 2, -3, 4}, 110},
            {0, {128, 0, 0, 0}, {-1, 0, 0, 0}, -128},                          /* a zero-extended (not -128 * -1) */
            {0, {0, 0, 0, 253}, {0, 0, 0, 2}, 506},                            /* a is u8, b is s8: not 2 * -3 */
            {0, {2, 0, 0, 0}, {-3, 0, 0, 0}, -6},
            {-7, {0, 0, 0, 0}, {127, 127, 127, 127}, -7},
            {2147483647 - 129540, {255, 255, 255, 255}, {127, 127, 127, 127}, 2147483647}, /* the int32 bound, exact */
            {-2147483647 + 129540, {255, 255, 255, 255}, {-127, -127, -127, -127}, -2147483647},
            {2147483647, {1, 0, 0, 0}, {1, 0, 0, 0}, (int32_t)0x80000000},  /* wraps, as the instruction does */
            {5, {10, 20, 30, 40}, {1, 1, 1, 1}, 105},
            {0, {255, 0, 255, 0}, {127, -127, -127, 127}, 0},
            {1 << 30, {200, 100, 50, 25}, {-100, 100, -50, 50}, (1 << 30) - 20000 + 10000 - 2500 + 1250},
            {-1, {1, 1, 1, 1}, {1, 1, 1, 1}, 3},
            {0, {17, 34, 51, 68}, {-17, 34, -51, 68}, -289 + 1156 - 2601 + 4624},
        };
        int32_t src[16];
        uint8_t a[64];
        int8_t b[64];
        for (int i = 0; i < 16; i++) {
            src[i] = hand[i].src;
            memcpy(a + 4 * i, hand[i].a, 4);
            memcpy(b + 4 * i, hand[i].b, 4);
            check("dpbusd reference vs hand case", dpbusd_ref(hand[i].src, hand[i].a, hand[i].b) == hand[i].expected, i);
        }
        check_dpbusd(src, a, b, -1);
        /* the same cases rotated by 8 lanes: the ymm form sees the other half too */
        int32_t src2[16];
        uint8_t a2[64];
        int8_t b2[64];
        for (int i = 0; i < 16; i++) {
            src2[i] = src[(i + 8) % 16];
            memcpy(a2 + 4 * i, a + 4 * ((i + 8) % 16), 4);
            memcpy(b2 + 4 * i, b + 4 * ((i + 8) % 16), 4);
        }
        check_dpbusd(src2, a2, b2, -2);
    }
    for (int n = 0; n < 20000; n++) {
        int32_t src[16];
        uint8_t a[64];
        int8_t b[64];
        fill(src, sizeof src);
        fill(a, sizeof a);
        fill(b, sizeof b);
        check_dpbusd(src, a, b, n);
    }
    printf("vpdpbusd (zmm, ymm): 2 hand vectors (16 cases) + 20000 random vectors\n");

    /* the shim's additions and the SIMDe ops with edge cases the requantization relies on */
    for (int n = 0; n < 20000; n++) {
        int32_t x[16], c[16], d[16];
        int64_t q[8], e[8];
        uint8_t bytes[16];
        fill(x, sizeof x);
        fill(c, sizeof c);
        if (n % 2) /* interesting counts: in range, at the edges, beyond, negative */
            for (int i = 0; i < 16; i++) c[i] = (int32_t)(next() % 70) - 3;
        if (n % 3 == 0) /* interesting values: around 0, 255, sign bits */
            for (int i = 0; i < 16; i++) x[i] = (int32_t)(next() % 600) - 300 + (int32_t)((next() & 1) << 31);
        __m512i vx, vc, r;
        memcpy(&vx, x, 64);
        memcpy(&vc, c, 64);

        static const int imms[] = {0xF5, 0x00, 0xFF, 0x1B, 0xE4, 0x4E, 0xB1};
        const int imm = imms[n % 7];
        switch (n % 7) { /* the real intrinsic wants a constant */
        case 0: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0xF5); break;
        case 1: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0x00); break;
        case 2: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0xFF); break;
        case 3: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0x1B); break;
        case 4: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0xE4); break;
        case 5: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0x4E); break;
        default: r = _mm512_shuffle_epi32(vx, (_MM_PERM_ENUM)0xB1); break;
        }
        memcpy(d, &r, 64);
        int ok = 1;
        for (int i = 0; i < 16; i++) ok &= d[i] == x[4 * (i / 4) + ((imm >> (2 * (i % 4))) & 3)];
        check("_mm512_shuffle_epi32", ok, n);

        r = _mm512_srav_epi32(vx, vc);
        memcpy(d, &r, 64);
        ok = 1;
        for (int i = 0; i < 16; i++) ok &= d[i] == ((uint32_t)c[i] > 31 ? (x[i] < 0 ? -1 : 0) : (int32_t)((int64_t)x[i] >> c[i]));
        check("_mm512_srav_epi32", ok, n);

        __m256i r256 = _mm256_srav_epi32(_mm512_castsi512_si256(vx), _mm512_castsi512_si256(vc));
        memcpy(d, &r256, 32);
        ok = 1;
        for (int i = 0; i < 8; i++) ok &= d[i] == ((uint32_t)c[i] > 31 ? (x[i] < 0 ? -1 : 0) : (int32_t)((int64_t)x[i] >> c[i]));
        check("_mm256_srav_epi32 (SIMDe)", ok, n);

        const __m128i packed = _mm512_cvtusepi32_epi8(vx);
        memcpy(bytes, &packed, 16);
        ok = 1;
        for (int i = 0; i < 16; i++) ok &= bytes[i] == ((uint32_t)x[i] > 255 ? 255 : (uint32_t)x[i]);
        check("_mm512_cvtusepi32_epi8", ok, n);

        uint8_t signed_bytes[16]; /* random bytes: every one sign-extended */
        fill(signed_bytes, sizeof signed_bytes);
        __m128i vs;
        memcpy(&vs, signed_bytes, 16);
        r = _mm512_cvtepi8_epi32(vs);
        memcpy(d, &r, 64);
        ok = 1;
        for (int i = 0; i < 16; i++) ok &= d[i] == (int32_t)(int8_t)signed_bytes[i];
        check("_mm512_cvtepi8_epi32", ok, n);

        /* masked stores: only the selected bytes / dwords change */
        const __mmask16 k = (__mmask16)next();
        uint8_t mem[16], before[16];
        fill(mem, sizeof mem);
        memcpy(before, mem, 16);
        _mm_mask_storeu_epi8(mem, k, packed);
        ok = 1;
        for (int i = 0; i < 16; i++) ok &= mem[i] == (((k >> i) & 1) ? bytes[i] : before[i]);
        check("_mm_mask_storeu_epi8", ok, n);
        int32_t mem32[16], before32[16];
        fill(mem32, sizeof mem32);
        memcpy(before32, mem32, 64);
        _mm512_mask_storeu_epi32(mem32, k, vx);
        ok = 1;
        for (int i = 0; i < 16; i++) ok &= mem32[i] == (((k >> i) & 1) ? x[i] : before32[i]);
        check("_mm512_mask_storeu_epi32", ok, n);

        /* 2^(count) per 64-bit lane, 0 for counts >= 64 (incl. "negative"): prepare_block's rounding term */
        for (int i = 0; i < 8; i++) e[i] = (int64_t)(next() % 80) - 8;
        __m512i ve;
        memcpy(&ve, e, 64);
        r = _mm512_sllv_epi64(_mm512_set1_epi64(1), ve);
        memcpy(q, &r, 64);
        ok = 1;
        for (int i = 0; i < 8; i++) ok &= (uint64_t)q[i] == ((uint64_t)e[i] < 64 ? (uint64_t)1 << e[i] : 0);
        check("_mm512_sllv_epi64 (SIMDe)", ok, n);
        r256 = _mm256_sllv_epi64(_mm256_set1_epi64x(1), _mm512_castsi512_si256(ve));
        memcpy(q, &r256, 32);
        ok = 1;
        for (int i = 0; i < 4; i++) ok &= (uint64_t)q[i] == ((uint64_t)e[i] < 64 ? (uint64_t)1 << e[i] : 0);
        check("_mm256_sllv_epi64 (SIMDe)", ok, n);

        /* signed 32 x 32 -> 64 of the even lanes */
        r = _mm512_mul_epi32(vx, vc);
        memcpy(q, &r, 64);
        ok = 1;
        for (int i = 0; i < 8; i++) ok &= q[i] == (int64_t)x[2 * i] * (int64_t)c[2 * i];
        check("_mm512_mul_epi32 (SIMDe)", ok, n);
        r256 = _mm256_mul_epi32(_mm512_castsi512_si256(vx), _mm512_castsi512_si256(vc));
        memcpy(q, &r256, 32);
        ok = 1;
        for (int i = 0; i < 4; i++) ok &= q[i] == (int64_t)x[2 * i] * (int64_t)c[2 * i];
        check("_mm256_mul_epi32 (SIMDe)", ok, n);
    }
    printf("shim: _mm512_shuffle_epi32 _mm512_srav_epi32 _mm512_cvtusepi32_epi8 _mm512_cvtepi8_epi32 _mm_mask_storeu_epi8\n"
           "      _mm512_mask_storeu_epi32;\n"
           "SIMDe: _mm256_srav_epi32 _mm512/_mm256_sllv_epi64 _mm512/_mm256_mul_epi32: 20000 random vectors each\n");
    if (failures) {
        printf("FAIL: the emulation is wrong (%d mismatches): kernel results under it mean nothing\n", failures);
        return 1;
    }
    printf("emulation self-check ok\n");
    return 0;
}
