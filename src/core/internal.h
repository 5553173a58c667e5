/*
 * internal.h - helpers shared by the core's own files (not for the shell).
 */
#ifndef SENTINELD_CORE_INTERNAL_H
#define SENTINELD_CORE_INTERNAL_H

#include <stdarg.h>

#include "core/core.h"

/* Asserts that stay on in release builds: a broken invariant in the core is
 * a programmer error, and continuing would make wrong decisions. */
#define CORE_ASSERT(cond) \
    do { if (!(cond)) core_assert_fail(#cond, __FILE__, __LINE__); } while (0)
void core_assert_fail(const char *what, const char *file, int line)
    __attribute__((noreturn));

void *core_xcalloc(size_t n, size_t size);
void *core_xrealloc(void *p, size_t size);
char *core_xstrdup(const char *s);
char *core_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Links: found or created by class and address, refcounted. */
struct link *core_link_acquire(struct core *core, enum link_class cls,
                               const struct addr *addr);
void core_link_release(struct core *core, struct link *link);
void core_link_set_auth(struct link *link, const char *user, const char *pass);

/* Instances. */
struct instance *core_instance_new(struct core *core, enum instance_kind kind,
                                   struct master *master, const char *host,
                                   int port, const struct core_time *now);
void core_instance_free(struct core *core, struct instance *inst);
struct instance *core_replica_find(const struct master *m, const char *host,
                                   int port);
void core_replica_remove_at(struct core *core, struct master *m, size_t i);
void core_sentinel_remove_at(struct core *core, struct master *m, size_t i);

/* Actions. */
struct core_action *core_act_push(struct core_actions *out,
                                  enum core_action_type type);
void core_act_send(struct core_actions *out, const struct link *link,
                   enum link_channel channel, enum core_tag tag, uint64_t ctx,
                   int argc, const char *const *argv);
/* Sends a command through the master's rename-command map. */
void core_act_send_renamed(struct core_actions *out, const struct master *m,
                           const struct link *link, enum core_tag tag,
                           uint64_t ctx, int argc, const char *const *argv);
/* Emits an event.  When inst is given the text starts with Redis's
 * "<kind> <name> <ip> <port> [@ <master> <ip> <port>]" and fmt follows. */
void core_act_event(struct core_actions *out, enum core_log_level level,
                    const char *type, const struct instance *inst,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void core_act_log(struct core_actions *out, enum core_log_level level,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void core_act_persist(struct core_actions *out);
/* For state that is only discovered (known replicas and sentinels): saved
 * at the next tick, so that discovering N instances is not N rewrites. */
void core_act_persist_lazy(struct core_actions *out);
void core_act_disconnect(struct core_actions *out, const struct link *link);

/* Epochs above this are refused (see core_epoch_observe). */
#define CORE_EPOCH_MAX (UINT64_MAX / 2)

/* Epoch bookkeeping: raise current_epoch (event + persist) when seen. */
void core_epoch_observe(struct core *core, uint64_t epoch,
                        struct core_actions *out);

/* monitor.c */
void monitor_tick(struct core *core, const struct core_time *now,
                  struct core_actions *out);
void monitor_reply(struct core *core, const struct core_time *now,
                   const struct core_event *ev, struct core_actions *out);
void monitor_hello(struct core *core, const struct core_time *now,
                   const char *payload, struct core_actions *out);
int monitor_instance_is_down(const struct instance *inst);

/* Makes the next tick publish hellos for m on every instance and peer. */
void core_master_hello_soon(struct master *m);

/* Starts a new link's clocks (see core.c). */
void core_link_start_clock(struct link *link, const struct core_time *now);
/* Records an INFO request sent to inst (see info_asked_ms in model.h). */
void core_info_asked(struct instance *inst, const struct core_time *now);
/* Accounts for an INFO reply to inst: sets info_written_ms. */
void core_info_answered(struct instance *inst, const struct core_time *now);

/* failover.c */
/* Stops m's failover because config epoch `epoch` (newer) was seen. */
void failover_superseded(const struct core_time *now, struct master *m, uint64_t epoch,
                         struct core_actions *out);
struct instance *failover_select_replica(const struct master *m, const struct core_time *now);
int failover_tick(struct core *core, const struct core_time *now,
                   struct master *m, struct core_actions *out);
void failover_on_info(struct core *core, const struct core_time *now,
                      struct instance *inst, struct core_actions *out);
/* Queues client-reconfig-script with Redis's 7 arguments; Redis Sentinel
 * only ever passes the state "start" (leader at promotion, observers when
 * they switch). */
void failover_reconfig_script(struct master *m, const char *role, const char *state,
                              const struct addr *from, const struct addr *to,
                              struct core_actions *out);
void failover_switch_master(struct core *core, const struct core_time *now,
                            struct master *m, const char *host, int port,
                            struct core_actions *out);

/* vote.c */
const char *vote_cast(struct core *core, const struct core_time *now,
                      struct master *m, const char *req_runid,
                      uint64_t req_epoch, uint64_t *leader_epoch,
                      struct core_actions *out);
const char *vote_count(struct core *core, const struct core_time *now,
                       struct master *m, uint64_t epoch, int *voters_out,
                       int *votes_out, struct core_actions *out);

#endif
