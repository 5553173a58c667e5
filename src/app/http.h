/*
 * http.h - the optional HTTP port (`http-port`, off by default): /metrics
 * (Prometheus text format), /status (JSON), / (the status page) and
 * /healthz, served with libevent's evhttp on the program's event loop.
 *
 * When `requirepass` is set every path but /healthz asks for it, as HTTP
 * basic authentication (any user name) or as `Authorization: Bearer
 * <password>`.  Only GET and HEAD are served.  Untrusted input is bounded:
 * request headers, bodies, idle connections, the time one request may take
 * to arrive (so a client trickling bytes cannot hold a connection) and the
 * number of connections.  The renderers live in status.c.
 */
#ifndef SENTINELD_APP_HTTP_H
#define SENTINELD_APP_HTTP_H

#include <stddef.h>

struct app;

/* Limits on what one client can make us hold. */
#define HTTP_MAX_HEADERS_BYTES 8192
#define HTTP_MAX_BODY_BYTES 1024
#define HTTP_IDLE_TIMEOUT_S 5
#define HTTP_REQUEST_DEADLINE_MS 10000
#define HTTP_MAX_CONNECTIONS 64

/* Starts the HTTP server when app->cfg->http_port is not 0, listening on
 * `http-bind`, else on the main `bind` addresses, else on every address
 * (Redis's "* -::*").  app is borrowed and must outlive the server.
 * Returns 0 (also when the port is off), or -1 with err filled when an
 * address cannot be bound. */
int http_start(struct app *app, char *err, size_t errlen);

/* Serves HTTP on fd too, a socket already listening, of any family (the
 * fuzz target gives it a unix socket, to stay off the network), starting
 * the server if http_start has not.  app as for http_start.  fd is taken
 * over: http_stop closes it.  Returns 0, or -1 with err filled and fd
 * closed. */
int http_serve_listener(struct app *app, int fd, char *err, size_t errlen);

/* Closes every HTTP connection and listener.  A no-op when not started;
 * call it before the event base is freed. */
void http_stop(void);

/* The port the first HTTP listener is bound to, or 0 when off. */
int http_port(void);

/* Records the outcome of a config rewrite (ok: 1 saved, 0 failed) for
 * /healthz and the config metrics.  Callable before http_start. */
void http_note_config_save(int ok);

/* Checks an Authorization header value against password: "Bearer <pw>"
 * or "Basic base64(<any user>:<pw>)", scheme names case-insensitive.
 * authorization may be NULL (no header).  Returns 1 when it grants
 * access, else 0.  Pure; exposed for tests. */
int http_authorized(const char *authorization, const char *password);

#endif
