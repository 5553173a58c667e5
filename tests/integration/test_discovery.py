"""Discovery and the read-only SENTINEL commands.

One redis-server master with two replicas and three sentinels (quorum 2)
that are told only about the master: they must find both replicas through
the master's INFO and each other through hellos, and then describe all of
it with Redis's reply shapes, as redis-py's Sentinel client parses them.
"""

import re
import time
from types import SimpleNamespace

import pytest
import redis
import redis.sentinel

import harness
import shapes
from harness import Error, NIL_ARRAY, Status, wait_until

DISCOVERY_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    replicas = [c.replica(master), c.replica(master)]
    c.wait_replication(master, 2)
    monitor = [dict(port=master.port, quorum=2)]
    first = c.sentinel(masters=monitor)
    # Subscribed before the peers start, so their +sentinel events show.
    events = c.collector(first)
    sentinels = [first] + [c.sentinel(masters=monitor) for _ in range(2)]
    return SimpleNamespace(c=c, master=master, replicas=replicas,
                           sentinels=sentinels, events=events)


def all_flags(sentinel, what):
    reply = sentinel.call("SENTINEL", what, "mymaster")
    return [dict(harness.pairs(r))["flags"] for r in reply]


def replica_addrs(sentinel):
    reply = sentinel.call("SENTINEL", "REPLICAS", "mymaster")
    return sorted((d["ip"], int(d["port"]))
                  for d in (dict(harness.pairs(r)) for r in reply))


def sentinel_addrs(sentinel):
    reply = sentinel.call("SENTINEL", "SENTINELS", "mymaster")
    return sorted((d["ip"], int(d["port"]))
                  for d in (dict(harness.pairs(r)) for r in reply))


@pytest.fixture(scope="module")
def discovered(setup):
    """The setup once every sentinel knows both replicas and both peers."""
    want_replicas = sorted(("127.0.0.1", r.port) for r in setup.replicas)
    for s in setup.sentinels:
        want_peers = sorted(("127.0.0.1", o.port) for o in setup.sentinels
                            if o is not s)
        # Links to newly found instances are connected a moment later.
        wait_until(lambda: replica_addrs(s) == want_replicas
                   and sentinel_addrs(s) == want_peers
                   and all_flags(s, "REPLICAS") == ["slave", "slave"]
                   and all_flags(s, "SENTINELS") == ["sentinel", "sentinel"],
                   DISCOVERY_TIMEOUT_S, "discovery on %s" % s.name,
                   setup.c.procs())
    return setup


def master_run_id(node):
    return node.client().info("server")["run_id"]


# ---------------------------------------------------------------- discovery

def test_replicas_discovered_from_master_info(setup):
    want = sorted(("127.0.0.1", r.port) for r in setup.replicas)
    for s in setup.sentinels:
        wait_until(lambda: replica_addrs(s) == want, DISCOVERY_TIMEOUT_S,
                   "%s to list replicas %s" % (s.name, want), [s])


def test_peer_sentinels_discovered_through_hellos(setup):
    for s in setup.sentinels:
        want = sorted(("127.0.0.1", o.port) for o in setup.sentinels
                      if o is not s)
        wait_until(lambda: sentinel_addrs(s) == want, DISCOVERY_TIMEOUT_S,
                   "%s to list peers %s" % (s.name, want), setup.sentinels)


def test_sentinel_events_published(discovered):
    # The collector subscribed to the first sentinel before the others ran.
    for o in discovered.sentinels[1:]:
        payload = "sentinel %s 127.0.0.1 %d @ mymaster 127.0.0.1 %d" % (
            o.myid(), o.port, discovered.master.port)
        discovered.events.wait_for("+sentinel", re.escape(payload), 5)


def test_discovery_events_logged(discovered):
    # The replicas may be found before anyone can subscribe, so this reads
    # the log, which the same events go to.
    for s in discovered.sentinels:
        log = harness.tail(s.log_path, 100000)
        for r in discovered.replicas:
            payload = ("slave 127.0.0.1:%d 127.0.0.1 %d @ mymaster "
                       "127.0.0.1 %d" % (r.port, r.port,
                                         discovered.master.port))
            assert "+slave " + payload in log, (
                "no '+slave %s' in %s's log\n%s" % (payload, s.name,
                                                    s.describe()))
        for o in discovered.sentinels:
            if o is s:
                continue
            payload = "sentinel %s 127.0.0.1 %d @ mymaster 127.0.0.1 %d" % (
                o.myid(), o.port, discovered.master.port)
            assert "+sentinel " + payload in log, (
                "no '+sentinel %s' in %s's log\n%s" % (payload, s.name,
                                                       s.describe()))


# ---------------------------------------------------------------- MASTER(S)

def test_master_fields_in_redis_order(discovered):
    m = discovered.master
    for s in discovered.sentinels:
        d = shapes.check_fields(
            harness.pairs(s.call("SENTINEL", "MASTER", "mymaster")), "master")
        assert d["name"] == "mymaster"
        assert d["ip"] == "127.0.0.1"
        assert d["port"] == str(m.port)
        assert d["runid"] == master_run_id(m)
        assert d["flags"] == "master"
        assert d["role-reported"] == "master"
        assert d["num-slaves"] == "2"
        assert d["num-other-sentinels"] == "2"
        assert d["quorum"] == "2"
        assert d["down-after-milliseconds"] == "1000"
        assert d["failover-timeout"] == "180000"
        assert d["parallel-syncs"] == "1"
        assert d["config-epoch"] == "0"
        assert "failover-state" not in d
        assert "s-down-time" not in d and "o-down-time" not in d
        # Times are milliseconds since the event: pings go out every second
        # and INFO every ten.
        assert 0 <= int(d["last-ok-ping-reply"]) < 3000, d
        assert 0 <= int(d["last-ping-reply"]) < 3000, d
        assert 0 <= int(d["info-refresh"]) < 12000, d
        assert int(d["link-refcount"]) >= 1


def test_masters_lists_the_same_entry(discovered):
    s = discovered.sentinels[0]
    reply = s.call("SENTINEL", "MASTERS")
    assert isinstance(reply, list) and len(reply) == 1, reply
    d = shapes.check_fields(harness.pairs(reply[0]), "master")
    single = dict(harness.pairs(s.call("SENTINEL", "MASTER", "mymaster")))
    assert [k for k, _ in harness.pairs(reply[0])] == list(single)
    for key in ("name", "ip", "port", "runid", "flags", "quorum",
                "num-slaves", "num-other-sentinels"):
        assert d[key] == single[key], key


def test_master_unknown_name_is_an_error(discovered):
    reply = discovered.sentinels[0].call("SENTINEL", "MASTER", "nosuch")
    assert isinstance(reply, Error), reply
    assert reply == "ERR No such master with that name"


# ---------------------------------------------------------------- REPLICAS

def test_replica_fields_in_redis_order(discovered):
    m = discovered.master
    ports = {r.port: r for r in discovered.replicas}
    for s in discovered.sentinels:
        # The run id comes with the first INFO after the link is up.
        wait_until(lambda: all(
            dict(harness.pairs(i))["runid"]
            for i in s.call("SENTINEL", "REPLICAS", "mymaster")), 3,
            "%s to know the replicas' run ids" % s.name, [s])
        reply = s.call("SENTINEL", "REPLICAS", "mymaster")
        assert isinstance(reply, list) and len(reply) == 2, reply
        for item in reply:
            d = shapes.check_fields(harness.pairs(item), "replica")
            node = ports[int(d["port"])]
            assert d["name"] == "127.0.0.1:%d" % node.port
            assert d["ip"] == "127.0.0.1"
            assert d["flags"] == "slave"
            assert d["role-reported"] == "slave"
            assert d["runid"] == master_run_id(node)
            assert d["master-host"] == "127.0.0.1"
            assert d["master-port"] == str(m.port)
            assert d["master-link-status"] == "ok"
            assert d["master-link-down-time"] == "0"
            assert d["slave-priority"] == "100"
            assert d["replica-announced"] == "1"
            assert d["down-after-milliseconds"] == "1000"


def test_slaves_is_the_old_name_of_replicas(discovered):
    s = discovered.sentinels[0]
    a = s.call("SENTINEL", "REPLICAS", "mymaster")
    b = s.call("SENTINEL", "SLAVES", "mymaster")
    names = lambda reply: sorted([k for k, _ in harness.pairs(i)]  # noqa: E731
                                 for i in reply)
    ids = lambda reply: sorted(dict(harness.pairs(i))["runid"]  # noqa: E731
                               for i in reply)
    assert names(a) == names(b)
    assert ids(a) == ids(b)


def test_replicas_of_unknown_master_is_an_error(discovered):
    reply = discovered.sentinels[0].call("SENTINEL", "REPLICAS", "nosuch")
    assert reply == Error("ERR No such master with that name"), reply


# ---------------------------------------------------------------- SENTINELS

def test_sentinel_fields_in_redis_order(discovered):
    ids = {s.port: s.myid() for s in discovered.sentinels}
    for s in discovered.sentinels:
        reply = s.call("SENTINEL", "SENTINELS", "mymaster")
        assert isinstance(reply, list) and len(reply) == 2, reply
        for item in reply:
            d = shapes.check_fields(harness.pairs(item), "sentinel")
            port = int(d["port"])
            assert port != s.port, "a sentinel lists itself"
            assert d["runid"] == ids[port]
            assert d["name"] == ids[port]
            assert d["ip"] == "127.0.0.1"
            assert d["flags"] == "sentinel"
            assert d["voted-leader"] == "?"
            assert d["voted-leader-epoch"] == "0"
            # Hellos arrive every 2 s from each peer.
            assert 0 <= int(d["last-hello-message"]) < 5000, d


# ---------------------------------------------------------------- redis-py

def test_redis_py_parses_sentinel_state(discovered):
    m = discovered.master
    for s in discovered.sentinels:
        r = s.client()
        state = r.sentinel_master("mymaster")
        assert state["is_master"] and not state["is_sdown"]
        assert not state["is_odown"] and not state["is_disconnected"]
        assert state["port"] == m.port and state["num-slaves"] == 2
        assert state["num-other-sentinels"] == 2 and state["quorum"] == 2
        masters = r.sentinel_masters()
        assert list(masters) == ["mymaster"]
        slaves = r.sentinel_slaves("mymaster")
        assert sorted(x["port"] for x in slaves) == sorted(
            n.port for n in discovered.replicas)
        assert all(x["is_slave"] and not x["is_sdown"] for x in slaves)
        peers = r.sentinel_sentinels("mymaster")
        assert len(peers) == 2 and all(x["is_sentinel"] for x in peers)
        assert r.sentinel_get_master_addr_by_name("mymaster") == (
            "127.0.0.1", m.port)


def test_redis_py_sentinel_client_reads_and_writes(discovered):
    m = discovered.master
    addrs = [("127.0.0.1", s.port) for s in discovered.sentinels]
    client = redis.sentinel.Sentinel(addrs, min_other_sentinels=2,
                                     socket_timeout=5)
    assert client.discover_master("mymaster") == ("127.0.0.1", m.port)
    assert sorted(client.discover_slaves("mymaster")) == sorted(
        ("127.0.0.1", r.port) for r in discovered.replicas)
    master = client.master_for("mymaster", socket_timeout=5,
                               decode_responses=True)
    assert master.set("sentineld-key", "value-1")
    assert master.get("sentineld-key") == "value-1"
    replica = client.slave_for("mymaster", socket_timeout=5,
                               decode_responses=True)
    wait_until(lambda: replica.get("sentineld-key") == "value-1", 5,
               "the write to reach a replica")
    with pytest.raises(redis.sentinel.MasterNotFoundError):
        client.discover_master("nosuch")


# ---------------------------------------------------------------- others

def test_get_master_addr_by_name(discovered):
    s = discovered.sentinels[0]
    reply = s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
    assert reply == [b"127.0.0.1", str(discovered.master.port).encode()]
    # An unknown name is a null array, which clients read as "no master".
    reply = s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch")
    assert reply is NIL_ARRAY, reply


def test_myid_is_stable_and_unique(discovered):
    ids = []
    for s in discovered.sentinels:
        reply = s.call("SENTINEL", "MYID")
        assert isinstance(reply, bytes), reply
        assert shapes.RUNID.fullmatch(reply.decode()), reply
        assert s.call("SENTINEL", "MYID") == reply
        ids.append(reply)
    assert len(set(ids)) == 3, ids


def test_ckquorum(discovered):
    s = discovered.sentinels[0]
    reply = s.call("SENTINEL", "CKQUORUM", "mymaster")
    assert isinstance(reply, Status), reply
    assert reply == ("OK 3 usable Sentinels. Quorum and failover "
                     "authorization can be reached"), reply
    reply = s.call("SENTINEL", "CKQUORUM", "nosuch")
    assert reply == Error("ERR No such master with that name"), reply


def test_is_master_down_by_addr_reply_shape(discovered):
    s = discovered.sentinels[0]
    port = discovered.master.port
    reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port,
                   0, "*")
    # [down state, leader runid or "*", leader epoch]: no vote asked.
    assert reply == [0, b"*", 0], reply
    assert type(reply[0]) is int and type(reply[2]) is int
    # An address nobody monitors is not down either.
    reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", 1, 0,
                   "*")
    assert reply == [0, b"*", 0], reply


def test_info_sentinel(discovered):
    m = discovered.master
    for s in discovered.sentinels:
        text = s.call("INFO", "sentinel")
        assert isinstance(text, bytes), text
        text = text.decode()
        assert text.startswith("# Sentinel\r\n"), text
        fields = harness.info_fields(text)
        keys = [k for _, k, _ in fields]
        assert keys == shapes.INFO_SENTINEL_KEYS + ["master0"], keys
        d = {k: v for _, k, v in fields}
        assert d["sentinel_masters"] == "1"
        assert d["sentinel_tilt"] == "0"
        assert d["sentinel_running_scripts"] == "0"
        assert d["sentinel_scripts_queue_length"] == "0"
        assert d["master0"] == (
            "name=mymaster,status=ok,address=127.0.0.1:%d,slaves=2,"
            "sentinels=3" % m.port), d["master0"]


def test_info_default_sections(discovered):
    s = discovered.sentinels[0]
    text = s.call("INFO").decode()
    sections = re.findall(r"^# (\w+)\r$", text, re.M)
    for name in ("Server", "Clients", "Sentinel"):
        assert name in sections, (name, sections)
    d = {k: v for _, k, v in harness.info_fields(text)}
    assert d["redis_mode"] == "sentinel"
    assert d["tcp_port"] == str(s.port)
    assert d["process_id"] == str(s.pid)
    assert shapes.RUNID.fullmatch(d["run_id"]), d["run_id"]
    assert "redis_version" in d and "uptime_in_seconds" in d
    assert int(d["connected_clients"]) >= 1
    # Client libraries parse INFO through redis-py into a dict.
    parsed = s.client().info()
    assert parsed["redis_mode"] == "sentinel"
    assert parsed["master0"]["name"] == "mymaster"


def test_role(discovered):
    reply = discovered.sentinels[0].call("ROLE")
    assert reply == [b"sentinel", [b"mymaster"]], reply


def test_ping_and_inline_ping(discovered):
    s = discovered.sentinels[0]
    assert s.call("PING") == Status("PONG")
    assert s.call("PING", "hello") == b"hello"
    with s.raw() as c:
        c.send_raw(b"PING\r\n")
        assert c.read_reply() == Status("PONG")


# ---------------------------------------------------------------- links

def test_links_name_themselves(discovered):
    """Each sentinel has a command and a pub/sub link to every data node,
    named sentinel-<first 8 of its id>-cmd / -pubsub."""
    want = set()
    for s in discovered.sentinels:
        prefix = "sentinel-%s-" % s.myid()[:8]
        want |= {prefix + "cmd", prefix + "pubsub"}
    for node in [discovered.master] + discovered.replicas:
        def named(node=node):
            names = {c["name"] for c in node.client().client_list()}
            return want <= names
        wait_until(named, 5, "links named %s on %s" % (sorted(want),
                                                        node.name),
                   discovered.sentinels)


def test_hello_published_on_every_data_node(discovered):
    """Every 2 s each sentinel publishes on __sentinel__:hello of the
    master and of each replica: ip,port,runid,current_epoch,master_name,
    master_ip,master_port,master_config_epoch."""
    m = discovered.master
    want = {"127.0.0.1,%d,%s,0,mymaster,127.0.0.1,%d,0" % (
        s.port, s.myid(), m.port) for s in discovered.sentinels}
    for node in [m] + discovered.replicas:
        pubsub = node.client().pubsub()
        pubsub.subscribe("__sentinel__:hello")
        seen = set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not want <= seen:
            msg = pubsub.get_message(timeout=0.2)
            if msg and msg["type"] == "message":
                seen.add(msg["data"])
        pubsub.close()
        assert want <= seen, "hellos on %s: missing %s, seen %s" % (
            node.name, sorted(want - seen), sorted(seen))


def test_info_cache(discovered):
    """SENTINEL INFO-CACHE: per master, [name, [[age ms, INFO text]...]]
    for the master and each replica."""
    s = discovered.sentinels[0]
    reply = s.call("SENTINEL", "INFO-CACHE", "mymaster")
    assert isinstance(reply, list) and len(reply) == 2, reply
    assert reply[0] == b"mymaster"
    entries = reply[1]
    assert isinstance(entries, list) and len(entries) == 3, entries
    ports = set()
    for entry in entries:
        age, text = entry
        assert type(age) is int and 0 <= age < 12000, age
        fields = {k: v for _, k, v in harness.info_fields(text.decode())}
        ports.add(int(fields["tcp_port"]))
    assert ports == {discovered.master.port} | {
        r.port for r in discovered.replicas}


LOG_LINE = re.compile(
    r"\d+:X \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] \S.*")


def test_log_lines_in_redis_format(discovered):
    """pid:X day month year time.ms level-mark message, as Redis logs."""
    for s in discovered.sentinels:
        lines = [x for x in harness.tail(s.log_path, 100000).splitlines()
                 if x.strip()]
        assert lines, "empty log\n%s" % s.describe()
        bad = [x for x in lines if not LOG_LINE.fullmatch(x)]
        assert not bad, "log lines not in Redis's format:\n%s" % "\n".join(
            bad[:10])
