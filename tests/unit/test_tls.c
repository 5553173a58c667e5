/*
 * test_tls.c - the TLS directives (parsing, errors, in-place rewrite) and
 * the contexts net/tls.c builds from them: what each verifies, which
 * protocols it allows, and the start-up errors naming the file at fault.
 * Handshakes run between two SSL objects joined by a BIO pair, so no
 * socket or event loop is involved.  Certificates are made once with the
 * openssl CLI in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "app/config.h"
#include "core/core.h"
#include "net/tls.h"

#define MYID "0123456789abcdef0123456789abcdef01234567"

static char certs_dir[] = "/tmp/sentineld-test-tls-XXXXXX";

/* --- certificates -------------------------------------------------------- */

static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* A key and a certificate named name, signed by ca (NULL: self-signed CA). */
static int make_cert(const char *name, const char *ca, const char *cn)
{
    const char *key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    if (ca == NULL)
        return run("cd %s && openssl req -x509 %s -keyout %s.key -out %s.crt -days 2 "
                   "-subj /CN=%s >/dev/null 2>&1",
                   certs_dir, key, name, name, cn);
    return run("cd %s && openssl req %s -keyout %s.key -out %s.csr -subj /CN=%s >/dev/null 2>&1"
               " && printf 'subjectAltName=IP:127.0.0.1\\n' > %s.ext"
               " && openssl x509 -req -in %s.csr -CA %s.crt -CAkey %s.key -CAcreateserial"
               " -out %s.crt -days 2 -extfile %s.ext >/dev/null 2>&1",
               certs_dir, key, name, name, cn, name, name, ca, ca, name, name);
}

static int group_setup(void **state)
{
    (void)state;
    if (mkdtemp(certs_dir) == NULL)
        return -1;
    if (make_cert("ca", NULL, "test-ca") != 0 || make_cert("rogue-ca", NULL, "rogue-ca") != 0 ||
        make_cert("server", "ca", "127.0.0.1") != 0 || make_cert("client", "ca", "client") != 0 ||
        make_cert("rogue", "rogue-ca", "rogue") != 0)
        return -1;
    return run("cd %s && openssl pkey -in server.key -aes256 -passout pass:sesame "
               "-out server-enc.key >/dev/null 2>&1",
               certs_dir);
}

static int group_teardown(void **state)
{
    (void)state;
    return run("rm -rf %s", certs_dir);
}

/* A path in the certificate directory; each call has its own buffer. */
static const char *cert_path(const char *file)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof(bufs[0]), "%s/%s", certs_dir, file);
    return b;
}

/* --- configs ------------------------------------------------------------- */

static void parse_ok(struct config *cfg, const char *text)
{
    char err[512];
    config_defaults(cfg);
    if (config_parse_text(cfg, "sentinel.conf", text, strlen(text), err, sizeof(err)) != 0)
        fail_msg("unexpected error: %s", err);
}

/* A config of the daemon with cert / key as its pair and the test CA. */
static void tls_config(struct config *cfg, const char *cert, const char *key, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof(text),
             "tls-port 6380\ntls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\n%s\n",
             cert_path(cert), cert_path(key), cert_path("ca.crt"), extra ? extra : "");
    parse_ok(cfg, text);
}

static void test_tls_directives_parse(void **state)
{
    (void)state;
    struct config cfg;
    parse_ok(&cfg, "port 0\n"
                   "tls-port 26380\n"
                   "tls-cert-file /etc/s.crt\n"
                   "tls-key-file /etc/s.key\n"
                   "tls-key-file-pass 'a b'\n"
                   "tls-client-cert-file /etc/c.crt\n"
                   "tls-client-key-file /etc/c.key\n"
                   "tls-client-key-file-pass cpass\n"
                   "tls-ca-cert-file /etc/ca.crt\n"
                   "tls-ca-cert-dir /etc/ca\n"
                   "tls-dh-params-file /etc/dh.pem\n"
                   "tls-auth-clients OPTIONAL\n"
                   "tls-replication yes\n"
                   "tls-protocols \"TLSv1.2 tlsv1.3\"\n"
                   "tls-ciphers DEFAULT\n"
                   "tls-ciphersuites TLS_AES_128_GCM_SHA256\n"
                   "tls-prefer-server-ciphers yes\n"
                   "tls-session-caching no\n"
                   "tls-cluster no\n");
    assert_int_equal(cfg.port, 0);
    assert_int_equal(cfg.tls_port, 26380);
    assert_string_equal(cfg.tls_cert_file, "/etc/s.crt");
    assert_string_equal(cfg.tls_key_file, "/etc/s.key");
    assert_string_equal(cfg.tls_key_file_pass, "a b");
    assert_string_equal(cfg.tls_client_cert_file, "/etc/c.crt");
    assert_string_equal(cfg.tls_client_key_file, "/etc/c.key");
    assert_string_equal(cfg.tls_client_key_file_pass, "cpass");
    assert_string_equal(cfg.tls_ca_cert_file, "/etc/ca.crt");
    assert_string_equal(cfg.tls_ca_cert_dir, "/etc/ca");
    assert_string_equal(cfg.tls_dh_params_file, "/etc/dh.pem");
    assert_int_equal(cfg.tls_auth_clients, CONFIG_TLS_AUTH_OPTIONAL);
    assert_true(cfg.tls_replication);
    assert_int_equal(cfg.tls_protocol_mask, CONFIG_TLS_V1_2 | CONFIG_TLS_V1_3);
    assert_string_equal(cfg.tls_ciphers, "DEFAULT");
    assert_string_equal(cfg.tls_ciphersuites, "TLS_AES_128_GCM_SHA256");
    assert_true(cfg.tls_prefer_server_ciphers);
    config_clear(&cfg);

    /* Defaults, and "" unsetting as redis-server's own files write it. */
    parse_ok(&cfg, "tls-cert-file /x\ntls-cert-file \"\"\ntls-protocols \"\"\n");
    assert_null(cfg.tls_cert_file);
    assert_int_equal(cfg.tls_protocol_mask, 0);
    assert_int_equal(cfg.tls_auth_clients, CONFIG_TLS_AUTH_YES);
    assert_false(cfg.tls_replication);
    assert_int_equal(cfg.tls_port, 0);
    config_clear(&cfg);
}

static void test_tls_bad_lines(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *error;
    } bad[] = {
        {"tls-auth-clients maybe",
         "sentinel.conf:1: argument of 'tls-auth-clients' must be 'yes', 'no' or 'optional', "
         "not 'maybe'"},
        {"tls-protocols \"TLSv1.2 SSLv3\"",
         "sentinel.conf:1: invalid tls-protocols 'SSLv3' (a combination of TLSv1, TLSv1.1, "
         "TLSv1.2 and TLSv1.3)"},
        {"tls-port 65536", "sentinel.conf:1: invalid port '65536'"},
        {"tls-replication maybe",
         "sentinel.conf:1: argument of 'tls-replication' must be 'yes' or 'no', not 'maybe'"},
        {"tls-cert-file", "sentinel.conf:1: wrong number of arguments for 'tls-cert-file'"},
        {"tls-protocols TLSv1.2 TLSv1.3",
         "sentinel.conf:1: wrong number of arguments for 'tls-protocols'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct config cfg;
        char err[512];
        config_defaults(&cfg);
        int rc = config_parse_text(&cfg, "sentinel.conf", bad[i].line, strlen(bad[i].line), err,
                                   sizeof(err));
        if (rc == 0)
            fail_msg("'%s' was accepted", bad[i].line);
        assert_string_equal(err, bad[i].error);
        config_clear(&cfg);
    }
}

/* TLS lines keep their place and their value, "" included; a setting
 * given only on the command line is appended; the result reads back the
 * same. */
static void test_tls_rewrite_in_place(void **state)
{
    (void)state;
    static const char old[] = "# TLS\n"
                              "port 0\n"
                              "tls-port 26380\n"
                              "tls-cert-file \"/etc/my certs/s.crt\"\n"
                              "tls-ca-cert-dir \"\"\n"
                              "tls-auth-clients optional\n"
                              "tls-protocols \"TLSv1.3\"\n"
                              "tls-session-caching no\n";
    struct config cfg;
    char err[512];
    parse_ok(&cfg, old);
    const char *override = "tls-replication yes";
    assert_int_equal(
        config_parse_text(&cfg, "(command line)", override, strlen(override), err, sizeof(err)), 0);
    struct core *core = core_new(MYID, 1);
    char *text = config_render(&cfg, core, old, strlen(old));
    assert_non_null(text);
    const char *expect = "# TLS\n"
                         "port 0\n"
                         "tls-port 26380\n"
                         "tls-cert-file \"/etc/my certs/s.crt\"\n"
                         "tls-ca-cert-dir \"\"\n"
                         "tls-auth-clients optional\n"
                         "tls-protocols TLSv1.3\n"
                         "tls-session-caching no\n";
    if (strncmp(text, expect, strlen(expect)) != 0)
        fail_msg("rewritten:\n%s", text);
    assert_non_null(strstr(text + strlen(expect), "\ntls-replication yes\n"));
    struct config again;
    parse_ok(&again, text);
    assert_int_equal(again.port, 0);
    assert_int_equal(again.tls_port, 26380);
    assert_string_equal(again.tls_cert_file, "/etc/my certs/s.crt");
    assert_null(again.tls_ca_cert_dir);
    assert_int_equal(again.tls_auth_clients, CONFIG_TLS_AUTH_OPTIONAL);
    assert_int_equal(again.tls_protocol_mask, CONFIG_TLS_V1_3);
    assert_true(again.tls_replication);
    config_clear(&again);
    free(text);
    core_free(core);
    config_clear(&cfg);
}

/* With tls-replication our hellos name the TLS port, as Redis's do. */
static void test_tls_announced_port(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int port;
    } cases[] = {
        {"port 26379\ntls-port 26380\ntls-replication yes\n", 26380},
        {"port 26379\ntls-port 26380\n", 26379},
        {"port 26379\ntls-replication yes\n", 26379},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config cfg;
        char err[512];
        parse_ok(&cfg, cases[i].text);
        struct core *core = core_new(MYID, 1);
        struct core_time now = {1000, 1700000000000LL};
        assert_int_equal(config_apply(&cfg, core, &now, err, sizeof(err)), 0);
        assert_int_equal(core->settings.port, cases[i].port);
        core_free(core);
        config_clear(&cfg);
    }
}

/* --- contexts and handshakes --------------------------------------------- */

/* Runs a handshake between a server and a client of these contexts over a
 * BIO pair.  Returns 0 when both sides finish, -1 when either fails.
 * *version_out (may be NULL) receives the negotiated protocol. */
static int handshake(SSL_CTX *server_ctx, SSL_CTX *client_ctx, int *version_out)
{
    SSL *srv = SSL_new(server_ctx), *cli = SSL_new(client_ctx);
    BIO *srv_bio = NULL, *cli_bio = NULL;
    assert_non_null(srv);
    assert_non_null(cli);
    assert_int_equal(BIO_new_bio_pair(&srv_bio, 0, &cli_bio, 0), 1);
    SSL_set_bio(srv, srv_bio, srv_bio);
    SSL_set_bio(cli, cli_bio, cli_bio);
    SSL_set_accept_state(srv);
    SSL_set_connect_state(cli);
    int done[2] = {0, 0}, failed = 0;
    SSL *side[2] = {cli, srv};
    for (int round = 0; round < 50 && !failed && !(done[0] && done[1]); round++) {
        for (int k = 0; k < 2 && !failed; k++) {
            if (done[k])
                continue;
            int r = SSL_do_handshake(side[k]);
            int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(side[k], r);
            done[k] = r == 1;
            failed = e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
        }
    }
    /* In TLS 1.3 the server judges the client's certificate after the
     * client is done; a byte written through shows the server's verdict. */
    if (!failed && done[0] && done[1]) {
        char byte = 'x', got = 0;
        failed = SSL_write(cli, &byte, 1) != 1 || SSL_read(srv, &got, 1) != 1 || got != 'x';
    }
    if (version_out != NULL)
        *version_out = SSL_version(srv);
    SSL_free(srv);
    SSL_free(cli);
    return failed || !(done[0] && done[1]) ? -1 : 0;
}

/* A bare client that trusts the test CA and shows cert (NULL: none). */
static SSL_CTX *bare_client(const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert_path("ca.crt"), NULL), 1);
    if (cert != NULL) {
        assert_int_equal(SSL_CTX_use_certificate_file(ctx, cert_path(cert), SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, cert_path(key), SSL_FILETYPE_PEM), 1);
    }
    return ctx;
}

static SSL_CTX *server_ctx(const char *extra)
{
    struct config cfg;
    char err[512];
    tls_config(&cfg, "server.crt", "server.key", extra);
    SSL_CTX *ctx = tls_server_ctx_new(&cfg, err, sizeof(err));
    if (ctx == NULL)
        fail_msg("server context: %s", err);
    config_clear(&cfg);
    return ctx;
}

static void test_tls_auth_clients(void **state)
{
    (void)state;
    static const struct {
        const char *setting;
        int none_ok, trusted_ok, rogue_ok;
    } cases[] = {
        {"tls-auth-clients yes", 0, 1, 0},
        {"tls-auth-clients optional", 1, 1, 0},
        {"tls-auth-clients no", 1, 1, 1},
    };
    SSL_CTX *none = bare_client(NULL, NULL);
    SSL_CTX *trusted = bare_client("client.crt", "client.key");
    SSL_CTX *rogue = bare_client("rogue.crt", "rogue.key");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SSL_CTX *srv = server_ctx(cases[i].setting);
        assert_int_equal(handshake(srv, none, NULL) == 0, cases[i].none_ok);
        assert_int_equal(handshake(srv, trusted, NULL) == 0, cases[i].trusted_ok);
        assert_int_equal(handshake(srv, rogue, NULL) == 0, cases[i].rogue_ok);
        tls_ctx_free(srv);
    }
    SSL_CTX_free(none);
    SSL_CTX_free(trusted);
    SSL_CTX_free(rogue);
}

/* The outbound context shows tls-client-cert-file (else tls-cert-file)
 * and refuses a server whose chain doesn't lead to the CA. */
static void test_tls_client_ctx(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    tls_config(&cfg, "server.crt", "server.key", "tls-replication yes");
    SSL_CTX *own_pair = tls_client_ctx_new(&cfg, err, sizeof(err));
    config_clear(&cfg);
    char extra[1024];
    snprintf(extra, sizeof(extra), "tls-client-cert-file %s\ntls-client-key-file %s",
             cert_path("client.crt"), cert_path("client.key"));
    tls_config(&cfg, "server.crt", "server.key", extra);
    SSL_CTX *client_pair = tls_client_ctx_new(&cfg, err, sizeof(err));
    config_clear(&cfg);
    assert_non_null(own_pair);
    assert_non_null(client_pair);

    SSL_CTX *srv = server_ctx(NULL);
    assert_int_equal(handshake(srv, own_pair, NULL), 0);
    assert_int_equal(handshake(srv, client_pair, NULL), 0);
    tls_ctx_free(srv);

    tls_config(&cfg, "rogue.crt", "rogue.key", "tls-auth-clients no");
    srv = tls_server_ctx_new(&cfg, err, sizeof(err));
    config_clear(&cfg);
    assert_non_null(srv);
    assert_int_equal(handshake(srv, own_pair, NULL), -1);
    tls_ctx_free(srv);
    tls_ctx_free(own_pair);
    tls_ctx_free(client_pair);
}

static void test_tls_protocols(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    tls_config(&cfg, "server.crt", "server.key", "tls-protocols TLSv1.2");
    SSL_CTX *client12 = tls_client_ctx_new(&cfg, err, sizeof(err));
    config_clear(&cfg);
    assert_non_null(client12);
    SSL_CTX *srv13 = server_ctx("tls-protocols TLSv1.3");
    SSL_CTX *srv_default = server_ctx(NULL);
    int version = 0;
    assert_int_equal(handshake(srv13, client12, NULL), -1);
    assert_int_equal(handshake(srv_default, client12, &version), 0);
    assert_int_equal(version, TLS1_2_VERSION);
    tls_ctx_free(srv13);
    tls_ctx_free(srv_default);
    tls_ctx_free(client12);
}

static void test_tls_key_password(void **state)
{
    (void)state;
    struct config cfg;
    char err[512];
    tls_config(&cfg, "server.crt", "server-enc.key", "tls-key-file-pass sesame");
    SSL_CTX *ctx = tls_server_ctx_new(&cfg, err, sizeof(err));
    config_clear(&cfg);
    if (ctx == NULL)
        fail_msg("%s", err);
    tls_ctx_free(ctx);
    /* No password at all must fail too, not prompt on the terminal. */
    tls_config(&cfg, "server.crt", "server-enc.key", NULL);
    assert_null(tls_server_ctx_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "tls-key-file '"));
    assert_non_null(strstr(err, "server-enc.key'"));
    config_clear(&cfg);
}

/* Each error names the directive and the file (or value) at fault. */
static void test_tls_ctx_errors(void **state)
{
    (void)state;
    char nope[600], extra[1200];
    snprintf(nope, sizeof(nope), "%s/nope.pem", certs_dir);
    const struct {
        const char *cert, *key, *extra;
        const char *expect;
    } cases[] = {
        {"nope.pem", "server.key", NULL, "tls-cert-file '"},
        {"server.crt", "nope.pem", NULL, "tls-key-file '"},
        {"server.crt", "client.key", NULL, "tls-key-file '"},
        {"server.crt", "server.key", "tls-ciphers NO-SUCH-CIPHER", "tls-ciphers 'NO-SUCH-CIPHER'"},
        {"server.crt", "server.key", "tls-ciphersuites NOPE", "tls-ciphersuites 'NOPE'"},
        {"server.crt", "server.key", "tls-ca-cert-file \"\"",
         "tls-ca-cert-file or tls-ca-cert-dir must be set"},
        {"server.crt", "server.key", "tls-cert-file \"\"", "tls-cert-file is not set"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config cfg;
        char err[512];
        tls_config(&cfg, cases[i].cert, cases[i].key, cases[i].extra);
        SSL_CTX *ctx = tls_server_ctx_new(&cfg, err, sizeof(err));
        if (ctx != NULL)
            fail_msg("case %zu: no error", i);
        if (strstr(err, cases[i].expect) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].expect);
        config_clear(&cfg);
    }
    struct config cfg;
    char err[512];
    snprintf(extra, sizeof(extra), "tls-ca-cert-file %s", nope);
    tls_config(&cfg, "server.crt", "server.key", extra);
    assert_null(tls_client_ctx_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, nope));
    config_clear(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_directives_parse), cmocka_unit_test(test_tls_bad_lines),
        cmocka_unit_test(test_tls_rewrite_in_place), cmocka_unit_test(test_tls_announced_port),
        cmocka_unit_test(test_tls_auth_clients),     cmocka_unit_test(test_tls_client_ctx),
        cmocka_unit_test(test_tls_protocols),        cmocka_unit_test(test_tls_key_password),
        cmocka_unit_test(test_tls_ctx_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
