/*
 * hello.c - the `__sentinel__:hello` message (pure).
 *
 * Redis Sentinel publishes, and sends to peers directly, one line of eight
 * comma-separated fields, e.g. (captured from redis-sentinel 7.0):
 *   127.0.0.1,26379,93fb8d43e3e59e0adc3890c4f7334350c31befdd,0,mymaster,
 *   127.0.0.1,6379,0
 * Any node on the hello channel may publish anything, so a message is
 * either accepted whole or rejected whole.
 */
#include "core/hello.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define HELLO_FIELDS 8
#define HELLO_LEN(field) ((int)strnlen((field), sizeof(field)))

struct hello_field {
    const char *ptr;
    size_t len;
};

/* Splits payload at every ','; returns the number of fields, stopping
 * one past HELLO_FIELDS so that too many fields can be told apart. */
static int hello_split(const char *payload, struct hello_field *fields)
{
    const char *p = payload;
    int n = 0;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n == HELLO_FIELDS)
            return n + 1;
        fields[n].ptr = p;
        fields[n].len = len;
        n++;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

static int hello_parse_u64(struct hello_field f, uint64_t *out)
{
    uint64_t value = 0;

    if (f.len == 0)
        return -1;
    for (size_t i = 0; i < f.len; i++) {
        unsigned digit;
        if (f.ptr[i] < '0' || f.ptr[i] > '9')
            return -1;
        digit = (unsigned)(f.ptr[i] - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

static int hello_parse_port(struct hello_field f, int *out)
{
    uint64_t port;
    if (hello_parse_u64(f, &port) != 0 || port < 1 || port > 65535)
        return -1;
    *out = (int)port;
    return 0;
}

/* Addresses and run ids: printable ASCII, no spaces (they go into
 * commands, events and the config file as single words). */
static int hello_copy_word(char *dst, size_t size, struct hello_field f)
{
    if (f.len == 0 || f.len >= size)
        return -1;
    for (size_t i = 0; i < f.len; i++) {
        unsigned char c = (unsigned char)f.ptr[i];
        if (c <= ' ' || c >= 0x7f)
            return -1;
    }
    memcpy(dst, f.ptr, f.len);
    dst[f.len] = '\0';
    return 0;
}

/* Master names may hold spaces and UTF-8, but no control bytes. */
static int hello_copy_name(char *dst, size_t size, struct hello_field f)
{
    if (f.len == 0 || f.len >= size)
        return -1;
    for (size_t i = 0; i < f.len; i++) {
        unsigned char c = (unsigned char)f.ptr[i];
        if (c < ' ' || c == 0x7f)
            return -1;
    }
    memcpy(dst, f.ptr, f.len);
    dst[f.len] = '\0';
    return 0;
}

/* See hello.h. */
int hello_parse(const char *payload, struct hello *out)
{
    struct hello_field f[HELLO_FIELDS];
    struct hello h;

    if (!payload || hello_split(payload, f) != HELLO_FIELDS)
        return -1;
    if (f[2].len != RUNID_LEN)
        return -1;
    if (hello_copy_word(h.ip, sizeof(h.ip), f[0]) != 0 ||
        hello_parse_port(f[1], &h.port) != 0 ||
        hello_copy_word(h.runid, sizeof(h.runid), f[2]) != 0 ||
        hello_parse_u64(f[3], &h.current_epoch) != 0 ||
        hello_copy_name(h.master_name, sizeof(h.master_name), f[4]) != 0 ||
        hello_copy_word(h.master_ip, sizeof(h.master_ip), f[5]) != 0 ||
        hello_parse_port(f[6], &h.master_port) != 0 ||
        hello_parse_u64(f[7], &h.master_config_epoch) != 0)
        return -1;
    *out = h;
    return 0;
}

/* See hello.h. */
int hello_format(const struct hello *h, char *buf, size_t len)
{
    struct hello check;
    int n;

    if (!buf || len == 0)
        return -1;
    /* Bounded reads: an unterminated field comes out one byte too long
     * and is then refused by the parse check below. */
    n = snprintf(buf, len, "%.*s,%d,%.*s,%" PRIu64 ",%.*s,%.*s,%d,%" PRIu64,
                 HELLO_LEN(h->ip), h->ip, h->port, HELLO_LEN(h->runid), h->runid,
                 h->current_epoch, HELLO_LEN(h->master_name), h->master_name,
                 HELLO_LEN(h->master_ip), h->master_ip, h->master_port,
                 h->master_config_epoch);
    if (n < 0 || (size_t)n >= len || hello_parse(buf, &check) != 0) {
        buf[0] = '\0';
        return -1;
    }
    return n;
}
