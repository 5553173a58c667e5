/*
 * cmd_sentinel.c - the SENTINEL command family, ROLE, INFO's sentinel
 * section and hellos PUBLISHed by peers.
 *
 * Reply shapes, field names and their order follow Redis Sentinel 7.0:
 * client libraries and tools parse them, some by position.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "app/cmd_admin.h"
#include "app/cmd_sentinel.h"
#include "app/config.h"
#include "app/events.h"
#include "app/log.h"
#include "app/strnum.h"
#include "app/scripts.h"
#include "core/hello.h"
#include "net/server.h"

/* --- small helpers ---------------------------------------------------------- */

static int64_t ago(const struct app *app, int64_t t)
{
    return app->now.mono_ms - t;
}

static void field_str(struct client *c, const char *k, const char *v)
{
    reply_cstr(c, k);
    reply_cstr(c, v);
}

static void field_int(struct client *c, const char *k, long long v)
{
    reply_cstr(c, k);
    reply_bulkf(c, "%lld", v);
}

static struct master *master_or_error(struct client *c, const char *name)
{
    struct master *m = core_master_find(client_app(c)->core, name);
    if (m == NULL)
        reply_error(c, "ERR No such master with that name");
    return m;
}

/* --- instance description ------------------------------------------------------ */

static int instance_field_count(const struct instance *inst)
{
    int n = 11; /* name .. last-ping-reply, down-after-milliseconds */
    if (inst->kind == INSTANCE_MASTER && (inst->flags & FLAG_FAILOVER_IN_PROGRESS))
        n++;
    if (inst->flags & FLAG_S_DOWN)
        n++;
    if (inst->flags & FLAG_O_DOWN)
        n++;
    if (inst->kind != INSTANCE_SENTINEL)
        n += 3;
    if (inst->kind == INSTANCE_MASTER) {
        const struct master *m = inst->master;
        n += 6 + (m->notification_script != NULL) + (m->client_reconfig_script != NULL);
    } else if (inst->kind == INSTANCE_REPLICA) {
        n += 7;
    } else {
        n += 3;
    }
    return n;
}

static void reply_instance(struct client *c, const struct instance *inst)
{
    const struct app *app = client_app(c);
    const struct link *l = inst->link;
    char flags[256];
    core_flags_format(inst, flags, sizeof(flags));
    reply_map(c, instance_field_count(inst));
    field_str(c, "name", inst->name);
    field_str(c, "ip", inst->addr.host);
    field_int(c, "port", inst->addr.port);
    field_str(c, "runid", inst->runid);
    field_str(c, "flags", flags);
    field_int(c, "link-pending-commands", l->pending_commands);
    field_int(c, "link-refcount", l->refcount);
    if (inst->kind == INSTANCE_MASTER && (inst->flags & FLAG_FAILOVER_IN_PROGRESS))
        field_str(c, "failover-state", core_failover_state_name(inst->master->failover_state));
    field_int(c, "last-ping-sent", l->act_ping_ms ? ago(app, l->act_ping_ms) : 0);
    field_int(c, "last-ok-ping-reply", ago(app, l->last_avail_ms));
    field_int(c, "last-ping-reply", ago(app, l->last_pong_ms));
    if (inst->flags & FLAG_S_DOWN)
        field_int(c, "s-down-time", ago(app, inst->s_down_since_ms));
    if (inst->flags & FLAG_O_DOWN)
        field_int(c, "o-down-time", ago(app, inst->o_down_since_ms));
    field_int(c, "down-after-milliseconds", inst->down_after_ms);
    if (inst->kind != INSTANCE_SENTINEL) {
        field_int(c, "info-refresh", inst->info_refresh_ms ? ago(app, inst->info_refresh_ms) : 0);
        field_str(c, "role-reported", inst->role_reported == ROLE_REPLICA ? "slave" : "master");
        field_int(c, "role-reported-time", ago(app, inst->role_reported_ms));
    }
    if (inst->kind == INSTANCE_MASTER) {
        const struct master *m = inst->master;
        field_int(c, "config-epoch", (long long)m->config_epoch);
        field_int(c, "num-slaves", (long long)m->replica_count);
        field_int(c, "num-other-sentinels", (long long)m->sentinel_count);
        field_int(c, "quorum", m->quorum);
        field_int(c, "failover-timeout", m->failover_timeout_ms);
        field_int(c, "parallel-syncs", m->parallel_syncs);
        if (m->notification_script != NULL)
            field_str(c, "notification-script", m->notification_script);
        if (m->client_reconfig_script != NULL)
            field_str(c, "client-reconfig-script", m->client_reconfig_script);
    } else if (inst->kind == INSTANCE_REPLICA) {
        long long down_s = inst->master_link_down_since_s < 0 ? 0
                                                              : inst->master_link_down_since_s;
        field_int(c, "master-link-down-time", down_s * 1000);
        field_str(c, "master-link-status", inst->master_link_up ? "ok" : "err");
        field_str(c, "master-host",
                  inst->replica_master_host[0] ? inst->replica_master_host : "?");
        field_int(c, "master-port", inst->replica_master_port);
        field_int(c, "slave-priority", inst->replica_priority);
        field_int(c, "slave-repl-offset", inst->repl_offset);
        field_int(c, "replica-announced", inst->replica_announced);
    } else {
        field_int(c, "last-hello-message", inst->last_hello_ms ? ago(app, inst->last_hello_ms)
                                                                : ago(app, inst->created_ms));
        field_str(c, "voted-leader", inst->leader ? inst->leader : "?");
        field_int(c, "voted-leader-epoch", (long long)inst->leader_epoch);
    }
}

/* --- subcommands -------------------------------------------------------------------- */

static void sub_masters(struct client *c, int argc, char **argv)
{
    const struct core *core = client_app(c)->core;
    reply_array(c, (long long)core->master_count);
    for (size_t i = 0; i < core->master_count; i++)
        reply_instance(c, &core->masters[i]->inst);
}

static void sub_master(struct client *c, int argc, char **argv)
{
    struct master *m = master_or_error(c, argv[2]);
    if (m != NULL)
        reply_instance(c, &m->inst);
}

static void sub_replicas(struct client *c, int argc, char **argv)
{
    struct master *m = master_or_error(c, argv[2]);
    if (m == NULL)
        return;
    /* Replicas that asked not to be announced are left out, as Redis does. */
    long long n = 0;
    for (size_t i = 0; i < m->replica_count; i++)
        n += m->replicas[i]->replica_announced != 0;
    reply_array(c, n);
    for (size_t i = 0; i < m->replica_count; i++)
        if (m->replicas[i]->replica_announced)
            reply_instance(c, m->replicas[i]);
}

static void sub_sentinels(struct client *c, int argc, char **argv)
{
    struct master *m = master_or_error(c, argv[2]);
    if (m == NULL)
        return;
    reply_array(c, (long long)m->sentinel_count);
    for (size_t i = 0; i < m->sentinel_count; i++)
        reply_instance(c, m->sentinels[i]);
}

static void sub_get_master_addr(struct client *c, int argc, char **argv)
{
    const struct master *m = core_master_find(client_app(c)->core, argv[2]);
    if (m == NULL) {
        /* A null array in RESP2, as Redis Sentinel 7.0 replies. */
        if (client_resp(c) == 3)
            reply_nil(c);
        else
            reply_array(c, -1);
        return;
    }
    const struct addr *a = core_master_addr(m);
    reply_array(c, 2);
    reply_cstr(c, a->host);
    reply_bulkf(c, "%d", a->port);
}

static void sub_is_master_down(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    long long port, epoch;
    if (strnum_ll(argv[3], &port) < 0 || strnum_ll(argv[4], &epoch) < 0) {
        reply_error(c, "ERR value is not an integer or out of range");
        return;
    }
    /* Redis Sentinel takes a negative epoch and reads it as a huge one;
     * answer the down question as it does, but never vote for it. */
    const char *runid = argv[5];
    if (epoch < 0) {
        epoch = 0;
        runid = "*";
    }
    int down = 0;
    const char *leader = "*";
    uint64_t leader_epoch = 0;
    app_clock_update(app);
    core_is_master_down(app->core, &app->now, argv[2], (int)port, (uint64_t)epoch, runid,
                        &down, &leader, &leader_epoch, &app->actions);
    char leader_copy[RUNID_LEN + 1];
    snprintf(leader_copy, sizeof(leader_copy), "%s", leader);
    /* A vote must be on disk before anyone hears of it: one that could
     * not be saved is not given (after a crash we would not know of it and
     * could vote again in the same epoch).  It stays recorded in memory, so
     * this process still votes for no one else in that epoch. */
    if (app_actions_run(app) < 0 && strcmp(leader_copy, "*") != 0) {
        snprintf(leader_copy, sizeof(leader_copy), "*");
        leader_epoch = 0;
    }
    reply_array(c, 3);
    reply_int(c, down);
    reply_cstr(c, leader_copy);
    reply_int(c, (long long)leader_epoch);
}

static void sub_myid(struct client *c, int argc, char **argv)
{
    reply_cstr(c, client_app(c)->core->myid);
}

static void sub_ckquorum(struct client *c, int argc, char **argv)
{
    const struct master *m = master_or_error(c, argv[2]);
    if (m == NULL)
        return;
    char msg[256];
    int usable = 0;
    if (core_ckquorum(client_app(c)->core, m, &usable, msg, sizeof(msg)) == 0)
        reply_status(c, msg);
    else
        reply_error(c, msg);
}

static void sub_info_cache(struct client *c, int argc, char **argv)
{
    const struct core *core = client_app(c)->core;
    const struct app *app = client_app(c);
    size_t n = 0;
    const struct master **sel = calloc(core->master_count + 1, sizeof(*sel));
    for (size_t i = 0; i < core->master_count; i++) {
        int want = argc <= 2;
        for (int j = 2; j < argc && !want; j++)
            want = strcmp(argv[j], core->masters[i]->inst.name) == 0;
        if (want)
            sel[n++] = core->masters[i];
    }
    reply_array(c, (long long)n * 2);
    for (size_t i = 0; i < n; i++) {
        const struct master *m = sel[i];
        reply_cstr(c, m->inst.name);
        reply_array(c, (long long)m->replica_count + 1);
        for (size_t j = 0; j <= m->replica_count; j++) {
            const struct instance *inst = j == 0 ? &m->inst : m->replicas[j - 1];
            reply_array(c, 2);
            if (inst->info_cache == NULL) {
                reply_nil(c);
                reply_nil(c);
                continue;
            }
            reply_int(c, ago(app, inst->info_refresh_ms));
            reply_cstr(c, inst->info_cache);
        }
    }
    free(sel);
}

static const char *const help_lines[] = {
    "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CKQUORUM <master-name>",
    "    Check if the current Sentinel configuration is able to reach the quorum",
    "    needed to failover a master and the majority needed to authorize the",
    "    failover.",
    "CONFIG SET|GET <param> [<value>]",
    "    Set a global Sentinel configuration parameter.",
    "DEBUG [<param> <value> ...]",
    "    Show a list of configurable time parameters and their values (milliseconds).",
    "    Or update current configurable parameters values (one or more).",
    "EVENTS [<count>]",
    "    Show the most recent events, newest first (sentineld extension).",
    "GET-MASTER-ADDR-BY-NAME <master-name>",
    "    Return the ip and port number of the master with that name.",
    "FAILOVER <master-name>",
    "    Manually failover a master node without asking for agreement from other",
    "    Sentinels",
    "FLUSHCONFIG",
    "    Force Sentinel to rewrite its configuration on disk, including the current",
    "    Sentinel state.",
    "INFO-CACHE <master-name>",
    "    Return last cached INFO output from masters and all its replicas.",
    "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
    "    Check if the master specified by ip:port is down from current Sentinel's",
    "    point of view.",
    "MASTER <master-name>",
    "    Show the state and info of the specified master.",
    "MASTERS",
    "    Show a list of monitored masters and their state.",
    "MONITOR <name> <ip> <port> <quorum>",
    "    Start monitoring a new master with the specified name, ip, port and quorum.",
    "MYID",
    "    Return the ID of the Sentinel instance.",
    "PENDING-SCRIPTS",
    "    Get pending scripts information.",
    "REMOVE <master-name>",
    "    Remove master from Sentinel's monitor list.",
    "REPLICAS <master-name>",
    "    Show a list of replicas for this master and their state.",
    "RESET <pattern>",
    "    Reset masters for specific master name matching this pattern.",
    "SENTINELS <master-name>",
    "    Show a list of Sentinel instances for this master and their state.",
    "SET <master-name> <option> <value> [<option> <value> ...]",
    "    Set configuration parameters for certain masters.",
    "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
    "    Simulate a Sentinel crash.",
    "HELP",
    "    Print this help.",
};

static void sub_help(struct client *c, int argc, char **argv)
{
    size_t n = sizeof(help_lines) / sizeof(help_lines[0]);
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++)
        reply_status(c, help_lines[i]);
}

static void sub_flushconfig(struct client *c, int argc, char **argv)
{
    char err[512];
    if (app_persist(client_app(c), err, sizeof(err)) < 0)
        reply_errorf(c, "ERR %s", err); /* err says what failed */
    else
        reply_ok(c);
}

static void sub_reset(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    long long n = 0;
    app_clock_update(app);
    for (size_t i = 0; i < app->core->master_count; i++) {
        struct master *m = app->core->masters[i];
        if (fnmatch(argv[2], m->inst.name, 0) == 0) {
            core_master_reset(app->core, &app->now, m, &app->actions);
            n++;
        }
    }
    app_actions_run(app);
    reply_int(c, n);
}

static void sub_failover(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    struct master *m = master_or_error(c, argv[2]);
    if (m == NULL)
        return;
    const char *err = NULL;
    app_clock_update(app);
    int rc = core_force_failover(app->core, &app->now, m, &err, &app->actions);
    app_actions_run(app);
    if (rc < 0)
        reply_error(c, err);
    else
        reply_ok(c);
}

static void sub_events(struct client *c, int argc, char **argv);

struct sentinel_sub {
    const char *name;
    int arity; /* counting SENTINEL and the subcommand; negative = at least */
    void (*fn)(struct client *c, int argc, char **argv);
};

static const struct sentinel_sub subs[] = {
    {"masters", 2, sub_masters},
    {"primaries", 2, sub_masters},
    {"master", 3, sub_master},
    {"primary", 3, sub_master},
    {"replicas", 3, sub_replicas},
    {"slaves", 3, sub_replicas},
    {"sentinels", 3, sub_sentinels},
    {"get-master-addr-by-name", 3, sub_get_master_addr},
    {"get-primary-addr-by-name", 3, sub_get_master_addr},
    {"is-master-down-by-addr", 6, sub_is_master_down},
    {"is-primary-down-by-addr", 6, sub_is_master_down},
    {"myid", 2, sub_myid},
    {"ckquorum", 3, sub_ckquorum},
    {"info-cache", -3, sub_info_cache},
    {"help", 2, sub_help},
    {"flushconfig", 2, sub_flushconfig},
    {"reset", 3, sub_reset},
    {"failover", 3, sub_failover},
    {"events", -2, sub_events},
    {"monitor", 6, cmd_admin_monitor},
    {"remove", 3, cmd_admin_remove},
    {"set", -5, cmd_admin_set},
    {"config", -3, cmd_admin_config},
    {"simulate-failure", -3, cmd_admin_simulate_failure},
    {"pending-scripts", 2, cmd_admin_pending_scripts},
    {"debug", -2, cmd_admin_debug},
};

void cmd_sentinel(struct client *c, int argc, char **argv, size_t *lens)
{
    (void)lens;
    if (argc < 2) {
        reply_error(c, "ERR wrong number of arguments for 'sentinel' command");
        return;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        const struct sentinel_sub *s = &subs[i];
        if (strcasecmp(argv[1], s->name) != 0)
            continue;
        if ((s->arity > 0 && argc != s->arity) || (s->arity < 0 && argc < -s->arity)) {
            char lower[64];
            size_t k = 0;
            for (; argv[1][k] && k < sizeof(lower) - 1; k++)
                lower[k] = (char)tolower((unsigned char)argv[1][k]);
            lower[k] = '\0';
            reply_errorf(c, "ERR wrong number of arguments for 'sentinel|%s' command", lower);
            return;
        }
        s->fn(c, argc, argv);
        return;
    }
    reply_errorf(c, "ERR unknown subcommand '%.128s'. Try SENTINEL HELP.", argv[1]);
}

/* SENTINEL EVENTS [count] (a sentineld extension): the newest count events
 * (default 10) from the bounded history, newest first, each as
 * [time-ms, type, text]. */
static void sub_events(struct client *c, int argc, char **argv)
{
    long long count = 10;
    if (argc > 3) {
        reply_error(c, "ERR wrong number of arguments for 'sentinel|events' command");
        return;
    }
    if (argc == 3 && (strnum_ll(argv[2], &count) < 0 || count < 0)) {
        reply_error(c, "ERR count must be a non-negative integer");
        return;
    }
    size_t n = events_history_count();
    if ((unsigned long long)count < n)
        n = (size_t)count;
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        const struct events_entry *e = events_history(i);
        reply_array(c, 3);
        reply_int(c, e->wall_ms);
        reply_cstr(c, e->type);
        reply_cstr(c, e->text);
    }
}

void cmd_role(struct client *c, int argc, char **argv, size_t *lens)
{
    (void)argc;
    (void)argv;
    (void)lens;
    const struct core *core = client_app(c)->core;
    reply_array(c, 2);
    reply_cstr(c, "sentinel");
    reply_array(c, (long long)core->master_count);
    for (size_t i = 0; i < core->master_count; i++)
        reply_cstr(c, core->masters[i]->inst.name);
}

char *cmd_sentinel_info_section(struct app *app)
{
    const struct core *core = app->core;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    fprintf(f, "# Sentinel\r\n");
    fprintf(f, "sentinel_masters:%zu\r\n", core->master_count);
    fprintf(f, "sentinel_tilt:%d\r\n", core->tilt);
    fprintf(f, "sentinel_tilt_since_seconds:%lld\r\n",
            core->tilt ? (long long)((app->now.mono_ms - core->tilt_start_ms) / 1000) : -1LL);
    fprintf(f, "sentinel_running_scripts:%zu\r\n", scripts_running(app->scripts));
    fprintf(f, "sentinel_scripts_queue_length:%zu\r\n", scripts_count(app->scripts));
    fprintf(f, "sentinel_simulate_failure_flags:%u\r\n", core->simulate_failure);
    for (size_t i = 0; i < core->master_count; i++) {
        const struct master *m = core->masters[i];
        const char *status = (m->inst.flags & FLAG_O_DOWN)   ? "odown"
                             : (m->inst.flags & FLAG_S_DOWN) ? "sdown" : "ok";
        fprintf(f, "master%zu:name=%s,status=%s,address=%s:%d,slaves=%zu,sentinels=%zu\r\n", i,
                m->inst.name, status, m->inst.addr.host, m->inst.addr.port, m->replica_count,
                m->sentinel_count + 1);
    }
    fclose(f);
    return buf;
}

void cmd_sentinel_hello(struct app *app, const char *payload, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return;
    memcpy(copy, payload, len);
    copy[len] = '\0';
    struct core_event ev = {.type = CORE_EV_HELLO, .payload = copy};
    app_feed(app, &ev);
    free(copy);
}
