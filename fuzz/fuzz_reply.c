/*
 * fuzz_reply.c - the reply path: bytes from a Redis node or a peer
 * sentinel, through hiredis's reader, into the core.
 *
 * Input: one mode byte, then the bytes a node sends on a command or pub/sub
 * connection.  This is what src/net/outlink.c does with them, through the
 * same conversion (src/net/replyconv.c): hiredis's reader cuts the stream
 * into replies; a pub/sub "message" carries a hello; any other reply
 * becomes a struct core_reply tree handed to core_step as the answer to a
 * PING, INFO, is-master-down-by-addr, PUBLISH or SLAVEOF that the core
 * sent to a master, a replica, a known sentinel or a static peer.  Nothing
 * a peer sends may crash the daemon, leak, trip a sanitizer, or make it
 * allocate more than FUZZ_MAX_ALLOC_BYTES at once.
 */
#include "fuzz.h"

#include <hiredis/hiredis.h>

#include "core/core.h"
#include "net/replyconv.h"

#define REPLY_FUZZ_MAX_REPLIES 512

static const enum core_tag reply_fuzz_tags[] = {
    TAG_INFO, TAG_PING, TAG_IS_DOWN, TAG_HELLO_PUBLISH, TAG_REPLICAOF, TAG_AUTH, TAG_NONE,
};

/* The instances the replies are for: a master with a replica, a known
 * sentinel and a static peer, every link connected. */
struct reply_fuzz_world {
    struct core *core;
    uint64_t ids[4];   /* instance ids (0 for the static peer, as the core sends) */
    uint64_t links[4]; /* their link ids */
    struct core_actions acts;
    struct core_time now;
};

static void reply_fuzz_world_init(struct reply_fuzz_world *w)
{
    memset(w, 0, sizeof(*w));
    w->now.mono_ms = 1000;
    w->now.wall_ms = 1700000000000;
    w->core = core_new("0123456789abcdef0123456789abcdef01234567", 1);
    struct master *m = core_master_add(w->core, "mymaster", "10.0.0.1", 6379, 2, &w->now);
    m->inst.down_after_ms = 1000;
    struct instance *r = core_replica_add(w->core, m, "10.0.0.2", 6379, &w->now);
    struct instance *s = core_sentinel_add(w->core, m, "10.0.0.3", 26379,
                                           "89abcdef0123456789abcdef0123456789abcdef", &w->now);
    core_peer_add(w->core, "10.0.0.4", 26379);
    w->ids[0] = m->inst.id;
    w->ids[1] = r->id;
    w->ids[2] = s->id;
    w->links[0] = m->inst.link->id;
    w->links[1] = r->link->id;
    w->links[2] = s->link->id;
    w->links[3] = w->core->peers[0].link->id;
    for (int i = 0; i < 4; i++)
        for (int ch = 0; ch < 2; ch++) {
            struct core_event ev = {.type = CORE_EV_LINK_UP, .link_id = w->links[i],
                                    .channel = (enum link_channel)ch, .payload = "10.0.0.9"};
            core_step(w->core, &w->now, &ev, &w->acts);
        }
    core_actions_reset(&w->acts);
}

/* Hands reply number n to the core the way conn_dispatch does. */
static void reply_fuzz_dispatch(struct reply_fuzz_world *w, uint8_t mode, unsigned n,
                                const redisReply *reply)
{
    static const size_t ntags = sizeof(reply_fuzz_tags) / sizeof(reply_fuzz_tags[0]);
    int target = (mode >> 1) & 3;
    /* Links can go (a hello may switch the master); use one that exists. */
    uint64_t link_id = w->links[target];
    if (core_link_find(w->core, link_id) == NULL)
        link_id = w->core->links->id;
    if ((mode & 1) && replyconv_is_message(reply)) {
        struct core_event ev = {.type = CORE_EV_HELLO, .link_id = link_id,
                                .payload = reply->element[2]->str};
        core_step(w->core, &w->now, &ev, &w->acts);
    } else {
        struct core_reply cr;
        replyconv_from_hiredis(reply, &cr);
        struct core_event ev = {.type = CORE_EV_REPLY, .link_id = link_id,
                                .tag = reply_fuzz_tags[((mode >> 3) + n) % ntags],
                                .ctx = w->ids[(target + n / ntags) % 4], .reply = &cr};
        core_step(w->core, &w->now, &ev, &w->acts);
        replyconv_free(&cr);
    }
    core_actions_reset(&w->acts);
}

static void reply_fuzz_tick(struct reply_fuzz_world *w)
{
    struct core_event ev = {.type = CORE_EV_TICK};
    w->now.mono_ms += 100;
    w->now.wall_ms += 100;
    core_step(w->core, &w->now, &ev, &w->acts);
    core_actions_reset(&w->acts);
}

FUZZ_TARGET(reply)
{
    struct fuzz_input in = {data, size};
    uint8_t mode = fuzz_u8(&in);
    struct reply_fuzz_world w;
    /* The reader outlink.c uses, with its cap on array headers. */
    redisReader *reader = replyconv_reader_new();
    if (reader == NULL)
        abort();
    fuzz_alloc_watch();
    reply_fuzz_world_init(&w);
    unsigned n = 0;
    /* Fed in two parts, so that a reply split across reads is exercised. */
    size_t first = in.size ? (size_t)(mode * 7u) % in.size : 0;
    const char *bytes = (const char *)in.data;
    int ok = redisReaderFeed(reader, bytes, first) == REDIS_OK;
    for (int part = 0; ok && part < 2 && n < REPLY_FUZZ_MAX_REPLIES; part++) {
        if (part == 1)
            ok = redisReaderFeed(reader, bytes + first, in.size - first) == REDIS_OK;
        while (ok && n < REPLY_FUZZ_MAX_REPLIES) {
            void *reply = NULL;
            if (redisReaderGetReply(reader, &reply) != REDIS_OK) {
                ok = 0;
                break;
            }
            if (reply == NULL)
                break;
            reply_fuzz_dispatch(&w, mode, n++, reply);
            freeReplyObject(reply);
            if (n % 4 == 0)
                reply_fuzz_tick(&w);
        }
    }
    redisReaderFree(reader);
    core_actions_free(&w.acts);
    core_free(w.core);
    FUZZ_CHECK(fuzz_alloc_largest <= FUZZ_MAX_ALLOC_BYTES);
    return 0;
}
