/*
 * tls.h - TLS with OpenSSL: contexts built from the config, and
 * bufferevents for TLS connections.
 *
 * Two contexts, as in redis-server: a server context for the tls-port
 * listener (tls-cert-file, tls-key-file, client verification as
 * tls-auth-clients says) and a client context for outbound links when
 * tls-replication is yes (tls-client-cert-file / tls-client-key-file, or
 * the server pair when those are unset).  Both verify the peer's chain
 * against tls-ca-cert-file / tls-ca-cert-dir and, like Redis, do not check
 * the peer's host name.
 */
#ifndef SENTINELD_NET_TLS_H
#define SENTINELD_NET_TLS_H

#include <stddef.h>

struct bufferevent;
struct config;
struct event_base;
struct ssl_ctx_st; /* OpenSSL's SSL_CTX */

/* Whether cfg asks for TLS at all (a tls-port, or tls-replication yes). */
int tls_wanted(const struct config *cfg);

/* Creates the context for the tls-port listener from cfg (borrowed).
 * Relative paths are relative to the current directory.  Returns a new
 * SSL_CTX the caller releases with tls_ctx_free, or NULL with err naming
 * the directive and file at fault ("tls-cert-file '/x.crt': ..."). */
struct ssl_ctx_st *tls_server_ctx_new(const struct config *cfg, char *err, size_t errlen);

/* Creates the context for outbound TLS links from cfg (borrowed): it
 * presents the client certificate and always verifies the peer's chain.
 * Returns a new SSL_CTX (free with tls_ctx_free), or NULL with err set. */
struct ssl_ctx_st *tls_client_ctx_new(const struct config *cfg, char *err, size_t errlen);

/* Releases a context; connections still using it keep their reference.
 * NULL is a no-op. */
void tls_ctx_free(struct ssl_ctx_st *ctx);

/* Wraps fd, an accepted socket, in a TLS bufferevent that performs the
 * server handshake.  The bufferevent owns fd and its SSL object once
 * created: bufferevent_free closes the one and frees the other.  Returns
 * NULL on out-of-memory, with fd still open and owned by the caller. */
struct bufferevent *tls_bufferevent_accept_new(struct event_base *base, struct ssl_ctx_st *ctx,
                                               int fd);

/* Creates an unconnected TLS bufferevent for an outbound link: call
 * bufferevent_socket_connect on it; BEV_EVENT_CONNECTED comes once the
 * handshake is done.  host (borrowed) is sent as SNI when it is a name
 * rather than an address.  bufferevent_free closes the socket and frees
 * the SSL object.  Returns NULL on out-of-memory. */
struct bufferevent *tls_bufferevent_connect_new(struct event_base *base, struct ssl_ctx_st *ctx,
                                                const char *host);

/* Describes why bev failed, given the BEV_EVENT_* flags of its event
 * callback: OpenSSL's reason (with the certificate check's verdict when
 * that failed), else the socket error, "timed out" or "connection
 * closed", written into buf.  Returns 1 when TLS itself failed (a
 * handshake refused, a certificate not trusted, a peer that doesn't speak
 * TLS), 0 when the connection did. */
int tls_error_text(struct bufferevent *bev, short what, char *buf, size_t len);

#endif
