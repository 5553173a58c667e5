/*
 * app.h - the program's shared context.
 *
 * One struct app ties the pieces together: the event loop, the decision core,
 * the loaded configuration, the client server and the outbound links.  It is
 * created in main and passed (borrowed) to every module that needs it.
 */
#ifndef SENTINELD_APP_APP_H
#define SENTINELD_APP_APP_H

#include <stdint.h>

#include "core/core.h"

struct event_base;
struct event;
struct config;
struct server;
struct outlink_set;
struct ssl_ctx_st; /* OpenSSL's SSL_CTX, see net/tls.h */
struct scripts;

struct app {
    struct event_base *base;
    struct core *core;
    struct config *cfg;
    struct server *server;
    struct outlink_set *links;
    struct ssl_ctx_st *tls_server_ctx; /* tls-port clients; NULL: no TLS port */
    struct ssl_ctx_st *tls_client_ctx; /* outbound links; NULL: plain text */
    struct scripts *scripts;  /* notification / reconfig script runner */
    struct event *tick_timer;
    struct core_actions actions;
    struct core_time now;   /* read once per loop turn */
    int64_t start_wall_ms;
    char run_id[RUNID_LEN + 1]; /* this process's run id (INFO), not myid */
    int shutting_down;
    int persist_dirty;      /* a lazy PERSIST waits for the next tick */
};

/* Reads the clocks into app->now.  The only place the program reads time. */
void app_clock_update(struct app *app);

/* Reads the clock, feeds one event to the core and carries out the
 * actions it produced.  ev and what it points to are borrowed. */
void app_feed(struct app *app, const struct core_event *ev);

/* Carries out and then empties app->actions: sends, events (log, pub/sub,
 * scripts), config persistence.  Returns 0, or -1 if a PERSIST failed (the
 * remaining actions still run). */
int app_actions_run(struct app *app);

/* Rewrites the config file from the current state (atomic).  Returns 0, or
 * -1 with a log line and err filled (err may be NULL). */
int app_persist(struct app *app, char *err, size_t errlen);

/* Starts an orderly shutdown: flush config, close links, leave the loop. */
void app_shutdown(struct app *app);

#endif
