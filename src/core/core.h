/*
 * core.h - the decision core's entry points.
 *
 * The core is pure: it reads no clock, draws no random number of its own and
 * does no I/O.  The caller hands it the time (struct core_time) and an event;
 * the core updates its model and appends what must happen to an action list,
 * in order.  The shell (src/net) carries actions out against real sockets;
 * the simulator (tests/sim) carries them out against simulated ones.
 */
#ifndef SENTINELD_CORE_CORE_H
#define SENTINELD_CORE_CORE_H

#include "core/idmap.h"
#include "core/model.h"

/* Time as the caller sees it: a monotonic clock for every timeout, and the
 * wall clock, whose jumps are what TILT mode guards against. */
struct core_time {
    int64_t mono_ms;
    int64_t wall_ms;
};

/* A reply from a Redis node or a peer, as the shell parsed it. */
enum core_reply_type {
    CORE_REPLY_STATUS,
    CORE_REPLY_ERROR,
    CORE_REPLY_STRING,
    CORE_REPLY_INTEGER,
    CORE_REPLY_ARRAY,
    CORE_REPLY_NIL,
};

struct core_reply {
    enum core_reply_type type;
    const char *str; /* STATUS, ERROR, STRING; not NUL-safe beyond len */
    size_t len;
    long long integer;
    size_t elements;
    const struct core_reply *element;
};

/* What a command sent to a node was for; echoed back with its reply. */
enum core_tag {
    TAG_NONE,
    TAG_PING,
    TAG_INFO,
    TAG_HELLO_PUBLISH,
    TAG_IS_DOWN,
    TAG_REPLICAOF,
    TAG_SCRIPT_KILL,
    TAG_AUTH,
};

enum core_event_type {
    CORE_EV_TICK,
    CORE_EV_LINK_UP,
    CORE_EV_LINK_DOWN,
    CORE_EV_LINK_FAILED, /* a connection attempt failed (refused, timed out) */
    CORE_EV_REPLY,
    CORE_EV_HELLO,
};

struct core_event {
    enum core_event_type type;
    uint64_t link_id;          /* LINK_UP/DOWN, REPLY; HELLO (0 = a client) */
    enum link_channel channel; /* LINK_UP/DOWN */
    enum core_tag tag;         /* REPLY */
    uint64_t ctx;              /* REPLY: the ctx of the SEND action */
    const struct core_reply *reply; /* REPLY, borrowed */
    const char *payload;       /* HELLO: the message; LINK_UP of CHANNEL_CMD:
                                  our local IP on that connection (or NULL).
                                  Borrowed, NUL-terminated. */
    const char *peer_ip;       /* LINK_UP of CHANNEL_CMD: the IP connected
                                  to (or NULL).  Borrowed. */
};

enum core_log_level {
    LOG_DEBUG,
    LOG_VERBOSE,
    LOG_NOTICE,
    LOG_WARNING,
};

enum core_action_type {
    CORE_ACT_SEND,       /* send argv on a link */
    CORE_ACT_EVENT,      /* log + pub/sub + notification script */
    CORE_ACT_LOG,        /* a plain log line */
    CORE_ACT_PERSIST,    /* rewrite the config before anything that follows */
    CORE_ACT_PERSIST_LAZY, /* rewrite the config soon (discovered state only) */
    CORE_ACT_DISCONNECT, /* close a link's connections; the shell reconnects */
    CORE_ACT_RECONFIG_SCRIPT, /* run client-reconfig-script */
    CORE_ACT_CRASH,      /* SIMULATE-FAILURE: exit now */
};

struct core_action {
    enum core_action_type type;
    uint64_t link_id;         /* SEND, DISCONNECT */
    enum link_channel channel;/* SEND */
    enum core_tag tag;        /* SEND */
    uint64_t ctx;             /* SEND */
    int argc;                 /* SEND, RECONFIG_SCRIPT */
    char **argv;              /* owned by the action list */
    enum core_log_level level;/* EVENT, LOG */
    char *event_type;         /* EVENT: "+sdown"... owned */
    char *text;               /* EVENT: the pub/sub message; LOG: the line */
    char *script;             /* EVENT, RECONFIG_SCRIPT: path or NULL */
};

struct core_actions {
    struct core_action *items;
    size_t count;
    size_t cap;
};

/* A seeded xoshiro-style generator; the caller seeds it, the core draws. */
struct core_prng {
    uint64_t s[4];
};

/* Settings the core needs that come from the global config. */
struct core_settings {
    char *announce_ip;        /* owned, may be NULL */
    int announce_port;        /* 0 = use port */
    int port;
    int announce_hostnames;
    char *sentinel_user;      /* owned, toward peers */
    char *sentinel_pass;
    int64_t script_max_exec_ms;
};

struct core {
    char myid[RUNID_LEN + 1];
    uint64_t current_epoch;
    struct master **masters;
    size_t master_count;
    struct static_peer *peers;
    size_t peer_count;
    struct link *links;       /* every link, owned */
    struct idmap instances_by_id;
    struct idmap links_by_id;
    uint64_t next_id;
    struct core_settings settings;
    struct core_timing timing;
    int tilt;
    int64_t tilt_start_ms;
    uint64_t tilt_count;
    int64_t previous_tick_wall_ms;
    int64_t previous_tick_mono_ms;
    unsigned simulate_failure;
    struct core_prng prng;
    int64_t start_ms;
};

/* --- life cycle ------------------------------------------------------ */

/* Creates an empty core.  myid may be NULL or "" (a new id is drawn from
 * the PRNG, seeded here with seed).  Returns NULL only on out-of-memory. */
struct core *core_new(const char *myid, uint64_t seed);

/* Frees the core and everything it owns; NULL is a no-op. */
void core_free(struct core *core);

/* --- model building (config load, SENTINEL MONITOR) -------------------- */

/* Adds a master to watch.  Copies name and host.  Returns the master
 * (owned by the core) or NULL if the name is taken (errno-style -1 through
 * *err: "Duplicated master name" as Redis says). */
struct master *core_master_add(struct core *core, const char *name,
                               const char *host, int port, int quorum,
                               const struct core_time *now);

/* Finds a master by name (case-sensitive, as Redis); NULL if unknown. */
struct master *core_master_find(const struct core *core, const char *name);

/* Removes and frees a master, its replicas, sentinels and link refs. */
void core_master_remove(struct core *core, struct master *master);

/* Adds a known replica / known sentinel (from the config); returns the
 * instance or NULL on a duplicate address. runid may be NULL. */
struct instance *core_replica_add(struct core *core, struct master *master,
                                  const char *host, int port,
                                  const struct core_time *now);
struct instance *core_sentinel_add(struct core *core, struct master *master,
                                   const char *host, int port,
                                   const char *runid,
                                   const struct core_time *now);

/* Adds a static peer sentinel address; duplicates are ignored. */
int core_peer_add(struct core *core, const char *host, int port);

/* Sets a master's auth-pass / auth-user (copies; NULL clears) and pushes
 * them onto the master's and replicas' links. */
void core_master_set_auth(struct core *core, struct master *master,
                          const char *user, const char *pass);

/* Sets down-after-milliseconds of a master and of every replica and
 * sentinel it has, as SENTINEL SET does. */
void core_master_set_down_after(struct master *master, int64_t ms);

/* Applies changed core->settings (sentinel-user/pass) to existing links;
 * they take effect when the links reconnect. */
void core_settings_changed(struct core *core);

/* Finds a master, replica or sentinel by id; NULL if it is gone. */
struct instance *core_instance_find(const struct core *core, uint64_t id);

/* Finds the link with this id; NULL if it is gone. */
struct link *core_link_find(const struct core *core, uint64_t id);

/* --- driving ------------------------------------------------------------- */

/* Feeds one event.  Appends actions to out (which the caller resets). */
void core_step(struct core *core, const struct core_time *now,
               const struct core_event *event, struct core_actions *out);

/* SENTINEL IS-MASTER-DOWN-BY-ADDR from a peer.  Fills the three reply
 * fields (leader is "*" when no vote was asked for); a vote may append a
 * PERSIST action that the caller must carry out before replying.
 * Returns -1 if no master has that address (the caller replies as Redis:
 * down 0, leader "*", epoch 0). */
int core_is_master_down(struct core *core, const struct core_time *now,
                        const char *host, int port, uint64_t req_epoch,
                        const char *req_runid, int *down_out,
                        const char **leader_out, uint64_t *leader_epoch_out,
                        struct core_actions *out);

/* SENTINEL FAILOVER: starts a forced failover.  Returns 0, or -1 with
 * *err set to Redis's reply text ("INPROG ...", "NOGOODSLAVE ..."). */
int core_force_failover(struct core *core, const struct core_time *now,
                        struct master *master, const char **err,
                        struct core_actions *out);

/* SENTINEL RESET: forgets replicas and sentinels of the master. */
void core_master_reset(struct core *core, const struct core_time *now,
                       struct master *master, struct core_actions *out);

/* SENTINEL CKQUORUM: counts usable sentinels.  Returns 0 if quorum and
 * majority are reachable; fills *usable and writes Redis's message. */
int core_ckquorum(const struct core *core, const struct master *master,
                  int *usable, char *msg, size_t msglen);

/* --- reading the model (for replies) --------------------------------------- */

/* Writes Redis's comma-separated flag words for an instance into buf. */
void core_flags_format(const struct instance *inst, char *buf, size_t len);

/* Redis's word for a failover state ("wait_start", "select_slave"...), as
 * SENTINEL MASTER shows it. */
const char *core_failover_state_name(enum failover_state state);

/* Returns the address clients should use for the master right now. */
const struct addr *core_master_addr(const struct master *master);

/* --- actions ------------------------------------------------------------------ */

/* Frees every action's owned strings and empties the list (keeps cap). */
void core_actions_reset(struct core_actions *acts);

/* Frees the list's storage; the list may be reused after. */
void core_actions_free(struct core_actions *acts);

/* --- prng ------------------------------------------------------------------------ */

void core_prng_seed(struct core_prng *prng, uint64_t seed);
uint64_t core_prng_next(struct core_prng *prng);

#endif
