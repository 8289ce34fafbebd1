/* vm/vm_fault.c — from a fault on a virtual address to a mapped frame. */
#include <string.h>
#include "vm/vm_compressor.h"
#include "vm/vm_fault.h"
#include "vm/vm_shared_region.h"
#include "vm/vm_map_tree.h"

struct fault {
    struct vm_map *map;
    uint64_t va;
    vm_prot_t access;
    enum vm_fault_kind kind;
    struct vm_object *source;      /* object the page came from */
    uint64_t offset;               /* in source */
    pfn_t pfn;
};

/* A fresh page at (obj, offset), zeroed or read from obj's vnode. */
static kern_return_t page_fill(struct vm *vm, struct vm_object *obj, uint64_t offset,
                               struct vm_page **out)
{
    struct vm_page *pg = vm_page_grab(vm);
    if (!pg)
        return KERN_RESOURCE_SHORTAGE;
    pfn_t pfn = vm_page_pfn(vm, pg);
    if (obj->vnode) {
        phys_will_write(vm->phys, pfn);
        if (vnode_pagein(obj->vnode, offset, phys_ptr(vm->phys, pfn)) < 0) {
            vm_page_free(vm, pg);
            vm->memory_error = VM_MEMORY_ERROR_PAGEIN;
            return KERN_MEMORY_ERROR;
        }
        vm->stats.pageins++;
    } else {
        phys_zero(vm->phys, pfn);
    }
    vm_page_insert(vm, pg, obj, offset);
    if (obj->vnode)
        vm_phantom_cache_update(&vm->phantom, pg);
    vm_page_activate(vm, pg);      /* on a queue at once, even if the fault fails later */
    *out = pg;
    return KERN_SUCCESS;
}

/* Sequential page-ins read the next pages ahead onto the speculative queue, as
 * XNU's cluster read-ahead does; a page nobody touches is the first to go. */
#define READ_AHEAD_PAGES 4

static void read_ahead(struct vm *vm, struct vm_object *obj, uint64_t offset)
{
    bool sequential = offset == obj->last_pagein + PAGE_SIZE;
    obj->last_pagein = offset;
    if (!sequential)
        return;
    for (unsigned i = 1; i <= READ_AHEAD_PAGES; i++) {
        uint64_t off = offset + i * PAGE_SIZE;
        struct vm_page *pg;
        if (off >= round_page(obj->vnode->size) || vm_page_lookup(vm, obj, off) ||
            vm->phys->count[PHYS_FREE] < vm->targets.free_target)
            return;
        if (page_fill(vm, obj, off, &pg) != KERN_SUCCESS)
            return;
        vm_page_speculate(vm, pg);
        vm->stats.read_ahead++;
    }
}

/* Finds the page for (top, offset) down the shadow chain, decompressing it where
 * an object has it in the compressor and paging in from a vnode pager where the
 * chain ends in one. *pg NULL: nothing anywhere (zero fill). */
static kern_return_t chain_lookup(struct fault *f, struct vm_object *top, uint64_t offset,
                                  struct vm_page **pg)
{
    struct vm *vm = f->map->vm;
    struct vm_object *obj = top;
    uint64_t top_offset = offset;
    for (;;) {
        /* Shadow offsets keep every level's offset inside an anonymous object. */
        VM_ASSERT(!vm_object_internal(obj) || offset < obj->size);
        f->source = obj;
        f->offset = offset;
        if ((*pg = vm_page_lookup(vm, obj, offset)))
            return KERN_SUCCESS;
        if (vm_object_compressed_at(obj, offset)) {
            kern_return_t kr = vm_compressor_pagein(vm, obj, offset, pg);
            if (kr == KERN_ABORTED) {      /* purged meanwhile: look again from the top */
                obj = top;
                offset = top_offset;
                continue;
            }
            f->kind = VM_FAULT_DECOMPRESS;
            return kr;
        }
        if (obj->vnode) {
            if (offset >= round_page(obj->vnode->size)) {
                vm->memory_error = VM_MEMORY_ERROR_PAST_EOF;
                return KERN_MEMORY_ERROR;     /* SIGBUS */
            }
            f->kind = VM_FAULT_PAGEIN;
            kern_return_t kr = page_fill(vm, obj, offset, pg);
            if (kr == KERN_SUCCESS) {
                (*pg)->flags |= VM_PAGE_BUSY;
                read_ahead(vm, obj, offset);
                (*pg)->flags &= (uint8_t)~VM_PAGE_BUSY;
            }
            return kr;
        }
        if (!obj->shadow)
            return KERN_SUCCESS;
        offset += obj->shadow_offset;
        obj = obj->shadow;
    }
}

static kern_return_t fault_slow(struct fault *f)
{
    struct vm_map *map = f->map;
    struct vm *vm = map->vm;
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(map, f->va, &e))
        return KERN_INVALID_ADDRESS;
    if ((f->access & e->protection) != f->access)
        return KERN_PROTECTION_FAILURE;
    if (!e->object) {
        if (!(e->object = vm_object_allocate(vm, e->end - e->start)))
            return KERN_RESOURCE_SHORTAGE;
        e->offset = 0;
    }
    /* Objects left below this one by copies that are gone are merged first, so
     * fork after fork does not grow the chain. */
    vm_object_collapse(e->object);
    if (e->needs_copy && (f->access & VM_PROT_WRITE)) {
        /* As XNU's vm_object_shadow: an anonymous object that nobody else holds and
         * that this entry covers exactly needs no copy. */
        struct vm_object *o = e->object;
        bool sole = o->ref_count == 1 && vm_object_internal(o) && e->offset == 0 &&
                    o->size == e->end - e->start;
        bool was = vm_map_entry_purgeable(e);
        if (!sole &&
            vm_object_shadow(&e->object, &e->offset, e->end - e->start) != KERN_SUCCESS)
            return KERN_RESOURCE_SHORTAGE;
        vm_map_entry_object_changed(map, e, was);
        e->needs_copy = false;
    }

    struct vm_object *top = e->object;
    uint64_t offset = e->offset + (f->va - e->start);
    struct vm_page *pg;
    f->kind = VM_FAULT_SOFT;
    kern_return_t kr = chain_lookup(f, top, offset, &pg);
    if (kr != KERN_SUCCESS)
        return kr;
    if (pg)
        vm_page_reuse(vm, pg);         /* touched again: wanted again */
    vm_prot_t prot = e->protection;
    if (top->copies) {
        /* Delayed copies of top must get this page's contents before it changes. */
        if (f->access & VM_PROT_WRITE)
            kr = vm_object_push(top, offset, pg);
        else if (vm_object_copies_lack(top, offset))
            prot &= ~VM_PROT_WRITE;
        if (kr != KERN_SUCCESS)
            return kr;
    }
    if (!pg && top->purgable == VM_PURGABLE_EMPTY) {
        vm->memory_error = VM_MEMORY_ERROR_PURGED;
        return KERN_MEMORY_ERROR;      /* emptied while volatile: XNU fails the access */
    }
    if (!pg) {
        if ((kr = page_fill(vm, top, offset, &pg)) != KERN_SUCCESS)
            return kr;
        f->kind = VM_FAULT_ZERO_FILL;
        f->source = top;
        f->offset = offset;
    } else if (f->source != top) {
        if (f->access & VM_PROT_WRITE) {
            /* Busy: the pageout scan the allocation may run must not take it. */
            pg->flags |= VM_PAGE_BUSY;
            struct vm_page *copy = vm_page_grab(vm);
            pg->flags &= (uint8_t)~VM_PAGE_BUSY;
            if (!copy)
                return KERN_RESOURCE_SHORTAGE;
            phys_copy(vm->phys, vm_page_pfn(vm, copy), vm_page_pfn(vm, pg));
            vm_page_activate(vm, pg);
            vm_page_insert(vm, copy, top, offset);
            pg = copy;
            f->kind = VM_FAULT_COW;
        } else {
            prot &= ~VM_PROT_WRITE;   /* the page belongs to an object below */
        }
    }
    if (e->needs_copy)
        prot &= ~VM_PROT_WRITE;
    if (pg->queue == VM_PAGE_Q_INACTIVE_INTERNAL || pg->queue == VM_PAGE_Q_INACTIVE_EXTERNAL ||
        pg->queue == VM_PAGE_Q_THROTTLED)
        map->stats.reactivations++;
    if (e->wired_count && pg->wire_count == 0)
        vm_page_wire(vm, pg);
    else
        vm_page_activate(vm, pg);
    f->pfn = vm_page_pfn(vm, pg);
    unsigned opts = (e->wired_count ? PMAP_OPT_WIRED : 0) |
                    (vm_object_internal(pg->object) ? PMAP_OPT_INTERNAL : 0);
    struct pmap *pm = e->nested ? map->shared_region->pmap : map->pmap;
    if (pmap_enter(pm, f->va, f->pfn, prot, f->access, opts) < 0)
        return KERN_RESOURCE_SHORTAGE;
    if (map->pmap->resident > map->stats.resident_peak)
        map->stats.resident_peak = map->pmap->resident;
    /* The footprint's peak, kept here while it costs O(1): with purgeable memory in the
     * map the ledgers walk its purgeable entries' pages, and a fault must not. */
    if (!map->purgeable_entries)
        vm_map_footprint_peak_update(map);
    return KERN_SUCCESS;
}

static void count(struct vm *vm, struct vm_map *map, enum vm_fault_kind kind)
{
    map->stats.faults[kind]++;
    switch (kind) {
    case VM_FAULT_ZERO_FILL: vm->stats.zero_fill++; break;
    case VM_FAULT_SOFT: vm->stats.soft_faults++; break;
    case VM_FAULT_COW: vm->stats.cow_faults++; break;
    case VM_FAULT_FAST: vm->stats.fast_faults++; break;
    case VM_FAULT_INVALID: vm->stats.invalid_faults++; break;
    default: break;        /* pageins are counted where they happen */
    }
}

/* Every this many faults, builds with invariants walk every frame, the map's tables,
 * entries and pages (O(RAM + mapped pages)); the O(1) checks run at every fault. */
#define BOOKS_WALK_EVERY 1024

static bool books(bool ok, const char *why)
{
    if (!ok)
        fprintf(stderr, "vm: books do not balance: %s\n", why);
    return ok;
}

/* The ledgers Jetsam reads against a walk of the map's pages. */
static bool footprint_ok(struct vm_map *map, char *why, size_t len)
{
    struct vm_map_usage u;
    vm_map_usage(map, &u);
    struct vm_ledgers l;
    vm_map_ledgers(map, &l);
    snprintf(why, len, "footprint %u from the ledgers, %u from the pages", l.phys_footprint,
             u.footprint);
    return l.phys_footprint == u.footprint;
}

/* After a resolved fault: the page is mapped at va with AF set and the access
 * allowed, it belongs to an object and sits on a queue (active or wired after a
 * slow fault), and the books still balance. */
static void check_after_fault(struct vm_map *map, const struct fault *f)
{
    struct vm *vm = map->vm;
    pt_entry_t pte = pmap_pte(map->pmap, f->va);
    VM_ASSERT(f->pfn != PFN_NONE && pmap_extract(map->pmap, f->va) == f->pfn);
    VM_ASSERT((pte & PT_AF) && (pt_page_prot(pte) & f->access) == (f->access & VM_PROT_ALL));
    const struct vm_page *pg = &vm->pages[f->pfn];
    VM_ASSERT(pg->object && pg->queue != VM_PAGE_NOT_ON_Q);
    VM_ASSERT(f->kind == VM_FAULT_FAST ||
              pg->queue == (pg->wire_count ? VM_PAGE_Q_WIRED : VM_PAGE_Q_ACTIVE));
    const struct pmap *pm = map->pmap;
    VM_ASSERT(pm->wired <= pm->resident && pm->internal <= pm->resident);
    char why[256];
    VM_ASSERT(books(vm_page_totals_check(vm, why, sizeof why), why));
    if (vm->stats.faults % BOOKS_WALK_EVERY)
        return;
    VM_ASSERT(books(vm_page_queues_check(vm, why, sizeof why), why));
    VM_ASSERT(books(pmap_check(map->pmap, why, sizeof why), why));
    VM_ASSERT(books(footprint_ok(map, why, sizeof why), why));
    VM_ASSERT(books(vm_map_tree_check(map, why, sizeof why), why));
}

kern_return_t vm_fault(struct vm_map *map, uint64_t va, vm_prot_t access,
                       enum vm_fault_kind *kind)
{
    struct vm *vm = map->vm;
    uint64_t t0 = vm->trace ? vm_now_ns() : 0, reclaim0 = vm->reclaim_ns;
    struct fault f = { .map = map, .va = trunc_page(va), .access = access, .pfn = PFN_NONE };
    kern_return_t kr;
    vm->stats.faults++;
    if (pmap_fast_fault(map->pmap, f.va, access)) {
        f.kind = VM_FAULT_FAST;
        f.pfn = pmap_extract(map->pmap, f.va);
        kr = KERN_SUCCESS;
    } else {
        kr = fault_slow(&f);
        if (kr != KERN_SUCCESS)
            f.kind = VM_FAULT_INVALID;
    }
    count(vm, map, f.kind);
    if (VM_INVARIANTS && kr == KERN_SUCCESS)
        check_after_fault(map, &f);
    if (kind)
        *kind = f.kind;
    if (vm->trace) {
        struct vm_fault_event ev = {
            .task = map->owner, .va = va, .access = access, .kind = f.kind,
            .object = f.source ? f.source->id : 0, .offset = f.offset,
            .result = kr, .pfn = f.pfn, .cost_ns = vm_now_ns() - t0,
            .reclaim_ns = vm->reclaim_ns - reclaim0,
        };
        vm->trace(vm->trace_ctx, &ev);
    }
    return kr;
}

kern_return_t vm_fault_range(struct vm_map *map, uint64_t start, uint64_t end, vm_prot_t access)
{
    for (uint64_t va = trunc_page(start); va < end; va += PAGE_SIZE) {
        kern_return_t kr = vm_fault(map, va, access, NULL);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    return KERN_SUCCESS;
}
