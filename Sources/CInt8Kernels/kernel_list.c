/* The one kernel list: dispatch, tests and the benchmark all read it. Best first. The short
 * names and ISA strings are user-visible (VGG_KERNELS, blobs' target profiles, tests, docs). */
#include "kernels_internal.h"

static const q8_kernel kernels[] = {
#if defined(__x86_64__)
    {"amx", "AMX-INT8 (AVX-512 VNNI where a layer's cin is not in 64s)", Q8_ISA_AMX | Q8_ISA_AVX512VNNI, Q8_WEIGHTS_ANY,
     q8_conv3x3_32x32c64__amx, q8_linear_16x1c4__avx512vnni, NULL, 0, q8_peak__amx, q8_linear4_16x1c8__avx512vnni},
    {"avx512vnni", "AVX-512 VNNI", Q8_ISA_AVX512VNNI, Q8_WEIGHTS_ANY, q8_conv3x3_16x8c4__avx512vnni, q8_linear_16x1c4__avx512vnni, NULL, 0, q8_peak__avx512vnni,
     q8_linear4_16x1c8__avx512vnni},
    {"avxvnni", "AVX-VNNI", Q8_ISA_AVXVNNI, Q8_WEIGHTS_ANY, q8_conv3x3_16x6c4__avxvnni, q8_linear_16x1c4__avxvnni, NULL, 0, q8_peak__avxvnni,
     q8_linear4_16x1c8__avxvnni},
    {"avx2wino4", "AVX2, Winograd F(4x4, 3x3) in int16", Q8_ISA_AVX2, Q8_WEIGHTS_ANY, NULL, NULL, q8_conv3x3_wino4x4_16x5c2__avx2, 4, q8_peak__avx2, NULL},
    {"avx2wino", "AVX2, Winograd F(2x2, 3x3) in int16", Q8_ISA_AVX2, Q8_WEIGHTS_ANY, NULL, NULL, q8_conv3x3_wino2x2_16x5c2__avx2, 2, q8_peak__avx2, NULL},
    {"avx2pairs", "AVX2 vpmaddubsw, pair-bounded weights", Q8_ISA_AVX2, Q8_WEIGHTS_PAIR_BOUNDED, q8_conv3x3_16x5c4__avx2pairs,
     q8_linear_16x1c4__avx2, NULL, 0, q8_peak__avx2pairs, q8_linear4_16x1c8__avx2},
    {"avx2", "AVX2", Q8_ISA_AVX2, Q8_WEIGHTS_ANY, q8_conv3x3_8x6c4_16x3c4__avx2, q8_linear_16x1c4__avx2, NULL, 0, q8_peak__avx2,
     q8_linear4_16x1c8__avx2},
#endif
#if defined(__aarch64__)
    {"neondot", "NEON + dotprod (ARMv8.2)", Q8_ISA_NEON | Q8_ISA_NEONDOT, Q8_WEIGHTS_ANY, q8_conv3x3_16x4c4__neondot, q8_linear_16x1c4__neondot, NULL, 0, q8_peak__neondot,
     q8_linear4_16x1c8__neondot},
    {"neonwino4", "NEON, Winograd F(4x4, 3x3) in int16", Q8_ISA_NEON, Q8_WEIGHTS_ANY, NULL, NULL, q8_conv3x3_wino4x4_16x3c2__neon, 4, q8_peak__neonwino, NULL},
    {"neonwino", "NEON, Winograd F(2x2, 3x3) in int16", Q8_ISA_NEON, Q8_WEIGHTS_ANY, NULL, NULL, q8_conv3x3_wino2x2_16x3c2__neon, 2, q8_peak__neonwino, NULL},
    {"neon", "NEON (ARMv8.0)", Q8_ISA_NEON, Q8_WEIGHTS_ANY, q8_conv3x3_16x2c4__neon, q8_linear_16x1c4__neon, NULL, 0, q8_peak__neon,
     q8_linear4_16x1c8__neon},
#endif
    {"scalar", "portable C", Q8_ISA_SCALAR, Q8_WEIGHTS_ANY, q8_conv3x3_16x1c4__scalar, q8_linear_16x1c4__scalar, NULL, 0, NULL,
     q8_linear4_16x1c8__scalar},
};

const q8_kernel *q8_kernel_list(int *count) {
    *count = (int)(sizeof(kernels) / sizeof(kernels[0]));
    return kernels;
}
