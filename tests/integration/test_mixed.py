"""Constellations that mix the daemon under test with Debian's
redis-sentinel 7.0: they must find each other, vote together, and let
either kind lead.

Each case starts a master, two replicas and three sentinels of the given
kinds (quorum 2), checks that every sentinel lists the other two with their
run ids, kills the master (whoever wins the election leads; the winner's
kind is printed), then asks a sentinel of the other kind for a manual
failover, so that each kind leads once and follows once.  With
SENTINELD_BIN=redis-sentinel both kinds are the same program.
"""

import pytest

import failover_util as fu
from harness import wait_until

REF = "redis-sentinel"
DUT = "sentineld"

CASES = {
    "one-redis-sentinel-two-sentineld": (REF, DUT, DUT),
    "two-redis-sentinel-one-sentineld": (REF, REF, DUT),
}


def check_discovery(setup):
    """Every sentinel lists the others by address and run id, healthy."""
    ids = [s.myid() for s in setup.sentinels]
    assert len(set(ids)) == len(ids), ids
    for i, s in enumerate(setup.sentinels):
        want = sorted((o.port, ids[j]) for j, o in enumerate(setup.sentinels)
                      if j != i)

        def seen(s=s, want=want):
            peers = fu.listed(s, "SENTINELS")
            got = sorted((int(p["port"]), p["runid"]) for p in peers)
            return got == want and all(p["flags"] == "sentinel"
                                       for p in peers)
        wait_until(seen, fu.DISCOVERY_TIMEOUT_S,
                   "%s to list peers (port, runid) %s" % (s.name, want),
                   setup.c.procs())


@pytest.mark.parametrize("case", sorted(CASES))
def test_mixed_constellation_fails_over(constellation, binary, reference_bin,
                                        case, record_property):
    kinds = CASES[case]
    setup = fu.build(constellation, failover_timeout_ms=5000,
                     binaries=[reference_bin if k == REF else binary
                               for k in kinds])
    check_discovery(setup)

    record = fu.fail_over(setup, restart=False)
    fu.check_votes(setup, record)
    winner = kinds[record.leader]
    record_property("kill_leader_kind", winner)

    # A manual failover led by a sentinel of the other kind.
    other = next(i for i, k in enumerate(kinds) if k != winner)
    replies = []

    def manual(setup, old):
        replies.append(setup.sentinels[other].call("SENTINEL", "FAILOVER",
                                                   fu.NAME))

    second = fu.fail_over(setup, restart=False, action=manual,
                          wait_rejoin=False, heal=False)
    assert replies == ["OK"], replies
    assert second.leader == other, "led by %s, asked %s" % (
        setup.sentinels[second.leader].name, setup.sentinels[other].name)
    print("%s: kill -9 failover led by %s (%s) in %.2fs; manual failover "
          "led by %s (%s)" % (
              case, winner, setup.sentinels[record.leader].name,
              record.agreed_at - record.killed_at, kinds[other],
              setup.sentinels[other].name))
