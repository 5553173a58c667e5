/*
 * outlink.c - outbound connections (see outlink.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>
#include <hiredis/hiredis.h>

#include "app/app.h"
#include "app/log.h"
#include "core/hello.h"
#include "core/idmap.h"
#include "net/outlink.h"
#include "net/replyconv.h"
#include "net/tls.h"

/* What a queued command's reply is for. */
struct pending {
    enum core_tag tag;
    uint64_t ctx;
    int internal; /* handshake command: the core never sees the reply */
};

enum conn_state {
    CONN_CLOSED,
    CONN_CONNECTING,
    CONN_UP,
};

struct conn {
    struct outlink *owner;
    enum link_channel channel;
    enum conn_state state;
    struct bufferevent *bev;
    redisReader *reader;
    struct pending *queue; /* ring buffer, grown up to OUTLINK_MAX_QUEUED */
    size_t head, count, cap;
    size_t reply_bytes;    /* fed since the last complete reply */
    int64_t next_attempt_ms;
    int64_t backoff_ms;
};

struct outlink {
    uint64_t id;
    struct outlink_set *set;
    struct conn cmd;
    struct conn pubsub;
    int seen; /* reconcile mark */
};

struct outlink_set {
    struct event_base *base;
    struct app *app;
    struct idmap by_id;     /* link id -> struct outlink */
    int freeing;
};

/* --- connections ------------------------------------------------------------- */

static void feed(struct outlink_set *set, const struct core_event *ev)
{
    if (!set->freeing)
        app_feed(set->app, ev);
}

static void conn_close(struct conn *c, int notify)
{
    int was_up = c->state == CONN_UP;
    if (c->bev != NULL)
        bufferevent_free(c->bev);
    c->bev = NULL;
    if (c->reader != NULL)
        redisReaderFree(c->reader);
    c->reader = NULL;
    c->head = c->count = 0;
    c->reply_bytes = 0;
    c->state = CONN_CLOSED;
    if (notify && was_up) {
        struct core_event ev = {.type = CORE_EV_LINK_DOWN, .link_id = c->owner->id,
                                .channel = c->channel};
        feed(c->owner->set, &ev);
    }
}

static void conn_failed(struct conn *c)
{
    struct app *app = c->owner->set->app;
    int was_connecting = c->state == CONN_CONNECTING;
    uint64_t id = c->owner->id;
    struct outlink_set *set = c->owner->set;
    conn_close(c, 1);
    if (was_connecting && c->channel == CHANNEL_CMD) {
        struct core_event ev = {.type = CORE_EV_LINK_FAILED, .link_id = id,
                                .channel = CHANNEL_CMD};
        feed(set, &ev);
        if (idmap_get(&set->by_id, id) == NULL)
            return;
    }
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : OUTLINK_BACKOFF_MIN_MS;
    if (c->backoff_ms > OUTLINK_BACKOFF_MAX_MS)
        c->backoff_ms = OUTLINK_BACKOFF_MAX_MS;
    c->next_attempt_ms = app->now.mono_ms + c->backoff_ms;
}

static int conn_queue_push(struct conn *c, enum core_tag tag, uint64_t ctx, int internal)
{
    if (c->count == c->cap) {
        /* Most links have a handful of commands in flight: start small and
         * grow, keeping the order of what is queued. */
        if (c->cap == OUTLINK_MAX_QUEUED)
            return -1;
        size_t cap = c->cap ? c->cap * 2 : 8;
        if (cap > OUTLINK_MAX_QUEUED)
            cap = OUTLINK_MAX_QUEUED;
        struct pending *q = calloc(cap, sizeof(*q));
        if (q == NULL)
            abort();
        for (size_t i = 0; i < c->count; i++)
            q[i] = c->queue[(c->head + i) % c->cap];
        free(c->queue);
        c->queue = q;
        c->cap = cap;
        c->head = 0;
    }
    struct pending *p = &c->queue[(c->head + c->count) % c->cap];
    p->tag = tag;
    p->ctx = ctx;
    p->internal = internal;
    c->count++;
    return 0;
}

static int conn_write(struct conn *c, enum core_tag tag, uint64_t ctx, int internal, int argc,
                      const char **argv)
{
    if (c->bev == NULL || conn_queue_push(c, tag, ctx, internal) < 0)
        return -1;
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, NULL);
    if (len < 0) {
        c->count--;
        return -1;
    }
    bufferevent_write(c->bev, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return 0;
}

/* Handles one complete reply.  Returns -1 if the connection went away
 * while the core acted on it (the caller must stop touching it). */
static int conn_dispatch(struct conn *c, redisReply *r)
{
    struct outlink *ol = c->owner;
    uint64_t id = ol->id;
    struct outlink_set *set = ol->set;
    if (c->channel == CHANNEL_PUBSUB && replyconv_is_message(r)) {
        struct core_event ev = {.type = CORE_EV_HELLO, .link_id = id,
                                .payload = r->element[2]->str};
        feed(set, &ev);
    } else if (c->count > 0) {
        struct pending p = c->queue[c->head];
        c->head = (c->head + 1) % c->cap;
        c->count--;
        if (!p.internal) {
            struct core_reply cr;
            replyconv_from_hiredis(r, &cr);
            struct core_event ev = {.type = CORE_EV_REPLY, .link_id = id, .tag = p.tag,
                                    .ctx = p.ctx, .reply = &cr};
            feed(set, &ev);
            replyconv_free(&cr);
        }
    }
    return idmap_get(&set->by_id, id) == ol && c->bev != NULL ? 0 : -1;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    if (n == 0)
        return;
    const char *data = (const char *)evbuffer_pullup(in, -1);
    if (redisReaderFeed(c->reader, data, n) != REDIS_OK) {
        conn_failed(c);
        return;
    }
    evbuffer_drain(in, n);
    c->reply_bytes += n;
    for (;;) {
        void *reply = NULL;
        if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
            conn_failed(c);
            return;
        }
        if (reply == NULL)
            break;
        c->reply_bytes = 0;
        int gone = conn_dispatch(c, reply) < 0;
        freeReplyObject(reply);
        if (gone)
            return;
    }
    if (c->reply_bytes > OUTLINK_MAX_REPLY_BYTES)
        conn_failed(c);
}

static void conn_handshake(struct conn *c)
{
    struct outlink_set *set = c->owner->set;
    struct link *l = core_link_find(set->app->core, c->owner->id);
    if (l == NULL)
        return;
    if (l->auth_pass != NULL) {
        const char *auth_user[] = {"AUTH", l->auth_user, l->auth_pass};
        const char *auth[] = {"AUTH", l->auth_pass};
        if (l->auth_user != NULL)
            conn_write(c, TAG_AUTH, 0, 1, 3, auth_user);
        else
            conn_write(c, TAG_AUTH, 0, 1, 2, auth);
    }
    char name[64];
    snprintf(name, sizeof(name), "sentinel-%.8s-%s", set->app->core->myid,
             c->channel == CHANNEL_CMD ? "cmd" : "pubsub");
    const char *setname[] = {"CLIENT", "SETNAME", name};
    conn_write(c, TAG_NONE, 0, 1, 3, setname);
    if (c->channel == CHANNEL_PUBSUB) {
        const char *sub[] = {"SUBSCRIBE", HELLO_CHANNEL};
        conn_write(c, TAG_NONE, 0, 1, 2, sub);
    }
}

/* Our end of the connection (peer 0), or the other end (peer 1): the
 * address a host name resolved to this time. */
static void socket_ip_of(struct bufferevent *bev, int peer, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = bufferevent_getfd(bev);
    buf[0] = '\0';
    if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &sl)
              : getsockname(fd, (struct sockaddr *)&ss, &sl)) < 0)
        return;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)len);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, (socklen_t)len);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        c->state = CONN_UP;
        c->backoff_ms = 0;
        bufferevent_set_timeouts(bev, NULL, NULL);
        int one = 1;
        setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        conn_handshake(c);
        char ip[HOST_MAX];
        char peer_ip[HOST_MAX];
        socket_ip_of(bev, 0, ip, sizeof(ip));
        socket_ip_of(bev, 1, peer_ip, sizeof(peer_ip));
        struct core_event ev = {.type = CORE_EV_LINK_UP, .link_id = c->owner->id,
                                .channel = c->channel, .payload = ip, .peer_ip = peer_ip};
        feed(c->owner->set, &ev);
        return;
    }
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) {
        struct outlink_set *set = c->owner->set;
        const struct link *l = core_link_find(set->app->core, c->owner->id);
        char why[256];
        /* A refused TLS handshake (untrusted certificate, a peer that does
         * not speak TLS) would look like any lost link otherwise. */
        if (set->app->tls_client_ctx != NULL && c->state == CONN_CONNECTING && l != NULL &&
            tls_error_text(bev, what, why, sizeof(why)))
            log_write(LOG_VERBOSE, "TLS handshake with %s:%d failed: %s", l->addr.host,
                      l->addr.port, why);
        conn_failed(c);
    }
}

/* Resolves host (numeric addresses without a lookup) into ss. */
static int resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0 || res == NULL)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void conn_open(struct conn *c, const struct link *l)
{
    struct outlink_set *set = c->owner->set;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    if (resolve(l->addr.host, l->addr.port, &ss, &sl) < 0) {
        c->state = CONN_CONNECTING; /* an unresolvable name is a failed attempt */
        conn_failed(c);
        return;
    }
    /* tls-replication: Redis nodes and peer sentinels alike are reached
     * over TLS, as Redis Sentinel does. */
    struct ssl_ctx_st *tls = set->app->tls_client_ctx;
    c->bev = tls != NULL ? tls_bufferevent_connect_new(set->base, tls, l->addr.host)
                         : bufferevent_socket_new(set->base, -1, BEV_OPT_CLOSE_ON_FREE);
    c->reader = replyconv_reader_new();
    if (c->bev == NULL || c->reader == NULL)
        abort();
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    struct timeval tv = {OUTLINK_CONNECT_TIMEOUT_MS / 1000,
                         (OUTLINK_CONNECT_TIMEOUT_MS % 1000) * 1000};
    /* The TLS handshake also waits on reads; it has the same deadline. */
    bufferevent_set_timeouts(c->bev, tls != NULL ? &tv : NULL, &tv);
    c->state = CONN_CONNECTING;
    if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)sl) < 0) {
        conn_failed(c);
        return;
    }
    evutil_make_socket_closeonexec(bufferevent_getfd(c->bev));
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* --- the set ------------------------------------------------------------------ */

struct outlink_set *outlink_set_new(struct event_base *base, struct app *app)
{
    struct outlink_set *set = calloc(1, sizeof(*set));
    if (set == NULL)
        abort();
    set->base = base;
    set->app = app;
    return set;
}

static void outlink_free(struct outlink *ol)
{
    conn_close(&ol->cmd, 0);
    conn_close(&ol->pubsub, 0);
    free(ol->cmd.queue);
    free(ol->pubsub.queue);
    free(ol);
}

void outlink_set_free(struct outlink_set *set)
{
    if (set == NULL)
        return;
    set->freeing = 1;
    for (size_t i = 0; i < set->by_id.cap; i++)
        if (set->by_id.slots[i].id != 0)
            outlink_free(set->by_id.slots[i].ptr);
    idmap_clear(&set->by_id);
    free(set);
}

static struct outlink *outlink_new(struct outlink_set *set, uint64_t id)
{
    struct outlink *ol = calloc(1, sizeof(*ol));
    if (ol == NULL)
        abort();
    ol->id = id;
    ol->set = set;
    ol->cmd.owner = ol->pubsub.owner = ol;
    ol->cmd.channel = CHANNEL_CMD;
    ol->pubsub.channel = CHANNEL_PUBSUB;
    idmap_put(&set->by_id, ol->id, ol);
    return ol;
}

void outlink_set_reconcile(struct outlink_set *set)
{
    const struct core *core = set->app->core;
    int64_t now = set->app->now.mono_ms;
    for (const struct link *l = core->links; l != NULL; l = l->next) {
        struct outlink *ol = idmap_get(&set->by_id, l->id);
        if (ol == NULL)
            ol = outlink_new(set, l->id);
        ol->seen = 1;
        if (ol->cmd.state == CONN_CLOSED && now >= ol->cmd.next_attempt_ms)
            conn_open(&ol->cmd, l);
        if (l->wants_pubsub && ol->pubsub.state == CONN_CLOSED &&
            now >= ol->pubsub.next_attempt_ms)
            conn_open(&ol->pubsub, l);
    }
    /* Collect first, delete after: deleting shifts entries around. */
    struct outlink **dead = NULL;
    size_t ndead = 0;
    for (size_t i = 0; i < set->by_id.cap; i++) {
        struct outlink *ol = set->by_id.slots[i].ptr;
        if (set->by_id.slots[i].id == 0)
            continue;
        if (ol->seen) {
            ol->seen = 0;
            continue;
        }
        dead = realloc(dead, (ndead + 1) * sizeof(*dead));
        if (dead == NULL)
            abort();
        dead[ndead++] = ol;
    }
    for (size_t i = 0; i < ndead; i++) {
        idmap_del(&set->by_id, dead[i]->id);
        outlink_free(dead[i]);
    }
    free(dead);
}

int outlink_set_send(struct outlink_set *set, uint64_t link_id, enum link_channel channel,
                     enum core_tag tag, uint64_t ctx, int argc, char *const *argv)
{
    struct outlink *ol = idmap_get(&set->by_id, link_id);
    if (ol == NULL)
        return -1;
    struct conn *c = channel == CHANNEL_CMD ? &ol->cmd : &ol->pubsub;
    if (c->state != CONN_UP)
        return -1;
    return conn_write(c, tag, ctx, 0, argc, (const char **)argv);
}

void outlink_set_disconnect(struct outlink_set *set, uint64_t link_id)
{
    struct outlink *ol = idmap_get(&set->by_id, link_id);
    if (ol == NULL)
        return;
    conn_close(&ol->cmd, 1);
    if (idmap_get(&set->by_id, link_id) == ol)
        conn_close(&ol->pubsub, 1);
}
