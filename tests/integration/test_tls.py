"""TLS on the sentinel port and toward Redis: tls-port, tls-auth-clients,
tls-replication, start-up errors, and a mixed pair with redis-sentinel.

Certificates are made here with the openssl CLI: a CA, a server
certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) that every daemon
uses, a client certificate for the test's own clients, and a second CA
nobody trusts.  Redis nodes listen on a TLS port only (`port 0`), so every
link the sentinel opens to them must be TLS.  test_tls_failover.py uses the
helpers defined here.
"""

import os
import shlex
import socket
import ssl
import subprocess

import pytest
import redis

import harness
from harness import wait_until

NAME = "mymaster"
CLI = "/usr/bin/redis-cli"
LINK_TIMEOUT_S = 10.0


# ---------------------------------------------------------------- certificates

def _openssl(workdir, *args):
    subprocess.run(["openssl"] + list(args), cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Certs:
    """Keys and certificates in one directory (EC P-256 keys: instant)."""

    KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes"]

    def __init__(self, workdir):
        self.dir = str(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self._ca("ca", "sentineld-test-ca")
        self._ca("rogue-ca", "untrusted-ca")
        self._leaf("server", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1")
        self._leaf("client", "ca", "test-client", None)
        self._leaf("rogue", "rogue-ca", "rogue-client", None)
        _openssl(self.dir, "pkey", "-in", "server.key", "-aes256",
                 "-passout", "pass:open sesame", "-out", "server-enc.key")

    def _ca(self, name, cn):
        _openssl(self.dir, "req", "-x509", *self.KEY_ARGS,
                 "-keyout", name + ".key", "-out", name + ".crt",
                 "-days", "2", "-subj", "/CN=" + cn)

    def _leaf(self, name, ca, cn, ext):
        _openssl(self.dir, "req", *self.KEY_ARGS, "-keyout", name + ".key",
                 "-out", name + ".csr", "-subj", "/CN=" + cn)
        args = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt",
                "-CAkey", ca + ".key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2"]
        if ext:
            with open(os.path.join(self.dir, name + ".ext"), "w") as f:
                f.write(ext + "\n")
            args += ["-extfile", name + ".ext"]
        _openssl(self.dir, *args)

    def path(self, name):
        return os.path.join(self.dir, name)

    def server_lines(self, auth_clients="yes", replication=True):
        """sentinel.conf lines for a daemon with the server certificate."""
        return ["tls-cert-file %s" % self.path("server.crt"),
                "tls-key-file %s" % self.path("server.key"),
                "tls-ca-cert-file %s" % self.path("ca.crt"),
                "tls-auth-clients %s" % auth_clients,
                "tls-replication %s" % ("yes" if replication else "no")]

    def context(self, cert="client"):
        """A client context trusting the CA, showing cert (None: none)."""
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        if cert:
            ctx.load_cert_chain(self.path(cert + ".crt"),
                                self.path(cert + ".key"))
        return ctx

    def cli_args(self, cert="client"):
        args = ["--tls", "--cacert", self.path("ca.crt")]
        if cert:
            args += ["--cert", self.path(cert + ".crt"),
                     "--key", self.path(cert + ".key")]
        return args

    def redis_kwargs(self):
        """redis-py keyword arguments for a TLS connection."""
        return dict(ssl=True, ssl_ca_certs=self.path("ca.crt"),
                    ssl_certfile=self.path("client.crt"),
                    ssl_keyfile=self.path("client.key"))


# ---------------------------------------------------------------- processes

class TlsRawClient(harness.RawClient):
    """harness.RawClient over TLS, with the test's client certificate."""

    def __init__(self, port, certs, host="127.0.0.1", timeout=5.0,
                 cert="client"):
        sock = socket.create_connection((host, port), timeout=timeout)
        try:
            self.sock = certs.context(cert).wrap_socket(
                sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        self.buf = b""


class TlsRedisNode(harness.RedisNode):
    """A redis-server with a TLS port only; self.port is that port."""

    def __init__(self, name, workdir, certs, replicaof=None):
        extra = {"port": 0, "tls-port": 0,
                 "tls-cert-file": certs.path("server.crt"),
                 "tls-key-file": certs.path("server.key"),
                 "tls-ca-cert-file": certs.path("ca.crt"),
                 "tls-auth-clients": "yes", "tls-replication": "yes"}
        super().__init__(name, workdir, replicaof=replicaof, extra=extra)
        # `--port 0` after harness's `--port N` wins: N becomes the TLS port.
        self.extra["tls-port"] = self.port
        self.certs = certs

    def client(self, **kw):
        kw.setdefault("socket_timeout", 5)
        return redis.Redis(host="127.0.0.1", port=self.port,
                           decode_responses=True,
                           **self.certs.redis_kwargs(), **kw)


class TlsSentinel(harness.Sentinel):
    """A sentinel that serves TLS only on self.port (`port 0`)."""

    def __init__(self, name, workdir, certs, auth_clients="yes", lines=(),
                 **kw):
        super().__init__(name, workdir, **kw)
        self.certs = certs
        self.lines = (["port 0", "tls-port %d" % self.port]
                      + certs.server_lines(auth_clients) + list(lines))

    def raw(self, timeout=5.0, cert="client"):
        return TlsRawClient(self.port, self.certs, timeout=timeout, cert=cert)

    def wait_ready(self, timeout=harness.START_TIMEOUT_S):
        def ok():
            if not self.alive():
                raise AssertionError("sentinel exited with code %s"
                                     % self.popen.returncode)
            with self.raw(timeout=1) as c:
                return c.call("PING") == "PONG"
        wait_until(ok, timeout, "sentinel %s to answer PING over TLS"
                   % self.name, [self])

    def client(self, **kw):
        kw.setdefault("socket_timeout", 5)
        return redis.Redis(host="127.0.0.1", port=self.port,
                           decode_responses=True,
                           **self.certs.redis_kwargs(), **kw)


def tls_node(constellation, certs, name, replicaof=None):
    node = TlsRedisNode(name, os.path.join(constellation.root, name), certs,
                        replicaof=replicaof)
    constellation.nodes.append(node)
    return node.start()


def tls_sentinel(constellation, certs, name, binary=None, start=True, **kw):
    s = TlsSentinel(name, os.path.join(constellation.root, name), certs,
                    binary=binary or constellation.binary, **kw)
    constellation.sentinels.append(s)
    return s.start() if start else s


def cli(certs, port, *args, cert="client"):
    """redis-cli over TLS; returns (exit code, stdout + stderr)."""
    res = subprocess.run([CLI, "-p", str(port)] + certs.cli_args(cert)
                         + list(args), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=10)
    return res.returncode, res.stdout.decode("utf-8", "replace")


def master_fields(sentinel, name=NAME):
    return dict(harness.pairs(sentinel.call("SENTINEL", "MASTER", name)))


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def tls_master(module_constellation, certs):
    return tls_node(module_constellation, certs, "master")


@pytest.fixture(scope="module")
def sentinel(module_constellation, certs, tls_master):
    s = tls_sentinel(module_constellation, certs, "sentinel",
                     masters=[dict(name=NAME, port=tls_master.port,
                                   quorum=1)])
    wait_until(lambda: master_fields(s)["flags"] == "master", LINK_TIMEOUT_S,
               "the master link to come up over TLS", [s, tls_master])
    return s


# ---------------------------------------------------------------- tests

def test_redis_cli_over_tls(sentinel, certs, tls_master):
    rc, out = cli(certs, sentinel.port, "PING")
    assert rc == 0 and out.strip() == "PONG", out
    rc, out = cli(certs, sentinel.port, "SENTINEL", "MASTERS")
    assert rc == 0, out
    words = out.split()
    assert words[words.index("name") + 1] == NAME, out
    assert words[words.index("port") + 1] == str(tls_master.port), out
    assert words[words.index("flags") + 1] == "master", out


def test_links_to_redis_are_tls(sentinel, tls_master):
    # The node has no plain port, so named links there are TLS links; the
    # pub/sub link carries the hellos, which name our TLS port.
    names = [c["name"] for c in tls_master.client().client_list()]
    assert any(n.endswith("-cmd") for n in names), names
    assert any(n.endswith("-pubsub") for n in names), names
    pubsub = tls_master.client().pubsub()
    pubsub.subscribe("__sentinel__:hello")

    def hello():
        msg = pubsub.get_message(timeout=0.5)
        return msg if msg and msg["type"] == "message" else None
    msg = wait_until(hello, 5, "a hello on the master", [sentinel])
    pubsub.close()
    fields = msg["data"].split(",")
    assert fields[1] == str(sentinel.port), fields


def test_plain_text_client_on_tls_port_fails_cleanly(sentinel):
    with socket.create_connection(("127.0.0.1", sentinel.port),
                                  timeout=5) as s:
        s.sendall(b"PING\r\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
    assert b"PONG" not in data, data
    # A TLS alert or nothing, then the connection is gone.
    assert data == b"" or data[:1] == b"\x15", data
    assert sentinel.alive()
    assert sentinel.call("PING") == "PONG"


def _refused(sentinel, cert):
    """True when a client showing cert (None: none) gets no reply."""
    try:
        with sentinel.raw(timeout=5, cert=cert) as c:
            return c.call("PING") != "PONG"
    except (ssl.SSLError, ConnectionError, OSError):
        return True


def test_client_certificate_required_by_default(sentinel, certs):
    assert _refused(sentinel, None)
    assert _refused(sentinel, "rogue")
    rc, out = cli(certs, sentinel.port, "PING", cert=None)
    assert "PONG" not in out, out
    rc, out = cli(certs, sentinel.port, "PING")
    assert rc == 0 and out.strip() == "PONG", out
    assert sentinel.alive()


@pytest.mark.parametrize("auth_clients", ["no", "optional"])
def test_auth_clients_no_and_optional(constellation, certs, auth_clients):
    s = tls_sentinel(constellation, certs, "s-" + auth_clients,
                     auth_clients=auth_clients)
    assert not _refused(s, None)
    assert not _refused(s, "client")
    # optional still checks a certificate that is shown.
    assert _refused(s, "rogue") == (auth_clients == "optional")


def test_config_rewrite_keeps_tls_lines(sentinel):
    reply = sentinel.call("SENTINEL", "SET", NAME, "down-after-milliseconds",
                          "4000")
    assert reply == "OK", reply
    sentinel.call("SENTINEL", "SET", NAME, "down-after-milliseconds", "1000")
    written = [shlex.split(line) for line in sentinel.lines
               if line.startswith(("port", "tls-"))]
    found = []
    for line in sentinel.config_file().splitlines():
        words = shlex.split(line)
        if words and words[0].startswith("tls-"):
            found.append(words)
    # Same settings, same order; the earlier `port N` gave way to `port 0`.
    assert found == [w for w in written if w[0] != "port"], found
    text = sentinel.config_file()
    assert "port 0" in text.splitlines(), text


def test_mixed_pair_discovers_over_tls(constellation, certs, tls_master,
                                       sentinel, reference_bin):
    """redis-sentinel with the same TLS settings and ours find each other:
    each one's client speaks to the other's TLS port with its
    certificate."""
    ref = tls_sentinel(constellation, certs, "reference", binary=reference_bin,
                       masters=[dict(name=NAME, port=tls_master.port,
                                     quorum=1)])
    ours = sentinel.myid()
    theirs = ref.myid()

    def knows(s, runid):
        for entry in s.call("SENTINEL", "SENTINELS", NAME):
            fields = dict(harness.pairs(entry))
            if fields["runid"] == runid and "disconnected" not in fields["flags"]:
                return True
        return False
    wait_until(lambda: knows(sentinel, theirs) and knows(ref, ours), 15,
               "both sentinels to know each other over TLS", [sentinel, ref])


# ---------------------------------------------------------------- start-up

def _conf(port, *lines):
    return "\n".join(["port %d" % port, 'logfile ""'] + list(lines)) + "\n"


START_ERRORS = [
    # (case, lines, text the error must contain)
    ("cert missing", ["tls-port {p}", "tls-cert-file {d}/nope.crt",
                      "tls-key-file {d}/server.key",
                      "tls-ca-cert-file {d}/ca.crt"], "{d}/nope.crt"),
    ("key missing", ["tls-port {p}", "tls-cert-file {d}/server.crt",
                     "tls-key-file {d}/nope.key",
                     "tls-ca-cert-file {d}/ca.crt"], "{d}/nope.key"),
    ("key of another cert", ["tls-port {p}", "tls-cert-file {d}/server.crt",
                             "tls-key-file {d}/client.key",
                             "tls-ca-cert-file {d}/ca.crt"],
     "{d}/client.key"),
    ("wrong key password", ["tls-port {p}", "tls-cert-file {d}/server.crt",
                            "tls-key-file {d}/server-enc.key",
                            "tls-key-file-pass wrong",
                            "tls-ca-cert-file {d}/ca.crt"],
     "{d}/server-enc.key"),
    ("CA missing", ["tls-port {p}", "tls-cert-file {d}/server.crt",
                    "tls-key-file {d}/server.key",
                    "tls-ca-cert-file {d}/nope-ca.crt"], "{d}/nope-ca.crt"),
    ("no CA to verify clients", ["tls-port {p}",
                                 "tls-cert-file {d}/server.crt",
                                 "tls-key-file {d}/server.key"],
     "tls-ca-cert-file"),
    ("no CA for replication", ["tls-replication yes",
                               "tls-cert-file {d}/server.crt",
                               "tls-key-file {d}/server.key"],
     "tls-ca-cert-file"),
    ("no certificate", ["tls-port {p}", "tls-auth-clients no"],
     "tls-cert-file"),
    ("nowhere to listen", ["port 0"], "not listen anywhere"),
]


@pytest.mark.parametrize("case,lines,expect", START_ERRORS,
                         ids=[c[0] for c in START_ERRORS])
def test_startup_error_names_the_problem(binary, certs, tmp_path, case,
                                         lines, expect):
    port, tls_port = harness.free_port(), harness.free_port()
    fill = dict(d=certs.dir, p=tls_port)
    rc, out, _ = harness.run_sentinel_once(
        binary, str(tmp_path),
        _conf(port, *[line.format(**fill) for line in lines]))
    assert rc != 0, out
    if not harness.is_reference(binary):
        assert expect.format(**fill) in out, out


def test_encrypted_key_with_password(constellation, certs):
    s = tls_sentinel(constellation, certs, "enc-key", lines=[
        "tls-key-file %s" % certs.path("server-enc.key"),
        'tls-key-file-pass "open sesame"'])
    assert s.call("PING") == "PONG"
