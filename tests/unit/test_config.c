/*
 * test_config.c - sentinel.conf: line splitting, good and bad configs with
 * the file:line of every error, last-duplicate-wins, per-master lines
 * before their monitor line, command-line overrides, building the core,
 * and the in-place rewrite (round trip, comments and order kept, generated
 * state appended, quoting, atomic replacement that fails cleanly).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/config.h"
#include "app/fsutil.h"
#include "core/core.h"

#define MYID "0123456789abcdef0123456789abcdef01234567"
#define PEER_ID "89abcdef0123456789abcdef0123456789abcdef"
#define NOBODY_UID 65534

static const struct core_time NOW = {1000000, 1700000000000LL};

/* Parses text as "sentinel.conf" into *cfg (defaults first). */
static int parse(struct config *cfg, const char *text, char *err, size_t errlen)
{
    config_defaults(cfg);
    return config_parse_text(cfg, "sentinel.conf", text, strlen(text), err, errlen);
}

/* Parses text that must be good. */
static void parse_ok(struct config *cfg, const char *text)
{
    char err[512];
    int rc = parse(cfg, text, err, sizeof(err));
    if (rc != 0)
        fail_msg("unexpected error: %s", err);
}

/* Parses and applies text into a new core with a fixed id. */
static struct core *core_from(struct config *cfg, const char *text)
{
    char err[512];
    parse_ok(cfg, text);
    struct core *core = core_new(MYID, 1);
    assert_non_null(core);
    if (config_apply(cfg, core, &NOW, err, sizeof(err)) != 0)
        fail_msg("apply failed: %s", err);
    return core;
}

static char *render_fresh(const struct config *cfg, const struct core *core)
{
    char *text = config_render(cfg, core, NULL, 0);
    assert_non_null(text);
    return text;
}

/* --- splitting lines ---------------------------------------------------- */

static void assert_split(const char *line, int want_argc, const char *const *want)
{
    int argc;
    char **argv;
    const char *problem;
    assert_int_equal(config_split_line(line, strlen(line), &argc, &argv, &problem), 0);
    assert_int_equal(argc, want_argc);
    for (int i = 0; i < argc; i++)
        assert_string_equal(argv[i], want[i]);
    config_argv_free(argc, argv);
}

static void assert_split_fails(const char *line, size_t len, const char *want_problem)
{
    int argc;
    char **argv;
    const char *problem = NULL;
    assert_int_equal(config_split_line(line, len, &argc, &argv, &problem), -1);
    assert_string_equal(problem, want_problem);
    assert_null(argv);
}

static void test_split_words_and_quotes(void **state)
{
    const char *plain[] = {"sentinel", "monitor", "m", "10.0.0.1", "6379", "2"};
    assert_split("  sentinel   monitor\tm 10.0.0.1 6379 2 \r", 6, plain);
    const char *dq[] = {"requirepass", "a b\"c\\\n\r\t\b\a\x01\xff", "x"};
    assert_split("requirepass \"a b\\\"c\\\\\\n\\r\\t\\b\\a\\x01\\xFF\" x", 3, dq);
    const char *sq[] = {"logfile", "it's \\n here"};
    assert_split("logfile 'it\\'s \\n here'", 2, sq);
    const char *empty[] = {"pidfile", "", ""};
    assert_split("pidfile \"\" ''", 3, empty);
    /* A quote inside a word opens a quoted part of the same word. */
    const char *mid[] = {"dir", "/tmp/a b"};
    assert_split("dir /tmp/\"a b\"", 2, mid);
    /* An unknown escape stands for the character; \x without hex is x. */
    const char *esc[] = {"x", "qxz"};
    assert_split("x \"\\q\\xz\"", 2, esc);
    assert_split("", 0, NULL);
    assert_split("   \t ", 0, NULL);
    assert_split("# sentinel monitor m 1.2.3.4 1 1", 0, NULL);
    assert_split("   #comment", 0, NULL);
    const char *hash[] = {"requirepass", "#notacomment"};
    assert_split("requirepass #notacomment", 2, hash);
}

static void test_split_errors(void **state)
{
    assert_split_fails("requirepass \"abc", 16, "unbalanced quotes in configuration line");
    assert_split_fails("requirepass 'abc", 16, "unbalanced quotes in configuration line");
    assert_split_fails("requirepass \"abc\\\"", 18, "unbalanced quotes in configuration line");
    assert_split_fails("requirepass \"abc\"def", 20, "closing quote must be followed by a space");
    assert_split_fails("requirepass \"a\\x00b\"", 20, "NUL byte in line");
    assert_split_fails("port 1\0002", 8, "NUL byte in line");
}

/* --- defaults and good configs ------------------------------------------ */

static void test_defaults(void **state)
{
    struct config cfg;
    config_defaults(&cfg);
    assert_int_equal(cfg.port, 26379);
    assert_int_equal(cfg.protected_mode, 0);
    assert_int_equal(cfg.loglevel, LOG_NOTICE);
    assert_int_equal(cfg.log_format, LOG_FORMAT_REDIS);
    assert_string_equal(cfg.logfile, "");
    assert_string_equal(cfg.dir, ".");
    assert_int_equal(cfg.deny_scripts_reconfig, 1);
    assert_int_equal(cfg.script_max_exec_ms, 60000);
    assert_int_equal(cfg.http_port, 0);
    assert_null(cfg.myid);
    assert_int_equal(cfg.master_count, 0);
    config_clear(&cfg);
    config_clear(&cfg); /* a cleared struct is zeroed: clearing again is safe */
}

static const char GOOD[] = "# a full config\n"
                           "PORT 26380\n"
                           "bind 127.0.0.1 ::1\n"
                           "protected-mode yes\n"
                           "daemonize no\n"
                           "pidfile /var/run/sentinel.pid\n"
                           "logfile \"/var/log/sentinel.log\"\n"
                           "loglevel nothing\n"
                           "log-format json\n"
                           "dir /tmp\n"
                           "requirepass 'sec ret'\n"
                           "user default on nopass ~* &* +@all\n"
                           "http-port 9121\n"
                           "http-bind 127.0.0.1\n"
                           "\n"
                           "Sentinel Monitor mymaster 10.0.0.1 6379 2\n"
                           "sentinel down-after-milliseconds mymaster 5000\n"
                           "sentinel failover-timeout mymaster 60000\n"
                           "sentinel parallel-syncs mymaster 3\n"
                           "sentinel auth-pass mymaster pw\n"
                           "sentinel auth-user mymaster app\n"
                           "sentinel notification-script mymaster /bin/true\n"
                           "sentinel client-reconfig-script mymaster /bin/false\n"
                           "sentinel rename-command mymaster CONFIG MYCONFIG\n"
                           "sentinel rename-command mymaster config OTHERCONFIG\n"
                           "sentinel config-epoch mymaster 4\n"
                           "sentinel leader-epoch mymaster 5\n"
                           "sentinel known-replica mymaster 10.0.0.2 6379\n"
                           "sentinel known-slave mymaster 10.0.0.3 6379\n"
                           "sentinel known-slave mymaster 10.0.0.3 6379\n"
                           "sentinel known-sentinel mymaster 10.0.0.4 26379 " PEER_ID "\n"
                           "sentinel master-reboot-down-after-period mymaster 1000\n"
                           "sentinel replica-validity-time mymaster 2000\n"
                           "sentinel min-failover-interval mymaster 3000\n"
                           "sentinel myid " MYID "\n"
                           "sentinel current-epoch 5\n"
                           "sentinel deny-scripts-reconfig no\n"
                           "sentinel resolve-hostnames yes\n"
                           "sentinel announce-hostnames yes\n"
                           "sentinel announce-ip 192.168.0.9\n"
                           "sentinel announce-port 26390\n"
                           "sentinel sentinel-user peer\n"
                           "sentinel sentinel-pass peerpw\n"
                           "sentinel script-max-execution-time 5000\n"
                           "sentinel peer 10.0.0.8 26379\n"
                           "sentinel peer 10.0.0.8 26379\n"
                           "sentinel\n";

static void test_good_config(void **state)
{
    struct config cfg;
    parse_ok(&cfg, GOOD);
    assert_int_equal(cfg.port, 26380);
    assert_int_equal(cfg.bind_count, 2);
    assert_string_equal(cfg.binds[1], "::1");
    assert_int_equal(cfg.protected_mode, 1);
    assert_string_equal(cfg.pidfile, "/var/run/sentinel.pid");
    assert_string_equal(cfg.logfile, "/var/log/sentinel.log");
    assert_int_equal(cfg.loglevel, LOG_WARNING);
    assert_int_equal(cfg.log_format, LOG_FORMAT_JSON);
    assert_string_equal(cfg.dir, "/tmp");
    assert_string_equal(cfg.requirepass, "sec ret");
    assert_int_equal(cfg.http_port, 9121);
    assert_string_equal(cfg.http_bind, "127.0.0.1");
    assert_string_equal(cfg.myid, MYID);
    assert_int_equal(cfg.current_epoch, 5);
    assert_int_equal(cfg.deny_scripts_reconfig, 0);
    assert_int_equal(cfg.resolve_hostnames, 1);
    assert_int_equal(cfg.announce_hostnames, 1);
    assert_string_equal(cfg.announce_ip, "192.168.0.9");
    assert_int_equal(cfg.announce_port, 26390);
    assert_string_equal(cfg.sentinel_user, "peer");
    assert_string_equal(cfg.sentinel_pass, "peerpw");
    assert_int_equal(cfg.script_max_exec_ms, 5000);
    assert_int_equal(cfg.peer_count, 1);
    assert_string_equal(cfg.peers[0].host, "10.0.0.8");

    assert_int_equal(cfg.master_count, 1);
    struct config_master *m = &cfg.masters[0];
    assert_string_equal(m->name, "mymaster");
    assert_string_equal(m->host, "10.0.0.1");
    assert_int_equal(m->port, 6379);
    assert_int_equal(m->quorum, 2);
    assert_int_equal(m->line, 16);
    assert_int_equal(m->down_after_ms, 5000);
    assert_int_equal(m->failover_timeout_ms, 60000);
    assert_int_equal(m->parallel_syncs, 3);
    assert_string_equal(m->auth_pass, "pw");
    assert_string_equal(m->auth_user, "app");
    assert_string_equal(m->notification_script, "/bin/true");
    assert_string_equal(m->client_reconfig_script, "/bin/false");
    assert_int_equal(m->rename_count, 1); /* a command's later rename wins */
    assert_string_equal(m->renames[0].to, "OTHERCONFIG");
    assert_int_equal(m->config_epoch, 4);
    assert_int_equal(m->leader_epoch, 5);
    assert_int_equal(m->replica_count, 2);
    assert_string_equal(m->replicas[1].host, "10.0.0.3");
    assert_int_equal(m->sentinel_count, 1);
    assert_string_equal(m->sentinels[0].runid, PEER_ID);
    assert_int_equal(m->master_reboot_down_after_ms, 1000);
    assert_int_equal(m->replica_validity_ms, 2000);
    assert_int_equal(m->min_failover_interval_ms, 3000);
    config_clear(&cfg);
}

/* Every directive a plain redis-server 7.0 accepts loads (and is ignored). */
static void test_redis_server_directives_accepted(void **state)
{
    char path[PATH_MAX];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof(path), "%.*s/data/redis-server-directives.conf",
             slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
    char *text;
    size_t len;
    if (fsutil_read_file(path, &text, &len) != 0)
        fail_msg("can't read %s: %s", path, strerror(errno));
    struct config cfg;
    char err[512];
    config_defaults(&cfg);
    int rc = config_parse_text(&cfg, path, text, len, err, sizeof(err));
    if (rc != 0)
        fail_msg("%s", err);
    assert_true(strstr(text, "\nrepl-diskless-sync-delay ") != NULL);
    assert_true(strstr(text, "\nslaveof ") != NULL);
    free(text);
    config_clear(&cfg);
}

/* --- bad lines ---------------------------------------------------------- */

struct bad_case {
    const char *line;
    const char *error; /* the expected message, after "sentinel.conf:3: " */
};

static const struct bad_case BAD[] = {
    {"frobnicate yes", "unknown directive 'frobnicate'"},
    {"sentinel frobnicate mymaster 1", "unknown directive 'sentinel frobnicate'"},
    {"port", "wrong number of arguments for 'port'"},
    {"port 1 2", "wrong number of arguments for 'port'"},
    {"port abc", "invalid port 'abc'"},
    {"port 70000", "invalid port '70000'"},
    {"tls-port 70000", "invalid port '70000'"},
    {"port -1", "invalid port '-1'"},
    {"appendonly", "wrong number of arguments for 'appendonly'"},
    {"protected-mode maybe", "argument of 'protected-mode' must be 'yes' or 'no', not 'maybe'"},
    {"loglevel loud", "invalid loglevel 'loud' (debug, verbose, notice or warning)"},
    {"log-format xml", "invalid log-format 'xml' (redis or json)"},
    {"include /etc/other.conf", "'include' is not supported: put the directives in this file"},
    {"bind a b c d e f g h i j k l m n o p q", "Too many bind addresses specified."},
    {"requirepass \"abc", "unbalanced quotes in configuration line"},
    {"requirepass \"abc\"def", "closing quote must be followed by a space"},
    {"http-port 65536", "invalid port '65536'"},
    {"sentinel monitor other 127.0.0.1 6380", "wrong number of arguments for 'sentinel monitor'"},
    {"sentinel monitor other 127.0.0.1 6380 0", "Quorum must be 1 or greater."},
    {"sentinel monitor other 127.0.0.1 6380 abc", "Quorum must be 1 or greater."},
    {"sentinel monitor other 127.0.0.1 0 2", "invalid port '0'"},
    {"sentinel monitor mymaster 127.0.0.1 6380 2", "Duplicate master name."},
    {"sentinel monitor 'my master' 127.0.0.1 6380 2", "invalid master name 'my master'"},
    {"sentinel monitor \"a\\nb\" 127.0.0.1 6380 2", "invalid master name 'a\nb'"},
    {"sentinel down-after-milliseconds mymaster",
     "wrong number of arguments for 'sentinel down-after-milliseconds'"},
    {"sentinel down-after-milliseconds mymaster abc",
     "invalid value 'abc' for 'sentinel down-after-milliseconds' (milliseconds, at least 1)"},
    {"sentinel down-after-milliseconds mymaster 0",
     "invalid value '0' for 'sentinel down-after-milliseconds' (milliseconds, at least 1)"},
    {"sentinel failover-timeout mymaster -5",
     "invalid value '-5' for 'sentinel failover-timeout' (milliseconds, at least 1)"},
    {"sentinel parallel-syncs mymaster 0",
     "invalid value '0' for 'sentinel parallel-syncs' (at least 1)"},
    {"sentinel replica-validity-time mymaster -1",
     "invalid value '-1' for 'sentinel replica-validity-time' (milliseconds, at least 0)"},
    {"sentinel config-epoch mymaster x", "invalid epoch 'x' for 'sentinel config-epoch'"},
    {"sentinel leader-epoch mymaster -1", "invalid epoch '-1' for 'sentinel leader-epoch'"},
    {"sentinel current-epoch 1x", "invalid epoch '1x' for 'sentinel current-epoch'"},
    {"sentinel known-replica mymaster 10.0.0.1 port", "invalid port 'port'"},
    {"sentinel known-sentinel mymaster 10.0.0.1 26379 xyz", "invalid run id 'xyz'"},
    {"sentinel known-sentinel mymaster 10.0.0.1", "wrong number of arguments for "
                                                  "'sentinel known-sentinel'"},
    {"sentinel myid abc", "Malformed Sentinel id in myid option."},
    {"sentinel myid 0123456789abcdef0123456789abcdef0123456z",
     "Malformed Sentinel id in myid option."},
    {"sentinel announce-port 65536", "invalid port '65536'"},
    {"sentinel resolve-hostnames 1",
     "argument of 'sentinel resolve-hostnames' must be 'yes' or 'no', not '1'"},
    {"sentinel script-max-execution-time 0",
     "invalid value '0' for 'sentinel script-max-execution-time' (milliseconds, at least 1)"},
    {"sentinel peer 10.0.0.1 x", "invalid port 'x'"},
    {"sentinel rename-command mymaster \"\" X", "empty command name in 'sentinel rename-command'"},
    {"sentinel down-after-milliseconds nosuch 1000", "No such master with specified name."},
};

/* Each bad line, as line 3 of an otherwise good file, is refused with
 * the file name, that line number and the problem. */
static void test_bad_lines(void **state)
{
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        char text[512], err[512], want[512];
        snprintf(text, sizeof(text),
                 "sentinel monitor mymaster 127.0.0.1 6379 2\n# comment\n%s\nport 26380\n",
                 BAD[i].line);
        snprintf(want, sizeof(want), "sentinel.conf:3: %s", BAD[i].error);
        struct config cfg;
        assert_int_equal(parse(&cfg, text, err, sizeof(err)), -1);
        if (strcmp(err, want) != 0)
            fail_msg("line '%s':\n got  '%s'\n want '%s'", BAD[i].line, err, want);
        config_clear(&cfg);
    }
}

/* A per-master line for a master that never gets a monitor line is an
 * error at its own line, even when later lines are fine. */
static void test_unknown_master_names_its_line(void **state)
{
    struct config cfg;
    char err[256];
    const char *text = "sentinel parallel-syncs ghost 2\n"
                       "sentinel monitor mymaster 127.0.0.1 6379 2\n"
                       "sentinel parallel-syncs mymaster 2\n";
    assert_int_equal(parse(&cfg, text, err, sizeof(err)), -1);
    assert_string_equal(err, "sentinel.conf:1: No such master with specified name.");
    config_clear(&cfg);
    /* The last line of a file without a trailing newline still counts. */
    assert_int_equal(parse(&cfg, "port 1\nport x", err, sizeof(err)), -1);
    assert_string_equal(err, "sentinel.conf:2: invalid port 'x'");
    config_clear(&cfg);
}

/* --- precedence --------------------------------------------------------- */

static void test_last_duplicate_wins(void **state)
{
    struct config cfg;
    parse_ok(&cfg, "port 26380\n"
                   "sentinel down-after-milliseconds mymaster 1111\n"
                   "sentinel monitor mymaster 127.0.0.1 6379 2\n"
                   "sentinel down-after-milliseconds mymaster 2222\n"
                   "bind 10.0.0.1 10.0.0.2\n"
                   "loglevel debug\n"
                   "sentinel auth-pass mymaster first\n"
                   "port 26381\n"
                   "bind 127.0.0.1\n"
                   "sentinel auth-pass mymaster second\n"
                   "loglevel warning\n"
                   "sentinel announce-ip 10.1.1.1\n"
                   "sentinel announce-ip \"\"\n");
    assert_int_equal(cfg.port, 26381);
    assert_int_equal(cfg.bind_count, 1);
    assert_string_equal(cfg.binds[0], "127.0.0.1");
    assert_int_equal(cfg.loglevel, LOG_WARNING);
    assert_null(cfg.announce_ip); /* "" unsets */
    assert_int_equal(cfg.masters[0].down_after_ms, 2222);
    assert_string_equal(cfg.masters[0].auth_pass, "second");
    config_clear(&cfg);
}

/* Per-master lines may come before their monitor line; they keep their
 * order, so the last one still wins. */
static void test_per_master_lines_before_monitor(void **state)
{
    struct config cfg;
    parse_ok(&cfg, "sentinel down-after-milliseconds mymaster 1234\n"
                   "sentinel parallel-syncs mymaster 3\n"
                   "sentinel known-replica mymaster 10.0.0.2 6379\n"
                   "sentinel known-sentinel other 10.0.0.4 26379 " PEER_ID "\n"
                   "sentinel config-epoch other 9\n"
                   "sentinel monitor mymaster 127.0.0.1 6379 1\n"
                   "sentinel parallel-syncs mymaster 4\n"
                   "sentinel monitor other 127.0.0.2 6380 2\n");
    assert_int_equal(cfg.master_count, 2);
    struct config_master *m = &cfg.masters[0], *o = &cfg.masters[1];
    assert_int_equal(m->down_after_ms, 1234);
    assert_int_equal(m->parallel_syncs, 4);
    assert_int_equal(m->quorum, 1);
    assert_int_equal(m->replica_count, 1);
    assert_int_equal(o->config_epoch, 9);
    assert_int_equal(o->sentinel_count, 1);
    assert_int_equal(o->down_after_ms, 30000);
    config_clear(&cfg);
}

/* --- loading a file with command-line overrides ------------------------- */

struct tmp {
    char dir[PATH_MAX];
    char file[PATH_MAX + 32];
};

static int setup_tmp(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));
    const char *base = getenv("TMPDIR");
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof(t->dir), "%s/test_config.XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->file, sizeof(t->file), "%s/sentinel.conf", t->dir);
    *state = t;
    return 0;
}

static int teardown_tmp(void **state)
{
    struct tmp *t = *state;
    chmod(t->dir, 0700);
    DIR *d = opendir(t->dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[PATH_MAX * 2];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", t->dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
    char *text;
    size_t len;
    if (fsutil_read_file(path, &text, &len) != 0)
        fail_msg("can't read %s: %s", path, strerror(errno));
    return text;
}

static int count_dir_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int load(struct config *cfg, const char *path, int argc, char **argv, char *err,
                size_t errlen)
{
    config_defaults(cfg);
    return config_load(cfg, path, argc, argv, err, errlen);
}

static void test_load_with_overrides(void **state)
{
    struct tmp *t = *state;
    write_file(t->file, "port 26379\n"
                        "sentinel parallel-syncs other 2\n"
                        "sentinel monitor mymaster 127.0.0.1 6379 2\n");
    char *argv[] = {"--sentinel",
                    "--port",
                    "26380",
                    "--loglevel",
                    "debug",
                    "--sentinel",
                    "down-after-milliseconds",
                    "mymaster",
                    "1500",
                    "--sentinel",
                    "monitor",
                    "other",
                    "127.0.0.1",
                    "6380",
                    "1",
                    "--requirepass",
                    "--secret--",
                    "--bind",
                    "127.0.0.1",
                    "::1",
                    "--sentinel-addrs",
                    "10.0.0.1:26379,[::1]:26380",
                    "--test-config",
                    "--save",
                    "--appendonly",
                    "no",
                    "--logfile",
                    "with space.log"};
    int argc = (int)(sizeof(argv) / sizeof(argv[0]));
    struct config cfg;
    char err[512];
    if (load(&cfg, t->file, argc, argv, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(cfg.path, t->file);
    assert_int_equal(cfg.port, 26380);
    assert_int_equal(cfg.loglevel, LOG_DEBUG);
    assert_string_equal(cfg.requirepass, "--secret--"); /* Redis takes it as the value */
    assert_int_equal(cfg.bind_count, 2);
    assert_int_equal(cfg.test_config, 1);
    assert_string_equal(cfg.logfile, "with space.log");
    assert_int_equal(cfg.peer_count, 2);
    assert_string_equal(cfg.peers[0].host, "10.0.0.1");
    assert_int_equal(cfg.peers[0].port, 26379);
    assert_string_equal(cfg.peers[1].host, "::1");
    assert_int_equal(cfg.peers[1].port, 26380);
    assert_int_equal(cfg.master_count, 2);
    assert_int_equal(cfg.masters[0].down_after_ms, 1500);
    /* The file's line for "other" waited for the command line's monitor. */
    assert_string_equal(cfg.masters[1].name, "other");
    assert_int_equal(cfg.masters[1].parallel_syncs, 2);
    config_clear(&cfg);

    /* "--port 26381" as one word, as Redis also accepts. */
    write_file(t->file, "port 26379\n");
    char *one[] = {"--port 26381"};
    if (load(&cfg, t->file, 1, one, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(cfg.port, 26381);
    config_clear(&cfg);
}

static void test_load_override_errors(void **state)
{
    struct tmp *t = *state;
    write_file(t->file, "sentinel monitor mymaster 127.0.0.1 6379 2\n");
    struct config cfg;
    char err[512];
    char *bad_port[] = {"--port", "26380", "--port", "abc"};
    assert_int_equal(load(&cfg, t->file, 4, bad_port, err, sizeof(err)), -1);
    assert_string_equal(err, "(command line):2: invalid port 'abc'");
    config_clear(&cfg);
    char *extra[] = {"--port", "26380", "extra"};
    assert_int_equal(load(&cfg, t->file, 3, extra, err, sizeof(err)), -1);
    assert_string_equal(err, "(command line):1: wrong number of arguments for 'port'");
    config_clear(&cfg);
    char *stray[] = {"stray"};
    assert_int_equal(load(&cfg, t->file, 1, stray, err, sizeof(err)), -1);
    assert_string_equal(
        err, "(command line):1: unexpected argument 'stray' (options are --name value...)");
    config_clear(&cfg);
    char *unknown[] = {"--sentinel", "down-after-milliseconds", "nosuch", "10"};
    assert_int_equal(load(&cfg, t->file, 4, unknown, err, sizeof(err)), -1);
    assert_string_equal(err, "(command line):1: No such master with specified name.");
    config_clear(&cfg);
    char *addrs[] = {"--sentinel-addrs", "10.0.0.1"};
    assert_int_equal(load(&cfg, t->file, 2, addrs, err, sizeof(err)), -1);
    assert_string_equal(
        err, "(command line):1: invalid address '10.0.0.1' in sentinel-addrs (host:port)");
    config_clear(&cfg);
}

static void test_load_refusals(void **state)
{
    struct tmp *t = *state;
    struct config cfg;
    char err[512], want[PATH_MAX + 128];
    assert_int_equal(load(&cfg, NULL, 0, NULL, err, sizeof(err)), -1);
    assert_string_equal(err, "Sentinel needs config file on disk to save state. Exiting...");
    config_clear(&cfg);
    snprintf(want, sizeof(want),
             "Fatal error, can't open config file '%s': No such file or directory", t->file);
    assert_int_equal(load(&cfg, t->file, 0, NULL, err, sizeof(err)), -1);
    assert_string_equal(err, want);
    config_clear(&cfg);
    /* Scripts must be executable when the file is loaded (Redis checks). */
    char script[PATH_MAX + 32];
    snprintf(script, sizeof(script), "%s/notify.sh", t->dir);
    write_file(script, "#!/bin/sh\n");
    chmod(script, 0644);
    char text[PATH_MAX * 2];
    snprintf(text, sizeof(text),
             "sentinel monitor mymaster 127.0.0.1 6379 2\n"
             "sentinel notification-script mymaster %s\n",
             script);
    write_file(t->file, text);
    if (geteuid() != 0) {
        snprintf(want, sizeof(want),
                 "%s:2: Notification script seems non existing or non executable.", t->file);
        assert_int_equal(load(&cfg, t->file, 0, NULL, err, sizeof(err)), -1);
        assert_string_equal(err, want);
        config_clear(&cfg);
    }
    chmod(script, 0755);
    assert_int_equal(load(&cfg, t->file, 0, NULL, err, sizeof(err)), 0);
    config_clear(&cfg);
    /* Parsing alone is pure: it checks nothing on disk. */
    parse_ok(&cfg, "sentinel monitor m 127.0.0.1 6379 2\n"
                   "sentinel client-reconfig-script m /nonexistent/script\n");
    config_clear(&cfg);
}

/* The path is made absolute against the start-up directory, because the
 * daemon chdirs into `dir` later. */
static void test_load_makes_path_absolute(void **state)
{
    struct tmp *t = *state;
    write_file(t->file, "port 26380\n");
    int cwd = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(cwd >= 0);
    assert_int_equal(chdir(t->dir), 0);
    struct config cfg;
    char err[512];
    int rc = load(&cfg, "./sentinel.conf", 0, NULL, err, sizeof(err));
    assert_int_equal(fchdir(cwd), 0);
    close(cwd);
    assert_int_equal(rc, 0);
    char real[PATH_MAX];
    assert_non_null(realpath(t->dir, real));
    char want[PATH_MAX + 32];
    snprintf(want, sizeof(want), "%s/sentinel.conf", real);
    assert_string_equal(cfg.path, want);
    config_clear(&cfg);
}

/* --- building the core -------------------------------------------------- */

static void test_apply_builds_the_core(void **state)
{
    struct config cfg;
    struct core *core = core_from(&cfg, GOOD);
    assert_string_equal(core->myid, MYID);
    assert_int_equal(core->current_epoch, 5);
    assert_int_equal(core->settings.port, 26380);
    assert_string_equal(core->settings.announce_ip, "192.168.0.9");
    assert_int_equal(core->settings.announce_port, 26390);
    assert_int_equal(core->settings.announce_hostnames, 1);
    assert_string_equal(core->settings.sentinel_user, "peer");
    assert_string_equal(core->settings.sentinel_pass, "peerpw");
    assert_int_equal(core->settings.script_max_exec_ms, 5000);
    assert_int_equal(core->peer_count, 1);
    assert_int_equal(core->peers[0].addr.port, 26379);

    struct master *m = core_master_find(core, "mymaster");
    assert_non_null(m);
    assert_int_equal(m->quorum, 2);
    assert_string_equal(core_master_addr(m)->host, "10.0.0.1");
    assert_int_equal(m->inst.down_after_ms, 5000);
    assert_int_equal(m->failover_timeout_ms, 60000);
    assert_int_equal(m->parallel_syncs, 3);
    assert_int_equal(m->config_epoch, 4);
    assert_int_equal(m->leader_epoch, 5);
    assert_int_equal(m->master_reboot_down_after_ms, 1000);
    assert_int_equal(m->replica_validity_ms, 2000);
    assert_int_equal(m->min_failover_interval_ms, 3000);
    assert_string_equal(m->auth_user, "app");
    assert_string_equal(m->auth_pass, "pw");
    assert_string_equal(m->notification_script, "/bin/true");
    assert_string_equal(m->client_reconfig_script, "/bin/false");
    assert_int_equal(m->rename_count, 1);
    assert_string_equal(m->renames[0].from, "CONFIG");
    assert_int_equal(m->replica_count, 2);
    /* Known instances inherit the master's down-after and auth. */
    for (size_t i = 0; i < m->replica_count; i++) {
        assert_int_equal(m->replicas[i]->down_after_ms, 5000);
        assert_string_equal(m->replicas[i]->link->auth_pass, "pw");
    }
    assert_int_equal(m->sentinel_count, 1);
    assert_string_equal(m->sentinels[0]->runid, PEER_ID);
    assert_int_equal(m->sentinels[0]->down_after_ms, 5000);
    assert_string_equal(m->sentinels[0]->link->auth_pass, "peerpw");
    core_free(core);
    config_clear(&cfg);
}

static void test_apply_without_myid_keeps_the_new_one(void **state)
{
    struct config cfg;
    char err[256];
    parse_ok(&cfg, "sentinel monitor m 127.0.0.1 6379 1\n");
    struct core *core = core_new(NULL, 42);
    char drawn[RUNID_LEN + 1];
    memcpy(drawn, core->myid, sizeof(drawn));
    assert_int_equal(config_apply(&cfg, core, &NOW, err, sizeof(err)), 0);
    assert_string_equal(core->myid, drawn);
    assert_int_equal(strlen(core->myid), RUNID_LEN);
    core_free(core);
    config_clear(&cfg);
}

/* --- rendering ---------------------------------------------------------- */

/* Rendering then parsing gives the same state back: the second render
 * equals the first. */
static void assert_round_trip(const char *text)
{
    struct config a, b;
    struct core *ca = core_from(&a, text);
    char *first = render_fresh(&a, ca);
    struct core *cb = core_from(&b, first);
    char *second = render_fresh(&b, cb);
    assert_string_equal(first, second);
    free(first);
    free(second);
    core_free(ca);
    core_free(cb);
    config_clear(&a);
    config_clear(&b);
}

static void test_render_round_trip(void **state)
{
    assert_round_trip(GOOD);
    assert_round_trip("sentinel monitor m 127.0.0.1 6379 1\n");
    assert_round_trip("");
}

/* A fresh render writes generated state and what differs from defaults,
 * and nothing at its default. */
static void test_render_fresh(void **state)
{
    struct config cfg;
    struct core *core = core_from(&cfg, "port 26379\n"
                                        "loglevel notice\n"
                                        "sentinel monitor m 127.0.0.1 6379 1\n"
                                        "sentinel failover-timeout m 180000\n"
                                        "sentinel down-after-milliseconds m 1000\n");
    char *text = render_fresh(&cfg, core);
    assert_string_equal(text, "# Generated by CONFIG REWRITE\n"
                              "sentinel myid " MYID "\n"
                              "sentinel monitor m 127.0.0.1 6379 1\n"
                              "sentinel down-after-milliseconds m 1000\n"
                              "sentinel config-epoch m 0\n"
                              "sentinel leader-epoch m 0\n"
                              "sentinel current-epoch 0\n");
    free(text);
    core_free(core);
    config_clear(&cfg);
}

static const char OLD[] = "# Sentinel for the shop\n"
                          "port 26380\n"
                          "\n"
                          "sentinel monitor mymaster 10.0.0.1 6379 2\n"
                          "sentinel down-after-milliseconds mymaster 5000\n"
                          "# keep me\n"
                          "sentinel failover-timeout mymaster 180000\n"
                          "repl-diskless-sync-delay 5\n"
                          "sentinel known-slave mymaster 10.0.0.9 6379\n"
                          "sentinel monitor gone 10.0.0.5 6379 1\n"
                          "sentinel config-epoch gone 7\n"
                          "loglevel notice\n"
                          "port 26380\n"
                          "   # indented comment, and a line we can't split:\n"
                          "x \"unbalanced\n";

/* The state after a failover of mymaster to 10.0.0.2, with "gone"
 * removed, a new peer learned and the log level changed at run time. */
static struct core *core_after_failover(struct config *cfg)
{
    const char *bad = strstr(OLD, "x \"unbalanced");
    char *good = strndup(OLD, (size_t)(bad - OLD));
    struct core *core = core_from(cfg, good);
    free(good);
    struct master *m = core_master_find(core, "mymaster");
    snprintf(m->inst.addr.host, sizeof(m->inst.addr.host), "10.0.0.2");
    assert_non_null(core_replica_add(core, m, "10.0.0.1", 6379, &NOW));
    assert_non_null(core_sentinel_add(core, m, "10.0.0.7", 26379, PEER_ID, &NOW));
    assert_non_null(core_sentinel_add(core, m, "10.0.0.8", 26379, NULL, &NOW));
    m->inst.down_after_ms = 7000;
    m->config_epoch = 3;
    core->current_epoch = 3;
    core_master_remove(core, core_master_find(core, "gone"));
    cfg->loglevel = LOG_DEBUG;
    return core;
}

static const char OLD_REWRITTEN[] = "# Sentinel for the shop\n"
                                    "port 26380\n"
                                    "\n"
                                    "sentinel monitor mymaster 10.0.0.2 6379 2\n"
                                    "sentinel down-after-milliseconds mymaster 7000\n"
                                    "# keep me\n"
                                    "sentinel failover-timeout mymaster 180000\n"
                                    "repl-diskless-sync-delay 5\n"
                                    "sentinel known-replica mymaster 10.0.0.9 6379\n"
                                    "loglevel debug\n"
                                    "   # indented comment, and a line we can't split:\n"
                                    "x \"unbalanced\n"
                                    "\n"
                                    "# Generated by CONFIG REWRITE\n"
                                    "sentinel myid " MYID "\n"
                                    "sentinel config-epoch mymaster 3\n"
                                    "sentinel leader-epoch mymaster 0\n"
                                    "sentinel known-replica mymaster 10.0.0.1 6379\n"
                                    "sentinel known-sentinel mymaster 10.0.0.7 26379 " PEER_ID "\n"
                                    "sentinel current-epoch 3\n";

/* Comments, blank lines, ignored directives and the user's order stay;
 * changed values are updated where they stand (a default the user wrote
 * stays too); a removed master's lines and duplicates go; the generated
 * state is appended after one marker.  Rewriting again changes nothing. */
static void test_rewrite_in_place(void **state)
{
    struct config cfg;
    struct core *core = core_after_failover(&cfg);
    char *text = config_render(&cfg, core, OLD, strlen(OLD));
    assert_non_null(text);
    assert_string_equal(text, OLD_REWRITTEN);
    char *again = config_render(&cfg, core, text, strlen(text));
    assert_string_equal(again, OLD_REWRITTEN);
    free(again);
    /* A later change lands in place; a new line goes at the end, under the
     * existing marker. */
    struct master *m = core_master_find(core, "mymaster");
    m->parallel_syncs = 2;
    core->current_epoch = 4;
    again = config_render(&cfg, core, text, strlen(text));
    const char *tail = "sentinel current-epoch 4\nsentinel parallel-syncs mymaster 2\n";
    assert_non_null(strstr(again, tail));
    assert_int_equal(strlen(strstr(again, tail)), strlen(tail));
    assert_null(strstr(strstr(again, "# Generated") + 1, "# Generated"));
    free(again);
    free(text);
    core_free(core);
    config_clear(&cfg);
}

/* Peers are logged in to with sentinel-user/pass, or with requirepass as
 * the default user when sentinel-pass is unset, also after SENTINEL CONFIG
 * SET sentinel-pass "" (which goes through the same function). */
static void test_peer_auth_falls_back_to_requirepass(void **state)
{
    struct config cfg;
    struct core_settings st;
    (void)state;
    memset(&st, 0, sizeof(st));
    config_defaults(&cfg);
    cfg.requirepass = strdup("rp");
    cfg.sentinel_user = strdup("u");
    config_apply_peer_auth(&cfg, &st);
    assert_null(st.sentinel_user);
    assert_string_equal(st.sentinel_pass, "rp");
    cfg.sentinel_pass = strdup("sp");
    config_apply_peer_auth(&cfg, &st);
    assert_string_equal(st.sentinel_user, "u");
    assert_string_equal(st.sentinel_pass, "sp");
    free(cfg.sentinel_pass);
    cfg.sentinel_pass = NULL;
    config_apply_peer_auth(&cfg, &st);
    assert_null(st.sentinel_user);
    assert_string_equal(st.sentinel_pass, "rp");
    free(st.sentinel_user);
    free(st.sentinel_pass);
    config_clear(&cfg);
}

/* A NUL byte in a comment the rewrite keeps must not cut the file short. */
static void test_rewrite_drops_nul_in_kept_line(void **state)
{
    struct config cfg;
    struct core *core = core_after_failover(&cfg);
    static const char old[] = "# a\0b\n" "sentinel monitor mymaster 127.0.0.1 6379 2\n";
    char *text = config_render(&cfg, core, old, sizeof(old) - 1);
    assert_non_null(text);
    assert_true(strncmp(text, "# ab\n", 5) == 0);
    assert_non_null(strstr(text, "sentinel myid "));
    assert_non_null(strstr(text, "sentinel monitor mymaster "));
    free(text);
    core_free(core);
    config_clear(&cfg);
}

/* A setting back at its default is still written where the user had it,
 * and one that was never in the file is not added. */
static void test_rewrite_defaults(void **state)
{
    struct config cfg;
    struct core *core = core_from(&cfg, "sentinel monitor m 127.0.0.1 6379 1\n"
                                        "sentinel parallel-syncs m 5\n"
                                        "sentinel auth-pass m secret\n");
    struct master *m = core_master_find(core, "m");
    m->parallel_syncs = 1;
    core_master_set_auth(core, m, NULL, NULL);
    const char *old = "sentinel monitor m 127.0.0.1 6379 1\n"
                      "sentinel parallel-syncs m 5\n"
                      "sentinel auth-pass m secret\n";
    char *text = config_render(&cfg, core, old, strlen(old));
    assert_string_equal(text, "sentinel monitor m 127.0.0.1 6379 1\n"
                              "sentinel parallel-syncs m 1\n"
                              "\n"
                              "# Generated by CONFIG REWRITE\n"
                              "sentinel myid " MYID "\n"
                              "sentinel config-epoch m 0\n"
                              "sentinel leader-epoch m 0\n"
                              "sentinel current-epoch 0\n");
    free(text);
    core_free(core);
    config_clear(&cfg);
}

/* Values with spaces, quotes, control or non-ASCII bytes are written
 * quoted, and read back byte for byte. */
static void test_quoting_unsafe_values(void **state)
{
    static const char *const values[] = {
        "a b",         "say \"hi\"", "back\\slash",
        "line\nbreak", "tab\there",  "\x01\x7f\xc3\xa9",
        "#hash",       "it's",       "",
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct config cfg, back;
        struct core *core = core_from(&cfg, "sentinel monitor m 127.0.0.1 6379 1\n");
        struct master *m = core_master_find(core, "m");
        core_master_set_auth(core, m, values[i], values[i]);
        free(cfg.requirepass);
        cfg.requirepass = strdup(values[i]);
        free(cfg.logfile);
        cfg.logfile = strdup(values[i]);
        char *text = render_fresh(&cfg, core);
        struct core *again = core_from(&back, text);
        struct master *m2 = core_master_find(again, "m");
        if (values[i][0] != '\0') {
            assert_string_equal(m2->auth_pass, values[i]);
            assert_string_equal(m2->auth_user, values[i]);
            assert_string_equal(back.requirepass, values[i]);
        } else {
            assert_null(m2->auth_pass);
            assert_null(back.requirepass);
        }
        assert_string_equal(back.logfile, values[i]);
        free(text);
        core_free(core);
        core_free(again);
        config_clear(&cfg);
        config_clear(&back);
    }
}

/* A rename is one setting per command, whatever the case it is spelled in. */
static void test_rewrite_rename_keys(void **state)
{
    struct config cfg;
    struct core *core = core_from(&cfg, "sentinel monitor m 127.0.0.1 6379 1\n"
                                        "sentinel rename-command m config CFG\n");
    struct master *m = core_master_find(core, "m");
    free(m->renames[0].to);
    m->renames[0].to = strdup("NEWCFG");
    const char *old = "sentinel rename-command m CONFIG CFG\n"
                      "sentinel monitor m 127.0.0.1 6379 1\n";
    char *text = config_render(&cfg, core, old, strlen(old));
    assert_true(strncmp(text,
                        "sentinel rename-command m config NEWCFG\n"
                        "sentinel monitor m 127.0.0.1 6379 1\n",
                        76) == 0);
    free(text);
    core_free(core);
    config_clear(&cfg);
}

/* --- writing the file --------------------------------------------------- */

/* Temp files of an interrupted save are removed at start-up; other files,
 * and other configs' temp files, are not. */
static void test_stale_temps_removed(void **state)
{
    struct tmp *t = *state;
    const char *names[] = {".sentinel.conf.tmp-a1B2c3", ".sentinel.conf.tmp-zzzzzz",
                           ".other.conf.tmp-a1B2c3", ".sentinel.conf.tmp-toolong1",
                           "sentinel.conf.tmp-a1B2c3"};
    char path[PATH_MAX * 2];
    write_file(t->file, OLD);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
        write_file(path, "x");
    }
    assert_int_equal(fsutil_remove_stale_temps(t->file), 2);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", t->dir, names[i]);
        assert_int_equal(access(path, F_OK) == 0, i >= 2);
    }
    assert_int_equal(access(t->file, F_OK), 0);
    assert_int_equal(fsutil_remove_stale_temps(t->file), 0);
}

static void test_rewrite_file(void **state)
{
    struct tmp *t = *state;
    write_file(t->file, OLD);
    assert_int_equal(chmod(t->file, 0600), 0);
    struct config cfg;
    struct core *core = core_after_failover(&cfg);
    cfg.path = strdup(t->file);
    char err[256];
    if (config_rewrite(&cfg, core, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    char *text = read_file(t->file);
    assert_string_equal(text, OLD_REWRITTEN);
    free(text);
    struct stat st;
    assert_int_equal(stat(t->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);      /* the mode is kept */
    assert_int_equal(count_dir_entries(t->dir), 1); /* no temp file left */
    core_free(core);
    config_clear(&cfg);
}

/* A symlinked config: the file it points to is replaced, the link stays. */
static void test_rewrite_follows_symlink(void **state)
{
    struct tmp *t = *state;
    char target[PATH_MAX + 32];
    snprintf(target, sizeof(target), "%s/real.conf", t->dir);
    write_file(target, "sentinel monitor m 127.0.0.1 6379 1\n");
    assert_int_equal(symlink("real.conf", t->file), 0);
    struct config cfg;
    struct core *core = core_from(&cfg, "sentinel monitor m 127.0.0.1 6379 1\n");
    cfg.path = strdup(t->file);
    char err[256];
    assert_int_equal(config_rewrite(&cfg, core, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(lstat(t->file, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char *text = read_file(target);
    assert_non_null(strstr(text, "sentinel myid " MYID "\n"));
    free(text);
    assert_int_equal(count_dir_entries(t->dir), 2);
    core_free(core);
    config_clear(&cfg);
}

/* Runs config_rewrite as a user that can't write into the directory (root
 * ignores permission bits, so root drops to nobody in a child).  Returns
 * 0 if it failed as it should. */
static int rewrite_unprivileged(const struct config *cfg, const struct core *core)
{
    char err[256];
    if (geteuid() != 0) {
        int rc = config_rewrite(cfg, core, err, sizeof(err));
        return rc == -1 && strncmp(err, "Failed to save config file: Permission denied", 45) == 0
                   ? 0
                   : -1;
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(NOBODY_UID) != 0 || setuid(NOBODY_UID) != 0)
            _exit(2);
        int rc = config_rewrite(cfg, core, err, sizeof(err));
        _exit(rc == -1 && strncmp(err, "Failed to save config file: Permission denied", 45) == 0
                  ? 0
                  : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* In a directory we can't write, the rewrite fails with the reason and
 * the old file stays exactly as it was. */
static void test_rewrite_read_only_dir_keeps_old_file(void **state)
{
    struct tmp *t = *state;
    write_file(t->file, OLD);
    assert_int_equal(chmod(t->file, 0644), 0);
    assert_int_equal(chmod(t->dir, 0555), 0);
    struct config cfg;
    struct core *core = core_after_failover(&cfg);
    cfg.path = strdup(t->file);
    assert_int_equal(rewrite_unprivileged(&cfg, core), 0);
    char *text = read_file(t->file);
    assert_string_equal(text, OLD);
    free(text);
    assert_int_equal(count_dir_entries(t->dir), 1);
    core_free(core);
    config_clear(&cfg);
}

/* The atomic replacement on its own: a missing directory fails cleanly. */
static void test_replace_file_errors(void **state)
{
    struct tmp *t = *state;
    char path[PATH_MAX + 32];
    const char *step = NULL;
    snprintf(path, sizeof(path), "%s/missing/sentinel.conf", t->dir);
    assert_int_equal(fsutil_replace_file(path, "x\n", 2, &step), -1);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(step, "create temp file");
    assert_int_equal(fsutil_replace_file(t->file, "new\n", 4, NULL), 0);
    char *text = read_file(t->file);
    assert_string_equal(text, "new\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_words_and_quotes),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_good_config),
        cmocka_unit_test(test_redis_server_directives_accepted),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_unknown_master_names_its_line),
        cmocka_unit_test(test_last_duplicate_wins),
        cmocka_unit_test(test_per_master_lines_before_monitor),
        cmocka_unit_test_setup_teardown(test_load_with_overrides, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_load_override_errors, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_load_refusals, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_load_makes_path_absolute, setup_tmp, teardown_tmp),
        cmocka_unit_test(test_apply_builds_the_core),
        cmocka_unit_test(test_apply_without_myid_keeps_the_new_one),
        cmocka_unit_test(test_render_round_trip),
        cmocka_unit_test(test_render_fresh),
        cmocka_unit_test(test_rewrite_in_place),
        cmocka_unit_test(test_peer_auth_falls_back_to_requirepass),
        cmocka_unit_test(test_rewrite_drops_nul_in_kept_line),
        cmocka_unit_test(test_rewrite_defaults),
        cmocka_unit_test(test_quoting_unsafe_values),
        cmocka_unit_test(test_rewrite_rename_keys),
        cmocka_unit_test_setup_teardown(test_rewrite_file, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_stale_temps_removed, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_rewrite_follows_symlink, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_rewrite_read_only_dir_keeps_old_file, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_replace_file_errors, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
