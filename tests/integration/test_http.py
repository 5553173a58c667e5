"""The HTTP port (`http-port`): /metrics, /status, the status page and
/healthz, watched through a real failover, and bad HTTP input.

One deployment for the module: a master, two replicas and three sentinels
(quorum 2, down-after 1.5 s), each sentinel with its own HTTP port.  While
the master is killed and replaced, a thread scrapes every sentinel's
/metrics between two SENTINEL MASTER calls, and headless chromium loads the
status page; afterwards /status is compared with the SENTINEL commands.
/metrics goes through a strict parser here and through Prometheus's own
`promtool check metrics`.
"""

import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from types import SimpleNamespace

import pytest

import failover_util as fu
import harness
from harness import Error, wait_until

pytestmark = pytest.mark.sentineld_only

HOST = "127.0.0.1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def get(port, path, headers=None, method="GET", timeout=5.0):
    """One request on a fresh connection: (status, headers dict, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def get_ok(port, path, headers=None):
    status, hdrs, body = get(port, path, headers)
    assert status == 200, "GET %s: %d %r" % (path, status, body[:300])
    return hdrs, body


# ---------------------------------------------------------------- metrics

_SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.]+(?:e[+-]?\d+)?)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_metrics(text):
    """Exposition text as {name: [(labels dict, float)]}; fails on any line
    that is not HELP, TYPE or a sample."""
    out = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = _SAMPLE.fullmatch(line)
        assert m, "not an exposition line: %r" % line
        labels = {}
        rest = m.group(2) or ""
        while rest:
            lm = _LABEL.match(rest)
            assert lm, "bad labels in %r" % line
            labels[lm.group(1)] = re.sub(r'\\(.)', lambda x: "\n" if x.group(1) == "n"
                                         else x.group(1), lm.group(2))
            rest = rest[lm.end():]
        out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return out


def value(metrics, name, **labels):
    """The one sample of name whose labels include labels."""
    found = [v for lab, v in metrics.get(name, [])
             if all(lab.get(k) == w for k, w in labels.items())]
    assert len(found) == 1, "%s%s: %d samples in %s" % (
        name, labels, len(found), metrics.get(name))
    return found[0]


def promtool_check(text):
    """Runs `promtool check metrics` on text; fails with its complaints."""
    if not os.access(PROMTOOL, os.X_OK):
        pytest.fail("promtool is missing: apt-get install prometheus "
                    "(scripts/deps.sh test installs it)")
    res = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=30)
    out = res.stdout.decode("utf-8", "replace")
    assert res.returncode == 0 and not out.strip(), (
        "promtool check metrics failed (%d):\n%s" % (res.returncode, out))


def status_word(flags):
    words = flags.split(",")
    return "odown" if "o_down" in words else "sdown" if "s_down" in words else "ok"


# ---------------------------------------------------------------- chromium

def chromium(url, extra, timeout=60):
    """Runs headless chromium on url with extra switches; returns stdout.
    Skips the test when the browser is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium is not installed (apt-get install chromium); "
                    "the status page was not tested in a browser")
    profile = tempfile.mkdtemp(prefix="sentineld-chromium-")
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars",
            "--user-data-dir=" + profile, "--virtual-time-budget=2500"]
    try:
        res = subprocess.run(argv + list(extra) + [url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=timeout,
                             start_new_session=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert res.returncode == 0, "chromium exited %d: %s" % (
        res.returncode, res.stderr.decode("utf-8", "replace")[-2000:])
    return res.stdout.decode("utf-8", "replace")


class Browser:
    """A headless chromium driven over the DevTools protocol, so a page can
    be reloaded and captured at a chosen moment (a separate --screenshot
    run takes a second or more to start: longer than a failover lasts).
    Speaks just enough of RFC 6455 for that: masked text frames out,
    unmasked frames in."""

    def __init__(self, width=1280, height=860):
        if not os.access(CHROMIUM, os.X_OK):
            pytest.skip("chromium is not installed (apt-get install chromium); "
                        "the status page was not tested in a browser")
        self.profile = tempfile.mkdtemp(prefix="sentineld-chromium-")
        argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + self.profile, "--remote-debugging-port=0",
                "--window-size=%d,%d" % (width, height), "about:blank"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        port = int(wait_until(lambda: os.path.exists(port_file) and open(port_file).readline()
                              .strip(), 30, "chromium's DevTools port"))
        pages = wait_until(lambda: [t for t in json.loads(get_ok(port, "/json/list")[1])
                                    if t["type"] == "page"], 10, "a chromium page")
        path = pages[0]["webSocketDebuggerUrl"].split(str(port), 1)[1]
        self.sock = socket.create_connection((HOST, port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"
                           % (path, HOST, port, key)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head
        self.next_id = 0
        self.events = []
        self.call("Page.enable")

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("chromium closed the DevTools connection")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + n.to_bytes(2, "big"))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _message(self):
        parts = []
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7f
            if n >= 126:
                n = int.from_bytes(self._take(2 if n == 126 else 8), "big")
            payload = self._take(n)
            if b0 & 0x0f == 8:
                raise ConnectionError("DevTools connection closed")
            if b0 & 0x0f in (0, 1, 2):
                parts.append(payload)
                if b0 & 0x80:
                    return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        while True:
            msg = self._message()
            if msg.get("id") == self.next_id:
                assert "error" not in msg, "%s: %s" % (method, msg["error"])
                return msg.get("result", {})
            self.events.append(msg.get("method"))

    def load(self, url):
        """Navigates and waits for the load event."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        while "Page.loadEventFired" not in self.events:
            self.events.append(self._message().get("method"))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def dom(self):
        res = self.call("Runtime.evaluate", expression="document.documentElement.outerHTML",
                        returnByValue=True)
        return res["result"]["value"]

    def close(self):
        try:
            self.sock.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


# ---------------------------------------------------------------- setup

def build_deployment(c):
    """fu.build's deployment (a master, two replicas, three sentinels with
    quorum 2), each sentinel with its own HTTP port on loopback, kept as
    the sentinel's http_port."""
    master = c.master()
    replicas = [c.replica(master) for _ in range(2)]
    c.wait_replication(master, len(replicas))
    monitor = [dict(port=master.port, quorum=2, down_after_ms=fu.DOWN_AFTER_MS,
                    failover_timeout_ms=5000)]
    sentinels = []
    for _ in range(3):
        port = harness.free_port()
        s = c.sentinel(masters=monitor, lines=["http-port %d" % port,
                                               "http-bind 127.0.0.1"])
        s.http_port = port
        sentinels.append(s)
    setup = SimpleNamespace(c=c, nodes=[master] + replicas, sentinels=sentinels,
                            listeners=[], history=[], restarted={}, quorum=2,
                            down_after_ms=fu.DOWN_AFTER_MS, failover_timeout_ms=5000)
    fu.wait_discovered(setup, master.port)
    for i in range(len(sentinels)):
        fu.listen(setup, i)
    return setup


# ---------------------------------------------------------------- watching a failover

COMPARED = ("ip", "port", "flags", "config-epoch", "quorum", "num-slaves",
            "num-other-sentinels")


class Scraper(threading.Thread):
    """Scrapes every sentinel's /metrics between two SENTINEL MASTER calls,
    every 100 ms, until stopped."""

    def __init__(self, setup):
        super().__init__(daemon=True, name="scraper")
        self.setup = setup
        self.samples = []   # (time, sentinel index, before, text, after)
        self.errors = []
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            for i, s in enumerate(self.setup.sentinels):
                try:
                    before = fu.master_state(s)
                    _, body = get_ok(s.http_port, "/metrics")
                    after = fu.master_state(s)
                except Exception as exc:  # noqa: BLE001 - reported by the test
                    self.errors.append("%s: %s: %s" % (s.name, type(exc).__name__, exc))
                    continue
                self.samples.append((time.monotonic(), i, before, body.decode(), after))
            self.stop_flag.wait(0.1)

    def stop(self):
        self.stop_flag.set()
        self.join(10)


def metrics_agree(before, text, after):
    """Checks one scrape against SENTINEL MASTER taken just before and just
    after it.  Returns False (nothing checked) when the state moved in
    between, else True once every compared value matched."""
    if any(before.get(k) != after.get(k) for k in COMPARED):
        return False
    m = parse_metrics(text)
    lab = dict(master=fu.NAME, address="%s:%s" % (before["ip"], before["port"]))
    word = status_word(before["flags"])
    for w in ("ok", "sdown", "odown"):
        assert value(m, "sentineld_master_status", status=w, **lab) == (w == word), (
            "status %s with flags %s:\n%s" % (w, before["flags"], text))
    in_failover = "failover_in_progress" in before["flags"].split(",")
    assert value(m, "sentineld_master_failover_in_progress", **lab) == in_failover
    assert value(m, "sentineld_master_config_epoch", **lab) == int(before["config-epoch"])
    assert value(m, "sentineld_master_quorum", **lab) == int(before["quorum"])
    assert value(m, "sentineld_master_replicas", **lab) == int(before["num-slaves"])
    assert value(m, "sentineld_master_sentinels", **lab) == int(before["num-other-sentinels"])
    assert value(m, "sentineld_masters") == 1
    return True


def shoot_during(setup, old_port, browser, result):
    """Reloads the status page the moment a sentinel runs the failover (a
    few hundred milliseconds at most), or else once sentinel 0 has shown
    the master down or the switch done for a second: a screenshot and the
    DOM."""
    def state(s):
        _, body = get_ok(s.http_port, "/status")
        return json.loads(body)["masters"][0]

    def pick():
        states = [state(s) for s in setup.sentinels]
        for s, m in zip(setup.sentinels, states):
            if m["failover_state"] != "none":
                return s, m
        m = states[0]
        if m["status"] != "ok" or m["port"] != old_port:
            result.setdefault("troubled_at", time.monotonic())
            if time.monotonic() - result["troubled_at"] > 1.0:
                return setup.sentinels[0], m
        return None
    try:
        s, result["seen"] = wait_until(pick, 20, "a sentinel to show the failover",
                                       interval=0.01)
        browser.load("http://%s:%d/" % (HOST, s.http_port))
        result["shot"] = os.path.join(setup.c.root, "status-page-failover.png")
        browser.screenshot(result["shot"])
        result["dom"] = browser.dom()
    except BaseException as exc:  # noqa: BLE001 - re-raised by the test
        result["error"] = exc


@pytest.fixture(scope="module")
def setup(module_constellation):
    return build_deployment(module_constellation)


@pytest.fixture(scope="module")
def failover(setup):
    """The module's failover (kill -9 of the master, not restarted), with
    the scraper and the browser watching."""
    scraper = Scraper(setup)
    shot = {}
    browser = Browser()
    browser.load("http://%s:%d/" % (HOST, setup.sentinels[0].http_port))
    scraper.start()
    started = threading.Event()

    def kill(st, old):
        old.kill()
        t = threading.Thread(target=shoot_during, args=(st, old.port, browser, shot),
                             daemon=True)
        t.start()
        shot["thread"] = t
        started.set()
    try:
        record = fu.fail_over(setup, restart=False, action=kill)
    finally:
        if started.is_set():
            shot["thread"].join(60)
        scraper.stop()
        browser.close()
    return SimpleNamespace(record=record, scraper=scraper, browser=shot)


def test_metrics_track_sentinel_master_during_failover(setup, failover):
    rec, sc = failover.record, failover.scraper
    assert not sc.errors, "scrapes failed during the failover: %s" % sc.errors[:5]
    during = [x for x in sc.samples if rec.killed_at <= x[0] <= rec.agreed_at]
    checked = [x for x in during if metrics_agree(x[2], x[3], x[4])]
    assert len(checked) >= 6, "only %d of %d scrapes during the failover were " \
        "comparable" % (len(checked), len(during))
    troubled = [x for x in checked if status_word(x[2]["flags"]) != "ok"
                or "failover_in_progress" in x[2]["flags"]]
    assert troubled, "no scrape saw the master down or a failover running\n%s" % (
        fu.explain(setup, rec.since))
    for x in troubled[:3] + checked[-2:]:
        promtool_check(x[3])


def test_metrics_after_failover(setup, failover):
    rec = failover.record
    new_addr = "%s:%d" % (HOST, rec.new.port)
    lab = dict(master=fu.NAME, address=new_addr)
    succeeded = 0
    for i, s in enumerate(setup.sentinels):
        _, body = get_ok(s.http_port, "/metrics")
        text = body.decode()
        promtool_check(text)
        m = parse_metrics(text)
        state = fu.master_state(s)
        assert value(m, "sentineld_master_status", status="ok", **lab) == 1
        assert value(m, "sentineld_master_config_epoch", **lab) == rec.epoch
        assert value(m, "sentineld_current_epoch") >= rec.epoch
        assert value(m, "sentineld_master_sentinels", **lab) == 2
        assert value(m, "sentineld_master_replicas", **lab) == int(state["num-slaves"])
        started = value(m, "sentineld_master_failovers_started_total", **lab)
        done = value(m, "sentineld_master_failovers_succeeded_total", **lab)
        aborted = value(m, "sentineld_master_failovers_aborted_total", **lab)
        assert started == done + aborted, (s.name, started, done, aborted)
        succeeded += done
        duration = value(m, "sentineld_master_last_failover_duration_seconds", **lab)
        if i == rec.leader:
            assert done == 1 and 0 < duration < fu.FAILOVER_TIMEOUT_S, (done, duration)
        else:
            assert done == 0 and duration == 0
        assert value(m, "sentineld_tilt") == 0
        assert value(m, "sentineld_uptime_seconds") > 0
        assert value(m, "sentineld_connected_clients") >= 1   # the event listener
        # Every replica SENTINEL REPLICAS lists has its rows, with its offset.
        for r in fu.listed(s, "REPLICAS"):
            il = dict(master=fu.NAME, role="replica", address="%s:%s" % (r["ip"], r["port"]))
            value(m, "sentineld_instance_sdown", **il)
            value(m, "sentineld_replica_repl_offset_bytes", **il)
        assert value(m, "sentineld_instance_link_connected", role="master", **lab) == 1
        assert value(m, "sentineld_instance_last_ok_ping_age_seconds", role="master",
                     **lab) < 3
    assert succeeded == 1, "%d sentinels say they completed the failover" % succeeded


def test_status_json_matches_sentinel_commands(setup, failover):
    rec = failover.record
    for s in setup.sentinels:
        def agree(s=s):
            before = fu.master_state(s)
            replicas = fu.listed(s, "REPLICAS")
            peers = fu.listed(s, "SENTINELS")
            hdrs, body = get_ok(s.http_port, "/status")
            after = fu.master_state(s)
            if any(before[k] != after[k] for k in COMPARED):
                return False
            assert hdrs["content-type"].startswith("application/json")
            st = json.loads(body)
            assert st["myid"] == s.myid()
            assert st["port"] == s.port
            [m] = st["masters"]
            assert (m["name"], m["ip"], str(m["port"])) == (fu.NAME, before["ip"],
                                                            before["port"])
            assert m["flags"] == before["flags"]
            assert m["runid"] == before["runid"]
            assert m["status"] == status_word(before["flags"])
            for key in ("config-epoch", "quorum", "num-slaves", "num-other-sentinels",
                        "down-after-milliseconds", "failover-timeout", "parallel-syncs"):
                jkey = {"num-slaves": "num_slaves",
                        "down-after-milliseconds": "down_after_ms",
                        "failover-timeout": "failover_timeout_ms"}.get(
                    key, key.replace("-", "_"))
                assert str(m[jkey]) == before[key], (key, m[jkey], before[key])
            assert sorted((r["ip"], str(r["port"]), r["flags"], r["master_link_status"])
                          for r in m["replicas"]) == sorted(
                (r["ip"], r["port"], r["flags"], r["master-link-status"]) for r in replicas)
            assert sorted((p["runid"], p["ip"], str(p["port"])) for p in m["sentinels"]) == \
                sorted((p["runid"], p["ip"], p["port"]) for p in peers)
            assert st["current_epoch"] >= rec.epoch
            return True
        wait_until(agree, 10, "%s's /status to agree with SENTINEL commands" % s.name)


def test_events_in_status_and_over_resp(setup, failover):
    rec = failover.record
    switch = fu.switch_desc(rec.old.port, rec.new.port)
    for i, s in enumerate(setup.sentinels):
        _, body = get_ok(s.http_port, "/status?events=1024")
        events = json.loads(body)["events"]
        times = [e["time_ms"] for e in events]
        assert times == sorted(times, reverse=True), "events not newest first"
        assert any(e["type"] == "+switch-master" and e["text"] == switch for e in events)
        if i == rec.leader:
            assert any(e["type"] == "+odown" for e in events)
            assert any(e["type"] == "+promoted-slave" for e in events)
        reply = s.call("SENTINEL", "EVENTS", 1024)
        assert [[e["time_ms"], e["type"].encode(), e["text"].encode()]
                for e in events] == reply[:len(events)], "SENTINEL EVENTS differs"
        default = s.call("SENTINEL", "EVENTS")
        assert default == reply[:10]
        assert s.call("SENTINEL", "EVENTS", 2) == reply[:2]
        assert s.call("SENTINEL", "EVENTS", 0) == []
        _, body = get_ok(s.http_port, "/status?events=3")
        assert len(json.loads(body)["events"]) == 3
    s = setup.sentinels[0]
    for bad in (["-1"], ["x"], ["1", "2"]):
        reply = s.call("SENTINEL", "EVENTS", *bad)
        assert isinstance(reply, Error), (bad, reply)
    assert s.call("SENTINEL", "EVENTS", "-1").startswith("ERR count")


def test_page_in_a_browser_during_failover(setup, failover):
    rec, shot = failover.record, failover.browser
    if "error" in shot:
        raise shot["error"]
    assert "dom" in shot, "the browser never ran: %s" % shot
    with open(shot["shot"], "rb") as f:
        png = f.read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000, len(png)
    copy_to = os.environ.get("SENTINELD_SCREENSHOT")
    if copy_to:
        shutil.copyfile(shot["shot"], copy_to)
    dom = shot["dom"]
    assert 'data-master="mymaster"' in dom, dom[:2000]
    # It was reloaded mid-failover: the master is down, a failover runs, or
    # (if the switch came first) the old master is listed as a down replica.
    assert re.search(r'class="badge (sdown|odown|fo)"|class="flags down"', dom), dom[-4000:]
    # It showed the master and its replicas.
    for node in setup.nodes:
        assert 'data-addr="%s:%d"' % (HOST, node.port) in dom, (node.name, dom[-3000:])


def test_page_after_failover_with_dump_dom_and_screenshot(setup, failover, tmp_path):
    rec = failover.record
    url = "http://%s:%d/" % (HOST, setup.sentinels[1].http_port)
    dom = chromium(url, ["--dump-dom"])
    assert '<span class="addr">%s:%d</span>' % (HOST, rec.new.port) in dom
    assert 'class="badge ok"' in dom
    for node in setup.nodes:
        assert 'data-addr="%s:%d"' % (HOST, node.port) in dom, node.name
    assert "+switch-master" in dom
    shot = str(tmp_path / "after.png")
    chromium(url, ["--window-size=1280,860", "--screenshot=" + shot])
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- bad input

def raw_exchange(port, data, timeout=5.0):
    """Sends data on a fresh connection and reads until the server closes
    it; returns (reply bytes, seconds until closed)."""
    start = time.monotonic()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return out, time.monotonic() - start
            out += chunk


def still_monitoring(s):
    """The daemon still answers RESP and HTTP and still pings its master."""
    state = fu.master_state(s)
    assert state["flags"] == "master", state
    assert int(state["last-ok-ping-reply"]) < 3000, state
    status, _, body = get(s.http_port, "/healthz")
    assert (status, body) == (200, b"ok\n")


def test_healthz_and_simple_paths(setup):
    s = setup.sentinels[1]
    status, hdrs, body = get(s.http_port, "/healthz")
    assert (status, body) == (200, b"ok\n")
    status, hdrs, body = get(s.http_port, "/")
    assert status == 200 and hdrs["content-type"].startswith("text/html")
    assert "default-src 'none'" in hdrs["content-security-policy"]
    status, hdrs, body = get(s.http_port, "/metrics", method="HEAD")
    assert status == 200 and body == b""
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4")


def test_unknown_paths_and_methods(setup):
    s = setup.sentinels[1]
    for path in ("/nope", "/metrics/", "/status.json", "/../etc/passwd", "//", "/healthz/x"):
        status, _, body = get(s.http_port, path)
        assert status == 404, (path, status)
        assert b"/metrics" in body, body
    # Only GET and HEAD: evhttp answers others 501 Not Implemented.
    for method in ("POST", "DELETE", "PUT"):
        status, _, _ = get(s.http_port, "/metrics", method=method)
        assert status in (405, 501), (method, status)
    reply, _ = raw_exchange(s.http_port, b"BREW /pot HTCPCP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 4"), reply[:100]
    # A TLS client hello, say, from a client that expected https.
    junk = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 10 + b"\r\n\r\n"
    reply, took = raw_exchange(s.http_port, junk)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 400"), reply[:100]
    assert took < 3, took
    still_monitoring(s)


def test_oversized_requests_are_refused(setup):
    s = setup.sentinels[1]
    one_long = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n"
    many = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: %s\r\n" % (i, b"b" * 50) for i in range(400)) + b"\r\n"
    body = b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"c" * 100000
    for data in (one_long, many, body):
        try:
            reply, took = raw_exchange(s.http_port, data)
        except ConnectionResetError:
            continue    # refused before we finished sending: also fine
        assert re.match(rb"HTTP/1\.1 4(00|13|31) ", reply), reply[:200]
        assert took < 3, took
    still_monitoring(s)


def test_slow_clients_are_cut_off_and_monitoring_goes_on(setup):
    """Three clients trickle header lines forever (slowloris), one opens
    and says nothing: the silent one goes after the idle timeout, the
    tricklers when the request deadline passes, with a 408; meanwhile the
    sentinel keeps answering and pinging."""
    s = setup.sentinels[2]
    trickle = [socket.create_connection((HOST, s.http_port), timeout=0.2) for _ in range(3)]
    silent = socket.create_connection((HOST, s.http_port), timeout=0.2)
    for sock in trickle:
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n")
    start = time.monotonic()
    closed, replies, silent_closed = {}, {i: b"" for i in range(3)}, None
    while len(closed) < 3 and time.monotonic() - start < 20:
        for i, sock in enumerate(trickle):
            if i in closed:
                continue
            try:
                sock.sendall(b"X-Slow: %d\r\n" % i)
                chunk = sock.recv(4096)
                replies[i] += chunk
                if not chunk:
                    closed[i] = time.monotonic() - start
            except socket.timeout:
                pass
            except OSError:
                closed[i] = time.monotonic() - start
        if silent_closed is None:
            try:
                if silent.recv(4096) == b"":
                    silent_closed = time.monotonic() - start
            except socket.timeout:
                pass
            except OSError:
                silent_closed = time.monotonic() - start
        still_monitoring(s)
        time.sleep(0.3)
    for sock in trickle + [silent]:
        sock.close()
    assert silent_closed is not None and silent_closed < 8, silent_closed
    assert len(closed) == 3, "slow clients still connected after 20 s: %s" % closed
    for i in range(3):
        assert 9 <= closed[i] <= 13, closed
        assert replies[i].startswith(b"HTTP/1.1 408 "), replies[i][:100]
    still_monitoring(s)


def test_connection_cap(setup):
    s = setup.sentinels[2]
    socks = [socket.create_connection((HOST, s.http_port), timeout=3) for _ in range(70)]
    try:
        refused = 0
        for sock in socks[64:]:
            reply = sock.recv(4096)
            assert reply.startswith(b"HTTP/1.1 503 "), reply[:100]
            refused += 1
        assert refused == 6
        # The first 64 are still served.
        socks[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert socks[0].recv(4096).startswith(b"HTTP/1.1 200 ")
    finally:
        for sock in socks:
            sock.close()
    wait_until(lambda: get(s.http_port, "/healthz")[0] == 200, 5, "HTTP service again")
    still_monitoring(s)


# ---------------------------------------------------------------- auth

def test_requirepass_guards_everything_but_healthz(setup):
    c = setup.c
    port = harness.free_port()
    master = fu.current_master(setup)
    s = c.sentinel(name="authsentinel", masters=[dict(port=master.port, quorum=2)],
                   lines=["http-port %d" % port, "requirepass s3cret"])
    s.http_port = port
    basic = lambda up: {"Authorization": "Basic " + base64.b64encode(up).decode()}
    for path in ("/", "/status", "/metrics"):
        status, hdrs, body = get(port, path)
        assert status == 401 and hdrs["www-authenticate"].startswith("Basic realm="), path
        assert b"requirepass" in body
        assert get(port, path, basic(b"anyone:wrong"))[0] == 401
        assert get(port, path, {"Authorization": "Bearer wrong"})[0] == 401
        assert get(port, path, basic(b"anyone:s3cret"))[0] == 200
        assert get(port, path, basic(b"default:s3cret"))[0] == 200
        assert get(port, path, {"Authorization": "Bearer s3cret"})[0] == 200
    assert get(port, "/healthz")[:3:2] == (200, b"ok\n")
    assert get(port, "/nope", basic(b"x:s3cret"))[0] == 404
