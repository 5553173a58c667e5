"""Failover with every link over TLS.

A master and two replicas with a TLS port only (`port 0`, tls-replication
yes, client certificates required), watched by three sentinels that also
listen on a TLS port only and reach the nodes and each other with
tls-replication yes.  Nothing can work unless every link is TLS: discovery
(hellos on the nodes, then direct links between the sentinels), the vote,
the promotion, repointing the other replica, and clients finding the new
master through the sentinels.
"""

import signal

import pytest
import redis
import redis.sentinel

from harness import wait_until
from test_tls import NAME, Certs, master_fields, tls_node, tls_sentinel

DOWN_AFTER_MS = 1500
DISCOVERY_TIMEOUT_S = 15.0
FAILOVER_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(tmp_path_factory.mktemp("certs"))


def addr_of(sentinel):
    reply = sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)
    if not isinstance(reply, list) or len(reply) != 2:
        return None
    return int(reply[1])


def test_failover_over_tls(constellation, certs):
    master = tls_node(constellation, certs, "master")
    replicas = [tls_node(constellation, certs, "replica%d" % i,
                         replicaof=master.port) for i in (1, 2)]
    constellation.wait_replication(master, 2)
    spec = dict(name=NAME, port=master.port, quorum=2,
                down_after_ms=DOWN_AFTER_MS, failover_timeout_ms=10000)
    sentinels = [tls_sentinel(constellation, certs, "sentinel%d" % i,
                              masters=[spec]) for i in (1, 2, 3)]
    procs = constellation.procs()

    def discovered():
        for s in sentinels:
            f = master_fields(s)
            if (f["flags"] != "master" or f["num-slaves"] != "2"
                    or f["num-other-sentinels"] != "2"):
                return False
        return True
    wait_until(discovered, DISCOVERY_TIMEOUT_S,
               "every sentinel to see 2 replicas and 2 peers over TLS", procs)
    collectors = [constellation.collector(s) for s in sentinels]

    master.signal(signal.SIGKILL)
    master.popen.wait(5)
    replica_ports = {r.port for r in replicas}

    def agreed():
        ports = {addr_of(s) for s in sentinels}
        return ports if len(ports) == 1 and ports <= replica_ports else None
    new_port = wait_until(agreed, FAILOVER_TIMEOUT_S,
                          "every sentinel to name one promoted replica",
                          procs).pop()

    promoted = next(r for r in replicas if r.port == new_port)
    other = next(r for r in replicas if r.port != new_port)
    assert promoted.client().info("replication")["role"] == "master"

    def follows():
        info = other.client().info("replication")
        return (info.get("master_port") == new_port
                and info.get("master_link_status") == "up")
    wait_until(follows, FAILOVER_TIMEOUT_S,
               "the other replica to replicate from the new master over TLS",
               procs)
    switch = "%s 127.0.0.1 %d 127.0.0.1 %d" % (NAME, master.port, new_port)
    for c in collectors:
        c.wait_for("+switch-master", switch, timeout=FAILOVER_TIMEOUT_S)
    epochs = {master_fields(s)["config-epoch"] for s in sentinels}
    assert len(epochs) == 1 and epochs != {"0"}, epochs
    # A client finds the new master through the sentinels, all over TLS.
    tls = certs.redis_kwargs()
    finder = redis.sentinel.Sentinel([("127.0.0.1", s.port) for s in sentinels],
                                     sentinel_kwargs=dict(tls, socket_timeout=5),
                                     socket_timeout=5, **tls)
    assert finder.discover_master(NAME) == ("127.0.0.1", new_port)
    assert finder.master_for(NAME).set("after-failover", "1")
