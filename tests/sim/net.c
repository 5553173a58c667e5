/*
 * net.c - the simulated network: hosts, paths, TCP-like connections.
 *
 * Each connection carries two FIFO queues (client -> server, server ->
 * client).  A message is ready after a seeded latency; while its path is
 * partitioned or clogged it is held, as TCP retransmits, and flows again
 * when the path opens.  The loss fault drops a message and breaks its
 * connection, as TCP does when data cannot get through.  A side that
 * closes sends a FIN through the same queue, so a crash behind a
 * partition is noticed only when the partition heals.
 *
 * Sentinels reach nodes and peers through olinks, the simulator's version
 * of the shell's outlink: one per (core link, channel), reconnecting with
 * the shell's backoff and connect timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* --- replies ---------------------------------------------------------------- */

struct sim_reply *reply_new(enum core_reply_type type)
{
    struct sim_reply *r = calloc(1, sizeof(*r));
    if (r == NULL)
        abort();
    r->type = type;
    return r;
}

static struct sim_reply *reply_text(enum core_reply_type type, const char *text, size_t len)
{
    struct sim_reply *r = reply_new(type);
    r->str = malloc(len + 1);
    if (r->str == NULL)
        abort();
    memcpy(r->str, text, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

struct sim_reply *reply_status(const char *text)
{
    return reply_text(CORE_REPLY_STATUS, text, strlen(text));
}

struct sim_reply *reply_error(const char *text)
{
    return reply_text(CORE_REPLY_ERROR, text, strlen(text));
}

struct sim_reply *reply_string(const char *text, size_t len)
{
    return reply_text(CORE_REPLY_STRING, text, len);
}

struct sim_reply *reply_integer(long long value)
{
    struct sim_reply *r = reply_new(CORE_REPLY_INTEGER);
    r->integer = value;
    return r;
}

static void reply_clear(struct sim_reply *r)
{
    for (size_t i = 0; i < r->elements; i++)
        reply_clear(&r->element[i]);
    free(r->element);
    free(r->str);
}

void reply_free(struct sim_reply *r)
{
    if (r == NULL)
        return;
    reply_clear(r);
    free(r);
}

/* Builds the core's view of r; elements are allocated, strings borrowed. */
static void reply_to_core(const struct sim_reply *r, struct core_reply *out)
{
    memset(out, 0, sizeof(*out));
    out->type = r->type;
    out->str = r->str;
    out->len = r->len;
    out->integer = r->integer;
    out->elements = r->elements;
    if (r->elements == 0)
        return;
    struct core_reply *el = calloc(r->elements, sizeof(*el));
    if (el == NULL)
        abort();
    for (size_t i = 0; i < r->elements; i++)
        reply_to_core(&r->element[i], &el[i]);
    out->element = el;
}

static void core_reply_clear(struct core_reply *r)
{
    for (size_t i = 0; i < r->elements; i++)
        core_reply_clear((struct core_reply *)&r->element[i]);
    free((void *)r->element);
}

/* --- hosts and paths ------------------------------------------------------------- */

int net_host_of(const struct sim *sim, const char *ip)
{
    for (int i = 0; i < sim->sentinel_count; i++)
        if (strcmp(sim->sentinels[i].ip, ip) == 0)
            return sim->sentinels[i].host;
    for (int i = 0; i < sim->node_count; i++)
        if (strcmp(sim->nodes[i].ip, ip) == 0)
            return sim->nodes[i].host;
    return -1;
}

int net_path_open(const struct sim *sim, int from, int to)
{
    const struct net *net = &sim->net;
    return !net->blocked[from][to] && !net->clogged[from] && !net->clogged[to];
}

static int64_t net_latency(struct sim *sim, int from, int to)
{
    struct net *net = &sim->net;
    int64_t ms = rng_range(&sim->rng, net->latency_min_ms, net->latency_max_ms);
    if (net->storm_until_ms[from] > sim->now_ms || net->storm_until_ms[to] > sim->now_ms) {
        ms += rng_range(&sim->rng, 5, 600);
        if (rng_chance(&sim->rng, 30000))
            ms += rng_range(&sim->rng, 1000, 3000);
    }
    return ms;
}

static int net_lossy(struct sim *sim, int from, int to)
{
    struct net *net = &sim->net;
    if (net->loss_until_ms[from] <= sim->now_ms && net->loss_until_ms[to] <= sim->now_ms)
        return 0;
    return rng_chance(&sim->rng, net->loss_per_million);
}

/* --- connections -------------------------------------------------------------------- */

struct conn *net_conn_get(const struct sim *sim, uint64_t id)
{
    if (id == 0 || id > sim->net.conn_count)
        return NULL;
    return sim->net.conns[id - 1];
}

static struct conn *conn_new(struct sim *sim, struct sim_sentinel *s, struct olink *o)
{
    struct net *net = &sim->net;
    if (net->conn_count == net->conn_cap) {
        net->conn_cap = net->conn_cap ? net->conn_cap * 2 : 256;
        net->conns = realloc(net->conns, net->conn_cap * sizeof(*net->conns));
        if (net->conns == NULL)
            abort();
    }
    struct conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    c->id = ++net->conn_count;
    net->conns[c->id - 1] = c;
    c->sentinel = s->idx;
    c->sentinel_inc = s->inc;
    c->link_id = o->link_id;
    c->channel = o->channel;
    c->owner = o;
    c->client_host = s->host;
    c->server_host = -1;
    return c;
}

static void msg_free(struct msg *m)
{
    for (int i = 0; i < m->argc; i++)
        free(m->argv[i]);
    free(m->argv);
    reply_free(m->reply);
    free(m->payload);
    free(m);
}

static void msgq_clear(struct msgq *q)
{
    while (q->head != NULL) {
        struct msg *m = q->head;
        q->head = m->next;
        msg_free(m);
    }
    q->tail = NULL;
}

static void conn_free(struct conn *c)
{
    msgq_clear(&c->q[DIR_UP]);
    msgq_clear(&c->q[DIR_DOWN]);
    while (c->multi_head != NULL) {
        struct msg *m = c->multi_head;
        c->multi_head = m->next;
        msg_free(m);
    }
    free(c);
}

void net_free(struct net *net)
{
    for (size_t i = 0; i < net->conn_count; i++)
        conn_free(net->conns[i]);
    free(net->conns);
    net->conns = NULL;
    net->conn_count = net->conn_cap = 0;
}

static struct msg *msg_new(enum msg_kind kind)
{
    struct msg *m = calloc(1, sizeof(*m));
    if (m == NULL)
        abort();
    m->kind = kind;
    return m;
}

/* Queues m in direction dir; ready after a latency, never before the
 * message ahead of it (TCP keeps order). */
static void net_enqueue(struct sim *sim, struct conn *c, int dir, struct msg *m)
{
    int from = dir == DIR_UP ? c->client_host : c->server_host;
    int to = dir == DIR_UP ? c->server_host : c->client_host;
    if (from < 0 || to < 0) {
        msg_free(m);
        return;
    }
    struct msgq *q = &c->q[dir];
    m->ready_ms = sim->now_ms + net_latency(sim, from, to);
    if (q->tail != NULL && q->tail->ready_ms > m->ready_ms)
        m->ready_ms = q->tail->ready_ms;
    if (q->tail != NULL)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    sim->stats.messages++;
    if (!q->pump_scheduled) {
        q->pump_scheduled = 1;
        sim_schedule(sim, m->ready_ms, SEV_PUMP, dir, c->id, 0);
    }
}

void net_send_command(struct sim *sim, struct conn *c, enum core_tag tag, uint64_t ctx,
                      int argc, char *const *argv)
{
    struct msg *m = msg_new(MSG_COMMAND);
    m->tag = tag;
    m->ctx = ctx;
    m->argc = argc;
    m->argv = calloc((size_t)argc + 1, sizeof(char *));
    if (m->argv == NULL)
        abort();
    for (int i = 0; i < argc; i++) {
        m->argv[i] = strdup(argv[i]);
        if (m->argv[i] == NULL)
            abort();
    }
    net_enqueue(sim, c, DIR_UP, m);
}

void net_send_reply(struct sim *sim, struct conn *c, enum core_tag tag, uint64_t ctx,
                    struct sim_reply *reply)
{
    if (c->server_closed) {
        reply_free(reply);
        return;
    }
    struct msg *m = msg_new(MSG_REPLY);
    m->tag = tag;
    m->ctx = ctx;
    m->reply = reply;
    net_enqueue(sim, c, DIR_DOWN, m);
}

void net_send_push(struct sim *sim, struct conn *c, const char *payload)
{
    struct msg *m = msg_new(MSG_PUSH);
    m->payload = strdup(payload);
    if (m->payload == NULL)
        abort();
    net_enqueue(sim, c, DIR_DOWN, m);
}

static void olink_failed(struct sim *sim, struct olink *o)
{
    o->backoff_ms = o->backoff_ms ? o->backoff_ms * 2 : SIM_BACKOFF_MIN_MS;
    if (o->backoff_ms > SIM_BACKOFF_MAX_MS)
        o->backoff_ms = SIM_BACKOFF_MAX_MS;
    o->next_attempt_ms = sim->now_ms + o->backoff_ms;
}

/* The client side closes c.  With notify, the core hears LINK_DOWN (as the
 * shell's conn_close does for a connection that was up). */
void net_client_close(struct sim *sim, struct conn *c, int notify)
{
    if (c->client_closed)
        return;
    int was_up = c->state == CONN_UP;
    c->client_closed = 1;
    c->state = CONN_DEAD;
    struct olink *o = c->owner;
    c->owner = NULL;
    if (o != NULL && o->conn == c)
        o->conn = NULL;
    msgq_clear(&c->q[DIR_DOWN]);
    if (was_up && !c->server_closed)
        net_enqueue(sim, c, DIR_UP, msg_new(MSG_FIN));
    trace_line(sim, TRACE_CHATTY, "net: s%d closes conn %llu (link %llu %s)%s", c->sentinel,
               (unsigned long long)c->id, (unsigned long long)c->link_id,
               c->channel == CHANNEL_CMD ? "cmd" : "pubsub", notify && was_up ? " notify" : "");
    if (!notify || !was_up)
        return;
    struct sim_sentinel *s = &sim->sentinels[c->sentinel];
    if (!s->alive || s->inc != c->sentinel_inc)
        return;
    struct core_event ev = {.type = CORE_EV_LINK_DOWN, .link_id = c->link_id,
                            .channel = c->channel};
    sentinel_feed(sim, s, &ev);
}

static void server_forget(struct sim *sim, struct conn *c)
{
    c->server_closed = 1;
    c->in_multi = 0;
    while (c->multi_head != NULL) {
        struct msg *m = c->multi_head;
        c->multi_head = m->next;
        msg_free(m);
    }
    c->multi_tail = NULL;
    c->subscribed = 0;
    if (c->ep_kind == EP_NODE)
        node_conn_remove(&sim->nodes[c->ep_idx], c->id);
}

/* The server side closes c (a crash, CLIENT KILL): a FIN goes to the
 * client, which notices when it arrives. */
void net_server_close(struct sim *sim, struct conn *c)
{
    if (c->server_closed)
        return;
    server_forget(sim, c);
    msgq_clear(&c->q[DIR_UP]);
    if (!c->client_closed)
        net_enqueue(sim, c, DIR_DOWN, msg_new(MSG_FIN));
}

/* A connection that lost data cannot go on (TCP never delivers past a
 * hole): both queues go, the server forgets it, and the client hears a
 * FIN.  Letting later messages through after a lost one would, say, leave
 * a node stuck in MULTI after a lost EXEC, which no real network does. */
static void net_break(struct sim *sim, struct conn *c)
{
    if (!c->server_closed)
        server_forget(sim, c);
    msgq_clear(&c->q[DIR_UP]);
    msgq_clear(&c->q[DIR_DOWN]);
    if (!c->client_closed)
        net_enqueue(sim, c, DIR_DOWN, msg_new(MSG_FIN));
}

/* --- connecting ---------------------------------------------------------------------- */

static void conn_resolve(struct sim *sim, struct conn *c, const struct link *l)
{
    c->server_host = net_host_of(sim, l->addr.host);
    c->ep_kind = EP_NONE;
    for (int i = 0; i < sim->node_count; i++)
        if (l->addr.port == sim->nodes[i].port && strcmp(l->addr.host, sim->nodes[i].ip) == 0) {
            c->ep_kind = EP_NODE;
            c->ep_idx = i;
        }
    for (int i = 0; i < sim->sentinel_count; i++)
        if (l->addr.port == SIM_SENTINEL_PORT && strcmp(l->addr.host, sim->sentinels[i].ip) == 0) {
            c->ep_kind = EP_SENTINEL;
            c->ep_idx = i;
        }
}

static void olink_connect(struct sim *sim, struct sim_sentinel *s, struct olink *o,
                          const struct link *l)
{
    struct conn *c = conn_new(sim, s, o);
    o->conn = c;
    c->state = CONN_CONNECTING;
    conn_resolve(sim, c, l);
    int h = c->server_host;
    int64_t delay = SIM_CONNECT_TIMEOUT_MS;
    if (h >= 0 && net_path_open(sim, s->host, h) && net_path_open(sim, h, s->host))
        delay = net_latency(sim, s->host, h) + net_latency(sim, h, s->host);
    sim_schedule(sim, sim->now_ms + delay, SEV_CONNECT, 0, c->id, 0);
}

static int endpoint_alive(const struct sim *sim, const struct conn *c)
{
    if (c->ep_kind == EP_NODE)
        return sim->nodes[c->ep_idx].alive;
    if (c->ep_kind == EP_SENTINEL)
        return sim->sentinels[c->ep_idx].alive;
    return 0;
}

void net_connect_done(struct sim *sim, uint64_t conn_id)
{
    struct conn *c = net_conn_get(sim, conn_id);
    if (c == NULL || c->state != CONN_CONNECTING || c->client_closed)
        return;
    struct sim_sentinel *s = &sim->sentinels[c->sentinel];
    if (sentinel_is_busy(sim, s)) {
        sim_schedule(sim, s->busy_until_ms, SEV_CONNECT, 0, c->id, 0);
        return;
    }
    int h = c->server_host;
    int ok = h >= 0 && net_path_open(sim, s->host, h) && net_path_open(sim, h, s->host) &&
             endpoint_alive(sim, c);
    if (!ok) {
        struct olink *o = c->owner;
        c->state = CONN_DEAD;
        c->client_closed = c->server_closed = 1;
        if (o != NULL) {
            o->conn = NULL;
            olink_failed(sim, o);
        }
        c->owner = NULL;
        /* As the daemon's shell does: a failed attempt is reported. */
        if (c->channel == CHANNEL_CMD) {
            struct core_event fev = {.type = CORE_EV_LINK_FAILED, .link_id = c->link_id,
                                     .channel = CHANNEL_CMD};
            sentinel_feed(sim, s, &fev);
        }
        return;
    }
    c->state = CONN_UP;
    if (c->owner != NULL)
        c->owner->backoff_ms = 0;
    if (c->ep_kind == EP_NODE) {
        struct sim_node *n = &sim->nodes[c->ep_idx];
        c->ep_inc = n->inc;
        c->subscribed = c->channel == CHANNEL_PUBSUB;
        node_conn_add(n, c->id);
    } else {
        c->ep_inc = sim->sentinels[c->ep_idx].inc;
    }
    trace_line(sim, TRACE_CHATTY, "net: s%d conn %llu up (link %llu %s)", s->idx,
               (unsigned long long)c->id, (unsigned long long)c->link_id,
               c->channel == CHANNEL_CMD ? "cmd" : "pubsub");
    struct core_event ev = {.type = CORE_EV_LINK_UP, .link_id = c->link_id,
                            .channel = c->channel, .payload = s->ip};
    sentinel_feed(sim, s, &ev);
}

struct olink *net_olink_find(struct sim_sentinel *s, uint64_t link_id,
                             enum link_channel channel)
{
    for (size_t i = 0; i < s->olink_count; i++)
        if (s->olinks[i]->link_id == link_id && s->olinks[i]->channel == channel)
            return s->olinks[i];
    return NULL;
}

static struct olink *olink_add(struct sim_sentinel *s, uint64_t link_id,
                               enum link_channel channel)
{
    if (s->olink_count == s->olink_cap) {
        s->olink_cap = s->olink_cap ? s->olink_cap * 2 : 16;
        s->olinks = realloc(s->olinks, s->olink_cap * sizeof(*s->olinks));
        if (s->olinks == NULL)
            abort();
    }
    struct olink *o = calloc(1, sizeof(*o));
    if (o == NULL)
        abort();
    o->link_id = link_id;
    o->channel = channel;
    s->olinks[s->olink_count++] = o;
    return o;
}

static void reconcile_one(struct sim *sim, struct sim_sentinel *s, const struct link *l,
                          enum link_channel channel)
{
    struct olink *o = net_olink_find(s, l->id, channel);
    if (o == NULL)
        o = olink_add(s, l->id, channel);
    o->seen = 1;
    if (o->conn == NULL && sim->now_ms >= o->next_attempt_ms)
        olink_connect(sim, s, o, l);
}

/* Opens connections for the core's links and drops those of links that
 * are gone, as the shell's outlink_set_reconcile does every tick. */
void net_reconcile(struct sim *sim, struct sim_sentinel *s)
{
    for (size_t i = 0; i < s->olink_count; i++)
        s->olinks[i]->seen = 0;
    for (const struct link *l = s->core->links; l != NULL; l = l->next) {
        reconcile_one(sim, s, l, CHANNEL_CMD);
        if (l->wants_pubsub)
            reconcile_one(sim, s, l, CHANNEL_PUBSUB);
    }
    size_t keep = 0;
    for (size_t i = 0; i < s->olink_count; i++) {
        struct olink *o = s->olinks[i];
        if (o->seen) {
            s->olinks[keep++] = o;
            continue;
        }
        if (o->conn != NULL)
            net_client_close(sim, o->conn, 0);
        free(o);
    }
    s->olink_count = keep;
}

/* The sentinel process is gone: its connections close, and every
 * connection to it gets a FIN from its host. */
void net_sentinel_gone(struct sim *sim, struct sim_sentinel *s)
{
    for (size_t i = 0; i < s->olink_count; i++) {
        if (s->olinks[i]->conn != NULL)
            net_client_close(sim, s->olinks[i]->conn, 0);
        free(s->olinks[i]);
    }
    s->olink_count = 0;
    for (size_t i = 0; i < sim->net.conn_count; i++) {
        struct conn *c = sim->net.conns[i];
        if (c->ep_kind == EP_SENTINEL && c->ep_idx == s->idx && c->state != CONN_CONNECTING &&
            !c->server_closed)
            net_server_close(sim, c);
    }
}

/* --- delivery -------------------------------------------------------------------------- */

static int receiver_busy(const struct sim *sim, const struct conn *c, int dir,
                         int64_t *until)
{
    const struct sim_sentinel *s = NULL;
    if (dir == DIR_DOWN)
        s = &sim->sentinels[c->sentinel];
    else if (c->ep_kind == EP_SENTINEL)
        s = &sim->sentinels[c->ep_idx];
    if (s == NULL || !sentinel_is_busy(sim, s))
        return 0;
    *until = s->busy_until_ms;
    return 1;
}

static void deliver_down(struct sim *sim, struct conn *c, struct msg *m)
{
    if (m->kind == MSG_FIN) {
        struct olink *o = c->owner;
        net_client_close(sim, c, 1);
        if (o != NULL && o->conn == NULL)
            olink_failed(sim, o);
        return;
    }
    if (c->client_closed)
        return;
    struct sim_sentinel *s = &sim->sentinels[c->sentinel];
    if (m->kind == MSG_PUSH) {
        struct core_event ev = {.type = CORE_EV_HELLO, .link_id = c->link_id,
                                .payload = m->payload};
        sentinel_feed(sim, s, &ev);
        return;
    }
    struct core_reply cr;
    reply_to_core(m->reply, &cr);
    struct core_event ev = {.type = CORE_EV_REPLY, .link_id = c->link_id, .tag = m->tag,
                            .ctx = m->ctx, .reply = &cr};
    sentinel_feed(sim, s, &ev);
    core_reply_clear(&cr);
}

static void deliver_up(struct sim *sim, struct conn *c, struct msg *m)
{
    if (c->server_closed)
        return;
    if (m->kind == MSG_FIN) {
        server_forget(sim, c);
        return;
    }
    if (c->ep_kind == EP_NODE)
        node_command(sim, &sim->nodes[c->ep_idx], c, m);
    else if (c->ep_kind == EP_SENTINEL)
        sentinel_command(sim, &sim->sentinels[c->ep_idx], c, m);
}

void net_pump(struct sim *sim, uint64_t conn_id, int dir)
{
    struct conn *c = net_conn_get(sim, conn_id);
    if (c == NULL)
        return;
    struct msgq *q = &c->q[dir];
    q->pump_scheduled = 1;
    while (q->head != NULL && q->head->ready_ms <= sim->now_ms) {
        int from = dir == DIR_UP ? c->client_host : c->server_host;
        int to = dir == DIR_UP ? c->server_host : c->client_host;
        int64_t until = 0;
        if (!net_path_open(sim, from, to)) {
            sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 50, 300), SEV_PUMP, dir,
                         c->id, 0);
            return;
        }
        if (receiver_busy(sim, c, dir, &until)) {
            sim_schedule(sim, until, SEV_PUMP, dir, c->id, 0);
            return;
        }
        struct msg *m = q->head;
        q->head = m->next;
        if (q->head == NULL)
            q->tail = NULL;
        if (m->kind != MSG_FIN && net_lossy(sim, from, to)) {
            trace_line(sim, TRACE_KEY, "net: a message is lost, conn %llu (s%d link %llu) breaks",
                       (unsigned long long)c->id, c->sentinel, (unsigned long long)c->link_id);
            net_break(sim, c);
        } else if (dir == DIR_UP) {
            deliver_up(sim, c, m);
        } else {
            deliver_down(sim, c, m);
        }
        msg_free(m);
    }
    if (q->head != NULL)
        sim_schedule(sim, q->head->ready_ms, SEV_PUMP, dir, c->id, 0);
    else
        q->pump_scheduled = 0;
}
