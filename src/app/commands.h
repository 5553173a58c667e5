/*
 * commands.h - the command table of the client port and the generic
 * commands (PING, AUTH, HELLO, CLIENT, COMMAND, INFO, SHUTDOWN, pub/sub).
 *
 * The table describes every command the port serves, the way Redis 7.0
 * Sentinel does: name, arity (positive = exact, negative = at least),
 * flags, ACL categories, subcommands and documentation.  Dispatch checks,
 * in Redis's order, that the command exists, its arity, authentication and
 * the pub/sub context, and then runs the handler.  SENTINEL and ROLE are
 * handled in cmd_sentinel.c; their entries and arities live here.
 */
#ifndef SENTINELD_APP_COMMANDS_H
#define SENTINELD_APP_COMMANDS_H

#include <stddef.h>

struct client;

/* Runs one request of c.  argv/lens are borrowed for the call.  Returns 0
 * when a handler ran, -1 when the request was refused with an error
 * (unknown command, arity, NOAUTH, pub/sub context): Redis counts only
 * the former in total_commands_processed. */
int commands_dispatch(struct client *c, int argc, char **argv, size_t *lens);

/* Number of top-level commands (COMMAND COUNT). */
size_t commands_count(void);

#endif
