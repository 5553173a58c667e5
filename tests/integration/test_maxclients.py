"""maxclients: connections past it are refused with Redis's error, INFO
clients shows it, and a low open-file limit is raised to fit it (or
maxclients lowered to fit the limit), as redis-server does at start-up."""
import os
import re
import subprocess

import harness

FULL = "ERR max number of clients reached"


def info_maxclients(s):
    text = s.call("INFO", "clients").decode()
    m = re.search(r"^maxclients:(\d+)\r?$", text, re.M)
    assert m, "no maxclients in INFO clients:\n%s" % text
    return int(m.group(1))


def read_refusal(port):
    """Connects and returns what the server says before closing."""
    c = harness.RawClient(port, timeout=5)
    try:
        c.send_raw(b"PING\r\n")
        try:
            return c.read_reply()
        except ConnectionError:
            return None
    finally:
        c.close()


def test_client_past_maxclients_is_refused(constellation):
    s = constellation.sentinel(start=False)
    s.lines.append("maxclients 3")
    s.start()
    held = []
    try:
        for _ in range(3):
            c = harness.RawClient(s.port)
            assert c.call("PING") == "PONG"
            held.append(c)
        reply = read_refusal(s.port)
        assert isinstance(reply, harness.Error) and reply == FULL, \
            "fourth client got %r" % (reply,)
        assert held[0].call("PING") == "PONG"
        text = held[0].call("INFO", "clients").decode()
        assert "maxclients:3\r\n" in text, text
        assert "connected_clients:3\r\n" in text, text
        stats = held[0].call("INFO", "stats").decode()
        assert re.search(r"^rejected_connections:[1-9]", stats, re.M), stats
        # A place frees up when a client leaves.
        held.pop().close()
        harness.wait_until(
            lambda: "connected_clients:2\r\n" in
            held[0].call("INFO", "clients").decode(),
            5, "the server to see the client leave", [s])
        c = harness.RawClient(s.port)
        assert c.call("PING") == "PONG"
        held.append(c)
    finally:
        for c in held:
            c.close()


def test_default_maxclients_is_10000(constellation):
    s = constellation.sentinel()
    assert info_maxclients(s) == 10000


def test_bad_maxclients_names_file_and_line(constellation, binary, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port 0\nmaxclients 0\n")
    out = subprocess.run([binary, str(conf), "--test-config"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "bad.conf:2:" in out.stderr and "maxclients" in out.stderr, out.stderr


def test_low_open_file_limit_is_raised_or_maxclients_lowered(constellation):
    """Started under `ulimit -n 64`: either the limit goes up to
    maxclients + 32 (root may raise it) or maxclients comes down to fit,
    and the log and INFO agree on which."""
    s = constellation.sentinel(start=False)
    s.write_config()
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    s.spawn(["prlimit", "--nofile=64:64", s.binary, s.conf_path], env=env)
    s.wait_ready()
    with open(s.log_path) as f:
        log = f.read()
    got = info_maxclients(s)
    if "Increased maximum number of open files to 10032 (it was originally set to 64)" in log:
        assert got == 10000
    else:
        assert "maxclients has been reduced to 32" in log, log
        assert got == 32
