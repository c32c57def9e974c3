/* TEMPORARY until cpu_x86.c lands */
#include "q8_kernels.h"
unsigned q8_cpu_features(void) { return 0; }
