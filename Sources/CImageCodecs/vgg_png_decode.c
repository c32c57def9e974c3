// PNG decoding with libpng's classic API.
//
// Not the simplified png_image API: it treats 16-bit samples as linear light and re-encodes
// them with the sRGB curve when producing 8-bit output, which Pillow does not do.
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "vgg_image_internal.h"

/// The file's bytes and how many of them libpng has consumed.
typedef struct {
    const uint8_t *bytes;
    size_t byte_count;
    size_t position;
} png_memory_reader;

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
    png_memory_reader *reader = png_get_io_ptr(png);
    if (count > reader->byte_count - reader->position) {
        png_error(png, "unexpected end of file (truncated)");
    }
    memcpy(out, reader->bytes + reader->position, count);
    reader->position += count;
}

static void fail(png_structp png, png_const_charp message) {
    vgg_image_set_message(png_get_error_ptr(png), message);
    png_longjmp(png, 1);
}

// libpng warns about damaged or odd ancillary chunks (bad CRC in tEXt, a known-bad sRGB
// profile) and skips them; Pillow opens such files too, so a warning is not an error here.
static void ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/// Asks libpng for 8-bit RGB the way Pillow's convert("RGB") produces it.
static void request_rgb8(png_structp png, int color_type, int bit_depth) {
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    // 1/2/4-bit grey is scaled to 0...255 by bit replication (v * 255 / (2^n - 1)), the same
    // values as Pillow's "1", "L;2" and "L;4" unpackers.
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    // A 16-bit sample keeps its high byte (v >> 8), as Pillow's "RGB;16B" unpacker does.
    // (Pillow clips 16-bit grey to 255 instead; Docs/Imaging.md explains why we do not.)
    if (bit_depth == 16) {
        png_set_strip_16(png);
    }
    // Drops an alpha channel without compositing, and cancels the tRNS -> alpha expansion
    // that png_set_palette_to_rgb would otherwise do: tRNS is ignored, as in Pillow.
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
}

void vgg_png_decode(const uint8_t *bytes, size_t byte_count, uint64_t max_pixels,
                    vgg_image_result *result) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, result, fail, ignore_warning);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        result->status = VGG_IMAGE_OUT_OF_MEMORY;
        return;
    }
    png_memory_reader reader = {bytes, byte_count, 0};
    // Assigned after setjmp and freed after longjmp: volatile keeps their values across the jump.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        result->status = VGG_IMAGE_CORRUPT;
        return;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_read_info(png, info);
    const png_uint_32 width = png_get_image_width(png, info);
    const png_uint_32 height = png_get_image_height(png, info);
    result->width = width;
    result->height = height;
    if ((uint64_t)width * height > max_pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        result->status = VGG_IMAGE_TOO_MANY_PIXELS;
        return;
    }
    request_rgb8(png, png_get_color_type(png, info), png_get_bit_depth(png, info));
    png_read_update_info(png, info);
    const size_t row_bytes = (size_t)width * 3;
    if (png_get_channels(png, info) != 3 || png_get_rowbytes(png, info) != row_bytes) {
        png_error(png, "conversion to 8-bit RGB failed");
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        result->status = VGG_IMAGE_OUT_OF_MEMORY;
        return;
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + y * row_bytes;
    }
    // Stops after the last row: like Pillow, chunks after the image data are not required.
    png_read_image(png, rows);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    result->pixels = pixels;
    result->status = VGG_IMAGE_OK;
}
