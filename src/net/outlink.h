/*
 * outlink.h - outbound connections to Redis nodes and peer sentinels.
 *
 * One outlink per core link (struct link in core/model.h): a command
 * connection, plus a pub/sub connection subscribed to the hello channel for
 * Redis nodes.  Connections are opened, authenticated, named
 * (`sentinel-<id8>-cmd` / `-pubsub`) and reopened with backoff here; their
 * state changes, replies and hellos go back to the core as events through
 * app_feed().  Replies are parsed with hiredis's reader.
 */
#ifndef SENTINELD_NET_OUTLINK_H
#define SENTINELD_NET_OUTLINK_H

#include <stdint.h>

#include "core/core.h"

struct event_base;
struct app;
struct outlink_set;

/* Limits: commands queued on one connection, bytes of one reply. */
#define OUTLINK_MAX_QUEUED 1024
#define OUTLINK_MAX_REPLY_BYTES (64 * 1024 * 1024)
#define OUTLINK_CONNECT_TIMEOUT_MS 1000
#define OUTLINK_BACKOFF_MIN_MS 100
#define OUTLINK_BACKOFF_MAX_MS 1000

/* Creates the set; app is borrowed.  Never fails but on out-of-memory
 * (abort). */
struct outlink_set *outlink_set_new(struct event_base *base, struct app *app);

/* Closes every connection and frees the set; NULL is a no-op.  No event
 * is fed to the core while freeing. */
void outlink_set_free(struct outlink_set *set);

/* Matches connections to the core's links: opens what is missing or due
 * for a retry, closes what the core no longer has. */
void outlink_set_reconcile(struct outlink_set *set);

/* Sends argv on the link's channel; the reply comes back as a
 * CORE_EV_REPLY with tag and ctx.  Returns 0, or -1 if that connection is
 * not up (the command is dropped; the core learns of it by LINK_DOWN). */
int outlink_set_send(struct outlink_set *set, uint64_t link_id, enum link_channel channel,
                     enum core_tag tag, uint64_t ctx, int argc, char *const *argv);

/* Closes both connections of the link; they reopen on the next reconcile. */
void outlink_set_disconnect(struct outlink_set *set, uint64_t link_id);

#endif
