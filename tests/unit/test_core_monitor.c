/*
 * test_core_monitor.c - the decision core watching a constellation through
 * the simulated network of core_harness.h: PING and SDOWN, INFO and what is
 * learned from it, hellos in and out, ODOWN from peers' answers, and TILT.
 */
#include "core_harness.h"

#define MASTER_TEXT "master mymaster 10.0.0.1 6379"
#define PEER_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define PEER_C "cccccccccccccccccccccccccccccccccccccccc"

static int master_flag(struct harness *h, unsigned flag)
{
    return (h_master(h)->inst.flags & flag) != 0;
}

/* Runs until the frozen node has left a PING unanswered; returns when. */
static int64_t run_until_ping_dropped(struct harness *h, struct h_node *n)
{
    for (int i = 0; i < 30 && n->first_dropped_ping_ms == 0; i++)
        h_tick(h);
    assert_true(n->first_dropped_ping_ms != 0);
    return n->first_dropped_ping_ms;
}

/* --- PING and SDOWN ------------------------------------------------------------ */

static void test_master_that_answers_ping_is_never_sdown(void **state)
{
    struct harness *h = h_open(state, 1);
    h_setup(h, 2, 0, 2);
    h_run(h, 120000);
    assert_true(h_count(h, "SEND 10.0.0.1:6379 PING") >= 100);
    assert_int_equal(h_count(h, "+sdown"), 0);
    assert_false(master_flag(h, FLAG_S_DOWN));
}

static void test_silent_master_is_sdown_after_down_after_and_not_before(void **state)
{
    struct harness *h = h_open(state, 2);
    h_setup(h, 0, 0, 1);
    h_run(h, 5000);
    h_node_freeze(h, &h->nodes[0]);
    int64_t dropped = run_until_ping_dropped(h, &h->nodes[0]);
    /* PING goes out at least once a second. */
    assert_true(dropped - h->nodes[0].down_since_ms <= PING_PERIOD_MS + H_TICK_MS);

    h_run_to(h, dropped + H_DOWN_AFTER_MS - 100);
    assert_int_equal(h_count(h, "+sdown"), 0);
    assert_false(master_flag(h, FLAG_S_DOWN));

    h_run_to(h, dropped + H_DOWN_AFTER_MS + 200);
    assert_int_equal(h_count(h, "+sdown " MASTER_TEXT), 1);
    assert_true(master_flag(h, FLAG_S_DOWN));
}

static void test_master_answering_again_clears_sdown(void **state)
{
    struct harness *h = h_open(state, 3);
    h_setup(h, 0, 0, 1);
    h_run(h, 2000);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown " MASTER_TEXT, 8000) >= 0);
    h_node_resume(h, &h->nodes[0]);
    assert_true(h_run_until(h, "-sdown " MASTER_TEXT, 2000) >= 0);
    assert_false(master_flag(h, FLAG_S_DOWN));
    h_run(h, 20000);
    assert_int_equal(h_count(h, "+sdown"), 1);
}

static void test_refused_connections_make_master_sdown(void **state)
{
    struct harness *h = h_open(state, 4);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    h_node_kill(h, &h->nodes[0]);
    /* The clock runs from the last PONG, answered as soon as sent. */
    long last = -1;
    for (long i = h_find(h, 0, "SEND 10.0.0.1:6379 PING"); i >= 0;
         i = h_find(h, (size_t)i + 1, "SEND 10.0.0.1:6379 PING"))
        last = i;
    assert_true(last >= 0);
    int64_t last_pong = H_START_MONO_MS + h->log[last].at_ms;
    h_run_to(h, last_pong + H_DOWN_AFTER_MS - 100);
    assert_int_equal(h_count(h, "+sdown"), 0);
    h_run_to(h, last_pong + H_DOWN_AFTER_MS + 200);
    assert_int_equal(h_count(h, "+sdown " MASTER_TEXT), 1);
}

/* A connection that only dropped (CLIENT KILL) is not evidence that the
 * node is down, however old its last reply; a refused reconnection is. */
static void test_dropped_connection_counts_from_the_drop(void **state)
{
    struct harness *h = h_open(state, 40);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    struct link *l = h_master(h)->inst.link;
    uint64_t id = l->id;
    l->act_ping_ms = 0;
    l->last_avail_ms = h->now.mono_ms - H_DOWN_AFTER_MS - 500;
    h_link_event(h, id, CORE_EV_LINK_DOWN, CHANNEL_CMD);
    struct core_event tick = {.type = CORE_EV_TICK};
    h->now.mono_ms += H_TICK_MS;
    h->now.wall_ms += H_TICK_MS;
    h_step(h, &tick);
    assert_int_equal(h_count(h, "+sdown"), 0);
    h_link_event(h, id, CORE_EV_LINK_FAILED, CHANNEL_CMD);
    h->now.mono_ms += H_TICK_MS;
    h->now.wall_ms += H_TICK_MS;
    h_step(h, &tick);
    assert_int_equal(h_count(h, "+sdown " MASTER_TEXT), 1);
}

/* LOADING and MASTERDOWN errors mean the node is alive, as Redis counts
 * them; any other error does not. */
static void test_loading_reply_counts_as_available(void **state)
{
    struct harness *h = h_open(state, 5);
    h_setup(h, 0, 0, 1);
    h_run(h, 2000);
    h->nodes[0].ping_error = "LOADING dataset still loading";
    h_run(h, 4 * H_DOWN_AFTER_MS);
    assert_true(h_count(h, "SEND 10.0.0.1:6379 PING") >= 15);
    assert_int_equal(h_count(h, "+sdown"), 0);
}

static void test_masterdown_reply_counts_as_available(void **state)
{
    struct harness *h = h_open(state, 105);
    h_setup(h, 0, 0, 1);
    h_run(h, 2000);
    h->nodes[0].ping_error = "MASTERDOWN no link to the master";
    h_run(h, 4 * H_DOWN_AFTER_MS);
    assert_int_equal(h_count(h, "+sdown"), 0);
}

static void test_other_error_reply_does_not_count_as_available(void **state)
{
    struct harness *h = h_open(state, 6);
    h_setup(h, 0, 0, 1);
    h_run(h, 2000);
    h->nodes[0].ping_error = "ERR something else";
    assert_true(h_run_until(h, "+sdown " MASTER_TEXT, H_DOWN_AFTER_MS + 1500) >= 0);
}

static void test_master_reporting_replica_role_for_long_is_sdown(void **state)
{
    struct harness *h = h_open(state, 106);
    h_setup(h, 0, 0, 1);
    h_run(h, 2000);
    /* Someone made it a replica of a node we do not know; it still answers
     * PING, but a master that is not a master is down (as in Redis). */
    h_node_apply_slaveof(h, &h->nodes[0], 2, "10.0.0.9", 6379);
    long changed = h_run_until(h, "-role-change " MASTER_TEXT " new reported role is slave",
                               INFO_PERIOD_MS + 500);
    assert_true(changed >= 0);
    int64_t seen = H_START_MONO_MS + h->log[changed].at_ms;
    int64_t limit = H_DOWN_AFTER_MS + 2 * INFO_PERIOD_MS;
    h_run_to(h, seen + limit - 100);
    assert_int_equal(h_count(h, "+sdown"), 0);
    h_run_to(h, seen + limit + 300);
    assert_int_equal(h_count(h, "+sdown " MASTER_TEXT), 1);
}

static void test_rebooted_master_still_loading_is_sdown_after_reboot_period(void **state)
{
    struct harness *h = h_open(state, 107);
    struct master *m = h_setup(h, 0, 0, 1);
    m->master_reboot_down_after_ms = 3000;
    h_run(h, 2000);
    /* It restarted: new run id, and it answers LOADING while it loads. */
    h_runid(h->nodes[0].runid, '7');
    h->nodes[0].ping_error = "LOADING dataset still loading";
    long reboot = h_run_until(h, "+reboot " MASTER_TEXT, INFO_PERIOD_MS + 500);
    assert_true(reboot >= 0);
    assert_true(m->inst.flags & FLAG_MASTER_REBOOT);
    int64_t since = H_START_MONO_MS + h->log[reboot].at_ms;
    h_run_to(h, since + 3000 - 100);
    assert_int_equal(h_count(h, "+sdown"), 0);
    h_run_to(h, since + 3000 + 300);
    assert_int_equal(h_count(h, "+sdown " MASTER_TEXT), 1);
}

static void test_rebooted_master_answering_pong_is_not_down(void **state)
{
    struct harness *h = h_open(state, 108);
    struct master *m = h_setup(h, 0, 0, 1);
    m->master_reboot_down_after_ms = 3000;
    h_run(h, 2000);
    h_runid(h->nodes[0].runid, '7');
    assert_true(h_run_until(h, "+reboot " MASTER_TEXT, INFO_PERIOD_MS + 500) >= 0);
    h_run(h, 10 * 3000);
    assert_int_equal(h_count(h, "+sdown"), 0);
    assert_false(m->inst.flags & FLAG_MASTER_REBOOT);
}

static void test_silent_replica_is_sdown_without_failover(void **state)
{
    struct harness *h = h_open(state, 109);
    h_setup(h, 2, 2, 2);
    h_run(h, 5000);
    h_node_freeze(h, &h->nodes[1]);
    assert_true(h_run_until(h, "+sdown slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster "
                            "10.0.0.1 6379", H_DOWN_AFTER_MS + 2000) >= 0);
    h_run(h, 20000);
    assert_int_equal(h_count(h, "+odown"), 0);
    assert_int_equal(h_count(h, "+try-failover"), 0);
    assert_int_equal(h_count(h, "SENTINEL is-master-down-by-addr"), 0);
    h_node_resume(h, &h->nodes[1]);
    assert_true(h_run_until(h, "-sdown slave 10.0.0.2:6379", 2000) >= 0);
}

/* --- INFO ------------------------------------------------------------------------ */

static void test_info_is_requested_every_ten_seconds(void **state)
{
    struct harness *h = h_open(state, 7);
    h_setup(h, 1, 0, 1);
    h_run(h, 65000);
    int64_t previous = -1;
    int n = 0;
    for (long i = h_find(h, 0, "SEND 10.0.0.1:6379 INFO"); i >= 0;
         i = h_find(h, (size_t)i + 1, "SEND 10.0.0.1:6379 INFO")) {
        int64_t at = h->log[i].at_ms;
        if (previous >= 0) {
            assert_true(at - previous >= INFO_PERIOD_MS);
            assert_true(at - previous <= INFO_PERIOD_MS + 300);
        }
        previous = at;
        n++;
    }
    assert_true(n >= 6 && n <= 7);
}

static void test_replicas_are_learned_from_master_info(void **state)
{
    struct harness *h = h_open(state, 8);
    struct master *m = h_setup(h, 2, 0, 1);
    h_run(h, 1000);
    long at = h_expect_order(h, 0, "+slave slave 10.0.0.2:6379 10.0.0.2 6379 @ " H_MASTER_NAME
                             " 10.0.0.1 6379", "PERSIST", NULL);
    assert_true(at >= 0);
    h_expect_order(h, 0, "+slave slave 10.0.0.3:6379 10.0.0.3 6379 @ " H_MASTER_NAME
                   " 10.0.0.1 6379", "PERSIST", NULL);
    assert_int_equal(m->replica_count, 2);
    h_run(h, 30000);
    assert_int_equal(h_count(h, "+slave "), 2);
    assert_int_equal(m->replica_count, 2);
}

static void test_replica_fields_come_from_replica_info(void **state)
{
    struct harness *h = h_open(state, 9);
    h_setup(h, 1, 0, 1);
    h->nodes[1].priority = 50;
    h->nodes[1].offset = 4242;
    h_run(h, 1000);
    struct instance *r = h_replica(h, "10.0.0.2", 6379);
    assert_non_null(r);
    assert_string_equal(r->runid, h->nodes[1].runid);
    assert_int_equal(r->role_reported, ROLE_REPLICA);
    assert_int_equal(r->replica_priority, 50);
    assert_true(r->repl_offset == 4242);
    assert_int_equal(r->master_link_up, 1);
    assert_string_equal(r->replica_master_host, "10.0.0.1");
    assert_int_equal(r->replica_master_port, 6379);

    h->nodes[1].offset = 9000;
    h->nodes[1].priority = 7;
    h->nodes[1].force_link_down = 1;
    h->nodes[1].force_down_s = 12;
    h_run(h, INFO_PERIOD_MS + 500);
    assert_true(r->repl_offset == 9000);
    assert_int_equal(r->replica_priority, 7);
    assert_int_equal(r->master_link_up, 0);
    assert_true(r->master_link_down_since_s == 12);
}

static void test_run_id_change_is_reported_as_reboot(void **state)
{
    struct harness *h = h_open(state, 10);
    h_setup(h, 0, 0, 1);
    h_run(h, 12000);
    assert_int_equal(h_count(h, "+reboot"), 0);
    h_runid(h->nodes[0].runid, 'f');
    assert_true(h_run_until(h, "+reboot " MASTER_TEXT, INFO_PERIOD_MS + 500) >= 0);
    assert_string_equal(h_master(h)->inst.runid, h->nodes[0].runid);
    h_run(h, 30000);
    assert_int_equal(h_count(h, "+reboot"), 1);
}

static void test_replica_turning_master_is_a_role_change(void **state)
{
    struct harness *h = h_open(state, 11);
    h_setup(h, 1, 0, 1);
    h_run(h, 2000);
    h->nodes[1].role = ROLE_MASTER;
    assert_true(h_run_until(h, "-role-change slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster "
                            "10.0.0.1 6379 new reported role is master",
                            INFO_PERIOD_MS + 500) >= 0);
    assert_int_equal(h_replica(h, "10.0.0.2", 6379)->role_reported, ROLE_MASTER);
}

/* --- hellos received ---------------------------------------------------------------- */

static void hello_from(struct harness *h, const char *ip, int port, const char *runid,
                       unsigned long long epoch, const char *name)
{
    char payload[512];
    snprintf(payload, sizeof(payload), "%s,%d,%s,%llu,%s,10.0.0.1,6379,0", ip, port, runid,
             epoch, name);
    h_hello_raw(h, payload);
}

static void test_hello_for_known_master_adds_sentinel(void **state)
{
    struct harness *h = h_open(state, 12);
    struct master *m = h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    h_log_clear(h);
    hello_from(h, "10.0.0.11", 26379, PEER_B, 0, H_MASTER_NAME);
    h_expect_order(h, 0, "+sentinel sentinel " PEER_B " 10.0.0.11 26379 @ mymaster 10.0.0.1 6379",
                   "PERSIST", NULL);
    assert_int_equal(m->sentinel_count, 1);
    assert_string_equal(m->sentinels[0]->runid, PEER_B);
    assert_string_equal(m->sentinels[0]->addr.host, "10.0.0.11");
    assert_int_equal(m->sentinels[0]->addr.port, 26379);

    hello_from(h, "10.0.0.11", 26379, PEER_B, 0, H_MASTER_NAME);
    assert_int_equal(h_count(h, "+sentinel"), 1);
    assert_int_equal(m->sentinel_count, 1);
}

static void test_hello_for_unknown_master_is_ignored(void **state)
{
    struct harness *h = h_open(state, 13);
    struct master *m = h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    size_t before = h->log_count;
    hello_from(h, "10.0.0.11", 26379, PEER_B, 9, "othermaster");
    assert_int_equal(h->log_count, before);
    assert_int_equal(m->sentinel_count, 0);
}

static void test_hello_with_higher_epoch_raises_current_epoch(void **state)
{
    struct harness *h = h_open(state, 14);
    h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    h_log_clear(h);
    hello_from(h, "10.0.0.11", 26379, PEER_B, 7, H_MASTER_NAME);
    assert_true(h->core->current_epoch == 7);
    h_expect_order(h, 0, "PERSIST", "+new-epoch 7", NULL);

    hello_from(h, "10.0.0.12", 26379, PEER_C, 3, H_MASTER_NAME);
    assert_true(h->core->current_epoch == 7);
    assert_int_equal(h_count(h, "+new-epoch"), 1);
}

static void test_own_hello_is_ignored(void **state)
{
    struct harness *h = h_open(state, 15);
    struct master *m = h_setup(h, 1, 0, 2);
    /* Our hellos come back on every pub/sub link, as from real nodes. */
    h_run(h, 10000);
    assert_true(h_count(h, "SEND 10.0.0.1:6379 PUBLISH __sentinel__:hello") >= 3);
    /* Even under another address, our own run id is never a peer. */
    hello_from(h, "10.0.0.99", 26379, H_MYID, 5, H_MASTER_NAME);
    assert_int_equal(h_count(h, "+sentinel"), 0);
    assert_int_equal(m->sentinel_count, 0);
    assert_true(h->core->current_epoch == 0);
}

static void test_malformed_hello_is_ignored(void **state)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "10.0.0.11,26379," PEER_B ",0,mymaster,10.0.0.1,6379",
        "10.0.0.11,26379," PEER_B ",0,mymaster,10.0.0.1,6379,0,extra",
        "10.0.0.11,0," PEER_B ",0,mymaster,10.0.0.1,6379,0",
        "10.0.0.11,70000," PEER_B ",0,mymaster,10.0.0.1,6379,0",
        "10.0.0.11,26379,bbbb,0,mymaster,10.0.0.1,6379,0",
        "10.0.0.11,26379," PEER_B ",x,mymaster,10.0.0.1,6379,0",
        "10.0.0.11,26379," PEER_B ",99999999999999999999999,mymaster,10.0.0.1,6379,0",
        "10.0.0.11,26379," PEER_B ",4,mymaster,10.0.0.1,6379,-1",
        ",26379," PEER_B ",4,mymaster,10.0.0.1,6379,1",
        "10.0.0.11,26379," PEER_B ",4,,10.0.0.1,6379,1",
        "10.0 0.11,26379," PEER_B ",4,mymaster,10.0.0.1,6379,1",
    };
    struct harness *h = h_open(state, 16);
    struct master *m = h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t before = h->log_count;
        h_hello_raw(h, bad[i]);
        if (h->log_count != before)
            fail_msg("hello \"%s\" was acted upon: %s", bad[i], h->log[before].text);
    }
    assert_int_equal(m->sentinel_count, 0);
    assert_true(h->core->current_epoch == 0);
    assert_true(m->config_epoch == 0);
}

static void test_peer_that_changes_address_keeps_one_entry(void **state)
{
    struct harness *h = h_open(state, 17);
    struct master *m = h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    hello_from(h, "10.0.0.11", 26379, PEER_B, 0, H_MASTER_NAME);
    hello_from(h, "10.0.0.21", 26380, PEER_B, 0, H_MASTER_NAME);
    assert_int_equal(m->sentinel_count, 1);
    assert_string_equal(m->sentinels[0]->runid, PEER_B);
    assert_string_equal(m->sentinels[0]->addr.host, "10.0.0.21");
    assert_int_equal(m->sentinels[0]->addr.port, 26380);
    /* The old address is not reinstated by running on. */
    h_run(h, 10000);
    assert_int_equal(m->sentinel_count, 1);
}

static void test_restarted_peer_with_new_run_id_replaces_old_entry(void **state)
{
    struct harness *h = h_open(state, 18);
    struct master *m = h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    hello_from(h, "10.0.0.11", 26379, PEER_B, 0, H_MASTER_NAME);
    hello_from(h, "10.0.0.11", 26379, PEER_C, 0, H_MASTER_NAME);
    assert_int_equal(m->sentinel_count, 1);
    assert_string_equal(m->sentinels[0]->runid, PEER_C);
}

static void test_peers_publishing_hellos_are_discovered(void **state)
{
    struct harness *h = h_open(state, 19);
    struct master *m = h_setup(h, 1, 2, 2);
    h_run(h, 5000);
    assert_int_equal(m->sentinel_count, 2);
    assert_non_null(h_sentinel(h, h->peers[0].runid));
    assert_non_null(h_sentinel(h, h->peers[1].runid));
    assert_int_equal(h_count(h, "+sentinel "), 2);
    h_run(h, 20000);
    assert_int_equal(h_count(h, "+sentinel "), 2);
}

/* --- hellos sent ------------------------------------------------------------------------- */

static void check_hello_stream(struct harness *h, const char *prefix, const char *ip, int port)
{
    size_t plen = strlen(prefix);
    int64_t previous = -1;
    int n = 0;
    for (long i = h_find(h, 0, prefix); i >= 0; i = h_find(h, (size_t)i + 1, prefix)) {
        struct hello hello;
        assert_int_equal(hello_parse(h->log[i].text + plen, &hello), 0);
        assert_string_equal(hello.ip, ip);
        assert_int_equal(hello.port, port);
        assert_string_equal(hello.runid, H_MYID);
        assert_true(hello.current_epoch == h->core->current_epoch);
        assert_string_equal(hello.master_name, H_MASTER_NAME);
        assert_string_equal(hello.master_ip, "10.0.0.1");
        assert_int_equal(hello.master_port, 6379);
        assert_true(hello.master_config_epoch == 0);
        int64_t at = h->log[i].at_ms;
        if (previous >= 0) {
            assert_true(at - previous >= HELLO_PERIOD_MS);
            assert_true(at - previous <= HELLO_PERIOD_MS + 300);
        }
        previous = at;
        n++;
    }
    assert_true(n >= 9);
}

static void test_hellos_are_published_every_two_seconds(void **state)
{
    struct harness *h = h_open(state, 20);
    h_setup(h, 1, 1, 2);
    h_run(h, 25000);
    check_hello_stream(h, "SEND 10.0.0.1:6379 PUBLISH __sentinel__:hello ", H_LOCAL_IP, 26379);
    check_hello_stream(h, "SEND 10.0.0.2:6379 PUBLISH __sentinel__:hello ", H_LOCAL_IP, 26379);
    check_hello_stream(h, "SEND 10.0.0.11:26379 PUBLISH __sentinel__:hello ", H_LOCAL_IP,
                       26379);
}

static void test_hellos_use_announce_ip_and_port(void **state)
{
    struct harness *h = h_open(state, 21);
    h_setup(h, 0, 0, 2);
    h->core->settings.announce_ip = h_strdup("192.0.2.7");
    h->core->settings.announce_port = 5000;
    h_run(h, 25000);
    check_hello_stream(h, "SEND 10.0.0.1:6379 PUBLISH __sentinel__:hello ", "192.0.2.7", 5000);
}

/* --- ODOWN ------------------------------------------------------------------------------- */

static struct harness *odown_setup(void **state, uint64_t seed, enum h_down_policy p0,
                                   enum h_down_policy p1)
{
    struct harness *h = h_open(state, seed);
    h_setup(h, 0, 2, 2);
    h->peers[0].down = p0;
    h->peers[1].down = p1;
    h->peers[0].vote = H_VOTE_NONE;
    h->peers[1].vote = H_VOTE_NONE;
    h_run(h, 5000);
    assert_int_equal(h_master(h)->sentinel_count, 2);
    return h;
}

static void test_sdown_alone_is_not_odown(void **state)
{
    struct harness *h = odown_setup(state, 30, H_DOWN_NO, H_DOWN_NO);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown " MASTER_TEXT, 8000) >= 0);
    h_run(h, 20000);
    assert_int_equal(h_count(h, "+odown"), 0);
    assert_false(master_flag(h, FLAG_O_DOWN));
    assert_int_equal(h_count(h, "+try-failover"), 0);
}

static void test_peers_are_asked_with_star_before_failover(void **state)
{
    struct harness *h = odown_setup(state, 31, H_DOWN_NO, H_DOWN_NO);
    assert_int_equal(h_count(h, "SEND 10.0.0.11:26379 SENTINEL"), 0);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown " MASTER_TEXT, 8000) >= 0);
    h_run(h, 1500);
    assert_true(h_count(h, "SEND 10.0.0.11:26379 SENTINEL is-master-down-by-addr "
                           "10.0.0.1 6379 0 *") >= 1);
    assert_true(h_count(h, "SEND 10.0.0.12:26379 SENTINEL is-master-down-by-addr "
                           "10.0.0.1 6379 0 *") >= 1);
}

static void test_peers_are_asked_every_quarter_second_while_sdown(void **state)
{
    struct harness *h = odown_setup(state, 37, H_DOWN_NO, H_DOWN_NO);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown " MASTER_TEXT, 8000) >= 0);
    size_t from = h->log_count;
    h_run(h, 2000);
    size_t n = 0;
    for (long i = h_find(h, from, "SEND 10.0.0.11:26379 SENTINEL is-master-down-by-addr");
         i >= 0; i = h_find(h, (size_t)i + 1, "SEND 10.0.0.11:26379 SENTINEL"))
        n++;
    assert_true(n >= 6 && n <= 8);
    /* So a peer that changes its mind is heard within a few ticks. */
    h->peers[0].down = H_DOWN_YES;
    assert_true(h_run_until(h, "+odown " MASTER_TEXT, ASK_PERIOD_SDOWN_MS + 200) >= 0);
}

static void test_peer_agreeing_gives_odown_with_quorum_count(void **state)
{
    struct harness *h = odown_setup(state, 32, H_DOWN_AUTO, H_DOWN_NO);
    h_node_freeze(h, &h->nodes[0]);
    long sdown = h_run_until(h, "+sdown " MASTER_TEXT, 8000);
    assert_true(sdown >= 0);
    long at = h_run_until(h, "+odown " MASTER_TEXT, 3000);
    assert_true(at >= 0);
    const char *text = h->log[at].text;
    const char *tail = "#quorum 2/2";
    assert_true(strlen(text) >= strlen(tail));
    assert_string_equal(text + strlen(text) - strlen(tail), tail);
    assert_true(master_flag(h, FLAG_O_DOWN));
    /* The question is asked at most every 250 ms, so ODOWN follows fast. */
    assert_true(h->log[at].at_ms - h->log[sdown].at_ms <= 1000);
}

static void test_odown_clears_when_peer_says_up(void **state)
{
    struct harness *h = odown_setup(state, 33, H_DOWN_YES, H_DOWN_NO);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+odown " MASTER_TEXT, 9000) >= 0);
    h->peers[0].down = H_DOWN_NO;
    assert_true(h_run_until(h, "-odown " MASTER_TEXT, 2000) >= 0);
    assert_false(master_flag(h, FLAG_O_DOWN));
    assert_true(master_flag(h, FLAG_S_DOWN));
}

static void test_odown_clears_when_master_answers_again(void **state)
{
    struct harness *h = odown_setup(state, 34, H_DOWN_YES, H_DOWN_NO);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+odown " MASTER_TEXT, 9000) >= 0);
    h_node_resume(h, &h->nodes[0]);
    size_t from = h->log_count;
    h_run(h, 2000);
    h_expect_order(h, from, "-sdown " MASTER_TEXT, "-odown " MASTER_TEXT, NULL);
    assert_false(master_flag(h, FLAG_O_DOWN));
    assert_false(master_flag(h, FLAG_S_DOWN));
}

static void test_peer_replies_older_than_five_seconds_stop_counting(void **state)
{
    struct harness *h = odown_setup(state, 35, H_DOWN_YES, H_DOWN_NO);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+odown " MASTER_TEXT, 9000) >= 0);
    h_run(h, 1000);
    /* The peer stops answering; its last answer came with the last
     * question sent to it (the harness answers at once). */
    h->peers[0].state = H_FROZEN;
    long last = -1;
    for (long i = h_find(h, 0, "SEND 10.0.0.11:26379 SENTINEL"); i >= 0;
         i = h_find(h, (size_t)i + 1, "SEND 10.0.0.11:26379 SENTINEL"))
        last = i;
    assert_true(last >= 0);
    int64_t answered = H_START_MONO_MS + h->log[last].at_ms;
    h_run_to(h, answered + 5 * ASK_PERIOD_MS - 100);
    assert_int_equal(h_count(h, "-odown"), 0);
    assert_true(master_flag(h, FLAG_O_DOWN));
    h_run_to(h, answered + 5 * ASK_PERIOD_MS + 400);
    assert_int_equal(h_count(h, "-odown " MASTER_TEXT), 1);
    assert_false(master_flag(h, FLAG_O_DOWN));
}

static void test_replicas_are_polled_every_second_while_master_is_odown(void **state)
{
    struct harness *h = h_open(state, 36);
    h_setup(h, 1, 2, 2);
    for (size_t i = 0; i < h->peer_count; i++)
        h->peers[i].vote = H_VOTE_NONE;
    h_run(h, 12000);
    h_node_freeze(h, &h->nodes[0]);
    long odown = h_run_until(h, "+odown " MASTER_TEXT, 9000);
    assert_true(odown >= 0);
    h_run(h, 1500);
    size_t from = h->log_count;
    h_run(h, 8000);
    int64_t previous = -1;
    int n = 0;
    for (long i = h_find(h, from, "SEND 10.0.0.2:6379 INFO"); i >= 0;
         i = h_find(h, (size_t)i + 1, "SEND 10.0.0.2:6379 INFO")) {
        if (previous >= 0)
            assert_true(h->log[i].at_ms - previous <= INFO_PERIOD_FAST_MS + 200);
        previous = h->log[i].at_ms;
        n++;
    }
    assert_true(n >= 6);
}

/* --- TILT ------------------------------------------------------------------------------------ */

static void test_wall_clock_jump_forward_enters_tilt(void **state)
{
    struct harness *h = h_open(state, 40);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    h->now.wall_ms += TILT_TRIGGER_MS + 500;
    h_tick(h);
    assert_int_equal(h_count(h, "+tilt"), 1);
    assert_true(h->core->tilt);
}

static void test_small_wall_clock_step_is_not_tilt(void **state)
{
    struct harness *h = h_open(state, 41);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    h->now.wall_ms += TILT_TRIGGER_MS - 2 * H_TICK_MS;
    h_tick(h);
    h_run(h, 1000);
    assert_int_equal(h_count(h, "+tilt"), 0);
    assert_false(h->core->tilt);
}

static void test_wall_clock_going_backwards_enters_tilt(void **state)
{
    struct harness *h = h_open(state, 42);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    h->now.wall_ms -= 1000;
    h_tick(h);
    assert_int_equal(h_count(h, "+tilt"), 1);
    assert_true(h->core->tilt);
}

static void test_no_sdown_during_tilt(void **state)
{
    struct harness *h = h_open(state, 43);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    h->now.wall_ms += 10000;
    h_tick(h);
    assert_true(h->core->tilt);
    h_node_freeze(h, &h->nodes[0]);
    h_run(h, 3 * H_DOWN_AFTER_MS);
    assert_int_equal(h_count(h, "+sdown"), 0);
    assert_false(master_flag(h, FLAG_S_DOWN));
    /* Once TILT is over the silent master is seen down at once. */
    long end = h_run_until(h, "-tilt", TILT_PERIOD_MS);
    assert_true(end >= 0);
    h_run(h, 500);
    long sdown = h_find(h, (size_t)end, "+sdown " MASTER_TEXT);
    assert_true(sdown >= 0);
    assert_true(h->log[sdown].at_ms - h->log[end].at_ms <= 500);
}

static void test_is_master_down_answers_no_during_tilt(void **state)
{
    struct harness *h = h_open(state, 44);
    h_setup(h, 0, 0, 1);
    h_run(h, 2000);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown", 8000) >= 0);
    int down = -1;
    const char *leader = NULL;
    uint64_t leader_epoch = 99;
    assert_int_equal(h_is_master_down(h, "10.0.0.1", 6379, 0, "*", &down, &leader,
                                      &leader_epoch, NULL), 0);
    assert_int_equal(down, 1);

    h->now.wall_ms -= 5000;
    h_tick(h);
    assert_true(h->core->tilt);
    assert_int_equal(h_is_master_down(h, "10.0.0.1", 6379, 0, "*", &down, &leader,
                                      &leader_epoch, NULL), 0);
    assert_int_equal(down, 0);

    assert_true(h_run_until(h, "-tilt", TILT_PERIOD_MS + 500) >= 0);
    assert_int_equal(h_is_master_down(h, "10.0.0.1", 6379, 0, "*", &down, &leader,
                                      &leader_epoch, NULL), 0);
    assert_int_equal(down, 1);
}

static void test_tilt_ends_after_thirty_seconds(void **state)
{
    struct harness *h = h_open(state, 45);
    h_setup(h, 0, 0, 1);
    h_run(h, 3000);
    h->now.wall_ms += 5000;
    h_tick(h);
    long at = h_find(h, 0, "+tilt");
    assert_true(at >= 0);
    int64_t entered = H_START_MONO_MS + h->log[at].at_ms;
    h_run_to(h, entered + TILT_PERIOD_MS - 100);
    assert_int_equal(h_count(h, "-tilt"), 0);
    assert_true(h->core->tilt);
    h_run_to(h, entered + TILT_PERIOD_MS + 100);
    assert_int_equal(h_count(h, "-tilt"), 1);
    assert_false(h->core->tilt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(test_master_that_answers_ping_is_never_sdown),
        H_TEST(test_silent_master_is_sdown_after_down_after_and_not_before),
        H_TEST(test_master_answering_again_clears_sdown),
        H_TEST(test_refused_connections_make_master_sdown),
        H_TEST(test_dropped_connection_counts_from_the_drop),
        H_TEST(test_loading_reply_counts_as_available),
        H_TEST(test_masterdown_reply_counts_as_available),
        H_TEST(test_other_error_reply_does_not_count_as_available),
        H_TEST(test_master_reporting_replica_role_for_long_is_sdown),
        H_TEST(test_rebooted_master_still_loading_is_sdown_after_reboot_period),
        H_TEST(test_rebooted_master_answering_pong_is_not_down),
        H_TEST(test_silent_replica_is_sdown_without_failover),
        H_TEST(test_info_is_requested_every_ten_seconds),
        H_TEST(test_replicas_are_learned_from_master_info),
        H_TEST(test_replica_fields_come_from_replica_info),
        H_TEST(test_run_id_change_is_reported_as_reboot),
        H_TEST(test_replica_turning_master_is_a_role_change),
        H_TEST(test_hello_for_known_master_adds_sentinel),
        H_TEST(test_hello_for_unknown_master_is_ignored),
        H_TEST(test_hello_with_higher_epoch_raises_current_epoch),
        H_TEST(test_own_hello_is_ignored),
        H_TEST(test_malformed_hello_is_ignored),
        H_TEST(test_peer_that_changes_address_keeps_one_entry),
        H_TEST(test_restarted_peer_with_new_run_id_replaces_old_entry),
        H_TEST(test_peers_publishing_hellos_are_discovered),
        H_TEST(test_hellos_are_published_every_two_seconds),
        H_TEST(test_hellos_use_announce_ip_and_port),
        H_TEST(test_sdown_alone_is_not_odown),
        H_TEST(test_peers_are_asked_with_star_before_failover),
        H_TEST(test_peers_are_asked_every_quarter_second_while_sdown),
        H_TEST(test_peer_agreeing_gives_odown_with_quorum_count),
        H_TEST(test_odown_clears_when_peer_says_up),
        H_TEST(test_odown_clears_when_master_answers_again),
        H_TEST(test_peer_replies_older_than_five_seconds_stop_counting),
        H_TEST(test_replicas_are_polled_every_second_while_master_is_odown),
        H_TEST(test_wall_clock_jump_forward_enters_tilt),
        H_TEST(test_small_wall_clock_step_is_not_tilt),
        H_TEST(test_wall_clock_going_backwards_enters_tilt),
        H_TEST(test_no_sdown_during_tilt),
        H_TEST(test_is_master_down_answers_no_during_tilt),
        H_TEST(test_tilt_ends_after_thirty_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
