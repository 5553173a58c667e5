"""Reply shapes of Redis Sentinel 7.0 as observed on Debian's
redis-sentinel: the field lists of SENTINEL MASTER(S) / REPLICAS / SENTINELS
in their order, which fields appear only in some states, and the INFO
sentinel section.  Tools read these fields by name and sometimes by
position, so sentineld must give the same names in the same order.
"""

import re

# Fields every kind of instance starts with, in order.  "failover-state"
# appears only while a failover runs; "s-down-time" only while the instance
# is SDOWN and "o-down-time" only while a master is ODOWN.
HEAD = [
    "name", "ip", "port", "runid", "flags",
    "link-pending-commands", "link-refcount",
    "failover-state",
    "last-ping-sent", "last-ok-ping-reply", "last-ping-reply",
    "s-down-time", "o-down-time",
    "down-after-milliseconds",
]

# Masters and replicas (not sentinels) then report their INFO state.
DATA_NODE = ["info-refresh", "role-reported", "role-reported-time"]

MASTER_TAIL = [
    "config-epoch", "num-slaves", "num-other-sentinels", "quorum",
    "failover-timeout", "parallel-syncs",
    "notification-script", "client-reconfig-script",
]

REPLICA_TAIL = [
    "master-link-down-time", "master-link-status", "master-host",
    "master-port", "slave-priority", "slave-repl-offset",
    "replica-announced",
]

SENTINEL_TAIL = ["last-hello-message", "voted-leader", "voted-leader-epoch"]

FIELDS = {
    "master": HEAD + DATA_NODE + MASTER_TAIL,
    "replica": [f for f in HEAD if f != "o-down-time"] + DATA_NODE
    + REPLICA_TAIL,
    "sentinel": [f for f in HEAD if f not in ("o-down-time",
                                               "failover-state")]
    + SENTINEL_TAIL,
}

OPTIONAL = {"failover-state", "s-down-time", "o-down-time",
            "notification-script", "client-reconfig-script"}

# Fields whose value is always a decimal integer.
INTEGER_FIELDS = {
    "port", "link-pending-commands", "link-refcount", "last-ping-sent",
    "last-ok-ping-reply", "last-ping-reply", "s-down-time", "o-down-time",
    "down-after-milliseconds", "info-refresh", "role-reported-time",
    "config-epoch", "num-slaves", "num-other-sentinels", "quorum",
    "failover-timeout", "parallel-syncs", "master-link-down-time",
    "master-port", "slave-priority", "slave-repl-offset",
    "replica-announced", "last-hello-message", "voted-leader-epoch",
}

# Flag words in the order Redis prints them (e.g. "s_down,master,
# disconnected"); tools that compare the whole string depend on it.
FLAG_ORDER = [
    "s_down", "o_down", "master", "slave", "sentinel", "disconnected",
    "master_down", "failover_in_progress", "promoted", "reconf_sent",
    "reconf_inprog", "reconf_done", "force_failover", "master_reboot",
]
FLAG_WORDS = set(FLAG_ORDER)

INFO_SENTINEL_KEYS = [
    "sentinel_masters", "sentinel_tilt", "sentinel_tilt_since_seconds",
    "sentinel_running_scripts", "sentinel_scripts_queue_length",
    "sentinel_simulate_failure_flags",
]

INFO_MASTER_LINE = re.compile(
    r"name=(?P<name>[^,]+),status=(?P<status>ok|sdown|odown),"
    r"address=(?P<ip>[^,:]+):(?P<port>\d+),slaves=(?P<slaves>\d+),"
    r"sentinels=(?P<sentinels>\d+)")

RUNID = re.compile(r"[0-9a-f]{40}")


def check_fields(fields, kind):
    """Asserts that an ordered list of (name, value) pairs has exactly
    Redis's field names for kind ('master', 'replica', 'sentinel'), in
    Redis's order, with integer values where Redis gives integers and only
    known flag words.  Returns the fields as a dict."""
    names = [k for k, _ in fields]
    known = FIELDS[kind]
    unknown = [n for n in names if n not in known]
    assert not unknown, "fields Redis does not have for a %s: %s (got %s)" % (
        kind, unknown, names)
    assert len(set(names)) == len(names), "duplicate fields: %s" % names
    missing = [n for n in known if n not in OPTIONAL and n not in names]
    assert not missing, "missing %s fields %s (got %s)" % (kind, missing,
                                                           names)
    expected_order = [n for n in known if n in names]
    assert names == expected_order, (
        "%s fields out of Redis's order:\n got      %s\n expected %s"
        % (kind, names, expected_order))
    d = dict(fields)
    for name in INTEGER_FIELDS & set(d):
        assert re.fullmatch(r"-?\d+", d[name]), "%s=%r is not an integer" % (
            name, d[name])
    flags = d["flags"].split(",")
    bad = [f for f in flags if f not in FLAG_WORDS]
    assert not bad, "unknown flag words %s in %r" % (bad, d["flags"])
    assert flags == [f for f in FLAG_ORDER if f in flags], (
        "flags %r not in Redis's order %s" % (d["flags"], FLAG_ORDER))
    return d


def flags(d):
    """The flag words of a parsed instance, as a set."""
    return set(d["flags"].split(","))
