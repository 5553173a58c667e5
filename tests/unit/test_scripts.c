/*
 * test_scripts.c - the script runner's queue with fake children and an
 * injected clock: the running and queue limits, retries with backoff,
 * final errors, timeouts, failed forks and the events each one gives.
 * One test runs a real child to check spawn and reap end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "app/app.h"
#include "app/scripts.h"

/* main.c's entry points, which the command handlers linked in beside the
 * runner call; never reached here. */
void app_clock_update(struct app *app)
{
    (void)app;
}

void app_shutdown(struct app *app)
{
    (void)app;
}

int app_persist(struct app *app, char *err, size_t errlen)
{
    (void)app;
    (void)err;
    (void)errlen;
    return 0;
}

int app_actions_run(struct app *app)
{
    (void)app;
    return 0;
}

void app_feed(struct app *app, const struct core_event *ev)
{
    (void)app;
    (void)ev;
}

#define MAX_FAKES 1024
#define MAX_EVENTS 4096

/* A fake child: started by spawn, ended by the test or by kill. */
struct fake_child {
    pid_t pid;
    char argv[4][64];
    int ended;
    int exit_code;
    int signal_number;
    int reaped;
    int lost; /* reap answers "not our child" */
};

struct fake {
    struct fake_child children[MAX_FAKES];
    int child_count;
    int spawn_fails;   /* spawns left to fail with EAGAIN */
    char fail_arg[32]; /* and every spawn whose argv[2] is this */
    pid_t killed[MAX_FAKES];
    int kill_count;
    char events[MAX_EVENTS][160]; /* "type text", or "log: text" */
    int event_count;
};

static struct fake_child *fake_find(struct fake *f, pid_t pid)
{
    for (int i = 0; i < f->child_count; i++)
        if (f->children[i].pid == pid)
            return &f->children[i];
    return NULL;
}

static int fake_spawn(void *ctx, char *const argv[], pid_t *pid)
{
    struct fake *f = ctx;
    if (f->spawn_fails > 0 || (argv[1] != NULL && argv[2] != NULL && f->fail_arg[0] != '\0' &&
                               strcmp(argv[2], f->fail_arg) == 0)) {
        if (f->spawn_fails > 0)
            f->spawn_fails--;
        errno = EAGAIN;
        return -1;
    }
    assert_true(f->child_count < MAX_FAKES);
    struct fake_child *c = &f->children[f->child_count++];
    memset(c, 0, sizeof(*c));
    c->pid = 1000 + f->child_count;
    for (int i = 0; i < 4 && argv[i] != NULL; i++)
        snprintf(c->argv[i], sizeof(c->argv[i]), "%s", argv[i]);
    *pid = c->pid;
    return 0;
}

static void fake_kill(void *ctx, pid_t pid)
{
    struct fake *f = ctx;
    f->killed[f->kill_count++] = pid;
    struct fake_child *c = fake_find(f, pid);
    assert_non_null(c);
    c->ended = 1;
    c->signal_number = SIGKILL;
}

static int fake_reap(void *ctx, pid_t pid, int *exit_code, int *signal_number)
{
    struct fake_child *c = fake_find(ctx, pid);
    assert_non_null(c);
    assert_false(c->reaped);
    if (c->lost)
        return -1;
    if (!c->ended)
        return 0;
    c->reaped = 1;
    *exit_code = c->exit_code;
    *signal_number = c->signal_number;
    return 1;
}

static void fake_notify(void *ctx, enum core_log_level level, const char *type, const char *text)
{
    struct fake *f = ctx;
    (void)level;
    assert_true(f->event_count < MAX_EVENTS);
    snprintf(f->events[f->event_count++], sizeof(f->events[0]), "%s %s",
             type != NULL ? type : "log:", text);
}

static int count_events(const struct fake *f, const char *prefix)
{
    int n = 0;
    for (int i = 0; i < f->event_count; i++)
        n += strncmp(f->events[i], prefix, strlen(prefix)) == 0;
    return n;
}

static int has_event(const struct fake *f, const char *line)
{
    for (int i = 0; i < f->event_count; i++)
        if (strcmp(f->events[i], line) == 0)
            return 1;
    return 0;
}

static void end_child(struct fake *f, pid_t pid, int exit_code)
{
    struct fake_child *c = fake_find(f, pid);
    assert_non_null(c);
    c->ended = 1;
    c->exit_code = exit_code;
}

struct fixture {
    struct fake fake;
    struct scripts *s;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL)
        return -1;
    struct scripts_ops ops = {fake_spawn, fake_kill, fake_reap, fake_notify, &fx->fake};
    fx->s = scripts_new(&ops);
    *state = fx;
    return fx->s == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    scripts_free(fx->s);
    free(fx);
    return 0;
}

static void queue_event(struct scripts *s, const char *type, const char *text)
{
    char *args[2] = {(char *)type, (char *)text};
    assert_int_equal(scripts_queue(s, "/opt/notify it.sh", 2, args), 0);
}

#define MAX_EXEC_MS 60000

/* ---------------------------------------------------------------------- */

static void test_runs_with_exact_argv(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "master mymaster 127.0.0.1 6379");
    assert_int_equal(scripts_count(fx->s), 1);
    assert_int_equal(scripts_running(fx->s), 0);
    const struct scripts_job *job = scripts_job(fx->s, 0);
    assert_int_equal(job->argc, 3);
    assert_null(job->argv[3]);
    assert_int_equal(job->runs, 0);

    scripts_run(fx->s, 1000, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, 1);
    struct fake_child *c = &fx->fake.children[0];
    assert_string_equal(c->argv[0], "/opt/notify it.sh");
    assert_string_equal(c->argv[1], "+sdown");
    assert_string_equal(c->argv[2], "master mymaster 127.0.0.1 6379");
    assert_string_equal(c->argv[3], "");
    assert_int_equal(scripts_running(fx->s), 1);
    assert_int_equal(job->runs, 1);
    assert_int_equal(job->pid, c->pid);
    assert_int_equal(job->start_ms, 1000);
    assert_true(has_event(&fx->fake, "+script-child 1001"));

    scripts_run(fx->s, 1100, MAX_EXEC_MS); /* still running */
    assert_int_equal(scripts_count(fx->s), 1);
    end_child(&fx->fake, c->pid, 0);
    scripts_run(fx->s, 1200, MAX_EXEC_MS);
    assert_int_equal(scripts_count(fx->s), 0);
    assert_int_equal(scripts_running(fx->s), 0);
    assert_true(has_event(&fx->fake, "-script-child 1001 0 0"));
    assert_int_equal(count_events(&fx->fake, "-script-error"), 0);
    assert_null(scripts_job(fx->s, 0));
}

static void test_at_most_16_running(void **state)
{
    struct fixture *fx = *state;
    for (int i = 0; i < 20; i++)
        queue_event(fx->s, "+sdown", "x");
    scripts_run(fx->s, 0, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, SCRIPTS_MAX_RUNNING);
    assert_int_equal(scripts_running(fx->s), SCRIPTS_MAX_RUNNING);
    assert_int_equal(scripts_count(fx->s), 20);
    scripts_run(fx->s, 100, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, SCRIPTS_MAX_RUNNING);

    /* Two end: their slots go to the two oldest waiting jobs at once. */
    end_child(&fx->fake, fx->fake.children[3].pid, 0);
    end_child(&fx->fake, fx->fake.children[7].pid, 0);
    scripts_run(fx->s, 200, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, 18);
    assert_int_equal(scripts_running(fx->s), SCRIPTS_MAX_RUNNING);
    assert_int_equal(scripts_count(fx->s), 18);
    for (size_t i = 0; i < 16; i++)
        assert_true(scripts_job(fx->s, i)->running);
    assert_false(scripts_job(fx->s, 16)->running);
    assert_false(scripts_job(fx->s, 17)->running);
}

static void test_full_queue_drops_oldest_waiting(void **state)
{
    struct fixture *fx = *state;
    char text[32];
    for (int i = 0; i < 16; i++) {
        snprintf(text, sizeof(text), "%d", i);
        queue_event(fx->s, "+running", text);
    }
    scripts_run(fx->s, 0, MAX_EXEC_MS);
    assert_int_equal(scripts_running(fx->s), 16);
    for (int i = 16; i < 300; i++) {
        snprintf(text, sizeof(text), "%d", i);
        queue_event(fx->s, "+waiting", text);
        assert_true(scripts_count(fx->s) <= SCRIPTS_MAX_QUEUE);
    }
    assert_int_equal(scripts_count(fx->s), SCRIPTS_MAX_QUEUE);
    /* The 16 running jobs stay; the waiting ones kept are the newest. */
    for (size_t i = 0; i < 16; i++) {
        snprintf(text, sizeof(text), "%zu", i);
        assert_string_equal(scripts_job(fx->s, i)->argv[2], text);
    }
    int first_kept = 300 - (SCRIPTS_MAX_QUEUE - 16);
    snprintf(text, sizeof(text), "%d", first_kept);
    assert_string_equal(scripts_job(fx->s, 16)->argv[2], text);
    assert_string_equal(scripts_job(fx->s, SCRIPTS_MAX_QUEUE - 1)->argv[2], "299");
    assert_int_equal(count_events(&fx->fake, "log: Script queue full"), first_kept - 16);
}

static void test_exit_1_retried_with_backoff(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+odown", "master m 10.0.0.1 6379 #quorum 2/2");
    int64_t now = 5000;
    int64_t expected_delay = SCRIPTS_RETRY_DELAY_MS;
    for (int run = 1; run <= SCRIPTS_MAX_RUNS; run++) {
        scripts_run(fx->s, now, MAX_EXEC_MS);
        assert_int_equal(fx->fake.child_count, run);
        const struct scripts_job *job = scripts_job(fx->s, 0);
        assert_true(job->running);
        assert_int_equal(job->runs, run);
        end_child(&fx->fake, job->pid, 1);
        now += 10;
        scripts_run(fx->s, now, MAX_EXEC_MS);
        if (run == SCRIPTS_MAX_RUNS)
            break;
        assert_int_equal(scripts_count(fx->s), 1);
        assert_false(job->running);
        assert_int_equal(job->pid, 0);
        assert_int_equal(job->start_ms, now + expected_delay);
        assert_int_equal(count_events(&fx->fake, "-script-error"), 0);
        /* Not a millisecond early. */
        scripts_run(fx->s, now + expected_delay - 1, MAX_EXEC_MS);
        assert_int_equal(fx->fake.child_count, run);
        now += expected_delay;
        expected_delay *= 2;
    }
    /* After the tenth run the job is given up, and the failure reported. */
    assert_int_equal(scripts_count(fx->s), 0);
    assert_true(has_event(&fx->fake, "-script-error /opt/notify it.sh 0 1"));
    assert_int_equal(count_events(&fx->fake, "-script-error"), 1);
}

static void test_exit_2_is_final(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "a");
    queue_event(fx->s, "+sdown", "b");
    scripts_run(fx->s, 0, MAX_EXEC_MS);
    end_child(&fx->fake, fx->fake.children[0].pid, 2);
    end_child(&fx->fake, fx->fake.children[1].pid, 77);
    scripts_run(fx->s, 100, MAX_EXEC_MS);
    assert_int_equal(scripts_count(fx->s), 0);
    assert_true(has_event(&fx->fake, "-script-error /opt/notify it.sh 0 2"));
    assert_true(has_event(&fx->fake, "-script-error /opt/notify it.sh 0 77"));
    assert_true(has_event(&fx->fake, "-script-child 1002 77 0"));
}

static void test_timeout_kills_once_then_retries(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "hang");
    scripts_run(fx->s, 0, 1000);
    pid_t pid = fx->fake.children[0].pid;

    scripts_run(fx->s, 1000, 1000); /* exactly the limit: still allowed */
    assert_int_equal(fx->fake.kill_count, 0);

    /* Past the limit: SIGKILL and -script-timeout, reaped on a later turn
     * (the fake reaps at once, a real child may take a while). */
    scripts_run(fx->s, 1001, 1000);
    assert_int_equal(fx->fake.kill_count, 1);
    assert_int_equal(fx->fake.killed[0], pid);
    char line[128];
    snprintf(line, sizeof(line), "-script-timeout /opt/notify it.sh %ld", (long)pid);
    assert_true(has_event(&fx->fake, line));

    /* Killed by a signal: treated as exit code 1, so retried in 30 s. */
    scripts_run(fx->s, 1100, 1000);
    assert_int_equal(fx->fake.kill_count, 1);
    assert_int_equal(scripts_count(fx->s), 1);
    const struct scripts_job *job = scripts_job(fx->s, 0);
    assert_false(job->running);
    assert_int_equal(job->start_ms, 1100 + SCRIPTS_RETRY_DELAY_MS);
    snprintf(line, sizeof(line), "-script-child %ld 0 9", (long)pid);
    assert_true(has_event(&fx->fake, line));
    assert_int_equal(count_events(&fx->fake, "-script-error"), 0);
}

static void test_kill_sent_once_while_child_lingers(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "hang");
    scripts_run(fx->s, 0, 500);
    scripts_run(fx->s, 501, 500);
    assert_int_equal(fx->fake.kill_count, 1);
    fx->fake.children[0].ended = 0; /* a child slow to die from SIGKILL */
    scripts_run(fx->s, 600, 500);
    scripts_run(fx->s, 700, 500);
    assert_int_equal(fx->fake.kill_count, 1);
    assert_int_equal(count_events(&fx->fake, "-script-timeout"), 1);
    assert_true(scripts_job(fx->s, 0)->running);
}

static void test_no_timeout_when_limit_is_zero(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "long");
    scripts_run(fx->s, 0, 0);
    scripts_run(fx->s, 10LL * 24 * 3600 * 1000, 0);
    assert_int_equal(fx->fake.kill_count, 0);
    assert_int_equal(scripts_running(fx->s), 1);
}

static void test_failed_fork_is_retried(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "x");
    fx->fake.spawn_fails = 1;
    scripts_run(fx->s, 0, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, 0);
    assert_int_equal(scripts_running(fx->s), 0);
    const struct scripts_job *job = scripts_job(fx->s, 0);
    assert_int_equal(job->runs, 1);
    assert_int_equal(job->start_ms, SCRIPTS_RETRY_DELAY_MS);
    assert_int_equal(count_events(&fx->fake, "log: Can't start script /opt/notify it.sh"), 1);
    scripts_run(fx->s, SCRIPTS_RETRY_DELAY_MS, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, 1);
    assert_int_equal(job->runs, 2);

    /* A job whose every fork fails is given up after its last run; the
     * jobs behind it start all the same. */
    snprintf(fx->fake.fail_arg, sizeof(fx->fake.fail_arg), "y");
    queue_event(fx->s, "+sdown", "y");
    queue_event(fx->s, "+sdown", "z");
    int64_t now = SCRIPTS_RETRY_DELAY_MS + 100;
    scripts_run(fx->s, now, MAX_EXEC_MS);
    assert_int_equal(fx->fake.child_count, 2);
    assert_string_equal(fx->fake.children[1].argv[2], "z");
    for (int i = 1; i < SCRIPTS_MAX_RUNS; i++) {
        assert_int_equal(scripts_count(fx->s), 3);
        assert_int_equal(count_events(&fx->fake, "-script-error"), 0);
        now += 100LL * 24 * 3600 * 1000;
        scripts_run(fx->s, now, 0);
    }
    assert_int_equal(scripts_count(fx->s), 2);
    assert_true(has_event(&fx->fake, "-script-error /opt/notify it.sh 0 1"));
    assert_int_equal(count_events(&fx->fake, "log: Can't start script"), 1 + SCRIPTS_MAX_RUNS);
    assert_string_equal(scripts_job(fx->s, 0)->argv[2], "x");
    assert_string_equal(scripts_job(fx->s, 1)->argv[2], "z");
}

static void test_lost_child_is_forgotten(void **state)
{
    struct fixture *fx = *state;
    queue_event(fx->s, "+sdown", "x");
    queue_event(fx->s, "+sdown", "y");
    scripts_run(fx->s, 0, MAX_EXEC_MS);
    /* Someone else reaped it: the job is dropped without a verdict. */
    fx->fake.children[0].lost = 1;
    scripts_run(fx->s, 100, MAX_EXEC_MS);
    assert_int_equal(scripts_count(fx->s), 1);
    assert_int_equal(scripts_running(fx->s), 1);
    assert_string_equal(scripts_job(fx->s, 0)->argv[2], "y");
    assert_int_equal(count_events(&fx->fake, "log: Lost track of script"), 1);
    assert_int_equal(count_events(&fx->fake, "-script-error"), 0);
}

static void test_too_many_arguments_refused(void **state)
{
    struct fixture *fx = *state;
    char *args[SCRIPTS_MAX_ARGS + 1];
    for (int i = 0; i <= SCRIPTS_MAX_ARGS; i++)
        args[i] = "a";
    assert_int_equal(scripts_queue(fx->s, "/x", SCRIPTS_MAX_ARGS + 1, args), -1);
    assert_int_equal(scripts_count(fx->s), 0);
    assert_int_equal(scripts_queue(fx->s, "/x", SCRIPTS_MAX_ARGS, args), 0);
    assert_int_equal(scripts_job(fx->s, 0)->argc, SCRIPTS_MAX_ARGS + 1);
}

static void test_null_runner_is_inert(void **state)
{
    (void)state;
    char *args[1] = {"a"};
    assert_int_equal(scripts_queue(NULL, "/x", 1, args), 0);
    scripts_run(NULL, 0, 0);
    assert_int_equal(scripts_count(NULL), 0);
    assert_int_equal(scripts_running(NULL), 0);
    assert_null(scripts_job(NULL, 0));
    scripts_free(NULL);
}

/* A real child: arguments arrive as given (no shell), and the exit code
 * comes back through reap.  waitpid blocks, so no sleeping is needed. */
static void test_real_process(void **state)
{
    (void)state;
    char *argv[] = {"/bin/sh", "-c", "test \"$0\" = 'a b;$(x)' && exit 3", "a b;$(x)", NULL};
    pid_t pid = 0;
    assert_int_equal(scripts_process_spawn(NULL, argv, &pid), 0);
    assert_true(pid > 0);
    siginfo_t info;
    assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
    int exit_code = -1, signal_number = -1;
    assert_int_equal(scripts_process_reap(NULL, pid, &exit_code, &signal_number), 1);
    assert_int_equal(exit_code, 3);
    assert_int_equal(signal_number, 0);
    assert_int_equal(scripts_process_reap(NULL, pid, &exit_code, &signal_number), -1);

    char *missing[] = {"/nonexistent/script", NULL};
    assert_int_equal(scripts_process_spawn(NULL, missing, &pid), 0);
    assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
    assert_int_equal(scripts_process_reap(NULL, pid, &exit_code, &signal_number), 1);
    assert_int_equal(exit_code, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_with_exact_argv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_at_most_16_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_drops_oldest_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_1_retried_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_2_is_final, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kills_once_then_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_sent_once_while_child_lingers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_timeout_when_limit_is_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_fork_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_child_is_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_arguments_refused, setup, teardown),
        cmocka_unit_test(test_null_runner_is_inert),
        cmocka_unit_test(test_real_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
