// Shared between the dispatcher and the two decoders; not part of the module's interface.
#ifndef VGG_IMAGE_INTERNAL_H
#define VGG_IMAGE_INTERNAL_H

#include "vgg_image_codecs.h"

/// Decode a PNG / JPEG; both fill every field of `result` that vgg_image_decode documents.
void vgg_png_decode(const uint8_t *bytes, size_t byte_count, uint64_t max_pixels,
                    vgg_image_result *result);
void vgg_jpeg_decode(const uint8_t *bytes, size_t byte_count, uint64_t max_pixels,
                     vgg_image_result *result);

/// Copies `text` into result->message, truncating to VGG_IMAGE_MESSAGE_CAPACITY - 1 bytes.
void vgg_image_set_message(vgg_image_result *result, const char *text);

#endif  // VGG_IMAGE_INTERNAL_H
