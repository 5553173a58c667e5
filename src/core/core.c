/*
 * core.c - the decision core's model: life cycle, masters, instances, links,
 * the action list and the PRNG.  The periodic decisions live in monitor.c,
 * vote.c and failover.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* --- memory ---------------------------------------------------------------- */

void core_assert_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "sentineld: assertion failed: %s (%s:%d)\n", what, file, line);
    abort();
}

void *core_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    CORE_ASSERT(p != NULL);
    return p;
}

void *core_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    CORE_ASSERT(q != NULL);
    return q;
}

char *core_xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    CORE_ASSERT(d != NULL);
    return d;
}

char *core_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    CORE_ASSERT(n >= 0);
    return s;
}

/* --- prng: xoshiro256**, seeded through splitmix64 ----------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seeds the generator; the same seed always yields the same sequence. */
void core_prng_seed(struct core_prng *prng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        prng->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Returns the next 64 random bits. */
uint64_t core_prng_next(struct core_prng *prng)
{
    uint64_t *s = prng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* --- life cycle ------------------------------------------------------------------ */

struct core *core_new(const char *myid, uint64_t seed)
{
    struct core *core = core_xcalloc(1, sizeof(*core));
    core_prng_seed(&core->prng, seed);
    core->next_id = 1;
    core->timing = (struct core_timing){
        .info_period_ms = INFO_PERIOD_MS,
        .ping_period_ms = PING_PERIOD_MS,
        .ask_period_ms = ASK_PERIOD_MS,
        .publish_period_ms = HELLO_PERIOD_MS,
        .default_down_after_ms = DEFAULT_DOWN_AFTER_MS,
        .default_failover_timeout_ms = DEFAULT_FAILOVER_TIMEOUT_MS,
        .tilt_trigger_ms = TILT_TRIGGER_MS,
        .tilt_period_ms = TILT_PERIOD_MS,
        .replica_reconf_timeout_ms = REPLICA_RECONF_TIMEOUT_MS,
        .min_link_reconnect_ms = MIN_LINK_RECONNECT_MS,
        .election_timeout_ms = ELECTION_TIMEOUT_MS,
        .script_max_runtime_ms = DEFAULT_SCRIPT_MAX_EXEC_MS,
        .script_retry_delay_ms = DEFAULT_SCRIPT_RETRY_DELAY_MS,
    };
    core->settings.port = 26379;
    core->settings.script_max_exec_ms = DEFAULT_SCRIPT_MAX_EXEC_MS;
    if (myid != NULL && strlen(myid) == RUNID_LEN) {
        memcpy(core->myid, myid, RUNID_LEN + 1);
    } else {
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < RUNID_LEN; i++)
            core->myid[i] = hex[core_prng_next(&core->prng) & 15];
        core->myid[RUNID_LEN] = '\0';
    }
    return core;
}

static void master_free(struct core *core, struct master *m)
{
    while (m->replica_count > 0)
        core_replica_remove_at(core, m, m->replica_count - 1);
    while (m->sentinel_count > 0)
        core_sentinel_remove_at(core, m, m->sentinel_count - 1);
    free(m->replicas);
    free(m->sentinels);
    for (size_t i = 0; i < m->rename_count; i++) {
        free(m->renames[i].from);
        free(m->renames[i].to);
    }
    free(m->renames);
    free(m->leader);
    free(m->auth_user);
    free(m->auth_pass);
    free(m->notification_script);
    free(m->client_reconfig_script);
    idmap_del(&core->instances_by_id, m->inst.id);
    if (m->inst.link != NULL)
        core_link_release(core, m->inst.link);
    free(m->inst.name);
    free(m->inst.info_cache);
    free(m->inst.leader);
    free(m);
}

void core_free(struct core *core)
{
    if (core == NULL)
        return;
    for (size_t i = 0; i < core->master_count; i++)
        master_free(core, core->masters[i]);
    free(core->masters);
    for (size_t i = 0; i < core->peer_count; i++)
        core_link_release(core, core->peers[i].link);
    free(core->peers);
    CORE_ASSERT(core->links == NULL);
    CORE_ASSERT(core->instances_by_id.count == 0 && core->links_by_id.count == 0);
    idmap_clear(&core->instances_by_id);
    idmap_clear(&core->links_by_id);
    free(core->settings.announce_ip);
    free(core->settings.sentinel_user);
    free(core->settings.sentinel_pass);
    free(core);
}

/* --- links ---------------------------------------------------------------------------- */

static int addr_eq(const struct addr *a, const char *host, int port)
{
    return a->port == port && strcasecmp(a->host, host) == 0;
}

struct link *core_link_acquire(struct core *core, enum link_class cls,
                               const struct addr *addr)
{
    for (struct link *l = core->links; l != NULL; l = l->next) {
        if (l->cls == cls && addr_eq(&l->addr, addr->host, addr->port)) {
            l->refcount++;
            return l;
        }
    }
    struct link *l = core_xcalloc(1, sizeof(*l));
    l->id = core->next_id++;
    idmap_put(&core->links_by_id, l->id, l);
    l->cls = cls;
    l->addr = *addr;
    l->refcount = 1;
    l->wants_pubsub = cls == LINK_DATA;
    if (cls == LINK_SENTINEL)
        core_link_set_auth(l, core->settings.sentinel_user,
                           core->settings.sentinel_pass);
    l->next = core->links;
    core->links = l;
    return l;
}

void core_link_release(struct core *core, struct link *link)
{
    if (link == NULL || --link->refcount > 0)
        return;
    idmap_del(&core->links_by_id, link->id);
    for (struct link **p = &core->links; *p != NULL; p = &(*p)->next) {
        if (*p == link) {
            *p = link->next;
            break;
        }
    }
    free(link->auth_user);
    free(link->auth_pass);
    free(link);
}

void core_link_set_auth(struct link *link, const char *user, const char *pass)
{
    free(link->auth_user);
    free(link->auth_pass);
    link->auth_user = core_xstrdup(user);
    link->auth_pass = core_xstrdup(pass);
}

struct link *core_link_find(const struct core *core, uint64_t id)
{
    return idmap_get(&core->links_by_id, id);
}

/* A new link counts as pinged and available at creation, so that a node we
 * can never connect to still goes down after down-after-milliseconds. */
void core_link_start_clock(struct link *link, const struct core_time *now)
{
    if (link->act_ping_ms == 0 && link->last_avail_ms == 0) {
        link->act_ping_ms = now->mono_ms;
        link->last_avail_ms = now->mono_ms;
        link->last_pong_ms = now->mono_ms;
    }
}

void core_info_asked(struct instance *inst, const struct core_time *now)
{
    const struct link *l = inst->link;
    if (inst->info_inflight == 0 || inst->info_asked_conn_ms != l->cmd_connected_since_ms) {
        inst->info_inflight = 0;
        inst->info_asked_ms = now->mono_ms;
        inst->info_asked_conn_ms = l->cmd_connected_since_ms;
    }
    inst->info_inflight++;
}

/* Replies come in the order of the requests; with more than one in flight
 * the next one's send time is not kept, and the oldest stands in for it:
 * that can only make the data look older than it is. */
void core_info_answered(struct instance *inst, const struct core_time *now)
{
    if (inst->info_inflight > 0) {
        inst->info_written_ms = inst->info_asked_ms;
        inst->info_inflight--;
    } else {
        inst->info_written_ms = now->mono_ms - 1;
    }
}

/* --- lookups by id: replies carry ids, found in O(1) ------------------------- */

struct instance *core_instance_find(const struct core *core, uint64_t id)
{
    return idmap_get(&core->instances_by_id, id);
}

/* --- instances ----------------------------------------------------------------------- */

struct instance *core_instance_new(struct core *core, enum instance_kind kind,
                                   struct master *master, const char *host,
                                   int port, const struct core_time *now)
{
    struct instance *inst = core_xcalloc(1, sizeof(*inst));
    inst->id = core->next_id++;
    idmap_put(&core->instances_by_id, inst->id, inst);
    inst->kind = kind;
    inst->master = master;
    snprintf(inst->addr.host, sizeof(inst->addr.host), "%s", host);
    inst->addr.port = port;
    inst->down_after_ms = master ? master->inst.down_after_ms : core->timing.default_down_after_ms;
    inst->created_ms = now->mono_ms;
    inst->role_reported = kind == INSTANCE_MASTER ? ROLE_MASTER
                          : kind == INSTANCE_REPLICA ? ROLE_REPLICA : ROLE_UNKNOWN;
    inst->role_reported_ms = now->mono_ms;
    inst->replica_priority = DEFAULT_REPLICA_PRIORITY;
    inst->replica_announced = 1;
    inst->master_link_down_since_s = 0;
    enum link_class cls = kind == INSTANCE_SENTINEL ? LINK_SENTINEL : LINK_DATA;
    inst->link = core_link_acquire(core, cls, &inst->addr);
    core_link_start_clock(inst->link, now);
    if (kind == INSTANCE_REPLICA) {
        inst->name = core_xasprintf(strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
        if (master != NULL)
            core_link_set_auth(inst->link, master->auth_user, master->auth_pass);
    }
    return inst;
}

void core_instance_free(struct core *core, struct instance *inst)
{
    if (inst == NULL)
        return;
    idmap_del(&core->instances_by_id, inst->id);
    core_link_release(core, inst->link);
    free(inst->name);
    free(inst->info_cache);
    free(inst->leader);
    free(inst);
}

struct instance *core_replica_find(const struct master *m, const char *host, int port)
{
    for (size_t i = 0; i < m->replica_count; i++)
        if (addr_eq(&m->replicas[i]->addr, host, port))
            return m->replicas[i];
    return NULL;
}

void core_replica_remove_at(struct core *core, struct master *m, size_t i)
{
    CORE_ASSERT(i < m->replica_count);
    if (m->promoted == m->replicas[i])
        m->promoted = NULL;
    core_instance_free(core, m->replicas[i]);
    m->replicas[i] = m->replicas[--m->replica_count];
}

void core_sentinel_remove_at(struct core *core, struct master *m, size_t i)
{
    CORE_ASSERT(i < m->sentinel_count);
    core_instance_free(core, m->sentinels[i]);
    memmove(&m->sentinels[i], &m->sentinels[i + 1],
            (m->sentinel_count - i - 1) * sizeof(*m->sentinels));
    m->sentinel_count--;
}

/* --- masters --------------------------------------------------------------------------- */

struct master *core_master_add(struct core *core, const char *name, const char *host,
                               int port, int quorum, const struct core_time *now)
{
    if (core_master_find(core, name) != NULL)
        return NULL;
    struct master *m = core_xcalloc(1, sizeof(*m));
    m->inst.id = core->next_id++;
    idmap_put(&core->instances_by_id, m->inst.id, &m->inst);
    m->inst.kind = INSTANCE_MASTER;
    m->inst.master = m;
    m->inst.name = core_xstrdup(name);
    snprintf(m->inst.addr.host, sizeof(m->inst.addr.host), "%s", host);
    m->inst.addr.port = port;
    m->timing = &core->timing;
    m->inst.down_after_ms = core->timing.default_down_after_ms;
    m->inst.created_ms = now->mono_ms;
    m->inst.role_reported = ROLE_MASTER;
    m->inst.role_reported_ms = now->mono_ms;
    m->inst.replica_priority = DEFAULT_REPLICA_PRIORITY;
    m->inst.replica_announced = 1;
    m->inst.link = core_link_acquire(core, LINK_DATA, &m->inst.addr);
    core_link_start_clock(m->inst.link, now);
    m->quorum = quorum;
    m->parallel_syncs = DEFAULT_PARALLEL_SYNCS;
    m->failover_timeout_ms = core->timing.default_failover_timeout_ms;
    m->master_reboot_down_after_ms = DEFAULT_MASTER_REBOOT_DOWN_AFTER_MS;
    core->masters = core_xrealloc(core->masters,
                                  (core->master_count + 1) * sizeof(*core->masters));
    core->masters[core->master_count++] = m;
    return m;
}

struct master *core_master_find(const struct core *core, const char *name)
{
    for (size_t i = 0; i < core->master_count; i++)
        if (strcmp(core->masters[i]->inst.name, name) == 0)
            return core->masters[i];
    return NULL;
}

void core_master_remove(struct core *core, struct master *master)
{
    for (size_t i = 0; i < core->master_count; i++) {
        if (core->masters[i] == master) {
            memmove(&core->masters[i], &core->masters[i + 1],
                    (core->master_count - i - 1) * sizeof(*core->masters));
            core->master_count--;
            master_free(core, master);
            return;
        }
    }
}

struct instance *core_replica_add(struct core *core, struct master *master,
                                  const char *host, int port, const struct core_time *now)
{
    if (core_replica_find(master, host, port) != NULL ||
        addr_eq(&master->inst.addr, host, port))
        return NULL;
    struct instance *r = core_instance_new(core, INSTANCE_REPLICA, master, host, port, now);
    master->replicas = core_xrealloc(master->replicas,
                                     (master->replica_count + 1) * sizeof(*master->replicas));
    master->replicas[master->replica_count++] = r;
    return r;
}

struct instance *core_sentinel_add(struct core *core, struct master *master,
                                   const char *host, int port, const char *runid,
                                   const struct core_time *now)
{
    for (size_t i = 0; i < master->sentinel_count; i++) {
        struct instance *s = master->sentinels[i];
        if (addr_eq(&s->addr, host, port) ||
            (runid != NULL && strcmp(s->runid, runid) == 0))
            return NULL;
    }
    struct instance *s = core_instance_new(core, INSTANCE_SENTINEL, master, host, port, now);
    if (runid != NULL && strlen(runid) == RUNID_LEN)
        memcpy(s->runid, runid, RUNID_LEN + 1);
    s->name = s->runid[0] ? core_xstrdup(s->runid) : core_xasprintf("%s:%d", host, port);
    master->sentinels = core_xrealloc(master->sentinels,
                                      (master->sentinel_count + 1) * sizeof(*master->sentinels));
    master->sentinels[master->sentinel_count++] = s;
    return s;
}

int core_peer_add(struct core *core, const char *host, int port)
{
    for (size_t i = 0; i < core->peer_count; i++)
        if (addr_eq(&core->peers[i].addr, host, port))
            return 0;
    core->peers = core_xrealloc(core->peers, (core->peer_count + 1) * sizeof(*core->peers));
    struct static_peer *p = &core->peers[core->peer_count++];
    memset(p, 0, sizeof(*p));
    snprintf(p->addr.host, sizeof(p->addr.host), "%s", host);
    p->addr.port = port;
    p->link = core_link_acquire(core, LINK_SENTINEL, &p->addr);
    return 0;
}

void core_master_set_auth(struct core *core, struct master *master, const char *user,
                          const char *pass)
{
    (void)core;
    free(master->auth_user);
    free(master->auth_pass);
    master->auth_user = core_xstrdup(user);
    master->auth_pass = core_xstrdup(pass);
    core_link_set_auth(master->inst.link, user, pass);
    for (size_t i = 0; i < master->replica_count; i++)
        core_link_set_auth(master->replicas[i]->link, user, pass);
}

const char *core_failover_state_name(enum failover_state s)
{
    switch (s) {
    case FAILOVER_NONE: return "none";
    case FAILOVER_WAIT_START: return "wait_start";
    case FAILOVER_SELECT_REPLICA: return "select_slave";
    case FAILOVER_SEND_REPLICAOF_NOONE: return "send_slaveof_noone";
    case FAILOVER_WAIT_PROMOTION: return "wait_promotion";
    case FAILOVER_RECONF_REPLICAS: return "reconf_slaves";
    case FAILOVER_UPDATE_CONFIG: return "update_config";
    }
    return "unknown";
}

void core_master_set_down_after(struct master *m, int64_t ms)
{
    m->inst.down_after_ms = ms;
    for (size_t i = 0; i < m->replica_count; i++)
        m->replicas[i]->down_after_ms = ms;
    for (size_t i = 0; i < m->sentinel_count; i++)
        m->sentinels[i]->down_after_ms = ms;
}

void core_settings_changed(struct core *core)
{
    for (struct link *l = core->links; l != NULL; l = l->next)
        if (l->cls == LINK_SENTINEL)
            core_link_set_auth(l, core->settings.sentinel_user, core->settings.sentinel_pass);
}

const struct addr *core_master_addr(const struct master *master)
{
    /* From the confirmed promotion on, the promoted replica is the master
     * clients and peers are told about (Redis Sentinel does the same). */
    if ((master->inst.flags & FLAG_FAILOVER_IN_PROGRESS) && master->promoted != NULL &&
        master->failover_state >= FAILOVER_RECONF_REPLICAS)
        return &master->promoted->addr;
    return &master->inst.addr;
}

void core_master_reset(struct core *core, const struct core_time *now, struct master *m,
                       struct core_actions *out)
{
    while (m->replica_count > 0)
        core_replica_remove_at(core, m, m->replica_count - 1);
    while (m->sentinel_count > 0)
        core_sentinel_remove_at(core, m, m->sentinel_count - 1);
    m->inst.flags &= FLAG_O_DOWN | FLAG_S_DOWN;
    m->failover_state = FAILOVER_NONE;
    m->failover_state_change_ms = 0;
    m->failover_start_ms = 0;
    m->promoted = NULL;
    free(m->leader);
    m->leader = NULL;
    m->inst.info_refresh_ms = 0;
    m->inst.role_reported = ROLE_MASTER;
    m->inst.role_reported_ms = now->mono_ms;
    core_act_disconnect(out, m->inst.link);
    core_act_event(out, LOG_WARNING, "+reset-master", &m->inst, "%s", "");
    core_act_persist(out);
}

void core_master_hello_soon(struct master *m)
{
    m->inst.last_pub_ms = 0;
    for (size_t i = 0; i < m->replica_count; i++)
        m->replicas[i]->last_pub_ms = 0;
    for (size_t i = 0; i < m->sentinel_count; i++)
        m->sentinels[i]->last_pub_ms = 0;
}

int core_ckquorum(const struct core *core, const struct master *m, int *usable, char *msg,
                  size_t msglen)
{
    (void)core;
    int voters = (int)m->sentinel_count + 1;
    int n = 1;
    for (size_t i = 0; i < m->sentinel_count; i++)
        if (!(m->sentinels[i]->flags & (FLAG_S_DOWN | FLAG_O_DOWN)))
            n++;
    *usable = n;
    int noquorum = n < m->quorum;
    int noauth = n < voters / 2 + 1;
    if (!noquorum && !noauth) {
        snprintf(msg, msglen,
                 "OK %d usable Sentinels. Quorum and failover authorization can be reached", n);
        return 0;
    }
    /* Redis's wording, both reasons when both apply. */
    snprintf(msg, msglen, "NOQUORUM %d usable Sentinels. %s%s%s", n,
             noquorum ? "Not enough available Sentinels to reach the specified quorum "
                        "for this master" : "",
             noquorum && noauth ? ". " : "",
             noauth ? "Not enough available Sentinels to reach the majority and authorize "
                      "a failover" : "");
    return -1;
}

/* --- flags ---------------------------------------------------------------------------- */

void core_flags_format(const struct instance *inst, char *buf, size_t len)
{
    static const struct { unsigned bit; const char *word; } words[] = {
        {FLAG_S_DOWN, "s_down"}, {FLAG_O_DOWN, "o_down"},
    };
    static const struct { unsigned bit; const char *word; } tail[] = {
        {FLAG_MASTER_DOWN, "master_down"},
        {FLAG_FAILOVER_IN_PROGRESS, "failover_in_progress"},
        {FLAG_PROMOTED, "promoted"}, {FLAG_RECONF_SENT, "reconf_sent"},
        {FLAG_RECONF_INPROG, "reconf_inprog"}, {FLAG_RECONF_DONE, "reconf_done"},
        {FLAG_FORCE_FAILOVER, "force_failover"}, {FLAG_SCRIPT_KILL_SENT, "script_kill_sent"},
        {FLAG_MASTER_REBOOT, "master_reboot"},
    };
    size_t off = 0;
    buf[0] = '\0';
#define FLAG_APPEND(w)                                                      \
    do {                                                                    \
        int n_ = snprintf(buf + off, len - off, "%s%s", off ? "," : "", w); \
        if (n_ > 0 && (size_t)n_ < len - off)                               \
            off += (size_t)n_;                                              \
    } while (0)
    /* Redis prints s_down,o_down first, then the kind, then link state. */
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (inst->flags & words[i].bit)
            FLAG_APPEND(words[i].word);
    FLAG_APPEND(inst->kind == INSTANCE_MASTER    ? "master"
                : inst->kind == INSTANCE_REPLICA ? "slave" : "sentinel");
    if (inst->link == NULL || !inst->link->cmd_connected ||
        (inst->link->wants_pubsub && !inst->link->pubsub_connected))
        FLAG_APPEND("disconnected");
    for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
        if (inst->flags & tail[i].bit)
            FLAG_APPEND(tail[i].word);
#undef FLAG_APPEND
}

/* --- actions --------------------------------------------------------------------------- */

struct core_action *core_act_push(struct core_actions *out, enum core_action_type type)
{
    if (out->count == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        out->items = core_xrealloc(out->items, out->cap * sizeof(*out->items));
    }
    struct core_action *a = &out->items[out->count++];
    memset(a, 0, sizeof(*a));
    a->type = type;
    return a;
}

void core_act_send(struct core_actions *out, const struct link *link,
                   enum link_channel channel, enum core_tag tag, uint64_t ctx,
                   int argc, const char *const *argv)
{
    struct core_action *a = core_act_push(out, CORE_ACT_SEND);
    a->link_id = link->id;
    a->channel = channel;
    a->tag = tag;
    a->ctx = ctx;
    a->argc = argc;
    a->argv = core_xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++)
        a->argv[i] = core_xstrdup(argv[i]);
}

void core_act_send_renamed(struct core_actions *out, const struct master *m,
                           const struct link *link, enum core_tag tag, uint64_t ctx,
                           int argc, const char *const *argv)
{
    const char *renamed[16];
    CORE_ASSERT(argc > 0 && argc <= 16);
    memcpy(renamed, argv, (size_t)argc * sizeof(*argv));
    for (size_t i = 0; m != NULL && i < m->rename_count; i++)
        if (strcasecmp(m->renames[i].from, argv[0]) == 0)
            renamed[0] = m->renames[i].to;
    core_act_send(out, link, CHANNEL_CMD, tag, ctx, argc, renamed);
}

static const char *kind_word(const struct instance *inst)
{
    return inst->kind == INSTANCE_MASTER    ? "master"
           : inst->kind == INSTANCE_REPLICA ? "slave" : "sentinel";
}

void core_act_event(struct core_actions *out, enum core_log_level level, const char *type,
                    const struct instance *inst, const char *fmt, ...)
{
    char *rest = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&rest, fmt, ap);
    va_end(ap);
    CORE_ASSERT(n >= 0);
    struct core_action *a = core_act_push(out, CORE_ACT_EVENT);
    a->level = level;
    a->event_type = core_xstrdup(type);
    if (inst == NULL) {
        a->text = rest;
    } else if (inst->kind == INSTANCE_MASTER) {
        a->text = core_xasprintf("master %s %s %d%s", inst->name, inst->addr.host,
                                 inst->addr.port, rest);
        free(rest);
    } else {
        const struct master *m = inst->master;
        a->text = core_xasprintf("%s %s %s %d @ %s %s %d%s", kind_word(inst), inst->name,
                                 inst->addr.host, inst->addr.port, m->inst.name,
                                 m->inst.addr.host, m->inst.addr.port, rest);
        free(rest);
    }
    const struct master *m = inst ? inst->master : NULL;
    if (level == LOG_WARNING && m != NULL)
        a->script = core_xstrdup(m->notification_script);
}

void core_act_log(struct core_actions *out, enum core_log_level level, const char *fmt, ...)
{
    struct core_action *a = core_act_push(out, CORE_ACT_LOG);
    a->level = level;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&a->text, fmt, ap);
    va_end(ap);
    CORE_ASSERT(n >= 0);
}

void core_act_persist(struct core_actions *out)
{
    core_act_push(out, CORE_ACT_PERSIST);
}

void core_act_persist_lazy(struct core_actions *out)
{
    core_act_push(out, CORE_ACT_PERSIST_LAZY);
}

void core_act_disconnect(struct core_actions *out, const struct link *link)
{
    struct core_action *a = core_act_push(out, CORE_ACT_DISCONNECT);
    a->link_id = link->id;
}

void core_actions_reset(struct core_actions *acts)
{
    for (size_t i = 0; i < acts->count; i++) {
        struct core_action *a = &acts->items[i];
        for (int j = 0; a->argv != NULL && j < a->argc; j++)
            free(a->argv[j]);
        free(a->argv);
        free(a->event_type);
        free(a->text);
        free(a->script);
    }
    acts->count = 0;
}

void core_actions_free(struct core_actions *acts)
{
    core_actions_reset(acts);
    free(acts->items);
    acts->items = NULL;
    acts->cap = 0;
}

void core_epoch_observe(struct core *core, uint64_t epoch, struct core_actions *out)
{
    /* An epoch near the top of the range could only come from a broken or
     * hostile peer; adopting it would let the next failover wrap to 0. */
    if (epoch <= core->current_epoch || epoch > CORE_EPOCH_MAX)
        return;
    core->current_epoch = epoch;
    core_act_persist(out);
    core_act_event(out, LOG_WARNING, "+new-epoch", NULL, "%llu",
                   (unsigned long long)epoch);
}

/* --- driving ----------------------------------------------------------------------------- */

void core_step(struct core *core, const struct core_time *now,
               const struct core_event *ev, struct core_actions *out)
{
    struct link *link = ev->link_id ? core_link_find(core, ev->link_id) : NULL;
    switch (ev->type) {
    case CORE_EV_TICK:
        monitor_tick(core, now, out);
        break;
    case CORE_EV_LINK_UP:
        if (link == NULL)
            break;
        if (ev->channel == CHANNEL_CMD) {
            link->cmd_connected = 1;
            link->connect_failed = 0;
            link->cmd_connected_since_ms = now->mono_ms;
            link->pending_commands = 0;
            if (ev->payload != NULL)
                snprintf(link->local_ip, sizeof(link->local_ip), "%s", ev->payload);
            if (ev->peer_ip != NULL)
                snprintf(link->peer_ip, sizeof(link->peer_ip), "%s", ev->peer_ip);
        } else {
            link->pubsub_connected = 1;
            link->pubsub_connected_since_ms = now->mono_ms;
            link->pubsub_last_activity_ms = now->mono_ms;
        }
        break;
    case CORE_EV_LINK_DOWN:
        if (link == NULL)
            break;
        if (ev->channel == CHANNEL_CMD) {
            /* Only a connection that was up starts the clock again. */
            if (link->cmd_connected) {
                link->disconnected_since_ms = now->mono_ms;
                link->connect_failed = 0;
            }
            link->cmd_connected = 0;
            /* A PING we were waiting for stays outstanding: the time
             * since it was sent measures how long the node has been
             * unreachable, across reconnections (as Redis Sentinel). */
            link->pending_commands = 0;
        } else {
            link->pubsub_connected = 0;
        }
        break;
    case CORE_EV_LINK_FAILED:
        if (link != NULL && ev->channel == CHANNEL_CMD && !link->cmd_connected)
            link->connect_failed = 1;
        break;
    case CORE_EV_REPLY:
        if (link != NULL && link->pending_commands > 0)
            link->pending_commands--;
        if (link != NULL)
            monitor_reply(core, now, ev, out);
        break;
    case CORE_EV_HELLO:
        if (link != NULL)
            link->pubsub_last_activity_ms = now->mono_ms;
        if (ev->payload != NULL)
            monitor_hello(core, now, ev->payload, out);
        break;
    }
}
