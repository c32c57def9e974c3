/* The C half of libvgg_int8: what needs C (thread-local storage, static strings). The rest is
 * Swift, exported with @_cdecl (Sources/VGGInt8C; Docs/Embedding.md says why). */
#include "vgg_int8_internal.h"

#include <string.h>

/* Kept equal to the repository's VERSION file (Scripts/test-c-api.sh checks). */
#define VGG_INT8_VERSION_STRING "0.1.0"

/* global-dynamic: the library may be dlopen'ed (Python's ctypes), and the aarch64 cross-build
 * compiles C without -fPIC, whose default local-exec model cannot link into a shared object. */
static _Thread_local char last_message[VGG_MESSAGE_CAPACITY] __attribute__((tls_model("global-dynamic")));

uint32_t vgg_abi_version(void) { return VGG_INT8_ABI_VERSION; }

const char *vgg_version(void) { return VGG_INT8_VERSION_STRING; }

const char *vgg_last_error(void) { return last_message; }

vgg_status vgg_internal_fail(vgg_status status, const char *message) {
    size_t length = strlen(message);
    if (length >= VGG_MESSAGE_CAPACITY) {
        length = VGG_MESSAGE_CAPACITY - 1;
        /* never end inside a UTF-8 sequence: step back over continuation bytes */
        while (length > 0 && ((unsigned char)message[length] & 0xC0) == 0x80) length--;
    }
    memcpy(last_message, message, length);
    last_message[length] = '\0';
    return status;
}

const char *vgg_status_name(vgg_status status) {
    switch (status) {
    case VGG_OK: return "VGG_OK";
    case VGG_ERROR_INVALID_ARGUMENT: return "VGG_ERROR_INVALID_ARGUMENT";
    case VGG_ERROR_INVALID_HANDLE: return "VGG_ERROR_INVALID_HANDLE";
    case VGG_ERROR_INVALID_BLOB: return "VGG_ERROR_INVALID_BLOB";
    case VGG_ERROR_INVALID_IMAGE: return "VGG_ERROR_INVALID_IMAGE";
    case VGG_ERROR_INVALID_INPUT: return "VGG_ERROR_INVALID_INPUT";
    case VGG_ERROR_INVALID_SETTINGS: return "VGG_ERROR_INVALID_SETTINGS";
    case VGG_ERROR_CONTEXT_BUSY: return "VGG_ERROR_CONTEXT_BUSY";
    }
    return "VGG_ERROR_UNKNOWN";
}
