/*
 * idmap.c - id to pointer map (see idmap.h).
 */
#include <stdlib.h>

#include "core/idmap.h"

static size_t idmap_slot(const struct idmap *map, uint64_t id)
{
    return (size_t)(id * 0x9e3779b97f4a7c15ULL) & (map->cap - 1);
}

static void idmap_grow(struct idmap *map)
{
    struct idmap_entry *old = map->slots;
    size_t old_cap = map->cap;
    map->cap = old_cap ? old_cap * 2 : 64;
    map->slots = calloc(map->cap, sizeof(*map->slots));
    if (map->slots == NULL)
        abort();
    map->count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].id != 0)
            idmap_put(map, old[i].id, old[i].ptr);
    free(old);
}

void idmap_put(struct idmap *map, uint64_t id, void *ptr)
{
    if ((map->count + 1) * 2 > map->cap)
        idmap_grow(map);
    size_t i = idmap_slot(map, id);
    while (map->slots[i].id != 0)
        i = (i + 1) & (map->cap - 1);
    map->slots[i].id = id;
    map->slots[i].ptr = ptr;
    map->count++;
}

void *idmap_get(const struct idmap *map, uint64_t id)
{
    if (map->cap == 0 || id == 0)
        return NULL;
    for (size_t i = idmap_slot(map, id);; i = (i + 1) & (map->cap - 1)) {
        if (map->slots[i].id == 0)
            return NULL;
        if (map->slots[i].id == id)
            return map->slots[i].ptr;
    }
}

void idmap_del(struct idmap *map, uint64_t id)
{
    if (map->cap == 0 || id == 0)
        return;
    size_t i = idmap_slot(map, id);
    while (map->slots[i].id != 0 && map->slots[i].id != id)
        i = (i + 1) & (map->cap - 1);
    if (map->slots[i].id == 0)
        return;
    map->slots[i].id = 0;
    map->count--;
    /* Re-seat the rest of the cluster so lookups never stop at the hole. */
    for (size_t j = (i + 1) & (map->cap - 1); map->slots[j].id != 0;
         j = (j + 1) & (map->cap - 1)) {
        struct idmap_entry moved = map->slots[j];
        map->slots[j].id = 0;
        map->count--;
        idmap_put(map, moved.id, moved.ptr);
    }
}

void idmap_clear(struct idmap *map)
{
    free(map->slots);
    map->slots = NULL;
    map->cap = map->count = 0;
}
