"""Notification scripts run by a real daemon: arguments, environment and
file descriptors the script sees, SENTINEL PENDING-SCRIPTS and INFO while
scripts run, the kill after script-max-execution-time, and SENTINEL SET of
a script path refused by default.

One master with one replica of replica-priority 0 (so no failover can
happen) and three sentinels, each with quorum 1: the first runs a recorder
script whose path holds spaces, quotes and shell syntax; the second runs a
script that hangs, with script-max-execution-time 1500 ms; the third
one's script fails with exit code 2.  The fixture freezes the master with
SIGSTOP once, and every test reads what followed.
"""

import json
import os
import re
import signal
import stat
import time
from types import SimpleNamespace

import pytest

import harness
from harness import wait_until

NAME = "mymaster"
MAX_EXEC_MS = 1500
DISCOVERY_TIMEOUT_S = 10.0
SCRIPT_TIMEOUT_S = 10.0
DENIED = ("ERR Reconfiguration of scripts path is denied for security "
          "reasons. Check the deny-scripts-reconfig configuration directive "
          "in your Sentinel configuration")
ENV_NAME = "SENTINELD_SCRIPT_TEST_ENV"

# Runs from the sentinel's directory (its `dir`) and appends what it saw
# there.  The fd list is read first, so only listdir's own fd is extra.
RECORDER = """#!/usr/bin/python3
import json, os, sys
fds = sorted(int(x) for x in os.listdir("/proc/self/fd"))
record = {
    "argv": sys.argv,
    "fds": fds,
    "stdin": os.readlink("/proc/self/fd/0"),
    "stdout": os.readlink("/proc/self/fd/1"),
    "env": os.environ.get("%s"),
    "pid": os.getpid(),
    "pgid": os.getpgid(0),
}
with open(os.path.join(os.getcwd(), "notify.jsonl"), "a") as f:
    f.write(json.dumps(record) + "\\n")
""" % ENV_NAME

# Exit code 2: a failure that is final, never retried.
FAILING = """#!/bin/sh
exit 2
"""

# Starts a child and waits, so that a timeout must kill both.
HANG = """#!/bin/sh
sleep 60 &
echo "$$ $!" >> "$PWD/hang.pids"
wait
"""


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, stat.S_IRWXU)


def config_quote(path):
    """path as one double-quoted config argument."""
    return '"%s"' % path.replace("\\", "\\\\").replace('"', '\\"')


def pid_gone(pid):
    """True when pid no longer runs (missing, or a zombie nobody reaped)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture(scope="module")
def world(module_constellation):
    c = module_constellation
    scripts_dir = os.path.join(c.root, "scripts dir")
    os.makedirs(scripts_dir)
    recorder = os.path.join(scripts_dir, "it's a \"notify\" $(touch x) ;.py")
    hang = os.path.join(scripts_dir, "hang.sh")
    failing = os.path.join(scripts_dir, "fail.sh")
    write_script(recorder, RECORDER)
    write_script(hang, HANG)
    write_script(failing, FAILING)

    master = c.master()
    replica = c.replica(master, priority=0)
    c.wait_replication(master, 1)
    os.environ[ENV_NAME] = "inherited value"
    try:
        recording = c.sentinel(masters=[dict(
            port=master.port, quorum=1, down_after_ms=1000,
            extra=["notification-script {name} %s" % config_quote(recorder)])])
        hanging = c.sentinel(masters=[dict(
            port=master.port, quorum=1, down_after_ms=1000,
            extra=["notification-script {name} %s" % config_quote(hang)])],
            # Redis Sentinel has a fixed 60 s and no such directive.
            lines=[] if harness.is_reference() else [
                "sentinel script-max-execution-time %d" % MAX_EXEC_MS])
        failing_sentinel = c.sentinel(masters=[dict(
            port=master.port, quorum=1, down_after_ms=1000,
            extra=["notification-script {name} %s" % config_quote(failing)])])
    finally:
        del os.environ[ENV_NAME]
    for s in (recording, hanging, failing_sentinel):
        def known(s=s):
            d = dict(harness.pairs(s.call("SENTINEL", "MASTER", NAME)))
            return d["num-slaves"] == "1"
        wait_until(known, DISCOVERY_TIMEOUT_S, "%s to see the replica" % s.name,
                   c.procs())
    events = c.collector(hanging)
    failing_events = c.collector(failing_sentinel)
    master.pause()
    yield SimpleNamespace(c=c, master=master, replica=replica,
                          recording=recording, hanging=hanging,
                          recorder=recorder, hang=hang, events=events,
                          failing=failing, failing_sentinel=failing_sentinel,
                          failing_events=failing_events)
    # A sentinel leaves running scripts behind when it exits (as Redis
    # Sentinel does): stop it while the master is still frozen, so that no
    # new event starts one, then end what the hanging script started.
    hanging.stop()
    time.sleep(0.3)
    for pair in hang_pids(hanging):
        for pid in pair:
            if not pid_gone(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def hang_pids(sentinel):
    """(script pid, child pid) pairs the hanging script wrote."""
    try:
        with open(os.path.join(sentinel.dir, "hang.pids")) as f:
            return [tuple(int(x) for x in line.split()) for line in f]
    except OSError:
        return []


def records(sentinel):
    try:
        with open(os.path.join(sentinel.dir, "notify.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []


def pending(sentinel):
    """SENTINEL PENDING-SCRIPTS as a list of dicts (RESP2 field lists)."""
    out = []
    for item in sentinel.call("SENTINEL", "PENDING-SCRIPTS"):
        assert isinstance(item, list) and len(item) == 10, item
        keys = [item[i] for i in range(0, 10, 2)]
        assert all(isinstance(k, bytes) for k in keys), item
        out.append(dict(zip([k.decode() for k in keys], item[1::2])))
    return out


def test_pending_scripts_and_info_while_running(world):
    s = world.hanging

    def running():
        jobs = [j for j in pending(s) if j["flags"] == b"running"]
        return jobs or None
    jobs = wait_until(running, SCRIPT_TIMEOUT_S, "a running script", [s])
    job = jobs[0]
    # Redis Sentinel 7.0 sends exactly these fields, in this order, every
    # value a bulk string.
    assert list(job) == ["argv", "flags", "pid", "run-time", "retry-num"]
    assert job["argv"][0] == world.hang.encode()
    assert len(job["argv"]) == 3
    assert re.fullmatch(rb"\d+", job["pid"]) and int(job["pid"]) > 0
    assert re.fullmatch(rb"\d+", job["run-time"])
    assert job["retry-num"] == b"1"

    info = s.client().info("sentinel")
    assert info["sentinel_running_scripts"] > 0, info
    assert info["sentinel_scripts_queue_length"] >= \
        info["sentinel_running_scripts"], info

    # RESP3: the same fields as a map per script.
    with s.raw() as rc:
        rc.send_raw(harness.encode_command("HELLO", "3"))
        rc.send_raw(harness.encode_command("SENTINEL", "PENDING-SCRIPTS"))
        data = b""
        deadline = time.monotonic() + 5
        while b"retry-num" not in data and time.monotonic() < deadline:
            data += rc.sock.recv(65536)
    assert re.search(rb"\*\d+\r\n%5\r\n\$4\r\nargv\r\n\*3\r\n", data), data


@pytest.mark.sentineld_only
def test_hanging_script_killed_after_max_execution_time(world):
    s = world.hanging
    ev = world.events.wait_for(
        "-script-timeout", re.escape(world.hang) + r" \d+", SCRIPT_TIMEOUT_S)
    pid = int(ev[2].rsplit(" ", 1)[1])
    # The script and the child it started (its process group) are gone.
    pairs = hang_pids(s)
    started = [p for p in pairs if p[0] == pid]
    assert started, (pid, pairs)
    wait_until(lambda: all(pid_gone(p) for p in started[0]), 5.0,
               "script %d and its child to die" % pid, [s])

    # Killed by a signal counts as exit code 1 in Redis Sentinel: the job
    # waits 30 s for its next run.
    def rescheduled():
        jobs = [j for j in pending(s) if j["flags"] == b"scheduled"]
        return jobs or None
    job = wait_until(rescheduled, 5.0, "a rescheduled script", [s])[0]
    assert list(job) == ["argv", "flags", "pid", "run-delay", "retry-num"]
    assert job["pid"] == b"0"
    assert 20000 < int(job["run-delay"]) <= 30000, job
    assert job["retry-num"] == b"1"
    # Not -script-error: that only comes when a script is given up.
    assert not world.events.find("-script-error")


def test_exit_code_2_is_reported_and_not_retried(world):
    # -script-error <path> <signal> <exit code>, as Redis Sentinel 7.0.
    world.failing_events.wait_for(
        "-script-error", re.escape(world.failing) + " 0 2", SCRIPT_TIMEOUT_S)
    s = world.failing_sentinel
    wait_until(lambda: pending(s) == [], 5.0, "the queue to empty", [s])


def test_notification_script_arguments(world):
    s, m = world.recording, world.master
    sdown = ["+sdown", "master %s 127.0.0.1 %d" % (NAME, m.port)]

    def seen(event):
        return [r for r in records(s) if r["argv"][1:2] == [event]]
    wait_until(lambda: seen("+sdown"), SCRIPT_TIMEOUT_S, "+sdown recorded",
               [s])
    rec = seen("+sdown")[0]
    # The path is run literally: no shell ever saw it.
    assert rec["argv"] == [world.recorder] + sdown
    assert not os.path.exists(os.path.join(s.dir, "x"))
    # Text with shell syntax in it arrives as one argument, unchanged.
    odown = wait_until(lambda: seen("+odown"), SCRIPT_TIMEOUT_S,
                       "+odown recorded", [s])[0]
    assert re.fullmatch(r"master %s 127\.0\.0\.1 %d #quorum \d/1"
                        % (NAME, m.port), odown["argv"][2]), odown
    assert len(odown["argv"]) == 3


def test_script_sees_no_daemon_descriptor(world):
    recs = wait_until(lambda: records(world.recording), SCRIPT_TIMEOUT_S,
                      "a recorded run", [world.recording])
    for rec in recs:
        # 0-2 and the one listdir opened; nothing of the daemon's.
        assert rec["fds"] == [0, 1, 2, 3], rec
        assert rec["env"] == "inherited value", rec
        if harness.is_reference():
            continue
        # Our choices (Redis Sentinel shares its stdio and process group):
        # no input, output discarded, a group of its own.
        assert rec["stdin"] == "/dev/null", rec
        assert rec["stdout"] == "/dev/null", rec
        assert rec["pgid"] == rec["pid"], rec


@pytest.mark.parametrize("option", ["notification-script",
                                    "client-reconfig-script"])
def test_set_script_denied_by_default(world, option):
    s = world.recording
    for path in ("/bin/true", world.hang, ""):
        reply = s.call("SENTINEL", "SET", NAME, option, path)
        assert reply == DENIED, reply
    d = dict(harness.pairs(s.call("SENTINEL", "MASTER", NAME)))
    assert d.get("notification-script") == world.recorder
    assert "client-reconfig-script" not in d
