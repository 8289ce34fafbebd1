/* vm/vm_map.c — address-space bookkeeping. */
#include <stdlib.h>
#include <string.h>
#include "vm/vm_fault.h"
#include "vm/vm_map_tree.h"
#include "vm/vm_shared_region.h"

struct vm_map *vm_map_create(struct vm *vm, struct pmap *pmap, uint64_t min, uint64_t max)
{
    struct vm_map *map = calloc(1, sizeof *map);
    if (!map)
        return NULL;
    map->vm = vm;
    map->pmap = pmap;
    map->header.next = map->header.prev = &map->header;
    map->header.start = map->header.end = max;
    map->hint = &map->header;
    map->max_entries = VM_MAP_MAX_ENTRIES_DEFAULT;
    map->min = min;
    map->max = max;
    return map;
}

static void entry_free(struct vm_map_entry *e)
{
    vm_object_deallocate(e->object);
    free(e);
}

static void entry_unlink(struct vm_map *map, struct vm_map_entry *e)
{
    vm_map_tree_remove(map, e);
    e->prev->next = e->next;
    e->next->prev = e->prev;
    map->nentries--;
    map->purgeable_entries -= vm_map_entry_purgeable(e);
    map->size -= e->end - e->start;
    if (map->hint == e)
        map->hint = e->prev;
}

static void entry_link_after(struct vm_map *map, struct vm_map_entry *after, struct vm_map_entry *e)
{
    /* Sorted and disjoint. */
    VM_ASSERT(e->start < e->end && (after == &map->header || after->end <= e->start));
    VM_ASSERT(after->next == &map->header || e->end <= after->next->start);
    e->prev = after;
    e->next = after->next;
    after->next->prev = e;
    after->next = e;
    map->nentries++;
    map->purgeable_entries += vm_map_entry_purgeable(e);
    map->size += e->end - e->start;
    vm_map_tree_insert(map, e);
}

void vm_map_entry_object_changed(struct vm_map *map, const struct vm_map_entry *e, bool was)
{
    map->purgeable_entries += (uint32_t)vm_map_entry_purgeable(e) - (uint32_t)was;
}

void vm_map_destroy(struct vm_map *map)
{
    if (!map)
        return;
    if (map->pmap)
        pmap_destroy(map->pmap);
    vm_shared_region_release(map);
    for (struct vm_map_entry *e = map->header.next, *next; e != &map->header; e = next) {
        next = e->next;
        entry_free(e);             /* the whole tree goes: no need to keep it balanced */
    }
    free(map);
}

/* Whether e is the last entry starting at or below addr. */
static bool is_floor(const struct vm_map *map, const struct vm_map_entry *e, uint64_t addr)
{
    return e != &map->header && e->start <= addr &&
           (e->next == &map->header || addr < e->next->start);
}

bool vm_map_lookup_entry(struct vm_map *map, uint64_t addr, struct vm_map_entry **entry)
{
    /* Accesses tend to stay in an entry or move on to the next: those before the tree. */
    struct vm_map_entry *e = map->hint;
    if (!is_floor(map, e, addr) && !is_floor(map, e = e->next, addr))
        e = vm_map_tree_floor(map, addr);
    *entry = e;
    if (e == &map->header || addr >= e->end)
        return false;
    map->hint = e;
    return true;
}

/* Splits e so that an entry starts exactly at addr (start < addr < end). */
static bool clip_start(struct vm_map *map, struct vm_map_entry *e, uint64_t addr)
{
    if (addr <= e->start || addr >= e->end)
        return true;
    struct vm_map_entry *front = malloc(sizeof *front);
    if (!front)
        return false;
    *front = *e;
    front->end = addr;
    vm_object_reference(front->object);
    e->offset += addr - e->start;
    map->size -= addr - e->start;      /* entry_link_after adds it back */
    e->start = addr;
    entry_link_after(map, e->prev, front);
    return true;
}

static bool clip_end(struct vm_map *map, struct vm_map_entry *e, uint64_t addr)
{
    if (addr <= e->start || addr >= e->end)
        return true;
    struct vm_map_entry *back = malloc(sizeof *back);
    if (!back)
        return false;
    *back = *e;
    back->start = addr;
    back->offset += addr - e->start;
    vm_object_reference(back->object);
    map->size -= e->end - addr;
    e->end = addr;
    entry_link_after(map, e, back);
    return true;
}

/* Whether the map may hold `count` entries: within the limit, or no more than now
 * (a map over a lowered limit may still shrink). */
static bool room_for(const struct vm_map *map, uint64_t count)
{
    return count <= map->max_entries || count <= map->nentries;
}

/* 1 if addr falls strictly inside an entry, which a clip there would split. */
static unsigned splits_at(struct vm_map *map, uint64_t addr)
{
    struct vm_map_entry *e;
    return vm_map_lookup_entry(map, addr, &e) && e->start < addr;
}

/* The entries the map would have with [start, end) unmapped. */
static uint64_t entries_without(struct vm_map *map, uint64_t start, uint64_t end)
{
    uint64_t n = map->nentries;
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, start, &e))
        e = e->next;
    else if (e->start < start)
        n++;                       /* its part below start stays */
    for (; e != &map->header && e->start < end; e = e->next)
        if (e->end <= end)
            n--;                   /* its part above end, if any, stays */
    return n;
}

/* Clips the entries overlapping [start, end) to its bounds; *first is the first entry
 * at or after start (may be &header). An empty range splits nothing. */
static kern_return_t clip_bounds(struct vm_map *map, uint64_t start, uint64_t end,
                                 struct vm_map_entry **first)
{
    struct vm_map_entry *e;
    bool ok = true;
    if (!vm_map_lookup_entry(map, start, &e))
        e = e->next;
    else if (start == end)
        e = e->start == start ? e : e->next;
    else
        ok = clip_start(map, e, start);
    for (struct vm_map_entry *x = e; ok && x != &map->header && x->start < end; x = x->next)
        ok = clip_end(map, x, end);
    *first = e;
    return ok ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
}

/* clip_bounds() for a range whose entries stay: KERN_NO_SPACE, and no change, if
 * the splits would take the map past its limit. */
static kern_return_t clip_range(struct vm_map *map, uint64_t start, uint64_t end,
                                struct vm_map_entry **first)
{
    unsigned splits = start < end ? splits_at(map, start) + splits_at(map, end) : 0;
    if (!room_for(map, (uint64_t)map->nentries + splits))
        return KERN_NO_SPACE;
    return clip_bounds(map, start, end, first);
}

static bool entries_mergeable(const struct vm_map_entry *a, const struct vm_map_entry *b)
{
    if (a->end != b->start || a->protection != b->protection ||
        a->max_protection != b->max_protection || a->inheritance != b->inheritance ||
        a->needs_copy != b->needs_copy || a->wired_count != b->wired_count || a->tag != b->tag ||
        a->is_shared != b->is_shared || a->nested != b->nested)
        return false;
    if (a->object == NULL && b->object == NULL)
        return true;
    return a->object == b->object && a->offset + (a->end - a->start) == b->offset;
}

/* Whether e, to be linked after prev, would merge with prev or with prev's successor. */
static bool merges_into(const struct vm_map *map, const struct vm_map_entry *prev,
                        const struct vm_map_entry *e)
{
    const struct vm_map_entry *next = prev->next;
    return (prev != &map->header && entries_mergeable(prev, e)) ||
           (next != &map->header && entries_mergeable(e, next));
}

/* Absorbs e's successor into e if they are compatible. */
static bool merge_next(struct vm_map *map, struct vm_map_entry *e)
{
    struct vm_map_entry *n = e->next;
    if (e == &map->header || n == &map->header || !entries_mergeable(e, n))
        return false;
    /* e grows first, so that the entry above n has its gap right once n is gone. */
    e->end = n->end;
    entry_unlink(map, n);
    map->size += n->end - n->start;    /* the range stays mapped, now by e */
    entry_free(n);
    return true;
}

/* Merges the entries touching [start, end] with their neighbours where compatible. */
static void simplify_range(struct vm_map *map, uint64_t start, uint64_t end)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, start ? start - 1 : 0, &e))
        e = e->next;
    while (e != &map->header && e->start <= end)
        if (!merge_next(map, e))
            e = e->next;
}

kern_return_t vm_map_find_space(struct vm_map *map, uint64_t hint, uint64_t size, uint64_t mask,
                                uint64_t *addr)
{
    mask |= PAGE_MASK;
    uint64_t start = (hint < map->min ? map->min : hint);
    struct vm_map_entry *e;        /* the entry below the hole tried */
    if (vm_map_lookup_entry(map, start, &e))
        start = e->end;
    for (;;) {
        struct vm_map_entry *next = e->next;
        uint64_t limit = next == &map->header ? map->max : next->start;
        uint64_t at = (start + mask) & ~mask;
        if (at >= start && at && at + size >= at && at + size <= limit) {
            *addr = at;
            return KERN_SUCCESS;
        }
        if (next == &map->header)
            return KERN_NO_SPACE;
        /* On to the next hole that is big enough before alignment: the tree skips the
         * smaller ones, however many there are. */
        e = vm_map_tree_next_gap(map, next, size)->prev;
        start = e->end;
    }
}

bool vm_map_range_free(struct vm_map *map, uint64_t start, uint64_t end)
{
    struct vm_map_entry *e;
    if (vm_map_lookup_entry(map, start, &e))
        return false;
    return e->next == &map->header || e->next->start >= end;
}

bool vm_map_range_mapped(struct vm_map *map, uint64_t start, uint64_t end)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, start, &e))
        return false;
    while (e->end < end) {
        if (e->next == &map->header || e->next->start != e->end)
            return false;
        e = e->next;
    }
    return true;
}

static void unwire_pages(struct vm_map *map, struct vm_map_entry *e)
{
    for (uint64_t va = e->start; va < e->end; va += PAGE_SIZE) {
        pfn_t pfn = pmap_extract(map->pmap, va);
        if (pfn == PFN_NONE)
            continue;
        pmap_change_wiring(map->pmap, va, false);
        vm_page_unwire(map->vm, &map->vm->pages[pfn]);
    }
}

/* Whether an entry of the map other than `gone` maps part of obj's [start, end), or
 * some reference to obj is not an entry of this map (a shadow, a copy, another task,
 * the machine): then the range may still be reached. */
static bool range_reachable(struct vm_map *map, const struct vm_map_entry *gone,
                            uint64_t start, uint64_t end)
{
    struct vm_object *obj = gone->object;
    int refs = 1;
    for (struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next) {
        if (e == gone || e->object != obj)
            continue;
        if (e->offset < end && start < e->offset + (e->end - e->start))
            return true;
        refs++;
    }
    return refs != obj->ref_count || obj->copies;
}

/* Whether every reference to obj is an entry of this map, each at the same distance
 * between address and offset (the pieces of one mapping): then, the entries being
 * disjoint, no two of them map the same page of obj. */
static bool map_owns_in_one_piece(struct vm_map *map, const struct vm_map_entry *gone)
{
    struct vm_object *obj = gone->object;
    uint64_t delta = gone->start - gone->offset;
    int refs = 0;
    for (struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next) {
        if (e->object != obj)
            continue;
        if (e->start - e->offset != delta)
            return false;
        refs++;
    }
    return refs == obj->ref_count && !obj->copies;
}

/* What one removal learnt of the object of its last entry: the entries of one object
 * come in a row, and a removal of many of them must not scan the map for each. */
struct removal {
    const struct vm_object *obj;
    bool owned;                    /* map_owns_in_one_piece() */
};

/* An anonymous object outlives the entry going when the entry was a piece of a
 * bigger one (neighbouring mappings merged, or one clipped): its pages in the range
 * nothing else can reach are garbage, freed now rather than with the last piece. */
static void free_unreachable_pages(struct vm_map *map, const struct vm_map_entry *gone,
                                   struct removal *r)
{
    struct vm_object *obj = gone->object;
    if (!obj || obj->ref_count < 2 || !vm_object_internal(obj) ||
        (!obj->resident && !obj->compressed))
        return;
    if (r->obj != obj) {
        r->obj = obj;
        r->owned = map_owns_in_one_piece(map, gone);
    }
    uint64_t start = gone->offset, end = start + (gone->end - gone->start);
    if (r->owned || !range_reachable(map, gone, start, end))
        vm_object_page_remove(obj, start, end);
}

/* A task changing the nested range as its own gets it unnested first. */
static void unnest_if_touched(struct vm_map *map, uint64_t start, uint64_t end)
{
    if (vm_shared_region_touches(map, start, end))
        vm_shared_region_unnest(map);
}

static void remove_entries(struct vm_map *map, struct vm_map_entry *e, uint64_t end)
{
    struct removal r = { NULL, false };
    while (e != &map->header && e->start < end) {
        struct vm_map_entry *next = e->next;
        if (e->wired_count)
            unwire_pages(map, e);
        pmap_remove(map->pmap, e->start, e->end);
        free_unreachable_pages(map, e, &r);
        entry_unlink(map, e);
        entry_free(e);
        e = next;
    }
}

kern_return_t vm_map_remove(struct vm_map *map, uint64_t start, uint64_t end)
{
    if ((start | end) & PAGE_MASK || end < start)
        return KERN_INVALID_ARGUMENT;
    if (start == end)
        return KERN_SUCCESS;
    if (!room_for(map, entries_without(map, start, end)))
        return KERN_NO_SPACE;      /* a hole in the middle of an entry, at the limit */
    unnest_if_touched(map, start, end);
    struct vm_map_entry *e;
    kern_return_t kr = clip_bounds(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    remove_entries(map, e, end);
    return KERN_SUCCESS;
}

kern_return_t vm_map_enter(struct vm_map *map, uint64_t *addr, uint64_t size, int flags,
                           struct vm_object *obj, uint64_t offset, bool needs_copy,
                           vm_prot_t cur, vm_prot_t max, enum vm_inherit inh, const char *tag)
{
    kern_return_t kr = KERN_INVALID_ARGUMENT;
    if (size == 0 || (size | *addr | offset) & PAGE_MASK || (cur & ~max))
        goto fail;
    if (flags & VM_FLAGS_ANYWHERE) {
        if ((kr = vm_map_find_space(map, *addr, size, 0, addr)) != KERN_SUCCESS)
            goto fail;
    } else {
        kr = KERN_INVALID_ADDRESS;
        if (*addr < map->min || *addr + size > map->max || *addr + size < *addr)
            goto fail;
        kr = KERN_NO_SPACE;
        if (flags & VM_FLAGS_OVERWRITE) {
            /* All or nothing: the limit is checked before anything is unmapped. */
            if (!room_for(map, entries_without(map, *addr, *addr + size) + 1) ||
                (kr = vm_map_remove(map, *addr, *addr + size)) != KERN_SUCCESS)
                goto fail;
        } else if (!vm_map_range_free(map, *addr, *addr + size)) {
            goto fail;
        }
    }
    if ((flags & VM_FLAGS_PURGABLE) && !obj && !(obj = vm_object_allocate_purgable(map->vm, size))) {
        kr = KERN_RESOURCE_SHORTAGE;
        goto fail;
    }
    struct vm_map_entry *e = calloc(1, sizeof *e), *prev;
    if (!e) {
        kr = KERN_RESOURCE_SHORTAGE;
        goto fail;
    }
    e->start = *addr;
    e->end = *addr + size;
    e->object = obj;
    e->offset = obj ? offset : 0;
    e->needs_copy = needs_copy;
    e->protection = cur;
    e->max_protection = max;
    e->inheritance = (uint8_t)inh;
    e->tag = tag;
    vm_map_lookup_entry(map, e->start, &prev);
    if (!merges_into(map, prev, e) && !room_for(map, (uint64_t)map->nentries + 1)) {
        free(e);
        kr = KERN_NO_SPACE;
        goto fail;
    }
    entry_link_after(map, prev, e);
    simplify_range(map, e->start, e->end);
    return KERN_SUCCESS;
fail:
    vm_object_deallocate(obj);
    return kr;
}

kern_return_t vm_map_protect(struct vm_map *map, uint64_t start, uint64_t end,
                             vm_prot_t prot, bool set_max)
{
    if ((start | end) & PAGE_MASK || end < start)
        return KERN_INVALID_ARGUMENT;
    if (!vm_map_range_mapped(map, start, end))
        return start == end ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
    /* Check every entry before changing any: the call is all or nothing. */
    struct vm_map_entry *e;
    vm_map_lookup_entry(map, start, &e);
    for (struct vm_map_entry *x = e; x != &map->header && x->start < end; x = x->next)
        if (prot & ~x->max_protection)
            return KERN_PROTECTION_FAILURE;    /* even set_max can only lower */
    unnest_if_touched(map, start, end);
    kern_return_t kr = clip_range(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    for (; e != &map->header && e->start < end; e = e->next) {
        if (set_max) {
            e->max_protection = prot;
            e->protection &= prot;
        } else {
            e->protection = prot;
        }
        /* Lowered rights take effect now; raised ones on the next fault. */
        pmap_protect(map->pmap, e->start, e->end, e->protection);
    }
    simplify_range(map, start, end);
    return KERN_SUCCESS;
}

/* Forgets an entry's private pages: anonymous memory reads zero again, a private
 * file mapping sees the file again. */
static void discard_entry(struct vm_map *map, struct vm_map_entry *e)
{
    struct vm_object *obj = e->object, *bottom = obj;
    bool was = vm_map_entry_purgeable(e);
    uint64_t offset = e->offset;
    if (!vm_object_internal(obj))
        return;                /* untouched file pages: nothing private to drop */
    if (obj->ref_count == 1 && !obj->shadow) {
        vm_object_page_remove(obj, e->offset, e->offset + (e->end - e->start));
        return;
    }
    for (; bottom->shadow; bottom = bottom->shadow)
        offset += bottom->shadow_offset;
    if (vm_object_internal(bottom)) {
        e->object = NULL;      /* a fresh zero-fill object on the next touch */
        e->offset = 0;
    } else {
        vm_object_reference(bottom);
        e->object = bottom;
        e->offset = offset;
        e->needs_copy = true;
    }
    vm_map_entry_object_changed(map, e, was);
    vm_object_deallocate(obj);
}

kern_return_t vm_map_discard(struct vm_map *map, uint64_t start, uint64_t end)
{
    if ((start | end) & PAGE_MASK || end < start)
        return KERN_INVALID_ARGUMENT;
    unnest_if_touched(map, start, end);
    struct vm_map_entry *e;
    kern_return_t kr = clip_range(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    for (; e != &map->header && e->start < end; e = e->next) {
        if (e->wired_count || e->inheritance == VM_INHERIT_SHARE || !e->object)
            continue;
        pmap_remove(map->pmap, e->start, e->end);
        discard_entry(map, e);
    }
    return KERN_SUCCESS;
}

kern_return_t vm_map_move(struct vm_map *map, uint64_t start, uint64_t size, uint64_t new_start)
{
    uint64_t end = start + size;
    if ((start | size | new_start) & PAGE_MASK || !vm_map_range_mapped(map, start, end))
        return KERN_INVALID_ADDRESS;
    if (new_start < map->min || new_start + size > map->max ||
        !vm_map_range_free(map, new_start, new_start + size))
        return KERN_NO_SPACE;
    unnest_if_touched(map, start, end);
    struct vm_map_entry *e;
    kern_return_t kr = clip_range(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    /* Detach the entries, then relink them at their new place. */
    struct vm_map_entry *moved = NULL, **tail = &moved;
    while (e != &map->header && e->start < end) {
        struct vm_map_entry *next = e->next;
        pmap_remove(map->pmap, e->start, e->end);
        entry_unlink(map, e);
        e->next = NULL;
        *tail = e;
        tail = &e->next;
        e = next;
    }
    for (e = moved; e;) {
        struct vm_map_entry *next = e->next, *prev;
        e->start = e->start - start + new_start;
        e->end = e->end - start + new_start;
        vm_map_lookup_entry(map, e->start, &prev);
        entry_link_after(map, prev, e);
        e = next;
    }
    return KERN_SUCCESS;
}

kern_return_t vm_map_inherit(struct vm_map *map, uint64_t start, uint64_t end, enum vm_inherit inh)
{
    if ((start | end) & PAGE_MASK || end < start || inh > VM_INHERIT_NONE)
        return KERN_INVALID_ARGUMENT;
    struct vm_map_entry *e;
    kern_return_t kr = clip_range(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    for (; e != &map->header && e->start < end; e = e->next)
        e->inheritance = (uint8_t)inh;
    simplify_range(map, start, end);
    return KERN_SUCCESS;
}

/* User-wired pages may not take more than this share of RAM. */
static bool wire_limit_ok(struct vm *vm, uint64_t pages)
{
    return vm->q[VM_PAGE_Q_WIRED].count + pages <= vm->phys->nframes / 4 * 3;
}

static kern_return_t wire_entry(struct vm_map *map, struct vm_map_entry *e, vm_prot_t access)
{
    if (e->wired_count) {
        e->wired_count++;
        return KERN_SUCCESS;
    }
    /* A writable entry is wired with write access so a pending copy is made now:
     * the wired page is then the task's own. */
    kern_return_t kr = vm_fault_range(map, e->start, e->end, access | (e->protection & VM_PROT_WRITE));
    if (kr != KERN_SUCCESS)
        return kr;
    for (uint64_t va = e->start; va < e->end; va += PAGE_SIZE) {
        pfn_t pfn = pmap_extract(map->pmap, va);
        vm_page_wire(map->vm, &map->vm->pages[pfn]);
        pmap_change_wiring(map->pmap, va, true);
    }
    e->wired_count = 1;
    return KERN_SUCCESS;
}

static void unwire_entry(struct vm_map *map, struct vm_map_entry *e)
{
    if (e->wired_count && --e->wired_count == 0)
        unwire_pages(map, e);
}

kern_return_t vm_map_wire(struct vm_map *map, uint64_t start, uint64_t end, vm_prot_t access)
{
    if ((start | end) & PAGE_MASK || end < start)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = vm_map_check_access(map, start, end, access);
    if (kr != KERN_SUCCESS)
        return kr;
    if (!wire_limit_ok(map->vm, (end - start) >> PAGE_SHIFT))
        return KERN_RESOURCE_SHORTAGE;
    unnest_if_touched(map, start, end);
    struct vm_map_entry *first, *e;
    if ((kr = clip_range(map, start, end, &first)) != KERN_SUCCESS)
        return kr;
    for (e = first; e != &map->header && e->start < end; e = e->next)
        if ((kr = wire_entry(map, e, access)) != KERN_SUCCESS)
            break;
    if (kr != KERN_SUCCESS)        /* all or nothing */
        for (struct vm_map_entry *x = first; x != e; x = x->next)
            unwire_entry(map, x);
    simplify_range(map, start, end);
    return kr == KERN_RESOURCE_SHORTAGE || kr == KERN_MEMORY_ERROR ? KERN_RESOURCE_SHORTAGE : kr;
}

kern_return_t vm_map_unwire(struct vm_map *map, uint64_t start, uint64_t end)
{
    if ((start | end) & PAGE_MASK || end < start)
        return KERN_INVALID_ARGUMENT;
    if (!vm_map_range_mapped(map, start, end))
        return start == end ? KERN_SUCCESS : KERN_INVALID_ADDRESS;
    struct vm_map_entry *e;
    kern_return_t kr = clip_range(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    for (; e != &map->header && e->start < end; e = e->next)
        unwire_entry(map, e);
    simplify_range(map, start, end);
    return KERN_SUCCESS;
}

void vm_map_foreach(struct vm_map *map, void (*fn)(void *ctx, const struct vm_map_entry *e),
                    void *ctx)
{
    for (struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next)
        fn(ctx, e);
}

uint64_t vm_map_resident(struct vm_map *map)
{
    return map->pmap ? map->pmap->resident : 0;
}

/* An entry to be shared must have an object of its own first: a pending copy is
 * made now, so that both tasks share the copy rather than the original. */
static kern_return_t prepare_share(struct vm_map *map, struct vm_map_entry *e)
{
    if (!e->object) {
        if (!(e->object = vm_object_allocate(map->vm, e->end - e->start)))
            return KERN_RESOURCE_SHORTAGE;
        e->offset = 0;
    } else if (e->needs_copy) {
        bool was = vm_map_entry_purgeable(e);
        if (vm_object_shadow(&e->object, &e->offset, e->end - e->start) != KERN_SUCCESS)
            return KERN_RESOURCE_SHORTAGE;
        vm_map_entry_object_changed(map, e, was);
        e->needs_copy = false;
    }
    return KERN_SUCCESS;
}

/* The child nests the shared region as the parent does (its entries came with
 * their nested flags). */
static kern_return_t nest_child(struct vm_map *old, struct vm_map *map)
{
    struct vm_shared_region *sr = old->shared_region;
    map->shared_region = sr;
    sr->tasks++;
    if (old->pmap->nested &&
        pmap_nest(map->pmap, sr->pmap, sr->nest_start, sr->nest_end - sr->nest_start) < 0)
        return KERN_RESOURCE_SHORTAGE;
    return KERN_SUCCESS;
}

struct vm_map *vm_map_fork(struct vm_map *old, struct pmap *pmap)
{
    struct vm_map *map = vm_map_create(old->vm, pmap, old->min, old->max);
    if (!map)
        return NULL;
    map->max_entries = old->max_entries;
    for (struct vm_map_entry *e = old->header.next; e != &old->header; e = e->next) {
        if (e->inheritance == VM_INHERIT_NONE)
            continue;
        if (e->inheritance == VM_INHERIT_SHARE && prepare_share(old, e) != KERN_SUCCESS)
            goto fail;
        struct vm_map_entry *n = malloc(sizeof *n);
        if (!n)
            goto fail;
        *n = *e;
        n->wired_count = 0;
        if (e->inheritance == VM_INHERIT_SHARE) {
            e->is_shared = n->is_shared = true;
        } else if (e->is_shared && e->object && !e->needs_copy) {
            /* Others write this object in place, so a symmetric copy-on-write would
             * let the child see their later writes and stop the parent sharing: the
             * child gets a delayed copy instead, as XNU does. */
            n->is_shared = false;
            n->offset = 0;
            if (!(n->object = vm_object_copy_delayed(e->object, e->offset, e->end - e->start))) {
                free(n);
                goto fail;
            }
            entry_link_after(map, map->header.prev, n);
            continue;
        }
        vm_object_reference(n->object);
        if (e->inheritance == VM_INHERIT_COPY && e->object) {
            e->needs_copy = n->needs_copy = true;
            /* From now on a write by the parent must fault and copy too. */
            pmap_protect(old->pmap, e->start, e->end, e->protection & ~VM_PROT_WRITE);
        }
        entry_link_after(map, map->header.prev, n);
    }
    if (old->shared_region && nest_child(old, map) != KERN_SUCCESS)
        goto fail;
    return map;
fail:
    map->pmap = NULL;          /* the caller still owns the pmap */
    vm_map_destroy(map);
    return NULL;
}

unsigned vm_map_shadow_depth(struct vm_map *map, uint64_t addr)
{
    struct vm_map_entry *e;
    unsigned depth = 0;
    if (vm_map_lookup_entry(map, addr, &e))
        for (struct vm_object *o = e->object; o; o = o->shadow)
            depth++;
    return depth;
}

kern_return_t vm_map_clip(struct vm_map *map, uint64_t start, uint64_t end,
                          struct vm_map_entry **first)
{
    return clip_range(map, start, end, first);
}

void vm_map_simplify(struct vm_map *map, uint64_t start, uint64_t end)
{
    simplify_range(map, start, end);
}

kern_return_t vm_map_entry_share(struct vm_map *map, struct vm_map_entry *e)
{
    kern_return_t kr = prepare_share(map, e);
    if (kr == KERN_SUCCESS)
        e->is_shared = true;
    return kr;
}
