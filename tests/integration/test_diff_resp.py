"""A RESP2/RESP3 client that keeps every reply type apart, and the shape
functions the differential suite (test_diff_*.py) compares replies with.

harness.RawClient reads RESP2 only.  After `HELLO 3` a server may answer
with maps, sets, nulls, doubles, booleans, verbatim strings and push
messages; a client library treats each differently, so the differential
tests must see them.  This module's own tests check the parser on canned
bytes, so a difference the suite reports is never the parser's doing.

redis-py 4.3 (Debian 12's python3-redis) has no RESP3 support (its Redis()
takes no `protocol`), which is why RESP3 is checked with raw requests here.
"""

import re
import socket
from types import SimpleNamespace

import harness
from harness import Error, NIL_ARRAY, NilArray, RespError, Status, \
    encode_command, wait_until

DISCOVERY_TIMEOUT_S = 12.0


# ---------------------------------------------------------------- types

class Null:
    """RESP3 null (_)."""

    def __repr__(self):
        return "Null"

    def __eq__(self, other):
        return isinstance(other, Null)

    def __hash__(self):
        return 0


NULL = Null()


class Map(list):
    """RESP3 map (%): a list of (key, value) pairs in wire order."""


class Set(list):
    """RESP3 set (~)."""


class Push(list):
    """RESP3 push message (>)."""


class Double(float):
    """RESP3 double (,)."""


class Bool(int):
    """RESP3 boolean (#t / #f)."""


class BigNum(int):
    """RESP3 big number (()."""


class Verbatim(bytes):
    """RESP3 verbatim string (=); the format (e.g. b"txt") is kept."""

    fmt = b""


# ---------------------------------------------------------------- client

class Client:
    """A blocking connection that reads RESP2 and RESP3 replies.

    Replies: Status, Error, int, bytes (bulk), None (RESP2 null bulk),
    NIL_ARRAY (RESP2 null array), NULL (RESP3 null), list (array), Map,
    Set, Push, Double, Bool, BigNum, Verbatim.  A RESP3 attribute (|) is
    read and dropped: it annotates the reply that follows it.
    """

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def feed(self, data):
        """Adds bytes as if they had arrived (for the parser's tests)."""
        self.buf += data

    def call(self, *args):
        """Sends one command; returns its reply, which must be all that
        arrived (anything left over means a malformed reply)."""
        self.sock.sendall(encode_command(*args))
        reply = self.read_reply()
        if self.buf:
            raise RespError("%d unexpected bytes after the reply to %r: %r"
                            % (len(self.buf), args, self.buf[:200]))
        return reply

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        if self.buf[n:n + 2] != b"\r\n":
            raise RespError("bulk of %d bytes not followed by CRLF" % n)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _items(self, n):
        return [self.read_reply() for _ in range(n)]

    def read_reply(self):
        line = self._line()
        if not line:
            raise RespError("empty reply line")
        kind, rest = line[:1], line[1:]
        text = rest.decode("utf-8", "replace")
        if kind == b"+":
            return Status(text)
        if kind == b"-":
            return Error(text)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return NIL_ARRAY if n < 0 else self._items(n)
        return self._read_resp3(kind, rest, text)

    def _read_resp3(self, kind, rest, text):
        if kind == b"_":
            return NULL
        if kind == b",":
            return Double(float(text.replace("inf", "Infinity")))
        if kind == b"#":
            if rest not in (b"t", b"f"):
                raise RespError("bad boolean %r" % rest)
            return Bool(rest == b"t")
        if kind == b"(":
            return BigNum(int(rest))
        if kind == b"!":
            return Error(self._exact(int(rest)).decode("utf-8", "replace"))
        if kind == b"=":
            data = self._exact(int(rest))
            if data[3:4] != b":":
                raise RespError("verbatim string without a format: %r"
                                % data[:20])
            v = Verbatim(data[4:])
            v.fmt = data[:3]
            return v
        if kind == b"%":
            return Map((self.read_reply(), self.read_reply())
                       for _ in range(int(rest)))
        if kind == b"~":
            return Set(self._items(int(rest)))
        if kind == b">":
            return Push(self._items(int(rest)))
        if kind == b"|":
            for _ in range(int(rest)):
                self.read_reply()
                self.read_reply()
            return self.read_reply()
        raise RespError("unexpected reply type %r" % (kind + rest)[:40])


def connect(port, resp=2, timeout=5.0):
    """A Client on port, switched to RESP3 with HELLO 3 when resp is 3."""
    c = Client(port, timeout=timeout)
    if resp == 3:
        hello = c.call("HELLO", "3")
        if not isinstance(hello, Map):
            c.close()
            raise RespError("HELLO 3 did not reply a map: %r" % (hello,))
    return c


# ---------------------------------------------------------------- shapes

def type_name(reply):
    """The wire type of a reply, by the name the RESP spec gives it."""
    for cls, name in ((Status, "status"), (Error, "error"), (Map, "map"),
                      (Set, "set"), (Push, "push"), (Verbatim, "verbatim"),
                      (Bool, "bool"), (BigNum, "bignum"),
                      (Double, "double"), (Null, "null"),
                      (NilArray, "null-array")):
        if isinstance(reply, cls):
            return name
    if reply is None:
        return "null-bulk"
    if isinstance(reply, bytes):
        return "bulk"
    if isinstance(reply, int):
        return "int"
    if isinstance(reply, list):
        return "array"
    return type(reply).__name__


def text(v):
    """A bulk / status / verbatim value as str (others as repr)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, str):
        return str(v)
    return repr(v)


def shape_types(reply):
    """Types only, recursively (map keys kept: they are field names)."""
    t = type_name(reply)
    if isinstance(reply, Map):
        return [t, [(text(k), shape_types(v)) for k, v in reply]]
    if isinstance(reply, list):
        return [t, [shape_types(x) for x in reply]]
    return t


def shape_exact(reply):
    """Types and values, recursively."""
    t = type_name(reply)
    if isinstance(reply, Map):
        return [t, [(shape_exact(k), shape_exact(v)) for k, v in reply]]
    if isinstance(reply, list):
        return [t, [shape_exact(x) for x in reply]]
    if isinstance(reply, (bytes, str)):
        return [t, text(reply)]
    if reply is None or isinstance(reply, (Null, NilArray)):
        return t
    return [t, reply]


_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_ID = re.compile(r"\b[0-9a-f]{40}\b")


def mask_text(s):
    """Replaces run ids and numbers in a string (times, ports, counters)."""
    return _NUMBER.sub("<n>", _ID.sub("<id>", s))


def shape_masked(reply):
    """Types and values with numbers and ids masked, recursively."""
    t = type_name(reply)
    if isinstance(reply, Map):
        return [t, [(shape_masked(k), shape_masked(v)) for k, v in reply]]
    if isinstance(reply, list):
        return [t, [shape_masked(x) for x in reply]]
    if isinstance(reply, (bytes, str)):
        return [t, mask_text(text(reply))]
    if isinstance(reply, int):
        return [t, "<n>"]
    return t


def shape_error(reply):
    """An error: its full text, numbers and ids masked."""
    if not isinstance(reply, Error):
        return ["not an error", shape_exact(reply)]
    return ["error", mask_text(reply)]


def field_pairs(reply):
    """A RESP2 flat field list or a RESP3 map as [(name, value)]."""
    if isinstance(reply, Map):
        return [(text(k), v) for k, v in reply]
    if isinstance(reply, list) and len(reply) % 2 == 0:
        return [(text(reply[i]), reply[i + 1])
                for i in range(0, len(reply), 2)]
    raise AssertionError("not a field list: %r" % (reply,))


# ---------------------------------------------------------------- setup

def start_pair(c, binary, reference_bin, replicas=2, lines=()):
    """Starts a master with replicas, then Debian's redis-sentinel ("ref")
    and the daemon under test ("dut") with the same config apart from the
    ports, and waits until each knows the master, every replica (healthy)
    and the other sentinel."""
    master = c.master()
    nodes = [c.replica(master) for _ in range(replicas)]
    if nodes:
        c.wait_replication(master, replicas)
    monitor = [dict(port=master.port, quorum=2)]
    ref = c.sentinel(name="reference", binary=reference_bin,
                     masters=monitor, lines=lines)
    dut = c.sentinel(name="under-test", binary=binary, masters=monitor,
                     lines=lines)
    want = sorted(n.port for n in nodes)
    for s in (ref, dut):
        def ready(s=s):
            m = dict(harness.pairs(s.call("SENTINEL", "MASTER", "mymaster")))
            reps = [dict(harness.pairs(r))
                    for r in s.call("SENTINEL", "REPLICAS", "mymaster")]
            peers = [dict(harness.pairs(r))
                     for r in s.call("SENTINEL", "SENTINELS", "mymaster")]
            return (m["flags"] == "master" and m["role-reported"] == "master"
                    and [p["flags"] for p in peers] == ["sentinel"]
                    and sorted(int(r["port"]) for r in reps) == want
                    and all(r["flags"] == "slave"
                            and r["master-link-status"] == "ok"
                            for r in reps))
        wait_until(ready, DISCOVERY_TIMEOUT_S,
                   "%s to know the master, %d replicas and its peer"
                   % (s.name, replicas), c.procs())
    return SimpleNamespace(c=c, master=master, replicas=nodes, ref=ref,
                           dut=dut)


def call_both(pair, args, resp=2):
    """The same request to the reference and to the daemon under test, each
    on a fresh connection in RESP resp; returns (ref reply, dut reply)."""
    out = []
    for s in (pair.ref, pair.dut):
        with connect(s.port, resp) as c:
            out.append(c.call(*args))
    return out[0], out[1]


def explain(args, resp, ref_shape, dut_shape, ref_reply, dut_reply):
    return ("%s (RESP%d) differs from redis-sentinel\n reference:  %r\n"
            " under test: %r\n raw reference:  %r\n raw under test: %r"
            % (" ".join(map(str, args)), resp, ref_shape, dut_shape,
               ref_reply, dut_reply))


# ---------------------------------------------------------------- tests

def parse(data):
    c = Client.__new__(Client)
    c.sock = None
    c.buf = b""
    c.feed(data)
    reply = c.read_reply()
    assert c.buf == b"", "bytes left: %r" % c.buf
    return reply


def test_resp2_types():
    assert type_name(parse(b"+OK\r\n")) == "status"
    assert type_name(parse(b"-ERR x\r\n")) == "error"
    assert parse(b":-7\r\n") == -7
    assert parse(b"$3\r\na\r\n\r\n") == b"a\r\n"
    assert type_name(parse(b"$-1\r\n")) == "null-bulk"
    assert type_name(parse(b"*-1\r\n")) == "null-array"
    assert parse(b"*2\r\n$1\r\na\r\n:1\r\n") == [b"a", 1]


def test_resp3_types():
    m = parse(b"%2\r\n$1\r\na\r\n:1\r\n+b\r\n*0\r\n")
    assert type_name(m) == "map" and m == [(b"a", 1), ("b", [])]
    assert shape_types(m) == ["map", [("a", "int"), ("b", ["array", []])]]
    assert type_name(parse(b"_\r\n")) == "null"
    assert type_name(parse(b"~1\r\n+x\r\n")) == "set"
    assert type_name(parse(b">2\r\n$1\r\na\r\n:1\r\n")) == "push"
    assert parse(b",1.5\r\n") == 1.5 and type_name(parse(b",inf\r\n")) \
        == "double"
    assert type_name(parse(b"#t\r\n")) == "bool" and parse(b"#f\r\n") == 0
    assert type_name(parse(b"(12345678901234567890\r\n")) == "bignum"
    v = parse(b"=7\r\ntxt:abc\r\n")
    assert type_name(v) == "verbatim" and v == b"abc" and v.fmt == b"txt"
    assert type_name(parse(b"!5\r\nERR x\r\n")) == "error"
    assert parse(b"|1\r\n+k\r\n+v\r\n:3\r\n") == 3


def test_masking():
    assert mask_text("a 12 b -3 " + "ab" * 20) == "a <n> b <n> <id>"
    assert shape_masked([b"x1", 5, None]) == [
        "array", [["bulk", "x<n>"], ["int", "<n>"], "null-bulk"]]
