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

/* A buffer of this size holds any payload hello_format can produce. */
#define HELLO_PAYLOAD_MAX (2 * HOST_MAX + NAME_MAX_LEN + RUNID_LEN + 64)

/* Parses payload (NUL-terminated).  Returns 0, or -1 when it does not have
 * exactly eight fields, a field is empty, a port is not 1..65535, the run
 * id is not 40 characters, an epoch is not a decimal number that fits in
 * 64 bits, an address or the run id holds a space or control byte, the
 * name holds a control byte, or a field is longer than its buffer.  IPv6
 * addresses are fine: they hold ':' but never ','.  out is written only on
 * success. */
int hello_parse(const char *payload, struct hello *out);

/* Writes the payload for h into buf, NUL-terminated.  Returns the length
 * without the NUL, or -1 if it does not fit or if h would not parse back
 * (an empty field, a ',' inside one, a port outside 1..65535). */
int hello_format(const struct hello *h, char *buf, size_t len);

#endif
