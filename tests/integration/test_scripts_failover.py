"""client-reconfig-script on a real failover: three sentinels (quorum 2)
watch a master with two replicas; the master is killed, and the sentinel
elected leader runs the script with the seven arguments
`<master> leader start <from-ip> <from-port> <to-ip> <to-port>`.  Redis
Sentinel 7.0 also runs it on the other sentinels as they switch, with role
`observer`, and never with a state other than `start`.
"""

import json
import os
import stat
import time
from types import SimpleNamespace

import pytest

import harness
from harness import wait_until

NAME = "mymaster"
DOWN_AFTER_MS = 1500
DISCOVERY_TIMEOUT_S = 15.0
FAILOVER_TIMEOUT_S = 30.0
SCRIPT_TIMEOUT_S = 5.0

# Appends its arguments to reconfig.jsonl in its working directory, which
# is the sentinel's own `dir`.
RECORDER = """#!/usr/bin/python3
import json, os, sys
with open(os.path.join(os.getcwd(), "reconfig.jsonl"), "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def records(sentinel):
    try:
        with open(os.path.join(sentinel.dir, "reconfig.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []


@pytest.fixture(scope="module")
def failover(module_constellation):
    c = module_constellation
    script = os.path.join(c.root, "reconfig script.py")
    with open(script, "w") as f:
        f.write(RECORDER)
    os.chmod(script, stat.S_IRWXU)

    master = c.master()
    replicas = [c.replica(master), c.replica(master)]
    c.wait_replication(master, 2)
    monitor = [dict(port=master.port, quorum=2, down_after_ms=DOWN_AFTER_MS,
                    failover_timeout_ms=20000,
                    extra=['client-reconfig-script {name} "%s"' % script])]
    sentinels = [c.sentinel(masters=monitor) for _ in range(3)]
    for s in sentinels:
        def known(s=s):
            d = dict(harness.pairs(s.call("SENTINEL", "MASTER", NAME)))
            return d["num-slaves"] == "2" and d["num-other-sentinels"] == "2"
        wait_until(known, DISCOVERY_TIMEOUT_S,
                   "%s to know 2 replicas and 2 peers" % s.name, c.procs())
    collectors = [c.collector(s) for s in sentinels]

    master.kill()
    switches = [col.wait_for("+switch-master", None, FAILOVER_TIMEOUT_S)
                for col in collectors]
    fields = switches[0][2].split()
    assert fields[:3] == [NAME, "127.0.0.1", str(master.port)], switches
    new_port = int(fields[4])
    assert new_port in [r.port for r in replicas]
    leaders = [s for s, col in zip(sentinels, collectors)
               if col.find("+elected-leader")]
    assert len(leaders) == 1, [col.snapshot() for col in collectors]

    def args(role):
        return [NAME, role, "start", "127.0.0.1", str(master.port),
                "127.0.0.1", str(new_port)]
    return SimpleNamespace(sentinels=sentinels, leader=leaders[0], args=args)


def test_leader_runs_reconfig_script(failover):
    leader = failover.leader
    wait_until(lambda: records(leader), SCRIPT_TIMEOUT_S,
               "the leader's script to run", [leader])
    assert records(leader)[0] == failover.args("leader")
    # Whatever else runs names the same switch, from the old master to the
    # promoted replica.
    for s in failover.sentinels:
        for r in records(s):
            assert r[0] == NAME and r[1] in ("leader", "observer"), r
            assert r[3:] == failover.args("leader")[3:], r


def test_reconfig_script_calls_as_redis_sentinel(failover):
    # Give late runs (an "end", an observer) time to show.
    time.sleep(1.0)
    for s in failover.sentinels:
        role = "leader" if s is failover.leader else "observer"
        assert records(s) == [failover.args(role)], (s.name, records(s))
