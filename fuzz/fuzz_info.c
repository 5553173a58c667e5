/*
 * fuzz_info.c - the INFO reply parser (src/core/info.h).
 *
 * Input: the text of an INFO reply, as any node on the network could send
 * it.  info_parse is given exactly these bytes (no NUL after them), so a
 * read past the end is an ASan report.  What it keeps must satisfy its
 * contract: run ids of 40 printable bytes or empty, hosts that are single
 * printable words, ports in 1..65535, bounded counts and seconds.
 */
#include "fuzz.h"

#include "core/info.h"

static void info_fuzz_check_word(const char *s, size_t max, int may_be_empty)
{
    size_t n = strnlen(s, max + 1);
    FUZZ_CHECK(n <= max);
    FUZZ_CHECK(may_be_empty || n > 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        FUZZ_CHECK(c > ' ' && c < 0x7f && c != ',');
    }
}

FUZZ_TARGET(info)
{
    struct info_report report;
    /* Exactly the fuzzer's bytes in their own allocation, so ASan sees
     * the first byte past the end. */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        abort();
    if (size > 0)
        memcpy(text, data, size);
    memset(&report, 0, sizeof(report));
    int rc = info_parse(size ? text : NULL, size, &report);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(report.run_id[0] == '\0' || strlen(report.run_id) == RUNID_LEN);
    info_fuzz_check_word(report.run_id, RUNID_LEN, 1);
    info_fuzz_check_word(report.master_host, HOST_MAX - 1, 1);
    FUZZ_CHECK(report.master_port >= 0 && report.master_port <= 65535);
    FUZZ_CHECK(report.master_link_down_since_s >= -1 &&
               report.master_link_down_since_s <= INFO_SECONDS_MAX);
    FUZZ_CHECK(report.replica_priority >= 0);
    FUZZ_CHECK(report.repl_offset >= 0);
    FUZZ_CHECK(report.master_repl_offset >= -1);
    FUZZ_CHECK(report.role == ROLE_UNKNOWN || report.role == ROLE_MASTER ||
               report.role == ROLE_REPLICA);
    FUZZ_CHECK(report.replica_count <= INFO_REPLICAS_MAX);
    FUZZ_CHECK((report.replica_count == 0) || report.replicas != NULL);
    for (size_t i = 0; i < report.replica_count; i++) {
        const struct info_replica *r = &report.replicas[i];
        info_fuzz_check_word(r->host, HOST_MAX - 1, 0);
        FUZZ_CHECK(r->port >= 1 && r->port <= 65535);
        FUZZ_CHECK(r->offset >= -1 && r->lag_s >= -1);
    }
    info_report_clear(&report);
    FUZZ_CHECK(report.replicas == NULL && report.replica_count == 0);
    free(text);
    return 0;
}
