"""A sentinel that cannot reach a quorum never fails over.

Three sentinels with quorum 2: two are frozen with SIGSTOP and the master
is killed.  The one left must notice (SDOWN), but it can neither reach
ODOWN nor win an election, so nothing is promoted.  Once the
two are thawed the failover happens.  Redis Sentinel enters TILT after
such a pause (the timer jumped by more than 2 s) and acts only as a
watcher for 30 s.  The test shortens that to 2 s (SENTINEL DEBUG
tilt-period) on the frozen pair: after 30 s the replicas' links to the dead
master have been down longer than a freshly thawed sentinel accepts
(10 x down-after plus its own time in SDOWN), so only the sentinel that
was never frozen could promote one, and whether it wins an election
before the others is down to chance.
"""

import re
import time

import pytest

import failover_util as fu

DOWN_AFTER_MS = fu.DOWN_AFTER_MS
FAILOVER_TIMEOUT_MS = 3000
# "Never" means: not within three down-after periods plus a failover
# timeout, several times what a majority needs to finish a failover.
WINDOW_S = (3 * DOWN_AFTER_MS + FAILOVER_TIMEOUT_MS) / 1000.0
TILT_PERIOD_MS = 2000
# After SIGCONT: TILT, then SDOWN, ODOWN, election, promotion.
AFTER_THAW_TIMEOUT_S = 30.0

FORBIDDEN = ("+odown", "+new-epoch", "+try-failover", "+vote-for-leader",
             "+elected-leader", "+selected-slave", "+promoted-slave",
             "+failover-end", "+switch-master")


@pytest.fixture
def setup(constellation):
    return fu.build(constellation, down_after_ms=DOWN_AFTER_MS,
                    failover_timeout_ms=FAILOVER_TIMEOUT_MS)


def test_minority_sentinel_never_fails_over(setup):
    alone, frozen = setup.sentinels[0], setup.sentinels[1:]
    watched = {}

    def freeze_two_then_kill(setup, old):
        for s in frozen:
            reply = s.call("SENTINEL", "DEBUG", "tilt-period",
                           TILT_PERIOD_MS)
            assert reply == "OK", "SENTINEL DEBUG tilt-period: %r" % reply
        for s in frozen:
            s.pause()
        try:
            since = time.monotonic()
            old.kill()
            watch_alone(setup, old, since)
        finally:
            for s in frozen:
                s.resume()
        watched["thawed_at"] = time.monotonic()

    def watch_alone(setup, old, since):
        fu.wait_event(setup, "+sdown",
                      re.escape(fu.master_desc(old.port)), since=since,
                      timeout=WINDOW_S, who=0)
        replicas = [n for n in setup.nodes if n is not old]
        deadline = since + WINDOW_S
        while time.monotonic() < deadline:
            bad = [e for e in fu.all_events(setup, since)
                   if e[2] in FORBIDDEN]
            assert not bad, "%s acted without a quorum: %s\n%s" % (
                alone.name, bad[0], fu.explain(setup, since))
            state = fu.master_state(alone)
            assert "o_down" not in state["flags"].split(","), (
                "%s flags %s with 1 of quorum 2\n%s" % (
                    alone.name, state["flags"], fu.explain(setup, since)))
            assert "s_down" in state["flags"].split(",")
            assert fu.master_addr(alone) == (fu.HOST, old.port)
            time.sleep(0.1)
        for n in replicas:
            info = fu.replication(n)
            assert info["role"] == "slave" and \
                int(info["master_port"]) == old.port, (
                    "%s: %s\n%s" % (n.name, info, fu.explain(setup, since)))

    record = fu.fail_over(setup, restart=False, action=freeze_two_then_kill,
                          timeout=AFTER_THAW_TIMEOUT_S)
    print("minority: failover done %.1fs after SIGCONT, led by %s" % (
        record.agreed_at - watched["thawed_at"],
        setup.sentinels[record.leader].name))
    fu.check_votes(setup, record)
