/* emu/mach_region.c — mach_vm_region_recurse_64 and mach_vm_region's EXTENDED and
 * TOP flavors, from vm/vm_region.c's walks.
 *
 * XNU maps the shared region as one sub-map entry nested into the task's pmap;
 * machemu's map holds the region's entries themselves, flagged nested. A run of
 * nested entries is therefore reported as XNU reports the sub-map entry (depth 0,
 * is_submap, SM_TRUESHARED, its maps as ref_count), and a deeper recursion returns
 * the entry inside at depth 1. */
#include <string.h>
#include "emu/darwin.h"
#include "vm/vm_region.h"
#include "vm/vm_shared_region.h"

#define VM_MEMORY_SHARED_PMAP 32
#define SUBMAP_INFO_V2_COUNT (sizeof(struct vm_region_submap_info_64) / 4)   /* 19 */
#define SUBMAP_INFO_V1_COUNT (SUBMAP_INFO_V2_COUNT - 2)
#define SUBMAP_INFO_V0_COUNT (SUBMAP_INFO_V1_COUNT - 1)
#define SUBMAP_SHORT_COUNT   12u
#define EXTENDED_INFO_COUNT  (sizeof(struct vm_region_extended_info) / 4)     /* 9 */
#define EXTENDED_LEGACY_COUNT (EXTENDED_INFO_COUNT - 1)
#define TOP_INFO_COUNT       (sizeof(struct vm_region_top_info) / 4)          /* 5 */

_Static_assert(sizeof(struct vm_region_submap_info_64) == 76, "submap info is 19 int");
_Static_assert(sizeof(struct vm_region_extended_info) == 36, "extended info is 9 int");
_Static_assert(sizeof(struct vm_region_top_info) == 20, "top info is 5 int");

/* XNU's VM_MEMORY_* alias for machemu's tag names (0: none). */
static uint32_t user_tag(const struct vm_map_entry *e)
{
    static const struct { const char *name; uint32_t tag; } tags[] = {
        { "MALLOC", 1 }, { "MALLOC_SMALL", 2 }, { "MALLOC_LARGE", 3 }, { "MALLOC_TINY", 7 },
        { "STACK", 30 }, { "stack", 30 },
    };
    if (e->nested)
        return VM_MEMORY_SHARED_PMAP;
    for (size_t i = 0; e->tag && i < sizeof tags / sizeof tags[0]; i++)
        if (strcmp(e->tag, tags[i].name) == 0)
            return tags[i].tag;
    return 0;
}

/* The first entry containing addr or above it; NULL if none. */
static struct vm_map_entry *entry_from(struct vm_map *map, uint64_t addr)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, addr, &e))
        e = e->next;
    return e == &map->header ? NULL : e;
}

/* The run of adjacent nested entries around e: the shared region's sub-map. */
static void nested_run(struct vm_map *map, const struct vm_map_entry *e, uint64_t *start,
                       uint64_t *end, vm_prot_t *prot, vm_prot_t *max)
{
    const struct vm_map_entry *lo = e, *hi = e;
    while (lo->prev != &map->header && lo->prev->nested && lo->prev->end == lo->start)
        lo = lo->prev;
    while (hi->next != &map->header && hi->next->nested && hi->next->start == hi->end)
        hi = hi->next;
    *start = lo->start;
    *end = hi->end;
    *prot = *max = 0;
    for (const struct vm_map_entry *x = lo; x != hi->next; x = x->next) {
        *prot |= x->protection;
        *max |= x->max_protection;
    }
}

static void submap_of_entry(struct vm_map *map, const struct vm_map_entry *e,
                            struct vm_region_submap_info_64 *s)
{
    struct vm_region_extended x;
    vm_map_region_walk(map, e, e->start, e->end, &x);
    *s = (struct vm_region_submap_info_64){
        .protection = (int32_t)e->protection, .max_protection = (int32_t)e->max_protection,
        .inheritance = e->inheritance, .offset = e->offset, .user_tag = user_tag(e),
        .pages_resident = x.pages_resident, .pages_shared_now_private = x.pages_shared_now_private,
        .pages_swapped_out = x.pages_swapped_out, .pages_dirtied = x.pages_dirtied,
        .ref_count = x.ref_count, .shadow_depth = x.shadow_depth,
        .external_pager = x.external_pager, .share_mode = x.share_mode,
        .object_id = e->object ? e->object->id : 0, .user_wired_count = e->wired_count,
        .pages_reusable = x.pages_reusable, .object_id_full = e->object ? e->object->id : 0,
    };
}

/* The short flavor's fields, in its order. */
static void short_info(const struct vm_region_submap_info_64 *s, uint32_t out[12])
{
    memset(out, 0, 12 * 4);
    memcpy(&out[0], &s->protection, 12);
    memcpy(&out[3], &s->offset, 8);
    out[5] = s->user_tag;
    out[6] = s->ref_count;
    memcpy(&out[7], &s->shadow_depth, 4);
    out[8] = s->is_submap;
    out[9] = (uint32_t)s->behavior;
    out[10] = s->object_id;
    memcpy(&out[11], &s->user_wired_count, 2);
}

struct recurse_out {
    uint64_t addr, size;
    uint32_t depth;
    struct vm_region_submap_info_64 info;
};

static kern_return_t recurse(struct vm_map *map, uint64_t addr, uint32_t max_depth,
                             struct recurse_out *r)
{
    struct vm_map_entry *e = entry_from(map, addr);
    if (!e)
        return KERN_INVALID_ADDRESS;
    if (!e->nested || max_depth > 0) {
        submap_of_entry(map, e, &r->info);
        r->addr = e->start;
        r->size = e->end - e->start;
        r->depth = e->nested;
        return KERN_SUCCESS;
    }
    vm_prot_t prot, max;
    nested_run(map, e, &r->addr, &r->size, &prot, &max);
    r->size -= r->addr;
    const struct vm_shared_region *sr = map->shared_region;
    r->depth = 0;
    r->info = (struct vm_region_submap_info_64){
        .protection = (int32_t)prot, .max_protection = (int32_t)max,
        .inheritance = e->inheritance, .user_tag = VM_MEMORY_SHARED_PMAP, .is_submap = 1,
        .share_mode = SM_TRUESHARED, .ref_count = sr ? sr->tasks + 1 : 1,
        .object_id = sr && sr->object ? sr->object->id : 0,
    };
    r->info.object_id_full = r->info.object_id;
    return KERN_SUCCESS;
}

int64_t trap_vm_region_recurse(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    uint64_t addr;
    uint32_t depth, count;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (copyin(emu, &addr, a[1], sizeof addr) < 0 || copyin(emu, &depth, a[3], sizeof depth) < 0 ||
        copyin(emu, &count, a[5], sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    if (count < SUBMAP_SHORT_COUNT)
        return KERN_INVALID_ARGUMENT;
    struct recurse_out r;
    kern_return_t kr = recurse(map, addr, depth, &r);
    if (kr != KERN_SUCCESS)
        return kr;
    uint32_t words[SUBMAP_INFO_V2_COUNT];
    if (count < SUBMAP_INFO_V0_COUNT) {
        count = SUBMAP_SHORT_COUNT;
        short_info(&r.info, words);
    } else {
        count = count >= SUBMAP_INFO_V2_COUNT ? SUBMAP_INFO_V2_COUNT
              : count >= SUBMAP_INFO_V1_COUNT ? SUBMAP_INFO_V1_COUNT : SUBMAP_INFO_V0_COUNT;
        memcpy(words, &r.info, sizeof words);
    }
    if (copyout(emu, a[4], words, count * 4u) < 0 || copyout(emu, a[5], &count, sizeof count) < 0 ||
        copyout(emu, a[1], &r.addr, sizeof r.addr) < 0 ||
        copyout(emu, a[2], &r.size, sizeof r.size) < 0 ||
        copyout(emu, a[3], &r.depth, sizeof r.depth) < 0)
        return KERN_INVALID_ADDRESS;
    return KERN_SUCCESS;
}

/* mach_vm_region(VM_REGION_EXTENDED_INFO or VM_REGION_TOP_INFO): a[3] is the flavor;
 * the region is the whole entry (a nested run: the sub-map, SM_EMPTY as XNU's walk
 * says of a sub-map entry). */
int64_t mach_region_flavor(struct emu *emu, struct vm_map *map, const uint64_t a[8])
{
    uint64_t addr, start, end;
    uint32_t count, zero = 0, have;
    if (copyin(emu, &addr, a[1], sizeof addr) < 0 || copyin(emu, &count, a[5], sizeof count) < 0)
        return KERN_INVALID_ADDRESS;
    bool top = a[3] == MACHEMU_VM_REGION_TOP_INFO;
    if (count < (top ? TOP_INFO_COUNT : EXTENDED_LEGACY_COUNT))
        return KERN_INVALID_ARGUMENT;
    struct vm_map_entry *e = entry_from(map, addr);
    if (!e)
        return KERN_INVALID_ADDRESS;
    start = e->start;
    end = e->end;
    union { struct vm_region_extended_info x; struct vm_region_top_info t; } u;
    memset(&u, 0, sizeof u);
    if (e->nested) {
        vm_prot_t prot, max;
        nested_run(map, e, &start, &end, &prot, &max);
        u.x.protection = (int32_t)prot;
        u.x.user_tag = VM_MEMORY_SHARED_PMAP;
        u.x.share_mode = SM_EMPTY;
        if (top)
            u.t = (struct vm_region_top_info){ .share_mode = SM_EMPTY };
    } else if (top) {
        struct vm_region_top t;
        vm_map_region_top_walk(e, &t);
        u.t = (struct vm_region_top_info){ t.obj_id, t.ref_count, t.private_pages_resident,
                                           t.shared_pages_resident, t.share_mode };
    } else {
        struct vm_region_extended x;
        vm_map_region_walk(map, e, e->start, e->end, &x);
        u.x = (struct vm_region_extended_info){
            (int32_t)e->protection, user_tag(e), x.pages_resident, x.pages_shared_now_private,
            x.pages_swapped_out, x.pages_dirtied, x.ref_count, x.shadow_depth, x.external_pager,
            x.share_mode, x.pages_reusable };
    }
    have = top ? TOP_INFO_COUNT : (count >= EXTENDED_INFO_COUNT ? EXTENDED_INFO_COUNT
                                                                : EXTENDED_LEGACY_COUNT);
    uint64_t size = end - start;
    if (copyout(emu, a[4], &u, have * 4u) < 0 || copyout(emu, a[1], &start, sizeof start) < 0 ||
        copyout(emu, a[2], &size, sizeof size) < 0 || copyout(emu, a[5], &have, sizeof have) < 0 ||
        (a[6] && copyout(emu, a[6], &zero, sizeof zero) < 0))
        return KERN_INVALID_ADDRESS;
    return KERN_SUCCESS;
}
