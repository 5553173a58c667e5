/*
 * hello.h - the `__sentinel__:hello` message (pure).
 *
 * Eight comma-separated fields, as Redis Sentinel publishes them:
 * ip,port,runid,current_epoch,master_name,master_ip,master_port,
 * master_config_epoch
 */
#ifndef SENTINELD_CORE_HELLO_H
#define SENTINELD_CORE_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#define HELLO_CHANNEL "__sentinel__:hello"

struct hello {
    char ip[HOST_MAX];
    int port;
    char runid[RUNID_LEN + 1];
    uint64_t current_epoch;
    char master_name[NAME_MAX_LEN];
    char master_ip[HOST_MAX];
    int master_port;
    uint64_t master_config_epoch;
};

/* Parses payload (NUL-terminated).  Returns 0, or -1 when it does not have
 * exactly eight fields, a port is not 1..65535, the run id is not 40
 * characters, or an epoch is not a decimal number. */
int hello_parse(const char *payload, struct hello *out);

/* Writes the payload for h into buf.  Returns the length, or -1 if it does
 * not fit. */
int hello_format(const struct hello *h, char *buf, size_t len);

#endif
