"""Automatic and manual failover of a real deployment.

One redis-server master with two replicas and three sentinels (quorum 2,
down-after 1.5 s, failover-timeout 5 s) shared by the whole module; every
test starts from whatever master the previous one left, after restarting
dead nodes and waiting for them to rejoin (failover_util.ensure_healthy).
Event payloads are the ones Debian's redis-sentinel 7.0 publishes.
"""

import re
import threading
import time

import pytest

import failover_util as fu
from harness import Error, Status, wait_until


@pytest.fixture(scope="module")
def setup(module_constellation):
    return fu.build(module_constellation, failover_timeout_ms=5000)


def first_failover(setup):
    """The module's first automatic failover, run here if no test did."""
    if not setup.history:
        fu.fail_over(setup)
    return setup.history[0]


def in_order(events, wanted):
    """Finds wanted (channel, exact message or compiled regex) pairs as a
    subsequence of events; returns the first one missing, or None."""
    i = 0
    for channel, message in wanted:
        while i < len(events):
            _, _, ch, msg = events[i]
            i += 1
            if ch == channel and (message.fullmatch(msg)
                                  if hasattr(message, "fullmatch")
                                  else msg == message):
                break
        else:
            return channel, message
    return None


# ---------------------------------------------------------------- kill -9

def test_kill_master_promotes_exactly_one_replica(setup):
    record = fu.fail_over(setup)
    # fail_over checked: one +elected-leader and one +promoted-slave, every
    # sentinel naming the promoted replica, the other replica following it,
    # a higher config-epoch everywhere, `sentinel monitor` rewritten, and
    # the old master converted into a replica on restart.
    for s in setup.sentinels:
        state = fu.master_state(s)
        assert int(state["port"]) == record.new.port
        assert state["flags"] == "master", state["flags"]
        assert int(state["config-epoch"]) == record.epoch
        replicas = sorted(int(r["port"]) for r in fu.listed(s, "REPLICAS"))
        assert replicas == sorted([record.old.port]
                                  + [n.port for n in record.rest]), (
            "%s lists replicas %s" % (s.name, replicas))
    print("failover 1: kill -> agreement %.2fs, leader %s, epoch %d" % (
        record.agreed_at - record.killed_at,
        setup.sentinels[record.leader].name, record.epoch))


def test_failover_events_as_redis_prints_them(setup):
    r = first_failover(setup)
    old, new, rest = r.old.port, r.new.port, [n.port for n in r.rest]
    leader = setup.sentinels[r.leader]
    leader_id = leader.myid()
    events = fu.all_events(setup, r.since)
    mine = [e for e in events if e[1] == r.leader]
    master, promoted = fu.master_desc(old), fu.replica_desc(new, old)
    wanted = [
        ("+odown", re.compile(re.escape(master) + r" #quorum [23]/2")),
        ("+new-epoch", str(r.epoch)),
        ("+try-failover", master),
        ("+vote-for-leader", "%s %d" % (leader_id, r.epoch)),
        ("+elected-leader", master),
        ("+failover-state-select-slave", master),
        ("+selected-slave", promoted),
        ("+failover-state-send-slaveof-noone", promoted),
        ("+failover-state-wait-promotion", promoted),
        ("+promoted-slave", promoted),
        ("+failover-state-reconf-slaves", master),
    ]
    for port in rest:
        wanted += [("+slave-reconf-sent", fu.replica_desc(port, old)),
                   ("+slave-reconf-inprog", fu.replica_desc(port, old)),
                   ("+slave-reconf-done", fu.replica_desc(port, old))]
    wanted += [("+failover-end", master),
               ("+switch-master", fu.switch_desc(old, new))]
    missing = in_order(mine, wanted)
    assert missing is None, "leader %s: no %s %s in order\n%s" % (
        leader.name, missing[0], getattr(missing[1], "pattern", missing[1]),
        fu.explain(setup, r.since))

    # Every sentinel reaches the epoch and switches exactly once; the
    # others learn the new configuration from the leader's hellos.
    for i, s in enumerate(setup.sentinels):
        own = [e for e in events if e[1] == i]
        assert any(e[2] == "+new-epoch" and e[3] == str(r.epoch)
                   for e in own), "%s: no +new-epoch %d\n%s" % (
            s.name, r.epoch, fu.dump_events(setup, r.since))
        switches = [e[3] for e in own if e[2] == "+switch-master"]
        assert switches == [fu.switch_desc(old, new)], (
            "%s: +switch-master events %s" % (s.name, switches))
        if i != r.leader:
            update = fu.sentinel_desc(leader_id, leader.port, old)
            assert any(e[2] == "+config-update-from" and e[3] == update
                       for e in own), "%s: no +config-update-from %s\n%s" % (
                s.name, update, fu.dump_events(setup, r.since))

    # The leader won a majority of the epoch's votes, and nobody voted
    # twice in one epoch.
    fu.check_votes(setup, r)
    for _, i, ch, msg in events:
        if ch == "+new-epoch":
            assert re.fullmatch(r"\d+", msg), "+new-epoch payload %r" % msg


def test_three_failovers_in_a_row(setup):
    while len(setup.history) < 3:
        fu.fail_over(setup)
    runs = setup.history[-3:]
    epochs = [r.epoch for r in runs]
    assert epochs == sorted(set(epochs)), "epochs %s" % epochs
    for prev, nxt in zip(runs, runs[1:]):
        assert nxt.old is prev.new, "killed %s, the master was %s" % (
            nxt.old.name, prev.new.name)
    print("three failovers: %s" % ", ".join(
        "%s->%s epoch %d leader %s %.2fs" % (
            r.old.name, r.new.name, r.epoch, setup.sentinels[r.leader].name,
            r.agreed_at - r.killed_at) for r in runs))


# ---------------------------------------------------------------- manual

def test_manual_failover(setup):
    replies = []

    def manual(setup, old):
        s = setup.sentinels[0]
        replies.append(s.call("SENTINEL", "FAILOVER", fu.NAME))
        replies.append(s.call("SENTINEL", "FAILOVER", fu.NAME))

    record = fu.fail_over(setup, action=manual)
    assert replies[0] == "OK" and isinstance(replies[0], Status), replies
    assert isinstance(replies[1], Error), replies
    assert replies[1] == "INPROG Failover already in progress", replies
    # No agreement is needed: the sentinel asked leads on its own.
    assert record.leader == 0, "led by %s" % (
        setup.sentinels[record.leader].name)
    # The old master was never down; it stays up and is turned into a
    # replica of the new one (checked by fail_over).
    assert record.old.alive()


# ---------------------------------------------------------------- restarts

def promoter(setup, record):
    found = fu.promotions(setup, record.since)
    return found[-1][1] if found else record.leader


class EpochSampler:
    """Samples every 100 ms each sentinel's `sentinel current-epoch` from
    its config file and its SENTINEL MASTER config-epoch."""

    def __init__(self, sentinels):
        self.sentinels = sentinels
        self.samples = {s.name: [] for s in sentinels}
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def sample(self):
        for s in self.sentinels:
            try:
                current = int(fu.config_value(s, "sentinel current-epoch"))
            except (OSError, TypeError, ValueError):
                current = None
            try:
                config = fu.config_epoch(s)
            except Exception:  # noqa: BLE001 - down while restarting
                config = None
            self.samples[s.name].append((time.monotonic(), current, config))

    def _run(self):
        while not self.stop_flag.is_set():
            self.sample()
            time.sleep(0.1)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_flag.set()
        self.thread.join(5)
        self.sample()

    def backwards(self):
        """(sentinel, field, previous, later) for every step back."""
        out = []
        for name, rows in self.samples.items():
            for col, field in ((1, "current-epoch"), (2, "config-epoch")):
                values = [r[col] for r in rows if r[col] is not None]
                for a, b in zip(values, values[1:]):
                    if b < a:
                        out.append((name, field, a, b))
        return out


def test_sentinel_restarted_during_failover_keeps_epochs(setup):
    restarted = {}

    def kill_and_restart_leader(setup, old):
        since = time.monotonic()
        old.kill()
        # The leader, killed right after it wins, mid-failover.
        _, index, _, _ = fu.wait_event(setup, "+elected-leader", since=since,
                                       interval=0.005)
        s = setup.sentinels[index]
        myid = s.myid()
        left = fu.restart_sentinel(setup, index)
        killed_at = setup.restarted[index]
        before = [int(line.split()[2]) for line in left.splitlines()
                  if line.startswith("sentinel current-epoch ")]
        assert len(before) == 1, "config left by %s:\n%s" % (s.name, left)
        before = before[0]
        stage = [e[2] for e in fu.all_events(setup, since)
                 if e[1] == index and e[0] <= killed_at]
        restarted.update(index=index, myid=myid, before=before,
                         stage=stage[-1] if stage else None)

    fu.ensure_healthy(setup)
    sampler = EpochSampler(setup.sentinels).start()
    try:
        record = fu.fail_over(setup, restart=False,
                              action=kill_and_restart_leader,
                              one_leader=False, timeout=45)
    finally:
        sampler.stop()
    s = setup.sentinels[restarted["index"]]
    print("restarted leader %s after its %s; epoch %d, led by %s" % (
        s.name, restarted["stage"], record.epoch,
        setup.sentinels[promoter(setup, record)].name))
    assert s.myid() == restarted["myid"], "run id changed on restart"
    # It had voted for itself in the epoch it was elected in, and
    # persisted that before anyone could count the vote.
    own_votes = fu.all_events(setup, record.since, "+vote-for-leader")
    voted = [int(e[3].split()[1]) for e in own_votes
             if e[1] == restarted["index"]
             and e[3].startswith(restarted["myid"] + " ")]
    assert voted, "no +vote-for-leader for itself from %s\n%s" % (
        s.name, fu.explain(setup, record.since))
    assert restarted["before"] >= min(voted), (
        "%s's config said current-epoch %d when killed after voting in "
        "epoch %d" % (s.name, restarted["before"], min(voted)))
    steps = sampler.backwards()
    assert not steps, "epochs went backwards: %s\n%s" % (
        steps, fu.explain(setup, record.since))
    # No sentinel voted for two leaders in one epoch, restart or not.
    double = {k: v for k, v in fu.votes(setup, record.since).items()
              if len(v) > 1}
    assert not double, "double votes: %s\n%s" % (
        double, fu.explain(setup, record.since))
    assert fu.config_epoch(s) == record.epoch


# ---------------------------------------------------------------- clients

def test_master_for_keeps_working_across_failover(setup):
    # Last in the module: a node left dead by the test before need not
    # rejoin, one replica is enough.
    fu.ensure_healthy(setup, restart_dead=False)
    writer = fu.Writer(setup.sentinels).start()
    try:
        wait_until(lambda: len(writer.acked_since(0)) >= 20, 10,
                   "20 writes through Sentinel.master_for",
                   setup.c.procs())
        record = fu.fail_over(setup, restart=False, heal=False)
        wait_until(lambda: len(writer.streak_since(record.killed_at)) >= 50,
                   fu.FAILOVER_TIMEOUT_S,
                   "50 writes in a row through master_for after the "
                   "failover (last errors: %s)" % writer.snapshot()[1][-3:],
                   setup.c.procs())
    finally:
        writer.stop()
    after = writer.acked_since(record.killed_at)
    first = min(a[2] for a in after)
    print("master_for: first write acknowledged %.2fs after the kill" % (
        first - record.killed_at))
    # Nothing can acknowledge a write between the kill and the switch but
    # the promoted replica, so every acknowledged write since is on it.
    keys = ["w:%d" % a[0] for a in after]
    client = record.new.client()
    values = []
    for i in range(0, len(keys), 500):
        values += client.mget(keys[i:i + 500])
    lost = [k for k, v, a in zip(keys, values, after) if v != str(a[0])]
    assert not lost, "%d of %d acknowledged writes missing on %s: %s" % (
        len(lost), len(keys), record.new.name, lost[:10])
