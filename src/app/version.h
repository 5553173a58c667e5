#ifndef SENTINELD_APP_VERSION_H
#define SENTINELD_APP_VERSION_H
#define SENTINELD_VERSION "0.1.0"
/* The Redis version we answer as in INFO and HELLO: clients gate features
 * on it, and we speak Redis Sentinel 7.0's protocol. */
#define SENTINELD_REDIS_COMPAT_VERSION "7.0.15"
#endif
