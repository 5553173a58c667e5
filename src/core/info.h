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

struct info_replica {
    char host[HOST_MAX];
    int port;
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
    long long master_link_down_since_s; /* -1 when absent */
    int replica_priority;         /* slave_priority / replica_priority, default 100 */
    long long repl_offset;        /* slave_repl_offset, default 0 */
    int replica_announced;        /* replica_announced, default 1 */
};

/* Parses INFO text (CRLF or LF lines, "# Section" headers ignored).
 * Malformed lines are skipped as Redis does; unknown fields are ignored.
 * Returns 0, or -1 on out-of-memory (out is then cleared).  The caller
 * calls info_report_clear on out afterwards. */
int info_parse(const char *text, size_t len, struct info_report *out);

/* Frees what out owns and zeroes it; safe on a zeroed struct. */
void info_report_clear(struct info_report *out);

#endif
