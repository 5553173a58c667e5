"""Down detection: SDOWN, ODOWN, and their end, seen by every sentinel.

A master with two replicas and three sentinels (quorum 2).  The replicas
have replica-priority 0 and failover-timeout is long, so no failover can
happen here: a sentinel that tries finds no replica to promote.  SIGSTOP
freezes a node without closing its sockets, the way a hung host looks.
"""

import re
import time
from types import SimpleNamespace

import pytest
import redis.sentinel

import harness
import shapes
from harness import wait_until

DISCOVERY_TIMEOUT_S = 10.0
# down-after is 1 s; a sentinel needs up to a ping period more to notice,
# and ODOWN needs the peers' answers (asked about once a second).
SDOWN_TIMEOUT_S = 5.0
ODOWN_TIMEOUT_S = 8.0
RECOVERY_TIMEOUT_S = 5.0


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    replicas = [c.replica(master, priority=0), c.replica(master, priority=0)]
    c.wait_replication(master, 2)
    monitor = [dict(port=master.port, quorum=2, down_after_ms=1000,
                    failover_timeout_ms=600000)]
    sentinels = [c.sentinel(masters=monitor) for _ in range(3)]
    for s in sentinels:
        def known(s=s):
            reply = s.call("SENTINEL", "MASTER", "mymaster")
            d = dict(harness.pairs(reply))
            return d["num-slaves"] == "2" and d["num-other-sentinels"] == "2"
        wait_until(known, DISCOVERY_TIMEOUT_S,
                   "%s to know 2 replicas and 2 peers" % s.name, c.procs())
    collectors = [c.collector(s) for s in sentinels]
    return SimpleNamespace(c=c, master=master, replicas=replicas,
                           sentinels=sentinels, collectors=collectors)


def master_state(sentinel):
    return shapes.check_fields(
        harness.pairs(sentinel.call("SENTINEL", "MASTER", "mymaster")),
        "master")


def replica_state(sentinel, port):
    for item in sentinel.call("SENTINEL", "REPLICAS", "mymaster"):
        d = shapes.check_fields(harness.pairs(item), "replica")
        if d["port"] == str(port):
            return d
    raise AssertionError("replica %d not listed by %s" % (port,
                                                          sentinel.name))


def test_replica_down_is_sdown_only(setup):
    m, r = setup.master, setup.replicas[0]
    payload = "slave 127.0.0.1:%d 127.0.0.1 %d @ mymaster 127.0.0.1 %d" % (
        r.port, r.port, m.port)
    since = time.monotonic()
    r.pause()
    try:
        for col in setup.collectors:
            col.wait_for("+sdown", re.escape(payload), SDOWN_TIMEOUT_S,
                         since=since)
        for s in setup.sentinels:
            d = replica_state(s, r.port)
            # The link to a frozen node is dropped and made again (the
            # kernel still accepts), so "disconnected" may come and go.
            assert {"slave", "s_down"} <= shapes.flags(d) <= {
                "slave", "s_down", "disconnected"}, d["flags"]
            assert "s-down-time" in d
            assert master_state(s)["flags"] == "master"
        # Clients skip a replica that is down.
        addrs = [("127.0.0.1", s.port) for s in setup.sentinels]
        client = redis.sentinel.Sentinel(addrs, socket_timeout=5)
        assert client.discover_slaves("mymaster") == [
            ("127.0.0.1", setup.replicas[1].port)]
    finally:
        resumed = time.monotonic()
        r.resume()
    for col in setup.collectors:
        col.wait_for("-sdown", re.escape(payload), RECOVERY_TIMEOUT_S,
                     since=resumed)
        # Only a master can be objectively down.
        assert not col.find("+odown", since=since), col.snapshot()
    for s in setup.sentinels:
        wait_until(lambda: replica_state(s, r.port)["flags"] == "slave",
                   RECOVERY_TIMEOUT_S, "replica flags back to 'slave'", [s])


def test_master_sdown_then_odown_everywhere_and_back(setup):
    m = setup.master
    payload = "master mymaster 127.0.0.1 %d" % m.port
    since = time.monotonic()
    m.pause()
    try:
        for col in setup.collectors:
            sdown = col.wait_for("+sdown", re.escape(payload),
                                 SDOWN_TIMEOUT_S, since=since)
            odown = col.wait_for(
                "+odown", re.escape(payload) + r" #quorum [23]/2",
                ODOWN_TIMEOUT_S, since=since)
            assert sdown[0] <= odown[0], (sdown, odown)
        for s in setup.sentinels:
            d = master_state(s)
            assert shapes.flags(d) >= {"master", "s_down", "o_down"}, d
            assert "s-down-time" in d and "o-down-time" in d, d
            assert int(d["last-ok-ping-reply"]) >= 1000, d
            info = s.call("INFO", "sentinel").decode()
            assert ("master0:name=mymaster,status=odown,address=127.0.0.1:%d,"
                    "slaves=2,sentinels=3" % m.port) in info, info
            # The down answer peers ask for: down, no vote asked.
            reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1",
                           m.port, 0, "*")
            assert reply[0] == 1 and reply[1] == b"*", reply
            assert s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME",
                          "mymaster") == [b"127.0.0.1", str(m.port).encode()]
        addrs = [("127.0.0.1", s.port) for s in setup.sentinels]
        client = redis.sentinel.Sentinel(addrs, socket_timeout=5)
        with pytest.raises(redis.sentinel.MasterNotFoundError):
            client.discover_master("mymaster")
    finally:
        resumed = time.monotonic()
        m.resume()
    for col in setup.collectors:
        col.wait_for("-sdown", re.escape(payload), RECOVERY_TIMEOUT_S,
                     since=resumed)
        col.wait_for("-odown", re.escape(payload), RECOVERY_TIMEOUT_S,
                     since=resumed)
        # Nothing was promoted: every replica had priority 0.
        assert not col.find("+switch-master"), col.snapshot()
    for s in setup.sentinels:
        # A sentinel that started a failover and lost the election keeps
        # failover_in_progress until its election times out (10 s in Redis);
        # the down flags must be gone at once all the same.
        wait_until(lambda: shapes.flags(master_state(s)) <= {
            "master", "failover_in_progress"}, RECOVERY_TIMEOUT_S,
            "master flags back to 'master'", [s])
        d = master_state(s)
        assert "master" in shapes.flags(d), d
        assert "s-down-time" not in d and "o-down-time" not in d, d
    client = redis.sentinel.Sentinel(addrs, min_other_sentinels=2,
                                     socket_timeout=5)
    assert client.discover_master("mymaster") == ("127.0.0.1", m.port)
