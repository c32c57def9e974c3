/*
 * The C API under AddressSanitizer and UndefinedBehaviorSanitizer (Scripts/test-c-api.sh):
 *   1. one model, 4 contexts on 4 pthreads, each classifying every image several times: logits
 *      bit-identical to one context's, sequentially;
 *   2. two threads on one context: each call either succeeds with the right logits or says
 *      VGG_ERROR_CONTEXT_BUSY;
 *   3. the model freed before its contexts: they still work;
 *   4. every kind of bad input gets its status and a message, never a crash;
 *   5. a raw frame in RGB and the same frame in BGR with padded rows give the same logits.
 *
 *   capi_test MODEL.vq8 BLOB_BYTES_COPY IMAGE...       (prints "capi_test: N checks passed")
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "vgg_int8.h"

#define WORKERS 4
#define ROUNDS 3
#define MAX_IMAGES 16

static int checks = 0, failures = 0;

#define CHECK(condition, ...)                                      \
    do {                                                           \
        checks++;                                                  \
        if (!(condition)) {                                        \
            failures++;                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
            fprintf(stderr, __VA_ARGS__);                          \
            fprintf(stderr, " [last error: %s]\n", vgg_last_error()); \
        }                                                          \
    } while (0)

/* Sets the thread's message to a known line, so a call that fails without a message of its own
 * cannot pass on the previous one's. */
static void reset_message(void) { (void)vgg_model_label(NULL, 0, NULL); }
#define SENTINEL "vgg_model_label: the model is NULL"

/* A status, and a new message naming what went wrong. */
#define EXPECT_STATUS(call, expected, fragment)                                                    \
    do {                                                                                           \
        reset_message();                                                                           \
        CHECK(strstr(vgg_last_error(), SENTINEL) != NULL, "the sentinel message is set");          \
        vgg_status got_ = (call);                                                                  \
        CHECK(strstr(vgg_last_error(), SENTINEL) == NULL, "%s left the previous message", #call);  \
        CHECK(got_ == (expected), "%s gave %s, expected %s", #call, vgg_status_name(got_), #expected); \
        CHECK(strstr(vgg_last_error(), (fragment)) != NULL, "%s: message \"%s\" lacks \"%s\"", #call, \
              vgg_last_error(), (fragment));                                                       \
    } while (0)

static vgg_model *model;
static vgg_model_info info;
static const char **images;
static int image_count;
static float *expected;   /* image_count x class_count */

typedef struct {
    int worker;
    vgg_context *shared;  /* NULL: make an own context */
    int mismatches, errors, busy, ok;
} job;

static void *work(void *argument) {
    job *j = argument;
    vgg_context *context = j->shared;
    if (!context && vgg_context_create(model, 1 + j->worker % 2, &context) != VGG_OK) {
        j->errors++;
        return NULL;
    }
    float *logits = malloc(sizeof(float) * (size_t)info.class_count);
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < image_count; i++) {
            int image = (i + j->worker) % image_count;
            vgg_status status = vgg_classify_file(context, images[image], logits, (size_t)info.class_count);
            if (status == VGG_ERROR_CONTEXT_BUSY && j->shared) { j->busy++; continue; }
            if (status != VGG_OK) { j->errors++; continue; }
            j->ok++;
            if (memcmp(logits, expected + (size_t)image * (size_t)info.class_count, sizeof(float) * (size_t)info.class_count) != 0)
                j->mismatches++;
        }
    }
    free(logits);
    if (!j->shared) vgg_context_free(context);
    return NULL;
}

static void run_threads(int count, vgg_context *shared, const char *what) {
    pthread_t threads[WORKERS];
    job jobs[WORKERS];
    for (int w = 0; w < count; w++) {
        jobs[w] = (job){.worker = w, .shared = shared};
        CHECK(pthread_create(&threads[w], NULL, work, &jobs[w]) == 0, "pthread_create");
    }
    int busy = 0, ok = 0;
    for (int w = 0; w < count; w++) {
        pthread_join(threads[w], NULL);
        CHECK(jobs[w].errors == 0, "%s: worker %d: %d calls failed", what, w, jobs[w].errors);
        CHECK(jobs[w].mismatches == 0, "%s: worker %d: %d results differ from one context's", what, w, jobs[w].mismatches);
        busy += jobs[w].busy;
        ok += jobs[w].ok;
    }
    CHECK(ok + busy == count * ROUNDS * image_count, "%s: %d calls accounted for", what, ok + busy);
    CHECK(ok > 0, "%s: no call succeeded", what);
    printf("capi_test: %s: %d calls ok, %d refused as busy\n", what, ok, busy);
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    *size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *bytes = malloc(*size ? *size : 1);
    if (fread(bytes, 1, *size, file) != *size) { free(bytes); bytes = NULL; }
    fclose(file);
    return bytes;
}

static void bad_input(const char *blob_path, const char *not_a_blob) {
    vgg_model *m = (vgg_model *)&checks;  /* must be set to NULL on failure */
    EXPECT_STATUS(vgg_model_open(not_a_blob, 1, &m), VGG_ERROR_INVALID_BLOB, not_a_blob);
    CHECK(m == NULL, "a failed open leaves *model NULL");
    EXPECT_STATUS(vgg_model_open("/nonexistent/model.vq8", 1, &m), VGG_ERROR_INVALID_BLOB, "/nonexistent/model.vq8");
    EXPECT_STATUS(vgg_model_open(NULL, 1, &m), VGG_ERROR_INVALID_ARGUMENT, "vgg_model_open: the path is NULL");
    EXPECT_STATUS(vgg_model_open(blob_path, 1, NULL), VGG_ERROR_INVALID_ARGUMENT, "out-pointer is NULL");
    EXPECT_STATUS(vgg_model_open(blob_path, 0, &m), VGG_ERROR_INVALID_SETTINGS, "threads must be 1...256, got 0");
    EXPECT_STATUS(vgg_model_open(blob_path, 257, &m), VGG_ERROR_INVALID_SETTINGS, "got 257");
    size_t size = 0;
    unsigned char *bytes = read_file(blob_path, &size);
    CHECK(bytes != NULL && size > 64, "read %s", blob_path);
    EXPECT_STATUS(vgg_model_open_bytes(bytes, size / 2, 1, &m), VGG_ERROR_INVALID_BLOB, "blob in memory");
    EXPECT_STATUS(vgg_model_open_bytes(NULL, 10, 1, &m), VGG_ERROR_INVALID_ARGUMENT, "the bytes are NULL");
    CHECK(vgg_model_open_bytes(bytes, size, 1, &m) == VGG_OK, "open from bytes");
    free(bytes);  /* the library copied them */
    vgg_model_info copy;
    CHECK(vgg_model_get_info(m, &copy) == VGG_OK && copy.class_count == info.class_count, "info from bytes");
    vgg_model_free(m);

    /* Handles: NULL, freed, the wrong kind. */
    EXPECT_STATUS(vgg_model_get_info(m, &copy), VGG_ERROR_INVALID_HANDLE, "not a live vgg_model");
    EXPECT_STATUS(vgg_model_get_info(NULL, &copy), VGG_ERROR_INVALID_HANDLE, "vgg_model_get_info: the model is NULL");
    vgg_model_free(m);     /* a second free is ignored */
    vgg_model_free(NULL);
    vgg_context *context = NULL, *freed = NULL;
    EXPECT_STATUS(vgg_context_create(NULL, 1, &context), VGG_ERROR_INVALID_HANDLE, "vgg_context_create: the model is NULL");
    CHECK(context == NULL, "a failed create leaves *context NULL");
    EXPECT_STATUS(vgg_context_create(model, 0, &context), VGG_ERROR_INVALID_SETTINGS, "vgg_context_create: threads must be 1...256, got 0");
    EXPECT_STATUS(vgg_context_create(model, 1, NULL), VGG_ERROR_INVALID_ARGUMENT, "context out-pointer is NULL");
    CHECK(vgg_context_create(model, 1, &freed) == VGG_OK, "create");
    vgg_context_free(freed);
    CHECK(vgg_context_create(model, 1, &context) == VGG_OK, "create");

    float *logits = malloc(sizeof(float) * (size_t)info.class_count);
    size_t n = (size_t)info.class_count;
    EXPECT_STATUS(vgg_classify_file(NULL, images[0], logits, n), VGG_ERROR_INVALID_HANDLE, "context is NULL");
    if (freed != context)  /* (the allocator may hand the same address to the new context) */
        EXPECT_STATUS(vgg_classify_file(freed, images[0], logits, n), VGG_ERROR_INVALID_HANDLE, "not a live vgg_context");
    EXPECT_STATUS(vgg_classify_file((vgg_context *)model, images[0], logits, n), VGG_ERROR_INVALID_HANDLE, "not a live vgg_context");
    EXPECT_STATUS(vgg_model_get_info((vgg_model *)context, &copy), VGG_ERROR_INVALID_HANDLE, "not a live vgg_model");
    vgg_context_free((vgg_context *)model);  /* the wrong kind: ignored, the model lives on */
    CHECK(vgg_model_get_info(model, &copy) == VGG_OK, "the model survives a context free of its handle");

    /* Buffers and files. */
    EXPECT_STATUS(vgg_classify_file(context, NULL, logits, n), VGG_ERROR_INVALID_ARGUMENT, "path is NULL");
    EXPECT_STATUS(vgg_classify_file(context, images[0], NULL, n), VGG_ERROR_INVALID_ARGUMENT, "logits buffer is NULL");
    EXPECT_STATUS(vgg_classify_file(context, images[0], logits, n - 1), VGG_ERROR_INVALID_INPUT, "logits buffer holds");
    EXPECT_STATUS(vgg_classify_file(context, "/nonexistent.png", logits, n), VGG_ERROR_INVALID_IMAGE, "/nonexistent.png");
    EXPECT_STATUS(vgg_classify_file(context, blob_path, logits, n), VGG_ERROR_INVALID_IMAGE, blob_path);
    float tensor[12] = {0};
    EXPECT_STATUS(vgg_classify_preprocessed(context, tensor, 12, logits, n), VGG_ERROR_INVALID_INPUT, "12 values");
    EXPECT_STATUS(vgg_classify_preprocessed(context, NULL, 12, logits, n), VGG_ERROR_INVALID_ARGUMENT, "the tensor is NULL");

    /* Frames: smaller than the input, short rows, a short buffer, an unknown pixel format. */
    int w = info.input_width, h = info.input_height;
    size_t stride = (size_t)w * 3 + 5;
    size_t frame_size = stride * (size_t)h;
    uint8_t *frame = calloc(frame_size, 1);
    EXPECT_STATUS(vgg_classify_frame(context, frame, frame_size, w - 1, h, stride, VGG_PIXEL_RGB, logits, n),
                  VGG_ERROR_INVALID_INPUT, "smaller than the model's");
    EXPECT_STATUS(vgg_classify_frame(context, frame, frame_size, w, h, (size_t)w * 3 - 1, VGG_PIXEL_RGB, logits, n),
                  VGG_ERROR_INVALID_INPUT, "row stride");
    size_t needed = (size_t)(h - 1) * stride + (size_t)w * 3;  /* the last row needs no padding */
    CHECK(vgg_classify_frame(context, frame, needed, w, h, stride, VGG_PIXEL_RGB, logits, n) == VGG_OK, "an unpadded last row");
    EXPECT_STATUS(vgg_classify_frame(context, frame, needed - 1, w, h, stride, VGG_PIXEL_RGB, logits, n),
                  VGG_ERROR_INVALID_INPUT, "needs");
    EXPECT_STATUS(vgg_classify_frame(context, frame, frame_size, w, h, stride, (vgg_pixel_format)7, logits, n),
                  VGG_ERROR_INVALID_ARGUMENT, "pixel format 7");
    EXPECT_STATUS(vgg_classify_frame(context, NULL, frame_size, w, h, stride, VGG_PIXEL_RGB, logits, n),
                  VGG_ERROR_INVALID_ARGUMENT, "the pixels are NULL");
    /* Sizes no buffer has: refused, never an overflow trap. */
    EXPECT_STATUS(vgg_classify_frame(context, frame, frame_size, w, h, SIZE_MAX / 2, VGG_PIXEL_RGB, logits, n),
                  VGG_ERROR_INVALID_INPUT, "row stride");
    EXPECT_STATUS(vgg_classify_frame(context, frame, SIZE_MAX, INT32_MAX, INT32_MAX, (size_t)1 << 40, VGG_PIXEL_RGB, logits, n),
                  VGG_ERROR_INVALID_INPUT, "larger than memory");
    EXPECT_STATUS(vgg_model_open_bytes(frame, SIZE_MAX, 1, &m), VGG_ERROR_INVALID_INPUT, "larger than memory");
    free(frame);
    /* A count in bytes instead of floats: refused before a float is read (ASan sees any over-read). */
    size_t floats = 3 * (size_t)w * (size_t)h;
    float *exact = calloc(floats, sizeof(float));
    EXPECT_STATUS(vgg_classify_preprocessed(context, exact, 4 * floats, logits, n), VGG_ERROR_INVALID_INPUT, "values, the model takes");
    CHECK(vgg_classify_preprocessed(context, exact, floats, logits, SIZE_MAX) == VGG_OK, "a logits capacity of SIZE_MAX");
    free(exact);

    /* Top-k. */
    vgg_class classes[4];
    size_t written = 99;
    CHECK(vgg_classify_file(context, images[0], logits, n) == VGG_OK, "classify");
    EXPECT_STATUS(vgg_top_k(model, logits, n, 0, classes, 4, &written), VGG_ERROR_INVALID_ARGUMENT, "k must be");
    CHECK(written == 0, "a failed top-k writes 0");
    EXPECT_STATUS(vgg_top_k(model, logits, n - 1, 1, classes, 4, &written), VGG_ERROR_INVALID_INPUT, "logits");
    EXPECT_STATUS(vgg_top_k(model, logits, n, 4, classes, 3, &written), VGG_ERROR_INVALID_INPUT, "classes buffer");
    EXPECT_STATUS(vgg_top_k(model, logits, n, 4, NULL, 4, &written), VGG_ERROR_INVALID_ARGUMENT, "classes buffer is NULL");
    vgg_class *all = malloc(sizeof(vgg_class) * n);
    CHECK(vgg_top_k(model, logits, n, 1000000, all, n, &written) == VGG_OK && written == n, "k above the class count: every class");
    double sum = 0;
    for (size_t k = 0; k < written; k++) {
        sum += all[k].probability;
        CHECK(all[k].label && all[k].logit == logits[all[k].index], "class %zu", k);
        if (k) CHECK(all[k - 1].logit > all[k].logit || (all[k - 1].logit == all[k].logit && all[k - 1].index < all[k].index),
                     "best first, ties to the lower index (%zu)", k);
    }
    CHECK(sum > 0.999999 && sum < 1.000001, "probabilities sum to 1 (%.9f)", sum);
    free(all);
    float saved = logits[3];
    logits[3] = NAN;
    EXPECT_STATUS(vgg_top_k(model, logits, n, 2, classes, 4, &written), VGG_ERROR_INVALID_INPUT, "logit 3 is");
    logits[3] = saved;
    const char *label = NULL;
    EXPECT_STATUS(vgg_model_label(model, info.class_count, &label), VGG_ERROR_INVALID_ARGUMENT, "outside");
    EXPECT_STATUS(vgg_model_label(model, -1, &label), VGG_ERROR_INVALID_ARGUMENT, "class -1 is outside");
    free(logits);
    vgg_context_free(context);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: capi_test MODEL.vq8 NOT_A_BLOB IMAGE...\n");
        return 2;
    }
    images = (const char **)argv + 3;
    image_count = argc - 3 > MAX_IMAGES ? MAX_IMAGES : argc - 3;
    CHECK(vgg_abi_version() == VGG_INT8_ABI_VERSION, "ABI %u, header %d", vgg_abi_version(), VGG_INT8_ABI_VERSION);
    CHECK(strcmp(vgg_last_error(), "") == 0, "no message before any failure");
    if (vgg_model_open(argv[1], 2, &model) != VGG_OK || vgg_model_get_info(model, &info) != VGG_OK) {
        fprintf(stderr, "capi_test: %s: %s\n", argv[1], vgg_last_error());
        return 1;
    }
    printf("capi_test: %s: %s, %d classes, %dx%d input, kernels %s\n", argv[1], info.arch, info.class_count,
           info.input_width, info.input_height, info.kernels);

    /* The expected logits: one context, one image after another. */
    vgg_context *lone = NULL;
    CHECK(vgg_context_create(model, 1, &lone) == VGG_OK, "create");
    expected = malloc(sizeof(float) * (size_t)image_count * (size_t)info.class_count);
    for (int i = 0; i < image_count; i++)
        CHECK(vgg_classify_file(lone, images[i], expected + (size_t)i * (size_t)info.class_count, (size_t)info.class_count) == VGG_OK,
              "classify %s", images[i]);

    run_threads(WORKERS, NULL, "4 contexts on 4 threads");
    run_threads(2, lone, "2 threads on one context");

    /* Frames: the same pixels in RGB and in BGR with padded rows. */
    {
        int w = info.input_width + 3, h = info.input_height + 1;
        size_t rgb_stride = (size_t)w * 3, bgr_stride = (size_t)w * 3 + 7;
        uint8_t *rgb = malloc(rgb_stride * (size_t)h), *bgr = malloc(bgr_stride * (size_t)h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    uint8_t value = (uint8_t)((x * 7 + y * 13 + c * 61) ^ (x * y));
                    rgb[(size_t)y * rgb_stride + (size_t)x * 3 + (size_t)c] = value;
                    bgr[(size_t)y * bgr_stride + (size_t)x * 3 + (size_t)(2 - c)] = value;
                }
        float *a = malloc(sizeof(float) * (size_t)info.class_count), *b = malloc(sizeof(float) * (size_t)info.class_count);
        CHECK(vgg_classify_frame(lone, rgb, rgb_stride * (size_t)h, w, h, rgb_stride, VGG_PIXEL_RGB, a, (size_t)info.class_count) == VGG_OK, "rgb frame");
        CHECK(vgg_classify_frame(lone, bgr, bgr_stride * (size_t)h, w, h, bgr_stride, VGG_PIXEL_BGR, b, (size_t)info.class_count) == VGG_OK, "bgr frame");
        CHECK(memcmp(a, b, sizeof(float) * (size_t)info.class_count) == 0, "RGB and BGR frames give the same logits");
        free(a); free(b); free(rgb); free(bgr);
    }

    bad_input(argv[1], argv[2]);

    /* The model freed first: its contexts keep it alive. */
    vgg_model_free(model);
    float *again = malloc(sizeof(float) * (size_t)info.class_count);
    CHECK(vgg_classify_file(lone, images[0], again, (size_t)info.class_count) == VGG_OK, "a context outlives vgg_model_free");
    CHECK(memcmp(again, expected, sizeof(float) * (size_t)info.class_count) == 0, "and gives the same logits");
    CHECK(strcmp(info.arch, "") != 0, "the model's strings live while a context does");
    vgg_context_free(lone);
    free(again);
    free(expected);

    printf("capi_test: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
