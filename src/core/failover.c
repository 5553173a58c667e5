/*
 * failover.c - starting a failover, choosing a replica, the failover state
 * machine, and switching a master's address when a failover ends here or is
 * learned from a peer.
 *
 * The states and events are Redis Sentinel's (wait_start, select_slave,
 * send_slaveof_noone, wait_promotion, reconf_slaves, update_config) so that
 * operators and tools read the same story.  What differs is pace: the
 * promoted replica is polled every 100 ms while we wait for it, replicas
 * are repointed as soon as the promotion is seen, and clients are given the
 * new address from that moment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define START_DESYNC_MS 250

static void set_state(struct master *m, enum failover_state s, const struct core_time *now)
{
    m->failover_state = s;
    m->failover_state_change_ms = now->mono_ms;
}

static void failover_abort(const struct core_time *now, struct master *m);

void failover_superseded(const struct core_time *now, struct master *m, uint64_t epoch,
                         struct core_actions *out)
{
    core_act_log(out, LOG_WARNING,
                 "Failover of %s in epoch %llu superseded by config epoch %llu: stopping it",
                 m->inst.name, (unsigned long long)m->failover_epoch,
                 (unsigned long long)epoch);
    failover_abort(now, m);
}

static void failover_abort(const struct core_time *now, struct master *m)
{
    m->inst.flags &= ~(FLAG_FAILOVER_IN_PROGRESS | FLAG_FORCE_FAILOVER);
    set_state(m, FAILOVER_NONE, now);
    if (m->promoted != NULL)
        m->promoted->flags &= ~FLAG_PROMOTED;
    m->promoted = NULL;
    m->failovers_aborted++;
}

/* The reconfiguration transaction Redis Sentinel sends: MULTI, SLAVEOF,
 * CONFIG REWRITE, CLIENT KILL of normal and pub/sub clients (so clients
 * reconnect and find the new master), EXEC — every name through the
 * master's rename-command map. */
static void send_replicaof(struct master *m, struct instance *inst, const char *host, int port,
                           struct core_actions *out)
{
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    const char *multi[] = {"MULTI"};
    const char *slaveof_noone[] = {"SLAVEOF", "NO", "ONE"};
    const char *slaveof[] = {"SLAVEOF", host, portstr};
    const char *rewrite[] = {"CONFIG", "REWRITE"};
    const char *kill_normal[] = {"CLIENT", "KILL", "TYPE", "normal"};
    const char *kill_pubsub[] = {"CLIENT", "KILL", "TYPE", "pubsub"};
    const char *exec[] = {"EXEC"};
    struct link *l = inst->link;
    core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 1, multi);
    if (host == NULL)
        core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 3, slaveof_noone);
    else
        core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 3, slaveof);
    core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 2, rewrite);
    core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 4, kill_normal);
    core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 4, kill_pubsub);
    core_act_send_renamed(out, m, l, TAG_REPLICAOF, inst->id, 1, exec);
    l->pending_commands += 6;
}

void failover_reconfig_script(struct master *m, const char *role, const char *state,
                            const struct addr *from, const struct addr *to,
                            struct core_actions *out)
{
    if (m->client_reconfig_script == NULL)
        return;
    struct core_action *a = core_act_push(out, CORE_ACT_RECONFIG_SCRIPT);
    a->script = core_xstrdup(m->client_reconfig_script);
    a->argc = 7;
    a->argv = core_xcalloc(8, sizeof(char *));
    a->argv[0] = core_xstrdup(m->inst.name);
    a->argv[1] = core_xstrdup(role);
    a->argv[2] = core_xstrdup(state);
    a->argv[3] = core_xstrdup(from->host);
    a->argv[4] = core_xasprintf("%d", from->port);
    a->argv[5] = core_xstrdup(to->host);
    a->argv[6] = core_xasprintf("%d", to->port);
}

/* --- replica selection -------------------------------------------------------------- */

static int replica_usable(const struct master *m, const struct instance *r,
                          const struct core_time *now, int64_t max_master_down_ms)
{
    int64_t t = now->mono_ms;
    if (monitor_instance_is_down(r) || !r->link->cmd_connected)
        return 0;
    const struct core_timing *tm = m->timing;
    if (t - r->link->last_avail_ms > tm->ping_period_ms * 5)
        return 0;
    if (r->replica_priority == 0)
        return 0;
    int64_t info_validity = (m->inst.flags & FLAG_S_DOWN) ? tm->ping_period_ms * 5
                                                          : tm->info_period_ms * 3;
    if (r->info_refresh_ms == 0 || t - r->info_refresh_ms > info_validity)
        return 0;
    int64_t link_down_ms = r->master_link_up ? 0 : r->master_link_down_since_s * 1000;
    if (link_down_ms > max_master_down_ms)
        return 0;
    /* Extension: data older than replica-validity-time is never promoted.
     * The INFO says how long the link had been down when it was written;
     * the time since then (counted from the request, which an INFO held up
     * in the network cannot hide) is added. */
    if (m->replica_validity_ms > 0) {
        if (!r->master_link_up && r->master_link_down_since_s < 0)
            return 0;
        if (link_down_ms + (t - r->info_written_ms) > m->replica_validity_ms)
            return 0;
    }
    return 1;
}

/* Lower priority first, then more data, then the smaller run id (an
 * unknown run id last), as Redis Sentinel orders candidates. */
static int replica_better(const struct instance *a, const struct instance *b)
{
    if (a->replica_priority != b->replica_priority)
        return a->replica_priority < b->replica_priority;
    if (a->repl_offset != b->repl_offset)
        return a->repl_offset > b->repl_offset;
    if (a->runid[0] == '\0' || b->runid[0] == '\0')
        return b->runid[0] == '\0' && a->runid[0] != '\0';
    return strcasecmp(a->runid, b->runid) < 0;
}

struct instance *failover_select_replica(const struct master *m, const struct core_time *now)
{
    /* A replica may have lost its master link at most 10 x down-after
     * before the master itself went silent.  Redis Sentinel measures the
     * silence from its own SDOWN, which starts late after TILT and then
     * refuses every replica round after round; the last valid reply we had
     * from the master is the better witness. */
    int64_t silent_ms = 0;
    if (m->inst.flags & FLAG_S_DOWN)
        silent_ms = now->mono_ms - m->inst.s_down_since_ms;
    if (now->mono_ms - m->inst.link->last_avail_ms > silent_ms)
        silent_ms = now->mono_ms - m->inst.link->last_avail_ms;
    int64_t max_down = m->inst.down_after_ms * 10 + silent_ms;
    /* A master we never heard from since we started (every sentinel
     * restarted after it died) gives no such witness, and the window above
     * would refuse every replica forever; the freshest replica is then the
     * reference instead. replica-validity-time still applies. */
    if (m->inst.runid[0] == '\0') {
        int64_t freshest = -1;
        for (size_t i = 0; i < m->replica_count; i++) {
            const struct instance *r = m->replicas[i];
            if (r->info_refresh_ms == 0 || r->master_link_down_since_s < 0)
                continue;
            int64_t down = r->master_link_up ? 0 : r->master_link_down_since_s * 1000;
            if (freshest < 0 || down < freshest)
                freshest = down;
        }
        if (freshest >= 0 && freshest + m->inst.down_after_ms * 10 > max_down)
            max_down = freshest + m->inst.down_after_ms * 10;
    }
    struct instance *best = NULL;
    for (size_t i = 0; i < m->replica_count; i++) {
        struct instance *r = m->replicas[i];
        if (replica_usable(m, r, now, max_down) && (best == NULL || replica_better(r, best)))
            best = r;
    }
    return best;
}

/* --- starting ------------------------------------------------------------------------- */

static void failover_start(struct core *core, const struct core_time *now, struct master *m,
                           struct core_actions *out)
{
    m->inst.flags |= FLAG_FAILOVER_IN_PROGRESS;
    set_state(m, FAILOVER_WAIT_START, now);
    m->failover_epoch = ++core->current_epoch;
    m->failovers_started++;
    /* The next attempt's 2 x failover-timeout counts from a randomised
     * start, as in Redis Sentinel, so that a sentinel whose attempts keep
     * aborting does not always retry first and keep winning. */
    m->failover_start_ms =
        now->mono_ms + (int64_t)(core_prng_next(&core->prng) % MAX_DESYNC_MS);
    m->failover_begin_ms = now->mono_ms;
    m->promoted = NULL;
    /* The new epoch is on disk before any vote request can carry it. */
    core_act_persist(out);
    core_act_event(out, LOG_WARNING, "+new-epoch", NULL, "%llu",
                   (unsigned long long)core->current_epoch);
    core_act_event(out, LOG_WARNING, "+try-failover", &m->inst, "%s", "");
}

/* Returns 1 when a failover starts now (the caller then asks for votes at
 * once). */
static int start_if_needed(struct core *core, const struct core_time *now, struct master *m,
                           struct core_actions *out)
{
    int64_t t = now->mono_ms;
    if (!(m->inst.flags & FLAG_O_DOWN)) {
        m->failover_delay_until_ms = 0;
        return 0;
    }
    if ((m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) || core->current_epoch >= CORE_EPOCH_MAX)
        return 0;
    if (m->failover_start_ms != 0 && t - m->failover_start_ms < 2 * m->failover_timeout_ms) {
        if (m->failover_delay_logged_ms != m->failover_start_ms) {
            m->failover_delay_logged_ms = m->failover_start_ms;
            core_act_log(out, LOG_WARNING,
                         "Next failover delay: I will not start a failover before %lld ms "
                         "from now", (long long)(m->failover_start_ms +
                                                 2 * m->failover_timeout_ms - t));
        }
        return 0;
    }
    if (m->min_failover_interval_ms > 0 && m->last_failover_end_ms != 0 &&
        t - m->last_failover_end_ms < m->min_failover_interval_ms)
        return 0;
    /* A short random delay keeps sentinels that saw ODOWN together from
     * all voting for themselves in the same epoch. */
    if (m->failover_delay_until_ms == 0) {
        m->failover_delay_until_ms = t + (int64_t)(core_prng_next(&core->prng) % START_DESYNC_MS);
        if (m->failover_delay_until_ms == 0)
            m->failover_delay_until_ms = 1;
    }
    if (t < m->failover_delay_until_ms)
        return 0;
    m->failover_delay_until_ms = 0;
    failover_start(core, now, m, out);
    return 1;
}

int core_force_failover(struct core *core, const struct core_time *now, struct master *m,
                        const char **err, struct core_actions *out)
{
    if (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) {
        *err = "INPROG Failover already in progress";
        return -1;
    }
    if (failover_select_replica(m, now) == NULL) {
        *err = "NOGOODSLAVE No suitable replica to promote";
        return -1;
    }
    core_act_log(out, LOG_WARNING, "Executing user requested FAILOVER of '%s'", m->inst.name);
    failover_start(core, now, m, out);
    m->inst.flags |= FLAG_FORCE_FAILOVER;
    return 0;
}

/* --- the state machine ------------------------------------------------------------------ */

static void state_wait_start(struct core *core, const struct core_time *now, struct master *m,
                             struct core_actions *out)
{
    int voters = 0, votes = 0;
    const char *leader = vote_count(core, now, m, m->failover_epoch, &voters, &votes, out);
    int is_leader = leader != NULL && strcmp(leader, core->myid) == 0;
    if (!is_leader && !(m->inst.flags & FLAG_FORCE_FAILOVER)) {
        int64_t election_timeout = m->failover_timeout_ms < m->timing->election_timeout_ms
                                       ? m->failover_timeout_ms
                                       : m->timing->election_timeout_ms;
        if (now->mono_ms - m->failover_begin_ms > election_timeout) {
            core_act_event(out, LOG_WARNING, "-failover-abort-not-elected", &m->inst, "%s", "");
            failover_abort(now, m);
        }
        return;
    }
    core_act_event(out, LOG_WARNING, "+elected-leader", &m->inst, "%s", "");
    if (core->simulate_failure & SIMFAIL_CRASH_AFTER_ELECTION)
        core_act_push(out, CORE_ACT_CRASH);
    set_state(m, FAILOVER_SELECT_REPLICA, now);
    core_act_event(out, LOG_WARNING, "+failover-state-select-slave", &m->inst, "%s", "");
}

static void state_select(const struct core_time *now, struct master *m, struct core_actions *out)
{
    struct instance *r = failover_select_replica(m, now);
    if (r == NULL) {
        core_act_event(out, LOG_WARNING, "-failover-abort-no-good-slave", &m->inst, "%s", "");
        failover_abort(now, m);
        /* Step aside for a failover-timeout more than the others: a peer
         * that can see a good replica then gets to try first, instead of
         * voting for us again and again while we cannot promote anyone. */
        m->failover_start_ms += m->failover_timeout_ms;
        return;
    }
    core_act_event(out, LOG_WARNING, "+selected-slave", r, "%s", "");
    r->flags |= FLAG_PROMOTED;
    m->promoted = r;
    set_state(m, FAILOVER_SEND_REPLICAOF_NOONE, now);
    core_act_event(out, LOG_NOTICE, "+failover-state-send-slaveof-noone", r, "%s", "");
}

static void state_send_noone(const struct core_time *now, struct master *m,
                             struct core_actions *out)
{
    struct instance *r = m->promoted;
    if (!r->link->cmd_connected) {
        if (now->mono_ms - m->failover_state_change_ms > m->failover_timeout_ms) {
            core_act_event(out, LOG_WARNING, "-failover-abort-slave-timeout", r, "%s", "");
            failover_abort(now, m);
        }
        return;
    }
    send_replicaof(m, r, NULL, 0, out);
    /* Ask at once how it went; the answer drives the next step. */
    static const char *const info[] = {"INFO"};
    core_act_send_renamed(out, m, r->link, TAG_INFO, r->id, 1, info);
    r->link->pending_commands++;
    core_info_asked(r, now);
    core_act_event(out, LOG_NOTICE, "+failover-state-wait-promotion", r, "%s", "");
    set_state(m, FAILOVER_WAIT_PROMOTION, now);
}

static void detect_end(const struct core_time *now, struct master *m, struct core_actions *out)
{
    struct instance *p = m->promoted;
    if (p == NULL || (p->flags & FLAG_S_DOWN))
        return;
    int not_done = 0;
    for (size_t i = 0; i < m->replica_count; i++) {
        const struct instance *r = m->replicas[i];
        if (!(r->flags & (FLAG_PROMOTED | FLAG_RECONF_DONE | FLAG_S_DOWN)))
            not_done++;
    }
    int timeout = now->mono_ms - m->failover_state_change_ms > m->failover_timeout_ms;
    if (timeout) {
        not_done = 0;
        core_act_event(out, LOG_WARNING, "+failover-end-for-timeout", &m->inst, "%s", "");
    }
    if (not_done > 0)
        return;
    core_act_event(out, LOG_WARNING, "+failover-end", &m->inst, "%s", "");
    set_state(m, FAILOVER_UPDATE_CONFIG, now);
    if (!timeout)
        return;
    /* Best effort for replicas that never confirmed: point them anyway. */
    for (size_t i = 0; i < m->replica_count; i++) {
        struct instance *r = m->replicas[i];
        if ((r->flags & (FLAG_PROMOTED | FLAG_RECONF_DONE | FLAG_RECONF_SENT)) ||
            !r->link->cmd_connected)
            continue;
        send_replicaof(m, r, p->addr.host, p->addr.port, out);
        core_act_event(out, LOG_NOTICE, "+slave-reconf-sent-be", r, "%s", "");
        r->flags |= FLAG_RECONF_SENT;
    }
}

static void state_reconf(const struct core_time *now, struct master *m, struct core_actions *out)
{
    struct instance *p = m->promoted;
    /* Give up on replicas that never confirmed first, so that one stuck
     * replica cannot hold the parallel-syncs slots (and the failover) until
     * failover-timeout. */
    for (size_t i = 0; i < m->replica_count; i++) {
        struct instance *r = m->replicas[i];
        if ((r->flags & FLAG_RECONF_SENT) &&
            now->mono_ms - r->reconf_sent_ms > m->timing->replica_reconf_timeout_ms) {
            core_act_event(out, LOG_NOTICE, "-slave-reconf-sent-timeout", r, "%s", "");
            r->flags &= ~FLAG_RECONF_SENT;
            r->flags |= FLAG_RECONF_DONE;
        }
    }
    int in_progress = 0;
    for (size_t i = 0; i < m->replica_count; i++)
        if (m->replicas[i]->flags & (FLAG_RECONF_SENT | FLAG_RECONF_INPROG))
            in_progress++;
    for (size_t i = 0; i < m->replica_count && in_progress < m->parallel_syncs; i++) {
        struct instance *r = m->replicas[i];
        if (r->flags & (FLAG_PROMOTED | FLAG_RECONF_DONE))
            continue;
        if ((r->flags & (FLAG_RECONF_SENT | FLAG_RECONF_INPROG)) || !r->link->cmd_connected)
            continue;
        send_replicaof(m, r, p->addr.host, p->addr.port, out);
        r->flags |= FLAG_RECONF_SENT;
        r->reconf_sent_ms = now->mono_ms;
        core_act_event(out, LOG_NOTICE, "+slave-reconf-sent", r, "%s", "");
        in_progress++;
    }
    detect_end(now, m, out);
}

static void failover_step(struct core *core, const struct core_time *now, struct master *m,
                          struct core_actions *out)
{
    switch (m->failover_state) {
    case FAILOVER_WAIT_START:
        state_wait_start(core, now, m, out);
        break;
    case FAILOVER_SELECT_REPLICA:
        state_select(now, m, out);
        break;
    case FAILOVER_SEND_REPLICAOF_NOONE:
        state_send_noone(now, m, out);
        break;
    case FAILOVER_WAIT_PROMOTION:
        if (now->mono_ms - m->failover_state_change_ms > m->failover_timeout_ms) {
            core_act_event(out, LOG_WARNING, "-failover-abort-slave-timeout", m->promoted,
                           "%s", "");
            failover_abort(now, m);
        }
        break;
    case FAILOVER_RECONF_REPLICAS:
        state_reconf(now, m, out);
        break;
    default:
        break;
    }
}

/* Runs m's failover as far as it can go now: a step whose outcome is
 * already known (elected, replica chosen...) is followed at once by the
 * next rather than on the next tick.  Returns 1 if a failover started. */
int failover_tick(struct core *core, const struct core_time *now, struct master *m,
                  struct core_actions *out)
{
    int started = start_if_needed(core, now, m, out);
    for (int i = 0; i < 8 && (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS); i++) {
        enum failover_state before = m->failover_state;
        failover_step(core, now, m, out);
        if (m->failover_state == before || m->failover_state == FAILOVER_UPDATE_CONFIG)
            break;
    }
    if ((m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) &&
        m->failover_state == FAILOVER_UPDATE_CONFIG) {
        struct instance *p = m->promoted;
        m->failovers_succeeded++;
        m->last_failover_end_ms = now->mono_ms;
        m->last_failover_duration_ms = now->mono_ms - m->failover_begin_ms;
        failover_switch_master(core, now, m, p->addr.host, p->addr.port, out);
    }
    return started;
}

/* --- reacting to INFO ------------------------------------------------------------------- */

static int master_looks_sane(const struct master *m, const struct core_time *now)
{
    return m->inst.role_reported == ROLE_MASTER &&
           !(m->inst.flags & (FLAG_S_DOWN | FLAG_O_DOWN)) && m->inst.info_refresh_ms != 0 &&
           now->mono_ms - m->inst.info_refresh_ms < m->timing->info_period_ms * 2;
}

static int no_down_for(const struct instance *inst, const struct core_time *now, int64_t ms)
{
    int64_t when = inst->s_down_since_ms > inst->o_down_since_ms ? inst->s_down_since_ms
                                                                 : inst->o_down_since_ms;
    return when == 0 || now->mono_ms - when > ms;
}

static void promoted_confirmed(struct core *core, const struct core_time *now, struct master *m,
                               struct instance *r, struct core_actions *out)
{
    if (m->config_epoch >= m->failover_epoch) {
        failover_superseded(now, m, m->config_epoch, out);
        return;
    }
    m->config_epoch = m->failover_epoch;
    set_state(m, FAILOVER_RECONF_REPLICAS, now);
    core_act_persist(out);
    core_act_event(out, LOG_WARNING, "+promoted-slave", r, "%s", "");
    if (core->simulate_failure & SIMFAIL_CRASH_AFTER_PROMOTION)
        core_act_push(out, CORE_ACT_CRASH);
    core_act_event(out, LOG_WARNING, "+failover-state-reconf-slaves", &m->inst, "%s", "");
    /* Tell peers now instead of at the next 2 s hello: they switch as
     * soon as they see the new config epoch. */
    core_master_hello_soon(m);
    failover_reconfig_script(m, "leader", "start", &m->inst.addr, &r->addr, out);
    /* Repoint the others now rather than on the next tick. */
    state_reconf(now, m, out);
}

static void replica_reports_master(struct core *core, const struct core_time *now,
                                   struct master *m, struct instance *r, struct core_actions *out)
{
    if ((r->flags & FLAG_PROMOTED) && (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) &&
        m->failover_state == FAILOVER_WAIT_PROMOTION) {
        promoted_confirmed(core, now, m, r, out);
        return;
    }
    /* A replica turned master on its own (or the old master came back):
     * after a grace period for newer configs to arrive, make it follow. */
    int64_t wait_ms = m->timing->publish_period_ms * 4;
    if (!(r->flags & FLAG_PROMOTED) && master_looks_sane(m, now) && no_down_for(r, now, wait_ms) &&
        now->mono_ms - r->role_reported_ms > wait_ms) {
        send_replicaof(m, r, m->inst.addr.host, m->inst.addr.port, out);
        core_act_event(out, LOG_NOTICE, "+convert-to-slave", r, "%s", "");
    }
}

/* Whether host names m's address: as written, or (a host name kept with
 * announce-hostnames yes) the address it resolved to when the link last
 * connected, as Redis Sentinel compares a replica's master_host by
 * resolving the name. */
static int is_master_host(const struct master *m, const char *host)
{
    const struct link *l = m->inst.link;
    return strcmp(host, m->inst.addr.host) == 0 ||
           (l != NULL && l->peer_ip[0] != '\0' && strcmp(host, l->peer_ip) == 0);
}

static void replica_reports_replica(struct core *core, const struct core_time *now,
                                    struct master *m, struct instance *r,
                                    struct core_actions *out)
{
    int wrong_master = r->replica_master_port != m->inst.addr.port ||
                       !is_master_host(m, r->replica_master_host);
    int reconfiguring = (r->flags & (FLAG_RECONF_SENT | FLAG_RECONF_INPROG)) != 0;
    if (wrong_master && !reconfiguring && !(m->inst.flags & FLAG_FAILOVER_IN_PROGRESS)) {
        int64_t wait_ms = m->failover_timeout_ms;
        if (master_looks_sane(m, now) && no_down_for(r, now, wait_ms) &&
            now->mono_ms - r->replica_conf_change_ms > wait_ms) {
            send_replicaof(m, r, m->inst.addr.host, m->inst.addr.port, out);
            core_act_event(out, LOG_NOTICE, "+fix-slave-config", r, "%s", "");
        }
    }
    struct instance *p = m->promoted;
    if (!reconfiguring || p == NULL || m->failover_state != FAILOVER_RECONF_REPLICAS)
        return;
    if ((r->flags & FLAG_RECONF_SENT) && r->replica_master_port == p->addr.port &&
        strcmp(r->replica_master_host, p->addr.host) == 0) {
        r->flags &= ~FLAG_RECONF_SENT;
        r->flags |= FLAG_RECONF_INPROG;
        core_act_event(out, LOG_NOTICE, "+slave-reconf-inprog", r, "%s", "");
    }
    if ((r->flags & FLAG_RECONF_INPROG) && r->master_link_up) {
        r->flags &= ~FLAG_RECONF_INPROG;
        r->flags |= FLAG_RECONF_DONE;
        core_act_event(out, LOG_NOTICE, "+slave-reconf-done", r, "%s", "");
        /* The last one done ends the failover now rather than next tick. */
        failover_tick(core, now, m, out);
    }
}

void failover_on_info(struct core *core, const struct core_time *now, struct instance *inst,
                      struct core_actions *out)
{
    if (inst->kind != INSTANCE_REPLICA)
        return;
    struct master *m = inst->master;
    if (inst->role_reported == ROLE_MASTER)
        replica_reports_master(core, now, m, inst, out);
    else if (inst->role_reported == ROLE_REPLICA)
        replica_reports_replica(core, now, m, inst, out);
}

/* Forgets the master's replicas (keeping its sentinels), points it at
 * host:port and re-adds the old replicas plus the old master as replicas of
 * the new address, as Redis Sentinel does on +switch-master. */
void failover_switch_master(struct core *core, const struct core_time *now, struct master *m,
                            const char *new_host, int port, struct core_actions *out)
{
    /* new_host may point into a replica that is freed below. */
    char host[HOST_MAX];
    snprintf(host, sizeof(host), "%s", new_host);
    size_t n = 0;
    struct addr *keep = core_xcalloc(m->replica_count + 1, sizeof(*keep));
    for (size_t i = 0; i < m->replica_count; i++) {
        const struct addr *a = &m->replicas[i]->addr;
        if (!(a->port == port && strcmp(a->host, host) == 0))
            keep[n++] = *a;
    }
    struct addr old = m->inst.addr;
    if (!(old.port == port && strcmp(old.host, host) == 0))
        keep[n++] = old;
    core_act_event(out, LOG_WARNING, "+switch-master", NULL, "%s %s %d %s %d", m->inst.name,
                   old.host, old.port, host, port);
    /* Take the new address's link before dropping the replicas: the
     * promoted replica's connection then carries on as the master's. */
    struct link *old_link = m->inst.link;
    snprintf(m->inst.addr.host, sizeof(m->inst.addr.host), "%s", host);
    m->inst.addr.port = port;
    m->inst.link = core_link_acquire(core, LINK_DATA, &m->inst.addr);
    core_link_release(core, old_link);
    while (m->replica_count > 0)
        core_replica_remove_at(core, m, m->replica_count - 1);
    core_link_set_auth(m->inst.link, m->auth_user, m->auth_pass);
    m->inst.flags &= ~(FLAG_S_DOWN | FLAG_O_DOWN | FLAG_FAILOVER_IN_PROGRESS |
                       FLAG_FORCE_FAILOVER | FLAG_MASTER_REBOOT | FLAG_SCRIPT_KILL_SENT);
    m->inst.runid[0] = '\0';
    m->inst.info_refresh_ms = 0;
    m->inst.info_inflight = 0;
    m->inst.s_down_since_ms = 0;
    m->inst.o_down_since_ms = 0;
    m->inst.role_reported = ROLE_MASTER;
    m->inst.role_reported_ms = now->mono_ms;
    m->failover_state = FAILOVER_NONE;
    m->promoted = NULL;
    core_link_start_clock(m->inst.link, now);
    /* The link may be the promoted replica's, with a PING outstanding from
     * before (a partition, say): as a master it starts afresh, as Redis
     * Sentinel's new link would, or it could be SDOWN at once. */
    if (m->inst.link->act_ping_ms != 0)
        m->inst.link->act_ping_ms = now->mono_ms;
    m->inst.link->last_avail_ms = now->mono_ms;
    for (size_t i = 0; i < m->sentinel_count; i++) {
        m->sentinels[i]->flags &= ~FLAG_MASTER_DOWN;
        free(m->sentinels[i]->leader);
        m->sentinels[i]->leader = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct instance *r = core_replica_add(core, m, keep[i].host, keep[i].port, now);
        if (r != NULL)
            core_act_event(out, LOG_NOTICE, "+slave", r, "%s", "");
    }
    free(keep);
    core_master_hello_soon(m);
    core_act_persist(out);
}
