/*
 * strnum.c - strict decimal parsing (see strnum.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "app/strnum.h"

int strnum_ll(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}
