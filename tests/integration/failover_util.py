"""Helpers for the failover tests, built on harness.py.

A deployment here is one redis-server master with its replicas and three
sentinels (quorum 2) that each have a PSUBSCRIBE * listener from before any
fault.  fail_over() kills the current master with SIGKILL and checks what
every automatic failover must end with; the tests then look at the events
and states it recorded.

Redis Sentinel 7.0 timings these waits allow for (down-after 1500 ms):
SDOWN ~1.5 s after the kill, ODOWN after the peers answer (asked every
second), a random 0-1 s delay before the attempt, promotion and replica
reconfiguration confirmed by INFO polled every second, peers learning the
new address from hellos sent every 2 s.  A restarted old master is turned
into a replica (+convert-to-slave) only after it has reported role master
for 8 s (4 hello periods) and been polled again, which INFO every 10 s
makes 10-12 s.
"""

import re
import threading
import time
from types import SimpleNamespace

import redis
import redis.sentinel

import harness
from harness import wait_until

NAME = "mymaster"
HOST = "127.0.0.1"

# Not the 1000 ms the other tests use: with down-after at or below the 1 s
# ping period, Redis Sentinel 7.0 sometimes calls a just-promoted master
# SDOWN (its link to the new address may connect up to a second after
# the switch, and down-after counts from the switch), and since the peers'
# "master is down" answers about the old address still count, it goes
# straight to ODOWN and fails over a second time.  1500 ms leaves room.
DOWN_AFTER_MS = 1500
DISCOVERY_TIMEOUT_S = 15.0
# kill -> every sentinel names the new master.
FAILOVER_TIMEOUT_S = 30.0
# restart of the old master -> it replicates from the new one.
REJOIN_TIMEOUT_S = 30.0
# Quiet time after agreement, for late duplicate promotions to show.
SETTLE_S = 1.0


# ---------------------------------------------------------------- payloads

def master_desc(master_port, name=NAME):
    """`master <name> <ip> <port>`, as Redis describes a master in events."""
    return "master %s %s %d" % (name, HOST, master_port)


def replica_desc(replica_port, master_port, name=NAME):
    """`slave <ip>:<port> <ip> <port> @ <name> <master-ip> <master-port>`."""
    return "slave %s:%d %s %d @ %s %s %d" % (
        HOST, replica_port, HOST, replica_port, name, HOST, master_port)


def sentinel_desc(runid, port, master_port, name=NAME):
    """`sentinel <runid> <ip> <port> @ <name> <master-ip> <master-port>`."""
    return "sentinel %s %s %d @ %s %s %d" % (
        runid, HOST, port, name, HOST, master_port)


def switch_desc(old_port, new_port, name=NAME):
    """The +switch-master payload."""
    return "%s %s %d %s %d" % (name, HOST, old_port, HOST, new_port)


# ---------------------------------------------------------------- queries

def master_addr(sentinel):
    """(ip, port) from SENTINEL GET-MASTER-ADDR-BY-NAME, or None."""
    reply = sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)
    if not isinstance(reply, list) or len(reply) != 2:
        return None
    return reply[0].decode(), int(reply[1])


def master_state(sentinel):
    """SENTINEL MASTER mymaster as a dict of strings."""
    return dict(harness.pairs(sentinel.call("SENTINEL", "MASTER", NAME)))


def listed(sentinel, what):
    """SENTINEL REPLICAS / SENTINELS as a list of dicts."""
    return [dict(harness.pairs(item))
            for item in sentinel.call("SENTINEL", what, NAME)]


def config_epoch(sentinel):
    return int(master_state(sentinel)["config-epoch"])


def config_lines(sentinel):
    return [line.strip() for line in sentinel.config_file().splitlines()]


def config_value(sentinel, prefix):
    """The rest of the last config line starting with prefix, or None."""
    found = None
    for line in config_lines(sentinel):
        if line.startswith(prefix + " "):
            found = line[len(prefix) + 1:]
    return found


def replication(node):
    """INFO replication of a redis-server as a dict."""
    return node.client().info("replication")


def follows(node, master_port):
    """True when node is a replica of master_port with its link up."""
    info = replication(node)
    return (info.get("role") == "slave"
            and int(info.get("master_port", 0)) == master_port
            and info.get("master_link_status") == "up")


# ---------------------------------------------------------------- events

def all_events(setup, since=0.0, channel=None, pattern=None):
    """Events from every listener the setup ever had, oldest first, as
    (time, sentinel index, channel, message)."""
    rx = re.compile(pattern) if pattern else None
    out = []
    for index, col in setup.listeners:
        for t, ch, msg in col.snapshot():
            if t < since or (channel and ch != channel):
                continue
            if rx and not rx.fullmatch(msg):
                continue
            out.append((t, index, ch, msg))
    out.sort(key=lambda e: e[0])
    return out


def dump_events(setup, since=0.0):
    lines = ["events since %.2f:" % since]
    for t, i, ch, msg in all_events(setup, since):
        lines.append("  %.2f %s %s %s" % (t, setup.sentinels[i].name, ch,
                                          msg))
    return "\n".join(lines)


def explain(setup, since=0.0):
    """Events and process log tails, for assertion messages."""
    return "%s\n%s" % (dump_events(setup, since),
                       harness.describe(setup.c.procs()))


def wait_event(setup, channel, pattern=None, since=0.0,
               timeout=FAILOVER_TIMEOUT_S, who=None, interval=None):
    """Waits for an event on any listener (or sentinel index who only),
    polling every interval seconds; returns the first match."""
    def got():
        for e in all_events(setup, since, channel, pattern):
            if who is None or e[1] == who:
                return e
        return None
    try:
        return wait_until(got, timeout, "event %s %s" % (
            channel, pattern or ""), interval=interval or harness.POLL_S)
    except AssertionError as exc:
        raise AssertionError("%s\n%s" % (exc, explain(setup, since))) \
            from None


def restart_sentinel(setup, index):
    """SIGKILLs sentinel index and starts it again on the config file it
    rewrote, then subscribes to it again.  Returns the config file's text
    as the killed process left it."""
    s = setup.sentinels[index]
    s.kill()
    setup.restarted[index] = time.monotonic()
    text = s.config_file()
    s.start(write_config=False)
    listen(setup, index)
    return text


def listen(setup, index):
    """(Re)subscribes to sentinel index, e.g. after it restarted."""
    col = setup.c.collector(setup.sentinels[index])
    setup.listeners.append((index, col))
    return col


# ---------------------------------------------------------------- setup

def build(c, priorities=(None, None), quorum=2, down_after_ms=DOWN_AFTER_MS,
          failover_timeout_ms=5000, binaries=None):
    """Starts a master, one replica per entry of priorities (None: the
    default priority), and one sentinel per entry of binaries (default:
    three of the daemon under test); waits until every sentinel knows every
    replica and peer; subscribes to all of them."""
    master = c.master()
    replicas = [c.replica(master, priority=p) for p in priorities]
    c.wait_replication(master, len(replicas))
    monitor = [dict(port=master.port, quorum=quorum,
                    down_after_ms=down_after_ms,
                    failover_timeout_ms=failover_timeout_ms)]
    binaries = binaries or [None] * 3
    sentinels = [c.sentinel(binary=b, masters=monitor) for b in binaries]
    setup = SimpleNamespace(c=c, nodes=[master] + replicas,
                            sentinels=sentinels, listeners=[],
                            history=[], restarted={}, quorum=quorum,
                            down_after_ms=down_after_ms,
                            failover_timeout_ms=failover_timeout_ms)
    wait_discovered(setup, master.port)
    for i in range(len(sentinels)):
        listen(setup, i)
    return setup


def node_at(setup, port):
    for n in setup.nodes:
        if n.port == port:
            return n
    raise AssertionError("no redis-server on port %d here" % port)


def wait_discovered(setup, master_port, timeout=DISCOVERY_TIMEOUT_S):
    """Waits until every sentinel names master_port, lists every other
    live node as a healthy replica of it (flags exactly `slave`, link ok)
    and every other sentinel as a peer."""
    want = sorted(n.port for n in setup.nodes
                  if n.port != master_port and n.alive())
    for s in setup.sentinels:
        def ready(s=s):
            if master_addr(s) != (HOST, master_port):
                return False
            if master_state(s)["flags"] != "master":
                return False
            reps = [r for r in listed(s, "REPLICAS")
                    if int(r["port"]) in want]
            ok = sorted(int(r["port"]) for r in reps
                        if r["flags"] == "slave"
                        and r["master-link-status"] == "ok"
                        and int(r["master-port"]) == master_port)
            peers = [p for p in listed(s, "SENTINELS")
                     if "s_down" not in p["flags"]]
            return ok == want and len(peers) == len(setup.sentinels) - 1
        wait_until(ready, timeout, "%s to know master %d, healthy replicas "
                   "%s and %d peers" % (s.name, master_port, want,
                                        len(setup.sentinels) - 1),
                   setup.c.procs())


def agreed_master(setup, sentinels=None):
    """The master port every (given) sentinel names, or None."""
    addrs = {master_addr(s) for s in (sentinels or setup.sentinels)}
    if len(addrs) != 1:
        return None
    addr = addrs.pop()
    return addr[1] if addr else None


def current_master(setup):
    port = agreed_master(setup)
    assert port is not None, "sentinels disagree on the master\n%s" % (
        explain(setup))
    return node_at(setup, port)


def restart_node(node):
    """Starts a killed redis-server again as it last ran: a master, the way
    a crashed master comes back with its own configuration."""
    node.replicaof = None
    node.start()


def ensure_healthy(setup, restart_dead=True):
    """Brings the deployment back to one master whose replicas are all
    running (unless restart_dead is false) and known to every sentinel:
    restarts dead nodes and waits for the sentinels to turn them into
    replicas."""
    master = current_master(setup)
    for n in setup.nodes:
        if n is not master and not n.alive() and restart_dead:
            restart_node(n)
    for n in setup.nodes:
        if n is not master and n.alive():
            wait_until(lambda n=n: follows(n, master.port), REJOIN_TIMEOUT_S,
                       "%s to replicate from %s" % (n.name, master.name),
                       setup.c.procs())
    wait_discovered(setup, master.port)
    return master


# ---------------------------------------------------------------- failover

def promotions(setup, since):
    return all_events(setup, since, "+promoted-slave")


def fail_over(setup, restart=True, action=None, one_leader=True,
              timeout=FAILOVER_TIMEOUT_S, wait_rejoin=True, heal=True):
    """Kills the current master with SIGKILL (or runs action(setup, old)
    instead) and checks that the failover ends with every sentinel naming
    the promoted node, the other replicas following it, a higher
    config-epoch, config files naming it, and (with one_leader) exactly one
    election and one promotion.  A dead old master is started again when
    restart is true; once running it must become a replica of the new
    master (+convert-to-slave) unless wait_rejoin is false.  Nodes dead
    before it starts are restarted first unless heal is false.  Appends
    and returns a record of it."""
    old = ensure_healthy(setup, restart_dead=heal)
    others = [n for n in setup.nodes if n is not old and n.alive()]
    epochs_before = [config_epoch(s) for s in setup.sentinels]
    since = time.monotonic()
    if action:
        action(setup, old)
    else:
        old.kill()
    killed_at = time.monotonic()

    def switched():
        port = agreed_master(setup)
        return port if port not in (None, old.port) else None
    try:
        new_port = wait_until(switched, timeout,
                              "all sentinels to name a new master")
    except AssertionError as exc:
        raise AssertionError("%s\n%s" % (exc, explain(setup, since))) \
            from None
    agreed_at = time.monotonic()
    new = node_at(setup, new_port)
    # The leader names the promoted replica as soon as it is confirmed, but
    # announces +switch-master only once the other replicas follow it.  A
    # sentinel restarted meanwhile may come back knowing the new master.
    for i, s in enumerate(setup.sentinels):
        if setup.restarted.get(i, 0) >= since:
            continue
        wait_event(setup, "+switch-master",
                   re.escape(switch_desc(old.port, new_port)), since=since,
                   who=i)
    assert new in others, "promoted %s, not a replica" % new.name
    rest = [n for n in others if n is not new]
    for n in rest:
        wait_until(lambda n=n: follows(n, new.port), FAILOVER_TIMEOUT_S,
                   "%s to replicate from the new master %s" % (n.name,
                                                               new.name),
                   setup.c.procs())
    assert replication(new)["role"] == "master"
    record = SimpleNamespace(old=old, new=new, rest=rest, since=since,
                             killed_at=killed_at, agreed_at=agreed_at,
                             epochs_before=epochs_before)
    check_epochs_and_configs(setup, record)
    if restart and not old.alive():
        restart_node(old)
    if old.alive() and wait_rejoin:
        rejoin(setup, record)
    else:
        time.sleep(SETTLE_S)
    if one_leader:
        check_one_promotion(setup, record)
    setup.history.append(record)
    return record


def check_epochs_and_configs(setup, record):
    """Every sentinel reports the same, higher config-epoch, and names the
    new master in its config file with that epoch."""
    def same_epoch():
        epochs = {config_epoch(s) for s in setup.sentinels}
        return epochs.pop() if len(epochs) == 1 else None
    epoch = wait_until(same_epoch, FAILOVER_TIMEOUT_S,
                       "every sentinel to report one config-epoch",
                       setup.c.procs())
    assert epoch > max(record.epochs_before), (
        "config-epoch %d after the failover, was %s\n%s"
        % (epoch, record.epochs_before, explain(setup, record.since)))
    record.epoch = epoch
    monitor = "%s %s %d %d" % (NAME, HOST, record.new.port, setup.quorum)
    for s in setup.sentinels:
        def persisted(s=s):
            return (config_value(s, "sentinel monitor") == monitor
                    and config_value(s, "sentinel config-epoch")
                    == "%s %d" % (NAME, epoch)
                    and int(config_value(s, "sentinel current-epoch")
                            or -1) >= epoch)
        wait_until(persisted, FAILOVER_TIMEOUT_S,
                   "%s's config to say `sentinel monitor %s`, config-epoch "
                   "%d" % (s.name, monitor, epoch), [s])


def rejoin(setup, record):
    """Waits for the restarted old master to be converted into a replica of
    the new one, with Redis's +convert-to-slave event."""
    old, new = record.old, record.new
    wait_event(setup, "+convert-to-slave",
               re.escape(replica_desc(old.port, new.port)),
               since=record.since, timeout=REJOIN_TIMEOUT_S)
    wait_until(lambda: follows(old, new.port), REJOIN_TIMEOUT_S,
               "restarted %s to replicate from %s" % (old.name, new.name),
               setup.c.procs())


def elections(setup, since):
    """[(time, sentinel index, epoch)] of every +elected-leader since; the
    epoch is the one of the vote the winner last cast for itself."""
    ids = [s.myid() for s in setup.sentinels]
    out = []
    epoch = {}
    for t, i, ch, msg in all_events(setup, since):
        if ch == "+vote-for-leader" and msg.startswith(ids[i] + " "):
            epoch[i] = int(msg.split()[1])
        elif ch == "+elected-leader":
            out.append((t, i, epoch.get(i)))
    return out


def check_one_promotion(setup, record):
    """One +promoted-slave (naming the new master) across all listeners
    since the kill, by a sentinel elected in the winning epoch; at most one
    sentinel elected per epoch.  Records the leader's index."""
    since = record.since
    promoted = promotions(setup, since)
    assert len(promoted) == 1, (
        "%d +promoted-slave events, want exactly 1\n%s"
        % (len(promoted), explain(setup, since)))
    assert promoted[0][3] == replica_desc(record.new.port, record.old.port), (
        "+promoted-slave %r, want %r" % (
            promoted[0][3], replica_desc(record.new.port, record.old.port)))
    leader = promoted[0][1]
    won = elections(setup, since)
    epochs = [e[2] for e in won]
    assert len(set(epochs)) == len(epochs), (
        "two sentinels elected in one epoch: %s\n%s"
        % ([(setup.sentinels[i].name, e) for _, i, e in won],
           explain(setup, since)))
    mine = [e for t, i, e in won if i == leader and t <= promoted[0][0]]
    assert mine and mine[-1] == record.epoch, (
        "%s promoted after elections in epochs %s, config-epoch is %d\n%s"
        % (setup.sentinels[leader].name, mine, record.epoch,
           explain(setup, since)))
    record.leader = leader


def votes(setup, since):
    """{(sentinel index, epoch): set of run ids it voted for} from the
    +vote-for-leader events since; fails on a malformed payload."""
    out = {}
    for _, i, _, msg in all_events(setup, since, "+vote-for-leader"):
        m = re.fullmatch(r"([0-9a-f]{40}) (\d+)", msg)
        assert m, "+vote-for-leader payload %r, want `<runid> <epoch>`" % msg
        out.setdefault((i, int(m.group(2))), set()).add(m.group(1))
    return out


def check_votes(setup, record):
    """Nobody voted for two leaders in one epoch, and the leader got the
    votes of a majority (and at least quorum) in the winning epoch."""
    cast = votes(setup, record.since)
    double = {(setup.sentinels[i].name, e): sorted(ids)
              for (i, e), ids in cast.items() if len(ids) > 1}
    assert not double, "voted twice in one epoch: %s\n%s" % (
        double, explain(setup, record.since))
    leader_id = setup.sentinels[record.leader].myid()
    voters = [setup.sentinels[i].name for (i, e), ids in cast.items()
              if e == record.epoch and ids == {leader_id}]
    need = max(setup.quorum, len(setup.sentinels) // 2 + 1)
    assert len(voters) >= need, (
        "only %s voted for leader %s in epoch %d, need %d\n%s"
        % (voters, setup.sentinels[record.leader].name, record.epoch, need,
           dump_events(setup, record.since)))


# ---------------------------------------------------------------- writers

class Writer:
    """Writes key w:<n> = n through redis-py's Sentinel.master_for every
    10 ms from a thread; remembers which writes were acknowledged, and
    when."""

    def __init__(self, sentinels, interval_s=0.01):
        self.sentinel = redis.sentinel.Sentinel(
            [(HOST, s.port) for s in sentinels], socket_timeout=0.5,
            socket_connect_timeout=0.5)
        self.master = self.sentinel.master_for(
            NAME, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.interval_s = interval_s
        self.acked = []     # (n, start time, ack time)
        self.failed = []    # (n, start time, error text)
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="writer")

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        n = 0
        while not self.stop_flag.is_set():
            n += 1
            started = time.monotonic()
            try:
                self.master.set("w:%d" % n, n)
            except redis.RedisError as exc:
                with self.lock:
                    self.failed.append((n, started, "%s: %s" % (
                        type(exc).__name__, exc)))
            else:
                with self.lock:
                    self.acked.append((n, started, time.monotonic()))
            time.sleep(self.interval_s)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(5)
        self.master.connection_pool.disconnect()

    def snapshot(self):
        with self.lock:
            return list(self.acked), list(self.failed)

    def acked_since(self, t):
        return [a for a in self.snapshot()[0] if a[2] >= t]

    def streak_since(self, t):
        """Writes started after t that succeeded since the last failure."""
        acked, failed = self.snapshot()
        last_fail = max([f[1] for f in failed] + [t])
        return [a for a in acked if a[1] > last_fail]
