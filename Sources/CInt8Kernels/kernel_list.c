/* The one kernel list: dispatch, tests and the benchmark all read it. Best first. */
#include "kernels_internal.h"

static const q8_kernel kernels[] = {
#if defined(__x86_64__)
    {"avx512vnni", "AVX-512 VNNI", Q8_ISA_AVX512VNNI, q8_conv3x3_16x4c4__avx512vnni, q8_linear_16x4c4__avx512vnni},
    {"avxvnni", "AVX-VNNI", Q8_ISA_AVXVNNI, q8_conv3x3_16x4c4__avxvnni, q8_linear_16x4c4__avxvnni},
    {"avx2", "AVX2", Q8_ISA_AVX2, q8_conv3x3_16x4c4__avx2, q8_linear_16x4c4__avx2},
#endif
#if defined(__aarch64__)
    {"neondot", "NEON + dotprod (ARMv8.2)", Q8_ISA_NEON | Q8_ISA_NEONDOT, q8_conv3x3_16x4c4__neondot, q8_linear_16x4c4__neondot},
    {"neon", "NEON (ARMv8.0)", Q8_ISA_NEON, q8_conv3x3_16x4c4__neon, q8_linear_16x4c4__neon},
#endif
    {"scalar", "portable C", Q8_ISA_SCALAR, q8_conv3x3_16x4c4__scalar, q8_linear_16x4c4__scalar},
};

const q8_kernel *q8_kernel_list(int *count) {
    *count = (int)(sizeof(kernels) / sizeof(kernels[0]));
    return kernels;
}
