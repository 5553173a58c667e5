#!/usr/bin/python3
"""sentineld against Debian's redis-sentinel, side by side in one run.

  make bench          every scenario, full rounds (about 25 minutes)
  make bench-quick    fewer rounds and sizes (under 5 minutes)

Scenarios (see each module's docstring): failover, discovery, scale,
clients.  Every scenario runs the two daemons alternately (A B A B ...)
on this machine's loopback, prints medians with min/max and the ratio
ours/theirs, and the whole run is written to bench/results/<time>.json.
Only measures and prints: nothing here is a pass/fail test.

The daemon under test is copied at start, so a rebuild of bin/sentineld
while the bench runs does not change what is measured.  Every process the
bench starts is stopped by PID on exit, also on Ctrl-C.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import clients  # noqa: E402
import discovery  # noqa: E402
import failover  # noqa: E402
import procs  # noqa: E402
import report  # noqa: E402
import scale  # noqa: E402

SCENARIOS = ("failover", "discovery", "scale", "clients")
FAILOVER_METRICS = ("sdown", "odown", "promoted", "switch_first", "switch_all",
                    "replica_link_up", "write_unavailable")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds and sizes")
    ap.add_argument("--only", default=",".join(SCENARIOS),
                    help="comma-separated scenarios (default: all)")
    ap.add_argument("--sentineld", default=os.path.join(ROOT, "bin", "sentineld"))
    ap.add_argument("--reference", default=procs.REFERENCE_BIN)
    ap.add_argument("--fakenode", default=os.path.join(ROOT, "build", "bench", "fakenode"))
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--rounds", type=int, help="failover rounds per daemon (kill, 1000 ms)")
    ap.add_argument("--scale-sizes", help="comma-separated N (default 100,500,1000)")
    ap.add_argument("--real-max", type=int, default=100,
                    help="largest N run on real redis-server processes")
    ap.add_argument("--idle", type=int, default=9900, help="idle clients (scenario 4)")
    ap.add_argument("--profile", action="store_true",
                    help="perf-record sentineld during discovery and scale")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--markdown", metavar="JSON",
                    help="print the table of an earlier result file as Markdown and exit")
    return ap.parse_args()


def plan(args):
    """Rounds and sizes for a full or quick run."""
    if args.quick:
        p = {"fo_kill": 3, "fo_stop": 1, "fo_slow": 1, "disc_rounds": 1,
             "scale_sizes": [100, 500], "scale_rounds": 1, "window_s": 10, "settle_s": 2,
             "clients_rounds": 1}
    else:
        p = {"fo_kill": 6, "fo_stop": 5, "fo_slow": 5, "disc_rounds": 5,
             "scale_sizes": [100, 500, 1000], "scale_rounds": 2, "window_s": 30,
             "settle_s": 5, "clients_rounds": 2}
    if args.rounds:
        p["fo_kill"] = args.rounds
    if args.scale_sizes:
        p["scale_sizes"] = [int(x) for x in args.scale_sizes.split(",")]
    return p


def log(msg):
    print(msg, flush=True)


def snapshot_binary(path, workroot):
    if not os.access(path, os.X_OK):
        raise SystemExit("bench: %s is missing: run make bin/sentineld first" % path)
    os.makedirs(os.path.join(workroot, "bin"), exist_ok=True)
    copy = os.path.join(workroot, "bin", "sentineld")
    shutil.copy2(path, copy)
    with open(copy, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    return copy, digest


def repo_relative(path):
    """path relative to the repository when it lies inside it."""
    path = os.path.abspath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def git_head():
    try:
        res = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def make_profiler(workroot, outdir, stamp, ours_key):
    """A profile(sentinel, label, fn) that runs fn under perf record when
    the sentinel is ours, and saves the report text next to the JSON."""
    def profile(sentinel, label, fn, freq=499):
        if sentinel.daemon.key != ours_key or shutil.which("perf") is None:
            return fn()
        data = os.path.join(workroot, "%s.perf.data" % label)
        rec = procs.Proc(["perf", "record", "-F", str(freq), "--call-graph", "dwarf,16384",
                          "-p", str(sentinel.pid), "-o", data], workroot, "perf")
        time.sleep(0.5)
        try:
            return fn()
        finally:
            os.kill(rec.pid, signal.SIGINT)
            rec.popen.wait(120)
            rec.stop()
            save_profile(data, os.path.join(outdir, "%s-profile-%s.txt" % (stamp, label)))
    return profile


def save_profile(data, path):
    views = [("self time by symbol", ["--no-children", "--sort", "dso,symbol", "-g", "none",
                                       "--percent-limit", "0.7"]),
             ("inclusive time (children) by symbol", ["--children", "--sort", "symbol",
                                                      "-g", "none", "--percent-limit", "3"])]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        for title, opts in views:
            res = subprocess.run(["perf", "report", "-i", data, "--stdio"] + opts,
                                 capture_output=True, text=True, timeout=600)
            lines = [ln for ln in res.stdout.splitlines() if ln.strip() and
                     not ln.startswith("# ") and ln.strip() != "#"]
            out.write("## %s\n%s\n\n" % (title, "\n".join(lines[:60])))
    log("  profile written to %s" % os.path.relpath(path, ROOT))


def run_failover(daemons, workroot, p, seed, table, doc):
    variants = [("kill", 1000, p["fo_kill"]), ("stop", 1000, p["fo_stop"]),
                ("kill", 5000, p["fo_slow"])]
    for mode, down_after, rounds in variants:
        name = "failover %s da=%d" % ("SIGKILL" if mode == "kill" else "SIGSTOP", down_after)
        log("\n== %s (%d rounds each)" % (name, rounds))
        res = failover.run(daemons, workroot, rounds, mode, down_after, seed, log)
        doc["scenarios"][name] = res
        ours, theirs = (res[d.key] for d in daemons)
        for metric in FAILOVER_METRICS:
            target = check = None
            if metric == "write_unavailable" and mode == "kill" and down_after == 1000:
                target = "<= %d ms and <= 0.5x" % (down_after + 300)
                check = (lambda o, t, r, da=down_after:
                         o <= da + 300 and r is not None and r <= 0.5)
            table.add(name, metric, "ms", [r.get(metric) for r in ours],
                      [r.get(metric) for r in theirs], target, check)


def run_discovery(daemons, workroot, p, quick, profile, table, doc):
    log("\n== discovery (redis-benchmark, %d clients, %d rounds)"
        % (discovery.CLIENTS, p["disc_rounds"]))
    res = discovery.run(daemons, workroot, p["disc_rounds"], quick, log, profile)
    doc["scenarios"]["discovery"] = res
    a, b = (d.key for d in daemons)
    for key, per in res.items():
        gm = key.startswith("get-master-addr")
        table.add("discovery", key + " rps", "req/s", [r["rps"] for r in per[a]],
                  [r["rps"] for r in per[b]], ">= 1.0x" if gm else None,
                  (lambda o, t, r: r is not None and r >= 1.0) if gm else None)
        for q in ("p50", "p99"):
            want = gm and q == "p99"
            table.add("discovery", "%s %s" % (key, q), "ms",
                      [r[q + "_ms"] for r in per[a]], [r[q + "_ms"] for r in per[b]],
                      "<= 1.0x" if want else None,
                      (lambda o, t, r: r is not None and r <= 1.0) if want else None)
        if "redis-server" in per:
            table.add("discovery", key + " rps, plain redis-server (ceiling)", "req/s",
                      [r["rps"] for r in per["redis-server"]], [])


def run_scale(daemons, workroot, p, args, profile, table, doc):
    log("\n== scale (N = %s; real redis-server up to N = %d, fakenode above; window %ds)"
        % (",".join(map(str, p["scale_sizes"])), args.real_max, p["window_s"]))
    res = scale.run(daemons, workroot, p["scale_sizes"], p["scale_rounds"], args.fakenode,
                    args.real_max, p["window_s"], p["settle_s"], log, profile)
    doc["scenarios"]["scale"] = res
    a, b = (d.key for d in daemons)
    table.add("scale", "RSS watching 1 pair (fixed cost)", "MB",
              [v / 1048576.0 for v in res["base"][a]], [v / 1048576.0 for v in res["base"][b]])
    for n in p["scale_sizes"]:
        per = res["N%d" % n]
        name = "scale N=%d (%s)" % (n, "real" if n <= args.real_max else "fakenode")
        big = n == 1000
        rows = [("discover_ms", "ms", "no slower (<= 1.0x)", lambda o, t, r: r <= 1.0),
                ("ready_ms", "ms", None, None),
                ("cpu_pct", "% of a core", "<= 0.5x", lambda o, t, r: r <= 0.5),
                ("rss_mb", "MB", None, None),
                ("rss_per_inst_kb", "KB", "<= 1.0x", lambda o, t, r: r <= 1.0),
                ("failover_ms", "ms", None, None),
                ("sdown_in_window", "events", None, None),
                ("fakenode_cpu_pct", "% of a core", None, None)]
        for metric, unit, target, check in rows:
            ov = [r.get(metric) for r in per[a]]
            tv = [r.get(metric) for r in per[b]]
            if not any(v is not None for v in ov + tv):
                continue
            guarded = (lambda c: (lambda o, t, r: r is not None and c(o, t, r)))(check) \
                if check else None
            table.add(name, metric, unit, ov, tv, target if big else None,
                      guarded if big else None)


def run_clients(daemons, workroot, p, args, table, doc):
    log("\n== clients (%d idle connections + get-master-addr load, %d rounds)"
        % (args.idle, p["clients_rounds"]))
    requests = 50000 if args.quick else 100000
    res = clients.run(daemons, workroot, p["clients_rounds"], args.idle, requests, log)
    doc["scenarios"]["clients"] = res
    a, b = (d.key for d in daemons)
    for metric, unit in (("accepted", "conns"), ("mem_per_conn_b", "bytes"), ("rss_mb", "MB"),
                         ("base_rps", "req/s"), ("base_p50_ms", "ms"), ("base_p99_ms", "ms"),
                         ("idle_rps", "req/s"), ("idle_p50_ms", "ms"), ("idle_p99_ms", "ms")):
        table.add("clients %d idle" % args.idle, metric, unit, [r.get(metric) for r in res[a]],
                  [r.get(metric) for r in res[b]])


def print_markdown(path):
    with open(path) as f:
        doc = json.load(f)
    table = report.Table()
    table.rows = doc["table"]
    print(table.markdown("sentineld", "redis-sentinel"))
    return 0


def main():
    args = parse_args()
    if args.markdown:
        return print_markdown(args.markdown)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        raise SystemExit("bench: unknown scenario(s): %s" % ", ".join(sorted(unknown)))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard == resource.RLIM_INFINITY else max(soft, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    # Also SIGINT: a shell starting us in the background may have left it
    # ignored, and Ctrl-C must still stop every process we started.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    p = plan(args)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    workroot = tempfile.mkdtemp(prefix="sentineld-bench-")
    started = time.monotonic()
    table = report.Table()
    try:
        binary, digest = snapshot_binary(args.sentineld, workroot)
        ours = procs.Daemon("sentineld", "sentineld", binary)
        theirs = procs.Daemon("redis-sentinel", "redis-sentinel", args.reference)
        daemons = [ours, theirs]
        doc = {"started": datetime.datetime.now().isoformat(timespec="seconds"),
               "quick": args.quick, "plan": p, "seed": args.seed,
               "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                           "loadavg_start": os.getloadavg()},
               "daemons": {"sentineld": {"path": repo_relative(args.sentineld),
                                         "sha256_16": digest,
                                         "git_head": git_head(), "version": ours.version()},
                           "redis-sentinel": {"path": args.reference,
                                              "version": theirs.version()}},
               "scenarios": {}}
        log("sentineld %s (%s, git %s) vs %s; %d CPUs; load %.2f"
            % (repo_relative(args.sentineld), digest, doc["daemons"]["sentineld"]["git_head"],
               doc["daemons"]["redis-sentinel"]["version"], os.cpu_count(),
               os.getloadavg()[0]))
        profile = make_profiler(workroot, args.out, stamp, ours.key) if args.profile else None
        if "failover" in only:
            run_failover(daemons, workroot, p, args.seed, table, doc)
        if "discovery" in only:
            run_discovery(daemons, workroot, p, args.quick, profile, table, doc)
        if "scale" in only:
            run_scale(daemons, workroot, p, args, profile, table, doc)
        if "clients" in only:
            run_clients(daemons, workroot, p, args, table, doc)
        doc["machine"]["loadavg_end"] = os.getloadavg()
        doc["duration_s"] = round(time.monotonic() - started, 1)
        doc["table"] = table.rows
        path = os.path.join(args.out, "%s%s.json" % (stamp, "-quick" if args.quick else ""))
        report.write_json(path, doc)
        log("\n" + table.render("sentineld", "redis-sentinel"))
        log("\nratio = median ours / median theirs; times are medians over A B A B rounds "
            "on a shared machine (absolute values are noise).")
        log("results: %s (%.0f s)" % (os.path.relpath(path, ROOT), doc["duration_s"]))
    except KeyboardInterrupt:
        log("\nbench: interrupted; stopping every process started")
        return 130
    finally:
        procs.stop_all()
        if args.keep:
            log("work directory kept: %s" % workroot)
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
