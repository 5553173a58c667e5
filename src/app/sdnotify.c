/*
 * sdnotify.c - the sd_notify datagram (see sdnotify.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/sdnotify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len; /* 0: no manager to tell */
static int notify_read;

/* Takes $NOTIFY_SOCKET once.  Only unix sockets are supported: a path or
 * "@abstract", which systemd always hands to services it starts. */
static void sdnotify_read_env(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    notify_read = 1;
    if (path == NULL || (path[0] != '/' && path[0] != '@'))
        return;
    size_t len = strlen(path);
    if (len < 2 || len > sizeof(notify_addr.sun_path))
        return;
    memset(&notify_addr, 0, sizeof(notify_addr));
    notify_addr.sun_family = AF_UNIX;
    memcpy(notify_addr.sun_path, path, len);
    if (path[0] == '@')
        notify_addr.sun_path[0] = '\0';
    notify_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    unsetenv("NOTIFY_SOCKET");
}

int sdnotify_send(const char *state)
{
    if (!notify_read)
        sdnotify_read_env();
    if (notify_addr_len == 0)
        return 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                       (const struct sockaddr *)&notify_addr, notify_addr_len);
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(state) ? 1 : -1;
}

int sdnotify_sendf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        errno = EMSGSIZE;
        return -1;
    }
    return sdnotify_send(buf);
}
