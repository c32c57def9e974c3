/* Internal to libvgg_int8: the Swift half (Sources/VGGInt8C) records a failed call's message
 * here. Hidden: not part of the library's exported symbols. */
#ifndef VGG_INT8_INTERNAL_H
#define VGG_INT8_INTERNAL_H

#include "vgg_int8.h"

/* Copies message (UTF-8, NUL-terminated; cut at VGG_MESSAGE_CAPACITY - 1 bytes on a character
 * boundary) into the calling thread's buffer, which vgg_last_error() returns, and returns status. */
__attribute__((visibility("hidden"))) vgg_status vgg_internal_fail(vgg_status status, const char *message);

#define VGG_MESSAGE_CAPACITY 1024

#endif
