/*
 * The image codecs shim (Sources/CImageCodecs) on hostile input, for the sanitizer run
 * (Scripts/test-sanitizers.sh builds it with -fsanitize=address,undefined and no recovery, so
 * any report fails the run): every file given on the command line, whole, cut short at 40
 * lengths, and with 200 seeded random byte changes each, decoded with a small pixel limit and a
 * large one. Every decode must end in a status (and a message for corrupt data); a successful
 * one must have a consistent size and its pixel buffer is read in full.
 *
 *   codec_test [--seed N] FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgg_image_codecs.h"

static uint64_t rng_state;
static uint64_t rng_next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static long decodes, successes, failures;

static int check(const uint8_t *bytes, size_t count, uint64_t max_pixels, const char *what) {
    vgg_image_result result;
    memset(&result, 0x5A, sizeof result);
    const vgg_image_status status = vgg_image_decode(bytes, count, max_pixels, &result);
    decodes++;
    if (status != result.status || status < VGG_IMAGE_OK || status > VGG_IMAGE_OUT_OF_MEMORY) {
        fprintf(stderr, "FAIL %s: status %d, result.status %d\n", what, (int)status, (int)result.status);
        return 1;
    }
    if (memchr(result.message, 0, sizeof result.message) == NULL) {
        fprintf(stderr, "FAIL %s: message not NUL-terminated\n", what);
        return 1;
    }
    if (status == VGG_IMAGE_OK) {
        if (!result.pixels || result.width == 0 || result.height == 0 || (uint64_t)result.width * result.height > max_pixels) {
            fprintf(stderr, "FAIL %s: OK with %ux%u, pixels %p\n", what, result.width, result.height, (void *)result.pixels);
            return 1;
        }
        unsigned sum = 0; /* reads every byte: ASan catches a short buffer */
        for (size_t i = 0; i < (size_t)result.width * result.height * 3; i++) sum += result.pixels[i];
        (void)sum;
        vgg_image_free(result.pixels);
        successes++;
    } else {
        if (result.pixels) {
            fprintf(stderr, "FAIL %s: status %d with pixels\n", what, (int)status);
            return 1;
        }
        if (status == VGG_IMAGE_CORRUPT && result.message[0] == 0) {
            fprintf(stderr, "FAIL %s: corrupt without a message\n", what);
            return 1;
        }
        failures++;
    }
    return 0;
}

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "FAIL cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc(size > 0 ? (size_t)size : 1);
    if (size > 0 && fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "FAIL cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    int bad = 0;
    char what[512];
    for (int limit = 0; limit < 2; limit++) {
        const uint64_t max_pixels = limit ? 100000000ull : 4096;
        snprintf(what, sizeof what, "%s (whole, limit %llu)", path, (unsigned long long)max_pixels);
        bad |= check(bytes, (size_t)size, max_pixels, what);
    }
    /* truncations: a copy of exactly the prefix, so reading past it is a heap overflow */
    for (int i = 0; i < 40 && size > 0; i++) {
        const size_t cut = (size_t)(rng_next() % (uint64_t)size);
        uint8_t *prefix = malloc(cut ? cut : 1);
        memcpy(prefix, bytes, cut);
        snprintf(what, sizeof what, "%s cut at %zu", path, cut);
        bad |= check(prefix, cut, 100000000ull, what);
        free(prefix);
    }
    /* random byte changes, 1 to 8 at a time */
    uint8_t *changed = malloc(size > 0 ? (size_t)size : 1);
    for (int i = 0; i < 200 && size > 0; i++) {
        memcpy(changed, bytes, (size_t)size);
        const int n = 1 + (int)(rng_next() % 8);
        for (int j = 0; j < n; j++) changed[rng_next() % (uint64_t)size] = (uint8_t)rng_next();
        snprintf(what, sizeof what, "%s change %d", path, i);
        bad |= check(changed, (size_t)size, 100000000ull, what);
    }
    free(changed);
    free(bytes);
    return bad;
}

int main(int argc, char **argv) {
    int first = 1;
    uint64_t seed = 20261206;
    if (argc > 2 && strcmp(argv[1], "--seed") == 0) {
        seed = strtoull(argv[2], NULL, 10);
        first = 3;
    }
    rng_state = seed;
    printf("codec_test: seed %llu (rerun with --seed %llu)\n", (unsigned long long)seed, (unsigned long long)seed);
    int bad = 0;
    for (int i = first; i < argc; i++) bad |= run_file(argv[i]);
    printf("codec_test: %d files, %ld decodes (%ld decoded, %ld refused): %s\n", argc - first, decodes, successes, failures,
           bad ? "FAILED" : "ok");
    return bad;
}
