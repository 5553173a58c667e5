"""Start-up refusals: bad config files, no config file, and the command
line switches that exit at once (--version, --help, --test-config).

A bad line must stop the daemon quickly with a non-zero exit and a message
that says where the line is.  sentineld names it `<file>:<line>`; Redis
Sentinel says "at line <N>", which is what is checked when the reference
runs these tests.
"""

import os
import re
import time

import pytest

import harness

EXIT_TIMEOUT_S = 10.0
QUICK_S = 5.0
BAD_LINE = 3

BAD_LINES = {
    "unknown-directive": "frobnicate yes",
    "unknown-sentinel-directive": "sentinel frobnicate mymaster 1",
    "monitor-missing-quorum": "sentinel monitor other 127.0.0.1 {port}",
    "port-without-value": "port",
    "down-after-without-value": "sentinel down-after-milliseconds mymaster",
    "port-not-a-number": "port abc",
    "port-out-of-range": "port 70000",
    "down-after-not-a-number": "sentinel down-after-milliseconds mymaster abc",
    "failover-timeout-negative": "sentinel failover-timeout mymaster -5",
    "quorum-not-a-number": "sentinel monitor other 127.0.0.1 {port} abc",
    "unknown-master": "sentinel down-after-milliseconds nosuch 1000",
    "bad-loglevel": "loglevel loud",
}


def config_with(bad_line, workdir):
    """A valid config with bad_line as line BAD_LINE."""
    master = harness.free_port()
    lines = [
        "port %d" % harness.free_port(),
        "bind 127.0.0.1",
        bad_line.format(port=harness.free_port()),
        "sentinel monitor mymaster 127.0.0.1 %d 2" % master,
        "sentinel down-after-milliseconds mymaster 1000",
        "dir %s" % workdir,
    ]
    assert lines[BAD_LINE - 1].split()[0] == bad_line.split()[0]
    return "\n".join(lines) + "\n"


def names_line(text, path, line, reference):
    if reference:
        return re.search(r"\bline %d\b" % line, text) is not None
    names = {re.escape(path), re.escape(os.path.basename(path)),
             re.escape(os.path.realpath(path))}
    return re.search(r"(?:%s):%d\b" % ("|".join(names), line),
                     text) is not None


def run(binary, workdir, conf_text=None, args=()):
    start = time.monotonic()
    rc, out, path = harness.run_sentinel_once(
        binary, str(workdir), conf_text, args, timeout=EXIT_TIMEOUT_S)
    return rc, out, path, time.monotonic() - start


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_config_line_is_rejected_with_its_location(binary, tmp_path,
                                                       case):
    text = config_with(BAD_LINES[case], tmp_path)
    rc, out, path, took = run(binary, tmp_path, text)
    assert rc != 0, "accepted %r (exit 0)\n%s" % (BAD_LINES[case], out)
    assert took < QUICK_S, "took %.1fs to refuse the config" % took
    assert names_line(out, path, BAD_LINE, harness.is_reference(binary)), (
        "the message does not name %s:%d\n%s" % (path, BAD_LINE, out))


def test_no_config_file_is_refused(binary, tmp_path):
    rc, out, _, took = run(binary, tmp_path)
    assert rc != 0, out
    assert took < QUICK_S
    assert re.search(r"config", out, re.I), (
        "the message should say a config file is needed:\n%s" % out)


def test_missing_config_file_is_refused(binary, tmp_path):
    path = str(tmp_path / "does-not-exist.conf")
    rc, out, _, took = run(binary, tmp_path, None, [path])
    assert rc != 0, out
    assert took < QUICK_S
    assert "does-not-exist.conf" in out, out


def test_version_exits_at_once(binary, tmp_path):
    rc, out, _, took = run(binary, tmp_path, None, ["--version"])
    assert rc == 0, out
    assert took < QUICK_S
    assert re.search(r"\d+\.\d+", out), out


def test_help_prints_usage(binary, tmp_path):
    rc, out, _, took = run(binary, tmp_path, None, ["--help"])
    assert took < QUICK_S
    assert re.search(r"usage", out, re.I), out


@pytest.mark.sentineld_only
def test_test_config_accepts_a_good_file_without_starting(binary, tmp_path):
    port = harness.free_port()
    text = ("port %d\nbind 127.0.0.1\ndir %s\n"
            "sentinel monitor mymaster 127.0.0.1 %d 2\n"
            % (port, tmp_path, harness.free_port()))
    rc, out, path, took = run(binary, tmp_path, text, ["--test-config"])
    assert rc == 0, out
    assert took < QUICK_S
    with open(path) as f:
        assert f.read() == text, "--test-config changed the config file"


@pytest.mark.sentineld_only
@pytest.mark.parametrize("case", ["unknown-directive", "port-not-a-number",
                                  "unknown-master"])
def test_test_config_rejects_a_bad_file(binary, tmp_path, case):
    text = config_with(BAD_LINES[case], tmp_path)
    rc, out, path, took = run(binary, tmp_path, text, ["--test-config"])
    assert rc != 0, out
    assert took < QUICK_S
    assert names_line(out, path, BAD_LINE, False), out


@pytest.mark.sentineld_only
@pytest.mark.parametrize("line,why", [
    ("tls-port %(port)d\ntls-cert-file missing.crt\ntls-key-file missing.key",
     "TLS:"),
    ("tls-replication yes\ntls-ca-cert-file missing-ca.crt", "TLS:"),
    ("user alice on >secret +nosuchcommand", "ACL:"),
])
def test_test_config_checks_what_start_up_checks(binary, tmp_path, line, why):
    """--test-config refuses what start-up would refuse beyond the file's
    syntax: TLS files that do not load, ACL rules naming unknown commands
    (and accepts the same file without them)."""
    port = harness.free_port()
    base = "port %d\nbind 127.0.0.1\ndir %s\n" % (port, tmp_path)
    text = base + (line % {"port": harness.free_port()}) + "\n"
    rc, out, path, took = run(binary, tmp_path, text, ["--test-config"])
    assert rc != 0, out
    assert why in out, out
    rc, out, path, took = run(binary, tmp_path, base, ["--test-config"])
    assert rc == 0, out
