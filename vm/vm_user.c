/* vm/vm_user.c — what the mach_vm_* calls ask of a map: access checks, regions,
 * page queries, purgeable state. */
#include "vm/vm_map.h"

kern_return_t vm_map_check_access(struct vm_map *map, uint64_t start, uint64_t end, vm_prot_t prot)
{
    struct vm_map_entry *e;
    if (end < start)
        return KERN_INVALID_ARGUMENT;
    if (start == end)
        return KERN_SUCCESS;
    if (!vm_map_lookup_entry(map, start, &e))
        return KERN_INVALID_ADDRESS;
    for (;;) {
        if ((e->protection & prot) != prot)
            return KERN_PROTECTION_FAILURE;
        if (e->end >= end)
            return KERN_SUCCESS;
        if (e->next == &map->header || e->next->start != e->end)
            return KERN_INVALID_ADDRESS;
        e = e->next;
    }
}

static void count_pages(struct vm_map *map, const struct vm_map_entry *e, struct vm_region_info *r)
{
    for (uint64_t va = e->start; va < e->end; va += PAGE_SIZE) {
        pfn_t pfn = pmap_extract(map->pmap, va);
        if (pfn == PFN_NONE) {
            struct vm_object *holder = NULL;
            if (e->object && !vm_object_chain_page(e->object, e->offset + (va - e->start), &holder)
                && holder)
                r->compressed++;
            continue;
        }
        r->resident++;
        const struct vm_page *pg = &map->vm->pages[pfn];
        /* Anonymous memory has no copy anywhere else: it counts as dirty. */
        if (pg->object == e->object &&
            (vm_object_internal(pg->object) || pmap_is_modified(map->vm->mmu, pfn)))
            r->dirty++;
    }
}

kern_return_t vm_map_region(struct vm_map *map, uint64_t *addr, struct vm_region_info *r)
{
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, *addr, &e))
        e = e->next;
    if (e == &map->header)
        return KERN_INVALID_ADDRESS;
    *r = (struct vm_region_info){
        .start = e->start, .end = e->end, .offset = e->offset,
        .protection = e->protection, .max_protection = e->max_protection,
        .inheritance = (enum vm_inherit)e->inheritance,
        .shared = e->object && e->object->ref_count > 1,
        .user_wired_count = e->wired_count,
        .object_id = e->object ? e->object->id : 0,
        .purgable = e->object ? e->object->purgable : VM_PURGABLE_DENY,
        .tag = e->tag,
    };
    r->shadow_depth = vm_map_shadow_depth(map, e->start);
    count_pages(map, e, r);
    *addr = e->start;
    return KERN_SUCCESS;
}

kern_return_t vm_map_page_query(struct vm_map *map, uint64_t addr, int *disposition, int *ref_count)
{
    struct vm_map_entry *e;
    *disposition = *ref_count = 0;
    /* As XNU: no entry, no object, no page — not an error. */
    if (!vm_map_lookup_entry(map, trunc_page(addr), &e) || !e->object)
        return KERN_SUCCESS;
    struct vm_object *holder;
    struct vm_page *pg = vm_object_chain_page(e->object, e->offset + (trunc_page(addr) - e->start),
                                              &holder);
    /* As XNU: the references of the entry's object, wherever the page is found. */
    *ref_count = e->object->ref_count;
    if (!pg && holder) {
        *disposition = VM_PAGE_QUERY_PAGE_PAGED_OUT;   /* in the compressor */
        return KERN_SUCCESS;
    }
    if (!pg)
        return KERN_SUCCESS;
    pfn_t pfn = vm_page_pfn(map->vm, pg);
    int d = VM_PAGE_QUERY_PAGE_PRESENT;
    if (pmap_is_referenced(map->vm->mmu, pfn))
        d |= VM_PAGE_QUERY_PAGE_REF;
    if (pmap_is_modified(map->vm->mmu, pfn) || (pg->flags & VM_PAGE_DIRTY))
        d |= VM_PAGE_QUERY_PAGE_DIRTY;
    if (holder == e->object && holder->shadow)
        d |= VM_PAGE_QUERY_PAGE_COPIED;
    if (pg->queue == VM_PAGE_Q_SPECULATIVE)
        d |= VM_PAGE_QUERY_PAGE_SPECULATIVE;
    if (pg->flags & VM_PAGE_REUSABLE)
        d |= VM_PAGE_QUERY_PAGE_REUSABLE;
    if (!vm_object_internal(holder))
        d |= VM_PAGE_QUERY_PAGE_EXTERNAL;
    *disposition = d;
    return KERN_SUCCESS;
}

kern_return_t vm_map_purgable_control(struct vm_map *map, uint64_t addr, int control, int *state)
{
    if (control == VM_PURGABLE_PURGE_ALL) {
        while (map->vm->volatile_head)
            vm_object_purge(map->vm->volatile_head);
        return KERN_SUCCESS;
    }
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, addr, &e))
        return KERN_INVALID_ADDRESS;
    return vm_object_purgable_control(e->object, control, state);
}

static bool volatile_entry(const struct vm_map_entry *e)
{
    return e->object && (e->object->purgable == VM_PURGABLE_VOLATILE ||
                         e->object->purgable == VM_PURGABLE_EMPTY);
}

/* The nested range's pages are in no task's ledgers (the shared region's pmap has
 * them): a task's usage leaves them out. */
static void entry_usage(struct vm_map *map, const struct vm_map_entry *e, struct vm_map_usage *u)
{
    if (e->nested)
        return;
    bool vol = volatile_entry(e);
    if (vol)
        u->volatile_virtual += (uint32_t)((e->end - e->start) >> PAGE_SHIFT);
    for (uint64_t va = e->start; va < e->end; va += PAGE_SIZE) {
        pfn_t pfn = pmap_extract(map->pmap, va);
        if (pfn == PFN_NONE) {
            u->volatile_compressed += vol && pt_is_compressed(pmap_pte(map->pmap, va));
            continue;
        }
        const struct vm_page *pg = &map->vm->pages[pfn];
        if (pg->flags & VM_PAGE_REUSABLE)
            continue;                  /* in the reusable ledger, not internal */
        if (!pg->object || !vm_object_internal(pg->object)) {
            u->external++;
            continue;
        }
        u->internal++;
        if (vol)
            u->volatile_resident++;
        if (pg->wire_count)
            u->wired++;
    }
}

void vm_map_usage(struct vm_map *map, struct vm_map_usage *u)
{
    *u = (struct vm_map_usage){
        .virtual_pages = map->size >> PAGE_SHIFT,
        .regions = map->nentries,
        .resident = map->pmap ? map->pmap->resident : 0,
        .tables = map->pmap ? map->pmap->tables : 0,
        .compressed = map->pmap ? map->pmap->compressed : 0,
    };
    for (struct vm_map_entry *e = map->header.next; map->pmap && e != &map->header; e = e->next)
        entry_usage(map, e, u);
    u->resident_peak = map->stats.resident_peak > u->resident ? map->stats.resident_peak : u->resident;
    u->footprint = u->internal - u->volatile_resident + u->compressed - u->volatile_compressed +
                   u->tables;
}

/* The internal pages an entry of a purgeable object has mapped and left in the
 * compressor: its alternate accounting. */
static void purgeable_pages(struct vm_map *map, const struct vm_map_entry *e, uint32_t *resident,
                            uint32_t *compressed)
{
    *resident = *compressed = 0;
    for (uint64_t va = e->start; va < e->end; va += PAGE_SIZE) {
        pfn_t pfn = pmap_extract(map->pmap, va);
        if (pfn == PFN_NONE)
            *compressed += pt_is_compressed(pmap_pte(map->pmap, va));
        else if (map->vm->pages[pfn].object && vm_object_internal(map->vm->pages[pfn].object))
            (*resident)++;
    }
}

static void purgeable_ledgers(struct vm_map *map, struct vm_ledgers *l)
{
    uint32_t left = map->purgeable_entries;
    for (struct vm_map_entry *e = map->header.next; left && e != &map->header; e = e->next) {
        if (!vm_map_entry_purgeable(e))
            continue;
        left--;
        uint32_t res, comp;
        purgeable_pages(map, e, &res, &comp);
        l->alternate_accounting += res;
        l->alternate_accounting_compressed += comp;
        if (volatile_entry(e)) {
            l->purgeable_volatile += res;
            l->purgeable_volatile_compressed += comp;
        } else {
            l->purgeable_nonvolatile += res;
            l->purgeable_nonvolatile_compressed += comp;
        }
    }
}

/* The ledgers that make up phys_footprint, and its peak; reusable left 0. */
static void footprint_ledgers(struct vm_map *map, struct vm_ledgers *l)
{
    *l = (struct vm_ledgers){ 0 };
    const struct pmap *pm = map->pmap;
    if (!pm)
        return;
    l->internal = pm->internal;
    l->internal_compressed = pm->compressed;
    l->page_table = pm->tables;
    if (map->purgeable_entries)
        purgeable_ledgers(map, l);
    l->phys_footprint = (l->internal - l->alternate_accounting) +
                        (l->internal_compressed - l->alternate_accounting_compressed) +
                        l->iokit_mapped + l->purgeable_nonvolatile +
                        l->purgeable_nonvolatile_compressed + l->page_table;
    if (l->phys_footprint > map->stats.footprint_peak)
        map->stats.footprint_peak = l->phys_footprint;
    l->phys_footprint_peak = map->stats.footprint_peak;
}

void vm_map_footprint_peak_update(struct vm_map *map)
{
    struct vm_ledgers l;
    footprint_ledgers(map, &l);
}

void vm_map_ledgers(struct vm_map *map, struct vm_ledgers *l)
{
    footprint_ledgers(map, l);
    if (map->pmap)
        l->reusable = vm_map_reusable_count(map);
}
