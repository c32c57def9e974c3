/*
 * vgg_int8.h: the C API of the VGG int8 runtime (libvgg_int8.so / libvgg_int8.a).
 *
 * Load a blob written by vgg-quantize once, make one context per thread, classify images:
 *
 *     vgg_model *model;
 *     vgg_context *context;
 *     float logits[1000];
 *     vgg_class best[5];
 *     if (vgg_model_open("model.vq8", 1, &model) != VGG_OK) { puts(vgg_last_error()); return 1; }
 *     vgg_context_create(model, 2, &context);
 *     if (vgg_classify_file(context, "cat.jpg", logits, 1000) == VGG_OK
 *         && vgg_top_k(model, logits, 1000, 5, best, 5, NULL) == VGG_OK)
 *         printf("%s %.2f\n", best[0].label, best[0].probability);
 *     vgg_context_free(context);
 *     vgg_model_free(model);
 *
 * Rules that hold for every function:
 *  - Every function that can fail returns a vgg_status. VGG_OK is 0; on anything else the outputs
 *    hold nothing usable (a failed open or create sets its handle out-pointer to NULL, a failed
 *    vgg_top_k sets *written to 0), and vgg_last_error() gives one line saying what and where.
 *    Nothing else crosses the boundary: no exception, no abort on bad input.
 *  - Paths are UTF-8 (bytes that are not become U+FFFD, and the file is then not found).
 *  - A size no buffer can have (above SIZE_MAX / 2) is VGG_ERROR_INVALID_INPUT.
 *  - Handles are checked: NULL, an already freed handle and a model passed as a context (or the
 *    reverse) give VGG_ERROR_INVALID_HANDLE, as long as the memory was not handed out again to a
 *    new handle of the same kind.
 *  - Ownership: the caller owns every buffer it passes, and frees every handle it gets with the
 *    matching _free function. A context keeps its model alive: vgg_model_free may come before the
 *    contexts' vgg_context_free. Strings the library returns (labels, arch, kernels) belong to
 *    the model and live until the model and all its contexts are freed; vgg_last_error()'s string
 *    belongs to the calling thread and lives until that thread's next call into the library.
 *  - Threads: a vgg_model is immutable and may be used from any number of threads at once. A
 *    vgg_context belongs to one thread at a time; a second thread entering a context that is busy
 *    gets VGG_ERROR_CONTEXT_BUSY instead of corrupted results. For throughput, one context per
 *    thread, all on one model (the weights are mapped once).
 *
 * Docs/Embedding.md has the complete examples (C, Python, Swift) and the argument for the design.
 */
#ifndef VGG_INT8_H
#define VGG_INT8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. Bumped on any incompatible change to a signature, a
 * struct or an enum value; vgg_abi_version() returns the library's. Compare them at start-up. */
#define VGG_INT8_ABI_VERSION 1

/* A loaded, planned blob: shared, immutable, thread-safe. */
typedef struct vgg_model vgg_model;
/* One caller's working memory (arenas, scratch): one thread at a time. */
typedef struct vgg_context vgg_context;

typedef enum vgg_status {
    VGG_OK = 0,
    /* A NULL pointer where a buffer or an out-parameter is needed, k below 1, an unknown pixel format. */
    VGG_ERROR_INVALID_ARGUMENT = 1,
    /* NULL, freed, or not a handle of the kind the function takes. */
    VGG_ERROR_INVALID_HANDLE = 2,
    /* The file or bytes are not a valid blob; no model was made. */
    VGG_ERROR_INVALID_BLOB = 3,
    /* An image file that cannot be read or decoded. */
    VGG_ERROR_INVALID_IMAGE = 4,
    /* A buffer of the wrong size, a frame smaller than the model's input, a row stride below 3 x width. */
    VGG_ERROR_INVALID_INPUT = 5,
    /* A thread count outside 1...256, a VGG_KERNELS that selects no kernel this CPU runs. */
    VGG_ERROR_INVALID_SETTINGS = 6,
    /* Another thread is inside this context right now. */
    VGG_ERROR_CONTEXT_BUSY = 7
} vgg_status;

/* The byte order of a raw frame's pixels: 3 bytes per pixel. */
typedef enum vgg_pixel_format {
    VGG_PIXEL_RGB = 0,
    VGG_PIXEL_BGR = 1
} vgg_pixel_format;

/* What a model takes and gives. The strings belong to the model (see the ownership rule). */
typedef struct vgg_model_info {
    const char *arch;        /* e.g. "vgg16_bn" */
    const char *kernels;     /* the kernels the layers use on this CPU, e.g. "avx512vnni+avx2" */
    int32_t class_count;     /* logits per image */
    int32_t input_width;     /* the network's input (the crop), pixels */
    int32_t input_height;
    int32_t resize;          /* the shorter side an image is resized to before the center crop */
} vgg_model_info;

/* One class of vgg_top_k. */
typedef struct vgg_class {
    int32_t index;           /* into the logits */
    float logit;
    double probability;      /* softmax over all classes, computed in double */
    const char *label;       /* the class name; belongs to the model */
} vgg_class;

/* The ABI version of the library (compare with VGG_INT8_ABI_VERSION). */
uint32_t vgg_abi_version(void);
/* The library's release, e.g. "0.1.0". Static storage. */
const char *vgg_version(void);
/* The message of the last call on this thread that did not return VGG_OK; "" when none failed.
 * Never NULL. */
const char *vgg_last_error(void);
/* A constant name for a status, e.g. "VGG_ERROR_INVALID_BLOB". Never NULL. */
const char *vgg_status_name(vgg_status status);

/* Maps and validates the blob at path and plans it for this CPU's kernels (VGG_KERNELS, if set,
 * restricts the choice). threads: used once at load (weight transforms), 1...256. On success
 * *model is a new handle; on failure it is set to NULL and nothing is kept. */
vgg_status vgg_model_open(const char *path, int threads, vgg_model **model);
/* The same for a blob in memory; the bytes are copied, the caller may free them on return. */
vgg_status vgg_model_open_bytes(const void *bytes, size_t size, int threads, vgg_model **model);
/* Fills *info. */
vgg_status vgg_model_get_info(const vgg_model *model, vgg_model_info *info);
/* The name of class index (0 <= index < class_count) into *label. */
vgg_status vgg_model_label(const vgg_model *model, int32_t index, const char **label);
/* Drops the caller's reference. NULL is allowed; a handle that is not a live model is ignored. */
void vgg_model_free(vgg_model *model);

/* A context on model, with threads (1...256) working inside each layer. On failure *context is
 * set to NULL. */
vgg_status vgg_context_create(vgg_model *model, int threads, vgg_context **context);
/* NULL is allowed; a handle that is not a live context is ignored. */
void vgg_context_free(vgg_context *context);

/* The classify functions write class_count logits to logits; logits_count must be at least
 * class_count. */

/* Decodes a PNG or JPEG file, preprocesses it as the blob says (resize, center crop, mean, std)
 * and classifies it. */
vgg_status vgg_classify_file(vgg_context *context, const char *path, float *logits, size_t logits_count);
/* A raw 8-bit frame, e.g. from a camera: height rows of width pixels in format order, row r at
 * byte r * row_stride of pixels; size is the buffer's length in bytes. The frame must be at least
 * the model's input size and at most 89478485 pixels; it is resized and cropped like a file. */
vgg_status vgg_classify_frame(vgg_context *context, const uint8_t *pixels, size_t size, int32_t width,
                              int32_t height, size_t row_stride, vgg_pixel_format format,
                              float *logits, size_t logits_count);
/* An already preprocessed image: 3 x input_height x input_width floats, channel-major (CHW),
 * normalized with the model's mean and std (torchvision's tensor). */
vgg_status vgg_classify_preprocessed(vgg_context *context, const float *tensor, size_t count,
                                     float *logits, size_t logits_count);

/* The k most probable classes of model's logits (logits_count must be class_count, every logit
 * finite: a NaN row, e.g. a failed image's, is VGG_ERROR_INVALID_INPUT), best first, ties to the
 * lower index, into classes[0 .. min(k, class_count)); classes_count must be at least that.
 * *written (may be NULL) gets the number written. */
vgg_status vgg_top_k(const vgg_model *model, const float *logits, size_t logits_count, int32_t k,
                     vgg_class *classes, size_t classes_count, size_t *written);

#ifdef __cplusplus
}
#endif

#endif /* VGG_INT8_H */
