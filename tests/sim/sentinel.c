/*
 * sentinel.c - driving the decision cores: ticks, events, actions,
 * persistence, crashes and restarts, and the sentinel's own port (PING,
 * PUBLISH of hellos, SENTINEL is-master-down-by-addr).
 *
 * Actions run in order the way the daemon runs them (src/app/main.c): a
 * PERSIST is carried out before the next action anyone could observe, and
 * before a vote reply leaves.  With the slow-persist fault a persist takes
 * time; the process is blocked meanwhile (every delivery and tick waits),
 * and a crash before it completes loses both the new state and whatever
 * actions were to follow.  A restart rebuilds the core from the last
 * completed snapshot, as config_apply would from the rewritten file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hello.h"
#include "sim.h"

struct core_time sentinel_now(const struct sim *sim, const struct sim_sentinel *s)
{
    struct core_time t = {
        .mono_ms = s->mono_base_ms + sim->now_ms,
        .wall_ms = s->wall_base_ms + sim->now_ms + s->wall_offset_ms,
    };
    return t;
}

struct master *sentinel_master(const struct sim_sentinel *s)
{
    return s->core != NULL && s->core->master_count > 0 ? s->core->masters[0] : NULL;
}

int sentinel_is_busy(const struct sim *sim, const struct sim_sentinel *s)
{
    (void)sim;
    return s->alive && s->busy;
}

/* --- persistence ------------------------------------------------------------------ */

static void snapshot_take(const struct sim_sentinel *s, struct snapshot *snap)
{
    const struct core *core = s->core;
    const struct master *m = sentinel_master(s);
    /* What the config rewrite records (src/app/config_rewrite.c). */
    const struct addr *a = core_master_addr(m);
    memset(snap, 0, sizeof(*snap));
    memcpy(snap->myid, core->myid, sizeof(snap->myid));
    snap->current_epoch = core->current_epoch;
    snprintf(snap->master_host, sizeof(snap->master_host), "%s", a->host);
    snap->master_port = a->port;
    snap->config_epoch = m->config_epoch;
    snap->leader_epoch = m->leader_epoch;
    snprintf(snap->leader, sizeof(snap->leader), "%s", m->leader ? m->leader : "");
    for (size_t i = 0; i < m->replica_count && snap->replica_count < SIM_SNAPSHOT_MAX; i++) {
        struct snapshot_peer *p = &snap->replicas[snap->replica_count++];
        snprintf(p->host, sizeof(p->host), "%s", m->replicas[i]->addr.host);
        p->port = m->replicas[i]->addr.port;
    }
    for (size_t i = 0; i < m->sentinel_count && snap->sentinel_count < SIM_SNAPSHOT_MAX; i++) {
        struct snapshot_peer *p = &snap->sentinels[snap->sentinel_count++];
        snprintf(p->host, sizeof(p->host), "%s", m->sentinels[i]->addr.host);
        p->port = m->sentinels[i]->addr.port;
        memcpy(p->runid, m->sentinels[i]->runid, sizeof(p->runid));
    }
}

/* Returns 1 when the persist is under way (slow disk) and the caller must
 * stop running actions until SEV_PERSIST_DONE. */
static int persist_start(struct sim *sim, struct sim_sentinel *s)
{
    snapshot_take(s, &s->snap_next);
    s->persist_dirty = 0; /* the snapshot holds the discovered state too */
    if (s->slow_persist_until_ms <= sim->now_ms) {
        s->snap = s->snap_next;
        trace_line(sim, TRACE_CHATTY, "s%d persists (epoch %llu, config epoch %llu)", s->idx,
                   (unsigned long long)s->snap.current_epoch,
                   (unsigned long long)s->snap.config_epoch);
        return 0;
    }
    s->busy = 1;
    s->busy_until_ms = sim->now_ms + rng_range(&sim->rng, 100, 3000);
    sim_schedule(sim, s->busy_until_ms, SEV_PERSIST_DONE, s->idx, 0, s->inc);
    trace_line(sim, TRACE_KEY, "s%d slow persist until %lld.%03lld", s->idx,
               (long long)(s->busy_until_ms / 1000), (long long)(s->busy_until_ms % 1000));
    return 1;
}

/* --- actions ------------------------------------------------------------------------- */

static int routine_send(const struct core_action *a)
{
    if (a->tag == TAG_PING || a->tag == TAG_INFO || a->tag == TAG_HELLO_PUBLISH)
        return 1;
    return a->tag == TAG_IS_DOWN && a->argc == 6 && strcmp(a->argv[5], "*") == 0;
}

static void act_send(struct sim *sim, struct sim_sentinel *s, const struct core_action *a)
{
    struct olink *o = net_olink_find(s, a->link_id, a->channel);
    enum trace_level level = routine_send(a) ? TRACE_CHATTY : TRACE_KEY;
    char line[256];
    if (trace_wants(sim, level)) {
        size_t off = 0;
        line[0] = '\0';
        for (int i = 0; i < a->argc && off < sizeof(line) - 1; i++) {
            int n = snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "", a->argv[i]);
            off += n > 0 ? (size_t)n : 0;
        }
    }
    if (o == NULL || o->conn == NULL || o->conn->state != CONN_UP) {
        if (trace_wants(sim, level))
            trace_line(sim, level, "s%d send (not connected, dropped) link %llu: %s", s->idx,
                       (unsigned long long)a->link_id, line);
        return;
    }
    if (trace_wants(sim, level)) {
        const char *to = o->conn->ep_kind == EP_NODE ? sim->nodes[o->conn->ep_idx].ip
                         : o->conn->ep_kind == EP_SENTINEL ? sim->sentinels[o->conn->ep_idx].ip
                                                            : "?";
        trace_line(sim, level, "s%d -> %s: %s", s->idx, to, line);
    }
    check_sent(sim, s, a->argc, a->argv);
    net_send_command(sim, o->conn, a->tag, a->ctx, a->argc, a->argv);
}

static void act_disconnect(struct sim *sim, struct sim_sentinel *s, uint64_t link_id)
{
    struct olink *o = net_olink_find(s, link_id, CHANNEL_CMD);
    if (o != NULL && o->conn != NULL)
        net_client_close(sim, o->conn, 1);
    o = net_olink_find(s, link_id, CHANNEL_PUBSUB);
    if (s->alive && o != NULL && o->conn != NULL)
        net_client_close(sim, o->conn, 1);
}

static void act_run(struct sim *sim, struct sim_sentinel *s, const struct core_action *a)
{
    switch (a->type) {
    case CORE_ACT_SEND:
        act_send(sim, s, a);
        break;
    case CORE_ACT_EVENT:
        trace_line(sim, TRACE_KEY, "s%d %s %s", s->idx, a->event_type, a->text);
        check_event(sim, s, a);
        break;
    case CORE_ACT_LOG:
        trace_line(sim, TRACE_CHATTY, "s%d log: %s", s->idx, a->text);
        break;
    case CORE_ACT_DISCONNECT:
        trace_line(sim, TRACE_CHATTY, "s%d disconnects link %llu", s->idx,
                   (unsigned long long)a->link_id);
        act_disconnect(sim, s, a->link_id);
        break;
    case CORE_ACT_RECONFIG_SCRIPT:
        trace_line(sim, TRACE_KEY, "s%d reconfig script %s %s", s->idx,
                   a->argc > 2 ? a->argv[1] : "?", a->argc > 2 ? a->argv[2] : "?");
        break;
    case CORE_ACT_CRASH:
        sentinel_crash(sim, s);
        break;
    case CORE_ACT_PERSIST:
    case CORE_ACT_PERSIST_LAZY:
        break;
    }
}

static void reply_finish(struct sim *sim, struct sim_sentinel *s)
{
    struct pending_reply *p = &s->reply;
    if (!p->active)
        return;
    p->active = 0;
    struct conn *c = net_conn_get(sim, p->conn_id);
    struct sim_reply *r = p->reply;
    p->reply = NULL;
    if (r->type == CORE_REPLY_ARRAY && r->elements == 3) {
        check_vote_reply(sim, s, r->element[1].str, (uint64_t)r->element[2].integer);
        trace_line(sim, strcmp(r->element[1].str, "*") ? TRACE_KEY : TRACE_CHATTY,
                   "s%d replies is-master-down: %lld %s %lld", s->idx, r->element[0].integer,
                   r->element[1].str, r->element[2].integer);
    }
    if (c == NULL || c->server_closed) {
        reply_free(r);
        return;
    }
    net_send_reply(sim, c, p->tag, p->ctx, r);
}

/* Runs the pending actions in order; stops early when a slow persist
 * blocks the process or an action crashed it. */
static void run_actions(struct sim *sim, struct sim_sentinel *s)
{
    s->running = 1;
    while (s->acts_pos < s->acts.count) {
        struct core_action a = s->acts.items[s->acts_pos];
        if (a.type == CORE_ACT_PERSIST) {
            s->persist_pending = 1;
            s->acts_pos++;
            continue;
        }
        /* Discovered state waits for the end of the tick, as in the shell
         * (src/app/main.c): a crash before then loses it. */
        if (a.type == CORE_ACT_PERSIST_LAZY) {
            s->persist_dirty = 1;
            s->acts_pos++;
            continue;
        }
        if (s->persist_pending && a.type != CORE_ACT_LOG) {
            s->persist_pending = 0;
            if (persist_start(sim, s)) {
                s->running = 0;
                return;
            }
        }
        s->acts_pos++;
        act_run(sim, s, &a); /* a copy: nested steps may move the list */
        if (!s->alive)
            return;
    }
    if (s->persist_pending) {
        s->persist_pending = 0;
        if (persist_start(sim, s)) {
            s->running = 0;
            return;
        }
    }
    core_actions_reset(&s->acts);
    s->acts_pos = 0;
    s->running = 0;
    reply_finish(sim, s);
}

void sentinel_persist_done(struct sim *sim, struct sim_sentinel *s)
{
    s->busy = 0;
    s->snap = s->snap_next;
    trace_line(sim, TRACE_KEY, "s%d persist done (epoch %llu, config epoch %llu, leader epoch "
               "%llu)", s->idx, (unsigned long long)s->snap.current_epoch,
               (unsigned long long)s->snap.config_epoch,
               (unsigned long long)s->snap.leader_epoch);
    run_actions(sim, s);
}

void sentinel_feed(struct sim *sim, struct sim_sentinel *s, const struct core_event *ev)
{
    if (!s->alive)
        return;
    struct core_time now = sentinel_now(sim, s);
    core_step(s->core, &now, ev, &s->acts);
    check_after_step(sim, s);
    if (!s->running && !s->busy)
        run_actions(sim, s);
}

/* --- life cycle ----------------------------------------------------------------------- */

static void core_configure(struct sim *sim, struct sim_sentinel *s, const struct snapshot *snap)
{
    struct core_time now = sentinel_now(sim, s);
    struct core *core = s->core;
    core->settings.port = SIM_SENTINEL_PORT;
    const char *host = snap ? snap->master_host : "10.0.0.1";
    int port = snap ? snap->master_port : SIM_NODE_PORT;
    struct master *m = core_master_add(core, SIM_MASTER_NAME, host, port, sim->quorum, &now);
    m->inst.down_after_ms = sim->down_after_ms;
    m->failover_timeout_ms = sim->failover_timeout_ms;
    m->parallel_syncs = sim->parallel_syncs;
    m->replica_validity_ms = sim->replica_validity_ms;
    if (s->static_peers)
        for (int i = 0; i < sim->sentinel_count; i++)
            if (i != s->idx)
                core_peer_add(core, sim->sentinels[i].ip, SIM_SENTINEL_PORT);
    if (snap == NULL)
        return;
    core->current_epoch = snap->current_epoch;
    m->config_epoch = snap->config_epoch;
    m->leader_epoch = snap->leader_epoch;
    for (size_t i = 0; i < snap->replica_count; i++)
        core_replica_add(core, m, snap->replicas[i].host, snap->replicas[i].port, &now);
    for (size_t i = 0; i < snap->sentinel_count; i++) {
        const struct snapshot_peer *p = &snap->sentinels[i];
        core_sentinel_add(core, m, p->host, p->port, p->runid[0] ? p->runid : NULL, &now);
    }
}

void sentinel_init(struct sim *sim, struct sim_sentinel *s, int idx)
{
    memset(s, 0, sizeof(*s));
    s->idx = idx;
    s->host = idx;
    snprintf(s->ip, sizeof(s->ip), "10.0.0.%d", 11 + (idx & 63));
    s->alive = 1;
    s->inc = 1;
    s->mono_base_ms = rng_range(&sim->rng, 1000000, 1000000000);
    s->wall_base_ms = 1700000000000LL + rng_range(&sim->rng, 0, 100000000);
}

/* Creates the core (after every sentinel has its address, for static
 * peers) and writes the first snapshot, as the daemon flushes its config
 * with a freshly generated myid at start-up. */
void sentinel_start(struct sim *sim, struct sim_sentinel *s)
{
    s->core = core_new(NULL, rng_next(&sim->rng));
    core_configure(sim, s, NULL);
    snapshot_take(s, &s->snap);
    s->seen_current_epoch = 0;
    s->seen_config_epoch = 0;
    trace_line(sim, TRACE_KEY, "s%d (%s) starts, myid %.8s", s->idx, s->ip, s->core->myid);
    sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 1, SIM_TICK_MS), SEV_TICK, s->idx, 0,
                 s->inc);
}

void sentinel_crash(struct sim *sim, struct sim_sentinel *s)
{
    if (!s->alive)
        return;
    trace_line(sim, TRACE_KEY, "s%d crashes%s", s->idx, s->busy ? " while persisting" : "");
    s->alive = 0;
    net_sentinel_gone(sim, s);
    core_actions_reset(&s->acts);
    s->acts_pos = 0;
    s->persist_pending = 0;
    s->persist_dirty = 0;
    s->running = 0;
    s->busy = 0;
    reply_free(s->reply.reply);
    memset(&s->reply, 0, sizeof(s->reply));
    core_free(s->core);
    s->core = NULL;
}

void sentinel_restart(struct sim *sim, struct sim_sentinel *s)
{
    if (s->alive)
        return;
    s->alive = 1;
    s->inc++;
    s->core = core_new(s->snap.myid, rng_next(&sim->rng));
    core_configure(sim, s, &s->snap);
    s->seen_current_epoch = s->core->current_epoch;
    s->seen_config_epoch = s->snap.config_epoch;
    trace_line(sim, TRACE_KEY, "s%d restarts from its snapshot: epoch %llu, config epoch %llu, "
               "leader epoch %llu, master %s:%d", s->idx,
               (unsigned long long)s->snap.current_epoch,
               (unsigned long long)s->snap.config_epoch,
               (unsigned long long)s->snap.leader_epoch, s->snap.master_host,
               s->snap.master_port);
    check_restart(sim, s);
    sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 1, SIM_TICK_MS), SEV_TICK, s->idx, 0,
                 s->inc);
}

int sentinel_force_failover(struct sim *sim, struct sim_sentinel *s, const char **err)
{
    if (!s->alive || s->busy) {
        *err = "sentinel down or blocked";
        return -1;
    }
    struct core_time now = sentinel_now(sim, s);
    int rc = core_force_failover(s->core, &now, sentinel_master(s), err, &s->acts);
    /* Its election needs no votes (Redis Sentinel's rule); the flag that
     * says so may be gone by the time the event is checked (a failover
     * elected and aborted in one step), so the epoch is kept. */
    if (rc == 0)
        s->forced_epoch = sentinel_master(s)->failover_epoch;
    check_after_step(sim, s);
    run_actions(sim, s);
    return rc;
}

void sentinel_free(struct sim_sentinel *s)
{
    core_actions_free(&s->acts);
    reply_free(s->reply.reply);
    s->reply.reply = NULL;
    for (size_t i = 0; i < s->olink_count; i++)
        free(s->olinks[i]);
    free(s->olinks);
    s->olinks = NULL;
    s->olink_count = s->olink_cap = 0;
    core_free(s->core);
    s->core = NULL;
}

void sentinel_tick(struct sim *sim, struct sim_sentinel *s)
{
    if (s->busy) {
        sim_schedule(sim, s->busy_until_ms, SEV_TICK, s->idx, 0, s->inc);
        return;
    }
    net_reconcile(sim, s);
    struct core_event ev = {.type = CORE_EV_TICK};
    sentinel_feed(sim, s, &ev);
    if (s->alive && !s->busy && s->persist_dirty)
        persist_start(sim, s);
    if (s->alive)
        sim_schedule(sim, sim->now_ms + SIM_TICK_MS + rng_range(&sim->rng, -5, 5), SEV_TICK,
                     s->idx, 0, s->inc);
}

/* --- the sentinel's port ---------------------------------------------------------------- */

static int arg_is(const struct msg *m, int i, const char *word)
{
    return m->argc > i && strcasecmp(m->argv[i], word) == 0;
}

static void is_master_down(struct sim *sim, struct sim_sentinel *s, struct conn *c,
                           const struct msg *m)
{
    struct core_time now = sentinel_now(sim, s);
    int down = 0;
    const char *leader = "*";
    uint64_t leader_epoch = 0;
    uint64_t epoch = strtoull(m->argv[4], NULL, 10);
    core_is_master_down(s->core, &now, m->argv[2], atoi(m->argv[3]), epoch, m->argv[5], &down,
                        &leader, &leader_epoch, &s->acts);
    check_after_step(sim, s);
    struct sim_reply *r = reply_new(CORE_REPLY_ARRAY);
    r->element = calloc(3, sizeof(*r->element));
    if (r->element == NULL)
        abort();
    r->elements = 3;
    r->element[0].type = CORE_REPLY_INTEGER;
    r->element[0].integer = down;
    r->element[1].type = CORE_REPLY_STRING;
    r->element[1].str = strdup(leader);
    if (r->element[1].str == NULL)
        abort();
    r->element[1].len = strlen(leader);
    r->element[2].type = CORE_REPLY_INTEGER;
    r->element[2].integer = (long long)leader_epoch;
    s->reply = (struct pending_reply){.active = 1, .conn_id = c->id, .tag = m->tag,
                                      .ctx = m->ctx, .reply = r};
    run_actions(sim, s);
}

static void hello_published(struct sim *sim, struct sim_sentinel *s, struct conn *c,
                            const struct msg *m)
{
    s->reply = (struct pending_reply){.active = 1, .conn_id = c->id, .tag = m->tag,
                                      .ctx = m->ctx, .reply = reply_integer(1)};
    struct core_event ev = {.type = CORE_EV_HELLO, .link_id = 0, .payload = m->argv[2]};
    sentinel_feed(sim, s, &ev);
}

/* A command from a peer on this sentinel's port. */
void sentinel_command(struct sim *sim, struct sim_sentinel *s, struct conn *c, struct msg *m)
{
    if (!s->alive)
        return;
    if (arg_is(m, 0, "ping")) {
        net_send_reply(sim, c, m->tag, m->ctx, reply_status("PONG"));
    } else if (arg_is(m, 0, "publish") && m->argc == 3 &&
               strcmp(m->argv[1], HELLO_CHANNEL) == 0) {
        hello_published(sim, s, c, m);
    } else if (arg_is(m, 0, "sentinel") && m->argc == 6 &&
               (arg_is(m, 1, "is-master-down-by-addr") ||
                arg_is(m, 1, "is-primary-down-by-addr"))) {
        is_master_down(sim, s, c, m);
    } else {
        net_send_reply(sim, c, m->tag, m->ctx, reply_error("ERR unknown command"));
    }
}
