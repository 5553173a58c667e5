"""Masters given by host name, as redis-sentinel 7.0 treats them.

With `resolve-hostnames yes` a master may be named `localhost`.  With
`announce-hostnames no` the name is resolved when read and only the
address is used from then on: replies, hellos and the rewritten config say
127.0.0.1.  With `announce-hostnames yes` the name is what clients, peers
(the hello payload) and the config file see, while replicas that report
their master as 127.0.0.1 are still taken to follow it (no
+fix-slave-config).  A name that does not resolve blocks nothing.

Also runs against Debian's redis-sentinel 7.0 (SENTINELD_BIN).
"""

import time

import harness
from harness import Status, wait_until

NAME = "mymaster"
TIMEOUT_S = 15.0


def master_fields(s, name=NAME):
    return dict(harness.pairs(s.call("SENTINEL", "MASTER", name)))


def wait_monitoring(c, s, replica):
    """The master is up for s and its replica is known and healthy."""
    def ok():
        reps = [dict(harness.pairs(x))
                for x in s.call("SENTINEL", "REPLICAS", NAME)]
        return (master_fields(s)["flags"] == "master"
                and [(int(r["port"]), r["flags"], r["master-link-status"])
                     for r in reps] == [(replica.port, "slave", "ok")])
    wait_until(ok, TIMEOUT_S, "%s to monitor the master and its replica"
               % s.name, c.procs())


def hello_from(master, runid, timeout=TIMEOUT_S):
    """The fields of the next hello runid publishes on master."""
    pubsub = master.client().pubsub()
    pubsub.subscribe("__sentinel__:hello")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = pubsub.get_message(timeout=0.5)
            if msg and msg["type"] == "message":
                fields = msg["data"].split(",")
                if fields[2] == runid:
                    return fields
    finally:
        pubsub.close()
    raise AssertionError("no hello from %s on %s" % (runid, master.name))


def start(c, announce, extra=()):
    master = c.master()
    replica = c.replica(master)
    c.wait_replication(master, 1)
    s = c.sentinel(masters=[dict(port=master.port, quorum=1,
                                 host="localhost", extra=list(extra))],
                   lines=["sentinel resolve-hostnames yes",
                          "sentinel announce-hostnames %s" % announce])
    wait_monitoring(c, s, replica)
    return master, replica, s


def monitor_line(s):
    return [x for x in s.config_file().splitlines()
            if x.startswith("sentinel monitor ")]


def test_resolved_once_without_announce(constellation):
    c = constellation
    master, _, s = start(c, "no")
    assert s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
        b"127.0.0.1", str(master.port).encode()]
    assert master_fields(s)["ip"] == "127.0.0.1"
    assert hello_from(master, s.myid())[5:7] == ["127.0.0.1",
                                                 str(master.port)]
    assert s.call("SENTINEL", "SET", NAME, "quorum", "1") == Status("OK")
    assert monitor_line(s) == ["sentinel monitor %s 127.0.0.1 %d 1"
                               % (NAME, master.port)]


def test_hostname_announced(constellation):
    c = constellation
    master, replica, s = start(c, "yes",
                               extra=["failover-timeout {name} 2000"])
    events = c.collector(s)
    assert s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
        b"localhost", str(master.port).encode()]
    assert master_fields(s)["ip"] == "localhost"
    assert hello_from(master, s.myid())[5:7] == ["localhost",
                                                 str(master.port)]
    assert s.call("SENTINEL", "SET", NAME, "quorum", "1") == Status("OK")
    assert monitor_line(s) == ["sentinel monitor %s localhost %d 1"
                               % (NAME, master.port)]
    # The replica follows 127.0.0.1, which is what localhost resolves to:
    # past failover-timeout, with INFO every 100 ms, it is left alone.
    assert s.call("SENTINEL", "DEBUG", "info-period", "100") == Status("OK")
    time.sleep(3.5)
    assert events.find("+fix-slave-config") == []
    info = replica.client().info("replication")
    assert info["master_host"] == "127.0.0.1", info


def test_unresolvable_name_blocks_nothing(constellation):
    c = constellation
    master = c.master()
    s = c.sentinel(masters=[dict(name="lost", port=6379, quorum=1,
                                 host="no-such-host.invalid"),
                            dict(name=NAME, port=master.port, quorum=1)],
                   lines=["sentinel resolve-hostnames yes"])
    wait_until(lambda: "s_down" in master_fields(s, "lost")["flags"],
               TIMEOUT_S, "the unresolvable master to be down", [s])
    assert master_fields(s)["flags"] == "master"
    started = time.monotonic()
    assert s.call("PING") == Status("PONG")
    assert time.monotonic() - started < 0.5


def test_monitor_refuses_names_without_resolve(constellation):
    """SENTINEL MONITOR takes a host name only with resolve-hostnames."""
    c = constellation
    master = c.master()
    s = c.sentinel(masters=[dict(port=master.port, quorum=1)])
    reply = s.call("SENTINEL", "MONITOR", "other", "localhost",
                   str(master.port), "1")
    assert reply == "ERR Invalid IP address or hostname specified"
