/*
 * commands.h - the command table of the client port and the generic
 * commands (PING, AUTH, HELLO, CLIENT, COMMAND, INFO, SHUTDOWN, pub/sub).
 *
 * The table describes every command the port serves, the way Redis 7.0
 * Sentinel does: name, arity (positive = exact, negative = at least),
 * flags, ACL categories, subcommands and documentation.  Dispatch checks,
 * in Redis's order, that the command exists, its arity, authentication,
 * the user's ACL permissions and the pub/sub context, and then runs the
 * handler.  SENTINEL and ROLE are
 * handled in cmd_sentinel.c; their entries and arities live here.
 */
#ifndef SENTINELD_APP_COMMANDS_H
#define SENTINELD_APP_COMMANDS_H

#include <stddef.h>

struct acl;
struct client;

/* Runs one request of c.  argv/lens are borrowed for the call.  Returns 0
 * when a handler ran, -1 when the request was refused with an error
 * (unknown command, arity, NOAUTH, pub/sub context): Redis counts only
 * the former in total_commands_processed. */
int commands_dispatch(struct client *c, int argc, char **argv, size_t *lens);

/* Checks that every command a rule of acl names is in the table (the
 * config parser knows no commands).  Returns 0, or -1 with err set the
 * way a bad config line is reported. */
int commands_acl_check(const struct acl *acl, char *err, size_t errlen);

/* Number of top-level commands (COMMAND COUNT). */
size_t commands_count(void);

#endif
