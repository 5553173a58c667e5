"""The server commands around SENTINEL that clients and tools use: CLIENT,
pub/sub, PUBLISH on the hello channel, COMMAND, SENTINEL HELP, SHUTDOWN.
"""

from types import SimpleNamespace

import pytest

import harness
from harness import Error, Status, wait_until


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    s = c.sentinel(masters=[dict(port=master.port, quorum=1)])
    return SimpleNamespace(c=c, master=master, sentinel=s)


def test_client_setname_getname_id_list(setup):
    with setup.sentinel.raw() as c:
        assert c.call("CLIENT", "GETNAME") is None
        assert c.call("CLIENT", "SETNAME", "tester-1") == Status("OK")
        assert c.call("CLIENT", "GETNAME") == b"tester-1"
        my_id = c.call("CLIENT", "ID")
        assert type(my_id) is int and my_id > 0
        listing = c.call("CLIENT", "LIST")
        assert isinstance(listing, bytes), listing
        mine = [line for line in listing.decode().splitlines()
                if line.startswith("id=%d " % my_id)]
        assert len(mine) == 1, listing
        assert " name=tester-1 " in mine[0] and " addr=127.0.0.1:" in mine[0]
        reply = c.call("CLIENT", "SETNAME", "has space")
        assert isinstance(reply, Error) and reply.startswith("ERR"), reply
        assert c.call("CLIENT", "GETNAME") == b"tester-1"


def test_client_kill_by_id(setup):
    with setup.sentinel.raw() as victim, setup.sentinel.raw() as killer:
        victim_id = victim.call("CLIENT", "ID")
        assert killer.call("CLIENT", "KILL", "ID", victim_id) == 1
        assert victim.is_closed(2), "the killed client is still connected"
        assert killer.call("CLIENT", "KILL", "ID", 99999999) == 0
        assert killer.call("PING") == Status("PONG")


def test_subscribe_flow(setup):
    with setup.sentinel.raw() as c:
        # Commands on several channels get one reply per channel.
        c.send_raw(harness.encode_command("SUBSCRIBE", "a", "b"))
        assert c.read_reply() == [b"subscribe", b"a", 1]
        assert c.read_reply() == [b"subscribe", b"b", 2]
        # In subscriber mode PING answers in the pub/sub form.
        assert c.call("PING") == [b"pong", b""]
        assert c.call("PSUBSCRIBE", "+*") == [b"psubscribe", b"+*", 3]
        assert c.call("PUNSUBSCRIBE") == [b"punsubscribe", b"+*", 2]
        c.send_raw(harness.encode_command("UNSUBSCRIBE"))
        first, second = c.read_reply(), c.read_reply()
        assert sorted([first[:2], second[:2]]) == [[b"unsubscribe", b"a"],
                                                   [b"unsubscribe", b"b"]]
        assert second[2] == 0
        assert c.call("PING") == Status("PONG")


def test_publish_only_on_the_hello_channel(setup):
    reply = setup.sentinel.call("PUBLISH", "other", "x")
    assert isinstance(reply, Error) and reply.startswith("ERR"), reply
    reply = setup.sentinel.call("PUBLISH", "__sentinel__:hello", "junk")
    assert type(reply) is int, reply
    assert setup.sentinel.call("PING") == Status("PONG")


def test_command_describes_the_sentinel_table(setup):
    count = setup.sentinel.call("COMMAND", "COUNT")
    assert type(count) is int and count > 5, count
    table = setup.sentinel.call("COMMAND")
    assert isinstance(table, list) and len(table) == count
    names = {entry[0] for entry in table}
    assert {b"ping", b"sentinel", b"info", b"subscribe"} <= names, names
    assert b"get" not in names and b"set" not in names


def test_sentinel_help(setup):
    reply = setup.sentinel.call("SENTINEL", "HELP")
    assert isinstance(reply, list) and len(reply) > 5
    assert all(isinstance(line, Status) for line in reply), reply
    text = "\n".join(reply)
    for sub in ("CKQUORUM", "GET-MASTER-ADDR-BY-NAME", "IS-MASTER-DOWN-BY-ADDR",
                "MASTERS", "MYID", "REPLICAS", "SENTINELS"):
        assert sub in text, sub


def test_shutdown_exits_cleanly_and_keeps_state(constellation):
    master = constellation.master()
    s = constellation.sentinel(masters=[dict(port=master.port, quorum=1)])
    myid = s.myid()
    with s.raw() as c:
        c.send_raw(harness.encode_command("SHUTDOWN"))
        assert c.is_closed(5), "SHUTDOWN left the connection open"
    wait_until(lambda: not s.alive(), 5, "exit after SHUTDOWN", [s])
    assert s.popen.returncode == 0, s.describe()
    assert "sentinel myid %s" % myid in s.config_file()
