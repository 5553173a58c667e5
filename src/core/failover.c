/*
 * failover.c - starting a failover, choosing a replica, the failover state
 * machine, and switching a master's address when a failover ends here or is
 * learned from a peer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

void failover_tick(struct core *core, const struct core_time *now, struct master *m,
                   struct core_actions *out)
{
    (void)core; (void)now; (void)m; (void)out;
}

void failover_on_info(struct core *core, const struct core_time *now, struct instance *inst,
                      struct core_actions *out)
{
    (void)core; (void)now; (void)inst; (void)out;
}

/* Forgets the master's replicas (keeping its sentinels), points it at
 * host:port and re-adds the old replicas plus the old master as replicas of
 * the new address, as Redis Sentinel does on +switch-master. */
void failover_switch_master(struct core *core, const struct core_time *now, struct master *m,
                            const char *host, int port, struct core_actions *out)
{
    size_t n = 0;
    struct addr *keep = core_xcalloc(m->replica_count + 1, sizeof(*keep));
    for (size_t i = 0; i < m->replica_count; i++) {
        const struct addr *a = &m->replicas[i]->addr;
        if (!(a->port == port && strcmp(a->host, host) == 0))
            keep[n++] = *a;
    }
    struct addr old = m->inst.addr;
    if (!(old.port == port && strcmp(old.host, host) == 0))
        keep[n++] = old;
    core_act_event(out, LOG_WARNING, "+switch-master", NULL, "%s %s %d %s %d", m->inst.name,
                   old.host, old.port, host, port);
    while (m->replica_count > 0)
        core_replica_remove_at(core, m, m->replica_count - 1);
    core_link_release(core, m->inst.link);
    snprintf(m->inst.addr.host, sizeof(m->inst.addr.host), "%s", host);
    m->inst.addr.port = port;
    m->inst.link = core_link_acquire(core, LINK_DATA, &m->inst.addr);
    core_link_set_auth(m->inst.link, m->auth_user, m->auth_pass);
    m->inst.flags &= ~(FLAG_S_DOWN | FLAG_O_DOWN | FLAG_FAILOVER_IN_PROGRESS |
                       FLAG_FORCE_FAILOVER | FLAG_MASTER_REBOOT | FLAG_SCRIPT_KILL_SENT);
    m->inst.runid[0] = '\0';
    m->inst.info_refresh_ms = 0;
    m->inst.role_reported = ROLE_MASTER;
    m->inst.role_reported_ms = now->mono_ms;
    m->failover_state = FAILOVER_NONE;
    m->promoted = NULL;
    if (m->inst.link->act_ping_ms == 0 && !m->inst.link->cmd_connected) {
        m->inst.link->act_ping_ms = now->mono_ms;
        m->inst.link->last_avail_ms = now->mono_ms;
        m->inst.link->last_pong_ms = now->mono_ms;
    }
    for (size_t i = 0; i < m->sentinel_count; i++) {
        m->sentinels[i]->flags &= ~FLAG_MASTER_DOWN;
        free(m->sentinels[i]->leader);
        m->sentinels[i]->leader = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct instance *r = core_replica_add(core, m, keep[i].host, keep[i].port, now);
        if (r != NULL)
            core_act_event(out, LOG_NOTICE, "+slave", r, "%s", "");
    }
    free(keep);
    core_act_persist(out);
}
