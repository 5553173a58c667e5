/*
 * test_fuzz_regress.c - replays the fuzz targets' checked-in inputs.
 *
 * Every file under fuzz/corpus/<target>/ (seeds and inputs kept from fuzzing
 * runs) and fuzz/regress/<target>/ (inputs that once crashed a target, one
 * per fixed bug) goes through the same code the libFuzzer build runs: the
 * target files are included here with FUZZ_REGRESS defined, so their entry
 * points become fuzz_<target>_one and the normal compiler and sanitizers
 * build them, no clang needed.  A target's properties fail with "fuzz check
 * failed" and the name of the input; a sanitizer report names it too.
 *
 * fuzz/regress-open/<target>/ holds the inputs of bugs found but not fixed
 * yet.  Each runs in a child process of its own and is reported, not
 * counted as a failure: "still reproduces", or "no longer reproduces" once
 * the fix is in, which is the cue to move it to fuzz/regress/.
 *
 * The fuzz directory is $FUZZ_DIR, else ./fuzz (make runs tests from the
 * top of the tree).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#define FUZZ_REGRESS 1
#include "../../fuzz/fuzz.h"

#include "../../fuzz/fuzz_config.c"
#include "../../fuzz/fuzz_core.c"
#include "../../fuzz/fuzz_hello.c"
#include "../../fuzz/fuzz_http.c"
#include "../../fuzz/fuzz_info.c"
#include "../../fuzz/fuzz_inline.c"
#include "../../fuzz/fuzz_reply.c"
#include "../../fuzz/fuzz_resp.c"

typedef int (*regress_target)(const uint8_t *data, size_t size);

/* Names the input being replayed when a sanitizer stops the program. */
static void regress_on_death(void)
{
    fprintf(stderr, "fuzz regression: died while replaying %s\n", fuzz_regress_input);
}

static const char *regress_dir(void)
{
    const char *dir = getenv("FUZZ_DIR");
    return dir != NULL && dir[0] != '\0' ? dir : "fuzz";
}

static int regress_read(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL)
        return -1;
    /* The exact bytes in an allocation of their own size, as libFuzzer
     * passes them, so a read past the end is seen. */
    uint8_t *exact = malloc(len ? len : 1);
    if (exact != NULL && len > 0)
        memcpy(exact, buf, len);
    free(buf);
    *data = exact;
    *size = len;
    return exact != NULL ? 0 : -1;
}

/* Runs one input of an open bug in a child with its output silenced;
 * returns whether it still fails. */
static int regress_open_fails(regress_target fn, const uint8_t *data, size_t size)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        fn(data, size);
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        fail_msg("waitpid: %s", strerror(errno));
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Replays every regular file in dir/sub/target; returns how many.  With
 * open set, each runs apart and is only reported. */
static int regress_replay_dir(const char *sub, const char *target, regress_target fn,
                              int required, int open_bugs)
{
    char dirpath[512];
    snprintf(dirpath, sizeof(dirpath), "%s/%s/%s", regress_dir(), sub, target);
    DIR *d = opendir(dirpath);
    if (d == NULL) {
        if (required)
            fail_msg("cannot open %s: %s (set FUZZ_DIR?)", dirpath, strerror(errno));
        return 0;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        uint8_t *data;
        size_t size;
        snprintf(fuzz_regress_input, sizeof(fuzz_regress_input), "%s/%s", dirpath, e->d_name);
        if (e->d_name[0] == '.' || stat(fuzz_regress_input, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (regress_read(fuzz_regress_input, &data, &size) < 0)
            fail_msg("cannot read %s", fuzz_regress_input);
        if (!open_bugs)
            fn(data, size);
        else if (regress_open_fails(fn, data, size))
            print_message("fuzz %s: open bug still reproduces: %s\n", target,
                          fuzz_regress_input);
        else
            print_message("fuzz %s: open bug no longer reproduces, move it to "
                          "fuzz/regress/%s/: %s\n", target, target, fuzz_regress_input);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

static void regress_replay(const char *target, regress_target fn)
{
    /* Replays are strict: nothing is steered around (see fuzz_avoid). */
    unsetenv("FUZZ_AVOID");
    int seeds = regress_replay_dir("corpus", target, fn, 1, 0);
    int crashes = regress_replay_dir("regress", target, fn, 0, 0);
    regress_replay_dir("regress-open", target, fn, 0, 1);
    print_message("fuzz %s: %d corpus inputs, %d regression inputs\n", target, seeds, crashes);
    assert_true(seeds > 0);
}

static void test_resp(void **state)
{
    (void)state;
    regress_replay("resp", fuzz_resp_one);
}

static void test_inline(void **state)
{
    (void)state;
    regress_replay("inline", fuzz_inline_one);
}

static void test_config(void **state)
{
    (void)state;
    regress_replay("config", fuzz_config_one);
}

static void test_info(void **state)
{
    (void)state;
    regress_replay("info", fuzz_info_one);
}

static void test_hello(void **state)
{
    (void)state;
    regress_replay("hello", fuzz_hello_one);
}

static void test_reply(void **state)
{
    (void)state;
    regress_replay("reply", fuzz_reply_one);
}

static void test_core(void **state)
{
    (void)state;
    regress_replay("core", fuzz_core_one);
}

static void test_http(void **state)
{
    (void)state;
    regress_replay("http", fuzz_http_one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resp),   cmocka_unit_test(test_inline),
        cmocka_unit_test(test_config), cmocka_unit_test(test_info),
        cmocka_unit_test(test_hello),  cmocka_unit_test(test_reply),
        cmocka_unit_test(test_core),   cmocka_unit_test(test_http),
    };
    __sanitizer_set_death_callback(regress_on_death);
    return cmocka_run_group_tests_name("fuzz regression corpora", tests, NULL, NULL);
}
