"""Scenario 4, clients: one sentinel watching one master, IDLE idle client
connections (each has sent one PING, as a pooled connection has), and
discovery load from redis-benchmark (50 clients, get-master-addr-by-name)
before and while they are connected.  Measured per run:

  mem_per_conn_b     (RSS with the idle clients - RSS before) / IDLE
  base_*             get-master-addr-by-name rps / p50 / p99 without them
  idle_*             the same with the idle clients connected
  accepted           idle connections that got their PONG
"""

import os
import socket
import time

import procs

GET_MASTER = ["SENTINEL", "get-master-addr-by-name", "mymaster"]
LOAD_CLIENTS = 50


def open_idle(port, count, timeout_s=120.0):
    """count connections that each sent PING and read PONG.  Returns the
    sockets; stops early on refusal or when timeout_s runs out."""
    socks = []
    deadline = time.monotonic() + timeout_s
    batch = 200
    while len(socks) < count and time.monotonic() < deadline:
        fresh = []
        for _ in range(min(batch, count - len(socks))):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                break
            fresh.append(s)
        for s in fresh:
            try:
                s.sendall(b"PING\r\n")
            except OSError:
                pass
        for s in fresh:
            try:
                reply = s.recv(64)
            except OSError:
                reply = b""
            if reply.startswith(b"+PONG"):
                socks.append(s)
            else:
                s.close()
        if len(fresh) == 0 or len(socks) % batch:
            break
    return socks


def one_run(daemon, workdir, idle, requests):
    master = procs.RedisNode(os.path.join(workdir, "master")).wait_ready()
    s = procs.SentinelProc(daemon, os.path.join(workdir, "sentinel"),
                           [{"name": "mymaster", "port": master.port, "quorum": 1,
                             "down_after_ms": 5000, "failover_timeout_ms": 60000}],
                           extra_lines=["maxclients %d" % (idle + LOAD_CLIENTS + 64)])
    socks = []
    try:
        s.wait_ready()
        procs.wait_until(lambda: s.master_state()["flags"] == "master", 20, "master known")
        time.sleep(1.0)
        out = {}
        r = procs.redis_benchmark(s.port, GET_MASTER, LOAD_CLIENTS, requests, 1)
        out.update({"base_rps": r["rps"], "base_p50_ms": r["p50_ms"], "base_p99_ms": r["p99_ms"]})
        time.sleep(0.5)
        rss0 = s.rss_bytes()
        t0 = time.monotonic()
        socks = open_idle(s.port, idle)
        out["connect_s"] = round(time.monotonic() - t0, 2)
        out["accepted"] = len(socks)
        time.sleep(1.0)
        rss1 = s.rss_bytes()
        out["rss_mb"] = round(rss1 / 1048576.0, 2)
        out["mem_per_conn_b"] = round((rss1 - rss0) / max(1, len(socks)), 1)
        try:
            r = procs.redis_benchmark(s.port, GET_MASTER, LOAD_CLIENTS, requests, 1)
            out.update({"idle_rps": r["rps"], "idle_p50_ms": r["p50_ms"],
                        "idle_p99_ms": r["p99_ms"]})
        except procs.BenchError as exc:
            out["idle_error"] = str(exc)[:200]
        return out
    finally:
        for sock in socks:
            sock.close()
        procs.stop_many([s, master])


def run(daemons, workroot, rounds, idle, requests, log):
    results = {d.key: [] for d in daemons}
    for i in range(rounds):
        for d in daemons:
            wd = os.path.join(workroot, "clients-%s-%d" % (d.key, i))
            try:
                r = one_run(d, wd, idle, requests)
            except procs.BenchError as exc:
                r = {"error": str(exc)}
            results[d.key].append(r)
            log("  %-14s round %d: %s" % (d.label, i + 1, r))
    return results
