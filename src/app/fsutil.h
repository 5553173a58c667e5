/*
 * fsutil.h - whole-file reads and crash-safe file replacement.
 *
 * The config rewrite must never leave a half-written sentinel.conf behind:
 * a crash or a full disk in the middle of a write would lose the state
 * (myid, epochs) that keeps a restarted sentinel from voting twice.  So a
 * file is replaced by writing a temp file in the same directory, syncing
 * it, renaming it over the old name and syncing the directory.
 */
#ifndef SENTINELD_APP_FSUTIL_H
#define SENTINELD_APP_FSUTIL_H

#include <stddef.h>

/* Reads the whole file at path into a malloc'd buffer with a NUL added
 * after the last byte; the caller owns *data.  Returns 0, or -1 with errno
 * set and *data left NULL. */
int fsutil_read_file(const char *path, char **data, size_t *len);

/* Writes len bytes to fd, retrying short writes and EINTR.  Returns 0, or
 * -1 with errno set. */
int fsutil_write_all(int fd, const void *data, size_t len);

/* Replaces the file at path with data, atomically: a reader sees either
 * the old contents or the new ones, and after a crash the file holds one
 * of the two.  A symlink at path is followed, so the file it names is the
 * one replaced.  The new file keeps the old one's permission bits (0644
 * minus the umask when there was no old file).  On failure the temp file
 * is removed, the old file is untouched and -1 is returned with errno set;
 * *step (may be NULL) then names the operation that failed. */
int fsutil_replace_file(const char *path, const void *data, size_t len, const char **step);

/* Removes the temp files fsutil_replace_file leaves next to path when the
 * process dies between creating and renaming one (".<name>.tmp-XXXXXX").
 * Only those of this file, and only at start-up: no write is under way
 * then.  Returns how many were removed. */
int fsutil_remove_stale_temps(const char *path);

#endif
