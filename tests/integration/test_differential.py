"""Differential test: Debian's redis-sentinel and the daemon under test
watch the same master (and find each other through the hello channel);
the same queries to both must give replies of the same shape: the same
reply types, field names in the same order, flag words, and error
prefixes.  Values that differ by nature (times, ids, counters, the other
sentinel's address) are masked; values both must agree on are kept.

With SENTINELD_BIN=/usr/bin/redis-sentinel this compares the reference
with itself, which must pass too.
"""

import re
import subprocess
from types import SimpleNamespace

import pytest

import harness
import shapes
from harness import Error, NilArray, Status, wait_until

DISCOVERY_TIMEOUT_S = 12.0

# Fields both sentinels must report with the same value.
SAME_VALUE = {
    "name", "ip", "port", "runid", "flags", "down-after-milliseconds",
    "role-reported", "config-epoch", "num-slaves", "num-other-sentinels",
    "quorum", "failover-timeout", "parallel-syncs", "master-link-down-time",
    "master-link-status", "master-host", "master-port", "slave-priority",
    "replica-announced", "voted-leader", "voted-leader-epoch",
}
# In SENTINEL SENTINELS each lists the other, so its identity differs.
PEER_IDENTITY = {"name", "runid", "port"}


@pytest.fixture(scope="module")
def pair(module_constellation, binary, reference_bin):
    c = module_constellation
    master = c.master()
    replicas = [c.replica(master), c.replica(master)]
    c.wait_replication(master, 2)
    monitor = [dict(port=master.port, quorum=2)]
    ref = c.sentinel(name="reference", binary=reference_bin, masters=monitor)
    dut = c.sentinel(name="under-test", binary=binary, masters=monitor)
    want_runids = sorted(r.client().info("server")["run_id"]
                         for r in replicas)
    master_runid = master.client().info("server")["run_id"]
    for s in (ref, dut):
        def ready(s=s):
            m = dict(harness.pairs(s.call("SENTINEL", "MASTER", "mymaster")))
            reps = [dict(harness.pairs(r))
                    for r in s.call("SENTINEL", "REPLICAS", "mymaster")]
            peers = [dict(harness.pairs(r))
                     for r in s.call("SENTINEL", "SENTINELS", "mymaster")]
            return (m["flags"] == "master" and m["runid"] == master_runid
                    and [p["flags"] for p in peers] == ["sentinel"]
                    and sorted(r["runid"] for r in reps) == want_runids
                    and all(r["flags"] == "slave"
                            and r["master-link-status"] == "ok"
                            for r in reps))
        wait_until(ready, DISCOVERY_TIMEOUT_S,
                   "%s to know the master, 2 replicas and its peer"
                   % s.name, c.procs())
    return SimpleNamespace(c=c, master=master, ref=ref, dut=dut)


# ---------------------------------------------------------------- shapes

def shape_exact(reply):
    """Type and value, recursively."""
    if isinstance(reply, list):
        return ["array", [shape_exact(x) for x in reply]]
    return [type(reply).__name__, reply]


def shape_error(reply):
    """An error reduced to its code and the first words of its text."""
    if not isinstance(reply, Error):
        return ["not an error", shape_exact(reply)]
    words = reply.split()
    return ["error", " ".join(words[:3]).lower()]


def shape_fields(reply, peer=False):
    """A field list: names in order, values where both must agree."""
    if not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    out = []
    for k, v in harness.pairs(reply):
        if k not in SAME_VALUE or (peer and k in PEER_IDENTITY):
            v = "<int>" if v.lstrip("-").isdigit() else "<masked>"
        out.append((k, v))
    return ["fields", out]


def shape_field_lists(reply, peer=False):
    """An array of field lists, in a stable order (by port)."""
    if not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    items = sorted(reply, key=lambda r: int(dict(harness.pairs(r))["port"]))
    return ["array", [shape_fields(r, peer) for r in items]]


def shape_masters(reply):
    if not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    return ["array", [shape_fields(r) for r in reply]]


def shape_peer_lists(reply):
    """SENTINEL SENTINELS: each side lists the other, so identities are
    masked."""
    return shape_field_lists(reply, peer=True)


def shape_myid(reply):
    ok = isinstance(reply, bytes) and shapes.RUNID.fullmatch(reply.decode())
    return ["myid", bool(ok), type(reply).__name__]


def shape_info_sentinel(reply):
    if not isinstance(reply, bytes):
        return ["not a bulk string", shape_exact(reply)]
    out = []
    for section, key, value in harness.info_fields(reply.decode()):
        if key == "sentinel_tilt_since_seconds":
            value = "<int>"
        elif key.startswith("master"):
            m = shapes.INFO_MASTER_LINE.fullmatch(value)
            value = m.groupdict() if m else ["unparsable", value]
        out.append((section, key, value))
    return ["info", out]


QUERIES = [
    (("PING",), shape_exact),
    (("PING", "hello"), shape_exact),
    (("ROLE",), shape_exact),
    (("SENTINEL", "MASTERS"), shape_masters),
    (("SENTINEL", "MASTER", "mymaster"), shape_fields),
    (("SENTINEL", "REPLICAS", "mymaster"), shape_field_lists),
    (("SENTINEL", "SLAVES", "mymaster"), shape_field_lists),
    (("SENTINEL", "SENTINELS", "mymaster"), shape_peer_lists),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"), shape_exact),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"), shape_exact),
    (("SENTINEL", "CKQUORUM", "mymaster"), shape_exact),
    (("SENTINEL", "CKQUORUM", "nosuch"), shape_error),
    (("SENTINEL", "MYID"), shape_myid),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "{master_port}",
      "0", "*"), shape_exact),
    (("INFO", "sentinel"), shape_info_sentinel),
    (("FROBNICATE", "x"), shape_error),
    (("SENTINEL",), shape_error),
    (("SENTINEL", "MASTER"), shape_error),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME"), shape_error),
    (("SENTINEL", "NO-SUCH-SUBCOMMAND"), shape_error),
    (("SENTINEL", "MASTER", "nosuch"), shape_error),
    (("SENTINEL", "REPLICAS", "nosuch"), shape_error),
    (("SENTINEL", "SENTINELS", "nosuch"), shape_error),
]


def query_id(q):
    return "-".join(a.lower() for a in q[0] if not a.startswith("{"))


@pytest.mark.parametrize("query", QUERIES, ids=[query_id(q) for q in QUERIES])
def test_same_reply_shape_as_redis_sentinel(pair, query):
    args, shape = query
    args = [a.format(master_port=pair.master.port) for a in args]
    ref_reply = pair.ref.call(*args)
    dut_reply = pair.dut.call(*args)
    ref_shape, dut_shape = shape(ref_reply), shape(dut_reply)
    if ref_shape != dut_shape:
        raise AssertionError(
            "%s differs from redis-sentinel\n reference:  %r\n under test: "
            "%r\n raw reference:  %r\n raw under test: %r"
            % (" ".join(args), ref_shape, dut_shape, ref_reply, dut_reply))


def test_reply_types_are_not_confused(pair):
    """Status versus bulk versus null: redis-py hides these, tools don't."""
    for s in (pair.ref, pair.dut):
        assert isinstance(s.call("PING"), Status)
        assert isinstance(s.call("SENTINEL", "MYID"), bytes)
        assert isinstance(s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME",
                                 "nosuch"), NilArray)
        assert isinstance(s.call("SENTINEL", "CKQUORUM", "mymaster"),
                          Status)


def test_each_sees_the_other(pair):
    for s, other in ((pair.ref, pair.dut), (pair.dut, pair.ref)):
        peers = [dict(harness.pairs(r))
                 for r in s.call("SENTINEL", "SENTINELS", "mymaster")]
        assert [(p["port"], p["runid"]) for p in peers] == [
            (str(other.port), other.myid())], peers


def redis_cli(port, args):
    res = subprocess.run(["/usr/bin/redis-cli", "-h", "127.0.0.1", "-p",
                          str(port)] + list(args), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=10)
    text = res.stdout.decode("utf-8", "replace")
    text = re.sub(r"\b[0-9a-f]{40}\b", "<id>", text)
    return res.returncode, re.sub(r"\d+", "<n>", text)


@pytest.mark.parametrize("args", [
    ("SENTINEL", "MASTERS"), ("SENTINEL", "MASTER", "mymaster"),
    ("SENTINEL", "REPLICAS", "mymaster"),
    ("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"),
    ("INFO", "sentinel"), ("ROLE",), ("PING",),
], ids=lambda a: "-".join(a).lower())
def test_redis_cli_prints_the_same(pair, args):
    """`redis-cli -p <port> SENTINEL masters` looks the same on both
    (numbers and ids masked; replicas may be listed in another order)."""
    ref = redis_cli(pair.ref.port, args)
    dut = redis_cli(pair.dut.port, args)
    if args[1:2] == ("REPLICAS",):
        ref = (ref[0], sorted(ref[1].splitlines()))
        dut = (dut[0], sorted(dut[1].splitlines()))
    assert dut == ref, "redis-cli %s\n--- reference\n%s\n--- under test\n%s" % (
        " ".join(args), ref[1], dut[1])
