/*
 * fuzz_inline.c - splitting inline command lines (resp_inline_next) and
 * config lines (config_split_line).
 *
 * Input: one line of any bytes.  resp_inline_next decodes in place, so it
 * works on a copy with one writable byte after the end (its contract); it
 * must never write outside it, every argument must lie inside the line and
 * end with a NUL at its length, and the cursor must only move forward.
 * config_split_line gets the same bytes and must return sane words.
 *
 * Both follow the same quoting rules (Redis's sdssplitargs), so on lines
 * where their documented differences cannot show (no NUL byte, no \v or
 * \f, no comment, no \x00 escape) they must agree word for word: a config
 * line and the same text typed on a raw socket mean the same thing.
 */
#include "fuzz.h"

#include "app/config.h"
#include "net/resp.h"

struct inline_fuzz_words {
    int count;
    int failed;
    char **argv;
    size_t *lens;
};

static void inline_fuzz_split(const uint8_t *data, size_t size, struct inline_fuzz_words *w)
{
    char *line = fuzz_strndup(data, size);
    size_t pos = 0, last = 0;
    char *arg;
    size_t arg_len;
    int rc;
    /* Every argument but the last ends at a separator byte. */
    w->argv = calloc(size / 2 + 2, sizeof(*w->argv));
    w->lens = calloc(size / 2 + 2, sizeof(*w->lens));
    if (w->argv == NULL || w->lens == NULL)
        abort();
    w->count = 0;
    w->failed = 0;
    while ((rc = resp_inline_next(line, size, &pos, &arg, &arg_len)) == 1) {
        FUZZ_CHECK(pos > last && pos <= size);
        FUZZ_CHECK(arg >= line && arg + arg_len <= line + size);
        FUZZ_CHECK(arg[arg_len] == '\0');
        FUZZ_CHECK((size_t)w->count < size / 2 + 2);
        w->argv[w->count] = fuzz_strndup((const uint8_t *)arg, arg_len);
        w->lens[w->count] = arg_len;
        w->count++;
        last = pos;
    }
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc == 0)
        FUZZ_CHECK(pos == size);
    w->failed = rc < 0;
    free(line);
}

static void inline_fuzz_words_free(struct inline_fuzz_words *w)
{
    for (int i = 0; i < w->count; i++)
        free(w->argv[i]);
    free(w->argv);
    free(w->lens);
    memset(w, 0, sizeof(*w));
}

/* Whether the two splitters are documented to agree on this line. */
static int inline_fuzz_comparable(const uint8_t *data, size_t size)
{
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i < size && data[i] == '#')
        return 0;
    for (i = 0; i < size; i++) {
        if (data[i] == '\0' || data[i] == '\v' || data[i] == '\f')
            return 0;
        if (data[i] == '\\' && i + 3 < size && data[i + 1] == 'x' && data[i + 2] == '0' &&
            data[i + 3] == '0')
            return 0;
    }
    return 1;
}

FUZZ_TARGET(inline)
{
    struct inline_fuzz_words words;
    int argc = 0;
    char **argv = NULL;
    const char *problem = NULL;

    inline_fuzz_split(data, size, &words);
    int rc = config_split_line((const char *)data, size, &argc, &argv, &problem);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc == 0) {
        FUZZ_CHECK(argc >= 0 && (argc == 0) == (argv == NULL));
        for (int i = 0; i < argc; i++)
            FUZZ_CHECK(argv[i] != NULL && strlen(argv[i]) <= size);
    } else {
        FUZZ_CHECK(problem != NULL && argv == NULL && argc == 0);
    }
    if (inline_fuzz_comparable(data, size)) {
        FUZZ_CHECK(words.failed == (rc < 0));
        if (rc == 0) {
            FUZZ_CHECK(words.count == argc);
            for (int i = 0; i < argc; i++)
                FUZZ_CHECK(words.lens[i] == strlen(argv[i]) &&
                           memcmp(words.argv[i], argv[i], words.lens[i]) == 0);
        }
    }
    config_argv_free(argc, argv);
    inline_fuzz_words_free(&words);
    return 0;
}
