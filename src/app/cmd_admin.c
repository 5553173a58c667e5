/*
 * cmd_admin.c - SENTINEL subcommands that change the configuration:
 * MONITOR, REMOVE, SET, CONFIG GET/SET, SIMULATE-FAILURE, PENDING-SCRIPTS.
 *
 * Every change is persisted before the reply, and a failed save is reported
 * as Redis Sentinel reports it.  Error texts are Redis Sentinel 7.0's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <fnmatch.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app/app.h"
#include "app/cmd_admin.h"
#include "app/events.h"
#include "app/config.h"
#include "app/log.h"
#include "app/strnum.h"
#include "app/scripts.h"
#include "net/outlink.h"
#include "net/server.h"

/* Values end up in the config file and in commands sent to Redis: bytes
 * that could break a line or a command are refused outright. */
static int value_is_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int host_is_valid(const struct app *app, const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1)
        return 1;
    if (!app->cfg->resolve_hostnames || !value_is_safe(host))
        return 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return 0;
    freeaddrinfo(res);
    return 1;
}

/* Persists and replies +OK, or the error Redis Sentinel gives when the
 * config cannot be saved. */
static void persist_and_reply(struct client *c)
{
    struct app *app = client_app(c);
    app_actions_run(app);
    if (app_persist(app, NULL, 0) < 0)
        reply_error(c, "ERR Failed to save config file. Check server logs.");
    else
        reply_ok(c);
}

void cmd_admin_monitor(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    long long port, quorum;
    if (!value_is_safe(argv[2]) || strchr(argv[2], ' ') != NULL || argv[2][0] == '\0') {
        reply_error(c, "ERR Invalid master name");
        return;
    }
    if (strnum_ll(argv[4], &port) < 0) {
        reply_error(c, "ERR Invalid port");
        return;
    }
    if (port <= 0 || port > 65535) {
        reply_error(c, "ERR Invalid port number.");
        return;
    }
    if (strnum_ll(argv[5], &quorum) < 0) {
        reply_error(c, "ERR Invalid quorum");
        return;
    }
    if (quorum <= 0) {
        reply_error(c, "ERR Quorum must be 1 or greater.");
        return;
    }
    if (!host_is_valid(app, argv[3])) {
        reply_error(c, "ERR Invalid IP address or hostname specified");
        return;
    }
    app_clock_update(app);
    struct master *m = core_master_add(app->core, argv[2], argv[3], (int)port, (int)quorum,
                                       &app->now);
    if (m == NULL) {
        reply_error(c, "ERR Duplicate master name.");
        return;
    }
    events_monitor(app, m);
    persist_and_reply(c);
}

void cmd_admin_remove(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    struct master *m = core_master_find(app->core, argv[2]);
    if (m == NULL) {
        reply_error(c, "ERR No such master with that name");
        return;
    }
    char text[512];
    snprintf(text, sizeof(text), "master %s %s %d", m->inst.name, m->inst.addr.host,
             m->inst.addr.port);
    struct core_action a = {.type = CORE_ACT_EVENT, .level = LOG_WARNING,
                            .event_type = "-monitor", .text = text};
    core_master_remove(app->core, m);
    events_emit(app, &a);
    persist_and_reply(c);
}

/* --- SENTINEL SET ------------------------------------------------------------ */

static int set_script(struct client *c, char **slot, const char *path, int is_notification)
{
    struct app *app = client_app(c);
    if (app->cfg->deny_scripts_reconfig) {
        reply_error(c, "ERR Reconfiguration of scripts path is denied for security reasons. "
                       "Check the deny-scripts-reconfig configuration directive in your "
                       "Sentinel configuration");
        return -1;
    }
    if (path[0] != '\0' && access(path, X_OK) != 0) {
        reply_error(c, is_notification
                           ? "ERR Notification script seems non existing or non executable"
                           : "ERR Client reconfiguration script seems non existing or non "
                             "executable");
        return -1;
    }
    free(*slot);
    *slot = path[0] != '\0' ? strdup(path) : NULL;
    return 0;
}

static int set_rename(struct master *m, const char *from, const char *to)
{
    for (size_t i = 0; i < m->rename_count; i++) {
        if (strcasecmp(m->renames[i].from, from) == 0) {
            free(m->renames[i].to);
            m->renames[i].to = strdup(to);
            return 0;
        }
    }
    struct rename *r = realloc(m->renames, (m->rename_count + 1) * sizeof(*r));
    if (r == NULL)
        return -1;
    m->renames = r;
    m->renames[m->rename_count].from = strdup(from);
    m->renames[m->rename_count].to = strdup(to);
    m->rename_count++;
    return 0;
}

/* Stores new credentials toward a master and its replicas and closes
 * their links, so the next connection uses them at once: Redis Sentinel
 * drops those connections when SENTINEL SET changes auth-pass/auth-user,
 * and a wrong password then shows as a disconnected master right away. */
static void set_auth(struct app *app, struct master *m, const char *user, const char *pass)
{
    /* Copies: the core frees the old strings before it stores the new. */
    char *u = user != NULL ? strdup(user) : NULL;
    char *p = pass != NULL ? strdup(pass) : NULL;
    core_master_set_auth(app->core, m, u, p);
    free(u);
    free(p);
    if (app->links == NULL)
        return;
    outlink_set_disconnect(app->links, m->inst.link->id);
    for (size_t i = 0; i < m->replica_count; i++)
        outlink_set_disconnect(app->links, m->replicas[i]->link->id);
}

enum set_result { SET_OK, SET_BAD_VALUE, SET_UNKNOWN, SET_REPLIED };

/* Applies one option; *used is how many arguments it took after its name. */
static enum set_result set_option(struct client *c, struct master *m, char **args, int left,
                                  int *used)
{
    struct app *app = client_app(c);
    const char *opt = args[0];
    const char *val = left > 1 ? args[1] : NULL;
    long long n = 0;
    *used = 1;
    if (val == NULL)
        return SET_UNKNOWN;
    if (!value_is_safe(val))
        return SET_BAD_VALUE;
    int numeric = strnum_ll(val, &n) == 0;
    if (strcasecmp(opt, "down-after-milliseconds") == 0) {
        if (!numeric || n <= 0)
            return SET_BAD_VALUE;
        core_master_set_down_after(m, n);
    } else if (strcasecmp(opt, "failover-timeout") == 0) {
        if (!numeric || n <= 0)
            return SET_BAD_VALUE;
        m->failover_timeout_ms = n;
    } else if (strcasecmp(opt, "parallel-syncs") == 0) {
        if (!numeric || n <= 0 || n > 1000000)
            return SET_BAD_VALUE;
        m->parallel_syncs = (int)n;
    } else if (strcasecmp(opt, "quorum") == 0) {
        if (!numeric || n <= 0 || n > 1000000)
            return SET_BAD_VALUE;
        m->quorum = (int)n;
    } else if (strcasecmp(opt, "master-reboot-down-after-period") == 0) {
        if (!numeric || n < 0)
            return SET_BAD_VALUE;
        m->master_reboot_down_after_ms = n;
    } else if (strcasecmp(opt, "replica-validity-time") == 0) {
        if (!numeric || n < 0)
            return SET_BAD_VALUE;
        m->replica_validity_ms = n;
    } else if (strcasecmp(opt, "min-failover-interval") == 0) {
        if (!numeric || n < 0)
            return SET_BAD_VALUE;
        m->min_failover_interval_ms = n;
    } else if (strcasecmp(opt, "auth-pass") == 0) {
        set_auth(app, m, m->auth_user, val[0] ? val : NULL);
    } else if (strcasecmp(opt, "auth-user") == 0) {
        set_auth(app, m, val[0] ? val : NULL, m->auth_pass);
    } else if (strcasecmp(opt, "notification-script") == 0) {
        if (set_script(c, &m->notification_script, val, 1) < 0)
            return SET_REPLIED;
    } else if (strcasecmp(opt, "client-reconfig-script") == 0) {
        if (set_script(c, &m->client_reconfig_script, val, 0) < 0)
            return SET_REPLIED;
    } else if (strcasecmp(opt, "rename-command") == 0) {
        if (left < 3 || !value_is_safe(args[2]) || strchr(val, ' ') || strchr(args[2], ' '))
            return left < 3 ? SET_UNKNOWN : SET_BAD_VALUE;
        *used = 2;
        if (set_rename(m, val, args[2]) < 0)
            return SET_BAD_VALUE;
    } else {
        return SET_UNKNOWN;
    }
    return SET_OK;
}

static void set_event(struct app *app, const struct master *m, char **args, int used)
{
    char text[1024];
    int secret = strcasecmp(args[0], "auth-pass") == 0;
    snprintf(text, sizeof(text), "master %s %s %d %s %s%s%s", m->inst.name, m->inst.addr.host,
             m->inst.addr.port, args[0], secret ? "******" : args[1], used > 1 ? " " : "",
             used > 1 ? args[2] : "");
    struct core_action a = {.type = CORE_ACT_EVENT, .level = LOG_WARNING, .event_type = "+set",
                            .text = text};
    events_emit(app, &a);
}

void cmd_admin_set(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    struct master *m = core_master_find(app->core, argv[2]);
    if (m == NULL) {
        reply_error(c, "ERR No such master with that name");
        return;
    }
    if (argc < 5) {
        reply_error(c, "ERR wrong number of arguments for 'sentinel|set' command");
        return;
    }
    int changed = 0;
    for (int i = 3; i < argc;) {
        int used = 1;
        enum set_result r = set_option(c, m, &argv[i], argc - i, &used);
        if (r == SET_UNKNOWN) {
            reply_errorf(c, "ERR Unknown option or number of arguments for SENTINEL SET '%s'",
                         argv[i]);
        } else if (r == SET_BAD_VALUE) {
            reply_errorf(c, "ERR Invalid argument '%s' for SENTINEL SET '%s'", argv[i + 1],
                         argv[i]);
        }
        if (r != SET_OK) {
            /* Options before the bad one stay applied, as in Redis; save them. */
            if (changed)
                app_persist(app, NULL, 0);
            return;
        }
        set_event(app, m, &argv[i], used);
        changed = 1;
        i += 1 + used;
    }
    persist_and_reply(c);
}

/* --- SENTINEL CONFIG ---------------------------------------------------------- */

static const char *const config_params[] = {
    "resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port",
    "sentinel-user", "sentinel-pass", "loglevel",
};

static const char *loglevel_name(enum core_log_level l)
{
    return l == LOG_DEBUG ? "debug" : l == LOG_VERBOSE ? "verbose"
                                    : l == LOG_NOTICE ? "notice" : "warning";
}

static void config_value(const struct app *app, const char *name, char *buf, size_t len)
{
    const struct config *cfg = app->cfg;
    if (strcmp(name, "resolve-hostnames") == 0)
        snprintf(buf, len, "%s", cfg->resolve_hostnames ? "yes" : "no");
    else if (strcmp(name, "announce-hostnames") == 0)
        snprintf(buf, len, "%s", cfg->announce_hostnames ? "yes" : "no");
    else if (strcmp(name, "announce-ip") == 0)
        snprintf(buf, len, "%s", cfg->announce_ip ? cfg->announce_ip : "");
    else if (strcmp(name, "announce-port") == 0)
        snprintf(buf, len, "%d", cfg->announce_port);
    else if (strcmp(name, "sentinel-user") == 0)
        snprintf(buf, len, "%s", cfg->sentinel_user ? cfg->sentinel_user : "");
    else if (strcmp(name, "sentinel-pass") == 0)
        snprintf(buf, len, "%s", cfg->sentinel_pass ? cfg->sentinel_pass : "");
    else
        snprintf(buf, len, "%s", loglevel_name(cfg->loglevel));
}

static void config_get(struct client *c, int argc, char **argv)
{
    size_t np = sizeof(config_params) / sizeof(config_params[0]);
    int matched[sizeof(config_params) / sizeof(config_params[0])] = {0};
    long long n = 0;
    for (int i = 3; i < argc; i++)
        for (size_t j = 0; j < np; j++)
            if (!matched[j] && fnmatch(argv[i], config_params[j], FNM_CASEFOLD) == 0) {
                matched[j] = 1;
                n++;
            }
    reply_map(c, n);
    for (size_t j = 0; j < np; j++) {
        if (!matched[j])
            continue;
        char val[512];
        config_value(client_app(c), config_params[j], val, sizeof(val));
        reply_cstr(c, config_params[j]);
        reply_cstr(c, val);
    }
}

static int yes_no(const char *v)
{
    return strcasecmp(v, "yes") == 0 ? 1 : strcasecmp(v, "no") == 0 ? 0 : -1;
}

static void replace_str(char **slot, const char *v)
{
    free(*slot);
    *slot = v[0] != '\0' ? strdup(v) : NULL;
}

enum config_check { CONFIG_VALID, CONFIG_UNKNOWN, CONFIG_BAD_VALUE };

/* Whether name is a SENTINEL CONFIG parameter and v a value it takes;
 * changes nothing, so that a call with one bad pair changes nothing. */
static enum config_check config_check_one(const char *name, const char *v)
{
    static const char *const levels[] = {"debug", "verbose", "notice", "warning"};
    size_t np = sizeof(config_params) / sizeof(config_params[0]);
    size_t j = 0;
    long long n;
    while (j < np && strcasecmp(name, config_params[j]) != 0)
        j++;
    if (j == np)
        return CONFIG_UNKNOWN;
    if (!value_is_safe(v))
        return CONFIG_BAD_VALUE;
    if (strcasecmp(name, "resolve-hostnames") == 0 || strcasecmp(name, "announce-hostnames") == 0)
        return yes_no(v) < 0 ? CONFIG_BAD_VALUE : CONFIG_VALID;
    if (strcasecmp(name, "announce-port") == 0)
        return strnum_ll(v, &n) < 0 || n < 0 || n > 65535 ? CONFIG_BAD_VALUE : CONFIG_VALID;
    if (strcasecmp(name, "loglevel") == 0) {
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
            if (strcasecmp(v, levels[i]) == 0)
                return CONFIG_VALID;
        return CONFIG_BAD_VALUE;
    }
    return CONFIG_VALID;
}

/* Applies one CONFIG SET pair to the config and the core.  Returns 0 or -1
 * for a value that does not fit the parameter. */
static int config_set_one(struct app *app, const char *name, const char *v)
{
    struct config *cfg = app->cfg;
    struct core_settings *st = &app->core->settings;
    long long n;
    if (!value_is_safe(v))
        return -1;
    if (strcasecmp(name, "resolve-hostnames") == 0 || strcasecmp(name, "announce-hostnames") == 0) {
        int b = yes_no(v);
        if (b < 0)
            return -1;
        if (strcasecmp(name, "resolve-hostnames") == 0)
            cfg->resolve_hostnames = b;
        else
            cfg->announce_hostnames = st->announce_hostnames = b;
    } else if (strcasecmp(name, "announce-ip") == 0) {
        replace_str(&cfg->announce_ip, v);
        replace_str(&st->announce_ip, v);
    } else if (strcasecmp(name, "announce-port") == 0) {
        if (strnum_ll(v, &n) < 0 || n < 0 || n > 65535)
            return -1;
        cfg->announce_port = st->announce_port = (int)n;
    } else if (strcasecmp(name, "sentinel-user") == 0) {
        replace_str(&cfg->sentinel_user, v);
        config_apply_peer_auth(cfg, st);
    } else if (strcasecmp(name, "sentinel-pass") == 0) {
        /* "" unsets it: requirepass is used again, as at start-up. */
        replace_str(&cfg->sentinel_pass, v);
        config_apply_peer_auth(cfg, st);
    } else if (strcasecmp(name, "loglevel") == 0) {
        static const char *const names[] = {"debug", "verbose", "notice", "warning"};
        int lvl = -1;
        for (int i = 0; i < 4; i++)
            if (strcasecmp(v, names[i]) == 0)
                lvl = i;
        if (lvl < 0)
            return -1;
        cfg->loglevel = (enum core_log_level)lvl;
        log_set_level(cfg->loglevel);
    } else {
        return -1;
    }
    return 0;
}

static const char config_usage[] =
    "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

/* SENTINEL CONFIG SET <param> <value> [<param> <value> ...]: several pairs
 * per call as Redis 7.2 takes them, with Redis 7.0's error texts.  All
 * pairs are checked before any is applied. */
static void config_set(struct client *c, int argc, char **argv)
{
    struct app *app = client_app(c);
    if (argc < 5 || (argc - 3) % 2 != 0) {
        reply_error(c, config_usage);
        return;
    }
    for (int i = 3; i < argc; i += 2) {
        enum config_check r = config_check_one(argv[i], argv[i + 1]);
        if (r == CONFIG_UNKNOWN) {
            reply_errorf(c, "ERR Invalid argument '%s' to SENTINEL CONFIG SET", argv[i]);
            return;
        }
        if (r == CONFIG_BAD_VALUE) {
            reply_errorf(c, "ERR Invalid value '%s' to SENTINEL CONFIG SET '%s'", argv[i + 1],
                         argv[i]);
            return;
        }
    }
    for (int i = 3; i < argc; i += 2)
        config_set_one(app, argv[i], argv[i + 1]);
    /* Peers' links pick up new credentials when they reconnect. */
    core_settings_changed(app->core);
    persist_and_reply(c);
}

void cmd_admin_config(struct client *c, int argc, char **argv)
{
    if (argc >= 4 && strcasecmp(argv[2], "get") == 0)
        config_get(c, argc, argv);
    else if (strcasecmp(argv[2], "set") == 0)
        config_set(c, argc, argv);
    else
        reply_error(c, config_usage);
}

/* --- SIMULATE-FAILURE, PENDING-SCRIPTS ---------------------------------------------- */

void cmd_admin_simulate_failure(struct client *c, int argc, char **argv)
{
    struct core *core = client_app(c)->core;
    /* Each call starts from no simulated failure and applies its words in
     * order, as Redis Sentinel does: HELP or an unknown word leaves only
     * the words before it in force, so "SIMULATE-FAILURE HELP" clears. */
    core->simulate_failure = 0;
    for (int i = 2; i < argc; i++) {
        if (strcasecmp(argv[i], "crash-after-election") == 0) {
            core->simulate_failure |= SIMFAIL_CRASH_AFTER_ELECTION;
        } else if (strcasecmp(argv[i], "crash-after-promotion") == 0) {
            core->simulate_failure |= SIMFAIL_CRASH_AFTER_PROMOTION;
        } else if (strcasecmp(argv[i], "help") == 0) {
            reply_array(c, 2);
            reply_cstr(c, "crash-after-election");
            reply_cstr(c, "crash-after-promotion");
            return;
        } else {
            reply_error(c, "ERR Unknown failure simulation specified");
            return;
        }
    }
    log_write(LOG_WARNING, "Failure simulation flags set to %u", core->simulate_failure);
    reply_ok(c);
}

void cmd_admin_pending_scripts(struct client *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct app *app = client_app(c);
    app_clock_update(app);
    scripts_reply_pending(app->scripts, c, app->now.mono_ms);
}

/* --- SENTINEL DEBUG ------------------------------------------------------------------ */

struct debug_param {
    const char *name;
    size_t offset;
};

#define DEBUG_PARAM(n, f) {n, offsetof(struct core_timing, f)}
static const struct debug_param debug_params[] = {
    DEBUG_PARAM("INFO-PERIOD", info_period_ms),
    DEBUG_PARAM("PING-PERIOD", ping_period_ms),
    DEBUG_PARAM("ASK-PERIOD", ask_period_ms),
    DEBUG_PARAM("PUBLISH-PERIOD", publish_period_ms),
    DEBUG_PARAM("DEFAULT-DOWN-AFTER", default_down_after_ms),
    DEBUG_PARAM("DEFAULT-FAILOVER-TIMEOUT", default_failover_timeout_ms),
    DEBUG_PARAM("TILT-TRIGGER", tilt_trigger_ms),
    DEBUG_PARAM("TILT-PERIOD", tilt_period_ms),
    DEBUG_PARAM("SLAVE-RECONF-TIMEOUT", replica_reconf_timeout_ms),
    DEBUG_PARAM("MIN-LINK-RECONNECT-PERIOD", min_link_reconnect_ms),
    DEBUG_PARAM("ELECTION-TIMEOUT", election_timeout_ms),
    DEBUG_PARAM("SCRIPT-MAX-RUNTIME", script_max_runtime_ms),
    DEBUG_PARAM("SCRIPT-RETRY-DELAY", script_retry_delay_ms),
};
#define DEBUG_PARAM_COUNT (sizeof(debug_params) / sizeof(debug_params[0]))

static int64_t *debug_slot(struct core *core, size_t i)
{
    return (int64_t *)((char *)&core->timing + debug_params[i].offset);
}

/* SENTINEL DEBUG [<param> <value> ...]: Redis Sentinel's timer knobs, so
 * tests written for it can shorten timers here too. */
void cmd_admin_debug(struct client *c, int argc, char **argv)
{
    struct core *core = client_app(c)->core;
    if (argc == 2) {
        reply_map(c, (long long)DEBUG_PARAM_COUNT);
        for (size_t i = 0; i < DEBUG_PARAM_COUNT; i++) {
            reply_cstr(c, debug_params[i].name);
            reply_bulkf(c, "%lld", (long long)*debug_slot(core, i));
        }
        return;
    }
    /* Validate everything first: a bad pair changes nothing. */
    int64_t values[DEBUG_PARAM_COUNT];
    for (size_t i = 0; i < DEBUG_PARAM_COUNT; i++)
        values[i] = *debug_slot(core, i);
    for (int j = 2; j < argc; j += 2) {
        size_t i = 0;
        while (i < DEBUG_PARAM_COUNT && strcasecmp(argv[j], debug_params[i].name) != 0)
            i++;
        if (i == DEBUG_PARAM_COUNT || j + 1 >= argc) {
            reply_errorf(c, "ERR Unknown option or number of arguments for SENTINEL DEBUG '%s'",
                         argv[j]);
            return;
        }
        long long v;
        if (strnum_ll(argv[j + 1], &v) < 0 || v <= 0) {
            reply_errorf(c, "ERR Invalid argument '%s' for SENTINEL DEBUG '%s'", argv[j + 1],
                         argv[j]);
            return;
        }
        values[i] = v;
    }
    for (size_t i = 0; i < DEBUG_PARAM_COUNT; i++)
        *debug_slot(core, i) = values[i];
    core->settings.script_max_exec_ms = core->timing.script_max_runtime_ms;
    reply_ok(c);
}
