/*
 * fuzz_config.c - sentinel.conf: parsing, and the rewrite round trip.
 *
 * Input: the text of a config file.  config_parse_text must accept it or
 * name the bad line; it must never crash or leak.  When it is accepted,
 * the text is loaded into a core (config_apply) and rendered as the
 * rewrite would write it (config_render, with the input as the old file).
 * Two properties make the rewrite crash-safe in substance, not only in
 * its rename: the rendered file parses again to the same settings, and
 * rendering that file once more changes nothing (a rewrite that kept
 * growing or reordering the file would be a bug users see).
 */
#include "fuzz.h"

#include "app/config.h"
#include "core/core.h"

static int config_fuzz_same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static void config_fuzz_same_master(const struct config_master *a, const struct config_master *b)
{
    FUZZ_CHECK(strcmp(a->name, b->name) == 0);
    FUZZ_CHECK(strcmp(a->host, b->host) == 0 && a->port == b->port);
    FUZZ_CHECK(a->quorum == b->quorum);
    FUZZ_CHECK(a->down_after_ms == b->down_after_ms);
    FUZZ_CHECK(a->failover_timeout_ms == b->failover_timeout_ms);
    FUZZ_CHECK(a->parallel_syncs == b->parallel_syncs);
    FUZZ_CHECK(a->master_reboot_down_after_ms == b->master_reboot_down_after_ms);
    FUZZ_CHECK(a->replica_validity_ms == b->replica_validity_ms);
    FUZZ_CHECK(a->min_failover_interval_ms == b->min_failover_interval_ms);
    FUZZ_CHECK(a->config_epoch == b->config_epoch);
    FUZZ_CHECK(a->leader_epoch == b->leader_epoch);
    FUZZ_CHECK(config_fuzz_same_str(a->auth_pass, b->auth_pass));
    FUZZ_CHECK(config_fuzz_same_str(a->auth_user, b->auth_user));
    FUZZ_CHECK(config_fuzz_same_str(a->notification_script, b->notification_script));
    FUZZ_CHECK(config_fuzz_same_str(a->client_reconfig_script, b->client_reconfig_script));
    FUZZ_CHECK(a->rename_count == b->rename_count);
    for (size_t i = 0; i < a->rename_count; i++) {
        FUZZ_CHECK(strcmp(a->renames[i].from, b->renames[i].from) == 0);
        FUZZ_CHECK(strcmp(a->renames[i].to, b->renames[i].to) == 0);
    }
}

/* b was parsed from what the rewrite rendered for a (and core). */
static void config_fuzz_same(const struct config *a, const struct config *b,
                             const struct core *core)
{
    FUZZ_CHECK(a->port == b->port);
    FUZZ_CHECK(a->bind_count == b->bind_count);
    for (size_t i = 0; i < a->bind_count; i++)
        FUZZ_CHECK(strcmp(a->binds[i], b->binds[i]) == 0);
    FUZZ_CHECK(a->protected_mode == b->protected_mode && a->daemonize == b->daemonize);
    FUZZ_CHECK(config_fuzz_same_str(a->pidfile, b->pidfile));
    FUZZ_CHECK(config_fuzz_same_str(a->logfile, b->logfile));
    FUZZ_CHECK(a->loglevel == b->loglevel && a->log_format == b->log_format);
    FUZZ_CHECK(config_fuzz_same_str(a->dir, b->dir));
    FUZZ_CHECK(config_fuzz_same_str(a->requirepass, b->requirepass));
    FUZZ_CHECK(config_fuzz_same_str(a->announce_ip, b->announce_ip));
    FUZZ_CHECK(a->announce_port == b->announce_port);
    FUZZ_CHECK(a->resolve_hostnames == b->resolve_hostnames);
    FUZZ_CHECK(a->announce_hostnames == b->announce_hostnames);
    FUZZ_CHECK(config_fuzz_same_str(a->sentinel_user, b->sentinel_user));
    FUZZ_CHECK(config_fuzz_same_str(a->sentinel_pass, b->sentinel_pass));
    FUZZ_CHECK(a->deny_scripts_reconfig == b->deny_scripts_reconfig);
    FUZZ_CHECK(a->script_max_exec_ms == b->script_max_exec_ms);
    FUZZ_CHECK(a->http_port == b->http_port);
    FUZZ_CHECK(config_fuzz_same_str(a->http_bind, b->http_bind));
    FUZZ_CHECK(b->myid != NULL && strcmp(b->myid, core->myid) == 0);
    FUZZ_CHECK(a->current_epoch == b->current_epoch);
    FUZZ_CHECK(a->master_count == b->master_count);
    for (size_t i = 0; i < a->master_count; i++)
        config_fuzz_same_master(&a->masters[i], &b->masters[i]);
    FUZZ_CHECK(b->peer_count == core->peer_count);
}

/* The core built from a re-read file knows the same instances. */
static void config_fuzz_same_core(const struct core *a, const struct core *b)
{
    FUZZ_CHECK(a->master_count == b->master_count);
    for (size_t i = 0; i < a->master_count; i++) {
        const struct master *ma = a->masters[i], *mb = b->masters[i];
        size_t named = 0;
        FUZZ_CHECK(ma->replica_count == mb->replica_count);
        for (size_t k = 0; k < ma->sentinel_count; k++)
            named += ma->sentinels[k]->runid[0] != '\0';
        FUZZ_CHECK(named == mb->sentinel_count);
    }
}

static struct core *config_fuzz_core(const struct config *cfg)
{
    struct core_time now = {1000, 1700000000000};
    char err[256];
    struct core *core = core_new(cfg->myid, 7);
    FUZZ_CHECK(core != NULL);
    /* Names are unique once parsed, so building the core cannot fail. */
    FUZZ_CHECK(config_apply(cfg, core, &now, err, sizeof(err)) == 0);
    return core;
}

static void config_fuzz_round_trip(const struct config *cfg, const char *text, size_t len)
{
    struct config again;
    char err[1024];
    struct core *core = config_fuzz_core(cfg);
    char *out1 = config_render(cfg, core, text, len);
    FUZZ_CHECK(out1 != NULL);
    config_defaults(&again);
    if (config_parse_text(&again, "rendered.conf", out1, strlen(out1), err, sizeof(err)) != 0) {
        fprintf(stderr, "rendered config does not parse: %s\n---\n%s---\n", err, out1);
        FUZZ_CHECK(!"rendered config parses");
    }
    config_fuzz_same(cfg, &again, core);
    struct core *core2 = config_fuzz_core(&again);
    config_fuzz_same_core(core, core2);
    char *out2 = config_render(&again, core2, out1, strlen(out1));
    FUZZ_CHECK(out2 != NULL);
    if (strcmp(out1, out2) != 0) {
        fprintf(stderr, "rewrite not stable:\n--- first\n%s--- second\n%s---\n", out1, out2);
        FUZZ_CHECK(!"a second rewrite changes nothing");
    }
    free(out2);
    core_free(core2);
    config_clear(&again);
    free(out1);
    core_free(core);
}

FUZZ_TARGET(config)
{
    struct config cfg;
    char err[1024];
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    config_defaults(&cfg);
    int rc = config_parse_text(&cfg, "fuzz.conf", text, size, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc < 0)
        FUZZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
    else
        config_fuzz_round_trip(&cfg, text, size);
    config_clear(&cfg);
    free(text);
    return 0;
}
