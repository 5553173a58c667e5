#!/usr/bin/python3
"""make demo: a local constellation and a real failover, with its timeline.

Starts a Redis master and two replicas (Debian's redis-server) and three
sentineld in a temporary directory on free loopback ports, writes through a
Sentinel-aware client (redis-py), kills the master with SIGKILL and prints
when each step happened, then the final topology.  The old master is
restarted at the end to show it rejoining as a replica.  Every process it
started is stopped on exit, also on Ctrl-C.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis
from redis.sentinel import Sentinel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SENTINELD = os.environ.get("SENTINELD_BIN", os.path.join(ROOT, "bin", "sentineld"))
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000

procs = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, log):
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, close_fds=True)
    procs.append(p)
    return p


def start_redis(tmp, port, master_port=None):
    d = os.path.join(tmp, f"redis-{port}")
    os.makedirs(d, exist_ok=True)
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
            "--save", "", "--appendonly", "no", "--daemonize", "no"]
    if master_port:
        args += ["--replicaof", "127.0.0.1", str(master_port)]
    return start(args, open(os.path.join(d, "log"), "w"))


def start_sentinel(tmp, port, master_port):
    conf = os.path.join(tmp, f"sentinel-{port}.conf")
    with open(conf, "w") as f:
        f.write(f"port {port}\nbind 127.0.0.1\ndir {tmp}\n"
                f"logfile sentinel-{port}.log\n"
                f"sentinel monitor mymaster 127.0.0.1 {master_port} 2\n"
                f"sentinel down-after-milliseconds mymaster {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout mymaster {FAILOVER_TIMEOUT_MS}\n")
    return start([SENTINELD, conf], subprocess.DEVNULL)


def wait_for(what, fn, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if fn():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise SystemExit(f"demo: timed out waiting for {what}")


class Events(threading.Thread):
    """Records every event one sentinel publishes, with its arrival time."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.seen = []
        self.ps = redis.Redis(port=port, decode_responses=True).pubsub()
        self.ps.psubscribe("*")

    def run(self):
        while True:
            try:
                m = self.ps.get_message(timeout=0.2)
            except (redis.RedisError, OSError, ValueError):
                return
            if m and m["type"] == "pmessage":
                self.seen.append((time.time(), m["channel"], m["data"]))

    def first(self, channel):
        return next((e for e in self.seen if e[1] == channel), None)


class Writer(threading.Thread):
    """Writes every 10 ms through Sentinel discovery, like an application."""

    def __init__(self, sentinel_ports):
        super().__init__(daemon=True)
        self.sentinel = Sentinel([("127.0.0.1", p) for p in sentinel_ports],
                                 socket_timeout=0.2)
        self.ok = []
        self.stop = False

    def run(self):
        i = 0
        while not self.stop:
            try:
                m = self.sentinel.master_for("mymaster", socket_timeout=0.2)
                m.set("demo:key", i)
                self.ok.append(time.time())
            except (redis.RedisError, OSError):
                pass
            i += 1
            time.sleep(0.01)


def cleanup(*_):
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    procs.clear()


def main():
    if not os.access(SENTINELD, os.X_OK):
        raise SystemExit(f"demo: {SENTINELD} is missing: run make first")
    tmp = tempfile.mkdtemp(prefix="sentineld-demo-")
    signal.signal(signal.SIGINT, lambda *a: (cleanup(), sys.exit(130)))
    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(143)))
    try:
        run(tmp)
    finally:
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    mport, r1, r2 = free_port(), free_port(), free_port()
    sports = [free_port() for _ in range(3)]
    print(f"Starting redis-server master :{mport}, replicas :{r1} :{r2}")
    master = start_redis(tmp, mport)
    start_redis(tmp, r1, mport)
    start_redis(tmp, r2, mport)
    print(f"Starting three sentineld on :{sports[0]} :{sports[1]} :{sports[2]}")
    for p in sports:
        start_sentinel(tmp, p, mport)
    for p in sports:
        c = redis.Redis(port=p, decode_responses=True)
        wait_for(f"sentinel :{p} to discover the constellation",
                 lambda c=c: (int(c.sentinel_master("mymaster")["num-slaves"]) == 2 and
                              int(c.sentinel_master("mymaster")["num-other-sentinels"]) == 2))
        wait_for(f"replicas of :{p} to be ready",
                 lambda c=c: all(s["master-link-status"] == "ok"
                                 for s in c.sentinel_slaves("mymaster")))
    print("Discovery done: every sentinel sees 2 replicas and 2 other sentinels.")
    events = [Events(p) for p in sports]
    for e in events:
        e.start()
    writer = Writer(sports)
    writer.start()
    wait_for("the first write", lambda: len(writer.ok) > 5)

    t0 = time.time()
    master.kill()
    print(f"\nkill -9 of the master (:{mport}) at t=0")
    wait_for("the new master to take writes",
             lambda: any(t > t0 + 0.05 for t in writer.ok) and
             all(redis.Redis(port=p, decode_responses=True)
                 .sentinel_get_master_addr_by_name("mymaster")[1] != str(mport)
                 for p in sports), timeout=60)
    time.sleep(1.5)
    writer.stop = True
    print_timeline(t0, events, writer, mport)

    print(f"\nRestarting the old master :{mport}; it must come back as a replica.")
    start_redis(tmp, mport)
    old = redis.Redis(port=mport, decode_responses=True)
    wait_for("the old master to be converted", lambda: old.info("replication")["role"] == "slave",
             timeout=40)
    conv = [e.first("+convert-to-slave") for e in events]
    conv = [c for c in conv if c]
    when = f" (+convert-to-slave at t={(conv[0][0] - t0) * 1000:.0f} ms)" if conv else ""
    time.sleep(2)  # let the converted node's links settle before the snapshot
    print(f"Old master is now a replica of "
          f"{old.info('replication')['master_host']}:{old.info('replication')['master_port']}"
          f"{when}")
    print_topology(sports[0])


def print_timeline(t0, events, writer, mport):
    def at(channel, how=min):
        times = [e.first(channel)[0] for e in events if e.first(channel)]
        return (how(times) - t0) * 1000 if times else None

    rows = [("+sdown (first sentinel)", at("+sdown")),
            ("+odown (first sentinel)", at("+odown")),
            ("+elected-leader", at("+elected-leader")),
            ("+promoted-slave", at("+promoted-slave")),
            ("+switch-master (first sentinel)", at("+switch-master")),
            ("+switch-master (all sentinels)", at("+switch-master", max))]
    first_ok = next((t for t in writer.ok if t > t0), None)
    rows.append(("first successful write", (first_ok - t0) * 1000 if first_ok else None))
    print("\nTimeline (ms after the kill):")
    for name, ms in rows:
        print(f"  {name:34s} {'-' if ms is None else f'{ms:8.0f}'}")
    leader = [e.port for e in events if e.first("+elected-leader")]
    sw = next((e.first("+switch-master") for e in events if e.first("+switch-master")), None)
    if leader:
        print(f"  leader: sentineld :{leader[0]}")
    if sw:
        print(f"  switch: {sw[2]}")


def print_topology(port):
    c = redis.Redis(port=port, decode_responses=True)
    m = c.sentinel_master("mymaster")
    print(f"\nFinal topology (as sentineld :{port} sees it):")
    print(f"  master  {m['ip']}:{m['port']}  flags={m['flags']}  config-epoch={m['config-epoch']}")
    for s in c.sentinel_slaves("mymaster"):
        print(f"  replica {s['ip']}:{s['port']}  flags={s['flags']}  "
              f"link={s['master-link-status']}")
    for s in c.sentinel_sentinels("mymaster"):
        print(f"  sentinel {s['ip']}:{s['port']}  flags={s['flags']}")


if __name__ == "__main__":
    main()
