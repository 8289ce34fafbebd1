/* compressor/svtable.c — the single-value table: one refcounted entry per distinct
 * value of the single-value pages stored (zero pages share one entry).
 *
 * Entries never move (a handle holds the index); a hash map from value to index,
 * which may be rebuilt freely, finds them. */
#include <errno.h>
#include <stdlib.h>

#include "compressor/pool_impl.h"

#define NO_ENTRY UINT32_MAX

static inline uint32_t home(const struct sv_table *t, uint32_t value)
{
    return (uint32_t)(value * 0x9e3779b1u) & (t->map_size - 1);
}

int sv_init(struct sv_table *t)
{
    *t = (struct sv_table){ .free_head = NO_ENTRY, .map_size = 64 };
    t->map = calloc(t->map_size, sizeof *t->map);
    return t->map ? 0 : -ENOMEM;
}

void sv_fini(struct sv_table *t)
{
    free(t->ent);
    free(t->map);
    *t = (struct sv_table){ 0 };
}

/* Map slot holding value's entry, or the empty slot where it would go. */
static uint32_t find(const struct sv_table *t, uint32_t value)
{
    uint32_t m = home(t, value);
    while (t->map[m] && t->ent[t->map[m] - 1].value != value)
        m = (m + 1) & (t->map_size - 1);
    return m;
}

static int grow_map(struct sv_table *t)
{
    uint32_t *old = t->map, old_size = t->map_size;
    t->map = calloc(2 * (size_t)old_size, sizeof *t->map);
    if (!t->map) {
        t->map = old;
        return -ENOMEM;
    }
    t->map_size = 2 * old_size;
    for (uint32_t m = 0; m < old_size; m++)
        if (old[m])
            t->map[find(t, t->ent[old[m] - 1].value)] = old[m];
    free(old);
    return 0;
}

static int64_t new_entry(struct sv_table *t, uint32_t value)
{
    uint32_t i;
    if (t->free_head != NO_ENTRY) {
        i = t->free_head;
        t->free_head = t->ent[i].value;
    } else {
        if (t->nent == t->cap) {
            uint32_t cap = t->cap ? 2 * t->cap : 64;
            if (cap > SV_BIT)
                return -ENOSPC;
            struct sv_entry *ent = realloc(t->ent, cap * sizeof *ent);
            if (!ent)
                return -ENOMEM;
            t->ent = ent;
            t->cap = cap;
        }
        i = t->nent++;
    }
    t->ent[i] = (struct sv_entry){ .value = value, .refs = 0 };
    return i;
}

/* Takes a reference on value's entry, creating it. Its index, or -ENOMEM/-ENOSPC. */
int64_t sv_ref(struct sv_table *t, uint32_t value)
{
    if (2 * (t->live + 1) > t->map_size && grow_map(t) < 0)
        return -ENOMEM;
    uint32_t m = find(t, value);
    if (!t->map[m]) {
        int64_t i = new_entry(t, value);
        if (i < 0)
            return i;
        t->map[m] = (uint32_t)i + 1;
        t->live++;
    }
    struct sv_entry *e = &t->ent[t->map[m] - 1];
    e->refs++;
    return t->map[m] - 1;
}

bool sv_lookup(const struct sv_table *t, uint32_t index, uint32_t *value)
{
    if (index >= t->nent || t->ent[index].refs == 0)
        return false;
    *value = t->ent[index].value;
    return true;
}

/* Linear probing: after emptying slot m, pull back later entries of the same run
 * that can no longer be reached from their home slot. */
static void map_remove(struct sv_table *t, uint32_t m)
{
    uint32_t mask = t->map_size - 1;
    t->map[m] = 0;
    for (uint32_t j = (m + 1) & mask; t->map[j]; j = (j + 1) & mask) {
        uint32_t h = home(t, t->ent[t->map[j] - 1].value);
        /* j's entry may stay if its home lies cyclically in (m, j]. */
        if (((j - h) & mask) < ((j - m) & mask))
            continue;
        t->map[m] = t->map[j];
        t->map[j] = 0;
        m = j;
    }
}

void sv_unref(struct sv_table *t, uint32_t index)
{
    struct sv_entry *e = &t->ent[index];
    if (--e->refs)
        return;
    map_remove(t, find(t, e->value));
    e->value = t->free_head;
    t->free_head = index;
    t->live--;
}
