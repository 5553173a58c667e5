/*
 * info.c - parsing a Redis node's INFO reply (pure).
 *
 * INFO is "key:value" lines grouped under "# Section" headers.  The text
 * comes from the network, so every field is treated as untrusted bytes: it
 * is walked with explicit lengths (never as a C string), numbers are parsed
 * strictly with overflow checks, and anything malformed is skipped rather
 * than half-applied, the way Redis Sentinel ignores lines it cannot use.
 */
#include "core/info.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A borrowed run of bytes inside the INFO text. */
struct info_span {
    const char *ptr;
    size_t len;
};

static int info_span_is(struct info_span s, const char *word)
{
    size_t n = strlen(word);
    return s.len == n && memcmp(s.ptr, word, n) == 0;
}

/* Parses a whole span as a decimal integer with an optional '-'. */
static int info_parse_ll(struct info_span s, long long *out)
{
    size_t i = 0;
    int negative = 0;
    unsigned long long value = 0;
    unsigned long long limit = (unsigned long long)LLONG_MAX;

    if (s.len > 0 && s.ptr[0] == '-') {
        negative = 1;
        limit += 1;
        i = 1;
    }
    if (i == s.len)
        return -1;
    for (; i < s.len; i++) {
        unsigned digit;
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return -1;
        digit = (unsigned)(s.ptr[i] - '0');
        if (value > (limit - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    if (negative)
        *out = value == limit ? LLONG_MIN : -(long long)value;
    else
        *out = (long long)value;
    return 0;
}

static int info_parse_port(struct info_span s, int *out)
{
    long long port;
    if (info_parse_ll(s, &port) != 0 || port < 1 || port > 65535)
        return -1;
    *out = (int)port;
    return 0;
}

/* Hosts and run ids end up in commands, events and the config file, so
 * only printable ASCII without spaces or commas is accepted. */
static int info_token_ok(struct info_span s, size_t max_len)
{
    if (s.len == 0 || s.len > max_len)
        return 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= ' ' || c >= 0x7f || c == ',')
            return 0;
    }
    return 1;
}

static void info_copy(char *dst, struct info_span s)
{
    memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
}

/* Splits s at the first sep: head before it, s keeps what follows.
 * Returns 0 when sep was not found (head is then all of s). */
static int info_split(struct info_span *s, char sep, struct info_span *head)
{
    const char *at = s->len ? memchr(s->ptr, sep, s->len) : NULL;
    head->ptr = s->ptr;
    if (!at) {
        head->len = s->len;
        s->ptr += s->len;
        s->len = 0;
        return 0;
    }
    head->len = (size_t)(at - s->ptr);
    s->len -= head->len + 1;
    s->ptr = at + 1;
    return 1;
}

/* "slave" followed by one or more digits, nothing else. */
static int info_is_replica_key(struct info_span key)
{
    if (key.len < 6 || memcmp(key.ptr, "slave", 5) != 0)
        return 0;
    for (size_t i = 5; i < key.len; i++)
        if (key.ptr[i] < '0' || key.ptr[i] > '9')
            return 0;
    return 1;
}

/* Since Redis 2.8: ip=...,port=...,state=...,offset=...,lag=... in any
 * order; unknown pairs are ignored. */
static int info_replica_pairs(struct info_span value, struct info_replica *r)
{
    int have_host = 0, have_port = 0;
    struct info_span pair, key;

    while (value.len > 0) {
        info_split(&value, ',', &pair);
        if (!info_split(&pair, '=', &key))
            continue;
        if (info_span_is(key, "ip")) {
            if (!info_token_ok(pair, HOST_MAX - 1))
                return -1;
            info_copy(r->host, pair);
            have_host = 1;
        } else if (info_span_is(key, "port")) {
            if (info_parse_port(pair, &r->port) != 0)
                return -1;
            have_port = 1;
        } else if (info_span_is(key, "state")) {
            r->online = info_span_is(pair, "online");
        } else if (info_span_is(key, "offset")) {
            if (info_parse_ll(pair, &r->offset) != 0 || r->offset < 0)
                r->offset = -1;
        } else if (info_span_is(key, "lag")) {
            if (info_parse_ll(pair, &r->lag_s) != 0 || r->lag_s < 0)
                r->lag_s = -1;
        }
    }
    return have_host && have_port ? 0 : -1;
}

/* Before Redis 2.8: <ip>,<port>,<state>; the state may be missing. */
static int info_replica_legacy(struct info_span value, struct info_replica *r)
{
    struct info_span host, port, state;

    if (!info_split(&value, ',', &host))
        return -1;
    info_split(&value, ',', &port);
    info_split(&value, ',', &state);
    if (!info_token_ok(host, HOST_MAX - 1) || info_parse_port(port, &r->port) != 0)
        return -1;
    info_copy(r->host, host);
    r->online = info_span_is(state, "online");
    return 0;
}

/* Appends one slaveN: line.  Returns 0 (also when the line is skipped),
 * or -1 on out-of-memory. */
static int info_add_replica(struct info_report *out, size_t *cap,
                            struct info_span value)
{
    struct info_replica r;
    int ok;

    if (out->replica_count >= INFO_REPLICAS_MAX)
        return 0;
    memset(&r, 0, sizeof(r));
    r.offset = -1;
    r.lag_s = -1;
    if (value.len > 0 && memchr(value.ptr, '=', value.len))
        ok = info_replica_pairs(value, &r) == 0;
    else
        ok = info_replica_legacy(value, &r) == 0;
    if (!ok)
        return 0;
    if (out->replica_count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct info_replica *grown;
        if (ncap > INFO_REPLICAS_MAX)
            ncap = INFO_REPLICAS_MAX;
        grown = realloc(out->replicas, ncap * sizeof(*grown));
        if (!grown)
            return -1;
        out->replicas = grown;
        *cap = ncap;
    }
    out->replicas[out->replica_count++] = r;
    return 0;
}

static void info_set_seconds(struct info_report *out, struct info_span value)
{
    long long s;
    if (info_parse_ll(value, &s) != 0 || s < -1)
        return;
    out->master_link_down_since_s = s > INFO_SECONDS_MAX ? INFO_SECONDS_MAX : s;
}

static void info_set_priority(struct info_report *out, struct info_span value)
{
    long long p;
    if (info_parse_ll(value, &p) == 0 && p >= 0 && p <= INT_MAX)
        out->replica_priority = (int)p;
}

static void info_set_offset(long long *dst, struct info_span value)
{
    long long v;
    if (info_parse_ll(value, &v) == 0 && v >= 0)
        *dst = v;
}

/* Applies one key:value line to out.  Returns -1 only on out-of-memory. */
static int info_apply(struct info_report *out, size_t *cap,
                      struct info_span key, struct info_span value)
{
    long long n;

    if (info_is_replica_key(key))
        return info_add_replica(out, cap, value);
    if (info_span_is(key, "run_id")) {
        if (value.len == RUNID_LEN && info_token_ok(value, RUNID_LEN))
            info_copy(out->run_id, value);
    } else if (info_span_is(key, "role")) {
        if (info_span_is(value, "master"))
            out->role = ROLE_MASTER;
        else if (info_span_is(value, "slave"))
            out->role = ROLE_REPLICA;
    } else if (info_span_is(key, "master_host")) {
        if (info_token_ok(value, HOST_MAX - 1))
            info_copy(out->master_host, value);
    } else if (info_span_is(key, "master_port")) {
        info_parse_port(value, &out->master_port);
    } else if (info_span_is(key, "master_link_status")) {
        out->master_link_up = info_span_is(value, "up");
    } else if (info_span_is(key, "master_link_down_since_seconds")) {
        info_set_seconds(out, value);
    } else if (info_span_is(key, "slave_priority") ||
               info_span_is(key, "replica_priority")) {
        info_set_priority(out, value);
    } else if (info_span_is(key, "slave_repl_offset")) {
        info_set_offset(&out->repl_offset, value);
    } else if (info_span_is(key, "master_repl_offset")) {
        info_set_offset(&out->master_repl_offset, value);
    } else if (info_span_is(key, "replica_announced")) {
        if (info_parse_ll(value, &n) == 0)
            out->replica_announced = n != 0;
    }
    return 0;
}

static void info_report_defaults(struct info_report *out)
{
    memset(out, 0, sizeof(*out));
    out->role = ROLE_UNKNOWN;
    out->master_link_down_since_s = -1;
    out->replica_priority = DEFAULT_REPLICA_PRIORITY;
    out->replica_announced = 1;
    out->master_repl_offset = -1;
}

/* See info.h. */
int info_parse(const char *text, size_t len, struct info_report *out)
{
    struct info_span rest = { text, text ? len : 0 };
    struct info_span line, key;
    size_t cap = 0;

    info_report_defaults(out);
    while (rest.len > 0) {
        info_split(&rest, '\n', &line);
        if (line.len > 0 && line.ptr[line.len - 1] == '\r')
            line.len--;
        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        if (!info_split(&line, ':', &key))
            continue;
        if (info_apply(out, &cap, key, line) != 0) {
            info_report_clear(out);
            return -1;
        }
    }
    return 0;
}

/* See info.h. */
void info_report_clear(struct info_report *out)
{
    free(out->replicas);
    memset(out, 0, sizeof(*out));
}
