/* vm/vm_reusable.c — reusable pages: libmalloc's madvise(MADV_FREE_REUSABLE) and
 * MADV_FREE_REUSE (XNU's vm_map_reusable_pages / vm_map_reuse_pages), and Linux's
 * MADV_FREE.
 *
 * XNU leaves a reusable page mapped and moves it in the pmap's ledgers from internal
 * to reusable. machemu's pmap counts as internal what is entered PMAP_OPT_INTERNAL,
 * so a reusable page is entered again without it, read-only: reads see it as they
 * did, it counts in the reusable ledger and in no footprint, and a write faults and
 * takes it back (as on Linux; on XNU it would stay reusable until MADV_FREE_REUSE). */
#include "vm/vm_map.h"
#include "mmu/pmap.h"

void vm_page_reuse(struct vm *vm, struct vm_page *pg)
{
    if (!(pg->flags & VM_PAGE_REUSABLE))
        return;
    /* Its read-only mappings outside the internal ledger go (another task may hold
     * one after a fork): the next touch maps it as ordinary memory. */
    pmap_page_protect(vm->mmu, vm_page_pfn(vm, pg), VM_PROT_NONE);
    pg->flags &= (uint8_t)~VM_PAGE_REUSABLE;
    if (pg->object)
        pg->object->reusable--;
    vm->reusable_pages--;
}

/* XNU's vm_map_entry_is_reusable: private anonymous default memory, nobody else on
 * its object. */
static bool entry_reusable(const struct vm_map_entry *e)
{
    const struct vm_object *o = e->object;
    if (e->is_shared || e->nested || e->wired_count ||
        e->protection != (VM_PROT_READ | VM_PROT_WRITE) || e->max_protection != VM_PROT_ALL ||
        e->inheritance != VM_INHERIT_COPY)
        return false;
    return !o || (o->ref_count == 1 && !o->copies && !o->shadow && vm_object_internal(o) &&
                  o->purgable == VM_PURGABLE_DENY);
}

/* Checks that [start, end) is mapped by entries fn accepts. */
static kern_return_t check_range(struct vm_map *map, uint64_t start, uint64_t end,
                                 struct vm_map_entry **first)
{
    if ((start | end) & PAGE_MASK || end < start)
        return KERN_INVALID_ARGUMENT;
    if (!vm_map_range_mapped(map, start, end))
        return KERN_INVALID_ADDRESS;
    vm_map_lookup_entry(map, start, first);
    return KERN_SUCCESS;
}

static void make_reusable(struct vm_map *map, struct vm_map_entry *e, uint64_t lo, uint64_t hi)
{
    struct vm *vm = map->vm;
    for (uint64_t va = lo; e->object && va < hi; va += PAGE_SIZE) {
        struct vm_page *pg = vm_page_lookup(vm, e->object, e->offset + (va - e->start));
        if (!pg || (pg->flags & (VM_PAGE_REUSABLE | VM_PAGE_BUSY)) || pg->wire_count)
            continue;
        pfn_t pfn = vm_page_pfn(vm, pg);
        /* Mapped again read-only and not internal: out of the footprint, and a write
         * faults, which takes the page back. */
        if (pmap_extract(map->pmap, va) == pfn &&
            pmap_enter(map->pmap, va, pfn, e->protection & ~VM_PROT_WRITE, VM_PROT_NONE, 0) < 0)
            pmap_remove(map->pmap, va, va + PAGE_SIZE);
        /* As XNU's deactivation of a page to kill: clean, unreferenced. */
        pmap_clear_modify(vm->mmu, pfn);
        pg->flags = (uint8_t)((pg->flags & ~VM_PAGE_DIRTY) | VM_PAGE_REUSABLE);
        e->object->reusable++;
        vm->reusable_pages++;
        vm_page_deactivate(vm, pg);
    }
}

kern_return_t vm_map_reusable_pages(struct vm_map *map, uint64_t start, uint64_t end)
{
    struct vm_map_entry *first, *e;
    kern_return_t kr = check_range(map, start, end, &first);
    if (kr != KERN_SUCCESS)
        return kr;
    for (e = first; e != &map->header && e->start < end; e = e->next) {
        if (!entry_reusable(e) && (e->protection & VM_PROT_WRITE))
            return KERN_INVALID_ADDRESS;
        if (!(e->protection & VM_PROT_WRITE))
            return KERN_PROTECTION_FAILURE;
    }
    for (e = first; e != &map->header && e->start < end; e = e->next)
        make_reusable(map, e, e->start > start ? e->start : start, e->end < end ? e->end : end);
    return KERN_SUCCESS;
}

kern_return_t vm_map_reuse_pages(struct vm_map *map, uint64_t start, uint64_t end)
{
    struct vm_map_entry *e;
    kern_return_t kr = check_range(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    for (; e != &map->header && e->start < end; e = e->next) {
        uint64_t lo = e->start > start ? e->start : start, hi = e->end < end ? e->end : end;
        for (uint64_t va = lo; e->object && e->object->reusable && va < hi; va += PAGE_SIZE) {
            struct vm_page *pg = vm_page_lookup(map->vm, e->object, e->offset + (va - e->start));
            if (!pg || !(pg->flags & VM_PAGE_REUSABLE))
                continue;
            pfn_t pfn = vm_page_pfn(map->vm, pg);
            bool mapped = pmap_extract(map->pmap, va) == pfn;
            vm_page_reuse(map->vm, pg);
            if (mapped &&
                pmap_enter(map->pmap, va, pfn, e->protection, VM_PROT_NONE, PMAP_OPT_INTERNAL) < 0)
                return KERN_RESOURCE_SHORTAGE;
            vm_page_activate(map->vm, pg);
        }
    }
    return KERN_SUCCESS;
}

uint32_t vm_map_reusable_count(struct vm_map *map)
{
    uint32_t n = 0;
    if (!map->vm->reusable_pages)
        return 0;
    for (struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next) {
        if (!e->object || !e->object->reusable)
            continue;
        uint64_t lo = e->offset, hi = e->offset + (e->end - e->start);
        if (lo == 0 && hi >= e->object->size) {
            n += e->object->reusable;  /* the whole object: no walk (faults read this) */
            continue;
        }
        for (const struct vm_page *pg = e->object->memq; pg; pg = pg->listq_next)
            n += (pg->flags & VM_PAGE_REUSABLE) && pg->offset >= lo && pg->offset < hi;
    }
    return n;
}
