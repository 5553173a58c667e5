/*
 * info.h - parsing a Redis node's INFO reply (pure).
 *
 * Only what a sentinel needs: run id, role, the replicas a master lists, and
 * a replica's view of its master (host, port, link status, how long the
 * link has been down, priority, offset, announced).
 */
#ifndef SENTINELD_CORE_INFO_H
#define SENTINELD_CORE_INFO_H

#include <stddef.h>

#include "core/model.h"

/* At most this many slaveN: lines are kept; the rest are ignored so a
 * hostile or broken node cannot make us allocate without bound. */
#define INFO_REPLICAS_MAX 10000

/* master_link_down_since_seconds is clamped to this, so that callers can
 * turn it into milliseconds without overflow. */
#define INFO_SECONDS_MAX 1000000000000LL

struct info_replica {
    char host[HOST_MAX];
    int port;
    int online;                   /* state=online (or "online" in the old form) */
    long long offset;             /* offset=, -1 when absent */
    long long lag_s;              /* lag=, -1 when absent */
};

struct info_report {
    char run_id[RUNID_LEN + 1];   /* "" when absent or malformed */
    enum role_reported role;      /* ROLE_UNKNOWN when absent */
    /* role:master */
    struct info_replica *replicas;/* owned, from slaveN: lines */
    size_t replica_count;
    /* role:slave */
    char master_host[HOST_MAX];
    int master_port;
    int master_link_up;           /* master_link_status:up */
    /* master_link_down_since_seconds: -1 when absent, and when the node
     * says -1 (its link never came up since it started). */
    long long master_link_down_since_s;
    int replica_priority;         /* slave_priority / replica_priority, default 100 */
    long long repl_offset;        /* slave_repl_offset, default 0 */
    int replica_announced;        /* replica_announced, default 1 */
    /* either role */
    long long master_repl_offset; /* master_repl_offset, -1 when absent */
};

/* Parses INFO text (CRLF or LF lines, "# Section" headers ignored).
 * Malformed lines are skipped as Redis does; unknown fields are ignored.
 * Keys match exactly, so slave_read_repl_offset is not slave_repl_offset.
 * slaveN: lines are collected whatever the role says (a replica may have
 * replicas of its own); duplicates are kept, at most INFO_REPLICAS_MAX.
 * Hosts and run ids holding spaces, commas or control bytes are rejected.
 * text need not be NUL-terminated and no byte past len is read.  out is
 * overwritten without being freed: clear an earlier report first.
 * Returns 0, or -1 on out-of-memory (out is then cleared).  The caller
 * calls info_report_clear on out afterwards. */
int info_parse(const char *text, size_t len, struct info_report *out);

/* Frees what out owns and zeroes it; safe on a zeroed struct. */
void info_report_clear(struct info_report *out);

#endif
