/*
 * int8 kernels of the on-device runtime. Numerics: Docs/Numerics.md; every kernel is bit-exact
 * with the Swift reference (Int8Runtime/ReferenceExecutor.swift).
 *
 * Names are datasheets: q8_<op>_<tile>__<isa>, one kernel per file of the same name, and every
 * kernel is listed once in q8_kernel_list (kernel_list.c), which drives dispatch, tests and
 * benchmarks (under the list's short names: "avx2pairs", "neondot", ...).
 *   <op>    conv3x3 (stride 1, padding 1), linear, or linear4 (4-bit grouped weights); Winograd
 *           kernels add their output tile, conv3x3_wino2x2 / conv3x3_wino4x4.
 *   <tile>  the register tile: <channels>x<pixels>c<k>, output channels x output pixels (input
 *           vectors for linear; Winograd tiles for the Winograd GEMM) computed together, with
 *           k consumed in groups of <k> (c4: the packed layout's 4-k groups; c2: int16 pairs;
 *           c8: linear4's 64-byte steps of 8 k, two 4-k groups in the two nibbles).
 *           A kernel with two tiles names both (q8_conv3x3_8x6c4_16x3c4__avx2: 8x6 for
 *           cin > 64, 16x3 for cin <= 64). Leftover pixels use smaller tiles of the same shape.
 *   <isa>   scalar, avx2, avx2pairs (AVX2 on pair-bounded weights), avxvnni, avx512vnni, amx, neon,
 *           neondot.
 * Every kernel asserts the contracts below at entry (kernels_internal.h).
 */
#ifndef VGG_Q8_KERNELS_H
#define VGG_Q8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * 3x3 convolution, stride 1, padding 1, over NHWC uint8 maps, with requantization and the
 * fused ReLU (clamp to [output_zero_point, 255]).
 *
 * The input is a padded map [(H+2)][(W+2)][cin] whose 1-pixel border holds the input zero
 * point, so a kernel reads every tap without bounds checks. `input` points at the border's
 * top-left byte. Output row y (0-based, interior) is written at output + y*output_row_stride,
 * pixel x at + x*cout; channels >= outputs of each pixel are left untouched.
 *
 * weights: [ceil(outputs/16)][9*cin/4][16][4] (QuantCore/PackedWeights.swift), k = tap*cin + c.
 * bias, multiplier, shift: `outputs` int32 each, readable up to the next multiple of 16
 * (the blob pads every array with zeros to 64 bytes).
 */
typedef struct q8_conv3x3_params {
    const uint8_t *input;
    ptrdiff_t input_row_stride;
    int width;
    int cin;
    const int8_t *weights;
    const int32_t *bias;
    const int32_t *multiplier;
    const int32_t *shift;
    int outputs;
    int cout;
    uint8_t *output;
    ptrdiff_t output_row_stride;
    int32_t output_zero_point;
} q8_conv3x3_params;

/* Computes output rows [row_begin, row_end). */
typedef void (*q8_conv3x3_fn)(const q8_conv3x3_params *params, int row_begin, int row_end);

/*
 * Fully connected layer on one input vector: acc[o] = bias[o] + sum_k w[o][k] * input[k],
 * o in [output_begin, output_end) (multiples of 16 except at the end).
 * weights: [ceil(outputs/16)][ceil(depth/4)][16][4]. The input must be readable up to
 * roundUp(depth, 4) bytes (the runtime pads its buffers). Writes int32 accumulators.
 */
typedef struct q8_linear_params {
    const uint8_t *input;
    int depth;
    const int8_t *weights;
    const int32_t *bias;
    int outputs;
    int32_t *accumulators;
} q8_linear_params;

typedef void (*q8_linear_fn)(const q8_linear_params *params, int output_begin, int output_end);

/*
 * Fully connected layer with 4-bit weights in groups (Docs/Numerics.md, "4-bit weights"): for
 * o in [output_begin, output_end),
 *     acc[o] = bias[o] + sum_g m[o][g] * sum_{k in group g} q[o][k] * input[k],
 * q in [-8, 7], group g = k / group_size, m in [-16, 16]. |q * m| <= 128, so the int32
 * accumulators are exact while |bias| + depth * 128 * 255 < 2^31 (the blob reader's bound).
 * weights: the nibbles, [ceil(outputs/16)][ceil(depth/8)][16][4] bytes: byte (step s, output
 * o, j) holds q[o][8s + j] in its low nibble and q[o][8s + 4 + j] in its high nibble (two's
 * complement), so the low nibbles of a 64-byte step are the int8 layout's 4-k group 2s and the
 * high nibbles its group 2s + 1. Padding (k >= depth, o >= outputs) is zero.
 * group_multipliers: [ceil(outputs/16)][ceil(depth/group_size)][16] int8, zero for o >= outputs.
 * group_size: a multiple of 8. The input must be readable up to roundUp(depth, 8) bytes.
 */
typedef struct q8_linear4_params {
    const uint8_t *input;
    int depth;
    const uint8_t *weights;
    const int8_t *group_multipliers;
    int group_size;
    const int32_t *bias;
    int outputs;
    int32_t *accumulators;
} q8_linear4_params;

typedef void (*q8_linear4_fn)(const q8_linear4_params *params, int output_begin, int output_end);

/*
 * 3x3 convolution by Winograd F(2x2, 3x3) or F(4x4, 3x3), exact (Docs/Numerics.md): the same
 * parameters and results as q8_conv3x3_fn, plus the layer's transformed weights and a per-thread
 * scratch. `tile` (2 or 4) is the output tile's side: width and height must be multiples of it
 * (the height when the last tile row is asked for), cin a multiple of 16; F(4x4) also needs
 * weights for which q8_wino4x4_weights_fit holds. Computes output rows
 * [tile*tile_row_begin, tile*tile_row_end).
 * transformed: q8_wino_weights_count(tile, cin, outputs) int16, from q8_wino_transform_weights.
 * scratch: q8_wino_scratch_bytes(tile, cin) bytes, one per concurrent call.
 */
typedef void (*q8_conv3x3_wino_fn)(const q8_conv3x3_params *params, const int16_t *transformed, void *scratch,
                                   int tile_row_begin, int tile_row_end);

size_t q8_wino_weights_count(int tile, int cin, int outputs);
/* packed: the conv3x3 layout above. Output: [ceil(outputs/16)][(tile+2)^2 positions][cin/2][16][2] int16. */
void q8_wino_transform_weights(int tile, const int8_t *packed, int cin, int outputs, int16_t *transformed);
size_t q8_wino_scratch_bytes(int tile, int cin);
/* 1 when 255 * max(sum of positive weights, -sum of negative ones) < 2^25 for every output channel. */
int q8_wino4x4_weights_fit(const int8_t *packed, int cin, int outputs);

/* requantize + clamp of int32 accumulators to uint8, the rule of Docs/Numerics.md. */
static inline uint8_t q8_requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t zero_point) {
    int64_t product = (int64_t)acc * (int64_t)multiplier + ((int64_t)1 << (shift - 1));
    int32_t value = (int32_t)(product >> shift) + zero_point;
    if (value < zero_point) value = zero_point;
    if (value > 255) value = 255;
    return (uint8_t)value;
}

/* CPU features the kernels need, detected at run time. */
enum {
    Q8_ISA_SCALAR = 0,
    Q8_ISA_AVX2 = 1 << 0,
    Q8_ISA_AVX512VNNI = 1 << 1,
    Q8_ISA_AVXVNNI = 1 << 2,
    Q8_ISA_NEON = 1 << 3,
    Q8_ISA_NEONDOT = 1 << 4,
    /* AMX-TILE + AMX-INT8 with the tile data state granted to the process by the OS */
    Q8_ISA_AMX = 1 << 5,
};

/* The features this CPU has (always includes Q8_ISA_SCALAR = 0). */
unsigned q8_cpu_features(void);

/*
 * Properties of a layer's weights that a kernel may need (the blob records them per layer,
 * Docs/BlobFormat.md; the quantizer guarantees them, Docs/Numerics.md).
 * PAIR_BOUNDED: for every output channel and every even k, |w[k]| + |w[k+1]| <= 128 (adjacent
 * bytes of the packed layout), so u8 x s8 pair sums fit an int16 (vpmaddubsw is exact).
 */
enum {
    Q8_WEIGHTS_ANY = 0,
    Q8_WEIGHTS_PAIR_BOUNDED = 1 << 0,
};

/*
 * A kernel family's multiply-accumulate peak loop: `iterations` of independent chains of the
 * instructions its inner loop multiplies and accumulates with (no loads); returns the MACs done,
 * in the kernel's own products (int8 for the direct kernels, int16 for Winograd's). Timing it on
 * one thread gives the kernel's peak per core (`vgg-run --benchmark`'s fraction of peak).
 */
typedef long long (*q8_peak_fn)(long iterations);

/*
 * One entry of the kernel list. `isa` is the feature set it needs; `weights` the Q8_WEIGHTS_*
 * properties a layer's weights must have for this entry's kernels to be used on it. An entry
 * may lack some functions (NULL): a Winograd entry has only a Winograd conv3x3, which runs only
 * the convolutions it fits (Int8Runtime/Kernels.swift). Dispatch is per layer: the first entry
 * the CPU runs that has a function for the layer and whose needs the layer meets.
 */
typedef struct q8_kernel {
    const char *name;
    const char *isa_name;
    unsigned isa;
    unsigned weights;
    q8_conv3x3_fn conv3x3;
    q8_linear_fn linear;
    /* A Winograd conv3x3 (NULL for the direct entries) and its output tile's side, 2 or 4. */
    q8_conv3x3_wino_fn conv3x3_wino;
    int wino_tile;
    /* The family's peak loop (NULL for scalar). */
    q8_peak_fn peak;
    /* The linear kernel for 4-bit grouped weights (NULL where the entry has none). */
    q8_linear4_fn linear4;
} q8_kernel;

/* All kernels compiled for this architecture, best first; `count` receives the length. */
const q8_kernel *q8_kernel_list(int *count);

#ifdef __cplusplus
}
#endif
#endif
