/*
 * test_log.c - log lines in Redis's format and in JSON, the level filter,
 * the file's open flags, reopening after rotation, and whole lines under
 * concurrent writers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/log.h"

/* 21 Nov 2026 23:50:29.505 UTC, the time of a line captured from
 * redis-sentinel 7.0: "4593:X 21 Nov 2026 23:50:29.505 # +monitor ..." */
static const struct timespec CAPTURED_TS = { 1795305029, 505999999 };

struct tmpdir {
    char path[PATH_MAX];
    char file[PATH_MAX + 16];
};

static int setup_dir(void **state)
{
    struct tmpdir *t = calloc(1, sizeof(*t));
    const char *base = getenv("TMPDIR");

    if (!t)
        return -1;
    snprintf(t->path, sizeof(t->path), "%s/test_log.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(t->path)) {
        free(t);
        return -1;
    }
    snprintf(t->file, sizeof(t->file), "%s/sentineld.log", t->path);
    *state = t;
    return 0;
}

static int teardown_dir(void **state)
{
    struct tmpdir *t = *state;
    char rotated[PATH_MAX + 32];

    log_close();
    snprintf(rotated, sizeof(rotated), "%s.1", t->file);
    unlink(t->file);
    unlink(rotated);
    rmdir(t->path);
    free(t);
    return 0;
}

/* Returns the file's contents, malloc'd and NUL-terminated. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;
    size_t n;

    assert_non_null(f);
    assert_int_equal(fstat(fileno(f), &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    n = fread(buf, 1, (size_t)st.st_size, f);
    assert_int_equal(n, (size_t)st.st_size);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void format(char *buf, size_t len, enum log_format fmt,
                   enum core_log_level level, const char *msg)
{
    assert_true(log_format_line(buf, len, fmt, level, &CAPTURED_TS, 4593, msg) > 0);
}

static void test_redis_format(void **state)
{
    char line[LOG_LINE_MAX];
    const struct timespec jan = { 1799132889, 7000000 };

    (void)state;
    format(line, sizeof(line), LOG_FORMAT_REDIS, LOG_WARNING, "+monitor master mymaster");
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 # +monitor master mymaster\n");
    format(line, sizeof(line), LOG_FORMAT_REDIS, LOG_NOTICE, "n");
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 * n\n");
    format(line, sizeof(line), LOG_FORMAT_REDIS, LOG_VERBOSE, "v");
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 - v\n");
    format(line, sizeof(line), LOG_FORMAT_REDIS, LOG_DEBUG, "d");
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 . d\n");
    /* Zero-padded day and milliseconds. */
    assert_true(log_format_line(line, sizeof(line), LOG_FORMAT_REDIS, LOG_NOTICE,
                                &jan, 1, "x") > 0);
    assert_string_equal(line, "1:X 05 Jan 2027 07:08:09.007 * x\n");
    /* A line is always one record. */
    format(line, sizeof(line), LOG_FORMAT_REDIS, LOG_NOTICE, "a\nb\r\nc");
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 * a b  c\n");
    /* Unknown levels are shown as warnings rather than read out of bounds. */
    format(line, sizeof(line), LOG_FORMAT_REDIS, (enum core_log_level)42, "?");
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 # ?\n");
    format(line, sizeof(line), LOG_FORMAT_REDIS, LOG_NOTICE, NULL);
    assert_string_equal(line, "4593:X 21 Nov 2026 23:50:29.505 * \n");
}

static void test_json_format(void **state)
{
    char line[LOG_LINE_MAX];

    (void)state;
    format(line, sizeof(line), LOG_FORMAT_JSON, LOG_WARNING, "+sdown master m 10.0.0.1 6379");
    assert_string_equal(line, "{\"ts\":\"2026-11-21T23:50:29.505Z\",\"pid\":4593,"
                              "\"level\":\"warning\","
                              "\"msg\":\"+sdown master m 10.0.0.1 6379\"}\n");
    format(line, sizeof(line), LOG_FORMAT_JSON, LOG_DEBUG, "");
    assert_non_null(strstr(line, "\"level\":\"debug\",\"msg\":\"\"}\n"));
    format(line, sizeof(line), LOG_FORMAT_JSON, LOG_VERBOSE, "");
    assert_non_null(strstr(line, "\"level\":\"verbose\""));
    format(line, sizeof(line), LOG_FORMAT_JSON, LOG_NOTICE, "");
    assert_non_null(strstr(line, "\"level\":\"notice\""));
}

static const char *json_msg(char *line, size_t len, const char *msg)
{
    static const char tail[] = "\"}\n";
    char *start, *end;

    format(line, len, LOG_FORMAT_JSON, LOG_NOTICE, msg);
    start = strstr(line, "\"msg\":\"");
    assert_non_null(start);
    start += 7;
    end = line + strlen(line) - strlen(tail);
    assert_string_equal(end, tail);
    *end = '\0';
    return start;
}

static void test_json_escaping(void **state)
{
    char line[LOG_LINE_MAX];

    (void)state;
    assert_string_equal(json_msg(line, sizeof(line), "say \"hi\" \\ ok"),
                        "say \\\"hi\\\" \\\\ ok");
    assert_string_equal(json_msg(line, sizeof(line), "\n\r\t\b\f\x01\x1f\x7f"),
                        "\\n\\r\\t\\b\\f\\u0001\\u001f\x7f");
    /* Well-formed UTF-8 goes out as is. */
    assert_string_equal(json_msg(line, sizeof(line), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* Anything else becomes U+FFFD, one per byte. */
    assert_string_equal(json_msg(line, sizeof(line), "a\xff" "b"), "a\\ufffdb");
    assert_string_equal(json_msg(line, sizeof(line), "\xc0\xaf"), "\\ufffd\\ufffd");
    assert_string_equal(json_msg(line, sizeof(line), "\xed\xa0\x80"),
                        "\\ufffd\\ufffd\\ufffd");
    assert_string_equal(json_msg(line, sizeof(line), "\xf4\x90\x80\x80"),
                        "\\ufffd\\ufffd\\ufffd\\ufffd");
    assert_string_equal(json_msg(line, sizeof(line), "\xe0\x80\x80"),
                        "\\ufffd\\ufffd\\ufffd");
    assert_string_equal(json_msg(line, sizeof(line), "end \xe2\x82"), "end \\ufffd\\ufffd");
    assert_string_equal(json_msg(line, sizeof(line), "\x80"), "\\ufffd");
}

static void test_truncation(void **state)
{
    char *msg = malloc(LOG_LINE_MAX * 2);
    char line[LOG_LINE_MAX];
    char small[64];
    int n;

    (void)state;
    assert_non_null(msg);
    /* Quotes double in size when escaped: the line is cut, but between
     * escapes, and it still closes. */
    memset(msg, '"', LOG_LINE_MAX * 2 - 1);
    msg[LOG_LINE_MAX * 2 - 1] = '\0';
    n = log_format_line(line, sizeof(line), LOG_FORMAT_JSON, LOG_NOTICE, &CAPTURED_TS, 1, msg);
    assert_true(n > 0 && (size_t)n < sizeof(line));
    assert_int_equal((size_t)n, strlen(line));
    assert_memory_equal(line + n - 5, "\\\"\"}\n", 5);
    n = log_format_line(line, sizeof(line), LOG_FORMAT_REDIS, LOG_NOTICE, &CAPTURED_TS, 1, msg);
    assert_int_equal(n, sizeof(line) - 1);
    assert_int_equal(line[n - 1], '\n');
    /* A buffer too small for the prefix is refused; a tiny one takes a
     * cut message. */
    assert_int_equal(log_format_line(small, 10, LOG_FORMAT_REDIS, LOG_NOTICE,
                                     &CAPTURED_TS, 1, "x"), -1);
    assert_int_equal(log_format_line(small, 20, LOG_FORMAT_JSON, LOG_NOTICE,
                                     &CAPTURED_TS, 1, "x"), -1);
    n = log_format_line(small, 36, LOG_FORMAT_REDIS, LOG_NOTICE, &CAPTURED_TS, 1, msg);
    assert_int_equal(n, 35);
    assert_string_equal(small, "1:X 21 Nov 2026 23:50:29.505 * \"\"\"\n");
    free(msg);
}

static void test_file_levels_and_formats(void **state)
{
    struct tmpdir *t = *state;
    regex_t re;
    char *text, *second;

    assert_int_equal(log_open(t->file, LOG_NOTICE, LOG_FORMAT_REDIS), 0);
    assert_int_equal(log_level(), LOG_NOTICE);
    log_write(LOG_DEBUG, "hidden %d", 1);
    log_write(LOG_VERBOSE, "hidden %d", 2);
    log_write(LOG_NOTICE, "shown %s", "notice");
    log_write(LOG_WARNING, "shown %d%%", 100);
    log_set_level(LOG_DEBUG);
    assert_int_equal(log_level(), LOG_DEBUG);
    log_write(LOG_DEBUG, "now debug");
    log_set_format(LOG_FORMAT_JSON);
    log_write(LOG_VERBOSE, "as \"json\"");
    log_close();

    text = slurp(t->file);
    assert_int_equal(count_lines(text), 4);
    assert_null(strstr(text, "hidden"));
    assert_int_equal(regcomp(&re, "^[0-9]+:X [0-3][0-9] [A-Z][a-z]{2} [0-9]{4} "
                                  "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3} \\* shown notice$",
                             REG_EXTENDED | REG_NEWLINE), 0);
    assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
    regfree(&re);
    assert_non_null(strstr(text, " # shown 100%\n"));
    assert_non_null(strstr(text, " . now debug\n"));
    second = strstr(text, "{\"ts\":\"");
    assert_non_null(second);
    assert_int_equal(regcomp(&re, "^\\{\"ts\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                                  "[0-9]{2}\\.[0-9]{3}Z\",\"pid\":[0-9]+,\"level\":\"verbose\","
                                  "\"msg\":\"as \\\\\"json\\\\\"\"\\}\n$",
                             REG_EXTENDED), 0);
    assert_int_equal(regexec(&re, second, 0, NULL, 0), 0);
    regfree(&re);
    free(text);
}

/* Finds our descriptor for path through /proc. */
static int find_fd(const char *path)
{
    char link[64], target[PATH_MAX];

    for (int fd = 0; fd < 1024; fd++) {
        ssize_t n;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, path) == 0)
            return fd;
    }
    return -1;
}

static void test_append_cloexec_reopen(void **state)
{
    struct tmpdir *t = *state;
    char rotated[PATH_MAX + 32];
    FILE *f;
    char *text;
    int fd;

    f = fopen(t->file, "w");
    assert_non_null(f);
    fputs("kept\n", f);
    fclose(f);
    assert_int_equal(log_open(t->file, LOG_NOTICE, LOG_FORMAT_REDIS), 0);
    fd = find_fd(t->file);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(fd, F_GETFL) & O_APPEND);
    log_write(LOG_NOTICE, "before rotation");

    /* logrotate moves the file away, then sends SIGHUP. */
    snprintf(rotated, sizeof(rotated), "%s.1", t->file);
    assert_int_equal(rename(t->file, rotated), 0);
    log_write(LOG_NOTICE, "still to the old file");
    assert_int_equal(log_reopen(), 0);
    log_write(LOG_NOTICE, "after rotation");
    assert_int_equal(find_fd(rotated), -1);   /* the old one was closed */
    log_close();
    log_close();

    text = slurp(rotated);
    assert_int_equal(strncmp(text, "kept\n", 5), 0);
    assert_non_null(strstr(text, "before rotation"));
    assert_non_null(strstr(text, "still to the old file"));
    assert_null(strstr(text, "after rotation"));
    free(text);
    text = slurp(t->file);
    assert_int_equal(count_lines(text), 1);
    assert_non_null(strstr(text, "after rotation"));
    free(text);
    assert_int_equal(find_fd(t->file), -1);
}

static void test_open_failure_keeps_old_log(void **state)
{
    struct tmpdir *t = *state;
    char missing[PATH_MAX + 32];
    char *text;

    assert_int_equal(log_open(t->file, LOG_WARNING, LOG_FORMAT_REDIS), 0);
    snprintf(missing, sizeof(missing), "%s/no/such/dir.log", t->path);
    errno = 0;
    assert_int_equal(log_open(missing, LOG_DEBUG, LOG_FORMAT_JSON), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(log_level(), LOG_WARNING);
    log_write(LOG_WARNING, "still here");

    /* log_write leaves errno alone. */
    errno = EBADF;
    log_write(LOG_WARNING, "errno %d", 1);
    log_write(LOG_DEBUG, "filtered");
    assert_int_equal(errno, EBADF);

    text = slurp(t->file);
    assert_non_null(strstr(text, " # still here\n"));
    assert_non_null(strstr(text, " # errno 1\n"));
    assert_null(strstr(text, "filtered"));
    free(text);

    /* Reopening in a directory that is gone fails; the old file stays. */
    assert_int_equal(unlink(t->file), 0);
    assert_int_equal(rmdir(t->path), 0);
    assert_int_equal(log_reopen(), -1);
    assert_int_equal(mkdir(t->path, 0700), 0);
    log_close();
}

static void test_stdout(void **state)
{
    struct tmpdir *t = *state;
    int saved, fd;
    char *text;

    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(t->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);
    assert_int_equal(log_open(NULL, LOG_NOTICE, LOG_FORMAT_REDIS), 0);
    log_write(LOG_NOTICE, "to stdout");
    assert_int_equal(log_reopen(), 0);
    assert_int_equal(log_open("", LOG_NOTICE, LOG_FORMAT_JSON), 0);
    log_write(LOG_NOTICE, "json to stdout");
    log_close();    /* must not close stdout */
    log_write(LOG_NOTICE, "after close");
    assert_true(fcntl(STDOUT_FILENO, F_GETFD) >= 0);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);

    text = slurp(t->file);
    assert_int_equal(count_lines(text), 3);
    assert_non_null(strstr(text, " * to stdout\n"));
    assert_non_null(strstr(text, "\"msg\":\"json to stdout\"}\n"));
    assert_non_null(strstr(text, "\"msg\":\"after close\"}\n"));
    free(text);
    log_set_format(LOG_FORMAT_REDIS);
}

/* Several processes appending at once: every line arrives whole. */
static void test_concurrent_writers(void **state)
{
    enum { WRITERS = 4, LINES = 300 };
    struct tmpdir *t = *state;
    char *text, *line;
    size_t seen = 0;

    assert_int_equal(log_open(t->file, LOG_NOTICE, LOG_FORMAT_REDIS), 0);
    for (int w = 0; w < WRITERS; w++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char payload[1024];
            memset(payload, 'a' + w, sizeof(payload) - 1);
            payload[sizeof(payload) - 1] = '\0';
            for (int i = 0; i < LINES; i++)
                log_write(LOG_NOTICE, "w%d %s end", w, payload);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_true(wait(&status) > 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    log_close();
    text = slurp(t->file);
    for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *body = strstr(line, " * w");
        size_t len;
        assert_non_null(body);
        body += 4;
        len = strlen(body);
        assert_int_equal(len, 2 + 1023 + 4);
        assert_memory_equal(body + len - 4, " end", 4);
        for (size_t i = 2; i < 2 + 1023; i++)
            assert_int_equal(body[i], 'a' + (body[0] - '0'));
        seen++;
    }
    assert_int_equal(seen, WRITERS * LINES);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_format),
        cmocka_unit_test(test_json_format),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test_setup_teardown(test_file_levels_and_formats, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_append_cloexec_reopen, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_open_failure_keeps_old_log, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_stdout, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup_dir, teardown_dir),
    };

    /* Redis lines are in local time; pin it so the expected text holds. */
    setenv("TZ", "UTC", 1);
    tzset();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
