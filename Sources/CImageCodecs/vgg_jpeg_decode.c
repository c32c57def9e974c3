// JPEG decoding with libjpeg(-turbo) at its defaults: ISLOW integer DCT and fancy
// upsampling, the settings Pillow decodes with.
#include <setjmp.h>
#include <stdio.h>  // jpeglib.h uses FILE
#include <stdlib.h>

#include <jpeglib.h>
#include <jerror.h>

#include "vgg_image_internal.h"

/// libjpeg's error manager plus where to jump and where to put the message.
typedef struct {
    struct jpeg_error_mgr manager;  // first member: cinfo->err points here
    jmp_buf jump;
    vgg_image_result *result;
} jpeg_error_context;

static void fail(j_common_ptr cinfo) {
    jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    vgg_image_set_message(context->result, text);
    longjmp(context->jump, 1);
}

/// Warnings that mean pixel data is missing or damaged are errors here. Pillow refuses a
/// file that ends early but decodes past damaged entropy data (filling in garbage); we refuse
/// both. Trace messages and harmless warnings (unknown JFIF revision, bad thumbnail size,
/// extraneous bytes between markers) are ignored, as in Pillow. Nothing is ever printed.
static void on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return;
    }
    switch (cinfo->err->msg_code) {
        case JWRN_JPEG_EOF:
        case JWRN_HIT_MARKER:
        case JWRN_MUST_RESYNC:
        case JWRN_HUFF_BAD_CODE:
        case JWRN_ARITH_BAD_CODE:
        case JWRN_BOGUS_PROGRESSION:
        case JWRN_NOT_SEQUENTIAL:
            fail(cinfo);
            break;
        default:
            break;
    }
}

/// One RGB channel from a CMYK pixel the way Pillow computes it.
///
/// Pillow reads every 4-component JPEG as inverted CMYK ("CMYK;I", Adobe's convention:
/// C = 255 - stored) and convert("RGB") gives R = nk - MULDIV255(C, nk) with nk = 255 - K,
/// MULDIV255(a, b) = round(a * b / 255) computed as ((t >> 8) + t) >> 8, t = a * b + 128.
/// With stored bytes c and k: R = k - MULDIV255(255 - c, k), always in 0...k.
/// Example: c = 255 (no ink), k = 200 -> 200 - 0 = 200; c = 0, k = 200 -> 200 - 200 = 0.
static JSAMPLE cmyk_to_rgb_channel(JSAMPLE stored_ink, JSAMPLE stored_black) {
    const int not_black = stored_black;
    const int ink = 255 - stored_ink;
    const int product = ink * not_black + 128;
    return (JSAMPLE)(not_black - (((product >> 8) + product) >> 8));
}

void vgg_jpeg_decode(const uint8_t *bytes, size_t byte_count, uint64_t max_pixels,
                     vgg_image_result *result) {
    struct jpeg_decompress_struct cinfo;
    jpeg_error_context errors;
    cinfo.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = fail;
    errors.manager.emit_message = on_message;
    errors.result = result;
    // Assigned after setjmp and freed after longjmp: volatile keeps their values across the jump.
    uint8_t *volatile pixels = NULL;
    JSAMPLE *volatile cmyk_row = NULL;
    if (setjmp(errors.jump)) {
        free(pixels);
        free(cmyk_row);
        jpeg_destroy_decompress(&cinfo);
        result->status = VGG_IMAGE_CORRUPT;
        return;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, bytes, (unsigned long)byte_count);
    jpeg_read_header(&cinfo, TRUE);
    result->width = cinfo.image_width;
    result->height = cinfo.image_height;
    if ((uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        result->status = VGG_IMAGE_TOO_MANY_PIXELS;
        return;
    }
    // libjpeg infers the colour space from the component count and the JFIF/Adobe markers.
    // Grey, YCbCr and RGB come out as RGB; CMYK and YCCK as CMYK, converted below.
    const int is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (cinfo.jpeg_color_space == JCS_UNKNOWN) {
        vgg_image_set_message(result, "unsupported number of colour components");
        jpeg_destroy_decompress(&cinfo);
        result->status = VGG_IMAGE_CORRUPT;
        return;
    }
    cinfo.out_color_space = is_cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);

    const size_t row_bytes = (size_t)cinfo.output_width * 3;
    pixels = malloc(row_bytes * cinfo.output_height);
    if (is_cmyk) {
        cmyk_row = malloc((size_t)cinfo.output_width * 4);
    }
    if (pixels == NULL || (is_cmyk && cmyk_row == NULL)) {
        free(pixels);
        free(cmyk_row);
        jpeg_destroy_decompress(&cinfo);
        result->status = VGG_IMAGE_OUT_OF_MEMORY;
        return;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *out = pixels + (size_t)cinfo.output_scanline * row_bytes;
        JSAMPROW row = is_cmyk ? cmyk_row : out;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (is_cmyk) {
            for (JDIMENSION x = 0; x < cinfo.output_width; x++) {
                const JSAMPLE *cmyk = cmyk_row + 4 * x;
                out[3 * x + 0] = cmyk_to_rgb_channel(cmyk[0], cmyk[3]);
                out[3 * x + 1] = cmyk_to_rgb_channel(cmyk[1], cmyk[3]);
                out[3 * x + 2] = cmyk_to_rgb_channel(cmyk[2], cmyk[3]);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);
    result->pixels = pixels;
    result->status = VGG_IMAGE_OK;
}
