/*
 * config.c - sentinel.conf: line splitting, the keyword table, parsing
 * into struct config, command-line overrides, and building the core from
 * the parsed model.  Rendering and the atomic rewrite are in
 * config_rewrite.c.
 *
 * Per-master `sentinel` lines may come before their `sentinel monitor`
 * line, as Redis Sentinel allows.  They are checked when read (so a bad
 * value is reported at once) and kept, in order, until every source (the
 * file, then the command line) has been read; only then are they applied
 * to their masters, so the last line for a setting still wins.
 */
#include "app/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netdb.h>

#include "app/acl.h"
#include "app/fsutil.h"

#define CONFIG_DEFAULT_PORT 26379
#define CONFIG_DEFAULT_MAXCLIENTS 10000
#define CONFIG_MAX_BINDS 16 /* Redis's limit on bind addresses */
#define CONFIG_CMDLINE_SOURCE "(command line)"

/* --- memory ------------------------------------------------------------- */

/* Running out of memory while reading the config leaves nothing sensible
 * to do; abort like Redis's allocator (and the core) does. */
static void *config_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL) {
        fputs("sentineld: out of memory reading the config\n", stderr);
        abort();
    }
    return q;
}

static char *config_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = config_xrealloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

/* Replaces *dst with a copy of s. */
static void config_set_str(char **dst, const char *s)
{
    char *copy = config_xstrdup(s);
    free(*dst);
    *dst = copy;
}

/* Like config_set_str, but "" unsets (NULL), as `SENTINEL CONFIG SET
 * announce-ip ""` does in Redis. */
static void config_set_opt_str(char **dst, const char *s)
{
    if (s[0] == '\0') {
        free(*dst);
        *dst = NULL;
        return;
    }
    config_set_str(dst, s);
}

/* --- splitting a line into words ---------------------------------------- */

struct config_word {
    char *data;
    size_t len;
    size_t cap;
};

static void config_word_push(struct config_word *w, char c)
{
    if (w->len + 1 >= w->cap) {
        w->cap = w->cap ? w->cap * 2 : 32;
        w->data = config_xrealloc(w->data, w->cap);
    }
    w->data[w->len++] = c;
}

static int config_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int config_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads one escape inside double quotes at s[*i] == '\\'; pushes the byte
 * it stands for.  Returns -1 for an escaped NUL (C strings can't hold it). */
static int config_read_escape(const char *s, size_t len, size_t *i, struct config_word *w)
{
    size_t at = *i;
    if (at + 3 < len && s[at + 1] == 'x' && config_hex_digit(s[at + 2]) >= 0 &&
        config_hex_digit(s[at + 3]) >= 0) {
        int byte = config_hex_digit(s[at + 2]) * 16 + config_hex_digit(s[at + 3]);
        if (byte == 0)
            return -1;
        config_word_push(w, (char)byte);
        *i = at + 4;
        return 0;
    }
    char c = s[at + 1];
    switch (c) {
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'b': c = '\b'; break;
    case 'a': c = '\a'; break;
    default: break;
    }
    config_word_push(w, c);
    *i = at + 2;
    return 0;
}

/* Reads one word starting at s[*pos] (not a space).  A quote opens a
 * quoted part anywhere in a word; its closing quote must end the word,
 * as in Redis's sdssplitargs.  Returns 0, or -1 with *problem set. */
static int config_read_word(const char *s, size_t len, size_t *pos, struct config_word *w,
                            const char **problem)
{
    size_t i = *pos;
    char quote = 0;
    while (i < len) {
        char c = s[i];
        if (c == '\0') {
            *problem = "NUL byte in line";
            return -1;
        }
        if (quote == 0) {
            if (config_is_space(c))
                break;
            if (c == '"' || c == '\'')
                quote = c;
            else
                config_word_push(w, c);
            i++;
            continue;
        }
        if (c == quote) {
            if (i + 1 < len && !config_is_space(s[i + 1])) {
                *problem = "closing quote must be followed by a space";
                return -1;
            }
            *pos = i + 1;
            return 0;
        }
        if (quote == '"' && c == '\\' && i + 1 < len) {
            if (config_read_escape(s, len, &i, w) < 0) {
                *problem = "NUL byte in line";
                return -1;
            }
        } else if (quote == '\'' && c == '\\' && i + 1 < len && s[i + 1] == '\'') {
            config_word_push(w, '\'');
            i += 2;
        } else {
            config_word_push(w, c);
            i++;
        }
    }
    if (quote != 0) {
        *problem = "unbalanced quotes in configuration line";
        return -1;
    }
    *pos = i;
    return 0;
}

int config_split_line(const char *line, size_t len, int *argc_out, char ***argv_out,
                      const char **problem)
{
    int argc = 0;
    char **argv = NULL;
    size_t i = 0;
    *argc_out = 0;
    *argv_out = NULL;
    *problem = NULL;
    while (i < len && config_is_space(line[i]))
        i++;
    if (i < len && line[i] == '#')
        return 0;
    for (;;) {
        while (i < len && config_is_space(line[i]))
            i++;
        if (i >= len)
            break;
        struct config_word w = {0};
        if (config_read_word(line, len, &i, &w, problem) < 0) {
            free(w.data);
            config_argv_free(argc, argv);
            return -1;
        }
        config_word_push(&w, '\0');
        argv = config_xrealloc(argv, (size_t)(argc + 1) * sizeof(*argv));
        argv[argc++] = w.data;
    }
    *argc_out = argc;
    *argv_out = argv;
    return 0;
}

void config_argv_free(int argc, char **argv)
{
    if (argv == NULL)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* --- the parser --------------------------------------------------------- */

/* A per-master line kept until every master is known. */
struct config_pending {
    char *source;
    int line;
    int argc;
    char **argv;
};

struct config_parser {
    struct config *cfg;
    const char *source; /* borrowed: the file name or "(command line)" */
    int line;
    char what[64];     /* the directive being read, for messages */
    int check_scripts; /* config_load only: scripts must be executable */
    struct config_pending *pending;
    size_t pending_count;
    char *err;
    size_t errlen;
};

/* Writes "<source>:<line>: <problem>" into the error buffer; returns -1. */
__attribute__((format(printf, 2, 3))) static int config_fail(struct config_parser *p,
                                                             const char *fmt, ...)
{
    char problem[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    if (p->errlen > 0)
        snprintf(p->err, p->errlen, "%s:%d: %s", p->source, p->line, problem);
    return -1;
}

/* Parses a whole decimal number in [min, max]; no sign games, no spaces,
 * no trailing bytes (Redis's strict string2ll).  Returns 0 or -1. */
static int config_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (s[0] == '\0' || s[0] == '+' || config_is_space(s[0]))
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int config_uint64(const char *s, uint64_t *out)
{
    if (s[0] < '0' || s[0] > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* A TCP port; 0 is accepted only where it means "unset". */
static int config_port(struct config_parser *p, const char *s, int allow_zero, int *out)
{
    int64_t v = 0;
    if (config_int64(s, allow_zero ? 0 : 1, 65535, &v) < 0)
        return config_fail(p, "invalid port '%s'", s);
    *out = (int)v;
    return 0;
}

/* A time in milliseconds, at least min_ms. */
static int config_ms(struct config_parser *p, const char *s, int64_t min_ms, int64_t *out)
{
    if (config_int64(s, min_ms, INT64_MAX / 2, out) < 0)
        return config_fail(p, "invalid value '%s' for '%s' (milliseconds, at least %" PRId64 ")", s,
                           p->what, min_ms);
    return 0;
}

static int config_epoch(struct config_parser *p, const char *s, uint64_t *out)
{
    if (config_uint64(s, out) < 0)
        return config_fail(p, "invalid epoch '%s' for '%s'", s, p->what);
    return 0;
}

static int config_yesno(struct config_parser *p, const char *s, int *out)
{
    if (strcasecmp(s, "yes") == 0)
        *out = 1;
    else if (strcasecmp(s, "no") == 0)
        *out = 0;
    else
        return config_fail(p, "argument of '%s' must be 'yes' or 'no', not '%s'", p->what, s);
    return 0;
}

/* A host name or address: non-empty, fits struct addr, no spaces. */
static int config_host(struct config_parser *p, const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= HOST_MAX || strpbrk(s, " \t\r\n") != NULL)
        return config_fail(p, "invalid host '%s'", s);
    return 0;
}

/* A 40-hex-digit run id, as Redis Sentinel generates them. */
static int config_is_runid(const char *s)
{
    if (strlen(s) != RUNID_LEN)
        return 0;
    for (size_t i = 0; i < RUNID_LEN; i++)
        if (config_hex_digit(s[i]) < 0)
            return 0;
    return 1;
}

/*
 * Every other directive Debian's redis-server 7.0.15 accepts in a config
 * file: the names `CONFIG GET` knows (hidden ones and old aliases such as
 * slaveof and slave-priority included), the specially parsed ones (user,
 * rename-command, loadmodule) and the deprecated names it still takes.  A
 * sentinel accepts and ignores them, so a sentinel.conf copied from a
 * server's config still loads.  Sorted in byte order for bsearch.
 */
/* clang-format off */
static const char *const config_ignored[] = {
    "acl-pubsub-default", "aclfile", "acllog-max-len", "active-defrag-cycle-max",
    "active-defrag-cycle-min", "active-defrag-ignore-bytes", "active-defrag-max-scan-fields",
    "active-defrag-threshold-lower", "active-defrag-threshold-upper", "active-expire-effort",
    "activedefrag", "activerehashing", "always-show-logo", "aof-disable-auto-gc",
    "aof-load-truncated", "aof-rewrite-incremental-fsync", "aof-timestamp-enabled",
    "aof-use-rdb-preamble", "aof_rewrite_cpulist", "appenddirname", "appendfilename",
    "appendfsync", "appendonly", "auto-aof-rewrite-min-size", "auto-aof-rewrite-percentage",
    "bgsave_cpulist", "bind-source-addr", "bio_cpulist", "busy-reply-threshold",
    "client-output-buffer-limit", "client-query-buffer-limit",
    "cluster-allow-pubsubshard-when-down", "cluster-allow-reads-when-down",
    "cluster-allow-replica-migration", "cluster-announce-bus-port", "cluster-announce-hostname",
    "cluster-announce-ip", "cluster-announce-port", "cluster-announce-tls-port",
    "cluster-config-file", "cluster-enabled", "cluster-link-sendbuf-limit",
    "cluster-migration-barrier", "cluster-node-timeout", "cluster-port",
    "cluster-preferred-endpoint-type", "cluster-replica-no-failover",
    "cluster-replica-validity-factor", "cluster-require-full-coverage",
    "cluster-slave-no-failover", "cluster-slave-validity-factor", "crash-log-enabled",
    "crash-memcheck-enabled", "databases", "dbfilename", "disable-thp", "dynamic-hz",
    "enable-debug-command", "enable-module-command", "enable-protected-configs",
    "hash-max-listpack-entries", "hash-max-listpack-value", "hash-max-ziplist-entries",
    "hash-max-ziplist-value", "hll-sparse-max-bytes", "hz", "ignore-warnings", "io-threads",
    "io-threads-do-reads", "jemalloc-bg-thread", "key-load-delay", "latency-monitor-threshold",
    "latency-tracking", "latency-tracking-info-percentiles", "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush", "lfu-decay-time", "lfu-log-factor", "list-compress-depth",
    "list-max-listpack-size", "list-max-ziplist-entries", "list-max-ziplist-size",
    "list-max-ziplist-value", "loading-process-events-interval-bytes", "loadmodule",
    "lua-enable-deprecated-api", "lua-replicate-commands", "lua-time-limit", "masterauth",
    "masteruser", "maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity",
    "maxmemory-policy", "maxmemory-samples", "min-replicas-max-lag", "min-replicas-to-write",
    "min-slaves-max-lag", "min-slaves-to-write", "no-appendfsync-on-rewrite",
    "notify-keyspace-events", "oom-score-adj", "oom-score-adj-values", "proc-title-template",
    "propagation-error-behavior", "proto-max-bulk-len", "rdb-del-sync-files", "rdb-key-save-delay",
    "rdb-save-incremental-fsync", "rdbchecksum", "rdbcompression", "rename-command",
    "repl-backlog-size", "repl-backlog-ttl", "repl-disable-tcp-nodelay", "repl-diskless-load",
    "repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas",
    "repl-ping-replica-period", "repl-ping-slave-period", "repl-timeout", "replica-announce-ip",
    "replica-announce-port", "replica-announced", "replica-ignore-disk-write-errors",
    "replica-ignore-maxmemory", "replica-lazy-flush", "replica-priority", "replica-read-only",
    "replica-serve-stale-data", "replicaof", "sanitize-dump-payload", "save", "server_cpulist",
    "set-max-intset-entries", "set-proc-title", "shutdown-on-sigint", "shutdown-on-sigterm",
    "shutdown-timeout", "slave-announce-ip", "slave-announce-port", "slave-ignore-maxmemory",
    "slave-lazy-flush", "slave-priority", "slave-read-only", "slave-serve-stale-data", "slaveof",
    "slowlog-log-slower-than", "slowlog-max-len", "socket-mark-id", "stop-writes-on-bgsave-error",
    "stream-node-max-bytes", "stream-node-max-entries", "supervised", "syslog-enabled",
    "syslog-facility", "syslog-ident", "tcp-backlog", "tcp-keepalive", "timeout",
    "tls-cluster", "tls-session-cache-size", "tls-session-cache-timeout", "tls-session-caching",
    "tracking-table-max-keys", "unixsocket",
    "unixsocketperm", "use-exit-on-panic", "watchdog-period", "zset-max-listpack-entries",
    "zset-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value",
};
/* clang-format on */

/* --- directives with their own rules ------------------------------------- *
 * Each takes the whole split line.  Per-master ones get m NULL when the
 * line is read (check only) and their master once every monitor line is
 * known (store). */

/* A later `bind` replaces the earlier list, as in Redis. */
static int config_do_bind(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    struct config *cfg = p->cfg;
    if (argc - 1 > CONFIG_MAX_BINDS)
        return config_fail(p, "Too many bind addresses specified.");
    for (int i = 1; i < argc; i++)
        if (config_host(p, argv[i]) < 0)
            return -1;
    for (size_t i = 0; i < cfg->bind_count; i++)
        free(cfg->binds[i]);
    cfg->binds = config_xrealloc(cfg->binds, (size_t)(argc - 1) * sizeof(*cfg->binds));
    for (int i = 1; i < argc; i++)
        cfg->binds[i - 1] = config_xstrdup(argv[i]);
    cfg->bind_count = (size_t)(argc - 1);
    return 0;
}

/* "nothing" is the newest Redis's silent level; warning is our quietest. */
static int config_do_loglevel(struct config_parser *p, struct config_master *m, int argc,
                              char **argv)
{
    static const struct {
        const char *name;
        enum core_log_level level;
    } levels[] = {
        {"debug", LOG_DEBUG},     {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE},
        {"warning", LOG_WARNING}, {"nothing", LOG_WARNING},
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcasecmp(argv[1], levels[i].name) == 0) {
            p->cfg->loglevel = levels[i].level;
            return 0;
        }
    }
    return config_fail(p, "invalid loglevel '%s' (debug, verbose, notice or warning)", argv[1]);
}

static int config_do_log_format(struct config_parser *p, struct config_master *m, int argc,
                                char **argv)
{
    if (strcasecmp(argv[1], "redis") == 0)
        p->cfg->log_format = LOG_FORMAT_REDIS;
    else if (strcasecmp(argv[1], "json") == 0)
        p->cfg->log_format = LOG_FORMAT_JSON;
    else
        return config_fail(p, "invalid log-format '%s' (redis or json)", argv[1]);
    return 0;
}

static int config_do_dir(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    if (argv[1][0] == '\0')
        return config_fail(p, "invalid dir ''");
    config_set_str(&p->cfg->dir, argv[1]);
    return 0;
}

/* http-bind and announce-ip: an address; for announce-ip "" unsets. */
static int config_do_address(struct config_parser *p, struct config_master *m, int argc,
                             char **argv)
{
    const char *v = argv[argc - 1];
    int announce = argc == 3;
    if ((!announce || v[0] != '\0') && config_host(p, v) < 0)
        return -1;
    config_set_opt_str(announce ? &p->cfg->announce_ip : &p->cfg->http_bind, v);
    return 0;
}

/* yes, no or optional, as redis-server takes them. */
static int config_do_tls_auth_clients(struct config_parser *p, struct config_master *m, int argc,
                                      char **argv)
{
    static const char *const names[] = {"yes", "no", "optional"};
    static const enum config_tls_auth values[] = {CONFIG_TLS_AUTH_YES, CONFIG_TLS_AUTH_NO,
                                                  CONFIG_TLS_AUTH_OPTIONAL};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(argv[1], names[i]) == 0) {
            p->cfg->tls_auth_clients = values[i];
            return 0;
        }
    }
    return config_fail(p, "argument of 'tls-auth-clients' must be 'yes', 'no' or 'optional', "
                          "not '%s'", argv[1]);
}

/* One quoted argument of space-separated protocol names; "" means the
 * default (TLSv1.2 and TLSv1.3), as in Redis. */
static int config_do_tls_protocols(struct config_parser *p, struct config_master *m, int argc,
                                   char **argv)
{
    static const char *const names[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
    static const unsigned bits[] = {CONFIG_TLS_V1, CONFIG_TLS_V1_1, CONFIG_TLS_V1_2,
                                    CONFIG_TLS_V1_3};
    unsigned mask = 0;
    char *copy = config_xstrdup(argv[1]), *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
        size_t i = 0;
        while (i < sizeof(names) / sizeof(names[0]) && strcasecmp(w, names[i]) != 0)
            i++;
        if (i == sizeof(names) / sizeof(names[0])) {
            config_fail(p, "invalid tls-protocols '%s' (a combination of TLSv1, TLSv1.1, "
                           "TLSv1.2 and TLSv1.3)", w);
            free(copy);
            return -1;
        }
        mask |= bits[i];
    }
    free(copy);
    config_set_opt_str(&p->cfg->tls_protocols, argv[1]);
    p->cfg->tls_protocol_mask = mask;
    return 0;
}

/* Included files would need their own rewrite story; refusing is better
 * than silently ignoring the settings they hold. */
static int config_do_include(struct config_parser *p, struct config_master *m, int argc,
                             char **argv)
{
    return config_fail(p, "'include' is not supported: put the directives in this file");
}

static int config_do_myid(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    if (!config_is_runid(argv[2]))
        return config_fail(p, "Malformed Sentinel id in myid option.");
    config_set_str(&p->cfg->myid, argv[2]);
    return 0;
}

/* Appends host:port to a list of addresses unless it is already there. */
static void config_addr_add(struct addr **list, size_t *count, const char *host, int port)
{
    for (size_t i = 0; i < *count; i++)
        if ((*list)[i].port == port && strcasecmp((*list)[i].host, host) == 0)
            return;
    *list = config_xrealloc(*list, (*count + 1) * sizeof(**list));
    struct addr *a = &(*list)[(*count)++];
    memset(a, 0, sizeof(*a));
    snprintf(a->host, sizeof(a->host), "%s", host);
    a->port = port;
}

static int config_do_peer(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    int port = 0;
    if (config_host(p, argv[2]) < 0 || config_port(p, argv[3], 0, &port) < 0)
        return -1;
    config_addr_add(&p->cfg->peers, &p->cfg->peer_count, argv[2], port);
    return 0;
}

/* Zero would make a failover never repoint a replica, so it is refused
 * (SENTINEL SET refuses it too). */
static int config_do_parallel_syncs(struct config_parser *p, struct config_master *m, int argc,
                                    char **argv)
{
    int64_t v = 0;
    if (config_int64(argv[3], 1, INT_MAX, &v) < 0)
        return config_fail(p, "invalid value '%s' for '%s' (at least 1)", argv[3], p->what);
    if (m != NULL)
        m->parallel_syncs = (int)v;
    return 0;
}

/* Clients served at once; main.c may lower it to fit the open-file limit. */
static int config_do_maxclients(struct config_parser *p, struct config_master *m, int argc,
                                char **argv)
{
    int64_t v = 0;
    if (config_int64(argv[1], 1, INT_MAX, &v) < 0)
        return config_fail(p, "invalid value '%s' for 'maxclients' (1 to %d)", argv[1], INT_MAX);
    p->cfg->maxclients = (int)v;
    return 0;
}

/* notification-script and client-reconfig-script; "" unsets. */
static int config_do_script(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    if (m == NULL)
        return 0;
    int notify = strcasecmp(argv[1], "notification-script") == 0;
    /* Redis refuses to start with a script it could never run. */
    if (p->check_scripts && argv[3][0] != '\0' && access(argv[3], X_OK) < 0)
        return config_fail(p, "%s script seems non existing or non executable.",
                           notify ? "Notification" : "Client reconfiguration");
    config_set_opt_str(notify ? &m->notification_script : &m->client_reconfig_script, argv[3]);
    return 0;
}

/* A later rename of the same command replaces the earlier one. */
static int config_do_rename(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    if (argv[3][0] == '\0')
        return config_fail(p, "empty command name in '%s'", p->what);
    if (m == NULL)
        return 0;
    for (size_t i = 0; i < m->rename_count; i++) {
        if (strcasecmp(m->renames[i].from, argv[3]) == 0) {
            config_set_str(&m->renames[i].to, argv[4]);
            return 0;
        }
    }
    m->renames = config_xrealloc(m->renames, (m->rename_count + 1) * sizeof(*m->renames));
    m->renames[m->rename_count].from = config_xstrdup(argv[3]);
    m->renames[m->rename_count].to = config_xstrdup(argv[4]);
    m->rename_count++;
    return 0;
}

/* known-replica and known-sentinel: a repeated address is one instance
 * (a repeated known-sentinel takes the later run id). */
static int config_do_known(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    int port = 0;
    int sentinel = strcasecmp(argv[1], "known-sentinel") == 0;
    if (config_host(p, argv[3]) < 0 || config_port(p, argv[4], 0, &port) < 0)
        return -1;
    if (sentinel && argc > 5 && !config_is_runid(argv[5]))
        return config_fail(p, "invalid run id '%s'", argv[5]);
    if (m == NULL)
        return 0;
    struct config_known **list = sentinel ? &m->sentinels : &m->replicas;
    size_t *count = sentinel ? &m->sentinel_count : &m->replica_count;
    struct config_known *k = NULL;
    for (size_t i = 0; i < *count && k == NULL; i++)
        if ((*list)[i].port == port && strcasecmp((*list)[i].host, argv[3]) == 0)
            k = &(*list)[i];
    if (k == NULL) {
        *list = config_xrealloc(*list, (*count + 1) * sizeof(**list));
        k = &(*list)[(*count)++];
        memset(k, 0, sizeof(*k));
        k->host = config_xstrdup(argv[3]);
        k->port = port;
    }
    if (sentinel && argc > 5)
        config_set_str(&k->runid, argv[5]);
    return 0;
}

/* Master names end up in space-separated hello messages and event lines,
 * so spaces and line breaks can't be allowed in them. */
static int config_master_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n < NAME_MAX_LEN && strpbrk(name, " \t\r\n") == NULL;
}

static struct config_master *config_master_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->master_count; i++)
        if (strcmp(cfg->masters[i].name, name) == 0)
            return &cfg->masters[i];
    return NULL;
}

static int config_do_monitor(struct config_parser *p, struct config_master *unused, int argc,
                             char **argv)
{
    struct config *cfg = p->cfg;
    int port = 0;
    int64_t quorum = 0;
    if (!config_master_name_ok(argv[2]))
        return config_fail(p, "invalid master name '%s'", argv[2]);
    if (config_host(p, argv[3]) < 0 || config_port(p, argv[4], 0, &port) < 0)
        return -1;
    if (config_int64(argv[5], 1, INT_MAX, &quorum) < 0)
        return config_fail(p, "Quorum must be 1 or greater.");
    if (config_master_find(cfg, argv[2]) != NULL)
        return config_fail(p, "Duplicate master name.");
    cfg->masters = config_xrealloc(cfg->masters, (cfg->master_count + 1) * sizeof(*cfg->masters));
    struct config_master *m = &cfg->masters[cfg->master_count++];
    memset(m, 0, sizeof(*m));
    m->name = config_xstrdup(argv[2]);
    m->host = config_xstrdup(argv[3]);
    m->port = port;
    m->quorum = (int)quorum;
    m->line = p->line;
    m->down_after_ms = DEFAULT_DOWN_AFTER_MS;
    m->failover_timeout_ms = DEFAULT_FAILOVER_TIMEOUT_MS;
    m->parallel_syncs = DEFAULT_PARALLEL_SYNCS;
    m->master_reboot_down_after_ms = DEFAULT_MASTER_REBOOT_DOWN_AFTER_MS;
    return 0;
}

/* `user <name> <rule>...`: an ACL user of the sentinel port, as Redis
 * reads it.  Each user is defined once; a `user default` line starts the
 * default user over and takes precedence over requirepass wherever it is.
 * Command names are checked against the command table when the server
 * starts (the parser knows no commands). */
static int config_do_user(struct config_parser *p, struct config_master *m, int argc, char **argv)
{
    struct config *cfg = p->cfg;
    int is_default = strcmp(argv[1], ACL_DEFAULT_USER) == 0;
    if (cfg->acl == NULL)
        cfg->acl = acl_new();
    if (is_default ? cfg->default_user_defined : acl_find(cfg->acl, argv[1]) != NULL)
        return config_fail(p, "Error in user declaration '%s': Duplicate user found. A user can "
                              "only be defined once in config files", argv[1]);
    int bad;
    const char *why;
    if (acl_define_user(cfg->acl, argv[1], argc - 2, argv + 2, NULL, &bad, &why) < 0)
        return bad < 0 ? config_fail(p, "Error in user declaration '%s': %s", argv[1], why)
                       : config_fail(p, "Error in user declaration '%s': %s in '%s'", argv[1],
                                     why, argv[2 + bad]);
    cfg->default_user_defined |= is_default;
    return 0;
}

/* --- the keyword table -------------------------------------------------- */

enum config_scope {
    CONFIG_GLOBAL,     /* applies at once */
    CONFIG_MONITOR,    /* creates a master at once */
    CONFIG_PER_MASTER, /* argv[2] names a master: applied at the end */
};

/* How a plain directive's one value is read and where it goes. */
enum config_type {
    CONFIG_CUSTOM,   /* fn does it all */
    CONFIG_YESNO,    /* int: yes / no */
    CONFIG_STRING,   /* char *: any string */
    CONFIG_OPTIONAL, /* char *: "" unsets (NULL) */
    CONFIG_PORT,     /* int: min..65535 */
    CONFIG_MS,       /* int64_t milliseconds: at least min */
    CONFIG_EPOCH,    /* uint64_t */
};

struct config_directive {
    const char *name; /* "port", "sentinel parallel-syncs" */
    int min_argc;     /* counting every word of the line */
    int max_argc;     /* -1: no limit */
    int key_words;    /* rewrite key length; 0 = the rewrite leaves it alone */
    enum config_scope scope;
    enum config_type type;
    size_t offset; /* into struct config, or struct config_master */
    int64_t min;
    int (*fn)(struct config_parser *p, struct config_master *m, int argc, char **argv);
};

#define CFG(field) offsetof(struct config, field)
#define MST(field) offsetof(struct config_master, field)
#define GLOBAL CONFIG_GLOBAL
#define MASTER CONFIG_PER_MASTER

/* The value of a plain directive is the word after its key. */
static const struct config_directive config_directives[] = {
    /* 0 turns the plain-text port off, as in Redis (tls-port serves). */
    {"port", 2, 2, 1, GLOBAL, CONFIG_PORT, CFG(port), 0, NULL},
    {"bind", 2, -1, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_bind},
    {"protected-mode", 2, 2, 1, GLOBAL, CONFIG_YESNO, CFG(protected_mode), 0, NULL},
    {"daemonize", 2, 2, 1, GLOBAL, CONFIG_YESNO, CFG(daemonize), 0, NULL},
    {"pidfile", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(pidfile), 0, NULL},
    {"logfile", 2, 2, 1, GLOBAL, CONFIG_STRING, CFG(logfile), 0, NULL},
    {"loglevel", 2, 2, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_loglevel},
    {"log-format", 2, 2, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_log_format},
    {"dir", 2, 2, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_dir},
    {"requirepass", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(requirepass), 0, NULL},
    {"user", 2, -1, 2, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_user},
    {"maxclients", 2, 2, 0, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_maxclients},
    {"http-port", 2, 2, 1, GLOBAL, CONFIG_PORT, CFG(http_port), 0, NULL},
    {"http-bind", 2, 2, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_address},
    {"include", 2, 2, 0, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_include},
    {"tls-port", 2, 2, 1, GLOBAL, CONFIG_PORT, CFG(tls_port), 0, NULL},
    {"tls-cert-file", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_cert_file), 0, NULL},
    {"tls-key-file", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_key_file), 0, NULL},
    {"tls-key-file-pass", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_key_file_pass), 0, NULL},
    {"tls-client-cert-file", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_client_cert_file), 0, NULL},
    {"tls-client-key-file", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_client_key_file), 0, NULL},
    {"tls-client-key-file-pass", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_client_key_file_pass), 0,
     NULL},
    {"tls-ca-cert-file", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_ca_cert_file), 0, NULL},
    {"tls-ca-cert-dir", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_ca_cert_dir), 0, NULL},
    {"tls-dh-params-file", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_dh_params_file), 0, NULL},
    {"tls-auth-clients", 2, 2, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_tls_auth_clients},
    {"tls-replication", 2, 2, 1, GLOBAL, CONFIG_YESNO, CFG(tls_replication), 0, NULL},
    {"tls-protocols", 2, 2, 1, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_tls_protocols},
    {"tls-ciphers", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_ciphers), 0, NULL},
    {"tls-ciphersuites", 2, 2, 1, GLOBAL, CONFIG_OPTIONAL, CFG(tls_ciphersuites), 0, NULL},
    {"tls-prefer-server-ciphers", 2, 2, 1, GLOBAL, CONFIG_YESNO, CFG(tls_prefer_server_ciphers), 0,
     NULL},
    {"sentinel monitor", 6, 6, 3, CONFIG_MONITOR, CONFIG_CUSTOM, 0, 0, config_do_monitor},
    {"sentinel down-after-milliseconds", 4, 4, 3, MASTER, CONFIG_MS, MST(down_after_ms), 1, NULL},
    {"sentinel failover-timeout", 4, 4, 3, MASTER, CONFIG_MS, MST(failover_timeout_ms), 1, NULL},
    {"sentinel parallel-syncs", 4, 4, 3, MASTER, CONFIG_CUSTOM, 0, 0, config_do_parallel_syncs},
    {"sentinel auth-pass", 4, 4, 3, MASTER, CONFIG_OPTIONAL, MST(auth_pass), 0, NULL},
    {"sentinel auth-user", 4, 4, 3, MASTER, CONFIG_OPTIONAL, MST(auth_user), 0, NULL},
    {"sentinel notification-script", 4, 4, 3, MASTER, CONFIG_CUSTOM, 0, 0, config_do_script},
    {"sentinel client-reconfig-script", 4, 4, 3, MASTER, CONFIG_CUSTOM, 0, 0, config_do_script},
    {"sentinel rename-command", 5, 5, 4, MASTER, CONFIG_CUSTOM, 0, 0, config_do_rename},
    {"sentinel config-epoch", 4, 4, 3, MASTER, CONFIG_EPOCH, MST(config_epoch), 0, NULL},
    {"sentinel leader-epoch", 4, 4, 3, MASTER, CONFIG_EPOCH, MST(leader_epoch), 0, NULL},
    {"sentinel known-replica", 5, 5, 5, MASTER, CONFIG_CUSTOM, 0, 0, config_do_known},
    {"sentinel known-slave", 5, 5, 5, MASTER, CONFIG_CUSTOM, 0, 0, config_do_known},
    {"sentinel known-sentinel", 5, 6, 6, MASTER, CONFIG_CUSTOM, 0, 0, config_do_known},
    {"sentinel master-reboot-down-after-period", 4, 4, 3, MASTER, CONFIG_MS,
     MST(master_reboot_down_after_ms), 0, NULL},
    {"sentinel replica-validity-time", 4, 4, 3, MASTER, CONFIG_MS, MST(replica_validity_ms), 0,
     NULL},
    {"sentinel min-failover-interval", 4, 4, 3, MASTER, CONFIG_MS, MST(min_failover_interval_ms), 0,
     NULL},
    {"sentinel myid", 3, 3, 2, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_myid},
    {"sentinel current-epoch", 3, 3, 2, GLOBAL, CONFIG_EPOCH, CFG(current_epoch), 0, NULL},
    {"sentinel deny-scripts-reconfig", 3, 3, 2, GLOBAL, CONFIG_YESNO, CFG(deny_scripts_reconfig), 0,
     NULL},
    {"sentinel resolve-hostnames", 3, 3, 2, GLOBAL, CONFIG_YESNO, CFG(resolve_hostnames), 0, NULL},
    {"sentinel announce-hostnames", 3, 3, 2, GLOBAL, CONFIG_YESNO, CFG(announce_hostnames), 0,
     NULL},
    {"sentinel announce-ip", 3, 3, 2, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_address},
    /* 0 means "announce the port we listen on", as in Redis. */
    {"sentinel announce-port", 3, 3, 2, GLOBAL, CONFIG_PORT, CFG(announce_port), 0, NULL},
    {"sentinel sentinel-user", 3, 3, 2, GLOBAL, CONFIG_OPTIONAL, CFG(sentinel_user), 0, NULL},
    {"sentinel sentinel-pass", 3, 3, 2, GLOBAL, CONFIG_OPTIONAL, CFG(sentinel_pass), 0, NULL},
    {"sentinel script-max-execution-time", 3, 3, 2, GLOBAL, CONFIG_MS, CFG(script_max_exec_ms), 1,
     NULL},
    {"sentinel peer", 4, 4, 4, GLOBAL, CONFIG_CUSTOM, 0, 0, config_do_peer},
};

#undef GLOBAL
#undef MASTER

#define CONFIG_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define CONFIG_SENTINEL_PREFIX "sentinel "

/* Finds the directive of a split line (argc >= 1), or NULL. */
static const struct config_directive *config_lookup(int argc, char *const *argv)
{
    size_t skip = strlen(CONFIG_SENTINEL_PREFIX);
    int sentinel = strcasecmp(argv[0], "sentinel") == 0;
    if (sentinel && argc < 2)
        return NULL;
    for (size_t i = 0; i < CONFIG_COUNT(config_directives); i++) {
        const char *name = config_directives[i].name;
        int is_sentinel = strncmp(name, CONFIG_SENTINEL_PREFIX, skip) == 0;
        if (is_sentinel == sentinel &&
            strcasecmp(sentinel ? name + skip : name, argv[sentinel]) == 0)
            return &config_directives[i];
    }
    return NULL;
}

/* Reads a plain directive's value v into target + d->offset (target is
 * cfg or a master; NULL only checks the value). */
static int config_store(struct config_parser *p, const struct config_directive *d, void *target,
                        const char *v)
{
    char *at = target != NULL ? (char *)target + d->offset : NULL;
    int flag = 0, port = 0;
    int64_t ms = 0;
    uint64_t epoch = 0;
    switch (d->type) {
    case CONFIG_YESNO:
        if (config_yesno(p, v, &flag) < 0)
            return -1;
        if (at != NULL)
            memcpy(at, &flag, sizeof(flag));
        return 0;
    case CONFIG_STRING:
    case CONFIG_OPTIONAL:
        if (at != NULL && d->type == CONFIG_STRING)
            config_set_str((char **)(void *)at, v);
        else if (at != NULL)
            config_set_opt_str((char **)(void *)at, v);
        return 0;
    case CONFIG_PORT:
        if (config_port(p, v, d->min == 0, &port) < 0)
            return -1;
        if (at != NULL)
            memcpy(at, &port, sizeof(port));
        return 0;
    case CONFIG_MS:
        if (config_ms(p, v, d->min, &ms) < 0)
            return -1;
        if (at != NULL)
            memcpy(at, &ms, sizeof(ms));
        return 0;
    case CONFIG_EPOCH:
        if (config_epoch(p, v, &epoch) < 0)
            return -1;
        if (at != NULL)
            memcpy(at, &epoch, sizeof(epoch));
        return 0;
    case CONFIG_CUSTOM: break;
    }
    return -1;
}

/* Runs directive d on a line; m is the master for per-master lines (NULL
 * to check the line only). */
static int config_run(struct config_parser *p, const struct config_directive *d,
                      struct config_master *m, int argc, char **argv)
{
    snprintf(p->what, sizeof(p->what), "%s", d->name);
    if (d->type == CONFIG_CUSTOM)
        return d->fn(p, m, argc, argv);
    void *target = d->scope == CONFIG_PER_MASTER ? (void *)m : (void *)p->cfg;
    return config_store(p, d, target, argv[d->key_words]);
}

static int config_ignored_cmp(const void *key, const void *elem)
{
    return strcasecmp(key, *(const char *const *)elem);
}

static int config_is_ignored(const char *name)
{
    return bsearch(name, config_ignored, CONFIG_COUNT(config_ignored), sizeof(config_ignored[0]),
                   config_ignored_cmp) != NULL;
}

int config_line_key_words(int argc, char *const *argv)
{
    const struct config_directive *d = argc > 0 ? config_lookup(argc, argv) : NULL;
    if (d == NULL || argc < d->min_argc || (d->max_argc >= 0 && argc > d->max_argc))
        return 0;
    return argc < d->key_words ? argc : d->key_words;
}

/* --- dispatching lines -------------------------------------------------- */

static void config_pending_add(struct config_parser *p, int argc, char **argv)
{
    p->pending = config_xrealloc(p->pending, (p->pending_count + 1) * sizeof(*p->pending));
    struct config_pending *q = &p->pending[p->pending_count++];
    q->source = config_xstrdup(p->source);
    q->line = p->line;
    q->argc = argc;
    q->argv = config_xrealloc(NULL, (size_t)argc * sizeof(*q->argv));
    for (int i = 0; i < argc; i++)
        q->argv[i] = config_xstrdup(argv[i]);
}

/* Handles one split line (argc >= 1) at p->source:p->line. */
static int config_line(struct config_parser *p, int argc, char **argv)
{
    /* A bare `sentinel` is what `redis-server conf --sentinel` leaves in
     * the options; Redis ignores it. */
    if (argc == 1 && strcasecmp(argv[0], "sentinel") == 0)
        return 0;
    const struct config_directive *d = config_lookup(argc, argv);
    if (d == NULL && strcasecmp(argv[0], "sentinel") == 0)
        return config_fail(p, "unknown directive 'sentinel %s'", argv[1]);
    if (d == NULL && !config_is_ignored(argv[0]))
        return config_fail(p, "unknown directive '%s'", argv[0]);
    /* Ignored server directives all take at least one value in Redis. */
    if (d == NULL)
        return argc < 2 ? config_fail(p, "wrong number of arguments for '%s'", argv[0]) : 0;
    if (argc < d->min_argc || (d->max_argc >= 0 && argc > d->max_argc))
        return config_fail(p, "wrong number of arguments for '%s'", d->name);
    if (config_run(p, d, NULL, argc, argv) < 0)
        return -1;
    if (d->scope == CONFIG_PER_MASTER)
        config_pending_add(p, argc, argv);
    return 0;
}

/* Reads every line of text; name is what errors call it. */
static int config_parse_source(struct config_parser *p, const char *name, const char *text,
                               size_t len)
{
    p->source = name;
    p->line = 0;
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        int argc;
        char **argv;
        const char *problem;
        p->line++;
        if (config_split_line(text + at, end - at, &argc, &argv, &problem) < 0)
            return config_fail(p, "%s", problem);
        int rc = argc > 0 ? config_line(p, argc, argv) : 0;
        config_argv_free(argc, argv);
        if (rc < 0)
            return -1;
        at = end + 1;
    }
    return 0;
}

/* Applies the kept per-master lines in order, now that every monitor line
 * has been read. */
static int config_resolve_pending(struct config_parser *p)
{
    for (size_t i = 0; i < p->pending_count; i++) {
        struct config_pending *q = &p->pending[i];
        p->source = q->source;
        p->line = q->line;
        struct config_master *m = config_master_find(p->cfg, q->argv[2]);
        if (m == NULL)
            return config_fail(p, "No such master with specified name.");
        if (config_run(p, config_lookup(q->argc, q->argv), m, q->argc, q->argv) < 0)
            return -1;
    }
    return 0;
}

static void config_parser_init(struct config_parser *p, struct config *cfg, char *err,
                               size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->cfg = cfg;
    p->err = err;
    p->errlen = errlen;
    if (errlen > 0)
        err[0] = '\0';
}

static void config_parser_free(struct config_parser *p)
{
    for (size_t i = 0; i < p->pending_count; i++) {
        free(p->pending[i].source);
        config_argv_free(p->pending[i].argc, p->pending[i].argv);
    }
    free(p->pending);
    p->pending = NULL;
    p->pending_count = 0;
}

/* requirepass is the default user's password unless a `user default`
 * line defined that user: Redis applies requirepass as it reads it and
 * the `user` lines after the whole file. */
static void config_acl_finish(struct config *cfg)
{
    if (cfg->acl == NULL)
        cfg->acl = acl_new();
    if (!cfg->default_user_defined)
        acl_set_default_password(cfg->acl, cfg->requirepass);
}

int config_parse_text(struct config *cfg, const char *name, const char *text, size_t len, char *err,
                      size_t errlen)
{
    struct config_parser p;
    config_parser_init(&p, cfg, err, errlen);
    int rc = config_parse_source(&p, name, text, len);
    if (rc == 0)
        rc = config_resolve_pending(&p);
    if (rc == 0)
        config_acl_finish(cfg);
    config_parser_free(&p);
    return rc;
}

/* --- defaults and clearing ---------------------------------------------- */

/* Redis Sentinel's own defaults.  protected-mode is off: redis-sentinel
 * 7.0 turns it off in sentinel mode (its CONFIG REWRITE writes
 * "protected-mode no" into a file that never mentioned it). */
void config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->port = CONFIG_DEFAULT_PORT;
    cfg->maxclients = CONFIG_DEFAULT_MAXCLIENTS;
    cfg->protected_mode = 0;
    cfg->logfile = config_xstrdup("");
    cfg->loglevel = LOG_NOTICE;
    cfg->log_format = LOG_FORMAT_REDIS;
    cfg->dir = config_xstrdup(".");
    cfg->deny_scripts_reconfig = 1;
    cfg->script_max_exec_ms = DEFAULT_SCRIPT_MAX_EXEC_MS;
    cfg->tls_auth_clients = CONFIG_TLS_AUTH_YES;
    cfg->acl = acl_new();
}

static void config_master_clear(struct config_master *m)
{
    free(m->name);
    free(m->host);
    free(m->auth_pass);
    free(m->auth_user);
    free(m->notification_script);
    free(m->client_reconfig_script);
    for (size_t i = 0; i < m->rename_count; i++) {
        free(m->renames[i].from);
        free(m->renames[i].to);
    }
    free(m->renames);
    for (size_t i = 0; i < m->replica_count; i++)
        free(m->replicas[i].host);
    free(m->replicas);
    for (size_t i = 0; i < m->sentinel_count; i++) {
        free(m->sentinels[i].host);
        free(m->sentinels[i].runid);
    }
    free(m->sentinels);
}

void config_clear(struct config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->path);
    for (size_t i = 0; i < cfg->bind_count; i++)
        free(cfg->binds[i]);
    free(cfg->binds);
    free(cfg->pidfile);
    free(cfg->logfile);
    free(cfg->dir);
    free(cfg->requirepass);
    acl_free(cfg->acl);
    free(cfg->announce_ip);
    free(cfg->sentinel_user);
    free(cfg->sentinel_pass);
    free(cfg->http_bind);
    free(cfg->tls_cert_file);
    free(cfg->tls_key_file);
    free(cfg->tls_key_file_pass);
    free(cfg->tls_client_cert_file);
    free(cfg->tls_client_key_file);
    free(cfg->tls_client_key_file_pass);
    free(cfg->tls_ca_cert_file);
    free(cfg->tls_ca_cert_dir);
    free(cfg->tls_dh_params_file);
    free(cfg->tls_protocols);
    free(cfg->tls_ciphers);
    free(cfg->tls_ciphersuites);
    free(cfg->myid);
    for (size_t i = 0; i < cfg->master_count; i++)
        config_master_clear(&cfg->masters[i]);
    free(cfg->masters);
    free(cfg->peers);
    memset(cfg, 0, sizeof(*cfg));
}

/* --- loading: file and command line ------------------------------------- */

/* Makes path absolute against the start-up directory, because the daemon
 * later chdirs into `dir` and still has to find its config file. */
static char *config_absolute_path(const char *path)
{
    if (path[0] == '/')
        return config_xstrdup(path);
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return NULL;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *abs = config_xrealloc(NULL, n);
    snprintf(abs, n, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
    return abs;
}

/* `--sentinel-addrs "h:p,h:p"`: static peers.  The port follows the last
 * colon, so IPv6 works as "[::1]:26379" or "::1:26379". */
static int config_sentinel_addrs(struct config_parser *p, const char *list)
{
    char *copy = config_xstrdup(list), *save = NULL;
    int rc = 0;
    for (char *item = strtok_r(copy, ", ", &save); item != NULL && rc == 0;
         item = strtok_r(NULL, ", ", &save)) {
        char *colon = strrchr(item, ':');
        int port = 0;
        if (colon == NULL || colon == item) {
            rc = config_fail(p, "invalid address '%s' in sentinel-addrs (host:port)", item);
            break;
        }
        *colon = '\0';
        char *host = item;
        size_t n = strlen(host);
        if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
            host[n - 1] = '\0';
            host++;
        }
        rc = config_host(p, host) < 0 || config_port(p, colon + 1, 0, &port) < 0 ? -1 : 0;
        if (rc == 0)
            config_addr_add(&p->cfg->peers, &p->cfg->peer_count, host, port);
    }
    free(copy);
    return rc;
}

/* One option from the command line: words[0] is the directive. */
static int config_option(struct config_parser *p, int nwords, char **words)
{
    if (strcasecmp(words[0], "test-config") == 0) {
        if (nwords != 1)
            return config_fail(p, "wrong number of arguments for 'test-config'");
        p->cfg->test_config = 1;
        return 0;
    }
    if (strcasecmp(words[0], "sentinel-addrs") == 0) {
        if (nwords < 2)
            return config_fail(p, "wrong number of arguments for 'sentinel-addrs'");
        for (int i = 1; i < nwords; i++)
            if (config_sentinel_addrs(p, words[i]) < 0)
                return -1;
        return 0;
    }
    return config_line(p, nwords, words);
}

/* Whether argv[j] (starting with "--") begins a new option after an
 * option that has no value yet.  Redis takes such a word as the value
 * ("--requirepass --secret"), except after --sentinel (a bare switch) and
 * our own --test-config. */
static int config_starts_option(const char *name, int nvalues)
{
    return nvalues > 0 || strcasecmp(name, "sentinel") == 0 ||
           strcasecmp(name, "test-config") == 0 || strcasecmp(name, "save") == 0;
}

/* Reads "--name value..." options, each as the config line "name value...".
 * Each word after the name is one argument, spaces and all.  Returns the
 * index after the option, or -1 with the error set. */
static int config_argv_option(struct config_parser *p, int argc, char *const *argv, int i)
{
    int nname;
    char **name;
    const char *problem;
    p->line++;
    if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0')
        return config_fail(p, "unexpected argument '%s' (options are --name value...)", argv[i]);
    /* "--port 6380" in one word is split as a line would be. */
    if (config_split_line(argv[i] + 2, strlen(argv[i] + 2), &nname, &name, &problem) < 0)
        return config_fail(p, "%s", problem);
    if (nname == 0)
        return config_fail(p, "unexpected argument '%s'", argv[i]);
    int j = i + 1;
    while (j < argc && !(strncmp(argv[j], "--", 2) == 0 &&
                         config_starts_option(name[0], nname - 1 + (j - i - 1))))
        j++;
    int nwords = nname + (j - i - 1);
    /* `--save --port 1` means save "" (Redis keeps this pre-7.0 form). */
    int empty_save = nwords == 1 && strcasecmp(name[0], "save") == 0;
    char **words = config_xrealloc(NULL, (size_t)(nwords + 1) * sizeof(*words));
    for (int k = 0; k < nname; k++)
        words[k] = name[k];
    for (int k = i + 1; k < j; k++)
        words[nname + k - i - 1] = argv[k];
    words[nwords] = "";
    int rc = config_option(p, nwords + empty_save, words);
    free(words);
    config_argv_free(nname, name);
    return rc < 0 ? -1 : j;
}

static int config_parse_argv(struct config_parser *p, int argc, char *const *argv)
{
    p->source = CONFIG_CMDLINE_SOURCE;
    p->line = 0;
    for (int i = 0; i < argc;) {
        i = config_argv_option(p, argc, argv, i);
        if (i < 0)
            return -1;
    }
    return 0;
}

/* Replaces *host with its first address if it is a name that resolves. */
static void config_resolve_one(char **host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, *host, buf) == 1 || inet_pton(AF_INET6, *host, buf) == 1)
        return;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(*host, NULL, &hints, &res) != 0 || res == NULL)
        return;
    char ip[INET6_ADDRSTRLEN];
    const void *a = res->ai_family == AF_INET
                        ? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
                        : (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
    if (inet_ntop(res->ai_family, a, ip, sizeof(ip)) != NULL)
        config_set_str(host, ip);
    freeaddrinfo(res);
}

/* With resolve-hostnames yes and announce-hostnames no, Redis Sentinel
 * resolves a host name once, when it reads it, and from then on knows,
 * announces and rewrites only the address.  A name that does not resolve
 * is kept: links resolve it again on every connection attempt.  With
 * announce-hostnames yes names are kept, and so are re-resolved on every
 * reconnection. */
static void config_resolve_hosts(struct config *cfg)
{
    if (!cfg->resolve_hostnames || cfg->announce_hostnames)
        return;
    for (size_t i = 0; i < cfg->master_count; i++) {
        struct config_master *m = &cfg->masters[i];
        config_resolve_one(&m->host);
        for (size_t k = 0; k < m->replica_count; k++)
            config_resolve_one(&m->replicas[k].host);
        for (size_t k = 0; k < m->sentinel_count; k++)
            config_resolve_one(&m->sentinels[k].host);
    }
}

int config_load(struct config *cfg, const char *path, int argc, char *const *argv, char *err,
                size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "Sentinel needs config file on disk to save state. Exiting...");
        return -1;
    }
    char *abs = config_absolute_path(path);
    if (abs == NULL) {
        snprintf(err, errlen, "Can't resolve the config file path '%s': %s", path, strerror(errno));
        return -1;
    }
    free(cfg->path);
    cfg->path = abs;
    char *text;
    size_t len;
    if (fsutil_read_file(abs, &text, &len) < 0) {
        snprintf(err, errlen, "Fatal error, can't open config file '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    /* Redis checks this at start-up: a sentinel that can't persist its
     * epochs and votes could vote twice in one epoch after a restart. */
    if (access(abs, W_OK) < 0) {
        snprintf(err, errlen, "Sentinel config file %s is not writable: %s. Exiting...", abs,
                 strerror(errno));
        free(text);
        return -1;
    }
    struct config_parser p;
    config_parser_init(&p, cfg, err, errlen);
    p.check_scripts = 1;
    int rc = config_parse_source(&p, path, text, len);
    if (rc == 0)
        rc = config_parse_argv(&p, argc, argv);
    if (rc == 0)
        rc = config_resolve_pending(&p);
    if (rc == 0) {
        config_acl_finish(cfg);
        config_resolve_hosts(cfg);
    }
    config_parser_free(&p);
    free(text);
    return rc;
}

/* --- building the core -------------------------------------------------- */

static char *config_dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? config_xstrdup(s) : NULL;
}

/* Settings first: sentinel links copy sentinel-user/pass when created. */
void config_apply_peer_auth(const struct config *cfg, struct core_settings *s)
{
    /* Without sentinel-pass, Redis Sentinel logs in to its peers with
     * its own requirepass as the default user: one password for both
     * directions, as configs from before sentinel-pass expect. */
    int own = cfg->sentinel_pass != NULL && cfg->sentinel_pass[0] != '\0';
    free(s->sentinel_user);
    free(s->sentinel_pass);
    s->sentinel_user = own ? config_dup_or_null(cfg->sentinel_user) : NULL;
    s->sentinel_pass = config_dup_or_null(own ? cfg->sentinel_pass : cfg->requirepass);
}

static void config_apply_settings(const struct config *cfg, struct core *core)
{
    struct core_settings *s = &core->settings;
    free(s->announce_ip);
    s->announce_ip = config_dup_or_null(cfg->announce_ip);
    s->announce_port = cfg->announce_port;
    /* With tls-replication, peers reach us on the TLS port, so that is the
     * port our hellos announce, as Redis Sentinel does. */
    s->port = cfg->tls_replication && cfg->tls_port != 0 ? cfg->tls_port : cfg->port;
    s->announce_hostnames = cfg->announce_hostnames;
    config_apply_peer_auth(cfg, s);
    s->script_max_exec_ms = cfg->script_max_exec_ms;
}

static void config_apply_master_fields(const struct config_master *cm, struct core *core,
                                       struct master *m)
{
    m->inst.down_after_ms = cm->down_after_ms;
    m->failover_timeout_ms = cm->failover_timeout_ms;
    m->parallel_syncs = cm->parallel_syncs;
    m->master_reboot_down_after_ms = cm->master_reboot_down_after_ms;
    m->replica_validity_ms = cm->replica_validity_ms;
    m->min_failover_interval_ms = cm->min_failover_interval_ms;
    m->config_epoch = cm->config_epoch;
    m->leader_epoch = cm->leader_epoch;
    if (cm->auth_user != NULL || cm->auth_pass != NULL)
        core_master_set_auth(core, m, cm->auth_user, cm->auth_pass);
    free(m->notification_script);
    free(m->client_reconfig_script);
    m->notification_script = config_dup_or_null(cm->notification_script);
    m->client_reconfig_script = config_dup_or_null(cm->client_reconfig_script);
    for (size_t i = 0; i < m->rename_count; i++) {
        free(m->renames[i].from);
        free(m->renames[i].to);
    }
    free(m->renames);
    m->renames = NULL;
    m->rename_count = cm->rename_count;
    if (cm->rename_count > 0)
        m->renames = config_xrealloc(NULL, cm->rename_count * sizeof(*m->renames));
    for (size_t i = 0; i < cm->rename_count; i++) {
        m->renames[i].from = config_xstrdup(cm->renames[i].from);
        m->renames[i].to = config_xstrdup(cm->renames[i].to);
    }
}

static int config_apply_master(const struct config *cfg, const struct config_master *cm,
                               struct core *core, const struct core_time *now, char *err,
                               size_t errlen)
{
    struct master *m = core_master_add(core, cm->name, cm->host, cm->port, cm->quorum, now);
    if (m == NULL) {
        snprintf(err, errlen, "%s:%d: Duplicate master name.",
                 cfg->path != NULL ? cfg->path : "(config)", cm->line);
        return -1;
    }
    /* Before the known instances: they take down_after_ms and the auth
     * from their master when they are created. */
    config_apply_master_fields(cm, core, m);
    /* A known address twice (or the master's own) is no error: the core
     * keeps one instance per address, as Redis does. */
    for (size_t i = 0; i < cm->replica_count; i++)
        core_replica_add(core, m, cm->replicas[i].host, cm->replicas[i].port, now);
    for (size_t i = 0; i < cm->sentinel_count; i++)
        core_sentinel_add(core, m, cm->sentinels[i].host, cm->sentinels[i].port,
                          cm->sentinels[i].runid, now);
    return 0;
}

int config_apply(const struct config *cfg, struct core *core, const struct core_time *now,
                 char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    config_apply_settings(cfg, core);
    if (cfg->myid != NULL && config_is_runid(cfg->myid))
        memcpy(core->myid, cfg->myid, RUNID_LEN + 1);
    core->current_epoch = cfg->current_epoch;
    for (size_t i = 0; i < cfg->peer_count; i++)
        core_peer_add(core, cfg->peers[i].host, cfg->peers[i].port);
    for (size_t i = 0; i < cfg->master_count; i++)
        if (config_apply_master(cfg, &cfg->masters[i], core, now, err, errlen) < 0)
            return -1;
    return 0;
}
