/*
 * sim.h - the deterministic simulator: N sentinel cores, simulated Redis
 * nodes and a simulated network in one process, driven by one seed.
 *
 * Everything random comes from one generator (struct rng) seeded with the
 * run's seed; every core is created with a seed drawn from it.  Time is a
 * single simulated millisecond clock; each sentinel sees it through its own
 * monotonic base and wall-clock offset (which faults can jump).  Work is an
 * event heap ordered by (time, sequence number), so a seed always replays
 * the same run.
 *
 * Files: sim.c (runs, phases, the heap, statistics), rng.c, trace.c,
 * net.c (connections and the network), node.c (simulated Redis),
 * sentinel.c (driving the cores), fault.c (fault schedule), check.c
 * (invariants and liveness).
 */
#ifndef SENTINELD_TESTS_SIM_SIM_H
#define SENTINELD_TESTS_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define SIM_MAX_SENTINELS 7
#define SIM_MAX_NODES 4
#define SIM_MAX_HOSTS (SIM_MAX_SENTINELS + SIM_MAX_NODES)
#define SIM_TICK_MS 100
#define SIM_REPL_TICK_MS 100
#define SIM_SENTINEL_PORT 26379
#define SIM_NODE_PORT 6379
#define SIM_MASTER_NAME "mymaster"
#define SIM_IP_LEN 32
#define SIM_SNAPSHOT_MAX 16

/* What the shell does (src/net/outlink.c), so links behave alike. */
#define SIM_CONNECT_TIMEOUT_MS 1000
#define SIM_BACKOFF_MIN_MS 100
#define SIM_BACKOFF_MAX_MS 1000

/* --- rng.c: the one source of randomness ----------------------------------- */

struct rng {
    uint64_t state;
};

void rng_seed(struct rng *rng, uint64_t seed);
uint64_t rng_next(struct rng *rng);
/* Uniform in [0, n); n must be > 0. */
uint64_t rng_below(struct rng *rng, uint64_t n);
/* Uniform in [lo, hi], both included. */
int64_t rng_range(struct rng *rng, int64_t lo, int64_t hi);
/* True with probability per_million / 1e6. */
int rng_chance(struct rng *rng, uint32_t per_million);
/* Writes a 40-character lowercase hex id and a NUL into out. */
void rng_runid(struct rng *rng, char *out);

/* --- faults ----------------------------------------------------------------- */

enum fault_kind {
    FAULT_DELAY,
    FAULT_LOSS,
    FAULT_PARTITION_SYMMETRIC,
    FAULT_PARTITION_ASYMMETRIC,
    FAULT_PARTITION_MASTER_MINORITY,
    FAULT_SWIZZLE,
    FAULT_SENTINEL_CRASH,
    FAULT_NODE_CRASH,
    FAULT_CLOCK_JUMP,
    FAULT_SLOW_PERSIST,
    FAULT_KINDS,
};

extern const char *const fault_names[FAULT_KINDS];

/* --- the event heap ----------------------------------------------------------- */

enum sim_event_kind {
    SEV_TICK,             /* idx: sentinel, gen: incarnation */
    SEV_PUMP,             /* arg: conn id, idx: direction */
    SEV_CONNECT,          /* arg: conn id */
    SEV_REPL,             /* replication and client writes on every node */
    SEV_PERSIST_DONE,     /* idx: sentinel, gen: incarnation */
    SEV_SENTINEL_RESTART, /* idx: sentinel, gen: incarnation that crashed */
    SEV_NODE_RESTART,     /* idx: node, gen: incarnation that crashed */
    SEV_FAULT_NEXT,       /* inject the next fault */
    SEV_FAULT_STEP,       /* idx: fault slot, gen: fault generation */
    SEV_PHASE,            /* the run's phase changes */
    SEV_CHECK,            /* periodic liveness check */
};

struct sim_event {
    int64_t at_ms;
    uint64_t seq;
    enum sim_event_kind kind;
    int idx;
    uint64_t arg;
    uint64_t gen;
};

struct sim_heap {
    struct sim_event *items;
    size_t count;
    size_t cap;
};

/* --- messages and connections (net.c) -------------------------------------------- */

enum msg_kind {
    MSG_COMMAND, /* client -> server: argv, tag, ctx */
    MSG_REPLY,   /* server -> client: reply, tag, ctx */
    MSG_PUSH,    /* server -> client: a pub/sub message (payload) */
    MSG_FIN,     /* either way: the sender closed the connection */
};

/* A reply as the simulated servers build it; owned. */
struct sim_reply {
    enum core_reply_type type;
    char *str;
    size_t len;
    long long integer;
    size_t elements;
    struct sim_reply *element;
};

struct msg {
    struct msg *next;
    int64_t ready_ms;
    enum msg_kind kind;
    enum core_tag tag;
    uint64_t ctx;
    int argc;
    char **argv;
    struct sim_reply *reply;
    char *payload;
};

struct msgq {
    struct msg *head;
    struct msg *tail;
    int pump_scheduled;
};

enum { DIR_UP = 0, DIR_DOWN = 1 }; /* client -> server, server -> client */

enum conn_state {
    CONN_CONNECTING,
    CONN_UP,
    CONN_DEAD,
};

enum endpoint_kind {
    EP_NONE,
    EP_NODE,
    EP_SENTINEL,
};

struct olink;

/* One TCP connection from a sentinel to a node or a peer.  It lives on
 * after either side closes until its queues drain (a FIN still travels). */
struct conn {
    uint64_t id;
    int sentinel;             /* client side */
    uint64_t sentinel_inc;
    uint64_t link_id;
    enum link_channel channel;
    struct olink *owner;      /* NULL once the client side has closed */
    int client_host;
    int server_host;          /* -1: nobody has that address */
    enum endpoint_kind ep_kind;
    int ep_idx;
    uint64_t ep_inc;
    enum conn_state state;
    int client_closed;
    int server_closed;
    struct msgq q[2];
    /* Server side. */
    int in_multi;
    struct msg *multi_head;
    struct msg *multi_tail;
    int subscribed;
};

/* The sentinel's record of one (link, channel): like the shell's outlink
 * conn, it reconnects with backoff while the core keeps the link. */
struct olink {
    uint64_t link_id;
    enum link_channel channel;
    struct conn *conn;
    int64_t next_attempt_ms;
    int64_t backoff_ms;
    int seen;
};

struct net {
    int blocked[SIM_MAX_HOSTS][SIM_MAX_HOSTS]; /* partitions: a -> b held */
    int clogged[SIM_MAX_HOSTS];                /* swizzle: all of h held */
    int64_t storm_until_ms[SIM_MAX_HOSTS];     /* delay fault */
    int64_t loss_until_ms[SIM_MAX_HOSTS];      /* loss fault */
    uint32_t loss_per_million;
    int64_t latency_min_ms;
    int64_t latency_max_ms;
    struct conn **conns;                       /* by id - 1 */
    size_t conn_count;
    size_t conn_cap;
};

/* --- simulated Redis nodes (node.c) ------------------------------------------------- */

struct sim_node {
    int idx;
    int host;
    char ip[SIM_IP_LEN];
    int port;
    int alive;
    uint64_t inc;
    char runid[RUNID_LEN + 1];
    char replid[RUNID_LEN + 1];
    int is_master;
    char upstream_host[HOST_MAX];
    int upstream_port;
    int link_up;
    int64_t sync_done_ms;       /* 0: no sync under way */
    int64_t link_down_since_ms; /* 0: the link never came up since start */
    long long offset;
    int priority;
    int64_t started_ms;
    /* What CONFIG REWRITE saved: the role a restart comes back with. */
    int saved_is_master;
    char saved_upstream_host[HOST_MAX];
    int saved_upstream_port;
    /* Live server-side connections (ids), for PUBLISH and CLIENT KILL. */
    uint64_t *conns;
    size_t conn_count;
    size_t conn_cap;
};

/* --- sentinels (sentinel.c) ------------------------------------------------------------ */

struct snapshot_peer {
    char host[HOST_MAX];
    int port;
    char runid[RUNID_LEN + 1];
};

/* What PERSIST writes: the state config_apply would rebuild a core from. */
struct snapshot {
    char myid[RUNID_LEN + 1];
    uint64_t current_epoch;
    char master_host[HOST_MAX];
    int master_port;
    uint64_t config_epoch;
    uint64_t leader_epoch;
    char leader[RUNID_LEN + 1];
    size_t replica_count;
    struct snapshot_peer replicas[SIM_SNAPSHOT_MAX];
    size_t sentinel_count;
    struct snapshot_peer sentinels[SIM_SNAPSHOT_MAX];
};

struct pending_reply {
    int active;
    uint64_t conn_id;
    enum core_tag tag;
    uint64_t ctx;
    struct sim_reply *reply;
};

struct sim_sentinel {
    int idx;
    int host;
    char ip[SIM_IP_LEN];
    struct core *core;
    int alive;
    uint64_t inc;
    int64_t mono_base_ms;
    int64_t wall_base_ms;
    int64_t wall_offset_ms;
    struct olink **olinks;    /* each owned; pointers stay valid */
    size_t olink_count;
    size_t olink_cap;
    struct core_actions acts;
    size_t acts_pos;
    int persist_pending;
    int persist_dirty;        /* a lazy PERSIST waits for the end of a tick */
    int running;              /* inside sentinel_run_actions */
    int busy;                 /* a slow persist is being written */
    int64_t busy_until_ms;
    struct snapshot snap;     /* on disk */
    struct snapshot snap_next;/* being written */
    struct pending_reply reply;
    uint64_t seen_current_epoch;
    uint64_t seen_config_epoch;
    int64_t slow_persist_until_ms;
    int static_peers;
    char last_announce[HOST_MAX + 32]; /* "ip:port@config_epoch" last hello */
    uint64_t promoted_epoch;           /* the last failover it promoted in */
    uint64_t forced_epoch;             /* epoch of its last SENTINEL FAILOVER */
    char promoted[HOST_MAX + 8];       /* and the replica it promoted */
};

/* --- invariants (check.c) ------------------------------------------------------------- */

struct vote_record {
    uint64_t epoch;
    char leader[RUNID_LEN + 1];
};

struct track {
    struct vote_record *votes;
    size_t vote_count;
    size_t vote_cap;
    uint64_t max_visible_epoch;
    uint64_t max_visible_config_epoch;
    uint64_t max_vote_epoch;
};

struct election_record {
    uint64_t epoch;
    int sentinel;
    int is_promotion;
    char addr[HOST_MAX + 8];
};

/* The master address announced in hellos with a given config epoch. */
struct announce_record {
    uint64_t config_epoch;
    char addr[HOST_MAX + 8];
    int sentinel;
};

struct checker {
    struct track tracks[SIM_MAX_SENTINELS];
    struct announce_record *announces;
    size_t announce_count;
    size_t announce_cap;
    struct election_record *records;
    size_t record_count;
    size_t record_cap;
    int64_t stable_since_ms;   /* liveness: condition true since, 0 = not */
    int64_t phase_start_ms;
    int64_t bound_ms;
};

/* --- the run --------------------------------------------------------------------------- */

enum sim_phase {
    PHASE_SETUP,
    PHASE_FAULTS,
    PHASE_QUIET,     /* faults healed: must converge within the bound */
    PHASE_MANUAL,    /* SENTINEL FAILOVER given: must move to a new master */
    PHASE_KILL,      /* master killed for good: must fail over */
    PHASE_DONE,
};

/* Violations whose cause is a known core defect (see check.c). */
enum known_bug {
    KNOWN_NONE,
    KNOWN_HELLO_OLD_ADDRESS,   /* A: leader announces the old address */
    KNOWN_SUPERSEDED_FAILOVER, /* B: an outdated failover completes */
    KNOWN_LATE_SDOWN,          /* C: replicas judged stale against a late SDOWN */
    KNOWN_INFO_AGE,            /* D: INFO dated by its arrival, not its request */
    KNOWN_BUGS,
};

extern const char *const known_bug_names[KNOWN_BUGS];

struct sim_stats {
    uint64_t runs;
    uint64_t failed_runs;
    uint64_t safety_violations;
    uint64_t liveness_violations;
    uint64_t known[KNOWN_BUGS];
    uint64_t sim_ms;
    uint64_t faults[FAULT_KINDS];
    uint64_t elections;
    uint64_t promotions;
    uint64_t manual_failovers;
    uint64_t outages;
    uint64_t validity_excused;  /* kill phases with no replica fresh enough */
    uint64_t tilts;
    uint64_t messages;
    int64_t converge_max_ms;
    uint64_t converge_sum_ms;
    uint64_t converge_count;
};

#define TRACE_RING 256
#define TRACE_LINE 320

struct trace {
    char lines[TRACE_RING][TRACE_LINE];
    size_t next;
    size_t count;
};

struct fault_slot {
    int active;
    uint64_t gen;
    enum fault_kind kind;
    int step;                 /* swizzle: how far it went */
    int hosts[SIM_MAX_HOSTS]; /* swizzle order / crash target */
    int host_count;
    unsigned char clogged[SIM_MAX_HOSTS];              /* swizzle */
    unsigned char pairs[SIM_MAX_HOSTS][SIM_MAX_HOSTS]; /* partitions */
};

#define SIM_FAULT_SLOTS 32

struct sim_options {
    uint64_t seed;
    int verbose;
    int sentinels;            /* 0 = chosen by the seed */
    int quorum;               /* 0 = chosen by the seed */
    int nodes;                /* 0 = chosen by the seed */
    int faults_forced;        /* 1: use fault_mask instead of the seed's */
    unsigned fault_mask;
    int kill_master;          /* -1 = seed decides, 0 no, 1 yes */
    int manual_failover;      /* -1 = seed decides, 0 no, 1 yes */
    int outage;               /* -1 = seed decides, 0 no, 1 yes */
    int no_announce_check;    /* skip the one-address-per-config-epoch check */
};

struct sim {
    struct sim_options opt;
    struct rng rng;
    int64_t now_ms;
    uint64_t next_seq;
    struct sim_heap heap;
    enum sim_phase phase;
    int sentinel_count;
    int node_count;
    int quorum;
    int64_t down_after_ms;
    int64_t failover_timeout_ms;
    int parallel_syncs;
    unsigned faults_enabled;  /* bit per enum fault_kind */
    int64_t fault_phase_ms;
    int kill_master;
    int killed_node;          /* -1 until the kill phase */
    int manual_failover;      /* a SENTINEL FAILOVER once converged */
    int64_t outage_ms;        /* kill phase: sentinels down this long too */
    char manual_from[HOST_MAX + 8]; /* the master it moves away from */
    /* The forced failover aborted for want of a replica provably within
     * replica-validity-time (its INFO too old to tell): agreement on the
     * same master then ends the phase. */
    int manual_refused;
    int64_t replica_validity_ms;    /* replica-validity-time, 0 = off */
    struct sim_sentinel sentinels[SIM_MAX_SENTINELS];
    struct sim_node nodes[SIM_MAX_NODES];
    struct net net;
    struct fault_slot faults[SIM_FAULT_SLOTS];
    struct checker check;
    struct trace trace;
    struct sim_stats stats;
    int failed;
    int failed_liveness;
    enum known_bug failed_known;
    char fail_msg[512];
};

/* sim.c */
/* Queues an event at at_ms (never before now); events at the same time run
 * in the order they were scheduled. */
void sim_schedule(struct sim *sim, int64_t at_ms, enum sim_event_kind kind, int idx,
                  uint64_t arg, uint64_t gen);
/* Records a violation (the first one wins): the run stops after the
 * current step and its report names the seed. */
void sim_fail(struct sim *sim, int liveness, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* trace.c: TRACE_KEY lines go to the ring kept for failure reports;
 * TRACE_CHATTY ones only to the verbose replay. */
enum trace_level {
    TRACE_KEY,
    TRACE_CHATTY,
};
/* Adds a line stamped with the simulated time (printed at once in verbose
 * mode).  Long lines are cut at TRACE_LINE. */
void trace_line(struct sim *sim, enum trace_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Returns 1 when a line of that level would be kept, so callers can skip
 * formatting it. */
int trace_wants(const struct sim *sim, enum trace_level level);
/* Prints the last key lines, oldest first. */
void trace_dump(const struct sim *sim, FILE *out, size_t last);

/* net.c */
/* Returns the host number that owns ip, or -1 if no host has it. */
int net_host_of(const struct sim *sim, const char *ip);
/* Returns 1 when packets from host from reach host to right now. */
int net_path_open(const struct sim *sim, int from, int to);
/* Returns the connection with that id (borrowed; connections live until
 * the end of the run), or NULL. */
struct conn *net_conn_get(const struct sim *sim, uint64_t id);
/* Opens connections for the core's links and closes those of links the
 * core dropped, as the shell does before every tick. */
void net_reconcile(struct sim *sim, struct sim_sentinel *s);
/* Ends a connection attempt: up (LINK_UP to the core) or failed (backoff). */
void net_connect_done(struct sim *sim, uint64_t conn_id);
/* Queue a message on c toward the server (command) or the client (reply,
 * pub/sub push).  argv and payload are copied; reply is taken over. */
void net_send_command(struct sim *sim, struct conn *c, enum core_tag tag, uint64_t ctx,
                      int argc, char *const *argv);
void net_send_reply(struct sim *sim, struct conn *c, enum core_tag tag, uint64_t ctx,
                    struct sim_reply *reply);
void net_send_push(struct sim *sim, struct conn *c, const char *payload);
/* Delivers the ready messages of one direction of a connection, holding
 * them while the path is blocked or the receiver is busy. */
void net_pump(struct sim *sim, uint64_t conn_id, int dir);
/* The client side closes c; with notify the core hears LINK_DOWN if the
 * connection was up.  May feed the core (nested in its actions). */
void net_client_close(struct sim *sim, struct conn *c, int notify);
/* The server side closes c: its state goes, a FIN travels to the client. */
void net_server_close(struct sim *sim, struct conn *c);
/* Returns s's record for (link, channel), or NULL. */
struct olink *net_olink_find(struct sim_sentinel *s, uint64_t link_id,
                             enum link_channel channel);
/* Closes every connection from and to s: its process is gone. */
void net_sentinel_gone(struct sim *sim, struct sim_sentinel *s);
/* Frees every connection and its queued messages. */
void net_free(struct net *net);
/* Replies for the simulated servers; owned by the caller until sent. */
struct sim_reply *reply_new(enum core_reply_type type);
struct sim_reply *reply_status(const char *text);
struct sim_reply *reply_error(const char *text);
struct sim_reply *reply_string(const char *text, size_t len);
struct sim_reply *reply_integer(long long value);
/* Frees r and its elements; NULL is a no-op. */
void reply_free(struct sim_reply *r);

/* node.c */
/* Sets up node idx: node 0 starts as the master, the others as its
 * replicas. */
void node_init(struct sim *sim, struct sim_node *n, int idx, int priority);
/* Kills the node's process: connections to it are closed by its host. */
void node_crash(struct sim *sim, struct sim_node *n);
/* Starts it again with a new run id, no data, and the role it saved. */
void node_restart(struct sim *sim, struct sim_node *n);
/* Client writes on masters, replication on replicas (every 100 ms). */
void node_repl_tick(struct sim *sim);
/* Runs one command that arrived on c and queues its reply.  m is
 * borrowed. */
void node_command(struct sim *sim, struct sim_node *n, struct conn *c, struct msg *m);
/* The node's list of live server-side connections. */
void node_conn_add(struct sim_node *n, uint64_t conn_id);
void node_conn_remove(struct sim_node *n, uint64_t conn_id);
/* Returns the node listening at host:port, or NULL. */
struct sim_node *node_by_addr(struct sim *sim, const char *host, int port);
/* Frees what the node owns. */
void node_free(struct sim_node *n);

/* sentinel.c */
/* Gives sentinel idx its address and clocks; sentinel_start then creates
 * its core (seeded from the run's generator) and first snapshot. */
void sentinel_init(struct sim *sim, struct sim_sentinel *s, int idx);
void sentinel_start(struct sim *sim, struct sim_sentinel *s);
/* The time as s's clocks show it (wall clock with its jumps). */
struct core_time sentinel_now(const struct sim *sim, const struct sim_sentinel *s);
/* One 100 ms timer run: reconcile connections, feed TICK, schedule next. */
void sentinel_tick(struct sim *sim, struct sim_sentinel *s);
/* Feeds ev to s's core and carries out the actions (unless called from
 * inside them: the outer loop then runs the new ones).  ev is borrowed. */
void sentinel_feed(struct sim *sim, struct sim_sentinel *s, const struct core_event *ev);
/* Serves a command that arrived on s's port; the reply leaves after the
 * actions it caused, persistence included. */
void sentinel_command(struct sim *sim, struct sim_sentinel *s, struct conn *c, struct msg *m);
/* A slow persist finished: the snapshot is on disk, the actions go on. */
void sentinel_persist_done(struct sim *sim, struct sim_sentinel *s);
/* Kills the process: the core and everything not yet persisted are lost. */
void sentinel_crash(struct sim *sim, struct sim_sentinel *s);
/* SENTINEL FAILOVER on s; returns 0 or -1 with *err (Redis's reply). */
int sentinel_force_failover(struct sim *sim, struct sim_sentinel *s, const char **err);
/* Starts a new core from the last completed snapshot. */
void sentinel_restart(struct sim *sim, struct sim_sentinel *s);
/* Returns 1 while s is blocked writing its config. */
int sentinel_is_busy(const struct sim *sim, const struct sim_sentinel *s);
/* The one master s watches (borrowed from its core), NULL if s is down. */
struct master *sentinel_master(const struct sim_sentinel *s);
/* Frees the core and what the simulator keeps for s. */
void sentinel_free(struct sim_sentinel *s);

/* fault.c */
/* Injects one fault of an enabled kind and schedules the next. */
void fault_next(struct sim *sim);
/* Advances or ends the fault in slot (stale generations are ignored). */
void fault_step(struct sim *sim, int slot, uint64_t gen);
/* Ends every fault and restarts every crashed process. */
void fault_heal_all(struct sim *sim);

/* check.c */
/* After every core step of s: epochs must not have gone back. */
void check_after_step(struct sim *sim, struct sim_sentinel *s);
/* An event s carried out (votes, elections, selections, promotions). */
void check_event(struct sim *sim, struct sim_sentinel *s, const struct core_action *a);
/* s answered is-master-down naming leader for leader_epoch (a vote unless
 * leader is "*"). */
void check_vote_reply(struct sim *sim, struct sim_sentinel *s, const char *leader,
                      uint64_t leader_epoch);
/* s sent argv: what it announces (epochs, master address) is recorded. */
void check_sent(struct sim *sim, struct sim_sentinel *s, int argc, char *const *argv);
/* s restarted: its restored state must cover all it had announced. */
void check_restart(struct sim *sim, struct sim_sentinel *s);
/* Returns 1 when every sentinel agrees on one live master that the other
 * live nodes replicate from, and nobody is failing over; else 0 with the
 * first reason in why. */
int check_converged(struct sim *sim, char *why, size_t why_len);
/* Returns 1 when no live node could legally be promoted: every one is the
 * dead master, priority 0, or stale beyond replica-validity-time. */
int check_no_valid_replica(struct sim *sim);
/* Names the known core defect behind a liveness failure, if one fits. */
enum known_bug check_liveness_cause(struct sim *sim);
/* Prints every sentinel's and node's state, for failure reports. */
void check_dump_state(struct sim *sim, FILE *out);
/* Frees the checker's records. */
void check_free(struct checker *c);

#endif
