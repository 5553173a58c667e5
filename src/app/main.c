/*
 * main.c - the program: arguments, start-up, the loop, shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "app/app.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/events.h"
#include "app/fsutil.h"
#include "app/http.h"
#include "app/log.h"
#include "app/scripts.h"
#include "app/sdnotify.h"
#include "app/version.h"
#include "net/outlink.h"
#include "net/server.h"
#include "net/tls.h"

#define TICK_MS 100

void app_clock_update(struct app *app)
{
    struct timespec mono, wall;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &wall);
    app->now.mono_ms = (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000;
    app->now.wall_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
}

int app_persist(struct app *app, char *err, size_t errlen)
{
    char buf[512];
    if (config_rewrite(app->cfg, app->core, buf, sizeof(buf)) < 0) {
        log_write(LOG_WARNING, "WARNING: Sentinel was not able to save the new "
                               "configuration on disk!!!: %s", buf);
        if (err != NULL)
            snprintf(err, errlen, "%s", buf);
        http_note_config_save(0);
        return -1;
    }
    http_note_config_save(1);
    log_write(LOG_NOTICE, "Sentinel new configuration saved on disk");
    return 0;
}

/* Actions are run in order; PERSISTs are coalesced but always happen
 * before the next thing anyone else can observe (a send, an event) and
 * before this function returns, so a vote is on disk before its reply.
 * A nested call (an action fed an event back) appends to the same list and
 * the outermost call runs it. */
int app_actions_run(struct app *app)
{
    static int depth;
    static int persist_pending;
    static int persist_failed;
    if (depth > 0)
        return 0;
    depth++;
    for (size_t i = 0; i < app->actions.count; i++) {
        struct core_action a = app->actions.items[i];
        if (a.type == CORE_ACT_PERSIST) {
            persist_pending = 1;
            continue;
        }
        if (a.type == CORE_ACT_PERSIST_LAZY) {
            app->persist_dirty = 1;
            continue;
        }
        if (persist_pending && a.type != CORE_ACT_LOG) {
            persist_pending = 0;
            if (app_persist(app, NULL, 0) < 0)
                persist_failed = 1;
        }
        switch (a.type) {
        case CORE_ACT_SEND:
            outlink_set_send(app->links, a.link_id, a.channel, a.tag, a.ctx, a.argc, a.argv);
            break;
        case CORE_ACT_EVENT:
            events_emit(app, &app->actions.items[i]);
            break;
        case CORE_ACT_LOG:
            log_write(a.level, "%s", a.text);
            break;
        case CORE_ACT_DISCONNECT:
            outlink_set_disconnect(app->links, a.link_id);
            break;
        case CORE_ACT_RECONFIG_SCRIPT:
            events_reconfig_script(app, &app->actions.items[i]);
            break;
        case CORE_ACT_CRASH:
            log_write(LOG_WARNING, "Simulated failure: exiting now");
            _exit(99);
        default:
            break;
        }
    }
    if (persist_pending) {
        persist_pending = 0;
        app->persist_dirty = 0;
        if (app_persist(app, NULL, 0) < 0)
            persist_failed = 1;
    }
    core_actions_reset(&app->actions);
    depth--;
    int failed = persist_failed;
    persist_failed = 0;
    return failed ? -1 : 0;
}

void app_feed(struct app *app, const struct core_event *ev)
{
    app_clock_update(app);
    core_step(app->core, &app->now, ev, &app->actions);
    app_actions_run(app);
}

void app_shutdown(struct app *app)
{
    if (app->shutting_down)
        return;
    app->shutting_down = 1;
    sdnotify_send("STOPPING=1");
    log_write(LOG_WARNING, "User requested shutdown...");
    app_persist(app, NULL, 0);
    event_base_loopexit(app->base, NULL);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct app *app = arg;
    app_clock_update(app);
    outlink_set_reconcile(app->links);
    struct core_event ev = {.type = CORE_EV_TICK};
    app_feed(app, &ev);
    if (app->persist_dirty) {
        app->persist_dirty = 0;
        app_persist(app, NULL, 0);
    }
    /* Ended scripts are reaped here, as Redis Sentinel does from its
     * timer: no SIGCHLD handler, and at most one tick of delay. */
    scripts_run(app->scripts, app->now.mono_ms, app->core->settings.script_max_exec_ms);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct app *app = arg;
    if (sig == SIGHUP) {
        log_reopen();
        return;
    }
    log_write(LOG_WARNING, "Received %s scheduling shutdown...",
              sig == SIGINT ? "SIGINT" : "SIGTERM");
    app_shutdown(app);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sentineld /path/to/sentinel.conf [--directive value]...\n"
            "       sentineld /path/to/sentinel.conf --test-config\n"
            "       sentineld --version | --help\n\n"
            "Every sentinel.conf directive may be given as --name value after\n"
            "the file (e.g. --port 26380).  --sentinel is accepted and ignored.\n"
            "--sentinel-addrs \"host:port,host:port\" adds static peer sentinels.\n");
}

static uint64_t random_seed(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    return seed;
}

static void random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[64];
    if (getrandom(bytes, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++)
            bytes[i] = (unsigned char)rand();
    for (size_t i = 0; i < n; i++)
        out[i] = hex[bytes[i] & 15];
    out[n] = '\0';
}

static int daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0)
        _exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    return 0;
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "we");
    if (f == NULL)
        return -1;
    fprintf(f, "%d\n", (int)getpid());
    return fclose(f);
}

/* --test-config: what start-up would refuse besides the file itself (ACL
 * rules naming unknown commands, TLS files that do not load), checked from
 * dir as start-up does.  Returns the exit status. */
static int app_test_config(const struct config *cfg)
{
    char err[512];
    const char *what = NULL;
    if (cfg->dir != NULL && chdir(cfg->dir) < 0) {
        snprintf(err, sizeof(err), "Can't chdir to '%s': %s", cfg->dir, strerror(errno));
        what = "dir";
    } else if (commands_acl_check(cfg->acl, err, sizeof(err)) < 0) {
        what = "ACL";
    }
    for (int client = 0; client < 2 && what == NULL; client++) {
        if (!(client ? cfg->tls_replication : cfg->tls_port != 0))
            continue;
        struct ssl_ctx_st *ctx = client ? tls_client_ctx_new(cfg, err, sizeof(err))
                                        : tls_server_ctx_new(cfg, err, sizeof(err));
        if (ctx == NULL)
            what = "TLS";
        tls_ctx_free(ctx);
    }
    if (what != NULL) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (sentineld %s) ***\n%s: %s\n",
                SENTINELD_VERSION, what, err);
        return 1;
    }
    printf("Configuration of %s is OK\n", cfg->path);
    return 0;
}

/* Loads the config and builds the core.  Returns 0, or the exit status. */
static int app_load(struct app *app, int argc, char **argv)
{
    char err[1024];
    app->cfg = calloc(1, sizeof(*app->cfg));
    config_defaults(app->cfg);
    const char *path = argc > 1 && strncmp(argv[1], "--", 2) != 0 ? argv[1] : NULL;
    if (path == NULL) {
        fprintf(stderr, "Sentinel needs config file on disk to save state. Exiting...\n");
        return 1;
    }
    if (config_load(app->cfg, path, argc - 2, argv + 2, err, sizeof(err)) < 0) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (sentineld %s) ***\n%s\n",
                SENTINELD_VERSION, err);
        return 1;
    }
    app_clock_update(app);
    app->core = core_new(app->cfg->myid, random_seed());
    if (config_apply(app->cfg, app->core, &app->now, err, sizeof(err)) < 0) {
        fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (sentineld %s) ***\n%s\n",
                SENTINELD_VERSION, err);
        return 1;
    }
    if (app->cfg->test_config)
        return app_test_config(app->cfg);
    return -1;
}

/* Descriptors kept for ourselves besides clients (log, listeners, links,
 * scripts), as redis-server keeps 32. */
#define APP_RESERVED_FDS 32

/* Raises the open-file limit to fit maxclients, or lowers maxclients to
 * fit the limit, saying so as redis-server does.  Returns -1 when not even
 * one client fits. */
static int app_fit_maxclients(struct config *cfg)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)cfg->maxclients + APP_RESERVED_FDS;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        log_write(LOG_WARNING, "Unable to obtain the current NOFILE limit (%s), assuming 1024 "
                  "and setting the max clients configuration accordingly.", strerror(errno));
        rl.rlim_cur = 1024;
    } else if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rlim_t old = rl.rlim_cur;
        rlim_t best = old;
        int err = 0;
        /* Try the whole amount, then less, down to what we have. */
        for (rlim_t try = want; try > old; try = try > 16 ? try - 16 : 0) {
            struct rlimit next = {try, rl.rlim_max > try ? rl.rlim_max : try};
            if (setrlimit(RLIMIT_NOFILE, &next) == 0) {
                best = try;
                break;
            }
            err = errno;
        }
        if (best < want) {
            log_write(LOG_WARNING, "You requested maxclients of %d requiring at least %llu max "
                      "file descriptors.", cfg->maxclients, (unsigned long long)want);
            log_write(LOG_WARNING, "Server can't set maximum open files to %llu because of OS "
                      "error: %s.", (unsigned long long)want, strerror(err));
        } else {
            log_write(LOG_NOTICE, "Increased maximum number of open files to %llu (it was "
                      "originally set to %llu).", (unsigned long long)want,
                      (unsigned long long)old);
        }
        rl.rlim_cur = best;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_cur <= APP_RESERVED_FDS) {
        log_write(LOG_WARNING, "Your current 'ulimit -n' of %llu is not enough for the server "
                  "to start. Please increase your open file limit to at least %llu. Exiting.",
                  (unsigned long long)rl.rlim_cur, (unsigned long long)want);
        return -1;
    }
    cfg->maxclients = (int)(rl.rlim_cur - APP_RESERVED_FDS);
    log_write(LOG_WARNING, "Current maximum open files is %llu. maxclients has been reduced to "
              "%d to compensate for low ulimit. If you need higher maxclients increase "
              "'ulimit -n'.", (unsigned long long)rl.rlim_cur, cfg->maxclients);
    return 0;
}

/* Builds the TLS contexts, then the plain and TLS listeners.  Runs after
 * the chdir into dir, so relative certificate paths mean what they mean
 * to redis-server.  Returns 0, or -1 after logging why. */
static int app_listen(struct app *app)
{
    char err[512];
    const struct config *cfg = app->cfg;
    const char *const *binds = (const char *const *)cfg->binds;
    if (cfg->port == 0 && cfg->tls_port == 0) {
        log_write(LOG_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    if ((cfg->tls_port != 0 &&
         (app->tls_server_ctx = tls_server_ctx_new(cfg, err, sizeof(err))) == NULL) ||
        (cfg->tls_replication &&
         (app->tls_client_ctx = tls_client_ctx_new(cfg, err, sizeof(err))) == NULL)) {
        log_write(LOG_WARNING, "Failed to configure TLS: %s", err);
        return -1;
    }
    app->server = server_new(app->base, app, binds, cfg->bind_count,
                             cfg->port != 0 ? cfg->port : SERVER_PORT_NONE, err, sizeof(err));
    if (app->server == NULL ||
        (cfg->tls_port != 0 && server_listen_tls(app->server, binds, cfg->bind_count,
                                                 cfg->tls_port, app->tls_server_ctx, err,
                                                 sizeof(err)) < 0)) {
        log_write(LOG_WARNING, "%s", err);
        return -1;
    }
    return 0;
}

static int app_start(struct app *app)
{
    char err[512];
    if (app->cfg->dir != NULL && chdir(app->cfg->dir) < 0) {
        fprintf(stderr, "Can't chdir to '%s': %s\n", app->cfg->dir, strerror(errno));
        return 1;
    }
    if (app->cfg->daemonize && daemonize() < 0)
        return 1;
    if (log_open(app->cfg->logfile, app->cfg->loglevel, app->cfg->log_format) < 0) {
        fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
        return 1;
    }
    app->scripts = scripts_new_for_app(app);
    if (app->scripts == NULL) {
        log_write(LOG_WARNING, "Out of memory creating the script runner");
        return 1;
    }
    if (app->cfg->pidfile != NULL && app->cfg->pidfile[0] != '\0')
        write_pidfile(app->cfg->pidfile);
    log_write(LOG_WARNING, "sentineld %s starting, pid=%d", SENTINELD_VERSION, (int)getpid());
    int stale = fsutil_remove_stale_temps(app->cfg->path);
    if (stale > 0)
        log_write(LOG_NOTICE, "Removed %d temp file(s) left by an interrupted config save", stale);
    if (app_fit_maxclients(app->cfg) < 0 || app_listen(app) < 0)
        return 1;
    if (app_persist(app, err, sizeof(err)) < 0) {
        log_write(LOG_WARNING, "Sentinel config file %s is not writable: %s. Exiting...",
                  app->cfg->path, err);
        return 1;
    }
    log_write(LOG_WARNING, "Sentinel ID is %s", app->core->myid);
    for (size_t i = 0; i < app->core->master_count; i++)
        events_monitor(app, app->core->masters[i]);
    /* HTTP port and systemd readiness: see http.h and sdnotify.h. */
    if (http_start(app, err, sizeof(err)) < 0) {
        log_write(LOG_WARNING, "%s", err);
        return 1;
    }
    if (sdnotify_sendf("READY=1\nSTATUS=Monitoring %zu master(s)\nMAINPID=%d",
                       app->core->master_count, (int)getpid()) < 0)
        log_write(LOG_WARNING, "Could not notify systemd of readiness: %s", strerror(errno));
    return -1;
}

static void app_free(struct app *app)
{
    http_stop();
    outlink_set_free(app->links);
    server_free(app->server);
    tls_ctx_free(app->tls_server_ctx);
    tls_ctx_free(app->tls_client_ctx);
    core_actions_free(&app->actions);
    scripts_free(app->scripts);
    core_free(app->core);
    if (app->cfg != NULL) {
        if (app->cfg->pidfile != NULL && app->cfg->pidfile[0] != '\0' && app->server != NULL)
            unlink(app->cfg->pidfile);
        config_clear(app->cfg);
        free(app->cfg);
    }
    if (app->tick_timer != NULL)
        event_free(app->tick_timer);
    if (app->base != NULL)
        event_base_free(app->base);
    events_free();
    log_close();
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
        printf("sentineld %s (Redis Sentinel protocol 7.0)\n", SENTINELD_VERSION);
        return 0;
    }
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    struct app app;
    memset(&app, 0, sizeof(app));
    random_hex(app.run_id, RUNID_LEN);
    int rc = app_load(&app, argc, argv);
    if (rc < 0) {
        app.base = event_base_new();
        app.links = outlink_set_new(app.base, &app);
        app_clock_update(&app);
        app.start_wall_ms = app.now.wall_ms;
        rc = app_start(&app);
    }
    if (rc < 0) {
        struct event *sigs[3];
        int signos[3] = {SIGTERM, SIGINT, SIGHUP};
        for (int i = 0; i < 3; i++) {
            sigs[i] = evsignal_new(app.base, signos[i], on_signal, &app);
            event_add(sigs[i], NULL);
        }
        app.tick_timer = event_new(app.base, -1, EV_PERSIST, on_tick, &app);
        struct timeval tv = {0, TICK_MS * 1000};
        event_add(app.tick_timer, &tv);
        on_tick(-1, 0, &app);
        event_base_dispatch(app.base);
        for (int i = 0; i < 3; i++)
            event_free(sigs[i]);
        rc = 0;
    }
    app_free(&app);
    return rc;
}
