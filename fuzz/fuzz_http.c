/*
 * fuzz_http.c - the HTTP port (src/app/http.c) from raw bytes.
 *
 * Input: one mode byte, then the bytes a client sends.  The daemon's own
 * HTTP server (evhttp, http.c's limits, routes, authentication and the
 * status renderers, over a small model with a few events) listens on a
 * unix socket made once; each input is one client connection to it.  The
 * bytes go out whole or in small pieces with loop turns between them; the
 * client then half-closes, either at once or once the server has read
 * everything and gone quiet, and reads until the server closes.
 *
 * The mode byte: bits 0-1 choose requirepass (none, one, empty, one with
 * a colon); bit 2 half-closes as soon as everything is sent; bits 3-7 are
 * the size of the pieces (0: whole).
 *
 * Checked besides "no crash, no leak, no undefined behaviour":
 * - the server closes once the client has half-closed and it has nothing
 *   left to say, within a bounded number of loop turns;
 * - what comes back is a sequence of HTTP responses, each with a status
 *   code from the known set, framed so that a client keeping the
 *   connection reads it right: a body of its Content-Length or none (a
 *   reply to HEAD), no body without a length unless the connection then
 *   closes, nothing after a response that closes it (by its Connection
 *   field, else its version: open from HTTP/1.1 on); the last may be cut
 *   short only when the client half-closed early;
 * - with a password set, a 401 asks for Basic authentication, and a page,
 *   /status or /metrics is only served to a request whose bytes carry the
 *   password: literally (Bearer) or base64-encoded after a colon (Basic);
 *   without one, nothing is refused with 401.
 *
 * FUZZ_HTTP_TRACE=1 in the environment prints each exchange.
 */
#include "fuzz.h"

#include <errno.h>
#include <signal.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <event2/event.h>

#include "app/app.h"
#include "app/config.h"
#include "app/events.h"
#include "app/http.h"
#include "app/log.h"
#include "core/core.h"

/* http.c and the command layer linked with it call into main.c, which
 * a fuzz target cannot link; the clock stays where the set-up put it. */
void app_clock_update(struct app *app)
{
    (void)app;
}

void app_shutdown(struct app *app)
{
    (void)app;
}

int app_persist(struct app *app, char *err, size_t errlen)
{
    return 0;
}

int app_actions_run(struct app *app)
{
    return 0;
}

void app_feed(struct app *app, const struct core_event *ev)
{
    (void)ev;
}

#define HTTP_FUZZ_MYID "0123456789abcdef0123456789abcdef01234567"

/* Loop turns with nothing moving before the client half-closes (when the
 * server has read everything, or not: then what is left unsent is given
 * up), and after it before the server is deemed stuck. */
#define HTTP_FUZZ_QUIET_READ 3
#define HTTP_FUZZ_QUIET_UNREAD 50
#define HTTP_FUZZ_QUIET_STUCK 2000

static const char *const http_fuzz_passwords[4] = {NULL, "s3cret", "", "pa:ss/w0rd"};

struct http_fuzz_world {
    int ready;
    struct event_base *base;
    struct config cfg;
    struct app app;
    struct sockaddr_un addr;
    socklen_t addrlen;
    int trace;
};

static struct http_fuzz_world http_fuzz_world;

__attribute__((noreturn)) static void http_fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz_http set-up: %s: %s\n", what, strerror(errno));
    abort();
}

/* A master with two replicas and a peer, and a few events in the history,
 * so that every renderer has something to say. */
static void http_fuzz_model(struct http_fuzz_world *w)
{
    struct core_time now = {.mono_ms = 5000000, .wall_ms = 1795305029505LL};
    struct core *core = core_new(HTTP_FUZZ_MYID, 42);
    if (core == NULL)
        http_fuzz_die("core_new");
    struct master *m = core_master_add(core, "mymaster", "10.0.0.1", 6379, 2, &now);
    struct instance *r = m != NULL ? core_replica_add(core, m, "10.0.0.2", 6379, &now) : NULL;
    if (r == NULL || core_replica_add(core, m, "10.0.0.3", 6379, &now) == NULL ||
        core_sentinel_add(core, m, "10.0.0.9", 26379, "ffffffffffffffffffffffffffffffffffffffff",
                          &now) == NULL)
        http_fuzz_die("model");
    r->replica_announced = 1;
    r->repl_offset = 123456;
    m->config_epoch = 7;
    core->current_epoch = 9;
    w->app.core = core;
    w->app.now = now;
    w->app.start_wall_ms = now.wall_ms - 61000;
    snprintf(w->app.run_id, sizeof(w->app.run_id), "%s",
             "fedcba9876543210fedcba9876543210fedcba98");

    /* Notice-level events go to the history without a log line while the
     * log is at warning. */
    static const char *const types[] = {"+sdown", "+odown", "+switch-master"};
    enum core_log_level level = log_level();
    log_set_level(LOG_WARNING);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct core_action a = {.type = CORE_ACT_EVENT,
                                .level = LOG_NOTICE,
                                .event_type = (char *)types[i],
                                .text = (char *)"master mymaster 10.0.0.1 6379 <&\"\\>"};
        events_emit(&w->app, &a);
    }
    log_set_level(level);
}

static void http_fuzz_setup(struct http_fuzz_world *w)
{
    char err[256];
    signal(SIGPIPE, SIG_IGN);
    w->trace = getenv("FUZZ_HTTP_TRACE") != NULL;
    w->base = event_base_new();
    if (w->base == NULL)
        http_fuzz_die("event_base_new");
    w->cfg.port = 26379;
    w->app.base = w->base;
    w->app.cfg = &w->cfg;
    http_fuzz_model(w);

    /* A listener in the abstract namespace, named by the kernel (autobind),
     * so that several fuzzing processes never meet and nothing is left
     * on disk. */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un any = {.sun_family = AF_UNIX};
    if (fd < 0 || bind(fd, (struct sockaddr *)&any, sizeof(sa_family_t)) < 0 || listen(fd, 16) < 0)
        http_fuzz_die("listener");
    w->addrlen = sizeof(w->addr);
    if (getsockname(fd, (struct sockaddr *)&w->addr, &w->addrlen) < 0)
        http_fuzz_die("getsockname");
    if (http_serve_listener(&w->app, fd, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_http set-up: %s\n", err);
        abort();
    }
    w->ready = 1;
}

/* --- one connection ------------------------------------------------------------- */

struct http_fuzz_run {
    const char *password; /* NULL or "": none */
    int early;            /* half-closed as soon as everything was sent */
    size_t piece;         /* bytes sent per loop turn, 0: all at once */
    const uint8_t *req;
    size_t req_len;
    char *reply;
    size_t reply_len;
    size_t reply_cap;
    int closed; /* the server closed */
};

/* A connected client, bound to a kernel-named abstract address of its own
 * so that the server sees a well-formed peer address. */
static int http_fuzz_connect(const struct http_fuzz_world *w)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un any = {.sun_family = AF_UNIX};
    if (fd < 0 || bind(fd, (struct sockaddr *)&any, sizeof(sa_family_t)) < 0)
        http_fuzz_die("client socket");
    if (connect(fd, (const struct sockaddr *)&w->addr, w->addrlen) < 0)
        http_fuzz_die("connect");
    return fd;
}

/* Reads what the server sent; returns how many bytes. */
static size_t http_fuzz_read(int fd, struct http_fuzz_run *run)
{
    size_t got = 0;
    while (!run->closed) {
        if (run->reply_cap - run->reply_len < 4096) {
            size_t cap = run->reply_cap ? run->reply_cap * 2 : 16384;
            char *grown = realloc(run->reply, cap);
            if (grown == NULL)
                abort();
            run->reply = grown;
            run->reply_cap = cap;
        }
        ssize_t n = recv(fd, run->reply + run->reply_len, run->reply_cap - run->reply_len, 0);
        if (n > 0) {
            run->reply_len += (size_t)n;
            got += (size_t)n;
        } else if (n == 0 || errno == ECONNRESET) {
            run->closed = 1;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else if (errno != EINTR) {
            http_fuzz_die("recv");
        }
    }
    return got;
}

static void http_fuzz_exchange(struct http_fuzz_world *w, struct http_fuzz_run *run)
{
    int fd = http_fuzz_connect(w);
    size_t sent = 0;
    int half_closed = 0, quiet = 0;
    while (!run->closed) {
        size_t moved = 0;
        if (sent < run->req_len) {
            size_t want = run->req_len - sent;
            if (run->piece != 0 && want > run->piece)
                want = run->piece;
            ssize_t n = send(fd, run->req + sent, want, MSG_NOSIGNAL);
            if (n > 0) {
                sent += (size_t)n;
                moved += (size_t)n;
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                sent = run->req_len; /* the server has gone: nothing more to say */
            }
        }
        event_base_loop(w->base, EVLOOP_NONBLOCK);
        moved += http_fuzz_read(fd, run);
        quiet = moved != 0 ? 0 : quiet + 1;
        /* Done once everything is sent, or once the server has stopped
         * reading what is left. */
        if (!half_closed && (sent == run->req_len || quiet >= HTTP_FUZZ_QUIET_UNREAD)) {
            int unread = 0;
            if (ioctl(fd, SIOCOUTQ, &unread) < 0)
                http_fuzz_die("SIOCOUTQ");
            if (run->early ||
                quiet >= (unread == 0 ? HTTP_FUZZ_QUIET_READ : HTTP_FUZZ_QUIET_UNREAD)) {
                shutdown(fd, SHUT_WR);
                half_closed = 1;
                quiet = 0;
            }
        }
        /* The server must not hold on to a connection whose client is
         * done. */
        FUZZ_CHECK(!half_closed || quiet < HTTP_FUZZ_QUIET_STUCK);
    }
    close(fd);
    /* Let the server see the close too, before the next connection. */
    event_base_loop(w->base, EVLOOP_NONBLOCK);
}

/* --- what came back ------------------------------------------------------------- */

static int http_fuzz_known_code(int code)
{
    static const int known[] = {100, 200, 400, 401, 404, 413, 417, 500, 501, 503};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i] == code)
            return 1;
    return 0;
}

static const char *http_fuzz_find(const char *p, size_t n, const char *what)
{
    return memmem(p, n, what, strlen(what));
}

/* The value of header name in the block [p, p + n) (after the status
 * line), as a pointer and length; NULL when absent. */
static const char *http_fuzz_header(const char *p, size_t n, const char *name, size_t *len)
{
    size_t name_len = strlen(name);
    while (n > 0) {
        const char *eol = http_fuzz_find(p, n, "\r\n");
        size_t line = eol != NULL ? (size_t)(eol - p) : n;
        if (line > name_len && p[name_len] == ':' && strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1;
            while (v < p + line && *v == ' ')
                v++;
            *len = (size_t)(p + line - v);
            return v;
        }
        if (eol == NULL)
            break;
        n -= line + 2;
        p = eol + 2;
    }
    return NULL;
}

/* Whether the request bytes carry password for Bearer (literally) or for
 * Basic: base64 of "<user>:<password>", whose characters that depend
 * only on ":<password>" are fixed for each of the three ways the colon
 * can fall in a group of three bytes. */
static int http_fuzz_carries(const struct http_fuzz_run *run, const char *password)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t pw_len = strlen(password);
    if (memmem(run->req, run->req_len, password, pw_len) != NULL)
        return 1;
    for (size_t align = 0; align < 3; align++) {
        uint8_t raw[64] = {0};
        char text[96];
        size_t raw_len = align + 1 + pw_len, n = 0;
        if (raw_len > sizeof(raw))
            abort();
        raw[align] = ':';
        memcpy(raw + align + 1, password, pw_len);
        /* Character j holds bits [6j, 6j + 6) of raw; keep those wholly
         * inside the colon and the password. */
        for (size_t j = 0; 6 * j + 6 <= 8 * raw_len; j++) {
            if (6 * j < 8 * align)
                continue;
            size_t bit = 6 * j, v = 0;
            for (size_t b = 0; b < 6; b++, bit++)
                v = v << 1 | ((raw[bit / 8] >> (7 - bit % 8)) & 1);
            text[n++] = b64[v];
        }
        if (memmem(run->req, run->req_len, text, n) != NULL)
            return 1;
    }
    return 0;
}

/* One number of the version in a status line, as evhttp prints it ("%d"
 * of the char it keeps): digits, perhaps after a minus sign.  Returns
 * where it ends, or NULL. */
static const char *http_fuzz_version_number(const char *p, const char *end, long *v)
{
    int neg = p < end && *p == '-';
    const char *q = p + neg;
    *v = 0;
    if (q == end || *q < '0' || *q > '9')
        return NULL;
    for (; q < end && *q >= '0' && *q <= '9'; q++)
        if ((*v = *v * 10 + (*q - '0')) > 1000)
            return NULL;
    if (neg)
        *v = -*v;
    return q;
}

/* Whether the connection stays open after a response with this version
 * and these header fields, as a client reads it (RFC 9112, 9.3): not when
 * it says close; when it says keep-alive; otherwise from HTTP/1.1 on.
 * The version is compared as a number, as evhttp does to decide whether
 * to keep the connection: its own replies carry the request's version as
 * it read it, which need not be 1.0 or 1.1 (it may even be negative). */
static int http_fuzz_persistent(long major, long minor, const char *fields, size_t fields_len)
{
    size_t len = 0;
    const char *conn = http_fuzz_header(fields, fields_len, "Connection", &len);
    if (conn != NULL && len == 5 && strncasecmp(conn, "close", 5) == 0)
        return 0;
    if (conn != NULL && len == 10 && strncasecmp(conn, "keep-alive", 10) == 0)
        return 1;
    return major > 1 || (major == 1 && minor >= 1);
}

/* Checks the response starting at p, whose header block is head bytes
 * long, with rest bytes left in the stream.  Returns its length with the
 * body, or 0 when the stream ends inside it. */
static size_t http_fuzz_check_response(const struct http_fuzz_run *run, const char *p, size_t head,
                                       size_t rest)
{
    /* "HTTP/<version> <code> <reason>", the version as evhttp prints the
     * request's: "<major>.<minor>", each a number, perhaps negative. */
    const char *sp = memchr(p, ' ', head < 16 ? head : 16);
    FUZZ_CHECK(head > 5 && memcmp(p, "HTTP/", 5) == 0 && sp != NULL);
    FUZZ_CHECK((size_t)(sp - p) + 5 <= head && sp[1] >= '1' && sp[1] <= '5' && sp[2] >= '0' &&
               sp[2] <= '9' && sp[3] >= '0' && sp[3] <= '9' && sp[4] == ' ');
    int code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
    FUZZ_CHECK(http_fuzz_known_code(code));
    long major = 0, minor = 0;
    const char *dot = http_fuzz_version_number(p + 5, sp, &major);
    FUZZ_CHECK(dot != NULL && dot < sp && *dot == '.');
    FUZZ_CHECK(http_fuzz_version_number(dot + 1, sp, &minor) == sp);
    /* The codes only http.c answers with: in a version it speaks. */
    if (code == 200 || code == 401 || code == 404 || code == 503)
        FUZZ_CHECK(major == 1 && (minor == 0 || minor == 1));
    const char *eol = http_fuzz_find(p, head, "\r\n");
    const char *fields = eol + 2;
    size_t fields_len = head - (size_t)(fields - p);
    int protect = run->password != NULL && run->password[0] != '\0';

    size_t len = 0;
    const char *challenge = http_fuzz_header(fields, fields_len, "WWW-Authenticate", &len);
    if (code == 401) {
        FUZZ_CHECK(protect);
        FUZZ_CHECK(challenge != NULL && len >= 6 && strncmp(challenge, "Basic ", 6) == 0);
    }
    const char *type = http_fuzz_header(fields, fields_len, "Content-Type", &len);
    if (code == 200 && protect && type != NULL) {
        /* /healthz and the error pages are plain text; the page, /status
         * and /metrics are the three other types. */
        int guarded = (len >= 9 && strncmp(type, "text/html", 9) == 0) ||
                      (len >= 16 && strncmp(type, "application/json", 16) == 0) ||
                      memmem(type, len, "version=0.0.4", 13) != NULL;
        if (guarded)
            FUZZ_CHECK(http_fuzz_carries(run, run->password));
    }
    if (code < 200)
        return head; /* 100 Continue: no body, the response follows */

    /* The body: Content-Length bytes, or none in a reply to HEAD; without
     * a length, none either on a connection that stays open, else up to
     * the close. */
    int persistent = http_fuzz_persistent(major, minor, fields, fields_len);
    const char *cl = http_fuzz_header(fields, fields_len, "Content-Length", &len);
    const char *after = p + head;
    size_t total = 0, left = rest - head;
    int next_at_head = left == 0 || (left >= 5 && memcmp(after, "HTTP/", 5) == 0);
    if (cl != NULL) {
        char num[24];
        char *end = NULL;
        FUZZ_CHECK(len > 0 && len < sizeof(num));
        memcpy(num, cl, len);
        num[len] = '\0';
        size_t body = strtoul(num, &end, 10);
        FUZZ_CHECK(*end == '\0');
        if (body <= left &&
            (body == left || (left - body >= 5 && memcmp(after + body, "HTTP/", 5) == 0)))
            total = head + body;
        else if (next_at_head)
            total = head;
        else
            return 0;
    } else if (persistent) {
        FUZZ_CHECK(next_at_head);
        total = head;
    } else {
        total = rest;
    }
    /* Nothing after a response that closes the connection. */
    if (!persistent)
        FUZZ_CHECK(total == rest);
    return total;
}

static void http_fuzz_check_replies(const struct http_fuzz_run *run)
{
    const char *p = run->reply;
    size_t rest = run->reply_len;
    while (rest > 0) {
        const char *end = http_fuzz_find(p, rest, "\r\n\r\n");
        size_t used =
            end != NULL ? http_fuzz_check_response(run, p, (size_t)(end - p) + 4, rest) : 0;
        if (used == 0) {
            /* Cut short: only when the client half-closed before the
             * server was done, and still the start of a response. */
            FUZZ_CHECK(run->early);
            FUZZ_CHECK(memcmp(p, "HTTP/", rest < 5 ? rest : 5) == 0);
            break;
        }
        p += used;
        rest -= used;
    }
}

FUZZ_TARGET(http)
{
    struct http_fuzz_world *w = &http_fuzz_world;
    if (!w->ready)
        http_fuzz_setup(w);
    struct fuzz_input in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    struct http_fuzz_run run = {
        .password = http_fuzz_passwords[mode & 3],
        .early = (mode >> 2) & 1,
        .piece = mode >> 3,
        .req = in.data,
        .req_len = in.size,
    };
    w->cfg.requirepass = (char *)run.password;
    fuzz_alloc_watch();
    http_fuzz_exchange(w, &run);
    if (w->trace)
        fprintf(stderr,
                "--- password %s, %s, pieces of %zu\n--- request (%zu bytes)\n%.*s\n"
                "--- reply (%zu bytes)\n%.*s\n",
                run.password ? run.password : "(none)",
                run.early ? "early half-close" : "half-close when quiet", run.piece, run.req_len,
                (int)run.req_len, (const char *)run.req, run.reply_len, (int)run.reply_len,
                run.reply ? run.reply : "");
    http_fuzz_check_replies(&run);
    free(run.reply);
    w->cfg.requirepass = NULL;
    FUZZ_CHECK(fuzz_alloc_largest <= FUZZ_MAX_ALLOC_BYTES);
    return 0;
}
