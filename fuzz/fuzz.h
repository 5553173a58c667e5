/*
 * fuzz.h - what every fuzz target shares: the entry point macro, a failure
 * check that stays on, and a reader that turns the fuzzer's bytes into
 * small decisions.
 *
 * Each target file defines its entry point with FUZZ_TARGET(name).  Built
 * for libFuzzer (fuzz/fuzz.mk) that is LLVMFuzzerTestOneInput.  Built into
 * the regression test (tests/unit/test_fuzz_regress.c includes every target
 * file with FUZZ_REGRESS defined) it is fuzz_<name>_one, so that all the
 * targets live in one program compiled by the normal toolchain.  Static
 * names in target files therefore carry the target's name as a prefix.
 */
#ifndef SENTINELD_FUZZ_FUZZ_H
#define SENTINELD_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FUZZ_REGRESS
#define FUZZ_TARGET(name) int fuzz_##name##_one(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* A property the target checks: failing it is a crash the fuzzer keeps. */
#define FUZZ_CHECK(cond)                                                   \
    do {                                                                   \
        if (!(cond))                                                       \
            fuzz_fail(#cond, __FILE__, __LINE__);                          \
    } while (0)

#ifdef FUZZ_REGRESS
/* The input being replayed (set by the regression driver), for messages. */
static char fuzz_regress_input[1024];
#endif

__attribute__((noreturn, unused)) static void fuzz_fail(const char *what, const char *file,
                                                        int line)
{
    fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
#ifdef FUZZ_REGRESS
    fprintf(stderr, "fuzz check failed while replaying %s\n", fuzz_regress_input);
#endif
    abort();
}

/* Whether the run was asked to steer clear of a bug already found and
 * reported (FUZZ_AVOID="id,id" in the environment; fuzz/fuzz.mk sets it
 * for `make fuzz` from FUZZ_KNOWN_BUGS), so that a long run is not spent
 * finding it again.  Replays never set it: the regression inputs of open
 * bugs fail until the bugs are fixed. */
__attribute__((unused)) static int fuzz_avoid(const char *id)
{
    const char *list = getenv("FUZZ_AVOID");
    size_t n = strlen(id);
    for (const char *p = list; p != NULL && *p != '\0'; p += strcspn(p, ","), p += *p == ',') {
        p += strspn(p, " ");
        if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == ' ' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/* The largest single allocation made while a target ran, watched through
 * the sanitizers' malloc hook: a small input that makes the code under
 * test allocate hundreds of megabytes is a memory amplification a peer
 * could use against the daemon, even when the allocation succeeds. */
#define FUZZ_MAX_ALLOC_BYTES ((size_t)64 << 20)

static size_t fuzz_alloc_largest;

/* From the sanitizers' allocator interface (gcc ships no header for it). */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void fuzz_alloc_seen(const volatile void *ptr, size_t size)
{
    (void)ptr;
    if (size > fuzz_alloc_largest)
        fuzz_alloc_largest = size;
}

static void fuzz_free_seen(const volatile void *ptr)
{
    (void)ptr;
}

/* Starts watching allocations (the hook is installed once). */
__attribute__((unused)) static void fuzz_alloc_watch(void)
{
    static int installed;
    if (!installed)
        __sanitizer_install_malloc_and_free_hooks(fuzz_alloc_seen, fuzz_free_seen);
    installed = 1;
    fuzz_alloc_largest = 0;
}

/* The fuzzer's bytes, consumed from the front.  An exhausted input reads
 * as zeros, so decoding never fails; fuzz_input_done tells the caller to
 * stop. */
struct fuzz_input {
    const uint8_t *data;
    size_t size;
};

static inline int fuzz_input_done(const struct fuzz_input *in)
{
    return in->size == 0;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
    uint16_t hi = fuzz_u8(in);
    return (uint16_t)(hi << 8 | fuzz_u8(in));
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | fuzz_u8(in);
    return v;
}

/* Takes up to max bytes; *len gets how many were taken (borrowed). */
static inline const uint8_t *fuzz_bytes(struct fuzz_input *in, size_t max, size_t *len)
{
    const uint8_t *p = in->data;
    *len = max < in->size ? max : in->size;
    in->data += *len;
    in->size -= *len;
    return p;
}

/* A malloc'd NUL-terminated copy of len bytes (the parsers under test that
 * want C strings get exactly the fuzzer's bytes and nothing after). */
static inline char *fuzz_strndup(const uint8_t *p, size_t len)
{
    char *s = malloc(len + 1);
    if (s == NULL)
        abort();
    if (len > 0)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

#endif
