/*
 * The C kernels' test driver: built for aarch64 by Scripts/test-arm.sh (run under qemu-aarch64),
 * natively by Scripts/test-kernels-native.sh (every x86 kernel this CPU runs) and against SIMDe
 * by Scripts/test-x86-emulated.sh (the VNNI kernels on a CPU without them).
 *
 *   kernel_test [--expect NAME] [--cases PATH] [--require-cases] [--seed N] [--quick]
 *
 * 1. Prints q8_cpu_features() and the kernel dispatch picks (the first entry of q8_kernel_list
 *    whose ISA bits the CPU has); --expect NAME fails unless that is NAME.
 * 2. Runs every kernel the CPU supports against the scalar kernel on a seeded random grid of
 *    conv3x3, linear and linear4 (4-bit grouped weights) cases (shapes, channel counts, group
 *    sizes, extremes, split row/output ranges; a kernel that needs pair-bounded weights on a
 *    pair-bounded copy of each conv3x3 and linear case),
 *    with every buffer ending (or starting) at a PROT_NONE guard page, outputs prefilled with
 *    a sentinel that must survive outside the written channels/rows/outputs.
 * 3. With --cases PATH (Tests/Fixtures/kernels/cases.bin, Docs/Kernels.md), runs every supported
 *    kernel on every case and compares with the Swift reference's expected results. A missing
 *    file is reported and is an error only with --require-cases.
 * Kernels the CPU lacks are listed as not run. Any mismatch: a message naming kernel, case,
 * position, got/expected, and exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kernels_internal.h"

/* ---------------------------------------------------------------- utilities */

/* Two streams: rng_* draws the cases (the same for every CPU model given a seed), layout_*
 * draws buffer placement and call orders (which depend on how many kernels run). */
static uint64_t rng_state, layout_state;
static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint64_t rng_next(void) { return splitmix64(&rng_state); }
static uint64_t layout_next(void) { return splitmix64(&layout_state); }
/* uniform in [lo, hi] */
static int64_t rng_range(int64_t lo, int64_t hi) { return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1)); }
static int layout_range(int lo, int hi) { return lo + (int)(layout_next() % (uint64_t)(hi - lo + 1)); }

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int failures = 0;
static int reported = 0;
static void fail(const char *fmt, ...) {
    failures++;
    if (reported++ >= 20) return; /* enough to debug; the count is in the summary */
    va_list ap;
    va_start(ap, fmt);
    fputs("MISMATCH ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    exit(2);
}

/* What is running, for the crash report (a guard page hit is SIGSEGV, a missing ISA SIGILL). */
static const char *current_kernel = "(none)";
static const char *current_case = "(setup)";

static void write_str(const char *s) {
    ssize_t unused = write(STDOUT_FILENO, s, strlen(s));
    (void)unused;
}

static void crash_handler(int sig) {
    write_str(sig == SIGSEGV ? "\nCRASH SIGSEGV (out-of-bounds access: a guard page)" : sig == SIGILL ? "\nCRASH SIGILL (an instruction this CPU lacks)" : "\nCRASH signal");
    write_str(" in kernel ");
    write_str(current_kernel);
    write_str(", case ");
    write_str(current_case);
    write_str("\n");
    _exit(3);
}

/*
 * Guarded buffers: the usable bytes end exactly at a PROT_NONE page (or, for odd allocations,
 * start exactly after one), so a kernel reading past its documented bounds faults.
 */
typedef struct {
    void *map;
    size_t map_size;
} guard_block;
#define MAX_GUARDS 64
static guard_block guards[MAX_GUARDS];
static int guard_count = 0;
static size_t page_size_cached = 0;

static void *guarded_alloc(size_t size) {
    if (page_size_cached == 0) page_size_cached = (size_t)sysconf(_SC_PAGESIZE);
    const size_t ps = page_size_cached;
    const size_t data_pages = (size + ps - 1) / ps + (size == 0);
    const size_t total = (data_pages + 2) * ps;
    uint8_t *map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) die("mmap %zu bytes: %s", total, strerror(errno));
    if (mprotect(map, ps, PROT_NONE) != 0 || mprotect(map + (data_pages + 1) * ps, ps, PROT_NONE) != 0)
        die("mprotect: %s", strerror(errno));
    if (guard_count == MAX_GUARDS) die("too many guarded buffers");
    guards[guard_count++] = (guard_block){map, total};
    uint8_t *data;
    if (layout_next() & 3) data = map + (data_pages + 1) * ps - size; /* ends at the guard */
    else data = map + ps;                                          /* starts after the guard */
    return data;
}

static void guarded_free_all(void) {
    for (int i = 0; i < guard_count; i++) munmap(guards[i].map, guards[i].map_size);
    guard_count = 0;
}

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

/* ---------------------------------------------------------------- kernels */

static const q8_kernel *kernels;
static int kernel_count;
static unsigned features;
static const q8_kernel *scalar_kernel;
/* The CPU runs k's instructions. */
static int supported(const q8_kernel *k) { return (k->isa & features) == k->isa; }
/* k needs pair-bounded weights (Q8_WEIGHTS_PAIR_BOUNDED: |w[2j]| + |w[2j+1]| <= 128 per
 * channel, the x86 avx2pairs entry): it runs on a pair-bounded copy of every grid case, next to
 * the scalar kernel on the same copy, and on the case file's cases whose weights are so. */
static int needs_pairs(const q8_kernel *k) { return (k->weights & Q8_WEIGHTS_PAIR_BOUNDED) != 0; }
static int any_needs_pairs(void) {
    for (int i = 0; i < kernel_count; i++)
        if (supported(&kernels[i]) && needs_pairs(&kernels[i])) return 1;
    return 0;
}

/* Makes packed weights pair-bounded: of each adjacent pair (bytes 2j, 2j+1, i.e. k = 2j, 2j+1
 * of one channel) whose magnitudes sum above 128, the second is cut to 128 - |first| with its
 * sign. All-127 weights become pairs (127, 1): exactly at the bound, the vpmaddubsw extreme. */
static void pair_bound(int8_t *w, size_t bytes) {
    for (size_t i = 0; i + 1 < bytes; i += 2) {
        const int first = abs(w[i]), second = w[i + 1];
        if (first + abs(second) > 128) w[i + 1] = (int8_t)(second < 0 ? first - 128 : 128 - first);
    }
}
static int is_pair_bounded(const int8_t *w, size_t bytes) {
    for (size_t i = 0; i + 1 < bytes; i += 2)
        if (abs(w[i]) + abs(w[i + 1]) > 128) return 0;
    return 1;
}
static size_t conv_weight_bytes(int cin, int outputs) { return (size_t)((outputs + 15) / 16) * (size_t)(9 * cin / 4) * 64; }
static size_t linear_weight_bytes(int depth, int outputs) { return (size_t)((outputs + 15) / 16) * (size_t)((depth + 3) / 4) * 64; }
static const int8_t *pair_bounded_copy(const int8_t *w, size_t bytes) {
    int8_t *copy = guarded_alloc(bytes);
    memcpy(copy, w, bytes);
    pair_bound(copy, bytes);
    return copy;
}

typedef struct {
    long conv_cases, linear_cases, linear4_cases;
    double macs;
    double seconds;
} kernel_stats;
static kernel_stats stats[16];
static long file_conv[16], file_linear[16], file_linear4[16];

/* ---------------------------------------------------------------- conv3x3 cases */

typedef struct {
    int height, width, cin, outputs, cout;
    int32_t zero_point;
    ptrdiff_t in_stride, out_stride;
    const uint8_t *input;
    const int8_t *weights;
    const int32_t *bias, *multiplier, *shift;
    char label[200];
} conv_case;

#define SENTINEL 0xEE

static size_t conv_output_size(const conv_case *c) {
    return (size_t)(c->height - 1) * (size_t)c->out_stride + (size_t)c->width * (size_t)c->cout;
}

static q8_conv3x3_params conv_params(const conv_case *c, uint8_t *output) {
    q8_conv3x3_params p;
    p.input = c->input;
    p.input_row_stride = c->in_stride;
    p.width = c->width;
    p.cin = c->cin;
    p.weights = c->weights;
    p.bias = c->bias;
    p.multiplier = c->multiplier;
    p.shift = c->shift;
    p.outputs = c->outputs;
    p.cout = c->cout;
    p.output = output;
    p.output_row_stride = c->out_stride;
    p.output_zero_point = c->zero_point;
    return p;
}

/* (y, x, channel) of a byte offset in the output buffer, or a row gap */
static void describe_offset(const conv_case *c, size_t off, char *buf, size_t n) {
    const size_t y = off / (size_t)c->out_stride, in_row = off % (size_t)c->out_stride;
    if (in_row >= (size_t)c->width * (size_t)c->cout)
        snprintf(buf, n, "row %zu gap byte %zu", y, in_row - (size_t)c->width * (size_t)c->cout);
    else
        snprintf(buf, n, "y=%zu x=%zu channel=%zu", y, in_row / (size_t)c->cout, in_row % (size_t)c->cout);
}

/* Every byte that is not an output channel < outputs of a row in [r0, r1) holds SENTINEL. */
static int check_untouched(const q8_kernel *k, const conv_case *c, const uint8_t *out, int r0, int r1, const char *when) {
    const size_t size = conv_output_size(c);
    for (size_t off = 0; off < size; off++) {
        const size_t y = off / (size_t)c->out_stride, in_row = off % (size_t)c->out_stride;
        const int written = (int)y >= r0 && (int)y < r1 && in_row < (size_t)c->width * (size_t)c->cout &&
                            (int)(in_row % (size_t)c->cout) < c->outputs;
        if (!written && out[off] != SENTINEL) {
            char where[96];
            describe_offset(c, off, where, sizeof where);
            fail("kernel %s conv case %s: %s: wrote outside its rows/channels at %s: got 0x%02X expected 0x%02X (untouched)",
                 k->name, c->label, when, where, out[off], SENTINEL);
            return 0;
        }
    }
    return 1;
}

/*
 * Runs kernel k on case c with the row range [0, height) cut at `cuts` (ascending, inside),
 * the pieces called in a shuffled order; after every call the rows not yet computed must still
 * be untouched. Returns the output buffer (guarded), or NULL when k cannot run the case (a
 * Winograd entry: the map is not whole tiles, cin is not a multiple of 16, or F(4x4)'s weight
 * bound fails; it then keeps only the cuts at tile rows, and gets its transformed weights and a
 * guarded scratch as the runtime gives them).
 */
static uint8_t *run_conv(const q8_kernel *k, const conv_case *c, const int *cuts, int ncuts, kernel_stats *st) {
    const q8_conv3x3_wino_fn wino = k->conv3x3 ? NULL : k->conv3x3_wino;
    const int tile = wino ? k->wino_tile : 1;
    if (!k->conv3x3 && !wino) return NULL;
    if (wino && (c->height % tile || c->width % tile || c->cin % 16)) return NULL;
    if (tile == 4 && !q8_wino4x4_weights_fit(c->weights, c->cin, c->outputs)) return NULL;
    int16_t *transformed = NULL;
    uint8_t *scratch = NULL;
    if (wino) {
        transformed = (int16_t *)guarded_alloc(q8_wino_weights_count(tile, c->cin, c->outputs) * sizeof(int16_t));
        q8_wino_transform_weights(tile, c->weights, c->cin, c->outputs, transformed);
        scratch = guarded_alloc(q8_wino_scratch_bytes(tile, c->cin));
    }
    const size_t size = conv_output_size(c);
    uint8_t *out = guarded_alloc(size);
    memset(out, SENTINEL, size);
    q8_conv3x3_params p = conv_params(c, out);
    int bounds[8];
    int nb = 0;
    bounds[nb++] = 0;
    for (int i = 0; i < ncuts; i++)
        if (cuts[i] % tile == 0) bounds[nb++] = cuts[i];
    bounds[nb++] = c->height;
    const int pieces = nb - 1;
    int order[8];
    for (int i = 0; i < pieces; i++) order[i] = i;
    for (int i = pieces - 1; i > 0; i--) {
        const int j = layout_range(0, i);
        const int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    int done[8] = {0};
    const double t0 = now_seconds();
    current_kernel = k->name;
    current_case = c->label;
    for (int i = 0; i < pieces; i++) {
        const int piece = order[i];
        if (wino) wino(&p, transformed, scratch, bounds[piece] / tile, bounds[piece + 1] / tile);
        else k->conv3x3(&p, bounds[piece], bounds[piece + 1]);
        done[piece] = 1;
        if (pieces > 1 && i + 1 < pieces) {
            /* rows of pieces not run yet: untouched */
            for (int q = 0; q < pieces; q++) {
                if (done[q]) continue;
                for (int y = bounds[q]; y < bounds[q + 1]; y++) {
                    const uint8_t *row = out + (size_t)y * (size_t)c->out_stride;
                    for (int b = 0; b < c->width * c->cout; b++) {
                        if (row[b] != SENTINEL) {
                            fail("kernel %s conv case %s: call for rows [%d,%d) wrote row %d (byte %d): got 0x%02X expected 0x%02X",
                                 k->name, c->label, bounds[piece], bounds[piece + 1], y, b, row[b], SENTINEL);
                            q = pieces;
                            break;
                        }
                    }
                    if (q == pieces) break;
                }
            }
        }
    }
    st->seconds += now_seconds() - t0;
    st->conv_cases++;
    st->macs += (double)c->height * c->width * 9.0 * c->cin * c->outputs;
    check_untouched(k, c, out, 0, c->height, "after all rows");
    return out;
}

static void compare_conv(const q8_kernel *k, const conv_case *c, const uint8_t *got, const uint8_t *expected) {
    const size_t size = conv_output_size(c);
    for (size_t off = 0; off < size; off++) {
        if (got[off] != expected[off]) {
            char where[96];
            describe_offset(c, off, where, sizeof where);
            fail("kernel %s conv case %s at %s: got %u expected %u (scalar)", k->name, c->label, where, got[off], expected[off]);
            return;
        }
    }
}

enum { W_UNIFORM, W_PLUS127, W_MINUS127, W_SIGNED_ROWS, W_SPARSE, W_SMALL, W_MODES };
enum { A_UNIFORM, A_255, A_0, A_EXTREMES, A_NEAR128, A_MODES };
enum { B_MODERATE, B_EXTREME, B_ZERO, B_MODES };
static const char *w_names[] = {"uniform", "+127", "-127", "rows +-127", "sparse", "small"};
static const char *a_names[] = {"uniform", "255", "0", "0/255", "near128"};
static const char *b_names[] = {"moderate", "extreme", "zero"};

static int8_t weight_value(int mode, int o) {
    switch (mode) {
    case W_PLUS127: return 127;
    case W_MINUS127: return -127;
    case W_SIGNED_ROWS: return (o & 1) ? -127 : 127;
    case W_SPARSE: return (rng_next() % 8) ? 0 : (rng_next() & 1 ? 127 : -127);
    case W_SMALL: return (int8_t)rng_range(-3, 3);
    default: return (int8_t)rng_range(-127, 127);
    }
}

static uint8_t activation_value(int mode) {
    switch (mode) {
    case A_255: return 255;
    case A_0: return 0;
    case A_EXTREMES: return (rng_next() & 1) ? 255 : 0;
    case A_NEAR128: return (uint8_t)rng_range(120, 136);
    default: return (uint8_t)rng_range(0, 255);
    }
}

/* Fills bias, multiplier and shift for `outputs` channels (padded to 16 with junk that must not
 * matter) over depth K. The sign of an extreme bias follows the row's weights (see the modes),
 * so bias + sum w*a reaches +-(2^31 - 1) exactly when the activations are all 255. */
static void fill_requant(int32_t *bias, int32_t *mult, int32_t *shift, int outputs, int padded, long K, int wmode, int bmode,
                         const int8_t *first_weights) {
    const int64_t bound = 2147483647LL - K * 127LL * 255LL;
    const double typical = sqrt((double)K) * 16000.0 + 1.0; /* |acc| of uniform data, roughly */
    const int target = (int)lround(30.5 + log2(typical) - 5.0);
    for (int o = 0; o < padded; o++) {
        if (o >= outputs) { /* readable padding, documented as zeros: junk here must not matter */
            bias[o] = (int32_t)rng_next();
            mult[o] = (int32_t)(rng_next() & 0x7FFFFFFF);
            shift[o] = (int32_t)rng_range(0, 63);
            continue;
        }
        int sign = (rng_next() & 1) ? 1 : -1;
        if (wmode == W_PLUS127) sign = 1;
        if (wmode == W_MINUS127) sign = -1;
        if (wmode == W_SIGNED_ROWS) sign = (o & 1) ? -1 : 1;
        if (wmode == W_UNIFORM && first_weights) sign = first_weights[o] >= 0 ? 1 : -1;
        switch (bmode) {
        case B_EXTREME: bias[o] = (int32_t)(sign * (bound - (int64_t)rng_range(0, 2))); break;
        case B_ZERO: bias[o] = 0; break;
        default: {
            const int64_t r = (int64_t)(typical * 2);
            int64_t b = rng_range(-r, r);
            if (b > bound) b = bound;
            if (b < -bound) b = -bound;
            bias[o] = (int32_t)b;
        }
        }
        /* multiplier in [2^30, 2^31); sometimes exactly 2^30 (ties), rarely anywhere in [0, 2^31) */
        const uint64_t pick = rng_next() % 16;
        if (pick == 0) mult[o] = 1 << 30;
        else if (pick == 1) mult[o] = (int32_t)(rng_next() & 0x7FFFFFFF);
        else mult[o] = (int32_t)rng_range(1LL << 30, (1LL << 31) - 1);
        /* shift in [32, 62]: mostly near the data's scale so outputs spread over 0..255 */
        if (rng_next() % 8 == 0) shift[o] = (int32_t)rng_range(32, 62);
        else shift[o] = (int32_t)rng_range(target - 1, target + 1);
        if (shift[o] < 32) shift[o] = 32;
        if (shift[o] > 62) shift[o] = 62;
    }
}

typedef struct {
    int h, w, cin, outputs, cout;
    int32_t zp;
    int wmode, amode, bmode;
    int in_extra, out_extra;
} conv_spec;

static conv_case make_conv(const conv_spec *s) {
    conv_case c;
    memset(&c, 0, sizeof c);
    c.height = s->h;
    c.width = s->w;
    c.cin = s->cin;
    c.outputs = s->outputs;
    c.cout = s->cout;
    c.zero_point = s->zp;
    c.in_stride = (ptrdiff_t)(s->w + 2) * s->cin + s->in_extra;
    c.out_stride = (ptrdiff_t)s->w * s->cout + s->out_extra;
    const size_t in_size = (size_t)(s->h + 1) * (size_t)c.in_stride + (size_t)(s->w + 2) * (size_t)s->cin;
    uint8_t *in = guarded_alloc(in_size);
    const uint8_t border = (uint8_t)(rng_next() & 1 ? 114 : 0); /* the input zero point */
    for (size_t i = 0; i < in_size; i++) in[i] = 0x5A;      /* row-stride gaps: never read */
    for (int y = 0; y < s->h + 2; y++)
        for (int x = 0; x < s->w + 2; x++)
            for (int ch = 0; ch < s->cin; ch++) {
                const int inside = y >= 1 && y <= s->h && x >= 1 && x <= s->w;
                in[(size_t)y * (size_t)c.in_stride + (size_t)x * (size_t)s->cin + (size_t)ch] =
                    inside ? activation_value(s->amode) : (s->amode == A_UNIFORM || s->amode == A_NEAR128 ? border : activation_value(s->amode));
            }
    const int blocks = (s->outputs + 15) / 16;
    const long K = 9L * s->cin;
    int8_t *w = guarded_alloc((size_t)blocks * (size_t)K * 16);
    for (int b = 0; b < blocks; b++)
        for (long g = 0; g < K / 4; g++)
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 4; j++) {
                    const int o = b * 16 + i;
                    /* padded outputs: zeros by the layout; junk here must not matter either */
                    w[(((size_t)b * (size_t)(K / 4) + (size_t)g) * 16 + (size_t)i) * 4 + (size_t)j] =
                        o < s->outputs ? weight_value(s->wmode, o) : (int8_t)rng_range(-127, 127);
                }
    /* first k of each output row: decides the sign of an extreme bias for uniform weights */
    int8_t firsts[1024];
    for (int o = 0; o < s->outputs && o < 1024; o++) firsts[o] = w[((size_t)(o / 16) * (size_t)(K / 4) * 16 + (size_t)(o % 16)) * 4];
    const int padded = blocks * 16;
    int32_t *bias = guarded_alloc((size_t)padded * 4), *mult = guarded_alloc((size_t)padded * 4), *shift = guarded_alloc((size_t)padded * 4);
    fill_requant(bias, mult, shift, s->outputs, padded, K, s->wmode, s->bmode, firsts);
    c.input = in;
    c.weights = w;
    c.bias = bias;
    c.multiplier = mult;
    c.shift = shift;
    snprintf(c.label, sizeof c.label, "[%dx%d cin=%d outputs=%d cout=%d zp=%d w=%s a=%s bias=%s strides+%d/+%d]", s->h, s->w,
             s->cin, s->outputs, s->cout, s->zp, w_names[s->wmode], a_names[s->amode], b_names[s->bmode], s->in_extra, s->out_extra);
    return c;
}

static long outputs_low = 0, outputs_mid = 0, outputs_high = 0; /* how much of the grid is not clamped */

/* Runs the scalar kernel and every other supported kernel on one case; frees the case. */
static void test_conv_case(const conv_spec *s) {
    conv_case c = make_conv(s);
    int cuts[3], ncuts = 0;
    if (c.height >= 2 && (rng_next() & 1)) {
        const int pieces = (int)rng_range(2, c.height < 4 ? c.height : 4);
        for (int i = 1; i < pieces; i++) {
            int cut = (int)rng_range(1, c.height - 1);
            int dup = 0;
            for (int j = 0; j < ncuts; j++) dup |= cuts[j] == cut;
            if (!dup) cuts[ncuts++] = cut;
        }
        for (int i = 0; i < ncuts; i++) /* ascending */
            for (int j = i + 1; j < ncuts; j++)
                if (cuts[j] < cuts[i]) {
                    const int t = cuts[i];
                    cuts[i] = cuts[j];
                    cuts[j] = t;
                }
    }
    const uint8_t *expected = run_conv(scalar_kernel, &c, cuts, ncuts, &stats[scalar_kernel - kernels]);
    for (int y = 0; y < c.height; y++)
        for (int x = 0; x < c.width; x++)
            for (int o = 0; o < c.outputs; o++) {
                const uint8_t v = expected[(size_t)y * (size_t)c.out_stride + (size_t)x * (size_t)c.cout + (size_t)o];
                if (v <= c.zero_point) outputs_low++;
                else if (v == 255) outputs_high++;
                else outputs_mid++;
            }
    for (int i = 0; i < kernel_count; i++) {
        const q8_kernel *k = &kernels[i];
        if (k == scalar_kernel || !supported(k) || needs_pairs(k)) continue;
        const uint8_t *got = run_conv(k, &c, cuts, ncuts, &stats[i]);
        if (got) compare_conv(k, &c, got, expected);
    }
    if (any_needs_pairs()) { /* the same case on pair-bounded weights */
        conv_case pc = c;
        pc.weights = pair_bounded_copy(c.weights, conv_weight_bytes(c.cin, c.outputs));
        snprintf(pc.label, sizeof pc.label, "%.180s pair-bounded", c.label);
        const uint8_t *pair_expected = run_conv(scalar_kernel, &pc, cuts, ncuts, &stats[scalar_kernel - kernels]);
        for (int i = 0; i < kernel_count; i++) {
            const q8_kernel *k = &kernels[i];
            if (!supported(k) || !needs_pairs(k)) continue;
            const uint8_t *got = run_conv(k, &pc, cuts, ncuts, &stats[i]);
            if (got) compare_conv(k, &pc, got, pair_expected);
        }
    }
    guarded_free_all();
}

/* ---------------------------------------------------------------- linear cases */

#define ACC_SENTINEL ((int32_t)0x5EEEEEE5)

typedef struct {
    int depth, outputs;
    const uint8_t *input;
    const int8_t *weights;
    const int32_t *bias;
    char label[160];
} linear_case;

/* One call of a linear-family function of kernel k (linear or linear4) on case c for outputs
 * [begin, end), writing into acc. */
typedef void (*linear_call_fn)(const q8_kernel *k, const void *c, int32_t *acc, int begin, int end);

/* Runs `call` on [0, outputs) given as pieces (bounds: cut at multiples of 16), in a shuffled
 * order; after each call the outputs of the pieces not run yet must be untouched. Returns the
 * accumulators (guarded). */
static int32_t *run_output_pieces(const q8_kernel *k, const void *c, const char *what, const char *label, int outputs,
                                  const int *bounds, int nbounds, linear_call_fn call, kernel_stats *st) {
    int32_t *acc = guarded_alloc((size_t)outputs * 4);
    for (int o = 0; o < outputs; o++) acc[o] = ACC_SENTINEL;
    const int pieces = nbounds - 1;
    int order[8];
    for (int i = 0; i < pieces; i++) order[i] = i;
    for (int i = pieces - 1; i > 0; i--) {
        const int j = layout_range(0, i);
        const int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    int done[8] = {0};
    const double t0 = now_seconds();
    current_kernel = k->name;
    current_case = label;
    for (int i = 0; i < pieces; i++) {
        const int piece = order[i];
        call(k, c, acc, bounds[piece], bounds[piece + 1]);
        done[piece] = 1;
        for (int o = 0; o < outputs; o++) {
            int covered = 0;
            for (int q = 0; q < pieces; q++) covered |= done[q] && o >= bounds[q] && o < bounds[q + 1];
            if (!covered && acc[o] != ACC_SENTINEL) {
                fail("kernel %s %s case %s: call for outputs [%d,%d) wrote output %d: got %" PRId32 " expected untouched", k->name, what,
                     label, bounds[piece], bounds[piece + 1], o, acc[o]);
                break;
            }
        }
    }
    st->seconds += now_seconds() - t0;
    return acc;
}

static void call_linear(const q8_kernel *k, const void *c, int32_t *acc, int begin, int end) {
    const linear_case *lc = c;
    const q8_linear_params p = {lc->input, lc->depth, lc->weights, lc->bias, lc->outputs, acc};
    k->linear(&p, begin, end);
}

/* Runs k's linear kernel on [0, outputs) in the pieces `bounds`; checks untouched. */
static int32_t *run_linear(const q8_kernel *k, const linear_case *c, const int *bounds, int nbounds, kernel_stats *st) {
    int32_t *acc = run_output_pieces(k, c, "linear", c->label, c->outputs, bounds, nbounds, call_linear, st);
    st->linear_cases++;
    st->macs += (double)c->depth * c->outputs;
    return acc;
}

/* Runs every supported kernel other than scalar that has a linear function, those that need
 * pair-bounded weights (pairs = 1) or the others, and compares with the scalar result. */
static void compare_linear_kernels(const linear_case *c, const int *bounds, int nb, const int32_t *expected, int pairs) {
    for (int i = 0; i < kernel_count; i++) {
        const q8_kernel *k = &kernels[i];
        if (k == scalar_kernel || !supported(k) || !k->linear || needs_pairs(k) != pairs) continue;
        const int32_t *got = run_linear(k, c, bounds, nb, &stats[i]);
        for (int o = 0; o < c->outputs; o++) {
            if (got[o] != expected[o]) {
                fail("kernel %s linear case %s at output %d: got %" PRId32 " expected %" PRId32 " (scalar)", k->name, c->label, o, got[o],
                     expected[o]);
                break;
            }
        }
    }
}

/* Output ranges of a linear case: the whole, or pieces cut at multiples of 16 (drawn from the
 * case stream). Fills bounds (at most 7 entries) and returns their count. */
static int output_pieces(int outputs, int bounds[8]) {
    const int blocks = (outputs + 15) / 16;
    int nb = 0;
    bounds[nb++] = 0;
    if (blocks > 1 && (rng_next() & 1)) {
        for (int b = 1; b < blocks && nb < 6; b++)
            if (rng_next() & 1) bounds[nb++] = 16 * b;
    }
    bounds[nb++] = outputs;
    return nb;
}

static void test_linear_case(int depth, int outputs, int wmode, int amode, int bmode) {
    linear_case c;
    c.depth = depth;
    c.outputs = outputs;
    const int padded_depth = round_up(depth, 4);
    uint8_t *in = guarded_alloc((size_t)padded_depth);
    for (int i = 0; i < padded_depth; i++) in[i] = i < depth ? activation_value(amode) : (uint8_t)rng_next(); /* pad: junk */
    const int blocks = (outputs + 15) / 16, groups = padded_depth / 4;
    int8_t *w = guarded_alloc((size_t)blocks * (size_t)groups * 64);
    int8_t firsts[4096];
    for (int b = 0; b < blocks; b++)
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 4; j++) {
                    const int o = b * 16 + i, kk = 4 * g + j;
                    int8_t v;
                    if (kk >= depth) v = 0; /* K padding: zeros by the layout (the input there is junk) */
                    else if (o >= outputs) v = (int8_t)rng_range(-127, 127);
                    else v = weight_value(wmode, o);
                    w[(((size_t)b * (size_t)groups + (size_t)g) * 16 + (size_t)i) * 4 + (size_t)j] = v;
                    if (kk == 0 && o < outputs && o < 4096) firsts[o] = v;
                }
    int32_t *bias = guarded_alloc((size_t)blocks * 16 * 4);
    int32_t mult[4096 + 16], shift[4096 + 16];
    fill_requant(bias, mult, shift, outputs, blocks * 16, depth, wmode, bmode, firsts);
    c.input = in;
    c.weights = w;
    c.bias = bias;
    snprintf(c.label, sizeof c.label, "[depth=%d outputs=%d w=%s a=%s bias=%s]", depth, outputs, w_names[wmode], a_names[amode], b_names[bmode]);
    int bounds[8];
    const int nb = output_pieces(outputs, bounds);
    const int32_t *expected = run_linear(scalar_kernel, &c, bounds, nb, &stats[scalar_kernel - kernels]);
    compare_linear_kernels(&c, bounds, nb, expected, 0);
    if (any_needs_pairs()) { /* the same case on pair-bounded weights */
        linear_case pc = c;
        pc.weights = pair_bounded_copy(c.weights, linear_weight_bytes(depth, outputs));
        snprintf(pc.label, sizeof pc.label, "%.140s pair-bounded", c.label);
        compare_linear_kernels(&pc, bounds, nb, run_linear(scalar_kernel, &pc, bounds, nb, &stats[scalar_kernel - kernels]), 1);
    }
    guarded_free_all();
}

/* ---------------------------------------------------------------- linear4 cases */

/* A linear4 case (q8_linear4_params): nibbles [ceil(outputs/16)][ceil(depth/8)][16][4],
 * multipliers [ceil(outputs/16)][ceil(depth/group_size)][16]. The 4-bit kernels need no weight
 * property (Q8_WEIGHTS_*): every entry with a linear4 runs every case. */
typedef struct {
    int depth, outputs, group_size;
    const uint8_t *input;
    const uint8_t *weights;
    const int8_t *multipliers;
    const int32_t *bias;
    char label[200];
} linear4_case;

static size_t linear4_nibble_bytes(int depth, int outputs) { return (size_t)((outputs + 15) / 16) * (size_t)((depth + 7) / 8) * 64; }
static size_t linear4_multiplier_bytes(int depth, int outputs, int group_size) {
    return (size_t)((outputs + 15) / 16) * (size_t)((depth + group_size - 1) / group_size) * 16;
}

static void call_linear4(const q8_kernel *k, const void *c, int32_t *acc, int begin, int end) {
    const linear4_case *lc = c;
    const q8_linear4_params p = {lc->input, lc->depth, lc->weights, lc->multipliers, lc->group_size, lc->bias, lc->outputs, acc};
    k->linear4(&p, begin, end);
}

static int32_t *run_linear4(const q8_kernel *k, const linear4_case *c, const int *bounds, int nbounds, kernel_stats *st) {
    int32_t *acc = run_output_pieces(k, c, "linear4", c->label, c->outputs, bounds, nbounds, call_linear4, st);
    st->linear4_cases++;
    st->macs += (double)c->depth * c->outputs;
    return acc;
}

/* q in [-8, 7] and m in [-16, 16]: the extremes are |q * m| = 128 (q = -8, m = +-16). */
enum { Q_UNIFORM, Q_MINUS8, Q_PLUS7, Q_SIGNED_ROWS, Q_SPARSE, Q_MODES };
enum { M_UNIFORM, M_MINUS16, M_PLUS16, M_SIGNED_ROWS, M_SMALL, M_MODES };
static const char *q_names[] = {"uniform", "-8", "+7", "rows -8/+7", "sparse"};
static const char *m_names[] = {"uniform", "-16", "+16", "rows +16/-16", "small"};

static int q4_value(int mode, int o) {
    switch (mode) {
    case Q_MINUS8: return -8;
    case Q_PLUS7: return 7;
    case Q_SIGNED_ROWS: return (o & 1) ? 7 : -8;
    case Q_SPARSE: return (rng_next() % 8) ? 0 : (rng_next() & 1 ? 7 : -8);
    default: return (int)rng_range(-8, 7);
    }
}

static int8_t m4_value(int mode, int o) {
    switch (mode) {
    case M_MINUS16: return -16;
    case M_PLUS16: return 16;
    case M_SIGNED_ROWS: return (o & 1) ? -16 : 16;
    case M_SMALL: return (int8_t)rng_range(-2, 2);
    default: return (int8_t)rng_range(-16, 16);
    }
}

/* Runs the scalar kernel and every other supported kernel with a linear4 on one random case;
 * frees the case. Input bytes past depth (up to roundUp(depth, 8)) are junk, their nibbles zero;
 * nibbles of outputs >= outputs are junk too (never stored), their multipliers zero. An extreme
 * bias is +-(2^31 - 1 - K*128*255 - r), r in [0, 2], its sign that of the row's first q * m, so
 * with constant q * m = +-128 and activations 255 the sum reaches +-(2^31 - 1 - r). */
static void test_linear4_case(int depth, int outputs, int group_size, int qmode, int mmode, int amode, int bmode) {
    linear4_case c;
    c.depth = depth;
    c.outputs = outputs;
    c.group_size = group_size;
    const int padded_depth = round_up(depth, 8);
    uint8_t *in = guarded_alloc((size_t)padded_depth);
    for (int i = 0; i < padded_depth; i++) in[i] = i < depth ? activation_value(amode) : (uint8_t)rng_next();
    const int blocks = (outputs + 15) / 16, steps = padded_depth / 8, groups = (depth + group_size - 1) / group_size;
    uint8_t *w = guarded_alloc(linear4_nibble_bytes(depth, outputs));
    int first_q[4096];
    for (int b = 0; b < blocks; b++)
        for (int st = 0; st < steps; st++)
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 4; j++) {
                    const int o = b * 16 + i;
                    int q[2];
                    for (int h = 0; h < 2; h++) {
                        const int kk = 8 * st + 4 * h + j;
                        q[h] = o >= outputs ? (int)rng_range(-8, 7) : kk >= depth ? 0 : q4_value(qmode, o);
                        if (kk == 0 && o < outputs && o < 4096) first_q[o] = q[h];
                    }
                    w[(((size_t)b * (size_t)steps + (size_t)st) * 16 + (size_t)i) * 4 + (size_t)j] = (uint8_t)((q[0] & 15) | (q[1] & 15) << 4);
                }
    int8_t *m = guarded_alloc(linear4_multiplier_bytes(depth, outputs, group_size));
    for (int b = 0; b < blocks; b++)
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < 16; i++) {
                const int o = b * 16 + i;
                m[((size_t)b * (size_t)groups + (size_t)g) * 16 + (size_t)i] = o < outputs ? m4_value(mmode, o) : 0;
            }
    int32_t *bias = guarded_alloc((size_t)blocks * 16 * 4);
    const int64_t bound = 2147483647LL - (int64_t)depth * 128 * 255;
    for (int o = 0; o < blocks * 16; o++) {
        if (o >= outputs) { /* readable padding: junk here must not matter */
            bias[o] = (int32_t)rng_next();
            continue;
        }
        const int product = o < 4096 ? first_q[o] * m[(size_t)(o / 16) * (size_t)groups * 16 + (size_t)(o % 16)] : 0;
        const int sign = product > 0 ? 1 : product < 0 ? -1 : (rng_next() & 1) ? 1 : -1;
        switch (bmode) {
        case B_EXTREME: bias[o] = (int32_t)(sign * (bound - rng_range(0, 2))); break;
        case B_ZERO: bias[o] = 0; break;
        default: {
            const int64_t typical = (int64_t)(sqrt((double)depth) * 20000.0); /* |sum q*m*a| of uniform data, roughly */
            const int64_t r = typical < bound ? typical : bound;
            bias[o] = (int32_t)rng_range(-r, r);
        }
        }
    }
    c.input = in;
    c.weights = w;
    c.multipliers = m;
    c.bias = bias;
    snprintf(c.label, sizeof c.label, "[depth=%d outputs=%d group=%d q=%s m=%s a=%s bias=%s]", depth, outputs, group_size, q_names[qmode],
             m_names[mmode], a_names[amode], b_names[bmode]);
    int bounds[8];
    const int nb = output_pieces(outputs, bounds);
    const int32_t *expected = run_linear4(scalar_kernel, &c, bounds, nb, &stats[scalar_kernel - kernels]);
    for (int i = 0; i < kernel_count; i++) {
        const q8_kernel *k = &kernels[i];
        if (k == scalar_kernel || !supported(k) || !k->linear4) continue;
        const int32_t *got = run_linear4(k, &c, bounds, nb, &stats[i]);
        for (int o = 0; o < outputs; o++)
            if (got[o] != expected[o]) {
                fail("kernel %s linear4 case %s at output %d: got %" PRId32 " expected %" PRId32 " (scalar)", k->name, c.label, o, got[o],
                     expected[o]);
                break;
            }
    }
    guarded_free_all();
}

/* The linear4 grid: the 8-k step and 16-output block edges, every group size (a last group
 * short or whole), fc6's depth with the extremes. Costly depth x outputs products are sampled
 * (a MAC budget, as the conv grid: the qemu runs stay short). Returns the cases run. */
static long linear4_grid(int quick) {
    static const int depths[] = {1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 255, 512, 1000, 4096};
    static const int louts[] = {1, 5, 16, 17, 31, 48, 64, 100};
    static const int group_sizes[] = {8, 16, 32, 64, 128, 256};
    long cases = 0, combos = 0;
    for (int di = 0; di < (int)(sizeof depths / sizeof depths[0]); di++)
        for (int oi = 0; oi < (int)(sizeof louts / sizeof louts[0]); oi++)
            for (int gi = 0; gi < (int)(sizeof group_sizes / sizeof group_sizes[0]); gi++) {
                const double macs = (double)depths[di] * louts[oi];
                const double budget = quick ? 2e3 : 2e4;
                combos++;
                if (macs > budget && rng_next() % (uint64_t)(macs / budget + 1) != 0) continue;
                const uint64_t mode = rng_next() % 10; /* mostly uniform data, some extremes */
                const int qm = mode < 6 ? Q_UNIFORM : (int)rng_range(1, Q_MODES - 1);
                const int mm = mode < 6 ? M_UNIFORM : (int)rng_range(1, M_MODES - 1);
                const int am = mode < 6 ? A_UNIFORM : (int)rng_range(1, A_MODES - 1);
                const int bm = mode < 6 ? B_MODERATE : (int)rng_range(0, B_MODES - 1);
                test_linear4_case(depths[di], louts[oi], group_sizes[gi], qm, mm, am, bm);
                cases++;
            }
    printf("linear4 grid: %ld of %ld depth x outputs x group size combinations (costly ones sampled by the seed)\n", cases, combos);
    /* fc6's depth: |q * m| = 128 (q -8, m -16 and +16), q +7, rows of alternating sign (-128,
     * +112), all with activations 255 and the bias at +-(2^31 - 1 - K*128*255); activations 0
     * (the bias alone); random data */
    static const int extremes[][4] = {
        {Q_MINUS8, M_MINUS16, A_255, B_EXTREME}, {Q_MINUS8, M_PLUS16, A_255, B_EXTREME}, {Q_PLUS7, M_PLUS16, A_255, B_EXTREME},
        {Q_PLUS7, M_MINUS16, A_255, B_EXTREME},  {Q_SIGNED_ROWS, M_PLUS16, A_255, B_EXTREME},
        {Q_MINUS8, M_MINUS16, A_0, B_EXTREME},   {Q_UNIFORM, M_UNIFORM, A_UNIFORM, B_MODERATE},
    };
    static const int fc6_groups[] = {64, 128};
    for (int gi = 0; gi < 2; gi++)
        for (int e = 0; e < (int)(sizeof extremes / sizeof extremes[0]); e++) {
            if (quick && e % 2 != gi) continue;
            test_linear4_case(25088, 33, fc6_groups[gi], extremes[e][0], extremes[e][1], extremes[e][2], extremes[e][3]);
            cases++;
        }
    return cases;
}

/* ---------------------------------------------------------------- the random grid */

static void random_grid(int quick) {
    static const int shapes[][2] = {{1, 1}, {2, 3}, {7, 7}, {13, 5}, {14, 14}, {3, 9}};
    static const int cins[] = {4, 8, 12, 64, 68, 512};
    static const int outs[] = {1, 5, 16, 17, 31, 48, 64, 100};
    const int nshapes = (int)(sizeof shapes / sizeof shapes[0]);
    const int ncins = (int)(sizeof cins / sizeof cins[0]);
    const int nouts = (int)(sizeof outs / sizeof outs[0]);
    long conv_cases = 0, linear_cases = 0, combos = 0, combos_run = 0;

    /* every shape x cin x outputs (big products thinned out: qemu is slow), random data modes */
    for (int si = 0; si < nshapes; si++)
        for (int ci = 0; ci < ncins; ci++)
            for (int oi = 0; oi < nouts; oi++) {
                const double macs = (double)shapes[si][0] * shapes[si][1] * 9.0 * cins[ci] * outs[oi];
                const double budget = quick ? 2e5 : 5e6;
                combos++;
                if (macs > budget && rng_next() % (uint64_t)(macs / budget + 1) != 0) continue;
                conv_spec s;
                s.h = shapes[si][0];
                s.w = shapes[si][1];
                s.cin = cins[ci];
                s.outputs = outs[oi];
                const uint64_t cp = rng_next() % 4; /* cout: exact, rounded to 4, larger, much larger */
                s.cout = cp == 0 ? s.outputs : cp == 1 ? round_up(s.outputs, 4) : cp == 2 ? s.outputs + (int)rng_range(1, 20) : round_up(s.outputs, 4) + 64;
                s.zp = (rng_next() & 1) ? 114 : 0;
                const uint64_t mode = rng_next() % 10; /* mostly uniform data, some extremes */
                s.wmode = mode < 6 ? W_UNIFORM : (int)rng_range(1, W_MODES - 1);
                s.amode = mode < 6 ? A_UNIFORM : (int)rng_range(1, A_MODES - 1);
                s.bmode = mode < 6 ? B_MODERATE : (int)rng_range(0, B_MODES - 1);
                s.in_extra = (rng_next() % 3 == 0) ? 4 * (int)rng_range(1, 5) : 0;
                s.out_extra = (rng_next() % 3 == 0) ? (int)rng_range(1, 9) : 0;
                test_conv_case(&s);
                conv_cases++;
                combos_run++;
            }
    printf("conv grid: %ld of %ld shape x cin x outputs combinations (costly ones sampled by the seed)\n", combos_run, combos);

    /* extremes at VGG's largest conv depth K = 9*512 = 4608: bias at +-(2^31-1-K*127*255) */
    static const int extremes[][3] = {
        {W_SIGNED_ROWS, A_255, B_EXTREME}, {W_PLUS127, A_255, B_EXTREME}, {W_MINUS127, A_255, B_EXTREME},
        {W_SIGNED_ROWS, A_0, B_EXTREME},   {W_UNIFORM, A_EXTREMES, B_EXTREME},
    };
    for (int e = 0; e < (int)(sizeof extremes / sizeof extremes[0]); e++) {
        conv_spec s = {2, 3, 512, 17, 20, 0, extremes[e][0], extremes[e][1], extremes[e][2], 0, 0};
        if (e == 0) { /* the largest case, once: a 14x14 map of VGG's conv5 depth */
            s.h = quick ? 3 : 14;
            s.w = quick ? 5 : 14;
            s.outputs = 33;
            s.cout = 36;
            s.zp = 114;
        }
        test_conv_case(&s);
        conv_cases++;
    }
    /* Winograd shapes (whole 2x2 and 4x4 tiles, cin in 16s), when the list has a Winograd entry */
    int winograd = 0;
    for (int i = 0; i < kernel_count; i++) winograd |= supported(&kernels[i]) && kernels[i].conv3x3_wino;
    if (winograd) {
        static const int wshapes[][3] = {{4, 8, 16}, {8, 12, 32}, {12, 4, 64}, {16, 16, 16}, {6, 10, 48}, {4, 4, 512}, {8, 8, 128}};
        for (int si = 0; si < (int)(sizeof wshapes / sizeof wshapes[0]); si++)
            for (int oi = 0; oi < nouts; oi += 2) {
                const uint64_t mode = rng_next() % 10;
                conv_spec s = {wshapes[si][0], wshapes[si][1], wshapes[si][2], outs[oi], round_up(outs[oi], 4) + (oi % 4 ? 4 : 0),
                               (rng_next() & 1) ? 114 : 0, mode < 6 ? W_UNIFORM : (int)rng_range(1, W_MODES - 1),
                               mode < 6 ? A_UNIFORM : (int)rng_range(1, A_MODES - 1), mode < 6 ? B_MODERATE : (int)rng_range(0, B_MODES - 1),
                               (rng_next() % 3 == 0) ? 16 : 0, (rng_next() % 3 == 0) ? 5 : 0};
                test_conv_case(&s);
                conv_cases++;
            }
    }
    /* Rows of 16-pixel chunks and a remainder, cin in 64s (the AMX kernel's tiles: 2 chunks x 2
     * blocks, an odd last block, chunks paired across rows; 3*192 = 9 x 64), for every kernel */
    {
        static const int ashapes[][4] = {{3, 40, 64, 48}, {2, 16, 192, 33}, {5, 21, 128, 64}, {1, 56, 64, 16}, {4, 14, 512, 40}};
        for (int si = 0; si < (int)(sizeof ashapes / sizeof ashapes[0]); si++) {
            const uint64_t mode = rng_next() % 10;
            conv_spec s = {quick ? 2 : ashapes[si][0], ashapes[si][1], ashapes[si][2], ashapes[si][3], round_up(ashapes[si][3], 4) + (si % 2) * 4,
                           (rng_next() & 1) ? 114 : 0, mode < 6 ? W_UNIFORM : (int)rng_range(1, W_MODES - 1),
                           mode < 6 ? A_UNIFORM : (int)rng_range(1, A_MODES - 1), mode < 6 ? B_MODERATE : (int)rng_range(0, B_MODES - 1),
                           (rng_next() % 3 == 0) ? 16 : 0, (rng_next() % 3 == 0) ? 5 : 0};
            test_conv_case(&s);
            conv_cases++;
        }
    }
    /* a VGG-like first layer: cin 4 (3 channels + 1 padding), 64 outputs, 224-wide rows cut short */
    {
        conv_spec s = {quick ? 2 : 4, 224, 4, 64, 64, 0, W_UNIFORM, A_UNIFORM, B_MODERATE, 0, 0};
        test_conv_case(&s);
        conv_cases++;
    }

    /* linear: depths incl. non-multiples of 4 and fc6's 25088, outputs incl. partial blocks */
    static const int depths[] = {1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 17, 36, 64, 100, 255, 512, 1000, 4608};
    static const int louts[] = {1, 5, 16, 17, 31, 48, 64, 100};
    for (int di = 0; di < (int)(sizeof depths / sizeof depths[0]); di++)
        for (int oi = 0; oi < (int)(sizeof louts / sizeof louts[0]); oi++) {
            const uint64_t mode = rng_next() % 10;
            const int wm = mode < 6 ? W_UNIFORM : (int)rng_range(1, W_MODES - 1);
            const int am = mode < 6 ? A_UNIFORM : (int)rng_range(1, A_MODES - 1);
            const int bm = mode < 6 ? B_MODERATE : (int)rng_range(0, B_MODES - 1);
            test_linear_case(depths[di], louts[oi], wm, am, bm);
            linear_cases++;
        }
    static const int lext[][3] = {
        {W_SIGNED_ROWS, A_255, B_EXTREME}, {W_PLUS127, A_255, B_EXTREME}, {W_MINUS127, A_255, B_EXTREME},
        {W_SIGNED_ROWS, A_0, B_EXTREME},   {W_UNIFORM, A_UNIFORM, B_MODERATE},
    };
    for (int e = 0; e < (int)(sizeof lext / sizeof lext[0]); e++) {
        test_linear_case(25088, e == 4 ? 100 : 33, lext[e][0], lext[e][1], lext[e][2]);
        linear_cases++;
    }
    const long linear4_cases = linear4_grid(quick);
    const double total = (double)(outputs_low + outputs_mid + outputs_high) + 1e-9;
    printf("random grid: %ld conv3x3 cases, %ld linear cases, %ld linear4 cases; conv outputs: %.0f%% at the zero point (ReLU), %.0f%% between, "
           "%.0f%% at 255\n",
           conv_cases, linear_cases, linear4_cases, 100.0 * (double)outputs_low / total, 100.0 * (double)outputs_mid / total,
           100.0 * (double)outputs_high / total);
}

/* ---------------------------------------------------------------- cases.bin */

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    const char *path;
} reader;

static const uint8_t *take(reader *r, size_t n, const char *what, int index) {
    if (n > r->size - r->pos) die("%s: truncated in case %d (%s: need %zu bytes at offset %zu, file has %zu)", r->path, index, what, n, r->pos, r->size);
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

static uint32_t take_u32(reader *r, const char *what, int index) {
    const uint8_t *p = take(r, 4, what, index);
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* a guarded copy of n bytes (the file is not aligned; kernels get the same bounds as in the runtime) */
static void *take_copy(reader *r, size_t n, const char *what, int index) {
    const uint8_t *p = take(r, n, what, index);
    void *copy = guarded_alloc(n);
    memcpy(copy, p, n);
    return copy;
}

static int32_t *take_i32_array(reader *r, size_t count, const char *what, int index) {
    int32_t *a = guarded_alloc(count * 4);
    for (size_t i = 0; i < count; i++) a[i] = (int32_t)take_u32(r, what, index);
    return a;
}

static int run_case_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    const long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc((size_t)len + 1);
    if (!data || fread(data, 1, (size_t)len, f) != (size_t)len) die("%s: cannot read", path);
    fclose(f);
    reader r = {data, (size_t)len, 0, path};
    const uint8_t *magic = take(&r, 4, "magic", -1);
    if (memcmp(magic, "Q8KC", 4) != 0) die("%s: not a kernel case file (magic %.4s, expected Q8KC)", path, (const char *)magic);
    const uint32_t version = take_u32(&r, "version", -1);
    if (version != 1) die("%s: version %u, this driver reads version 1", path, version);
    const uint32_t count = take_u32(&r, "case count", -1);
    long convs = 0, linears = 0, linear4s = 0;
    for (uint32_t ci = 0; ci < count; ci++) {
        const int index = (int)ci;
        const uint32_t kind = take_u32(&r, "kind", index);
        if (kind == 0) {
            conv_case c;
            memset(&c, 0, sizeof c);
            c.height = (int32_t)take_u32(&r, "height", index);
            c.width = (int32_t)take_u32(&r, "width", index);
            c.cin = (int32_t)take_u32(&r, "cin", index);
            c.outputs = (int32_t)take_u32(&r, "outputs", index);
            c.cout = (int32_t)take_u32(&r, "cout", index);
            c.zero_point = (int32_t)take_u32(&r, "output_zero_point", index);
            if (c.height < 1 || c.width < 1 || c.cin < 4 || c.cin % 4 || c.outputs < 1 || c.cout < c.outputs || c.height > 4096 ||
                c.width > 4096 || c.cin > 65536 || c.cout > 65536)
                die("%s: case %d: bad conv3x3 shape %dx%d cin=%d outputs=%d cout=%d", path, index, c.height, c.width, c.cin, c.outputs, c.cout);
            c.in_stride = (ptrdiff_t)(c.width + 2) * c.cin;
            c.out_stride = (ptrdiff_t)c.width * c.cout;
            const int padded = round_up(c.outputs, 16);
            c.input = take_copy(&r, (size_t)(c.height + 2) * (size_t)c.in_stride, "input", index);
            c.weights = take_copy(&r, (size_t)(padded / 16) * (size_t)(9 * c.cin / 4) * 64, "weights", index);
            c.bias = take_i32_array(&r, (size_t)padded, "bias", index);
            c.multiplier = take_i32_array(&r, (size_t)padded, "multiplier", index);
            c.shift = take_i32_array(&r, (size_t)padded, "shift", index);
            const uint8_t *expected = take(&r, (size_t)c.height * (size_t)c.width * (size_t)c.outputs, "expected", index);
            snprintf(c.label, sizeof c.label, "#%d of %s [%dx%d cin=%d outputs=%d cout=%d zp=%d]", index, path, c.height, c.width, c.cin,
                     c.outputs, c.cout, c.zero_point);
            const int pair_bounded = is_pair_bounded(c.weights, conv_weight_bytes(c.cin, c.outputs));
            for (int i = 0; i < kernel_count; i++) {
                const q8_kernel *k = &kernels[i];
                if (!supported(k) || (needs_pairs(k) && !pair_bounded)) continue;
                const uint8_t *got = run_conv(k, &c, NULL, 0, &stats[i]);
                if (!got) continue; /* a Winograd entry that does not fit the case */
                stats[i].conv_cases--; /* counted separately */
                file_conv[i]++;
                int bad = 0;
                for (int y = 0; y < c.height && !bad; y++)
                    for (int x = 0; x < c.width && !bad; x++)
                        for (int o = 0; o < c.outputs; o++) {
                            const uint8_t g = got[(size_t)y * (size_t)c.out_stride + (size_t)x * (size_t)c.cout + (size_t)o];
                            const uint8_t e = expected[((size_t)y * (size_t)c.width + (size_t)x) * (size_t)c.outputs + (size_t)o];
                            if (g != e) {
                                fail("kernel %s conv case %s at y=%d x=%d channel=%d: got %u expected %u (Swift reference)", k->name, c.label, y,
                                     x, o, g, e);
                                bad = 1;
                                break;
                            }
                        }
            }
            convs++;
        } else if (kind == 1) {
            linear_case c;
            c.depth = (int32_t)take_u32(&r, "depth", index);
            c.outputs = (int32_t)take_u32(&r, "outputs", index);
            if (c.depth < 1 || c.outputs < 1 || c.depth > (1 << 24) || c.outputs > (1 << 20))
                die("%s: case %d: bad linear shape depth=%d outputs=%d", path, index, c.depth, c.outputs);
            const int padded = round_up(c.outputs, 16);
            c.input = take_copy(&r, (size_t)round_up(c.depth, 4), "input", index);
            c.weights = take_copy(&r, (size_t)(padded / 16) * (size_t)((c.depth + 3) / 4) * 64, "weights", index);
            c.bias = take_i32_array(&r, (size_t)padded, "bias", index);
            const int32_t *expected = take_i32_array(&r, (size_t)c.outputs, "expected", index);
            snprintf(c.label, sizeof c.label, "#%d of %s [depth=%d outputs=%d]", index, path, c.depth, c.outputs);
            const int bounds[2] = {0, c.outputs};
            const int pair_bounded = is_pair_bounded(c.weights, linear_weight_bytes(c.depth, c.outputs));
            for (int i = 0; i < kernel_count; i++) {
                const q8_kernel *k = &kernels[i];
                if (!supported(k) || !k->linear || (needs_pairs(k) && !pair_bounded)) continue;
                const int32_t *got = run_linear(k, &c, bounds, 2, &stats[i]);
                stats[i].linear_cases--;
                file_linear[i]++;
                for (int o = 0; o < c.outputs; o++)
                    if (got[o] != expected[o]) {
                        fail("kernel %s linear case %s at output %d: got %" PRId32 " expected %" PRId32 " (Swift reference)", k->name, c.label, o,
                             got[o], expected[o]);
                        break;
                    }
            }
            linears++;
        } else if (kind == 2) {
            linear4_case c;
            c.depth = (int32_t)take_u32(&r, "depth", index);
            c.outputs = (int32_t)take_u32(&r, "outputs", index);
            c.group_size = (int32_t)take_u32(&r, "group_size", index);
            if (c.depth < 1 || c.outputs < 1 || c.depth > (1 << 24) || c.outputs > (1 << 20) || c.group_size < 8 || c.group_size % 8 ||
                c.group_size > (1 << 24))
                die("%s: case %d: bad linear4 shape depth=%d outputs=%d group_size=%d", path, index, c.depth, c.outputs, c.group_size);
            const int padded = round_up(c.outputs, 16);
            c.input = take_copy(&r, (size_t)round_up(c.depth, 8), "input", index);
            c.weights = take_copy(&r, linear4_nibble_bytes(c.depth, c.outputs), "weights (nibbles)", index);
            c.multipliers = take_copy(&r, linear4_multiplier_bytes(c.depth, c.outputs, c.group_size), "weights (group multipliers)", index);
            c.bias = take_i32_array(&r, (size_t)padded, "bias", index);
            const int32_t *expected = take_i32_array(&r, (size_t)c.outputs, "expected", index);
            snprintf(c.label, sizeof c.label, "#%d of %s [depth=%d outputs=%d group=%d]", index, path, c.depth, c.outputs, c.group_size);
            const int bounds[2] = {0, c.outputs};
            for (int i = 0; i < kernel_count; i++) {
                const q8_kernel *k = &kernels[i];
                if (!supported(k) || !k->linear4) continue;
                const int32_t *got = run_linear4(k, &c, bounds, 2, &stats[i]);
                stats[i].linear4_cases--;
                file_linear4[i]++;
                for (int o = 0; o < c.outputs; o++)
                    if (got[o] != expected[o]) {
                        fail("kernel %s linear4 case %s at output %d: got %" PRId32 " expected %" PRId32 " (Swift reference)", k->name, c.label,
                             o, got[o], expected[o]);
                        break;
                    }
            }
            linear4s++;
        } else {
            die("%s: case %d: unknown kind %u", path, index, kind);
        }
        guarded_free_all();
    }
    if (r.pos != r.size) die("%s: %zu trailing bytes after %u cases", path, r.size - r.pos, count);
    free(data);
    printf("%s: %ld conv3x3 cases, %ld linear cases, %ld linear4 cases\n", path, convs, linears, linear4s);
    return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(void) {
    puts("usage: kernel_test [--expect NAME] [--cases PATH] [--require-cases] [--seed N] [--quick]");
    exit(2);
}

int main(int argc, char **argv) {
    const char *expect = NULL, *cases = NULL;
    int require_cases = 0, quick = 0;
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--expect") && i + 1 < argc) expect = argv[++i];
        else if (!strcmp(argv[i], "--cases") && i + 1 < argc) cases = argv[++i];
        else if (!strcmp(argv[i], "--require-cases")) require_cases = 1;
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
        else usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGSEGV, crash_handler);
    signal(SIGILL, crash_handler);
    signal(SIGBUS, crash_handler);
    rng_state = seed;
    layout_state = seed ^ 0x6C61796F7574ull;
    const double t0 = now_seconds();

    /* the rule's worked example (Docs/Numerics.md): r = 0.0123, acc 1000 -> 12 */
    if (q8_requantize(1000, 1690499128, 37, 0) != 12) die("q8_requantize worked example broken");

    kernels = q8_kernel_list(&kernel_count);
    if (kernel_count > 16) die("too many kernels");
    features = q8_cpu_features();
    printf("q8_cpu_features() = 0x%x:%s%s%s\n", features, features & Q8_ISA_NEON ? " NEON" : "", features & Q8_ISA_NEONDOT ? " NEONDOT" : "",
           features == 0 ? " (scalar only)" : "");
    const q8_kernel *pick = NULL;
    scalar_kernel = NULL;
    for (int i = 0; i < kernel_count; i++) {
        if (!pick && supported(&kernels[i]) && kernels[i].weights == Q8_WEIGHTS_ANY && kernels[i].conv3x3 && kernels[i].linear)
            pick = &kernels[i];
        if (kernels[i].isa == Q8_ISA_SCALAR) scalar_kernel = &kernels[i];
    }
    if (!scalar_kernel || !pick) die("kernel list has no scalar kernel");
    printf("kernel list:");
    for (int i = 0; i < kernel_count; i++) printf(" %s%s", kernels[i].name, supported(&kernels[i]) ? "" : "(unsupported)");
    printf("\ndispatch picks: %s (%s)\n", pick->name, pick->isa_name);
    int status = 0;
    if (expect && strcmp(expect, pick->name) != 0) {
        printf("FAIL: expected dispatch to pick %s, it picks %s\n", expect, pick->name);
        status = 1;
    }
    printf("seed: %" PRIu64 " (rerun with --seed %" PRIu64 ")\n", seed, seed);

    random_grid(quick);

    if (cases) {
        if (run_case_file(cases) != 0) {
            printf("%s: absent (%s)%s\n", cases, strerror(errno), require_cases ? "" : "; skipped");
            if (require_cases) status = 1;
        }
    } else if (require_cases) {
        printf("FAIL: --require-cases without --cases PATH\n");
        status = 1;
    }

    printf("%-10s %-28s %10s %10s %10s %10s %10s %10s %9s\n", "kernel", "isa", "grid conv", "grid lin", "grid lin4", "file conv", "file lin",
           "file lin4", "MMAC/s");
    char not_run[256] = "";
    for (int i = 0; i < kernel_count; i++) {
        const q8_kernel *k = &kernels[i];
        if (!supported(k)) {
            if (not_run[0]) strncat(not_run, ", ", sizeof not_run - strlen(not_run) - 1);
            strncat(not_run, k->name, sizeof not_run - strlen(not_run) - 1);
            strncat(not_run, " (", sizeof not_run - strlen(not_run) - 1);
            strncat(not_run, k->isa_name, sizeof not_run - strlen(not_run) - 1);
            strncat(not_run, ")", sizeof not_run - strlen(not_run) - 1);
            continue;
        }
        printf("%-10s %-28s %10ld %10ld %10ld %10ld %10ld %10ld %9.0f\n", k->name, k->isa_name, stats[i].conv_cases, stats[i].linear_cases,
               stats[i].linear4_cases, file_conv[i], file_linear[i], file_linear4[i],
               stats[i].seconds > 0 ? stats[i].macs / stats[i].seconds / 1e6 : 0.0);
    }
    printf("not run on this CPU: %s\n", not_run[0] ? not_run : "(none)");
    if (failures) {
        printf("FAIL: %d mismatches (seed %" PRIu64 ")\n", failures, seed);
        status = 1;
    }
    printf("%s in %.1f s\n", status ? "FAILED" : "all kernels match", now_seconds() - t0);
    return status;
}
