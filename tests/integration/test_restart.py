"""Persistence: a sentinel restarted on its rewritten config keeps its id
and what it learned.

The sentinel is stopped with SIGTERM, then the master and the other two
sentinels are frozen before it starts again, so that it cannot learn the
replicas or its peers anew: whatever it lists right after the restart came
from its config file.
"""

import re
from types import SimpleNamespace

import pytest

import harness
import shapes
from harness import wait_until

DISCOVERY_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    replicas = [c.replica(master, priority=0), c.replica(master, priority=0)]
    c.wait_replication(master, 2)
    monitor = [dict(port=master.port, quorum=2, failover_timeout_ms=600000)]
    sentinels = [c.sentinel(masters=monitor) for _ in range(3)]
    return SimpleNamespace(c=c, master=master, replicas=replicas,
                           sentinels=sentinels)


def listed(sentinel, what):
    out = []
    for item in sentinel.call("SENTINEL", what, "mymaster"):
        d = dict(harness.pairs(item))
        out.append((d["ip"], int(d["port"]), d["runid"]))
    return sorted(out)


def config_lines(sentinel):
    return [line.strip() for line in sentinel.config_file().splitlines()]


def test_config_rewritten_with_generated_state(setup):
    target = setup.sentinels[0]
    myid = target.myid()
    want = ["sentinel myid %s" % myid]
    want += ["sentinel known-replica mymaster 127.0.0.1 %d" % r.port
             for r in setup.replicas]
    want += ["sentinel known-sentinel mymaster 127.0.0.1 %d %s"
             % (o.port, o.myid()) for o in setup.sentinels[1:]]

    def persisted():
        lines = config_lines(target)
        return all(w in lines for w in want)
    wait_until(persisted, DISCOVERY_TIMEOUT_S,
               "%s's config to hold %s" % (target.name, want), [target])
    lines = config_lines(target)
    # The user's lines stay, in place, before the generated state.
    assert lines[0] == "port %d" % target.port, lines[:3]
    assert "sentinel monitor mymaster 127.0.0.1 %d 2" % (
        setup.master.port) in lines
    assert len([x for x in lines if x.startswith("sentinel myid ")]) == 1
    assert re.search(r"^sentinel current-epoch \d+$", "\n".join(lines),
                     re.M), lines


def test_restart_keeps_myid_replicas_and_peers(setup):
    target, others = setup.sentinels[0], setup.sentinels[1:]
    myid = target.myid()
    replicas_before = listed(target, "REPLICAS")
    peers_before = listed(target, "SENTINELS")
    assert len(replicas_before) == 2 and len(peers_before) == 2
    wait_until(lambda: "sentinel myid %s" % myid in config_lines(target),
               DISCOVERY_TIMEOUT_S, "myid persisted", [target])

    rc = target.stop()
    assert rc == 0, "SIGTERM exit code %s\n%s" % (rc, target.describe())
    text = target.config_file()
    assert "sentinel myid %s" % myid in text, text

    frozen = [setup.master] + others
    for p in frozen:
        p.pause()
    try:
        target.start(write_config=False)
        assert target.myid() == myid
        # Addresses come from the rewritten config at once; run ids only
        # once each replica has answered INFO (Redis does not persist them).
        wait_until(lambda: listed(target, "REPLICAS") == replicas_before,
                   DISCOVERY_TIMEOUT_S, "replicas listed as before", [target])
        assert listed(target, "SENTINELS") == peers_before
        d = shapes.check_fields(harness.pairs(
            target.call("SENTINEL", "MASTER", "mymaster")), "master")
        assert d["num-slaves"] == "2" and d["num-other-sentinels"] == "2", d
    finally:
        for p in frozen:
            p.resume()
    # Once everything runs again the peers still know it under its old id.
    for o in others:
        wait_until(lambda: any(rid == myid and port == target.port
                               for _, port, rid in listed(o, "SENTINELS")),
                   DISCOVERY_TIMEOUT_S, "%s to list %s" % (o.name, myid),
                   [o, target])
        assert len(listed(o, "SENTINELS")) == 2, listed(o, "SENTINELS")
