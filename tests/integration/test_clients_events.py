"""What a `PSUBSCRIBE *` client sees during a real failover: kill -9 of the
master watched by three sentinels, once with three sentineld and once
with three of Debian's redis-sentinel.  The leader's events must come in
Redis's order with Redis's payloads, the same in both runs once ports,
run ids and epochs are replaced by their roles; the other sentinels'
payloads must have the same formats; a RESP3 listener gets the same
events as push messages.
"""

import re
import time
from types import SimpleNamespace

import pytest

import failover_util
import harness
from test_diff_resp import Push, connect, text

NAME = failover_util.NAME

# The leader's events, in the order Redis Sentinel publishes them.
LEADER_EVENTS = [
    "+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader",
    "+elected-leader", "+failover-state-select-slave", "+selected-slave",
    "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion",
    "+promoted-slave", "+failover-state-reconf-slaves", "+slave-reconf-sent",
    "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end",
    "+switch-master",
]

MASTER = "master mymaster 127.0.0.1 <old>"
PROMOTED = "slave 127.0.0.1:<new> 127.0.0.1 <new> @ mymaster 127.0.0.1 <old>"
OTHER = "slave 127.0.0.1:<other> 127.0.0.1 <other> @ mymaster 127.0.0.1 <old>"

# The leader's masked payloads, as redis-sentinel 7.0 publishes them.
LEADER_PAYLOADS = [
    ("+sdown", MASTER),
    ("+odown", MASTER + " #quorum <n>/2"),
    ("+new-epoch", "<epoch>"),
    ("+try-failover", MASTER),
    ("+vote-for-leader", "<leader> <epoch>"),
    ("+elected-leader", MASTER),
    ("+failover-state-select-slave", MASTER),
    ("+selected-slave", PROMOTED),
    ("+failover-state-send-slaveof-noone", PROMOTED),
    ("+failover-state-wait-promotion", PROMOTED),
    ("+promoted-slave", PROMOTED),
    ("+failover-state-reconf-slaves", MASTER),
    ("+slave-reconf-sent", OTHER),
    ("+slave-reconf-inprog", OTHER),
    ("+slave-reconf-done", OTHER),
    ("+failover-end", MASTER),
    ("+switch-master", "mymaster 127.0.0.1 <old> 127.0.0.1 <new>"),
]

# What every other sentinel must publish, +switch-master last (others
# may come between: +odown, +new-epoch, +config-update-from, +slave...).
# A vote request may arrive before the sentinel's own +sdown, and one
# that saw ODOWN as early as the leader may vote for itself first (the
# leader then wins with the third vote).
FOLLOWER_ESSENTIAL = [
    ("+sdown", {MASTER}),
    ("+vote-for-leader", {"<leader> <epoch>", "<self> <epoch>"}),
    ("+switch-master", {"mymaster 127.0.0.1 <old> 127.0.0.1 <new>"}),
]

NEW_SLAVE = "slave 127.0.0.1:%s 127.0.0.1 %s @ mymaster 127.0.0.1 <new>"

# The formats Redis gives these events on the sentinels that did not
# lead; every such event they publish must have one of them.  (Which of
# them a follower publishes, and when, depends on timing.)
FOLLOWER_FORMATS = {
    "+sdown": {MASTER, NEW_SLAVE % ("<old>", "<old>")},
    "+odown": {MASTER + " #quorum <n>/2"},
    "+new-epoch": {"<epoch>"},
    "+try-failover": {MASTER},
    "-failover-abort-not-elected": {MASTER},
    "+vote-for-leader": {"<leader> <epoch>", "<self> <epoch>"},
    "+config-update-from": {
        "sentinel <leader> 127.0.0.1 <sentinel-port> @ mymaster 127.0.0.1 "
        "<old>"},
    "+switch-master": {"mymaster 127.0.0.1 <old> 127.0.0.1 <new>"},
    "+slave": {NEW_SLAVE % ("<other>", "<other>"),
               NEW_SLAVE % ("<old>", "<old>")},
}

RUN_TIMEOUT_S = 30.0


def masker(run, me=None):
    """A function that replaces ports, run ids and epochs in a payload by
    the role they have in this run (me: the index of the sentinel whose
    events these are, whose own id becomes <self>)."""
    ports = {str(run.old): "<old>", str(run.new): "<new>"}
    for port in run.others:
        ports[str(port)] = "<other>"
    ids = {run.ids[i]: "<leader>" if i == run.leader else "<self>" if
           i == me else "<sentinel%d>" % i for i in range(len(run.ids))}
    peer_ports = {str(s.port): "<sentinel-port>" for s in run.sentinels}

    def mask(channel, msg):
        msg = re.sub(r"\b[0-9a-f]{40}\b", lambda m: ids.get(m.group(0),
                                                           "<id>"), msg)
        msg = re.sub(r"\b\d{2,5}\b", lambda m: ports.get(
            m.group(0), peer_ports.get(m.group(0), m.group(0))), msg)
        msg = re.sub(r"#quorum \d+/", "#quorum <n>/", msg)
        if channel in ("+new-epoch", "+vote-for-leader"):
            msg = re.sub(r"(^| )\d+$", r"\1<epoch>", msg)
        return msg
    return mask


def run_failover(root, binary):
    """Three sentinels of binary over a master and two replicas; kills the
    master with SIGKILL and records what every listener saw until each
    sentinel published +switch-master.  Everything is stopped before it
    returns."""
    c = harness.Constellation(str(root), binary)
    try:
        setup = failover_util.build(c, binaries=[binary] * 3)
        push = connect(setup.sentinels[0].port, 3)
        push.call("PSUBSCRIBE", "*")
        old = setup.nodes[0]
        since = time.monotonic()
        old.kill()
        for i in range(3):
            failover_util.wait_event(setup, "+switch-master", since=since,
                                     who=i, timeout=RUN_TIMEOUT_S)
        time.sleep(0.5)     # events that follow the switch at once
        new = failover_util.agreed_master(setup)
        leaders = [i for _, i, _, _ in failover_util.all_events(
            setup, since, "+elected-leader")]
        assert len(set(leaders)) == 1, failover_util.explain(setup, since)
        run = SimpleNamespace(
            binary=binary, old=old.port, new=new,
            others=[n.port for n in setup.nodes[1:] if n.port != new],
            sentinels=setup.sentinels, leader=leaders[0],
            ids=[s.myid() for s in setup.sentinels],
            events=[[(ch, msg) for t, ch, msg in col.snapshot() if t >= since]
                    for _, col in setup.listeners],
            pushes=read_pushes(push), text=failover_util.explain(setup,
                                                                 since))
        push.close()
        return run
    finally:
        c.close()


def read_pushes(client):
    """Every push message pending on a PSUBSCRIBE * connection."""
    out = []
    client.sock.settimeout(0.5)
    try:
        while True:
            out.append(client.read_reply())
    except (OSError, ConnectionError):
        pass
    return out


@pytest.fixture(scope="module")
def runs(binary, reference_bin, tmp_path_factory):
    return SimpleNamespace(
        dut=run_failover(tmp_path_factory.mktemp("events-dut"), binary),
        ref=run_failover(tmp_path_factory.mktemp("events-ref"),
                         reference_bin))


def leader_sequence(run):
    mask = masker(run)
    seen, out = set(), []
    for ch, msg in run.events[run.leader]:
        # The leader's own failover events, each once (after the switch a
        # dead old master is +sdown again, as a replica).
        if ch in LEADER_EVENTS and ch not in seen:
            seen.add(ch)
            out.append((ch, mask(ch, msg)))
    return out


def test_leader_events_are_redis_sentinels(runs):
    """The leader's events in Redis's order and format, in both runs."""
    dut, ref = leader_sequence(runs.dut), leader_sequence(runs.ref)
    assert ref == LEADER_PAYLOADS, "redis-sentinel's leader:\n%s\n%s" % (
        "\n".join(map(str, ref)), runs.ref.text)
    assert dut == ref, "sentineld's leader:\n%s\nredis-sentinel's:\n%s\n%s" \
        % ("\n".join(map(str, dut)), "\n".join(map(str, ref)), runs.dut.text)


def test_follower_events(runs):
    """The other sentinels publish the essentials in order, and the events
    in FOLLOWER_FORMATS only in Redis's formats, in both runs."""
    for run in (runs.dut, runs.ref):
        for i, events in enumerate(run.events):
            if i == run.leader:
                continue
            mask = masker(run, i)
            masked = [(ch, mask(ch, msg)) for ch, msg in events]
            first = []
            for channel, payloads in FOLLOWER_ESSENTIAL:
                found = [j for j, e in enumerate(masked)
                         if e[0] == channel and e[1] in payloads]
                assert found, "%s sentinel %d: no %s %s\n%s" % (
                    run.binary, i, channel, payloads, run.text)
                first.append(found[0])
            assert first[-1] == max(first), (run.binary, i, run.text)
            odd = [(ch, msg) for ch, msg in masked if ch in FOLLOWER_FORMATS
                   and msg not in FOLLOWER_FORMATS[ch]]
            assert not odd, "%s sentinel %d: %s\n%s" % (run.binary, i, odd,
                                                         run.text)


def test_resp3_listener_gets_the_same_events(runs):
    """A RESP3 PSUBSCRIBE * listener on sentinel 0 got every event the
    RESP2 listener on it saw, as push messages [pmessage, *, channel,
    payload]."""
    for run in (runs.dut, runs.ref):
        pushes = [m for m in run.pushes if isinstance(m, Push)]
        assert len(pushes) == len(run.pushes), run.pushes
        got = [(text(m[2]), text(m[3])) for m in pushes
               if [text(x) for x in m[:2]] == ["pmessage", "*"]]
        want = run.events[0]
        # The RESP3 listener subscribed a moment before the kill.
        assert want and want[0] in got, (run.binary, got, want)
        got = got[got.index(want[0]):]
        assert got[:len(want)] == want, "%s\nRESP3: %s\nRESP2: %s" % (
            run.binary, got, want)



@pytest.mark.sentineld_only
def test_role_change_sign(runs):
    """The leader sees the promoted replica report role master while it
    still counts it as a replica: -role-change in Redis."""
    want = ("-role-change", PROMOTED + " new reported role is master")
    for run in (runs.ref, runs.dut):
        mask = masker(run, run.leader)
        changes = [(ch, mask(ch, msg)) for ch, msg in run.events[run.leader]
                   if ch.endswith("role-change")]
        assert want in changes, "%s: %s" % (run.binary, changes)
