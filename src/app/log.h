/*
 * log.h - the program's log.
 *
 * Lines look like Redis's own, so existing log tooling keeps working:
 *   <pid>:X <dd Mon yyyy HH:MM:SS.mmm> <c> <message>
 * with c '.' debug, '-' verbose, '*' notice, '#' warning, in local time.
 * The JSON format writes one object per line instead:
 *   {"ts":"2026-11-21T23:45:49.933Z","pid":123,"level":"warning","msg":"..."}
 * Each line goes out in a single write() on an O_APPEND descriptor, so
 * lines from several writers never interleave.  Before log_open, lines go
 * to stdout at level notice in Redis format.  Not thread-safe, and not
 * for signal handlers.
 */
#ifndef SENTINELD_APP_LOG_H
#define SENTINELD_APP_LOG_H

#include <stddef.h>
#include <time.h>

#include "app/config.h"
#include "core/core.h"

/* Messages longer than this are cut (Redis cuts at 1024). */
#define LOG_MESSAGE_MAX 4096

/* Room for any line log_format_line writes, JSON escaping included. */
#define LOG_LINE_MAX (LOG_MESSAGE_MAX + 256)

/* Sends the log to path (created if missing, appended to, close-on-exec),
 * or to stdout when path is NULL or "".  Lines below min_level are
 * dropped.  On success the previous log file, if any, is closed.
 * Returns 0, or -1 with errno set and the previous log left in place. */
int log_open(const char *path, enum core_log_level min_level,
             enum log_format format);

/* Changes the lowest level written (CONFIG SET loglevel). */
void log_set_level(enum core_log_level level);

/* Returns the lowest level written. */
enum core_log_level log_level(void);

/* Switches between Redis lines and JSON lines. */
void log_set_format(enum log_format format);

/* Writes one line if level is at least the current level.  Newlines in
 * the message become spaces so a line is always one record.  Never fails
 * visibly and leaves errno as it found it, so callers may log before
 * reporting errno. */
void log_write(enum core_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reopens the log file by its path, for log rotation on SIGHUP.  A no-op
 * returning 0 when logging to stdout.  Returns -1 with errno set if the
 * file cannot be opened; the old descriptor then stays in use. */
int log_reopen(void);

/* Closes the log file and goes back to stdout; safe to call twice. */
void log_close(void);

/* Formats one complete line, '\n' included, for a message at level
 * written at wall time ts by process pid.  Pure apart from reading the
 * time zone for the Redis format.  Returns the length written (the line is
 * cut to fit, never mid-escape), or -1 if len is too small for the prefix.
 * log_write uses it; it is exposed for tests. */
int log_format_line(char *buf, size_t len, enum log_format format,
                    enum core_log_level level, const struct timespec *ts,
                    long pid, const char *message);

#endif
