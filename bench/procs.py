"""Processes for the benchmarks: redis-server nodes, sentinels of either
kind, the fake instance server, and redis-benchmark.

Every process is started in its own session on loopback ports and recorded;
stop_all() stops each one by PID (SIGCONT first for a paused one, then
SIGKILL), and run.py calls it on exit and on SIGINT/SIGTERM.  Also holds a
small blocking RESP2 client and readers for /proc/<pid>/stat and status.
"""

import os
import random
import signal
import socket
import subprocess
import threading
import time

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_BENCHMARK = "/usr/bin/redis-benchmark"
REFERENCE_BIN = "/usr/bin/redis-sentinel"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")

_started = []
_started_lock = threading.Lock()
_used_ports = set()


class BenchError(Exception):
    """A setup step failed (a process did not start, a wait timed out)."""


# ---------------------------------------------------------------- ports

def free_port():
    """A free loopback port below Linux's ephemeral range (so outgoing
    connections never hold it), never handed out twice in one run."""
    for _ in range(2000):
        port = random.randrange(20000, 32000)
        if port in _used_ports or port in (26379, 6379):
            continue
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _used_ports.add(port)
        return port
    raise BenchError("no free loopback port")


# ---------------------------------------------------------------- RESP

class Resp:
    """A blocking RESP2 connection.  Errors come back as RespErrorReply
    values, not exceptions, so callers can tell them from transport
    failures (OSError, ConnectionError)."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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

    def send(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(parts))

    def call(self, *args):
        self.send(*args)
        return self.read()

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _fill(self):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespErrorReply(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode("utf-8", "replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ConnectionError("not RESP: %r" % line[:40])


class RespErrorReply(str):
    """A -ERR reply."""


def call_once(port, *args, timeout=5.0):
    """One command on a fresh connection."""
    with Resp(port, timeout) as c:
        return c.call(*args)


def wait_until(fn, timeout, what, interval=0.05):
    """Polls fn() until it returns a true value, which is returned; raises
    BenchError naming what after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = value
        except (OSError, ConnectionError, ValueError, KeyError, IndexError) as exc:
            last = "%s: %s" % (type(exc).__name__, exc)
        if time.monotonic() >= deadline:
            raise BenchError("timed out after %.0fs waiting for %s (last: %r)"
                             % (timeout, what, last))
        time.sleep(interval)


def pairs_to_dict(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat) - 1, 2)}


# ---------------------------------------------------------------- processes

class Proc:
    """One child process, recorded so that stop_all() can stop it."""

    def __init__(self, argv, workdir, name):
        self.argv = list(argv)
        self.dir = workdir
        self.name = name
        self.paused = False
        os.makedirs(workdir, exist_ok=True)
        out = open(os.path.join(workdir, "stdout.txt"), "ab")
        self.popen = subprocess.Popen(self.argv, cwd=workdir, stdin=subprocess.DEVNULL,
                                      stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        out.close()
        with _started_lock:
            _started.append(self)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)
            if sig == signal.SIGSTOP:
                self.paused = True
            elif sig == signal.SIGCONT:
                self.paused = False

    def stop(self):
        """SIGKILL by PID (after SIGCONT if paused) and reap."""
        if self.alive():
            try:
                if self.paused:
                    os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            pass
        with _started_lock:
            if self in _started:
                _started.remove(self)

    def terminate(self, timeout=10.0):
        """SIGTERM, wait, SIGKILL if still running."""
        if self.alive():
            if self.paused:
                self.signal(signal.SIGCONT)
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.stop()

    def cpu_ticks(self):
        """utime + stime of the process, in clock ticks."""
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_bytes(self):
        with open("/proc/%d/statm" % self.pid) as f:
            return int(f.read().split()[1]) * PAGE_BYTES

    def tail(self, path=None, lines=20):
        path = path or os.path.join(self.dir, "stdout.txt")
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def stop_all():
    """Stops, by PID, every process started and not yet stopped."""
    with _started_lock:
        procs = list(_started)
    for p in reversed(procs):
        p.stop()


def stop_many(procs):
    """SIGKILLs a group at once (then reaps), faster than one by one."""
    for p in procs:
        if p.alive():
            try:
                if p.paused:
                    os.kill(p.pid, signal.SIGCONT)
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in procs:
        p.stop()


# ---------------------------------------------------------------- redis-server

class RedisNode(Proc):
    """A redis-server master or replica with no persistence."""

    def __init__(self, workdir, port=None, replicaof=None, extra=()):
        self.port = port or free_port()
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                "--protected-mode", "no", "--daemonize", "no", "--save", "",
                "--appendonly", "no", "--dir", workdir, "--loglevel", "warning",
                "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]
        if replicaof:
            argv += ["--replicaof", "127.0.0.1", str(replicaof)]
        argv += list(extra)
        super().__init__(argv, workdir, "redis-%d" % self.port)

    def wait_ready(self, timeout=10.0):
        def ok():
            if not self.alive():
                raise BenchError("redis-server :%d exited:\n%s" % (self.port, self.tail()))
            return call_once(self.port, "PING", timeout=1) == "PONG"
        wait_until(ok, timeout, "redis-server :%d" % self.port)
        return self

    def info(self, section="replication"):
        text = call_once(self.port, "INFO", section)
        out = {}
        for line in text.splitlines():
            k, sep, v = line.partition(":")
            if sep:
                out[k] = v
        return out


def wait_online_replicas(master, count, timeout=20.0):
    def ok():
        info = master.info()
        online = [k for k, v in info.items()
                  if k.startswith("slave") and k[5:].isdigit() and "state=online" in v]
        return len(online) >= count
    wait_until(ok, timeout, "%d online replicas of :%d" % (count, master.port))


# ---------------------------------------------------------------- sentinels

class Daemon:
    """Which sentinel binary: ours or the reference."""

    def __init__(self, key, label, path):
        self.key = key
        self.label = label
        self.path = path

    def version(self):
        try:
            res = subprocess.run([self.path, "--version"], capture_output=True,
                                 timeout=10, text=True)
            return (res.stdout or res.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "unknown"


class SentinelProc(Proc):
    """A sentinel started on a config written into its own directory."""

    def __init__(self, daemon, workdir, masters, port=None, extra_lines=(),
                 loglevel="notice"):
        self.daemon = daemon
        self.port = port or free_port()
        os.makedirs(workdir, exist_ok=True)
        self.conf_path = os.path.join(workdir, "sentinel.conf")
        lines = ["port %d" % self.port, "bind 127.0.0.1", "protected-mode no",
                 "daemonize no", "dir %s" % workdir, "logfile sentinel.log",
                 "loglevel %s" % loglevel]
        lines += list(extra_lines)
        for m in masters:
            name = m["name"]
            lines.append("sentinel monitor %s 127.0.0.1 %d %d"
                         % (name, m["port"], m.get("quorum", 1)))
            lines.append("sentinel down-after-milliseconds %s %d"
                         % (name, m.get("down_after_ms", 1000)))
            lines.append("sentinel failover-timeout %s %d"
                         % (name, m.get("failover_timeout_ms", 3000)))
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.start_time = time.monotonic()
        super().__init__([daemon.path, self.conf_path], workdir,
                         "%s-%d" % (daemon.key, self.port))

    def wait_ready(self, timeout=15.0):
        def ok():
            if not self.alive():
                raise BenchError("%s exited:\n%s\n%s" % (
                    self.name, self.tail(),
                    self.tail(os.path.join(self.dir, "sentinel.log"))))
            return call_once(self.port, "PING", timeout=1) == "PONG"
        wait_until(ok, timeout, "%s to answer PING" % self.name)
        return self

    def master_state(self, name="mymaster"):
        reply = call_once(self.port, "SENTINEL", "MASTER", name)
        if isinstance(reply, RespErrorReply):
            raise ValueError(reply)
        return pairs_to_dict(reply)

    def replicas(self, name="mymaster"):
        reply = call_once(self.port, "SENTINEL", "REPLICAS", name)
        if isinstance(reply, RespErrorReply):
            raise ValueError(reply)
        return [pairs_to_dict(r) for r in reply]

    def log_tail(self, lines=30):
        return self.tail(os.path.join(self.dir, "sentinel.log"), lines)


def info_sentinel_masters(port, timeout=5.0):
    """INFO sentinel as {master name: {status, slaves, sentinels, address}}."""
    text = call_once(port, "INFO", "sentinel", timeout=timeout)
    out = {}
    for line in text.splitlines():
        if not line.startswith("master") or ":" not in line:
            continue
        key, _, rest = line.partition(":")
        if not key[6:].isdigit():
            continue
        fields = dict(kv.split("=", 1) for kv in rest.split(",") if "=" in kv)
        out[fields.get("name")] = fields
    return out


# ---------------------------------------------------------------- fake instances

class FakeNodes(Proc):
    """bench/fakenode: PAIRS masters with one replica each, in one process."""

    def __init__(self, binary, workdir, pairs):
        os.makedirs(workdir, exist_ok=True)
        self.pairs = []
        self.ctl_port = None
        Proc.__init__(self, [binary, str(pairs)], workdir, "fakenode")
        path = os.path.join(workdir, "stdout.txt")

        def ready():
            if not self.alive():
                raise BenchError("fakenode exited:\n%s" % self.tail())
            with open(path) as f:
                text = f.read()
            return text if "ready" in text.split() else None
        text = wait_until(ready, 30, "fakenode to listen")
        for line in text.splitlines():
            parts = line.split()
            if parts and parts[0] == "ctl":
                self.ctl_port = int(parts[1])
            elif parts and parts[0] == "pair":
                self.pairs.append((int(parts[1]), int(parts[2])))

    def kill_instance(self, port):
        return call_once(self.ctl_port, "KILL", port)


# ---------------------------------------------------------------- redis-benchmark

def redis_benchmark(port, args, clients=50, requests=100000, pipeline=1, timeout=300):
    """Runs redis-benchmark --csv and returns {rps, avg, p50, p95, p99, max}
    (latencies in ms) for the one test it ran."""
    argv = [REDIS_BENCHMARK, "-h", "127.0.0.1", "-p", str(port), "-c", str(clients),
            "-n", str(requests), "-P", str(pipeline), "--csv"] + list(args)
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                         start_new_session=True)
    rows = [line for line in res.stdout.splitlines() if line.startswith('"')]
    if res.returncode != 0 or len(rows) < 2:
        raise BenchError("redis-benchmark %s failed (rc %d): %s %s"
                         % (" ".join(args), res.returncode, res.stdout[-300:],
                            res.stderr[-300:]))
    head = [h.strip('"') for h in rows[0].split('","')]
    vals = [v.strip('"') for v in rows[1].split('","')]
    row = dict(zip(head, vals))
    return {"rps": float(row["rps"]), "avg_ms": float(row["avg_latency_ms"]),
            "p50_ms": float(row["p50_latency_ms"]), "p95_ms": float(row["p95_latency_ms"]),
            "p99_ms": float(row["p99_latency_ms"]), "max_ms": float(row["max_latency_ms"])}
