/*
 * fuzz_resp.c - the client request parser (src/net/resp.h).
 *
 * Input: one mode byte, one chunking seed byte, then the bytes a client
 * sends.  The bytes are parsed twice: fed whole with resp_reader_feed, and
 * in chunks through the zero-copy resp_reader_space / resp_reader_commit
 * pair the server uses, with requests taken out between chunks.  Every
 * request must be well formed (each argument NUL-terminated at its
 * length); with the default limits both runs must give the same requests
 * and end the same way, since how TCP splits a stream must not change what
 * it means.  Small limits and the unauthenticated flag come from the mode
 * byte, to reach every refusal.
 */
#include "fuzz.h"

#include "net/resp.h"

/* What one run produced: the requests, flattened, and how it ended. */
struct resp_fuzz_transcript {
    char *data;
    size_t len;
    size_t cap;
    int failed;
    char error[96];
};

static void resp_fuzz_append(struct resp_fuzz_transcript *t, const void *p, size_t n)
{
    if (t->len + n > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n)
            cap *= 2;
        t->data = realloc(t->data, cap);
        if (t->data == NULL)
            abort();
        t->cap = cap;
    }
    if (n > 0)
        memcpy(t->data + t->len, p, n);
    t->len += n;
}

static void resp_fuzz_check_request(const struct resp_reader *r, const struct resp_request *req)
{
    FUZZ_CHECK(req->argc >= 1);
    /* Multibulk requests (args_expected set; inline lines leave it 0, and
     * are decoded in place, so their first byte says nothing). */
    if (r->unauthenticated && r->args_expected != 0)
        FUZZ_CHECK(req->argc <= 10);
    for (int i = 0; i < req->argc; i++) {
        FUZZ_CHECK(req->argv[i] >= r->buf && req->argv[i] + req->lens[i] < r->buf + r->len);
        FUZZ_CHECK(req->argv[i][req->lens[i]] == '\0');
    }
}

static void resp_fuzz_record(struct resp_fuzz_transcript *t, const struct resp_request *req)
{
    size_t argc = (size_t)req->argc;
    resp_fuzz_append(t, &argc, sizeof(argc));
    for (int i = 0; i < req->argc; i++) {
        resp_fuzz_append(t, &req->lens[i], sizeof(req->lens[i]));
        resp_fuzz_append(t, req->argv[i], req->lens[i]);
    }
}

/* Takes every complete request out of the reader.  Returns 0, or -1 once
 * the reader has failed. */
static int resp_fuzz_drain(struct resp_reader *r, struct resp_fuzz_transcript *t)
{
    for (;;) {
        struct resp_request req;
        enum resp_reader_status st = resp_reader_next(r, &req);
        if (st == RESP_READER_AGAIN)
            return 0;
        if (st == RESP_READER_ERROR) {
            t->failed = 1;
            snprintf(t->error, sizeof(t->error), "%s", r->error ? r->error : "(close)");
            return -1;
        }
        resp_fuzz_check_request(r, &req);
        resp_fuzz_record(t, &req);
        FUZZ_CHECK(resp_reader_pending(r) <= r->len);
    }
}

static void resp_fuzz_whole(const struct resp_limits *limits, int unauth, const uint8_t *p,
                            size_t n, struct resp_fuzz_transcript *t)
{
    struct resp_reader r;
    resp_reader_init(&r, limits);
    r.unauthenticated = unauth;
    if (resp_reader_feed(&r, (const char *)p, n) < 0) {
        t->failed = 1;
        snprintf(t->error, sizeof(t->error), "(feed)");
    } else {
        resp_fuzz_drain(&r, t);
    }
    resp_reader_clear(&r);
}

static void resp_fuzz_chunked(const struct resp_limits *limits, int unauth, uint8_t seed,
                              const uint8_t *p, size_t n, struct resp_fuzz_transcript *t)
{
    struct resp_reader r;
    uint32_t x = seed * 2654435761u + 1;
    resp_reader_init(&r, limits);
    r.unauthenticated = unauth;
    while (n > 0) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t chunk = (x & 1) ? 1 + (x >> 8) % 7 : 1 + (x >> 8) % 300;
        if (chunk > n)
            chunk = n;
        char *space = resp_reader_space(&r, chunk);
        if (space == NULL || (memcpy(space, p, chunk), resp_reader_commit(&r, chunk) < 0)) {
            t->failed = 1;
            snprintf(t->error, sizeof(t->error), "(feed)");
            break;
        }
        p += chunk;
        n -= chunk;
        if (resp_fuzz_drain(&r, t) < 0)
            break;
    }
    resp_reader_clear(&r);
}

FUZZ_TARGET(resp)
{
    struct fuzz_input in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    uint8_t seed = fuzz_u8(&in);
    struct resp_limits limits = {0};
    int small = mode & 1;
    int unauth = (mode >> 1) & 1;
    if (small) {
        limits.max_inline_bytes = 1 + (mode >> 2) % 64;
        limits.max_bulk_bytes = 1 + seed % 128;
        limits.max_args = 1 + (seed >> 4);
        limits.max_query_bytes = 16 + (size_t)(mode >> 2) * 16;
    }
    struct resp_fuzz_transcript whole = {0}, chunked = {0};
    fuzz_alloc_watch();
    resp_fuzz_whole(&limits, unauth, in.data, in.size, &whole);
    resp_fuzz_chunked(&limits, unauth, seed, in.data, in.size, &chunked);
    if (!small) {
        /* The same stream means the same requests, however it arrives. */
        FUZZ_CHECK(whole.len == chunked.len);
        FUZZ_CHECK(whole.len == 0 || memcmp(whole.data, chunked.data, whole.len) == 0);
        FUZZ_CHECK(whole.failed == chunked.failed);
        FUZZ_CHECK(strcmp(whole.error, chunked.error) == 0);
    }
    free(whole.data);
    free(chunked.data);
    FUZZ_CHECK(fuzz_alloc_largest <= FUZZ_MAX_ALLOC_BYTES);
    return 0;
}
