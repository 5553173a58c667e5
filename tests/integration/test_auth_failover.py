"""Failovers where every link needs a password: sentinels behind
requirepass that reach each other with sentinel-pass (or an ACL user with
sentinel-user), Redis nodes behind requirepass (auth-pass) or an ACL user
(auth-user), and nodes whose SLAVEOF and CONFIG are renamed
(`sentinel rename-command`).  In each, kill -9 of the master must end with
every sentinel naming the same promoted replica and the other replica
following it, which takes working peer links (votes) and working node
links (promotion, repointing).

Also runs against Debian's redis-sentinel 7.0 (SENTINELD_BIN).
"""

import time

import pytest

import failover_util
import harness
from harness import Error, RedisNode, Status, wait_until

NAME = "mymaster"
NODE_PASS = "node-secret"
PEER_PASS = "peer-secret"
DOWN_AFTER_MS = failover_util.DOWN_AFTER_MS
DISCOVERY_TIMEOUT_S = 20.0
FAILOVER_TIMEOUT_S = 30.0

# What Redis's documentation gives a sentinel's user on the data nodes.
WATCHER_RULES = ["on", ">watcher-secret", "allchannels", "+multi", "+slaveof",
                 "+ping", "+exec", "+subscribe", "+config|rewrite", "+role",
                 "+publish", "+info", "+client|setname", "+client|kill",
                 "+script|kill"]
# What a sentinel's peers need on its port: hellos, votes, pings.
PEER_USER = ("user peer on >%s -@all +ping +publish +client|setname "
             "+sentinel|is-master-down-by-addr &__sentinel__:hello"
             % PEER_PASS)


class Node(RedisNode):
    """A redis-server with extra command-line words (repeated options such
    as rename-command, which a dict of options can't hold)."""

    def __init__(self, *a, more=(), **kw):
        super().__init__(*a, **kw)
        self.more = list(more)

    def spawn(self, argv, env=None):
        super().spawn(list(argv) + self.more, env)


def call(s, password, *args, user=None):
    """One command on a fresh connection after AUTH."""
    with s.raw() as conn:
        auth = conn.call("AUTH", *([user] if user else []), password)
        assert auth == Status("OK"), (s.name, auth)
        return conn.call(*args)


def listed(s, password, what):
    return [dict(harness.pairs(x))
            for x in call(s, password, "SENTINEL", what, NAME)]


def master_port(s, password):
    reply = call(s, password, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME)
    return int(reply[1]) if isinstance(reply, list) else None


def start_nodes(c, extra=None, more=()):
    """A master and two replicas, each with extra options and words."""
    extra = dict(extra or {})
    nodes = []
    for i in range(3):
        node = Node("node%d" % i, c._dir("node%d" % i),
                    replicaof=nodes[0].port if nodes else None,
                    extra=extra, more=more)
        node.start()
        c.nodes.append(node)
        nodes.append(node)
    c.wait_replication(nodes[0], 2)
    return nodes


def start_sentinels(c, master, password, lines, master_extra):
    monitor = [dict(port=master.port, quorum=2, down_after_ms=DOWN_AFTER_MS,
                    failover_timeout_ms=5000, extra=master_extra)]
    return [c.sentinel(masters=monitor, lines=lines) for _ in range(3)]


def wait_ready(c, sentinels, nodes, password):
    """Every sentinel knows both replicas (healthy) and both peers (up)."""
    want = sorted(n.port for n in nodes[1:])
    for s in sentinels:
        def ready(s=s):
            reps = sorted(int(r["port"]) for r in listed(s, password,
                                                         "REPLICAS")
                          if r["flags"] == "slave")
            peers = [p for p in listed(s, password, "SENTINELS")
                     if p["flags"] == "sentinel"]
            return reps == want and len(peers) == 2
        wait_until(ready, DISCOVERY_TIMEOUT_S, "%s to know two healthy "
                   "replicas and two peers" % s.name, c.procs())


def kill_and_check(c, sentinels, nodes, password):
    """kill -9 of the master; every sentinel must name one replica, and
    the other replica must follow it.  Returns the promoted node."""
    old = nodes[0]
    old.kill()

    def agreed():
        ports = {master_port(s, password) for s in sentinels}
        port = ports.pop() if len(ports) == 1 else None
        return port if port not in (None, old.port) else None
    new_port = wait_until(agreed, FAILOVER_TIMEOUT_S, "every sentinel to "
                          "name a new master", c.procs())
    new = next(n for n in nodes if n.port == new_port)
    other = next(n for n in nodes[1:] if n is not new)
    wait_until(lambda: failover_util.follows(other, new.port),
               FAILOVER_TIMEOUT_S, "%s to follow %s" % (other.name,
                                                        new.name),
               c.procs())
    assert new.client().info("replication")["role"] == "master"
    epochs = {int(dict(harness.pairs(call(s, password, "SENTINEL", "MASTER",
                                          NAME)))["config-epoch"])
              for s in sentinels}
    assert len(epochs) == 1 and epochs.pop() > 0
    return new


def test_passwords_everywhere_and_renamed_commands(constellation):
    """requirepass + sentinel-pass between sentinels, requirepass +
    auth-pass on the nodes, SLAVEOF and CONFIG renamed on the nodes."""
    c = constellation
    renamed = ["--rename-command", "SLAVEOF", "slaveof-x7",
               "--rename-command", "CONFIG", "config-x7"]
    nodes = start_nodes(c, {"requirepass": NODE_PASS,
                            "masterauth": NODE_PASS}, renamed)
    # The rename really is in force: the old name is gone.
    with pytest.raises(Exception, match="unknown command"):
        nodes[1].client().execute_command("SLAVEOF", "NO", "ONE")
    sentinels = start_sentinels(
        c, nodes[0], PEER_PASS,
        ["requirepass %s" % PEER_PASS,
         "sentinel sentinel-pass %s" % PEER_PASS],
        ["auth-pass {name} %s" % NODE_PASS,
         "rename-command {name} SLAVEOF slaveof-x7",
         "rename-command {name} CONFIG config-x7"])
    wait_ready(c, sentinels, nodes, PEER_PASS)
    kill_and_check(c, sentinels, nodes, PEER_PASS)


def test_acl_users_everywhere(constellation):
    """Sentinels reach each other as an ACL user that may do no more than
    a peer needs (sentinel-user), and reach the nodes as an ACL user with
    the rights Redis's documentation lists (auth-user)."""
    c = constellation
    nodes = start_nodes(c, {"requirepass": NODE_PASS,
                            "masterauth": NODE_PASS})
    for n in nodes:
        n.client().execute_command("ACL", "SETUSER", "watcher",
                                   *WATCHER_RULES)
    own = "sentinel-only-secret"
    sentinels = start_sentinels(
        c, nodes[0], own,
        ["requirepass %s" % own, PEER_USER,
         "sentinel sentinel-user peer",
         "sentinel sentinel-pass %s" % PEER_PASS],
        ["auth-user {name} watcher", "auth-pass {name} watcher-secret"])
    wait_ready(c, sentinels, nodes, own)
    # The peers' links really use that user.
    peers = [x for x in call(sentinels[0], own, "CLIENT", "LIST")
             .decode().splitlines() if "user=peer" in x]
    assert len(peers) >= 2, peers
    kill_and_check(c, sentinels, nodes, own)


def test_requirepass_alone_reaches_peers(constellation):
    """Without sentinel-pass a sentinel logs in to its peers with its own
    requirepass, as Redis Sentinel does: they stay up for each other."""
    c = constellation
    master = c.master()
    monitor = [dict(port=master.port, quorum=2, down_after_ms=DOWN_AFTER_MS)]
    sentinels = [c.sentinel(masters=monitor,
                            lines=["requirepass %s" % PEER_PASS])
                 for _ in range(2)]
    for s in sentinels:
        wait_until(lambda s=s: [p["flags"] for p in
                                listed(s, PEER_PASS, "SENTINELS")]
                   == ["sentinel"], DISCOVERY_TIMEOUT_S,
                   "%s to see its peer up" % s.name, c.procs())
    # Longer than down-after: the peer answers our PINGs, it is not down.
    time.sleep(DOWN_AFTER_MS / 1000.0 + 1.0)
    for s in sentinels:
        peer = listed(s, PEER_PASS, "SENTINELS")[0]
        assert peer["flags"] == "sentinel", peer
        assert int(peer["last-ok-ping-reply"]) < DOWN_AFTER_MS, peer


def test_wrong_sentinel_pass_leaves_peers_down(constellation):
    """The other side of it: a peer that refuses our password is down."""
    c = constellation
    master = c.master()
    monitor = [dict(port=master.port, quorum=2, down_after_ms=DOWN_AFTER_MS)]
    a = c.sentinel(masters=monitor, lines=["requirepass a-secret",
                                           "sentinel sentinel-pass wrong"])
    b = c.sentinel(masters=monitor, lines=["requirepass b-secret",
                                           "sentinel sentinel-pass wrong"])

    def peer_down(s, password):
        peers = listed(s, password, "SENTINELS")
        return peers and "s_down" in peers[0]["flags"].split(",")
    wait_until(lambda: peer_down(a, "a-secret") and peer_down(b, "b-secret"),
               DISCOVERY_TIMEOUT_S, "each sentinel to find the other down",
               c.procs())
    assert isinstance(call(a, "a-secret", "PING"), Status)
    assert call(b, "b-secret", "ACL", "WHOAMI") == b"default"
    assert isinstance(b.call("PING"), Error)
