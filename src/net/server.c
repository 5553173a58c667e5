/*
 * server.c - the client-facing RESP server (see server.h).
 *
 * I/O is done by hand on libevent events rather than with bufferevents:
 * after a read batch has been executed the replies are written at once
 * with one write(), and a write event is armed only when the socket is
 * full.  That is Redis's own pattern and what keeps pipelined throughput
 * at or above redis-sentinel's.
 *
 * Clients are never freed from inside a callback that may still use them:
 * closing marks the client and queues it; a zero-delay event frees queued
 * clients from the loop.
 */
#include "net/server.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "app/acl.h"
#include "app/app.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/log.h"
#include "net/resp.h"
#include "net/tls.h"

/* Bytes read from a socket at a time (Redis reads 16 KiB). */
#define SERVER_READ_CHUNK_BYTES (16 * 1024)
/* An emptied output buffer above this size is given back. */
#define SERVER_KEEP_OUTPUT_BYTES (64 * 1024)
/* Redis's default tcp-backlog and tcp-keepalive. */
#define SERVER_BACKLOG 511
#define SERVER_KEEPALIVE_S 300
/* How long accepting pauses when we are out of file descriptors. */
#define SERVER_ACCEPT_PAUSE_MS 100
#define SERVER_ADDR_LEN 64

enum client_flag {
    CLIENT_CLOSE_AFTER_REPLY = 1u << 0,
    CLIENT_CLOSE_ASAP = 1u << 1,       /* queued for freeing */
    CLIENT_WRITE_ARMED = 1u << 2,
};

struct server_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t sent;   /* prefix already written to the socket */
};

/* One channel or pattern and the clients listening to it. */
struct server_sub {
    char *name;
    size_t len;
    struct client **clients;
    size_t count;
    size_t cap;
    struct server_sub *next;   /* hash chain */
};

struct server_subs {
    struct server_sub **buckets;
    size_t bucket_count;
    size_t count;
};

struct client {
    struct server *server;
    struct client *prev, *next;
    struct client *close_next;
    uint64_t id;
    int fd;
    unsigned flags;
    struct event *read_ev;     /* plain clients */
    struct event *write_ev;
    struct bufferevent *bev;   /* TLS clients: all I/O goes through it */
    struct resp_reader reader;
    struct server_buf out;
    struct server_buf pushes;  /* messages published while executing */
    char addr[SERVER_ADDR_LEN];
    char laddr[SERVER_ADDR_LEN];
    char *name;
    int64_t created_ms;
    int64_t last_interaction_ms;
    const char *last_cmd;      /* a command table name, static */
    int resp;
    int authenticated;
    char *user;                /* ACL user; NULL: the default user */
    struct server_sub **subs[2];   /* [0] channels, [1] patterns */
    size_t sub_count[2];
    size_t sub_cap[2];
};

struct server_listener {
    struct evconnlistener *lev;
    int port;
    int tls;
};

struct server {
    struct event_base *base;
    struct app *app;
    struct server_listener *listeners;
    size_t listener_count;
    struct ssl_ctx_st *tls_ctx;    /* borrowed; set with the TLS listeners */
    struct event *accept_pause_ev;
    struct client *head, *tail;
    size_t client_count;
    size_t max_clients; /* maxclients */
    uint64_t next_client_id;
    struct client *executing;
    struct client *close_queue;
    struct event *close_ev;
    struct server_subs subs[2];
    uint64_t total_connections;
    uint64_t total_commands;
    uint64_t rejected_connections;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t error_replies;
};

static void client_write(struct client *c);

/* Bytes a TLS client's bufferevent still holds for the socket. */
static size_t client_tls_pending(const struct client *c)
{
    return c->bev ? evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

/* No more requests are read from c. */
static void client_stop_reading(struct client *c)
{
    if (c->bev)
        bufferevent_disable(c->bev, EV_READ);
    else
        event_del(c->read_ev);
}

/* Clients' times come from the app's clock, which main reads once per
 * loop turn. */
static int64_t server_now_ms(const struct server *server)
{
    return server->app ? server->app->now.wall_ms : 0;
}

/* --- byte buffers ---------------------------------------------------------- */

static int server_buf_reserve(struct server_buf *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 256;
    char *data;

    if (b->cap - b->len >= more)
        return 0;
    /* Reclaim the part already written before growing, so a subscriber
     * that is always a little behind doesn't grow the buffer forever.
     * Deferred-length handles are relative to b->sent for this reason. */
    if (b->sent > 0) {
        memmove(b->data, b->data + b->sent, b->len - b->sent);
        b->len -= b->sent;
        b->sent = 0;
        if (b->cap - b->len >= more)
            return 0;
    }
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    data = realloc(b->data, cap);
    if (!data)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static void server_buf_free(struct server_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static size_t server_buf_pending(const struct server_buf *b)
{
    return b->len - b->sent;
}

/* --- output ------------------------------------------------------------------ */

static size_t client_output_limit(const struct client *c)
{
    if (c->sub_count[0] + c->sub_count[1] > 0)
        return SERVER_MAX_PUBSUB_OUTPUT_BYTES;
    return SERVER_MAX_OUTPUT_BYTES;
}

/* Queues c to be freed from the loop; no more I/O happens on it. */
static void client_close_async(struct client *c)
{
    if (c->flags & CLIENT_CLOSE_ASAP)
        return;
    c->flags |= CLIENT_CLOSE_ASAP;
    if (c->bev) {
        bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    } else {
        event_del(c->read_ev);
        event_del(c->write_ev);
    }
    server_buf_free(&c->out);
    server_buf_free(&c->pushes);
    c->close_next = c->server->close_queue;
    c->server->close_queue = c;
    event_active(c->server->close_ev, EV_TIMEOUT, 1);
}

/* Appends to one of c's buffers, enforcing the output limit: a client
 * that doesn't read its replies is closed, as Redis does with its
 * client-output-buffer-limit. */
static void client_append_to(struct client *c, struct server_buf *b,
                             const char *data, size_t len)
{
    if (c->flags & CLIENT_CLOSE_ASAP)
        return;
    if (server_buf_pending(&c->out) + server_buf_pending(&c->pushes) +
        client_tls_pending(c) + len > client_output_limit(c)) {
        /* Redis's wording, which log watchers look for. */
        log_write(LOG_WARNING, "Client id=%llu addr=%s scheduled to be "
                  "closed ASAP for overcoming of output buffer limits.",
                  (unsigned long long)c->id, c->addr);
        client_close_async(c);
        return;
    }
    if (server_buf_reserve(b, len) < 0) {
        client_close_async(c);
        return;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void client_append(struct client *c, const char *data, size_t len)
{
    client_append_to(c, &c->out, data, len);
}

/* Appends "<type><n>\r\n".  Hand-formatted: it runs for every reply
 * element, and snprintf shows in the pipelined benchmarks. */
static void client_append_header(struct client *c, struct server_buf *b,
                                 char type, long long n)
{
    char head[32];
    char *end = head + sizeof(head), *p = end;
    unsigned long long v = n < 0 ? 0ULL - (unsigned long long)n
                                 : (unsigned long long)n;

    *--p = '\n';
    *--p = '\r';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (n < 0)
        *--p = '-';
    *--p = type;
    client_append_to(c, b, p, (size_t)(end - p));
}

static void client_append_bulk(struct client *c, struct server_buf *b,
                               const char *s, size_t len)
{
    client_append_header(c, b, '$', (long long)len);
    client_append_to(c, b, s, len);
    client_append_to(c, b, "\r\n", 2);
}

/* Hands c's pending replies to its TLS bufferevent, which writes them as
 * the handshake and the socket allow.  Returns 1 when client_write must
 * stop there: c was closed, or c closes after this reply and the
 * bufferevent has not drained yet (its write callback comes back). */
static int client_tls_flush(struct client *c)
{
    struct server_buf *b = &c->out;
    size_t n = server_buf_pending(b);

    if (n > 0) {
        if (bufferevent_write(c->bev, b->data + b->sent, n) < 0) {
            client_close_async(c);
            return 1;
        }
        b->sent += n;
        c->server->net_output_bytes += (uint64_t)n;
    }
    return (c->flags & CLIENT_CLOSE_AFTER_REPLY) && client_tls_pending(c) > 0;
}

/* Writes what is pending.  Arms the write event when the socket is full;
 * closes the client on a write error or once a close-after-reply client
 * is drained. */
static void client_write(struct client *c)
{
    struct server_buf *b = &c->out;

    if (c->flags & CLIENT_CLOSE_ASAP)
        return;
    if (c->bev && client_tls_flush(c))
        return;
    while (server_buf_pending(b) > 0) {
        ssize_t n = write(c->fd, b->data + b->sent, server_buf_pending(b));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            client_close_async(c);
            return;
        }
        b->sent += (size_t)n;
        c->server->net_output_bytes += (uint64_t)n;
    }
    if (server_buf_pending(b) == 0) {
        b->len = b->sent = 0;
        if (b->cap > SERVER_KEEP_OUTPUT_BYTES)
            server_buf_free(b);
        if (c->flags & CLIENT_WRITE_ARMED) {
            event_del(c->write_ev);
            c->flags &= ~CLIENT_WRITE_ARMED;
        }
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
            client_close_async(c);
        return;
    }
    if (!(c->flags & CLIENT_WRITE_ARMED)) {
        event_add(c->write_ev, NULL);
        c->flags |= CLIENT_WRITE_ARMED;
    }
}

static void client_on_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    client_write(arg);
}

/* --- client life cycle ------------------------------------------------------ */

static void server_sub_detach(struct server *server, int pattern,
                              struct server_sub *sub, struct client *c);

static void client_free(struct client *c)
{
    struct server *server = c->server;

    for (int p = 0; p < 2; p++) {
        for (size_t i = c->sub_count[p]; i-- > 0;)
            server_sub_detach(server, p, c->subs[p][i], c);
        free(c->subs[p]);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        server->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        server->tail = c->prev;
    server->client_count--;
    if (c->bev) {
        bufferevent_free(c->bev);   /* closes fd and frees the SSL */
    } else {
        event_free(c->read_ev);
        event_free(c->write_ev);
        close(c->fd);
    }
    resp_reader_clear(&c->reader);
    server_buf_free(&c->out);
    server_buf_free(&c->pushes);
    free(c->name);
    free(c->user);
    free(c);
}

static void server_on_close_queue(evutil_socket_t fd, short what, void *arg)
{
    struct server *server = arg;

    (void)fd;
    (void)what;
    while (server->close_queue) {
        struct client *c = server->close_queue;

        server->close_queue = c->close_next;
        client_free(c);
    }
}

/* Formats a socket address as Redis does: "ip:port", "[ip6]:port". */
static void server_format_addr(const struct sockaddr_storage *ss, char *out,
                               size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        port = ntohs(sin->sin_port);
        snprintf(out, len, "%s:%d", ip, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        port = ntohs(sin6->sin6_port);
        snprintf(out, len, "[%s]:%d", ip, port);
    } else {
        snprintf(out, len, "?:0");
    }
}

static void client_on_readable(evutil_socket_t fd, short what, void *arg);
static void client_on_tls_read(struct bufferevent *bev, void *arg);
static void client_on_tls_write(struct bufferevent *bev, void *arg);
static void client_on_tls_event(struct bufferevent *bev, short what,
                                void *arg);

/* Sets up c's I/O on fd: read and write events for a plain client, a TLS
 * bufferevent doing the server handshake when tls_ctx is set.  Returns 0,
 * or -1 with nothing allocated and fd still the caller's. */
static int client_io_init(struct client *c, struct server *server, int fd,
                          struct ssl_ctx_st *tls_ctx)
{
    if (tls_ctx) {
        c->bev = tls_bufferevent_accept_new(server->base, tls_ctx, fd);
        if (!c->bev)
            return -1;
        bufferevent_setcb(c->bev, client_on_tls_read, client_on_tls_write,
                          client_on_tls_event, c);
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
        return 0;
    }
    c->read_ev = event_new(server->base, fd, EV_READ | EV_PERSIST,
                           client_on_readable, c);
    c->write_ev = event_new(server->base, fd, EV_WRITE | EV_PERSIST,
                            client_on_writable, c);
    if (!c->read_ev || !c->write_ev || event_add(c->read_ev, NULL) < 0) {
        if (c->read_ev)
            event_free(c->read_ev);
        if (c->write_ev)
            event_free(c->write_ev);
        return -1;
    }
    return 0;
}

static struct client *client_new(struct server *server, int fd,
                                 const struct sockaddr *peer, int peer_len,
                                 struct ssl_ctx_st *tls_ctx)
{
    struct client *c = calloc(1, sizeof(*c));
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);

    if (!c)
        return NULL;
    if (client_io_init(c, server, fd, tls_ctx) < 0) {
        free(c);
        return NULL;
    }
    c->server = server;
    c->fd = fd;
    c->id = ++server->next_client_id;
    c->resp = 2;
    c->created_ms = c->last_interaction_ms = server_now_ms(server);
    c->last_cmd = "NULL";      /* what Redis shows before any command */
    resp_reader_init(&c->reader, NULL);
    memset(&ss, 0, sizeof(ss));
    if (peer_len > 0 && (size_t)peer_len <= sizeof(ss))
        memcpy(&ss, peer, (size_t)peer_len);
    server_format_addr(&ss, c->addr, sizeof(c->addr));
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
        server_format_addr(&ss, c->laddr, sizeof(c->laddr));
    c->prev = server->tail;
    if (server->tail)
        server->tail->next = c;
    else
        server->head = c;
    server->tail = c;
    server->client_count++;
    return c;
}

/* --- reading and executing ------------------------------------------------- */

static const struct acl *server_acl(const struct server *server)
{
    const struct app *app = server->app;

    return app && app->cfg ? app->cfg->acl : NULL;
}

/* Whether a client has to AUTH before anything else: unless the default
 * user is on and nopass, as in Redis (requirepass gives it a password).
 * A config built by hand, without users, has only requirepass. */
static int server_requirepass_set(const struct server *server)
{
    const struct acl *acl = server_acl(server);
    const struct app *app = server->app;

    if (acl)
        return !acl_default_is_open(acl);
    return app && app->cfg && app->cfg->requirepass &&
           app->cfg->requirepass[0] != '\0';
}

/* Moves messages published while c was executing behind its reply. */
static void client_flush_pushes(struct client *c)
{
    struct server_buf *p = &c->pushes;
    size_t len = p->len;

    if (len == 0)
        return;
    p->len = 0;   /* so the limit check doesn't count these bytes twice */
    client_append(c, p->data, len);
}

/* Runs every complete request in c's buffer, in order.  A malformed one
 * gets its error and ends the connection, as with Redis. */
static void client_execute(struct client *c)
{
    struct server *server = c->server;
    struct resp_request req;

    server->executing = c;
    while (!(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP))) {
        enum resp_reader_status st;

        c->reader.unauthenticated =
            !c->authenticated && server_requirepass_set(server);
        st = resp_reader_next(&c->reader, &req);
        if (st == RESP_READER_AGAIN)
            break;
        if (st == RESP_READER_ERROR) {
            if (c->reader.error) {
                reply_error(c, c->reader.error);
                c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            } else {
                log_write(LOG_WARNING, "Closing client id=%llu addr=%s that "
                          "reached max query buffer length",
                          (unsigned long long)c->id, c->addr);
                client_close_async(c);
            }
            break;
        }
        if (commands_dispatch(c, req.argc, req.argv, req.lens) == 0)
            server->total_commands++;
        client_flush_pushes(c);
    }
    server->executing = NULL;
}

/* One buffer for every read: a client holds only what it has not yet
 * parsed (usually nothing), so idle clients cost little memory. */
static char server_read_buf[SERVER_READ_CHUNK_BYTES];

/* Takes n request bytes just read into server_read_buf: parses and runs
 * the complete requests, then writes the replies. */
static void client_on_input(struct client *c, size_t n)
{
    struct server *server = c->server;

    server->net_input_bytes += (uint64_t)n;
    if (server->app)
        app_clock_update(server->app);
    c->last_interaction_ms = server_now_ms(server);
    if (resp_reader_feed(&c->reader, server_read_buf, n) < 0) {
        log_write(LOG_WARNING, "Closing client id=%llu addr=%s that reached "
                  "max query buffer length", (unsigned long long)c->id,
                  c->addr);
        client_close_async(c);
        return;
    }
    client_execute(c);
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY)
        client_stop_reading(c);
    client_write(c);
}

static void client_on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    ssize_t n;

    (void)what;
    n = read(fd, server_read_buf, sizeof(server_read_buf));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        client_close_async(c);
        return;
    }
    client_on_input(c, (size_t)n);
}

/* TLS clients: the bufferevent has decrypted some request bytes. */
static void client_on_tls_read(struct bufferevent *bev, void *arg)
{
    struct client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    int n;

    while (!client_closing(c) &&
           (n = evbuffer_remove(in, server_read_buf,
                                sizeof(server_read_buf))) > 0)
        client_on_input(c, (size_t)n);
}

/* TLS clients: the bufferevent's output has drained. */
static void client_on_tls_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    client_write(arg);
}

/* TLS clients: the handshake failed (a plain-text client on the TLS port,
 * a missing or untrusted certificate) or the connection ended.  The
 * daemon goes on serving everyone else. */
static void client_on_tls_event(struct bufferevent *bev, short what,
                                void *arg)
{
    struct client *c = arg;
    char why[256];

    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
        return;
    if (tls_error_text(bev, what, why, sizeof(why)))
        log_write(LOG_VERBOSE, "Closing TLS client id=%llu addr=%s: %s",
                  (unsigned long long)c->id, c->addr, why);
    client_close_async(c);
}

/* --- accepting ------------------------------------------------------------------- */

/* Redis's text, word for word: tools and people search for it. */
static const char server_denied_msg[] =
    "-DENIED Redis is running in protected mode because protected mode is "
    "enabled and no password is set for the default user. In this mode "
    "connections are only accepted from the loopback interface. If you want "
    "to connect from external computers to Redis you may adopt one of the "
    "following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting "
    "to Redis from the same host the server is running, however MAKE SURE "
    "Redis is not publicly accessible from internet if you do so. Use CONFIG "
    "REWRITE to make this change permanent. 2) Alternatively you can just "
    "disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the "
    "server. 3) If you started the server manually just for testing, restart "
    "it with the '--protected-mode no' option. 4) Setup a an authentication "
    "password for the default user. NOTE: You only need to do one of the "
    "above things in order for the server to start accepting connections "
    "from the outside.\r\n";

/* Protected mode as in Redis 7.0: with protected-mode yes and no password,
 * only 127.0.0.1 and ::1 may talk to us (whatever bind says). */
static int server_protected_refuses(const struct server *server,
                                    const struct sockaddr *sa)
{
    const struct config *cfg = server->app ? server->app->cfg : NULL;

    if (!cfg || !cfg->protected_mode || server_requirepass_set(server))
        return 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

        return ntohl(sin->sin_addr.s_addr) != INADDR_LOOPBACK;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

        return !IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
    }
    return 0;
}

/* Says why and hangs up, best effort, without making it a client. */
static void server_refuse(int fd, const char *msg, size_t len)
{
    ssize_t n = send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);

    (void)n;
    close(fd);
}

static void server_tune_socket(int fd)
{
    int one = 1, idle = SERVER_KEEPALIVE_S, interval = SERVER_KEEPALIVE_S / 3;
    int count = 3;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

/* Takes one accepted connection; tls_ctx is set for the TLS port.  A
 * refused TLS client gets its refusal through TLS, after the handshake,
 * as a plain client gets it on the raw socket. */
static void server_accept(struct server *server, evutil_socket_t fd,
                          struct sockaddr *sa, int salen,
                          struct ssl_ctx_st *tls_ctx)
{
    static const char full_msg[] = "-ERR max number of clients reached\r\n";
    const char *refusal = NULL;
    size_t refusal_len = 0;
    struct client *c;

    if (server->client_count >= server->max_clients) {
        server->rejected_connections++;
        refusal = full_msg;
        refusal_len = sizeof(full_msg) - 1;
    } else {
        server->total_connections++;
        if (server_protected_refuses(server, sa)) {
            refusal = server_denied_msg;
            refusal_len = sizeof(server_denied_msg) - 1;
        }
    }
    if (refusal && !tls_ctx) {
        server_refuse(fd, refusal, refusal_len);
        return;
    }
    server_tune_socket(fd);
    c = client_new(server, fd, sa, salen, tls_ctx);
    if (!c) {
        log_write(LOG_WARNING, "Error registering fd event for the new "
                  "client: out of memory");
        close(fd);
        return;
    }
    if (refusal) {
        client_append(c, refusal, refusal_len);
        client_close_after_reply(c);
        client_stop_reading(c);
        client_write(c);
    }
}

static void server_on_accept(struct evconnlistener *lev, evutil_socket_t fd,
                             struct sockaddr *sa, int salen, void *arg)
{
    (void)lev;
    server_accept(arg, fd, sa, salen, NULL);
}

static void server_on_accept_tls(struct evconnlistener *lev,
                                 evutil_socket_t fd, struct sockaddr *sa,
                                 int salen, void *arg)
{
    struct server *server = arg;

    (void)lev;
    server_accept(server, fd, sa, salen, server->tls_ctx);
}

static void server_on_accept_resume(evutil_socket_t fd, short what,
                                    void *arg)
{
    struct server *server = arg;

    (void)fd;
    (void)what;
    for (size_t i = 0; i < server->listener_count; i++)
        evconnlistener_enable(server->listeners[i].lev);
}

/* Out of descriptors, a listening socket stays readable forever: pause
 * accepting briefly instead of spinning and logging in a loop. */
static void server_on_accept_error(struct evconnlistener *lev, void *arg)
{
    struct server *server = arg;
    struct timeval tv = {0, SERVER_ACCEPT_PAUSE_MS * 1000};
    int err = EVUTIL_SOCKET_ERROR();

    (void)lev;
    log_write(LOG_WARNING, "Accepting client connection: %s", strerror(err));
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
        return;
    for (size_t i = 0; i < server->listener_count; i++)
        evconnlistener_disable(server->listeners[i].lev);
    event_add(server->accept_pause_ev, &tv);
}

/* --- listening ----------------------------------------------------------------- */

/* Binds and listens on one address.  Returns the descriptor, or -1 with
 * err set the way Redis words it ("bind: Address already in use"). */
static int server_bind_one(const char *host, int port, char *err,
                           size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port_text[16];
    int fd = -1, rc, one = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port_text, sizeof(port_text), "%d", port);
    rc = getaddrinfo(host, port_text, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            snprintf(err, errlen, "socket: %s", strerror(errno));
            continue;
        }
        /* A restart must bind the port at once, as Redis can. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            snprintf(err, errlen, "bind: %s", strerror(errno));
        } else if (listen(fd, SERVER_BACKLOG) < 0) {
            snprintf(err, errlen, "listen: %s", strerror(errno));
        } else {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int server_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

/* Listens on bind (Redis's syntax: "*" all IPv4, "::*" all IPv6, a
 * leading "-" when failing to bind is not an error), speaking TLS when
 * tls is set.  Returns 0, or -1 with err set. */
static int server_listen(struct server *server, const char *bind, int port,
                         int tls, char *err, size_t errlen)
{
    const char *host = bind;
    int optional = 0, fd;
    char why[256];
    struct evconnlistener *lev;
    struct server_listener *grown;

    if (host[0] == '-') {
        optional = 1;
        host++;
    }
    fd = server_bind_one(strcmp(host, "*") == 0 ? "0.0.0.0"
                         : strcmp(host, "::*") == 0 ? "::" : host,
                         port, why, sizeof(why));
    if (fd < 0) {
        if (optional)
            return 0;
        snprintf(err, errlen, "Could not create server %s listening socket "
                 "%s:%d: %s", tls ? "TLS" : "TCP", host, port, why);
        return -1;
    }
    grown = realloc(server->listeners,
                    (server->listener_count + 1) * sizeof(*grown));
    lev = grown ? evconnlistener_new(server->base,
                                     tls ? server_on_accept_tls
                                         : server_on_accept, server,
                                     LEV_OPT_CLOSE_ON_FREE |
                                     LEV_OPT_CLOSE_ON_EXEC, 0, fd)
                : NULL;
    if (grown)
        server->listeners = grown;
    if (!lev) {
        close(fd);
        snprintf(err, errlen, "Could not create server %s listening socket "
                 "%s:%d: out of memory", tls ? "TLS" : "TCP", host, port);
        return -1;
    }
    evconnlistener_set_error_cb(lev, server_on_accept_error);
    server->listeners[server->listener_count].lev = lev;
    server->listeners[server->listener_count].port = server_local_port(fd);
    server->listeners[server->listener_count].tls = tls;
    server->listener_count++;
    return 0;
}

/* Listens on port at every address of binds (none: Redis's default, every
 * IPv4 address and IPv6 if available).  Returns 0, or -1 with err set;
 * fails too when not one address could be bound. */
static int server_listen_all(struct server *server, const char *const *binds,
                             size_t bind_count, int port, int tls, char *err,
                             size_t errlen)
{
    static const char *const default_binds[] = {"*", "-::*"};
    size_t before = server->listener_count;

    if (bind_count == 0) {
        binds = default_binds;
        bind_count = 2;
    }
    for (size_t i = 0; i < bind_count; i++) {
        if (server_listen(server, binds[i], port, tls, err, errlen) < 0)
            return -1;
    }
    if (server->listener_count == before) {
        snprintf(err, errlen, "Failed listening on port %d (%s), aborting.",
                 port, tls ? "TLS" : "TCP");
        return -1;
    }
    return 0;
}

int server_listen_tls(struct server *server, const char *const *binds,
                      size_t bind_count, int port, struct ssl_ctx_st *tls_ctx,
                      char *err, size_t errlen)
{
    server->tls_ctx = tls_ctx;
    return server_listen_all(server, binds, bind_count, port, 1, err, errlen);
}

struct server *server_new(struct event_base *base, struct app *app,
                          const char *const *binds, size_t bind_count,
                          int port, char *err, size_t errlen)
{
    struct server *server;

    /* The config's `user` lines name commands only the table knows: a
     * typo in a rule that denies would otherwise deny nothing. */
    if (app && app->cfg && commands_acl_check(app->cfg->acl, err, errlen) < 0)
        return NULL;
    server = calloc(1, sizeof(*server));
    if (!server) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    server->base = base;
    server->app = app;
    server->max_clients = app && app->cfg && app->cfg->maxclients > 0
                              ? (size_t)app->cfg->maxclients : SERVER_MAX_CLIENTS;
    server->close_ev = event_new(base, -1, 0, server_on_close_queue, server);
    server->accept_pause_ev = evtimer_new(base, server_on_accept_resume,
                                          server);
    if (!server->close_ev || !server->accept_pause_ev) {
        snprintf(err, errlen, "out of memory");
        server_free(server);
        return NULL;
    }
    if (port != SERVER_PORT_NONE &&
        server_listen_all(server, binds, bind_count, port, 0, err,
                          errlen) < 0) {
        server_free(server);
        return NULL;
    }
    return server;
}

static void server_subs_clear(struct server_subs *t);

void server_free(struct server *server)
{
    if (!server)
        return;
    for (size_t i = 0; i < server->listener_count; i++)
        evconnlistener_free(server->listeners[i].lev);
    free(server->listeners);
    while (server->head)
        client_free(server->head);
    server->close_queue = NULL;
    for (int p = 0; p < 2; p++)
        server_subs_clear(&server->subs[p]);
    if (server->close_ev)
        event_free(server->close_ev);
    if (server->accept_pause_ev)
        event_free(server->accept_pause_ev);
    free(server);
}

/* --- pub/sub registry ------------------------------------------------------------ */

#define SERVER_SUBS_MIN_BUCKETS 16

/* FNV-1a. */
static uint64_t server_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct server_sub *server_subs_find(const struct server_subs *t,
                                           const char *name, size_t len)
{
    struct server_sub *sub;

    if (t->bucket_count == 0)
        return NULL;
    sub = t->buckets[server_hash(name, len) & (t->bucket_count - 1)];
    for (; sub; sub = sub->next) {
        if (sub->len == len && memcmp(sub->name, name, len) == 0)
            return sub;
    }
    return NULL;
}

static int server_subs_grow(struct server_subs *t)
{
    size_t count = t->bucket_count ? t->bucket_count * 2
                                   : SERVER_SUBS_MIN_BUCKETS;
    struct server_sub **buckets = calloc(count, sizeof(*buckets));

    if (!buckets)
        return -1;
    for (size_t i = 0; i < t->bucket_count; i++) {
        while (t->buckets[i]) {
            struct server_sub *sub = t->buckets[i];
            size_t b = server_hash(sub->name, sub->len) & (count - 1);

            t->buckets[i] = sub->next;
            sub->next = buckets[b];
            buckets[b] = sub;
        }
    }
    free(t->buckets);
    t->buckets = buckets;
    t->bucket_count = count;
    return 0;
}

static struct server_sub *server_subs_add(struct server_subs *t,
                                          const char *name, size_t len)
{
    struct server_sub *sub;
    size_t b;

    if (t->count >= t->bucket_count && server_subs_grow(t) < 0 &&
        t->bucket_count == 0)
        return NULL;
    sub = calloc(1, sizeof(*sub));
    if (!sub)
        return NULL;
    sub->name = malloc(len + 1);
    if (!sub->name) {
        free(sub);
        return NULL;
    }
    memcpy(sub->name, name, len);
    sub->name[len] = '\0';
    sub->len = len;
    b = server_hash(name, len) & (t->bucket_count - 1);
    sub->next = t->buckets[b];
    t->buckets[b] = sub;
    t->count++;
    return sub;
}

static void server_subs_remove(struct server_subs *t, struct server_sub *sub)
{
    struct server_sub **link =
        &t->buckets[server_hash(sub->name, sub->len) & (t->bucket_count - 1)];

    while (*link != sub)
        link = &(*link)->next;
    *link = sub->next;
    t->count--;
    free(sub->clients);
    free(sub->name);
    free(sub);
}

static void server_subs_clear(struct server_subs *t)
{
    for (size_t i = 0; i < t->bucket_count; i++) {
        while (t->buckets[i])
            server_subs_remove(t, t->buckets[i]);
    }
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}

/* Removes c from sub's listeners, and sub itself once nobody listens. */
static void server_sub_detach(struct server *server, int pattern,
                              struct server_sub *sub, struct client *c)
{
    for (size_t i = 0; i < sub->count; i++) {
        if (sub->clients[i] != c)
            continue;
        /* Keep order: messages reach listeners in subscription order. */
        memmove(&sub->clients[i], &sub->clients[i + 1],
                (sub->count - i - 1) * sizeof(*sub->clients));
        sub->count--;
        break;
    }
    if (sub->count == 0)
        server_subs_remove(&server->subs[pattern], sub);
}

static int server_sub_has(const struct server_sub *sub,
                          const struct client *c)
{
    for (size_t i = 0; i < sub->count; i++) {
        if (sub->clients[i] == c)
            return 1;
    }
    return 0;
}

/* Grows an array of pointers to hold one more.  Returns 0 or -1. */
static int server_grow_ptrs(void *array_ptr, size_t count, size_t *cap)
{
    void ***array = array_ptr;
    size_t want = *cap ? *cap * 2 : 4;
    void **grown;

    if (count < *cap)
        return 0;
    grown = realloc(*array, want * sizeof(void *));
    if (!grown)
        return -1;
    *array = grown;
    *cap = want;
    return 0;
}

int client_subscribe(struct client *c, int pattern, const char *name,
                     size_t len)
{
    struct server_subs *t = &c->server->subs[pattern ? 1 : 0];
    struct server_sub *sub = server_subs_find(t, name, len);
    int p = pattern ? 1 : 0;

    if (sub && server_sub_has(sub, c))
        return 0;
    if (!sub && !(sub = server_subs_add(t, name, len)))
        return -1;
    if (server_grow_ptrs(&sub->clients, sub->count, &sub->cap) < 0 ||
        server_grow_ptrs(&c->subs[p], c->sub_count[p], &c->sub_cap[p]) < 0) {
        if (sub->count == 0)
            server_subs_remove(t, sub);
        return -1;
    }
    sub->clients[sub->count++] = c;
    c->subs[p][c->sub_count[p]++] = sub;
    return 1;
}

int client_unsubscribe(struct client *c, int pattern, const char *name,
                       size_t len)
{
    int p = pattern ? 1 : 0;
    struct server_sub *sub = server_subs_find(&c->server->subs[p], name, len);

    if (!sub || !server_sub_has(sub, c))
        return 0;
    for (size_t i = 0; i < c->sub_count[p]; i++) {
        if (c->subs[p][i] != sub)
            continue;
        memmove(&c->subs[p][i], &c->subs[p][i + 1],
                (c->sub_count[p] - i - 1) * sizeof(*c->subs[p]));
        c->sub_count[p]--;
        break;
    }
    server_sub_detach(c->server, p, sub, c);
    return 1;
}

size_t client_subscription_count(const struct client *c, int pattern)
{
    return c->sub_count[pattern ? 1 : 0];
}

const char *client_subscription(const struct client *c, int pattern,
                                size_t i, size_t *len)
{
    const struct server_sub *sub = c->subs[pattern ? 1 : 0][i];

    *len = sub->len;
    return sub->name;
}

/* Queues one message for c: behind its reply if c is executing a command
 * (so a push never lands inside a reply), else on the wire now. */
static void client_deliver(struct client *c, const struct server_sub *pat,
                           const char *channel, size_t channel_len,
                           const char *msg, size_t msg_len)
{
    int executing = c == c->server->executing;
    struct server_buf *b = executing ? &c->pushes : &c->out;

    client_append_header(c, b, c->resp == 3 ? '>' : '*', pat ? 4 : 3);
    if (pat) {
        client_append_bulk(c, b, "pmessage", 8);
        client_append_bulk(c, b, pat->name, pat->len);
    } else {
        client_append_bulk(c, b, "message", 7);
    }
    client_append_bulk(c, b, channel, channel_len);
    client_append_bulk(c, b, msg, msg_len);
    if (!executing)
        client_write(c);
}

int server_publish(struct server *server, const char *channel,
                   const char *message, size_t len)
{
    size_t channel_len = strlen(channel);
    struct server_sub *sub;
    const struct server_subs *pats = &server->subs[1];
    int receivers = 0;

    sub = server_subs_find(&server->subs[0], channel, channel_len);
    for (size_t i = 0; sub && i < sub->count; i++, receivers++)
        client_deliver(sub->clients[i], NULL, channel, channel_len, message,
                       len);
    for (size_t b = 0; b < pats->bucket_count; b++) {
        for (sub = pats->buckets[b]; sub; sub = sub->next) {
            if (!server_glob_match(sub->name, sub->len, channel, channel_len))
                continue;
            for (size_t i = 0; i < sub->count; i++, receivers++)
                client_deliver(sub->clients[i], sub, channel, channel_len,
                               message, len);
        }
    }
    return receivers;
}

/* Matches one pattern element at p[*pi] against ch and advances *pi past
 * it.  Elements are a literal, '?', "\x" or a [class]. */
static int server_glob_one(const char *p, size_t plen, size_t *pi, char ch)
{
    size_t i = *pi;
    int negate = 0, match = 0;

    if (p[i] == '?') {
        *pi = i + 1;
        return 1;
    }
    if (p[i] == '\\' && i + 1 < plen) {
        *pi = i + 2;
        return p[i + 1] == ch;
    }
    if (p[i] != '[') {
        *pi = i + 1;
        return p[i] == ch;
    }
    i++;
    if (i < plen && p[i] == '^') {
        negate = 1;
        i++;
    }
    /* An unterminated class runs to the end of the pattern, as in Redis. */
    while (i < plen && p[i] != ']') {
        if (p[i] == '\\' && i + 1 < plen) {
            match |= p[i + 1] == ch;
            i += 2;
        } else if (i + 2 < plen && p[i + 1] == '-') {
            unsigned char lo = (unsigned char)p[i], hi = (unsigned char)p[i + 2];
            unsigned char c = (unsigned char)ch;

            if (lo > hi) {
                unsigned char t = lo;

                lo = hi;
                hi = t;
            }
            match |= c >= lo && c <= hi;
            i += 3;
        } else {
            match |= p[i] == ch;
            i++;
        }
    }
    *pi = i < plen ? i + 1 : i;
    return negate ? !match : match;
}

int server_glob_match(const char *pattern, size_t pattern_len,
                      const char *s, size_t len)
{
    size_t pi = 0, si = 0, star_pi = SIZE_MAX, star_si = 0;

    /* Every element but '*' eats exactly one byte, so remembering only
     * the last star and retrying from one byte further is enough. */
    while (si < len) {
        if (pi < pattern_len && pattern[pi] == '*') {
            while (pi < pattern_len && pattern[pi] == '*')
                pi++;
            if (pi == pattern_len)
                return 1;
            star_pi = pi;
            star_si = si;
            continue;
        }
        if (pi < pattern_len) {
            size_t next = pi;

            if (server_glob_one(pattern, pattern_len, &next, s[si])) {
                pi = next;
                si++;
                continue;
            }
        }
        if (star_pi == SIZE_MAX)
            return 0;
        pi = star_pi;
        si = ++star_si;
    }
    while (pi < pattern_len && pattern[pi] == '*')
        pi++;
    return pi == pattern_len;
}

/* --- accessors ------------------------------------------------------------------ */

size_t server_client_count(const struct server *server)
{
    return server->client_count;
}

size_t server_max_clients(const struct server *server)
{
    return server->max_clients;
}

size_t server_pubsub_channel_count(const struct server *server)
{
    return server->subs[0].count;
}

size_t server_pubsub_pattern_count(const struct server *server)
{
    return server->subs[1].count;
}

uint64_t server_total_connections(const struct server *server)
{
    return server->total_connections;
}

uint64_t server_total_commands(const struct server *server)
{
    return server->total_commands;
}

uint64_t server_rejected_connections(const struct server *server)
{
    return server->rejected_connections;
}

uint64_t server_net_input_bytes(const struct server *server)
{
    return server->net_input_bytes;
}

uint64_t server_net_output_bytes(const struct server *server)
{
    return server->net_output_bytes;
}

uint64_t server_total_error_replies(const struct server *server)
{
    return server->error_replies;
}

int server_port(const struct server *server)
{
    return server->listener_count ? server->listeners[0].port : 0;
}

int server_tls_port(const struct server *server)
{
    for (size_t i = 0; i < server->listener_count; i++) {
        if (server->listeners[i].tls)
            return server->listeners[i].port;
    }
    return 0;
}

struct app *client_app(const struct client *c)
{
    return c->server->app;
}

struct server *client_server(const struct client *c)
{
    return c->server;
}

int client_resp(const struct client *c)
{
    return c->resp;
}

int client_authenticated(const struct client *c)
{
    return c->authenticated || !server_requirepass_set(c->server);
}

void client_set_authenticated(struct client *c, int authenticated)
{
    c->authenticated = authenticated ? 1 : 0;
}

const char *client_user(const struct client *c)
{
    return c->user ? c->user : ACL_DEFAULT_USER;
}

int client_set_user(struct client *c, const char *user)
{
    char *copy = NULL;

    if (strcmp(user, ACL_DEFAULT_USER) != 0 && !(copy = strdup(user)))
        return -1;
    free(c->user);
    c->user = copy;
    c->authenticated = 1;
    return 0;
}

void client_set_resp(struct client *c, int resp)
{
    c->resp = resp == 3 ? 3 : 2;
}

uint64_t client_id(const struct client *c)
{
    return c->id;
}

const char *client_name(const struct client *c)
{
    return c->name;
}

int client_set_name(struct client *c, const char *name, size_t len)
{
    char *copy = NULL;

    if (len > 0) {
        copy = malloc(len + 1);
        if (!copy)
            return -1;
        memcpy(copy, name, len);
        copy[len] = '\0';
    }
    free(c->name);
    c->name = copy;
    return 0;
}

const char *client_addr(const struct client *c)
{
    return c->addr;
}

const char *client_laddr(const struct client *c)
{
    return c->laddr;
}

void client_set_last_command(struct client *c, const char *fullname)
{
    c->last_cmd = fullname;
}

void client_close_after_reply(struct client *c)
{
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void client_kill(struct client *c)
{
    if (c == c->server->executing)
        client_close_after_reply(c);
    else
        client_close_async(c);
}

int client_closing(const struct client *c)
{
    return (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) != 0;
}

void client_info_get(const struct client *c, struct client_info *info)
{
    int64_t now = server_now_ms(c->server);

    memset(info, 0, sizeof(*info));
    info->id = c->id;
    info->addr = c->addr;
    info->laddr = c->laddr;
    info->name = c->name ? c->name : "";
    info->fd = c->fd;
    info->age_s = now > c->created_ms ? (now - c->created_ms) / 1000 : 0;
    info->idle_s = now > c->last_interaction_ms
                       ? (now - c->last_interaction_ms) / 1000 : 0;
    info->channels = c->sub_count[0];
    info->patterns = c->sub_count[1];
    info->pubsub = info->channels + info->patterns > 0;
    info->query_bytes = resp_reader_pending(&c->reader);
    info->query_free_bytes = resp_reader_capacity(&c->reader) - c->reader.len;
    info->query_alloc_bytes = resp_reader_capacity(&c->reader);
    info->output_bytes = server_buf_pending(&c->out) + client_tls_pending(c);
    info->output_alloc_bytes = c->out.cap + c->pushes.cap;
    info->total_alloc_bytes = sizeof(*c) + resp_reader_capacity(&c->reader) +
                              info->output_alloc_bytes;
    info->write_pending = (c->flags & CLIENT_WRITE_ARMED) != 0;
    info->last_command = c->last_cmd;
    info->resp = c->resp;
    info->authenticated = client_authenticated(c);
    info->user = client_user(c);
}

struct client *server_clients(struct server *server)
{
    return server->head;
}

struct client *client_next(const struct client *c)
{
    return c->next;
}

/* --- reply builders -------------------------------------------------------------- */

void reply_status(struct client *c, const char *status)
{
    client_append(c, "+", 1);
    client_append(c, status, strlen(status));
    client_append(c, "\r\n", 2);
}

/* An error line must stay one line: CR and LF become spaces, as Redis
 * does for every error it sends. */
void reply_error(struct client *c, const char *msg)
{
    c->server->error_replies++;
    client_append(c, "-", 1);
    while (*msg) {
        size_t run = strcspn(msg, "\r\n");

        client_append(c, msg, run);
        msg += run;
        if (*msg) {
            client_append(c, " ", 1);
            msg++;
        }
    }
    client_append(c, "\r\n", 2);
}

/* Formats into stack (len bytes) when it fits, else into a heap string
 * stored in *heap for the caller to free.  Returns the text, or NULL on
 * out-of-memory. */
static const char *server_vformat(char *stack, size_t len, char **heap,
                                  const char *fmt, va_list ap)
{
    va_list copy;
    int n;

    *heap = NULL;
    va_copy(copy, ap);
    n = vsnprintf(stack, len, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    if ((size_t)n < len)
        return stack;
    *heap = malloc((size_t)n + 1);
    if (*heap)
        vsnprintf(*heap, (size_t)n + 1, fmt, ap);
    return *heap;
}

void reply_errorf(struct client *c, const char *fmt, ...)
{
    char stack[256], *heap;
    const char *msg;
    va_list ap;

    va_start(ap, fmt);
    msg = server_vformat(stack, sizeof(stack), &heap, fmt, ap);
    va_end(ap);
    reply_error(c, msg ? msg : "ERR out of memory");
    free(heap);
}

void reply_bulk(struct client *c, const char *s, size_t len)
{
    client_append_bulk(c, &c->out, s, len);
}

void reply_cstr(struct client *c, const char *s)
{
    if (!s)
        reply_nil(c);
    else
        reply_bulk(c, s, strlen(s));
}

void reply_bulkf(struct client *c, const char *fmt, ...)
{
    char stack[256], *heap;
    const char *s;
    va_list ap;

    va_start(ap, fmt);
    s = server_vformat(stack, sizeof(stack), &heap, fmt, ap);
    va_end(ap);
    if (!s) {
        client_close_async(c);
        return;
    }
    reply_bulk(c, s, strlen(s));
    free(heap);
}

void reply_int(struct client *c, long long v)
{
    client_append_header(c, &c->out, ':', v);
}

void reply_nil(struct client *c)
{
    if (c->resp == 3)
        client_append(c, "_\r\n", 3);
    else
        client_append(c, "$-1\r\n", 5);
}

void reply_array(struct client *c, long long n)
{
    client_append_header(c, &c->out, '*', n);
}

void reply_map(struct client *c, long long n)
{
    if (c->resp == 3)
        client_append_header(c, &c->out, '%', n);
    else
        client_append_header(c, &c->out, '*', n * 2);
}

void reply_set(struct client *c, long long n)
{
    client_append_header(c, &c->out, c->resp == 3 ? '~' : '*', n);
}

void reply_push(struct client *c, long long n)
{
    client_append_header(c, &c->out, c->resp == 3 ? '>' : '*', n);
}

void reply_double(struct client *c, double v)
{
    char text[64];

    if (isinf(v))
        snprintf(text, sizeof(text), "%s", v > 0 ? "inf" : "-inf");
    else if (isnan(v))
        snprintf(text, sizeof(text), "nan");
    else
        snprintf(text, sizeof(text), "%.17g", v);
    if (c->resp == 3) {
        client_append(c, ",", 1);
        client_append(c, text, strlen(text));
        client_append(c, "\r\n", 2);
    } else {
        reply_bulk(c, text, strlen(text));
    }
}

void reply_verbatim(struct client *c, const char *s, size_t len)
{
    if (c->resp != 3) {
        reply_bulk(c, s, len);
        return;
    }
    client_append_header(c, &c->out, '=', (long long)len + 4);
    client_append(c, "txt:", 4);
    client_append(c, s, len);
    client_append(c, "\r\n", 2);
}

void reply_ok(struct client *c)
{
    client_append(c, "+OK\r\n", 5);
}

/* The handle is the header's position counted from the first unwritten
 * byte, plus one so that it is never NULL; see server_buf_reserve. */
void *reply_deferred(struct client *c)
{
    return (void *)(uintptr_t)(server_buf_pending(&c->out) + 1);
}

void reply_deferred_set(struct client *c, void *handle, long long n,
                        int is_map)
{
    struct server_buf *b = &c->out;
    size_t at = b->sent + (size_t)((uintptr_t)handle - 1);
    char head[32];
    int len;

    if (c->flags & CLIENT_CLOSE_ASAP || at > b->len)
        return;
    if (is_map && c->resp == 3)
        len = snprintf(head, sizeof(head), "%%%lld\r\n", n);
    else
        len = snprintf(head, sizeof(head), "*%lld\r\n", is_map ? n * 2 : n);
    if (server_buf_reserve(b, (size_t)len) < 0) {
        client_close_async(c);
        return;
    }
    at = b->sent + (size_t)((uintptr_t)handle - 1); /* reserve may compact */
    memmove(b->data + at + len, b->data + at, b->len - at);
    memcpy(b->data + at, head, (size_t)len);
    b->len += (size_t)len;
}
