/*
 * server.h - the client-facing RESP server.
 *
 * Listens on the configured addresses, reads requests (RESP multibulk and
 * inline), dispatches them to the command table (src/app/commands.c) and
 * buffers replies.  Also keeps the pub/sub registry: which client listens to
 * which channel or pattern, and delivers published messages.
 */
#ifndef SENTINELD_NET_SERVER_H
#define SENTINELD_NET_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct app;
struct server;
struct client;

/* Limits on what a client may make us hold (Redis's defaults where Redis
 * has one: 1 GiB query buffer is far too much for a sentinel). */
#define SERVER_MAX_INLINE_BYTES (64 * 1024)
#define SERVER_MAX_BULK_BYTES (512 * 1024)
#define SERVER_MAX_ARGS (1024 * 1024)
#define SERVER_MAX_QUERY_BYTES (8 * 1024 * 1024)
#define SERVER_MAX_OUTPUT_BYTES (64 * 1024 * 1024)
#define SERVER_MAX_PUBSUB_OUTPUT_BYTES (32 * 1024 * 1024)
#define SERVER_MAX_CLIENTS 10000

/* Creates the server and binds every address in binds (count may be 0:
 * all interfaces, both IPv4 and IPv6 where available) on port.  app is
 * borrowed and handed to command handlers.  Returns NULL with err filled
 * ("Could not create server TCP listening socket *:26379: ...") on failure. */
struct server *server_new(struct event_base *base, struct app *app,
                          const char *const *binds, size_t bind_count,
                          int port, char *err, size_t errlen);

/* Closes every client and listener and frees the server; NULL is a no-op. */
void server_free(struct server *server);

/* Delivers message to every client subscribed to channel or to a pattern
 * that matches it.  Returns the number of clients that received it. */
int server_publish(struct server *server, const char *channel,
                   const char *message, size_t len);

/* Number of connected clients; of pub/sub channels and patterns in use. */
size_t server_client_count(const struct server *server);
size_t server_pubsub_channel_count(const struct server *server);
size_t server_pubsub_pattern_count(const struct server *server);

/* Totals for INFO stats. */
uint64_t server_total_connections(const struct server *server);
uint64_t server_total_commands(const struct server *server);

/* --- what command handlers use ------------------------------------------- */

/* The app the server was created with (borrowed). */
struct app *client_app(const struct client *c);
struct server *client_server(const struct client *c);

/* Protocol version the client asked for with HELLO (2 or 3). */
int client_resp(const struct client *c);

/* Authenticated (or no password is needed). */
int client_authenticated(const struct client *c);

/* Reply builders.  Each appends to the client's output buffer; a client
 * whose buffer passes its limit is closed after the current command. */
void reply_status(struct client *c, const char *status);
void reply_error(struct client *c, const char *msg);       /* adds "-" */
void reply_errorf(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void reply_bulk(struct client *c, const char *s, size_t len);
void reply_cstr(struct client *c, const char *s);          /* bulk */
void reply_bulkf(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void reply_int(struct client *c, long long v);
void reply_nil(struct client *c);     /* null bulk in RESP2, _ in RESP3 */
void reply_array(struct client *c, long long n);
void reply_map(struct client *c, long long n);   /* *2n in RESP2 */
void reply_set(struct client *c, long long n);   /* * in RESP2 */
void reply_double(struct client *c, double v);
void reply_verbatim(struct client *c, const char *s, size_t len); /* INFO */
void reply_ok(struct client *c);

/* Deferred length: reply_deferred() reserves an array header and returns a
 * handle; reply_deferred_set() fills it in once the count is known. */
void *reply_deferred(struct client *c);
void reply_deferred_set(struct client *c, void *handle, long long n,
                        int is_map);

#endif
