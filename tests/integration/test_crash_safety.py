"""Crash safety of the persisted state (sentinel.conf).

The config file is the sentinel's memory across restarts: its id, its
current epoch and, per master, the epoch it last voted in and the config
epoch.  Losing any of them lets a restarted sentinel vote twice in one
epoch or go back to an older view of the constellation.  These tests make
the daemon rewrite its config as fast as it can (votes, hellos from peers,
SENTINEL SET, FLUSHCONFIG, RESET), kill it with SIGKILL at random moments,
and check every time that

  - the file still loads (`sentineld <conf> --test-config` exits 0);
  - the id never changes and no epoch goes backwards;
  - whatever the daemon acknowledged before it died is in the file (a vote
    is answered only once it is on disk, a hello's epochs are on disk when
    PUBLISH returns);
  - after a restart it does not vote again in an epoch it voted in.

With a full disk (a small tmpfs, mounted as root; skipped where mounting is
not permitted) a rewrite must fail cleanly: the old file stays byte for
byte, no temp file is left, and SENTINEL FLUSHCONFIG / SENTINEL SET reply
with an error.
"""

import os
import random
import re
import subprocess
import threading
import time

import pytest

import harness

ITERATIONS = int(os.environ.get("CRASH_ITERATIONS", "40"))
# Kills land this long after the hammering starts (uniformly).
KILL_AFTER_S = (0.02, 0.5)

pytestmark = pytest.mark.sentineld_only


def conf_values(text):
    """The persisted state in a config text: myid, current-epoch and the
    per-master epochs of mymaster (the last line of each wins)."""
    values = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "sentinel":
            if words[1] == "myid":
                values["myid"] = words[2]
            elif words[1] == "current-epoch":
                values["current"] = int(words[2])
            elif words[1] in ("leader-epoch", "config-epoch") and \
                    len(words) == 4 and words[2] == "mymaster":
                values[words[1]] = int(words[3])
    return values


def temp_files(directory, conf_name="sentinel.conf"):
    """Temp files of unfinished rewrites left in directory."""
    prefix = "." + conf_name + ".tmp-"
    return sorted(n for n in os.listdir(directory) if n.startswith(prefix))


def check_loads(binary, sentinel):
    """The config file must load: --test-config exits 0."""
    rc, text, _ = harness.run_sentinel_once(
        binary, sentinel.dir, args=[sentinel.conf_path, "--test-config"])
    assert rc == 0, "config no longer loads (rc %s):\n%s\n--- file:\n%s" % (
        rc, text, sentinel.config_file())


class Hammer:
    """Drives rewrites over one connection until the daemon dies and keeps
    the highest values the daemon acknowledged."""

    def __init__(self, sentinel, master_port, rng, epoch, config_epoch,
                 peer_ports):
        self.sentinel = sentinel
        self.master_port = master_port
        self.rng = rng
        self.epoch = epoch
        self.config_epoch = config_epoch
        self.peer_ports = peer_ports
        self.acked = {"current": 0, "leader-epoch": 0, "config-epoch": 0}
        self.votes = {}          # epoch -> run id we asked a vote for
        self.commands = 0
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def join(self):
        self.thread.join(10)
        assert not self.thread.is_alive(), "hammer thread hung"
        if self.error:
            raise self.error

    def _ack(self, key, value):
        self.acked[key] = max(self.acked[key], value)

    def _vote(self, conn):
        self.epoch += 1
        runid = "%040x" % self.rng.getrandbits(160)
        reply = conn.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1",
                          self.master_port, self.epoch, runid)
        # A fresh epoch: the vote must go to the asker, in that epoch.
        assert reply[1] == runid.encode() and reply[2] == self.epoch, \
            "vote in fresh epoch %d for %s answered %r" % (
                self.epoch, runid, reply)
        self.votes[self.epoch] = runid
        self._ack("current", self.epoch)
        self._ack("leader-epoch", self.epoch)

    def _hello(self, conn):
        # Config epochs stay at or below the current epoch, as a real
        # peer's do.
        self.epoch += 1
        self.config_epoch += 1
        port = self.rng.choice(self.peer_ports)
        payload = "127.0.0.1,%d,%040x,%d,mymaster,127.0.0.1,%d,%d" % (
            port, self.rng.getrandbits(160), self.epoch, self.master_port,
            self.config_epoch)
        reply = conn.call("PUBLISH", "__sentinel__:hello", payload)
        assert reply == 1, "PUBLISH hello answered %r" % (reply,)
        self._ack("current", self.epoch)
        self._ack("config-epoch", self.config_epoch)

    def _other(self, conn):
        pick = self.rng.random()
        if pick < 0.4:
            reply = conn.call("SENTINEL", "FLUSHCONFIG")
        elif pick < 0.8:
            reply = conn.call("SENTINEL", "SET", "mymaster",
                              "down-after-milliseconds",
                              self.rng.choice([60000, 61000, 123456789]))
        else:
            reply = conn.call("SENTINEL", "RESET", "mymaster")
        assert not isinstance(reply, harness.Error), \
            "rewrite command failed: %r" % (reply,)

    def _run(self):
        try:
            with self.sentinel.raw(timeout=5) as conn:
                while True:
                    pick = self.rng.random()
                    if pick < 0.35:
                        self._vote(conn)
                    elif pick < 0.7:
                        self._hello(conn)
                    else:
                        self._other(conn)
                    self.commands += 1
        except (ConnectionError, OSError, harness.RespError):
            return  # killed under us: expected
        except AssertionError as exc:
            self.error = exc


def test_kill_during_rewrites(constellation, binary):
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    master_port = harness.free_port()
    # Peers that announce themselves by hello; nothing listens there.
    peer_ports = [harness.free_port() for _ in range(4)]
    s = constellation.sentinel(
        start=False, masters=[dict(port=master_port, quorum=2,
                                   down_after_ms=60000)])
    s.start()
    myid = s.myid()
    epoch = config_epoch = 0
    floor = {"current": 0, "leader-epoch": 0, "config-epoch": 0}
    leftovers = 0
    total = 0
    for i in range(ITERATIONS):
        where = "iteration %d (CRASH_SEED=%d)" % (i, seed)
        hammer = Hammer(s, master_port, rng, epoch, config_epoch,
                        peer_ports).start()
        time.sleep(rng.uniform(*KILL_AFTER_S))
        s.kill()
        hammer.join()
        total += hammer.commands
        epoch, config_epoch = hammer.epoch, hammer.config_epoch

        check_loads(binary, s)
        values = conf_values(s.config_file())
        assert values.get("myid") == myid, "%s: myid changed: %r" % (
            where, values)
        for key in floor:
            got = values.get(key, 0)
            want = max(floor[key], hammer.acked[key])
            assert got >= want, (
                "%s: %s is %d in the file, but %d was %s\n%s" % (
                    where, key, got, want,
                    "acknowledged" if hammer.acked[key] == want
                    else "on disk before", s.config_file()))
            floor[key] = got
        leftovers += len(temp_files(s.dir))

        s.start(write_config=False)
        assert s.myid() == myid, "%s: restarted with another id" % where
        assert temp_files(s.dir) == [], (
            "%s: temp files of an interrupted save kept after a restart: %s"
            % (where, temp_files(s.dir)))
        # Already voted in the last acknowledged epoch: no second vote.
        last = max(hammer.votes) if hammer.votes else 0
        if last:
            other = "%040x" % rng.getrandbits(160)
            reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1",
                           master_port, last, other)
            assert reply[1] != other.encode(), (
                "%s: voted again in epoch %d after a restart: %r" % (
                    where, last, reply))
    print("crash-safety: %d kills, %d commands, %d temp files left"
          % (ITERATIONS, total, leftovers))
    assert total > ITERATIONS, "too few rewrites were driven (%d)" % total
    # Temp files of rewrites cut short are left behind (never read back);
    # they must at least not outnumber the kills.
    assert leftovers <= ITERATIONS


# ---------------------------------------------------------------- full disk

@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MiB tmpfs mounted under tmp_path; skipped if mount is refused."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755",
                          "sentineld-test", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % res.stderr.strip())
    try:
        yield str(mnt)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(directory):
    """Writes a file until the file system is full."""
    path = os.path.join(directory, "filler")
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError:
                break
    # Small writes may still fit in a partly used page; take those too.
    with open(path, "ab", buffering=0) as f:
        while True:
            try:
                if f.write(b"\0") != 1:
                    break
            except OSError:
                break
    return path


def test_full_disk_keeps_old_file(constellation, binary, small_tmpfs):
    master_port = harness.free_port()
    s = constellation.sentinel(
        start=False, masters=[dict(port=master_port, quorum=2,
                                   down_after_ms=60000)])
    s.conf_path = os.path.join(small_tmpfs, "sentinel.conf")
    s.start()
    assert s.call("SENTINEL", "FLUSHCONFIG") == "OK"
    before_text = s.config_file()
    assert "sentinel myid" in before_text

    filler = fill(small_tmpfs)
    with open(s.conf_path, "rb") as f:
        before = f.read()

    reply = s.call("SENTINEL", "FLUSHCONFIG")
    assert isinstance(reply, harness.Error) and reply.startswith("ERR"), \
        "FLUSHCONFIG on a full disk answered %r" % (reply,)
    reply = s.call("SENTINEL", "SET", "mymaster", "down-after-milliseconds",
                   "4321")
    assert isinstance(reply, harness.Error) and reply.startswith("ERR"), \
        "SENTINEL SET on a full disk answered %r" % (reply,)
    with open(s.conf_path, "rb") as f:
        after = f.read()
    assert after == before, "config changed on a full disk:\n%s" % after
    assert temp_files(small_tmpfs) == [], \
        "temp files left: %s" % temp_files(small_tmpfs)
    assert s.alive(), "sentinel died on a full disk\n%s" % s.describe()

    os.unlink(filler)
    assert s.call("SENTINEL", "FLUSHCONFIG") == "OK"
    check_loads(binary, s)
    assert re.search(r"^sentinel myid ", s.config_file(), re.M)


def test_full_disk_vote_is_not_announced(constellation, small_tmpfs):
    """A vote that cannot be written must not be given: after a crash the
    sentinel would not know it voted, and could vote again."""
    master_port = harness.free_port()
    s = constellation.sentinel(
        start=False, masters=[dict(port=master_port, quorum=2,
                                   down_after_ms=60000)])
    s.conf_path = os.path.join(small_tmpfs, "sentinel.conf")
    s.start()
    fill(small_tmpfs)
    runid = "%040x" % random.getrandbits(160)
    reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1",
                   master_port, 7, runid)
    # Redis Sentinel answers with the vote; we answer with no leader.
    assert isinstance(reply, list) and reply[1:] == [b"*", 0], \
        "a vote was answered although it could not be saved: %r" % (reply,)
    # Still no vote for anyone else in that epoch, saved or not.
    other = "%040x" % random.getrandbits(160)
    reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1",
                   master_port, 7, other)
    assert isinstance(reply, list) and reply[1] != other.encode(), reply
    assert s.alive(), "sentinel died on a full disk\n%s" % s.describe()
