/*
 * tls.c - TLS contexts from the config, and TLS bufferevents (see tls.h).
 *
 * The directives and their meanings are redis-server's (tls-port,
 * tls-cert-file, tls-auth-clients, tls-replication...).  Every context:
 * no SSLv3, no compression, no renegotiation (a peer can't make us redo
 * the handshake mid-stream), the protocols of tls-protocols (TLSv1.2 and
 * TLSv1.3 by default, as in Redis), the ciphers of tls-ciphers /
 * tls-ciphersuites.
 */
#include "net/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "app/config.h"

/* Server session cache entries are only resumed by a context with the
 * same id; any fixed value will do. */
static const unsigned char tls_session_id_context[] = "sentineld";

int tls_wanted(const struct config *cfg)
{
    return cfg->tls_port != 0 || cfg->tls_replication;
}

static int tls_set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Takes the oldest error off OpenSSL's queue as short text (its reason,
 * e.g. "No such file or directory") and clears the rest. */
static const char *tls_openssl_error(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
    if (reason != NULL)
        snprintf(buf, len, "%s", reason);
    else if (e != 0)
        ERR_error_string_n(e, buf, len);
    else
        snprintf(buf, len, "unknown error");
    ERR_clear_error();
    return buf;
}

/* "<directive> '<file>': <OpenSSL's reason>"; returns -1. */
static int tls_fail_file(char *err, size_t errlen, const char *directive, const char *file)
{
    char why[256];
    snprintf(err, errlen, "%s '%s': %s", directive, file, tls_openssl_error(why, sizeof(why)));
    return -1;
}

/* Hands OpenSSL the key's password (userdata, may be NULL).  Setting a
 * callback at all matters: OpenSSL's own would prompt on the terminal. */
static int tls_password_cb(char *buf, int size, int rwflag, void *userdata)
{
    const char *pass = userdata;
    (void)rwflag;
    if (pass == NULL || size <= 0)
        return 0;
    size_t n = strlen(pass);
    if (n > (size_t)size)
        n = (size_t)size;
    memcpy(buf, pass, n);
    return (int)n;
}

/* Loads a certificate chain and its private key. */
static int tls_load_pair(SSL_CTX *ctx, const char *cert_directive, const char *cert,
                         const char *key_directive, const char *key, const char *pass, char *err,
                         size_t errlen)
{
    if (!tls_set(cert)) {
        snprintf(err, errlen, "%s is not set: TLS needs a certificate and its key", cert_directive);
        return -1;
    }
    if (!tls_set(key)) {
        snprintf(err, errlen, "%s is not set: TLS needs the key of %s '%s'", key_directive,
                 cert_directive, cert);
        return -1;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        return tls_fail_file(err, errlen, cert_directive, cert);
    SSL_CTX_set_default_passwd_cb(ctx, tls_password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);
    int ok = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_check_private_key(ctx) == 1;
    /* The password is borrowed from the config: don't keep a pointer. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    return ok ? 0 : tls_fail_file(err, errlen, key_directive, key);
}

/* Loads the CA that verifies peers; needed is whether peers are verified
 * at all (Redis refuses to start without a CA then, and so do we). */
static int tls_load_ca(SSL_CTX *ctx, const struct config *cfg, int needed, char *err, size_t errlen)
{
    const char *file = tls_set(cfg->tls_ca_cert_file) ? cfg->tls_ca_cert_file : NULL;
    const char *dir = tls_set(cfg->tls_ca_cert_dir) ? cfg->tls_ca_cert_dir : NULL;
    if (file == NULL && dir == NULL) {
        if (needed)
            snprintf(err, errlen,
                     "tls-ca-cert-file or tls-ca-cert-dir must be set to verify peers "
                     "(tls-auth-clients is not 'no', or tls-replication is yes)");
        return needed ? -1 : 0;
    }
    if (SSL_CTX_load_verify_locations(ctx, file, dir) == 1)
        return 0;
    return tls_fail_file(err, errlen, file != NULL ? "tls-ca-cert-file" : "tls-ca-cert-dir",
                         file != NULL ? file : dir);
}

/* tls-protocols: every version not listed is switched off. */
static void tls_set_protocols(SSL_CTX *ctx, unsigned mask)
{
    static const struct {
        unsigned bit;
        unsigned long op;
    } versions[] = {
        {CONFIG_TLS_V1, SSL_OP_NO_TLSv1},
        {CONFIG_TLS_V1_1, SSL_OP_NO_TLSv1_1},
        {CONFIG_TLS_V1_2, SSL_OP_NO_TLSv1_2},
        {CONFIG_TLS_V1_3, SSL_OP_NO_TLSv1_3},
    };
    if (mask == 0)
        mask = CONFIG_TLS_V1_2 | CONFIG_TLS_V1_3;
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        if (!(mask & versions[i].bit))
            SSL_CTX_set_options(ctx, versions[i].op);
}

/* What both contexts share: options, protocols, ciphers. */
static SSL_CTX *tls_ctx_base(const struct config *cfg, int server, char *err, size_t errlen)
{
    char why[256];
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL) {
        snprintf(err, errlen, "can't create a TLS context: %s",
                 tls_openssl_error(why, sizeof(why)));
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* redis-cli and Redis itself hang up without a close_notify; OpenSSL 3
     * would call that an error, and libevent would report it as one. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    /* Idle links are the common case; don't hold 2 x 16 KiB per link. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    tls_set_protocols(ctx, cfg->tls_protocol_mask);
    if (tls_set(cfg->tls_ciphers) && SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers) != 1) {
        snprintf(err, errlen, "tls-ciphers '%s': %s", cfg->tls_ciphers,
                 tls_openssl_error(why, sizeof(why)));
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (tls_set(cfg->tls_ciphersuites) &&
        SSL_CTX_set_ciphersuites(ctx, cfg->tls_ciphersuites) != 1) {
        snprintf(err, errlen, "tls-ciphersuites '%s': %s", cfg->tls_ciphersuites,
                 tls_openssl_error(why, sizeof(why)));
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* tls-dh-params-file when set, else parameters OpenSSL picks to match the
 * key size (only DHE cipher suites use them). */
static int tls_load_dh(SSL_CTX *ctx, const char *file, char *err, size_t errlen)
{
    if (!tls_set(file)) {
        SSL_CTX_set_dh_auto(ctx, 1);
        return 0;
    }
    BIO *bio = BIO_new_file(file, "r");
    EVP_PKEY *params = bio != NULL ? PEM_read_bio_Parameters(bio, NULL) : NULL;
    BIO_free(bio);
    if (params == NULL || SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) {
        EVP_PKEY_free(params);
        return tls_fail_file(err, errlen, "tls-dh-params-file", file);
    }
    return 0;
}

struct ssl_ctx_st *tls_server_ctx_new(const struct config *cfg, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = tls_ctx_base(cfg, 1, err, errlen);
    if (ctx == NULL)
        return NULL;
    int verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (cfg->tls_auth_clients == CONFIG_TLS_AUTH_NO)
        verify = SSL_VERIFY_NONE;
    else if (cfg->tls_auth_clients == CONFIG_TLS_AUTH_OPTIONAL)
        verify = SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx, verify, NULL);
    SSL_CTX_set_session_id_context(ctx, tls_session_id_context, sizeof(tls_session_id_context) - 1);
    if (cfg->tls_prefer_server_ciphers)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (tls_load_pair(ctx, "tls-cert-file", cfg->tls_cert_file, "tls-key-file", cfg->tls_key_file,
                      cfg->tls_key_file_pass, err, errlen) < 0 ||
        tls_load_ca(ctx, cfg, verify != SSL_VERIFY_NONE || cfg->tls_replication, err, errlen) < 0 ||
        tls_load_dh(ctx, cfg->tls_dh_params_file, err, errlen) < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

struct ssl_ctx_st *tls_client_ctx_new(const struct config *cfg, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = tls_ctx_base(cfg, 0, err, errlen);
    if (ctx == NULL)
        return NULL;
    /* The chain is checked against the CA; the host name is not, as with
     * Redis's own replication and sentinel links. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int own = tls_set(cfg->tls_client_cert_file) || tls_set(cfg->tls_client_key_file);
    int rc = own ? tls_load_pair(ctx, "tls-client-cert-file", cfg->tls_client_cert_file,
                                 "tls-client-key-file", cfg->tls_client_key_file,
                                 cfg->tls_client_key_file_pass, err, errlen)
                 : tls_load_pair(ctx, "tls-cert-file", cfg->tls_cert_file, "tls-key-file",
                                 cfg->tls_key_file, cfg->tls_key_file_pass, err, errlen);
    if (rc < 0 || tls_load_ca(ctx, cfg, 1, err, errlen) < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

void tls_ctx_free(struct ssl_ctx_st *ctx)
{
    SSL_CTX_free(ctx);
}

struct bufferevent *tls_bufferevent_accept_new(struct event_base *base, struct ssl_ctx_st *ctx,
                                               int fd)
{
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        SSL_free(ssl); /* its socket BIO doesn't close fd */
        return NULL;
    }
    /* Clients often hang up without a close_notify; that is an ordinary
     * end of connection, not an error. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

/* SNI carries names only (RFC 6066 section 3). */
static int tls_is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

struct bufferevent *tls_bufferevent_connect_new(struct event_base *base, struct ssl_ctx_st *ctx,
                                                const char *host)
{
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL)
        return NULL;
    if (host != NULL && host[0] != '\0' && !tls_is_address(host))
        SSL_set_tlsext_host_name(ssl, host);
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        SSL_free(ssl);
    return bev;
}

/* The first real OpenSSL error libevent recorded for bev.  libevent also
 * records SSL_get_error() codes (SSL_ERROR_SYSCALL...), which belong to
 * no library: those mean "see errno" and are skipped. */
static unsigned long tls_bev_error(struct bufferevent *bev)
{
    unsigned long e, found = 0;
    while ((e = bufferevent_get_openssl_error(bev)) != 0)
        if (found == 0 && ERR_GET_LIB(e) != 0)
            found = e;
    return found;
}

int tls_error_text(struct bufferevent *bev, short what, char *buf, size_t len)
{
    int err_no = EVUTIL_SOCKET_ERROR();
    unsigned long e = tls_bev_error(bev);
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    long verify = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
    if (e == 0) {
        snprintf(buf, len, "%s",
                 what & BEV_EVENT_TIMEOUT              ? "timed out"
                 : what & BEV_EVENT_EOF || err_no == 0 ? "connection closed"
                                                       : strerror(err_no));
        return 0;
    }
    if (reason != NULL)
        snprintf(buf, len, "%s", reason);
    else
        ERR_error_string_n(e, buf, len);
    if (verify != X509_V_OK) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, " (%s)", X509_verify_cert_error_string(verify));
    }
    return 1;
}
