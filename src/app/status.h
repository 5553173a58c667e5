/*
 * status.h - the sentinel's state rendered for scrapers and people: the
 * Prometheus text exposition format (/metrics), JSON (/status), the HTML
 * status page (/) and the health verdict (/healthz).
 *
 * Every renderer is a pure function of a struct status_input: the model
 * (borrowed, read only), the time, a few figures about the process and the
 * recent events.  Nothing here reads a clock, allocates beyond its result or
 * touches a socket, so unit tests and fuzzers drive it with hand-built models.
 *
 * Metric names, types and labels are documented in docs/OBSERVABILITY.md; change
 * both together.
 */
#ifndef SENTINELD_APP_STATUS_H
#define SENTINELD_APP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct events_entry;

/* Events /status and the page carry when the caller asks for no number. */
#define STATUS_EVENTS_DEFAULT 50

struct status_input {
    const struct core *core;     /* borrowed */
    struct core_time now;        /* the time the figures are computed at */
    int64_t start_wall_ms;       /* when the process started (wall clock) */
    const char *version;         /* borrowed */
    const char *run_id;          /* this process's run id, may be NULL */
    int port;                    /* the RESP port */
    size_t clients;              /* connected RESP clients */
    size_t scripts_running;
    size_t scripts_queued;
    uint64_t config_save_failures; /* failed config rewrites since start */
    int config_saved;            /* 1: the last config rewrite worked */
    const struct events_entry *const *events; /* newest first, borrowed */
    size_t event_count;
};

/* Renders the Prometheus text exposition format (version 0.0.4).  Returns
 * a malloc'd NUL-terminated text whose length goes to *len, or NULL when
 * out of memory.  The caller frees it. */
char *status_metrics(const struct status_input *in, size_t *len);

/* Renders the state as one JSON object (UTF-8; '<', '>' and '&' escaped so
 * it can be embedded in HTML).  Ownership and errors as status_metrics. */
char *status_json(const struct status_input *in, size_t *len);

/* Renders the self-contained status page: HTML with inline CSS and script,
 * the current state embedded so the first paint needs no request, then
 * refreshed from /status every second.  Ownership and errors as
 * status_metrics. */
char *status_page(const struct status_input *in, size_t *len);

/* The health verdict for /healthz.  Returns 0 when healthy, or -1 with
 * *reason set to a static one-line explanation: in TILT mode, or the last
 * config rewrite failed.  reason may be NULL. */
int status_health(const struct status_input *in, const char **reason);

/* "ok", "sdown" or "odown": a master's status as INFO sentinel says it. */
const char *status_master_word(const struct master *m);

#endif
