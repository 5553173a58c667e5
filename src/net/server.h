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
struct ssl_ctx_st;
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
/* The default of maxclients. */
#define SERVER_MAX_CLIENTS 10000

/* A port for server_new that binds no plain-text listener (`port 0` in
 * the config: clients come through the TLS port only). */
#define SERVER_PORT_NONE (-1)

/* Creates the server and binds every address in binds (count may be 0:
 * all interfaces, both IPv4 and IPv6 where available) on port.  app is
 * borrowed and handed to command handlers.  Returns NULL with err filled
 * ("Could not create server TCP listening socket *:26379: ...") on failure,
 * or when an ACL rule of the config names a command the server lacks. */
struct server *server_new(struct event_base *base, struct app *app,
                          const char *const *binds, size_t bind_count,
                          int port, char *err, size_t errlen);

/* Adds TLS listeners on port at the same kind of addresses as server_new.
 * Their clients handshake with tls_ctx (an SSL_CTX from net/tls.h,
 * borrowed: it must outlive the server); a client that fails the
 * handshake is logged at verbose level and dropped.  Call at most once.
 * Returns 0, or -1 with err set ("Could not create server TLS listening
 * socket ..."); the server stays usable either way. */
int server_listen_tls(struct server *server, const char *const *binds,
                      size_t bind_count, int port, struct ssl_ctx_st *tls_ctx,
                      char *err, size_t errlen);

/* Closes every client and listener and frees the server; NULL is a no-op. */
void server_free(struct server *server);

/* Delivers message to every client subscribed to channel or to a pattern
 * that matches it.  Returns the number of clients that received it. */
int server_publish(struct server *server, const char *channel,
                   const char *message, size_t len);

/* Number of connected clients; of pub/sub channels and patterns in use. */
size_t server_client_count(const struct server *server);
/* maxclients: connections past it are refused. */
size_t server_max_clients(const struct server *server);
size_t server_pubsub_channel_count(const struct server *server);
size_t server_pubsub_pattern_count(const struct server *server);

/* Totals for INFO stats. */
uint64_t server_total_connections(const struct server *server);
uint64_t server_total_commands(const struct server *server);
uint64_t server_rejected_connections(const struct server *server);
uint64_t server_net_input_bytes(const struct server *server);
uint64_t server_net_output_bytes(const struct server *server);
uint64_t server_total_error_replies(const struct server *server);

/* The port the first listener is bound to (useful when created with port
 * 0, which binds an ephemeral port: tests do that). */
int server_port(const struct server *server);

/* The port of the first TLS listener, or 0 when there is none. */
int server_tls_port(const struct server *server);

/* Redis's glob matching for PSUBSCRIBE patterns: * ? [abc] [^a-z] and \
 * escapes, binary safe, case-sensitive.  Returns 1 on a match, else 0. */
int server_glob_match(const char *pattern, size_t pattern_len,
                      const char *s, size_t len);

/* --- what command handlers use ------------------------------------------- */

/* The app the server was created with (borrowed). */
struct app *client_app(const struct client *c);
struct server *client_server(const struct client *c);

/* Protocol version the client asked for with HELLO (2 or 3). */
int client_resp(const struct client *c);

/* Authenticated (or no password is needed). */
int client_authenticated(const struct client *c);

/* Marks the client authenticated (AUTH, HELLO AUTH) or not. */
void client_set_authenticated(struct client *c, int authenticated);

/* The ACL user the client acts as: "default" until AUTH names another
 * (borrowed, valid until the next client_set_user). */
const char *client_user(const struct client *c);

/* Makes the client act as user (copied) and marks it authenticated, for
 * a successful AUTH or HELLO AUTH.  Returns 0, or -1 on out-of-memory
 * with nothing changed. */
int client_set_user(struct client *c, const char *user);

/* Switches the protocol the client's replies use (HELLO): 2 or 3. */
void client_set_resp(struct client *c, int resp);

/* The client's unique id, counting from 1 in accept order. */
uint64_t client_id(const struct client *c);

/* The name given with CLIENT SETNAME, or NULL (borrowed). */
const char *client_name(const struct client *c);

/* Copies name (len 0 removes the name).  The caller has checked the
 * characters.  Returns 0, or -1 on out-of-memory (name unchanged). */
int client_set_name(struct client *c, const char *name, size_t len);

/* Remote and local address as "ip:port" ("[ip6]:port"), borrowed. */
const char *client_addr(const struct client *c);
const char *client_laddr(const struct client *c);

/* Records the command the client ran last (CLIENT LIST cmd=): fullname
 * such as "sentinel|masters", borrowed: it must outlive the client (the
 * command table's static names do). */
void client_set_last_command(struct client *c, const char *fullname);

/* Closes the client once the replies produced so far are written; no
 * further request of it is read (QUIT, SHUTDOWN, CLIENT KILL of oneself). */
void client_close_after_reply(struct client *c);

/* Closes the client without writing what is pending.  Safe on any client
 * from a command handler, the caller's own included (which is then
 * closed after its current reply instead): the memory is released from
 * the event loop, so pointers stay valid until the handler returns. */
void client_kill(struct client *c);

/* Nonzero once the client is being closed (killed clients are skipped by
 * CLIENT LIST and KILL, as in Redis). */
int client_closing(const struct client *c);

/* A snapshot for CLIENT LIST / CLIENT INFO; strings are borrowed. */
struct client_info {
    uint64_t id;
    const char *addr;
    const char *laddr;
    const char *name;         /* "" when unnamed */
    int fd;
    int64_t age_s;
    int64_t idle_s;
    int pubsub;               /* subscribed to something */
    size_t channels;
    size_t patterns;
    size_t query_bytes;       /* unparsed input held */
    size_t query_free_bytes;
    size_t query_alloc_bytes;
    size_t output_bytes;      /* replies not yet written */
    size_t output_alloc_bytes;
    size_t total_alloc_bytes;
    int write_pending;
    const char *last_command; /* "NULL" before the first command */
    int resp;
    int authenticated;
    const char *user;         /* ACL user, "default" unless AUTH said */
};
void client_info_get(const struct client *c, struct client_info *info);

/* Iterates over the connected clients in connection order:
 * for (c = server_clients(s); c; c = client_next(c)).  Killing a client
 * during the walk is allowed (it stays listed until the loop returns). */
struct client *server_clients(struct server *server);
struct client *client_next(const struct client *c);

/* --- pub/sub ------------------------------------------------------------- */

/* Subscribes c to a channel (pattern 0) or a pattern (1); copies name.
 * Returns 1 if added, 0 if c already had it, -1 on out-of-memory. */
int client_subscribe(struct client *c, int pattern, const char *name,
                     size_t len);

/* Removes one subscription.  Returns 1 if removed, 0 if c didn't have
 * it. */
int client_unsubscribe(struct client *c, int pattern, const char *name,
                       size_t len);

/* Number of channels (pattern 0) or patterns (1) c is subscribed to. */
size_t client_subscription_count(const struct client *c, int pattern);

/* The i-th subscription in subscription order, borrowed until it is
 * removed; *len receives its length. */
const char *client_subscription(const struct client *c, int pattern,
                                size_t i, size_t *len);

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
void reply_verbatim(struct client *c, const char *s, size_t len); /* txt */
void reply_ok(struct client *c);
void reply_push(struct client *c, long long n);  /* > in RESP3, else * */

/* Deferred length: reply_deferred() reserves an array header and returns a
 * handle; reply_deferred_set() fills it in once the count is known (an
 * array, or a map of n pairs when is_map).  Both calls must happen in the
 * same command handler. */
void *reply_deferred(struct client *c);
void reply_deferred_set(struct client *c, void *handle, long long n,
                        int is_map);

#endif
