/*
 * int8 multiply-accumulate peak of this core, measured with independent instruction chains
 * (inline asm, so the compiler can neither fold nor reorder them). See README.md.
 *
 *   clang -O2 -mavx2 -pthread Benchmarks/peak/peak.c -o /tmp/peak && /tmp/peak
 *
 * Every loop iteration issues 8 independent multiply results into 8 accumulators; the numbers
 * are MAC/s counted as the useful int8 x int8 products (16 per vpmaddwd, 32 per vpmaddubsw,
 * 32 per ymm vpdpbusd, 64 per zmm vpdpbusd).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); /* CPU time: robust to other load on the machine */
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static _Alignas(64) int8_t memory[4096];

#include "peak_loops.h"

/* 2. as 1 plus the operand traffic of a kernel: one vpbroadcastq ymm, m64 per 2 pairs. */
__attribute__((target("avx2"))) static void loop_maddwd_bcast(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(MADD8
                         "vpbroadcastq (%0), %%ymm12\n\t" "vpbroadcastq 8(%0), %%ymm13\n\t"
                         "vpbroadcastq 16(%0), %%ymm12\n\t" "vpbroadcastq 24(%0), %%ymm13\n\t"
                         :: "r"(memory) : CLOBBER_YMM);
}

/* 3. as 1 plus one vpmovsxbw ymm, m128 (weight widening) per 4 pairs. */
__attribute__((target("avx2"))) static void loop_maddwd_widen(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(MADD8 "vpmovsxbw (%0), %%ymm12\n\t" "vpmovsxbw 16(%0), %%ymm13\n\t"
                         :: "r"(memory) : CLOBBER_YMM);
}

/* 4. as 1 plus one vpshufb per 4 pairs (in-register activation widening). */
__attribute__((target("avx2"))) static void loop_maddwd_shuf(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(MADD8 "vpshufb %%ymm15, %%ymm14, %%ymm12\n\t" "vpshufb %%ymm15, %%ymm14, %%ymm13\n\t"
                         ::: CLOBBER_YMM);
}

/* 4b. as 1 plus one lane-crossing vpermq per 8 pairs, 4c. plus one vpmuldq per 8 pairs (the epilogue's ops). */
__attribute__((target("avx2"))) static void loop_maddwd_permq(long n) {
    for (long i = 0; i < n; i++) __asm__ volatile(MADD8 "vpermq $0xD8, %%ymm14, %%ymm12\n\t" ::: CLOBBER_YMM);
}
__attribute__((target("avx2"))) static void loop_maddwd_muldq(long n) {
    for (long i = 0; i < n; i++) __asm__ volatile(MADD8 "vpmuldq %%ymm14, %%ymm15, %%ymm12\n\t" ::: CLOBBER_YMM);
}

/* 5. vpmaddubsw (saturating: NOT exact for unbounded operands) + vpmaddwd(ones) + vpaddd. */
__attribute__((target("avx2"))) static void loop_maddubsw(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm8\n\t" "vpmaddwd %%ymm13, %%ymm8, %%ymm8\n\t" "vpaddd %%ymm8, %%ymm0, %%ymm0\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm9\n\t" "vpmaddwd %%ymm13, %%ymm9, %%ymm9\n\t" "vpaddd %%ymm9, %%ymm1, %%ymm1\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm10\n\t" "vpmaddwd %%ymm13, %%ymm10, %%ymm10\n\t" "vpaddd %%ymm10, %%ymm2, %%ymm2\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm11\n\t" "vpmaddwd %%ymm13, %%ymm11, %%ymm11\n\t" "vpaddd %%ymm11, %%ymm3, %%ymm3\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm8\n\t" "vpmaddwd %%ymm13, %%ymm8, %%ymm8\n\t" "vpaddd %%ymm8, %%ymm4, %%ymm4\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm9\n\t" "vpmaddwd %%ymm13, %%ymm9, %%ymm9\n\t" "vpaddd %%ymm9, %%ymm5, %%ymm5\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm10\n\t" "vpmaddwd %%ymm13, %%ymm10, %%ymm10\n\t" "vpaddd %%ymm10, %%ymm6, %%ymm6\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm11\n\t" "vpmaddwd %%ymm13, %%ymm11, %%ymm11\n\t" "vpaddd %%ymm11, %%ymm7, %%ymm7\n\t"
            ::: CLOBBER_YMM);
}

/* 6. vpmaddubsw + vpaddw into int16 (the common inexact idiom; only for the record). */
__attribute__((target("avx2"))) static void loop_maddubsw_w(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm8\n\t" "vpaddw %%ymm8, %%ymm0, %%ymm0\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm9\n\t" "vpaddw %%ymm9, %%ymm1, %%ymm1\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm10\n\t" "vpaddw %%ymm10, %%ymm2, %%ymm2\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm11\n\t" "vpaddw %%ymm11, %%ymm3, %%ymm3\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm12\n\t" "vpaddw %%ymm12, %%ymm4, %%ymm4\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm13\n\t" "vpaddw %%ymm13, %%ymm5, %%ymm5\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm8\n\t" "vpaddw %%ymm8, %%ymm6, %%ymm6\n\t"
            "vpmaddubsw %%ymm14, %%ymm15, %%ymm9\n\t" "vpaddw %%ymm9, %%ymm7, %%ymm7\n\t"
            ::: CLOBBER_YMM);
}

/* 7. AVX-VNNI vpdpbusd ymm (32 MAC each), 8 independent accumulators. */
__attribute__((target("avx2,avxvnni"))) static void loop_avxvnni(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(
            "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm0\n\t" "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm1\n\t"
            "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm2\n\t" "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm3\n\t"
            "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm4\n\t" "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm5\n\t"
            "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm6\n\t" "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm7\n\t"
            ::: CLOBBER_YMM);
}

/* 8. AVX-512 VNNI vpdpbusd zmm (64 MAC each). */
__attribute__((target("avx512f,avx512vnni"))) static void loop_avx512vnni(long n) {
    for (long i = 0; i < n; i++)
        __asm__ volatile(
            "vpdpbusd %%zmm14, %%zmm15, %%zmm0\n\t" "vpdpbusd %%zmm14, %%zmm15, %%zmm1\n\t"
            "vpdpbusd %%zmm14, %%zmm15, %%zmm2\n\t" "vpdpbusd %%zmm14, %%zmm15, %%zmm3\n\t"
            "vpdpbusd %%zmm14, %%zmm15, %%zmm4\n\t" "vpdpbusd %%zmm14, %%zmm15, %%zmm5\n\t"
            "vpdpbusd %%zmm14, %%zmm15, %%zmm6\n\t" "vpdpbusd %%zmm14, %%zmm15, %%zmm7\n\t"
            ::: CLOBBER_YMM);
}

typedef struct {
    const char *name;
    void (*loop)(long);
    double mac_per_iteration;
    int needs; /* 0 avx2, 1 avx-vnni, 2 avx512-vnni */
} bench;

static const bench benches[] = {
    {"vpmaddwd+vpaddd (exact, 16 MAC/pair)", loop_maddwd, MADDWD_MACS_PER_ITERATION, 0},
    {"  + 1 vpbroadcastq m64 per 2 pairs", loop_maddwd_bcast, 128, 0},
    {"  + 1 vpmovsxbw m128 per 4 pairs", loop_maddwd_widen, 128, 0},
    {"  + 1 vpshufb per 4 pairs", loop_maddwd_shuf, 128, 0},
    {"  + 1 vpermq per 8 pairs", loop_maddwd_permq, 128, 0},
    {"  + 1 vpmuldq per 8 pairs", loop_maddwd_muldq, 128, 0},
    {"vpmaddubsw+vpmaddwd(1)+vpaddd (saturates)", loop_maddubsw, 256, 0},
    {"vpmaddubsw+vpaddw (int16 acc, saturates)", loop_maddubsw_w, 256, 0},
    {"vpdpbusd ymm (AVX-VNNI)", loop_avxvnni, 256, 1},
    {"vpdpbusd zmm (AVX-512 VNNI)", loop_avx512vnni, 512, 2},
};

typedef struct {
    void (*loop)(long);
    long n;
    pthread_barrier_t *barrier;
    double seconds;
} job;

static void *run_job(void *arg) {
    job *j = arg;
    pthread_barrier_wait(j->barrier);
    double t = now();
    j->loop(j->n);
    j->seconds = now() - t;
    return NULL;
}

/* Best of `reps` runs; with `threads` > 1 every thread runs the same loop, time = slowest. */
static double seconds_for(void (*loop)(long), long n, int threads, int reps) {
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        pthread_t tid[8];
        job jobs[8];
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, (unsigned)threads);
        for (int t = 0; t < threads; t++) {
            jobs[t] = (job){loop, n, &barrier, 0};
            pthread_create(&tid[t], NULL, run_job, &jobs[t]);
        }
        double worst = 0;
        for (int t = 0; t < threads; t++) {
            pthread_join(tid[t], NULL);
            if (jobs[t].seconds > worst) worst = jobs[t].seconds;
        }
        pthread_barrier_destroy(&barrier);
        if (worst < best) best = worst;
    }
    return best;
}

static int has_avxvnni(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 4) & 1;
}

static int has_avx512vnni(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!((b >> 16) & 1) || !((c >> 11) & 1)) return 0; /* avx512f, avx512vnni */
    __get_cpuid(1, &a, &b, &c, &d);
    if (!((c >> 27) & 1)) return 0;                       /* osxsave */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6) == 0xE6;                           /* XMM, YMM, opmask, ZMM state */
}

int main(int argc, char **argv) {
    int threads_max = argc > 1 ? atoi(argv[1]) : 2;
    if (threads_max < 1 || threads_max > 8) threads_max = 2;
    memset(memory, 1, sizeof memory);

    const long add_n = 100000000;
    double t_add = seconds_for(chain_add, add_n, 1, 5);
    double ghz = 4.0 * add_n / t_add / 1e9;
    printf("core clock (dependent add chain): %.2f GHz\n\n", ghz);

    printf("%-44s %12s %10s", "loop", "GMAC/s 1T", "MAC/cycle");
    if (threads_max > 1) printf(" %12s", "GMAC/s");
    printf("\n");
    const long n = 20000000;
    for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
        const bench *b = &benches[i];
        if ((b->needs == 1 && !has_avxvnni()) || (b->needs == 2 && !has_avx512vnni())) {
            printf("%-44s not run on this CPU\n", b->name);
            continue;
        }
        double t1 = seconds_for(b->loop, n, 1, 5);
        double g1 = b->mac_per_iteration * n / t1 / 1e9;
        printf("%-44s %12.1f %10.2f", b->name, g1, g1 / ghz);
        if (threads_max > 1) {
            double tn = seconds_for(b->loop, n, threads_max, 5);
            printf(" %9.1f %dT", b->mac_per_iteration * n * threads_max / tn / 1e9, threads_max);
        }
        printf("\n");
    }
    return 0;
}
