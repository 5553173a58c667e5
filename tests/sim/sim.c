/*
 * sim.c - the simulator's runs: set-up from the seed, the event loop, the
 * phases of a run, statistics, and running many seeds on several
 * processes.
 *
 * A run: set-up (sentinels discover each other and the replicas), a fault
 * phase (faults of the kinds this seed enables), the heal (every fault ends,
 * every crashed process restarts), then a quiet period that must end with
 * every sentinel agreeing on one live master within a bound derived from
 * the timeouts.  Some seeds then send SENTINEL FAILOVER to one sentinel and
 * require agreement on another master; some kill the master for good and
 * require a failover to a new one, each within its own bound (a quarter of
 * those kills are outages: every sentinel goes down with the master and
 * only the sentinels come back).
 *
 *   sim --seed N [--verbose]        one run (make sim SEED=N)
 *   sim --runs N [--jobs J]         seeds 1..N on J processes (make sim RUNS=N)
 *   options: --first A --last B, --sentinels 3|5|7, --quorum Q, --nodes 2..4,
 *            --faults all|none|kind,kind..., --kill-master 0|1,
 *            --manual-failover 0|1, --outage 0|1, --reports K,
 *            --no-announce-check (tolerate a config epoch announced with two
 *            addresses, to look for other problems past that one)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

#define SETUP_MS 15000
#define CHECK_PERIOD_MS 500
#define MAX_EVENTS 200000000ULL

/* --- the heap ------------------------------------------------------------------ */

static int event_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->at_ms < b->at_ms || (a->at_ms == b->at_ms && a->seq < b->seq);
}

void sim_schedule(struct sim *sim, int64_t at_ms, enum sim_event_kind kind, int idx,
                  uint64_t arg, uint64_t gen)
{
    struct sim_heap *h = &sim->heap;
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->items = realloc(h->items, h->cap * sizeof(*h->items));
        if (h->items == NULL)
            abort();
    }
    if (at_ms < sim->now_ms)
        at_ms = sim->now_ms;
    struct sim_event ev = {.at_ms = at_ms, .seq = sim->next_seq++, .kind = kind, .idx = idx,
                           .arg = arg, .gen = gen};
    size_t i = h->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!event_before(&ev, &h->items[parent]))
            break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i] = ev;
}

static int heap_pop(struct sim_heap *h, struct sim_event *out)
{
    if (h->count == 0)
        return 0;
    *out = h->items[0];
    struct sim_event last = h->items[--h->count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && event_before(&h->items[child + 1], &h->items[child]))
            child++;
        if (!event_before(&h->items[child], &last))
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    if (h->count > 0)
        h->items[i] = last;
    return 1;
}

void sim_fail(struct sim *sim, int liveness, const char *fmt, ...)
{
    if (sim->failed)
        return;
    sim->failed = 1;
    sim->failed_liveness = liveness;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sim->fail_msg, sizeof(sim->fail_msg), fmt, ap);
    va_end(ap);
    trace_line(sim, TRACE_KEY, "VIOLATION: %s", sim->fail_msg);
}

/* --- set-up ----------------------------------------------------------------------- */

static void choose_parameters(struct sim *sim)
{
    struct rng *rng = &sim->rng;
    static const int sizes[] = {3, 5, 7};
    sim->sentinel_count = sim->opt.sentinels ? sim->opt.sentinels : sizes[rng_below(rng, 3)];
    sim->node_count = sim->opt.nodes ? sim->opt.nodes : (int)rng_range(rng, 2, 4);
    /* Mostly a majority, as the brief sets it; one seed in four uses a
     * smaller quorum (legal, and common: 2 of 5) so that the election's own
     * majority rule is what keeps a minority from electing a leader. */
    sim->quorum = sim->sentinel_count / 2 + 1;
    if (sim->opt.quorum)
        sim->quorum = sim->opt.quorum;
    else if (rng_below(rng, 4) == 0)
        sim->quorum = (int)rng_range(rng, 1, sim->sentinel_count / 2);
    sim->down_after_ms = rng_range(rng, 1000, 5000);
    sim->failover_timeout_ms = rng_range(rng, 3000, 10000);
    sim->parallel_syncs = (int)rng_range(rng, 1, 2);
    sim->net.latency_min_ms = 1;
    sim->net.latency_max_ms = rng_range(rng, 2, 20);
    sim->net.loss_per_million = (uint32_t)rng_range(rng, 10000, 200000);
    if (sim->opt.faults_forced)
        sim->faults_enabled = sim->opt.fault_mask;
    else if (rng_below(rng, 10) == 0)
        sim->faults_enabled = 0;
    else
        do
            sim->faults_enabled = (unsigned)rng_below(rng, 1u << FAULT_KINDS);
        while (sim->faults_enabled == 0);
    sim->fault_phase_ms = sim->faults_enabled ? rng_range(rng, 30000, 180000) : 5000;
    sim->kill_master = sim->opt.kill_master >= 0 ? sim->opt.kill_master
                                                 : (int)rng_below(rng, 2);
    sim->manual_failover = sim->opt.manual_failover >= 0 ? sim->opt.manual_failover
                                                         : rng_below(rng, 10) < 3;
    sim->killed_node = -1;
    /* One kill in four is an outage: every sentinel goes down with the
     * master and only the sentinels come back, after longer than
     * 10 x down-after (the replica staleness rule's base). */
    int want_outage = sim->opt.outage >= 0 ? sim->opt.outage : rng_below(rng, 4) == 0;
    if (want_outage)
        sim->outage_ms = rng_range(rng, 10 * sim->down_after_ms + 1000, 60000);
    /* replica-validity-time on one seed in four, above down-after so a
     * failover right after the master dies still finds fresh replicas. */
    if (rng_below(rng, 4) == 0)
        sim->replica_validity_ms = rng_range(rng, sim->down_after_ms + 10000, 60000);
}

static void setup(struct sim *sim)
{
    rng_seed(&sim->rng, sim->opt.seed);
    choose_parameters(sim);
    int zero_priority = sim->node_count >= 3 && rng_below(&sim->rng, 3) == 0
                            ? (int)rng_range(&sim->rng, 1, sim->node_count - 1) : -1;
    static const int priorities[] = {50, 100, 100, 100, 150};
    for (int i = 0; i < sim->node_count; i++)
        node_init(sim, &sim->nodes[i], i,
                  i == zero_priority ? 0 : priorities[rng_below(&sim->rng, 5)]);
    int static_peers = rng_below(&sim->rng, 3) == 0;
    for (int i = 0; i < sim->sentinel_count; i++) {
        sentinel_init(sim, &sim->sentinels[i], i);
        sim->sentinels[i].static_peers = static_peers;
    }
    char kinds[256] = "";
    for (int k = 0; k < FAULT_KINDS; k++)
        if (sim->faults_enabled & (1u << k)) {
            size_t len = strlen(kinds);
            snprintf(kinds + len, sizeof(kinds) - len, " %s", fault_names[k]);
        }
    trace_line(sim, TRACE_KEY, "seed %" PRIu64 ": %d sentinels (quorum %d), %d nodes, "
               "down-after %lld ms, failover-timeout %lld ms, parallel-syncs %d, latency "
               "1-%lld ms, static peers %s, zero-priority node %d, faults:%s, fault phase "
               "%lld ms, manual failover %s, kill master %s, outage %lld ms, "
               "replica-validity %lld ms",
               sim->opt.seed, sim->sentinel_count, sim->quorum,
               sim->node_count, (long long)sim->down_after_ms,
               (long long)sim->failover_timeout_ms, sim->parallel_syncs,
               (long long)sim->net.latency_max_ms, static_peers ? "yes" : "no", zero_priority,
               kinds[0] ? kinds : " none", (long long)sim->fault_phase_ms,
               sim->manual_failover ? "yes" : "no", sim->kill_master ? "yes" : "no",
               (long long)sim->outage_ms, (long long)sim->replica_validity_ms);
    for (int i = 0; i < sim->sentinel_count; i++)
        sentinel_start(sim, &sim->sentinels[i]);
    sim_schedule(sim, SIM_REPL_TICK_MS, SEV_REPL, 0, 0, 0);
    sim_schedule(sim, SETUP_MS, SEV_PHASE, 0, 0, 0);
}

/* --- phases -------------------------------------------------------------------------- */

/* How long the sentinels may take to agree once everything is connected,
 * from the core's own timers: a TILT started just before the heal, stuck
 * connections found and reopened, down-after, up to four elections each
 * followed by the 2 x failover-timeout wait, a promotion bounded by
 * failover-timeout, replicas repointed one by one (10 s each at worst),
 * hellos spreading the new config, the old master converted after its
 * grace period and one INFO period, misconfigured replicas fixed after
 * failover-timeout, and some slack. */
static int64_t quiet_bound_ms(const struct sim *sim, enum sim_phase phase)
{
    int after_faults = phase == PHASE_QUIET;
    int64_t ft = sim->failover_timeout_ms;
    int64_t election = ft < ELECTION_TIMEOUT_MS ? ft : ELECTION_TIMEOUT_MS;
    int64_t bound = sim->down_after_ms + 4 * (2 * ft + election) + ft +
                    (int64_t)sim->node_count * 10000 + 2 * HELLO_PERIOD_MS +
                    4 * HELLO_PERIOD_MS + INFO_PERIOD_MS + ft + 30000;
    if (after_faults)
        bound += TILT_PERIOD_MS + MIN_LINK_RECONNECT_MS;
    if (phase == PHASE_KILL)
        bound += sim->outage_ms;
    return bound;
}

static void phase_quiet_begin(struct sim *sim, enum sim_phase phase)
{
    sim->phase = phase;
    sim->check.phase_start_ms = sim->now_ms;
    sim->check.stable_since_ms = 0;
    sim->check.bound_ms = quiet_bound_ms(sim, phase);
    trace_line(sim, TRACE_KEY, "PHASE %s: must converge within %lld ms",
               phase == PHASE_QUIET ? "quiet" : phase == PHASE_MANUAL ? "manual" : "kill",
               (long long)sim->check.bound_ms);
    sim_schedule(sim, sim->now_ms + CHECK_PERIOD_MS, SEV_CHECK, 0, 0, 0);
}

static void phase_next(struct sim *sim)
{
    if (sim->phase == PHASE_SETUP) {
        sim->phase = PHASE_FAULTS;
        trace_line(sim, TRACE_KEY, "PHASE faults for %lld ms", (long long)sim->fault_phase_ms);
        sim_schedule(sim, sim->now_ms + sim->fault_phase_ms, SEV_PHASE, 0, 0, 0);
        if (sim->faults_enabled)
            sim_schedule(sim, sim->now_ms + rng_range(&sim->rng, 0, 3000), SEV_FAULT_NEXT, 0,
                         0, 0);
    } else if (sim->phase == PHASE_FAULTS) {
        fault_heal_all(sim);
        phase_quiet_begin(sim, PHASE_QUIET);
    }
}

static void agreed_addr(struct sim *sim, char *buf, size_t len)
{
    const struct addr *a = core_master_addr(sentinel_master(&sim->sentinels[0]));
    snprintf(buf, len, "%s:%d", a->host, a->port);
}

/* SENTINEL FAILOVER to one sentinel.  Returns 1 if it was accepted. */
static int manual_failover(struct sim *sim)
{
    struct sim_sentinel *s = &sim->sentinels[rng_below(&sim->rng,
                                                       (uint64_t)sim->sentinel_count)];
    const char *err = NULL;
    agreed_addr(sim, sim->manual_from, sizeof(sim->manual_from));
    trace_line(sim, TRACE_KEY, "SENTINEL FAILOVER %s sent to s%d", SIM_MASTER_NAME, s->idx);
    if (sentinel_force_failover(sim, s, &err) < 0) {
        trace_line(sim, TRACE_KEY, "s%d refuses: %s", s->idx, err);
        return 0;
    }
    sim->stats.manual_failovers++;
    phase_quiet_begin(sim, PHASE_MANUAL);
    return 1;
}

/* Every sentinel goes down now and comes back after the outage (from its
 * snapshot), so each one's SDOWN of the dead master begins late. */
static void outage(struct sim *sim)
{
    trace_line(sim, TRACE_KEY, "OUTAGE: every sentinel down for %lld ms",
               (long long)sim->outage_ms);
    sim->stats.outages++;
    for (int i = 0; i < sim->sentinel_count; i++) {
        struct sim_sentinel *s = &sim->sentinels[i];
        uint64_t inc = s->inc;
        sentinel_crash(sim, s);
        sim_schedule(sim, sim->now_ms + sim->outage_ms + rng_range(&sim->rng, 0, 2000),
                     SEV_SENTINEL_RESTART, i, 0, inc);
    }
}

static void converged(struct sim *sim)
{
    int64_t took = sim->check.stable_since_ms - sim->check.phase_start_ms;
    sim->stats.converge_sum_ms += (uint64_t)took;
    sim->stats.converge_count++;
    if (took > sim->stats.converge_max_ms)
        sim->stats.converge_max_ms = took;
    trace_line(sim, TRACE_KEY, "converged after %lld ms", (long long)took);
    if (sim->phase == PHASE_QUIET && sim->manual_failover && manual_failover(sim))
        return;
    if ((sim->phase == PHASE_QUIET || sim->phase == PHASE_MANUAL) && sim->kill_master) {
        const struct addr *a = core_master_addr(sentinel_master(&sim->sentinels[0]));
        struct sim_node *n = node_by_addr(sim, a->host, a->port);
        sim->killed_node = n->idx;
        if (sim->outage_ms > 0)
            outage(sim);
        trace_line(sim, TRACE_KEY, "KILL the master n%d (%s) for good", n->idx, n->ip);
        node_crash(sim, n);
        phase_quiet_begin(sim, PHASE_KILL);
        return;
    }
    sim->phase = PHASE_DONE;
}

/* After SENTINEL FAILOVER, agreement must be on another master. */
static int converged_now(struct sim *sim, char *why, size_t len)
{
    if (!check_converged(sim, why, len))
        return 0;
    char addr[HOST_MAX + 8];
    agreed_addr(sim, addr, sizeof(addr));
    if (sim->phase == PHASE_MANUAL && strcmp(addr, sim->manual_from) == 0 &&
        !sim->manual_refused) {
        snprintf(why, len, "still on %.64s after SENTINEL FAILOVER", addr);
        return 0;
    }
    return 1;
}

/* Liveness: the condition must hold for a while (so a failover that is
 * about to start is not missed), and must do so within the bound. */
static void periodic_check(struct sim *sim)
{
    if (sim->phase != PHASE_QUIET && sim->phase != PHASE_MANUAL && sim->phase != PHASE_KILL)
        return;
    char why[256];
    int64_t hold = 2 * sim->down_after_ms + 5000;
    if (converged_now(sim, why, sizeof(why))) {
        if (sim->check.stable_since_ms == 0)
            sim->check.stable_since_ms = sim->now_ms;
        if (sim->now_ms - sim->check.stable_since_ms >= hold) {
            converged(sim);
            if (sim->phase == PHASE_DONE)
                return;
        }
    } else {
        sim->check.stable_since_ms = 0;
        if (sim->now_ms - sim->check.phase_start_ms > sim->check.bound_ms &&
            sim->phase == PHASE_KILL && check_no_valid_replica(sim)) {
            /* replica-validity-time forbids every candidate: staying
             * without a master is what the setting asks for. */
            trace_line(sim, TRACE_KEY, "no replica fresh enough to promote: no failover, as "
                       "replica-validity-time wants");
            sim->stats.validity_excused++;
            sim->phase = PHASE_DONE;
            return;
        }
        if (sim->now_ms - sim->check.phase_start_ms > sim->check.bound_ms) {
            enum known_bug cause = check_liveness_cause(sim);
            sim_fail(sim, 1, "no agreement %lld ms after the %s (bound %lld ms): %s%s%s%s",
                     (long long)(sim->now_ms - sim->check.phase_start_ms),
                     sim->phase == PHASE_QUIET ? "heal"
                     : sim->phase == PHASE_MANUAL ? "SENTINEL FAILOVER" : "master was killed",
                     (long long)sim->check.bound_ms, why, cause ? " [cause " : "",
                     cause ? known_bug_names[cause] : "", cause ? "]" : "");
            sim->failed_known = cause;
            return;
        }
    }
    sim_schedule(sim, sim->now_ms + CHECK_PERIOD_MS, SEV_CHECK, 0, 0, 0);
}

/* --- the loop --------------------------------------------------------------------------- */

static void dispatch(struct sim *sim, const struct sim_event *ev)
{
    struct sim_sentinel *s = ev->idx >= 0 && ev->idx < SIM_MAX_SENTINELS
                                 ? &sim->sentinels[ev->idx] : NULL;
    switch (ev->kind) {
    case SEV_TICK:
        if (s->alive && s->inc == ev->gen)
            sentinel_tick(sim, s);
        break;
    case SEV_PUMP:
        net_pump(sim, ev->arg, ev->idx);
        break;
    case SEV_CONNECT:
        net_connect_done(sim, ev->arg);
        break;
    case SEV_REPL:
        node_repl_tick(sim);
        sim_schedule(sim, sim->now_ms + SIM_REPL_TICK_MS, SEV_REPL, 0, 0, 0);
        break;
    case SEV_PERSIST_DONE:
        if (s->alive && s->inc == ev->gen && s->busy)
            sentinel_persist_done(sim, s);
        break;
    case SEV_SENTINEL_RESTART:
        if (!s->alive && s->inc == ev->gen)
            sentinel_restart(sim, s);
        break;
    case SEV_NODE_RESTART:
        if (!sim->nodes[ev->idx].alive && sim->nodes[ev->idx].inc == ev->gen &&
            ev->idx != sim->killed_node)
            node_restart(sim, &sim->nodes[ev->idx]);
        break;
    case SEV_FAULT_NEXT:
        fault_next(sim);
        break;
    case SEV_FAULT_STEP:
        fault_step(sim, ev->idx, ev->gen);
        break;
    case SEV_PHASE:
        phase_next(sim);
        break;
    case SEV_CHECK:
        periodic_check(sim);
        break;
    }
}

static void sim_release(struct sim *sim)
{
    for (int i = 0; i < sim->sentinel_count; i++)
        sentinel_free(&sim->sentinels[i]);
    for (int i = 0; i < sim->node_count; i++)
        node_free(&sim->nodes[i]);
    net_free(&sim->net);
    check_free(&sim->check);
    free(sim->heap.items);
}

static void report_failure(struct sim *sim)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        abort();
    fprintf(out, "sim: seed %" PRIu64 " FAILED (%s): %s\n", sim->opt.seed,
            sim->failed_liveness ? "liveness" : "safety", sim->fail_msg);
    fprintf(out, "sim: last %d trace lines of seed %" PRIu64 ":\n", 200, sim->opt.seed);
    trace_dump(sim, out, 200);
    fprintf(out, "sim: state at the failure:\n");
    check_dump_state(sim, out);
    fprintf(out, "sim: replay with: make sim SEED=%" PRIu64 "\n", sim->opt.seed);
    fclose(out);
    fflush(stdout);
    if (write(STDOUT_FILENO, buf, len) < 0)
        perror("write");
    free(buf);
}

/* Runs one seed; adds to stats.  Returns 0 if it passed.  Prints the
 * failure report when print_report is set. */
static int sim_run(const struct sim_options *opt, struct sim_stats *stats, int print_report)
{
    struct sim *sim = calloc(1, sizeof(*sim));
    if (sim == NULL)
        abort();
    sim->opt = *opt;
    setup(sim);
    struct sim_event ev;
    uint64_t events = 0;
    while (!sim->failed && sim->phase != PHASE_DONE && heap_pop(&sim->heap, &ev)) {
        sim->now_ms = ev.at_ms;
        dispatch(sim, &ev);
        if (++events > MAX_EVENTS)
            sim_fail(sim, 1, "more than %llu events: the run does not settle",
                     (unsigned long long)MAX_EVENTS);
    }
    if (!sim->failed && sim->phase != PHASE_DONE)
        sim_fail(sim, 1, "nothing left to do before the run ended");
    sim->stats.runs = 1;
    sim->stats.sim_ms = (uint64_t)sim->now_ms;
    if (sim->failed) {
        sim->stats.failed_runs = 1;
        sim->stats.known[sim->failed_known] = 1;
        if (sim->failed_liveness)
            sim->stats.liveness_violations = 1;
        else
            sim->stats.safety_violations = 1;
        if (print_report)
            report_failure(sim);
    } else if (opt->verbose) {
        printf("sim: seed %" PRIu64 " passed after %.1f simulated s\n", opt->seed,
               (double)sim->now_ms / 1000);
    }
    int failed = sim->failed;
    stats->runs += sim->stats.runs;
    stats->failed_runs += sim->stats.failed_runs;
    stats->safety_violations += sim->stats.safety_violations;
    stats->liveness_violations += sim->stats.liveness_violations;
    stats->sim_ms += sim->stats.sim_ms;
    for (int k = 0; k < KNOWN_BUGS; k++)
        stats->known[k] += sim->stats.known[k];
    for (int k = 0; k < FAULT_KINDS; k++)
        stats->faults[k] += sim->stats.faults[k];
    stats->elections += sim->stats.elections;
    stats->promotions += sim->stats.promotions;
    stats->manual_failovers += sim->stats.manual_failovers;
    stats->outages += sim->stats.outages;
    stats->validity_excused += sim->stats.validity_excused;
    stats->tilts += sim->stats.tilts;
    stats->messages += sim->stats.messages;
    stats->converge_sum_ms += sim->stats.converge_sum_ms;
    stats->converge_count += sim->stats.converge_count;
    if (sim->stats.converge_max_ms > stats->converge_max_ms)
        stats->converge_max_ms = sim->stats.converge_max_ms;
    sim_release(sim);
    free(sim);
    return failed;
}

/* --- many runs ---------------------------------------------------------------------------- */

struct job_result {
    struct sim_stats stats;
    uint64_t failed_seeds[32];
    int failed_seed_count;
};

static void run_range(struct sim_options opt, uint64_t first, uint64_t last, uint64_t stride,
                      int reports, struct job_result *res)
{
    int printed = 0;
    for (uint64_t seed = first; seed <= last; seed += stride) {
        opt.seed = seed;
        if (sim_run(&opt, &res->stats, printed < reports)) {
            printed++;
            if (res->failed_seed_count < 32)
                res->failed_seeds[res->failed_seed_count++] = seed;
        }
    }
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int run_parallel(const struct sim_options *opt, uint64_t first, uint64_t last, int jobs,
                        int reports, struct job_result *total)
{
    int fds[64];
    pid_t pids[64];
    for (int j = 0; j < jobs; j++) {
        int p[2];
        if (pipe(p) < 0) {
            perror("pipe");
            return -1;
        }
        fflush(stdout);
        pids[j] = fork();
        if (pids[j] < 0) {
            perror("fork");
            return -1;
        }
        if (pids[j] == 0) {
            close(p[0]);
            struct job_result res;
            memset(&res, 0, sizeof(res));
            run_range(*opt, first + (uint64_t)j, last, (uint64_t)jobs, reports, &res);
            ssize_t n = write(p[1], &res, sizeof(res));
            _exit(n == (ssize_t)sizeof(res) ? 0 : 1);
        }
        close(p[1]);
        fds[j] = p[0];
    }
    int rc = 0;
    for (int j = 0; j < jobs; j++) {
        struct job_result res;
        if (read_full(fds[j], &res, sizeof(res)) < 0) {
            fprintf(stderr, "sim: worker %d died\n", j);
            rc = -1;
            memset(&res, 0, sizeof(res));
        }
        close(fds[j]);
        waitpid(pids[j], NULL, 0);
        struct sim_stats *t = &total->stats, *s = &res.stats;
        t->runs += s->runs;
        t->failed_runs += s->failed_runs;
        t->safety_violations += s->safety_violations;
        t->liveness_violations += s->liveness_violations;
        t->sim_ms += s->sim_ms;
        for (int k = 0; k < KNOWN_BUGS; k++)
            t->known[k] += s->known[k];
        for (int k = 0; k < FAULT_KINDS; k++)
            t->faults[k] += s->faults[k];
        t->elections += s->elections;
        t->promotions += s->promotions;
        t->manual_failovers += s->manual_failovers;
        t->outages += s->outages;
        t->validity_excused += s->validity_excused;
        t->tilts += s->tilts;
        t->messages += s->messages;
        t->converge_sum_ms += s->converge_sum_ms;
        t->converge_count += s->converge_count;
        if (s->converge_max_ms > t->converge_max_ms)
            t->converge_max_ms = s->converge_max_ms;
        for (int i = 0; i < res.failed_seed_count && total->failed_seed_count < 32; i++)
            total->failed_seeds[total->failed_seed_count++] = res.failed_seeds[i];
    }
    return rc;
}

static void print_summary(const struct job_result *r)
{
    const struct sim_stats *s = &r->stats;
    uint64_t faults = 0;
    for (int k = 0; k < FAULT_KINDS; k++)
        faults += s->faults[k];
    printf("sim: runs %" PRIu64 ", simulated %.2f hours, %" PRIu64 " messages\n", s->runs,
           (double)s->sim_ms / 3600000.0, s->messages);
    printf("sim: faults injected %" PRIu64 " (%.1f per run):", faults,
           s->runs ? (double)faults / (double)s->runs : 0.0);
    for (int k = 0; k < FAULT_KINDS; k++)
        printf(" %s %" PRIu64, fault_names[k], s->faults[k]);
    printf("\n");
    printf("sim: elections %" PRIu64 ", promotions %" PRIu64 ", manual failovers %" PRIu64
           ", outages %" PRIu64 ", no fresh replica %" PRIu64 ", tilts %" PRIu64
           ", convergence avg %.1f s max %.1f s\n", s->elections, s->promotions,
           s->manual_failovers, s->outages, s->validity_excused, s->tilts,
           s->converge_count ? (double)s->converge_sum_ms / (double)s->converge_count / 1000
                             : 0.0,
           (double)s->converge_max_ms / 1000);
    printf("sim: violations: safety %" PRIu64 ", liveness %" PRIu64 "\n", s->safety_violations,
           s->liveness_violations);
    for (int k = 1; k < KNOWN_BUGS; k++)
        if (s->known[k] > 0)
            printf("sim:   of which known core defect %s: %" PRIu64 "\n", known_bug_names[k],
                   s->known[k]);
    if (r->failed_seed_count > 0) {
        printf("sim: failed seeds:");
        for (int i = 0; i < r->failed_seed_count; i++)
            printf(" %" PRIu64, r->failed_seeds[i]);
        printf("%s\n", s->failed_runs > (uint64_t)r->failed_seed_count ? " ..." : "");
    }
    printf("sim: %" PRIu64 " passed, %" PRIu64 " failed\n", s->runs - s->failed_runs,
           s->failed_runs);
}

/* --- arguments ------------------------------------------------------------------------------ */

static int parse_faults(const char *list, struct sim_options *opt)
{
    opt->faults_forced = 1;
    opt->fault_mask = 0;
    if (strcmp(list, "none") == 0)
        return 0;
    if (strcmp(list, "all") == 0) {
        opt->fault_mask = (1u << FAULT_KINDS) - 1;
        return 0;
    }
    char *copy = strdup(list), *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < FAULT_KINDS && strcmp(fault_names[k], w) != 0)
            k++;
        if (k == FAULT_KINDS) {
            fprintf(stderr, "sim: unknown fault kind '%s'\n", w);
            free(copy);
            return -1;
        }
        opt->fault_mask |= 1u << k;
    }
    free(copy);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: sim --seed N [--verbose] | --runs N [--first A] [--last B] "
                    "[--jobs J] [--reports K]\n"
                    "           [--sentinels 3|5|7] [--quorum Q] [--nodes 2..4] "
                    "[--faults all|none|kind,...] [--kill-master 0|1]\n"
                    "           [--manual-failover 0|1] [--outage 0|1]"
                    "           [--no-announce-check]\n");
    exit(2);
}

struct args {
    struct sim_options opt;
    uint64_t first;
    uint64_t last;
    int single;
    int jobs;
    int reports;
};

/* Handles one "--name value" option; returns -1 if it is unknown. */
static int parse_option(struct args *a, const char *name, const char *v)
{
    if (strcmp(name, "--seed") == 0) {
        a->opt.seed = strtoull(v, NULL, 10);
        a->single = 1;
    } else if (strcmp(name, "--runs") == 0) {
        a->last = a->first + strtoull(v, NULL, 10) - 1;
    } else if (strcmp(name, "--first") == 0) {
        uint64_t n = a->last >= a->first ? a->last - a->first + 1 : 0;
        a->first = strtoull(v, NULL, 10);
        if (n)
            a->last = a->first + n - 1;
    } else if (strcmp(name, "--last") == 0) {
        a->last = strtoull(v, NULL, 10);
    } else if (strcmp(name, "--jobs") == 0) {
        a->jobs = atoi(v);
    } else if (strcmp(name, "--reports") == 0) {
        a->reports = atoi(v);
    } else if (strcmp(name, "--sentinels") == 0) {
        a->opt.sentinels = atoi(v);
    } else if (strcmp(name, "--quorum") == 0) {
        a->opt.quorum = atoi(v);
    } else if (strcmp(name, "--nodes") == 0) {
        a->opt.nodes = atoi(v);
    } else if (strcmp(name, "--kill-master") == 0) {
        a->opt.kill_master = atoi(v);
    } else if (strcmp(name, "--manual-failover") == 0) {
        a->opt.manual_failover = atoi(v);
    } else if (strcmp(name, "--outage") == 0) {
        a->opt.outage = atoi(v);
    } else if (strcmp(name, "--faults") == 0) {
        return parse_faults(v, &a->opt);
    } else {
        return -1;
    }
    return 0;
}

static void parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof(*a));
    a->opt.kill_master = -1;
    a->opt.manual_failover = -1;
    a->opt.outage = -1;
    a->first = 1;
    a->jobs = 2;
    a->reports = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--verbose") == 0)
            a->opt.verbose = 1;
        else if (strcmp(argv[i], "--no-announce-check") == 0)
            a->opt.no_announce_check = 1;
        else if (i + 1 >= argc || parse_option(a, argv[i], argv[i + 1]) < 0)
            usage();
        else
            i++;
    }
    const struct sim_options *o = &a->opt;
    if ((o->sentinels && (o->sentinels < 1 || o->sentinels > SIM_MAX_SENTINELS)) ||
        o->quorum < 0 || o->quorum > SIM_MAX_SENTINELS ||
        (o->nodes && (o->nodes < 2 || o->nodes > SIM_MAX_NODES)) || a->jobs < 1 ||
        a->jobs > 64 || (!a->single && a->last < a->first))
        usage();
}

int main(int argc, char **argv)
{
    struct args a;
    parse_args(argc, argv, &a);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (a.single) {
        struct sim_stats stats;
        memset(&stats, 0, sizeof(stats));
        if (sim_run(&a.opt, &stats, 1))
            return 1;
        if (!a.opt.verbose)
            printf("sim: seed %" PRIu64 " passed\n", a.opt.seed);
        return 0;
    }
    struct job_result total;
    memset(&total, 0, sizeof(total));
    if (run_parallel(&a.opt, a.first, a.last, a.jobs, a.reports, &total) < 0)
        return 1;
    print_summary(&total);
    return total.stats.failed_runs ? 1 : 0;
}
