"""Scenario 3, scale: one sentinel watching N masters with one replica
each.  Real redis-server processes up to --real-max masters, above that
bench/fakenode (2N fake instances in one process), the same for both
daemons.  Measured per run:

  discover_ms        sentinel start -> INFO sentinel shows every master
                     with status=ok and its replica known
  ready_ms           sentinel start -> discovered and out of TILT (a
                     sentinel in TILT cannot fail over)
  cpu_pct            sentinel CPU (utime+stime from /proc/<pid>/stat) over
                     the steady window, percent of one core
  rss_mb             resident set size at the end of the window
  rss_per_inst_kb    (RSS - RSS of the same daemon watching 1 pair) / (2N-2)
  failover_ms        SIGKILL (or fakenode KILL) of one master -> its
                     +switch-master, while every other master is watched
  sdown_in_window    +sdown events during the steady window (should be 0)
"""

import os
import signal
import time

import failover as fo
import procs

DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


def start_real(workdir, n):
    """n redis-server masters with one replica each; returns (pairs, procs)."""
    masters = [procs.RedisNode(os.path.join(workdir, "m%d" % i)) for i in range(n)]
    for m in masters:
        m.wait_ready()
    replicas = [procs.RedisNode(os.path.join(workdir, "r%d" % i), replicaof=m.port)
                for i, m in enumerate(masters)]
    for r in replicas:
        r.wait_ready()
    for m in masters:
        procs.wait_online_replicas(m, 1, timeout=60)
    return [(m.port, r.port) for m, r in zip(masters, replicas)], masters + replicas


def all_discovered(port, n):
    masters = procs.info_sentinel_masters(port, timeout=10)
    ok = sum(1 for m in masters.values()
             if m.get("status") == "ok" and int(m.get("slaves", "0")) >= 1)
    return ok == n


def in_tilt(port):
    text = procs.call_once(port, "INFO", "sentinel", timeout=10)
    return "sentinel_tilt:1" in text


def start_sentinel(daemon, workdir, pairs):
    spec = [{"name": "m%d" % i, "port": mport, "quorum": 1, "down_after_ms": DOWN_AFTER_MS,
             "failover_timeout_ms": FAILOVER_TIMEOUT_MS} for i, (mport, _) in enumerate(pairs)]
    s = procs.SentinelProc(daemon, os.path.join(workdir, "sentinel"), spec)
    s.wait_ready(timeout=60)
    return s


def base_rss(daemon, workdir, fakenode_bin, settle_s):
    """RSS of the daemon watching a single fake pair (its fixed cost)."""
    fake = procs.FakeNodes(fakenode_bin, os.path.join(workdir, "fake"), 1)
    s = None
    try:
        s = start_sentinel(daemon, workdir, fake.pairs)
        procs.wait_until(lambda: all_discovered(s.port, 1), 30, "discovery of one pair",
                         interval=0.1)
        time.sleep(settle_s)
        return s.rss_bytes()
    finally:
        procs.stop_many([p for p in (s, fake) if p is not None])


def start_nodes(workdir, n, fakenode_bin, real_max):
    """Returns (pairs, processes, fakenode or None)."""
    if n <= real_max:
        pairs, nodes = start_real(os.path.join(workdir, "nodes"), n)
        return pairs, nodes, None
    fake = procs.FakeNodes(fakenode_bin, os.path.join(workdir, "fake"), n)
    return fake.pairs, [fake], fake


def one_run(daemon, workdir, n, fakenode_bin, real_max, window_s, settle_s):
    pairs, nodes, fake = start_nodes(workdir, n, fakenode_bin, real_max)
    s = collector = None
    try:
        s = start_sentinel(daemon, workdir, pairs)
        procs.wait_until(lambda: all_discovered(s.port, n), 180,
                         "%s to discover %d masters" % (s.name, n), interval=0.1)
        out = {"discover_ms": round((time.monotonic() - s.start_time) * 1000.0, 1)}
        # A sentinel in TILT neither votes nor fails over: wait it out.
        procs.wait_until(lambda: not in_tilt(s.port), 120, "%s to leave TILT" % s.name,
                         interval=0.2)
        out["ready_ms"] = round((time.monotonic() - s.start_time) * 1000.0, 1)
        collector = fo.EventCollector(s.port)
        collector.start()
        time.sleep(settle_s)
        out.update(steady(s, fake, window_s, collector))
        procs.wait_until(lambda: not in_tilt(s.port), 60, "%s to leave TILT" % s.name,
                         interval=0.2)
        out["failover_ms"] = fail_one(s, fake, nodes, pairs, collector)
        return out
    finally:
        if collector is not None:
            collector.stop()
        procs.stop_many([p for p in [s] + nodes if p is not None])


def profile_run(daemon, workdir, n, fakenode_bin, real_max, window_s, settle_s, profile):
    """An extra, unmeasured run under the profiler: start-up until every
    master is discovered, then the steady state."""
    pairs, nodes, _ = start_nodes(workdir, n, fakenode_bin, real_max)
    s = None
    try:
        s = start_sentinel(daemon, workdir, pairs)
        profile(s, "scale-N%d-startup" % n, lambda: procs.wait_until(
            lambda: all_discovered(s.port, n), 180, "discovery", interval=0.1), freq=97)
        procs.wait_until(lambda: not in_tilt(s.port), 120, "TILT to end", interval=0.2)
        time.sleep(settle_s)
        profile(s, "scale-N%d-steady" % n, lambda: time.sleep(window_s))
    finally:
        procs.stop_many([p for p in [s] + nodes if p is not None])


def steady(s, cpu_probe, window_s, collector):
    t0 = time.monotonic()
    c0 = s.cpu_ticks()
    f0 = cpu_probe.cpu_ticks() if cpu_probe else None
    time.sleep(window_s)
    c1 = s.cpu_ticks()
    f1 = cpu_probe.cpu_ticks() if cpu_probe else None
    t1 = time.monotonic()
    wall = t1 - t0
    out = {"cpu_pct": round((c1 - c0) / procs.CLOCK_TICKS / wall * 100.0, 2),
           "rss_mb": round(s.rss_bytes() / 1048576.0, 2),
           "sdown_in_window": sum(1 for e in list(collector.events)
                                  if e[1] == "+sdown" and t0 <= e[0] <= t1),
           "tilt_in_window": sum(1 for e in list(collector.events)
                                 if e[1] == "+tilt" and t0 <= e[0] <= t1)}
    if cpu_probe:
        out["fakenode_cpu_pct"] = round((f1 - f0) / procs.CLOCK_TICKS / wall * 100.0, 2)
    return out


def fail_one(s, fake, nodes, pairs, collector, timeout_s=40.0):
    """Kills master m0 and times its +switch-master."""
    mport = pairs[0][0]
    t0 = time.monotonic()
    if fake is not None:
        fake.kill_instance(mport)
    else:
        next(p for p in nodes if p.port == mport).signal(signal.SIGKILL)

    def switched():
        return next((e[0] for e in list(collector.events)
                     if e[1] == "+switch-master" and e[2].startswith("m0 ") and e[0] >= t0),
                    None)
    try:
        t = procs.wait_until(switched, timeout_s, "+switch-master of m0", interval=0.02)
    except procs.BenchError:
        return None
    return round((t - t0) * 1000.0, 1)


def run(daemons, workroot, sizes, rounds, fakenode_bin, real_max, window_s, settle_s, log,
        profile=None):
    """Returns {"N<n>": {daemon key: [run dicts]}, "base": {daemon key: [bytes]}}."""
    results = {"base": {d.key: [] for d in daemons}}
    for d in daemons:
        wd = os.path.join(workroot, "scale-base-" + d.key)
        results["base"][d.key].append(base_rss(d, wd, fakenode_bin, min(settle_s, 3.0)))
    for n in sizes:
        key = "N%d" % n
        results[key] = {d.key: [] for d in daemons}
        for i in range(rounds):
            for d in daemons:
                wd = os.path.join(workroot, "scale-%d-%s-%d" % (n, d.key, i))
                try:
                    r = one_run(d, wd, n, fakenode_bin, real_max, window_s, settle_s)
                except procs.BenchError as exc:
                    r = {"error": str(exc)}
                r["real_instances"] = n <= real_max
                base = results["base"][d.key][0]
                if "rss_mb" in r:
                    r["rss_per_inst_kb"] = round(
                        (r["rss_mb"] * 1048576.0 - base) / 1024.0 / (2 * n - 2), 2)
                results[key][d.key].append(r)
                log("  N=%-5d %-14s round %d: %s" % (n, d.label, i + 1, r))
        if profile is not None:
            wd = os.path.join(workroot, "scale-%d-profile" % n)
            profile_run(daemons[0], wd, n, fakenode_bin, real_max, min(window_s, 15),
                        settle_s, profile)
    return results
