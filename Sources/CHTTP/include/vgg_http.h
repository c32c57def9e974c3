// One HTTP(S) GET with libcurl, the body appended to a file descriptor, for HubDownload
// (Docs/Checkpoints.md, "Downloads"). The C half exists because curl_easy_setopt is variadic,
// which Swift cannot call; every decision (where to write, resuming, checking) is Swift's.
#ifndef VGG_HTTP_H
#define VGG_HTTP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Called as bytes arrive: the body starts at byte `start` of the file (the offset asked for, or
/// 0 once the server sent the whole file instead), `received` bytes of it so far, `expected` its
/// length when the server said (Content-Length), else -1. Return non-zero to abort.
typedef int (*vgg_http_progress_fn)(void *context, int64_t start, int64_t received, int64_t expected);

typedef struct {
    /// The final response's status (after redirects); 0 when none arrived.
    long status;
    /// The libcurl result (CURLE_OK is 0).
    int curl_code;
    /// Whether the body was written from the start of the file even though `offset` > 0
    /// (the server answered a range request with the whole file: the file was truncated first).
    int restarted;
    /// A 206 reply whose range does not start at `offset` (nor at 0) was refused.
    int range_mismatch;
    /// Body bytes written to the descriptor by this request.
    int64_t written;
    /// libcurl's message for a failure (empty on success).
    char message[256];
} vgg_http_result;

/// GETs `url` (http or https only, redirects followed to http or https, at most 5) and writes
/// the body at the descriptor's current end. With `offset` > 0 it asks for the bytes from
/// `offset` on (Range); a 206 reply from `offset` is appended; a 200 reply, or a 206 reply from
/// byte 0, makes it truncate `fd` to 0 and write the body from the start (`restarted`); a 206
/// reply from elsewhere fails (`range_mismatch`). Status 400 and above fail before any byte is written.
/// Fails when no byte arrives for `stall_seconds`. Returns 0 on success, -1 otherwise
/// (`result` says why).
int vgg_http_get(const char *url, int fd, int64_t offset, long stall_seconds,
                 vgg_http_progress_fn progress, void *context, vgg_http_result *result);

#ifdef __cplusplus
}
#endif

#endif
