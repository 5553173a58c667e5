/*
 * trace.c - what happened, for failure reports and replays.
 *
 * Key lines (events, faults, sends other than routine polling) are kept in
 * a ring of the last TRACE_RING lines, printed when a run fails.  With
 * --verbose (make sim SEED=n) every line, routine ones included, is also
 * printed as it happens.
 */
#include <stdarg.h>
#include <stdio.h>

#include "sim.h"

int trace_wants(const struct sim *sim, enum trace_level level)
{
    return level == TRACE_KEY || sim->opt.verbose;
}

void trace_line(struct sim *sim, enum trace_level level, const char *fmt, ...)
{
    if (!trace_wants(sim, level))
        return;
    char *line = sim->trace.lines[sim->trace.next];
    int n = snprintf(line, TRACE_LINE, "[%4lld.%03lld] ", (long long)(sim->now_ms / 1000),
                     (long long)(sim->now_ms % 1000));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, TRACE_LINE - (size_t)n, fmt, ap);
    va_end(ap);
    if (sim->opt.verbose)
        printf("%s\n", line);
    if (level != TRACE_KEY)
        return;
    sim->trace.next = (sim->trace.next + 1) % TRACE_RING;
    if (sim->trace.count < TRACE_RING)
        sim->trace.count++;
}

void trace_dump(const struct sim *sim, FILE *out, size_t last)
{
    size_t n = sim->trace.count < last ? sim->trace.count : last;
    size_t start = (sim->trace.next + TRACE_RING - n) % TRACE_RING;
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %s\n", sim->trace.lines[(start + i) % TRACE_RING]);
}
