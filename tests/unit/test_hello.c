/*
 * test_hello.c - the `__sentinel__:hello` payload, checked against messages
 * captured from Debian's redis-sentinel 7.0.15 and against malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hello.h"

#define RUNID "93fb8d43e3e59e0adc3890c4f7334350c31befdd"

/* Published by redis-sentinel on port 22464 watching mymaster at 22461. */
static const char CAPTURED[] =
    "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,22461,0";
/* The same sentinel after it failed mymaster over to 22462 (epoch 1). */
static const char CAPTURED_AFTER_FAILOVER[] =
    "127.0.0.1,22464," RUNID ",1,mymaster,127.0.0.1,22462,1";
/* A sentinel bound to ::1 watching a master on ::1. */
static const char CAPTURED_IPV6[] =
    "::1,22473,5f5d5b8b69087c329ab526d52b2e6d85eaaf4ce6,0,m6,::1,22471,0";

static void assert_hello_equal(const struct hello *a, const struct hello *b)
{
    assert_string_equal(a->ip, b->ip);
    assert_int_equal(a->port, b->port);
    assert_string_equal(a->runid, b->runid);
    assert_true(a->current_epoch == b->current_epoch);
    assert_string_equal(a->master_name, b->master_name);
    assert_string_equal(a->master_ip, b->master_ip);
    assert_int_equal(a->master_port, b->master_port);
    assert_true(a->master_config_epoch == b->master_config_epoch);
}

static void test_parse_captured(void **state)
{
    struct hello h;

    (void)state;
    assert_int_equal(hello_parse(CAPTURED, &h), 0);
    assert_string_equal(h.ip, "127.0.0.1");
    assert_int_equal(h.port, 22464);
    assert_string_equal(h.runid, RUNID);
    assert_true(h.current_epoch == 0);
    assert_string_equal(h.master_name, "mymaster");
    assert_string_equal(h.master_ip, "127.0.0.1");
    assert_int_equal(h.master_port, 22461);
    assert_true(h.master_config_epoch == 0);

    assert_int_equal(hello_parse(CAPTURED_AFTER_FAILOVER, &h), 0);
    assert_true(h.current_epoch == 1);
    assert_int_equal(h.master_port, 22462);
    assert_true(h.master_config_epoch == 1);

    assert_int_equal(hello_parse(CAPTURED_IPV6, &h), 0);
    assert_string_equal(h.ip, "::1");
    assert_int_equal(h.port, 22473);
    assert_string_equal(h.master_name, "m6");
    assert_string_equal(h.master_ip, "::1");
    assert_int_equal(h.master_port, 22471);
}

static void test_format_matches_redis(void **state)
{
    char buf[HELLO_PAYLOAD_MAX];
    struct hello h;

    (void)state;
    assert_int_equal(hello_parse(CAPTURED_AFTER_FAILOVER, &h), 0);
    assert_int_equal(hello_format(&h, buf, sizeof(buf)),
                     (int)strlen(CAPTURED_AFTER_FAILOVER));
    assert_string_equal(buf, CAPTURED_AFTER_FAILOVER);
    assert_int_equal(hello_parse(CAPTURED_IPV6, &h), 0);
    assert_int_equal(hello_format(&h, buf, sizeof(buf)), (int)strlen(CAPTURED_IPV6));
    assert_string_equal(buf, CAPTURED_IPV6);
}

static void test_large_values_round_trip(void **state)
{
    char buf[HELLO_PAYLOAD_MAX];
    struct hello h, back;

    (void)state;
    memset(&h, 0, sizeof(h));
    memset(h.ip, 'a', HOST_MAX - 1);
    memset(h.master_ip, 'b', HOST_MAX - 1);
    memset(h.master_name, 'n', NAME_MAX_LEN - 1);
    memset(h.runid, 'f', RUNID_LEN);
    h.port = 65535;
    h.master_port = 1;
    h.current_epoch = UINT64_MAX;
    h.master_config_epoch = UINT64_MAX - 1;
    assert_true(hello_format(&h, buf, sizeof(buf)) > 0);
    assert_int_equal(hello_parse(buf, &back), 0);
    assert_hello_equal(&h, &back);
    assert_non_null(strstr(buf, ",18446744073709551615,"));
}

static void test_format_refuses(void **state)
{
    char buf[HELLO_PAYLOAD_MAX];
    char tiny[10];
    struct hello h, bad;

    (void)state;
    assert_int_equal(hello_parse(CAPTURED, &h), 0);
    /* Too small, by one byte for the NUL, and zero. */
    assert_int_equal(hello_format(&h, tiny, sizeof(tiny)), -1);
    assert_string_equal(tiny, "");
    assert_int_equal(hello_format(&h, buf, strlen(CAPTURED)), -1);
    assert_int_equal(hello_format(&h, buf, strlen(CAPTURED) + 1), (int)strlen(CAPTURED));
    assert_int_equal(hello_format(&h, buf, 0), -1);
    /* Fields that would not parse back. */
    bad = h;
    strcpy(bad.master_name, "my,master");
    assert_int_equal(hello_format(&bad, buf, sizeof(buf)), -1);
    bad = h;
    bad.ip[0] = '\0';
    assert_int_equal(hello_format(&bad, buf, sizeof(buf)), -1);
    bad = h;
    bad.master_port = 0;
    assert_int_equal(hello_format(&bad, buf, sizeof(buf)), -1);
    bad = h;
    bad.port = 70000;
    assert_int_equal(hello_format(&bad, buf, sizeof(buf)), -1);
    bad = h;
    bad.runid[10] = '\0';
    assert_int_equal(hello_format(&bad, buf, sizeof(buf)), -1);
    /* An unterminated field is never read past its array. */
    bad = h;
    memset(bad.ip, 'x', sizeof(bad.ip));
    assert_int_equal(hello_format(&bad, buf, sizeof(buf)), -1);
}

static void test_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        ",,,,,,,",
        "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,22461",       /* 7 */
        "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,22461,0,0",   /* 9 */
        "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,22461,0,",
        ",22464," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,22464,,0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,22464," RUNID ",,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,22464," RUNID ",0,,127.0.0.1,22461,0",
        "127.0.0.1,22464," RUNID ",0,mymaster,,22461,0",
        "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,,0",
        "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,22461,",
        "127.0.0.1,0," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,65536," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,-1," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,+1," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1, 22464," RUNID ",0,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,22464," RUNID ",0,mymaster,127.0.0.1,99999999999,0",
        "127.0.0.1,22464,93fb8d43e3e59e0adc3890c4f7334350c31befd,0,m,h,1,0",
        "127.0.0.1,22464,93fb8d43e3e59e0adc3890c4f7334350c31befddd,0,m,h,1,0",
        "127.0.0.1,22464,93fb8d43e3e59e0adc3890c4f7334350c31bef d,0,m,h,1,0",
        "127.0.0.1,22464," RUNID ",-1,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,22464," RUNID ",1x,mymaster,127.0.0.1,22461,0",
        "127.0.0.1,22464," RUNID ",18446744073709551616,m,h,1,0",
        "127.0.0.1,22464," RUNID ",0,m,h,1,18446744073709551616",
        "127.0.0.1,22464," RUNID ",0,m,h,1,0x10",
        "127.0.0.1,22464," RUNID ",0,m,h,1,0\n",
        "127.0.0 1,22464," RUNID ",0,m,h,1,0",
        "127.0.0.1,22464," RUNID ",0,m\n,h,1,0",
        "127.0.0.1,22464," RUNID ",0,m,h\t,1,0",
    };
    struct hello h;

    (void)state;
    memset(&h, 0x5a, sizeof(h));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hello before;
        memcpy(&before, &h, sizeof(h));
        if (hello_parse(bad[i], &h) != -1)
            fail_msg("accepted: \"%s\"", bad[i]);
        /* out is written only on success. */
        assert_memory_equal(&before, &h, sizeof(h));
    }
    assert_int_equal(hello_parse(NULL, &h), -1);
}

static void test_parse_length_limits(void **state)
{
    char host[HOST_MAX + 1], name[NAME_MAX_LEN + 1];
    char payload[2 * HELLO_PAYLOAD_MAX];
    struct hello h;

    (void)state;
    memset(host, 'h', HOST_MAX - 1);
    host[HOST_MAX - 1] = '\0';
    memset(name, 'n', NAME_MAX_LEN - 1);
    name[NAME_MAX_LEN - 1] = '\0';
    snprintf(payload, sizeof(payload), "%s,1,%s,0,%s,%s,2,0", host, RUNID, name, host);
    assert_int_equal(hello_parse(payload, &h), 0);
    assert_int_equal(strlen(h.ip), HOST_MAX - 1);
    assert_int_equal(strlen(h.master_name), NAME_MAX_LEN - 1);

    /* One byte more in any of the three is refused. */
    snprintf(payload, sizeof(payload), "%sh,1,%s,0,%s,%s,2,0", host, RUNID, name, host);
    assert_int_equal(hello_parse(payload, &h), -1);
    snprintf(payload, sizeof(payload), "%s,1,%s,0,%sn,%s,2,0", host, RUNID, name, host);
    assert_int_equal(hello_parse(payload, &h), -1);
    snprintf(payload, sizeof(payload), "%s,1,%s,0,%s,%sh,2,0", host, RUNID, name, host);
    assert_int_equal(hello_parse(payload, &h), -1);
}

static void test_parse_accepts_odd_but_valid(void **state)
{
    struct hello h;

    (void)state;
    /* Hostnames (announce-hostnames), scoped IPv6, names with spaces and
     * UTF-8, leading zeros, a non-hex 40-byte id (redis-sentinel 7.0
     * takes any 40 bytes in its `sentinel myid` directive). */
    assert_int_equal(hello_parse("sentinel-1.example.net,026379,"
                                 "sentinel-a-0123456789abcdef0123456789abc,"
                                 "007,my master \xc3\xa9,fe80::1%eth0,6379,42", &h), 0);
    assert_string_equal(h.ip, "sentinel-1.example.net");
    assert_int_equal(h.port, 26379);
    assert_string_equal(h.runid, "sentinel-a-0123456789abcdef0123456789abc");
    assert_true(h.current_epoch == 7);
    assert_string_equal(h.master_name, "my master \xc3\xa9");
    assert_string_equal(h.master_ip, "fe80::1%eth0");
    assert_true(h.master_config_epoch == 42);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Mutated captured messages: whatever is accepted must format into a
 * message that parses back to the same fields. */
static void test_garbage(void **state)
{
    uint64_t seed = 0x243f6a8885a308d3ULL;
    static const char alphabet[] = "0123456789,:.af -";

    (void)state;
    for (int round = 0; round < 20000; round++) {
        char msg[sizeof(CAPTURED)];
        char out[HELLO_PAYLOAD_MAX];
        struct hello h, back;

        memcpy(msg, CAPTURED, sizeof(CAPTURED));
        for (int k = 0; k < 1 + round % 3; k++) {
            size_t at = rng_next(&seed) % (sizeof(msg) - 1);
            msg[at] = rng_next(&seed) % 4 ? alphabet[rng_next(&seed) % 17]
                                          : (char)(rng_next(&seed) % 255 + 1);
        }
        if (hello_parse(msg, &h) != 0)
            continue;
        assert_true(hello_format(&h, out, sizeof(out)) > 0);
        assert_int_equal(hello_parse(out, &back), 0);
        assert_hello_equal(&h, &back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_captured),
        cmocka_unit_test(test_format_matches_redis),
        cmocka_unit_test(test_large_values_round_trip),
        cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_length_limits),
        cmocka_unit_test(test_parse_accepts_odd_but_valid),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
