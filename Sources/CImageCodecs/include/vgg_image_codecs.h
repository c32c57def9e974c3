// PNG and JPEG decoding from memory to 8-bit RGB, for the Imaging module.
//
// C rather than Swift because libjpeg reports errors through a callback that must not return
// (its default calls exit()), jpeg_create_decompress is a macro, and libpng longjmps too: each
// decoder owns a setjmp point, so corrupt or truncated input ends in a status and a message,
// never in exit(), a crash or a leak.
#ifndef VGG_IMAGE_CODECS_H
#define VGG_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// What vgg_image_decode did.
typedef enum {
    VGG_IMAGE_OK = 0,
    /// The bytes start with neither the PNG nor the JPEG signature.
    VGG_IMAGE_UNSUPPORTED_FORMAT = 1,
    /// The codec rejected the data; `message` says why.
    VGG_IMAGE_CORRUPT = 2,
    /// width * height > max_pixels, found from the header before any pixel buffer was allocated.
    VGG_IMAGE_TOO_MANY_PIXELS = 3,
    /// A pixel or row buffer could not be allocated.
    VGG_IMAGE_OUT_OF_MEMORY = 4,
} vgg_image_status;

/// The container, sniffed from the first bytes (never from a file name).
typedef enum {
    VGG_IMAGE_FORMAT_UNKNOWN = 0,
    VGG_IMAGE_FORMAT_PNG = 1,
    VGG_IMAGE_FORMAT_JPEG = 2,
} vgg_image_format;

/// Capacity of `vgg_image_result.message` in bytes, including the terminating NUL.
#define VGG_IMAGE_MESSAGE_CAPACITY 200

/// The outcome of one decode.
typedef struct {
    vgg_image_status status;
    vgg_image_format format;
    /// Image size in pixels, from the header; valid for VGG_IMAGE_OK and VGG_IMAGE_TOO_MANY_PIXELS.
    uint32_t width;
    uint32_t height;
    /// width * height * 3 bytes, RGB interleaved, rows top to bottom (HWC). Owned by the caller,
    /// released with vgg_image_free. NULL unless status is VGG_IMAGE_OK.
    uint8_t *pixels;
    /// NUL-terminated codec message for VGG_IMAGE_CORRUPT, as libpng/libjpeg worded it; else empty.
    char message[VGG_IMAGE_MESSAGE_CAPACITY];
} vgg_image_result;

/// The format that the first bytes announce: PNG's 8-byte signature or JPEG's SOI marker FF D8 FF.
vgg_image_format vgg_image_sniff(const uint8_t *bytes, size_t byte_count);

/// Decodes a whole PNG or JPEG file held in memory to 8-bit RGB.
///
/// Conversions follow Pillow's `Image.open(f).convert("RGB")` (see Docs/Imaging.md):
/// palette -> RGB; grey (1, 2, 4, 8, 16 bit) -> R = G = B; alpha and tRNS dropped without
/// compositing; 16-bit samples -> their high byte; JPEG CMYK/YCCK -> RGB with Pillow's formula.
/// No gamma, ICC profile or EXIF orientation is applied.
///
/// - Parameters:
///   - bytes, byte_count: the file's contents.
///   - max_pixels: largest accepted width * height; checked against the header before allocating.
///   - result: filled in on every path; result->status equals the return value.
vgg_image_status vgg_image_decode(const uint8_t *bytes, size_t byte_count, uint64_t max_pixels,
                                  vgg_image_result *result);

/// Releases the pixels of a successful decode (NULL is allowed).
void vgg_image_free(uint8_t *pixels);

#endif  // VGG_IMAGE_CODECS_H
