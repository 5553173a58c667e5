"""Static peer mesh, a sentineld extension: peers listed with
`--sentinel-addrs h:p,h:p` or `sentinel peer <host> <port>` are connected
directly, so the sentinels find each other (and can agree the master is
down) even when the master is down from the start, where hellos through
the master can never flow.
"""

from types import SimpleNamespace

import pytest

import harness
import shapes
from harness import wait_until

pytestmark = pytest.mark.sentineld_only

MESH_TIMEOUT_S = 10.0
ODOWN_TIMEOUT_S = 10.0
RECONNECT_TIMEOUT_S = 15.0


def peers_of(sentinel):
    out = {}
    for item in sentinel.call("SENTINEL", "SENTINELS", "mymaster"):
        d = shapes.check_fields(harness.pairs(item), "sentinel")
        out[int(d["port"])] = d
    return out


def start_mesh(c, master_port, use_directive=False):
    ports = [harness.free_port() for _ in range(3)]
    sentinels = []
    for port in ports:
        others = [p for p in ports if p != port]
        kw = dict(port=port, masters=[dict(port=master_port, quorum=2)])
        if use_directive:
            kw["lines"] = ["sentinel peer 127.0.0.1 %d" % p for p in others]
        else:
            kw["args"] = ["--sentinel-addrs",
                          ",".join("127.0.0.1:%d" % p for p in others)]
        sentinels.append(c.sentinel(**kw))
    return sentinels


def wait_mesh(sentinels, timeout=MESH_TIMEOUT_S):
    ids = {s.port: s.myid() for s in sentinels}
    for s in sentinels:
        want = {p: i for p, i in ids.items() if p != s.port}

        def formed(s=s, want=want):
            peers = peers_of(s)
            return ({p: d["runid"] for p, d in peers.items()} == want
                    and all(d["ip"] == "127.0.0.1" for d in peers.values()))
        wait_until(formed, timeout, "%s to list peers %s" % (s.name, want),
                   sentinels)


@pytest.fixture(scope="module")
def mesh(module_constellation):
    """Three sentineld around a master that was never started."""
    c = module_constellation
    master_port = harness.free_port()
    return SimpleNamespace(c=c, master_port=master_port,
                           sentinels=start_mesh(c, master_port))


def test_mesh_forms_while_master_never_started(mesh):
    wait_mesh(mesh.sentinels)
    for s in mesh.sentinels:
        d = shapes.check_fields(harness.pairs(
            s.call("SENTINEL", "MASTER", "mymaster")), "master")
        assert d["num-other-sentinels"] == "2", d


def test_mesh_agrees_master_is_down(mesh):
    wait_mesh(mesh.sentinels)
    for s in mesh.sentinels:
        wait_until(
            lambda s=s: "o_down" in shapes.flags(dict(harness.pairs(
                s.call("SENTINEL", "MASTER", "mymaster")))),
            ODOWN_TIMEOUT_S, "%s to see the master o_down" % s.name,
            mesh.sentinels)


def test_mesh_reconnects_to_a_restarted_peer(mesh):
    wait_mesh(mesh.sentinels)
    gone = mesh.sentinels[2]
    gone_id = gone.myid()
    assert gone.stop() == 0
    for s in mesh.sentinels[:2]:
        wait_until(lambda s=s: "disconnected" in shapes.flags(
            peers_of(s)[gone.port]), RECONNECT_TIMEOUT_S,
            "%s to flag %s disconnected" % (s.name, gone.name),
            mesh.sentinels)
    gone.start(write_config=False)
    assert gone.myid() == gone_id
    for s in mesh.sentinels[:2]:
        wait_until(lambda s=s: "disconnected" not in shapes.flags(
            peers_of(s)[gone.port]), RECONNECT_TIMEOUT_S,
            "%s to reconnect to %s" % (s.name, gone.name), mesh.sentinels)
    wait_mesh(mesh.sentinels, RECONNECT_TIMEOUT_S)


def test_mesh_from_peer_directive_while_master_stopped(constellation):
    c = constellation
    master = c.master()
    master.pause()
    try:
        sentinels = start_mesh(c, master.port, use_directive=True)
        wait_mesh(sentinels)
    finally:
        master.resume()
