/*
 * classify: the C API in one page. Prints each image's top classes exactly as `vgg-run` does.
 *
 *     cc classify.c $(pkg-config --cflags --libs vgg_int8) -o classify
 *     ./classify model.vq8 cat.jpg dog.png
 *
 * One model, one context; every call's status checked, every handle freed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vgg_int8.h"

#define TOP 5

static int failed(const char *what) {
    fprintf(stderr, "classify: %s: %s\n", what, vgg_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: classify MODEL.vq8 IMAGE...\n");
        return 2;
    }
    if (vgg_abi_version() != VGG_INT8_ABI_VERSION) {
        fprintf(stderr, "classify: built for ABI %d, the library has %u\n", VGG_INT8_ABI_VERSION, vgg_abi_version());
        return 1;
    }
    vgg_model *model = NULL;
    vgg_context *context = NULL;
    vgg_model_info info;
    if (vgg_model_open(argv[1], 1, &model) != VGG_OK) return failed("open");
    if (vgg_model_get_info(model, &info) != VGG_OK || vgg_context_create(model, 1, &context) != VGG_OK) {
        vgg_model_free(model);
        return failed("context");
    }
    float *logits = malloc(sizeof(float) * (size_t)info.class_count);
    int status = logits ? 0 : 1;
    for (int i = 2; logits && i < argc; i++) {
        vgg_class top[TOP];
        size_t count = 0;
        if (vgg_classify_file(context, argv[i], logits, (size_t)info.class_count) != VGG_OK
            || vgg_top_k(model, logits, (size_t)info.class_count, TOP, top, TOP, &count) != VGG_OK) {
            status = failed(argv[i]);  /* one bad image: say so, go on with the rest */
            continue;
        }
        printf("%s\n", argv[i]);
        for (size_t k = 0; k < count; k++)
            printf("  %2zu. %6.2f%%  %s (%d)\n", k + 1, top[k].probability * 100, top[k].label, top[k].index);
    }
    free(logits);
    vgg_context_free(context);
    vgg_model_free(model);
    return status;
}
