"""The sentinel port behind a password and ACL users, as redis-sentinel 7.0
guards it: `requirepass`, `user` lines in the config, AUTH user pass,
HELLO AUTH, NOPERM for commands and channels a user may not use, ACL
LIST / GETUSER / SETUSER / DELUSER, redis-py's Sentinel with a password,
and values that would inject lines into the config file refused.

The expected ACL LIST lines and error texts were printed by Debian's
redis-sentinel 7.0.15 for the same config; run with
SENTINELD_BIN=/usr/bin/redis-sentinel to see it pass there too.
"""

import hashlib

import pytest
import redis
import redis.sentinel

import harness
from harness import Error, Status

NAME = "mymaster"
PASSWORD = "toppass"
WRONGPASS = ("WRONGPASS invalid username-password pair or user is "
             "disabled.")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


USERS = [
    "user alice on >alicepw ~* &* +@all",
    "user bob on #%s -@all +ping +sentinel|get-master-addr-by-name"
    % sha("secret"),
    "user carol off >x",
    "user dave on nopass +@all",
    "user eve on >evepw +@all resetchannels &+switch-master",
]

# Printed by redis-sentinel 7.0.15's ACL LIST for USERS and requirepass.
ACL_LIST = [
    "user alice on #%s ~* &* +@all" % sha("alicepw"),
    "user bob on #%s resetchannels -@all +ping "
    "+sentinel|get-master-addr-by-name" % sha("secret"),
    "user carol off #%s resetchannels -@all" % sha("x"),
    "user dave on nopass resetchannels +@all",
    "user default on #%s ~* &* +@all" % sha(PASSWORD),
    "user eve on #%s resetchannels &+switch-master +@all" % sha("evepw"),
]


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    s = c.sentinel(masters=[dict(port=master.port, quorum=1)],
                   lines=["requirepass %s" % PASSWORD] + USERS)
    return c, master, s


def normal(line):
    """An ACL LIST line with its command rules after the first sorted:
    Redis rebuilds them from a bitmap, in an order that varies."""
    words = line.split()
    at = next(i for i, w in enumerate(words) if w in ("+@all", "-@all"))
    return " ".join(words[:at + 1] + sorted(words[at + 1:]))


def acl_list(s):
    return [normal(x.decode()) for x in call_as(s, ("ACL", "LIST"))]


def call_as(s, args, user=None, password=PASSWORD):
    """Authenticates on a fresh connection, then sends args."""
    with s.raw() as conn:
        auth = conn.call("AUTH", *([user] if user else []), password)
        assert auth == Status("OK"), auth
        return conn.call(*args)


def test_noauth_before_auth(setup):
    _, _, s = setup
    with s.raw() as conn:
        for args in (("PING",), ("SENTINEL", "MASTERS"), ("ACL", "WHOAMI"),
                     ("SUBSCRIBE", "+sdown")):
            assert conn.call(*args) == Error("NOAUTH Authentication "
                                             "required."), args


def test_wrong_password_refused(setup):
    _, _, s = setup
    with s.raw() as conn:
        for args in (("nope",), ("default", "nope"), ("alice", PASSWORD),
                     ("carol", "x"), ("nobody", "x"), ("bob", "")):
            assert conn.call("AUTH", *args) == Error(WRONGPASS), args
        reply = conn.call("HELLO", "3", "AUTH", "default", "nope")
        assert reply == Error(WRONGPASS)
        # A failed AUTH leaves the connection as it was: still refused.
        assert conn.call("PING").startswith("NOAUTH")


def test_right_password_accepted(setup):
    _, master, s = setup
    with s.raw() as conn:
        assert conn.call("AUTH", PASSWORD) == Status("OK")
        assert conn.call("PING") == Status("PONG")
        assert conn.call("ACL", "WHOAMI") == b"default"
        assert conn.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME) == [
            b"127.0.0.1", str(master.port).encode()]
    with s.raw() as conn:
        reply = conn.call("HELLO", "2", "AUTH", "alice", "alicepw")
        assert isinstance(reply, list) and reply[:2] == [b"server",
                                                         b"redis"]
        assert conn.call("ACL", "WHOAMI") == b"alice"
        assert b"user=alice" in conn.call("CLIENT", "INFO")


def test_acl_users_and_noperm(setup):
    _, master, s = setup
    assert call_as(s, ("ACL", "WHOAMI"), "alice", "alicepw") == b"alice"
    assert call_as(s, ("PING",), "bob", "secret") == Status("PONG")
    assert call_as(s, ("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME),
                   "bob", "secret")[1] == str(master.port).encode()
    assert call_as(s, ("SENTINEL", "MASTERS"), "bob", "secret") == Error(
        "NOPERM this user has no permissions to run the "
        "'sentinel|masters' command")
    assert call_as(s, ("ACL", "WHOAMI"), "bob", "secret") == Error(
        "NOPERM this user has no permissions to run the 'acl|whoami' "
        "command")
    # nopass: any password.
    assert call_as(s, ("PING",), "dave", "anything") == Status("PONG")


def test_channel_permissions(setup):
    _, _, s = setup
    denied = Error("NOPERM this user has no permissions to access one of "
                   "the channels used as arguments")
    assert call_as(s, ("SUBSCRIBE", "+sdown"), "eve", "evepw") == denied
    assert call_as(s, ("PUBLISH", "__sentinel__:hello", "x"), "dave",
                   "x") == denied
    reply = call_as(s, ("SUBSCRIBE", "+switch-master"), "eve", "evepw")
    assert reply == [b"subscribe", b"+switch-master", 1]


def test_acl_list_as_redis_prints_it(setup):
    _, _, s = setup
    assert acl_list(s) == [normal(x) for x in ACL_LIST]
    assert call_as(s, ("ACL", "USERS")) == [b"alice", b"bob", b"carol",
                                           b"dave", b"default", b"eve"]
    user = call_as(s, ("ACL", "GETUSER", "bob"))
    assert normal(user[5].decode()) == normal(
        "-@all +ping +sentinel|get-master-addr-by-name")
    user[5] = b"(checked)"
    assert user == [b"flags", [b"on"], b"passwords",
                    [sha("secret").encode()], b"commands", b"(checked)",
                    b"keys", b"", b"channels", b"", b"selectors", []]
    assert call_as(s, ("ACL", "GETUSER", "nobody")) is None


def test_setuser_and_deluser(setup):
    _, _, s = setup
    bad = call_as(s, ("ACL", "SETUSER", "frank", "on", "+nosuch"))
    assert bad == Error("ERR Error in ACL SETUSER modifier '+nosuch': "
                        "Unknown command or category name in ACL")
    assert call_as(s, ("ACL", "SETUSER", "frank", "on", ">fpw",
                       "+@all")) == Status("OK")
    with s.raw() as frank:
        assert frank.call("AUTH", "frank", "fpw") == Status("OK")
        assert frank.call("PING") == Status("PONG")
        assert call_as(s, ("ACL", "DELUSER", "frank", "nobody")) == 1
        # Its connections go with it, as in Redis.
        assert frank.is_closed(timeout=2)
    assert call_as(s, ("ACL", "DELUSER", "default")) == Error(
        "ERR The 'default' user cannot be removed")


def test_redis_py_sentinel_with_password(setup):
    _, master, s = setup
    for kwargs in ({"password": PASSWORD},
                   {"username": "alice", "password": "alicepw"}):
        sentinel = redis.sentinel.Sentinel(
            [("127.0.0.1", s.port)], socket_timeout=5,
            sentinel_kwargs=dict(socket_timeout=5, **kwargs))
        assert sentinel.discover_master(NAME) == ("127.0.0.1", master.port)
    sentinel = redis.sentinel.Sentinel(
        [("127.0.0.1", s.port)], socket_timeout=5,
        sentinel_kwargs={"password": "wrong", "socket_timeout": 5})
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        sentinel.discover_master(NAME)


def test_users_survive_a_restart(setup):
    """Users are in the rewritten file, with hashed passwords."""
    c, master, s = setup
    # Any change makes both daemons rewrite the file.
    assert call_as(s, ("SENTINEL", "SET", NAME, "quorum", "1")) == Status(
        "OK")
    text = s.config_file()
    assert "alicepw" not in text
    written = [normal(x) for x in text.splitlines() if x.startswith("user ")]
    for line in ACL_LIST:
        if not line.startswith("user default"):
            assert normal(line) in written, (line, text)
    s.stop()
    s.start(write_config=False)
    assert call_as(s, ("ACL", "WHOAMI"), "alice", "alicepw") == b"alice"
    # Redis writes a `user default` line, and reading it back resets the
    # default user, which then shows sanitize-payload.
    listed = [x.replace(" sanitize-payload", "") for x in acl_list(s)]
    assert listed == [normal(x) for x in ACL_LIST]


@pytest.mark.sentineld_only  # redis-sentinel 7.0 accepts these values
def test_config_injection_refused(setup, tmp_path):
    c, _, s = setup
    attempts = [
        ("SENTINEL", "SET", NAME, "auth-pass", "x\nsentinel monitor evil "
                                               "127.0.0.1 1 1"),
        ("SENTINEL", "SET", NAME, "auth-user", "u\r\nrequirepass y"),
        ("SENTINEL", "CONFIG", "SET", "sentinel-pass", "x\r\nrequirepass y"),
        ("SENTINEL", "CONFIG", "SET", "sentinel-user", "u\n"),
        ("ACL", "SETUSER", "mallory", "~a\nuser root on nopass +@all"),
        ("ACL", "SETUSER", "mallory\nuser root", "on"),
    ]
    for args in attempts:
        reply = call_as(s, args)
        assert isinstance(reply, Error) and reply.startswith("ERR"), (
            args, reply)
    assert call_as(s, ("ACL", "GETUSER", "mallory")) is None
    # Awkward but legal bytes are quoted so that they read back the same.
    odd = "p a\"s's #x\\y"
    assert call_as(s, ("SENTINEL", "CONFIG", "SET", "sentinel-pass",
                       odd)) == Status("OK")
    text = s.config_file()
    assert "monitor evil" not in text and "user root" not in text
    rc, out, _ = harness.run_sentinel_once(
        s.binary, str(tmp_path), text, args=["--test-config"])
    assert rc == 0, out
    s.stop()
    s.start(write_config=False)
    reply = call_as(s, ("SENTINEL", "CONFIG", "GET", "sentinel-pass"))
    assert reply == [b"sentinel-pass", odd.encode()]
    assert call_as(s, ("SENTINEL", "CONFIG", "SET", "sentinel-pass",
                       "")) == Status("OK")


@pytest.mark.sentineld_only  # Redis saves ACL changes only with the next
def test_acl_changes_saved_at_once(setup):  # change of its config
    _, _, s = setup
    assert call_as(s, ("ACL", "SETUSER", "gina", "on", ">g",
                       "+ping")) == Status("OK")
    assert ("user gina on #%s resetchannels -@all +ping" % sha("g")
            in s.config_file().splitlines())
    assert call_as(s, ("ACL", "DELUSER", "gina")) == 1
    assert "user gina" not in s.config_file()


def test_bad_user_line_refused(module_constellation, tmp_path):
    """A rule naming a command the server lacks stops the start: a
    mistyped deny rule must not silently deny nothing."""
    text = ("port %d\nsentinel monitor m 127.0.0.1 1 1\n"
            "user x on >p +@all -sentinel|nosuch\n" % harness.free_port())
    rc, out, _ = harness.run_sentinel_once(module_constellation.binary,
                                           str(tmp_path), text)
    assert rc != 0
    assert "sentinel|nosuch" in out, out
