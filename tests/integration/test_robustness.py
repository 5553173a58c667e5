"""The client port under hostile or clumsy input.

Malformed requests get `-ERR Protocol error...` and never disturb other
clients; unknown commands and wrong arities get `-ERR` and the connection
stays usable; requirepass is enforced.
"""

import socket
import time
from types import SimpleNamespace

import pytest
import redis.sentinel

import harness
from harness import Error, Status, wait_until

GARBAGE = {
    "multibulk-count-not-a-number": b"*abc\r\n",
    "multibulk-count-binary": b"*\xff\xfe\x80\x81\r\n",
    "bulk-without-dollar": b"*1\r\nfoo\r\n",
    "bulk-length-not-a-number": b"*1\r\n$abc\r\n",
    "bulk-length-negative": b"*1\r\n$-5\r\n",
    "bulk-length-one-gigabyte": b"*1\r\n$1000000000\r\n",
    "bulk-length-overflows": b"*1\r\n$" + b"9" * 30 + b"\r\n",
    "unbalanced-double-quote": b'PING "abc\r\n',
    "unbalanced-single-quote": b"PING 'abc\r\n",
    "quote-not-followed-by-space": b'PING "a"b\r\n',
    "inline-line-without-end": b"a" * 100000,
    "multibulk-count-without-end": b"*" + b"1" * 70000,
}

PASSWORD = "s3cret-pass"


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    s = c.sentinel(masters=[dict(port=master.port, quorum=1)])
    return SimpleNamespace(c=c, master=master, sentinel=s)


def still_serving(sentinel):
    """A new connection still gets PONG and the daemon is alive."""
    assert sentinel.alive(), sentinel.describe()
    assert sentinel.call("PING") == Status("PONG"), sentinel.describe()


@pytest.mark.parametrize("case", sorted(GARBAGE))
def test_malformed_request_gets_protocol_error(setup, case):
    s = setup.sentinel
    # A client in the middle of a command, to show parsers are per client.
    with s.raw() as waiting, s.raw() as bad:
        waiting.send_raw(b"*2\r\n$4\r\nPING\r\n$5\r\nhel")
        try:
            bad.send_raw(GARBAGE[case])
            reply = bad.read_reply()
        except (ConnectionError, OSError) as exc:
            raise AssertionError("no error reply, connection lost: %s\n%s"
                                 % (exc, s.describe())) from None
        assert isinstance(reply, Error), reply
        assert reply.startswith("ERR Protocol error"), reply
        waiting.send_raw(b"lo\r\n")
        assert waiting.read_reply() == b"hello"
    still_serving(s)


def test_unknown_command_keeps_the_connection(setup):
    with setup.sentinel.raw() as c:
        reply = c.call("FROBNICATE", "x")
        assert isinstance(reply, Error), reply
        assert reply.startswith("ERR unknown command"), reply
        reply = c.call("GET", "key")
        assert reply.startswith("ERR unknown command"), reply
        assert c.call("PING") == Status("PONG")


def test_wrong_arity_keeps_the_connection(setup):
    with setup.sentinel.raw() as c:
        for cmd in (("SENTINEL",), ("SENTINEL", "MASTER"),
                    ("SENTINEL", "GET-MASTER-ADDR-BY-NAME"),
                    ("PING", "a", "b")):
            reply = c.call(*cmd)
            assert isinstance(reply, Error), (cmd, reply)
            assert reply.startswith("ERR wrong number of arguments"), (
                cmd, reply)
        reply = c.call("SENTINEL", "NO-SUCH-SUBCOMMAND")
        assert reply.startswith("ERR unknown subcommand"), reply
        assert c.call("PING") == Status("PONG")


def test_inline_and_pipelined_requests(setup):
    with setup.sentinel.raw() as c:
        c.send_raw(b"PING\r\n"
                   + harness.encode_command("ROLE")
                   + b"sentinel get-master-addr-by-name mymaster\r\n"
                   + b'PING "two words"\r\n'
                   + b"\r\n"
                   + harness.encode_command("PING"))
        assert c.read_reply() == Status("PONG")
        assert c.read_reply() == [b"sentinel", [b"mymaster"]]
        assert c.read_reply() == [b"127.0.0.1",
                                  str(setup.master.port).encode()]
        assert c.read_reply() == b"two words"
        assert c.read_reply() == Status("PONG")


def test_request_split_into_single_bytes(setup):
    with setup.sentinel.raw() as c:
        for b in harness.encode_command("SENTINEL", "MYID"):
            c.send_raw(bytes([b]))
            time.sleep(0.001)
        assert len(c.read_reply()) == 40


def test_large_argument_is_echoed(setup):
    big = b"x" * 200000
    assert setup.sentinel.call("PING", big) == big


def test_many_clients_at_once(setup):
    conns = [setup.sentinel.raw() for _ in range(64)]
    try:
        for c in conns:
            c.send_raw(harness.encode_command("PING"))
        for c in conns:
            assert c.read_reply() == Status("PONG")
    finally:
        for c in conns:
            c.close()
    still_serving(setup.sentinel)


def test_client_hanging_up_mid_reply(setup):
    # A client that asks for a lot and leaves without reading.
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", setup.sentinel.port))
        sock.sendall(harness.encode_command("INFO") * 200)
        sock.close()
    still_serving(setup.sentinel)


# ---------------------------------------------------------------- AUTH

@pytest.fixture(scope="module")
def protected(setup):
    return setup.c.sentinel(
        name="protected", masters=[dict(port=setup.master.port, quorum=1)],
        lines=["requirepass %s" % PASSWORD])


def test_requirepass_refuses_commands_before_auth(protected):
    with protected.raw() as c:
        for cmd in (("PING",), ("SENTINEL", "MASTERS"), ("INFO",)):
            reply = c.call(*cmd)
            assert isinstance(reply, Error), (cmd, reply)
            assert reply.startswith("NOAUTH"), (cmd, reply)


def test_auth_with_wrong_password(protected):
    with protected.raw() as c:
        reply = c.call("AUTH", "wrong")
        assert isinstance(reply, Error) and reply.startswith("WRONGPASS"), (
            reply)
        reply = c.call("AUTH", "default", "wrong")
        assert isinstance(reply, Error) and reply.startswith("WRONGPASS"), (
            reply)
        assert c.call("PING").startswith("NOAUTH")


def test_auth_with_right_password(protected):
    with protected.raw() as c:
        assert c.call("AUTH", PASSWORD) == Status("OK")
        assert c.call("PING") == Status("PONG")
        assert len(c.call("SENTINEL", "MASTERS")) == 1
    with protected.raw() as c:
        assert c.call("AUTH", "default", PASSWORD) == Status("OK")
        assert c.call("PING") == Status("PONG")


def test_redis_py_sentinel_with_password(protected, setup):
    client = redis.sentinel.Sentinel(
        [("127.0.0.1", protected.port)],
        sentinel_kwargs={"password": PASSWORD, "socket_timeout": 5})
    wait_until(lambda: client.discover_master("mymaster") == (
        "127.0.0.1", setup.master.port), 5, "discover_master with AUTH",
        [protected])
