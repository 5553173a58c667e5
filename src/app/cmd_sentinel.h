/*
 * cmd_sentinel.h - the SENTINEL command family, ROLE, INFO's sentinel
 * section and hellos published by clients.
 */
#ifndef SENTINELD_APP_CMD_SENTINEL_H
#define SENTINELD_APP_CMD_SENTINEL_H

#include <stddef.h>

struct client;
struct app;

/* SENTINEL <subcommand> ...: argv[0] is "SENTINEL" (any case). */
void cmd_sentinel(struct client *c, int argc, char **argv, size_t *lens);

/* ROLE: ["sentinel", [master names...]]. */
void cmd_role(struct client *c, int argc, char **argv, size_t *lens);

/* Returns the "# Sentinel\r\n..." INFO section, malloc'd (caller frees). */
char *cmd_sentinel_info_section(struct app *app);

/* A client PUBLISHed payload on __sentinel__:hello: feed it to the core as
 * a hello, as Redis Sentinel does for hellos sent directly by peers. */
void cmd_sentinel_hello(struct app *app, const char *payload, size_t len);

#endif
