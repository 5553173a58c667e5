/*
 * monitor.c - watching instances: periodic PING / INFO / hello, replies,
 * hellos from peers, subjective and objective down, TILT.
 *
 * Periods and rules follow Redis Sentinel so that mixed constellations
 * agree: PING every second (or down-after if lower), INFO every 10 s (1 s
 * for replicas of a master that is down or failing over), a hello every 2 s
 * on every instance, peers asked about a subjectively down master at most
 * once a second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hello.h"
#include "core/info.h"
#include "core/internal.h"

static int64_t ping_period_ms(const struct instance *inst)
{
    int64_t period = inst->master->timing->ping_period_ms;
    return inst->down_after_ms < period ? inst->down_after_ms : period;
}

static struct master *rename_scope(struct instance *inst)
{
    return inst->kind == INSTANCE_SENTINEL ? NULL : inst->master;
}

/* --- sending -------------------------------------------------------------------- */

static void send_ping(struct instance *inst, const struct core_time *now,
                      struct core_actions *out)
{
    static const char *const argv[] = {"PING"};
    struct link *l = inst->link;
    core_act_send_renamed(out, rename_scope(inst), l, TAG_PING, inst->id, 1, argv);
    l->pending_commands++;
    l->last_ping_ms = now->mono_ms;
    if (l->act_ping_ms == 0)
        l->act_ping_ms = now->mono_ms;
}

static void send_info(struct instance *inst, const struct core_time *now,
                      struct core_actions *out)
{
    static const char *const argv[] = {"INFO"};
    core_act_send_renamed(out, rename_scope(inst), inst->link, TAG_INFO, inst->id, 1, argv);
    inst->link->pending_commands++;
    core_info_asked(inst, now);
}

/* Fills h with what we announce about master m on link l.  Returns -1 when
 * we do not know our own address yet. */
static int hello_fill(const struct core *core, const struct master *m,
                      const struct link *l, struct hello *h)
{
    const char *ip = core->settings.announce_ip;
    if (ip == NULL || ip[0] == '\0')
        ip = l->local_ip;
    if (ip[0] == '\0')
        return -1;
    memset(h, 0, sizeof(*h));
    snprintf(h->ip, sizeof(h->ip), "%s", ip);
    h->port = core->settings.announce_port ? core->settings.announce_port
                                           : core->settings.port;
    memcpy(h->runid, core->myid, RUNID_LEN + 1);
    h->current_epoch = core->current_epoch;
    snprintf(h->master_name, sizeof(h->master_name), "%s", m->inst.name);
    const struct addr *ma = core_master_addr(m);
    snprintf(h->master_ip, sizeof(h->master_ip), "%s", ma->host);
    h->master_port = ma->port;
    h->master_config_epoch = m->config_epoch;
    return 0;
}

static void send_hello(struct core *core, const struct master *m, struct link *l,
                       uint64_t ctx, struct core_actions *out)
{
    struct hello h;
    char payload[1024];
    if (hello_fill(core, m, l, &h) < 0 || hello_format(&h, payload, sizeof(payload)) < 0)
        return;
    const char *argv[] = {"PUBLISH", HELLO_CHANNEL, payload};
    core_act_send_renamed(out, l->cls == LINK_DATA ? m : NULL, l, TAG_HELLO_PUBLISH, ctx,
                          3, argv);
    l->pending_commands++;
}

static void send_periodic(struct core *core, const struct core_time *now,
                          struct instance *inst, struct core_actions *out)
{
    struct link *l = inst->link;
    if (!l->cmd_connected || l->pending_commands >= MAX_PENDING_COMMANDS * l->refcount)
        return;
    struct master *m = inst->master;
    const struct core_timing *tm = m->timing;
    int64_t info_period = tm->info_period_ms;
    /* From SDOWN on (Redis waits for ODOWN) so that replica selection has
     * fresh INFO when the failover starts. */
    if (inst->kind == INSTANCE_REPLICA &&
        (m->inst.flags & (FLAG_S_DOWN | FLAG_O_DOWN | FLAG_FAILOVER_IN_PROGRESS)))
        info_period = INFO_PERIOD_FAST_MS;
    if (inst->kind == INSTANCE_MASTER && (inst->flags & FLAG_FAILOVER_IN_PROGRESS))
        info_period = INFO_PERIOD_FAST_MS;
    /* Event-driven failover: the promoted replica and the replicas being
     * repointed are polled fast, so each step follows the previous one as
     * soon as it is visible. */
    if (inst->kind == INSTANCE_REPLICA && (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS)) {
        if (m->failover_state == FAILOVER_WAIT_PROMOTION && inst == m->promoted)
            info_period = INFO_PERIOD_PROMOTION_MS;
        else if (inst->flags & (FLAG_RECONF_SENT | FLAG_RECONF_INPROG))
            info_period = INFO_PERIOD_RECONF_MS;
    }
    if (inst->kind != INSTANCE_SENTINEL &&
        (inst->info_refresh_ms == 0 || now->mono_ms - inst->info_refresh_ms > info_period))
        send_info(inst, now, out);
    int64_t period = ping_period_ms(inst);
    /* A fresh connection is pinged at once, as Redis Sentinel does. */
    int fresh = l->last_ping_ms < l->cmd_connected_since_ms;
    if (fresh ||
        (now->mono_ms - l->last_pong_ms > period && now->mono_ms - l->last_ping_ms > period / 2))
        send_ping(inst, now, out);
    if (now->mono_ms - inst->last_pub_ms > tm->publish_period_ms) {
        inst->last_pub_ms = now->mono_ms;
        send_hello(core, m, l, inst->id, out);
    }
}

/* --- down detection ------------------------------------------------------------------ */

static void check_sdown(const struct core_time *now, struct instance *inst,
                        struct core_actions *out)
{
    struct link *l = inst->link;
    int64_t t = now->mono_ms;
    int64_t elapsed = 0;
    if (l->act_ping_ms != 0) {
        elapsed = t - l->act_ping_ms;
    } else if (!l->cmd_connected) {
        /* A connection that merely dropped (CLIENT KILL, a restart of our
         * side) counts from the drop, as Redis Sentinel effectively does;
         * once a reconnection has been refused the node is unreachable
         * and the time since its last valid reply is what counts. */
        elapsed = l->connect_failed ? t - l->last_avail_ms : t - l->disconnected_since_ms;
    }
    /* A connection that accepts but never answers (a stopped process behind
     * a live kernel) is closed and reopened, as Redis Sentinel does. */
    const struct core_timing *tm = inst->master->timing;
    if (l->cmd_connected && t - l->cmd_connected_since_ms > tm->min_link_reconnect_ms &&
        l->act_ping_ms != 0 && t - l->act_ping_ms > inst->down_after_ms / 2 &&
        t - l->last_pong_ms > inst->down_after_ms / 2)
        core_act_disconnect(out, l);
    if (l->pubsub_connected && t - l->pubsub_connected_since_ms > tm->min_link_reconnect_ms &&
        t - l->pubsub_last_activity_ms > 3 * tm->publish_period_ms)
        core_act_disconnect(out, l);

    int down = elapsed > inst->down_after_ms;
    if (inst->kind == INSTANCE_MASTER && inst->role_reported == ROLE_REPLICA &&
        t - inst->role_reported_ms > inst->down_after_ms + 2 * tm->info_period_ms)
        down = 1;
    if (inst->kind == INSTANCE_MASTER && (inst->flags & FLAG_MASTER_REBOOT) &&
        t - inst->master_reboot_since_ms > inst->master->master_reboot_down_after_ms)
        down = 1;
    if (down && !(inst->flags & FLAG_S_DOWN)) {
        core_act_event(out, LOG_WARNING, "+sdown", inst, "%s", "");
        inst->s_down_since_ms = t;
        inst->flags |= FLAG_S_DOWN;
    } else if (!down && (inst->flags & FLAG_S_DOWN)) {
        core_act_event(out, LOG_WARNING, "-sdown", inst, "%s", "");
        inst->flags &= ~(FLAG_S_DOWN | FLAG_SCRIPT_KILL_SENT);
    }
}

static void check_odown(const struct core_time *now, struct master *m,
                        struct core_actions *out)
{
    int votes = 0;
    int odown = 0;
    if (m->inst.flags & FLAG_S_DOWN) {
        votes = 1;
        for (size_t i = 0; i < m->sentinel_count; i++)
            if (m->sentinels[i]->flags & FLAG_MASTER_DOWN)
                votes++;
        odown = votes >= m->quorum;
    }
    if (odown && !(m->inst.flags & FLAG_O_DOWN)) {
        core_act_event(out, LOG_WARNING, "+odown", &m->inst, " #quorum %d/%d", votes, m->quorum);
        m->inst.flags |= FLAG_O_DOWN;
        m->inst.o_down_since_ms = now->mono_ms;
    } else if (!odown && (m->inst.flags & FLAG_O_DOWN)) {
        core_act_event(out, LOG_WARNING, "-odown", &m->inst, "%s", "");
        m->inst.flags &= ~FLAG_O_DOWN;
    }
}

/* Asks every peer whether it sees the master down; with a failover of our
 * own under way the same question asks for a vote (our run id, not "*"). */
static void ask_peers(struct core *core, const struct core_time *now, struct master *m,
                      int forced, struct core_actions *out)
{
    char port[16], epoch[32];
    snprintf(port, sizeof(port), "%d", m->inst.addr.port);
    snprintf(epoch, sizeof(epoch), "%llu", (unsigned long long)core->current_epoch);
    for (size_t i = 0; i < m->sentinel_count; i++) {
        struct instance *s = m->sentinels[i];
        int64_t elapsed = now->mono_ms - s->last_master_down_reply_ms;
        int64_t ask_ms = core->timing.ask_period_ms;
        if (elapsed > ask_ms * 5) {
            s->flags &= ~FLAG_MASTER_DOWN;
            free(s->leader);
            s->leader = NULL;
        }
        if (!(m->inst.flags & FLAG_S_DOWN) || !s->link->cmd_connected)
            continue;
        /* Until the master is objectively down we ask more often than
         * Redis does (answers are cheap), so ODOWN follows SDOWN quickly. */
        int64_t period = (m->inst.flags & FLAG_O_DOWN) || ask_ms < ASK_PERIOD_SDOWN_MS
                             ? ask_ms : ASK_PERIOD_SDOWN_MS;
        if (!forced && (elapsed < period || now->mono_ms - s->last_ask_ms < period))
            continue;
        if (s->link->pending_commands >= MAX_PENDING_COMMANDS * s->link->refcount)
            continue;
        const char *runid = m->failover_state > FAILOVER_NONE ? core->myid : "*";
        const char *argv[] = {"SENTINEL", "is-master-down-by-addr", m->inst.addr.host,
                              port, epoch, runid};
        core_act_send(out, s->link, CHANNEL_CMD, TAG_IS_DOWN, m->inst.id, 6, argv);
        s->link->pending_commands++;
        s->last_ask_ms = now->mono_ms;
    }
}

int monitor_instance_is_down(const struct instance *inst)
{
    return (inst->flags & (FLAG_S_DOWN | FLAG_O_DOWN)) != 0;
}

/* --- the tick ----------------------------------------------------------------------------- */

static int check_tilt(struct core *core, const struct core_time *now, struct core_actions *out)
{
    int64_t delta = now->wall_ms - core->previous_tick_wall_ms;
    if (core->previous_tick_wall_ms != 0 && (delta < 0 || delta > core->timing.tilt_trigger_ms)) {
        if (!core->tilt)
            core->tilt_count++;
        core->tilt = 1;
        core->tilt_start_ms = now->mono_ms;
        core_act_event(out, LOG_WARNING, "+tilt", NULL, "#tilt mode entered");
    }
    core->previous_tick_wall_ms = now->wall_ms;
    core->previous_tick_mono_ms = now->mono_ms;
    if (core->tilt && now->mono_ms - core->tilt_start_ms >= core->timing.tilt_period_ms) {
        core->tilt = 0;
        core_act_event(out, LOG_WARNING, "-tilt", NULL, "#tilt mode exited");
    }
    return core->tilt;
}

static void tick_peers(struct core *core, const struct core_time *now, struct core_actions *out)
{
    for (size_t i = 0; i < core->peer_count; i++) {
        struct static_peer *p = &core->peers[i];
        struct link *l = p->link;
        if (!l->cmd_connected || l->pending_commands >= MAX_PENDING_COMMANDS * l->refcount)
            continue;
        int64_t ping_ms = core->timing.ping_period_ms;
        if (now->mono_ms - l->last_pong_ms > ping_ms &&
            now->mono_ms - l->last_ping_ms > ping_ms / 2) {
            static const char *const argv[] = {"PING"};
            core_act_send(out, l, CHANNEL_CMD, TAG_PING, 0, 1, argv);
            l->pending_commands++;
            l->last_ping_ms = now->mono_ms;
            if (l->act_ping_ms == 0)
                l->act_ping_ms = now->mono_ms;
        }
        if (now->mono_ms - p->last_pub_ms <= core->timing.publish_period_ms)
            continue;
        p->last_pub_ms = now->mono_ms;
        /* Hellos for every master, unless a known sentinel of that master
         * already shares this link and sends them. */
        for (size_t j = 0; j < core->master_count; j++) {
            struct master *m = core->masters[j];
            int covered = 0;
            for (size_t k = 0; k < m->sentinel_count && !covered; k++)
                covered = m->sentinels[k]->link == l;
            if (!covered)
                send_hello(core, m, l, 0, out);
        }
    }
}

static void tick_master(struct core *core, const struct core_time *now, struct master *m,
                        int tilt, struct core_actions *out)
{
    send_periodic(core, now, &m->inst, out);
    for (size_t i = 0; i < m->replica_count; i++)
        send_periodic(core, now, m->replicas[i], out);
    for (size_t i = 0; i < m->sentinel_count; i++)
        send_periodic(core, now, m->sentinels[i], out);
    if (tilt)
        return;
    check_sdown(now, &m->inst, out);
    for (size_t i = 0; i < m->replica_count; i++)
        check_sdown(now, m->replicas[i], out);
    for (size_t i = 0; i < m->sentinel_count; i++)
        check_sdown(now, m->sentinels[i], out);
    check_odown(now, m, out);
    int started = failover_tick(core, now, m, out);
    ask_peers(core, now, m, started, out);
}

void monitor_tick(struct core *core, const struct core_time *now, struct core_actions *out)
{
    if (core->start_ms == 0)
        core->start_ms = now->mono_ms;
    int tilt = check_tilt(core, now, out);
    for (size_t i = 0; i < core->master_count; i++)
        tick_master(core, now, core->masters[i], tilt, out);
    tick_peers(core, now, out);
}

/* --- replies ---------------------------------------------------------------------------- */

static struct instance *instance_by_id(struct core *core, uint64_t id)
{
    return core_instance_find(core, id);
}

/* A PING reply counts as the node being available when it is PONG or one of
 * the errors a healthy-but-busy node gives (LOADING, MASTERDOWN), as Redis
 * Sentinel counts them. */
static void on_ping_reply(struct core *core, const struct core_time *now, struct link *l,
                          uint64_t inst_id, const struct core_reply *r)
{
    l->last_pong_ms = now->mono_ms;
    if (r == NULL)
        return;
    int valid = 0;
    if (r->type == CORE_REPLY_STATUS || r->type == CORE_REPLY_STRING)
        valid = r->len == 4 && strncasecmp(r->str, "PONG", 4) == 0;
    else if (r->type == CORE_REPLY_ERROR)
        valid = (r->len >= 7 && strncmp(r->str, "LOADING", 7) == 0) ||
                (r->len >= 10 && strncmp(r->str, "MASTERDOWN", 10) == 0);
    if (valid) {
        l->last_avail_ms = now->mono_ms;
        l->act_ping_ms = 0;
    }
    /* A rebooted master is back to normal once it answers PONG (not
     * while it is still loading), as in Redis Sentinel. */
    if (valid && r->type != CORE_REPLY_ERROR && inst_id != 0) {
        struct instance *inst = instance_by_id(core, inst_id);
        if (inst != NULL)
            inst->flags &= ~FLAG_MASTER_REBOOT;
    }
}

static void on_is_down_reply(struct core *core, const struct core_time *now,
                             struct link *l, uint64_t master_id, const struct core_reply *r,
                             struct core_actions *out)
{
    struct instance *mi = instance_by_id(core, master_id);
    if (mi == NULL || mi->kind != INSTANCE_MASTER || r == NULL ||
        r->type != CORE_REPLY_ARRAY || r->elements != 3 ||
        r->element[0].type != CORE_REPLY_INTEGER ||
        (r->element[1].type != CORE_REPLY_STRING && r->element[1].type != CORE_REPLY_STATUS) ||
        r->element[2].type != CORE_REPLY_INTEGER)
        return;
    struct master *m = mi->master;
    for (size_t i = 0; i < m->sentinel_count; i++) {
        struct instance *s = m->sentinels[i];
        if (s->link != l)
            continue;
        s->last_master_down_reply_ms = now->mono_ms;
        if (r->element[0].integer == 1)
            s->flags |= FLAG_MASTER_DOWN;
        else
            s->flags &= ~FLAG_MASTER_DOWN;
        const struct core_reply *leader = &r->element[1];
        if (!(leader->len == 1 && leader->str[0] == '*')) {
            free(s->leader);
            s->leader = core_xcalloc(1, leader->len + 1);
            memcpy(s->leader, leader->str, leader->len);
            s->leader_epoch = (uint64_t)r->element[2].integer;
        }
    }
    /* A vote may complete an election: count at once, not on the next tick. */
    if (!core->tilt && m->failover_state == FAILOVER_WAIT_START)
        failover_tick(core, now, m, out);
}

static void replica_discovered(struct core *core, const struct core_time *now,
                               struct master *m, const char *host, int port,
                               struct core_actions *out)
{
    if (core_replica_find(m, host, port) != NULL)
        return;
    struct instance *r = core_replica_add(core, m, host, port, now);
    if (r == NULL)
        return;
    core_act_event(out, LOG_NOTICE, "+slave", r, "%s", "");
    core_act_persist_lazy(out);
}

static void apply_info(struct core *core, const struct core_time *now, struct instance *inst,
                       const struct info_report *info, struct core_actions *out)
{
    if (info->run_id[0] != '\0') {
        if (inst->runid[0] != '\0' && strcmp(inst->runid, info->run_id) != 0) {
            core_act_event(out, LOG_NOTICE, "+reboot", inst, "%s", "");
            if (inst->kind == INSTANCE_MASTER && inst->master->master_reboot_down_after_ms > 0) {
                inst->flags |= FLAG_MASTER_REBOOT;
                inst->master_reboot_since_ms = now->mono_ms;
            }
        }
        memcpy(inst->runid, info->run_id, RUNID_LEN + 1);
    }
    if (info->role != ROLE_UNKNOWN && info->role != inst->role_reported) {
        inst->role_reported = info->role;
        inst->role_reported_ms = now->mono_ms;
        if (inst->kind == INSTANCE_REPLICA)
            inst->replica_conf_change_ms = now->mono_ms;
        /* "+" when the reported role agrees with what we hold the instance
         * to be, "-" when it does not, as Redis Sentinel signs it. */
        int coherent = (inst->kind == INSTANCE_MASTER) == (info->role == ROLE_MASTER);
        core_act_event(out, LOG_VERBOSE, coherent ? "+role-change" : "-role-change", inst,
                       " new reported role is %s", info->role == ROLE_MASTER ? "master" : "slave");
    }
    if (info->role == ROLE_REPLICA) {
        inst->master_link_up = info->master_link_up;
        inst->master_link_down_since_s = info->master_link_down_since_s;
        inst->replica_priority = info->replica_priority;
        inst->repl_offset = info->repl_offset;
        inst->replica_announced = info->replica_announced;
        if (strcmp(inst->replica_master_host, info->master_host) != 0 ||
            inst->replica_master_port != info->master_port) {
            snprintf(inst->replica_master_host, sizeof(inst->replica_master_host), "%s",
                     info->master_host);
            inst->replica_master_port = info->master_port;
            inst->replica_conf_change_ms = now->mono_ms;
        }
    }
    if (inst->kind == INSTANCE_MASTER && info->role == ROLE_MASTER)
        for (size_t i = 0; i < info->replica_count; i++)
            replica_discovered(core, now, inst->master, info->replicas[i].host,
                               info->replicas[i].port, out);
}

static void on_info_reply(struct core *core, const struct core_time *now, uint64_t id,
                          const struct core_reply *r, struct core_actions *out)
{
    struct instance *inst = instance_by_id(core, id);
    if (inst == NULL || inst->kind == INSTANCE_SENTINEL)
        return;
    core_info_answered(inst, now);
    if (r == NULL || r->type != CORE_REPLY_STRING)
        return;
    inst->info_refresh_ms = now->mono_ms;
    free(inst->info_cache);
    inst->info_cache = core_xcalloc(1, r->len + 1);
    memcpy(inst->info_cache, r->str, r->len);
    struct info_report info;
    memset(&info, 0, sizeof(info));
    if (info_parse(r->str, r->len, &info) == 0) {
        apply_info(core, now, inst, &info, out);
        if (!core->tilt)
            failover_on_info(core, now, inst, out);
    }
    info_report_clear(&info);
}

void monitor_reply(struct core *core, const struct core_time *now,
                   const struct core_event *ev, struct core_actions *out)
{
    struct link *l = core_link_find(core, ev->link_id);
    switch (ev->tag) {
    case TAG_PING:
        on_ping_reply(core, now, l, ev->ctx, ev->reply);
        break;
    case TAG_INFO:
        on_info_reply(core, now, ev->ctx, ev->reply, out);
        break;
    case TAG_IS_DOWN:
        on_is_down_reply(core, now, l, ev->ctx, ev->reply, out);
        break;
    default:
        break;
    }
}

/* --- hellos ----------------------------------------------------------------------------- */

/* Finds the sentinel of m that announced h; a peer that changed address or
 * run id replaces its old entry (duplicates collapse by run id). */
static struct instance *hello_sentinel(struct core *core, const struct core_time *now,
                                       struct master *m, const struct hello *h,
                                       struct core_actions *out)
{
    for (size_t i = 0; i < m->sentinel_count; i++) {
        struct instance *s = m->sentinels[i];
        if (strcmp(s->runid, h->runid) == 0 && s->addr.port == h->port &&
            strcmp(s->addr.host, h->ip) == 0)
            return s;
    }
    for (size_t i = m->sentinel_count; i-- > 0;) {
        struct instance *s = m->sentinels[i];
        int same_id = strcmp(s->runid, h->runid) == 0;
        int same_addr = s->addr.port == h->port && strcmp(s->addr.host, h->ip) == 0;
        if (same_id)
            core_act_event(out, LOG_NOTICE, "+sentinel-address-switch", &m->inst,
                           " ip %s port %d for %s", h->ip, h->port, h->runid);
        if (same_id || same_addr)
            core_sentinel_remove_at(core, m, i);
    }
    struct instance *s = core_sentinel_add(core, m, h->ip, h->port, h->runid, now);
    if (s == NULL)
        return NULL;
    core_act_event(out, LOG_NOTICE, "+sentinel", s, "%s", "");
    core_act_persist_lazy(out);
    return s;
}

void monitor_hello(struct core *core, const struct core_time *now, const char *payload,
                   struct core_actions *out)
{
    struct hello h;
    if (hello_parse(payload, &h) < 0 || strcmp(h.runid, core->myid) == 0)
        return;
    for (size_t i = 0; i < core->peer_count; i++)
        if (core->peers[i].addr.port == h.port && strcmp(core->peers[i].addr.host, h.ip) == 0) {
            memcpy(core->peers[i].runid, h.runid, RUNID_LEN + 1);
            core->peers[i].last_hello_ms = now->mono_ms;
        }
    struct master *m = core_master_find(core, h.master_name);
    if (m == NULL)
        return;
    core_epoch_observe(core, h.current_epoch, out);
    struct instance *s = hello_sentinel(core, now, m, &h, out);
    if (s == NULL)
        return;
    s->last_hello_ms = now->mono_ms;
    if (m->config_epoch < h.master_config_epoch && h.master_config_epoch <= CORE_EPOCH_MAX) {
        /* A newer configuration wins over a failover of ours from an older
         * epoch: carrying on would announce our replica under its epoch. */
        if ((m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) &&
            m->failover_epoch < h.master_config_epoch)
            failover_superseded(now, m, h.master_config_epoch, out);
        m->config_epoch = h.master_config_epoch;
        /* A config epoch is always an epoch someone reached: never let
         * ours lag behind it, or our next failover epoch could be lower. */
        core_epoch_observe(core, h.master_config_epoch, out);
        core_act_persist(out);
        const struct addr *cur = core_master_addr(m);
        if (h.master_port != cur->port || strcmp(h.master_ip, cur->host) != 0) {
            core_act_event(out, LOG_WARNING, "+config-update-from", s, "%s", "");
            struct addr to = {.port = h.master_port};
            snprintf(to.host, sizeof(to.host), "%s", h.master_ip);
            failover_reconfig_script(m, "observer", "start", &m->inst.addr, &to, out);
            failover_switch_master(core, now, m, h.master_ip, h.master_port, out);
        }
    }
}
