// Format sniffing and dispatch to the PNG or JPEG decoder.
#include <stdlib.h>
#include <string.h>

#include "vgg_image_internal.h"

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
// SOI marker followed by the first byte of the next marker.
static const uint8_t jpeg_signature[3] = {0xFF, 0xD8, 0xFF};

vgg_image_format vgg_image_sniff(const uint8_t *bytes, size_t byte_count) {
    if (byte_count >= sizeof png_signature && memcmp(bytes, png_signature, sizeof png_signature) == 0) {
        return VGG_IMAGE_FORMAT_PNG;
    }
    if (byte_count >= sizeof jpeg_signature && memcmp(bytes, jpeg_signature, sizeof jpeg_signature) == 0) {
        return VGG_IMAGE_FORMAT_JPEG;
    }
    return VGG_IMAGE_FORMAT_UNKNOWN;
}

void vgg_image_set_message(vgg_image_result *result, const char *text) {
    strncpy(result->message, text, VGG_IMAGE_MESSAGE_CAPACITY - 1);
    result->message[VGG_IMAGE_MESSAGE_CAPACITY - 1] = '\0';
}

vgg_image_status vgg_image_decode(const uint8_t *bytes, size_t byte_count, uint64_t max_pixels,
                                  vgg_image_result *result) {
    memset(result, 0, sizeof *result);
    result->format = vgg_image_sniff(bytes, byte_count);
    switch (result->format) {
        case VGG_IMAGE_FORMAT_PNG:
            vgg_png_decode(bytes, byte_count, max_pixels, result);
            break;
        case VGG_IMAGE_FORMAT_JPEG:
            vgg_jpeg_decode(bytes, byte_count, max_pixels, result);
            break;
        case VGG_IMAGE_FORMAT_UNKNOWN:
            result->status = VGG_IMAGE_UNSUPPORTED_FORMAT;
            break;
    }
    return result->status;
}

void vgg_image_free(uint8_t *pixels) { free(pixels); }
