/*
 * node.c - simulated Redis 7.0 data nodes.
 *
 * A node has a role, a run id (new at every start), a replication offset
 * that grows while it is a master taking client writes, and, as a
 * replica, a link to its master that is up only while that node is alive
 * and reachable both ways (after a short sync).  It answers what a
 * sentinel sends: PING, INFO (in Redis 7.0's layout), PUBLISH (delivered to
 * every subscriber of the hello channel), and the MULTI / SLAVEOF /
 * CONFIG REWRITE / CLIENT KILL / EXEC transaction.  CONFIG REWRITE saves
 * the role a restart comes back with; a restart loses the data (offset 0).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hello.h"
#include "sim.h"

void node_init(struct sim *sim, struct sim_node *n, int idx, int priority)
{
    memset(n, 0, sizeof(*n));
    n->idx = idx;
    n->host = SIM_MAX_SENTINELS + idx;
    snprintf(n->ip, sizeof(n->ip), "10.0.0.%d", 1 + (idx & 63));
    n->port = SIM_NODE_PORT;
    n->alive = 1;
    n->inc = 1;
    rng_runid(&sim->rng, n->runid);
    rng_runid(&sim->rng, n->replid);
    n->priority = priority;
    n->is_master = idx == 0;
    if (!n->is_master) {
        snprintf(n->upstream_host, sizeof(n->upstream_host), "10.0.0.1");
        n->upstream_port = SIM_NODE_PORT;
    }
    n->saved_is_master = n->is_master;
    memcpy(n->saved_upstream_host, n->upstream_host, sizeof(n->upstream_host));
    n->saved_upstream_port = n->upstream_port;
    n->started_ms = sim->now_ms;
}

void node_free(struct sim_node *n)
{
    free(n->conns);
    n->conns = NULL;
    n->conn_count = n->conn_cap = 0;
}

struct sim_node *node_by_addr(struct sim *sim, const char *host, int port)
{
    for (int i = 0; i < sim->node_count; i++)
        if (sim->nodes[i].port == port && strcmp(sim->nodes[i].ip, host) == 0)
            return &sim->nodes[i];
    return NULL;
}

void node_conn_add(struct sim_node *n, uint64_t conn_id)
{
    if (n->conn_count == n->conn_cap) {
        n->conn_cap = n->conn_cap ? n->conn_cap * 2 : 32;
        n->conns = realloc(n->conns, n->conn_cap * sizeof(*n->conns));
        if (n->conns == NULL)
            abort();
    }
    n->conns[n->conn_count++] = conn_id;
}

void node_conn_remove(struct sim_node *n, uint64_t conn_id)
{
    for (size_t i = 0; i < n->conn_count; i++)
        if (n->conns[i] == conn_id) {
            n->conns[i] = n->conns[--n->conn_count];
            return;
        }
}

/* --- life cycle ------------------------------------------------------------------ */

static void node_close_all(struct sim *sim, struct sim_node *n, int only_channel,
                           enum link_channel channel, uint64_t except)
{
    size_t count = n->conn_count;
    uint64_t *ids = malloc((count + 1) * sizeof(*ids));
    if (ids == NULL)
        abort();
    memcpy(ids, n->conns, count * sizeof(*ids));
    for (size_t i = 0; i < count; i++) {
        struct conn *c = net_conn_get(sim, ids[i]);
        if (c == NULL || c->id == except || (only_channel && c->channel != channel))
            continue;
        net_server_close(sim, c);
    }
    free(ids);
}

void node_crash(struct sim *sim, struct sim_node *n)
{
    n->alive = 0;
    /* Its data was current until now: the link counts as down from here. */
    if (n->link_up)
        n->link_down_since_ms = sim->now_ms;
    n->link_up = 0;
    n->sync_done_ms = 0;
    node_close_all(sim, n, 0, CHANNEL_CMD, 0);
    trace_line(sim, TRACE_KEY, "node n%d (%s) crashes (role %s, offset %lld)", n->idx, n->ip,
               n->is_master ? "master" : "replica", n->offset);
}

void node_restart(struct sim *sim, struct sim_node *n)
{
    n->alive = 1;
    n->inc++;
    rng_runid(&sim->rng, n->runid);
    rng_runid(&sim->rng, n->replid);
    n->offset = 0;
    n->is_master = n->saved_is_master;
    memcpy(n->upstream_host, n->saved_upstream_host, sizeof(n->upstream_host));
    n->upstream_port = n->saved_upstream_port;
    n->link_up = 0;
    n->sync_done_ms = 0;
    n->link_down_since_ms = 0;
    n->started_ms = sim->now_ms;
    trace_line(sim, TRACE_KEY, "node n%d (%s) restarts empty as %s%s%s", n->idx, n->ip,
               n->is_master ? "master" : "replica of ", n->is_master ? "" : n->upstream_host,
               "");
}

/* --- replication ------------------------------------------------------------------ */

static void replica_step(struct sim *sim, struct sim_node *r)
{
    struct sim_node *u = node_by_addr(sim, r->upstream_host, r->upstream_port);
    int ok = u != NULL && u != r && u->alive && net_path_open(sim, r->host, u->host) &&
             net_path_open(sim, u->host, r->host);
    if (!ok) {
        if (r->link_up) {
            r->link_up = 0;
            r->link_down_since_ms = sim->now_ms;
            trace_line(sim, TRACE_CHATTY, "node n%d: link to %s:%d down", r->idx,
                       r->upstream_host, r->upstream_port);
        }
        r->sync_done_ms = 0;
        return;
    }
    if (r->link_up) {
        r->offset = u->offset;
        return;
    }
    if (r->sync_done_ms == 0) {
        r->sync_done_ms = sim->now_ms + rng_range(&sim->rng, 100, 1500);
        return;
    }
    if (sim->now_ms < r->sync_done_ms)
        return;
    r->link_up = 1;
    r->sync_done_ms = 0;
    r->offset = u->offset;
    memcpy(r->replid, u->replid, sizeof(r->replid));
    trace_line(sim, TRACE_CHATTY, "node n%d: synced with %s:%d at offset %lld", r->idx,
               r->upstream_host, r->upstream_port, r->offset);
}

/* Client writes on every master, then each replica follows its master. */
void node_repl_tick(struct sim *sim)
{
    for (int i = 0; i < sim->node_count; i++) {
        struct sim_node *n = &sim->nodes[i];
        if (n->alive && n->is_master)
            n->offset += rng_range(&sim->rng, 0, 4000);
    }
    for (int i = 0; i < sim->node_count; i++) {
        struct sim_node *n = &sim->nodes[i];
        if (n->alive && !n->is_master)
            replica_step(sim, n);
    }
}

/* --- INFO --------------------------------------------------------------------------- */

struct text {
    char buf[4096];
    size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < sizeof(t->buf) - t->len ? (size_t)n : sizeof(t->buf) - t->len - 1;
}

static void info_server(struct sim *sim, struct sim_node *n, struct text *t)
{
    int64_t up_s = (sim->now_ms - n->started_ms) / 1000;
    text_add(t, "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n"
                "redis_git_dirty:0\r\nredis_build_id:c4e7f6bf175a885b\r\n"
                "redis_mode:standalone\r\nos:Linux 6.1.0-18-amd64 x86_64\r\narch_bits:64\r\n"
                "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
                "gcc_version:12.2.0\r\nprocess_id:%d\r\nprocess_supervised:no\r\n"
                "run_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%lld\r\n"
                "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\nhz:10\r\n"
                "configured_hz:10\r\nlru_clock:%lld\r\nexecutable:/usr/bin/redis-server\r\n"
                "config_file:/etc/redis/redis.conf\r\nio_threads_active:0\r\n\r\n",
             1000 + n->idx * 7 + (int)n->inc, n->runid, n->port,
             (long long)(1700000000000LL + sim->now_ms) * 1000, (long long)up_s,
             (long long)(up_s / 86400), (long long)((sim->now_ms / 1000) & 0xffffff));
    text_add(t, "# Clients\r\nconnected_clients:%zu\r\ncluster_connections:0\r\n"
                "maxclients:10000\r\nblocked_clients:0\r\ntracking_clients:0\r\n\r\n",
             n->conn_count + 1);
    text_add(t, "# Persistence\r\nloading:0\r\nasync_loading:0\r\n"
                "rdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\n"
                "aof_enabled:0\r\n\r\n");
}

static void info_replication_master(struct sim *sim, struct sim_node *n, struct text *t)
{
    int count = 0;
    for (int i = 0; i < sim->node_count; i++) {
        struct sim_node *r = &sim->nodes[i];
        if (r != n && r->alive && !r->is_master && r->link_up &&
            node_by_addr(sim, r->upstream_host, r->upstream_port) == n)
            count++;
    }
    text_add(t, "role:master\r\nconnected_slaves:%d\r\n", count);
    int k = 0;
    for (int i = 0; i < sim->node_count; i++) {
        struct sim_node *r = &sim->nodes[i];
        if (r != n && r->alive && !r->is_master && r->link_up &&
            node_by_addr(sim, r->upstream_host, r->upstream_port) == n)
            text_add(t, "slave%d:ip=%s,port=%d,state=online,offset=%lld,lag=0\r\n", k++, r->ip,
                     r->port, r->offset);
    }
}

static void info_replication_replica(struct sim *sim, struct sim_node *n, struct text *t)
{
    text_add(t, "role:slave\r\nmaster_host:%s\r\nmaster_port:%d\r\nmaster_link_status:%s\r\n"
                "master_last_io_seconds_ago:%d\r\nmaster_sync_in_progress:%d\r\n"
                "slave_read_repl_offset:%lld\r\nslave_repl_offset:%lld\r\n",
             n->upstream_host, n->upstream_port, n->link_up ? "up" : "down",
             n->link_up ? 0 : -1, n->sync_done_ms != 0, n->offset, n->offset);
    if (n->sync_done_ms != 0)
        text_add(t, "master_sync_total_bytes:-1\r\nmaster_sync_read_bytes:0\r\n"
                    "master_sync_left_bytes:-1\r\nmaster_sync_perc:-0.00\r\n"
                    "master_sync_last_io_seconds_ago:0\r\n");
    if (!n->link_up)
        text_add(t, "master_link_down_since_seconds:%lld\r\n",
                 n->link_down_since_ms == 0
                     ? -1LL : (long long)((sim->now_ms - n->link_down_since_ms) / 1000));
    text_add(t, "slave_priority:%d\r\nslave_read_only:1\r\nreplica_announced:1\r\n"
                "connected_slaves:0\r\n", n->priority);
}

static void node_info(struct sim *sim, struct sim_node *n, struct text *t)
{
    t->len = 0;
    t->buf[0] = '\0';
    info_server(sim, n, t);
    text_add(t, "# Replication\r\n");
    if (n->is_master)
        info_replication_master(sim, n, t);
    else
        info_replication_replica(sim, n, t);
    text_add(t, "master_failover_state:no-failover\r\nmaster_replid:%s\r\n"
                "master_replid2:0000000000000000000000000000000000000000\r\n"
                "master_repl_offset:%lld\r\nsecond_repl_offset:-1\r\n"
                "repl_backlog_active:1\r\nrepl_backlog_size:1048576\r\n"
                "repl_backlog_first_byte_offset:1\r\nrepl_backlog_histlen:%lld\r\n\r\n",
             n->replid, n->offset, n->offset < 1048576 ? n->offset : 1048576LL);
    text_add(t, "# CPU\r\nused_cpu_sys:0.512000\r\nused_cpu_user:0.731000\r\n\r\n"
                "# Modules\r\n\r\n# Errorstats\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n"
                "# Keyspace\r\n");
    if (n->offset > 0)
        text_add(t, "db0:keys=%lld,expires=0,avg_ttl=0\r\n", n->offset / 100 + 1);
}

/* --- commands ------------------------------------------------------------------------- */

static int is(const struct msg *m, int i, const char *word)
{
    return m->argc > i && strcasecmp(m->argv[i], word) == 0;
}

static struct sim_reply *node_publish(struct sim *sim, struct sim_node *n, const struct msg *m)
{
    if (m->argc != 3)
        return reply_error("ERR wrong number of arguments for 'publish' command");
    long long receivers = 0;
    if (strcmp(m->argv[1], HELLO_CHANNEL) != 0)
        return reply_integer(0);
    for (size_t i = 0; i < n->conn_count; i++) {
        struct conn *c = net_conn_get(sim, n->conns[i]);
        if (c != NULL && c->subscribed && !c->server_closed) {
            net_send_push(sim, c, m->argv[2]);
            receivers++;
        }
    }
    return reply_integer(receivers);
}

static struct sim_reply *node_replicaof(struct sim *sim, struct sim_node *n, const struct msg *m)
{
    if (m->argc != 3)
        return reply_error("ERR wrong number of arguments for 'slaveof' command");
    if (is(m, 1, "no") && is(m, 2, "one")) {
        if (!n->is_master) {
            n->is_master = 1;
            n->link_up = 0;
            n->sync_done_ms = 0;
            n->upstream_host[0] = '\0';
            n->upstream_port = 0;
            rng_runid(&sim->rng, n->replid);
            trace_line(sim, TRACE_KEY, "node n%d (%s) is now a master at offset %lld", n->idx,
                       n->ip, n->offset);
        }
        return reply_status("OK");
    }
    int port = atoi(m->argv[2]);
    if (port <= 0 || port > 65535)
        return reply_error("ERR Invalid master port");
    if (!n->is_master && n->upstream_port == port && strcmp(n->upstream_host, m->argv[1]) == 0)
        return reply_status("OK Already connected to specified master");
    n->is_master = 0;
    snprintf(n->upstream_host, sizeof(n->upstream_host), "%s", m->argv[1]);
    n->upstream_port = port;
    n->link_up = 0;
    n->sync_done_ms = 0;
    n->link_down_since_ms = sim->now_ms;
    trace_line(sim, TRACE_KEY, "node n%d (%s) now replicates from %s:%d", n->idx, n->ip,
               n->upstream_host, n->upstream_port);
    return reply_status("OK");
}

static struct sim_reply *node_client(struct sim *sim, struct sim_node *n, struct conn *c,
                                     const struct msg *m)
{
    if (is(m, 1, "setname"))
        return reply_status("OK");
    if (!is(m, 1, "kill") || m->argc != 4 || !is(m, 2, "type"))
        return reply_error("ERR syntax error");
    int pubsub = is(m, 3, "pubsub");
    if (!pubsub && !is(m, 3, "normal"))
        return reply_error("ERR Unknown client type 'x'");
    size_t before = n->conn_count;
    /* Like Redis's default SKIPME yes: the caller's connection survives. */
    node_close_all(sim, n, 1, pubsub ? CHANNEL_PUBSUB : CHANNEL_CMD, c->id);
    return reply_integer((long long)(before - n->conn_count));
}

static struct sim_reply *node_exec_one(struct sim *sim, struct sim_node *n, struct conn *c,
                                       const struct msg *m)
{
    if (is(m, 0, "ping"))
        return reply_status("PONG");
    if (is(m, 0, "info")) {
        struct text t;
        node_info(sim, n, &t);
        return reply_string(t.buf, t.len);
    }
    if (is(m, 0, "publish"))
        return node_publish(sim, n, m);
    if (is(m, 0, "slaveof") || is(m, 0, "replicaof"))
        return node_replicaof(sim, n, m);
    if (is(m, 0, "config") && is(m, 1, "rewrite")) {
        n->saved_is_master = n->is_master;
        memcpy(n->saved_upstream_host, n->upstream_host, sizeof(n->upstream_host));
        n->saved_upstream_port = n->upstream_port;
        return reply_status("OK");
    }
    if (is(m, 0, "client"))
        return node_client(sim, n, c, m);
    return reply_error("ERR unknown command");
}

static struct msg *msg_copy(const struct msg *m)
{
    struct msg *q = calloc(1, sizeof(*q));
    if (q == NULL)
        abort();
    *q = *m;
    q->next = NULL;
    q->reply = NULL;
    q->payload = NULL;
    q->argv = calloc((size_t)m->argc + 1, sizeof(char *));
    if (q->argv == NULL)
        abort();
    for (int i = 0; i < m->argc; i++)
        if ((q->argv[i] = strdup(m->argv[i])) == NULL)
            abort();
    return q;
}

static void msg_copy_free(struct msg *m)
{
    for (int i = 0; i < m->argc; i++)
        free(m->argv[i]);
    free(m->argv);
    free(m);
}

static struct sim_reply *node_exec(struct sim *sim, struct sim_node *n, struct conn *c)
{
    size_t count = 0;
    for (struct msg *q = c->multi_head; q != NULL; q = q->next)
        count++;
    struct sim_reply *r = reply_new(CORE_REPLY_ARRAY);
    r->element = calloc(count ? count : 1, sizeof(*r->element));
    if (r->element == NULL)
        abort();
    while (c->multi_head != NULL && !c->server_closed) {
        struct msg *q = c->multi_head;
        c->multi_head = q->next;
        struct sim_reply *one = node_exec_one(sim, n, c, q);
        r->element[r->elements++] = *one;
        free(one);
        msg_copy_free(q);
    }
    c->multi_tail = NULL;
    c->in_multi = 0;
    return r;
}

void node_command(struct sim *sim, struct sim_node *n, struct conn *c, struct msg *m)
{
    struct sim_reply *r;
    if (is(m, 0, "multi")) {
        r = c->in_multi ? reply_error("ERR MULTI calls can not be nested") : reply_status("OK");
        c->in_multi = 1;
    } else if (is(m, 0, "exec")) {
        r = c->in_multi ? node_exec(sim, n, c) : reply_error("ERR EXEC without MULTI");
    } else if (c->in_multi) {
        struct msg *q = msg_copy(m);
        if (c->multi_tail != NULL)
            c->multi_tail->next = q;
        else
            c->multi_head = q;
        c->multi_tail = q;
        r = reply_status("QUEUED");
    } else {
        r = node_exec_one(sim, n, c, m);
    }
    net_send_reply(sim, c, m->tag, m->ctx, r);
}
