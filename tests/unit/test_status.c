/*
 * test_status.c - the renderers behind the HTTP port: Prometheus text that
 * a strict reader accepts (families grouped, HELP and TYPE first, labels
 * escaped), JSON that parses whatever the model holds, the page with its
 * state embedded and no external asset, the health verdict, and the
 * Authorization check of http.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/events.h"
#include "app/http.h"
#include "app/status.h"
#include "core/core.h"

#define T_MYID "0123456789abcdef0123456789abcdef01234567"

/* The program's entry points, which http.c and the command layer linked
 * with it call; main.c has the real ones and these tests need none. */
void app_clock_update(struct app *app) { (void)app; }
void app_shutdown(struct app *app) { (void)app; }
int app_persist(struct app *app, char *err, size_t errlen) { return 0; }
int app_actions_run(struct app *app) { return 0; }
void app_feed(struct app *app, const struct core_event *ev) { (void)ev; }

struct fixture {
    struct core *core;
    struct core_time now;
    struct events_entry events[3];
    const struct events_entry *event_ptrs[3];
    struct status_input in;
};

/* A master with two replicas (one unannounced), one peer sentinel, an
 * epoch and a finished failover. */
static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    fx->now.mono_ms = 5000000;
    fx->now.wall_ms = 1795305029505LL;
    fx->core = core_new(T_MYID, 42);
    struct master *m = core_master_add(fx->core, "mymaster", "10.0.0.1", 6379, 2, &fx->now);
    struct instance *r1 = core_replica_add(fx->core, m, "10.0.0.2", 6379, &fx->now);
    struct instance *r2 = core_replica_add(fx->core, m, "10.0.0.3", 6379, &fx->now);
    core_sentinel_add(fx->core, m, "10.0.0.9", 26379, "ffffffffffffffffffffffffffffffffffffffff",
                      &fx->now);
    r1->replica_announced = 1;
    r1->repl_offset = 123456;
    r1->replica_priority = 100;
    r1->master_link_up = 1;
    r2->replica_announced = 0;
    m->config_epoch = 7;
    fx->core->current_epoch = 9;
    m->failovers_started = 3;
    m->failovers_succeeded = 2;
    m->failovers_aborted = 1;
    m->last_failover_duration_ms = 2345;
    m->inst.link->last_avail_ms = fx->now.mono_ms - 1500;
    m->inst.link->cmd_connected = 1;
    m->inst.link->pubsub_connected = 1;
    static const char *const types[] = {"+switch-master", "+odown", "+sdown"};
    for (int i = 0; i < 3; i++) {
        fx->events[i].wall_ms = fx->now.wall_ms - i * 1000;
        fx->events[i].level = LOG_WARNING;
        fx->events[i].type = (char *)types[i];
        fx->events[i].text = (char *)"master mymaster 10.0.0.1 6379";
        fx->event_ptrs[i] = &fx->events[i];
    }
    fx->in.core = fx->core;
    fx->in.now = fx->now;
    fx->in.start_wall_ms = fx->now.wall_ms - 61000;
    fx->in.version = "0.1.0";
    fx->in.run_id = "feedfeedfeedfeedfeedfeedfeedfeedfeedfeed";
    fx->in.port = 26379;
    fx->in.clients = 4;
    fx->in.config_saved = 1;
    fx->in.events = fx->event_ptrs;
    fx->in.event_count = 3;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    core_free(fx->core);
    free(fx);
    return 0;
}

/* --- a strict reader for the exposition format ------------------------------------ */

static int matches(const char *re, const char *s)
{
    regex_t rx;
    assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    int ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

/* Checks every line and that each family is one group that starts with
 * HELP then TYPE; counters end in _total.  Returns the number of samples. */
static int check_exposition(const char *text)
{
    static const char *const sample_re =
        "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
        "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})? -?[0-9]+(\\.[0-9]+)?$";
    char family[256] = "", type[32] = "", seen[8192] = " ";
    int samples = 0, expect_type = 0;
    char *copy = strdup(text);
    assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char name[256];
        if (strncmp(line, "# HELP ", 7) == 0) {
            assert_false(expect_type);
            assert_int_equal(sscanf(line + 7, "%255s", family), 1);
            char key[300];
            snprintf(key, sizeof(key), " %s ", family);
            assert_null(strstr(seen, key)); /* a family appears once */
            strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
            expect_type = 1;
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            assert_true(expect_type);
            assert_int_equal(sscanf(line + 7, "%255s %31s", name, type), 2);
            assert_string_equal(name, family);
            assert_true(strcmp(type, "gauge") == 0 || strcmp(type, "counter") == 0);
            if (strcmp(type, "counter") == 0)
                assert_true(matches("_total$", family));
            expect_type = 0;
            continue;
        }
        assert_false(expect_type);
        if (!matches(sample_re, line))
            fail_msg("not an exposition sample: %s", line);
        size_t n = strcspn(line, "{ ");
        assert_int_equal(n, strlen(family));
        assert_memory_equal(line, family, n);
        samples++;
    }
    free(copy);
    return samples;
}

/* --- a strict JSON reader ------------------------------------------------------------ */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0')
                        return NULL;
                p += 5;
            } else if (*p != '\0' && strchr("\"\\/bfnrt", *p)) {
                p++;
            } else {
                return NULL;
            }
        } else if (c >= 0x80) {
            int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
            if (n == 0 || c > 0xf4)
                return NULL;
            for (int i = 1; i < n; i++)
                if (((unsigned char)p[i] & 0xc0) != 0x80)
                    return NULL;
            p += n;
        } else {
            p++;
        }
    }
    return p + 1;
}

static const char *json_members(const char *p, char close, int keyed)
{
    p = json_ws(p);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            p = json_string(json_ws(p));
            if (p == NULL || *(p = json_ws(p)) != ':')
                return NULL;
            p++;
        }
        p = json_value(p);
        if (p == NULL)
            return NULL;
        p = json_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *json_value(const char *p)
{
    p = json_ws(p);
    if (*p == '{')
        return json_members(p + 1, '}', 1);
    if (*p == '[')
        return json_members(p + 1, ']', 0);
    if (*p == '"')
        return json_string(p);
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    const char *start = p;
    if (*p == '-')
        p++;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > start && p[-1] != '-' ? p : NULL;
}

static void assert_json(const char *text)
{
    const char *end = json_value(text);
    if (end == NULL)
        fail_msg("invalid JSON: %.400s", text);
    assert_string_equal(json_ws(end), "");
}

/* --- metrics ------------------------------------------------------------------------- */

static void test_metrics_parse_strictly(void **state)
{
    struct fixture *fx = *state;
    size_t len = 0;
    char *text = status_metrics(&fx->in, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_true(check_exposition(text) > 30);
    free(text);
}

static void test_metrics_values(void **state)
{
    struct fixture *fx = *state;
    char *text = status_metrics(&fx->in, NULL);
#define ML "{master=\"mymaster\",address=\"10.0.0.1:6379\""
#define IL(role, addr) "{master=\"mymaster\",role=\"" role "\",address=\"" addr "\"}"
    static const char *const want[] = {
        "\nsentineld_current_epoch 9\n",
        "\nsentineld_uptime_seconds 61.000\n",
        "\nsentineld_connected_clients 4\n",
        "\nsentineld_tilt 0\n",
        "\nsentineld_config_saved 1\n",
        "\nsentineld_master_status" ML ",status=\"ok\"} 1\n",
        "\nsentineld_master_status" ML ",status=\"odown\"} 0\n",
        "\nsentineld_master_config_epoch" ML "} 7\n",
        "\nsentineld_master_quorum" ML "} 2\n",
        "\nsentineld_master_replicas" ML "} 2\n",
        "\nsentineld_master_sentinels" ML "} 1\n",
        "\nsentineld_master_failovers_started_total" ML "} 3\n",
        "\nsentineld_master_failovers_succeeded_total" ML "} 2\n",
        "\nsentineld_master_failovers_aborted_total" ML "} 1\n",
        "\nsentineld_master_last_failover_duration_seconds" ML "} 2.345\n",
        "\nsentineld_instance_last_ok_ping_age_seconds" IL("master", "10.0.0.1:6379") " 1.500\n",
        "\nsentineld_replica_repl_offset_bytes" IL("replica", "10.0.0.2:6379") " 123456\n",
        "\nsentineld_instance_sdown" IL("sentinel", "10.0.0.9:26379") " 0\n",
    };
#undef ML
#undef IL
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("missing %s in\n%s", want[i], text);
    /* The unannounced replica is left out, as SENTINEL REPLICAS does. */
    assert_null(strstr(text, "10.0.0.3:6379"));
    free(text);
}

static void test_metrics_status_follows_flags(void **state)
{
    struct fixture *fx = *state;
    struct master *m = fx->core->masters[0];
    m->inst.flags |= FLAG_S_DOWN | FLAG_O_DOWN | FLAG_FAILOVER_IN_PROGRESS;
    fx->core->tilt = 1;
    fx->core->tilt_count = 2;
    char *text = status_metrics(&fx->in, NULL);
    assert_non_null(strstr(text, "status=\"odown\"} 1\n"));
    assert_non_null(strstr(text, "status=\"sdown\"} 0\n"));
    assert_non_null(strstr(text, "status=\"ok\"} 0\n"));
    assert_non_null(strstr(text, "\nsentineld_tilt 1\n"));
    assert_non_null(strstr(text, "\nsentineld_tilt_entered_total 2\n"));
    assert_non_null(strstr(text, "sentineld_master_failover_in_progress{master=\"mymaster\","
                                 "address=\"10.0.0.1:6379\"} 1\n"));
    check_exposition(text);
    free(text);
}

static void test_metrics_escape_labels(void **state)
{
    struct fixture *fx = *state;
    core_master_add(fx->core, "we\"ird\\na\nme\xff", "::1", 6380, 1, &fx->now);
    char *text = status_metrics(&fx->in, NULL);
    assert_non_null(strstr(text, "master=\"we\\\"ird\\\\na\\nme\xef\xbf\xbd\","
                                 "address=\"[::1]:6380\""));
    check_exposition(text);
    free(text);
}

static void test_metrics_without_masters(void **state)
{
    (void)state;
    struct core_time now = {1000, 1000};
    struct core *core = core_new(T_MYID, 1);
    struct status_input in = {.core = core, .now = now, .start_wall_ms = 1000};
    char *text = status_metrics(&in, NULL);
    assert_non_null(strstr(text, "\nsentineld_masters 0\n"));
    check_exposition(text);
    free(text);
    text = status_json(&in, NULL);
    assert_json(text);
    free(text);
    core_free(core);
}

/* --- JSON ---------------------------------------------------------------------------- */

static void test_json_parses_and_holds_the_model(void **state)
{
    struct fixture *fx = *state;
    size_t len = 0;
    char *text = status_json(&fx->in, &len);
    assert_int_equal(len, strlen(text));
    assert_json(text);
    static const char *const want[] = {
        "\"myid\":\"" T_MYID "\"",
        "\"current_epoch\":9,",
        "\"name\":\"mymaster\",\"role\":\"master\",\"ip\":\"10.0.0.1\",\"port\":6379,",
        "\"flags\":\"master\",",
        "\"connected\":true,",
        "\"status\":\"ok\"",
        "\"config_epoch\":7,",
        "\"failovers\":{\"started\":3,\"succeeded\":2,\"aborted\":1,\"last_duration_ms\":2345}",
        "\"address\":\"10.0.0.2:6379\"",
        "\"repl_offset\":123456",
        "\"role\":\"sentinel\"",
        "\"runid\":\"ffffffffffffffffffffffffffffffffffffffff\"",
        "\"last_ok_ping_ms\":1500",
        "\"failover_state\":\"none\"",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("missing %s in\n%s", want[i], text);
    assert_null(strstr(text, "10.0.0.3"));
    free(text);
}

static void test_json_events_newest_first(void **state)
{
    struct fixture *fx = *state;
    char *text = status_json(&fx->in, NULL);
    char *a = strstr(text, "\"type\":\"+switch-master\"");
    char *b = strstr(text, "\"type\":\"+odown\"");
    char *c = strstr(text, "\"type\":\"+sdown\"");
    assert_true(a != NULL && b != NULL && c != NULL && a < b && b < c);
    char want[64];
    snprintf(want, sizeof(want), "\"time_ms\":%lld,", (long long)fx->now.wall_ms);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "\"level\":\"warning\""));
    free(text);
}

static void test_json_escapes(void **state)
{
    struct fixture *fx = *state;
    core_master_add(fx->core, "q\"b\\s</script>\x01\tz\xc3\xa9\xc3(", "10.0.0.5", 1, 1,
                    &fx->now);
    char *text = status_json(&fx->in, NULL);
    assert_json(text);
    assert_non_null(strstr(text, "\"q\\\"b\\\\s\\u003c/script\\u003e\\u0001\\tz\xc3\xa9"
                                 "\\ufffd(\""));
    assert_null(strstr(text, "</"));
    free(text);
}

/* --- page ---------------------------------------------------------------------------- */

static void test_page_embeds_state_without_assets(void **state)
{
    struct fixture *fx = *state;
    core_master_add(fx->core, "</script><b>x", "10.0.0.6", 1, 1, &fx->now);
    size_t len = 0;
    char *page = status_page(&fx->in, &len);
    assert_int_equal(len, strlen(page));
    assert_true(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    const char *open = "<script id=\"initial\" type=\"application/json\">";
    char *json = strstr(page, open);
    assert_non_null(json);
    json += strlen(open);
    char *end = strstr(json, "</script>");
    assert_non_null(end);
    *end = '\0';
    assert_json(json);
    assert_non_null(strstr(json, "\"name\":\"mymaster\""));
    *end = '<';
    /* Nothing is fetched from elsewhere: no URL, no src or href attribute. */
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    assert_null(strstr(page, "src="));
    assert_null(strstr(page, "href="));
    assert_null(strstr(page, "innerHTML"));
    assert_non_null(strstr(page, "setTimeout(poll, 1000)"));
    free(page);
}

/* --- health -------------------------------------------------------------------------- */

static void test_health(void **state)
{
    struct fixture *fx = *state;
    const char *why = "unset";
    assert_int_equal(status_health(&fx->in, &why), 0);
    assert_null(why);
    fx->in.config_saved = 0;
    assert_int_equal(status_health(&fx->in, &why), -1);
    assert_non_null(strstr(why, "config"));
    fx->in.config_saved = 1;
    fx->core->tilt = 1;
    assert_int_equal(status_health(&fx->in, &why), -1);
    assert_non_null(strstr(why, "tilt"));
    assert_int_equal(status_health(&fx->in, NULL), -1);
}

/* --- Authorization ------------------------------------------------------------------- */

static void test_http_authorized(void **state)
{
    (void)state;
    /* base64("anyone:s3cret") and base64(":s3cret") and base64("u:s3cre") */
    assert_int_equal(http_authorized("Basic YW55b25lOnMzY3JldA==", "s3cret"), 1);
    assert_int_equal(http_authorized("basic   YW55b25lOnMzY3JldA", "s3cret"), 1);
    assert_int_equal(http_authorized("Basic OnMzY3JldA==", "s3cret"), 1);
    assert_int_equal(http_authorized("Basic dTpzM2NyZQ==", "s3cret"), 0);
    assert_int_equal(http_authorized("Bearer s3cret", "s3cret"), 1);
    assert_int_equal(http_authorized("bearer s3cret", "s3cret"), 1);
    assert_int_equal(http_authorized("Bearer s3cre", "s3cret"), 0);
    assert_int_equal(http_authorized("Bearer s3cretX", "s3cret"), 0);
    assert_int_equal(http_authorized("Bearer ", "s3cret"), 0);
    /* base64("user:a:b"): the password is everything after the first colon. */
    assert_int_equal(http_authorized("Basic dXNlcjphOmI=", "a:b"), 1);
    assert_int_equal(http_authorized("Basic !!!!", "s3cret"), 0);
    assert_int_equal(http_authorized("Basic czNjcmV0", "s3cret"), 0); /* no colon */
    assert_int_equal(http_authorized("Digest s3cret", "s3cret"), 0);
    assert_int_equal(http_authorized("s3cret", "s3cret"), 0);
    assert_int_equal(http_authorized(NULL, "s3cret"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_metrics_parse_strictly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_status_follows_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_escape_labels, setup, teardown),
        cmocka_unit_test(test_metrics_without_masters),
        cmocka_unit_test_setup_teardown(test_json_parses_and_holds_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_events_newest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_embeds_state_without_assets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health, setup, teardown),
        cmocka_unit_test(test_http_authorized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
