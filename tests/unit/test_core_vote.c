/*
 * test_core_vote.c - leader election in the decision core: how we answer
 * SENTINEL IS-MASTER-DOWN-BY-ADDR (core_is_master_down) and how the votes
 * peers report are counted once a failover of our own starts.
 */
#include "core_harness.h"

#define MASTER_TEXT "master mymaster 10.0.0.1 6379"
#define CAND_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define CAND_C "cccccccccccccccccccccccccccccccccccccccc"
#define CAND_X "9999999999999999999999999999999999999999"

struct answer {
    int rc;
    int down;
    const char *leader;
    uint64_t leader_epoch;
    size_t persists;
};

static struct answer ask(struct harness *h, uint64_t epoch, const char *runid)
{
    struct answer a;
    a.down = -1;
    a.leader = NULL;
    a.leader_epoch = 12345;
    a.rc = h_is_master_down(h, "10.0.0.1", 6379, epoch, runid, &a.down, &a.leader,
                            &a.leader_epoch, &a.persists);
    return a;
}

static struct harness *vote_setup(void **state, uint64_t seed)
{
    struct harness *h = h_open(state, seed);
    h_setup(h, 0, 0, 2);
    h_run(h, 1000);
    h_log_clear(h);
    return h;
}

/* --- core_is_master_down ------------------------------------------------------------ */

static void test_vote_is_cast_at_most_once_per_epoch(void **state)
{
    struct harness *h = vote_setup(state, 1);
    struct answer a = ask(h, 1, CAND_B);
    assert_int_equal(a.rc, 0);
    assert_string_equal(a.leader, CAND_B);
    assert_true(a.leader_epoch == 1);

    struct answer b = ask(h, 1, CAND_C);
    assert_int_equal(b.rc, 0);
    assert_string_equal(b.leader, CAND_B);
    assert_true(b.leader_epoch == 1);
    assert_int_equal(b.persists, 0);
    assert_string_equal(h_master(h)->leader, CAND_B);
    assert_int_equal(h_count(h, "+vote-for-leader"), 1);
}

static void test_vote_in_a_later_epoch_replaces_the_old_one(void **state)
{
    struct harness *h = vote_setup(state, 2);
    ask(h, 1, CAND_B);
    struct answer a = ask(h, 2, CAND_C);
    assert_string_equal(a.leader, CAND_C);
    assert_true(a.leader_epoch == 2);
    assert_true(h_master(h)->leader_epoch == 2);
    assert_int_equal(h_count(h, "+vote-for-leader"), 2);
}

static void test_request_with_higher_epoch_raises_current_epoch(void **state)
{
    struct harness *h = vote_setup(state, 3);
    assert_true(h->core->current_epoch == 0);
    struct answer a = ask(h, 5, CAND_B);
    assert_true(h->core->current_epoch == 5);
    assert_true(a.leader_epoch == 5);
    assert_int_equal(h_count(h, "+new-epoch 5"), 1);
}

static void test_request_older_than_our_vote_keeps_the_vote(void **state)
{
    struct harness *h = vote_setup(state, 4);
    ask(h, 5, CAND_B);
    struct answer a = ask(h, 3, CAND_C);
    assert_string_equal(a.leader, CAND_B);
    assert_true(a.leader_epoch == 5);
    assert_int_equal(a.persists, 0);
    assert_true(h->core->current_epoch == 5);
    assert_string_equal(h_master(h)->leader, CAND_B);
    assert_true(h_master(h)->leader_epoch == 5);
}

static void test_request_older_than_current_epoch_gets_no_vote(void **state)
{
    struct harness *h = vote_setup(state, 5);
    char payload[256];
    snprintf(payload, sizeof(payload), "10.0.0.11,26379,%s,8,mymaster,10.0.0.1,6379,0",
             CAND_C);
    h_hello_raw(h, payload);
    assert_true(h->core->current_epoch == 8);
    struct answer a = ask(h, 6, CAND_B);
    assert_string_equal(a.leader, "*");
    assert_int_equal(a.persists, 0);
    assert_null(h_master(h)->leader);
    assert_int_equal(h_count(h, "+vote-for-leader"), 0);
}

static void test_vote_is_persisted_before_the_reply(void **state)
{
    struct harness *h = vote_setup(state, 6);
    struct answer a = ask(h, 2, CAND_B);
    assert_string_equal(a.leader, CAND_B);
    assert_true(a.persists >= 1);
    /* The PERSIST comes before the vote is announced (and the caller
     * replies only after carrying out the actions). */
    h_expect_order(h, 0, "PERSIST", "+vote-for-leader " CAND_B " 2", NULL);
}

static void test_vote_in_the_current_epoch_is_persisted_too(void **state)
{
    struct harness *h = vote_setup(state, 11);
    char payload[256];
    snprintf(payload, sizeof(payload), "10.0.0.11,26379,%s,4,mymaster,10.0.0.1,6379,0",
             CAND_C);
    h_hello_raw(h, payload);
    assert_true(h->core->current_epoch == 4);
    h_log_clear(h);
    /* No new epoch to save: the PERSIST is for the vote itself. */
    struct answer a = ask(h, 4, CAND_B);
    assert_string_equal(a.leader, CAND_B);
    assert_int_equal(a.persists, 1);
    h_expect_order(h, 0, "PERSIST", "+vote-for-leader " CAND_B " 4", NULL);
}

static void test_star_runid_never_votes(void **state)
{
    struct harness *h = vote_setup(state, 7);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown", 8000) >= 0);
    h_log_clear(h);
    struct answer a = ask(h, 4, "*");
    assert_int_equal(a.rc, 0);
    assert_int_equal(a.down, 1);
    assert_string_equal(a.leader, "*");
    assert_true(a.leader_epoch == 0);
    assert_int_equal(a.persists, 0);
    assert_null(h_master(h)->leader);
    assert_int_equal(h_count(h, "+vote-for-leader"), 0);
    /* As in Redis Sentinel, only a vote request moves our epoch. */
    assert_true(h->core->current_epoch == 0);
}

static void test_unknown_master_address_returns_minus_one(void **state)
{
    struct harness *h = vote_setup(state, 8);
    int down = -1;
    const char *leader = NULL;
    uint64_t leader_epoch = 77;
    assert_int_equal(h_is_master_down(h, "10.0.0.9", 6379, 3, CAND_B, &down, &leader,
                                      &leader_epoch, NULL), -1);
    assert_int_equal(down, 0);
    assert_string_equal(leader, "*");
    assert_true(leader_epoch == 0);
    assert_int_equal(h_is_master_down(h, "10.0.0.1", 6380, 3, CAND_B, &down, &leader,
                                      &leader_epoch, NULL), -1);
    assert_null(h_master(h)->leader);
    assert_true(h->core->current_epoch == 0);
}

static void test_down_answer_follows_sdown(void **state)
{
    struct harness *h = vote_setup(state, 9);
    struct answer a = ask(h, 0, "*");
    assert_int_equal(a.down, 0);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+sdown", 8000) >= 0);
    a = ask(h, 0, "*");
    assert_int_equal(a.down, 1);
    a = ask(h, 1, CAND_B);
    assert_int_equal(a.down, 1);
    assert_string_equal(a.leader, CAND_B);
    h_node_resume(h, &h->nodes[0]);
    assert_true(h_run_until(h, "-sdown", 2000) >= 0);
    a = ask(h, 1, CAND_C);
    assert_int_equal(a.down, 0);
}

static void test_vote_for_another_sentinel_holds_back_own_failover(void **state)
{
    struct harness *h = h_open(state, 10);
    h_setup(h, 1, 2, 2);
    h_run(h, 5000);
    int64_t voted = h->now.mono_ms;
    struct answer a = ask(h, 1, CAND_B);
    assert_string_equal(a.leader, CAND_B);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+odown " MASTER_TEXT, 10000) >= 0);
    h_run_to(h, voted + 2 * H_FAILOVER_TIMEOUT_MS - 200);
    assert_int_equal(h_count(h, "+try-failover"), 0);
    h_run_to(h, voted + 2 * H_FAILOVER_TIMEOUT_MS + MAX_DESYNC_MS + 500);
    assert_int_equal(h_count(h, "+try-failover"), 1);
}

/* --- counting votes during our own failover ------------------------------------------- */

static struct harness *election(void **state, uint64_t seed, int quorum,
                                enum h_vote_policy p0, enum h_vote_policy p1)
{
    struct harness *h = h_open(state, seed);
    h_setup(h, 1, 2, quorum);
    h->peers[0].vote = p0;
    h->peers[1].vote = p1;
    snprintf(h->peers[0].vote_for, sizeof(h->peers[0].vote_for), "%s", CAND_X);
    snprintf(h->peers[1].vote_for, sizeof(h->peers[1].vote_for), "%s", CAND_X);
    h_run(h, 5000);
    assert_int_equal(h_master(h)->sentinel_count, 2);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+odown " MASTER_TEXT, 10000) >= 0);
    assert_true(h_run_until(h, "+try-failover " MASTER_TEXT, 2000) >= 0);
    return h;
}

/* Whether +elected-leader is logged (since the failover began) within ms:
 * a vote reply may complete the election in the very step that asked. */
static int elected_within(struct harness *h, int64_t ms)
{
    long tried = h_find(h, 0, "+try-failover");
    assert_true(tried >= 0);
    for (int64_t t = 0; t < ms && h_find(h, (size_t)tried, "+elected-leader " MASTER_TEXT) < 0;
         t += H_TICK_MS)
        h_tick(h);
    return h_find(h, (size_t)tried, "+elected-leader " MASTER_TEXT) >= 0;
}

static void test_majority_of_votes_elects_us(void **state)
{
    struct harness *h = election(state, 20, 2, H_VOTE_FIRST_ASKER, H_VOTE_FIRST_ASKER);
    assert_true(elected_within(h, 2000));
    h_expect_order(h, 0, "+new-epoch 1", "+try-failover " MASTER_TEXT,
                   "+vote-for-leader " H_MYID " 1",
                   "SEND 10.0.0.11:26379 SENTINEL is-master-down-by-addr 10.0.0.1 6379 1 " H_MYID,
                   "+elected-leader " MASTER_TEXT, NULL);
    h_expect_order(h, 0, "+try-failover",
                   "SEND 10.0.0.12:26379 SENTINEL is-master-down-by-addr 10.0.0.1 6379 1 " H_MYID,
                   "+elected-leader", NULL);
    assert_true(h_master(h)->failover_epoch == 1);
}

static void test_one_peer_vote_is_a_majority_of_three(void **state)
{
    struct harness *h = election(state, 21, 2, H_VOTE_FIRST_ASKER, H_VOTE_NONE);
    assert_true(elected_within(h, 2000));
}

static void test_peers_voting_for_another_do_not_elect_us(void **state)
{
    struct harness *h = election(state, 22, 2, H_VOTE_FOR, H_VOTE_FOR);
    assert_true(h_run_until(h, "-failover-abort-not-elected " MASTER_TEXT,
                            ELECTION_TIMEOUT_MS + 1000) >= 0);
    assert_int_equal(h_count(h, "+elected-leader"), 0);
    /* Our own vote went to ourselves before the peers answered. */
    assert_string_equal(h_master(h)->leader, H_MYID);
}

static void test_majority_below_quorum_does_not_elect(void **state)
{
    /* Three sentinels, quorum 3: both peers see the master down, but only
     * one votes for us: 2 votes are a majority, not a quorum. */
    struct harness *h = election(state, 23, 3, H_VOTE_FIRST_ASKER, H_VOTE_NONE);
    assert_true(h_run_until(h, "-failover-abort-not-elected " MASTER_TEXT,
                            ELECTION_TIMEOUT_MS + 1000) >= 0);
    assert_int_equal(h_count(h, "+elected-leader"), 0);
}

static void test_quorum_one_still_needs_a_majority(void **state)
{
    /* Quorum 1: our own SDOWN is ODOWN and our own vote meets the quorum,
     * but one vote of three is no majority. */
    struct harness *h = election(state, 27, 1, H_VOTE_NONE, H_VOTE_NONE);
    assert_true(h_run_until(h, "-failover-abort-not-elected " MASTER_TEXT,
                            ELECTION_TIMEOUT_MS + 1000) >= 0);
    assert_int_equal(h_count(h, "+elected-leader"), 0);
}

static void test_quorum_three_is_elected_with_every_vote(void **state)
{
    struct harness *h = election(state, 24, 3, H_VOTE_FIRST_ASKER, H_VOTE_FIRST_ASKER);
    assert_true(elected_within(h, 2000));
}

static struct harness *election_of_five(void **state, uint64_t seed, int votes_for_us)
{
    struct harness *h = h_open(state, seed);
    h_setup(h, 1, 4, 2);
    for (size_t i = 0; i < h->peer_count; i++)
        h->peers[i].vote = (int)i < votes_for_us ? H_VOTE_FIRST_ASKER : H_VOTE_NONE;
    h_run(h, 5000);
    assert_int_equal(h_master(h)->sentinel_count, 4);
    h_node_freeze(h, &h->nodes[0]);
    assert_true(h_run_until(h, "+try-failover " MASTER_TEXT, 12000) >= 0);
    return h;
}

static void test_five_sentinels_elect_with_three_votes(void **state)
{
    struct harness *h = election_of_five(state, 28, 2);
    assert_true(elected_within(h, 2000));
}

static void test_five_sentinels_do_not_elect_with_two_votes(void **state)
{
    struct harness *h = election_of_five(state, 29, 1);
    assert_true(h_run_until(h, "-failover-abort-not-elected " MASTER_TEXT,
                            ELECTION_TIMEOUT_MS + 1000) >= 0);
    assert_int_equal(h_count(h, "+elected-leader"), 0);
}

static void test_votes_for_an_older_epoch_do_not_count(void **state)
{
    struct harness *h = election(state, 25, 2, H_VOTE_STALE, H_VOTE_STALE);
    assert_true(h_run_until(h, "-failover-abort-not-elected " MASTER_TEXT,
                            ELECTION_TIMEOUT_MS + 1000) >= 0);
    assert_int_equal(h_count(h, "+elected-leader"), 0);
}

static void test_not_elected_before_the_election_timeout_means_waiting(void **state)
{
    struct harness *h = election(state, 26, 2, H_VOTE_FOR, H_VOTE_FOR);
    long tried = h_find(h, 0, "+try-failover");
    int64_t started = H_START_MONO_MS + h->log[tried].at_ms;
    h_run_to(h, started + ELECTION_TIMEOUT_MS - 100);
    assert_int_equal(h_count(h, "-failover-abort-not-elected"), 0);
    assert_true(h_master(h)->inst.flags & FLAG_FAILOVER_IN_PROGRESS);
    h_run_to(h, started + ELECTION_TIMEOUT_MS + 300);
    assert_int_equal(h_count(h, "-failover-abort-not-elected"), 1);
    assert_false(h_master(h)->inst.flags & FLAG_FAILOVER_IN_PROGRESS);
}

/* --- SENTINEL CKQUORUM ------------------------------------------------------------------ */

static void test_ckquorum_ok_with_every_sentinel_reachable(void **state)
{
    struct harness *h = h_open(state, 30);
    h_setup(h, 0, 2, 2);
    h_run(h, 5000);
    int usable = 0;
    char msg[256];
    assert_int_equal(core_ckquorum(h->core, h_master(h), &usable, msg, sizeof(msg)), 0);
    assert_int_equal(usable, 3);
    assert_string_equal(msg, "OK 3 usable Sentinels. Quorum and failover authorization "
                             "can be reached");
}

static void test_ckquorum_fails_when_peers_are_down(void **state)
{
    struct harness *h = h_open(state, 31);
    h_setup(h, 0, 2, 2);
    h_run(h, 5000);
    h->peers[0].state = H_FROZEN;
    h->peers[1].state = H_FROZEN;
    h_run(h, H_DOWN_AFTER_MS + 2000);
    assert_int_equal(h_count(h, "+sdown sentinel "), 2);
    int usable = 0;
    char msg[512];
    assert_int_equal(core_ckquorum(h->core, h_master(h), &usable, msg, sizeof(msg)), -1);
    assert_int_equal(usable, 1);
    assert_non_null(strstr(msg, "NOQUORUM 1 usable Sentinels."));
    assert_non_null(strstr(msg, "Not enough available Sentinels to reach the specified quorum"));
    assert_non_null(strstr(msg, "Not enough available Sentinels to reach the majority"));
}

static void test_ckquorum_majority_without_quorum(void **state)
{
    struct harness *h = h_open(state, 32);
    h_setup(h, 0, 2, 3);
    h_run(h, 5000);
    h->peers[1].state = H_FROZEN;
    h_run(h, H_DOWN_AFTER_MS + 2000);
    int usable = 0;
    char msg[512];
    assert_int_equal(core_ckquorum(h->core, h_master(h), &usable, msg, sizeof(msg)), -1);
    assert_int_equal(usable, 2);
    assert_non_null(strstr(msg, "to reach the specified quorum"));
    assert_null(strstr(msg, "majority"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(test_vote_is_cast_at_most_once_per_epoch),
        H_TEST(test_vote_in_a_later_epoch_replaces_the_old_one),
        H_TEST(test_request_with_higher_epoch_raises_current_epoch),
        H_TEST(test_request_older_than_our_vote_keeps_the_vote),
        H_TEST(test_request_older_than_current_epoch_gets_no_vote),
        H_TEST(test_vote_is_persisted_before_the_reply),
        H_TEST(test_vote_in_the_current_epoch_is_persisted_too),
        H_TEST(test_star_runid_never_votes),
        H_TEST(test_unknown_master_address_returns_minus_one),
        H_TEST(test_down_answer_follows_sdown),
        H_TEST(test_vote_for_another_sentinel_holds_back_own_failover),
        H_TEST(test_majority_of_votes_elects_us),
        H_TEST(test_one_peer_vote_is_a_majority_of_three),
        H_TEST(test_peers_voting_for_another_do_not_elect_us),
        H_TEST(test_majority_below_quorum_does_not_elect),
        H_TEST(test_quorum_one_still_needs_a_majority),
        H_TEST(test_quorum_three_is_elected_with_every_vote),
        H_TEST(test_five_sentinels_elect_with_three_votes),
        H_TEST(test_five_sentinels_do_not_elect_with_two_votes),
        H_TEST(test_votes_for_an_older_epoch_do_not_count),
        H_TEST(test_not_elected_before_the_election_timeout_means_waiting),
        H_TEST(test_ckquorum_ok_with_every_sentinel_reachable),
        H_TEST(test_ckquorum_fails_when_peers_are_down),
        H_TEST(test_ckquorum_majority_without_quorum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
