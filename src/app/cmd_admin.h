/*
 * cmd_admin.h - SENTINEL subcommands that change the configuration.  Each
 * takes the whole argv (argv[0] "SENTINEL", argv[1] the subcommand) with its
 * arity already checked by the command table.
 */
#ifndef SENTINELD_APP_CMD_ADMIN_H
#define SENTINELD_APP_CMD_ADMIN_H

struct client;

void cmd_admin_monitor(struct client *c, int argc, char **argv);
void cmd_admin_remove(struct client *c, int argc, char **argv);
void cmd_admin_set(struct client *c, int argc, char **argv);
void cmd_admin_config(struct client *c, int argc, char **argv);
void cmd_admin_simulate_failure(struct client *c, int argc, char **argv);
void cmd_admin_pending_scripts(struct client *c, int argc, char **argv);
void cmd_admin_debug(struct client *c, int argc, char **argv);

#endif
