/*
 * model.h - the sentinel's state as plain data.
 *
 * Everything the decision core knows lives in these structs: the masters it
 * watches, their replicas and peer sentinels, the links to them (as state,
 * not sockets), epochs and votes.  The core owns and mutates them; the shell
 * and the command layer read them (borrowed, const) to answer queries and to
 * keep one network connection per link.  Nothing here does I/O.
 */
#ifndef SENTINELD_CORE_MODEL_H
#define SENTINELD_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define RUNID_LEN 40
#define HOST_MAX 256
#define NAME_MAX_LEN 256

/* Defaults, as in Redis Sentinel's documented configuration. */
#define DEFAULT_DOWN_AFTER_MS 30000
#define DEFAULT_FAILOVER_TIMEOUT_MS (3 * 60 * 1000)
#define DEFAULT_PARALLEL_SYNCS 1
#define DEFAULT_REPLICA_PRIORITY 100
#define DEFAULT_MASTER_REBOOT_DOWN_AFTER_MS 0

/* Periods (Redis Sentinel's values, so mixed constellations agree). */
#define PING_PERIOD_MS 1000
#define INFO_PERIOD_MS 10000
#define INFO_PERIOD_FAST_MS 1000
#define INFO_PERIOD_PROMOTION_MS 100
#define INFO_PERIOD_RECONF_MS 250
#define ASK_PERIOD_SDOWN_MS 250
#define HELLO_PERIOD_MS 2000
#define ASK_PERIOD_MS 1000
#define TILT_TRIGGER_MS 2000
#define TILT_PERIOD_MS 30000
#define MAX_PENDING_COMMANDS 100
#define MAX_DESYNC_MS 1000
#define ELECTION_TIMEOUT_MS 10000
#define MIN_LINK_RECONNECT_MS 15000
#define DEFAULT_SCRIPT_MAX_EXEC_MS 60000
#define DEFAULT_SCRIPT_RETRY_DELAY_MS 30000
#define REPLICA_RECONF_TIMEOUT_MS 10000

enum instance_kind {
    INSTANCE_MASTER,
    INSTANCE_REPLICA,
    INSTANCE_SENTINEL,
};

/* Flag bits, printed with Redis's flag words (see model_flags_format). */
enum instance_flag {
    FLAG_S_DOWN = 1u << 0,
    FLAG_O_DOWN = 1u << 1,
    FLAG_MASTER_DOWN = 1u << 2, /* a peer sentinel said the master is down */
    FLAG_FAILOVER_IN_PROGRESS = 1u << 3,
    FLAG_PROMOTED = 1u << 4,
    FLAG_RECONF_SENT = 1u << 5,
    FLAG_RECONF_INPROG = 1u << 6,
    FLAG_RECONF_DONE = 1u << 7,
    FLAG_FORCE_FAILOVER = 1u << 8,
    FLAG_MASTER_REBOOT = 1u << 9,
    FLAG_SCRIPT_KILL_SENT = 1u << 10,
};

enum role_reported {
    ROLE_UNKNOWN,
    ROLE_MASTER,
    ROLE_REPLICA,
};

enum failover_state {
    FAILOVER_NONE,
    FAILOVER_WAIT_START,
    FAILOVER_SELECT_REPLICA,
    FAILOVER_SEND_REPLICAOF_NOONE,
    FAILOVER_WAIT_PROMOTION,
    FAILOVER_RECONF_REPLICAS,
    FAILOVER_UPDATE_CONFIG,
};

/* Which kind of peer a link talks to: Redis data nodes get a command and a
 * pub/sub connection, sentinels only a command connection. */
enum link_class {
    LINK_DATA,
    LINK_SENTINEL,
};

/* Which connection of a link a command travels on. */
enum link_channel {
    CHANNEL_CMD,
    CHANNEL_PUBSUB,
};

struct addr {
    char host[HOST_MAX];
    int port;
};

/*
 * A link is the core's record of a connection to one address.  Sentinel
 * links are shared by every master that peer watches (Redis's
 * link-refcount); data links belong to one instance.  The shell keeps one
 * network connection per link id and reports its state back as events.
 */
struct link {
    uint64_t id;
    enum link_class cls;
    struct addr addr;
    int refcount;
    int cmd_connected;
    int pubsub_connected;
    int64_t cmd_connected_since_ms;
    int pending_commands;
    int64_t act_ping_ms;    /* oldest outstanding PING, 0 if none */
    int64_t last_ping_ms;   /* when we last sent a PING */
    int64_t last_pong_ms;   /* last reply of any kind to PING */
    int64_t last_avail_ms;  /* last valid reply to PING */
    int64_t last_reconnect_ms;
    int64_t disconnected_since_ms; /* when the command connection went down */
    int connect_failed;      /* a reconnection attempt failed since then */
    char *auth_user;        /* owned, may be NULL */
    char *auth_pass;        /* owned, may be NULL */
    int wants_pubsub;
    char local_ip[HOST_MAX]; /* our address as this link's peer sees it */
    char peer_ip[HOST_MAX];  /* the address addr.host led to when the link
                                last connected ("" before): what a host
                                name resolved to */
    int64_t pubsub_last_activity_ms;
    int64_t pubsub_connected_since_ms;
    struct link *next;
};

struct master;

struct instance {
    uint64_t id;
    enum instance_kind kind;
    char *name;             /* master name, "ip:port" or sentinel run id */
    struct addr addr;
    char runid[RUNID_LEN + 1];
    unsigned flags;
    struct link *link;      /* owned by the core's link list, refcounted */
    struct master *master;  /* the master this replica/sentinel belongs to */
    int64_t down_after_ms;
    int64_t s_down_since_ms;
    int64_t o_down_since_ms;
    int64_t created_ms;
    int64_t last_pub_ms;     /* last hello we published to it */
    int64_t last_hello_ms;   /* sentinels: last hello received from it */
    int64_t last_master_down_reply_ms;
    int64_t last_ask_ms;     /* sentinels: last is-master-down question */
    int64_t info_refresh_ms; /* when the last INFO reply arrived, 0 = never */
    /* How old the last INFO can be: it was written no earlier than the
     * request it answers was sent.  INFO requests in flight on the current
     * connection and when the oldest of them was sent. */
    int64_t info_asked_ms;
    int64_t info_asked_conn_ms; /* the connection's cmd_connected_since_ms */
    int info_inflight;
    int64_t info_written_ms; /* the last INFO was written at or after this */
    char *info_cache;        /* last INFO text, owned, may be NULL */
    enum role_reported role_reported;
    int64_t role_reported_ms;
    int64_t replica_conf_change_ms;
    /* From the replica's own INFO. */
    int64_t master_link_down_since_s; /* seconds; -1 when absent / never up */
    int master_link_up;
    char replica_master_host[HOST_MAX];
    int replica_master_port;
    int replica_priority;
    long long repl_offset;
    int replica_announced;
    /* Sentinels: the leader this peer voted for, and in which epoch. */
    char *leader;            /* owned run id or NULL */
    uint64_t leader_epoch;
    /* Replicas: failover bookkeeping. */
    int64_t reconf_sent_ms;
    int64_t master_reboot_since_ms;
};

/* One entry of `rename-command` for a master. */
struct rename {
    char *from;
    char *to;
};

struct master {
    struct instance inst;
    const struct core_timing *timing; /* the core's, borrowed */
    int quorum;
    int parallel_syncs;
    int64_t failover_timeout_ms;
    int64_t master_reboot_down_after_ms;
    int64_t replica_validity_ms;      /* 0 = no limit (extension) */
    int64_t min_failover_interval_ms; /* anti-flapping floor, 0 = off */
    uint64_t config_epoch;
    char *leader;                     /* run id we voted for, owned */
    uint64_t leader_epoch;
    char *auth_user;
    char *auth_pass;
    char *notification_script;
    char *client_reconfig_script;
    struct rename *renames;
    size_t rename_count;
    struct instance **replicas;
    size_t replica_count;
    struct instance **sentinels;
    size_t sentinel_count;
    /* Failover. */
    enum failover_state failover_state;
    int64_t failover_state_change_ms;
    int64_t failover_start_ms;      /* also the earliest next try */
    int64_t failover_delay_logged_ms;
    int64_t failover_delay_until_ms; /* start after this desync delay */
    int64_t failover_begin_ms;       /* when the current attempt began */
    int64_t last_failover_end_ms;
    uint64_t failover_epoch;
    struct instance *promoted;
    uint64_t failovers_started;
    uint64_t failovers_succeeded;
    uint64_t failovers_aborted;
    int64_t last_failover_duration_ms;
};

/* A peer given statically (`--sentinel-addrs`, `sentinel peer`). */
struct static_peer {
    struct addr addr;
    struct link *link;
    char runid[RUNID_LEN + 1];
    int64_t last_hello_ms;
    int64_t last_pub_ms;
};

/* Timers an operator or a test may tune at run time (SENTINEL DEBUG), as
 * Redis Sentinel allows; defaults are the periods above. */
struct core_timing {
    int64_t info_period_ms;
    int64_t ping_period_ms;
    int64_t ask_period_ms;
    int64_t publish_period_ms;
    int64_t default_down_after_ms;
    int64_t default_failover_timeout_ms;
    int64_t tilt_trigger_ms;
    int64_t tilt_period_ms;
    int64_t replica_reconf_timeout_ms;
    int64_t min_link_reconnect_ms;
    int64_t election_timeout_ms;
    int64_t script_max_runtime_ms;
    int64_t script_retry_delay_ms;
};

/* Simulated failures (SENTINEL SIMULATE-FAILURE). */
enum simulate_failure {
    SIMFAIL_CRASH_AFTER_ELECTION = 1 << 0,
    SIMFAIL_CRASH_AFTER_PROMOTION = 1 << 1,
};

#endif
