"""Self-tests of the harness: a sanitizer report or an unclean exit of a
sentinel must fail the test that started it, so that a passing suite
means something.  The "sentinel" here is Debian's redis-sentinel behind a
small wrapper script that misbehaves on purpose.
"""

import os
import stat

import pytest

import harness

REFERENCE = "/usr/bin/redis-sentinel"


def wrapper(tmp_path, body):
    path = tmp_path / "fake-sentinel"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def run_and_close(tmp_path, binary):
    c = harness.Constellation(tmp_path / "run", binary)
    master = c.master()
    c.sentinel(masters=[dict(port=master.port, quorum=1)])
    return c.close


def test_sanitizer_report_fails_the_test(tmp_path):
    binary = wrapper(tmp_path, (
        "echo '==1==ERROR: AddressSanitizer: heap-use-after-free' >&2\n"
        "exec %s \"$@\"" % REFERENCE))
    close = run_and_close(tmp_path, binary)
    with pytest.raises(AssertionError, match="sanitizer report"):
        close()


def test_ubsan_report_fails_the_test(tmp_path):
    binary = wrapper(tmp_path, (
        "echo 'src/x.c:1:2: runtime error: signed integer overflow' >&2\n"
        "exec %s \"$@\"" % REFERENCE))
    close = run_and_close(tmp_path, binary)
    with pytest.raises(AssertionError, match="runtime error"):
        close()


def test_unclean_exit_on_sigterm_fails_the_test(tmp_path):
    # The script outlives its child, ignores SIGTERM's request to exit
    # cleanly and exits 3 instead.
    binary = wrapper(tmp_path, (
        "%s \"$@\" &\nchild=$!\n"
        "trap 'kill $child; wait $child; exit 3' TERM\n"
        "wait $child" % REFERENCE))
    close = run_and_close(tmp_path, binary)
    with pytest.raises(AssertionError, match="exited with code 3"):
        close()


def test_clean_run_passes(tmp_path):
    close = run_and_close(tmp_path, REFERENCE)
    close()


def test_ports_are_not_reused():
    ports = [harness.free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert not {6379, 26379} & set(ports)


def test_is_reference():
    assert harness.is_reference(REFERENCE)
    assert not harness.is_reference(os.path.join("bin", "sentineld-asan"))
