/*
 * q8_linear_16x1c4__avx2: AVX2 linear, exact on the 16-bit multiplier (vpmaddwd; why not
 * vpmaddubsw: q8_conv3x3_8x6c4_16x3c4__avx2.c). Tile: the 16 outputs of a block x 1 input vector,
 * k in groups of 4: the input group broadcast and spread to int16 by vpshufb, per group
 * 4 x vpmovsxbw (4 channels x 4 k each) + 4 x vpmaddwd + 4 x vpaddd; memory-bound like every
 * linear layer. Bounds: a vpmaddwd pair sum is at most 2*255*127; |bias| + K*127*255 < 2^31.
 */
#if defined(__x86_64__)
#include "avx2_common.h"

__attribute__((target("avx2"))) void q8_linear_16x1c4__avx2(const q8_linear_params *p, int output_begin, int output_end) {
    Q8_ASSERT_LINEAR(p, output_begin, output_end);
    const int groups = (p->depth + 3) / 4;
    /* a0 a1 a2 a3 (one dword, broadcast) -> int16 a0 a1 a2 a3 in every 64-bit lane */
    const __m256i spread = _mm256_setr_epi8(0, -1, 1, -1, 2, -1, 3, -1, 0, -1, 1, -1, 2, -1, 3, -1,
                                            0, -1, 1, -1, 2, -1, 3, -1, 0, -1, 1, -1, 2, -1, 3, -1);
    for (int ob = output_begin / 16; ob * 16 < output_end; ob++) {
        const int8_t *w = p->weights + (ptrdiff_t)ob * groups * 64;
        __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int g = 0; g < groups; g++, w += 64) {
            int32_t group;
            memcpy(&group, p->input + 4 * g, 4);
            const __m256i x = _mm256_shuffle_epi8(_mm256_set1_epi32(group), spread);
            Q8_UNROLL for (int j = 0; j < 4; j++)
                acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(x, _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16 * j)))));
        }
        int32_t sums[16];
        for (int h = 0; h < 2; h++) {
            /* vphaddd: channels 0,1,4,5 | 2,3,6,7; vpermq 0xD8: 0-7 */
            const __m256i v = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[2 * h], acc[2 * h + 1]), 0xD8);
            const __m256i b = _mm256_loadu_si256((const __m256i *)(p->bias + 16 * ob + 8 * h));
            _mm256_storeu_si256((__m256i *)(sums + 8 * h), _mm256_add_epi32(v, b));
        }
        q8_linear_store_block(p->accumulators, sums, ob, output_begin, output_end);
    }
}

#endif
