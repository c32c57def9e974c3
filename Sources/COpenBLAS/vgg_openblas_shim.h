// Shim for OpenBLAS's CBLAS interface. Named and guarded uniquely: a shim called
// cblas.h with guard CBLAS_H would shadow OpenBLAS's own header (design-notes).
#ifndef VGG_OPENBLAS_SHIM_H
#define VGG_OPENBLAS_SHIM_H
#include <cblas.h>
// Declared in openblas_config.h (included by OpenBLAS's cblas.h):
//   void openblas_set_num_threads(int); int openblas_get_num_threads(void);
//   char *openblas_get_corename(void); char *openblas_get_config(void);
// LAPACK's Cholesky routines, which OpenBLAS exports (Fortran calling convention: every argument
// by pointer, column-major matrices). Used by the quantizer's GPTQ (Quantizer/GPTQ.swift).
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info);
void strtri_(const char *uplo, const char *diag, const int *n, float *a, const int *lda, int *info);
#endif
