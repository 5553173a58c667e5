/*
 * test_core_failover.c - failovers driven end to end through the simulated
 * network of core_harness.h: the automatic failover and its events and
 * commands, replica selection and each of its exclusions, timeouts, the
 * forced failover (SENTINEL FAILOVER), configuration learned from a peer's
 * hello, and SIMULATE-FAILURE.
 */
#include "core_harness.h"
#include "core/internal.h"

#define MASTER_TEXT "master mymaster 10.0.0.1 6379"
#define AT_OLD " @ mymaster 10.0.0.1 6379"
#define AT_NEW " @ mymaster 10.0.0.2 6379"
#define R2 "slave 10.0.0.2:6379 10.0.0.2 6379"
#define R3 "slave 10.0.0.3:6379 10.0.0.3 6379"
#define SELECTED "+selected-slave "

/* The standard constellation of core_harness.h with quorum 2: replicas at
 * 10.0.0.2, 10.0.0.3 ..., peers that vote for whoever asks first.  Nothing
 * has run yet; discover() runs until everything is known. */
static struct harness *world(void **state, uint64_t seed, int replicas, int peers)
{
    struct harness *h = h_open(state, seed);
    h_setup(h, replicas, peers, 2);
    return h;
}

static void discover(struct harness *h)
{
    h_run(h, 12000);
    struct master *m = h_master(h);
    assert_int_equal(m->replica_count, (size_t)(h->node_count - 1));
    assert_int_equal(m->sentinel_count, h->peer_count);
    for (size_t i = 0; i < m->replica_count; i++)
        assert_true(m->replicas[i]->info_refresh_ms != 0);
}

/* Asserts that the six commands of one reconfiguration went to host in one
 * unbroken run, with argv as given for the SLAVEOF line.  Returns the index
 * of the EXEC line. */
static long expect_transaction(struct harness *h, size_t from, const char *node,
                               const char *multi, const char *slaveof, const char *config,
                               const char *client, const char *exec)
{
    char want[6][128];
    snprintf(want[0], sizeof(want[0]), "SEND %s %s", node, multi);
    snprintf(want[1], sizeof(want[1]), "SEND %s %s", node, slaveof);
    snprintf(want[2], sizeof(want[2]), "SEND %s %s REWRITE", node, config);
    snprintf(want[3], sizeof(want[3]), "SEND %s %s KILL TYPE normal", node, client);
    snprintf(want[4], sizeof(want[4]), "SEND %s %s KILL TYPE pubsub", node, client);
    snprintf(want[5], sizeof(want[5]), "SEND %s %s", node, exec);
    long at = h_find(h, from, want[0]);
    if (at < 0) {
        h_dump(h);
        fail_msg("no \"%s\"", want[0]);
    }
    /* Nothing else may reach that node inside the transaction. */
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "SEND %s ", node);
    long k = at;
    for (int i = 1; i < 6; i++) {
        long next = h_find(h, (size_t)k + 1, prefix);
        if (next < 0 || strcmp(h->log[next].text, want[i]) != 0) {
            h_dump(h);
            fail_msg("expected \"%s\" next to %s, got \"%s\"", want[i], node,
                     next < 0 ? "(nothing)" : h->log[next].text);
        }
        k = next;
    }
    return k;
}

/* --- the automatic failover --------------------------------------------------------------- */

static struct harness *failed_over(void **state, uint64_t seed)
{
    struct harness *h = world(state, seed, 2, 2);
    discover(h);
    h_log_clear(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+switch-master", 30000) >= 0);
    return h;
}

static void test_failover_emits_every_step_in_order(void **state)
{
    struct harness *h = failed_over(state, 1);
    h_expect_order(h, 0,
                   "+sdown " MASTER_TEXT,
                   "+odown " MASTER_TEXT " #quorum 3/2",
                   "+new-epoch 1",
                   "+try-failover " MASTER_TEXT,
                   "+vote-for-leader " H_MYID " 1",
                   "+elected-leader " MASTER_TEXT,
                   "+failover-state-select-slave " MASTER_TEXT,
                   SELECTED R2 AT_OLD,
                   "+failover-state-send-slaveof-noone " R2 AT_OLD,
                   "SEND 10.0.0.2:6379 SLAVEOF NO ONE",
                   "+failover-state-wait-promotion " R2 AT_OLD,
                   "+promoted-slave " R2 AT_OLD,
                   "+failover-state-reconf-slaves " MASTER_TEXT,
                   "SEND 10.0.0.3:6379 SLAVEOF 10.0.0.2 6379",
                   "+slave-reconf-sent " R3 AT_OLD,
                   "+slave-reconf-inprog " R3 AT_OLD,
                   "+slave-reconf-done " R3 AT_OLD,
                   "+failover-end " MASTER_TEXT,
                   "+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379",
                   NULL);
}

static void test_promotion_is_one_transaction(void **state)
{
    struct harness *h = failed_over(state, 2);
    long sel = h_find(h, 0, "+failover-state-send-slaveof-noone");
    assert_true(sel >= 0);
    long exec = expect_transaction(h, (size_t)sel, "10.0.0.2:6379", "MULTI", "SLAVEOF NO ONE",
                                   "CONFIG", "CLIENT", "EXEC");
    h_expect_order(h, (size_t)exec, "+failover-state-wait-promotion", NULL);
    long reconf = h_find(h, 0, "+failover-state-reconf-slaves");
    expect_transaction(h, (size_t)reconf, "10.0.0.3:6379", "MULTI", "SLAVEOF 10.0.0.2 6379",
                       "CONFIG", "CLIENT", "EXEC");
}

static void test_failover_commands_go_through_rename_command(void **state)
{
    struct harness *h = world(state, 3, 2, 2);
    static const char *const renamed[][2] = {
        {"SLAVEOF", "repl-9f2"}, {"CONFIG", "cfg-9f2"}, {"CLIENT", "cli-9f2"},
        {"MULTI", "begin-9f2"}, {"EXEC", "commit-9f2"},
    };
    for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++) {
        h_master_rename(h, renamed[i][0], renamed[i][1]);
        for (size_t n = 0; n < h->node_count; n++)
            h_rename(h, &h->nodes[n], renamed[i][0], renamed[i][1]);
    }
    discover(h);
    h_log_clear(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+switch-master", 30000) >= 0);
    long sel = h_find(h, 0, "+failover-state-send-slaveof-noone");
    expect_transaction(h, (size_t)sel, "10.0.0.2:6379", "begin-9f2", "repl-9f2 NO ONE",
                       "cfg-9f2", "cli-9f2", "commit-9f2");
    long reconf = h_find(h, 0, "+failover-state-reconf-slaves");
    expect_transaction(h, (size_t)reconf, "10.0.0.3:6379", "begin-9f2",
                       "repl-9f2 10.0.0.2 6379", "cfg-9f2", "cli-9f2", "commit-9f2");
    assert_int_equal(h_count(h, "SEND 10.0.0.2:6379 SLAVEOF"), 0);
    assert_int_equal(h_count(h, "SEND 10.0.0.3:6379 SLAVEOF"), 0);
    /* The nodes understood: the promoted one is master, the other follows. */
    assert_int_equal(h->nodes[1].role, ROLE_MASTER);
    assert_string_equal(h->nodes[2].master_host, "10.0.0.2");
}

static void test_promotion_sets_config_epoch_to_failover_epoch(void **state)
{
    struct harness *h = failed_over(state, 4);
    struct master *m = h_master(h);
    assert_true(m->failover_epoch == 1);
    assert_true(m->config_epoch == 1);
    assert_true(h->core->current_epoch == 1);
    /* The new epoch is on disk before the promotion is announced. */
    h_expect_order(h, 0, "+failover-state-wait-promotion", "PERSIST", "+promoted-slave", NULL);
}

static void test_switch_master_points_clients_at_promoted_replica(void **state)
{
    struct harness *h = failed_over(state, 5);
    struct master *m = h_master(h);
    const struct addr *a = core_master_addr(m);
    assert_string_equal(a->host, "10.0.0.2");
    assert_int_equal(a->port, 6379);
    assert_int_equal(m->replica_count, 2);
    assert_non_null(h_replica(h, "10.0.0.1", 6379));
    assert_non_null(h_replica(h, "10.0.0.3", 6379));
    assert_null(h_replica(h, "10.0.0.2", 6379));
    assert_false(m->inst.flags & (FLAG_FAILOVER_IN_PROGRESS | FLAG_O_DOWN | FLAG_S_DOWN));
    assert_int_equal(m->failover_state, FAILOVER_NONE);
    long sw = h_find(h, 0, "+switch-master");
    h_expect_order(h, (size_t)sw, "PERSIST", NULL);
    h_expect_order(h, 0, "+switch-master", "+slave slave 10.0.0.1:6379 10.0.0.1 6379" AT_NEW,
                   NULL);
}

static void test_hellos_announce_the_new_master_after_failover(void **state)
{
    struct harness *h = failed_over(state, 6);
    size_t from = h->log_count;
    h_run(h, 3000);
    long at = h_find(h, from, "SEND 10.0.0.2:6379 PUBLISH __sentinel__:hello ");
    assert_true(at >= 0);
    struct hello hello;
    const char *payload = strrchr(h->log[at].text, ' ') + 1;
    assert_int_equal(hello_parse(payload, &hello), 0);
    assert_string_equal(hello.master_ip, "10.0.0.2");
    assert_int_equal(hello.master_port, 6379);
    assert_true(hello.master_config_epoch == 1);
    assert_true(hello.current_epoch == 1);
}

static void test_only_one_promotion_per_failover(void **state)
{
    struct harness *h = failed_over(state, 7);
    h_run(h, 4 * H_FAILOVER_TIMEOUT_MS);
    assert_int_equal(h_count(h, "+promoted-slave"), 1);
    assert_int_equal(h_count(h, "+try-failover"), 1);
    assert_int_equal(h_count(h, "+switch-master"), 1);
    assert_int_equal(h_count(h, "SEND 10.0.0.2:6379 SLAVEOF NO ONE"), 1);
    assert_int_equal(h_count(h, "SEND 10.0.0.3:6379 SLAVEOF NO ONE"), 0);
}

static void test_old_master_returning_is_converted_to_replica(void **state)
{
    struct harness *h = failed_over(state, 8);
    /* It restarts with its old configuration: a master. */
    h->nodes[0].state = H_UP;
    h_runid(h->nodes[0].runid, '8');
    assert_true(h_run_until(h, "+convert-to-slave slave 10.0.0.1:6379 10.0.0.1 6379" AT_NEW,
                            30000) >= 0);
    assert_true(h_count(h, "SEND 10.0.0.1:6379 SLAVEOF 10.0.0.2 6379") >= 1);
    assert_int_equal(h->nodes[0].role, ROLE_REPLICA);
    assert_string_equal(h->nodes[0].master_host, "10.0.0.2");
    /* Once it follows, it is left alone. */
    h_run(h, 30000);
    assert_int_equal(h_count(h, "+convert-to-slave"), 1);
}

static void test_replica_reconf_is_done_only_once_its_link_is_up(void **state)
{
    struct harness *h = world(state, 17, 2, 2);
    /* The full sync to the new master takes 3 s. */
    h->nodes[2].sync_ms = 3000;
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long inprog = h_run_until(h, "+slave-reconf-inprog " R3 AT_OLD, 30000);
    assert_true(inprog >= 0);
    long done = h_run_until(h, "+slave-reconf-done " R3 AT_OLD, 5000);
    assert_true(done >= 0);
    long sent = h_find(h, 0, "+slave-reconf-sent " R3);
    assert_true(h->log[done].at_ms - h->log[sent].at_ms >= 3000);
    assert_true(h_find(h, 0, "+failover-end") > done);
}

static void test_parallel_syncs_one_repoints_one_replica_at_a_time(void **state)
{
    struct harness *h = world(state, 9, 4, 2);
    discover(h);
    h_log_clear(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+switch-master", 40000) >= 0);
    int busy = 0, max_busy = 0;
    for (size_t i = 0; i < h->log_count; i++) {
        if (strncmp(h->log[i].text, "+slave-reconf-sent ", 19) == 0)
            busy++;
        if (strncmp(h->log[i].text, "+slave-reconf-done ", 19) == 0)
            busy--;
        if (busy > max_busy)
            max_busy = busy;
    }
    assert_int_equal(max_busy, 1);
    assert_int_equal(h_count(h, "+slave-reconf-done"), 3);
}

static void test_parallel_syncs_two_repoints_two_at_once(void **state)
{
    struct harness *h = world(state, 10, 4, 2);
    h_master(h)->parallel_syncs = 2;
    discover(h);
    h_log_clear(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+switch-master", 40000) >= 0);
    long first_done = h_find(h, 0, "+slave-reconf-done");
    long sent1 = h_find(h, 0, "+slave-reconf-sent");
    long sent2 = h_find(h, (size_t)sent1 + 1, "+slave-reconf-sent");
    assert_true(sent2 >= 0 && sent2 < first_done);
    assert_int_equal(h_count(h, "+slave-reconf-done"), 3);
}

static void test_clients_get_promoted_address_once_promotion_is_confirmed(void **state)
{
    struct harness *h = world(state, 12, 2, 2);
    /* The other replica is slow to follow, so reconfiguration lasts. */
    h_rename(h, &h->nodes[2], "SLAVEOF", "hidden-slaveof");
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown " MASTER_TEXT, 30000) >= 0);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.1");
    long promoted = h_find(h, 0, "+promoted-slave");
    for (int i = 0; i < 50 && promoted < 0; i++) {
        h_tick(h);
        promoted = h_find(h, 0, "+promoted-slave");
    }
    assert_true(promoted >= 0);
    h_run(h, 2000);
    assert_int_equal(h_count(h, "+switch-master"), 0);
    assert_true(h_master(h)->inst.flags & FLAG_FAILOVER_IN_PROGRESS);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
    assert_int_equal(core_master_addr(h_master(h))->port, 6379);
}

static void test_peers_hear_of_promotion_at_once(void **state)
{
    struct harness *h = world(state, 18, 2, 2);
    h_rename(h, &h->nodes[2], "SLAVEOF", "hidden-slaveof");
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long promoted = h_run_until(h, "+promoted-slave", 30000);
    assert_true(promoted >= 0);
    h_run(h, 300);
    static const char *const peers[] = {"SEND 10.0.0.11:26379 PUBLISH __sentinel__:hello ",
                                        "SEND 10.0.0.12:26379 PUBLISH __sentinel__:hello "};
    for (size_t i = 0; i < 2; i++) {
        long at = h_find(h, (size_t)promoted, peers[i]);
        assert_true(at >= 0);
        assert_true(h->log[at].at_ms - h->log[promoted].at_ms <= 2 * H_TICK_MS);
        struct hello hello;
        assert_int_equal(hello_parse(h->log[at].text + strlen(peers[i]), &hello), 0);
        assert_string_equal(hello.master_ip, "10.0.0.2");
        assert_int_equal(hello.master_port, 6379);
        assert_true(hello.master_config_epoch == 1);
    }
}

static void test_replica_following_wrong_master_is_fixed(void **state)
{
    struct harness *h = world(state, 13, 2, 0);
    discover(h);
    h_node_apply_slaveof(h, &h->nodes[2], 2, "10.0.0.9", 6379);
    long seen = -1;
    for (int i = 0; i < 120 && seen < 0; i++) {
        h_tick(h);
        if (strcmp(h_replica(h, "10.0.0.3", 6379)->replica_master_host, "10.0.0.9") == 0)
            seen = (long)h_elapsed(h);
    }
    assert_true(seen >= 0);
    /* Left alone for failover-timeout, in case a newer config is coming. */
    h_run_to(h, H_START_MONO_MS + seen + H_FAILOVER_TIMEOUT_MS - 100);
    assert_int_equal(h_count(h, "+fix-slave-config"), 0);
    assert_true(h_run_until(h, "+fix-slave-config " R3 AT_OLD, INFO_PERIOD_MS + 500) >= 0);
    assert_true(h_count(h, "SEND 10.0.0.3:6379 SLAVEOF 10.0.0.1 6379") >= 1);
    assert_string_equal(h->nodes[2].master_host, "10.0.0.1");
    h_run(h, 30000);
    assert_int_equal(h_count(h, "+fix-slave-config"), 1);
}

static void test_no_failover_starts_during_tilt(void **state)
{
    struct harness *h = world(state, 14, 2, 2);
    discover(h);
    h->now.wall_ms += 5000;
    h_tick(h);
    assert_true(h->core->tilt);
    h_node_kill(h, &h->nodes[0]);
    long left = h_run_until(h, "-tilt", TILT_PERIOD_MS + 500);
    assert_true(left >= 0);
    assert_int_equal(h_count(h, "+try-failover"), 0);
    assert_int_equal(h_count(h, "+odown"), 0);
    /* Afterwards the dead master is failed over as usual. */
    assert_true(h_run_until(h, "+switch-master", 10000) >= 0);
}

static void test_next_failover_of_same_master_waits_twice_the_timeout(void **state)
{
    struct harness *h = failed_over(state, 15);
    long first = h_find(h, 0, "+try-failover");
    int64_t started = H_START_MONO_MS + h->log[first].at_ms;
    /* The new master dies right away. */
    h_node_kill(h, &h->nodes[1]);
    assert_true(h_run_until(h, "+odown master mymaster 10.0.0.2 6379", 10000) >= 0);
    h_run_to(h, started + 2 * H_FAILOVER_TIMEOUT_MS - 100);
    assert_int_equal(h_count(h, "+try-failover"), 1);
    assert_true(h_run_until(h, "+switch-master mymaster 10.0.0.2 6379 10.0.0.3 6379",
                            5000) >= 0);
    assert_true(h_master(h)->config_epoch == 2);
}

static void test_anti_flapping_floor_delays_next_failover(void **state)
{
    struct harness *h = world(state, 16, 2, 2);
    h_master(h)->min_failover_interval_ms = 5 * H_FAILOVER_TIMEOUT_MS;
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long sw = h_run_until(h, "+switch-master", 30000);
    assert_true(sw >= 0);
    int64_t ended = H_START_MONO_MS + h->log[sw].at_ms;
    h_node_kill(h, &h->nodes[1]);
    h_run_to(h, ended + 5 * H_FAILOVER_TIMEOUT_MS - 200);
    assert_int_equal(h_count(h, "+try-failover"), 1);
    assert_true(h_run_until(h, "+try-failover master mymaster 10.0.0.2 6379", 2000) >= 0);
}

/* --- not elected, and the pace of attempts -------------------------------------------------- */

#define CAND_X "9999999999999999999999999999999999999999"

static void test_not_elected_aborts_and_waits_twice_the_failover_timeout(void **state)
{
    struct harness *h = world(state, 11, 1, 2);
    for (size_t i = 0; i < h->peer_count; i++) {
        h->peers[i].vote = H_VOTE_FOR;
        snprintf(h->peers[i].vote_for, sizeof(h->peers[i].vote_for), "%s", CAND_X);
    }
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long tried = h_run_until(h, "+try-failover", 20000);
    assert_true(tried >= 0);
    int64_t started = H_START_MONO_MS + h->log[tried].at_ms;
    assert_true(h_run_until(h, "-failover-abort-not-elected " MASTER_TEXT,
                            ELECTION_TIMEOUT_MS + 500) >= 0);
    assert_int_equal(h_count(h, "SLAVEOF NO ONE"), 0);
    h_run_to(h, started + 2 * H_FAILOVER_TIMEOUT_MS - 100);
    assert_int_equal(h_count(h, "+try-failover"), 1);
    /* The next attempt asks in a new epoch. */
    h_run_to(h, started + 2 * H_FAILOVER_TIMEOUT_MS + 1000);
    assert_int_equal(h_count(h, "+try-failover"), 2);
    h_expect_order(h, (size_t)tried + 1, "+new-epoch 2", "+try-failover",
                   "SEND 10.0.0.11:26379 SENTINEL is-master-down-by-addr 10.0.0.1 6379 2 " H_MYID,
                   NULL);
}

/* --- replica selection (through SENTINEL FAILOVER, master alive) ---------------------------- */

/* Forces a failover now and returns the +selected-slave line. */
static const char *force_and_select(struct harness *h)
{
    const char *err = NULL;
    size_t from = h->log_count;
    if (h_force_failover(h, &err) != 0)
        fail_msg("forced failover refused: %s", err);
    for (int i = 0; i < 20 && h_find(h, from, SELECTED) < 0; i++)
        h_tick(h);
    long at = h_find(h, from, SELECTED);
    if (at < 0) {
        h_dump(h);
        fail_msg("no replica selected");
    }
    return h->log[at].text;
}

static void test_priority_zero_is_never_chosen(void **state)
{
    struct harness *h = world(state, 20, 2, 0);
    h->nodes[1].priority = 0;
    h->nodes[1].offset = 999999;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_lowest_priority_wins(void **state)
{
    struct harness *h = world(state, 21, 2, 0);
    h->nodes[1].priority = 100;
    h->nodes[1].offset = 5000;
    h->nodes[2].priority = 10;
    h->nodes[2].offset = 1;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_highest_offset_wins_at_equal_priority(void **state)
{
    struct harness *h = world(state, 22, 2, 0);
    h->nodes[1].offset = 100;
    h->nodes[2].offset = 200;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_lowest_run_id_wins_at_equal_priority_and_offset(void **state)
{
    struct harness *h = world(state, 23, 2, 0);
    h_runid(h->nodes[1].runid, 'e');
    h_runid(h->nodes[2].runid, '4');
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_sdown_replica_is_skipped(void **state)
{
    struct harness *h = world(state, 24, 2, 0);
    h->nodes[1].priority = 1;
    discover(h);
    /* A short down-after for that replica, so that it is SDOWN while its
     * last PING reply and INFO are still fresh: SDOWN alone excludes it. */
    h_replica(h, "10.0.0.2", 6379)->down_after_ms = 2000;
    h_node_freeze(h, &h->nodes[1]);
    assert_true(h_run_until(h, "+sdown " R2, 5000) >= 0);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_disconnected_replica_is_skipped(void **state)
{
    struct harness *h = world(state, 25, 2, 0);
    h->nodes[1].priority = 1;
    discover(h);
    h_node_kill(h, &h->nodes[1]);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_replica_with_stale_info_is_skipped(void **state)
{
    struct harness *h = world(state, 26, 2, 0);
    h->nodes[1].priority = 1;
    discover(h);
    h->nodes[1].answers_info = 0;
    h_run(h, 3 * INFO_PERIOD_MS + 1000);
    assert_int_equal(h_count(h, "+sdown"), 0);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_replica_with_master_link_down_too_long_is_skipped(void **state)
{
    struct harness *h = world(state, 27, 2, 0);
    h->nodes[1].priority = 1;
    /* More than ten down-after periods (50 s). */
    h->nodes[1].force_link_down = 1;
    h->nodes[1].force_down_s = 60;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_replica_with_master_link_down_briefly_is_chosen(void **state)
{
    struct harness *h = world(state, 28, 2, 0);
    h->nodes[1].priority = 1;
    h->nodes[1].force_link_down = 1;
    h->nodes[1].force_down_s = 40;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R2 AT_OLD);
}

static void test_replica_validity_time_excludes_older_data(void **state)
{
    struct harness *h = world(state, 29, 2, 0);
    h_master(h)->replica_validity_ms = 10000;
    h->nodes[1].priority = 1;
    h->nodes[1].force_link_down = 1;
    h->nodes[1].force_down_s = 20;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R3 AT_OLD);
}

static void test_replica_validity_time_keeps_fresh_enough_data(void **state)
{
    struct harness *h = world(state, 30, 2, 0);
    h_master(h)->replica_validity_ms = 30000;
    h->nodes[1].priority = 1;
    h->nodes[1].force_link_down = 1;
    h->nodes[1].force_down_s = 20;
    discover(h);
    assert_string_equal(force_and_select(h), SELECTED R2 AT_OLD);
}

static void test_replica_validity_time_counts_the_age_of_info(void **state)
{
    /* An INFO answered late (held up in the network) is dated from its
     * request, not its arrival: link down 6 s when written, requested 5 s
     * before it arrived, is 11 s old, beyond a replica-validity-time of 10 s. */
    struct harness *h = world(state, 32, 1, 0);
    struct master *m = h_master(h);
    m->replica_validity_ms = 10000;
    discover(h);
    struct instance *r = h_replica(h, "10.0.0.2", 6379);
    assert_non_null(r);
    h->nodes[1].answers_info = 0;
    for (int i = 0; i < 150 && r->info_inflight == 0; i++)
        h_tick(h);
    assert_true(r->info_inflight > 0);
    int64_t first_ask = r->info_asked_ms;
    h_run(h, 5000);
    assert_true(r->info_asked_ms == first_ask);
    h->nodes[1].force_link_down = 1;
    h->nodes[1].force_down_s = 6;
    char *text = h_info_text(h, &h->nodes[1]);
    struct core_reply reply = {.type = CORE_REPLY_STRING, .str = text, .len = strlen(text)};
    struct core_event ev = {.type = CORE_EV_REPLY, .link_id = r->link->id, .tag = TAG_INFO,
                            .ctx = r->id, .reply = &reply};
    h_step_raw(h, &ev);
    free(text);
    assert_true(r->info_written_ms == first_ask);
    assert_true(r->info_refresh_ms == h->now.mono_ms);
    assert_false(r->master_link_up);
    assert_null(failover_select_replica(m, &h->now));
    /* The same INFO written just now is 6 s old: fresh enough. */
    r->info_written_ms = h->now.mono_ms;
    assert_ptr_equal(failover_select_replica(m, &h->now), r);
}

static void test_no_good_replica_aborts_the_failover(void **state)
{
    struct harness *h = world(state, 31, 2, 2);
    h->nodes[1].priority = 0;
    h->nodes[2].priority = 0;
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "-failover-abort-no-good-slave " MASTER_TEXT, 30000) >= 0);
    h_expect_order(h, 0, "+elected-leader", "+failover-state-select-slave",
                   "-failover-abort-no-good-slave", NULL);
    assert_int_equal(h_count(h, SELECTED), 0);
    assert_int_equal(h_count(h, "SLAVEOF NO ONE"), 0);
    assert_false(h_master(h)->inst.flags & FLAG_FAILOVER_IN_PROGRESS);
}

/* --- SENTINEL FAILOVER ------------------------------------------------------------------------ */

static void test_forced_failover_needs_no_votes(void **state)
{
    /* Quorum 2 and no peer at all: an automatic failover could never be
     * authorised, a forced one goes ahead. */
    struct harness *h = world(state, 40, 2, 0);
    discover(h);
    h_log_clear(h);
    const char *err = NULL;
    assert_int_equal(h_force_failover(h, &err), 0);
    assert_true(h_master(h)->inst.flags & FLAG_FORCE_FAILOVER);
    assert_true(h_run_until(h, "+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379", 20000) >= 0);
    h_expect_order(h, 0, "+new-epoch 1", "+try-failover " MASTER_TEXT,
                   "+elected-leader " MASTER_TEXT, SELECTED R2 AT_OLD,
                   "+promoted-slave " R2 AT_OLD, "+failover-end " MASTER_TEXT, NULL);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
    assert_true(h_master(h)->config_epoch == 1);
    assert_false(h_master(h)->inst.flags & FLAG_FORCE_FAILOVER);
}

static void test_forced_failover_refused_while_one_runs(void **state)
{
    struct harness *h = world(state, 41, 2, 0);
    discover(h);
    const char *err = NULL;
    assert_int_equal(h_force_failover(h, &err), 0);
    uint64_t epoch = h->core->current_epoch;
    err = NULL;
    assert_int_equal(h_force_failover(h, &err), -1);
    assert_non_null(err);
    assert_true(strncmp(err, "INPROG", 6) == 0);
    assert_true(h->core->current_epoch == epoch);
    assert_int_equal(h_count(h, "+try-failover"), 1);
}

static void test_forced_failover_refused_without_candidates(void **state)
{
    struct harness *h = world(state, 42, 2, 0);
    h->nodes[1].priority = 0;
    h->nodes[2].priority = 0;
    discover(h);
    const char *err = NULL;
    assert_int_equal(h_force_failover(h, &err), -1);
    assert_non_null(err);
    assert_true(strncmp(err, "NOGOODSLAVE", 11) == 0);
    assert_true(h->core->current_epoch == 0);
    assert_int_equal(h_count(h, "+try-failover"), 0);
    assert_false(h_master(h)->inst.flags & FLAG_FAILOVER_IN_PROGRESS);
}

static void test_forced_failover_with_no_replica_at_all_is_refused(void **state)
{
    struct harness *h = world(state, 43, 0, 0);
    h_run(h, 3000);
    const char *err = NULL;
    assert_int_equal(h_force_failover(h, &err), -1);
    assert_true(strncmp(err, "NOGOODSLAVE", 11) == 0);
}

static void test_old_master_of_forced_failover_is_converted(void **state)
{
    struct harness *h = world(state, 44, 1, 0);
    discover(h);
    const char *err = NULL;
    assert_int_equal(h_force_failover(h, &err), 0);
    assert_true(h_run_until(h, "+switch-master", 20000) >= 0);
    assert_true(h_run_until(h, "+convert-to-slave slave 10.0.0.1:6379 10.0.0.1 6379" AT_NEW,
                            30000) >= 0);
    assert_int_equal(h->nodes[0].role, ROLE_REPLICA);
    assert_int_equal(h->nodes[1].role, ROLE_MASTER);
}

/* --- timeouts ----------------------------------------------------------------------------------- */

static void test_promotion_never_confirmed_aborts_after_failover_timeout(void **state)
{
    struct harness *h = world(state, 50, 1, 2);
    /* The replica refuses SLAVEOF (renamed on the node only). */
    h_rename(h, &h->nodes[1], "SLAVEOF", "hidden-slaveof");
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long waiting = h_run_until(h, "+failover-state-wait-promotion", 30000);
    assert_true(waiting >= 0);
    int64_t since = H_START_MONO_MS + h->log[waiting].at_ms;
    h_run_to(h, since + H_FAILOVER_TIMEOUT_MS - 100);
    assert_int_equal(h_count(h, "-failover-abort-slave-timeout"), 0);
    h_run_to(h, since + H_FAILOVER_TIMEOUT_MS + 300);
    assert_int_equal(h_count(h, "-failover-abort-slave-timeout " R2 AT_OLD), 1);
    assert_int_equal(h_count(h, "+promoted-slave"), 0);
    assert_int_equal(h_count(h, "+switch-master"), 0);
    assert_false(h_master(h)->inst.flags & FLAG_FAILOVER_IN_PROGRESS);
    assert_false(h_replica(h, "10.0.0.2", 6379)->flags & FLAG_PROMOTED);
}

static void test_replica_that_never_confirms_is_given_up_after_ten_seconds(void **state)
{
    struct harness *h = world(state, 51, 2, 2);
    h->nodes[2].priority = 200;
    h_rename(h, &h->nodes[2], "SLAVEOF", "hidden-slaveof");
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long sent = h_run_until(h, "+slave-reconf-sent " R3, 30000);
    assert_true(sent >= 0);
    long gave_up = h_run_until(h, "-slave-reconf-sent-timeout " R3, 12000);
    assert_true(gave_up >= 0);
    assert_true(h->log[gave_up].at_ms - h->log[sent].at_ms > 10000);
    /* The failover ends in the same step that gives up on the replica. */
    long sw = h_find(h, (size_t)gave_up, "+switch-master");
    if (sw < 0)
        sw = h_run_until(h, "+switch-master", 2000);
    assert_true(sw >= 0);
    h_expect_order(h, (size_t)gave_up, "+failover-end " MASTER_TEXT, NULL);
    assert_int_equal(h_count(h, "+failover-end-for-timeout"), 0);
}

static void test_failover_timeout_ends_reconfiguration(void **state)
{
    struct harness *h = world(state, 52, 2, 2);
    h_master(h)->failover_timeout_ms = 8000;
    h->nodes[2].priority = 200;
    h_rename(h, &h->nodes[2], "SLAVEOF", "hidden-slaveof");
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long reconf = h_run_until(h, "+failover-state-reconf-slaves", 30000);
    assert_true(reconf >= 0);
    long end = h_run_until(h, "+failover-end-for-timeout " MASTER_TEXT, 9000);
    assert_true(end >= 0);
    assert_true(h->log[end].at_ms - h->log[reconf].at_ms > 8000);
    h_expect_order(h, (size_t)end, "+failover-end " MASTER_TEXT,
                   "+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379", NULL);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
}

static void test_failover_timeout_points_waiting_replicas_anyway(void **state)
{
    /* Three replicas, parallel-syncs 1: the first one repointed never
     * confirms, so the third waits for a free slot; when failover-timeout
     * ends the failover it is repointed on a best-effort basis. */
    struct harness *h = world(state, 53, 3, 2);
    h_master(h)->failover_timeout_ms = 8000;
    h->nodes[2].priority = 150;
    h->nodes[3].priority = 200;
    h_rename(h, &h->nodes[2], "SLAVEOF", "hidden-slaveof");
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+failover-end-for-timeout", 30000) >= 0);
    h_expect_order(h, 0, "+slave-reconf-sent " R3 AT_OLD, "+failover-end-for-timeout",
                   "SEND 10.0.0.4:6379 SLAVEOF 10.0.0.2 6379",
                   "+slave-reconf-sent-be slave 10.0.0.4:6379 10.0.0.4 6379" AT_OLD,
                   "+switch-master", NULL);
    assert_int_equal(h_count(h, "SEND 10.0.0.4:6379 SLAVEOF"), 1);
    assert_string_equal(h->nodes[3].master_host, "10.0.0.2");
}

/* --- configuration learned from hellos ---------------------------------------------------------- */

static void peer_announces(struct harness *h, struct h_peer *p, const char *ip, int port,
                           uint64_t config_epoch)
{
    snprintf(p->master_ip, sizeof(p->master_ip), "%s", ip);
    p->master_port = port;
    p->config_epoch = config_epoch;
    if (p->current_epoch < config_epoch)
        p->current_epoch = config_epoch;
    h_peer_hello(h, p);
}

static void test_switch_to_silent_replica_starts_its_clock_afresh(void **state)
{
    /* The replica was silent (a partition, say) with a PING outstanding
     * when a peer announces it as the new master: the switch starts the
     * master's down timer afresh, so it is not SDOWN before it has had
     * down-after-milliseconds to answer. */
    struct harness *h = world(state, 61, 2, 2);
    discover(h);
    h_node_freeze(h, &h->nodes[1]);
    h_run(h, 2 * H_DOWN_AFTER_MS);
    assert_true(h_count(h, "+sdown slave 10.0.0.2:6379") >= 1);
    h_node_resume(h, &h->nodes[1]);
    h_node_apply_slaveof(h, &h->nodes[1], 1, NULL, 0);
    h_node_follow(h, &h->nodes[2], &h->nodes[1]);
    h_node_follow(h, &h->nodes[0], &h->nodes[1]);
    h_log_clear(h);
    peer_announces(h, &h->peers[0], "10.0.0.2", 6379, 3);
    assert_true(h_find(h, 0, "+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379") >= 0);
    h_run(h, H_DOWN_AFTER_MS - 200);
    assert_int_equal(h_count(h, "+sdown master"), 0);
    assert_int_equal(h_count(h, "+try-failover"), 0);
}

static void test_hello_with_higher_config_epoch_switches_master(void **state)
{
    struct harness *h = world(state, 60, 2, 2);
    discover(h);
    h_log_clear(h);
    /* The peer failed the master over to 10.0.0.2 in epoch 3. */
    h_node_apply_slaveof(h, &h->nodes[1], 1, NULL, 0);
    h_node_follow(h, &h->nodes[2], &h->nodes[1]);
    h_node_follow(h, &h->nodes[0], &h->nodes[1]);
    peer_announces(h, &h->peers[0], "10.0.0.2", 6379, 3);
    h_expect_order(h, 0, "+new-epoch 3",
                   "+config-update-from sentinel " "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                   " 10.0.0.11 26379" AT_OLD,
                   "+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379", "PERSIST", NULL);
    struct master *m = h_master(h);
    assert_true(m->config_epoch == 3);
    assert_true(h->core->current_epoch == 3);
    assert_string_equal(core_master_addr(m)->host, "10.0.0.2");
    assert_non_null(h_replica(h, "10.0.0.1", 6379));
    assert_non_null(h_replica(h, "10.0.0.3", 6379));
    /* And the view holds: nothing is reconfigured, no failover starts. */
    h_run(h, 30000);
    assert_int_equal(h_count(h, "+switch-master"), 1);
    assert_int_equal(h_count(h, "+try-failover"), 0);
    assert_int_equal(h_count(h, "+fix-slave-config"), 0);
    assert_int_equal(h_count(h, "+convert-to-slave"), 0);
}

static void test_hello_with_lower_config_epoch_is_not_followed(void **state)
{
    struct harness *h = world(state, 61, 2, 2);
    discover(h);
    peer_announces(h, &h->peers[0], "10.0.0.2", 6379, 3);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
    h_log_clear(h);
    peer_announces(h, &h->peers[1], "10.0.0.3", 6379, 2);
    assert_int_equal(h_count(h, "+switch-master"), 0);
    assert_int_equal(h_count(h, "+config-update-from"), 0);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
    assert_true(h_master(h)->config_epoch == 3);
}

static void test_hello_with_equal_config_epoch_is_not_followed(void **state)
{
    struct harness *h = world(state, 63, 2, 2);
    discover(h);
    peer_announces(h, &h->peers[0], "10.0.0.2", 6379, 3);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
    h_log_clear(h);
    /* Two masters in one epoch cannot both be right: the first one stays. */
    peer_announces(h, &h->peers[1], "10.0.0.3", 6379, 3);
    assert_int_equal(h_count(h, "+switch-master"), 0);
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.2");
}

static void test_epochs_do_not_wrap_after_hello_with_largest_epoch(void **state)
{
    struct harness *h = world(state, 64, 2, 0);
    discover(h);
    char payload[256];
    snprintf(payload, sizeof(payload), "10.0.0.11,26379,%s,18446744073709551615,mymaster,"
             "10.0.0.1,6379,0", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    h_hello_raw(h, payload);
    const char *err = NULL;
    h_force_failover(h, &err);
    h_run(h, 5000);
    assert_true(h->core->current_epoch != 0);
}

static void test_hello_with_higher_config_epoch_same_address_only_takes_epoch(void **state)
{
    struct harness *h = world(state, 62, 2, 2);
    discover(h);
    h_log_clear(h);
    peer_announces(h, &h->peers[0], "10.0.0.1", 6379, 4);
    assert_true(h_master(h)->config_epoch == 4);
    assert_int_equal(h_count(h, "+switch-master"), 0);
    assert_int_equal(h_count(h, "PERSIST"), 2); /* the new current epoch, the config epoch */
    assert_string_equal(core_master_addr(h_master(h))->host, "10.0.0.1");
}

/* --- SIMULATE-FAILURE --------------------------------------------------------------------------- */

static void test_crash_after_election_is_simulated(void **state)
{
    struct harness *h = world(state, 70, 2, 2);
    h->core->simulate_failure = SIMFAIL_CRASH_AFTER_ELECTION;
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long elected = h_run_until(h, "+elected-leader", 30000);
    assert_true(elected >= 0);
    assert_true(h->crashed);
    assert_true((size_t)elected + 1 < h->log_count);
    assert_string_equal(h->log[elected + 1].text, "CRASH");
    assert_int_equal(h_count(h, "CRASH"), 1);
}

static void test_crash_after_promotion_is_simulated(void **state)
{
    struct harness *h = world(state, 71, 2, 2);
    h->core->simulate_failure = SIMFAIL_CRASH_AFTER_PROMOTION;
    discover(h);
    h_node_kill(h, &h->nodes[0]);
    long promoted = h_run_until(h, "+promoted-slave", 30000);
    assert_true(promoted >= 0);
    assert_true(h->crashed);
    assert_string_equal(h->log[promoted + 1].text, "CRASH");
    assert_int_equal(h_count(h, "CRASH"), 1);
    assert_true(h_find(h, 0, "CRASH") > h_find(h, 0, "+elected-leader"));
}

static void test_no_crash_without_simulate_failure(void **state)
{
    struct harness *h = failed_over(state, 72);
    assert_false(h->crashed);
    assert_int_equal(h_count(h, "CRASH"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(test_failover_emits_every_step_in_order),
        H_TEST(test_promotion_is_one_transaction),
        H_TEST(test_failover_commands_go_through_rename_command),
        H_TEST(test_promotion_sets_config_epoch_to_failover_epoch),
        H_TEST(test_switch_master_points_clients_at_promoted_replica),
        H_TEST(test_hellos_announce_the_new_master_after_failover),
        H_TEST(test_only_one_promotion_per_failover),
        H_TEST(test_old_master_returning_is_converted_to_replica),
        H_TEST(test_replica_reconf_is_done_only_once_its_link_is_up),
        H_TEST(test_parallel_syncs_one_repoints_one_replica_at_a_time),
        H_TEST(test_parallel_syncs_two_repoints_two_at_once),
        H_TEST(test_clients_get_promoted_address_once_promotion_is_confirmed),
        H_TEST(test_peers_hear_of_promotion_at_once),
        H_TEST(test_replica_following_wrong_master_is_fixed),
        H_TEST(test_no_failover_starts_during_tilt),
        H_TEST(test_next_failover_of_same_master_waits_twice_the_timeout),
        H_TEST(test_anti_flapping_floor_delays_next_failover),
        H_TEST(test_not_elected_aborts_and_waits_twice_the_failover_timeout),
        H_TEST(test_priority_zero_is_never_chosen),
        H_TEST(test_lowest_priority_wins),
        H_TEST(test_highest_offset_wins_at_equal_priority),
        H_TEST(test_lowest_run_id_wins_at_equal_priority_and_offset),
        H_TEST(test_sdown_replica_is_skipped),
        H_TEST(test_disconnected_replica_is_skipped),
        H_TEST(test_replica_with_stale_info_is_skipped),
        H_TEST(test_replica_with_master_link_down_too_long_is_skipped),
        H_TEST(test_replica_with_master_link_down_briefly_is_chosen),
        H_TEST(test_replica_validity_time_excludes_older_data),
        H_TEST(test_replica_validity_time_keeps_fresh_enough_data),
        H_TEST(test_replica_validity_time_counts_the_age_of_info),
        H_TEST(test_no_good_replica_aborts_the_failover),
        H_TEST(test_forced_failover_needs_no_votes),
        H_TEST(test_forced_failover_refused_while_one_runs),
        H_TEST(test_forced_failover_refused_without_candidates),
        H_TEST(test_forced_failover_with_no_replica_at_all_is_refused),
        H_TEST(test_old_master_of_forced_failover_is_converted),
        H_TEST(test_promotion_never_confirmed_aborts_after_failover_timeout),
        H_TEST(test_replica_that_never_confirms_is_given_up_after_ten_seconds),
        H_TEST(test_failover_timeout_ends_reconfiguration),
        H_TEST(test_failover_timeout_points_waiting_replicas_anyway),
        H_TEST(test_hello_with_higher_config_epoch_switches_master),
        H_TEST(test_switch_to_silent_replica_starts_its_clock_afresh),
        H_TEST(test_hello_with_lower_config_epoch_is_not_followed),
        H_TEST(test_hello_with_equal_config_epoch_is_not_followed),
        H_TEST(test_hello_with_higher_config_epoch_same_address_only_takes_epoch),
        H_TEST(test_epochs_do_not_wrap_after_hello_with_largest_epoch),
        H_TEST(test_crash_after_election_is_simulated),
        H_TEST(test_crash_after_promotion_is_simulated),
        H_TEST(test_no_crash_without_simulate_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
