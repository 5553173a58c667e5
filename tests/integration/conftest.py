"""Fixtures shared by the integration tests; see harness.py for the parts.

SENTINELD_BIN names the daemon under test (default bin/sentineld-asan).
With SENTINELD_BIN=/usr/bin/redis-sentinel the suite checks itself against
the reference; tests marked `sentineld_only` (extensions Redis does not
have) are then skipped.
"""

import os

import pytest

import harness


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sentineld_only: tests an extension of sentineld that Redis "
        "Sentinel does not have; skipped against redis-sentinel")


def pytest_collection_modifyitems(config, items):
    if not harness.is_reference():
        return
    skip = pytest.mark.skip(
        reason="sentineld extension; SENTINELD_BIN is redis-sentinel, "
               "which does not have it")
    for item in items:
        if "sentineld_only" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    harness.kill_leftovers()


@pytest.fixture(scope="session")
def binary():
    """Path of the daemon under test; fails every test if it is missing."""
    path = harness.sentinel_bin()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("SENTINELD_BIN %s is not an executable file "
                    "(build it with `make asan`, or set SENTINELD_BIN)"
                    % path)
    return path


@pytest.fixture(scope="session")
def reference_bin():
    """Debian's redis-sentinel, for differential tests."""
    path = "/usr/bin/redis-sentinel"
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing (apt-get install redis-sentinel)" % path)
    return path


@pytest.fixture
def constellation(binary, tmp_path):
    """A per-test set of processes, stopped and checked at teardown."""
    c = harness.Constellation(tmp_path, binary)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def module_constellation(binary, tmp_path_factory, request):
    """A per-module set of processes, stopped and checked at teardown."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    c = harness.Constellation(tmp_path_factory.mktemp(name), binary)
    try:
        yield c
    finally:
        c.close()
