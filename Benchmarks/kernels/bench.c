/*
 * Single-thread speed of the conv3x3 kernels on VGG16's convolution shapes, as GMAC/s and as a
 * fraction of the exact int8 peak of this core, then of the linear kernels on fc6's shape (25088
 * -> 4096): int8 weights (linear) against 4-bit weights in groups of 128 (linear4), with the
 * weight bytes streamed per second. Build, run and results: Benchmarks/peak/README.md.
 *   /opt/swift/usr/bin/clang -O2 -I Sources/CInt8Kernels/include Benchmarks/kernels/bench.c \
 *       $(find Sources/CInt8Kernels -name '*.c') -o /tmp/q8bench && /tmp/q8bench [--small] [kernel [runs [shape]]]
 * Every kernel's output is compared with the scalar kernel's on the same shape: a difference is
 * reported and the exit status is 1. --small runs VGG16's channel counts on small maps (whole
 * F(4x4) tiles where Winograd fits), for a correctness run under qemu (Scripts/test-arm.sh builds
 * this file for AArch64 and runs it so; emulated times mean nothing). On AArch64 the peak loop is
 * the neon conv kernel's `smlal` (peak_loops.h).
 *
 * MACs are H*W*outputs*9*cin (cin padded to 4, as the layout stores it; Winograd kernels are
 * counted in the direct MACs they replace, so their "of peak" can pass 100%), depth*outputs for
 * fc6. Every run computes the whole layer in one call (fc6 too; --small cuts it to 25088 -> 128).
 * Each conv kernel run is followed by a short run of the peak loop (independent vpmaddwd+vpaddd
 * chains), and "of peak" is the median over runs of the ratio of the two rates: on a shared or
 * throttled machine both see the same conditions. Times are the thread's CPU time.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../peak/peak_loops.h"
#include "q8_kernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct {
    int height, width, cin, outputs;
} shape;

static const shape vgg_shapes[] = {
    {224, 224, 4, 64}, {224, 224, 64, 64}, {112, 112, 64, 128}, {112, 112, 128, 128}, {56, 56, 128, 256},
    {56, 56, 256, 256}, {28, 28, 256, 512}, {28, 28, 512, 512}, {14, 14, 512, 512},
};
/* --small: the same channels on maps of 32x32 down to 4x4 (38 MMAC or less each) */
static const shape small_shapes[] = {
    {32, 32, 4, 64}, {32, 32, 64, 64}, {24, 24, 64, 128}, {16, 16, 128, 128}, {12, 12, 128, 256},
    {8, 8, 256, 256}, {6, 6, 256, 512}, {4, 4, 512, 512}, {2, 2, 512, 512},
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

enum { MAX_RUNS = 101 };

/* The median and best seconds of n_runs executions of the statement `call`, after one warm-up. */
#define Q8_TIME(call, median_out, best_out)                                                        \
    do {                                                                                           \
        double seconds_[MAX_RUNS];                                                                 \
        best_out = 1e30;                                                                           \
        call; /* warm-up */                                                                        \
        for (int r_ = 0; r_ < n_runs; r_++) {                                                      \
            const double t0_ = now();                                                              \
            call;                                                                                  \
            seconds_[r_] = now() - t0_;                                                            \
            if (seconds_[r_] < best_out) best_out = seconds_[r_];                                  \
        }                                                                                          \
        median_out = median(seconds_, n_runs);                                                     \
    } while (0)

/*
 * fc6 (25088 -> 4096; --small: 25088 -> 128): each kernel's linear on int8 weights and linear4 on
 * 4-bit weights in groups of 128, one call for all outputs, compared with the scalar kernel's
 * results (entries that share a kernel, amx and avx512vnni, avx2pairs and avx2, time it each).
 * Returns the mismatches; counts the runs in *checked.
 */
static int bench_linear(const q8_kernel *kernels, int count, unsigned features, const char *only, int small, int n_runs,
                        const char *only_shape, int *checked) {
    const int depth = 25088, outputs = small ? 128 : 4096, group_size = 128;
    char shape_name[40], name4[40];
    snprintf(shape_name, sizeof shape_name, "fc6 %d->%d", depth, outputs);
    snprintf(name4, sizeof name4, "fc6 int4/%d", group_size);
    if (only_shape && !strstr(shape_name, only_shape)) return 0;
    const size_t blocks = (size_t)(outputs + 15) / 16, groups = (size_t)(depth + group_size - 1) / group_size;
    const size_t w8_bytes = blocks * (size_t)(depth / 4) * 64, w4_bytes = blocks * (size_t)(depth / 8) * 64, m_bytes = blocks * groups * 16;
    uint8_t *input = malloc((size_t)depth), *nibbles = malloc(w4_bytes);
    int8_t *weights = malloc(w8_bytes), *multipliers = malloc(m_bytes);
    int32_t *bias = malloc(blocks * 16 * 4), *acc = malloc((size_t)outputs * 4), *expected8 = malloc((size_t)outputs * 4),
            *expected4 = malloc((size_t)outputs * 4);
    if (!input || !nibbles || !weights || !multipliers || !bias || !acc || !expected8 || !expected4) {
        printf("fc6: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < depth; i++) input[i] = (uint8_t)next();
    for (size_t i = 0; i < w8_bytes; i++) weights[i] = (int8_t)(next() % 255 - 127);
    for (size_t i = 0; i < w4_bytes; i++) nibbles[i] = (uint8_t)next(); /* two q in [-8, 7] */
    for (size_t i = 0; i < m_bytes; i++) multipliers[i] = (int8_t)(next() % 33 - 16);
    for (size_t o = 0; o < blocks * 16; o++) bias[o] = (int32_t)(next() % 200001) - 100000;
    const q8_linear_params p8 = {input, depth, weights, bias, outputs, acc};
    const q8_linear4_params p4 = {input, depth, nibbles, multipliers, group_size, bias, outputs, acc};
    const q8_kernel *scalar = &kernels[count - 1];
    q8_linear_params r8 = p8;
    q8_linear4_params r4 = p4;
    r8.accumulators = expected8;
    r4.accumulators = expected4;
    scalar->linear(&r8, 0, outputs);
    scalar->linear4(&r4, 0, outputs);
    const double macs = (double)depth * outputs;
    int mismatches = 0;
    printf("%-10s %-18s %8s %8s %8s %8s  (%s, one call; GB/s: weight bytes per second)\n", "kernel", "layer", "GMAC/s", "ms", "best", "GB/s",
           shape_name);
    for (int k = 0; k < count; k++) {
        const q8_kernel *K = &kernels[k];
        if (only ? strcmp(only, K->name) != 0 : strcmp(K->name, "scalar") == 0) continue;
        if (!K->linear && !K->linear4) continue;
        if ((K->isa & features) != K->isa) {
            printf("%-10s %-18s not run on this CPU\n", K->name, shape_name);
            continue;
        }
        for (int bits = 8; bits >= 4; bits -= 4) {
            if (bits == 8 ? !K->linear : !K->linear4) continue;
            double t, best;
            memset(acc, 0, (size_t)outputs * 4);
            if (bits == 8) Q8_TIME(K->linear(&p8, 0, outputs), t, best);
            else Q8_TIME(K->linear4(&p4, 0, outputs), t, best);
            const int same = memcmp(acc, bits == 8 ? expected8 : expected4, (size_t)outputs * 4) == 0;
            mismatches += !same;
            (*checked)++;
            const double bytes = bits == 8 ? (double)w8_bytes : (double)(w4_bytes + m_bytes);
            printf("%-10s %-18s %8.1f %8.2f %8.1f %8.1f%s\n", K->name, bits == 8 ? "fc6 int8" : name4, macs / t / 1e9, t * 1e3, macs / best / 1e9,
                   bytes / t / 1e9, same ? "" : "  OUTPUT DIFFERS FROM SCALAR");
        }
    }
    free(input), free(nibbles), free(weights), free(multipliers), free(bias), free(acc), free(expected8), free(expected4);
    return mismatches;
}
#undef Q8_TIME

int main(int argc, char **argv) {
    const int small = argc > 1 && strcmp(argv[1], "--small") == 0;
    if (small) argc--, argv++;
    const shape *shapes = small ? small_shapes : vgg_shapes;
    const int shape_count = (int)((small ? sizeof small_shapes : sizeof vgg_shapes) / sizeof(shape));
    const char *only = argc > 1 && *argv[1] ? argv[1] : NULL; /* kernel name, default ("" too): all but scalar */
    const int runs = argc > 2 ? atoi(argv[2]) : 21;
    const char *only_shape = argc > 3 ? argv[3] : NULL;       /* substring, e.g. 28x28x512 */
    const int n_runs = runs < 1 ? 1 : runs > MAX_RUNS ? MAX_RUNS : runs;
    int count;
    const q8_kernel *kernels = q8_kernel_list(&count);
    const unsigned features = q8_cpu_features();
    const q8_kernel *scalar = &kernels[count - 1]; /* the list ends with the portable kernel */
    int mismatches = 0, checked = 0;

    /* peak loop length: about 2 ms */
    const long peak_iterations = 20000;
    printf("%-10s %-18s %8s %8s %8s %8s  (peak: %s; outputs checked against %s)\n", "kernel", "shape", "GMAC/s", "ms", "best",
           "of peak", PEAK_NAME, scalar->name);
    for (int s = 0; s < shape_count; s++) {
        const shape sh = shapes[s];
        char name[40];
        snprintf(name, sizeof name, "%dx%dx%d->%d", sh.height, sh.width, sh.cin, sh.outputs);
        if (only_shape && !strstr(name, only_shape)) continue;
        const size_t in_bytes = (size_t)(sh.height + 2) * (sh.width + 2) * sh.cin;
        const size_t w_bytes = (size_t)((sh.outputs + 15) / 16) * 9 * sh.cin * 16;
        const size_t out_bytes = (size_t)sh.height * sh.width * sh.outputs;
        uint8_t *input = malloc(in_bytes), *output = malloc(out_bytes), *expected = malloc(out_bytes);
        int8_t *weights = malloc(w_bytes);
        const int padded = (sh.outputs + 15) / 16 * 16;
        int32_t *bias = calloc(padded, 4), *multiplier = calloc(padded, 4), *shift = calloc(padded, 4);
        for (size_t i = 0; i < in_bytes; i++) input[i] = (uint8_t)next();
        /* [-64, 64]: meets every kernel's weight needs (Q8_WEIGHTS_*); speed does not depend on the values */
        for (size_t i = 0; i < w_bytes; i++) weights[i] = (int8_t)(next() % 129 - 64);
        for (int o = 0; o < sh.outputs; o++) {
            bias[o] = (int32_t)(next() % 200001) - 100000;
            multiplier[o] = (int32_t)(0x40000000u + next() % 0x40000000u);
            shift[o] = 40 + (int32_t)(next() % 8);
        }
        const q8_conv3x3_params p = {
            .input = input, .input_row_stride = (ptrdiff_t)(sh.width + 2) * sh.cin, .width = sh.width, .cin = sh.cin,
            .weights = weights, .bias = bias, .multiplier = multiplier, .shift = shift, .outputs = sh.outputs,
            .cout = sh.outputs, .output = output, .output_row_stride = (ptrdiff_t)sh.width * sh.outputs,
            .output_zero_point = 0,
        };
        const double macs = (double)sh.height * sh.width * sh.outputs * 9 * sh.cin;
        q8_conv3x3_params reference = p;
        reference.output = expected;
        scalar->conv3x3(&reference, 0, sh.height);
        for (int k = 0; k < count; k++) {
            if (only ? strcmp(only, kernels[k].name) != 0 : strcmp(kernels[k].name, "scalar") == 0) continue;
            if ((kernels[k].isa & features) != kernels[k].isa) {
                printf("%-10s %-18s not run on this CPU\n", kernels[k].name, name);
                continue;
            }
            /* A Winograd entry: its transformed weights and scratch, on the shapes it fits. */
            const q8_kernel *K = &kernels[k];
            const q8_conv3x3_wino_fn wino = K->conv3x3 ? NULL : K->conv3x3_wino;
            const int tile = K->wino_tile;
            if (wino && (sh.height % tile || sh.width % tile || sh.cin % 16 ||
                         (tile == 4 && !q8_wino4x4_weights_fit(weights, sh.cin, sh.outputs)))) {
                printf("%-10s %-18s does not fit this shape\n", K->name, name);
                continue;
            }
            int16_t *transformed = NULL;
            void *scratch = NULL;
            if (wino) {
                transformed = malloc(2 * q8_wino_weights_count(tile, sh.cin, sh.outputs));
                q8_wino_transform_weights(tile, weights, sh.cin, sh.outputs, transformed);
                scratch = malloc(q8_wino_scratch_bytes(tile, sh.cin));
            }
#define Q8_RUN() (wino ? wino(&p, transformed, scratch, 0, sh.height / tile) : K->conv3x3(&p, 0, sh.height))
            double seconds[MAX_RUNS], ratio[MAX_RUNS], best = 1e30;
            Q8_RUN(); /* warm-up */
            for (int r = 0; r < n_runs; r++) {
                double t0 = now();
                Q8_RUN();
                const double t = now() - t0;
                t0 = now();
                loop_peak(peak_iterations);
                const double peak_rate = PEAK_MACS_PER_ITERATION * (double)peak_iterations / (now() - t0);
                seconds[r] = t;
                ratio[r] = macs / t / peak_rate;
                if (t < best) best = t;
            }
            const double t = median(seconds, n_runs);
            const int same = memcmp(output, expected, out_bytes) == 0;
            mismatches += !same;
            checked++;
            printf("%-10s %-18s %8.1f %8.2f %8.1f %7.0f%%%s\n", kernels[k].name, name, macs / t / 1e9, t * 1e3, macs / best / 1e9,
                   100 * median(ratio, n_runs), same ? "" : "  OUTPUT DIFFERS FROM SCALAR");
#undef Q8_RUN
            free(transformed);
            free(scratch);
        }
        free(input), free(output), free(expected), free(weights), free(bias), free(multiplier), free(shift);
    }
    mismatches += bench_linear(kernels, count, features, only, small, n_runs, only_shape, &checked);
    printf("%d kernel runs checked against %s: %s\n", checked, scalar->name, mismatches ? "OUTPUTS DIFFER" : "all identical");
    return mismatches ? 1 : 0;
}
