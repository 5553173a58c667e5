"""Scenario 2, discovery throughput: redis-benchmark, 50 clients, against
one sentinel of each kind (each watching its own master with two
replicas, both running side by side), pipelines 1 and 16, for
SENTINEL get-master-addr-by-name, PING and SENTINEL masters; plus PING on
a plain redis-server as the machine's ceiling.  Runs alternate A B A B
per command so that machine noise falls on both alike.
"""

import os

import procs

COMMANDS = [
    ("get-master-addr", ["SENTINEL", "get-master-addr-by-name", "mymaster"]),
    ("ping", ["PING"]),
    ("masters", ["SENTINEL", "masters"]),
]
PIPELINES = (1, 16)
CLIENTS = 50


def requests_for(name, pipeline, quick):
    """Enough requests for a run of a second or more at the expected rate."""
    base = 1000000 if pipeline > 1 else 100000
    if name == "masters":
        base //= 4
    return base // 4 if quick else base


def setup(daemon, workdir):
    master = procs.RedisNode(os.path.join(workdir, "master")).wait_ready()
    replicas = [procs.RedisNode(os.path.join(workdir, "replica%d" % i),
                                replicaof=master.port).wait_ready() for i in (1, 2)]
    procs.wait_online_replicas(master, 2)
    s = procs.SentinelProc(daemon, os.path.join(workdir, "sentinel"),
                           [{"name": "mymaster", "port": master.port, "quorum": 1,
                             "down_after_ms": 5000, "failover_timeout_ms": 60000}])
    s.wait_ready()
    procs.wait_until(lambda: int(s.master_state()["num-slaves"]) == 2, 30,
                     "%s to see both replicas" % s.name)
    return s, [master] + replicas


def run(daemons, workroot, rounds, quick, log, profile=None):
    """Returns {"<cmd>-P<n>": {daemon key or "redis-server": [result dicts]}}.

    profile, when given, is called as profile(sentinel proc, label, fn)
    around extra, unmeasured runs against the first daemon (ours)."""
    sentinels, nodes = {}, []
    try:
        for d in daemons:
            s, n = setup(d, os.path.join(workroot, "discovery-" + d.key))
            sentinels[d.key] = s
            nodes += n
        plain = procs.RedisNode(os.path.join(workroot, "discovery-plain")).wait_ready()
        nodes.append(plain)
        results = {}
        for name, args in COMMANDS:
            for pipeline in PIPELINES:
                key = "%s-P%d" % (name, pipeline)
                results[key] = {d.key: [] for d in daemons}
                if name == "ping":
                    results[key]["redis-server"] = []
                n = requests_for(name, pipeline, quick)
                for _ in range(rounds):
                    for d in daemons:
                        r = procs.redis_benchmark(sentinels[d.key].port, args, CLIENTS, n,
                                                  pipeline)
                        results[key][d.key].append(r)
                    if name == "ping":
                        r = procs.redis_benchmark(plain.port, args, CLIENTS, n, pipeline)
                        results[key]["redis-server"].append(r)
                log("  %-18s %s" % (key, "  ".join(
                    "%s %.0f rps p99 %.2f ms" % (k, v[-1]["rps"], v[-1]["p99_ms"])
                    for k, v in results[key].items())))
        if profile is not None:
            # Extra, unmeasured runs of about ten seconds each under perf.
            for name, args, pipeline, n in (
                    ("get-master-addr", COMMANDS[0][1], 1, 500000),
                    ("get-master-addr", COMMANDS[0][1], 16, 5000000),
                    ("masters", COMMANDS[2][1], 16, 1000000)):
                for d in daemons[:1]:
                    s = sentinels[d.key]
                    profile(s, "discovery-%s-P%d" % (name, pipeline),
                            lambda s=s, a=args, p=pipeline, n=n: procs.redis_benchmark(
                                s.port, a, CLIENTS, n, p))
        return results
    finally:
        procs.stop_many(list(sentinels.values()) + nodes)
