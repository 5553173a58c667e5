/*
 * vote.c - leader election: casting our vote and counting everyone's.
 *
 * One vote per epoch per sentinel is the split-brain guard.  The vote is
 * persisted (a PERSIST action before the reply) so a restart cannot vote
 * twice in the same epoch.
 */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* Votes for req_runid as leader of a failover of m in req_epoch, unless we
 * already voted in that epoch or later.  Returns the run id we voted for
 * in the master's latest voted epoch (borrowed from m, may be NULL) and
 * stores that epoch in *leader_epoch. */
const char *vote_cast(struct core *core, const struct core_time *now, struct master *m,
                      const char *req_runid, uint64_t req_epoch, uint64_t *leader_epoch,
                      struct core_actions *out)
{
    if (req_epoch > CORE_EPOCH_MAX) {
        *leader_epoch = m->leader_epoch;
        return m->leader;
    }
    core_epoch_observe(core, req_epoch, out);
    if (m->leader_epoch < req_epoch && core->current_epoch <= req_epoch) {
        free(m->leader);
        m->leader = core_xstrdup(req_runid);
        m->leader_epoch = core->current_epoch;
        core_act_persist(out);
        core_act_event(out, LOG_WARNING, "+vote-for-leader", NULL, "%s %llu", m->leader,
                       (unsigned long long)m->leader_epoch);
        /* Voting for someone else delays our own attempt, so that the
         * sentinel we voted for has time to finish (as Redis Sentinel). */
        if (strcmp(m->leader, core->myid) != 0)
            m->failover_start_ms =
                now->mono_ms + (int64_t)(core_prng_next(&core->prng) % MAX_DESYNC_MS);
    }
    *leader_epoch = m->leader_epoch;
    return m->leader;
}

int core_is_master_down(struct core *core, const struct core_time *now, const char *host,
                        int port, uint64_t req_epoch, const char *req_runid, int *down_out,
                        const char **leader_out, uint64_t *leader_epoch_out,
                        struct core_actions *out)
{
    *down_out = 0;
    *leader_out = "*";
    *leader_epoch_out = 0;
    struct master *m = NULL;
    for (size_t i = 0; i < core->master_count && m == NULL; i++) {
        const struct addr *a = &core->masters[i]->inst.addr;
        if (a->port == port && strcasecmp(a->host, host) == 0)
            m = core->masters[i];
    }
    if (m == NULL)
        return -1;
    *down_out = !core->tilt && (m->inst.flags & FLAG_S_DOWN) != 0;
    if (strcmp(req_runid, "*") != 0) {
        const char *leader = vote_cast(core, now, m, req_runid, req_epoch,
                                       leader_epoch_out, out);
        *leader_out = leader != NULL ? leader : "*";
    }
    return 0;
}

struct tally {
    const char *runid;
    int votes;
};

static void tally_add(struct tally *t, size_t *n, const char *runid)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(t[i].runid, runid) == 0) {
            t[i].votes++;
            return;
        }
    t[*n].runid = runid;
    t[*n].votes = 1;
    (*n)++;
}

/* Ties go to the lexicographically smaller run id so every count of the
 * same votes gives the same winner. */
static const char *tally_winner(const struct tally *t, size_t n, int *max_out)
{
    const char *winner = NULL;
    int max = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].votes > max || (t[i].votes == max && winner && strcmp(t[i].runid, winner) < 0)) {
            max = t[i].votes;
            winner = t[i].runid;
        }
    *max_out = max;
    return winner;
}

/* Counts the votes peers reported for epoch, adds ours (for the leading
 * candidate, or ourselves if nobody leads) and returns the winner if it has
 * a majority of all voters and at least quorum votes, else NULL.  The
 * returned pointer is borrowed and valid until the next model change. */
const char *vote_count(struct core *core, const struct core_time *now, struct master *m,
                       uint64_t epoch, int *voters_out, int *votes_out,
                       struct core_actions *out)
{
    struct tally *t = core_xcalloc(m->sentinel_count + 1, sizeof(*t));
    size_t n = 0;
    for (size_t i = 0; i < m->sentinel_count; i++) {
        const struct instance *s = m->sentinels[i];
        if (s->leader != NULL && s->leader_epoch == epoch)
            tally_add(t, &n, s->leader);
    }
    int max = 0;
    const char *winner = tally_winner(t, n, &max);
    uint64_t leader_epoch = 0;
    const char *mine = vote_cast(core, now, m, winner ? winner : core->myid, epoch,
                                 &leader_epoch, out);
    if (mine != NULL && leader_epoch == epoch) {
        tally_add(t, &n, mine);
        winner = tally_winner(t, n, &max);
    }
    int voters = (int)m->sentinel_count + 1;
    if (winner != NULL && (max < voters / 2 + 1 || max < m->quorum))
        winner = NULL;
    /* The winner string may point into a peer's record or into m->leader;
     * both outlive this call. */
    free(t);
    *voters_out = voters;
    *votes_out = max;
    return winner;
}
