/*
 * sdnotify.h - readiness and state notifications to systemd (sd_notify).
 *
 * The protocol is small enough to speak without libsystemd: one datagram
 * of "KEY=value" lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or "@name" for an abstract socket).  Without that variable, as
 * when not started by systemd with Type=notify, every call does nothing.
 */
#ifndef SENTINELD_APP_SDNOTIFY_H
#define SENTINELD_APP_SDNOTIFY_H

/* Sends state ("READY=1", "STOPPING=1", "STATUS=...", several joined by
 * newlines) to the service manager.  The first call takes $NOTIFY_SOCKET
 * out of the environment, so scripts we run do not inherit it, and keeps
 * it for later calls.  Returns 1 when sent, 0 when there is no manager to
 * tell, -1 with errno set when sending failed (never fatal: the caller
 * only logs it). */
int sdnotify_send(const char *state);

/* Like sdnotify_send with a printf format.  Same returns. */
int sdnotify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
