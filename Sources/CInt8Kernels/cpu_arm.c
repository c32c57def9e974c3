/*
 * Run-time CPU features on AArch64: NEON (Advanced SIMD) is architectural, the dot product
 * instructions (FEAT_DotProd, ARMv8.2 optional / ARMv8.4 mandatory) are asked of the kernel.
 */
#if defined(__aarch64__)

#include "kernels_internal.h"

#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20) /* linux/arch/arm64/include/uapi/asm/hwcap.h */
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif

unsigned q8_cpu_features(void) {
    unsigned features = Q8_ISA_NEON;
#if defined(__linux__)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) features |= Q8_ISA_NEONDOT;
#elif defined(__APPLE__)
    int value = 0;
    size_t size = sizeof(value);
    if (sysctlbyname("hw.optional.arm.FEAT_DotProd", &value, &size, NULL, 0) == 0 && value) features |= Q8_ISA_NEONDOT;
#endif
    return features;
}

#else
typedef int q8_cpu_arm_unused_on_this_architecture;
#endif
