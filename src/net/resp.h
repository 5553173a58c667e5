/*
 * resp.h - an incremental parser for client requests.
 *
 * Pure: no I/O, no clock, no global state, so it can be fuzzed and unit
 * tested byte by byte.  Bytes go in (resp_reader_feed, or the zero-copy
 * resp_reader_space / resp_reader_commit pair), complete requests come out
 * one at a time as argv with lengths (binary safe, and each argument is also
 * NUL-terminated for convenience).  Both forms a Redis server accepts are
 * understood: RESP multibulk (`*N\r\n$len\r\n...`) and inline commands
 * (`PING\r\n`, with "double" and 'single' quoting, a bare \n line end too).
 *
 * Errors carry Redis's own wording (e.g. "ERR Protocol error: invalid bulk
 * length") because clients and tests compare them; after an error the
 * reader stays failed and the caller is expected to reply and hang up, as a
 * Redis server does.
 */
#ifndef SENTINELD_NET_RESP_H
#define SENTINELD_NET_RESP_H

#include <stddef.h>

/* What resp_reader_next found. */
enum resp_reader_status {
    RESP_READER_ERROR = -1,   /* malformed or over a limit: see ->error */
    RESP_READER_AGAIN = 0,    /* need more bytes */
    RESP_READER_REQUEST = 1,  /* a request is ready */
};

/* Limits a client may not exceed.  Zero fields take the server.h values. */
struct resp_limits {
    size_t max_inline_bytes;  /* an inline line, or a *N / $N header line */
    size_t max_bulk_bytes;    /* one multibulk argument */
    size_t max_args;          /* arguments in one multibulk request */
    size_t max_query_bytes;   /* bytes held for one unfinished request */
};

/* One parsed request.  argv[i] points into the reader's buffer, holds
 * lens[i] bytes and is followed by a NUL.  Valid until the next call on the
 * reader (borrowed). */
struct resp_request {
    int argc;
    char **argv;
    size_t *lens;
};

enum resp_reader_state {
    RESP_STATE_IDLE,      /* between requests */
    RESP_STATE_BULK_HEAD, /* expecting "$len\r\n" */
    RESP_STATE_BULK_BODY, /* expecting len bytes and the line end */
    RESP_STATE_FAILED,
};

struct resp_reader {
    struct resp_limits limits;
    /* Set by the owner while the client still has to authenticate: Redis
     * then refuses requests of more than 10 arguments or bulks over 16 KiB,
     * so an anonymous peer can't make the server hold much memory. */
    int unauthenticated;

    char *buf;
    size_t len;           /* bytes held */
    size_t cap;
    size_t pos;           /* parse position */
    size_t request_start; /* first byte of the request being parsed */

    enum resp_reader_state state;
    size_t args_expected; /* multibulk: N of *N */
    size_t bulk_len;      /* BULK_BODY: announced length */

    size_t argc;          /* arguments parsed so far */
    size_t arg_cap;
    size_t *offsets;      /* argument starts, as offsets while parsing */
    size_t *lens;
    char **argv;

    const char *error;    /* set once the reader failed */
    char error_buf[64];
};

/* Prepares reader with limits (NULL: server.h defaults).  Allocates nothing
 * until bytes arrive. */
void resp_reader_init(struct resp_reader *reader,
                      const struct resp_limits *limits);

/* Frees the reader's buffers (not the struct); the reader may be
 * initialised again.  Calling it on a zeroed struct is a no-op. */
void resp_reader_clear(struct resp_reader *reader);

/* Copies len bytes into the reader.  Returns 0, or -1 when the reader has
 * failed or the bytes held for one request would pass max_query_bytes (the
 * reader then fails with error NULL: Redis closes such a client without a
 * reply) or on out-of-memory. */
int resp_reader_feed(struct resp_reader *reader, const char *data,
                     size_t len);

/* Zero-copy input: returns a pointer to at least want writable bytes at the
 * end of the buffer (the caller reads into it, then calls commit), or NULL
 * on out-of-memory.  Invalidates the last request returned. */
char *resp_reader_space(struct resp_reader *reader, size_t want);

/* Accounts for n bytes written into the space returned by
 * resp_reader_space.  Returns 0, or -1 like resp_reader_feed. */
int resp_reader_commit(struct resp_reader *reader, size_t n);

/* Parses the next complete request.  On RESP_READER_REQUEST, req is
 * filled (borrowed, valid until the next call).  On RESP_READER_ERROR,
 * reader->error holds the reply text without the leading '-' (NULL when the
 * client must be closed silently).  Empty requests (`*0`, `*-1`, blank
 * lines) are skipped, as Redis does. */
enum resp_reader_status resp_reader_next(struct resp_reader *reader,
                                         struct resp_request *req);

/* Bytes held but not yet parsed into a returned request. */
size_t resp_reader_pending(const struct resp_reader *reader);

/* Bytes allocated for the buffer (for CLIENT LIST qbuf-free). */
size_t resp_reader_capacity(const struct resp_reader *reader);

/* Takes the next argument of an inline command line, decoding it in place
 * the way redis-cli and Redis read such lines: blanks separate arguments;
 * "double quotes" take \n \r \t \b \a \xHH and \<any> escapes; 'single
 * quotes' take \' only; a closing quote must be followed by a blank or the
 * end; a NUL byte ends the line.  line[len] must be writable (it receives
 * the NUL of a last argument).  *pos is the cursor, start it at 0.
 * Returns 1 with *arg / *arg_len set (pointing into line, NUL-terminated),
 * 0 at the end of the line, or -1 on unbalanced quotes. */
int resp_inline_next(char *line, size_t len, size_t *pos, char **arg,
                     size_t *arg_len);

/* Parses a strict decimal integer as Redis does (no sign '+', no leading
 * zeros, no blanks, no overflow).  Returns 0 and sets *out, or -1. */
int resp_parse_ll(const char *s, size_t len, long long *out);

#endif
