"""Scenario 1, failover: a master and two replicas (redis-server), three
sentinels of one kind, quorum 2.  The master is killed with SIGKILL (or
paused with SIGSTOP) and the bench times, from that moment:

  sdown, odown, elected, promoted   first sentinel to publish the event
  switch_first, switch_all          first / last sentinel's +switch-master
  replica_link_up                   the replica that was not promoted reports
                                    master_link_status:up with the new master
  write_unavailable                 a client that asks Sentinel for the master
                                    (redis-py Sentinel.discover_master) and
                                    writes every 10 ms: first successful write
                                    on the new master
"""

import os
import random
import signal
import socket
import threading
import time

import redis
from redis.sentinel import Sentinel

import procs

FAILOVER_TIMEOUT_MS = 3000
EVENTS = ("+sdown", "+odown", "+elected-leader", "+promoted-slave", "+switch-master")


class EventCollector(threading.Thread):
    """PSUBSCRIBE * on one sentinel; records (monotonic time, channel, data)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.events = []
        self.stop_flag = threading.Event()
        self.conn = procs.Resp(port, timeout=5)
        self.conn.send("PSUBSCRIBE", "*")
        self.conn.read()
        # Blocking reads: stop() shuts the socket down to end them.
        self.conn.sock.settimeout(None)

    def run(self):
        while not self.stop_flag.is_set():
            try:
                msg = self.conn.read()
            except (OSError, ConnectionError):
                return
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == "pmessage":
                self.events.append((time.monotonic(), msg[2], msg[3]))

    def first(self, channel):
        return next((e for e in list(self.events) if e[1] == channel), None)

    def stop(self):
        self.stop_flag.set()
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.join(2)
        self.conn.close()


class ReplicaWatcher(threading.Thread):
    """Reads INFO replication of each replica every 10 ms and records when
    it first reports a live link to each master port."""

    def __init__(self, ports):
        super().__init__(daemon=True)
        self.clients = {p: redis.Redis(port=p, socket_timeout=0.5, decode_responses=True)
                        for p in ports}
        self.link_up = {p: {} for p in ports}  # replica -> {master port: time}
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            for port, c in self.clients.items():
                try:
                    info = c.info("replication")
                except (redis.RedisError, OSError):
                    continue
                if info.get("role") == "slave" and info.get("master_link_status") == "up":
                    self.link_up[port].setdefault(int(info["master_port"]), time.monotonic())
            time.sleep(0.01)

    def stop(self):
        self.stop_flag.set()
        self.join(2)


class Writer(threading.Thread):
    """An application writing every 10 ms to whatever master Sentinel names."""

    def __init__(self, sentinel_ports):
        super().__init__(daemon=True)
        self.sentinel = Sentinel([("127.0.0.1", p) for p in sentinel_ports],
                                 socket_timeout=0.2, socket_connect_timeout=0.2)
        self.clients = {}
        self.ok = []  # (time, master port)
        self.stop_flag = threading.Event()

    def client(self, port):
        if port not in self.clients:
            self.clients[port] = redis.Redis(port=port, socket_timeout=0.2,
                                             socket_connect_timeout=0.2)
        return self.clients[port]

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            try:
                _, port = self.sentinel.discover_master("mymaster")
                self.client(int(port)).set("bench:key", i)
                self.ok.append((time.monotonic(), int(port)))
            except (redis.RedisError, OSError):
                pass
            i += 1
            time.sleep(0.01)

    def stop(self):
        self.stop_flag.set()
        self.join(3)


def wait_discovered(sentinels, timeout=40.0):
    """Every sentinel knows both replicas (links ok) and both peers."""
    def ok(s):
        m = s.master_state()
        if int(m["num-slaves"]) != 2 or int(m["num-other-sentinels"]) != 2:
            return False
        return all(r["master-link-status"] == "ok" and r["flags"] == "slave"
                   for r in s.replicas())
    for s in sentinels:
        procs.wait_until(lambda s=s: ok(s), timeout, "%s to discover the setup" % s.name,
                         interval=0.1)


def one_round(daemon, workdir, mode, down_after_ms, rng):
    """One failover.  Returns {metric: milliseconds or None}."""
    master = procs.RedisNode(os.path.join(workdir, "master"))
    master.wait_ready()
    replicas = [procs.RedisNode(os.path.join(workdir, "replica%d" % i), replicaof=master.port)
                for i in (1, 2)]
    for r in replicas:
        r.wait_ready()
    procs.wait_online_replicas(master, 2)
    spec = [{"name": "mymaster", "port": master.port, "quorum": 2,
             "down_after_ms": down_after_ms, "failover_timeout_ms": FAILOVER_TIMEOUT_MS}]
    sentinels = [procs.SentinelProc(daemon, os.path.join(workdir, "s%d" % i), spec)
                 for i in range(3)]
    threads = []
    try:
        for s in sentinels:
            s.wait_ready()
        wait_discovered(sentinels)
        collectors = [EventCollector(s.port) for s in sentinels]
        watcher = ReplicaWatcher([r.port for r in replicas])
        writer = Writer([s.port for s in sentinels])
        threads = collectors + [watcher, writer]
        for t in threads:
            t.start()
        procs.wait_until(lambda: len(writer.ok) >= 20, 10, "the writer to write")
        # A random phase against the sentinels' one-second PING period.
        time.sleep(rng.uniform(0.0, 1.0))
        t0 = time.monotonic()
        master.signal(signal.SIGKILL if mode == "kill" else signal.SIGSTOP)
        result = wait_outcome(t0, master.port, [r.port for r in replicas], collectors,
                              watcher, writer, down_after_ms)
    finally:
        for t in threads:
            t.stop()
        procs.stop_many(sentinels + replicas + [master])
    return result


def wait_outcome(t0, old_port, replica_ports, collectors, watcher, writer, down_after_ms):
    deadline = t0 + down_after_ms / 1000.0 + 30.0

    def new_master():
        sw = [c.first("+switch-master") for c in collectors]
        sw = [e for e in sw if e]
        return int(sw[0][2].split()[4]) if sw else None

    def other_link(new_port):
        other = [p for p in replica_ports if p != new_port]
        return watcher.link_up[other[0]].get(new_port) if other else None

    def first_write(new_port):
        return next((t for t, p in list(writer.ok) if t > t0 and p == new_port), None)

    while time.monotonic() < deadline:
        new_port = new_master()
        if (new_port is not None and all(c.first("+switch-master") for c in collectors)
                and other_link(new_port) and first_write(new_port)):
            break
        time.sleep(0.05)
    time.sleep(0.2)
    new_port = new_master()

    def ms(t):
        return None if t is None else round((t - t0) * 1000.0, 1)

    def first_of(channel, how=min):
        times = [c.first(channel)[0] for c in collectors if c.first(channel)]
        if not times or (how is max and len(times) < len(collectors)):
            return None
        return ms(how(times))

    out = {"sdown": first_of("+sdown"), "odown": first_of("+odown"),
           "elected": first_of("+elected-leader"), "promoted": first_of("+promoted-slave"),
           "switch_first": first_of("+switch-master"),
           "switch_all": first_of("+switch-master", max)}
    out["replica_link_up"] = ms(other_link(new_port)) if new_port else None
    out["write_unavailable"] = ms(first_write(new_port)) if new_port else None
    out["new_master_is_replica"] = new_port in replica_ports and new_port != old_port
    out["failovers_seen"] = sum(1 for c in collectors for e in list(c.events)
                                if e[1] == "+switch-master")
    return out


def run(daemons, workroot, rounds, mode, down_after_ms, seed, log):
    """A B A B... rounds.  Returns {daemon key: [round results]}."""
    rng = random.Random(seed)
    results = {d.key: [] for d in daemons}
    for i in range(rounds):
        for d in daemons:
            wd = os.path.join(workroot, "failover-%s-%d-%s-%d" % (mode, down_after_ms, d.key, i))
            try:
                r = one_round(d, wd, mode, down_after_ms, rng)
            except procs.BenchError as exc:
                log("  %s round %d: setup failed: %s" % (d.label, i + 1, exc))
                r = {"error": str(exc)}
            results[d.key].append(r)
            log("  %-14s round %d: %s" % (d.label, i + 1, brief(r)))
    return results


def brief(r):
    if "error" in r:
        return "error"
    keys = ("sdown", "odown", "promoted", "switch_first", "switch_all", "replica_link_up",
            "write_unavailable")
    return " ".join("%s=%s" % (k, "-" if r.get(k) is None else "%.0f" % r[k]) for k in keys)
