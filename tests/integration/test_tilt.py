"""TILT: when the time between two timer runs jumps (here: the sentinel is
frozen with SIGSTOP for longer than 2 s), a sentinel distrusts its own
clock and only watches for 30 s: it never says a master is down.

One sentinel with quorum 1 watches a master without replicas: outside
TILT it would put the frozen master in ODOWN within about 2 s.
"""

import time
from types import SimpleNamespace

import pytest

import harness
from harness import wait_until

FREEZE_S = 3.0


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master()
    s = c.sentinel(masters=[dict(port=master.port, quorum=1,
                                 failover_timeout_ms=600000)])
    wait_until(lambda: dict(harness.pairs(s.call(
        "SENTINEL", "MASTER", "mymaster")))["role-reported"] == "master",
        5, "the sentinel to poll the master", [s])
    events = c.collector(s)
    return SimpleNamespace(c=c, master=master, sentinel=s, events=events)


def info_sentinel(s):
    return {k: v for _, k, v in harness.info_fields(
        s.call("INFO", "sentinel").decode())}


def test_clock_jump_enters_tilt(setup):
    s = setup.sentinel
    assert info_sentinel(s)["sentinel_tilt"] == "0"
    since = time.monotonic()
    s.pause()
    time.sleep(FREEZE_S)
    s.resume()
    setup.events.wait_for("+tilt", r"#tilt mode entered", 3, since=since)
    d = info_sentinel(s)
    assert d["sentinel_tilt"] == "1", d
    assert 0 <= int(d["sentinel_tilt_since_seconds"]) <= 5, d


def test_no_down_verdict_in_tilt(setup):
    s, m = setup.sentinel, setup.master
    wait_until(lambda: info_sentinel(s)["sentinel_tilt"] == "1", 1,
               "TILT (entered by the previous test)", [s])
    since = time.monotonic()
    m.pause()
    try:
        time.sleep(2.5)
        reply = s.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1",
                       m.port, 0, "*")
        assert reply == [0, b"*", 0], reply
        assert not setup.events.find("+odown", since=since), (
            setup.events.snapshot())
        assert not setup.events.find("+try-failover", since=since)
    finally:
        m.resume()
