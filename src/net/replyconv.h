/*
 * replyconv.h - hiredis replies into the core's reply trees.
 *
 * The shell (outlink.c) and the reply fuzz target share this one
 * conversion, so what is fuzzed is what runs.
 */
#ifndef SENTINELD_NET_REPLYCONV_H
#define SENTINELD_NET_REPLYCONV_H

#include <hiredis/hiredis.h>

#include "core/core.h"

/* Arrays longer than this are passed to the core without their elements:
 * the core reads arrays of a few elements, and a peer announcing millions
 * must not make us allocate for each. */
#define REPLYCONV_MAX_ARRAY 1024

/* Arrays announcing more elements than this make the reader fail (the
 * link is then dropped): hiredis allocates the element vector as soon as
 * it reads "*<count>", so a hostile node could otherwise make us allocate
 * gigabytes with one line.  No reply we ask for comes near it. */
#define REPLYCONV_MAX_ARRAY_HEADER 65536

/* The most buffer an idle reader keeps between replies. */
#define REPLYCONV_IDLE_BUFFER_BYTES 512

/* A hiredis reader that refuses arrays over REPLYCONV_MAX_ARRAY_HEADER
 * and keeps little buffer while idle;
 * free it with redisReaderFree.  NULL when out of memory. */
redisReader *replyconv_reader_new(void);

/* Fills out from r.  Strings are borrowed from r (valid while r lives);
 * element arrays are allocated and released by replyconv_free. */
void replyconv_from_hiredis(const redisReply *r, struct core_reply *out);

/* Frees what replyconv_from_hiredis allocated inside r (not r itself). */
void replyconv_free(struct core_reply *r);

/* True for a pub/sub "message" array carrying a string payload. */
int replyconv_is_message(const redisReply *r);

#endif
