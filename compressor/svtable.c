/* compressor/svtable.c — the single-value table, as XNU's c_segment_sv_hash_table: 1024
 * refcounted entries, a value's home at its low 10 bits, and at most 32 entries probed
 * from there (an entry is taken if it holds the value or no page uses it). When none
 * of the 32 will do, the table has no room for the value and the pool stores the page
 * as 4 bytes in a segment instead (compressor/pool.c). A handle holds the entry's index. */
#include <errno.h>

#include "compressor/pool_impl.h"

int sv_init(struct sv_table *t)
{
    *t = (struct sv_table){ 0 };
    return 0;
}

void sv_fini(struct sv_table *t)
{
    *t = (struct sv_table){ 0 };
}

/* Takes a reference on an entry for value: its index, or -ENOSPC. */
int64_t sv_ref(struct sv_table *t, uint32_t value)
{
    for (uint32_t probe = 0, i = value & (SV_ENTRIES - 1); probe < SV_PROBES;
         probe++, i = (i + 1) & (SV_ENTRIES - 1)) {
        struct sv_entry *e = &t->ent[i];
        if (e->refs && e->value != value)
            continue;
        if (e->refs++ == 0) {
            e->value = value;
            t->live++;
        }
        return i;
    }
    return -ENOSPC;
}

bool sv_lookup(const struct sv_table *t, uint32_t index, uint32_t *value)
{
    if (index >= SV_ENTRIES || t->ent[index].refs == 0)
        return false;
    *value = t->ent[index].value;
    return true;
}

void sv_unref(struct sv_table *t, uint32_t index)
{
    if (--t->ent[index].refs == 0)
        t->live--;
}
