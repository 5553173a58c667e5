"""Sentinels toward password-protected Redis nodes: `sentinel auth-pass`
(the default user) and `sentinel auth-user` + `auth-pass` (an ACL user)
must authenticate both links to the master and to the replicas, so that
monitoring, discovery and hellos all work; a sentinel without the
password gets only NOAUTH, which is no valid PING reply: the master is
down for it.
"""

from types import SimpleNamespace

import pytest

import harness
import shapes
from harness import wait_until

PASSWORD = "node-secret"
ACL_USER, ACL_PASSWORD = "watcher", "watcher-secret"
TIMEOUT_S = 10.0


def add_acl_user(node):
    node.client().execute_command("ACL", "SETUSER", ACL_USER, "on",
                                  ">" + ACL_PASSWORD, "~*", "&*", "+@all")


@pytest.fixture(scope="module")
def setup(module_constellation):
    c = module_constellation
    master = c.master(extra={"requirepass": PASSWORD})
    replica = c.replica(master, extra={"requirepass": PASSWORD,
                                       "masterauth": PASSWORD})
    c.wait_replication(master, 1)
    add_acl_user(master)
    add_acl_user(replica)
    with_pass = c.sentinel(name="with-pass", masters=[dict(
        port=master.port, quorum=2,
        extra=["auth-pass {name} %s" % PASSWORD])])
    with_user = c.sentinel(name="with-user", masters=[dict(
        port=master.port, quorum=2,
        extra=["auth-user {name} %s" % ACL_USER,
               "auth-pass {name} %s" % ACL_PASSWORD])])
    without = c.sentinel(name="without", masters=[dict(port=master.port,
                                                       quorum=2)])
    return SimpleNamespace(c=c, master=master, replica=replica,
                           with_pass=with_pass, with_user=with_user,
                           without=without)


def state(s):
    d = shapes.check_fields(harness.pairs(
        s.call("SENTINEL", "MASTER", "mymaster")), "master")
    replicas = [dict(harness.pairs(r))
                for r in s.call("SENTINEL", "REPLICAS", "mymaster")]
    return d, replicas


@pytest.mark.parametrize("who", ["with_pass", "with_user"])
def test_authenticated_sentinel_monitors_everything(setup, who):
    s = getattr(setup, who)

    def healthy():
        d, replicas = state(s)
        return (d["flags"] == "master" and d["role-reported"] == "master"
                and d["num-other-sentinels"] == "1"
                and [(r["port"], r["flags"]) for r in replicas]
                == [(str(setup.replica.port), "slave")])
    wait_until(healthy, TIMEOUT_S, "%s to see the master, its replica and "
               "its peer" % s.name, setup.c.procs())


def test_auth_user_is_the_acl_user(setup):
    prefix = "sentinel-%s-" % setup.with_user.myid()[:8]
    for node in (setup.master, setup.replica):
        def users():
            return {c["name"]: c["user"] for c in node.client().client_list()
                    if c["name"].startswith(prefix)}
        wait_until(lambda: len(users()) == 2, TIMEOUT_S,
                   "both links of %s on %s" % (setup.with_user.name,
                                                node.name),
                   [setup.with_user])
        assert set(users().values()) == {ACL_USER}, users()


def test_sentinel_without_password_sees_master_down(setup):
    s = setup.without
    wait_until(lambda: "s_down" in shapes.flags(state(s)[0]), TIMEOUT_S,
               "%s to find the master s_down" % s.name, [s])
    # Quorum 2 and no peer that agrees (it cannot even read their hellos
    # on the master): no ODOWN.
    assert "o_down" not in shapes.flags(state(s)[0])
