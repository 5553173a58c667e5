/*
 * check.c - the invariants, checked after every step, and liveness.
 *
 * Safety (any schedule of faults):
 *  - a sentinel votes at most once per epoch: every vote that leaves a
 *    process (a +vote-for-leader carried out, an is-master-down reply that
 *    names a leader) is recorded per sentinel, across restarts;
 *  - at most one leader is elected per epoch, and only with the votes of a
 *    majority of all sentinels (so a minority partition never elects one);
 *  - at most one promotion per config epoch, by that epoch's leader;
 *  - current_epoch and config_epoch never go backwards within a process,
 *    and a restart never comes back below what the process had shown;
 *  - a replica with priority 0 is never selected or promoted;
 *  - a config epoch names one master address: no two hellos carry the
 *    same master config epoch with different addresses (peers adopt the
 *    first one they hear and ignore the rest).
 * Liveness (after the faults heal): every sentinel names the same master,
 * a live node that reports role master, and the other live nodes
 * replicate from it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hello.h"
#include "sim.h"

const char *const known_bug_names[KNOWN_BUGS] = {
    [KNOWN_NONE] = "unclassified",
    [KNOWN_HELLO_OLD_ADDRESS] = "A: leader announces the old master address with its new "
                                "config epoch",
    [KNOWN_SUPERSEDED_FAILOVER] = "B: a failover overtaken by a newer config epoch goes on "
                                  "and announces its replica under that epoch",
    [KNOWN_LATE_SDOWN] = "C: a leader whose SDOWN began late (TILT, restart) finds every "
                         "replica too long disconnected and aborts, round after round",
    [KNOWN_INFO_AGE] = "D: an INFO reply held up in the network is dated by its arrival, so "
                       "a stale replica passes replica-validity-time",
};

void check_free(struct checker *c)
{
    for (int i = 0; i < SIM_MAX_SENTINELS; i++)
        free(c->tracks[i].votes);
    free(c->records);
    free(c->announces);
    memset(c, 0, sizeof(*c));
}

static struct track *track_of(struct sim *sim, const struct sim_sentinel *s)
{
    return &sim->check.tracks[s->idx];
}

static void vote_record(struct sim *sim, struct sim_sentinel *s, uint64_t epoch,
                        const char *leader)
{
    struct track *t = track_of(sim, s);
    for (size_t i = 0; i < t->vote_count; i++) {
        if (t->votes[i].epoch != epoch)
            continue;
        if (strcmp(t->votes[i].leader, leader) != 0)
            sim_fail(sim, 0, "s%d voted twice in epoch %" PRIu64 ": for %.8s and for %.8s",
                     s->idx, epoch, t->votes[i].leader, leader);
        return;
    }
    if (t->vote_count == t->vote_cap) {
        t->vote_cap = t->vote_cap ? t->vote_cap * 2 : 16;
        t->votes = realloc(t->votes, t->vote_cap * sizeof(*t->votes));
        if (t->votes == NULL)
            abort();
    }
    struct vote_record *v = &t->votes[t->vote_count++];
    v->epoch = epoch;
    snprintf(v->leader, sizeof(v->leader), "%s", leader);
    if (epoch > t->max_vote_epoch)
        t->max_vote_epoch = epoch;
}

static int votes_for(struct sim *sim, const char *runid, uint64_t epoch)
{
    int n = 0;
    for (int i = 0; i < sim->sentinel_count; i++) {
        const struct track *t = &sim->check.tracks[i];
        for (size_t j = 0; j < t->vote_count; j++)
            if (t->votes[j].epoch == epoch && strcmp(t->votes[j].leader, runid) == 0)
                n++;
    }
    return n;
}

static struct election_record *record_add(struct sim *sim)
{
    struct checker *c = &sim->check;
    if (c->record_count == c->record_cap) {
        c->record_cap = c->record_cap ? c->record_cap * 2 : 16;
        c->records = realloc(c->records, c->record_cap * sizeof(*c->records));
        if (c->records == NULL)
            abort();
    }
    struct election_record *r = &c->records[c->record_count++];
    memset(r, 0, sizeof(*r));
    return r;
}

static const struct election_record *record_find(const struct sim *sim, uint64_t epoch,
                                                 int is_promotion)
{
    for (size_t i = 0; i < sim->check.record_count; i++) {
        const struct election_record *r = &sim->check.records[i];
        if (r->epoch == epoch && r->is_promotion == is_promotion)
            return r;
    }
    return NULL;
}

/* --- per step -------------------------------------------------------------------- */

void check_after_step(struct sim *sim, struct sim_sentinel *s)
{
    const struct master *m = sentinel_master(s);
    uint64_t current = s->core->current_epoch;
    if (current < s->seen_current_epoch)
        sim_fail(sim, 0, "s%d current_epoch went back from %" PRIu64 " to %" PRIu64, s->idx,
                 s->seen_current_epoch, current);
    if (m->config_epoch < s->seen_config_epoch)
        sim_fail(sim, 0, "s%d config_epoch went back from %" PRIu64 " to %" PRIu64, s->idx,
                 s->seen_config_epoch, m->config_epoch);
    s->seen_current_epoch = current;
    s->seen_config_epoch = m->config_epoch;
}

/* Names the known core defect behind two addresses for config epoch
 * epoch, when the sentinel that announced addr fits its pattern. */
static enum known_bug announce_cause(const struct sim *sim, const struct sim_sentinel *s,
                                     uint64_t epoch, const char *addr)
{
    const struct election_record *promoted = record_find(sim, epoch, 1);
    if (promoted != NULL && promoted->sentinel == s->idx && strcmp(promoted->addr, addr) != 0)
        return KNOWN_HELLO_OLD_ADDRESS;
    if (s->promoted_epoch != 0 && s->promoted_epoch < epoch && strcmp(s->promoted, addr) == 0)
        return KNOWN_SUPERSEDED_FAILOVER;
    return KNOWN_NONE;
}

static void announce_check(struct sim *sim, struct sim_sentinel *s, const struct hello *h)
{
    struct checker *c = &sim->check;
    char addr[HOST_MAX + 8];
    snprintf(addr, sizeof(addr), "%s:%d", h->master_ip, h->master_port);
    for (size_t i = 0; i < c->announce_count; i++) {
        const struct announce_record *a = &c->announces[i];
        if (a->config_epoch != h->master_config_epoch)
            continue;
        if (strcmp(a->addr, addr) == 0)
            return;
        enum known_bug cause = announce_cause(sim, s, h->master_config_epoch, addr);
        if (cause == KNOWN_NONE)
            cause = announce_cause(sim, &sim->sentinels[a->sentinel], h->master_config_epoch,
                                   a->addr);
        sim_fail(sim, 0, "config epoch %" PRIu64 " announced with two master addresses: "
                 "%s by s%d, %s by s%d [cause %s]", h->master_config_epoch, a->addr,
                 a->sentinel, addr, s->idx, known_bug_names[cause]);
        sim->failed_known = cause;
        return;
    }
    if (c->announce_count == c->announce_cap) {
        c->announce_cap = c->announce_cap ? c->announce_cap * 2 : 16;
        c->announces = realloc(c->announces, c->announce_cap * sizeof(*c->announces));
        if (c->announces == NULL)
            abort();
    }
    struct announce_record *a = &c->announces[c->announce_count++];
    a->config_epoch = h->master_config_epoch;
    memcpy(a->addr, addr, sizeof(a->addr));
    a->sentinel = s->idx;
}

void check_sent(struct sim *sim, struct sim_sentinel *s, int argc, char *const *argv)
{
    struct track *t = track_of(sim, s);
    if (argc == 3 && strcasecmp(argv[0], "PUBLISH") == 0 &&
        strcmp(argv[1], HELLO_CHANNEL) == 0) {
        struct hello h;
        if (hello_parse(argv[2], &h) < 0) {
            sim_fail(sim, 0, "s%d sent a hello that does not parse: %s", s->idx, argv[2]);
            return;
        }
        if (h.current_epoch > t->max_visible_epoch)
            t->max_visible_epoch = h.current_epoch;
        if (h.master_config_epoch > t->max_visible_config_epoch)
            t->max_visible_config_epoch = h.master_config_epoch;
        char announce[sizeof(s->last_announce)];
        snprintf(announce, sizeof(announce), "%s:%d@%" PRIu64, h.master_ip, h.master_port,
                 h.master_config_epoch);
        if (strcmp(announce, s->last_announce) != 0) {
            trace_line(sim, TRACE_KEY, "s%d now announces master %s", s->idx, announce);
            memcpy(s->last_announce, announce, sizeof(announce));
        }
        if (!sim->opt.no_announce_check)
            announce_check(sim, s, &h);
    } else if (argc == 6 && strcasecmp(argv[0], "SENTINEL") == 0) {
        uint64_t epoch = strtoull(argv[4], NULL, 10);
        if (epoch > t->max_visible_epoch)
            t->max_visible_epoch = epoch;
    }
}

void check_vote_reply(struct sim *sim, struct sim_sentinel *s, const char *leader,
                      uint64_t leader_epoch)
{
    struct track *t = track_of(sim, s);
    if (leader_epoch > t->max_visible_epoch)
        t->max_visible_epoch = leader_epoch;
    if (strcmp(leader, "*") != 0)
        vote_record(sim, s, leader_epoch, leader);
}

void check_restart(struct sim *sim, struct sim_sentinel *s)
{
    const struct track *t = track_of(sim, s);
    const struct master *m = sentinel_master(s);
    if (s->core->current_epoch < t->max_visible_epoch)
        sim_fail(sim, 0, "s%d restarted with current_epoch %" PRIu64 " below the %" PRIu64
                 " it had announced", s->idx, s->core->current_epoch, t->max_visible_epoch);
    if (m->config_epoch < t->max_visible_config_epoch)
        sim_fail(sim, 0, "s%d restarted with config_epoch %" PRIu64 " below the %" PRIu64
                 " it had announced", s->idx, m->config_epoch, t->max_visible_config_epoch);
    if (m->leader_epoch < t->max_vote_epoch)
        sim_fail(sim, 0, "s%d restarted with leader_epoch %" PRIu64 " below its vote in "
                 "epoch %" PRIu64, s->idx, m->leader_epoch, t->max_vote_epoch);
}

/* --- events ------------------------------------------------------------------------- */

/* The replica an event names: "slave <name> <ip> <port> @ ...".  Taken from
 * the text because one step may promote and switch, and the core has
 * forgotten its promoted replica by the time the actions run. */
static int event_replica(const struct core_action *a, char *addr, size_t len)
{
    char ip[HOST_MAX];
    int port = 0;
    if (sscanf(a->text, "slave %*s %255s %d", ip, &port) != 2)
        return -1;
    snprintf(addr, len, "%s:%d", ip, port);
    return 0;
}

static void check_priority(struct sim *sim, struct sim_sentinel *s, const struct core_action *a,
                           const char *what)
{
    char addr[HOST_MAX + 8];
    if (event_replica(a, addr, sizeof(addr)) < 0) {
        sim_fail(sim, 0, "s%d %s event unreadable: %s", s->idx, a->event_type, a->text);
        return;
    }
    for (int i = 0; i < sim->node_count; i++) {
        char mine[HOST_MAX + 8];
        snprintf(mine, sizeof(mine), "%s:%d", sim->nodes[i].ip, sim->nodes[i].port);
        if (strcmp(mine, addr) == 0 && sim->nodes[i].priority == 0)
            sim_fail(sim, 0, "s%d %s %s whose replica-priority is 0", s->idx, what, addr);
    }
}

/* How long the node's link to its master has been down, from the node's
 * own state: -1 when it is up, INT64_MAX when it never came up. */
static int64_t link_down_ms(const struct sim *sim, const struct sim_node *n)
{
    if (n->is_master || n->link_up)
        return -1;
    if (n->link_down_since_ms == 0)
        return INT64_MAX;
    return sim->now_ms - n->link_down_since_ms;
}

/* The core dates an INFO from its request, so what it believes is never
 * less than the truth, but for the whole seconds INFO counts in. */
#define VALIDITY_SLACK_MS 1000
/* A node restarted after the INFO the core judged by was written is a node
 * the core cannot know about yet (INFO is at most five seconds old then). */
#define VALIDITY_RESTART_GRACE_MS 7000

/* How stale s believes the replica at addr is: its INFO's link-down time
 * plus the time since that INFO was requested; -1 if s has no such replica. */
static int64_t believed_down_ms(const struct sim *sim, const struct sim_sentinel *s,
                                const char *addr)
{
    const struct master *m = sentinel_master(s);
    int64_t now = sentinel_now(sim, s).mono_ms;
    for (size_t i = 0; i < m->replica_count; i++) {
        const struct instance *r = m->replicas[i];
        char mine[HOST_MAX + 8];
        snprintf(mine, sizeof(mine), "%s:%d", r->addr.host, r->addr.port);
        if (strcmp(mine, addr) == 0)
            return (r->master_link_up ? 0 : r->master_link_down_since_s * 1000) +
                   (now - r->info_written_ms);
    }
    return -1;
}

static void check_validity(struct sim *sim, struct sim_sentinel *s, const struct core_action *a)
{
    char addr[HOST_MAX + 8];
    if (sim->replica_validity_ms == 0 || event_replica(a, addr, sizeof(addr)) < 0)
        return;
    for (int i = 0; i < sim->node_count; i++) {
        const struct sim_node *n = &sim->nodes[i];
        char mine[HOST_MAX + 8];
        snprintf(mine, sizeof(mine), "%s:%d", n->ip, n->port);
        if (strcmp(mine, addr) != 0 || sim->now_ms - n->started_ms < VALIDITY_RESTART_GRACE_MS)
            continue;
        int64_t down = link_down_ms(sim, n);
        if (down <= sim->replica_validity_ms + VALIDITY_SLACK_MS)
            continue;
        /* Staler than the core could account for from its own clock: the
         * INFO it trusted spent that long in the network. */
        int64_t believed = believed_down_ms(sim, s, addr);
        enum known_bug cause = believed >= 0 && down != INT64_MAX && down - believed > 2000
                                   ? KNOWN_INFO_AGE : KNOWN_NONE;
        sim_fail(sim, 0, "s%d selected %s whose link to its master has been down %s%lld ms, "
                 "beyond replica-validity-time %lld ms (it believed %lld ms)%s%s%s", s->idx,
                 addr, down == INT64_MAX ? "since its start, " : "",
                 (long long)(down == INT64_MAX ? sim->now_ms - n->started_ms : down),
                 (long long)sim->replica_validity_ms, (long long)believed,
                 cause ? " [cause " : "", cause ? known_bug_names[cause] : "", cause ? "]" : "");
        sim->failed_known = cause;
    }
}

int check_no_valid_replica(struct sim *sim)
{
    for (int i = 0; i < sim->node_count; i++) {
        const struct sim_node *n = &sim->nodes[i];
        if (!n->alive || n->priority == 0 || i == sim->killed_node)
            continue;
        int64_t down = link_down_ms(sim, n);
        if (sim->replica_validity_ms == 0 || down <= sim->replica_validity_ms)
            return 0;
    }
    return 1;
}

static void on_elected(struct sim *sim, struct sim_sentinel *s, const struct master *m)
{
    uint64_t epoch = m->failover_epoch;
    sim->stats.elections++;
    if ((m->inst.flags & FLAG_FORCE_FAILOVER) || (epoch != 0 && epoch == s->forced_epoch))
        return;
    const struct election_record *prev = record_find(sim, epoch, 0);
    if (prev != NULL && prev->sentinel != s->idx)
        sim_fail(sim, 0, "two leaders in epoch %" PRIu64 ": s%d and s%d", epoch,
                 prev->sentinel, s->idx);
    int votes = votes_for(sim, s->core->myid, epoch);
    int majority = sim->sentinel_count / 2 + 1;
    if (votes < majority || votes < sim->quorum)
        sim_fail(sim, 0, "s%d elected in epoch %" PRIu64 " with %d votes cast for it "
                 "(majority of %d is %d, quorum %d)", s->idx, epoch, votes,
                 sim->sentinel_count, majority, sim->quorum);
    struct election_record *r = record_add(sim);
    r->epoch = epoch;
    r->sentinel = s->idx;
}

static void on_promoted(struct sim *sim, struct sim_sentinel *s, const struct master *m,
                        const struct core_action *a)
{
    uint64_t epoch = m->failover_epoch;
    sim->stats.promotions++;
    check_priority(sim, s, a, "promoted");
    char addr[HOST_MAX + 8];
    if (event_replica(a, addr, sizeof(addr)) < 0)
        return;
    if (m->config_epoch != epoch)
        sim_fail(sim, 0, "s%d promoted %s in epoch %" PRIu64 " but its config epoch is %" PRIu64,
                 s->idx, addr, epoch, m->config_epoch);
    const struct election_record *prev = record_find(sim, epoch, 1);
    if (prev != NULL && (prev->sentinel != s->idx || strcmp(prev->addr, addr) != 0))
        sim_fail(sim, 0, "two promotions in config epoch %" PRIu64 ": %s by s%d and %s by s%d",
                 epoch, prev->addr, prev->sentinel, addr, s->idx);
    const struct election_record *leader = record_find(sim, epoch, 0);
    if (!(m->inst.flags & FLAG_FORCE_FAILOVER) && (leader == NULL || leader->sentinel != s->idx))
        sim_fail(sim, 0, "s%d promoted %s in config epoch %" PRIu64 " without being its "
                 "leader", s->idx, addr, epoch);
    struct election_record *r = record_add(sim);
    r->epoch = epoch;
    r->sentinel = s->idx;
    r->is_promotion = 1;
    memcpy(r->addr, addr, sizeof(r->addr));
}

void check_event(struct sim *sim, struct sim_sentinel *s, const struct core_action *a)
{
    const struct master *m = sentinel_master(s);
    const char *type = a->event_type;
    if (strcmp(type, "+vote-for-leader") == 0) {
        char runid[RUNID_LEN + 1];
        unsigned long long epoch = 0;
        if (sscanf(a->text, "%40s %llu", runid, &epoch) == 2)
            vote_record(sim, s, epoch, runid);
        else
            sim_fail(sim, 0, "s%d +vote-for-leader text unreadable: %s", s->idx, a->text);
    } else if (strcmp(type, "+elected-leader") == 0) {
        on_elected(sim, s, m);
    } else if (strcmp(type, "+selected-slave") == 0) {
        check_priority(sim, s, a, "selected");
        check_validity(sim, s, a);
    } else if (strcmp(type, "+promoted-slave") == 0) {
        on_promoted(sim, s, m, a);
        s->promoted_epoch = m->failover_epoch;
        event_replica(a, s->promoted, sizeof(s->promoted));
    } else if (strcmp(type, "-failover-abort-no-good-slave") == 0) {
        /* SENTINEL FAILOVER ends there, as in Redis Sentinel; with
         * replica-validity-time that is what a replica whose last INFO is
         * too old to vouch for it gets. */
        if (sim->phase == PHASE_MANUAL && sim->replica_validity_ms > 0 &&
            s->forced_epoch != 0 && m->failover_epoch == s->forced_epoch &&
            !sim->manual_refused) {
            sim->manual_refused = 1;
            sim->stats.validity_excused++;
            trace_line(sim, TRACE_KEY, "SENTINEL FAILOVER found no replica provably within "
                       "replica-validity-time: the master stays");
        }
    } else if (strcmp(type, "+tilt") == 0) {
        sim->stats.tilts++;
    }
}

/* --- liveness ------------------------------------------------------------------------- */

int check_converged(struct sim *sim, char *why, size_t why_len)
{
    const struct addr *agreed = NULL;
    for (int i = 0; i < sim->sentinel_count; i++) {
        const struct sim_sentinel *s = &sim->sentinels[i];
        if (!s->alive || s->busy) {
            snprintf(why, why_len, "s%d is down or blocked", i);
            return 0;
        }
        const struct master *m = sentinel_master(s);
        const struct addr *a = core_master_addr(m);
        if (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) {
            snprintf(why, why_len, "s%d is still failing over", i);
            return 0;
        }
        if (agreed != NULL && (agreed->port != a->port || strcmp(agreed->host, a->host) != 0)) {
            snprintf(why, why_len, "s%d names %s:%d, s0 names %s:%d", i, a->host, a->port,
                     agreed->host, agreed->port);
            return 0;
        }
        agreed = a;
    }
    const struct sim_node *master = node_by_addr(sim, agreed->host, agreed->port);
    if (master == NULL || !master->alive || !master->is_master) {
        snprintf(why, why_len, "the agreed master %s:%d is %s", agreed->host, agreed->port,
                 master == NULL ? "no node" : !master->alive ? "down" : "a replica");
        return 0;
    }
    for (int i = 0; i < sim->node_count; i++) {
        const struct sim_node *n = &sim->nodes[i];
        if (n == master || !n->alive)
            continue;
        if (n->is_master || strcmp(n->upstream_host, master->ip) != 0 ||
            n->upstream_port != master->port || !n->link_up) {
            snprintf(why, why_len, "node n%d (%s) is %s %s:%d (link %s), not a replica of %s",
                     i, n->ip, n->is_master ? "a master" : "replica of", n->upstream_host,
                     n->upstream_port, n->link_up ? "up" : "down", master->ip);
            return 0;
        }
    }
    return 1;
}

/* What s knows of each replica: the inputs of its replica selection. */
static void dump_replicas(struct sim *sim, const struct sim_sentinel *s, FILE *out)
{
    const struct master *m = sentinel_master(s);
    int64_t now = sentinel_now(sim, s).mono_ms;
    for (size_t i = 0; i < m->replica_count; i++) {
        const struct instance *r = m->replicas[i];
        char flags[256];
        core_flags_format(r, flags, sizeof(flags));
        fprintf(out, "      replica %s:%d flags %s role %s link %s down-since %llds priority %d "
                "offset %lld info %lld ms ago, available %lld ms ago\n", r->addr.host,
                r->addr.port, flags, r->role_reported == ROLE_MASTER ? "master" : "slave",
                r->master_link_up ? "up" : "down", (long long)r->master_link_down_since_s,
                r->replica_priority, r->repl_offset,
                r->info_refresh_ms ? (long long)(now - r->info_refresh_ms) : -1LL,
                (long long)(now - r->link->last_avail_ms));
    }
}

/* Defect C: the core skips a replica whose link to the master has been down
 * longer than 10 x down-after plus the time since *its own* SDOWN began
 * (failover_select_replica).  Fits when the master is down, a live replica
 * is as fresh as it can be (its link went down when the master died), yet
 * some sentinel rejects every replica by that rule alone. */
enum known_bug check_liveness_cause(struct sim *sim)
{
    for (int i = 0; i < sim->sentinel_count; i++) {
        const struct sim_sentinel *s = &sim->sentinels[i];
        const struct master *m = sentinel_master(s);
        if (m == NULL || !(m->inst.flags & FLAG_S_DOWN) || m->replica_count == 0)
            continue;
        int64_t now = sentinel_now(sim, s).mono_ms;
        int64_t max_down = m->inst.down_after_ms * 10 + (now - m->inst.s_down_since_ms);
        int rejected = 0, candidates = 0;
        for (size_t j = 0; j < m->replica_count; j++) {
            const struct instance *r = m->replicas[j];
            if (r->replica_priority == 0 || r->master_link_up)
                continue;
            candidates++;
            rejected += r->master_link_down_since_s * 1000 > max_down;
        }
        if (candidates > 0 && rejected == candidates)
            return KNOWN_LATE_SDOWN;
    }
    return KNOWN_NONE;
}

void check_dump_state(struct sim *sim, FILE *out)
{
    for (int i = 0; i < sim->sentinel_count; i++) {
        const struct sim_sentinel *s = &sim->sentinels[i];
        if (!s->alive) {
            fprintf(out, "  s%d (%s): down\n", i, s->ip);
            continue;
        }
        const struct master *m = sentinel_master(s);
        char flags[256];
        core_flags_format(&m->inst, flags, sizeof(flags));
        fprintf(out, "  s%d (%s) myid %.8s: master %s:%d flags %s epoch %" PRIu64
                " config %" PRIu64 " leader %.8s@%" PRIu64 " failover state %d tilt %d "
                "replicas %zu sentinels %zu\n", i, s->ip, s->core->myid, m->inst.addr.host,
                m->inst.addr.port, flags, s->core->current_epoch, m->config_epoch,
                m->leader ? m->leader : "-", m->leader_epoch, (int)m->failover_state,
                s->core->tilt, m->replica_count, m->sentinel_count);
        dump_replicas(sim, s, out);
    }
    for (int i = 0; i < sim->node_count; i++) {
        const struct sim_node *n = &sim->nodes[i];
        fprintf(out, "  n%d (%s): %s %s%s%s link %s offset %lld priority %d\n", i, n->ip,
                n->alive ? "up" : "down", n->is_master ? "master" : "replica of ",
                n->is_master ? "" : n->upstream_host, "", n->link_up ? "up" : "down",
                n->offset, n->priority);
    }
}
