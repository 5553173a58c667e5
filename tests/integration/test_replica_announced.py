"""Replicas configured with `replica-announced no` report
replica_announced:0 in INFO: Redis Sentinel keeps them (they count in
num-slaves and in INFO's slaves=) but leaves them out of SENTINEL
REPLICAS / SLAVES, so clients never learn about them.
"""

from types import SimpleNamespace

import pytest
import redis.sentinel

import harness
from harness import wait_until


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    shown = c.replica(master, priority=0)
    hidden = c.replica(master, priority=0,
                       extra={"replica-announced": "no"})
    c.wait_replication(master, 2)
    s = c.sentinel(masters=[dict(port=master.port, quorum=1,
                                 failover_timeout_ms=600000)])
    return SimpleNamespace(c=c, master=master, shown=shown, hidden=hidden,
                           sentinel=s)


def listed(s, what):
    return sorted(int(dict(harness.pairs(r))["port"])
                  for r in s.call("SENTINEL", what, "mymaster"))


def test_unannounced_replica_left_out(setup):
    s = setup.sentinel
    # Until its INFO is read, the hidden replica looks like any other.
    wait_until(lambda: listed(s, "REPLICAS") == [setup.shown.port], 5,
               "REPLICAS to list only %d" % setup.shown.port, [s])
    assert listed(s, "SLAVES") == [setup.shown.port]
    client = redis.sentinel.Sentinel([("127.0.0.1", s.port)],
                                     socket_timeout=5)
    assert client.discover_slaves("mymaster") == [("127.0.0.1",
                                                   setup.shown.port)]


def test_unannounced_replica_still_counted(setup):
    s = setup.sentinel
    wait_until(lambda: listed(s, "REPLICAS") == [setup.shown.port], 5,
               "the hidden replica's INFO to be read", [s])
    d = dict(harness.pairs(s.call("SENTINEL", "MASTER", "mymaster")))
    assert d["num-slaves"] == "2", d
    info = s.call("INFO", "sentinel").decode()
    assert ",slaves=2,sentinels=1" in info, info
