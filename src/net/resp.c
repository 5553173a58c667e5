/*
 * resp.c - incremental request parser (see resp.h).
 *
 * The reader keeps one buffer.  Arguments are decoded in place and recorded
 * as offsets from the start of the request being parsed, so the buffer may
 * be moved or grown while a multibulk request is only half received; the
 * offsets become pointers when the request is complete.
 */
#include "net/resp.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/server.h"

/* Redis's limits for a client that still has to authenticate. */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK_BYTES 16384

/* Smallest buffer we allocate, and the size above which an emptied
 * buffer is given back, so idle clients hold little memory. */
#define RESP_MIN_BUFFER_BYTES 1024
#define RESP_KEEP_BUFFER_BYTES (4 * 1024)

/* What one argument costs in bookkeeping; counted against the query limit
 * so a flood of empty arguments can't grow the arrays without bound. */
#define RESP_ARG_META_BYTES (2 * sizeof(size_t) + sizeof(char *))

/* Internal result: progress was made, keep parsing. */
#define RESP_CONTINUE 2

void resp_reader_init(struct resp_reader *reader,
                      const struct resp_limits *limits)
{
    memset(reader, 0, sizeof(*reader));
    if (limits)
        reader->limits = *limits;
    if (!reader->limits.max_inline_bytes)
        reader->limits.max_inline_bytes = SERVER_MAX_INLINE_BYTES;
    if (!reader->limits.max_bulk_bytes)
        reader->limits.max_bulk_bytes = SERVER_MAX_BULK_BYTES;
    if (!reader->limits.max_args)
        reader->limits.max_args = SERVER_MAX_ARGS;
    if (!reader->limits.max_query_bytes)
        reader->limits.max_query_bytes = SERVER_MAX_QUERY_BYTES;
    reader->state = RESP_STATE_IDLE;
}

void resp_reader_clear(struct resp_reader *reader)
{
    free(reader->buf);
    free(reader->offsets);
    free(reader->lens);
    free(reader->argv);
    memset(reader, 0, sizeof(*reader));
}

static enum resp_reader_status resp_fail(struct resp_reader *reader,
                                         const char *msg)
{
    reader->state = RESP_STATE_FAILED;
    reader->error = msg;
    return RESP_READER_ERROR;
}

/* First byte still needed: the returned request is dead once we are idle. */
static size_t resp_live_start(const struct resp_reader *reader)
{
    return reader->state == RESP_STATE_IDLE ? reader->pos
                                            : reader->request_start;
}

static void resp_compact(struct resp_reader *reader)
{
    size_t live = resp_live_start(reader);

    if (live == 0)
        return;
    memmove(reader->buf, reader->buf + live, reader->len - live);
    reader->len -= live;
    reader->pos -= live;
    reader->request_start = reader->request_start > live
                                ? reader->request_start - live : 0;
}

char *resp_reader_space(struct resp_reader *reader, size_t want)
{
    size_t cap;
    char *buf;

    if (reader->state == RESP_STATE_FAILED)
        return NULL;
    if (reader->buf != NULL && reader->cap - reader->len >= want)
        return reader->buf + reader->len;
    resp_compact(reader);
    if (reader->buf != NULL && reader->cap - reader->len >= want)
        return reader->buf + reader->len;
    cap = reader->cap ? reader->cap : RESP_MIN_BUFFER_BYTES;
    while (cap - reader->len < want) {
        if (cap > SIZE_MAX / 2)
            return NULL;
        cap *= 2;
    }
    buf = realloc(reader->buf, cap);
    if (!buf)
        return NULL;
    reader->buf = buf;
    reader->cap = cap;
    return reader->buf + reader->len;
}

int resp_reader_commit(struct resp_reader *reader, size_t n)
{
    if (reader->state == RESP_STATE_FAILED)
        return -1;
    reader->len += n;
    /* Redis closes a client past its query buffer limit without a reply. */
    if (reader->len - resp_live_start(reader) >
        reader->limits.max_query_bytes) {
        resp_fail(reader, NULL);
        return -1;
    }
    return 0;
}

int resp_reader_feed(struct resp_reader *reader, const char *data,
                     size_t len)
{
    char *space;

    /* Nothing to add is not an error, and needs no buffer yet. */
    if (len == 0)
        return reader->state == RESP_STATE_FAILED ? -1 : 0;
    space = resp_reader_space(reader, len);
    if (!space)
        return -1;
    memcpy(space, data, len);
    return resp_reader_commit(reader, len);
}

size_t resp_reader_pending(const struct resp_reader *reader)
{
    return reader->len - resp_live_start(reader);
}

size_t resp_reader_capacity(const struct resp_reader *reader)
{
    return reader->cap;
}

int resp_parse_ll(const char *s, size_t len, long long *out)
{
    unsigned long long value = 0;
    size_t i = 0;
    int negative = 0;

    if (len == 0 || len > 20)
        return -1;
    if (s[0] == '-') {
        negative = 1;
        i = 1;
        if (len == 1)
            return -1;
    }
    if (s[i] == '0') {
        if (len != 1)
            return -1; /* "01" and "-0" are not numbers to Redis */
        *out = 0;
        return 0;
    }
    for (; i < len; i++) {
        unsigned digit;

        if (s[i] < '0' || s[i] > '9')
            return -1;
        digit = (unsigned)(s[i] - '0');
        if (value > (ULLONG_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    if (negative) {
        if (value > (unsigned long long)LLONG_MAX + 1)
            return -1;
        *out = value == (unsigned long long)LLONG_MAX + 1
                   ? LLONG_MIN : -(long long)value;
    } else {
        if (value > (unsigned long long)LLONG_MAX)
            return -1;
        *out = (long long)value;
    }
    return 0;
}

/* --- inline commands --------------------------------------------------- */

/* isspace() in the C locale, without the locale. */
static int resp_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' ||
           ch == '\f' || ch == '\r';
}

static int resp_hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The byte at i, or NUL past the end: the line reads as a C string. */
static char resp_at(const char *line, size_t len, size_t i)
{
    return i < len ? line[i] : '\0';
}

/* Decodes a "double quoted" section starting after its opening quote.
 * Writes at *out; returns the index after the closing quote, or 0 when
 * the quotes don't balance. */
static size_t resp_inline_dquote(char *line, size_t len, size_t p,
                                 size_t *out)
{
    for (;;) {
        char ch = resp_at(line, len, p);

        if (ch == '\0')
            return 0;
        if (ch == '"') {
            if (!resp_is_space(resp_at(line, len, p + 1)) &&
                resp_at(line, len, p + 1) != '\0')
                return 0;
            return p + 1;
        }
        if (ch == '\\' && resp_at(line, len, p + 1) == 'x' &&
            resp_hex_value(resp_at(line, len, p + 2)) >= 0 &&
            resp_hex_value(resp_at(line, len, p + 3)) >= 0) {
            line[(*out)++] = (char)(resp_hex_value(line[p + 2]) * 16 +
                                    resp_hex_value(line[p + 3]));
            p += 4;
            continue;
        }
        if (ch == '\\' && resp_at(line, len, p + 1) != '\0') {
            char next = line[p + 1];

            switch (next) {
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'b': ch = '\b'; break;
            case 'a': ch = '\a'; break;
            default: ch = next; break;
            }
            p++;
        }
        line[(*out)++] = ch;
        p++;
    }
}

/* Same for a 'single quoted' section: only \' is an escape. */
static size_t resp_inline_squote(char *line, size_t len, size_t p,
                                 size_t *out)
{
    for (;;) {
        char ch = resp_at(line, len, p);

        if (ch == '\0')
            return 0;
        if (ch == '\'') {
            if (!resp_is_space(resp_at(line, len, p + 1)) &&
                resp_at(line, len, p + 1) != '\0')
                return 0;
            return p + 1;
        }
        if (ch == '\\' && resp_at(line, len, p + 1) == '\'')
            p++;
        line[(*out)++] = line[p];
        p++;
    }
}

int resp_inline_next(char *line, size_t len, size_t *pos, char **arg,
                     size_t *arg_len)
{
    size_t p = *pos;
    size_t start, out;

    while (p < len && line[p] != '\0' && resp_is_space(line[p]))
        p++;
    if (p >= len || line[p] == '\0') {
        *pos = len;
        return 0;
    }
    start = out = p;
    for (;;) {
        char ch = resp_at(line, len, p);

        if (ch == '\0') {
            *pos = len;     /* a NUL ends the whole line, as in Redis */
            break;
        }
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') {
            *pos = p + 1;
            break;
        }
        if (ch == '"' || ch == '\'') {
            /* A quote may open mid-token ("a\"b c\"" is one argument);
             * its closing quote ends the argument. */
            p = ch == '"' ? resp_inline_dquote(line, len, p + 1, &out)
                          : resp_inline_squote(line, len, p + 1, &out);
            if (p == 0)
                return -1;
            *pos = p;
            break;
        }
        line[out++] = ch;
        p++;
    }
    /* Decoding only shrinks, so out never passes an unread byte. */
    line[out] = '\0';
    *arg = line + start;
    *arg_len = out - start;
    return 1;
}

/* --- request assembly ------------------------------------------------- */

static int resp_grow_args(struct resp_reader *reader)
{
    size_t cap = reader->arg_cap ? reader->arg_cap * 2 : 8;
    size_t *offsets, *lens;
    char **argv;

    if (reader->args_expected && cap > reader->args_expected)
        cap = reader->args_expected; /* never more than announced */
    if (cap <= reader->arg_cap)
        cap = reader->arg_cap + 1;
    offsets = realloc(reader->offsets, cap * sizeof(*offsets));
    if (offsets)
        reader->offsets = offsets;
    lens = realloc(reader->lens, cap * sizeof(*lens));
    if (lens)
        reader->lens = lens;
    argv = realloc(reader->argv, cap * sizeof(*argv));
    if (argv)
        reader->argv = argv;
    if (!offsets || !lens || !argv)
        return -1;
    reader->arg_cap = cap;
    return 0;
}

/* Records an argument at absolute offset abs_off. */
static int resp_push_arg(struct resp_reader *reader, size_t abs_off,
                         size_t len)
{
    size_t held = reader->pos - reader->request_start +
                  (reader->argc + 1) * RESP_ARG_META_BYTES;

    if (held > reader->limits.max_query_bytes)
        return -1;
    if (reader->argc == reader->arg_cap && resp_grow_args(reader) < 0)
        return -1;
    reader->offsets[reader->argc] = abs_off - reader->request_start;
    reader->lens[reader->argc] = len;
    reader->argc++;
    return 0;
}

static void resp_fill_request(struct resp_reader *reader,
                              struct resp_request *req)
{
    char *base = reader->buf + reader->request_start;

    for (size_t i = 0; i < reader->argc; i++)
        reader->argv[i] = base + reader->offsets[i];
    req->argc = (int)reader->argc;
    req->argv = reader->argv;
    req->lens = reader->lens;
    reader->state = RESP_STATE_IDLE;
}

static int resp_parse_inline(struct resp_reader *reader)
{
    char *line = reader->buf + reader->pos;
    size_t avail = reader->len - reader->pos;
    char *newline = memchr(line, '\n', avail);
    size_t line_len, cursor = 0, arg_len;
    char *arg;
    int rc;

    if (!newline || (size_t)(newline - line) > reader->limits.max_inline_bytes) {
        if (avail > reader->limits.max_inline_bytes)
            return resp_fail(reader,
                             "ERR Protocol error: too big inline request");
        return RESP_READER_AGAIN;
    }
    line_len = (size_t)(newline - line);
    if (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;
    while ((rc = resp_inline_next(line, line_len, &cursor, &arg,
                                  &arg_len)) == 1) {
        if (resp_push_arg(reader, (size_t)(arg - reader->buf), arg_len) < 0)
            return resp_fail(reader, NULL);
    }
    if (rc < 0)
        return resp_fail(reader,
                         "ERR Protocol error: unbalanced quotes in request");
    reader->pos += (size_t)(newline - line) + 1;
    return reader->argc ? RESP_READER_REQUEST : RESP_CONTINUE;
}

/* Finds the header line "<type><number>\r" at pos.  Returns 1 with the
 * number's bytes in *num / *num_len, 0 when more bytes are needed, -1 when
 * the line is too long to be a header.  Like Redis, only the '\r' is
 * looked for and the byte after it is skipped unseen. */
static int resp_header_line(struct resp_reader *reader, const char **num,
                            size_t *num_len, size_t *line_total)
{
    const char *start = reader->buf + reader->pos;
    size_t avail = reader->len - reader->pos;
    const char *cr = memchr(start, '\r', avail);

    if (!cr) {
        if (avail > reader->limits.max_inline_bytes)
            return -1;
        return 0;
    }
    if ((size_t)(cr - start) + 2 > avail)
        return 0;
    *num = start + 1;
    *num_len = (size_t)(cr - start) - 1;
    *line_total = (size_t)(cr - start) + 2;
    return 1;
}

static int resp_parse_multibulk_head(struct resp_reader *reader)
{
    const char *num;
    size_t num_len, total;
    long long count;
    int rc = resp_header_line(reader, &num, &num_len, &total);

    if (rc < 0)
        return resp_fail(reader,
                         "ERR Protocol error: too big mbulk count string");
    if (rc == 0)
        return RESP_READER_AGAIN;
    if (resp_parse_ll(num, num_len, &count) < 0 ||
        count > (long long)reader->limits.max_args)
        return resp_fail(reader,
                         "ERR Protocol error: invalid multibulk length");
    if (reader->unauthenticated && count > RESP_UNAUTH_MAX_ARGS)
        return resp_fail(reader, "ERR Protocol error: unauthenticated "
                                 "multibulk length");
    reader->pos += total;
    if (count <= 0)
        return RESP_CONTINUE; /* "*0" and "*-1" are skipped */
    reader->args_expected = (size_t)count;
    reader->state = RESP_STATE_BULK_HEAD;
    return RESP_CONTINUE;
}

static int resp_parse_bulk_head(struct resp_reader *reader)
{
    const char *num;
    size_t num_len, total;
    long long len;
    int rc = resp_header_line(reader, &num, &num_len, &total);

    if (rc < 0)
        return resp_fail(reader,
                         "ERR Protocol error: too big bulk count string");
    if (rc == 0)
        return RESP_READER_AGAIN;
    if (reader->buf[reader->pos] != '$') {
        snprintf(reader->error_buf, sizeof(reader->error_buf),
                 "ERR Protocol error: expected '$', got '%c'",
                 reader->buf[reader->pos]);
        return resp_fail(reader, reader->error_buf);
    }
    /* Refused before anything is allocated, however big the claim. */
    if (resp_parse_ll(num, num_len, &len) < 0 || len < 0 ||
        (unsigned long long)len > reader->limits.max_bulk_bytes)
        return resp_fail(reader, "ERR Protocol error: invalid bulk length");
    if (reader->unauthenticated && len > RESP_UNAUTH_MAX_BULK_BYTES)
        return resp_fail(reader,
                         "ERR Protocol error: unauthenticated bulk length");
    reader->pos += total;
    reader->bulk_len = (size_t)len;
    reader->state = RESP_STATE_BULK_BODY;
    return RESP_CONTINUE;
}

static int resp_parse_bulk_body(struct resp_reader *reader)
{
    size_t need = reader->bulk_len + 2;

    if (reader->len - reader->pos < need)
        return RESP_READER_AGAIN;
    if (resp_push_arg(reader, reader->pos, reader->bulk_len) < 0)
        return resp_fail(reader, NULL);
    /* The line end is skipped unchecked, as Redis does; its first byte
     * becomes the argument's terminating NUL. */
    reader->buf[reader->pos + reader->bulk_len] = '\0';
    reader->pos += need;
    if (reader->argc == reader->args_expected)
        return RESP_READER_REQUEST;
    reader->state = RESP_STATE_BULK_HEAD;
    return RESP_CONTINUE;
}

/* Forgets consumed bytes once nothing is pending, and gives a large
 * buffer back so a client that once sent a big request doesn't keep it. */
static void resp_reset_if_empty(struct resp_reader *reader)
{
    if (reader->pos != reader->len)
        return;
    reader->len = reader->pos = reader->request_start = 0;
    if (reader->cap > RESP_KEEP_BUFFER_BYTES) {
        free(reader->buf);
        reader->buf = NULL;
        reader->cap = 0;
    }
}

enum resp_reader_status resp_reader_next(struct resp_reader *reader,
                                         struct resp_request *req)
{
    for (;;) {
        int rc;

        switch (reader->state) {
        case RESP_STATE_FAILED:
            return RESP_READER_ERROR;
        case RESP_STATE_IDLE:
            resp_reset_if_empty(reader);
            if (reader->pos == reader->len)
                return RESP_READER_AGAIN;
            reader->request_start = reader->pos;
            reader->argc = 0;
            reader->args_expected = 0;
            if (reader->buf[reader->pos] == '*')
                rc = resp_parse_multibulk_head(reader);
            else
                rc = resp_parse_inline(reader);
            break;
        case RESP_STATE_BULK_HEAD:
            rc = resp_parse_bulk_head(reader);
            break;
        default:
            rc = resp_parse_bulk_body(reader);
            break;
        }
        if (rc == RESP_READER_REQUEST) {
            resp_fill_request(reader, req);
            return RESP_READER_REQUEST;
        }
        if (rc != RESP_CONTINUE)
            return (enum resp_reader_status)rc;
    }
}
