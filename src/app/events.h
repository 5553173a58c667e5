/*
 * events.h - the one choke point every sentinel event goes through: a log
 * line, a pub/sub message on the channel named after the event, the
 * notification script for warnings, and the in-memory event history.
 */
#ifndef SENTINELD_APP_EVENTS_H
#define SENTINELD_APP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct app;

#define EVENTS_HISTORY_MAX 1024

struct events_entry {
    int64_t wall_ms;
    enum core_log_level level;
    char *type;
    char *text;
};

/* Logs, publishes and records a CORE_ACT_EVENT action (borrowed). */
void events_emit(struct app *app, const struct core_action *a);

/* Emits +monitor for a master (log, pub/sub, notification script), as
 * Redis Sentinel does at start-up and on SENTINEL MONITOR. */
void events_monitor(struct app *app, const struct master *m);

/* Runs (queues) the client-reconfig-script of a CORE_ACT_RECONFIG_SCRIPT. */
void events_reconfig_script(struct app *app, const struct core_action *a);

/* The i-th most recent event (0 = newest), or NULL past the end. */
const struct events_entry *events_history(size_t i);

/* Number of events held in the history. */
size_t events_history_count(void);

/* Frees the history. */
void events_free(void);

#endif
