/*
 * scripts.c - the script runner (see scripts.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/app.h"
#include "app/events.h"
#include "app/log.h"
#include "app/scripts.h"
#include "net/server.h"

struct scripts {
    struct scripts_ops ops;
    struct scripts_job *jobs[SCRIPTS_MAX_QUEUE + 1]; /* oldest first */
    size_t count;
    size_t running;
};

/* --- events ------------------------------------------------------------------------ */

static void scripts_notify(struct scripts *s, enum core_log_level level, const char *type,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void scripts_notify(struct scripts *s, enum core_log_level level, const char *type,
                           const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    s->ops.notify(s->ops.ctx, level, type, text);
}

/* --- the queue ---------------------------------------------------------------------- */

struct scripts *scripts_new(const struct scripts_ops *ops)
{
    struct scripts *s = calloc(1, sizeof(*s));
    if (s != NULL)
        s->ops = *ops;
    return s;
}

static void job_free(struct scripts_job *job)
{
    if (job == NULL)
        return;
    for (int i = 0; i < job->argc; i++)
        free(job->argv[i]);
    free(job->argv);
    free(job);
}

void scripts_free(struct scripts *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++)
        job_free(s->jobs[i]);
    free(s);
}

static void job_remove(struct scripts *s, size_t i)
{
    if (s->jobs[i]->running)
        s->running--;
    job_free(s->jobs[i]);
    memmove(&s->jobs[i], &s->jobs[i + 1], (s->count - i - 1) * sizeof(s->jobs[0]));
    s->count--;
}

static struct scripts_job *job_new(const char *path, int argc, char *const *args)
{
    struct scripts_job *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return NULL;
    job->argv = calloc((size_t)argc + 2, sizeof(char *));
    if (job->argv == NULL) {
        free(job);
        return NULL;
    }
    for (int i = 0; i <= argc; i++) {
        job->argv[i] = strdup(i == 0 ? path : args[i - 1]);
        if (job->argv[i] == NULL) {
            job_free(job);
            return NULL;
        }
        job->argc = i + 1;
    }
    return job;
}

/* Like Redis Sentinel, a full queue makes room by forgetting the oldest
 * job that has not started yet; running jobs are never dropped. */
static void queue_make_room(struct scripts *s)
{
    for (size_t i = 0; i < s->count && s->count > SCRIPTS_MAX_QUEUE; i++) {
        if (s->jobs[i]->running)
            continue;
        scripts_notify(s, LOG_WARNING, NULL,
                       "Script queue full (%d jobs): dropping the oldest waiting run of %s",
                       SCRIPTS_MAX_QUEUE, s->jobs[i]->argv[0]);
        job_remove(s, i);
        return;
    }
}

int scripts_queue(struct scripts *s, const char *path, int argc, char *const *args)
{
    if (s == NULL)
        return 0;
    struct scripts_job *job = argc <= SCRIPTS_MAX_ARGS ? job_new(path, argc, args) : NULL;
    if (job == NULL) {
        scripts_notify(s, LOG_WARNING, NULL, "Can't queue script %s: %s", path,
                       argc > SCRIPTS_MAX_ARGS ? "too many arguments" : "out of memory");
        return -1;
    }
    s->jobs[s->count++] = job;
    queue_make_room(s);
    return 0;
}

size_t scripts_count(const struct scripts *s)
{
    return s == NULL ? 0 : s->count;
}

size_t scripts_running(const struct scripts *s)
{
    return s == NULL ? 0 : s->running;
}

const struct scripts_job *scripts_job(const struct scripts *s, size_t i)
{
    return s == NULL || i >= s->count ? NULL : s->jobs[i];
}

/* --- running ------------------------------------------------------------------------ */

/* 30 s after the first run, doubling after each further run, as Redis
 * Sentinel's SCRIPT-RETRY-DELAY. */
static int64_t retry_delay_ms(int runs)
{
    int64_t delay = SCRIPTS_RETRY_DELAY_MS;
    for (int i = 1; i < runs; i++)
        delay *= 2;
    return delay;
}

static void job_retry_later(struct scripts *s, struct scripts_job *job, int64_t now_ms)
{
    if (job->running)
        s->running--;
    job->running = 0;
    job->killed = 0;
    job->pid = 0;
    job->start_ms = now_ms + retry_delay_ms(job->runs);
}

/* Exit code 1 or a signal means "try again later" (Redis Sentinel's
 * documented contract for notification scripts); anything else non-zero
 * is final and reported. */
static void job_done(struct scripts *s, size_t i, int64_t now_ms, int exit_code, int signal_number)
{
    struct scripts_job *job = s->jobs[i];
    scripts_notify(s, LOG_DEBUG, "-script-child", "%ld %d %d", (long)job->pid, exit_code,
                   signal_number);
    if ((signal_number != 0 || exit_code == 1) && job->runs < SCRIPTS_MAX_RUNS) {
        job_retry_later(s, job, now_ms);
        return;
    }
    if (signal_number != 0 || exit_code != 0)
        scripts_notify(s, LOG_WARNING, "-script-error", "%s %d %d", job->argv[0], signal_number,
                       exit_code);
    job_remove(s, i);
}

static void reap_ended(struct scripts *s, int64_t now_ms)
{
    for (size_t i = 0; i < s->count;) {
        struct scripts_job *job = s->jobs[i];
        int exit_code = 0, signal_number = 0;
        int r = job->running ? s->ops.reap(s->ops.ctx, job->pid, &exit_code, &signal_number) : 0;
        if (r == 0) {
            i++;
            continue;
        }
        if (r < 0) {
            scripts_notify(s, LOG_WARNING, NULL, "Lost track of script %s (pid %ld)", job->argv[0],
                           (long)job->pid);
            job_remove(s, i);
            continue;
        }
        size_t before = s->count;
        job_done(s, i, now_ms, exit_code, signal_number);
        if (s->count == before)
            i++;
    }
}

static void kill_timed_out(struct scripts *s, int64_t now_ms, int64_t max_exec_ms)
{
    if (max_exec_ms <= 0)
        return;
    for (size_t i = 0; i < s->count; i++) {
        struct scripts_job *job = s->jobs[i];
        if (!job->running || job->killed || now_ms - job->start_ms <= max_exec_ms)
            continue;
        scripts_notify(s, LOG_WARNING, "-script-timeout", "%s %ld", job->argv[0], (long)job->pid);
        s->ops.kill(s->ops.ctx, job->pid);
        job->killed = 1;
    }
}

/* A failed fork counts as a run that exited with 1: retried later.
 * Returns 1 if the job was removed. */
static int job_spawn_failed(struct scripts *s, size_t i, int64_t now_ms, int err)
{
    struct scripts_job *job = s->jobs[i];
    scripts_notify(s, LOG_WARNING, NULL, "Can't start script %s: %s", job->argv[0], strerror(err));
    if (job->runs < SCRIPTS_MAX_RUNS) {
        job_retry_later(s, job, now_ms);
        return 0;
    }
    scripts_notify(s, LOG_WARNING, "-script-error", "%s %d %d", job->argv[0], 0, 1);
    job_remove(s, i);
    return 1;
}

static void start_due(struct scripts *s, int64_t now_ms)
{
    size_t i = 0;
    while (i < s->count && s->running < SCRIPTS_MAX_RUNNING) {
        struct scripts_job *job = s->jobs[i];
        if (job->running || job->start_ms > now_ms) {
            i++;
            continue;
        }
        pid_t pid = 0;
        job->runs++;
        if (s->ops.spawn(s->ops.ctx, job->argv, &pid) < 0) {
            if (!job_spawn_failed(s, i, now_ms, errno))
                i++;
            continue;
        }
        job->running = 1;
        job->killed = 0;
        job->pid = pid;
        job->start_ms = now_ms;
        s->running++;
        scripts_notify(s, LOG_DEBUG, "+script-child", "%ld", (long)pid);
        i++;
    }
}

void scripts_run(struct scripts *s, int64_t now_ms, int64_t max_exec_ms)
{
    if (s == NULL)
        return;
    reap_ended(s, now_ms);
    kill_timed_out(s, now_ms, max_exec_ms);
    start_due(s, now_ms);
}

/* --- SENTINEL PENDING-SCRIPTS -------------------------------------------------------- */

void scripts_reply_pending(const struct scripts *s, struct client *c, int64_t now_ms)
{
    size_t n = scripts_count(s);
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        const struct scripts_job *job = s->jobs[i];
        reply_map(c, 5);
        reply_cstr(c, "argv");
        reply_array(c, job->argc);
        for (int j = 0; j < job->argc; j++)
            reply_cstr(c, job->argv[j]);
        reply_cstr(c, "flags");
        reply_cstr(c, job->running ? "running" : "scheduled");
        reply_cstr(c, "pid");
        reply_bulkf(c, "%ld", (long)job->pid);
        if (job->running) {
            reply_cstr(c, "run-time");
            reply_bulkf(c, "%lld", (long long)(now_ms - job->start_ms));
        } else {
            int64_t delay = job->start_ms > now_ms ? job->start_ms - now_ms : 0;
            reply_cstr(c, "run-delay");
            reply_bulkf(c, "%lld", (long long)delay);
        }
        reply_cstr(c, "retry-num");
        reply_bulkf(c, "%d", job->runs);
    }
}

/* --- real processes ------------------------------------------------------------------ */

/* Closes every descriptor above stderr.  close_range does it in one call;
 * without it (kernels before 5.9) /proc/self/fd lists what is open. */
static void child_close_fds(void)
{
    if (close_range(3, ~0U, 0) == 0)
        return;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close((int)fd);
        return;
    }
    int own = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (fd > 2 && fd != own)
            close(fd);
    }
    closedir(d);
}

static void child_write_error(const char *path, int err)
{
    const char *parts[] = {"sentineld: can't execute script ", path, ": ", strerror(err), "\n"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        ssize_t n = write(STDERR_FILENO, parts[i], strlen(parts[i]));
        (void)n;
    }
}

/* In the child, between fork and execve.  The daemon has one thread, so
 * nothing here can find a lock held by another; it still keeps to plain
 * system calls except on the rare fallback paths. */
static void child_exec(char *const argv[])
{
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Ignored signals (SIGPIPE here) would stay ignored across execve. */
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
    }
    child_close_fds();
    execve(argv[0], argv, environ);
    child_write_error(argv[0], errno);
    _exit(2);
}

int scripts_process_spawn(void *ctx, char *const argv[], pid_t *pid)
{
    (void)ctx;
    pid_t child = fork();
    if (child < 0)
        return -1;
    if (child == 0)
        child_exec(argv);
    /* Also from this side, so that a kill right after fork reaches the
     * group; failing because the child already did it (or has exec'd) is
     * fine. */
    setpgid(child, child);
    *pid = child;
    return 0;
}

void scripts_process_kill(void *ctx, pid_t pid)
{
    (void)ctx;
    if (kill(-pid, SIGKILL) < 0)
        kill(pid, SIGKILL);
}

int scripts_process_reap(void *ctx, pid_t pid, int *exit_code, int *signal_number)
{
    (void)ctx;
    int status = 0;
    pid_t r;
    do {
        r = waitpid(pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    if (r < 0)
        return -1;
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    *signal_number = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return 1;
}

/* --- the daemon's runner -------------------------------------------------------------- */

/* Script events go through the one choke point like every other event;
 * they carry no script of their own, so they never queue another run. */
static void app_notify(void *ctx, enum core_log_level level, const char *type, const char *text)
{
    if (type == NULL) {
        log_write(level, "%s", text);
        return;
    }
    char type_copy[64];
    char text_copy[1024];
    snprintf(type_copy, sizeof(type_copy), "%s", type);
    snprintf(text_copy, sizeof(text_copy), "%s", text);
    struct core_action a = {.type = CORE_ACT_EVENT, .level = level};
    a.event_type = type_copy;
    a.text = text_copy;
    events_emit(ctx, &a);
}

struct scripts *scripts_new_for_app(struct app *app)
{
    struct scripts_ops ops = {
        .spawn = scripts_process_spawn,
        .kill = scripts_process_kill,
        .reap = scripts_process_reap,
        .notify = app_notify,
        .ctx = app,
    };
    return scripts_new(&ops);
}
