/*
 * replyconv.c - hiredis replies into core reply trees (see replyconv.h).
 */
#include <stdlib.h>
#include <string.h>

#include "net/replyconv.h"

/* hiredis 1.x counts elements in a size_t, 0.14 in an int. */
#if HIREDIS_MAJOR >= 1
typedef size_t replyconv_count;
#else
typedef int replyconv_count;
#endif

static redisReplyObjectFunctions replyconv_functions;
static void *(*replyconv_create_array_default)(const redisReadTask *, replyconv_count);

static void *replyconv_create_array(const redisReadTask *task, replyconv_count elements)
{
    if ((unsigned long long)elements > REPLYCONV_MAX_ARRAY_HEADER)
        return NULL; /* the reader fails ("Out of memory") */
    return replyconv_create_array_default(task, elements);
}

redisReader *replyconv_reader_new(void)
{
    redisReader *reader = redisReaderCreate();
    if (reader == NULL)
        return NULL;
    /* The default functions are hiredis's own, reached through a reader. */
    if (replyconv_create_array_default == NULL) {
        replyconv_functions = *reader->fn;
        replyconv_create_array_default = reader->fn->createArray;
        replyconv_functions.createArray = replyconv_create_array;
    }
    reader->fn = &replyconv_functions;
    /* An idle reader keeps at most this much buffer (hiredis's default
     * keeps 16 KB): with thousands of links, the INFO-sized buffers each
     * one held were most of our memory per monitored instance. */
    reader->maxbuf = REPLYCONV_IDLE_BUFFER_BYTES;
    return reader;
}

void replyconv_from_hiredis(const redisReply *r, struct core_reply *out)
{
    memset(out, 0, sizeof(*out));
    switch (r->type) {
    case REDIS_REPLY_STATUS: out->type = CORE_REPLY_STATUS; break;
    case REDIS_REPLY_ERROR: out->type = CORE_REPLY_ERROR; break;
    case REDIS_REPLY_STRING: out->type = CORE_REPLY_STRING; break;
    case REDIS_REPLY_INTEGER: out->type = CORE_REPLY_INTEGER; break;
    case REDIS_REPLY_ARRAY: out->type = CORE_REPLY_ARRAY; break;
    default: out->type = CORE_REPLY_NIL; break;
    }
    out->str = r->str;
    out->len = r->str ? (size_t)r->len : 0;
    out->integer = r->integer;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 || r->elements > REPLYCONV_MAX_ARRAY)
        return;
    struct core_reply *el = calloc(r->elements, sizeof(*el));
    if (el == NULL)
        abort();
    for (size_t i = 0; i < r->elements; i++)
        replyconv_from_hiredis(r->element[i], &el[i]);
    out->element = el;
    out->elements = r->elements;
}

void replyconv_free(struct core_reply *r)
{
    for (size_t i = 0; i < r->elements; i++)
        replyconv_free((struct core_reply *)&r->element[i]);
    free((void *)r->element);
}

int replyconv_is_message(const redisReply *r)
{
    return r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
           r->element[0]->type == REDIS_REPLY_STRING &&
           strcmp(r->element[0]->str, "message") == 0 &&
           r->element[2]->type == REDIS_REPLY_STRING;
}
