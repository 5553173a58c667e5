/*
 * log.c - the program's log (see log.h for the line formats).
 *
 * The log sits at the edge of the program, so unlike the core it owns a
 * little global state (the descriptor, its path, the level and format) and
 * reads the wall clock itself.  A line is built whole in a stack buffer and
 * handed to one write(), which on an O_APPEND file keeps concurrent writers
 * (our scripts' children, a second daemon by mistake) from interleaving.
 */
#include "app/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_FILE_MODE 0644

static struct {
    int fd;
    int owned;          /* fd was opened by us and must be closed */
    char *path;         /* owned copy, NULL when logging to stdout */
    enum core_log_level level;
    enum log_format format;
} log_state = { STDOUT_FILENO, 0, NULL, LOG_NOTICE, LOG_FORMAT_REDIS };

static const char *const log_months[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Redis's level marks, and the words the JSON format uses. */
static const char log_marks[] = { '.', '-', '*', '#' };
static const char *const log_names[] = { "debug", "verbose", "notice", "warning" };

static unsigned log_level_index(enum core_log_level level)
{
    unsigned i = (unsigned)level;
    return i <= (unsigned)LOG_WARNING ? i : (unsigned)LOG_WARNING;
}

/* "<pid>:X 21 Nov 2026 23:50:29.505 # " in local time, as Redis writes
 * it; X is the role letter Redis uses for a sentinel. */
static int log_prefix_redis(char *buf, size_t len, enum core_log_level level,
                            const struct timespec *ts, long pid)
{
    struct tm tm;
    time_t secs = ts->tv_sec;

    if (!localtime_r(&secs, &tm))
        memset(&tm, 0, sizeof(tm));
    return snprintf(buf, len, "%ld:X %02d %s %d %02d:%02d:%02d.%03ld %c ", pid,
                    tm.tm_mday, log_months[(unsigned)tm.tm_mon % 12],
                    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    ts->tv_nsec / 1000000, log_marks[log_level_index(level)]);
}

/* {"ts":"2026-11-21T23:45:49.933Z","pid":123,"level":"warning","msg":" */
static int log_prefix_json(char *buf, size_t len, enum core_log_level level,
                           const struct timespec *ts, long pid)
{
    struct tm tm;
    time_t secs = ts->tv_sec;

    if (!gmtime_r(&secs, &tm))
        memset(&tm, 0, sizeof(tm));
    return snprintf(buf, len,
                    "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\","
                    "\"pid\":%ld,\"level\":\"%s\",\"msg\":\"",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000, pid,
                    log_names[log_level_index(level)]);
}

/* Copies message, newlines turned into spaces, into at most room bytes. */
static size_t log_body_redis(char *out, size_t room, const char *message)
{
    size_t n = 0;

    for (; n < room && message[n] != '\0'; n++) {
        char c = message[n];
        out[n] = c == '\n' || c == '\r' ? ' ' : c;
    }
    return n;
}

static int log_is_continuation(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* Length of the well-formed UTF-8 sequence at s (1 to 4), or 0 if the
 * bytes there are not one.  s is NUL-terminated, and NUL is never a
 * continuation byte, so this never reads past the terminator. */
static size_t log_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;          /* overlong */
    else if (c == 0xed)
        hi = 0x9f;          /* UTF-16 surrogates */
    else if (c == 0xf0)
        lo = 0x90;          /* overlong */
    else if (c == 0xf4)
        hi = 0x8f;          /* above U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i <= need; i++)
        if (!log_is_continuation(s[i]))
            return 0;
    return need + 1;
}

/* Writes the JSON escape of one byte that needs it into esc; returns its
 * length, or 0 if the byte goes out as itself. */
static size_t log_json_escape(unsigned char c, char esc[8])
{
    switch (c) {
    case '"':  memcpy(esc, "\\\"", 2); return 2;
    case '\\': memcpy(esc, "\\\\", 2); return 2;
    case '\n': memcpy(esc, "\\n", 2); return 2;
    case '\r': memcpy(esc, "\\r", 2); return 2;
    case '\t': memcpy(esc, "\\t", 2); return 2;
    case '\b': memcpy(esc, "\\b", 2); return 2;
    case '\f': memcpy(esc, "\\f", 2); return 2;
    default:
        break;
    }
    if (c < 0x20) {
        snprintf(esc, 8, "\\u%04x", c);
        return 6;
    }
    return 0;
}

/* JSON string body of message in at most room bytes: quotes, backslashes
 * and control bytes escaped, bytes that are not UTF-8 replaced by U+FFFD
 * (JSON text must be UTF-8).  Stops before a piece that does not fit. */
static size_t log_body_json(char *out, size_t room, const char *message)
{
    const unsigned char *s = (const unsigned char *)message;
    size_t n = 0;

    while (*s != '\0') {
        char esc[8];
        const char *piece = esc;
        size_t take = 1, plen = log_json_escape(*s, esc);

        if (plen == 0) {
            take = log_utf8_len(s);
            if (take == 0) {
                take = 1;
                piece = "\\ufffd";
                plen = 6;
            } else {
                piece = (const char *)s;
                plen = take;
            }
        }
        if (plen > room - n)
            break;
        memcpy(out + n, piece, plen);
        n += plen;
        s += take;
    }
    return n;
}

/* See log.h. */
int log_format_line(char *buf, size_t len, enum log_format format,
                    enum core_log_level level, const struct timespec *ts,
                    long pid, const char *message)
{
    const char *tail = format == LOG_FORMAT_JSON ? "\"}\n" : "\n";
    size_t tail_len = strlen(tail);
    int prefix;
    size_t n, room;

    if (format == LOG_FORMAT_JSON)
        prefix = log_prefix_json(buf, len, level, ts, pid);
    else
        prefix = log_prefix_redis(buf, len, level, ts, pid);
    if (prefix < 0 || (size_t)prefix + tail_len >= len)
        return -1;
    n = (size_t)prefix;
    room = len - 1 - tail_len - n;
    if (format == LOG_FORMAT_JSON)
        n += log_body_json(buf + n, room, message ? message : "");
    else
        n += log_body_redis(buf + n, room, message ? message : "");
    memcpy(buf + n, tail, tail_len + 1);
    return (int)(n + tail_len);
}

static void log_write_all(int fd, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;     /* nowhere left to report it */
        off += (size_t)w;
    }
}

static void log_forget_file(void)
{
    if (log_state.owned)
        close(log_state.fd);
    free(log_state.path);
    log_state.fd = STDOUT_FILENO;
    log_state.owned = 0;
    log_state.path = NULL;
}

static int log_open_path(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, LOG_FILE_MODE);
}

/* See log.h. */
int log_open(const char *path, enum core_log_level min_level,
             enum log_format format)
{
    if (path && path[0] != '\0') {
        int fd = log_open_path(path);
        char *copy;
        if (fd < 0)
            return -1;
        copy = strdup(path);
        if (!copy) {
            close(fd);
            errno = ENOMEM;
            return -1;
        }
        log_forget_file();
        log_state.fd = fd;
        log_state.owned = 1;
        log_state.path = copy;
    } else {
        log_forget_file();
    }
    log_state.level = min_level;
    log_state.format = format;
    return 0;
}

/* See log.h. */
void log_set_level(enum core_log_level level)
{
    log_state.level = level;
}

/* See log.h. */
enum core_log_level log_level(void)
{
    return log_state.level;
}

/* See log.h. */
void log_set_format(enum log_format format)
{
    log_state.format = format;
}

/* See log.h. */
void log_write(enum core_log_level level, const char *fmt, ...)
{
    int saved_errno = errno;
    char message[LOG_MESSAGE_MAX];
    char line[LOG_LINE_MAX];
    struct timespec ts;
    va_list ap;
    int n;

    if (level < log_state.level)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        memset(&ts, 0, sizeof(ts));
    n = log_format_line(line, sizeof(line), log_state.format, level, &ts,
                        (long)getpid(), message);
    if (n > 0)
        log_write_all(log_state.fd, line, (size_t)n);
    errno = saved_errno;
}

/* See log.h. */
int log_reopen(void)
{
    int fd;

    if (!log_state.path)
        return 0;
    fd = log_open_path(log_state.path);
    if (fd < 0)
        return -1;
    if (log_state.owned)
        close(log_state.fd);
    log_state.fd = fd;
    log_state.owned = 1;
    return 0;
}

/* See log.h. */
void log_close(void)
{
    log_forget_file();
}
