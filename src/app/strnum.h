/*
 * strnum.h - strict decimal parsing of command arguments.
 */
#ifndef SENTINELD_APP_STRNUM_H
#define SENTINELD_APP_STRNUM_H

/* Parses the whole of s as a base-10 long long (no trailing bytes, no
 * overflow).  Returns 0 and stores it in *out, or -1 leaving *out as is. */
int strnum_ll(const char *s, long long *out);

#endif
