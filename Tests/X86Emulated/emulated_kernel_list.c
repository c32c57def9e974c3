/*
 * Kernel list and CPU features for the driver Tests/KernelDriver/kernel_test.c when it tests the VNNI
 * kernels under SIMDe emulation (Scripts/test-x86-emulated.sh), replacing kernel_list.c and
 * cpu_x86.c: the two VNNI entries' kernels (conv3x3, linear, linear4; their unchanged source
 * compiled against Tests/X86Emulated/immintrin.h) and the scalar kernels they are compared
 * with. The binary holds no native AVX-512 / AVX-VNNI code, so their ISA bits are "available"
 * here.
 */
#include "kernels_internal.h"

static const q8_kernel kernels[] = {
    {"avx512vnni", "AVX-512 VNNI (SIMDe)", Q8_ISA_AVX512VNNI, Q8_WEIGHTS_ANY, q8_conv3x3_16x8c4__avx512vnni, q8_linear_16x1c4__avx512vnni, NULL, 0, NULL,
     q8_linear4_16x1c8__avx512vnni},
    {"avxvnni", "AVX-VNNI (SIMDe)", Q8_ISA_AVXVNNI, Q8_WEIGHTS_ANY, q8_conv3x3_16x6c4__avxvnni, q8_linear_16x1c4__avxvnni, NULL, 0, NULL,
     q8_linear4_16x1c8__avxvnni},
    {"scalar", "portable C", Q8_ISA_SCALAR, Q8_WEIGHTS_ANY, q8_conv3x3_16x1c4__scalar, q8_linear_16x1c4__scalar, NULL, 0, NULL, q8_linear4_16x1c8__scalar},
};

const q8_kernel *q8_kernel_list(int *count) {
    *count = (int)(sizeof(kernels) / sizeof(kernels[0]));
    return kernels;
}

unsigned q8_cpu_features(void) { return Q8_ISA_AVX512VNNI | Q8_ISA_AVXVNNI; }
