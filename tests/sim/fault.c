/*
 * fault.c - the fault schedule.
 *
 * During the fault phase a fault of an enabled kind is injected every few
 * seconds: latency storms, message loss (and connection resets),
 * partitions (symmetric, one-way, and one that leaves the master with a
 * minority of sentinels), swizzle clogging (hosts clogged one by one, then
 * unclogged in random order, after FoundationDB's simulation), sentinel
 * crashes with restarts from the last snapshot, node crashes that lose the
 * data, wall-clock jumps both ways, and slow config persistence.  Each
 * fault undoes itself after a while; fault_heal_all undoes all at once.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

const char *const fault_names[FAULT_KINDS] = {
    [FAULT_DELAY] = "delay",
    [FAULT_LOSS] = "loss",
    [FAULT_PARTITION_SYMMETRIC] = "partition",
    [FAULT_PARTITION_ASYMMETRIC] = "one-way-partition",
    [FAULT_PARTITION_MASTER_MINORITY] = "master-minority-partition",
    [FAULT_SWIZZLE] = "swizzle",
    [FAULT_SENTINEL_CRASH] = "sentinel-crash",
    [FAULT_NODE_CRASH] = "node-crash",
    [FAULT_CLOCK_JUMP] = "clock-jump",
    [FAULT_SLOW_PERSIST] = "slow-persist",
};

static int host_count(const struct sim *sim)
{
    return sim->sentinel_count + sim->node_count;
}

/* Host number i of 0..host_count-1: sentinels first, then nodes. */
static int host_at(const struct sim *sim, int i)
{
    return i < sim->sentinel_count ? i : SIM_MAX_SENTINELS + (i - sim->sentinel_count);
}

static const char *host_name(const struct sim *sim, int h)
{
    return h < SIM_MAX_SENTINELS ? sim->sentinels[h].ip : sim->nodes[h - SIM_MAX_SENTINELS].ip;
}

static struct fault_slot *slot_new(struct sim *sim, enum fault_kind kind, int *index)
{
    for (int i = 0; i < SIM_FAULT_SLOTS; i++) {
        struct fault_slot *f = &sim->faults[i];
        if (f->active)
            continue;
        uint64_t gen = f->gen + 1;
        memset(f, 0, sizeof(*f));
        f->gen = gen;
        f->active = 1;
        f->kind = kind;
        *index = i;
        return f;
    }
    return NULL;
}

/* --- partitions ---------------------------------------------------------------------- */

static void pairs_apply(struct sim *sim, struct fault_slot *f, int delta)
{
    for (int a = 0; a < SIM_MAX_HOSTS; a++)
        for (int b = 0; b < SIM_MAX_HOSTS; b++)
            if (f->pairs[a][b])
                sim->net.blocked[a][b] += delta;
}

static void partition_trace(struct sim *sim, const struct fault_slot *f, const int *side,
                            int64_t ms)
{
    char a[160] = "", b[160] = "";
    for (int i = 0; i < host_count(sim); i++) {
        char *dst = side[i] ? b : a;
        size_t len = strlen(dst);
        snprintf(dst + len, 160 - len, " %s", host_name(sim, host_at(sim, i)));
    }
    trace_line(sim, TRACE_KEY, "FAULT %s for %lld ms: {%s } %s {%s }", fault_names[f->kind],
               (long long)ms, a, f->kind == FAULT_PARTITION_ASYMMETRIC ? "-/->" : "<-/->", b);
}

/* Blocks traffic between the two sides (one way: side 0 -> side 1 only). */
static void partition_start(struct sim *sim, enum fault_kind kind, const int *side, int64_t ms)
{
    int idx;
    struct fault_slot *f = slot_new(sim, kind, &idx);
    if (f == NULL)
        return;
    for (int i = 0; i < host_count(sim); i++)
        for (int j = 0; j < host_count(sim); j++)
            if (side[i] == 0 && side[j] == 1) {
                f->pairs[host_at(sim, i)][host_at(sim, j)] = 1;
                if (kind != FAULT_PARTITION_ASYMMETRIC)
                    f->pairs[host_at(sim, j)][host_at(sim, i)] = 1;
            }
    pairs_apply(sim, f, 1);
    partition_trace(sim, f, side, ms);
    sim->stats.faults[kind]++;
    sim_schedule(sim, sim->now_ms + ms, SEV_FAULT_STEP, idx, 0, f->gen);
}

static void random_sides(struct sim *sim, int *side)
{
    int n = host_count(sim);
    int ones;
    do {
        ones = 0;
        for (int i = 0; i < n; i++)
            ones += side[i] = (int)rng_below(&sim->rng, 2);
    } while (ones == 0 || ones == n);
}

/* The node most sentinels call master (the first live master node if no
 * sentinel can say). */
static int believed_master(struct sim *sim)
{
    int votes[SIM_MAX_NODES] = {0};
    for (int i = 0; i < sim->sentinel_count; i++) {
        const struct sim_sentinel *s = &sim->sentinels[i];
        if (!s->alive)
            continue;
        const struct addr *a = core_master_addr(sentinel_master(s));
        struct sim_node *n = node_by_addr(sim, a->host, a->port);
        if (n != NULL)
            votes[n->idx]++;
    }
    int best = -1;
    for (int i = 0; i < sim->node_count; i++)
        if (best < 0 || votes[i] > votes[best])
            best = i;
    if (votes[best] == 0)
        for (int i = sim->node_count - 1; i >= 0; i--)
            if (sim->nodes[i].alive && sim->nodes[i].is_master)
                best = i;
    return best;
}

static void partition_master_minority(struct sim *sim)
{
    int side[SIM_MAX_HOSTS];
    int n = host_count(sim);
    for (int i = 0; i < n; i++)
        side[i] = 1;
    int master = believed_master(sim);
    side[sim->sentinel_count + master] = 0;
    int minority = (int)rng_below(&sim->rng, (uint64_t)(sim->sentinel_count - 1) / 2 + 1);
    for (int k = 0; k < minority; k++)
        side[rng_below(&sim->rng, (uint64_t)sim->sentinel_count)] = 0;
    int64_t ms = rng_range(&sim->rng, 2 * sim->down_after_ms, 60000);
    partition_start(sim, FAULT_PARTITION_MASTER_MINORITY, side, ms);
}

/* --- swizzle ----------------------------------------------------------------------------- */

static void swizzle_start(struct sim *sim)
{
    int idx;
    struct fault_slot *f = slot_new(sim, FAULT_SWIZZLE, &idx);
    if (f == NULL)
        return;
    int n = host_count(sim);
    int order[SIM_MAX_HOSTS];
    for (int i = 0; i < n; i++)
        order[i] = host_at(sim, i);
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(&sim->rng, (uint64_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    f->host_count = (int)rng_range(&sim->rng, 1, n);
    memcpy(f->hosts, order, sizeof(order));
    sim->stats.faults[FAULT_SWIZZLE]++;
    trace_line(sim, TRACE_KEY, "FAULT swizzle over %d hosts", f->host_count);
    fault_step(sim, idx, f->gen);
}

/* Steps 0..n-1 clog hosts one by one, then steps n..2n-1 unclog them in a
 * freshly shuffled order. */
static void swizzle_step(struct sim *sim, int idx, struct fault_slot *f)
{
    int n = f->host_count;
    if (f->step < n) {
        int h = f->hosts[f->step];
        f->clogged[h] = 1;
        sim->net.clogged[h]++;
        trace_line(sim, TRACE_KEY, "swizzle: clog %s", host_name(sim, h));
        f->step++;
        int64_t wait = f->step < n ? rng_range(&sim->rng, 100, 1000)
                                   : rng_range(&sim->rng, 500, 10000);
        sim_schedule(sim, sim->now_ms + wait, SEV_FAULT_STEP, idx, 0, f->gen);
        return;
    }
    int left[SIM_MAX_HOSTS], count = 0;
    for (int h = 0; h < SIM_MAX_HOSTS; h++)
        if (f->clogged[h])
            left[count++] = h;
    if (count == 0) {
        f->active = 0;
        return;
    }
    int h = left[rng_below(&sim->rng, (uint64_t)count)];
    f->clogged[h] = 0;
    sim->net.clogged[h]--;
    trace_line(sim, TRACE_KEY, "swizzle: unclog %s", host_name(sim, h));
    sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 100, 1000), SEV_FAULT_STEP, idx, 0,
                 f->gen);
}

/* --- the others ----------------------------------------------------------------------------- */

static void loss_start(struct sim *sim)
{
    int h = host_at(sim, (int)rng_below(&sim->rng, (uint64_t)host_count(sim)));
    int64_t ms = rng_range(&sim->rng, 1000, 20000);
    sim->net.loss_until_ms[h] = sim->now_ms + ms;
    trace_line(sim, TRACE_KEY, "FAULT loss on %s for %lld ms (%u per million)",
               host_name(sim, h), (long long)ms, sim->net.loss_per_million);
    /* Now and then a connection of that host is reset as well. */
    if (!rng_below(&sim->rng, 2))
        return;
    for (size_t i = sim->net.conn_count; i-- > 0;) {
        struct conn *c = sim->net.conns[i];
        if (c->state == CONN_UP && !c->server_closed &&
            (c->client_host == h || c->server_host == h)) {
            trace_line(sim, TRACE_KEY, "FAULT reset conn %llu (s%d link %llu)",
                       (unsigned long long)c->id, c->sentinel, (unsigned long long)c->link_id);
            net_server_close(sim, c);
            break;
        }
    }
}

static void sentinel_crash_start(struct sim *sim)
{
    struct sim_sentinel *s = &sim->sentinels[rng_below(&sim->rng,
                                                       (uint64_t)sim->sentinel_count)];
    if (!s->alive)
        return;
    uint64_t inc = s->inc;
    trace_line(sim, TRACE_KEY, "FAULT crash s%d", s->idx);
    sentinel_crash(sim, s);
    sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 500, 20000), SEV_SENTINEL_RESTART,
                 s->idx, 0, inc);
}

static void node_crash_start(struct sim *sim)
{
    struct sim_node *n = &sim->nodes[rng_below(&sim->rng, (uint64_t)sim->node_count)];
    if (!n->alive)
        return;
    trace_line(sim, TRACE_KEY, "FAULT crash node n%d", n->idx);
    node_crash(sim, n);
    sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 1000, 30000), SEV_NODE_RESTART,
                 n->idx, 0, n->inc);
}

static void clock_jump(struct sim *sim)
{
    struct sim_sentinel *s = &sim->sentinels[rng_below(&sim->rng,
                                                       (uint64_t)sim->sentinel_count)];
    int64_t jump = rng_below(&sim->rng, 2) ? rng_range(&sim->rng, 2500, 120000)
                                           : -rng_range(&sim->rng, 1, 60000);
    s->wall_offset_ms += jump;
    trace_line(sim, TRACE_KEY, "FAULT wall clock of s%d jumps %+lld ms", s->idx,
               (long long)jump);
}

static void slow_persist(struct sim *sim)
{
    struct sim_sentinel *s = &sim->sentinels[rng_below(&sim->rng,
                                                       (uint64_t)sim->sentinel_count)];
    int64_t ms = rng_range(&sim->rng, 2000, 30000);
    s->slow_persist_until_ms = sim->now_ms + ms;
    trace_line(sim, TRACE_KEY, "FAULT slow persistence on s%d for %lld ms", s->idx,
               (long long)ms);
}

static void inject(struct sim *sim, enum fault_kind kind)
{
    int side[SIM_MAX_HOSTS];
    switch (kind) {
    case FAULT_DELAY: {
        int h = host_at(sim, (int)rng_below(&sim->rng, (uint64_t)host_count(sim)));
        int64_t ms = rng_range(&sim->rng, 2000, 30000);
        sim->net.storm_until_ms[h] = sim->now_ms + ms;
        trace_line(sim, TRACE_KEY, "FAULT latency storm on %s for %lld ms", host_name(sim, h),
                   (long long)ms);
        break;
    }
    case FAULT_LOSS:
        loss_start(sim);
        break;
    case FAULT_PARTITION_SYMMETRIC:
    case FAULT_PARTITION_ASYMMETRIC:
        random_sides(sim, side);
        partition_start(sim, kind, side, rng_range(&sim->rng, 1000, 60000));
        return;
    case FAULT_PARTITION_MASTER_MINORITY:
        partition_master_minority(sim);
        return;
    case FAULT_SWIZZLE:
        swizzle_start(sim);
        return;
    case FAULT_SENTINEL_CRASH:
        sentinel_crash_start(sim);
        break;
    case FAULT_NODE_CRASH:
        node_crash_start(sim);
        break;
    case FAULT_CLOCK_JUMP:
        clock_jump(sim);
        break;
    case FAULT_SLOW_PERSIST:
        slow_persist(sim);
        break;
    case FAULT_KINDS:
        return;
    }
    sim->stats.faults[kind]++;
}

void fault_next(struct sim *sim)
{
    if (sim->phase != PHASE_FAULTS || sim->faults_enabled == 0)
        return;
    enum fault_kind kinds[FAULT_KINDS];
    int n = 0;
    for (int k = 0; k < FAULT_KINDS; k++)
        if (sim->faults_enabled & (1u << k))
            kinds[n++] = (enum fault_kind)k;
    inject(sim, kinds[rng_below(&sim->rng, (uint64_t)n)]);
    sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 500, 8000), SEV_FAULT_NEXT, 0, 0, 0);
}

void fault_step(struct sim *sim, int idx, uint64_t gen)
{
    struct fault_slot *f = &sim->faults[idx];
    if (!f->active || f->gen != gen)
        return;
    if (f->kind == FAULT_SWIZZLE) {
        swizzle_step(sim, idx, f);
        return;
    }
    pairs_apply(sim, f, -1);
    f->active = 0;
    trace_line(sim, TRACE_KEY, "heal %s", fault_names[f->kind]);
}

/* Ends every fault now: partitions and clogs lifted, storms and loss
 * over, disks fast, every crashed process restarted. */
void fault_heal_all(struct sim *sim)
{
    for (int i = 0; i < SIM_FAULT_SLOTS; i++) {
        struct fault_slot *f = &sim->faults[i];
        if (!f->active)
            continue;
        pairs_apply(sim, f, -1);
        for (int h = 0; h < SIM_MAX_HOSTS; h++)
            if (f->clogged[h])
                sim->net.clogged[h]--;
        f->active = 0;
    }
    for (int h = 0; h < SIM_MAX_HOSTS; h++) {
        sim->net.storm_until_ms[h] = 0;
        sim->net.loss_until_ms[h] = 0;
    }
    trace_line(sim, TRACE_KEY, "HEAL: every fault ends");
    for (int i = 0; i < sim->sentinel_count; i++) {
        sim->sentinels[i].slow_persist_until_ms = 0;
        if (!sim->sentinels[i].alive)
            sentinel_restart(sim, &sim->sentinels[i]);
    }
    for (int i = 0; i < sim->node_count; i++)
        if (!sim->nodes[i].alive)
            node_restart(sim, &sim->nodes[i]);
}
