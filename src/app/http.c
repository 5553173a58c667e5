/*
 * http.c - the HTTP port (see http.h).
 *
 * evhttp parses requests and enforces the header and body limits and the
 * idle timeout.  Two limits it lacks are kept here: a deadline for a whole
 * request to arrive (its timeout restarts with every byte read) and a cap
 * on connections.  Every connection's bufferevent is created by us
 * (evhttp_set_bevcb) and we hold one reference to it, so a sweep every
 * HTTP_SWEEP_MS can look at it safely: evhttp clears its callbacks when it
 * lets go of the connection, and then we drop our reference too.  A late
 * or surplus connection is shut down; evhttp then reads end-of-file and
 * frees it as it would any closed connection.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "app/app.h"
#include "app/config.h"
#include "app/events.h"
#include "app/http.h"
#include "app/log.h"
#include "app/scripts.h"
#include "app/status.h"
#include "app/version.h"
#include "net/server.h"

#define HTTP_SWEEP_MS 250
#define HTTP_DEADLINE_SWEEPS (HTTP_REQUEST_DEADLINE_MS / HTTP_SWEEP_MS)
#define HTTP_BACKLOG 64

struct http_conn {
    struct bufferevent *bev; /* one reference is ours */
    int sweeps;              /* since accepted or since its last answer */
    int refused;             /* over HTTP_MAX_CONNECTIONS: shut at once */
    int shut;
};

struct http {
    struct app *app;
    struct evhttp *evh;
    struct event *sweep_ev;
    struct http_conn *conns;
    size_t conn_count;
    size_t conn_cap;
    int port;
};

static struct http *http_server;
static uint64_t config_save_failures;
static int config_saved = 1;

void http_note_config_save(int ok)
{
    config_saved = ok != 0;
    if (!ok)
        config_save_failures++;
}

int http_port(void)
{
    return http_server != NULL ? http_server->port : 0;
}

/* --- authentication ---------------------------------------------------------- */

static int base64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes standard base64 (padding optional) into out, NUL-terminated.
 * Returns the decoded length, or -1 on a bad character or no room. */
static long base64_decode(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in != '\0' && *in != '='; in++) {
        int v = base64_value((unsigned char)*in);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= outlen)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    while (*in == '=')
        in++;
    if (*in != '\0')
        return -1;
    out[n] = '\0';
    return (long)n;
}

/* Compares without stopping at the first difference, so the time taken
 * says nothing about how much of a guess was right. */
static int secret_equal(const char *given, size_t given_len, const char *want)
{
    size_t want_len = strlen(want);
    unsigned char diff = given_len != want_len;
    for (size_t i = 0; i < given_len; i++)
        diff |= (unsigned char)(given[i] ^ want[want_len ? i % want_len : 0]);
    return diff == 0;
}

int http_authorized(const char *authorization, const char *password)
{
    char decoded[HTTP_MAX_HEADERS_BYTES];
    if (authorization == NULL || password == NULL)
        return 0;
    while (*authorization == ' ')
        authorization++;
    if (strncasecmp(authorization, "Bearer ", 7) == 0) {
        const char *token = authorization + 7;
        while (*token == ' ')
            token++;
        return secret_equal(token, strlen(token), password);
    }
    if (strncasecmp(authorization, "Basic ", 6) == 0) {
        const char *b64 = authorization + 6;
        while (*b64 == ' ')
            b64++;
        long n = base64_decode(b64, decoded, sizeof(decoded));
        const char *colon = n < 0 ? NULL : memchr(decoded, ':', (size_t)n);
        if (colon == NULL)
            return 0;
        colon++;
        return secret_equal(colon, (size_t)(decoded + n - colon), password);
    }
    return 0;
}

/* --- connections ------------------------------------------------------------------ */

/* Says why on the raw socket, unless a reply is still being written, and
 * shuts the connection down. */
static void http_conn_shut(struct http_conn *c)
{
    const char *status = c->refused ? "503 Service Unavailable" : "408 Request Timeout";
    const char *body = c->refused ? "too many HTTP connections, try again later\n"
                                  : "the request did not arrive in time\n";
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    char msg[256];
    c->shut = 1;
    if (fd < 0)
        return;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        int n = snprintf(msg, sizeof(msg),
                         "HTTP/1.1 %s\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                         "Content-Length: %zu\r\n\r\n%s", status, strlen(body), body);
        /* Best effort: the client may be gone already. */
        if (n > 0)
            (void)send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    shutdown(fd, SHUT_RDWR);
}

/* Drops our reference to connections evhttp has let go of (it clears a
 * bufferevent's callbacks when it frees it). */
static void http_reap(struct http *h)
{
    size_t i = 0;
    while (i < h->conn_count) {
        struct http_conn *c = &h->conns[i];
        bufferevent_data_cb readcb = NULL;
        void *cbarg = NULL;
        bufferevent_getcb(c->bev, &readcb, NULL, NULL, &cbarg);
        if (readcb == NULL && cbarg == NULL) {
            bufferevent_decref(c->bev);
            h->conns[i] = h->conns[--h->conn_count];
            continue;
        }
        i++;
    }
}

static struct bufferevent *http_on_new_bev(struct event_base *base, void *arg)
{
    struct http *h = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        return NULL; /* evhttp then makes one itself, untracked */
    http_reap(h);
    if (h->conn_count == h->conn_cap) {
        size_t cap = h->conn_cap ? h->conn_cap * 2 : 16;
        struct http_conn *grown = realloc(h->conns, cap * sizeof(*grown));
        if (grown == NULL)
            return bev;
        h->conns = grown;
        h->conn_cap = cap;
    }
    bufferevent_incref(bev);
    struct http_conn *c = &h->conns[h->conn_count++];
    memset(c, 0, sizeof(*c));
    c->bev = bev;
    c->refused = h->conn_count > HTTP_MAX_CONNECTIONS;
    if (c->refused)
        event_active(h->sweep_ev, EV_READ, 0);
    return bev;
}

/* Runs every HTTP_SWEEP_MS (what has EV_TIMEOUT), and at once when a
 * connection over the cap arrives. */
static void http_on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct http *h = arg;
    http_reap(h);
    for (size_t i = 0; i < h->conn_count; i++) {
        struct http_conn *c = &h->conns[i];
        if ((what & EV_TIMEOUT) && !c->shut)
            c->sweeps++;
        if (!c->shut && (c->refused || c->sweeps > HTTP_DEADLINE_SWEEPS))
            http_conn_shut(c);
    }
}

/* The request arrived whole: the deadline starts again for the next one
 * on this connection. */
static void http_conn_answered(struct http *h, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    for (size_t i = 0; i < h->conn_count; i++)
        if (h->conns[i].bev == bev)
            h->conns[i].sweeps = 0;
}

/* --- requests ------------------------------------------------------------------- */

enum http_route {
    ROUTE_PAGE,
    ROUTE_STATUS,
    ROUTE_METRICS,
    ROUTE_HEALTHZ,
};

static const struct {
    const char *path;
    enum http_route route;
    const char *content_type;
} http_routes[] = {
    {"/", ROUTE_PAGE, "text/html; charset=utf-8"},
    {"/status", ROUTE_STATUS, "application/json"},
    {"/metrics", ROUTE_METRICS, "text/plain; version=0.0.4; charset=utf-8"},
    {"/healthz", ROUTE_HEALTHZ, "text/plain; charset=utf-8"},
};

/* Sends the reply with body (borrowed, may be NULL).  evhttp writes the
 * body it is given even in answer to HEAD, where a client keeping the
 * connection open would take it for the next response: HEAD gets the
 * headers GET would, the body's Content-Length among them, and no body. */
static void http_send(struct evhttp_request *req, int code, const char *reason,
                      struct evbuffer *body)
{
    if (body != NULL && evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
        char len[32];
        snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
        body = NULL;
    }
    evhttp_send_reply(req, code, reason, body);
}

static void http_reply_text(struct evhttp_request *req, int code, const char *reason,
                            const char *text)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    struct evbuffer *body = evbuffer_new();
    evhttp_add_header(out, "Content-Type", "text/plain; charset=utf-8");
    evhttp_add_header(out, "Cache-Control", "no-store");
    if (body != NULL)
        evbuffer_add(body, text, strlen(text));
    http_send(req, code, reason, body);
    if (body != NULL)
        evbuffer_free(body);
}

/* How many events /status should carry: ?events=N, bounded by the
 * history's size. */
static size_t http_events_wanted(const struct evhttp_uri *uri)
{
    const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq params;
    size_t n = STATUS_EVENTS_DEFAULT;
    if (query == NULL || evhttp_parse_query_str(query, &params) != 0)
        return n;
    const char *v = evhttp_find_header(&params, "events");
    if (v != NULL) {
        char *end = NULL;
        unsigned long long want = strtoull(v, &end, 10);
        if (end != v && *end == '\0')
            n = want > EVENTS_HISTORY_MAX ? EVENTS_HISTORY_MAX : (size_t)want;
    }
    evhttp_clear_headers(&params);
    return n;
}

/* Fills in from the live program; events (room for want pointers) gets
 * the newest events first. */
static void http_status_input(struct http *h, struct status_input *in,
                              const struct events_entry **events, size_t want)
{
    struct app *app = h->app;
    app_clock_update(app);
    memset(in, 0, sizeof(*in));
    in->core = app->core;
    in->now = app->now;
    in->start_wall_ms = app->start_wall_ms;
    in->version = SENTINELD_VERSION;
    in->run_id = app->run_id;
    in->port = app->cfg->port;
    in->clients = app->server != NULL ? server_client_count(app->server) : 0;
    in->scripts_running = scripts_running(app->scripts);
    in->scripts_queued = scripts_count(app->scripts) - in->scripts_running;
    in->config_save_failures = config_save_failures;
    in->config_saved = config_saved;
    size_t n = 0;
    for (; n < want && events != NULL; n++) {
        events[n] = events_history(n);
        if (events[n] == NULL)
            break;
    }
    in->events = events;
    in->event_count = n;
}

static int http_route_allowed(struct http *h, struct evhttp_request *req,
                              enum http_route route)
{
    const char *pass = h->app->cfg->requirepass;
    /* Probes from load balancers carry no credentials and learn nothing
     * but "ok" or why not. */
    if (route == ROUTE_HEALTHZ || pass == NULL || pass[0] == '\0')
        return 1;
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
                                          "Authorization");
    return http_authorized(auth, pass);
}

static char *http_render(struct http *h, enum http_route route,
                         const struct evhttp_uri *uri, size_t *len, int *code)
{
    size_t want = route == ROUTE_STATUS ? http_events_wanted(uri)
                  : route == ROUTE_PAGE ? STATUS_EVENTS_DEFAULT : 0;
    const struct events_entry **events = want ? calloc(want, sizeof(*events)) : NULL;
    struct status_input in;
    char *text = NULL;
    const char *why = NULL;
    http_status_input(h, &in, events, events != NULL ? want : 0);
    *code = HTTP_OK;
    switch (route) {
    case ROUTE_PAGE: text = status_page(&in, len); break;
    case ROUTE_STATUS: text = status_json(&in, len); break;
    case ROUTE_METRICS: text = status_metrics(&in, len); break;
    case ROUTE_HEALTHZ:
        if (status_health(&in, &why) < 0) {
            *code = 503;
            if (asprintf(&text, "%s\n", why) < 0)
                text = NULL;
        } else {
            text = strdup("ok\n");
        }
        *len = text != NULL ? strlen(text) : 0;
        break;
    }
    free(events);
    return text;
}

static void http_free_text(const void *data, size_t len, void *text)
{
    free(text);
}

/* evhttp answers in the request's HTTP version as it read it ("%d.%d" by
 * sscanf, each kept in a char), so that a bogus one such as HTTP/-207.1 or
 * HTTP/1.200 comes back as HTTP/49.1 or HTTP/1.-56.  It keeps the
 * connection or not by comparing that version with 1.1, but adds the
 * Content-Length of a body, and Connection: keep-alive to a 1.0 reply it
 * keeps open, only for exactly 1.x: a reply to GET in "HTTP/49.1" had a
 * body of no stated length on a connection left open, and one in
 * "HTTP/1.-56" to a request saying keep-alive left open a connection it
 * did not say would stay.  Such a request is answered in the version
 * evhttp treats it as, 1.1 from 1.1 on and 1.0 below, so that the reply
 * is framed and says what is done with the connection.  evhttp has no
 * accessor for the version: it is the struct's own (http_struct.h). */
static void http_version_fix(struct evhttp_request *req)
{
    if (req->major == 1 && (req->minor == 0 || req->minor == 1))
        return;
    int from_1_1 = req->major > 1 || (req->major == 1 && req->minor >= 1);
    req->major = 1;
    req->minor = from_1_1 ? 1 : 0;
}

static void http_on_request(struct evhttp_request *req, void *arg)
{
    struct http *h = arg;
    http_version_fix(req);
    http_conn_answered(h, req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    size_t r = 0, nroutes = sizeof(http_routes) / sizeof(http_routes[0]);
    while (r < nroutes && (path == NULL || strcmp(path, http_routes[r].path) != 0))
        r++;
    if (r == nroutes) {
        http_reply_text(req, HTTP_NOTFOUND, "Not Found",
                        "not found: the paths are /, /status, /metrics and /healthz\n");
        return;
    }
    if (!http_route_allowed(h, req, http_routes[r].route)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Basic realm=\"sentineld\", charset=\"UTF-8\"");
        http_reply_text(req, 401, "Unauthorized",
                        "authentication required: the requirepass password, as HTTP basic "
                        "(any user) or Bearer\n");
        return;
    }
    size_t len = 0;
    int code = HTTP_OK;
    char *text = http_render(h, http_routes[r].route, uri, &len, &code);
    if (text == NULL) {
        http_reply_text(req, HTTP_INTERNAL, "Internal Server Error", "out of memory\n");
        return;
    }
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", http_routes[r].content_type);
    evhttp_add_header(out, "Cache-Control", "no-store");
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    if (http_routes[r].route == ROUTE_PAGE)
        evhttp_add_header(out, "Content-Security-Policy",
                          "default-src 'none'; script-src 'unsafe-inline'; "
                          "style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
    /* The body is sent from text itself, freed once written. */
    struct evbuffer *body = evbuffer_new();
    if (body != NULL && evbuffer_add_reference(body, text, len, http_free_text, text) == 0) {
        http_send(req, code, code == HTTP_OK ? "OK" : "Service Unavailable", body);
    } else {
        free(text);
        evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
    }
    if (body != NULL)
        evbuffer_free(body);
}

/* --- life cycle ---------------------------------------------------------------------- */

static int http_local_port(evutil_socket_t fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

/* A listening socket on host:port, close-on-exec, reusable at once after
 * a restart.  Returns the fd, or -1 with why filled. */
static evutil_socket_t http_listen_one(const char *host, int port, char *why, size_t whylen)
{
    struct addrinfo hints, *res = NULL;
    char port_text[16];
    int one = 1;
    evutil_socket_t fd = -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port_text, sizeof(port_text), "%d", port);
    int rc = getaddrinfo(host, port_text, &hints, &res);
    if (rc != 0) {
        snprintf(why, whylen, "%s", gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            snprintf(why, whylen, "socket: %s", strerror(errno));
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, HTTP_BACKLOG) == 0)
            break;
        snprintf(why, whylen, "%s", strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Serves requests arriving on fd, a listening socket, which evhttp takes
 * over.  Returns 0, or -1 with fd closed. */
static int http_adopt(struct http *h, evutil_socket_t fd)
{
    if (evhttp_accept_socket_with_handle(h->evh, fd) == NULL) {
        close(fd);
        return -1;
    }
    if (h->port == 0)
        h->port = http_local_port(fd);
    return 0;
}

/* Binds one address in Redis's bind syntax ("*", "::*", a leading "-" for
 * an address that may be missing).  Returns 0, or -1 with err filled. */
static int http_bind(struct http *h, const char *bind, int port, char *err, size_t errlen)
{
    char why[256] = "unknown error";
    int optional = bind[0] == '-';
    const char *host = bind + optional;
    const char *real = strcmp(host, "*") == 0 ? "0.0.0.0" : strcmp(host, "::*") == 0 ? "::" : host;
    evutil_socket_t fd = http_listen_one(real, port, why, sizeof(why));
    if (fd < 0) {
        if (optional)
            return 0;
        snprintf(err, errlen, "Could not create the HTTP listening socket %s:%d: %s", host,
                 port, why);
        return -1;
    }
    if (http_adopt(h, fd) < 0) {
        snprintf(err, errlen, "Could not listen for HTTP on %s:%d", host, port);
        return -1;
    }
    return 0;
}

static struct http *http_new(struct app *app)
{
    struct http *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->app = app;
    h->evh = evhttp_new(app->base);
    h->sweep_ev = event_new(app->base, -1, EV_PERSIST, http_on_sweep, h);
    if (h->evh == NULL || h->sweep_ev == NULL) {
        if (h->evh != NULL)
            evhttp_free(h->evh);
        if (h->sweep_ev != NULL)
            event_free(h->sweep_ev);
        free(h);
        return NULL;
    }
    struct timeval tv = {0, HTTP_SWEEP_MS * 1000};
    event_add(h->sweep_ev, &tv);
    evhttp_set_max_headers_size(h->evh, HTTP_MAX_HEADERS_BYTES);
    evhttp_set_max_body_size(h->evh, HTTP_MAX_BODY_BYTES);
    evhttp_set_timeout(h->evh, HTTP_IDLE_TIMEOUT_S);
    evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_default_content_type(h->evh, "text/plain; charset=utf-8");
    evhttp_set_bevcb(h->evh, http_on_new_bev, h);
    evhttp_set_gencb(h->evh, http_on_request, h);
    return h;
}

int http_start(struct app *app, char *err, size_t errlen)
{
    static const char *const every_address[] = {"*", "-::*"};
    const struct config *cfg = app->cfg;
    if (cfg->http_port == 0 || http_server != NULL)
        return 0;
    const char *const *binds = (const char *const *)cfg->binds;
    size_t count = cfg->bind_count;
    if (cfg->http_bind != NULL && cfg->http_bind[0] != '\0') {
        binds = (const char *const *)&cfg->http_bind;
        count = 1;
    } else if (count == 0) {
        binds = every_address;
        count = 2;
    }
    http_server = http_new(app);
    if (http_server == NULL) {
        snprintf(err, errlen, "Could not start the HTTP server: out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (http_bind(http_server, binds[i], cfg->http_port, err, errlen) < 0) {
            http_stop();
            return -1;
        }
    }
    if (http_server->port == 0) {
        snprintf(err, errlen, "Could not listen for HTTP on port %d", cfg->http_port);
        http_stop();
        return -1;
    }
    log_write(LOG_NOTICE, "HTTP status on port %d: /metrics /status /healthz /",
              http_server->port);
    return 0;
}

int http_serve_listener(struct app *app, int fd, char *err, size_t errlen)
{
    if (http_server == NULL && (http_server = http_new(app)) == NULL) {
        close(fd);
        snprintf(err, errlen, "Could not start the HTTP server: out of memory");
        return -1;
    }
    if (http_adopt(http_server, fd) < 0) {
        snprintf(err, errlen, "Could not serve HTTP on the given socket");
        return -1;
    }
    return 0;
}

void http_stop(void)
{
    struct http *h = http_server;
    if (h == NULL)
        return;
    http_server = NULL;
    /* evhttp frees its connections first; then ours are the last refs. */
    evhttp_free(h->evh);
    for (size_t i = 0; i < h->conn_count; i++)
        bufferevent_decref(h->conns[i].bev);
    free(h->conns);
    event_free(h->sweep_ev);
    free(h);
}
