"""Client libraries against sentineld: redis-py's Sentinel support (RESP2),
and what a RESP3 client does after HELLO 3.

Debian 12's python3-redis is 4.3, which has no RESP3 (its Redis() takes
no `protocol`, that arrived in redis-py 5), so the RESP3 side is checked
with raw requests in the order a RESP3 client library sends them: HELLO 3,
SENTINEL GET-MASTER-ADDR-BY-NAME / REPLICAS / SENTINELS, then a
subscription to +switch-master that must arrive as a push message.

Debian's redis-sentinel watches the same master, so that what redis-py
makes of sentineld's replies can be compared with what it makes of the
reference's.
"""

import pytest
import redis
import redis.sentinel

from harness import wait_until
from test_diff_resp import Map, NULL, Push, connect, field_pairs, \
    start_pair, text, type_name

NAME = "mymaster"
HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def pair(module_constellation, binary, reference_bin):
    p = start_pair(module_constellation, binary, reference_bin)
    # A second daemon under test, so that min_other_sentinels and peer
    # lists have something to count.
    p.dut2 = module_constellation.sentinel(
        name="under-test-2", binary=binary,
        masters=[dict(port=p.master.port, quorum=2)])
    for s in (p.ref, p.dut, p.dut2):
        wait_until(lambda s=s: len(s.call("SENTINEL", "SENTINELS", NAME))
                   == 2, 15, "%s to know both peers" % s.name,
                   module_constellation.procs())
    return p


def sentinel_client(sentinels, **kw):
    return redis.sentinel.Sentinel(
        [(HOST, s.port) for s in sentinels], socket_timeout=2,
        sentinel_kwargs=dict(socket_timeout=2), **kw)


# ---------------------------------------------------------------- RESP2

def test_discovery(pair):
    """discover_master / discover_slaves give the same answers from
    sentineld as from redis-sentinel, with min_other_sentinels too."""
    want_master = (HOST, pair.master.port)
    want_replicas = sorted((HOST, r.port) for r in pair.replicas)
    for sentinels in ([pair.dut], [pair.dut, pair.dut2], [pair.ref]):
        client = sentinel_client(sentinels, min_other_sentinels=2)
        assert client.discover_master(NAME) == want_master
        assert sorted(client.discover_slaves(NAME)) == want_replicas
        with pytest.raises(redis.sentinel.MasterNotFoundError):
            client.discover_master("nosuch")
        assert client.discover_slaves("nosuch") == []
    # Asking for more peers than there are makes the master unusable.
    with pytest.raises(redis.sentinel.MasterNotFoundError):
        sentinel_client([pair.dut], min_other_sentinels=3).discover_master(
            NAME)


def test_master_for_and_slave_for(pair):
    """Writes through master_for land on the master; slave_for reads them
    back from a replica, and refuses writes (READONLY)."""
    client = sentinel_client([pair.dut, pair.dut2])
    master = client.master_for(NAME, decode_responses=True)
    replica = client.slave_for(NAME, decode_responses=True)
    assert master.set("clients:key", "v1")
    assert master.incr("clients:counter") >= 1
    assert master.get("clients:key") == "v1"
    assert master.info("replication")["role"] == "master"
    wait_until(lambda: replica.get("clients:key") == "v1", 10,
               "the write to reach a replica", pair.c.procs())
    assert replica.info("replication")["role"] == "slave"
    with pytest.raises(redis.exceptions.ReadOnlyError):
        replica.set("clients:key", "nope")
    master.connection_pool.disconnect()
    replica.connection_pool.disconnect()


def parsed_shape(state):
    """redis-py's parse of one instance: every key with its Python type,
    and the values that do not change from one sentinel to another."""
    same = {"name", "ip", "flags", "role-reported", "quorum",
            "num-slaves", "config-epoch", "master-link-status",
            "master-host", "slave-priority", "is_master", "is_slave",
            "is_sdown", "is_odown", "is_sentinel", "is_disconnected",
            "is_master_down", "down-after-milliseconds",
            "failover-timeout", "parallel-syncs"}
    return sorted((k, type(v).__name__, v if k in same else None)
                  for k, v in state.items())


def test_redis_py_reads_the_same_state(pair):
    """redis-py's parsed SENTINEL MASTERS / MASTER / SLAVES / SENTINELS
    (ints, flags, is_master...) are the same for both sentinels."""
    clients = {s.name: redis.Redis(host=HOST, port=s.port, socket_timeout=2,
                                   decode_responses=True)
               for s in (pair.ref, pair.dut)}
    views = {}
    for name, r in clients.items():
        masters = r.sentinel_masters()
        assert set(masters) == {NAME}, masters
        m = masters[NAME]
        assert m["is_master"] and not m["is_sdown"] and not m["is_odown"]
        assert m["num-other-sentinels"] == 2 and m["port"] == \
            pair.master.port
        assert sorted(r.sentinel_master(NAME)) == sorted(m)
        replicas = sorted(r.sentinel_slaves(NAME), key=lambda x: x["port"])
        peers = r.sentinel_sentinels(NAME)
        assert [x["is_sentinel"] for x in peers] == [True, True]
        views[name] = (parsed_shape(m), parsed_shape(r.sentinel_master(NAME)),
                       [parsed_shape(x) for x in replicas],
                       sorted(k for k in peers[0]))
        assert r.sentinel_get_master_addr_by_name(NAME) == (
            HOST, pair.master.port)
        assert r.sentinel_get_master_addr_by_name("nosuch") is None
        # redis-py 4.3's sentinel_ckquorum() and sentinel_flushconfig()
        # pass an option their reply parser rejects (a redis-py bug), so
        # these two go through execute_command.
        assert r.execute_command("SENTINEL", "CKQUORUM", NAME) == (
            "OK 3 usable Sentinels. Quorum and failover authorization can "
            "be reached")
        assert r.execute_command("SENTINEL FLUSHCONFIG") is True
        assert r.sentinel_set(NAME, "parallel-syncs", 1) is True
        with pytest.raises(redis.ResponseError):
            r.sentinel_master("nosuch")
        r.close()
    assert views[pair.dut.name] == views[pair.ref.name]


def test_monitor_and_remove_through_redis_py(pair):
    other = pair.c.master(name="other")
    for s in (pair.ref, pair.dut):
        r = redis.Redis(host=HOST, port=s.port, socket_timeout=2,
                        decode_responses=True)
        assert r.sentinel_monitor("other", HOST, other.port, 1) is True
        assert r.sentinel_get_master_addr_by_name("other") == (
            HOST, other.port)
        with pytest.raises(redis.ResponseError, match="Duplicate master"):
            r.sentinel_monitor("other", HOST, other.port, 1)
        assert r.sentinel_remove("other") is True
        assert r.sentinel_get_master_addr_by_name("other") is None
        r.close()
    other.stop()


# ---------------------------------------------------------------- RESP3

def resp3_discover(port):
    """What a RESP3 client does on connect: HELLO 3 (a map with proto 3),
    then the master's address, the replicas and the peers as maps."""
    with connect(port, 3) as c:
        hello = c.call("HELLO", "3")
        assert isinstance(hello, Map), hello
        info = dict(field_pairs(hello))
        assert info["proto"] == 3 and text(info["mode"]) == "sentinel", info
        addr = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)
        assert type_name(addr) == "array" and len(addr) == 2, addr
        assert c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch") \
            == NULL
        replicas = c.call("SENTINEL", "REPLICAS", NAME)
        peers = c.call("SENTINEL", "SENTINELS", NAME)
        master = c.call("SENTINEL", "MASTER", NAME)
        for item in replicas + peers + [master]:
            assert isinstance(item, Map), item
            assert all(type_name(v) == "bulk" for _, v in item), item
        as_dicts = [dict((k, text(v)) for k, v in field_pairs(x))
                    for x in replicas]
        return ((text(addr[0]), int(addr[1])),
                sorted((d["ip"], int(d["port"]), d["flags"],
                        d["master-link-status"]) for d in as_dicts),
                sorted(text(dict(field_pairs(p))["flags"]) for p in peers),
                text(dict(field_pairs(master))["flags"]))


def test_resp3_client_discovery(pair):
    want = ((HOST, pair.master.port),
            sorted((HOST, r.port, "slave", "ok") for r in pair.replicas),
            ["sentinel", "sentinel"], "master")
    for s in (pair.ref, pair.dut, pair.dut2):
        assert resp3_discover(s.port) == want, s.name


# ---------------------------------------------------------------- failover

def test_clients_follow_a_failover(pair):
    """After SENTINEL FAILOVER on sentineld: a RESP3 subscriber on the
    leader gets +switch-master as a push message, and redis-py's
    master_for finds and writes to the new master.  (redis-py discovers
    with SENTINEL MASTERS, which names the new master once the failover
    ends, as in Redis; GET-MASTER-ADDR-BY-NAME does from the promotion.)"""
    client = sentinel_client([pair.dut, pair.dut2])
    master = client.master_for(NAME, decode_responses=True,
                               socket_timeout=1)
    assert master.set("clients:before", "1")
    old = pair.master.port
    push = connect(pair.dut.port, 3)
    try:
        push.call("SUBSCRIBE", "+switch-master")
        reply = wait_until(
            lambda: (lambda r: r if not text(r).startswith("NOGOODSLAVE")
                     else None)(pair.dut.call("SENTINEL", "FAILOVER", NAME)),
            10, "SENTINEL FAILOVER to be accepted", pair.c.procs())
        assert reply == "OK", reply
        push.sock.settimeout(30)
        msg = push.read_reply()
        assert isinstance(msg, Push), msg
        kind, channel, payload = (text(x) for x in msg)
        assert (kind, channel) == ("message", "+switch-master"), msg
        name, old_ip, old_port, new_ip, new_port = payload.split()
        assert (name, old_ip, int(old_port), new_ip) == (NAME, HOST, old,
                                                        HOST), payload
        new = int(new_port)
        assert new in [r.port for r in pair.replicas], payload
    finally:
        push.close()

    # The pool asks the sentinels again and drops its idle connections to
    # the old master (which takes writes until it is turned into a
    # replica); the next write goes to the new one.
    wait_until(lambda: master.connection_pool.get_master_address()
               == (HOST, new), 10, "redis-py to discover the new master",
               pair.c.procs())

    def write():
        try:
            master.set("clients:after", "2")
            return int(master.info("server")["tcp_port"])
        except (redis.ConnectionError, redis.ReadOnlyError):
            return None
    assert wait_until(write, 20, "a write through master_for to succeed",
                      pair.c.procs()) == new
    assert client.discover_master(NAME) == (HOST, new)
    node = [r for r in pair.replicas if r.port == new][0]
    assert node.client().get("clients:after") == "2"
    # redis-sentinel follows sentineld's failover too.
    wait_until(lambda: sentinel_client([pair.ref]).discover_master(NAME)
               == (HOST, new), 20, "redis-sentinel to name the new master",
               pair.c.procs())
    master.connection_pool.disconnect()
