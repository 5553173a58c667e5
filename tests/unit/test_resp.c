/*
 * test_resp.c - the request parser: multibulk, inline, quoting, partial
 * feeds, and every limit with the error text Redis uses for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/replyconv.h"
#include "net/resp.h"
#include "net/server.h"

/* Collected requests, flattened as "arg|arg|...\n" for easy comparison. */
struct collected {
    char text[4096];
    size_t len;
    int count;
};

static void collect(struct collected *out, const struct resp_request *req)
{
    for (int i = 0; i < req->argc; i++) {
        assert_int_equal(req->argv[i][req->lens[i]], '\0');
        assert_true(out->len + req->lens[i] + 2 < sizeof(out->text));
        memcpy(out->text + out->len, req->argv[i], req->lens[i]);
        out->len += req->lens[i];
        out->text[out->len++] = i + 1 < req->argc ? '|' : '\n';
    }
    out->text[out->len] = '\0';
    out->count++;
}

/* Feeds data in pieces of step bytes (0: all at once), parsing after
 * every piece.  Returns the final status. */
static enum resp_reader_status run(struct resp_reader *r, const char *data,
                                   size_t len, size_t step,
                                   struct collected *out)
{
    enum resp_reader_status st = RESP_READER_AGAIN;
    struct resp_request req;
    size_t off = 0;

    memset(out, 0, sizeof(*out));
    if (step == 0)
        step = len ? len : 1;
    while (off < len) {
        size_t n = len - off < step ? len - off : step;

        if (resp_reader_feed(r, data + off, n) < 0)
            return RESP_READER_ERROR;
        off += n;
        while ((st = resp_reader_next(r, &req)) == RESP_READER_REQUEST)
            collect(out, &req);
        if (st == RESP_READER_ERROR)
            return st;
    }
    return st;
}

/* Parses data whole and byte by byte; both must give expect. */
static void expect_requests(const char *data, size_t len, const char *expect,
                            int count)
{
    size_t steps[] = {0, 1, 2, 3, 7};

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct resp_reader r;
        struct collected out;

        resp_reader_init(&r, NULL);
        assert_int_equal(run(&r, data, len, steps[i], &out),
                         RESP_READER_AGAIN);
        assert_string_equal(out.text, expect);
        assert_int_equal(out.count, count);
        assert_int_equal(resp_reader_pending(&r), 0);
        resp_reader_clear(&r);
    }
}

/* Parses data with limits; must fail with message (NULL: silent). */
static void expect_error_limits(const char *data, size_t len,
                                const struct resp_limits *limits,
                                int unauthenticated, const char *message)
{
    struct resp_reader r;
    struct collected out;
    struct resp_request req;

    resp_reader_init(&r, limits);
    r.unauthenticated = unauthenticated;
    assert_int_equal(run(&r, data, len, 0, &out), RESP_READER_ERROR);
    if (message)
        assert_string_equal(r.error, message);
    else
        assert_null(r.error);
    /* The failure is sticky. */
    assert_int_equal(resp_reader_next(&r, &req), RESP_READER_ERROR);
    assert_int_equal(resp_reader_feed(&r, "PING\r\n", 6), -1);
    resp_reader_clear(&r);
}

static void expect_error(const char *data, const char *message)
{
    expect_error_limits(data, strlen(data), NULL, 0, message);
}

#define S(lit) lit, sizeof(lit) - 1

static void test_multibulk(void **state)
{
    (void)state;
    expect_requests(S("*1\r\n$4\r\nPING\r\n"), "PING\n", 1);
    expect_requests(S("*3\r\n$8\r\nSENTINEL\r\n$7\r\nMASTERS\r\n$0\r\n\r\n"),
                    "SENTINEL|MASTERS|\n", 1);
    /* Binary safe: NUL, CR and LF inside a bulk are data. */
    expect_requests(S("*2\r\n$4\r\nECHO\r\n$5\r\na\0\r\nb\r\n"),
                    "ECHO|a\0\r\nb\n", 1);
    /* Empty multibulks are skipped, as Redis does. */
    expect_requests(S("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n"), "PING\n", 1);
    /* Like Redis, the two bytes after a bulk are skipped unchecked. */
    expect_requests(S("*1\r\n$4\r\nPINGxx"), "PING\n", 1);
}

static void test_inline(void **state)
{
    (void)state;
    expect_requests(S("PING\r\n"), "PING\n", 1);
    expect_requests(S("PING\n"), "PING\n", 1);
    expect_requests(S("  sentinel   masters \t \r\n"), "sentinel|masters\n", 1);
    expect_requests(S("\r\n\n   \r\nPING\r\n"), "PING\n", 1);
    expect_requests(S("PING x\ry\r\n"), "PING|x|y\n", 1);
    expect_requests(S("PING a\vb\r\n"), "PING|a\vb\n", 1);
    expect_requests(S("PING\tx\r\r\n"), "PING|x\n", 1);
    /* A NUL ends the line, as in Redis's splitter. */
    expect_requests(S("PING a\0b c\r\n"), "PING|a\n", 1);
}

static void test_inline_quotes(void **state)
{
    (void)state;
    expect_requests(S("SET \"a b\" 'c d'\r\n"), "SET|a b|c d\n", 1);
    expect_requests(S("X \"\\x41\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"),
                    "X|A\n\r\t\b\a\\\"q\n", 1);
    expect_requests(S("X \"\\x4g\"\r\n"), "X|x4g\n", 1);
    expect_requests(S("X 'a\\'b' 'a\\nb'\r\n"), "X|a'b|a\\nb\n", 1);
    expect_requests(S("X \"\" ''\r\n"), "X||\n", 1);
    expect_requests(S("X a\"b c\"\r\n"), "X|ab c\n", 1);
    expect_requests(S("X \"a\"\v\"b\"\r\n"), "X|a|b\n", 1);
    expect_error("PING \"abc\r\n",
                 "ERR Protocol error: unbalanced quotes in request");
    expect_error("PING 'abc\r\n",
                 "ERR Protocol error: unbalanced quotes in request");
    expect_error("PING \"a\"b\r\n",
                 "ERR Protocol error: unbalanced quotes in request");
    expect_error("PING a'b c'd\r\n",
                 "ERR Protocol error: unbalanced quotes in request");
    expect_error("PING \"\"x\r\n",
                 "ERR Protocol error: unbalanced quotes in request");
}

static void test_pipelined(void **state)
{
    (void)state;
    expect_requests(S("PING\r\n*2\r\n$4\r\nPING\r\n$2\r\nhi\r\nINFO server\n"
                      "*1\r\n$4\r\nROLE\r\n"),
                    "PING\nPING|hi\nINFO|server\nROLE\n", 4);
}

static void test_partial_keeps_waiting(void **state)
{
    struct resp_reader r;
    struct collected out;

    (void)state;
    resp_reader_init(&r, NULL);
    assert_int_equal(run(&r, S("*2\r\n$4\r\nPING\r\n$3\r\nab"), 1, &out),
                     RESP_READER_AGAIN);
    assert_int_equal(out.count, 0);
    assert_true(resp_reader_pending(&r) > 0);
    assert_int_equal(run(&r, S("c\r\n"), 1, &out), RESP_READER_AGAIN);
    assert_string_equal(out.text, "PING|abc\n");
    /* A lone header without its '\r' waits, like Redis. */
    assert_int_equal(run(&r, S("*1\r\nx"), 0, &out), RESP_READER_AGAIN);
    resp_reader_clear(&r);
}

static void test_empty_feed_before_any_data(void **state)
{
    /* A read of zero bytes on a new reader (no buffer yet) is no error. */
    struct resp_reader r;
    struct resp_request req;

    (void)state;
    resp_reader_init(&r, NULL);
    assert_int_equal(resp_reader_feed(&r, "", 0), 0);
    assert_int_equal(resp_reader_next(&r, &req), RESP_READER_AGAIN);
    assert_int_equal(resp_reader_feed(&r, "PING\r\n", 6), 0);
    assert_int_equal(resp_reader_next(&r, &req), RESP_READER_REQUEST);
    assert_int_equal(req.argc, 1);
    resp_reader_clear(&r);
}

static void test_node_reader_refuses_huge_array_header(void **state)
{
    /* Replies from nodes and peers: a small array parses, one announcing
     * millions of elements fails at once instead of being allocated. */
    redisReader *reader = replyconv_reader_new();
    void *reply = NULL;

    (void)state;
    assert_non_null(reader);
    assert_int_equal(redisReaderFeed(reader, "*2\r\n:1\r\n+OK\r\n", 13), REDIS_OK);
    assert_int_equal(redisReaderGetReply(reader, &reply), REDIS_OK);
    assert_non_null(reply);
    assert_int_equal(((redisReply *)reply)->elements, 2);
    freeReplyObject(reply);
    reply = NULL;
    assert_int_equal(redisReaderFeed(reader, "*2000000000\r\n", 14), REDIS_OK);
    assert_int_equal(redisReaderGetReply(reader, &reply), REDIS_ERR);
    assert_null(reply);
    redisReaderFree(reader);
}

static void test_big_bulk_across_feeds(void **state)
{
    size_t n = SERVER_MAX_BULK_BYTES;
    size_t total = n + 64;
    char *msg = malloc(total);
    int head = snprintf(msg, total, "*2\r\n$4\r\nECHO\r\n$%zu\r\n", n);
    struct resp_reader r;
    struct resp_request req;
    size_t off = 0;
    int got = 0;

    (void)state;
    memset(msg + head, 'z', n);
    memcpy(msg + head + n, "\r\n", 2);
    resp_reader_init(&r, NULL);
    while (off < (size_t)head + n + 2) {
        size_t chunk = 4093;

        if (chunk > (size_t)head + n + 2 - off)
            chunk = (size_t)head + n + 2 - off;
        assert_int_equal(resp_reader_feed(&r, msg + off, chunk), 0);
        off += chunk;
        while (resp_reader_next(&r, &req) == RESP_READER_REQUEST) {
            assert_int_equal(req.argc, 2);
            assert_int_equal(req.lens[1], n);
            assert_int_equal(req.argv[1][0], 'z');
            assert_int_equal(req.argv[1][n - 1], 'z');
            got++;
        }
    }
    assert_int_equal(got, 1);
    resp_reader_clear(&r);
    free(msg);
}

static void test_bulk_errors(void **state)
{
    (void)state;
    expect_error("*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length");
    expect_error("*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length");
    expect_error("*1\r\n$01\r\n", "ERR Protocol error: invalid bulk length");
    expect_error("*1\r\n$\r\n", "ERR Protocol error: invalid bulk length");
    /* Refused from the header alone, nothing allocated for the body. */
    expect_error("*1\r\n$1073741824\r\n",
                 "ERR Protocol error: invalid bulk length");
    expect_error("*1\r\n$99999999999999999999999\r\n",
                 "ERR Protocol error: invalid bulk length");
    expect_error("*1\r\n$524289\r\n", "ERR Protocol error: invalid bulk length");
    expect_error("*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'");
    expect_error("*2\r\n$1\r\na\r\n:1\r\n",
                 "ERR Protocol error: expected '$', got ':'");
}

static void test_multibulk_errors(void **state)
{
    (void)state;
    expect_error("*x\r\n", "ERR Protocol error: invalid multibulk length");
    expect_error("*\r\n", "ERR Protocol error: invalid multibulk length");
    expect_error("*1048577\r\n", "ERR Protocol error: invalid multibulk length");
    expect_error("*2147483648\r\n",
                 "ERR Protocol error: invalid multibulk length");
}

static void test_too_big_lines(void **state)
{
    size_t n = SERVER_MAX_INLINE_BYTES + 10;
    char *buf = malloc(n + 1);

    (void)state;
    memset(buf, 'A', n);
    expect_error_limits(buf, n, NULL, 0,
                        "ERR Protocol error: too big inline request");
    buf[0] = '*';
    memset(buf + 1, '1', n - 1);
    expect_error_limits(buf, n, NULL, 0,
                        "ERR Protocol error: too big mbulk count string");
    memcpy(buf, "*1\r\n$", 5);
    expect_error_limits(buf, n, NULL, 0,
                        "ERR Protocol error: too big bulk count string");
    /* A complete inline line over the limit is refused too. */
    memset(buf, 'A', n);
    buf[n - 1] = '\n';
    expect_error_limits(buf, n, NULL, 0,
                        "ERR Protocol error: too big inline request");
    free(buf);
}

static void test_unauthenticated_limits(void **state)
{
    struct resp_reader r;
    struct collected out;

    (void)state;
    expect_error_limits(S("*11\r\n"), NULL, 1,
                        "ERR Protocol error: unauthenticated multibulk length");
    expect_error_limits(S("*1\r\n$16385\r\n"), NULL, 1,
                        "ERR Protocol error: unauthenticated bulk length");
    resp_reader_init(&r, NULL);
    r.unauthenticated = 1;
    assert_int_equal(run(&r, S("*10\r\n$16384\r\n"), 0, &out),
                     RESP_READER_AGAIN);
    resp_reader_clear(&r);
}

static void test_custom_limits(void **state)
{
    struct resp_limits lim = {.max_inline_bytes = 16, .max_bulk_bytes = 4,
                              .max_args = 2, .max_query_bytes = 64};
    char big[100];

    (void)state;
    expect_error_limits(S("*3\r\n"), &lim, 0,
                        "ERR Protocol error: invalid multibulk length");
    expect_error_limits(S("*1\r\n$5\r\n"), &lim, 0,
                        "ERR Protocol error: invalid bulk length");
    expect_error_limits(S("PING aaaaaaaaaaaaaaaaaaaa\r\n"), &lim, 0,
                        "ERR Protocol error: too big inline request");
    /* Past the query limit: closed without a reply (error NULL). */
    memset(big, 'a', sizeof(big));
    memcpy(big, "*2\r\n$4\r\n", 8);
    expect_error_limits(big, sizeof(big), &lim, 0, NULL);
}

static void test_query_limit_counts_arguments(void **state)
{
    struct resp_limits lim = {.max_query_bytes = 256};
    char msg[2048];
    size_t len = 0;

    (void)state;
    len += (size_t)snprintf(msg, sizeof(msg), "*100\r\n");
    for (int i = 0; i < 60; i++)
        len += (size_t)snprintf(msg + len, sizeof(msg) - len, "$0\r\n\r\n");
    expect_error_limits(msg, len, &lim, 0, NULL);
}

static void test_parse_ll(void **state)
{
    long long v;

    (void)state;
    assert_int_equal(resp_parse_ll(S("0"), &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(resp_parse_ll(S("-12"), &v), 0);
    assert_int_equal(v, -12);
    assert_int_equal(resp_parse_ll(S("9223372036854775807"), &v), 0);
    assert_int_equal(resp_parse_ll(S("-9223372036854775808"), &v), 0);
    assert_true(v < 0);
    assert_int_equal(resp_parse_ll(S("9223372036854775808"), &v), -1);
    assert_int_equal(resp_parse_ll(S("-9223372036854775809"), &v), -1);
    assert_int_equal(resp_parse_ll(S("+1"), &v), -1);
    assert_int_equal(resp_parse_ll(S("-0"), &v), -1);
    assert_int_equal(resp_parse_ll(S("007"), &v), -1);
    assert_int_equal(resp_parse_ll(S(" 1"), &v), -1);
    assert_int_equal(resp_parse_ll(S("1 "), &v), -1);
    assert_int_equal(resp_parse_ll(S("-"), &v), -1);
    assert_int_equal(resp_parse_ll("", 0, &v), -1);
}

static void test_clear_is_reusable(void **state)
{
    struct resp_reader r;
    struct collected out;

    (void)state;
    memset(&r, 0, sizeof(r));
    resp_reader_clear(&r);
    resp_reader_init(&r, NULL);
    assert_int_equal(run(&r, S("PING\r\n"), 0, &out), RESP_READER_AGAIN);
    resp_reader_clear(&r);
    resp_reader_init(&r, NULL);
    assert_int_equal(run(&r, S("PING\r\n"), 0, &out), RESP_READER_AGAIN);
    assert_int_equal(out.count, 1);
    resp_reader_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibulk),
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_inline_quotes),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_partial_keeps_waiting),
        cmocka_unit_test(test_empty_feed_before_any_data),
        cmocka_unit_test(test_node_reader_refuses_huge_array_header),
        cmocka_unit_test(test_big_bulk_across_feeds),
        cmocka_unit_test(test_bulk_errors),
        cmocka_unit_test(test_multibulk_errors),
        cmocka_unit_test(test_too_big_lines),
        cmocka_unit_test(test_unauthenticated_limits),
        cmocka_unit_test(test_custom_limits),
        cmocka_unit_test(test_query_limit_counts_arguments),
        cmocka_unit_test(test_parse_ll),
        cmocka_unit_test(test_clear_is_reusable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
