"""replica-priority 0 means "never promote", and without a promotable
replica a failover aborts.

Each test starts its own master, two replicas and three sentinels (quorum
2, down-after 1.5 s, failover-timeout 3 s).  Texts are Redis Sentinel 7.0's:
`-NOGOODSLAVE No suitable replica to promote` for a manual failover and the
`-failover-abort-no-good-slave master <name> <ip> <port>` event.
"""

import re
import time

import failover_util as fu
from harness import Error

FAILOVER_TIMEOUT_MS = 3000
ABORT_TIMEOUT_S = 15.0

PROMOTION_EVENTS = ("+selected-slave", "+promoted-slave", "+failover-end",
                    "+switch-master")


def watch_no_promotion(setup, master, since, duration):
    """For duration seconds: no promotion event, every sentinel still
    names master, and every other live node still replicates from it."""
    deadline = time.monotonic() + duration
    while True:
        bad = [e for e in fu.all_events(setup, since)
               if e[2] in PROMOTION_EVENTS]
        assert not bad, "promotion without a promotable replica: %s\n%s" % (
            bad[0], fu.explain(setup, since))
        for s in setup.sentinels:
            assert fu.master_addr(s) == (fu.HOST, master.port), (
                "%s names %s\n%s" % (s.name, fu.master_addr(s),
                                     fu.explain(setup, since)))
        for n in setup.nodes:
            if n is master or not n.alive():
                continue
            info = fu.replication(n)
            assert info["role"] == "slave" and \
                int(info["master_port"]) == master.port, (
                    "%s: role %s master_port %s\n%s" % (
                        n.name, info["role"], info.get("master_port"),
                        fu.explain(setup, since)))
        if time.monotonic() >= deadline:
            return
        time.sleep(0.1)


def test_priority_zero_replica_is_never_promoted(constellation):
    setup = fu.build(constellation, priorities=(0, None),
                     failover_timeout_ms=FAILOVER_TIMEOUT_MS)
    master, zero, good = setup.nodes
    # Offsets and run ids aside, only priority keeps `zero` out.
    record = fu.fail_over(setup, restart=False)
    assert record.new is good, "promoted %s, which has replica-priority %s" % (
        record.new.name, zero.extra.get("replica-priority", "default"))
    assert record.rest == [zero]
    # Now the only replica left running has priority 0 (the old master is
    # still dead): killing the master must not promote it.
    since = time.monotonic()
    good.kill()
    fu.wait_event(setup, "-failover-abort-no-good-slave",
                  re.escape(fu.master_desc(good.port)), since=since,
                  timeout=ABORT_TIMEOUT_S)
    watch_no_promotion(setup, good, since, 2.0)


def test_no_promotable_replica_aborts(constellation):
    setup = fu.build(constellation, priorities=(0, 0),
                     failover_timeout_ms=FAILOVER_TIMEOUT_MS)
    master = setup.nodes[0]
    reply = setup.sentinels[0].call("SENTINEL", "FAILOVER", fu.NAME)
    assert isinstance(reply, Error), reply
    assert reply == "NOGOODSLAVE No suitable replica to promote", reply

    since = time.monotonic()
    master.kill()
    fu.wait_event(setup, "-failover-abort-no-good-slave",
                  re.escape(fu.master_desc(master.port)), since=since,
                  timeout=ABORT_TIMEOUT_S)
    # Long enough for the next attempt (after 2 x failover-timeout) too.
    watch_no_promotion(setup, master, since,
                       2 * FAILOVER_TIMEOUT_MS / 1000.0 + 1.0)
    aborts = fu.all_events(setup, since, "-failover-abort-no-good-slave")
    print("no good replica: %d aborts by %s" % (
        len(aborts), sorted({setup.sentinels[e[1]].name for e in aborts})))
