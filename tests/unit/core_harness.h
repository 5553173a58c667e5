/*
 * core_harness.h - a simulated network for driving the decision core in
 * unit tests.
 *
 * The harness owns one core and plays everything around it: a clock that
 * only moves when a test moves it, fake Redis nodes (role, run id, offset,
 * priority, the master they replicate from) and fake peer sentinels (their
 * answer to IS-MASTER-DOWN-BY-ADDR and how they vote).  Every action the
 * core emits is appended to a log as one line of text, and every SEND is
 * answered the way the node or peer at that address would answer, by
 * feeding CORE_EV_REPLY back with the same tag and ctx.  Links are brought
 * up on every tick for nodes that accept connections.  After every step
 * the harness checks that the epochs never went backwards.
 *
 * Log lines:
 *   "<event type> <event text>"            for CORE_ACT_EVENT
 *   "SEND <host>:<port> <argv...>"         for CORE_ACT_SEND
 *   "PERSIST", "CRASH", "DISCONNECT <host>:<port>", "LOG <text>",
 *   "SCRIPT <argv...>"                     for the other actions
 *
 * Header-only: every function is static.  A test file that does not use
 * some of them compiles cleanly thanks to the unused attribute.
 */
#ifndef SENTINELD_TESTS_CORE_HARNESS_H
#define SENTINELD_TESTS_CORE_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/hello.h"

#define H_UNUSED __attribute__((unused))

#define H_MYID "5e4d3c2b1a5e4d3c2b1a5e4d3c2b1a5e4d3c2b1a"
#define H_LOCAL_IP "10.0.0.100"
#define H_MASTER_NAME "mymaster"
#define H_TICK_MS 100
#define H_START_MONO_MS 1000000
#define H_START_WALL_MS 1700000000000LL
#define H_DOWN_AFTER_MS 5000
#define H_FAILOVER_TIMEOUT_MS 60000

#define H_MAX_NODES 8
#define H_MAX_PEERS 4
#define H_MAX_RENAMES 8
#define H_MAX_EPOCH_WATCH 8

enum h_state {
    H_UP,     /* accepts connections and answers */
    H_FROZEN, /* accepts connections, never answers (SIGSTOP) */
    H_DEAD,   /* refuses connections (killed) */
};

struct h_node {
    char host[64];
    int port;
    char runid[RUNID_LEN + 1];
    enum role_reported role;
    char master_host[64]; /* role replica: whom it follows */
    int master_port;
    int priority;
    long long offset;
    enum h_state state;
    int64_t down_since_ms;      /* when it stopped answering */
    int64_t follows_since_ms;   /* when it last changed master */
    int force_link_down;        /* report master_link_status:down ... */
    long long force_down_s;     /* ... since this many seconds */
    int answers_info;           /* 0: INFO goes unanswered */
    const char *ping_error;     /* non-NULL: PING gets this error reply */
    int64_t sync_ms;            /* link to a new master is down this long */
    int in_multi;
    int queued_slaveof;         /* 0 none, 1 NO ONE, 2 host port */
    char queued_host[64];
    int queued_port;
    struct {
        char from[32];
        char to[32];
    } renames[H_MAX_RENAMES];
    int rename_count;
    int64_t first_dropped_ping_ms; /* first PING it left unanswered */
};

enum h_down_policy {
    H_DOWN_AUTO, /* down = the node at that address does not answer */
    H_DOWN_YES,
    H_DOWN_NO,
};

enum h_vote_policy {
    H_VOTE_FIRST_ASKER, /* one vote per epoch, for whoever asks first */
    H_VOTE_FOR,         /* one vote per epoch, always for vote_for */
    H_VOTE_NONE,        /* answers the down question, never a leader */
    H_VOTE_STALE,       /* names the asker, but for the epoch before */
};

struct h_peer {
    char host[64];
    int port;
    char runid[RUNID_LEN + 1];
    enum h_state state;
    enum h_down_policy down;
    enum h_vote_policy vote;
    char vote_for[RUNID_LEN + 1];
    uint64_t current_epoch;
    uint64_t voted_epoch;
    char voted_for[RUNID_LEN + 1];
    int sends_hellos;
    /* What it announces about the master in its hellos. */
    char master_ip[64];
    int master_port;
    uint64_t config_epoch;
    int64_t last_hello_ms;
};

struct h_line {
    int64_t at_ms; /* mono time, relative to H_START_MONO_MS */
    enum core_action_type type;
    char *text;
};

struct h_queued {
    int is_hello;
    uint64_t link_id;
    enum core_tag tag;
    uint64_t ctx;
    enum core_reply_type type;
    char *str;
    long long integer;
    int is_down_array;
    long long down;
    char *leader;
    long long leader_epoch;
};

struct h_epoch_watch {
    const struct master *master;
    uint64_t config_epoch;
    uint64_t leader_epoch;
};

/* Where a link went, remembered after the core frees it: the shell keeps a
 * connection open until its next reconcile, so commands the core sent on a
 * link it released in the same step still reach the node. */
struct h_known_link {
    uint64_t id;
    enum link_class cls;
    struct addr addr;
};

struct harness {
    struct core *core;
    struct core_time now;
    struct h_node nodes[H_MAX_NODES];
    size_t node_count;
    struct h_peer peers[H_MAX_PEERS];
    size_t peer_count;
    struct h_line *log;
    size_t log_count;
    size_t log_cap;
    struct h_queued *queue;
    size_t queue_head;
    size_t queue_count;
    size_t queue_cap;
    int draining;
    int crashed;
    uint64_t last_current_epoch;
    struct h_epoch_watch watch[H_MAX_EPOCH_WATCH];
    size_t watch_count;
    uint64_t pending_disconnect[64];
    size_t pending_disconnect_count;
    struct h_known_link *known;
    size_t known_count;
};

/* --- small helpers ------------------------------------------------------------ */

static H_UNUSED char *h_strdup(const char *s)
{
    char *d = strdup(s != NULL ? s : "");
    assert_non_null(d);
    return d;
}

static H_UNUSED char *h_vasprintf(const char *fmt, va_list ap)
{
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    assert_true(n >= 0);
    return s;
}

/* Bounded string copy that always terminates dst. */
static H_UNUSED void h_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static H_UNUSED void h_runid(char *dst, char fill)
{
    memset(dst, fill, RUNID_LEN);
    dst[RUNID_LEN] = '\0';
}

static H_UNUSED int64_t h_elapsed(const struct harness *h)
{
    return h->now.mono_ms - H_START_MONO_MS;
}

/* --- the action log ----------------------------------------------------------- */

static H_UNUSED void h_log_add(struct harness *h, enum core_action_type type,
                               const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void h_log_add(struct harness *h, enum core_action_type type, const char *fmt, ...)
{
    if (h->log_count == h->log_cap) {
        h->log_cap = h->log_cap ? h->log_cap * 2 : 256;
        h->log = realloc(h->log, h->log_cap * sizeof(*h->log));
        assert_non_null(h->log);
    }
    va_list ap;
    va_start(ap, fmt);
    struct h_line *l = &h->log[h->log_count++];
    l->at_ms = h_elapsed(h);
    l->type = type;
    l->text = h_vasprintf(fmt, ap);
    va_end(ap);
}

static H_UNUSED void h_log_clear(struct harness *h)
{
    for (size_t i = 0; i < h->log_count; i++)
        free(h->log[i].text);
    h->log_count = 0;
}

/* Index of the first line at or after from that starts with prefix, or -1. */
static H_UNUSED long h_find(const struct harness *h, size_t from, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = from; i < h->log_count; i++)
        if (strncmp(h->log[i].text, prefix, n) == 0)
            return (long)i;
    return -1;
}

static H_UNUSED size_t h_count(const struct harness *h, const char *prefix)
{
    size_t n = 0;
    size_t len = strlen(prefix);
    for (size_t i = 0; i < h->log_count; i++)
        if (strncmp(h->log[i].text, prefix, len) == 0)
            n++;
    return n;
}

static H_UNUSED void h_dump(const struct harness *h)
{
    for (size_t i = 0; i < h->log_count; i++)
        fprintf(stderr, "%8lld %s\n", (long long)h->log[i].at_ms, h->log[i].text);
}

/* Asserts that the prefixes (NULL-terminated) appear in this order in the
 * log, starting at from.  Returns the index of the last one. */
static H_UNUSED long h_expect_order(const struct harness *h, size_t from, ...)
{
    va_list ap;
    va_start(ap, from);
    long at = (long)from - 1;
    const char *p;
    while ((p = va_arg(ap, const char *)) != NULL) {
        long found = h_find(h, (size_t)(at + 1), p);
        if (found < 0) {
            h_dump(h);
            va_end(ap);
            fail_msg("expected \"%s\" after log line %ld", p, at);
        }
        at = found;
    }
    va_end(ap);
    return at;
}

/* --- finding things ------------------------------------------------------------- */

static H_UNUSED struct h_node *h_node_at(struct harness *h, const char *host, int port)
{
    for (size_t i = 0; i < h->node_count; i++)
        if (h->nodes[i].port == port && strcmp(h->nodes[i].host, host) == 0)
            return &h->nodes[i];
    return NULL;
}

static H_UNUSED struct h_peer *h_peer_at(struct harness *h, const char *host, int port)
{
    for (size_t i = 0; i < h->peer_count; i++)
        if (h->peers[i].port == port && strcmp(h->peers[i].host, host) == 0)
            return &h->peers[i];
    return NULL;
}

static H_UNUSED struct master *h_master(struct harness *h)
{
    struct master *m = core_master_find(h->core, H_MASTER_NAME);
    assert_non_null(m);
    return m;
}

static H_UNUSED struct instance *h_replica(struct harness *h, const char *host, int port)
{
    struct master *m = h_master(h);
    for (size_t i = 0; i < m->replica_count; i++)
        if (m->replicas[i]->addr.port == port && strcmp(m->replicas[i]->addr.host, host) == 0)
            return m->replicas[i];
    return NULL;
}

static H_UNUSED struct instance *h_sentinel(struct harness *h, const char *runid)
{
    struct master *m = h_master(h);
    for (size_t i = 0; i < m->sentinel_count; i++)
        if (strcmp(m->sentinels[i]->runid, runid) == 0)
            return m->sentinels[i];
    return NULL;
}

/* --- invariants ----------------------------------------------------------------- */

/* Epochs never go backwards: current_epoch, each master's config_epoch and
 * the epoch of our vote. */
static void h_check_epochs(struct harness *h)
{
    struct core *c = h->core;
    if (c->current_epoch < h->last_current_epoch)
        fail_msg("current_epoch went back from %llu to %llu",
                 (unsigned long long)h->last_current_epoch,
                 (unsigned long long)c->current_epoch);
    h->last_current_epoch = c->current_epoch;
    for (size_t i = 0; i < c->master_count; i++) {
        const struct master *m = c->masters[i];
        struct h_epoch_watch *w = NULL;
        for (size_t j = 0; j < h->watch_count && w == NULL; j++)
            if (h->watch[j].master == m)
                w = &h->watch[j];
        if (w == NULL) {
            assert_true(h->watch_count < H_MAX_EPOCH_WATCH);
            w = &h->watch[h->watch_count++];
            w->master = m;
            w->config_epoch = m->config_epoch;
            w->leader_epoch = m->leader_epoch;
            continue;
        }
        if (m->config_epoch < w->config_epoch)
            fail_msg("config_epoch of %s went back from %llu to %llu", m->inst.name,
                     (unsigned long long)w->config_epoch,
                     (unsigned long long)m->config_epoch);
        if (m->leader_epoch < w->leader_epoch)
            fail_msg("leader_epoch of %s went back", m->inst.name);
        w->config_epoch = m->config_epoch;
        w->leader_epoch = m->leader_epoch;
    }
}

/* --- the fake network ------------------------------------------------------------- */

static struct h_queued *h_queue_push(struct harness *h)
{
    if (h->queue_head + h->queue_count == h->queue_cap) {
        if (h->queue_head > 0) {
            memmove(h->queue, h->queue + h->queue_head, h->queue_count * sizeof(*h->queue));
            h->queue_head = 0;
        }
        if (h->queue_count == h->queue_cap) {
            h->queue_cap = h->queue_cap ? h->queue_cap * 2 : 64;
            h->queue = realloc(h->queue, h->queue_cap * sizeof(*h->queue));
            assert_non_null(h->queue);
        }
    }
    struct h_queued *q = &h->queue[h->queue_head + h->queue_count++];
    memset(q, 0, sizeof(*q));
    return q;
}

static void h_reply_status(struct harness *h, const struct core_action *a,
                           enum core_reply_type type, const char *text)
{
    struct h_queued *q = h_queue_push(h);
    q->link_id = a->link_id;
    q->tag = a->tag;
    q->ctx = a->ctx;
    q->type = type;
    q->str = h_strdup(text);
}

static void h_reply_integer(struct harness *h, const struct core_action *a, long long v)
{
    struct h_queued *q = h_queue_push(h);
    q->link_id = a->link_id;
    q->tag = a->tag;
    q->ctx = a->ctx;
    q->type = CORE_REPLY_INTEGER;
    q->integer = v;
}

static void h_append(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void h_append(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *piece = h_vasprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(piece);
    *buf = realloc(*buf, *len + n + 1);
    assert_non_null(*buf);
    memcpy(*buf + *len, piece, n + 1);
    *len += n;
    free(piece);
}

/* Whether node's link to its master is up, and since when it is down. */
static void h_link_status(struct harness *h, const struct h_node *n, int *up, long long *down_s)
{
    if (n->force_link_down) {
        *up = 0;
        *down_s = n->force_down_s;
        return;
    }
    const struct h_node *t = h_node_at(h, n->master_host, n->master_port);
    *up = t != NULL && t->state == H_UP && t->role == ROLE_MASTER &&
          h->now.mono_ms - n->follows_since_ms >= n->sync_ms;
    *down_s = 0;
    if (*up)
        return;
    int64_t since = n->follows_since_ms;
    if (t != NULL && t->state != H_UP && t->down_since_ms > since)
        since = t->down_since_ms;
    *down_s = (h->now.mono_ms - since) / 1000;
}

/* The INFO text the node would reply right now. */
static char *h_info_text(struct harness *h, const struct h_node *n)
{
    char *s = NULL;
    size_t len = 0;
    h_append(&s, &len, "# Server\r\nredis_version:7.0.15\r\nrun_id:%s\r\ntcp_port:%d\r\n\r\n"
             "# Replication\r\n", n->runid, n->port);
    if (n->role == ROLE_MASTER) {
        h_append(&s, &len, "role:master\r\n");
        int k = 0;
        for (size_t i = 0; i < h->node_count; i++) {
            const struct h_node *r = &h->nodes[i];
            if (r == n || r->role != ROLE_REPLICA || r->state == H_DEAD ||
                r->master_port != n->port || strcmp(r->master_host, n->host) != 0)
                continue;
            h_append(&s, &len, "slave%d:ip=%s,port=%d,state=online,offset=%lld,lag=0\r\n",
                     k++, r->host, r->port, r->offset);
        }
        h_append(&s, &len, "connected_slaves:%d\r\nmaster_repl_offset:%lld\r\n", k, n->offset);
    } else {
        int up = 0;
        long long down_s = 0;
        h_link_status(h, n, &up, &down_s);
        h_append(&s, &len, "role:slave\r\nmaster_host:%s\r\nmaster_port:%d\r\n"
                 "master_link_status:%s\r\n", n->master_host, n->master_port,
                 up ? "up" : "down");
        if (!up)
            h_append(&s, &len, "master_link_down_since_seconds:%lld\r\n", down_s);
        h_append(&s, &len, "slave_read_repl_offset:%lld\r\nslave_repl_offset:%lld\r\n"
                 "slave_priority:%d\r\nslave_read_only:1\r\nreplica_announced:1\r\n"
                 "connected_slaves:0\r\nmaster_repl_offset:%lld\r\n",
                 n->offset, n->offset, n->priority, n->offset);
    }
    return s;
}

static void h_node_apply_slaveof(struct harness *h, struct h_node *n, int kind,
                                 const char *host, int port)
{
    if (kind == 1) {
        n->role = ROLE_MASTER;
        n->master_host[0] = '\0';
        n->master_port = 0;
    } else {
        n->role = ROLE_REPLICA;
        h_copy(n->master_host, sizeof(n->master_host), host);
        n->master_port = port;
    }
    n->follows_since_ms = h->now.mono_ms;
}

static const char *h_node_command(const struct h_node *n, const char *name)
{
    for (int i = 0; i < n->rename_count; i++)
        if (strcasecmp(n->renames[i].to, name) == 0)
            return n->renames[i].from;
    for (int i = 0; i < n->rename_count; i++)
        if (strcasecmp(n->renames[i].from, name) == 0)
            return "(renamed away)";
    return name;
}

static void h_node_answer(struct harness *h, struct h_node *n, const struct core_action *a)
{
    const char *cmd = h_node_command(n, a->argv[0]);
    if (n->state != H_UP) {
        if (strcasecmp(cmd, "PING") == 0 && n->first_dropped_ping_ms == 0)
            n->first_dropped_ping_ms = h->now.mono_ms;
        return;
    }
    if (strcasecmp(cmd, "PING") == 0) {
        if (n->ping_error != NULL)
            h_reply_status(h, a, CORE_REPLY_ERROR, n->ping_error);
        else
            h_reply_status(h, a, CORE_REPLY_STATUS, "PONG");
    } else if (strcasecmp(cmd, "INFO") == 0) {
        if (!n->answers_info)
            return;
        struct h_queued *q = h_queue_push(h);
        q->link_id = a->link_id;
        q->tag = a->tag;
        q->ctx = a->ctx;
        q->type = CORE_REPLY_STRING;
        q->str = h_info_text(h, n);
    } else if (strcasecmp(cmd, "PUBLISH") == 0 && a->argc == 3) {
        h_reply_integer(h, a, 1);
        /* We are subscribed to the channel ourselves: the message comes
         * back on the pub/sub connection, as it does from a real node. */
        if (strcmp(a->argv[1], HELLO_CHANNEL) == 0) {
            struct h_queued *q = h_queue_push(h);
            q->is_hello = 1;
            q->link_id = a->link_id;
            q->str = h_strdup(a->argv[2]);
        }
    } else if (strcasecmp(cmd, "MULTI") == 0) {
        n->in_multi = 1;
        n->queued_slaveof = 0;
        h_reply_status(h, a, CORE_REPLY_STATUS, "OK");
    } else if (strcasecmp(cmd, "EXEC") == 0) {
        if (n->queued_slaveof)
            h_node_apply_slaveof(h, n, n->queued_slaveof, n->queued_host, n->queued_port);
        n->in_multi = 0;
        n->queued_slaveof = 0;
        h_reply_status(h, a, CORE_REPLY_STATUS, "OK");
    } else if ((strcasecmp(cmd, "SLAVEOF") == 0 || strcasecmp(cmd, "REPLICAOF") == 0) &&
               a->argc == 3) {
        int kind = strcasecmp(a->argv[1], "NO") == 0 && strcasecmp(a->argv[2], "ONE") == 0
                       ? 1 : 2;
        if (n->in_multi) {
            n->queued_slaveof = kind;
            h_copy(n->queued_host, sizeof(n->queued_host), a->argv[1]);
            n->queued_port = atoi(a->argv[2]);
            h_reply_status(h, a, CORE_REPLY_STATUS, "QUEUED");
        } else {
            h_node_apply_slaveof(h, n, kind, a->argv[1], atoi(a->argv[2]));
            h_reply_status(h, a, CORE_REPLY_STATUS, "OK");
        }
    } else if (strcasecmp(cmd, "CONFIG") == 0 || strcasecmp(cmd, "CLIENT") == 0) {
        h_reply_status(h, a, CORE_REPLY_STATUS, n->in_multi ? "QUEUED" : "OK");
    } else {
        h_reply_status(h, a, CORE_REPLY_ERROR, "ERR unknown command");
    }
}

static int h_peer_sees_down(struct harness *h, const struct h_peer *p, const char *host,
                            int port)
{
    if (p->down == H_DOWN_YES)
        return 1;
    if (p->down == H_DOWN_NO)
        return 0;
    const struct h_node *n = h_node_at(h, host, port);
    return n == NULL || n->state != H_UP;
}

/* SENTINEL is-master-down-by-addr <ip> <port> <epoch> <runid|*>, answered
 * with Redis Sentinel's vote rule. */
static void h_peer_is_down(struct harness *h, struct h_peer *p, const struct core_action *a)
{
    const char *runid = a->argv[5];
    uint64_t req_epoch = strtoull(a->argv[4], NULL, 10);
    struct h_queued *q = h_queue_push(h);
    q->link_id = a->link_id;
    q->tag = a->tag;
    q->ctx = a->ctx;
    q->type = CORE_REPLY_ARRAY;
    q->is_down_array = 1;
    q->down = h_peer_sees_down(h, p, a->argv[2], atoi(a->argv[3]));
    q->leader = h_strdup("*");
    q->leader_epoch = 0;
    if (strcmp(runid, "*") == 0 || p->vote == H_VOTE_NONE)
        return;
    if (p->vote == H_VOTE_STALE) {
        free(q->leader);
        q->leader = h_strdup(runid);
        q->leader_epoch = req_epoch > 0 ? (long long)req_epoch - 1 : 0;
        return;
    }
    if (req_epoch > p->current_epoch)
        p->current_epoch = req_epoch;
    if (p->voted_epoch < req_epoch && p->current_epoch <= req_epoch) {
        snprintf(p->voted_for, sizeof(p->voted_for), "%s",
                 p->vote == H_VOTE_FOR ? p->vote_for : runid);
        p->voted_epoch = p->current_epoch;
    }
    if (p->voted_epoch > 0) {
        free(q->leader);
        q->leader = h_strdup(p->voted_for);
        q->leader_epoch = (long long)p->voted_epoch;
    }
}

static void h_peer_answer(struct harness *h, struct h_peer *p, const struct core_action *a)
{
    if (p->state != H_UP)
        return;
    if (strcasecmp(a->argv[0], "PING") == 0)
        h_reply_status(h, a, CORE_REPLY_STATUS, "PONG");
    else if (strcasecmp(a->argv[0], "PUBLISH") == 0)
        h_reply_integer(h, a, 0);
    else if (strcasecmp(a->argv[0], "SENTINEL") == 0 && a->argc == 6 &&
             strcasecmp(a->argv[1], "is-master-down-by-addr") == 0)
        h_peer_is_down(h, p, a);
    else
        h_reply_status(h, a, CORE_REPLY_ERROR, "ERR unknown command");
}

static void h_log_send(struct harness *h, const struct core_action *a,
                       const struct h_known_link *l)
{
    char *s = NULL;
    size_t len = 0;
    h_append(&s, &len, "SEND %s:%d", l != NULL ? l->addr.host : "?", l != NULL ? l->addr.port : 0);
    for (int i = 0; i < a->argc; i++)
        h_append(&s, &len, " %s", a->argv[i]);
    h_log_add(h, CORE_ACT_SEND, "%s", s);
    free(s);
}

static void h_remember_links(struct harness *h)
{
    for (const struct link *l = h->core->links; l != NULL; l = l->next) {
        int seen = 0;
        for (size_t i = h->known_count; i-- > 0 && !seen;)
            seen = h->known[i].id == l->id;
        if (seen)
            continue;
        h->known = realloc(h->known, (h->known_count + 1) * sizeof(*h->known));
        assert_non_null(h->known);
        h->known[h->known_count].id = l->id;
        h->known[h->known_count].cls = l->cls;
        h->known[h->known_count].addr = l->addr;
        h->known_count++;
    }
}

static const struct h_known_link *h_link_of(struct harness *h, uint64_t id)
{
    h_remember_links(h);
    for (size_t i = h->known_count; i-- > 0;)
        if (h->known[i].id == id)
            return &h->known[i];
    return NULL;
}

/* Logs every action and answers every SEND (replies are queued). */
static void h_absorb(struct harness *h, const struct core_actions *acts)
{
    for (size_t i = 0; i < acts->count; i++) {
        const struct core_action *a = &acts->items[i];
        const struct h_known_link *l = NULL;
        switch (a->type) {
        case CORE_ACT_SEND:
            l = h_link_of(h, a->link_id);
            h_log_send(h, a, l);
            if (l == NULL || a->argc < 1)
                break;
            if (l->cls == LINK_DATA) {
                struct h_node *n = h_node_at(h, l->addr.host, l->addr.port);
                if (n != NULL)
                    h_node_answer(h, n, a);
            } else {
                struct h_peer *p = h_peer_at(h, l->addr.host, l->addr.port);
                if (p != NULL)
                    h_peer_answer(h, p, a);
            }
            break;
        case CORE_ACT_EVENT:
            h_log_add(h, a->type, "%s %s", a->event_type, a->text);
            break;
        case CORE_ACT_LOG:
            h_log_add(h, a->type, "LOG %s", a->text);
            break;
        case CORE_ACT_PERSIST:
            h_log_add(h, a->type, "PERSIST");
            break;
        case CORE_ACT_PERSIST_LAZY:
            h_log_add(h, a->type, "PERSIST-LAZY");
            break;
        case CORE_ACT_DISCONNECT:
            l = h_link_of(h, a->link_id);
            h_log_add(h, a->type, "DISCONNECT %s:%d", l ? l->addr.host : "?",
                      l ? l->addr.port : 0);
            if (h->pending_disconnect_count < 64)
                h->pending_disconnect[h->pending_disconnect_count++] = a->link_id;
            break;
        case CORE_ACT_RECONFIG_SCRIPT:
            h_log_add(h, a->type, "SCRIPT %s", a->argc > 0 ? a->argv[0] : "");
            break;
        case CORE_ACT_CRASH:
            h_log_add(h, a->type, "CRASH");
            h->crashed = 1;
            break;
        }
    }
}

/* One core_step and the bookkeeping around it, without draining. */
static void h_step_raw(struct harness *h, const struct core_event *ev)
{
    struct core_actions acts = {0};
    h_remember_links(h);
    core_step(h->core, &h->now, ev, &acts);
    h_absorb(h, &acts);
    core_actions_free(&acts);
    h_check_epochs(h);
}

static void h_link_event(struct harness *h, uint64_t link_id, enum core_event_type type,
                         enum link_channel channel)
{
    struct core_event ev = {0};
    ev.type = type;
    ev.link_id = link_id;
    ev.channel = channel;
    if (type == CORE_EV_LINK_UP && channel == CHANNEL_CMD)
        ev.payload = H_LOCAL_IP;
    h_step_raw(h, &ev);
}

/* Delivers queued replies and hellos, and carries out disconnects, until
 * nothing is left (answers may cause more sends, which are answered too). */
static void h_drain(struct harness *h)
{
    if (h->draining)
        return;
    h->draining = 1;
    for (;;) {
        if (h->pending_disconnect_count > 0) {
            uint64_t id = h->pending_disconnect[--h->pending_disconnect_count];
            h_link_event(h, id, CORE_EV_LINK_DOWN, CHANNEL_CMD);
            h_link_event(h, id, CORE_EV_LINK_DOWN, CHANNEL_PUBSUB);
            continue;
        }
        if (h->queue_count == 0)
            break;
        struct h_queued q = h->queue[h->queue_head];
        h->queue_head++;
        h->queue_count--;
        struct core_event ev = {0};
        struct core_reply reply = {0};
        struct core_reply elems[3];
        memset(elems, 0, sizeof(elems));
        ev.link_id = q.link_id;
        if (q.is_hello) {
            ev.type = CORE_EV_HELLO;
            ev.payload = q.str;
        } else {
            ev.type = CORE_EV_REPLY;
            ev.tag = q.tag;
            ev.ctx = q.ctx;
            ev.reply = &reply;
            reply.type = q.type;
            reply.str = q.str;
            reply.len = q.str != NULL ? strlen(q.str) : 0;
            reply.integer = q.integer;
            if (q.is_down_array) {
                elems[0].type = CORE_REPLY_INTEGER;
                elems[0].integer = q.down;
                elems[1].type = CORE_REPLY_STRING;
                elems[1].str = q.leader;
                elems[1].len = strlen(q.leader);
                elems[2].type = CORE_REPLY_INTEGER;
                elems[2].integer = q.leader_epoch;
                reply.elements = 3;
                reply.element = elems;
            }
        }
        h_step_raw(h, &ev);
        free(q.str);
        free(q.leader);
    }
    h->draining = 0;
}

/* Feeds one event and everything it leads to. */
static H_UNUSED void h_step(struct harness *h, const struct core_event *ev)
{
    h_step_raw(h, ev);
    h_drain(h);
}

/* Brings up every link whose far end accepts connections. */
static void h_connect(struct harness *h)
{
    uint64_t ids[128];
    size_t n = 0, nrefused = 0;
    uint64_t refused[128];
    for (struct link *l = h->core->links; l != NULL && n < 128 && nrefused < 128;
         l = l->next) {
        int accepts;
        if (l->cls == LINK_DATA) {
            const struct h_node *node = h_node_at(h, l->addr.host, l->addr.port);
            accepts = node != NULL && node->state != H_DEAD;
        } else {
            const struct h_peer *p = h_peer_at(h, l->addr.host, l->addr.port);
            accepts = p != NULL && p->state != H_DEAD;
        }
        if (accepts && (!l->cmd_connected || (l->wants_pubsub && !l->pubsub_connected)))
            ids[n++] = l->id;
        else if (!accepts && !l->cmd_connected && !l->connect_failed)
            refused[nrefused++] = l->id; /* the shell's reconnection is refused */
    }
    for (size_t i = 0; i < nrefused; i++)
        if (core_link_find(h->core, refused[i]) != NULL)
            h_link_event(h, refused[i], CORE_EV_LINK_FAILED, CHANNEL_CMD);
    for (size_t i = 0; i < n; i++) {
        const struct link *l = core_link_find(h->core, ids[i]);
        if (l == NULL)
            continue;
        if (!l->cmd_connected)
            h_link_event(h, ids[i], CORE_EV_LINK_UP, CHANNEL_CMD);
        l = core_link_find(h->core, ids[i]);
        if (l != NULL && l->wants_pubsub && !l->pubsub_connected)
            h_link_event(h, ids[i], CORE_EV_LINK_UP, CHANNEL_PUBSUB);
    }
    h_drain(h);
}

/* --- hellos --------------------------------------------------------------------- */

/* Feeds a hello payload as if it arrived on the master's pub/sub link. */
static H_UNUSED void h_hello_raw(struct harness *h, const char *payload)
{
    struct master *m = core_master_find(h->core, H_MASTER_NAME);
    struct core_event ev = {0};
    ev.type = CORE_EV_HELLO;
    ev.link_id = m != NULL ? m->inst.link->id : 0;
    ev.payload = payload;
    h_step(h, &ev);
}

/* A hello from peer p, as p would publish it now. */
static H_UNUSED void h_peer_hello(struct harness *h, struct h_peer *p)
{
    char payload[512];
    snprintf(payload, sizeof(payload), "%s,%d,%s,%llu,%s,%s,%d,%llu", p->host, p->port,
             p->runid, (unsigned long long)p->current_epoch, H_MASTER_NAME, p->master_ip,
             p->master_port, (unsigned long long)p->config_epoch);
    p->last_hello_ms = h->now.mono_ms;
    h_hello_raw(h, payload);
}

/* --- the clock ---------------------------------------------------------------------- */

/* One timer turn: time moves by H_TICK_MS, links come up, peers publish
 * their hellos every 2 s, then the core's TICK. */
static H_UNUSED void h_tick(struct harness *h)
{
    h->now.mono_ms += H_TICK_MS;
    h->now.wall_ms += H_TICK_MS;
    h_connect(h);
    for (size_t i = 0; i < h->peer_count; i++) {
        struct h_peer *p = &h->peers[i];
        if (p->sends_hellos && p->state == H_UP &&
            h->now.mono_ms - p->last_hello_ms >= HELLO_PERIOD_MS)
            h_peer_hello(h, p);
    }
    struct core_event ev = {0};
    ev.type = CORE_EV_TICK;
    h_step(h, &ev);
}

/* Runs timer turns for ms milliseconds of simulated time. */
static H_UNUSED void h_run(struct harness *h, int64_t ms)
{
    for (int64_t t = 0; t < ms; t += H_TICK_MS)
        h_tick(h);
}

/* Runs until an event line starting with prefix is logged (counting only
 * lines logged from now on) or max_ms passed.  Returns the log index or -1. */
static H_UNUSED long h_run_until(struct harness *h, const char *prefix, int64_t max_ms)
{
    size_t from = h->log_count;
    for (int64_t t = 0; t < max_ms; t += H_TICK_MS) {
        h_tick(h);
        long at = h_find(h, from, prefix);
        if (at >= 0)
            return at;
    }
    return -1;
}

/* Runs until mono time reaches the absolute time t (mono ms). */
static H_UNUSED void h_run_to(struct harness *h, int64_t t)
{
    while (h->now.mono_ms + H_TICK_MS <= t)
        h_tick(h);
}

/* --- the cast ----------------------------------------------------------------------- */

static H_UNUSED struct harness *h_new(uint64_t seed)
{
    struct harness *h = calloc(1, sizeof(*h));
    assert_non_null(h);
    h->core = core_new(H_MYID, seed);
    assert_non_null(h->core);
    h->now.mono_ms = H_START_MONO_MS;
    h->now.wall_ms = H_START_WALL_MS;
    return h;
}

static H_UNUSED void h_free(struct harness *h)
{
    if (h == NULL)
        return;
    core_free(h->core);
    h_log_clear(h);
    free(h->log);
    for (size_t i = 0; i < h->queue_count; i++) {
        free(h->queue[h->queue_head + i].str);
        free(h->queue[h->queue_head + i].leader);
    }
    free(h->queue);
    free(h->known);
    free(h);
}

/* For cmocka: the harness lives in the test's state, so that a failing
 * assertion (which longjmps out of the test) still frees it. */
static H_UNUSED struct harness *h_open(void **state, uint64_t seed)
{
    struct harness *h = h_new(seed);
    *state = h;
    return h;
}

static H_UNUSED int h_teardown(void **state)
{
    h_free(*state);
    *state = NULL;
    return 0;
}

/* Registers a test that uses h_open. */
#define H_TEST(f) cmocka_unit_test_teardown(f, h_teardown)

static H_UNUSED struct h_node *h_add_node(struct harness *h, const char *host, int port,
                                          char runid_fill)
{
    assert_true(h->node_count < H_MAX_NODES);
    struct h_node *n = &h->nodes[h->node_count++];
    memset(n, 0, sizeof(*n));
    h_copy(n->host, sizeof(n->host), host);
    n->port = port;
    h_runid(n->runid, runid_fill);
    n->role = ROLE_MASTER;
    n->priority = 100;
    n->offset = 1000;
    n->state = H_UP;
    n->answers_info = 1;
    n->follows_since_ms = h->now.mono_ms;
    return n;
}

static H_UNUSED void h_node_follow(struct harness *h, struct h_node *n, const struct h_node *m)
{
    h_node_apply_slaveof(h, n, 2, m->host, m->port);
}

static H_UNUSED struct h_peer *h_add_peer(struct harness *h, const char *host, int port,
                                          char runid_fill)
{
    assert_true(h->peer_count < H_MAX_PEERS);
    struct h_peer *p = &h->peers[h->peer_count++];
    memset(p, 0, sizeof(*p));
    h_copy(p->host, sizeof(p->host), host);
    p->port = port;
    h_runid(p->runid, runid_fill);
    p->state = H_UP;
    p->down = H_DOWN_AUTO;
    p->vote = H_VOTE_FIRST_ASKER;
    p->sends_hellos = 1;
    snprintf(p->master_ip, sizeof(p->master_ip), "10.0.0.1");
    p->master_port = 6379;
    p->last_hello_ms = 0;
    return p;
}

/* Stops answering (connections stay open). */
static H_UNUSED void h_node_freeze(struct harness *h, struct h_node *n)
{
    n->state = H_FROZEN;
    n->down_since_ms = h->now.mono_ms;
    n->first_dropped_ping_ms = 0;
}

static H_UNUSED void h_node_resume(struct harness *h, struct h_node *n)
{
    (void)h;
    n->state = H_UP;
    n->first_dropped_ping_ms = 0;
}

/* Kills the node: open connections drop, new ones are refused. */
static H_UNUSED void h_node_kill(struct harness *h, struct h_node *n)
{
    n->state = H_DEAD;
    n->down_since_ms = h->now.mono_ms;
    n->first_dropped_ping_ms = 0;
    uint64_t ids[64];
    size_t k = 0;
    for (struct link *l = h->core->links; l != NULL && k < 64; l = l->next)
        if (l->cls == LINK_DATA && l->addr.port == n->port && strcmp(l->addr.host, n->host) == 0)
            ids[k++] = l->id;
    for (size_t i = 0; i < k; i++) {
        h_link_event(h, ids[i], CORE_EV_LINK_DOWN, CHANNEL_CMD);
        h_link_event(h, ids[i], CORE_EV_LINK_DOWN, CHANNEL_PUBSUB);
    }
    h_drain(h);
}

/* Renames a command on the node and in the master's rename-command map. */
static H_UNUSED void h_rename(struct harness *h, struct h_node *n, const char *from,
                              const char *to)
{
    assert_true(n->rename_count < H_MAX_RENAMES);
    h_copy(n->renames[n->rename_count].from, sizeof(n->renames[0].from), from);
    h_copy(n->renames[n->rename_count].to, sizeof(n->renames[0].to), to);
    n->rename_count++;
    (void)h;
}

static H_UNUSED void h_master_rename(struct harness *h, const char *from, const char *to)
{
    struct master *m = h_master(h);
    m->renames = realloc(m->renames, (m->rename_count + 1) * sizeof(*m->renames));
    assert_non_null(m->renames);
    m->renames[m->rename_count].from = h_strdup(from);
    m->renames[m->rename_count].to = h_strdup(to);
    m->rename_count++;
}

/*
 * The standard constellation: master "mymaster" at 10.0.0.1:6379 (node 0),
 * replicas at 10.0.0.2:6379, 10.0.0.3:6379 ... (nodes 1..), peers at
 * 10.0.0.11:26379, 10.0.0.12:26379 ...; down-after 5 s, failover-timeout
 * 60 s.  Nothing has run yet.
 */
static H_UNUSED struct master *h_setup(struct harness *h, int replicas, int peers, int quorum)
{
    struct h_node *m = h_add_node(h, "10.0.0.1", 6379, '1');
    for (int i = 0; i < replicas; i++) {
        char host[32];
        snprintf(host, sizeof(host), "10.0.0.%d", 2 + i);
        struct h_node *r = h_add_node(h, host, 6379, (char)('2' + i));
        h_node_follow(h, r, m);
    }
    for (int i = 0; i < peers; i++) {
        char host[32];
        snprintf(host, sizeof(host), "10.0.0.%d", 11 + i);
        h_add_peer(h, host, 26379, (char)('a' + i + 1));
    }
    struct master *mm = core_master_add(h->core, H_MASTER_NAME, "10.0.0.1", 6379, quorum,
                                        &h->now);
    assert_non_null(mm);
    mm->inst.down_after_ms = H_DOWN_AFTER_MS;
    mm->failover_timeout_ms = H_FAILOVER_TIMEOUT_MS;
    h_check_epochs(h);
    return mm;
}

/* Wrappers that keep the log and the invariants for direct calls. */
static H_UNUSED int h_is_master_down(struct harness *h, const char *host, int port,
                                     uint64_t epoch, const char *runid, int *down,
                                     const char **leader, uint64_t *leader_epoch,
                                     size_t *persist_count)
{
    struct core_actions acts = {0};
    h_remember_links(h);
    int rc = core_is_master_down(h->core, &h->now, host, port, epoch, runid, down, leader,
                                 leader_epoch, &acts);
    if (persist_count != NULL) {
        *persist_count = 0;
        for (size_t i = 0; i < acts.count; i++)
            if (acts.items[i].type == CORE_ACT_PERSIST)
                (*persist_count)++;
    }
    h_absorb(h, &acts);
    core_actions_free(&acts);
    h_check_epochs(h);
    h_drain(h);
    return rc;
}

static H_UNUSED int h_force_failover(struct harness *h, const char **err)
{
    struct core_actions acts = {0};
    h_remember_links(h);
    int rc = core_force_failover(h->core, &h->now, h_master(h), err, &acts);
    h_absorb(h, &acts);
    core_actions_free(&acts);
    h_check_epochs(h);
    h_drain(h);
    return rc;
}

#endif
