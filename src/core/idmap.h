/*
 * idmap.h - a map from 64-bit ids to pointers (open addressing, linear
 * probing, backward-shift deletion).  Pure data structure; the core keeps
 * its instances and links in one each, the shell its connections.
 */
#ifndef SENTINELD_CORE_IDMAP_H
#define SENTINELD_CORE_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap_entry {
    uint64_t id;  /* 0 marks an empty slot: ids start at 1 */
    void *ptr;
};

struct idmap {
    struct idmap_entry *slots;
    size_t cap;
    size_t count;
};

/* Maps id (non-zero, not yet present) to ptr.  Aborts on out-of-memory. */
void idmap_put(struct idmap *map, uint64_t id, void *ptr);

/* Returns the pointer mapped to id, or NULL. */
void *idmap_get(const struct idmap *map, uint64_t id);

/* Removes id if present. */
void idmap_del(struct idmap *map, uint64_t id);

/* Frees the slots; the map is empty and reusable afterwards. */
void idmap_clear(struct idmap *map);

#endif
