"""Process harness for the integration tests.

Starts real redis-server nodes and sentinels (sentineld, or Debian's
redis-sentinel as the reference) on free loopback ports, each in its own
directory, and stops them by PID.  Also holds a tiny RESP2 client that keeps
reply types apart (status, error, bulk, integer, array), a pub/sub event
collector, and polling helpers whose failures show the daemons' log tails.
"""

import os
import random
import re
import shlex
import signal
import socket
import subprocess
import threading
import time

import redis

REFERENCE_NAME = "redis-sentinel"
REDIS_SERVER = "/usr/bin/redis-server"

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
)

POLL_S = 0.05
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def sentinel_bin():
    """The daemon under test: $SENTINELD_BIN, else bin/sentineld-asan."""
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "bin", "sentineld-asan")
    return os.path.abspath(os.environ.get("SENTINELD_BIN") or default)


def is_reference(path=None):
    """True when the binary under test is Debian's redis-sentinel itself."""
    path = path or sentinel_bin()
    name = os.path.basename(os.path.realpath(path))
    return os.path.basename(path) == REFERENCE_NAME or name == REFERENCE_NAME


# ---------------------------------------------------------------- ports

_used_ports = set()
_port_lock = threading.Lock()


def _port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port():
    """A loopback port nobody listens on, never handed out twice here.

    Ports are drawn at random below Linux's ephemeral range, so outgoing
    connections never sit on them and parallel runs rarely collide; the
    bind check catches the rest.  The default Redis ports are avoided.
    """
    with _port_lock:
        for _ in range(1000):
            port = random.randrange(20000, 32000)
            if port in (26379, 6379) or port in _used_ports:
                continue
            if _port_is_free(port):
                _used_ports.add(port)
                return port
    raise RuntimeError("no free loopback port found")


# ---------------------------------------------------------------- waiting

def tail(path, lines=40):
    """Last lines of a file, or a note that it is missing."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return "(no file %s)" % path
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def describe(procs):
    """Log and stderr tails of processes, for failure messages."""
    out = []
    for p in procs or ():
        out.append(p.describe())
    return "\n".join(out)


def wait_until(fn, timeout, what, procs=(), interval=POLL_S):
    """Polls fn() until it returns a true value, which is returned.

    On timeout fails the test naming what was awaited, the last value or
    exception fn gave, and the log tails of procs.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = value
        except Exception as exc:  # noqa: BLE001 - reported below
            last = "%s: %s" % (type(exc).__name__, exc)
        if time.monotonic() >= deadline:
            raise AssertionError(
                "timed out after %.1fs waiting for %s; last: %r\n%s"
                % (timeout, what, last, describe(procs)))
        time.sleep(interval)


# ---------------------------------------------------------------- RESP

class Status(str):
    """A RESP simple string (+...)."""


class Error(str):
    """A RESP error (-...)."""


class NilArray:
    """A RESP null array (*-1)."""

    def __repr__(self):
        return "NilArray"


NIL_ARRAY = NilArray()


class RespError(Exception):
    """The peer sent something that is not RESP2."""


class RawClient:
    """A blocking RESP2 connection that keeps reply types apart.

    Replies: Status, Error, int, bytes (bulk), None (null bulk), NIL_ARRAY,
    list (array).  Closed connections raise ConnectionError.
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

    def send_raw(self, data):
        self.sock.sendall(data)

    def call(self, *args):
        """Sends one multibulk command and returns its reply, which must be
        all that arrived: bytes left after it mean a malformed reply (say,
        an array announcing fewer elements than were sent)."""
        self.send_raw(encode_command(*args))
        reply = self.read_reply()
        if self.buf:
            raise RespError("%d unexpected bytes after the reply to %r: %r"
                            % (len(self.buf), args[:3], self.buf[:80]))
        return reply

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by peer")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read_reply(self):
        line = self._line()
        if not line:
            raise RespError("empty reply line")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return Status(rest.decode("utf-8", "replace"))
        if kind == b"-":
            return Error(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return NIL_ARRAY
            return [self.read_reply() for _ in range(n)]
        raise RespError("unexpected reply type %r" % line[:40])

    def is_closed(self, timeout=1.0):
        """True when the peer closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1)
        except socket.timeout:
            return False
        except OSError:
            return True
        return data == b""


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def pairs(reply):
    """A flat [k1, v1, k2, v2...] RESP array as an ordered list of
    (str key, str value) tuples."""
    assert isinstance(reply, list), "expected an array, got %r" % (reply,)
    assert len(reply) % 2 == 0, "odd-length field list: %r" % (reply,)
    out = []
    for i in range(0, len(reply), 2):
        k, v = reply[i], reply[i + 1]
        assert isinstance(k, bytes), "field name not a bulk string: %r" % (k,)
        assert isinstance(v, bytes), "value of %r not a bulk string: %r" % (
            k, v)
        out.append((k.decode(), v.decode()))
    return out


def info_fields(text):
    """INFO text as an ordered list of (section or None, key, value)."""
    section = None
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            section = line[1:].strip().lower()
            continue
        key, _, value = line.partition(":")
        out.append((section, key, value))
    return out


# ---------------------------------------------------------------- processes

class Proc:
    """A child process with its own directory, logs and stderr file."""

    kind = "proc"

    def __init__(self, name, workdir):
        self.name = name
        self.dir = workdir
        os.makedirs(self.dir, exist_ok=True)
        self.stdout_path = os.path.join(self.dir, "stdout.txt")
        self.stderr_path = os.path.join(self.dir, "stderr.txt")
        self.log_path = os.path.join(self.dir, "%s.log" % self.kind)
        self.popen = None
        self.argv = None
        self.stopped = False

    @property
    def pid(self):
        return self.popen.pid if self.popen else None

    def spawn(self, argv, env=None):
        self.argv = list(argv)
        with open(self.stdout_path, "ab") as out, \
                open(self.stderr_path, "ab") as err:
            self.popen = subprocess.Popen(
                self.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                cwd=self.dir, env=env, start_new_session=True)
        self.stopped = False
        _registry.add(self)

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def describe(self):
        head = "---- %s %s pid=%s rc=%s\n  argv: %s" % (
            self.kind, self.name, self.pid,
            self.popen.poll() if self.popen else None,
            " ".join(shlex.quote(a) for a in self.argv or ()))
        parts = [head]
        for label, path in (("log", self.log_path),
                            ("stdout", self.stdout_path),
                            ("stderr", self.stderr_path)):
            text = tail(path, 25)
            if text.strip() and not text.startswith("(no file"):
                parts.append("  [%s tail]\n%s" % (label, text))
        return "\n".join(parts)

    def signal(self, sig):
        if self.alive():
            os.kill(self.popen.pid, sig)

    def pause(self):
        self.signal(signal.SIGSTOP)
        self.stopped = True

    def resume(self):
        self.signal(signal.SIGCONT)
        self.stopped = False

    def terminate(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM (after SIGCONT if paused) and wait.  Returns the exit
        code, or None if it had to be killed with SIGKILL."""
        if self.popen is None:
            return None
        if self.popen.poll() is not None:
            return self.popen.returncode
        if self.stopped:
            self.resume()
        os.kill(self.popen.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def output(self):
        """stdout + stderr + log as one string."""
        chunks = []
        for path in (self.stdout_path, self.stderr_path, self.log_path):
            try:
                with open(path, "rb") as f:
                    chunks.append(f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        return "\n".join(chunks)

    def sanitizer_report(self):
        """The first sanitizer report line in the output, or None."""
        for line in self.output().splitlines():
            if any(m in line for m in SANITIZER_MARKERS):
                return line
        return None


class _Registry:
    """Every process started, so that none outlives the session."""

    def __init__(self):
        self.procs = []
        self.lock = threading.Lock()

    def add(self, proc):
        with self.lock:
            if proc not in self.procs:
                self.procs.append(proc)

    def kill_all(self):
        with self.lock:
            procs = list(self.procs)
        for p in procs:
            try:
                if p.alive():
                    p.resume()
                    p.kill()
            except OSError:
                pass


_registry = _Registry()


def kill_leftovers():
    """SIGKILLs, by PID, every child still running."""
    _registry.kill_all()


class RedisNode(Proc):
    """A redis-server master or replica on a private port and directory."""

    kind = "redis"

    def __init__(self, name, workdir, port=None, replicaof=None,
                 extra=None, loglevel="notice"):
        super().__init__(name, workdir)
        self.port = port or free_port()
        self.replicaof = replicaof
        self.extra = dict(extra or {})
        self.loglevel = loglevel

    def start(self, wait=True):
        argv = [REDIS_SERVER,
                "--port", str(self.port), "--bind", "127.0.0.1",
                "--protected-mode", "no", "--daemonize", "no",
                "--save", "", "--appendonly", "no",
                "--dir", self.dir, "--logfile", self.log_path,
                "--loglevel", self.loglevel,
                "--repl-diskless-sync-delay", "0"]
        if self.replicaof is not None:
            argv += ["--replicaof", "127.0.0.1", str(self.replicaof)]
        for k, v in self.extra.items():
            argv += ["--" + k, str(v)]
        self.spawn(argv)
        if wait:
            self.wait_ready()
        return self

    def client(self, **kw):
        """A redis-py client, authenticated when the node has requirepass."""
        if "requirepass" in self.extra:
            kw.setdefault("password", self.extra["requirepass"])
        return redis.Redis(host="127.0.0.1", port=self.port,
                           decode_responses=True, socket_timeout=5, **kw)

    def wait_ready(self, timeout=START_TIMEOUT_S):
        def ok():
            if not self.alive():
                raise AssertionError("redis-server exited")
            return self.client().ping()
        wait_until(ok, timeout, "redis-server %s to answer PING" % self.name,
                   [self])

    def stop(self):
        return self.terminate()


class Sentinel(Proc):
    """A sentinel (the binary under test, or the reference) with a config
    file written into its own directory."""

    kind = "sentinel"

    def __init__(self, name, workdir, binary=None, port=None,
                 masters=(), lines=(), args=(), loglevel="verbose"):
        super().__init__(name, workdir)
        self.binary = binary or sentinel_bin()
        self.port = port or free_port()
        self.conf_path = os.path.join(self.dir, "sentinel.conf")
        self.masters = list(masters)
        self.lines = list(lines)
        self.args = list(args)
        self.loglevel = loglevel
        self.exit_codes = []

    @property
    def is_reference(self):
        return is_reference(self.binary)

    def config_text(self):
        out = ["port %d" % self.port,
               "bind 127.0.0.1",
               "protected-mode no",
               "daemonize no",
               "dir %s" % self.dir,
               "logfile %s" % self.log_path,
               "loglevel %s" % self.loglevel]
        for m in self.masters:
            out += master_lines(**m)
        out += self.lines
        return "\n".join(out) + "\n"

    def write_config(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())

    def start(self, wait=True, write_config=True, conf_arg=None):
        """Starts the sentinel (cwd: its directory) on its config file,
        named on the command line as conf_arg if given (e.g. a relative
        path), and by default waits until it answers."""
        if write_config:
            self.write_config()
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.spawn([self.binary, conf_arg or self.conf_path] + self.args,
                   env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT_S):
        def ok():
            if not self.alive():
                raise AssertionError("sentinel exited with code %s"
                                     % self.popen.returncode)
            with RawClient(self.port, timeout=1) as c:
                reply = c.call("PING")
                # With requirepass the sentinel is up once it asks for AUTH.
                return reply == "PONG" or (isinstance(reply, Error)
                                           and reply.startswith("NOAUTH"))
        wait_until(ok, timeout, "sentinel %s to answer PING" % self.name,
                   [self])

    def client(self, **kw):
        kw.setdefault("socket_timeout", 5)
        return redis.Redis(host="127.0.0.1", port=self.port,
                           decode_responses=True, **kw)

    def raw(self, timeout=5.0):
        return RawClient(self.port, timeout=timeout)

    def call(self, *args):
        """One command on a fresh raw connection; returns the typed reply."""
        with self.raw() as c:
            return c.call(*args)

    def myid(self):
        reply = self.call("SENTINEL", "MYID")
        assert isinstance(reply, bytes), "SENTINEL MYID gave %r" % (reply,)
        return reply.decode()

    def config_file(self):
        with open(self.conf_path) as f:
            return f.read()

    def stop(self):
        """SIGTERM and wait; records the exit code (None: had to SIGKILL)."""
        if not self.alive():
            return self.popen.returncode if self.popen else None
        rc = self.terminate()
        self.exit_codes.append(rc)
        return rc

    def check_clean_exit(self):
        """Raises AssertionError if the sentinel left a sanitizer report,
        crashed, or did not exit cleanly on SIGTERM."""
        report = self.sanitizer_report()
        if report:
            raise AssertionError("sanitizer report from %s: %s\n%s"
                                 % (self.name, report, self.describe()))
        for rc in self.exit_codes:
            if rc is None:
                raise AssertionError(
                    "%s did not exit within %.0fs of SIGTERM\n%s"
                    % (self.name, STOP_TIMEOUT_S, self.describe()))
            if rc != 0:
                raise AssertionError("%s exited with code %s on SIGTERM\n%s"
                                     % (self.name, rc, self.describe()))


def master_lines(name="mymaster", port=None, quorum=2, down_after_ms=1000,
                 failover_timeout_ms=180000, host="127.0.0.1", extra=()):
    """The sentinel.conf lines that monitor one master."""
    out = ["sentinel monitor %s %s %d %d" % (name, host, port, quorum),
           "sentinel down-after-milliseconds %s %d" % (name, down_after_ms),
           "sentinel failover-timeout %s %d" % (name, failover_timeout_ms)]
    out += ["sentinel %s" % line.format(name=name) for line in extra]
    return out


def run_sentinel_once(binary, workdir, conf_text=None, args=(), timeout=10.0,
                      conf_name="sentinel.conf"):
    """Runs the binary on a config expected to make it exit (bad configs,
    --test-config).  Returns (exit code, stdout+stderr text, config path).
    Fails if it is still running after timeout."""
    os.makedirs(workdir, exist_ok=True)
    argv = [binary]
    path = None
    if conf_text is not None:
        path = os.path.join(workdir, conf_name)
        with open(path, "w") as f:
            f.write(conf_text)
        argv.append(path)
    argv += list(args)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    try:
        res = subprocess.run(argv, cwd=workdir, env=env,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("%s still running after %.0fs: %s"
                             % (binary, timeout, argv)) from exc
    text = (res.stdout.decode("utf-8", "replace") + "\n"
            + res.stderr.decode("utf-8", "replace"))
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKERS):
            raise AssertionError("sanitizer report: %s\n%s" % (line, text))
    return res.returncode, text, path


# ---------------------------------------------------------------- events

class EventCollector:
    """PSUBSCRIBE * on a sentinel from a thread; records every message as
    (monotonic time, channel, message)."""

    def __init__(self, sentinel):
        self.sentinel = sentinel
        self.events = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.ready = threading.Event()
        self.error = None
        self.conn = sentinel.client(socket_timeout=None)
        self.pubsub = self.conn.pubsub()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="events-%s" % sentinel.name)

    def start(self):
        self.pubsub.psubscribe("*")
        # Wait for the subscription confirmation so that no event published
        # after start() returns can be missed.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            msg = self.pubsub.get_message(timeout=0.1)
            if msg and msg.get("type") == "psubscribe":
                break
        else:
            raise AssertionError("no psubscribe confirmation from %s"
                                 % self.sentinel.name)
        self.thread.start()
        return self

    def _run(self):
        while not self.stop_flag.is_set():
            try:
                msg = self.pubsub.get_message(timeout=0.1)
            except Exception as exc:  # noqa: BLE001 - kept for reports
                self.error = exc
                return
            if msg and msg.get("type") == "pmessage":
                with self.lock:
                    self.events.append((time.monotonic(), msg["channel"],
                                        msg["data"]))

    def stop(self):
        self.stop_flag.set()
        self.thread.join(2)
        try:
            self.pubsub.close()
        except Exception:  # noqa: BLE001 - closing a dead link is fine
            pass

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def find(self, channel, pattern=None, since=0.0):
        """Events on channel after since whose message matches pattern
        (a regex, full match)."""
        rx = re.compile(pattern) if pattern else None
        return [e for e in self.snapshot()
                if e[0] >= since and e[1] == channel
                and (rx is None or rx.fullmatch(e[2]))]

    def wait_for(self, channel, pattern=None, timeout=10.0, since=0.0):
        """Waits for an event and returns the first match."""
        def got():
            found = self.find(channel, pattern, since)
            return found[0] if found else None
        try:
            return wait_until(got, timeout, "event %s %s on %s" % (
                channel, pattern or "", self.sentinel.name),
                [self.sentinel])
        except AssertionError as exc:
            seen = "\n".join("  %.2f %s %s" % e for e in self.snapshot())
            raise AssertionError("%s\nevents seen:\n%s" % (exc, seen)) from None


# ---------------------------------------------------------------- setups

class Constellation:
    """Redis nodes and sentinels started for one test or module, all under
    one directory, all stopped (and checked) by close()."""

    def __init__(self, root, binary=None):
        self.root = str(root)
        self.binary = binary or sentinel_bin()
        self.nodes = []
        self.sentinels = []
        self.collectors = []

    def _dir(self, name):
        return os.path.join(self.root, name)

    def master(self, name="master", **kw):
        node = RedisNode(name, self._dir(name), **kw).start()
        self.nodes.append(node)
        return node

    def replica(self, master, name=None, priority=None, extra=None, **kw):
        name = name or "replica%d" % len(self.nodes)
        extra = dict(extra or {})
        if priority is not None:
            extra["replica-priority"] = priority
        node = RedisNode(name, self._dir(name), replicaof=master.port,
                         extra=extra, **kw).start()
        self.nodes.append(node)
        return node

    def wait_replication(self, master, count, timeout=15.0):
        """Waits until master reports count online replicas."""
        def ok():
            info = master.client().info("replication")
            online = [v for k, v in info.items()
                      if k.startswith("slave") and isinstance(v, dict)
                      and v.get("state") == "online"]
            return len(online) >= count
        wait_until(ok, timeout, "%d online replicas of %s" % (
            count, master.name), self.nodes)

    def sentinel(self, name=None, binary=None, start=True, **kw):
        name = name or "sentinel%d" % len(self.sentinels)
        s = Sentinel(name, self._dir(name), binary=binary or self.binary,
                     **kw)
        self.sentinels.append(s)
        if start:
            s.start()
        return s

    def collector(self, sentinel):
        c = EventCollector(sentinel).start()
        self.collectors.append(c)
        return c

    def procs(self):
        return self.sentinels + self.nodes

    def close(self):
        """Stops everything by PID; raises AssertionError naming every
        sentinel that left a sanitizer report or did not exit cleanly."""
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
        if problems:
            raise AssertionError("\n\n".join(problems))
