/*
 * config.h - sentinel.conf: parse into a model, apply to the core, rewrite.
 *
 * Parsing is pure (text in, struct config out) so it can be fuzzed; errors
 * name the file, the line and the problem, as Redis does.  Rewriting keeps
 * the user's lines, comments and order, updates changed values where they
 * stand and appends generated state (myid, epochs, known-*) at the end; the
 * file is replaced atomically (temp file, fsync, rename, fsync dir).
 */
#ifndef SENTINELD_APP_CONFIG_H
#define SENTINELD_APP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct acl;

enum log_format {
    LOG_FORMAT_REDIS,
    LOG_FORMAT_JSON,
};

/* tls-auth-clients: whether a client of the TLS port must show a
 * certificate signed by the configured CA. */
enum config_tls_auth {
    CONFIG_TLS_AUTH_YES,
    CONFIG_TLS_AUTH_NO,
    CONFIG_TLS_AUTH_OPTIONAL,
};

/* The words tls-protocols accepts, as bits of tls_protocol_mask. */
enum config_tls_protocol {
    CONFIG_TLS_V1 = 1 << 0,
    CONFIG_TLS_V1_1 = 1 << 1,
    CONFIG_TLS_V1_2 = 1 << 2,
    CONFIG_TLS_V1_3 = 1 << 3,
};

struct config_known {
    char *host;
    int port;
    char *runid;            /* known-sentinel only, may be NULL */
};

/* One `sentinel monitor` block with everything said about that master. */
struct config_master {
    char *name;
    char *host;
    int port;
    int quorum;
    int line;               /* line of its monitor directive, for errors */
    int64_t down_after_ms;
    int64_t failover_timeout_ms;
    int parallel_syncs;
    int64_t master_reboot_down_after_ms;
    int64_t replica_validity_ms;
    int64_t min_failover_interval_ms;
    uint64_t config_epoch;
    uint64_t leader_epoch;
    char *auth_pass;
    char *auth_user;
    char *notification_script;
    char *client_reconfig_script;
    struct rename *renames;
    size_t rename_count;
    struct config_known *replicas;
    size_t replica_count;
    struct config_known *sentinels;
    size_t sentinel_count;
};

struct config {
    char *path;             /* absolute path of the config file */
    int port;               /* 0: no plain-text listener (tls-port only) */
    char **binds;
    size_t bind_count;
    int protected_mode;
    int daemonize;
    char *pidfile;
    char *logfile;          /* "" = stdout */
    enum core_log_level loglevel;
    enum log_format log_format;
    char *dir;
    char *requirepass;      /* also the default user's password */
    struct acl *acl;        /* users; NULL until config_defaults or a `user` line */
    int default_user_defined; /* a `user default` line was read: requirepass
                                 no longer sets its password, as in Redis */
    char *announce_ip;
    int announce_port;
    int resolve_hostnames;
    int announce_hostnames;
    char *sentinel_user;
    char *sentinel_pass;
    int deny_scripts_reconfig;
    int64_t script_max_exec_ms;
    int http_port;
    char *http_bind;
    int maxclients;
    /* TLS, as redis-server names it; net/tls.c builds the contexts.
     * Strings are NULL when unset. */
    int tls_port;           /* 0: no TLS listener */
    char *tls_cert_file;
    char *tls_key_file;
    char *tls_key_file_pass;
    char *tls_client_cert_file; /* outbound links; else tls-cert-file */
    char *tls_client_key_file;
    char *tls_client_key_file_pass;
    char *tls_ca_cert_file;
    char *tls_ca_cert_dir;
    char *tls_dh_params_file;
    enum config_tls_auth tls_auth_clients;
    int tls_replication;    /* TLS toward Redis nodes and peer sentinels */
    char *tls_protocols;    /* as written, for the rewrite */
    unsigned tls_protocol_mask; /* config_tls_protocol bits; 0: unset */
    char *tls_ciphers;
    char *tls_ciphersuites;
    int tls_prefer_server_ciphers;
    char *myid;             /* may be NULL: a new one is generated */
    uint64_t current_epoch;
    struct config_master *masters;
    size_t master_count;
    struct addr *peers;     /* `sentinel peer`, `--sentinel-addrs` */
    size_t peer_count;
    int test_config;        /* --test-config given */
};

/* Fills cfg with defaults (port 26379, protected-mode no as in Redis
 * Sentinel, the default user alone in cfg->acl...).  Whatever cfg held is
 * overwritten, not freed: release it with config_clear. */
void config_defaults(struct config *cfg);

/* Frees everything cfg owns (not cfg itself); safe on a zeroed struct. */
void config_clear(struct config *cfg);

/* Parses text (the file's contents; name is used in error messages) into
 * cfg, which must hold defaults or earlier content: later lines override
 * earlier ones, as Redis does.  Returns 0, or -1 with err set to
 * "<name>:<line>: <problem>" and cfg partly filled (call config_clear). */
int config_parse_text(struct config *cfg, const char *name, const char *text,
                      size_t len, char *err, size_t errlen);

/* Loads a config file plus command-line overrides (argv holds
 * "--directive", "value"... pairs, already split; "--sentinel" is ignored,
 * "--sentinel-addrs h:p,h:p" adds peers, "--test-config" sets test_config).
 * Makes the path absolute.  Returns 0, or -1 with err set. */
int config_load(struct config *cfg, const char *path, int argc,
                char *const *argv, char *err, size_t errlen);

/* Builds the core's masters, replicas, sentinels and peers from cfg.
 * Returns 0, or -1 with err set (e.g. a duplicated master name). */
int config_apply(const struct config *cfg, struct core *core,
                 const struct core_time *now, char *err, size_t errlen);

/* The credentials we log in to peer sentinels with: sentinel-user and
 * sentinel-pass, or requirepass as the default user when sentinel-pass is
 * unset (as Redis Sentinel does).  Replaces those in s. */
struct core_settings;
void config_apply_peer_auth(const struct config *cfg, struct core_settings *s);

/* Produces the rewritten text of the config file: old_text (may be NULL)
 * with lines updated in place and generated state appended.  Returns a
 * malloc'd NUL-terminated string the caller frees, or NULL on OOM. */
char *config_render(const struct config *cfg, const struct core *core,
                    const char *old_text, size_t old_len);

/* Rewrites cfg->path from cfg and core atomically: renders, writes a temp
 * file in the same directory, fsyncs, renames over the old file, fsyncs the
 * directory.  On failure the old file is untouched and err says why.
 * Returns 0 or -1. */
int config_rewrite(const struct config *cfg, const struct core *core,
                   char *err, size_t errlen);

/* Splits one config line (len bytes, no newline) into words the way
 * Redis does: words split on white space, "double quotes" with \n \r \t
 * \b \a \\ \" \xHH escapes, 'single quotes' with \' only; a line whose
 * first non-blank byte is '#' is a comment and has no words.  On success
 * *argv_out is a malloc'd array of *argc_out malloc'd strings (free with
 * config_argv_free; NULL when the line is blank).  Returns 0, or -1 with
 * *problem (static text) set for unbalanced quotes or a NUL byte. */
int config_split_line(const char *line, size_t len, int *argc_out,
                      char ***argv_out, const char **problem);

/* Frees what config_split_line returned; NULL is a no-op. */
void config_argv_free(int argc, char **argv);

/* For a split line, returns how many leading words name the one setting
 * it changes (its rewrite key: 1 for "port", 3 for "sentinel
 * parallel-syncs <master>", 5 for "sentinel known-replica <master> <host>
 * <port>"...), or 0 if the rewrite does not manage such lines (comments,
 * ignored redis-server directives, malformed lines). */
int config_line_key_words(int argc, char *const *argv);

#endif
