/*
 * test_server.c - the client server and the generic commands, over real
 * loopback sockets: a server on an ephemeral port, driven one loop turn at
 * a time, talked to with plain blocking-free sockets.  Expected replies are
 * the bytes redis-sentinel 7.0 sends for the same requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <event2/event.h>

#include "app/app.h"
#include "app/config.h"
#include "net/server.h"

/* The program's entry points that the command handlers call; main.c has
 * the real ones. */
static int shutdown_calls;

void app_clock_update(struct app *app)
{
    struct timespec mono, wall;

    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &wall);
    app->now.mono_ms = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
    app->now.wall_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
}

void app_shutdown(struct app *app)
{
    (void)app;
    shutdown_calls++;
}

int app_persist(struct app *app, char *err, size_t errlen)
{
    (void)app;
    (void)err;
    (void)errlen;
    return 0;
}

int app_actions_run(struct app *app)
{
    (void)app;
    return 0;
}

void app_feed(struct app *app, const struct core_event *ev)
{
    (void)app;
    (void)ev;
}

struct fixture {
    struct event_base *base;
    struct config cfg;
    struct app app;
    int port;
};

static int fixture_start(void **state, const char *password)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *binds[] = {"127.0.0.1"};
    char err[256];

    f->base = event_base_new();
    f->cfg.port = 0;
    f->cfg.requirepass = password ? strdup(password) : NULL;
    f->app.base = f->base;
    f->app.cfg = &f->cfg;
    f->app.core = core_new(NULL, 1);
    app_clock_update(&f->app);
    f->app.start_wall_ms = f->app.now.wall_ms;
    f->app.server = server_new(f->base, &f->app, binds, 1, 0, err,
                               sizeof(err));
    assert_non_null(f->app.server);
    f->port = server_port(f->app.server);
    assert_true(f->port > 0);
    *state = f;
    return 0;
}

static int setup_open(void **state)
{
    return fixture_start(state, NULL);
}

static int setup_password(void **state)
{
    return fixture_start(state, "secret");
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    server_free(f->app.server);
    core_free(f->app.core);
    event_base_free(f->base);
    free(f->cfg.requirepass);
    free(f);
    return 0;
}

static int connect_to(const struct fixture *f)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sin.sin_port = htons((uint16_t)f->port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Runs the loop until len bytes arrived, the peer closed, or about 2 s
 * passed.  Returns the bytes read; *closed tells whether it hung up. */
static size_t pump(struct fixture *f, int fd, char *buf, size_t len,
                   int *closed)
{
    size_t got = 0;

    *closed = 0;
    for (int turn = 0; turn < 2000 && got < len; turn++) {
        ssize_t n;

        event_base_loop(f->base, EVLOOP_NONBLOCK);
        n = recv(fd, buf + got, len - got, 0);
        if (n == 0) {
            *closed = 1;
            break;
        }
        if (n > 0)
            got += (size_t)n;
        else
            usleep(1000);
    }
    return got;
}

/* Sends request and expects exactly reply back (and, if closes, then a
 * hang-up). */
static void expect(struct fixture *f, int fd, const char *request,
                   const char *reply, int closes)
{
    size_t want = strlen(reply);
    char *buf = malloc(want + 2);
    int closed;

    if (request)
        assert_int_equal(send(fd, request, strlen(request), 0),
                         (ssize_t)strlen(request));
    assert_int_equal(pump(f, fd, buf, want + 1 > 1 ? want : 1, &closed),
                     want);
    buf[want] = '\0';
    assert_string_equal(buf, reply);
    if (closes) {
        char extra[16];

        pump(f, fd, extra, sizeof(extra), &closed);
        assert_true(closed);
    }
    free(buf);
}

static void test_ping_inline_and_multibulk(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    expect(f, fd, "PING\r\n", "+PONG\r\n", 0);
    expect(f, fd, "*2\r\n$4\r\nping\r\n$2\r\nhi\r\n", "$2\r\nhi\r\n", 0);
    expect(f, fd, "PING\nPING\r\n*1\r\n$4\r\nPING\r\n",
           "+PONG\r\n+PONG\r\n+PONG\r\n", 0);
    expect(f, fd, "PING a b\r\n",
           "-ERR wrong number of arguments for 'ping' command\r\n", 0);
    close(fd);
}

static void test_pipeline_split_bytes(void **state)
{
    struct fixture *f = *state;
    const char *req = "*1\r\n$4\r\nPING\r\nPING x\r\n";
    int fd = connect_to(f);

    for (const char *p = req; *p; p++) {
        assert_int_equal(send(fd, p, 1, 0), 1);
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    }
    expect(f, fd, NULL, "+PONG\r\n$1\r\nx\r\n", 0);
    close(fd);
}

static void test_protocol_errors_close(void **state)
{
    struct fixture *f = *state;
    int fd;

    fd = connect_to(f);
    expect(f, fd, "*1\r\n$1073741824\r\n",
           "-ERR Protocol error: invalid bulk length\r\n", 1);
    close(fd);
    fd = connect_to(f);
    expect(f, fd, "PING\r\n*x\r\nPING\r\n",
           "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n", 1);
    close(fd);
    fd = connect_to(f);
    expect(f, fd, "*1\r\nx\r\n",
           "-ERR Protocol error: expected '$', got 'x'\r\n", 1);
    close(fd);
    fd = connect_to(f);
    expect(f, fd, "PING \"a\r\n",
           "-ERR Protocol error: unbalanced quotes in request\r\n", 1);
    close(fd);
}

static void test_unknown_and_arity(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    expect(f, fd, "FOO a b\r\n",
           "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' "
           "\r\n", 0);
    expect(f, fd, "GET\r\n",
           "-ERR unknown command 'GET', with args beginning with: \r\n", 0);
    expect(f, fd, "client foo\r\n",
           "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n", 0);
    expect(f, fd, "SENTINEL\r\n",
           "-ERR wrong number of arguments for 'sentinel' command\r\n", 0);
    expect(f, fd, "SENTINEL MASTERS x\r\n",
           "-ERR wrong number of arguments for 'sentinel|masters' "
           "command\r\n", 0);
    expect(f, fd, "FOO \"a\\r\\nb\"\r\n",
           "-ERR unknown command 'FOO', with args beginning with: 'a  b' "
           "\r\n", 0);
    close(fd);
}

static void test_auth(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    expect(f, fd, "PING\r\n", "-NOAUTH Authentication required.\r\n", 0);
    expect(f, fd, "FOO\r\n",
           "-ERR unknown command 'FOO', with args beginning with: \r\n", 0);
    expect(f, fd, "AUTH nope\r\n",
           "-WRONGPASS invalid username-password pair or user is "
           "disabled.\r\n", 0);
    expect(f, fd, "AUTH other secret\r\n",
           "-WRONGPASS invalid username-password pair or user is "
           "disabled.\r\n", 0);
    /* Before authenticating, a request of 11 arguments is refused. */
    expect(f, fd, "AUTH secret\r\nPING\r\n", "+OK\r\n+PONG\r\n", 0);
    close(fd);
    fd = connect_to(f);
    expect(f, fd, "*11\r\n",
           "-ERR Protocol error: unauthenticated multibulk length\r\n", 1);
    close(fd);
    fd = connect_to(f);
    expect(f, fd, "HELLO 2 AUTH default secret\r\nCLIENT GETNAME\r\n",
           "*12\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
           "$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:3\r\n"
           "$4\r\nmode\r\n$8\r\nsentinel\r\n$7\r\nmodules\r\n*0\r\n"
           "$-1\r\n", 0);
    close(fd);
}

static void test_auth_without_password(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    expect(f, fd, "AUTH x\r\n",
           "-ERR AUTH <password> called without any password configured "
           "for the default user. Are you sure your configuration is "
           "correct?\r\n", 0);
    expect(f, fd, "AUTH default anything\r\n", "+OK\r\n", 0);
    close(fd);
}

static void test_hello3_and_resp3_types(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    expect(f, fd, "HELLO 3\r\n",
           "%6\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
           "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n"
           "$4\r\nmode\r\n$8\r\nsentinel\r\n$7\r\nmodules\r\n*0\r\n", 0);
    expect(f, fd, "CLIENT GETNAME\r\n", "_\r\n", 0);
    expect(f, fd, "CLIENT TRACKINGINFO\r\n",
           "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n"
           ":-1\r\n$8\r\nprefixes\r\n*0\r\n", 0);
    expect(f, fd, "HELLO 4\r\n", "-NOPROTO unsupported protocol version\r\n",
           0);
    expect(f, fd, "HELLO x\r\n",
           "-ERR Protocol version is not an integer or out of range\r\n", 0);
    close(fd);
}

static void test_pubsub(void **state)
{
    struct fixture *f = *state;
    int sub = connect_to(f), psub = connect_to(f);

    expect(f, sub, "SUBSCRIBE +sdown +odown\r\n",
           "*3\r\n$9\r\nsubscribe\r\n$6\r\n+sdown\r\n:1\r\n"
           "*3\r\n$9\r\nsubscribe\r\n$6\r\n+odown\r\n:2\r\n", 0);
    expect(f, psub, "HELLO 3\r\n",
           "%6\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
           "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:2\r\n"
           "$4\r\nmode\r\n$8\r\nsentinel\r\n$7\r\nmodules\r\n*0\r\n", 0);
    expect(f, psub, "PSUBSCRIBE +s*\r\n",
           ">3\r\n$10\r\npsubscribe\r\n$3\r\n+s*\r\n:1\r\n", 0);
    assert_int_equal(server_pubsub_channel_count(f->app.server), 2);
    assert_int_equal(server_pubsub_pattern_count(f->app.server), 1);
    assert_int_equal(server_publish(f->app.server, "+sdown", "m 1", 3), 2);
    expect(f, sub, NULL,
           "*3\r\n$7\r\nmessage\r\n$6\r\n+sdown\r\n$3\r\nm 1\r\n", 0);
    expect(f, psub, NULL,
           ">4\r\n$8\r\npmessage\r\n$3\r\n+s*\r\n$6\r\n+sdown\r\n"
           "$3\r\nm 1\r\n", 0);
    /* In RESP2 a subscribed client may only ping and (un)subscribe. */
    expect(f, sub, "PING\r\nCLIENT ID\r\n",
           "*2\r\n$4\r\npong\r\n$0\r\n\r\n-ERR Can't execute 'client|id': "
           "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
           "are allowed in this context\r\n", 0);
    expect(f, sub, "UNSUBSCRIBE\r\nUNSUBSCRIBE\r\n",
           "*3\r\n$11\r\nunsubscribe\r\n$6\r\n+sdown\r\n:1\r\n"
           "*3\r\n$11\r\nunsubscribe\r\n$6\r\n+odown\r\n:0\r\n"
           "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", 0);
    assert_int_equal(server_pubsub_channel_count(f->app.server), 0);
    close(psub);
    for (int i = 0; i < 5; i++)
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_int_equal(server_pubsub_pattern_count(f->app.server), 0);
    assert_int_equal(server_publish(f->app.server, "+sdown", "x", 1), 0);
    expect(f, sub, "PUBLISH foo bar\r\n",
           "-ERR Only HELLO messages are accepted by Sentinel "
           "instances.\r\n", 0);
    close(sub);
}

static void test_client_kill(void **state)
{
    struct fixture *f = *state;
    int a = connect_to(f), b = connect_to(f), c = connect_to(f);

    expect(f, b, "SUBSCRIBE x\r\n",
           "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n", 0);
    expect(f, a, "CLIENT KILL TYPE pubsub\r\n", ":1\r\n", 0);
    expect(f, b, NULL, "", 1);
    expect(f, a, "CLIENT KILL 1.2.3.4:5\r\n", "-ERR No such client\r\n", 0);
    expect(f, a, "CLIENT KILL ID x\r\n",
           "-ERR client-id should be greater than 0\r\n", 0);
    expect(f, a, "CLIENT KILL TYPE foo\r\n",
           "-ERR Unknown client type 'foo'\r\n", 0);
    expect(f, a, "CLIENT KILL ID 1 TYPE\r\n", "-ERR syntax error\r\n", 0);
    /* SKIPME defaults to yes: only c goes. */
    expect(f, a, "CLIENT KILL TYPE normal\r\n", ":1\r\n", 0);
    expect(f, c, NULL, "", 1);
    expect(f, a, "CLIENT KILL TYPE normal SKIPME no\r\n", ":1\r\n", 1);
    assert_int_equal(server_client_count(f->app.server), 0);
    close(a);
    close(b);
    close(c);
}

static void test_shutdown(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    shutdown_calls = 0;
    expect(f, fd, "SHUTDOWN FOO\r\nSHUTDOWN ABORT\r\n",
           "-ERR syntax error\r\n-ERR No shutdown in progress.\r\n", 0);
    assert_int_equal(shutdown_calls, 0);
    expect(f, fd, "SHUTDOWN NOSAVE\r\nPING\r\n", "", 1);
    assert_int_equal(shutdown_calls, 1);
    close(fd);
}

static void test_command_counts(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);

    expect(f, fd, "COMMAND COUNT\r\n", ":15\r\n", 0);
    expect(f, fd, "COMMAND LIST FILTERBY PATTERN p*\r\n",
           "*4\r\n$4\r\nping\r\n$10\r\npsubscribe\r\n$7\r\npublish\r\n"
           "$12\r\npunsubscribe\r\n", 0);
    expect(f, fd, "COMMAND INFO get\r\n", "*1\r\n$-1\r\n", 0);
    expect(f, fd, "COMMAND DOCS foo\r\n", "*0\r\n", 0);
    close(fd);
}

static void test_output_limit_closes_slow_subscriber(void **state)
{
    struct fixture *f = *state;
    int fd = connect_to(f);
    size_t len = 1024 * 1024;
    char *msg = malloc(len);
    int rcvbuf = 4096;

    memset(msg, 'x', len);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    expect(f, fd, "SUBSCRIBE big\r\n",
           "*3\r\n$9\r\nsubscribe\r\n$3\r\nbig\r\n:1\r\n", 0);
    for (size_t i = 0; i < SERVER_MAX_PUBSUB_OUTPUT_BYTES / len + 8; i++) {
        server_publish(f->app.server, "big", msg, len);
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    }
    for (int i = 0; i < 5; i++)
        event_base_loop(f->base, EVLOOP_NONBLOCK);
    assert_int_equal(server_client_count(f->app.server), 0);
    free(msg);
    close(fd);
}

static void test_glob(void **state)
{
    static const struct {
        const char *pattern, *s;
        int match;
    } cases[] = {
        {"*", "", 1}, {"*", "+sdown", 1}, {"+s*", "+sdown", 1},
        {"+s*", "-sdown", 0}, {"?down", "sdown", 1}, {"?down", "down", 0},
        {"h[ae]llo", "hallo", 1}, {"h[ae]llo", "hillo", 0},
        {"h[^e]llo", "hallo", 1}, {"h[^e]llo", "hello", 0},
        {"h[a-b]llo", "hbllo", 1}, {"h[b-a]llo", "hbllo", 1},
        {"h[a-b]llo", "hcllo", 0}, {"a\\*b", "a*b", 1}, {"a\\*b", "axb", 0},
        {"*a*b*c*", "xxaxxbxxcxx", 1}, {"*a*b*c*", "xxaxxcxxbxx", 0},
        {"a*", "a", 1}, {"a**", "abc", 1}, {"[abc", "b", 1}, {"[]", "a", 0},
        {"ab\\", "ab\\", 1}, {"*+switch-master", "+switch-master", 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = server_glob_match(cases[i].pattern,
                                    strlen(cases[i].pattern), cases[i].s,
                                    strlen(cases[i].s));

        if (got != cases[i].match)
            fail_msg("'%s' vs '%s': got %d", cases[i].pattern, cases[i].s,
                     got);
    }
    assert_int_equal(server_glob_match("a?c", 3, "a\0c", 3), 1);
}

static void test_bind_failure_text(void **state)
{
    struct fixture *f = *state;
    const char *binds[] = {"127.0.0.1"};
    char err[256], want[256];

    assert_null(server_new(f->base, &f->app, binds, 1, f->port, err,
                           sizeof(err)));
    snprintf(want, sizeof(want), "Could not create server TCP listening "
             "socket 127.0.0.1:%d: bind: Address already in use", f->port);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_inline_and_multibulk,
                                        setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_pipeline_split_bytes,
                                        setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_protocol_errors_close,
                                        setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_arity, setup_open,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth, setup_password, teardown),
        cmocka_unit_test_setup_teardown(test_auth_without_password,
                                        setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_hello3_and_resp3_types,
                                        setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_pubsub, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_client_kill, setup_open,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shutdown, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_command_counts, setup_open,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_output_limit_closes_slow_subscriber, setup_open, teardown),
        cmocka_unit_test(test_glob),
        cmocka_unit_test_setup_teardown(test_bind_failure_text, setup_open,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
