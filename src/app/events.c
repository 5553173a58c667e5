/*
 * events.c - event fan-out (see events.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/events.h"
#include "app/log.h"
#include "app/scripts.h"
#include "net/server.h"

static struct events_entry history[EVENTS_HISTORY_MAX];
static size_t history_next;
static size_t history_count;

static void history_add(const struct app *app, const struct core_action *a)
{
    struct events_entry *e = &history[history_next];
    free(e->type);
    free(e->text);
    e->wall_ms = app->now.wall_ms;
    e->level = a->level;
    e->type = strdup(a->event_type);
    e->text = strdup(a->text);
    history_next = (history_next + 1) % EVENTS_HISTORY_MAX;
    if (history_count < EVENTS_HISTORY_MAX)
        history_count++;
}

void events_emit(struct app *app, const struct core_action *a)
{
    log_write(a->level, "%s %s", a->event_type, a->text);
    history_add(app, a);
    /* Like Redis Sentinel, debug-level events are only logged. */
    if (a->level != LOG_DEBUG && app->server != NULL)
        server_publish(app->server, a->event_type, a->text, strlen(a->text));
    /* The notification script gets the event type and the description as
     * two arguments, as Redis Sentinel calls it. */
    if (a->script != NULL) {
        char *args[2] = {a->event_type, a->text};
        scripts_queue(app->scripts, a->script, 2, args);
    }
}

void events_reconfig_script(struct app *app, const struct core_action *a)
{
    if (a->script != NULL)
        scripts_queue(app->scripts, a->script, a->argc, a->argv);
}

const struct events_entry *events_history(size_t i)
{
    if (i >= history_count)
        return NULL;
    return &history[(history_next + EVENTS_HISTORY_MAX - 1 - i) % EVENTS_HISTORY_MAX];
}

size_t events_history_count(void)
{
    return history_count;
}

void events_free(void)
{
    for (size_t i = 0; i < EVENTS_HISTORY_MAX; i++) {
        free(history[i].type);
        free(history[i].text);
        history[i].type = history[i].text = NULL;
    }
    history_count = history_next = 0;
}

void events_monitor(struct app *app, const struct master *m)
{
    char text[1024];
    snprintf(text, sizeof(text), "master %s %s %d quorum %d", m->inst.name, m->inst.addr.host,
             m->inst.addr.port, m->quorum);
    struct core_action a = {.type = CORE_ACT_EVENT, .level = LOG_WARNING,
                            .event_type = "+monitor", .text = text,
                            .script = m->notification_script};
    events_emit(app, &a);
}
