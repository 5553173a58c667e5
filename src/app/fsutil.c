/*
 * fsutil.c - whole-file reads and crash-safe file replacement (see fsutil.h).
 */
#include "app/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A config file is text a human edits; anything bigger is a mistake (or a
 * device file) and is refused rather than read into memory. */
#define FSUTIL_MAX_FILE_BYTES (64u * 1024 * 1024)

int fsutil_read_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (used + 1 >= cap) {
            if (cap >= FSUTIL_MAX_FILE_BYTES) {
                errno = EFBIG;
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                break;
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (n == 0) {
            close(fd);
            buf[used] = '\0';
            *data = buf;
            *len = used;
            return 0;
        }
        used += (size_t)n;
    }
    int saved = buf == NULL ? ENOMEM : errno;
    free(buf);
    close(fd);
    errno = saved;
    return -1;
}

int fsutil_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            /* write(2) returning 0 for a non-empty buffer means no
             * progress is possible; treat it like a full disk. */
            errno = ENOSPC;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The permission bits the new file gets: the old file's, so a rewrite
 * never widens (or narrows) access to a file that may hold passwords. */
static mode_t fsutil_target_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0644 & ~mask;
}

/* Syncs the directory that holds path, so the rename itself is durable. */
static int fsutil_sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == path) {
        snprintf(dir, sizeof(dir), "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(dir)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    /* Some file systems cannot sync a directory and say EINVAL; the
     * rename is then as durable as that file system makes it. */
    if (rc < 0 && errno == EINVAL)
        rc = 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* A temp file of target is ".<name>" FSUTIL_TEMP_TAG and mkostemp's
 * random part, next to it; the start-up cleaning looks for the same. */
#define FSUTIL_TEMP_TAG ".tmp-"
#define FSUTIL_TEMP_RANDOM "XXXXXX"

/* Writes data into a new temp file next to target; fills tmp with its
 * name.  Returns the open descriptor, or -1 with errno and *step set. */
static int fsutil_write_temp(const char *target, const void *data, size_t len, char *tmp,
                             size_t tmplen, const char **step)
{
    const char *slash = strrchr(target, '/');
    int dirlen = slash == NULL ? 0 : (int)(slash - target + 1);
    const char *base = target + dirlen;
    int n = snprintf(tmp, tmplen, "%.*s.%s" FSUTIL_TEMP_TAG FSUTIL_TEMP_RANDOM, dirlen, target,
                     base);
    if (n < 0 || (size_t)n >= tmplen) {
        *step = "temp file name";
        errno = ENAMETOOLONG;
        return -1;
    }
    mode_t mode = fsutil_target_mode(target);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        *step = "create temp file";
        return -1;
    }
    if (fchmod(fd, mode) < 0) {
        *step = "chmod temp file";
    } else if (fsutil_write_all(fd, data, len) < 0) {
        *step = "write temp file";
    } else if (fsync(fd) < 0) {
        *step = "fsync temp file";
    } else {
        return fd;
    }
    int saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    return -1;
}

int fsutil_replace_file(const char *path, const void *data, size_t len, const char **step)
{
    const char *unused_step;
    if (step == NULL)
        step = &unused_step;
    *step = NULL;
    /* Follow a symlink so the file it points to is replaced, not the link
     * (people keep sentinel.conf under /etc and link to it). */
    char *real = realpath(path, NULL);
    if (real == NULL && errno != ENOENT) {
        *step = "resolve path";
        return -1;
    }
    const char *target = real != NULL ? real : path;
    char tmp[PATH_MAX + 32];
    int rc = -1;
    int fd = fsutil_write_temp(target, data, len, tmp, sizeof(tmp), step);
    if (fd >= 0) {
        if (close(fd) < 0) {
            *step = "close temp file";
        } else if (rename(tmp, target) < 0) {
            *step = "rename temp file";
        } else {
            rc = fsutil_sync_dir(target);
            if (rc < 0)
                *step = "fsync directory";
            goto out;
        }
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
out:;
    int saved = errno;
    free(real);
    errno = saved;
    return rc;
}

int fsutil_remove_stale_temps(const char *path)
{
    char *real = realpath(path, NULL);
    const char *target = real != NULL ? real : path;
    const char *slash = strrchr(target, '/');
    char dir[PATH_MAX];
    char prefix[NAME_MAX + 8];
    int removed = 0;
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", slash == target ? 1 : (int)(slash - target), target);
    int n = snprintf(prefix, sizeof(prefix), ".%s" FSUTIL_TEMP_TAG,
                     slash == NULL ? target : slash + 1);
    DIR *d = n > 0 && (size_t)n < sizeof(prefix) ? opendir(dir) : NULL;
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, prefix, (size_t)n) != 0 ||
                strlen(e->d_name + n) != sizeof(FSUTIL_TEMP_RANDOM) - 1)
                continue;
            if (unlinkat(dirfd(d), e->d_name, 0) == 0)
                removed++;
        }
        closedir(d);
    }
    free(real);
    return removed;
}
