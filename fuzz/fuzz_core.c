/*
 * fuzz_core.c - arbitrary event sequences into one decision core.
 *
 * Input: a few bytes that build the starting model (one or two masters with
 * their timeouts and quorum, known replicas, known sentinels, static peers,
 * epochs), then a stream of operations, each decoded from the next bytes:
 * timer ticks with small or large time steps and wall-clock jumps either
 * way (TILT), links going up and down, replies to the commands the core
 * sent (answered in order per connection, as a real connection does, with
 * INFO, PONG, is-master-down-by-addr and other answers built from the
 * bytes), replies nobody asked for with random tags, contexts and shapes,
 * hellos (well-formed or raw bytes), SENTINEL IS-MASTER-DOWN-BY-ADDR, forced
 * failovers and resets.
 *
 * After every step the target checks what must hold whatever happens:
 *   - current-epoch, and each master's config-epoch and leader-epoch, never
 *     decrease; a master's vote never changes within one epoch;
 *   - state that a restart must not lose (a vote, a config-epoch) changes
 *     only in a step that asks for PERSIST, and nothing that announces it
 *     (a vote request, a hello's config-epoch, +promoted-slave) leaves
 *     before the PERSIST that covers it;
 *   - at most one +promoted-slave per master per config-epoch;
 *   - in TILT no election is won and nothing is promoted;
 *   - the model stays consistent: a failover in progress has a state, the
 *     states after selection have a promoted replica that is one of the
 *     master's replicas, no two replicas or sentinels share an address or a
 *     run id, no replica sits at the master's address, every instance's
 *     link is in the link list and every link's refcount counts its users;
 *   - every hello the core publishes parses, and no event text holds a line
 *     break.
 * At the end the core is freed: anything left over is a leak report.
 */
#include "fuzz.h"

#include <strings.h>

#include "core/core.h"
#include "core/hello.h"

#define CORE_FUZZ_MYID "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define CORE_FUZZ_MASTERS 2
#define CORE_FUZZ_PENDING 512
#define CORE_FUZZ_MAX_OPS 4000
#define CORE_FUZZ_PROMOTIONS 64
#define CORE_FUZZ_NODES 24
#define CORE_FUZZ_ARENA 4096

/* Sentinel run ids: ours first, then peers'. */
static const char *const core_fuzz_runids[] = {
    CORE_FUZZ_MYID,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "cccccccccccccccccccccccccccccccccccccccc",
};

/* Redis nodes' run ids, as their INFO reports them. */
static const char *const core_fuzz_node_ids[] = {
    "1111111111111111111111111111111111111111",
    "2222222222222222222222222222222222222222",
    "3333333333333333333333333333333333333333",
    "4444444444444444444444444444444444444444",
};

struct core_fuzz_addr {
    const char *host;
    int port;
};

static const struct core_fuzz_addr core_fuzz_nodes[] = {
    {"10.0.0.1", 6379}, {"10.0.0.2", 6379}, {"10.0.0.3", 6379},
    {"10.0.0.4", 6380}, {"::1", 6379},      {"10.0.0.1", 6380},
};

static const struct core_fuzz_addr core_fuzz_sentinels[] = {
    {"10.0.1.1", 26379}, {"10.0.1.2", 26379}, {"10.0.1.3", 26379}, {"10.0.1.1", 26380},
};

static const char *const core_fuzz_names[] = {"mymaster", "other", "unknown"};

#define CORE_FUZZ_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A command the core sent and whose reply is still due. */
struct core_fuzz_pending {
    uint64_t link_id;
    enum link_channel channel;
    enum core_tag tag;
    uint64_t ctx;
};

/* The epochs a restart would find on disk, or the last ones seen. */
struct core_fuzz_epochs {
    uint64_t current;
    uint64_t leader[CORE_FUZZ_MASTERS];
    uint64_t config[CORE_FUZZ_MASTERS];
    char voted_for[CORE_FUZZ_MASTERS][RUNID_LEN + 1];
};

struct core_fuzz {
    struct fuzz_input in;
    struct core *core;
    struct core_time now;
    struct core_actions acts;
    size_t master_count;
    struct core_fuzz_pending pending[CORE_FUZZ_PENDING];
    size_t pending_count;
    uint64_t down_links[16]; /* links the shell must report down next */
    size_t down_count;
    struct core_fuzz_epochs disk;
    struct core_fuzz_epochs seen;
    uint64_t promoted[CORE_FUZZ_MASTERS][CORE_FUZZ_PROMOTIONS];
    size_t promoted_count[CORE_FUZZ_MASTERS];
    int forced; /* the step was a forced failover */
    int lazy_dirty; /* a PERSIST_LAZY waits for the end of the next tick */
    /* Storage for one reply tree. */
    struct core_reply nodes[CORE_FUZZ_NODES];
    size_t node_count;
    char arena[CORE_FUZZ_ARENA];
    size_t arena_len;
};

/* --- tracing (FUZZ_CORE_TRACE=1 in the environment) ----------------------------- */

static int core_fuzz_tracing(void)
{
    static int tracing = -1;
    if (tracing < 0)
        tracing = getenv("FUZZ_CORE_TRACE") != NULL;
    return tracing;
}

static void core_fuzz_trace_actions(const struct core_fuzz *f)
{
    for (size_t i = 0; core_fuzz_tracing() && i < f->acts.count; i++) {
        const struct core_action *a = &f->acts.items[i];
        fprintf(stderr, "    act %d", (int)a->type);
        if (a->type == CORE_ACT_SEND) {
            fprintf(stderr, " link %llu ch %d tag %d ctx %llu:", (unsigned long long)a->link_id,
                    (int)a->channel, (int)a->tag, (unsigned long long)a->ctx);
            for (int k = 0; k < a->argc; k++)
                fprintf(stderr, " %s", a->argv[k]);
        } else if (a->type == CORE_ACT_EVENT) {
            fprintf(stderr, " %s %s", a->event_type, a->text);
        } else if (a->text != NULL) {
            fprintf(stderr, " %s", a->text);
        } else if (a->type == CORE_ACT_DISCONNECT) {
            fprintf(stderr, " link %llu", (unsigned long long)a->link_id);
        }
        fprintf(stderr, "\n");
    }
}

#define CORE_FUZZ_TRACE(...)                                                   \
    do {                                                                       \
        if (core_fuzz_tracing())                                               \
            fprintf(stderr, __VA_ARGS__);                                      \
    } while (0)

/* --- the model's epochs ------------------------------------------------------ */

static void core_fuzz_epochs_take(const struct core_fuzz *f, struct core_fuzz_epochs *e)
{
    memset(e, 0, sizeof(*e));
    e->current = f->core->current_epoch;
    for (size_t i = 0; i < f->master_count; i++) {
        const struct master *m = f->core->masters[i];
        e->leader[i] = m->leader_epoch;
        e->config[i] = m->config_epoch;
        if (m->leader != NULL)
            snprintf(e->voted_for[i], sizeof(e->voted_for[i]), "%s", m->leader);
    }
}

static int core_fuzz_master_index(const struct core_fuzz *f, const char *name)
{
    for (size_t i = 0; i < f->master_count; i++)
        if (strcmp(f->core->masters[i]->inst.name, name) == 0)
            return (int)i;
    return -1;
}

static const struct core_fuzz_addr *core_fuzz_pick_node(struct core_fuzz *f)
{
    return &core_fuzz_nodes[fuzz_u8(&f->in) % CORE_FUZZ_COUNT(core_fuzz_nodes)];
}

/* --- setting up ----------------------------------------------------------------- */

static void core_fuzz_setup_master(struct core_fuzz *f, size_t i)
{
    struct fuzz_input *in = &f->in;
    const struct core_fuzz_addr *a = &core_fuzz_nodes[i == 0 ? 0 : 3];
    struct master *m = core_master_add(f->core, core_fuzz_names[i], a->host, a->port,
                                       1 + fuzz_u8(in) % 3, &f->now);
    FUZZ_CHECK(m != NULL);
    m->inst.down_after_ms = 50 + (int64_t)fuzz_u8(in) * 20;
    m->failover_timeout_ms = 200 + fuzz_u16(in) % 20000;
    m->parallel_syncs = 1 + fuzz_u8(in) % 2;
    uint8_t extras = fuzz_u8(in);
    if (extras & 1)
        m->replica_validity_ms = (int64_t)fuzz_u8(in) * 100;
    if (extras & 2)
        m->master_reboot_down_after_ms = (int64_t)fuzz_u8(in) * 50;
    if (extras & 4)
        m->min_failover_interval_ms = (int64_t)fuzz_u8(in) * 100;
    m->config_epoch = fuzz_u8(in) % 4;
    m->leader_epoch = fuzz_u8(in) % 4;
    for (int k = fuzz_u8(in) % 4; k > 0; k--) {
        const struct core_fuzz_addr *r = core_fuzz_pick_node(f);
        core_replica_add(f->core, m, r->host, r->port, &f->now);
    }
    for (int k = fuzz_u8(in) % 4; k > 0; k--) {
        uint8_t b = fuzz_u8(in);
        const struct core_fuzz_addr *s = &core_fuzz_sentinels[b % 4];
        /* Peers' ids only: our own id in our own list is a broken config. */
        const char *runid = (b >> 2) % 4 == 0 ? NULL : core_fuzz_runids[(b >> 2) % 4];
        core_sentinel_add(f->core, m, s->host, s->port, runid, &f->now);
    }
}

static void core_fuzz_setup(struct core_fuzz *f)
{
    struct fuzz_input *in = &f->in;
    uint8_t shape = fuzz_u8(in);
    f->now.mono_ms = 1000 + fuzz_u16(in);
    f->now.wall_ms = 1700000000000LL;
    f->core = core_new(CORE_FUZZ_MYID, 1 + shape);
    f->core->current_epoch = fuzz_u8(in) % 8;
    if (shape & 2)
        f->core->settings.announce_ip = strdup("10.0.0.9");
    f->master_count = 1 + (shape & 1);
    for (size_t i = 0; i < f->master_count; i++)
        core_fuzz_setup_master(f, i);
    for (int k = (shape >> 2) % 3; k > 0; k--) {
        const struct core_fuzz_addr *s = &core_fuzz_sentinels[fuzz_u8(in) % 4];
        core_peer_add(f->core, s->host, s->port);
    }
    /* A sentinel's own config never has a master epoch above its
     * current-epoch: every epoch it adopts raises current-epoch first. */
    for (size_t i = 0; i < f->master_count; i++) {
        const struct master *m = f->core->masters[i];
        if (m->leader_epoch > f->core->current_epoch)
            f->core->current_epoch = m->leader_epoch;
        if (m->config_epoch > f->core->current_epoch)
            f->core->current_epoch = m->config_epoch;
    }
    core_fuzz_epochs_take(f, &f->disk);
    core_fuzz_epochs_take(f, &f->seen);
}

/* --- building replies --------------------------------------------------------------- */

/* Copies *len bytes into the arena, NUL-terminated as hiredis leaves them;
 * *len is cut if the arena is short. */
static const char *core_fuzz_keep(struct core_fuzz *f, const void *p, size_t *len)
{
    if (*len + 1 > CORE_FUZZ_ARENA - f->arena_len)
        *len = CORE_FUZZ_ARENA - f->arena_len - 1;
    char *s = f->arena + f->arena_len;
    if (*len > 0)
        memcpy(s, p, *len);
    s[*len] = '\0';
    f->arena_len += *len + 1;
    return s;
}

static void core_fuzz_text(struct core_fuzz *f, struct core_reply *r, enum core_reply_type type,
                           const char *text)
{
    size_t len = strlen(text);
    memset(r, 0, sizeof(*r));
    r->type = type;
    r->str = core_fuzz_keep(f, text, &len);
    r->len = len;
}

/* Takes n consecutive reply nodes (arrays point at their first child). */
static struct core_reply *core_fuzz_nodes_take(struct core_fuzz *f, size_t n)
{
    if (n > CORE_FUZZ_NODES - f->node_count)
        return NULL;
    struct core_reply *r = &f->nodes[f->node_count];
    f->node_count += n;
    memset(r, 0, n * sizeof(*r));
    return r;
}

/* Fills r with any shape at all, up to depth levels of arrays. */
static void core_fuzz_random_reply(struct core_fuzz *f, struct core_reply *r, int depth)
{
    uint8_t kind = fuzz_u8(&f->in);
    size_t len, n;
    const uint8_t *bytes;
    memset(r, 0, sizeof(*r));
    switch (kind % 6) {
    case 0: case 1: case 2:
        r->type = kind % 6 == 0 ? CORE_REPLY_STATUS
                  : kind % 6 == 1 ? CORE_REPLY_ERROR : CORE_REPLY_STRING;
        bytes = fuzz_bytes(&f->in, kind >> 3, &len);
        r->str = core_fuzz_keep(f, bytes, &len);
        r->len = len;
        break;
    case 3:
        r->type = CORE_REPLY_INTEGER;
        r->integer = (long long)fuzz_u64(&f->in);
        break;
    case 4:
        r->type = CORE_REPLY_ARRAY;
        n = depth > 0 ? (kind >> 3) % 5 : 0;
        r->element = n > 0 ? core_fuzz_nodes_take(f, n) : NULL;
        r->elements = r->element != NULL ? n : 0;
        for (size_t i = 0; i < r->elements; i++)
            core_fuzz_random_reply(f, (struct core_reply *)&r->element[i], depth - 1);
        break;
    default:
        r->type = CORE_REPLY_NIL;
        break;
    }
}

/* An INFO reply as a master or a replica would give it, every field
 * chosen by the input. */
static void core_fuzz_info(struct core_fuzz *f, struct core_reply *r)
{
    char text[1024];
    size_t at = 0;
    uint8_t a = fuzz_u8(&f->in), b = fuzz_u8(&f->in);
#define INFO_ADD(...)                                                           \
    do {                                                                       \
        int n_ = snprintf(text + at, sizeof(text) - at, __VA_ARGS__);          \
        if (n_ > 0 && (size_t)n_ < sizeof(text) - at)                          \
            at += (size_t)n_;                                                  \
    } while (0)
    INFO_ADD("# Server\r\n");
    if (!(a & 1))
        INFO_ADD("run_id:%s\r\n", core_fuzz_node_ids[(a >> 1) % 4]);
    INFO_ADD("\r\n# Replication\r\nrole:%s\r\n", (a & 8) ? "slave" : "master");
    if (a & 8) {
        const struct core_fuzz_addr *m = core_fuzz_pick_node(f);
        INFO_ADD("master_host:%s\r\nmaster_port:%d\r\n", m->host, m->port);
        INFO_ADD("master_link_status:%s\r\n", (b & 1) ? "down" : "up");
        if (b & 1)
            INFO_ADD("master_link_down_since_seconds:%d\r\n", (int)fuzz_u8(&f->in) - 1);
        INFO_ADD("slave_priority:%d\r\n", (b & 6) == 6 ? 0 : (b & 6) == 4 ? 1 : 100);
        INFO_ADD("slave_repl_offset:%u\r\n", (unsigned)fuzz_u16(&f->in));
        if (b & 8)
            INFO_ADD("replica_announced:0\r\n");
    } else {
        int count = (b >> 4) % 4;
        INFO_ADD("connected_slaves:%d\r\n", count);
        for (int i = 0; i < count; i++) {
            const struct core_fuzz_addr *n = core_fuzz_pick_node(f);
            INFO_ADD("slave%d:ip=%s,port=%d,state=%s,offset=%u,lag=0\r\n", i, n->host, n->port,
                     (b & 2) ? "wait_bgsave" : "online", (unsigned)fuzz_u16(&f->in));
        }
    }
    INFO_ADD("master_repl_offset:%u\r\n", (unsigned)fuzz_u16(&f->in));
#undef INFO_ADD
    core_fuzz_text(f, r, CORE_REPLY_STRING, text);
}

/* The three-element answer to is-master-down-by-addr. */
static void core_fuzz_is_down(struct core_fuzz *f, struct core_reply *r)
{
    uint8_t a = fuzz_u8(&f->in);
    struct core_reply *el = core_fuzz_nodes_take(f, 3);
    memset(r, 0, sizeof(*r));
    if (el == NULL)
        return;
    r->type = CORE_REPLY_ARRAY;
    r->elements = 3;
    r->element = el;
    el[0].type = CORE_REPLY_INTEGER;
    el[0].integer = a & 1;
    core_fuzz_text(f, &el[1], CORE_REPLY_STRING,
                   (a >> 1) % 5 == 0 ? "*" : core_fuzz_runids[(a >> 1) % 5 - 1]);
    el[2].type = CORE_REPLY_INTEGER;
    /* Computed unsigned: near the top of the range it wraps as a peer's
     * number would. */
    el[2].integer = (a & 0x80) ? (long long)fuzz_u64(&f->in)
                               : (long long)(f->core->current_epoch + (a >> 4) % 4 - 1);
}

/* A reply to a command sent with tag, mostly of the shape that command
 * gets, sometimes of any shape. */
static const struct core_reply *core_fuzz_reply_for(struct core_fuzz *f, enum core_tag tag)
{
    uint8_t choice = fuzz_u8(&f->in);
    struct core_reply *r;
    f->node_count = 0;
    f->arena_len = 0;
    r = core_fuzz_nodes_take(f, 1);
    if (choice % 8 == 7) {
        core_fuzz_random_reply(f, r, 2);
        return r;
    }
    switch (tag) {
    case TAG_PING:
        core_fuzz_text(f, r, choice % 8 < 5 ? CORE_REPLY_STATUS : CORE_REPLY_ERROR,
                       choice % 8 < 5   ? "PONG"
                       : choice % 8 == 5 ? "LOADING Redis is loading the dataset in memory"
                                         : "MASTERDOWN Link with MASTER is down");
        break;
    case TAG_INFO:
        if (choice % 8 == 6)
            core_fuzz_text(f, r, CORE_REPLY_ERROR, "NOAUTH Authentication required.");
        else
            core_fuzz_info(f, r);
        break;
    case TAG_IS_DOWN:
        core_fuzz_is_down(f, r);
        break;
    case TAG_HELLO_PUBLISH:
        r->type = CORE_REPLY_INTEGER;
        r->integer = 1;
        break;
    default:
        core_fuzz_text(f, r, CORE_REPLY_STATUS, choice & 1 ? "OK" : "QUEUED");
        break;
    }
    return r;
}

/* --- checking the model ------------------------------------------------------------ */

static int core_fuzz_same_addr(const struct addr *a, const struct addr *b)
{
    return a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

static int core_fuzz_link_listed(const struct core *core, const struct link *l)
{
    for (const struct link *it = core->links; it != NULL; it = it->next)
        if (it == l)
            return 1;
    return 0;
}

/* How many instances and peers hold a reference to l. */
static int core_fuzz_link_users(const struct core *core, const struct link *l)
{
    int users = 0;
    for (size_t i = 0; i < core->master_count; i++) {
        const struct master *m = core->masters[i];
        users += m->inst.link == l;
        for (size_t k = 0; k < m->replica_count; k++)
            users += m->replicas[k]->link == l;
        for (size_t k = 0; k < m->sentinel_count; k++)
            users += m->sentinels[k]->link == l;
    }
    for (size_t i = 0; i < core->peer_count; i++)
        users += core->peers[i].link == l;
    return users;
}

static void core_fuzz_check_master(const struct core *core, const struct master *m)
{
    int in_progress = (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) != 0;
    FUZZ_CHECK(in_progress == (m->failover_state != FAILOVER_NONE));
    if (m->failover_state >= FAILOVER_SEND_REPLICAOF_NOONE) {
        int listed = 0;
        FUZZ_CHECK(m->promoted != NULL && (m->promoted->flags & FLAG_PROMOTED));
        for (size_t k = 0; k < m->replica_count; k++)
            listed |= m->replicas[k] == m->promoted;
        FUZZ_CHECK(listed);
    }
    FUZZ_CHECK(m->inst.link != NULL && core_fuzz_link_listed(core, m->inst.link));
    for (size_t k = 0; k < m->replica_count; k++) {
        const struct instance *r = m->replicas[k];
        FUZZ_CHECK(r->link != NULL && core_fuzz_link_listed(core, r->link));
        FUZZ_CHECK(r->master == m && r->kind == INSTANCE_REPLICA);
        FUZZ_CHECK(!core_fuzz_same_addr(&r->addr, &m->inst.addr));
        for (size_t j = k + 1; j < m->replica_count; j++)
            FUZZ_CHECK(!core_fuzz_same_addr(&r->addr, &m->replicas[j]->addr));
    }
    for (size_t k = 0; k < m->sentinel_count; k++) {
        const struct instance *s = m->sentinels[k];
        FUZZ_CHECK(s->link != NULL && core_fuzz_link_listed(core, s->link));
        FUZZ_CHECK(strcmp(s->runid, core->myid) != 0);
        for (size_t j = k + 1; j < m->sentinel_count; j++) {
            FUZZ_CHECK(!core_fuzz_same_addr(&s->addr, &m->sentinels[j]->addr));
            FUZZ_CHECK(s->runid[0] == '\0' || strcmp(s->runid, m->sentinels[j]->runid) != 0);
        }
    }
}

static void core_fuzz_check_model(const struct core_fuzz *f)
{
    const struct core *core = f->core;
    FUZZ_CHECK(core->master_count == f->master_count);
    for (size_t i = 0; i < core->master_count; i++)
        core_fuzz_check_master(core, core->masters[i]);
    for (const struct link *l = core->links; l != NULL; l = l->next)
        FUZZ_CHECK(l->refcount > 0 && l->refcount == core_fuzz_link_users(core, l));
}

/* Epochs only grow, and a master's vote in one epoch never changes. */
static void core_fuzz_check_epochs(struct core_fuzz *f)
{
    struct core_fuzz_epochs now;
    core_fuzz_epochs_take(f, &now);
    FUZZ_CHECK(now.current >= f->seen.current);
    for (size_t i = 0; i < f->master_count; i++) {
        /* Every epoch a sentinel adopts raises its current-epoch first, or
         * its next failover would reuse an epoch already taken. */
        FUZZ_CHECK(now.current >= now.leader[i] && now.current >= now.config[i]);
        FUZZ_CHECK(now.leader[i] >= f->seen.leader[i]);
        FUZZ_CHECK(now.config[i] >= f->seen.config[i]);
        /* SENTINEL RESET forgets whom we voted for, not that we voted. */
        if (now.leader[i] == f->seen.leader[i] && f->seen.voted_for[i][0] != '\0' &&
            now.voted_for[i][0] != '\0')
            FUZZ_CHECK(strcmp(now.voted_for[i], f->seen.voted_for[i]) == 0);
        /* What a restart must not lose is on disk by the end of the step. */
        FUZZ_CHECK(now.leader[i] <= f->disk.leader[i]);
        FUZZ_CHECK(now.config[i] <= f->disk.config[i]);
    }
    f->seen = now;
}

/* --- the actions of one step ---------------------------------------------------------- */

static void core_fuzz_check_send(struct core_fuzz *f, const struct core_action *a)
{
    FUZZ_CHECK(a->argc >= 1 && a->argv != NULL && a->link_id != 0);
    for (int i = 0; i < a->argc; i++)
        FUZZ_CHECK(a->argv[i] != NULL);
    if (a->argc == 6 && strcasecmp(a->argv[0], "SENTINEL") == 0 &&
        strcasecmp(a->argv[1], "is-master-down-by-addr") == 0 && strcmp(a->argv[5], "*") != 0) {
        /* A vote request names an epoch a restart must remember. */
        FUZZ_CHECK(strtoull(a->argv[4], NULL, 10) <= f->disk.current);
    }
    if (a->argc == 3 && strcmp(a->argv[1], HELLO_CHANNEL) == 0) {
        struct hello h;
        FUZZ_CHECK(hello_parse(a->argv[2], &h) == 0);
        /* Only the config-epoch is a claim peers act on; a current-epoch
         * bumped by SENTINEL FAILOVER is persisted with our own vote on
         * the next tick, before any vote is asked for. */
        int i = core_fuzz_master_index(f, h.master_name);
        FUZZ_CHECK(i >= 0 && h.master_config_epoch <= f->disk.config[i]);
    }
}

/* The master an event names after "@ ", or -1. */
static int core_fuzz_event_master(const struct core_fuzz *f, const char *text)
{
    const char *at = strstr(text, " @ ");
    char name[NAME_MAX_LEN];
    if (at == NULL || sscanf(at + 3, "%255s", name) != 1)
        return -1;
    return core_fuzz_master_index(f, name);
}

static void core_fuzz_check_event(struct core_fuzz *f, const struct core_action *a,
                                  int tilt_throughout)
{
    FUZZ_CHECK(a->event_type != NULL && a->text != NULL);
    FUZZ_CHECK(strpbrk(a->text, "\r\n") == NULL);
    int elected = strcmp(a->event_type, "+elected-leader") == 0;
    int promoted = strcmp(a->event_type, "+promoted-slave") == 0;
    if (tilt_throughout && !f->forced)
        FUZZ_CHECK(!elected && !promoted && strcmp(a->event_type, "+try-failover") != 0);
    if (promoted) {
        int i = core_fuzz_event_master(f, a->text);
        FUZZ_CHECK(i >= 0);
        uint64_t epoch = f->core->masters[i]->config_epoch;
        FUZZ_CHECK(epoch <= f->disk.config[i]);
        for (size_t k = 0; k < f->promoted_count[i]; k++)
            FUZZ_CHECK(f->promoted[i][k] != epoch);
        if (f->promoted_count[i] < CORE_FUZZ_PROMOTIONS)
            f->promoted[i][f->promoted_count[i]++] = epoch;
    }
    if (strcmp(a->event_type, "+selected-slave") == 0) {
        int i = core_fuzz_event_master(f, a->text);
        FUZZ_CHECK(i >= 0);
        const struct instance *p = f->core->masters[i]->promoted;
        FUZZ_CHECK(p == NULL || p->replica_priority != 0);
    }
}

static void core_fuzz_pending_add(struct core_fuzz *f, const struct core_action *a)
{
    if (f->pending_count == CORE_FUZZ_PENDING)
        return;
    struct core_fuzz_pending *p = &f->pending[f->pending_count++];
    p->link_id = a->link_id;
    p->channel = a->channel;
    p->tag = a->tag;
    p->ctx = a->ctx;
}

/* Drops what a closed connection was still waiting for. */
static void core_fuzz_pending_drop(struct core_fuzz *f, uint64_t link_id, int channel)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->pending_count; i++)
        if (f->pending[i].link_id != link_id ||
            (channel >= 0 && (int)f->pending[i].channel != channel))
            f->pending[kept++] = f->pending[i];
    f->pending_count = kept;
}

/* Plays the shell's part for the step's actions, in order, checking each;
 * then checks the model.  tilt_before: the core was in TILT before. */
static void core_fuzz_after(struct core_fuzz *f, int tilt_before)
{
    int tilt_throughout = tilt_before && f->core->tilt;
    CORE_FUZZ_TRACE("  -> epoch %llu tilt %d\n", (unsigned long long)f->core->current_epoch,
                    f->core->tilt);
    core_fuzz_trace_actions(f);
    for (size_t i = 0; i < f->acts.count; i++) {
        const struct core_action *a = &f->acts.items[i];
        switch (a->type) {
        case CORE_ACT_PERSIST:
            /* The shell writes the state as it is once the step is over. */
            core_fuzz_epochs_take(f, &f->disk);
            break;
        case CORE_ACT_PERSIST_LAZY:
            /* Discovered state only: the shell saves it after the next
             * tick (on_tick in main.c), so it covers nothing before. */
            f->lazy_dirty = 1;
            break;
        case CORE_ACT_SEND:
            core_fuzz_check_send(f, a);
            core_fuzz_pending_add(f, a);
            break;
        case CORE_ACT_EVENT:
            core_fuzz_check_event(f, a, tilt_throughout);
            /* Reported bug "core-epoch-bump-unpersisted": a failover
             * start raises current-epoch without PERSIST, and a vote
             * request for another master can carry it out first.  When
             * avoiding it, act as if the start persisted. */
            if (strcmp(a->event_type, "+try-failover") == 0 &&
                fuzz_avoid("core-epoch-bump-unpersisted") &&
                f->disk.current < f->core->current_epoch)
                f->disk.current = f->core->current_epoch;
            break;
        case CORE_ACT_DISCONNECT:
            core_fuzz_pending_drop(f, a->link_id, -1);
            if (f->down_count < CORE_FUZZ_COUNT(f->down_links))
                f->down_links[f->down_count++] = a->link_id;
            break;
        default:
            break;
        }
    }
    core_actions_reset(&f->acts);
    core_fuzz_check_epochs(f);
    core_fuzz_check_model(f);
    f->forced = 0;
}

static void core_fuzz_step(struct core_fuzz *f, const struct core_event *ev)
{
    int tilt = f->core->tilt;
    CORE_FUZZ_TRACE("t=%lld wall=%lld event %d link %llu ch %d tag %d ctx %llu payload %s\n",
                    (long long)f->now.mono_ms, (long long)f->now.wall_ms, (int)ev->type,
                    (unsigned long long)ev->link_id, (int)ev->channel, (int)ev->tag,
                    (unsigned long long)ev->ctx, ev->payload ? ev->payload : "-");
    if (ev->reply != NULL && ev->reply->str != NULL)
        CORE_FUZZ_TRACE("  reply type %d: %.*s\n", (int)ev->reply->type, (int)ev->reply->len,
                        ev->reply->str);
    else if (ev->reply != NULL)
        CORE_FUZZ_TRACE("  reply type %d int %lld elements %zu\n", (int)ev->reply->type,
                        ev->reply->integer, ev->reply->elements);
    core_step(f->core, &f->now, ev, &f->acts);
    core_fuzz_after(f, tilt);
}

/* --- operations ------------------------------------------------------------------------ */

static void core_fuzz_tick(struct core_fuzz *f, int64_t mono_step_ms, int64_t wall_step_ms)
{
    struct core_event ev = {.type = CORE_EV_TICK};
    f->now.mono_ms += mono_step_ms;
    f->now.wall_ms += wall_step_ms;
    core_fuzz_step(f, &ev);
    if (f->lazy_dirty)
        core_fuzz_epochs_take(f, &f->disk);
    f->lazy_dirty = 0;
}

/* A tick: mostly the shell's 100 ms, sometimes much longer, sometimes
 * with the wall clock jumping back or ahead (TILT), and now and then with
 * the monotonic clock going back too (the shell's never does, a broken
 * clock or a simulator might: nothing may crash or break an invariant). */
static void core_fuzz_op_tick(struct core_fuzz *f, int big)
{
    uint8_t a = fuzz_u8(&f->in);
    int64_t step = big ? (int64_t)fuzz_u16(&f->in) * 4 : (a & 0x80) ? 100 : (a & 0x7f) * 8;
    int64_t wall = step;
    if (big && (a & 3) == 1)
        wall = -(int64_t)fuzz_u16(&f->in) * 10;
    else if (big && (a & 3) == 2)
        wall = step + 2001 + (int64_t)fuzz_u16(&f->in) * 10;
    else if (big && (a & 7) == 3 && f->now.mono_ms > step)
        step = wall = -step;
    core_fuzz_tick(f, step, wall);
}

/* The link with index i in the core's list (wrapping), or NULL. */
static struct link *core_fuzz_link(struct core_fuzz *f, uint8_t i)
{
    size_t n = 0;
    for (struct link *l = f->core->links; l != NULL; l = l->next)
        n++;
    if (n == 0)
        return NULL;
    struct link *l = f->core->links;
    for (size_t k = i % n; k > 0; k--)
        l = l->next;
    return l;
}

static void core_fuzz_op_link(struct core_fuzz *f, int up)
{
    static const char *const local_ips[] = {"10.0.0.9", NULL, "", "::1"};
    uint8_t a = fuzz_u8(&f->in);
    struct link *l = core_fuzz_link(f, fuzz_u8(&f->in));
    char raw[64];
    if (l == NULL)
        return;
    struct core_event ev = {.type = up ? CORE_EV_LINK_UP : CORE_EV_LINK_DOWN, .link_id = l->id,
                            .channel = (a & 1) ? CHANNEL_PUBSUB : CHANNEL_CMD};
    if (up && (a & 0x10)) {
        size_t len;
        const uint8_t *bytes = fuzz_bytes(&f->in, (a >> 5) * 9, &len);
        memcpy(raw, bytes, len);
        raw[len] = '\0';
        ev.payload = raw;
    } else if (up) {
        ev.payload = local_ips[(a >> 1) % 4];
    }
    if (!up)
        core_fuzz_pending_drop(f, l->id, (int)ev.channel);
    core_fuzz_step(f, &ev);
}

/* Answers the oldest command still due on one connection. */
static void core_fuzz_op_answer(struct core_fuzz *f, size_t pick)
{
    if (f->pending_count == 0)
        return;
    const struct core_fuzz_pending *chosen = &f->pending[pick % f->pending_count];
    size_t i = 0;
    while (f->pending[i].link_id != chosen->link_id || f->pending[i].channel != chosen->channel)
        i++;
    struct core_fuzz_pending p = f->pending[i];
    memmove(&f->pending[i], &f->pending[i + 1], (f->pending_count - i - 1) * sizeof(p));
    f->pending_count--;
    if (core_link_find(f->core, p.link_id) == NULL)
        return;
    struct core_event ev = {.type = CORE_EV_REPLY, .link_id = p.link_id, .tag = p.tag,
                            .ctx = p.ctx, .reply = core_fuzz_reply_for(f, p.tag)};
    core_fuzz_step(f, &ev);
}

/* A reply nobody asked for: any link, tag, context and shape. */
static void core_fuzz_op_rogue_reply(struct core_fuzz *f)
{
    uint8_t a = fuzz_u8(&f->in);
    struct link *l = core_fuzz_link(f, fuzz_u8(&f->in));
    uint64_t ctx = (a & 0x80) ? fuzz_u64(&f->in) : fuzz_u8(&f->in) % 32;
    const struct core_reply *r = core_fuzz_reply_for(f, (enum core_tag)(a % 8));
    struct core_event ev = {.type = CORE_EV_REPLY, .link_id = l != NULL ? l->id : 1,
                            .tag = (enum core_tag)(a % 8), .ctx = ctx, .reply = r};
    if (a & 0x40)
        ev.reply = NULL;
    core_fuzz_step(f, &ev);
}

static uint64_t core_fuzz_epoch(struct core_fuzz *f, uint8_t a)
{
    if ((a & 0x70) == 0x70)
        return fuzz_u64(&f->in);
    return f->core->current_epoch + (a >> 4) % 7 - 1;
}

/* A hello whose config-epoch would end above our current-epoch: the
 * reported bug "core-config-epoch-above-current" (our next failover would
 * reuse, or go below, an epoch already taken). */
static int core_fuzz_hello_avoided(const struct core_fuzz *f, const char *payload)
{
    struct hello h;
    uint64_t current = f->core->current_epoch;
    if (!fuzz_avoid("core-config-epoch-above-current") || hello_parse(payload, &h) < 0)
        return 0;
    if (h.current_epoch > current && h.current_epoch <= UINT64_MAX / 2)
        current = h.current_epoch;
    return h.master_config_epoch > current && h.master_config_epoch <= UINT64_MAX / 2;
}

/* A hello: well formed from the pools, or raw bytes. */
static void core_fuzz_op_hello(struct core_fuzz *f)
{
    uint8_t a = fuzz_u8(&f->in), b = fuzz_u8(&f->in);
    char payload[HELLO_PAYLOAD_MAX];
    struct link *l = (a & 1) ? core_fuzz_link(f, b) : NULL;
    if (a & 2) {
        size_t len;
        const uint8_t *bytes = fuzz_bytes(&f->in, b, &len);
        memcpy(payload, bytes, len);
        payload[len] = '\0';
    } else {
        struct hello h;
        const struct core_fuzz_addr *s = &core_fuzz_sentinels[b % 4];
        const struct core_fuzz_addr *m = core_fuzz_pick_node(f);
        memset(&h, 0, sizeof(h));
        snprintf(h.ip, sizeof(h.ip), "%s", s->host);
        h.port = s->port;
        snprintf(h.runid, sizeof(h.runid), "%s", core_fuzz_runids[(b >> 2) % 4]);
        h.current_epoch = core_fuzz_epoch(f, a);
        snprintf(h.master_name, sizeof(h.master_name), "%s", core_fuzz_names[(b >> 4) % 3]);
        snprintf(h.master_ip, sizeof(h.master_ip), "%s", m->host);
        h.master_port = m->port;
        h.master_config_epoch = (b & 0x40) ? core_fuzz_epoch(f, fuzz_u8(&f->in))
                                           : f->core->masters[0]->config_epoch;
        if (hello_format(&h, payload, sizeof(payload)) < 0)
            return;
    }
    if (core_fuzz_hello_avoided(f, payload))
        return;
    struct core_event ev = {.type = CORE_EV_HELLO, .link_id = l != NULL ? l->id : 0,
                            .payload = payload};
    core_fuzz_step(f, &ev);
}

/* SENTINEL IS-MASTER-DOWN-BY-ADDR from a client or a peer. */
static void core_fuzz_op_is_down(struct core_fuzz *f)
{
    uint8_t a = fuzz_u8(&f->in), b = fuzz_u8(&f->in);
    const struct addr *addr = &f->core->masters[b % f->master_count]->inst.addr;
    const struct core_fuzz_addr *other = &core_fuzz_nodes[b % CORE_FUZZ_COUNT(core_fuzz_nodes)];
    const char *host = (b & 0x80) ? other->host : addr->host;
    int port = (b & 0x80) ? other->port : addr->port;
    const char *runid = (a & 3) == 0 ? "*" : core_fuzz_runids[(b >> 3) % 4];
    uint64_t epoch = core_fuzz_epoch(f, a);
    int down = -1, tilt = f->core->tilt;
    const char *leader = NULL;
    uint64_t leader_epoch = 0;
    CORE_FUZZ_TRACE("is-master-down %s %d epoch %llu runid %s\n", host, port,
                    (unsigned long long)epoch, runid);
    int rc = core_is_master_down(f->core, &f->now, host, port, epoch, runid, &down, &leader,
                                 &leader_epoch, &f->acts);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(leader != NULL && (down == 0 || down == 1));
    /* In TILT a sentinel never says a master is down. */
    if (tilt)
        FUZZ_CHECK(down == 0);
    /* The reply goes out after the actions; core_fuzz_after checks that
     * the vote it names is on disk by then. */
    core_fuzz_after(f, tilt);
}

static void core_fuzz_op_failover(struct core_fuzz *f)
{
    struct master *m = f->core->masters[fuzz_u8(&f->in) % f->master_count];
    const char *err = NULL;
    int tilt = f->core->tilt;
    f->forced = 1;
    CORE_FUZZ_TRACE("failover %s\n", m->inst.name);
    if (core_force_failover(f->core, &f->now, m, &err, &f->acts) < 0)
        FUZZ_CHECK(err != NULL);
    core_fuzz_after(f, tilt);
}

static void core_fuzz_op_reset(struct core_fuzz *f)
{
    struct master *m = f->core->masters[fuzz_u8(&f->in) % f->master_count];
    int tilt = f->core->tilt;
    CORE_FUZZ_TRACE("reset %s\n", m->inst.name);
    core_master_reset(f->core, &f->now, m, &f->acts);
    core_fuzz_after(f, tilt);
}

/* Rounds of a healthy-looking world: a 100 ms tick, then every command
 * due is answered (with shapes from the input). */
static void core_fuzz_op_rounds(struct core_fuzz *f)
{
    for (int round = 1 + fuzz_u8(&f->in) % 16; round > 0 && !fuzz_input_done(&f->in); round--) {
        core_fuzz_tick(f, 100, 100);
        for (size_t due = f->pending_count; due > 0 && f->pending_count > 0; due--)
            core_fuzz_op_answer(f, 0);
    }
}

/* The shell reports connections the core asked to close as down. */
static void core_fuzz_report_disconnects(struct core_fuzz *f)
{
    while (f->down_count > 0) {
        uint64_t id = f->down_links[--f->down_count];
        for (int ch = 0; ch < 2; ch++) {
            struct core_event ev = {.type = CORE_EV_LINK_DOWN, .link_id = id,
                                    .channel = (enum link_channel)ch};
            core_fuzz_step(f, &ev);
        }
    }
}

static void core_fuzz_op(struct core_fuzz *f, uint8_t op)
{
    switch (op % 16) {
    case 0: case 1: case 2: core_fuzz_op_tick(f, 0); break;
    case 3: core_fuzz_op_tick(f, 1); break;
    case 4: core_fuzz_op_link(f, 1); break;
    case 5: core_fuzz_op_link(f, 0); break;
    case 6: case 7: case 8: core_fuzz_op_answer(f, fuzz_u8(&f->in)); break;
    case 9: core_fuzz_op_rogue_reply(f); break;
    case 10: case 11: core_fuzz_op_hello(f); break;
    case 12: core_fuzz_op_is_down(f); break;
    case 13: core_fuzz_op_failover(f); break;
    case 14:
        if ((op >> 4) == 0)
            core_fuzz_op_reset(f);
        break;
    default: core_fuzz_op_rounds(f); break;
    }
    core_fuzz_report_disconnects(f);
}

FUZZ_TARGET(core)
{
    /* Large (reply arenas, pending queue): kept off the stack. */
    struct core_fuzz *f = calloc(1, sizeof(*f));
    if (f == NULL)
        abort();
    f->in.data = data;
    f->in.size = size;
    core_fuzz_setup(f);
    core_fuzz_check_model(f);
    for (int ops = 0; ops < CORE_FUZZ_MAX_OPS && !fuzz_input_done(&f->in); ops++)
        core_fuzz_op(f, fuzz_u8(&f->in));
    core_actions_free(&f->acts);
    core_free(f->core);
    free(f);
    return 0;
}
