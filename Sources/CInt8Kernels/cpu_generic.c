/* CPU features on architectures without SIMD kernels: only the portable scalar kernels run. */
#include "q8_kernels.h"
#if !defined(__x86_64__) && !defined(__aarch64__)
unsigned q8_cpu_features(void) { return Q8_ISA_SCALAR; }
#endif
