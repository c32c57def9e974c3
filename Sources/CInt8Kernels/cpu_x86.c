/*
 * Run-time detection of the x86-64 features the kernels need: cpuid for what the CPU has,
 * xgetbv for what the OS saves on a context switch (a kernel using ymm/zmm registers the OS
 * does not preserve would be corrupted by any preemption).
 *   AVX2         cpuid(7,0).ebx[5], OS saves XMM+YMM (XCR0 bits 1,2)
 *   AVX-512 VNNI cpuid(7,0).ebx[16] avx512f, [30] avx512bw, [31] avx512vl, ecx[11] avx512_vnni;
 *                OS saves XMM+YMM+opmask+ZMM (XCR0 bits 1,2,5,6,7)
 *   AVX-VNNI     cpuid(7,1).eax[4], with AVX2 usable (its kernel uses AVX2 for everything else)
 *   AMX          cpuid(7,0).edx[24] amx-tile, [25] amx-int8, with AVX-512 VNNI usable (the AMX
 *                entry's other layers and linear kernel are avx512vnni's); OS saves XTILECFG and
 *                XTILEDATA (XCR0 bits 17, 18), and Linux grants this process the tile data state
 *                (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA: asked once, here; without it
 *                the first tile instruction faults)
 * The choice among kernels (VGG_KERNELS) is the Swift side's; this file only detects.
 */
#if defined(__x86_64__)
#define _GNU_SOURCE /* syscall() */
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "kernels_internal.h"

static unsigned long long read_xcr0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* Asks Linux for the AMX tile data state for this process (the request is idempotent, so two
 * threads racing on the first call both get the same answer). */
static int amx_permitted(void) {
#if defined(__linux__) && defined(SYS_arch_prctl)
    static int answer = -1;
    if (answer < 0) answer = syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XFEATURE_XTILEDATA */) == 0;
    return answer;
#else
    return 0;
#endif
}

unsigned q8_cpu_features(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return Q8_ISA_SCALAR;
    const int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave || !avx) return Q8_ISA_SCALAR;
    const unsigned long long xcr0 = read_xcr0();
    const int os_ymm = (xcr0 & 0x6) == 0x6;
    const int os_zmm = (xcr0 & 0xE6) == 0xE6;
    if (!os_ymm || __get_cpuid_max(0, 0) < 7) return Q8_ISA_SCALAR;

    unsigned features = Q8_ISA_SCALAR;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned max_subleaf = eax;
    const int avx2 = (ebx >> 5) & 1;
    const int avx512 = ((ebx >> 16) & 1) && ((ebx >> 30) & 1) && ((ebx >> 31) & 1) && ((ecx >> 11) & 1);
    if (avx2) features |= Q8_ISA_AVX2;
    if (avx2 && avx512 && os_zmm) features |= Q8_ISA_AVX512VNNI;
    const int amx = ((edx >> 24) & 1) && ((edx >> 25) & 1);
    if (avx2 && max_subleaf >= 1) {
        __cpuid_count(7, 1, eax, ebx, ecx, edx);
        if ((eax >> 4) & 1) features |= Q8_ISA_AVXVNNI;
    }
    if (amx && (features & Q8_ISA_AVX512VNNI) && (xcr0 & 0x60000) == 0x60000 && amx_permitted()) features |= Q8_ISA_AMX;
    return features;
}

#endif
