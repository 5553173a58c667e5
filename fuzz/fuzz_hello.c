/*
 * fuzz_hello.c - the hello message (src/core/hello.h), both ways.
 *
 * Input: one mode byte, then either a payload (parsed as it would arrive on
 * `__sentinel__:hello`) or the raw bytes of a struct hello (formatted as we
 * would publish it, fields possibly unterminated).
 *
 * A payload that parses must format back, and the formatted text must
 * parse to the same fields: what we accept we can repeat to our peers.
 * A struct that formats must parse back to the same fields: what we
 * publish, every sentinel (ourselves included) accepts.
 */
#include "fuzz.h"

#include "core/hello.h"

static void hello_fuzz_check_equal(const struct hello *a, const struct hello *b)
{
    FUZZ_CHECK(strcmp(a->ip, b->ip) == 0);
    FUZZ_CHECK(a->port == b->port);
    FUZZ_CHECK(strcmp(a->runid, b->runid) == 0);
    FUZZ_CHECK(a->current_epoch == b->current_epoch);
    FUZZ_CHECK(strcmp(a->master_name, b->master_name) == 0);
    FUZZ_CHECK(strcmp(a->master_ip, b->master_ip) == 0);
    FUZZ_CHECK(a->master_port == b->master_port);
    FUZZ_CHECK(a->master_config_epoch == b->master_config_epoch);
}

static void hello_fuzz_check_fields(const struct hello *h)
{
    FUZZ_CHECK(strlen(h->runid) == RUNID_LEN);
    FUZZ_CHECK(h->port >= 1 && h->port <= 65535);
    FUZZ_CHECK(h->master_port >= 1 && h->master_port <= 65535);
    FUZZ_CHECK(h->ip[0] != '\0' && h->master_ip[0] != '\0' && h->master_name[0] != '\0');
    FUZZ_CHECK(strchr(h->ip, ',') == NULL && strchr(h->master_ip, ',') == NULL);
    FUZZ_CHECK(strchr(h->master_name, ',') == NULL);
}

static void hello_fuzz_parse(const uint8_t *data, size_t size)
{
    char *payload = fuzz_strndup(data, size);
    char buf[HELLO_PAYLOAD_MAX];
    struct hello h, again;
    if (hello_parse(payload, &h) == 0) {
        hello_fuzz_check_fields(&h);
        int n = hello_format(&h, buf, sizeof(buf));
        FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf));
        FUZZ_CHECK(hello_parse(buf, &again) == 0);
        hello_fuzz_check_equal(&h, &again);
        /* A payload we accept is exactly what we would have sent, when
         * it carries no leading zeros in its numbers. */
        if ((size_t)n == strlen(payload))
            FUZZ_CHECK(strcmp(buf, payload) == 0);
    }
    free(payload);
}

static void hello_fuzz_format(const uint8_t *data, size_t size, size_t buflen)
{
    struct hello h, back;
    char buf[HELLO_PAYLOAD_MAX + 16];
    memset(&h, 0, sizeof(h));
    memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
    if (buflen > sizeof(buf))
        buflen = sizeof(buf);
    int n = hello_format(&h, buf, buflen);
    FUZZ_CHECK(n == -1 || (n > 0 && (size_t)n < buflen));
    if (buflen > 0 && n < 0)
        FUZZ_CHECK(buf[0] == '\0');
    if (n > 0) {
        FUZZ_CHECK(hello_parse(buf, &back) == 0);
        hello_fuzz_check_fields(&back);
        FUZZ_CHECK(back.port == h.port && back.master_port == h.master_port);
        FUZZ_CHECK(back.current_epoch == h.current_epoch);
        FUZZ_CHECK(back.master_config_epoch == h.master_config_epoch);
        FUZZ_CHECK(strncmp(back.runid, h.runid, sizeof(h.runid)) == 0);
        FUZZ_CHECK(strncmp(back.master_name, h.master_name, sizeof(h.master_name)) == 0);
    }
}

FUZZ_TARGET(hello)
{
    struct fuzz_input in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    size_t buflen = mode & 2 ? (size_t)(mode >> 2) * 16 : sizeof(struct hello) * 4;
    if (mode & 1)
        hello_fuzz_format(in.data, in.size, buflen);
    else
        hello_fuzz_parse(in.data, in.size);
    return 0;
}
