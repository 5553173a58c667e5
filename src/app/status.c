/*
 * status.c - metrics, JSON, the status page and the health verdict (see
 * status.h).  Output goes through an open_memstream FILE so every renderer
 * is a plain sequence of writes; a failed write shows up as ferror at the
 * end and the renderer returns NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events.h"
#include "app/status.h"

/* --- text helpers ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (1 to 4), or 0 when the
 * bytes there are not one: overlong forms, surrogates and code points past
 * U+10FFFF count as malformed, as RFC 3629 says. */
static size_t utf8_sequence_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A JSON string (or null for NULL).  Bytes that are not UTF-8 become
 * U+FFFD so the document stays valid whatever a master was named. */
static void json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = utf8_sequence_len(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
        } else if (n > 1) {
            fwrite(p, 1, n, f);
            p += n;
        } else {
            if (c == '"' || c == '\\')
                fprintf(f, "\\%c", c);
            else if (c == '\n')
                fputs("\\n", f);
            else if (c == '\t')
                fputs("\\t", f);
            else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&')
                fprintf(f, "\\u%04x", c); /* safe inside <script> too */
            else
                fputc((int)c, f);
            p++;
        }
    }
    fputc('"', f);
}

static void json_key_str(FILE *f, const char *key, const char *value)
{
    fprintf(f, "\"%s\":", key);
    json_str(f, value);
    fputc(',', f);
}

static void json_key_int(FILE *f, const char *key, long long value)
{
    fprintf(f, "\"%s\":%lld,", key, value);
}

static void json_key_bool(FILE *f, const char *key, int value)
{
    fprintf(f, "\"%s\":%s,", key, value ? "true" : "false");
}

/* The output of one renderer: a memory stream and what it writes to. */
struct out {
    FILE *f;
    char *buf;
    size_t len;
};

static int out_open(struct out *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    return o->f != NULL ? 0 : -1;
}

/* Closes the stream; returns the text (the caller frees it), or NULL if a
 * write failed. */
static char *out_finish(struct out *o, size_t *len)
{
    int failed = ferror(o->f);
    if (fclose(o->f) != 0 || failed) {
        free(o->buf);
        return NULL;
    }
    if (len != NULL)
        *len = o->len;
    return o->buf;
}

/* Closes a JSON object or array.  Members are written with a comma after
 * each; the last one's comma is replaced by the bracket. */
static void json_close(struct out *o, char bracket)
{
    fflush(o->f);
    if (o->len > 0 && o->buf[o->len - 1] == ',')
        fseek(o->f, -1, SEEK_CUR);
    fputc(bracket, o->f);
}

/* A Prometheus label value: backslash, double quote and newline escaped,
 * malformed UTF-8 replaced. */
static void prom_label_value(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_sequence_len(p);
        if (n == 0) {
            fputs("\xef\xbf\xbd", f);
            p++;
            continue;
        }
        if (*p == '\\' || *p == '"')
            fputc('\\', f);
        if (*p == '\n')
            fputs("\\n", f);
        else
            fwrite(p, 1, n, f);
        p += n;
    }
}

static void addr_format(const struct addr *a, char *buf, size_t len)
{
    if (strchr(a->host, ':') != NULL)
        snprintf(buf, len, "[%s]:%d", a->host, a->port);
    else
        snprintf(buf, len, "%s:%d", a->host, a->port);
}


static int64_t ago_ms(const struct status_input *in, int64_t t)
{
    return t != 0 ? in->now.mono_ms - t : 0;
}

const char *status_master_word(const struct master *m)
{
    if (m->inst.flags & FLAG_O_DOWN)
        return "odown";
    if (m->inst.flags & FLAG_S_DOWN)
        return "sdown";
    return "ok";
}

static const char *role_word(const struct instance *inst)
{
    switch (inst->kind) {
    case INSTANCE_MASTER: return "master";
    case INSTANCE_REPLICA: return "replica";
    case INSTANCE_SENTINEL: return "sentinel";
    }
    return "unknown";
}

static const char *level_word(enum core_log_level level)
{
    switch (level) {
    case LOG_DEBUG: return "debug";
    case LOG_VERBOSE: return "verbose";
    case LOG_NOTICE: return "notice";
    case LOG_WARNING: return "warning";
    }
    return "unknown";
}

/* The round trip of the last answered PING; 0 when none was answered
 * since the last one went out. */
static int64_t ping_rtt_ms(const struct link *l)
{
    if (l == NULL || l->last_ping_ms == 0 || l->last_pong_ms < l->last_ping_ms)
        return 0;
    return l->last_pong_ms - l->last_ping_ms;
}

/* --- /metrics ------------------------------------------------------------------ */

enum metric_unit {
    UNIT_PLAIN,   /* printed as an integer */
    UNIT_MS,      /* milliseconds, printed as seconds */
};

static void metric_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric_value(FILE *f, int64_t v, enum metric_unit unit)
{
    if (unit == UNIT_PLAIN) {
        fprintf(f, " %lld\n", (long long)v);
        return;
    }
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    fprintf(f, " %s%llu.%03llu\n", v < 0 ? "-" : "", (unsigned long long)(a / 1000),
            (unsigned long long)(a % 1000));
}

/* Writes name{master="...",address="..."[,extra]} without the value. */
static void metric_master_labels(FILE *f, const char *name, const struct master *m,
                                 const char *extra_key, const char *extra_value)
{
    char addr[HOST_MAX + 16];
    addr_format(&m->inst.addr, addr, sizeof(addr));
    fprintf(f, "%s{master=\"", name);
    prom_label_value(f, m->inst.name);
    fputs("\",address=\"", f);
    prom_label_value(f, addr);
    if (extra_key != NULL) {
        fprintf(f, "\",%s=\"", extra_key);
        prom_label_value(f, extra_value);
    }
    fputs("\"}", f);
}

static void metric_instance_labels(FILE *f, const char *name, const struct master *m,
                                   const struct instance *inst)
{
    char addr[HOST_MAX + 16];
    addr_format(&inst->addr, addr, sizeof(addr));
    fprintf(f, "%s{master=\"", name);
    prom_label_value(f, m->inst.name);
    fprintf(f, "\",role=\"%s\",address=\"", role_word(inst));
    prom_label_value(f, addr);
    fputs("\"}", f);
}

static void metrics_process(FILE *f, const struct status_input *in)
{
    const struct core *core = in->core;
    static const struct {
        const char *name, *type, *help;
        enum metric_unit unit;
    } fams[] = {
        {"sentineld_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch.", UNIT_MS},
        {"sentineld_uptime_seconds", "gauge", "Time since the process started.", UNIT_MS},
        {"sentineld_tilt", "gauge", "1 while in TILT mode (acting as a watcher only).",
         UNIT_PLAIN},
        {"sentineld_tilt_entered_total", "counter", "Times TILT mode was entered.", UNIT_PLAIN},
        {"sentineld_current_epoch", "gauge", "The current epoch of this sentinel.", UNIT_PLAIN},
        {"sentineld_masters", "gauge", "Masters being monitored.", UNIT_PLAIN},
        {"sentineld_connected_clients", "gauge", "Clients connected to the RESP port.",
         UNIT_PLAIN},
        {"sentineld_scripts_running", "gauge", "Notification and reconfiguration scripts "
         "running.", UNIT_PLAIN},
        {"sentineld_scripts_queued", "gauge", "Scripts waiting to run.", UNIT_PLAIN},
        {"sentineld_config_save_failures_total", "counter",
         "Config file rewrites that failed.", UNIT_PLAIN},
        {"sentineld_config_saved", "gauge", "1 when the last config file rewrite worked.",
         UNIT_PLAIN},
    };
    const int64_t values[] = {
        in->start_wall_ms,
        in->now.wall_ms - in->start_wall_ms,
        core->tilt != 0,
        (int64_t)core->tilt_count,
        (int64_t)core->current_epoch,
        (int64_t)core->master_count,
        (int64_t)in->clients,
        (int64_t)in->scripts_running,
        (int64_t)in->scripts_queued,
        (int64_t)in->config_save_failures,
        in->config_saved != 0,
    };
    metric_family(f, "sentineld_info", "gauge", "Always 1; the labels describe this sentinel.");
    fputs("sentineld_info{version=\"", f);
    prom_label_value(f, in->version ? in->version : "");
    fputs("\",myid=\"", f);
    prom_label_value(f, core->myid);
    fputs("\",run_id=\"", f);
    prom_label_value(f, in->run_id ? in->run_id : "");
    fputs("\"} 1\n", f);
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        metric_family(f, fams[i].name, fams[i].type, fams[i].help);
        fputs(fams[i].name, f);
        metric_value(f, values[i], fams[i].unit);
    }
}

struct master_metric {
    const char *name, *type, *help;
    enum metric_unit unit;
    int64_t (*get)(const struct master *m);
};

static int64_t mm_quorum(const struct master *m) { return m->quorum; }
static int64_t mm_replicas(const struct master *m) { return (int64_t)m->replica_count; }
static int64_t mm_sentinels(const struct master *m) { return (int64_t)m->sentinel_count; }
static int64_t mm_config_epoch(const struct master *m) { return (int64_t)m->config_epoch; }
static int64_t mm_started(const struct master *m) { return (int64_t)m->failovers_started; }
static int64_t mm_succeeded(const struct master *m) { return (int64_t)m->failovers_succeeded; }
static int64_t mm_aborted(const struct master *m) { return (int64_t)m->failovers_aborted; }
static int64_t mm_last_duration(const struct master *m) { return m->last_failover_duration_ms; }
static int64_t mm_down_after(const struct master *m) { return m->inst.down_after_ms; }

static int64_t mm_in_failover(const struct master *m)
{
    return (m->inst.flags & FLAG_FAILOVER_IN_PROGRESS) != 0;
}

static const struct master_metric master_metrics[] = {
    {"sentineld_master_failover_in_progress", "gauge", "1 while a failover of the master runs.",
     UNIT_PLAIN, mm_in_failover},
    {"sentineld_master_quorum", "gauge", "Sentinels that must agree the master is down.",
     UNIT_PLAIN, mm_quorum},
    {"sentineld_master_replicas", "gauge", "Replicas known for the master.", UNIT_PLAIN,
     mm_replicas},
    {"sentineld_master_sentinels", "gauge", "Other sentinels known to watch the master.",
     UNIT_PLAIN, mm_sentinels},
    {"sentineld_master_config_epoch", "gauge", "Epoch of the master's current configuration.",
     UNIT_PLAIN, mm_config_epoch},
    {"sentineld_master_down_after_seconds", "gauge",
     "Time without a valid reply after which an instance is subjectively down.", UNIT_MS,
     mm_down_after},
    {"sentineld_master_failovers_started_total", "counter",
     "Failovers of the master this sentinel attempted.", UNIT_PLAIN, mm_started},
    {"sentineld_master_failovers_succeeded_total", "counter",
     "Failovers of the master this sentinel completed.", UNIT_PLAIN, mm_succeeded},
    {"sentineld_master_failovers_aborted_total", "counter",
     "Failovers of the master this sentinel gave up.", UNIT_PLAIN, mm_aborted},
    {"sentineld_master_last_failover_duration_seconds", "gauge",
     "Duration of the last failover this sentinel completed (0 if none).", UNIT_MS,
     mm_last_duration},
};

static void metrics_masters(FILE *f, const struct status_input *in)
{
    static const char *const words[] = {"ok", "sdown", "odown"};
    const struct core *core = in->core;
    metric_family(f, "sentineld_master_status", "gauge",
                  "1 for the master's current status (ok, sdown or odown), 0 for the others.");
    for (size_t i = 0; i < core->master_count; i++) {
        const char *now = status_master_word(core->masters[i]);
        for (size_t w = 0; w < 3; w++) {
            metric_master_labels(f, "sentineld_master_status", core->masters[i], "status",
                                 words[w]);
            fprintf(f, " %d\n", strcmp(now, words[w]) == 0);
        }
    }
    for (size_t k = 0; k < sizeof(master_metrics) / sizeof(master_metrics[0]); k++) {
        const struct master_metric *mm = &master_metrics[k];
        metric_family(f, mm->name, mm->type, mm->help);
        for (size_t i = 0; i < core->master_count; i++) {
            metric_master_labels(f, mm->name, core->masters[i], NULL, NULL);
            metric_value(f, mm->get(core->masters[i]), mm->unit);
        }
    }
}

/* Per instance: the master itself, its announced replicas, its sentinels. */
struct instance_metric {
    const char *name, *help;
    enum metric_unit unit;
    int replicas_only;
    int64_t (*get)(const struct instance *inst, const struct status_input *in);
};

static int64_t im_sdown(const struct instance *inst, const struct status_input *in)
{
    return (inst->flags & FLAG_S_DOWN) != 0;
}

static int64_t im_connected(const struct instance *inst, const struct status_input *in)
{
    return inst->link != NULL && inst->link->cmd_connected;
}

static int64_t im_pending(const struct instance *inst, const struct status_input *in)
{
    return inst->link != NULL ? inst->link->pending_commands : 0;
}

static int64_t im_ok_ping_age(const struct instance *inst, const struct status_input *in)
{
    return inst->link != NULL ? ago_ms(in, inst->link->last_avail_ms) : 0;
}

static int64_t im_ping_rtt(const struct instance *inst, const struct status_input *in)
{
    return ping_rtt_ms(inst->link);
}

static int64_t im_ping_waiting(const struct instance *inst, const struct status_input *in)
{
    return inst->link != NULL ? ago_ms(in, inst->link->act_ping_ms) : 0;
}

static int64_t im_link_up(const struct instance *inst, const struct status_input *in)
{
    return inst->master_link_up != 0;
}

static int64_t im_offset(const struct instance *inst, const struct status_input *in)
{
    return inst->repl_offset;
}

static int64_t im_priority(const struct instance *inst, const struct status_input *in)
{
    return inst->replica_priority;
}

static const struct instance_metric instance_metrics[] = {
    {"sentineld_instance_sdown", "1 while the instance is subjectively down.", UNIT_PLAIN, 0,
     im_sdown},
    {"sentineld_instance_link_connected", "1 while the command connection is up.",
     UNIT_PLAIN, 0, im_connected},
    {"sentineld_instance_link_pending_commands", "Commands sent and not yet answered.",
     UNIT_PLAIN, 0, im_pending},
    {"sentineld_instance_last_ok_ping_age_seconds", "Time since the last valid PING reply.",
     UNIT_MS, 0, im_ok_ping_age},
    {"sentineld_instance_ping_rtt_seconds",
     "Round trip of the last answered PING (millisecond resolution).", UNIT_MS, 0,
     im_ping_rtt},
    {"sentineld_instance_ping_waiting_seconds",
     "Age of the oldest unanswered PING (0 when none is waiting).", UNIT_MS, 0,
     im_ping_waiting},
    {"sentineld_replica_master_link_up", "1 when the replica says its link to the master is "
     "up.", UNIT_PLAIN, 1, im_link_up},
    {"sentineld_replica_repl_offset_bytes", "Replication offset the replica reports.",
     UNIT_PLAIN, 1, im_offset},
    {"sentineld_replica_priority", "The replica's replica-priority.", UNIT_PLAIN, 1,
     im_priority},
};

static void metrics_instance_family(FILE *f, const struct status_input *in,
                                    const struct instance_metric *im)
{
    const struct core *core = in->core;
    metric_family(f, im->name, "gauge", im->help);
    for (size_t i = 0; i < core->master_count; i++) {
        const struct master *m = core->masters[i];
        size_t n = 1 + m->replica_count + m->sentinel_count;
        for (size_t j = 0; j < n; j++) {
            const struct instance *inst =
                j == 0 ? &m->inst
                : j <= m->replica_count ? m->replicas[j - 1]
                                        : m->sentinels[j - 1 - m->replica_count];
            if (inst->kind == INSTANCE_REPLICA && !inst->replica_announced)
                continue;
            if (im->replicas_only && inst->kind != INSTANCE_REPLICA)
                continue;
            metric_instance_labels(f, im->name, m, inst);
            metric_value(f, im->get(inst, in), im->unit);
        }
    }
}

char *status_metrics(const struct status_input *in, size_t *len)
{
    struct out o;
    if (out_open(&o) < 0)
        return NULL;
    metrics_process(o.f, in);
    metrics_masters(o.f, in);
    for (size_t k = 0; k < sizeof(instance_metrics) / sizeof(instance_metrics[0]); k++)
        metrics_instance_family(o.f, in, &instance_metrics[k]);
    return out_finish(&o, len);
}

/* --- /status ---------------------------------------------------------------------- */

static void json_link(struct out *o, const struct status_input *in, const struct link *l)
{
    FILE *f = o->f;
    fputs("\"link\":{", f);
    json_key_bool(f, "connected", l != NULL && l->cmd_connected);
    json_key_int(f, "pending_commands", l != NULL ? l->pending_commands : 0);
    json_key_int(f, "last_ok_ping_ms", l != NULL ? ago_ms(in, l->last_avail_ms) : 0);
    json_key_int(f, "ping_rtt_ms", ping_rtt_ms(l));
    json_key_int(f, "ping_waiting_ms", l != NULL ? ago_ms(in, l->act_ping_ms) : 0);
    json_close(o, '}');
    fputc(',', f);
}

/* The members every instance has; the caller opened the object. */
static void json_instance_common(struct out *o, const struct status_input *in,
                                 const struct instance *inst)
{
    FILE *f = o->f;
    char flags[256], addr[HOST_MAX + 16];
    core_flags_format(inst, flags, sizeof(flags));
    addr_format(&inst->addr, addr, sizeof(addr));
    json_key_str(f, "name", inst->name);
    json_key_str(f, "role", role_word(inst));
    json_key_str(f, "ip", inst->addr.host);
    json_key_int(f, "port", inst->addr.port);
    json_key_str(f, "address", addr);
    json_key_str(f, "runid", inst->runid);
    json_key_str(f, "flags", flags);
    json_key_int(f, "s_down_ms", (inst->flags & FLAG_S_DOWN) ? ago_ms(in, inst->s_down_since_ms)
                                                                : 0);
    json_link(o, in, inst->link);
}

static void json_replica(struct out *o, const struct status_input *in,
                         const struct instance *r)
{
    FILE *f = o->f;
    fputc('{', f);
    json_instance_common(o, in, r);
    json_key_str(f, "master_link_status", r->master_link_up ? "ok" : "err");
    json_key_str(f, "master_host", r->replica_master_host[0] ? r->replica_master_host : NULL);
    json_key_int(f, "master_port", r->replica_master_port);
    json_key_int(f, "priority", r->replica_priority);
    json_key_int(f, "repl_offset", r->repl_offset);
    json_key_int(f, "info_refresh_ms", ago_ms(in, r->info_refresh_ms));
    json_close(o, '}');
    fputc(',', f);
}

static void json_sentinel(struct out *o, const struct status_input *in,
                          const struct instance *s)
{
    FILE *f = o->f;
    fputc('{', f);
    json_instance_common(o, in, s);
    json_key_int(f, "last_hello_ms", ago_ms(in, s->last_hello_ms));
    json_key_str(f, "voted_leader", s->leader);
    json_key_int(f, "voted_leader_epoch", (long long)s->leader_epoch);
    json_close(o, '}');
    fputc(',', f);
}

static void json_master(struct out *o, const struct status_input *in, const struct master *m)
{
    FILE *f = o->f;
    fputc('{', f);
    json_instance_common(o, in, &m->inst);
    json_key_str(f, "status", status_master_word(m));
    json_key_int(f, "o_down_ms", (m->inst.flags & FLAG_O_DOWN)
                                     ? ago_ms(in, m->inst.o_down_since_ms) : 0);
    json_key_int(f, "quorum", m->quorum);
    json_key_int(f, "config_epoch", (long long)m->config_epoch);
    json_key_str(f, "leader", m->leader);
    json_key_int(f, "leader_epoch", (long long)m->leader_epoch);
    json_key_str(f, "failover_state", core_failover_state_name(m->failover_state));
    json_key_int(f, "down_after_ms", m->inst.down_after_ms);
    json_key_int(f, "failover_timeout_ms", m->failover_timeout_ms);
    json_key_int(f, "parallel_syncs", m->parallel_syncs);
    json_key_int(f, "num_slaves", (long long)m->replica_count);
    json_key_int(f, "num_other_sentinels", (long long)m->sentinel_count);
    fputs("\"failovers\":{", f);
    json_key_int(f, "started", (long long)m->failovers_started);
    json_key_int(f, "succeeded", (long long)m->failovers_succeeded);
    json_key_int(f, "aborted", (long long)m->failovers_aborted);
    json_key_int(f, "last_duration_ms", m->last_failover_duration_ms);
    json_close(o, '}');
    fputs(",\"replicas\":[", f);
    /* Unannounced replicas are left out, as SENTINEL REPLICAS leaves them. */
    for (size_t i = 0; i < m->replica_count; i++)
        if (m->replicas[i]->replica_announced)
            json_replica(o, in, m->replicas[i]);
    json_close(o, ']');
    fputs(",\"sentinels\":[", f);
    for (size_t i = 0; i < m->sentinel_count; i++)
        json_sentinel(o, in, m->sentinels[i]);
    json_close(o, ']');
    json_close(o, '}');
    fputc(',', f);
}

static void json_process(struct out *o, const struct status_input *in)
{
    FILE *f = o->f;
    const struct core *core = in->core;
    json_key_str(f, "version", in->version);
    json_key_str(f, "myid", core->myid);
    json_key_str(f, "run_id", in->run_id);
    json_key_int(f, "port", in->port);
    json_key_int(f, "now_ms", in->now.wall_ms);
    json_key_int(f, "start_time_ms", in->start_wall_ms);
    json_key_int(f, "uptime_ms", in->now.wall_ms - in->start_wall_ms);
    json_key_bool(f, "tilt", core->tilt);
    json_key_int(f, "tilt_ms", core->tilt ? in->now.mono_ms - core->tilt_start_ms : 0);
    json_key_int(f, "tilt_count", (long long)core->tilt_count);
    json_key_int(f, "current_epoch", (long long)core->current_epoch);
    json_key_int(f, "connected_clients", (long long)in->clients);
    json_key_int(f, "scripts_running", (long long)in->scripts_running);
    json_key_int(f, "scripts_queued", (long long)in->scripts_queued);
    json_key_bool(f, "config_saved", in->config_saved);
}

static void json_peers(struct out *o, const struct status_input *in)
{
    FILE *f = o->f;
    const struct core *core = in->core;
    fputs("\"peers\":[", f);
    for (size_t i = 0; i < core->peer_count; i++) {
        const struct static_peer *p = &core->peers[i];
        char addr[HOST_MAX + 16];
        addr_format(&p->addr, addr, sizeof(addr));
        fputc('{', f);
        json_key_str(f, "address", addr);
        json_key_str(f, "runid", p->runid[0] ? p->runid : NULL);
        json_key_int(f, "last_hello_ms", ago_ms(in, p->last_hello_ms));
        json_link(o, in, p->link);
        json_close(o, '}');
        fputc(',', f);
    }
    json_close(o, ']');
    fputc(',', f);
}

static void json_events(struct out *o, const struct status_input *in)
{
    FILE *f = o->f;
    fputs("\"events\":[", f);
    for (size_t i = 0; i < in->event_count; i++) {
        const struct events_entry *e = in->events[i];
        fputc('{', f);
        json_key_int(f, "time_ms", e->wall_ms);
        json_key_str(f, "level", level_word(e->level));
        json_key_str(f, "type", e->type);
        json_key_str(f, "text", e->text);
        json_close(o, '}');
        fputc(',', f);
    }
    json_close(o, ']');
}

static void json_document(struct out *o, const struct status_input *in)
{
    fputc('{', o->f);
    json_process(o, in);
    fputs("\"masters\":[", o->f);
    for (size_t i = 0; i < in->core->master_count; i++)
        json_master(o, in, in->core->masters[i]);
    json_close(o, ']');
    fputc(',', o->f);
    json_peers(o, in);
    json_events(o, in);
    fputc('}', o->f);
}

char *status_json(const struct status_input *in, size_t *len)
{
    struct out o;
    if (out_open(&o) < 0)
        return NULL;
    json_document(&o, in);
    fputc('\n', o.f);
    return out_finish(&o, len);
}

/* --- /healthz ---------------------------------------------------------------------- */

int status_health(const struct status_input *in, const char **reason)
{
    const char *why = NULL;
    if (in->core->tilt)
        why = "tilt: acting as a watcher only until the clock is steady";
    else if (!in->config_saved)
        why = "config file not saved: the last rewrite failed";
    if (reason != NULL)
        *reason = why;
    return why != NULL ? -1 : 0;
}

/* --- / ------------------------------------------------------------------------------ */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>sentineld</title>\n<style>\n"
    ":root{--bg:#f4f6f9;--card:#fff;--ink:#1c2331;--mute:#667085;--line:#e2e6ec;"
    "--ok:#1a7f37;--warn:#b45309;--bad:#c62828;--acc:#2f5fb3}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "background:var(--bg);color:var(--ink)}\n"
    "header{display:flex;flex-wrap:wrap;gap:6px 20px;align-items:baseline;padding:12px 20px;"
    "background:var(--ink);color:#c9d1de}\n"
    "header h1{font-size:18px;margin:0;color:#fff}\nheader b{color:#fff;font-weight:600}\n"
    "#conn{margin-left:auto}\n#conn.stale{color:#ffb4a9}\n"
    "main{padding:16px 20px;display:grid;gap:16px;"
    "grid-template-columns:minmax(0,3fr) minmax(0,2fr)}\n"
    "@media (max-width:900px){main{grid-template-columns:1fr}}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:12px 16px;margin-bottom:16px}\n"
    ".card h2{margin:0 0 2px;font-size:17px;display:flex;flex-wrap:wrap;gap:10px;"
    "align-items:center}\n"
    ".badge{padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;"
    "background:var(--ok)}\n"
    ".badge.sdown{background:var(--warn)}.badge.odown,.badge.tilt{background:var(--bad)}"
    ".badge.fo{background:var(--acc)}\n"
    ".meta{color:var(--mute);font-size:12.5px}\n"
    ".tree{list-style:none;margin:6px 0 0 6px;padding:0 0 0 14px;border-left:2px solid "
    "var(--line)}\n"
    ".tree li{padding:3px 0 3px 8px;position:relative}\n"
    ".tree li:before{content:'';position:absolute;left:-14px;top:14px;width:18px;"
    "border-top:2px solid var(--line)}\n"
    ".addr{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:600}\n"
    ".flags{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;"
    "color:var(--mute)}\n.flags.down{color:var(--bad);font-weight:600}\n"
    "h3{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--mute);"
    "margin:12px 0 2px}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px}\n"
    "td{padding:3px 6px;border-top:1px solid var(--line);vertical-align:top;"
    "overflow-wrap:anywhere}\n"
    "td.t{white-space:nowrap;color:var(--mute);font-family:ui-monospace,Menlo,monospace}\n"
    "td.ty{white-space:nowrap;font-weight:600}\ntr.warning td.ty{color:var(--bad)}\n"
    ".empty{color:var(--mute);font-style:italic}\n"
    "</style></head><body>\n"
    "<header><h1>sentineld</h1><span>id <b id=\"myid\"></b></span>"
    "<span>epoch <b id=\"epoch\"></b></span><span>tilt <b id=\"tilt\"></b></span>"
    "<span>uptime <b id=\"uptime\"></b></span><span>version <b id=\"version\"></b></span>"
    "<span id=\"conn\"></span></header>\n"
    "<main><div id=\"masters\"></div>\n"
    "<div><div class=\"card\"><h2>Recent events</h2><table id=\"events\"></table></div>"
    "</div></main>\n"
    "<script id=\"initial\" type=\"application/json\">";

/* Everything is built with textContent, never innerHTML, so names and
 * event texts cannot inject markup. */
static const char page_tail[] =
    "</script>\n<script>\n\"use strict\";\n"
    "function el(tag, cls, text) {\n"
    "  const e = document.createElement(tag);\n"
    "  if (cls) e.className = cls;\n"
    "  if (text !== undefined) e.textContent = String(text);\n"
    "  return e;\n}\n"
    "function dur(ms) {\n"
    "  const s = Math.floor(ms / 1000);\n"
    "  if (s < 120) return s + 's';\n"
    "  if (s < 7200) return Math.floor(s / 60) + 'm';\n"
    "  if (s < 172800) return Math.floor(s / 3600) + 'h';\n"
    "  return Math.floor(s / 86400) + 'd';\n}\n"
    "function clock(ms) {\n"
    "  const d = new Date(ms), p = (n, w) => String(n).padStart(w, '0');\n"
    "  return p(d.getHours(), 2) + ':' + p(d.getMinutes(), 2) + ':' + p(d.getSeconds(), 2) +\n"
    "    '.' + p(d.getMilliseconds(), 3);\n}\n"
    "function item(n, cls, note) {\n"
    "  const li = el('li', cls);\n"
    "  li.dataset.addr = n.address;\n"
    "  const down = /s_down|o_down|disconnected/.test(n.flags);\n"
    "  li.append(el('span', 'addr', n.address), ' ', el('span', down ? 'flags down' : 'flags',"
    " n.flags));\n"
    "  if (note) li.append(' ', el('span', 'meta', note));\n"
    "  return li;\n}\n"
    "function master(m) {\n"
    "  const c = el('section', 'card master');\n"
    "  c.dataset.master = m.name;\n"
    "  const h = el('h2');\n"
    "  h.append(el('span', null, m.name), el('span', 'addr', m.address),\n"
    "    el('span', 'badge ' + m.status, m.status));\n"
    "  if (m.failover_state !== 'none') h.append(el('span', 'badge fo', 'failover: ' +"
    " m.failover_state));\n"
    "  const f = m.failovers;\n"
    "  let meta = 'quorum ' + m.quorum + ' \\u00b7 config epoch ' + m.config_epoch +\n"
    "    ' \\u00b7 failovers ' + f.succeeded + ' done / ' + f.started + ' started';\n"
    "  if (f.last_duration_ms) meta += ' \\u00b7 last took ' + (f.last_duration_ms / 1000)"
    ".toFixed(2) + ' s';\n"
    "  c.append(h, el('div', 'meta', meta));\n"
    "  const top = el('ul', 'tree');\n"
    "  const me = item(m, 'master', 'last ok ping ' + m.link.last_ok_ping_ms + ' ms ago');\n"
    "  const reps = el('ul', 'tree');\n"
    "  for (const r of m.replicas)\n"
    "    reps.append(item(r, 'replica', 'link ' + r.master_link_status + ' \\u00b7 offset ' +\n"
    "      r.repl_offset + ' \\u00b7 priority ' + r.priority));\n"
    "  if (!m.replicas.length) reps.append(el('li', 'empty', 'no replicas'));\n"
    "  me.append(reps);\n  top.append(me);\n"
    "  c.append(el('h3', null, 'replication'), top, el('h3', null, 'sentinels'));\n"
    "  const peers = el('ul', 'tree');\n"
    "  peers.append(el('li', 'meta', 'this one and ' + m.sentinels.length + ' other(s)'));\n"
    "  for (const s of m.sentinels)\n"
    "    peers.append(item(s, 'sentinel', s.runid.slice(0, 8) + (s.voted_leader ?\n"
    "      ' \\u00b7 voted ' + s.voted_leader.slice(0, 8) + ' in epoch ' +"
    " s.voted_leader_epoch : '')));\n"
    "  c.append(peers);\n  return c;\n}\n"
    "function render(s) {\n"
    "  document.getElementById('myid').textContent = s.myid.slice(0, 8);\n"
    "  document.getElementById('epoch').textContent = s.current_epoch;\n"
    "  const t = document.getElementById('tilt');\n"
    "  t.textContent = s.tilt ? 'TILT' : 'no';\n  t.className = s.tilt ? 'badge tilt' : '';\n"
    "  document.getElementById('uptime').textContent = dur(s.uptime_ms);\n"
    "  document.getElementById('version').textContent = s.version;\n"
    "  const ms = document.getElementById('masters');\n"
    "  ms.replaceChildren(...s.masters.map(master));\n"
    "  if (!s.masters.length) ms.append(el('div', 'card empty', 'no masters monitored'));\n"
    "  const ev = document.getElementById('events');\n"
    "  ev.replaceChildren(...s.events.slice(0, 30).map(e => {\n"
    "    const tr = el('tr', e.level);\n"
    "    tr.append(el('td', 't', clock(e.time_ms)), el('td', 'ty', e.type), el('td', null,"
    " e.text));\n"
    "    return tr;\n  }));\n"
    "  if (!s.events.length) ev.append(el('tr', 'empty', 'no events yet'));\n"
    "}\n"
    "function conn(ok, why) {\n"
    "  const c = document.getElementById('conn');\n"
    "  c.textContent = ok ? 'live, ' + clock(Date.now()) : 'stale: ' + why;\n"
    "  c.className = ok ? '' : 'stale';\n}\n"
    "async function poll() {\n"
    "  try {\n"
    "    const r = await fetch('status?events=30', {cache: 'no-store'});\n"
    "    if (!r.ok) throw new Error('HTTP ' + r.status);\n"
    "    render(await r.json());\n    conn(true);\n"
    "  } catch (e) {\n    conn(false, e.message);\n  }\n"
    "  setTimeout(poll, 1000);\n}\n"
    "render(JSON.parse(document.getElementById('initial').textContent));\n"
    "conn(true);\nsetTimeout(poll, 1000);\n"
    "</script></body></html>\n";

char *status_page(const struct status_input *in, size_t *len)
{
    struct out o;
    if (out_open(&o) < 0)
        return NULL;
    fputs(page_head, o.f);
    json_document(&o, in);
    fputs(page_tail, o.f);
    return out_finish(&o, len);
}
