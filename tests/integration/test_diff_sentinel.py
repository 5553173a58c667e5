"""Differential suite, SENTINEL command layer: Debian's redis-sentinel 7.0
and the daemon under test watch one master with two replicas (same config
apart from ports) and get the same requests over raw RESP2 and RESP3.
Reply types (status, bulk, array, map, null), field names and their order,
flag words and error texts must match; times, ids, ports and counters are
masked.

Every difference that stays is in KNOWN with its reason; the test checks
that sentineld still behaves as described there and that the difference is
still real (an entry whose difference went away fails, so the list stays
true).  test_differential.py holds the first, smaller set of monitoring
queries; this file covers every subcommand with valid and invalid
arguments, the state-changing ones (SET, MONITOR, RESET, REMOVE,
FLUSHCONFIG, FAILOVER) in an order that leaves both sentinels alike, and
the events they publish.
"""

import re
import time

import pytest

import harness
import shapes
from harness import wait_until
from test_diff_resp import Error, call_both, connect, explain, \
    field_pairs, mask_text, shape_error, shape_exact, shape_masked, \
    start_pair, text, type_name

# Fields both sentinels must report with the same value.
SAME_VALUE = {
    "name", "ip", "port", "runid", "flags", "down-after-milliseconds",
    "role-reported", "config-epoch", "num-slaves", "num-other-sentinels",
    "quorum", "failover-timeout", "parallel-syncs", "master-link-down-time",
    "master-link-status", "master-host", "master-port", "slave-priority",
    "replica-announced", "voted-leader", "voted-leader-epoch",
    "notification-script", "client-reconfig-script",
}
# In SENTINEL SENTINELS each lists the other, so its identity differs.
PEER_IDENTITY = {"name", "runid", "port"}
RUNID_40 = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def pair(module_constellation, binary, reference_bin):
    return start_pair(module_constellation, binary, reference_bin)


# ---------------------------------------------------------------- shapes

def shape_fields(reply, peer=False):
    """One instance: container type, then (name, value type, value) in
    order, values kept only where both sentinels must agree."""
    if isinstance(reply, Error) or not isinstance(reply, list):
        return ["not a field list", shape_exact(reply)]
    out = []
    for k, v in field_pairs(reply):
        value = text(v)
        if k not in SAME_VALUE or (peer and k in PEER_IDENTITY):
            value = "<int>" if re.fullmatch(r"-?\d+", value) else "<masked>"
        out.append((k, type_name(v), value))
    return [type_name(reply), out]


def shape_instances(reply, peer=False):
    """An array of instances in a stable order (Redis lists them in hash
    order): by name, then port."""
    if isinstance(reply, Error) or not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]

    def key(item):
        d = dict((k, text(v)) for k, v in field_pairs(item))
        return d.get("name", ""), int(d.get("port", 0))
    return [type_name(reply), [shape_fields(r, peer) for r in
                               sorted(reply, key=key)]]


def shape_peers(reply):
    return shape_instances(reply, peer=True)


def shape_help(reply):
    """SENTINEL HELP: the reply type and the subcommand names it lists
    (lines that do not start with a space, after the first); the prose is
    each implementation's own."""
    if not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    types = sorted({type_name(x) for x in reply})
    names = sorted({text(x).split()[0].upper() for x in reply[1:]
                    if not text(x).startswith(" ")})
    return [type_name(reply), types, names]


def shape_info_cache(reply):
    """SENTINEL INFO-CACHE: [name, [[age, info text]...]] pairs; the INFO
    text is reduced to its first line and the node's role."""
    if isinstance(reply, Error) or not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    out = []
    for i in range(0, len(reply) - 1, 2):
        entries = []
        for e in reply[i + 1]:
            if not isinstance(e, list) or len(e) != 2:
                entries.append(shape_exact(e))
                continue
            info = text(e[1]) if isinstance(e[1], bytes) else ""
            role = re.search(r"^role:(\w+)", info, re.M)
            entries.append([type_name(e), type_name(e[0]), type_name(e[1]),
                            info.split("\r\n")[0],
                            role.group(1) if role else None])
        out.append([type_name(reply[i]), text(reply[i]),
                    type_name(reply[i + 1]), sorted(entries, key=repr)])
    return [type_name(reply), out]


def shape_myid(reply):
    ok = isinstance(reply, bytes) and shapes.RUNID.fullmatch(text(reply))
    return ["myid", type_name(reply), bool(ok)]


# ---------------------------------------------------------------- cases

M = "{master_port}"

QUERIES = [
    # Monitoring queries.
    (("SENTINEL", "MASTERS"), shape_instances),
    (("SENTINEL", "MASTER", "mymaster"), shape_fields),
    (("SENTINEL", "REPLICAS", "mymaster"), shape_instances),
    (("SENTINEL", "SLAVES", "mymaster"), shape_instances),
    (("SENTINEL", "SENTINELS", "mymaster"), shape_peers),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"), shape_exact),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nosuch"), shape_exact),
    (("SENTINEL", "MASTER", "nosuch"), shape_error),
    (("SENTINEL", "REPLICAS", "nosuch"), shape_error),
    (("SENTINEL", "SLAVES", "nosuch"), shape_error),
    (("SENTINEL", "SENTINELS", "nosuch"), shape_error),
    (("sentinel", "master", "mymaster"), shape_fields),
    # IS-MASTER-DOWN-BY-ADDR without a vote (runid "*"), and a vote request
    # in epoch 0, which no sentinel grants (the epoch is not newer).
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", M, "0", "*"),
     shape_exact),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", M, "0", RUNID_40),
     shape_exact),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*"),
     shape_exact),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "10.9.9.9", M, "0", "*"),
     shape_exact),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", M, "-1", "*"),
     shape_exact),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "abc", "0", "*"),
     shape_error),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", M, "x1", "*"),
     shape_error),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", M,
      "99999999999999999999", "*"), shape_error),
    (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", M, "0"),
     shape_error),
    (("SENTINEL", "MYID"), shape_myid),
    (("SENTINEL", "MYID", "x"), shape_error),
    (("SENTINEL", "CKQUORUM", "mymaster"), shape_exact),
    (("SENTINEL", "CKQUORUM", "nosuch"), shape_error),
    (("SENTINEL", "CKQUORUM"), shape_error),
    (("SENTINEL", "INFO-CACHE", "mymaster"), shape_info_cache),
    (("SENTINEL", "INFO-CACHE", "mymaster", "nosuch", "mymaster"),
     shape_info_cache),
    (("SENTINEL", "INFO-CACHE", "nosuch"), shape_exact),
    (("SENTINEL", "INFO-CACHE"), shape_error),
    (("SENTINEL", "HELP"), shape_help),
    (("SENTINEL", "HELP", "x"), shape_error),
    (("SENTINEL", "PENDING-SCRIPTS"), shape_exact),
    (("SENTINEL", "PENDING-SCRIPTS", "x"), shape_error),
    # DEBUG: the timer names, order and default values are Redis's.
    (("SENTINEL", "DEBUG"), shape_exact),
    (("SENTINEL", "DEBUG", "info-period"), shape_error),
    (("SENTINEL", "DEBUG", "nosuch", "1"), shape_error),
    (("SENTINEL", "DEBUG", "info-period", "abc"), shape_error),
    (("SENTINEL", "DEBUG", "info-period", "0"), shape_error),
    (("SENTINEL", "DEBUG", "info-period", "-5"), shape_error),
    (("SENTINEL", "DEBUG", "info-period", "10000", "ping-period"),
     shape_error),
    (("SENTINEL", "DEBUG", "info-period", "99999999999999999999"),
     shape_error),
    (("SENTINEL", "SIMULATE-FAILURE", "help"), shape_exact),
    (("SENTINEL", "SIMULATE-FAILURE", "HELP", "bogus"), shape_exact),
    (("SENTINEL", "SIMULATE-FAILURE", "bogus"), shape_error),
    (("SENTINEL", "SIMULATE-FAILURE", "bogus", "help"), shape_error),
    (("SENTINEL", "SIMULATE-FAILURE"), shape_error),
    # CONFIG GET (read-only) and every malformed CONFIG request.
    (("SENTINEL", "CONFIG", "GET", "resolve-hostnames"), shape_exact),
    (("SENTINEL", "CONFIG", "GET", "ANNOUNCE-PORT"), shape_exact),
    (("SENTINEL", "CONFIG", "GET", "*host*"), shape_exact),
    (("SENTINEL", "CONFIG", "GET", "*"), shape_exact),
    (("SENTINEL", "CONFIG", "GET", "nosuch"), shape_exact),
    (("SENTINEL", "CONFIG", "GET", "resolve-hostnames", "announce-ip"),
     shape_exact),
    (("SENTINEL", "CONFIG", "GET"), shape_error),
    (("SENTINEL", "CONFIG", "SET"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "announce-port"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "announce-port", "0", "announce-ip"),
     shape_error),
    (("SENTINEL", "CONFIG", "FOO", "x"), shape_error),
    (("SENTINEL", "CONFIG"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "nosuch", "1"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"),
     shape_error),
    (("SENTINEL", "CONFIG", "SET", "announce-hostnames", "1"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "announce-port", "abc"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "announce-port", "70000"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "announce-port", "-5"), shape_error),
    (("SENTINEL", "CONFIG", "SET", "loglevel", "verbose"), shape_error),
    # Errors of the commands that change state; none of these does.
    (("SENTINEL", "FAILOVER", "nosuch"), shape_error),
    (("SENTINEL", "FAILOVER"), shape_error),
    (("SENTINEL", "FAILOVER", "mymaster", "x"), shape_error),
    (("SENTINEL", "RESET"), shape_error),
    (("SENTINEL", "RESET", "nomatch*"), shape_exact),
    (("SENTINEL", "RESET", "*", "x"), shape_error),
    (("SENTINEL", "FLUSHCONFIG", "x"), shape_error),
    (("SENTINEL", "REMOVE", "nosuch"), shape_error),
    (("SENTINEL", "REMOVE"), shape_error),
    (("SENTINEL", "MONITOR"), shape_error),
    (("SENTINEL", "MONITOR", "x", "127.0.0.1", "1234"), shape_error),
    (("SENTINEL", "MONITOR", "x", "127.0.0.1", "abc", "2"), shape_error),
    (("SENTINEL", "MONITOR", "x", "127.0.0.1", "70000", "2"), shape_error),
    (("SENTINEL", "MONITOR", "x", "127.0.0.1", "-1", "2"), shape_error),
    (("SENTINEL", "MONITOR", "x", "127.0.0.1", "1234", "0"), shape_error),
    (("SENTINEL", "MONITOR", "x", "127.0.0.1", "1234", "abc"), shape_error),
    (("SENTINEL", "MONITOR", "x", "not-a-host", "1234", "2"), shape_error),
    (("SENTINEL", "MONITOR", "x", "999.1.1.1", "1234", "2"), shape_error),
    (("SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1234", "2"),
     shape_error),
    (("SENTINEL", "SET", "nosuch", "quorum", "2"), shape_error),
    (("SENTINEL", "SET", "mymaster"), shape_error),
    (("SENTINEL", "SET", "mymaster", "quorum"), shape_error),
    (("SENTINEL", "SET", "mymaster", "nosuch", "1"), shape_error),
    (("SENTINEL", "SET", "mymaster", "rename-command"), shape_error),
    (("SENTINEL", "SET", "mymaster", "rename-command", "CONFIG"),
     shape_error),
    (("SENTINEL", "SET", "mymaster", "notification-script", "/bin/true"),
     shape_error),
    (("SENTINEL", "SET", "mymaster", "client-reconfig-script", "/bin/true"),
     shape_error),
] + [
    (("SENTINEL", "SET", "mymaster", option, value), shape_error)
    for option in ("quorum", "down-after-milliseconds", "failover-timeout",
                   "parallel-syncs", "master-reboot-down-after-period")
    for value in ("abc", "-1", "99999999999999999999")
] + [
    (("SENTINEL", "SET", "mymaster", option, "0"), shape_error)
    for option in ("quorum", "down-after-milliseconds", "failover-timeout",
                   "parallel-syncs")
] + [
    (("SENTINEL", "NO-SUCH-SUBCOMMAND"), shape_error),
    (("SENTINEL",), shape_error),
    (("SENTINEL", "MASTER"), shape_error),
    (("SENTINEL", "MASTERS", "x"), shape_error),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME"), shape_error),
    (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "a", "b"), shape_error),
]


def query_id(args):
    return "-".join(a.lower() for a in args).replace(M, "port") or "none"


# Differences that stay, each with its reason and a check of what sentineld
# does instead.  Keyed by the query's arguments.
def _is_map_of(reply, names):
    return [k for k, _ in field_pairs(reply)] == names


KNOWN = {
    ("SENTINEL", "HELP"): (
        "sentineld lists its EVENTS extension (the recent event history) "
        "besides Redis's subcommands",
        lambda r: "EVENTS" in shape_help(r)[2]),
    ("SENTINEL", "CONFIG", "GET", "*"): (
        "sentineld also has `loglevel` in SENTINEL CONFIG, as Redis 7.2 "
        "does; 7.0 has not",
        lambda r: [k for k, _ in field_pairs(r)][-1] == "loglevel"),
    ("SENTINEL", "CONFIG", "GET", "resolve-hostnames", "announce-ip"): (
        "several parameters per CONFIG GET, as Redis 7.2 allows; 7.0 "
        "refuses them",
        lambda r: _is_map_of(r, ["resolve-hostnames", "announce-ip"])),
    ("SENTINEL", "CONFIG", "SET", "loglevel", "verbose"): (
        "`loglevel` is settable at run time, as in Redis 7.2",
        lambda r: r == "OK"),
}


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("args", [q[0] for q in QUERIES],
                         ids=[query_id(q[0]) for q in QUERIES])
def test_same_reply_as_redis_sentinel(pair, args, resp):
    shape = dict(QUERIES)[args]
    argv = [a.format(master_port=pair.master.port) for a in args]
    ref_reply, dut_reply = call_both(pair, argv, resp)
    ref_shape, dut_shape = shape(ref_reply), shape(dut_reply)
    if args in KNOWN and not harness.is_reference():
        reason, check = KNOWN[args]
        assert check(dut_reply), "sentineld no longer does what KNOWN says " \
            "(%s): %r" % (reason, dut_reply)
        assert ref_shape != dut_shape, "no difference left for %s; drop it " \
            "from KNOWN" % (argv,)
        return
    assert ref_shape == dut_shape, explain(argv, resp, ref_shape, dut_shape,
                                           ref_reply, dut_reply)


@pytest.mark.sentineld_only
def test_primary_aliases_are_the_master_commands(pair):
    """Valkey's PRIMARY spellings (Redis 7.0 has none, so only sentineld is
    asked) answer exactly as the MASTER ones do."""
    port = str(pair.master.port)
    for resp in (2, 3):
        with connect(pair.dut.port, resp) as c:
            for alias, name in (
                    (("PRIMARIES",), ("MASTERS",)),
                    (("PRIMARY", "mymaster"), ("MASTER", "mymaster")),
                    (("PRIMARY", "nosuch"), ("MASTER", "nosuch")),
                    (("GET-PRIMARY-ADDR-BY-NAME", "mymaster"),
                     ("GET-MASTER-ADDR-BY-NAME", "mymaster")),
                    (("IS-PRIMARY-DOWN-BY-ADDR", "127.0.0.1", port, "0",
                      "*"),
                     ("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "0",
                      "*"))):
                a = c.call("SENTINEL", *alias)
                b = c.call("SENTINEL", *name)
                shape = shape_instances if alias == ("PRIMARIES",) else \
                    shape_fields if alias[0] == "PRIMARY" and \
                    alias[1] == "mymaster" else shape_masked
                assert shape(a) == shape(b), (alias, a, b)
            err = c.call("SENTINEL", "PRIMARY")
            assert err == "ERR wrong number of arguments for " \
                "'sentinel|primary' command", err


# ---------------------------------------------------------------- changes

def run_steps(pair, steps, resp=2):
    """Sends each step to both sentinels in turn; returns the differences
    as text (empty when none).  A step is (args, shape) or (args, shape,
    reason, check) for a difference that stays."""
    problems = []
    for step in steps:
        args, shape = step[0], step[1]
        spare = getattr(pair, "spare", None)
        argv = [a.format(master_port=pair.master.port,
                         spare_port=spare.port if spare else "")
                for a in args]
        ref_reply, dut_reply = call_both(pair, argv, resp)
        ref_shape, dut_shape = shape(ref_reply), shape(dut_reply)
        if len(step) > 2 and not harness.is_reference():
            reason, check = step[2], step[3]
            if not check(dut_reply):
                problems.append("%s: sentineld gave %r, KNOWN says: %s"
                                % (argv, dut_reply, reason))
            if ref_shape == dut_shape:
                problems.append("%s: no difference left (%s)"
                                % (argv, reason))
        elif ref_shape != dut_shape:
            problems.append(explain(argv, resp, ref_shape, dut_shape,
                                    ref_reply, dut_reply))
    return "\n".join(problems)


def events_of(collector, since, channels, skip=()):
    """Events on channels since, payloads masked, leaving out those whose
    raw payload contains one of skip."""
    return [(ch, mask_text(msg)) for t, ch, msg in collector.snapshot()
            if t >= since and ch in channels
            and not any(x in msg for x in skip)]


@pytest.fixture(scope="module")
def listeners(pair):
    """After the read-only queries: listeners on both sentinels, a spare
    master for MONITOR, and a short reconnect period on both (SET
    auth-pass drops links, and redis-sentinel otherwise waits up to 15 s
    to reconnect a link it dropped twice)."""
    for s in (pair.ref, pair.dut):
        assert s.call("SENTINEL", "DEBUG", "MIN-LINK-RECONNECT-PERIOD",
                      "100") == "OK"
    pair.spare = pair.c.master(name="spare")
    pair.events = {s.name: pair.c.collector(s) for s in (pair.ref, pair.dut)}
    return pair


def is_error(prefix):
    return lambda r: isinstance(r, Error) and r.startswith(prefix)


SET_STEPS = [
    # Every option with a valid value (the ones already in force, so the
    # master is watched as before), one at a time and several at once.
    (("SENTINEL", "SET", "mymaster", "quorum", "2"), shape_exact),
    (("SENTINEL", "SET", "mymaster", "down-after-milliseconds", "1000",
      "failover-timeout", "180000"), shape_exact),
    (("SENTINEL", "SET", "mymaster", "parallel-syncs", "1"), shape_exact),
    (("SENTINEL", "SET", "mymaster", "master-reboot-down-after-period", "0"),
     shape_exact),
    (("SENTINEL", "SET", "mymaster", "auth-pass", ""), shape_exact),
    (("SENTINEL", "SET", "mymaster", "auth-user", ""), shape_exact),
    (("SENTINEL", "SET", "mymaster", "rename-command", "FLUSHALL",
      "FLUSHALL"), shape_exact),
    (("SENTINEL", "SET", "mymaster", "QUORUM", "2"), shape_exact),
    # A user and a password, then neither (the nodes have no ACL users).
    (("SENTINEL", "SET", "mymaster", "auth-user", "someone", "auth-pass",
      "secret"), shape_exact),
    (("SENTINEL", "SET", "mymaster", "auth-pass", "other", "auth-user",
      "nobody"), shape_exact),
    (("SENTINEL", "SET", "mymaster", "auth-pass", "", "auth-user", ""),
     shape_exact),
    # A bad option after a good one: the good one stays applied on both.
    (("SENTINEL", "SET", "mymaster", "quorum", "2", "bogus", "3"),
     shape_error),
    (("SENTINEL", "SET", "mymaster", "quorum", "2", "parallel-syncs"),
     shape_error),
    (("SENTINEL", "FLUSHCONFIG"), shape_exact),
    # CONFIG SET with the values each already has.  (Not announce-ip "":
    # redis-sentinel 7.0 then announces an empty address in its hellos.)
    (("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"), shape_exact),
    (("SENTINEL", "CONFIG", "SET", "ANNOUNCE-HOSTNAMES", "NO"), shape_exact),
    (("SENTINEL", "CONFIG", "SET", "announce-port", "0"), shape_exact),
    (("SENTINEL", "CONFIG", "SET", "sentinel-user", ""), shape_exact),
    (("SENTINEL", "CONFIG", "SET", "sentinel-pass", ""), shape_exact),
    (("SENTINEL", "CONFIG", "SET", "sentinel-pass", "a\nb"), shape_exact,
     "CONFIG SET values with control bytes are refused (they would break "
     "the rewritten config file); redis-sentinel takes them",
     is_error("ERR Invalid value")),
    (("SENTINEL", "CONFIG", "SET", "sentinel-pass", ""), shape_exact),
    (("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no",
      "announce-port", "0"), shape_exact,
     "several parameters per CONFIG SET, as Redis 7.2 allows",
     lambda r: r == "OK"),
    (("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes", "nosuch",
      "1"), shape_error,
     "several parameters per CONFIG SET (Redis 7.2); one bad parameter "
     "fails the whole call and changes nothing",
     is_error("ERR Invalid argument 'nosuch' to SENTINEL CONFIG SET")),
    (("SENTINEL", "CONFIG", "GET", "*"), shape_exact,
     KNOWN[("SENTINEL", "CONFIG", "GET", "*")][0],
     KNOWN[("SENTINEL", "CONFIG", "GET", "*")][1]),
    # DEBUG with Redis's default values (so nothing really changes).
    (("SENTINEL", "DEBUG", "info-period", "10000"), shape_exact),
    (("SENTINEL", "DEBUG", "INFO-PERIOD", "10000", "ping-period", "1000",
      "ask-period", "1000", "publish-period", "2000"), shape_exact),
    (("SENTINEL", "DEBUG"), shape_exact),
]

# SET requests only redis-sentinel takes (so only it publishes +set), each
# followed by one that undoes it there.
SET_KNOWN_STEPS = [
    (("SENTINEL", "SET", "mymaster", "auth-pass", "a\nb"), shape_exact,
     "SET values with control bytes are refused (they would break the "
     "rewritten config file or the AUTH command); redis-sentinel takes "
     "them",
     is_error("ERR Invalid argument 'a")),
    (("SENTINEL", "SET", "mymaster", "auth-pass", ""), shape_exact),
    (("SENTINEL", "SET", "mymaster", "quorum", "99999999999"), shape_exact,
     "a quorum (or parallel-syncs) above 1000000 is refused: "
     "redis-sentinel 7.0 stores it in an int and keeps a wrapped value",
     is_error("ERR Invalid argument '99999999999' for SENTINEL SET "
              "'quorum'")),
    (("SENTINEL", "SET", "mymaster", "quorum", "2"), shape_exact),
    # sentineld's own per-master options, set to their defaults.
    (("SENTINEL", "SET", "mymaster", "replica-validity-time", "0"),
     shape_exact,
     "sentineld's replica-validity-time (never promote a replica whose "
     "data is older than this); redis-sentinel does not know it",
     lambda r: r == "OK"),
    (("SENTINEL", "SET", "mymaster", "min-failover-interval", "0"),
     shape_exact,
     "sentineld's min-failover-interval (an anti-flapping floor between "
     "automatic failovers); redis-sentinel does not know it",
     lambda r: r == "OK"),
]

MONITOR_STEPS = [
    (("SENTINEL", "MONITOR", "spare", "127.0.0.1", "{spare_port}", "1"),
     shape_exact),
    (("SENTINEL", "MONITOR", "spare", "127.0.0.1", "{spare_port}", "1"),
     shape_error),
    (("SENTINEL", "MONITOR", "", "127.0.0.1", "{spare_port}", "1"),
     shape_exact,
     "an empty master name is refused: redis-sentinel accepts it and "
     "writes a config line it cannot read back",
     is_error("ERR Invalid master name")),
    (("SENTINEL", "MONITOR", "zero", "127.0.0.1", "0", "1"), shape_exact,
     "port 0 is refused (nothing can listen there); redis-sentinel accepts "
     "it and watches an address that never answers",
     is_error("ERR Invalid port number.")),
]


def test_set_config_debug_flushconfig(listeners):
    pair = listeners
    since = time.monotonic()
    problems = run_steps(pair, SET_STEPS)
    assert not problems, problems
    for resp in (2, 3):
        problems = run_steps(pair, [
            (("SENTINEL", "CONFIG", "SET", "loglevel", "verbose"),
             shape_exact,
             KNOWN[("SENTINEL", "CONFIG", "SET", "loglevel", "verbose")][0],
             KNOWN[("SENTINEL", "CONFIG", "SET", "loglevel", "verbose")][1]),
            (("SENTINEL", "CONFIG", "GET", "*host*"), shape_exact),
            (("SENTINEL", "DEBUG"), shape_exact),
        ], resp)
        assert not problems, problems
    # Both published the same +set events, auth-pass masked alike.
    wanted = {"+set"}
    time.sleep(0.3)
    ref = events_of(pair.events[pair.ref.name], since, wanted)
    dut = events_of(pair.events[pair.dut.name], since, wanted)
    assert dut == ref, "+set events differ:\n ref %s\n dut %s" % (ref, dut)
    assert ("+set", "master mymaster <n>.<n> <n> auth-pass ******") \
        in dut
    problems = run_steps(pair, SET_KNOWN_STEPS)
    assert not problems, problems
    # Once both have reconnected (a new auth-pass drops the links), the
    # master looks the same again.
    wait_until(lambda: all(
        dict(harness.pairs(s.call("SENTINEL", "MASTER", "mymaster")))[
            "flags"] == "master" for s in (pair.ref, pair.dut)), 10,
        "both sentinels to reconnect to the master", pair.c.procs())
    for resp in (2, 3):
        problems = run_steps(pair, [
            (("SENTINEL", "MASTER", "mymaster"), shape_fields),
            (("SENTINEL", "REPLICAS", "mymaster"), shape_instances)], resp)
        assert not problems, problems


def sentinel_cmd_links(node, sentinel):
    """Ids of the command connections sentinel has open to node, found by
    the name Redis Sentinel gives them (sentinel-<id8>-cmd)."""
    name = "sentinel-%s-cmd" % sentinel.myid()[:8]
    return {c["id"] for c in node.client().client_list()
            if c.get("name") == name}


def test_new_auth_pass_reconnects_at_once(listeners):
    """SENTINEL SET auth-pass closes the links to the master and its
    replicas, so the new password is used (and checked) at once."""
    pair = listeners
    nodes = [pair.master] + pair.replicas

    def linked():
        links = {(s.name, n.port): sentinel_cmd_links(n, s)
                 for s in (pair.ref, pair.dut) for n in nodes}
        return links if all(links.values()) else None
    before = wait_until(linked, 10, "command links from both sentinels to "
                        "every node", pair.c.procs())
    for s in (pair.ref, pair.dut):
        assert s.call("SENTINEL", "SET", "mymaster", "auth-pass", "") == "OK"

    def reconnected():
        for s in (pair.ref, pair.dut):
            for n in nodes:
                now = sentinel_cmd_links(n, s)
                if not now or now & before[(s.name, n.port)]:
                    return False
        return True
    wait_until(reconnected, 10, "new command links from both sentinels to "
               "every node", pair.c.procs())


def test_monitor_reset_failover_remove(listeners):
    """A second master watched with MONITOR: its state, RESET by pattern,
    a FAILOVER without replicas, then REMOVE; same replies and events."""
    pair = listeners
    since = time.monotonic()
    problems = run_steps(pair, MONITOR_STEPS)
    # Undo what redis-sentinel accepted and sentineld refused.
    for name in ("", "zero"):
        for s in (pair.ref, pair.dut):
            s.call("SENTINEL", "REMOVE", name)
    assert not problems, problems

    def both_see_each_other():
        for s in (pair.ref, pair.dut):
            peers = s.call("SENTINEL", "SENTINELS", "spare")
            if len(peers) != 1:
                return False
            m = dict(harness.pairs(s.call("SENTINEL", "MASTER", "spare")))
            if m["flags"] != "master" or m["role-reported"] != "master":
                return False
        return True
    wait_until(both_see_each_other, 10, "both sentinels to know the spare "
               "master and each other", pair.c.procs())
    for resp in (2, 3):
        problems = run_steps(pair, [
            (("SENTINEL", "MASTER", "spare"), shape_fields),
            (("SENTINEL", "MASTERS"), shape_instances),
            (("SENTINEL", "REPLICAS", "spare"), shape_instances),
            (("SENTINEL", "SENTINELS", "spare"), shape_peers),
            (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "spare"), shape_exact),
            (("SENTINEL", "INFO-CACHE", "spare"), shape_info_cache),
            (("ROLE",), shape_role),
            (("SENTINEL", "SET", "spare", "quorum", "3"), shape_exact),
            (("SENTINEL", "CKQUORUM", "spare"), shape_error),
            (("SENTINEL", "SET", "spare", "quorum", "1"), shape_exact),
            (("SENTINEL", "CKQUORUM", "spare"), shape_exact),
            (("SENTINEL", "FAILOVER", "spare"), shape_error),
        ], resp)
        assert not problems, problems
    problems = run_steps(pair, [
        (("SENTINEL", "RESET", "spare"), shape_exact),
        (("SENTINEL", "RESET", "sp?re"), shape_exact),
        (("SENTINEL", "RESET", "*nomatch"), shape_exact),
        (("SENTINEL", "REMOVE", "spare"), shape_exact),
        (("SENTINEL", "REMOVE", "spare"), shape_error),
        (("SENTINEL", "MASTERS"), shape_instances),
        (("ROLE",), shape_role),
    ])
    assert not problems, problems
    time.sleep(0.3)
    wanted = {"+monitor", "-monitor", "+set", "+reset-master"}
    # Leave out the masters only redis-sentinel accepted.
    skip = ("master  ", "master zero ")
    ref = events_of(pair.events[pair.ref.name], since, wanted, skip)
    dut = events_of(pair.events[pair.dut.name], since, wanted, skip)
    assert dut == ref, "events differ:\n ref %s\n dut %s" % (ref, dut)


def shape_role(reply):
    if not isinstance(reply, list) or len(reply) != 2:
        return ["not a role reply", shape_exact(reply)]
    return [type_name(reply), text(reply[0]), type_name(reply[1]),
            sorted(text(x) for x in reply[1])]


def shape_simulation(reply):
    """INFO sentinel reduced to its simulated-failure flags."""
    m = re.search(r"sentinel_simulate_failure_flags:(\d+)", text(reply))
    return ["flags", m.group(1) if m else None]


def test_simulate_failure_flags(pair):
    """Each SIMULATE-FAILURE call starts from no flags and applies its
    words in order, so HELP or an unknown word leaves only the words
    before it; both end with no flags set."""
    steps = []
    for words in (("crash-after-promotion",), ("help",),
                  ("crash-after-election", "crash-after-promotion"),
                  ("bogus",), ("crash-after-election", "bogus"),
                  ("CRASH-AFTER-PROMOTION", "help", "crash-after-election"),
                  ("help",)):
        steps.append((("SENTINEL", "SIMULATE-FAILURE") + words,
                      shape_masked))
        steps.append((("INFO", "sentinel"), shape_simulation))
    problems = run_steps(pair, steps)
    assert not problems, problems
    for s in (pair.ref, pair.dut):
        assert shape_simulation(s.call("INFO", "sentinel")) == ["flags", "0"]


# ---------------------------------------------------------------- failover

LEADER_EVENTS = [
    "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader",
    "+failover-state-select-slave", "+selected-slave",
    "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion",
    "+promoted-slave", "+failover-state-reconf-slaves", "+slave-reconf-sent",
    "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end",
    "+switch-master",
]


def forced_failover(pair, leader, since):
    """SENTINEL FAILOVER on leader; while it runs a second one must be
    refused with -INPROG.  Waits until both sentinels name the new master.
    Returns (old port, new port, INPROG reply)."""
    old = pair.master_port_now
    # Replicas whose INFO is older than 3 info periods are not candidates
    # (in both): right after the period is shortened the answer may be
    # -NOGOODSLAVE until the next INFO.
    reply = wait_until(
        lambda: (lambda r: r if r == "OK" or not r.startswith("NOGOODSLAVE")
                 else None)(leader.call("SENTINEL", "FAILOVER", "mymaster")),
        5, "%s to accept SENTINEL FAILOVER" % leader.name, pair.c.procs())
    assert reply == "OK", reply
    inprog = leader.call("SENTINEL", "FAILOVER", "mymaster")

    def switched():
        addrs = set()
        for s in (pair.ref, pair.dut):
            a = s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
            addrs.add(int(a[1]))
        return addrs.pop() if len(addrs) == 1 and old not in addrs else None
    new = wait_until(switched, 30, "both sentinels to name a new master",
                     pair.c.procs())
    col = pair.events[leader.name]
    wait_until(lambda: col.find("+switch-master", since=since), 10,
               "+switch-master from %s" % leader.name, pair.c.procs())
    pair.master_port_now = new
    return old, new, inprog


def leader_sequence(pair, leader, since, old, new):
    """The leader's failover events in order, ports replaced by their
    role, run ids and epochs masked."""
    names = {str(old): "<old>", str(new): "<new>"}
    for n in pair.c.nodes:
        names.setdefault(str(n.port), "<other>")
    out = []
    for t, ch, msg in pair.events[leader.name].snapshot():
        if t < since or ch not in LEADER_EVENTS:
            continue
        msg = re.sub(r"\b[0-9a-f]{40}\b", "<id>", msg)
        msg = re.sub(r"\b\d{4,5}\b", lambda m: names.get(m.group(0),
                                                         m.group(0)), msg)
        msg = re.sub(r"(^| )\d+$", r"\1<epoch>", msg)
        out.append((ch, msg))
    return out


def test_forced_failover_led_by_each(listeners):
    """SENTINEL FAILOVER, once on each: -INPROG while it runs, the same
    leader events in the same order with the same payloads, and both
    sentinels following the other's failover."""
    pair = listeners
    pair.master_port_now = pair.master.port
    # Shorter timers on both, so the old master is turned into a replica
    # (after 4 hello periods as a master) and seen healthy sooner.
    for s in (pair.ref, pair.dut):
        assert s.call("SENTINEL", "DEBUG", "info-period", "500",
                      "publish-period", "500") == "OK"
    seqs = {}
    for leader in (pair.dut, pair.ref):
        since = time.monotonic()
        old, new, inprog = forced_failover(pair, leader, since)
        assert inprog == "INPROG Failover already in progress", inprog
        seqs[leader.name] = leader_sequence(pair, leader, since, old, new)
        # The old master is still running: both turn it into a replica of
        # the new one before the next round.
        node = [n for n in pair.c.nodes if n.port == old][0]
        wait_until(lambda: node.client().info("replication").get(
            "master_port") == new, 30, "old master to follow %d" % new,
            pair.c.procs())
        for s in (pair.ref, pair.dut):
            def healthy(s=s):
                reps = [dict(harness.pairs(r)) for r in
                        s.call("SENTINEL", "REPLICAS", "mymaster")]
                ok = [r for r in reps if r["flags"] == "slave"
                      and r["master-link-status"] == "ok"]
                return len(ok) == 2
            wait_until(healthy, 30, "%s to see 2 healthy replicas" % s.name,
                       pair.c.procs())
    ref, dut = seqs[pair.ref.name], seqs[pair.dut.name]
    assert dut == ref, "failover events differ:\n ref %s\n dut %s" % (
        "\n  ".join(map(str, ref)), "\n  ".join(map(str, dut)))
    assert [e[0] for e in dut] == LEADER_EVENTS, dut


def test_down_instances(listeners):
    """A watched master and a replica that die: flags (s_down,
    disconnected), s-down-time, the down answer of IS-MASTER-DOWN-BY-ADDR,
    CKQUORUM and INFO's status are the same on both.  The master has a
    quorum of 3 that two sentinels never reach, so it stays SDOWN without
    a failover."""
    pair = listeners
    lone = pair.c.master(name="lone")
    port = str(lone.port)
    for s in (pair.ref, pair.dut):
        assert s.call("SENTINEL", "MONITOR", "lone", "127.0.0.1", port,
                      "3") == "OK"
        assert s.call("SENTINEL", "SET", "lone", "down-after-milliseconds",
                      "1000") == "OK"

    def known():
        return all(len(s.call("SENTINEL", "SENTINELS", "lone")) == 1
                   for s in (pair.ref, pair.dut))
    wait_until(known, 10, "both to know each other for lone",
               pair.c.procs())
    current = getattr(pair, "master_port_now", pair.master.port)
    victim = [n for n in [pair.master] + pair.replicas
              if n.port != current][0]
    lone.kill()
    victim.kill()

    def flagged():
        for s in (pair.ref, pair.dut):
            m = dict(harness.pairs(s.call("SENTINEL", "MASTER", "lone")))
            reps = [dict(harness.pairs(r)) for r in
                    s.call("SENTINEL", "REPLICAS", "mymaster")]
            dead = [r for r in reps if int(r["port"]) == victim.port]
            if "s_down" not in m["flags"] or not dead or \
                    "s_down" not in dead[0]["flags"]:
                return False
        return True
    wait_until(flagged, 10, "both to flag the dead nodes s_down",
               pair.c.procs())
    for resp in (2, 3):
        problems = run_steps(pair, [
            (("SENTINEL", "MASTER", "lone"), shape_fields),
            (("SENTINEL", "REPLICAS", "mymaster"), shape_instances),
            (("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", port, "0",
              "*"), shape_exact),
            (("SENTINEL", "CKQUORUM", "lone"), shape_error),
            (("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lone"), shape_exact),
            (("SENTINEL", "FAILOVER", "lone"), shape_error),
            (("INFO", "sentinel"), shape_info_status),
        ], resp)
        assert not problems, problems
    for s in (pair.ref, pair.dut):
        assert s.call("SENTINEL", "REMOVE", "lone") == "OK"


def shape_info_status(reply):
    """INFO sentinel's master lines: name and status (ok, sdown, odown)."""
    return sorted(re.findall(r"name=([^,]+),status=(\w+)", text(reply)))


def test_script_paths_when_allowed(constellation, binary, reference_bin,
                                   tmp_path):
    """With deny-scripts-reconfig no, SET takes script paths that exist
    and are executable, refuses others with Redis's texts, shows them in
    SENTINEL MASTER after parallel-syncs, and clears them with ""."""
    own = start_pair(constellation, binary, reference_bin, replicas=0,
                     lines=["sentinel deny-scripts-reconfig no"])
    plain = tmp_path / "not-executable.sh"
    plain.write_text("#!/bin/sh\nexit 0\n")
    plain.chmod(0o644)
    steps = [
        (("SENTINEL", "SET", "mymaster", "notification-script", "/bin/true"),
         shape_exact),
        (("SENTINEL", "SET", "mymaster", "client-reconfig-script",
          "/bin/true"), shape_exact),
        (("SENTINEL", "MASTER", "mymaster"), shape_fields),
        (("SENTINEL", "SET", "mymaster", "notification-script",
          "/nonexistent/script"), shape_error),
        (("SENTINEL", "SET", "mymaster", "client-reconfig-script",
          str(plain)), shape_error),
        (("SENTINEL", "SET", "mymaster", "notification-script", ""),
         shape_exact),
        (("SENTINEL", "MASTER", "mymaster"), shape_fields),
        (("SENTINEL", "SET", "mymaster", "client-reconfig-script", ""),
         shape_exact),
        (("SENTINEL", "MASTER", "mymaster"), shape_fields),
    ]
    for resp in (2, 3):
        problems = run_steps(own, steps, resp)
        assert not problems, problems
