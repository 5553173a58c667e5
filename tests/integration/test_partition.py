"""Real network partitions between real processes.

Three hosts, each a network namespace with one redis-server and one
sentinel, joined through a bridge that lives in a fourth namespace (the
switch).  Addresses are 10.x inside these namespaces only; nothing is added
to the namespace the tests run in.  A host is cut off by taking its switch
port down (`ip link set ... down` in the switch), which drops its traffic
both ways without a reset, the way a pulled cable or a dead switch port
does.  (`tc netem` would add loss and delay, but its qdisc is often not
built into the kernel, so the tests do not depend on it.)

The tests watch from outside without touching the partitioned network:
connections are opened inside each host's namespace to its loopback
(setns in a short-lived thread), so a cut host is still observed.  Every
sentinel's events are collected with PSUBSCRIBE *; at the end the events
must show at most one vote per sentinel per epoch, at most one elected
leader and at most one promoted replica per epoch, and the sentinels must
all name one master, which is a live node the other nodes replicate from.

Needs root (network namespaces); skipped with a message otherwise.  Every
namespace is removed at the end, also when a test fails; namespaces left by
a run that was killed are removed by the next run.
"""

import ctypes
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

import harness

pytestmark = pytest.mark.sentineld_only

REDIS_PORT = 6379
SENTINEL_PORT = 26379
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 10000
NS_PREFIX = "sdpt"
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


def ip(*args, check=True):
    """Runs `ip args...`; returns the completed process."""
    res = subprocess.run(["ip"] + [str(a) for a in args], capture_output=True,
                         text=True, timeout=10)
    if check and res.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(map(str, args)),
                                          res.stderr.strip()))
    return res


def in_netns(ns, fn):
    """Calls fn() in a thread that has entered network namespace ns (only
    that thread moves); returns its result or raises its exception.
    Sockets made there stay in ns."""
    out = {}

    def run():
        try:
            fd = os.open("/var/run/netns/%s" % ns, os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns(%s): %s" % (ns, os.strerror(err)))
            finally:
                os.close(fd)
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            out["error"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


class NsClient(harness.RawClient):
    """A RawClient connected to port on the loopback of namespace ns."""

    def __init__(self, ns, port, timeout=2.0):
        # Not RawClient.__init__: the socket is made inside ns.
        self.sock = in_netns(ns, lambda: socket.create_connection(
            ("127.0.0.1", port), timeout=timeout))
        self.buf = b""


def ns_call(ns, port, *args, timeout=2.0):
    with NsClient(ns, port, timeout) as c:
        return c.call(*args)


def stale_namespaces():
    """Namespaces left by earlier runs whose process is gone."""
    res = ip("netns", "list", check=False)
    names = [line.split()[0] for line in res.stdout.splitlines() if line]
    stale = []
    for name in names:
        m = re.fullmatch(NS_PREFIX + r"(\d+)-\w+", name)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            stale.append(name)
    return stale


# ---------------------------------------------------------------- processes

class NsRedis(harness.RedisNode):
    """redis-server inside a host namespace."""

    def __init__(self, name, workdir, ns, addr, replicaof=None):
        super().__init__(name, workdir, port=REDIS_PORT)
        self.ns = ns
        self.addr = addr
        self.master_addr = replicaof

    def start(self, wait=True):
        argv = ["ip", "netns", "exec", self.ns, harness.REDIS_SERVER,
                "--port", str(REDIS_PORT), "--bind", self.addr, "127.0.0.1",
                "--protected-mode", "no", "--daemonize", "no",
                "--save", "", "--appendonly", "no", "--dir", self.dir,
                "--logfile", self.log_path, "--repl-diskless-sync-delay", "0",
                "--repl-timeout", "5"]
        if self.master_addr:
            argv += ["--replicaof", self.master_addr, str(REDIS_PORT)]
        self.spawn(argv)
        if wait:
            harness.wait_until(lambda: self.call("PING") == "PONG", 10,
                               "redis %s up" % self.name, [self])
        return self

    def call(self, *args):
        return ns_call(self.ns, REDIS_PORT, *args)

    def replication(self):
        text = self.call("INFO", "replication").decode()
        return {k: v for _, k, v in harness.info_fields(text)}


class NsSentinel(harness.Sentinel):
    """The sentinel under test inside a host namespace."""

    def __init__(self, name, workdir, ns, master_addr, quorum):
        super().__init__(name, workdir, port=SENTINEL_PORT)
        self.ns = ns
        self.lines = [
            "sentinel monitor mymaster %s %d %d" % (master_addr, REDIS_PORT,
                                                    quorum),
            "sentinel down-after-milliseconds mymaster %d" % DOWN_AFTER_MS,
            "sentinel failover-timeout mymaster %d" % FAILOVER_TIMEOUT_MS,
        ]

    def config_text(self):
        return "\n".join([
            "port %d" % SENTINEL_PORT, "bind 0.0.0.0", "protected-mode no",
            "daemonize no", "dir %s" % self.dir, "logfile %s" % self.log_path,
            "loglevel verbose"] + self.lines) + "\n"

    def start(self, wait=True, write_config=True):
        if write_config:
            self.write_config()
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.spawn(["ip", "netns", "exec", self.ns, self.binary,
                    self.conf_path], env=env)
        if wait:
            harness.wait_until(lambda: self.call("PING") == "PONG", 10,
                               "sentinel %s up" % self.name, [self])
        return self

    def call(self, *args):
        return ns_call(self.ns, SENTINEL_PORT, *args)

    def master_addr(self):
        reply = self.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
        return (reply[0].decode(), int(reply[1])) if isinstance(reply, list) \
            else None

    def master_info(self):
        return dict(harness.pairs(self.call("SENTINEL", "MASTER", "mymaster")))


class NsEvents:
    """PSUBSCRIBE * on a sentinel, from inside its namespace; keeps every
    event as (time, sentinel name, channel, message)."""

    def __init__(self, sentinel, sink, lock):
        self.sentinel = sentinel
        self.sink = sink
        self.lock = lock
        self.stop_flag = threading.Event()
        self.client = NsClient(sentinel.ns, SENTINEL_PORT, timeout=5)
        self.client.send_raw(harness.encode_command("PSUBSCRIBE", "*"))
        reply = self.client.read_reply()
        assert reply[0] == b"psubscribe", reply
        # Blocking reads; stop() shuts the socket down to end them.
        self.client.sock.settimeout(None)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_flag.is_set():
            try:
                msg = self.client.read_reply()
            except (OSError, harness.RespError):
                return
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == b"pmessage":
                with self.lock:
                    self.sink.append((time.monotonic(), self.sentinel.name,
                                      msg[2].decode(), msg[3].decode()))

    def stop(self):
        self.stop_flag.set()
        try:
            self.client.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(2)
        self.client.close()


# ---------------------------------------------------------------- the lab

class Lab:
    """Three hosts (h1 master, h2 and h3 replicas), one sentinel each."""

    def __init__(self, root, binary, quorum):
        self.root = str(root)
        self.binary = binary
        # The pid lets a later run find namespaces whose owner died.
        self.tag = "%s%d" % (NS_PREFIX, os.getpid())
        self.switch = "%s-sw" % self.tag
        self.hosts = ["%s-h%d" % (self.tag, i) for i in (1, 2, 3)]
        self.net = "10.%d.%d" % (random.randrange(64, 250),
                                 random.randrange(1, 250))
        self.addrs = ["%s.%d" % (self.net, i) for i in (1, 2, 3)]
        self.quorum = quorum
        self.namespaces = []
        self.nodes = []
        self.sentinels = []
        self.collectors = []
        self.events = []
        self.lock = threading.Lock()

    # -- network
    def build_network(self):
        for ns in [self.switch] + self.hosts:
            ip("netns", "add", ns)
            self.namespaces.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        ip("-n", self.switch, "link", "set", "br0", "up")
        for i, ns in enumerate(self.hosts):
            port = "h%d" % (i + 1)
            ip("link", "add", port, "netns", self.switch, "type", "veth",
               "peer", "name", "eth0", "netns", ns)
            ip("-n", self.switch, "link", "set", port, "master", "br0")
            ip("-n", self.switch, "link", "set", port, "up")
            ip("-n", ns, "addr", "add", "%s/24" % self.addrs[i], "dev", "eth0")
            ip("-n", ns, "link", "set", "eth0", "up")

    def cut(self, i):
        """Takes host i (0-based) off the switch."""
        ip("-n", self.switch, "link", "set", "h%d" % (i + 1), "down")

    def heal(self, i):
        ip("-n", self.switch, "link", "set", "h%d" % (i + 1), "up")

    # -- processes
    def start(self):
        master = self.addrs[0]
        for i, ns in enumerate(self.hosts):
            node = NsRedis("redis%d" % (i + 1),
                           os.path.join(self.root, "redis%d" % (i + 1)), ns,
                           self.addrs[i], replicaof=None if i == 0 else master)
            self.nodes.append(node.start())
        for i, ns in enumerate(self.hosts):
            s = NsSentinel("s%d" % (i + 1),
                           os.path.join(self.root, "s%d" % (i + 1)), ns,
                           master, self.quorum)
            s.binary = self.binary
            self.sentinels.append(s.start())
        for s in self.sentinels:
            self.collectors.append(NsEvents(s, self.events, self.lock))

    def wait_discovery(self, timeout=30):
        """Every sentinel knows both replicas and both other sentinels."""
        def known():
            for s in self.sentinels:
                info = s.master_info()
                if info.get("num-slaves") != "2" or \
                        info.get("num-other-sentinels") != "2":
                    return False
            return True
        harness.wait_until(known, timeout, "sentinels to discover everyone",
                           self.procs())

    def procs(self):
        return self.sentinels + self.nodes

    def node_at(self, addr):
        for i, a in enumerate(self.addrs):
            if (a, REDIS_PORT) == addr:
                return self.nodes[i]
        return None

    # -- checks
    def converged(self):
        """The master every sentinel names, when they all name one live
        node that says it is master and the other nodes replicate from
        it, and no sentinel is in the middle of a failover; else None."""
        addrs = {s.master_addr() for s in self.sentinels}
        if len(addrs) != 1:
            return None
        addr = addrs.pop()
        master = self.node_at(addr)
        if master is None or master.replication().get("role") != "master":
            return None
        for node in self.nodes:
            if node is master:
                continue
            rep = node.replication()
            if rep.get("role") != "slave" or rep.get("master_host") != addr[0] \
                    or rep.get("master_link_status") != "up":
                return None
        for s in self.sentinels:
            if s.master_info().get("flags") != "master":
                return None
        return addr

    def wait_converged(self, timeout):
        return harness.wait_until(self.converged, timeout,
                                  "one master named by every sentinel",
                                  self.procs(), interval=0.25)

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def check_events(self):
        """Votes, elections and promotions: at most one per epoch.
        Returns the list of (epoch, sentinel, replica) promotions."""
        votes = {}         # (sentinel, epoch) -> run id
        leaders = {}       # epoch -> sentinel
        promotions = {}    # epoch -> (sentinel, replica)
        attempt = {}       # sentinel -> epoch of its current failover
        last_epoch = {}    # sentinel -> last +new-epoch
        for _, who, channel, msg in self.snapshot():
            words = msg.split()
            if channel == "+new-epoch":
                last_epoch[who] = int(words[0])
            elif channel == "+try-failover":
                attempt[who] = last_epoch.get(who)
            elif channel == "+vote-for-leader":
                key = (who, int(words[1]))
                assert votes.setdefault(key, words[0]) == words[0], (
                    "%s voted twice in epoch %s: %s and %s\n%s" % (
                        who, key[1], votes[key], words[0], self.dump()))
            elif channel == "+elected-leader":
                epoch = attempt.get(who)
                assert leaders.setdefault(epoch, who) == who, (
                    "two leaders in epoch %s: %s and %s\n%s" % (
                        epoch, leaders[epoch], who, self.dump()))
            elif channel == "+promoted-slave":
                epoch = attempt.get(who)
                assert epoch not in promotions, (
                    "two promotions in epoch %s: %s and %s\n%s" % (
                        epoch, promotions[epoch], (who, words[1]),
                        self.dump()))
                promotions[epoch] = (who, words[1])
        return sorted((e, w, r) for e, (w, r) in promotions.items())

    def dump(self):
        t0 = self.events[0][0] if self.events else 0
        return "\n".join("  %7.2f %s %s %s" % (t - t0, who, ch, msg)
                         for t, who, ch, msg in self.snapshot())

    # -- teardown
    def close(self):
        for c in self.collectors:
            c.stop()
        problems = []
        for s in self.sentinels:
            s.stop()
            try:
                s.check_clean_exit()
            except AssertionError as exc:
                problems.append(str(exc))
        for n in self.nodes:
            n.stop()
            n.kill()
        for ns in reversed(self.namespaces):
            ip("netns", "del", ns, check=False)
        if problems:
            raise AssertionError("\n\n".join(problems))


@pytest.fixture
def lab_factory(binary, tmp_path):
    """Builds a Lab (skipping where namespaces are not permitted) and tears
    it down whatever happens: processes stopped by PID, namespaces (and so
    their veths and bridge) deleted."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 (ip) is not installed")
    for ns in stale_namespaces():
        ip("netns", "del", ns, check=False)
    probe = "%s%d-probe" % (NS_PREFIX, os.getpid())
    res = ip("netns", "add", probe, check=False)
    if res.returncode != 0:
        pytest.skip("network namespaces not permitted here: %s"
                    % res.stderr.strip())
    ip("netns", "del", probe, check=False)
    labs = []

    def make(quorum):
        lab = Lab(tmp_path, binary, quorum)
        labs.append(lab)
        lab.build_network()
        lab.start()
        lab.wait_discovery()
        return lab

    try:
        yield make
    finally:
        errors = []
        for lab in labs:
            try:
                lab.close()
            except AssertionError as exc:
                errors.append(str(exc))
            finally:
                for ns in lab.namespaces:
                    ip("netns", "del", ns, check=False)
        if errors:
            raise AssertionError("\n".join(errors))


def test_master_isolated_with_minority(lab_factory):
    """The master's host (with one sentinel of three) is cut off: the two
    others fail over; after healing the old master becomes a replica and
    every sentinel names the new master."""
    lab = lab_factory(quorum=2)
    old = (lab.addrs[0], REDIS_PORT)
    lab.cut(0)
    s2, s3 = lab.sentinels[1], lab.sentinels[2]
    new = harness.wait_until(
        lambda: s2.master_addr() != old and s2.master_addr() == s3.master_addr()
        and s2.master_addr(), 30, "the majority to fail over", lab.procs())
    assert lab.sentinels[0].master_addr() == old, \
        "the cut-off sentinel followed a failover it cannot have seen"
    lab.heal(0)
    final = lab.wait_converged(40)
    assert final == new, "converged on %s, not the promoted %s" % (final, new)
    promotions = lab.check_events()
    assert len(promotions) == 1 and promotions[0][1] != "s1", \
        "expected one promotion by s2 or s3: %s\n%s" % (promotions, lab.dump())


def test_master_isolated_with_majority(lab_factory):
    """A replica's host (with one sentinel of three) is cut off, so the
    master stays with the majority.  The lone sentinel sees the master down
    but cannot reach quorum 2 alone: it starts nothing, nothing is
    promoted, and after healing everyone still names the same master."""
    lab = lab_factory(quorum=2)
    master = (lab.addrs[0], REDIS_PORT)
    lab.cut(2)
    lone = lab.sentinels[2]
    harness.wait_until(
        lambda: any(ch == "+sdown" and who == lone.name and
                    msg.startswith("master ") for _, who, ch, msg in lab.snapshot()),
        20, "the cut-off sentinel to see the master down", lab.procs())
    # Well past the time a failover would have started.
    time.sleep(4)
    lab.heal(2)
    final = lab.wait_converged(40)
    assert final == master, "the master moved to %s\n%s" % (final, lab.dump())
    assert lab.check_events() == [], "promoted without a majority\n%s" % lab.dump()
    started = [e for e in lab.snapshot() if e[2] in ("+odown", "+try-failover")]
    assert started == [], "the minority acted alone: %s\n%s" % (started, lab.dump())


def test_minority_with_quorum_one(lab_factory):
    """Quorum 1: a sentinel cut off from the others reaches ODOWN alone and
    asks for votes, but cannot be elected while it is cut off, so nothing
    is promoted during the partition.

    After healing, its vote requests (held in TCP while the link was down)
    reach the others, who vote as Redis Sentinel's protocol has them do
    (a vote does not depend on the voter's own view of the master); it may
    then be elected and fail over a master that is healthy.  Either way,
    the constellation must end with one master, one promotion at most per
    epoch, and no second failover."""
    lab = lab_factory(quorum=1)
    lab.cut(2)
    lone = lab.sentinels[2]
    harness.wait_until(
        lambda: any(ch == "+try-failover" and who == lone.name
                    for _, who, ch, _ in lab.snapshot()),
        20, "the cut-off sentinel to try a failover", lab.procs())
    time.sleep(3)
    during = lab.snapshot()
    lab.heal(2)
    assert not any(ch in ("+elected-leader", "+promoted-slave")
                   for _, _, ch, _ in during), \
        "elected while cut off from the majority\n%s" % lab.dump()
    final = lab.wait_converged(40)
    assert final is not None
    promotions = lab.check_events()
    # Once the one failover has ended, the others switch to the new master
    # on the link they had to it as a replica; a PING outstanding on it
    # since the partition must not make it SDOWN at once (with quorum 1 a
    # second failover would follow).
    assert len(promotions) <= 1, \
        "a second failover after healing: %s\n%s" % (promotions, lab.dump())


def test_flapping_master_link(lab_factory):
    """The master's link goes down and up at random, around the down-after
    time, for 20 s.  Whatever failovers that causes, each epoch promotes at
    most once and all settle on one master once the link holds."""
    lab = lab_factory(quorum=2)
    seed = int(os.environ.get("PARTITION_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lab.cut(0)
        time.sleep(rng.uniform(0.3, 2.5))
        lab.heal(0)
        time.sleep(rng.uniform(0.3, 2.5))
    final = lab.wait_converged(45)
    promotions = lab.check_events()
    assert final is not None
    assert len({p[0] for p in promotions}) == len(promotions), \
        "PARTITION_SEED=%d: %s" % (seed, promotions)
