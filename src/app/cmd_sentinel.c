/*
 * cmd_sentinel.c - placeholder until the SENTINEL commands land.
 */
#include <stdlib.h>
#include <string.h>

#include "app/cmd_sentinel.h"
#include "net/server.h"

void cmd_sentinel(struct client *c, int argc, char **argv, size_t *lens)
{
    (void)argc; (void)argv; (void)lens;
    reply_error(c, "ERR not yet");
}

void cmd_role(struct client *c, int argc, char **argv, size_t *lens)
{
    (void)argc; (void)argv; (void)lens;
    reply_error(c, "ERR not yet");
}

char *cmd_sentinel_info_section(struct app *app)
{
    (void)app;
    return strdup("# Sentinel\r\n");
}

void cmd_sentinel_hello(struct app *app, const char *payload, size_t len)
{
    (void)app; (void)payload; (void)len;
}
