// vgg_http_get: libcurl's easy interface, set up once per request (see include/vgg_http.h).
#include "vgg_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
    CURL *curl;
    int fd;
    int64_t offset;
    int started;       // the first body bytes have been seen
    int64_t range_start;  // the start in a Content-Range header, -1 when none came
    int write_errno;   // errno of a failed write, 0 if none
    vgg_http_progress_fn progress;
    void *context;
    vgg_http_result *result;
} transfer;

static size_t write_body(char *data, size_t size, size_t count, void *user) {
    transfer *t = user;
    size_t length = size * count;
    if (!t->started) {
        t->started = 1;
        long status = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 206 && t->range_start != t->offset && t->range_start != 0) {  // not the bytes asked for
            snprintf(t->result->message, sizeof t->result->message,
                     "the server sent bytes from %lld on, not from %lld", (long long)t->range_start, (long long)t->offset);
            t->result->range_mismatch = 1;
            return 0;
        }
        if (t->offset > 0 && (status == 200 || (status == 206 && t->range_start == 0))) {
            // the server ignored the range (or sent it all as a range): start over
            if (ftruncate(t->fd, 0) != 0 || lseek(t->fd, 0, SEEK_SET) != 0) {
                t->write_errno = errno;
                return 0;
            }
            t->result->restarted = 1;
        }
    }
    size_t done = 0;
    while (done < length) {
        ssize_t n = write(t->fd, data + done, length - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            t->write_errno = errno;
            return 0;  // libcurl stops with CURLE_WRITE_ERROR
        }
        done += (size_t)n;
    }
    t->result->written += (int64_t)length;
    return length;
}

// Notes the start of a Content-Range (of the last response, after redirects).
static size_t read_header(char *data, size_t size, size_t count, void *user) {
    transfer *t = user;
    size_t length = size * count;
    static const char name[] = "content-range:";
    if (length >= 5 && strncmp(data, "HTTP/", 5) == 0) t->range_start = -1;  // a new response
    if (length > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char line[128];
        size_t n = length < sizeof line - 1 ? length : sizeof line - 1;
        memcpy(line, data, n);
        line[n] = 0;
        long long start;
        if (sscanf(line + sizeof name - 1, " bytes %lld-", &start) == 1) t->range_start = start;
    }
    return length;
}

static int report_progress(void *user, curl_off_t total, curl_off_t now, curl_off_t up_total, curl_off_t up_now) {
    (void)up_total;
    (void)up_now;
    transfer *t = user;
    if (!t->progress) return 0;
    // Only the body of the final answer counts (not a redirect's), and it starts at byte 0 of the
    // file when the server sends the whole file (decided from the headers, before any body byte).
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200 && status != 206) return 0;
    int64_t start = t->offset > 0 && (status == 200 || t->range_start == 0) ? 0 : t->offset;
    return t->progress(t->context, start, (int64_t)now, total > 0 ? (int64_t)total : -1);
}

static void initialize_curl(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

int vgg_http_get(const char *url, int fd, int64_t offset, long stall_seconds,
                 vgg_http_progress_fn progress, void *context, vgg_http_result *result) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, initialize_curl);
    memset(result, 0, sizeof *result);
    CURL *curl = curl_easy_init();
    if (!curl) {
        result->curl_code = CURLE_FAILED_INIT;
        snprintf(result->message, sizeof result->message, "libcurl could not start a transfer");
        return -1;
    }
    transfer t = {curl, fd, offset, 0, -1, 0, progress, context, result};
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vgg-quantize (libcurl)");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_seconds);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, report_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    // A plain Range header, not CURLOPT_RESUME_FROM_LARGE: that one fails on a 200 reply,
    // where we would rather take the whole file again.
    char range[32];
    if (offset > 0) {
        snprintf(range, sizeof range, "%lld-", (long long)offset);
        curl_easy_setopt(curl, CURLOPT_RANGE, range);
    }

    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
    result->curl_code = (int)code;
    if (code != CURLE_OK) {
        if (result->message[0]) {
            // set by write_body
        } else if (t.write_errno != 0) {
            snprintf(result->message, sizeof result->message, "cannot write the download: %s", strerror(t.write_errno));
        } else {
            snprintf(result->message, sizeof result->message, "%s", error[0] ? error : curl_easy_strerror(code));
        }
    }
    curl_easy_cleanup(curl);
    return code == CURLE_OK ? 0 : -1;
}
