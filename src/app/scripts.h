/*
 * scripts.h - the script runner: notification-script and
 * client-reconfig-script jobs, queued, run, timed out and retried the way
 * Redis Sentinel does it.
 *
 * A job is a path and its arguments.  Jobs wait in one queue (oldest
 * first, at most SCRIPTS_MAX_QUEUE; when full the oldest job that is not
 * running is dropped).  scripts_run, called from the 100 ms tick, reaps
 * finished children, kills those past the maximum execution time and
 * starts due jobs, at most SCRIPTS_MAX_RUNNING at once.  A job that exits
 * with 1 or dies from a signal (a timeout included) runs again later,
 * after 30 s, 60 s, 120 s..., until it has run SCRIPTS_MAX_RUNS times; any
 * other non-zero exit is final.  Both outcomes that give up publish
 * -script-error <path> <signal> <exit-code>, as Redis Sentinel does.
 *
 * Scripts never go through a shell: the path is run with execve and the
 * arguments as given.  The child gets the daemon's environment, its own
 * process group (so a timeout kills what the script started too), stdin
 * and stdout on /dev/null, stderr shared with the daemon's (where its own
 * fatal errors go, never the log file), no other file descriptor, default
 * signal dispositions and an empty signal mask.
 *
 * Processes and time are reached through struct scripts_ops, so the queue
 * logic runs under unit tests with fake children and an injected clock.
 */
#ifndef SENTINELD_APP_SCRIPTS_H
#define SENTINELD_APP_SCRIPTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/core.h"

struct app;
struct client;

#define SCRIPTS_MAX_RUNNING 16
#define SCRIPTS_MAX_QUEUE 256
#define SCRIPTS_MAX_ARGS 16 /* path excluded */
#define SCRIPTS_MAX_RUNS 10 /* first run included */
#define SCRIPTS_RETRY_DELAY_MS 30000

/* One queued or running script.  Read-only outside scripts.c. */
struct scripts_job {
    char **argv; /* argv[0] is the path; NULL-terminated, owned */
    int argc;    /* path included */
    int running;
    int killed;       /* timed out and SIGKILL sent */
    pid_t pid;        /* 0 unless running */
    int64_t start_ms; /* running: when it started; waiting: earliest
                         start (0 = as soon as a slot is free) */
    int runs;         /* times started: Redis's retry-num */
};

/* How the runner reaches processes and the outside world.  ctx is passed
 * back to every call. */
struct scripts_ops {
    /* Starts argv[0] with argv (NULL-terminated).  Returns 0 with *pid
     * set, or -1 with errno set if no process was started. */
    int (*spawn)(void *ctx, char *const argv[], pid_t *pid);
    /* Kills a running child (and its process group) with SIGKILL. */
    void (*kill)(void *ctx, pid_t pid);
    /* Returns 1 when pid has ended, with *exit_code and *signal_number
     * set (0 when not applicable); 0 while it runs; -1 if pid is no child
     * of ours any more (its status is lost). */
    int (*reap)(void *ctx, pid_t pid, int *exit_code, int *signal_number);
    /* Reports an event (type "+script-child"...; text borrowed) or, with
     * type NULL, a plain log line. */
    void (*notify)(void *ctx, enum core_log_level level, const char *type, const char *text);
    void *ctx;
};

struct scripts;

/* Creates an empty runner using ops (copied; ctx borrowed).  Returns NULL
 * on out-of-memory. */
struct scripts *scripts_new(const struct scripts_ops *ops);

/* Creates a runner with real child processes whose events go through
 * events_emit of app (borrowed; must outlive the runner). */
struct scripts *scripts_new_for_app(struct app *app);

/* Frees the runner and its jobs; NULL is a no-op.  Running children are
 * left to finish on their own (Redis Sentinel does not kill them on exit
 * either) and are no longer reaped or timed out. */
void scripts_free(struct scripts *s);

/* Queues path with args[0..argc-1] (all copied) to run as soon as a slot is
 * free.  Returns 0, or -1 if argc is above SCRIPTS_MAX_ARGS or memory ran
 * out (nothing queued, a log line says so).  s NULL: a no-op returning 0. */
int scripts_queue(struct scripts *s, const char *path, int argc, char *const *args);

/* One turn of the runner at monotonic time now_ms: reaps ended children,
 * kills those that ran longer than max_exec_ms (none when max_exec_ms is
 * 0 or less), then starts due jobs.  s NULL: a no-op. */
void scripts_run(struct scripts *s, int64_t now_ms, int64_t max_exec_ms);

/* Number of jobs in the queue, running ones included; 0 for NULL. */
size_t scripts_count(const struct scripts *s);

/* Number of running jobs; 0 for NULL. */
size_t scripts_running(const struct scripts *s);

/* The i-th job, oldest first; NULL past the end.  Borrowed until the next
 * scripts_queue, scripts_run or scripts_free. */
const struct scripts_job *scripts_job(const struct scripts *s, size_t i);

/* Replies to SENTINEL PENDING-SCRIPTS: one map per job with Redis's fields
 * argv, flags (running / scheduled), pid, run-time (running, ms) or
 * run-delay (waiting, ms), retry-num, every value a bulk string as Redis
 * Sentinel 7.0 sends it.  s may be NULL (an empty array). */
void scripts_reply_pending(const struct scripts *s, struct client *c, int64_t now_ms);

/* The real process operations (exposed for tests).  spawn forks and
 * execs as described at the top of this file; a child whose execve fails
 * writes why on stderr and exits with 2, which is final. */
int scripts_process_spawn(void *ctx, char *const argv[], pid_t *pid);
void scripts_process_kill(void *ctx, pid_t pid);
int scripts_process_reap(void *ctx, pid_t pid, int *exit_code, int *signal_number);

#endif
