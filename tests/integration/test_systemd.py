"""Running under systemd: sd_notify readiness and stopping over
$NOTIFY_SOCKET (path and abstract sockets), the unit file in contrib/,
JSON log lines, and SIGHUP reopening the log after rotation.

No systemd runs here: the tests play the service manager's part by
listening on a unix datagram socket themselves, which is all the
protocol is.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

import harness
from harness import wait_until

pytestmark = pytest.mark.sentineld_only

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
UNIT = os.path.join(ROOT, "contrib", "sentineld.service")


class Manager:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.2)
        self.messages = []

    def wait_for(self, key, timeout=harness.START_TIMEOUT_S):
        """Waits for a datagram with line key=...; returns it as a dict."""
        def got():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                data = None
            if data is not None:
                self.messages.append(dict(line.split("=", 1)
                                          for line in data.decode().split("\n") if line))
            return next((m for m in self.messages if key in m), None)
        return wait_until(got, timeout, "%s on the notification socket" % key,
                          interval=0)

    def close(self):
        self.sock.close()


def start_notified(c, monkeypatch, address, **kw):
    monkeypatch.setenv("NOTIFY_SOCKET", address)
    s = c.sentinel(start=False, **kw)
    s.start(wait=False)
    monkeypatch.delenv("NOTIFY_SOCKET")
    return s


@pytest.mark.parametrize("kind", ["path", "abstract"])
def test_ready_and_stopping_are_notified(constellation, monkeypatch, tmp_path, kind):
    master = constellation.master()
    if kind == "path":
        address = str(tmp_path / "notify.sock")
        mgr, env_value = Manager(address), address
    else:
        name = "sentineld-test-%d-%d" % (os.getpid(), time.monotonic_ns())
        mgr, env_value = Manager("\0" + name), "@" + name
    try:
        s = start_notified(constellation, monkeypatch, env_value,
                           masters=[dict(port=master.port, quorum=1)])
        ready = mgr.wait_for("READY")
        assert ready["READY"] == "1"
        assert int(ready["MAINPID"]) == s.pid
        assert ready["STATUS"] == "Monitoring 1 master(s)"
        # Ready means listening: the RESP port answers at once.
        assert s.call("PING") == "PONG"
        assert s.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")[1] == \
            str(master.port).encode()
        s.signal(signal.SIGTERM)
        assert mgr.wait_for("STOPPING")["STOPPING"] == "1"
        assert s.popen.wait(harness.STOP_TIMEOUT_S) == 0
        s.exit_codes.append(0)
    finally:
        mgr.close()


def test_no_notify_socket_is_fine(constellation):
    master = constellation.master()
    s = constellation.sentinel(masters=[dict(port=master.port, quorum=1)])
    assert s.call("PING") == "PONG"
    assert "notify" not in s.output().lower()


def test_unreachable_notify_socket_is_only_logged(constellation, monkeypatch, tmp_path):
    master = constellation.master()
    s = start_notified(constellation, monkeypatch, str(tmp_path / "nobody-listens"),
                       masters=[dict(port=master.port, quorum=1)])
    s.wait_ready()
    wait_until(lambda: "Could not notify systemd" in s.output(), 5,
               "a log line about the failed notification", [s])


def test_unit_file(tmp_path):
    with open(UNIT) as f:
        text = f.read()
    settings = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, value)
    assert settings["Type"] == "notify"
    assert settings["ExecStart"].split()[0].endswith("/sentineld")
    assert "-HUP" in settings["ExecReload"]
    assert settings["KillSignal"] == "SIGTERM"
    assert settings["WantedBy"] == "multi-user.target"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    # systemd's own checker, with ExecStart pointing at the binary under test.
    copy = str(tmp_path / "sentineld.service")
    with open(copy, "w") as f:
        f.write(text.replace(settings["ExecStart"].split()[0], harness.sentinel_bin()))
    res = subprocess.run([analyze, "verify", "--man=no", copy], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=60)
    out = res.stdout.decode("utf-8", "replace")
    assert res.returncode == 0, out
    assert "sentineld.service" not in out, out


def test_json_log_lines_and_reopen_on_sighup(constellation):
    master = constellation.master()
    s = constellation.sentinel(masters=[dict(port=master.port, quorum=1)],
                               lines=["log-format json"])

    def records(path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    recs = wait_until(lambda: [r for r in records(s.log_path) if "+monitor" in r["msg"]]
                      and records(s.log_path), 5, "the +monitor line", [s])
    for r in recs:
        assert set(r) >= {"ts", "pid", "level", "msg"}, r
        assert r["pid"] == s.pid
        assert r["level"] in ("debug", "verbose", "notice", "warning")
    # Rotation: move the file away, SIGHUP, and new lines go to a new file.
    rotated = s.log_path + ".1"
    os.rename(s.log_path, rotated)
    s.signal(signal.SIGHUP)
    wait_until(lambda: os.path.exists(s.log_path), 5, "the log file reopened", [s])
    assert s.call("SENTINEL", "FLUSHCONFIG") == "OK"
    wait_until(lambda: any("configuration saved" in r["msg"] for r in records(s.log_path)),
               5, "a JSON line in the new log file", [s])
    assert s.call("PING") == "PONG"
