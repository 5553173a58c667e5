"""Differential suite, the commands around SENTINEL: INFO and its
sections, ROLE, CLIENT, COMMAND, HELLO, AUTH without a password, pub/sub
and the inline protocol.  Debian's redis-sentinel 7.0 and the daemon under
test watch one master and get the same requests on raw RESP2 and RESP3
connections; reply types, field names and their order, and error texts
must match, with times, ids, ports and counters masked.

Differences that stay are named below with their reasons (INFO_EXTRA,
MISSING_SUBCOMMANDS, EXTRA_SUBCOMMANDS, DOC_ARGUMENTS_OWN,
OWN_EVENT_ORDER); the tests check that each is still what the list says.
"""

import pytest

import harness
from test_diff_resp import Error, Map, NULL, Push, Set, call_both, \
    connect, explain, field_pairs, mask_text, shape_error, shape_exact, \
    shape_masked, start_pair, text, type_name

# INFO fields sentineld adds; tools that parse INFO skip names they do not
# know.
INFO_EXTRA = {
    ("server", "sentineld_version"): "sentineld's own version, beside the "
    "Redis version it is compatible with (redis_version)",
}

# Subcommands redis-sentinel 7.0 lists that sentineld does not serve (it
# replies "-ERR unknown subcommand"), with the reason.  ACL users and the
# ACL commands are being added separately: once there they may appear
# here without failing the test.
MISSING_SUBCOMMANDS = {
    "client|caching": "client-side caching: a sentinel holds no keys",
    "client|tracking": "client-side caching: a sentinel holds no keys",
    "client|unblock": "a sentinel has no blocking commands",
    "client|pause": "pausing clients would hold back the failover "
                    "announcements they wait for",
    "client|reply": "muting replies needs server support a sentinel's "
                    "clients never use",
    "acl|deluser": "ACL management: in progress (users from the config)",
    "acl|dryrun": "ACL management: in progress",
    "acl|genpass": "ACL management: in progress",
    "acl|getuser": "ACL management: in progress",
    "acl|list": "ACL management: in progress",
    "acl|load": "ACL management: in progress",
    "acl|log": "ACL management: in progress",
    "acl|save": "ACL management: in progress",
    "acl|setuser": "ACL management: in progress",
}

# Subcommands only sentineld has.
EXTRA_SUBCOMMANDS = {
    "sentinel|events": "the recent event history over RESP (extension)",
    "sentinel|primaries": "Valkey's name for MASTERS, for newer clients",
    "sentinel|primary": "Valkey's name for MASTER",
    "sentinel|get-primary-addr-by-name": "Valkey's name for "
                                         "GET-MASTER-ADDR-BY-NAME",
    "sentinel|is-primary-down-by-addr": "Valkey's name for "
                                        "IS-MASTER-DOWN-BY-ADDR",
}

OWN_EVENT_ORDER = (
    "in RESP3 an event caused by the client's own command (e.g. +set "
    "after SENTINEL SET) is pushed after that command's reply, as Redis "
    "7.2 and later do; redis-sentinel 7.0 pushes it before.  Push "
    "messages are out of band, so RESP3 clients accept either order")


@pytest.fixture(scope="module")
def pair(module_constellation, binary, reference_bin):
    return start_pair(module_constellation, binary, reference_bin,
                      replicas=0)


def reference():
    return harness.is_reference()


# ---------------------------------------------------------------- shapes

def info_pairs(reply):
    return harness.info_fields(text(reply))


def shape_info(reply):
    """INFO: the reply type, then (section, field) in order; a few values
    that must agree are kept.  sentineld's extra fields are left out (see
    test_info_extra_fields)."""
    if not isinstance(reply, bytes):
        return ["not a bulk string", shape_exact(reply)]
    keep = {"redis_version", "redis_mode", "arch_bits", "configured_hz",
            "sentinel_masters", "sentinel_tilt",
            "sentinel_tilt_since_seconds", "sentinel_running_scripts",
            "sentinel_scripts_queue_length",
            "sentinel_simulate_failure_flags"}
    out = []
    for section, key, value in info_pairs(reply):
        if (section, key) in INFO_EXTRA:
            continue
        if key.startswith("master") and section == "sentinel":
            value = mask_text(value)
        elif key not in keep:
            value = "<masked>"
        out.append((section, key, value))
    headers = [line for line in text(reply).split("\r\n")
               if line.startswith("#")]
    return [type_name(reply), headers, out]


def shape_client_lines(reply):
    """CLIENT LIST / INFO: the reply type and each line's field names."""
    if isinstance(reply, Error) or not isinstance(reply, bytes):
        return ["not a string", shape_exact(reply)]
    return [type_name(reply), [[f.split("=", 1)[0] for f in line.split()]
                               for line in text(reply).splitlines()]]


def shape_hello(reply):
    """HELLO: map (flat array in RESP2) of fields in order, with types;
    values kept except the connection id."""
    if isinstance(reply, Error) or not isinstance(reply, list):
        return ["not a field list", shape_exact(reply)]
    return [type_name(reply), [
        (k, type_name(v), "<id>" if k == "id" else shape_exact(v))
        for k, v in field_pairs(reply)]]


def command_info(entry):
    """One COMMAND INFO entry as a dict, subcommands by name."""
    if not isinstance(entry, list):
        return shape_exact(entry)
    return {
        "types": [type_name(x) for x in entry],
        "name": text(entry[0]), "arity": entry[1],
        "flags": sorted(text(x) for x in entry[2]),
        "keys": entry[3:6],
        "acl": sorted(text(x) for x in entry[6]),
        "tips": sorted(text(x) for x in entry[7]),
        "key-specs": shape_exact(entry[8]),
        "subcommands": {text(s[0]): command_info(s) for s in entry[9]},
    }


def compare_subcommands(ref, dut, where):
    """Both dicts of subcommands; returns the problems as text lines."""
    problems = []
    for name in sorted(set(ref) | set(dut)):
        if name in ref and name in dut:
            if ref[name] != dut[name]:
                problems.append("%s %s: ref %r dut %r"
                                % (where, name, ref[name], dut[name]))
        elif name in dut and name not in EXTRA_SUBCOMMANDS:
            problems.append("%s: %s only in sentineld" % (where, name))
        elif name in ref and name not in MISSING_SUBCOMMANDS:
            problems.append("%s: %s missing in sentineld" % (where, name))
    return problems


def compare_commands(ref, dut):
    """COMMAND / COMMAND INFO replies: same commands with the same arity,
    flags, key positions, ACL categories, tips and subcommands (up to the
    listed differences)."""
    ref = {text(e[0]): command_info(e) for e in ref if isinstance(e, list)}
    dut = {text(e[0]): command_info(e) for e in dut if isinstance(e, list)}
    problems = []
    if sorted(ref) != sorted(dut):
        problems.append("commands: ref %s dut %s" % (sorted(ref),
                                                     sorted(dut)))
    for name in sorted(set(ref) & set(dut)):
        a, b = dict(ref[name]), dict(dut[name])
        problems += compare_subcommands(a.pop("subcommands"),
                                        b.pop("subcommands"), name)
        if a != b:
            problems.append("%s: ref %r dut %r" % (name, a, b))
    return problems


# Redis's documentation metadata that sentineld's table does not carry;
# redis-cli reads summary, since, group, complexity and arguments only.
DOC_METADATA = {"history", "doc_flags", "deprecated_since", "replaced_by"}


def shape_doc(doc):
    """One COMMAND DOCS entry: its field names and types, the group, and
    its arguments' names, types and flags (or its subcommands' names)."""
    out = []
    for k, v in field_pairs(doc):
        if k in DOC_METADATA:
            continue
        if k == "group":
            out.append((k, type_name(v), text(v)))
        elif k == "arguments":
            out.append((k, type_name(v), [shape_arg(a) for a in v]))
        elif k == "subcommands":
            out.append((k, type_name(v), sorted(
                n for n, _ in field_pairs(v)
                if n not in EXTRA_SUBCOMMANDS
                and n not in MISSING_SUBCOMMANDS)))
        else:
            out.append((k, type_name(v)))
    return [type_name(doc), out]


def shape_arg(arg):
    out = []
    for k, v in field_pairs(arg):
        if k in ("since", "deprecated_since", "display_text"):
            continue
        if k == "arguments":
            out.append((k, [shape_arg(a) for a in v]))
        elif k == "flags":
            out.append((k, type_name(v), sorted(text(x) for x in v)))
        else:
            out.append((k, type_name(v), text(v)))
    return [type_name(arg), out]


def shape_docs(reply):
    if isinstance(reply, Error) or not isinstance(reply, list):
        return ["not a map", shape_exact(reply)]
    return [type_name(reply), [(k, shape_doc(v))
                               for k, v in field_pairs(reply)]]


def shape_names(reply):
    """COMMAND LIST: the names, up to the listed differences."""
    if isinstance(reply, Error) or not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    return [type_name(reply), sorted(
        text(x) for x in reply if text(x) not in EXTRA_SUBCOMMANDS
        and text(x) not in MISSING_SUBCOMMANDS)]


def shape_help(reply):
    if not isinstance(reply, list):
        return ["not an array", shape_exact(reply)]
    return [type_name(reply), sorted({type_name(x) for x in reply})]


def shape_int(reply):
    return [type_name(reply), isinstance(reply, int)]


def shape_type_or_error(reply):
    """A command's reply while subscribed: in RESP2 an error (checked
    exactly), in RESP3 just its type (the command runs)."""
    if isinstance(reply, Error):
        return shape_error(reply)
    return type_name(reply)


# ---------------------------------------------------------------- cases

INFO_SECTIONS = [(), ("server",), ("clients",), ("cpu",), ("stats",),
                 ("sentinel",), ("default",), ("all",), ("everything",),
                 ("nosuch",), ("server", "clients"), ("SENTINEL", "bogus"),
                 ("Server",), ("memory",), ("keyspace",), ("replication",)]

# Each case: requests sent one after the other on one connection, each
# (args, shape) or (args, shape, replies) when a request has several.
CASES = {
    "info-" + ("-".join(s).lower() or "bare"): [(("INFO",) + s, shape_info)]
    for s in INFO_SECTIONS
}
CASES.update({
    "info-arity": [(("INFO", "a", "b", "c"), shape_info)],
    "role": [(("ROLE",), shape_exact), (("ROLE", "x"), shape_error)],
    "ping": [(("PING",), shape_exact), (("PING", "hi"), shape_exact),
             (("PING", "a", "b"), shape_error)],
    "client-id": [(("CLIENT", "ID"), shape_int),
                  (("CLIENT", "ID", "x"), shape_error)],
    "client-names": [
        (("CLIENT", "GETNAME"), shape_exact),
        (("CLIENT", "SETNAME", "diff-test"), shape_exact),
        (("CLIENT", "GETNAME"), shape_exact),
        (("CLIENT", "SETNAME", "a b"), shape_error),
        (("CLIENT", "SETNAME", "a\nb"), shape_error),
        (("CLIENT", "SETNAME", "caf\xe9"), shape_error),
        (("CLIENT", "GETNAME"), shape_exact),
        (("CLIENT", "SETNAME", ""), shape_exact),
        (("CLIENT", "GETNAME"), shape_exact),
        (("CLIENT", "SETNAME"), shape_error),
        (("CLIENT", "SETNAME", "a", "b"), shape_error),
        (("CLIENT", "GETNAME", "x"), shape_error),
    ],
    "client-list": [
        (("CLIENT", "SETNAME", "lister"), shape_exact),
        (("CLIENT", "LIST"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "normal"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "NORMAL"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "pubsub"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "master"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "replica"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "slave"), shape_client_lines),
        (("CLIENT", "LIST", "TYPE", "bogus"), shape_error),
        (("CLIENT", "LIST", "TYPE"), shape_error),
        (("CLIENT", "LIST", "ID", "0"), shape_client_lines),
        (("CLIENT", "LIST", "ID", "-1"), shape_client_lines),
        (("CLIENT", "LIST", "ID", "999999", "1000000"), shape_client_lines),
        (("CLIENT", "LIST", "ID", "abc"), shape_error),
        (("CLIENT", "LIST", "ID", "1", "abc"), shape_error),
        (("CLIENT", "LIST", "ID"), shape_error),
        (("CLIENT", "LIST", "TYPE", "normal", "ID", "1"), shape_error),
        (("CLIENT", "LIST", "foo"), shape_error),
        (("CLIENT", "INFO"), shape_client_lines),
        (("CLIENT", "INFO", "x"), shape_error),
    ],
    "client-kill": [
        (("CLIENT", "KILL"), shape_error),
        (("CLIENT", "KILL", "1.2.3.4:5"), shape_error),
        (("CLIENT", "KILL", "ID", "abc"), shape_error),
        (("CLIENT", "KILL", "ID", "0"), shape_error),
        (("CLIENT", "KILL", "ID", "-1"), shape_error),
        (("CLIENT", "KILL", "ID", "999999"), shape_exact),
        (("CLIENT", "KILL", "TYPE", "bogus"), shape_error),
        (("CLIENT", "KILL", "TYPE", "master"), shape_exact),
        (("CLIENT", "KILL", "TYPE", "replica"), shape_exact),
        (("CLIENT", "KILL", "TYPE", "slave"), shape_exact),
        (("CLIENT", "KILL", "ADDR", "1.2.3.4:5"), shape_exact),
        (("CLIENT", "KILL", "LADDR", "1.2.3.4:5"), shape_exact),
        (("CLIENT", "KILL", "USER", "nosuch"), shape_error),
        (("CLIENT", "KILL", "SKIPME", "maybe"), shape_error),
        (("CLIENT", "KILL", "ID", "999999", "TYPE"), shape_error),
        (("CLIENT", "KILL", "MAXAGE", "5"), shape_error),
        (("CLIENT", "KILL", "foo", "bar"), shape_error),
    ],
    "client-misc": [
        (("CLIENT",), shape_error),
        (("CLIENT", "NOSUCH"), shape_error),
        (("CLIENT", "HELP"), shape_help),
        (("CLIENT", "GETREDIR"), shape_exact),
        (("CLIENT", "TRACKINGINFO"), shape_exact),
        (("CLIENT", "NO-EVICT", "on"), shape_exact),
        (("CLIENT", "NO-EVICT", "maybe"), shape_error),
        (("CLIENT", "UNPAUSE"), shape_exact),
        (("CLIENT", "NO-TOUCH", "on"), shape_error),
        (("CLIENT", "SETINFO", "lib-name", "x"), shape_error),
    ],
    "command-count": [(("COMMAND", "COUNT"), shape_exact),
                      (("COMMAND", "COUNT", "x"), shape_error)],
    "command-docs": [
        (("COMMAND", "DOCS", "ping", "role", "hello", "auth", "info",
          "publish", "sentinel|masters", "sentinel|is-master-down-by-addr",
          "client|setname", "nosuch"), shape_docs),
        (("COMMAND", "DOCS", "sentinel"), shape_docs),
        (("COMMAND", "DOCS", "nosuch"), shape_docs),
    ],
    "command-list": [
        (("COMMAND", "LIST"), shape_names),
        (("COMMAND", "LIST", "FILTERBY", "PATTERN", "sentinel*"),
         shape_names),
        (("COMMAND", "LIST", "FILTERBY", "ACLCAT", "admin"), shape_names),
        (("COMMAND", "LIST", "FILTERBY", "MODULE", "x"), shape_names),
        (("COMMAND", "LIST", "FILTERBY", "bogus", "x"), shape_error),
    ],
    "command-misc": [
        (("COMMAND", "INFO", "nosuch", "ping"), shape_masked),
        (("COMMAND", "GETKEYS", "ping"), shape_error),
        (("COMMAND", "GETKEYS"), shape_error),
        (("COMMAND", "NOSUCH"), shape_error),
        (("COMMAND", "HELP"), shape_help),
    ],
    "hello-2": [(("HELLO", "2"), shape_hello), (("HELLO",), shape_hello)],
    "hello-3": [(("HELLO", "3"), shape_hello), (("PING",), shape_exact),
                (("HELLO",), shape_hello), (("HELLO", "2"), shape_hello)],
    "hello-options": [
        (("HELLO", "3", "SETNAME", "greeted"), shape_hello),
        (("CLIENT", "GETNAME"), shape_exact),
        (("HELLO", "2", "AUTH", "default", "anything", "SETNAME", "again"),
         shape_hello),
        (("CLIENT", "GETNAME"), shape_exact),
        (("HELLO", "3", "auth", "default", "x", "setname", "lower"),
         shape_hello),
    ],
    "hello-errors": [
        (("HELLO", "4"), shape_error),
        (("HELLO", "1"), shape_error),
        (("HELLO", "abc"), shape_error),
        (("HELLO", "3", "SETNAME"), shape_error),
        (("HELLO", "3", "SETNAME", "a b"), shape_error),
        (("HELLO", "3", "AUTH", "default"), shape_error),
        (("HELLO", "3", "AUTH", "nosuch", "x"), shape_error),
        (("HELLO", "3", "BOGUS"), shape_error),
        (("CLIENT", "GETNAME"), shape_exact),
    ],
    "auth-without-password": [
        (("AUTH", "x"), shape_error),
        (("AUTH", "default", "x"), shape_exact),
        (("AUTH", "nosuch", "x"), shape_error),
        (("AUTH",), shape_error),
        (("AUTH", "a", "b", "c"), shape_error),
        (("PING",), shape_exact),
    ],
    "not-served": [
        (("GET", "foo"), shape_error),
        (("SELECT", "0"), shape_error),
        (("MULTI",), shape_error),
        (("CONFIG", "GET", "port"), shape_error),
        (("ECHO", "a"), shape_error),
        (("DEBUG", "SLEEP", "0"), shape_error),
        (("SHUTDOWN", "ABORT"), shape_error),
        (("SHUTDOWN", "BOGUS"), shape_error),
        (("PUBLISH", "foo", "bar"), shape_error),
        (("PUBLISH", "__sentinel__:hello", "garbage"), shape_exact),
    ],
    "pubsub": [
        (("SUBSCRIBE", "a", "b"), shape_masked, 2),
        (("PING",), shape_exact),
        (("PING", "x"), shape_exact),
        (("SENTINEL", "MASTERS"), shape_type_or_error),
        (("INFO", "sentinel"), shape_type_or_error),
        (("PSUBSCRIBE", "+*", "-*"), shape_masked, 2),
        (("PUNSUBSCRIBE", "-*"), shape_masked),
        # Without arguments Redis goes through its channels in hash order,
        # so only one is left for it.
        (("UNSUBSCRIBE", "b"), shape_masked),
        (("UNSUBSCRIBE",), shape_masked),
        (("PUNSUBSCRIBE",), shape_masked),
        (("UNSUBSCRIBE",), shape_masked),
        (("PUNSUBSCRIBE", "x"), shape_masked),
        (("PING",), shape_exact),
    ],
})


def run_case(port, resp, steps, fmt):
    """Runs steps on one connection; returns [(args, reply)]."""
    out = []
    with connect(port, resp) as c:
        for step in steps:
            args = [a.format(**fmt) for a in step[0]]
            c.sock.sendall(harness.encode_command(*args))
            for _ in range(step[2] if len(step) > 2 else 1):
                out.append((args, c.read_reply()))
    return out


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_replies_as_redis_sentinel(pair, name, resp):
    steps = CASES[name]
    fmt = dict(master_port=pair.master.port)
    ref = run_case(pair.ref.port, resp, steps, fmt)
    dut = run_case(pair.dut.port, resp, steps, fmt)
    shapes_of = [step[1] for step in steps
                 for _ in range(step[2] if len(step) > 2 else 1)]
    problems = []
    for shape, (args, a), (_, b) in zip(shapes_of, ref, dut):
        if shape(a) != shape(b):
            problems.append(explain(args, resp, shape(a), shape(b), a, b))
    assert not problems, "\n".join(problems)


def test_info_extra_fields(pair):
    """The fields in INFO_EXTRA are sentineld's alone, and only those."""
    ref = {(s, k) for s, k, _ in info_pairs(pair.ref.call("INFO"))}
    dut = {(s, k) for s, k, _ in info_pairs(pair.dut.call("INFO"))}
    extra = set() if reference() else set(INFO_EXTRA)
    assert dut - ref == extra, dut - ref
    assert ref - dut == set(), ref - dut


@pytest.mark.parametrize("resp", [2, 3])
def test_command_table_is_redis_sentinels(pair, resp):
    """COMMAND and COMMAND INFO: the same commands with the same arity,
    flags, key positions, ACL categories, tips and subcommands, up to
    MISSING_SUBCOMMANDS and EXTRA_SUBCOMMANDS."""
    for args in (("COMMAND",), ("COMMAND", "INFO"),
                 ("COMMAND", "INFO", "ping", "sentinel", "client", "role",
                  "SENTINEL|MASTERS", "sentinel|nosuch", "get")):
        ref, dut = call_both(pair, args, resp)
        assert type_name(ref) == type_name(dut) == "array", (ref, dut)
        nulls = [type_name(x) for x in ref if not isinstance(x, list)]
        assert nulls == [type_name(x) for x in dut
                         if not isinstance(x, list)], (args, ref, dut)
        problems = compare_commands(ref, dut)
        assert not problems, "%s (RESP%d):\n%s" % (
            " ".join(args), resp, "\n".join(problems))


@pytest.mark.sentineld_only
def test_listed_differences_are_still_true(pair):
    """Every missing subcommand is refused as unknown and every extra one
    answers, so the lists above stay true."""
    for name in MISSING_SUBCOMMANDS:
        top, sub = name.split("|")
        reply = pair.dut.call(top.upper(), sub.upper(), "x")
        if top == "acl" and not (isinstance(reply, Error) and "unknown "
                                 "subcommand" in reply):
            continue    # ACL management may have arrived meanwhile
        assert reply == "ERR unknown subcommand '%s'. Try %s HELP." % (
            sub.upper(), top.upper()), (name, reply)
    listed = {text(x) for x in pair.dut.call("COMMAND", "LIST")}
    assert set(EXTRA_SUBCOMMANDS) <= listed, set(EXTRA_SUBCOMMANDS) - listed


def test_events_arrive_as_push_messages(pair):
    """A PSUBSCRIBE * listener in RESP2 and in RESP3 on each sentinel sees
    the +set event of a SENTINEL SET sent on another connection: an array
    in RESP2, a push message in RESP3, with the same four elements."""
    got = {}
    for resp in (2, 3):
        listeners = {s.name: connect(s.port, resp) for s in (pair.ref,
                                                              pair.dut)}
        try:
            for s in (pair.ref, pair.dut):
                c = listeners[s.name]
                c.sock.sendall(harness.encode_command("PSUBSCRIBE", "*"))
                got[(resp, s.name, "subscribed")] = shape_masked(
                    c.read_reply())
                assert s.call("SENTINEL", "SET", "mymaster", "quorum",
                              "2") == "OK"
                msg = c.read_reply()
                while text(msg[1] if isinstance(msg, list) and len(msg) > 1
                           else b"") != "*" or text(msg[2]) != "+set":
                    msg = c.read_reply()    # other events (hellos...)
                got[(resp, s.name, "event")] = shape_masked(msg)
        finally:
            for c in listeners.values():
                c.close()
    for resp in (2, 3):
        for what in ("subscribed", "event"):
            a = got[(resp, pair.ref.name, what)]
            b = got[(resp, pair.dut.name, what)]
            assert a == b, "RESP%d %s: ref %r dut %r" % (resp, what, a, b)
    assert got[(3, pair.dut.name, "event")][0] == "push"


def test_own_event_comes_after_the_reply(pair):
    """The one kept ordering difference (OWN_EVENT_ORDER): a RESP3 client
    subscribed to +set that sends SENTINEL SET itself gets its +OK first
    from sentineld, the push first from redis-sentinel 7.0.  Both deliver
    both."""
    order = {}
    for s in (pair.ref, pair.dut):
        with connect(s.port, 3) as c:
            c.call("PSUBSCRIBE", "+set")
            c.sock.sendall(harness.encode_command(
                "SENTINEL", "SET", "mymaster", "quorum", "2"))
            order[s.name] = [type_name(c.read_reply()),
                             type_name(c.read_reply())]
    assert order[pair.ref.name] == ["push", "status"], order
    want = ["push", "status"] if reference() else ["status", "push"]
    assert order[pair.dut.name] == want, (OWN_EVENT_ORDER, order)


def test_inline_protocol(pair):
    """Requests typed on a raw socket (inline) get the same replies."""
    lines = [b"PING\r\n", b"ping \"a b\"\r\n",
             b"SENTINEL get-master-addr-by-name mymaster\r\n",
             b"SENTINEL get-master-addr-by-name\r\n",
             b"\r\n*1\r\n$4\r\nPING\r\n",
             b"ROLE\n", b"nosuch  x\r\n"]
    out = {}
    for s in (pair.ref, pair.dut):
        with connect(s.port) as c:
            replies = []
            for line in lines:
                c.sock.sendall(line)
                replies.append(shape_masked(c.read_reply()))
            out[s.name] = replies
    assert out[pair.dut.name] == out[pair.ref.name], out


def test_hello_3_switches_every_reply(pair):
    """After HELLO 3 the instance lists are maps and a missing master is a
    null, on both; after HELLO 2 they are flat arrays again."""
    for s in (pair.ref, pair.dut):
        with connect(s.port, 3) as c:
            master = c.call("SENTINEL", "MASTER", "mymaster")
            assert isinstance(master, Map), (s.name, master)
            assert all(isinstance(x, Map) for x in
                       c.call("SENTINEL", "MASTERS")), s.name
            assert c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME",
                          "nosuch") == NULL, s.name
            assert isinstance(c.call("SENTINEL", "DEBUG"), Map), s.name
            assert isinstance(c.call("CLIENT", "TRACKINGINFO"), Map)
            flags = dict(field_pairs(c.call("CLIENT", "TRACKINGINFO")))
            assert isinstance(flags["flags"], Set), (s.name, flags)
            c.call("HELLO", "2")
            assert type_name(c.call("SENTINEL", "MASTER", "mymaster")) \
                == "array", s.name
            assert type_name(c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME",
                                    "nosuch")) == "null-array", s.name
            c.sock.sendall(harness.encode_command("SUBSCRIBE", "x"))
            assert not isinstance(c.read_reply(), Push), s.name



# COMMAND DOCS: sentineld's table describes commands in its own words
# (summaries, complexity, argument names and their nesting), and has none
# of Redis's documentation metadata (history, doc_flags, per-argument
# since); only redis-cli reads these, for hints.  What is compared for
# every command and subcommand: the reply types, the group, whether it
# takes arguments or has subcommands, and the keywords (tokens) anywhere
# in its arguments.  Entries that differ even so:
DOC_ARGUMENTS_OWN = {
    "command|getkeys": "sentineld lists its arguments; Redis 7.0 lists "
                       "none",
    "command|getkeysandflags": "sentineld lists its arguments; Redis 7.0 "
                               "lists none",
    "sentinel|simulate-failure": "sentineld gives its pure-token "
                                 "arguments their tokens; Redis 7.0 "
                                 "leaves them out",
}


def doc_tokens(args):
    out = []
    for a in args:
        d = dict(field_pairs(a))
        if "token" in d:
            out.append(text(d["token"]).upper())
        if "arguments" in d:
            out += doc_tokens(d["arguments"])
    return out


def shape_doc_outline(doc):
    d = dict(field_pairs(doc))
    return [type_name(doc), text(d.get("group", b"")),
            sorted(k for k in d if k in ("arguments", "subcommands")),
            sorted(doc_tokens(d.get("arguments", [])))]


def docs_by_name(reply):
    """COMMAND DOCS as {name: doc}, subcommands included by full name."""
    out = {}
    for name, doc in field_pairs(reply):
        out[name] = doc
        for k, v in field_pairs(doc):
            if k == "subcommands":
                out.update(docs_by_name(v))
    return out


@pytest.mark.parametrize("resp", [2, 3])
def test_every_command_doc(pair, resp):
    """COMMAND DOCS for every command and subcommand: the same outline on
    both, except the entries in DOC_ARGUMENTS_OWN (which must really
    differ)."""
    ref, dut = call_both(pair, ("COMMAND", "DOCS"), resp)
    assert type_name(ref) == type_name(dut), (ref, dut)
    ref, dut = docs_by_name(ref), docs_by_name(dut)
    problems = []
    for name in sorted(set(ref) & set(dut)):
        a, b = shape_doc_outline(ref[name]), shape_doc_outline(dut[name])
        if name in DOC_ARGUMENTS_OWN and not reference():
            if a == b:
                problems.append("%s: no difference left" % name)
        elif a != b:
            problems.append("%s:\n ref %r\n dut %r" % (name, a, b))
    assert not problems, "\n".join(problems)
    names = set(ref) ^ set(dut)
    unlisted = names - set(MISSING_SUBCOMMANDS) - set(EXTRA_SUBCOMMANDS)
    assert not unlisted, unlisted


CLIENT_STABLE = ("name", "flags", "db", "sub", "psub", "ssub", "multi",
                 "cmd", "user", "redir", "resp", "events")


def client_fields(line):
    d = dict(f.split("=", 1) for f in text(line).split())
    return {k: d.get(k) for k in CLIENT_STABLE}


@pytest.mark.parametrize("resp", [2, 3])
def test_client_line_values(pair, resp):
    """The values in CLIENT INFO / LIST that do not depend on memory or
    time agree: a named connection, and a subscribed one seen from
    another connection."""
    got = {}
    for s in (pair.ref, pair.dut):
        with connect(s.port, resp) as c:
            c.call("CLIENT", "SETNAME", "me")
            c.call("SENTINEL", "MYID")
            mine = client_fields(c.call("CLIENT", "INFO"))
        with connect(s.port, resp) as c:
            c.call("SUBSCRIBE", "x")
            c.call("PSUBSCRIBE", "y*")
            with connect(s.port, resp) as other:
                sub = client_fields(other.call("CLIENT", "LIST", "TYPE",
                                               "pubsub"))
        got[s.name] = (mine, sub)
    assert got[pair.dut.name] == got[pair.ref.name], got
