/* vm/vm_pageout.c — keeping frames free: aging by reference bits and reclaim.
 *
 * The scan runs synchronously when an allocation finds fewer free frames than the
 * free target, so a run is deterministic. Reclaim order: volatile purgeable
 * objects, speculative pages, then the inactive queues, refilled from the head of
 * the active queue while they are below the inactive target, file-backed pages
 * first unless the file cache is down to its minimum. Anonymous pages go to the
 * compressor; those it refuses wait on the throttled queue until it has room. */
#include <stdlib.h>
#include "vm/vm_compressor.h"

#define SCAN_BATCH 64              /* pages looked at per frame still wanted */

static uint32_t free_frames(const struct vm *vm) { return vm->phys->count[PHYS_FREE]; }

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

void vm_pageout_init_targets(struct vm *vm)
{
    struct vm_targets *t = &vm->targets;
    uint32_t nframes = vm->phys->nframes;
    /* XNU reserves 6 * VM_PAGE_LAUNDRY_MAX + ncpus frames (plus 28 with a compressor);
     * that is most of a small emulated machine, so it is scaled to 1/64 of RAM here. */
    t->reserved = min_u32(769, nframes / 64) + 28;
    uint32_t avail = free_frames(vm) > t->reserved ? free_frames(vm) - t->reserved : 0;
    t->free_min = min_u32(10 + avail / 200, 1500);
    t->free_target = min_u32(15 + avail / 100, 2000);
    if (t->free_target < t->free_min + 5)
        t->free_target = t->free_min + 5;
    t->free_min += t->reserved;
    t->free_target += t->reserved;
}

uint32_t vm_pageout_inactive_target(const struct vm *vm)
{
    return (vm->q[VM_PAGE_Q_ACTIVE].count + vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count +
            vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count + vm->q[VM_PAGE_Q_SPECULATIVE].count) / 2;
}

static struct vm_page *head_of(struct vm *vm, enum vm_page_queue q)
{
    return vm->q[q].head == PFN_NONE ? NULL : &vm->pages[vm->q[q].head];
}

static bool purge_one(struct vm *vm)
{
    struct vm_object *obj = vm->volatile_head;
    return obj && vm_object_purge(obj) > 0;
}

/* Clean file-backed pages are dropped: the vnode pager reads them again. */
static bool reclaimable(struct vm *vm, struct vm_page *pg)
{
    return !vm_object_internal(pg->object) && !pmap_is_modified(vm->mmu, vm_page_pfn(vm, pg));
}

/* XNU's vps_calculate_filecache_min (vm_page_filecache_min_divisor 70): while the
 * compressor has room, the file cache is not shrunk below 10/70 of the non-compressed
 * memory. Dropping it all first would leave memorystatus_available_pages (free +
 * file-backed) under Jetsam's critical line while the compressor could still take
 * anonymous pages. */
#define FILECACHE_MIN_DIVISOR 70
static uint32_t filecache_min(const struct vm *vm)
{
    if (!vm->compressor || vm->compressor_full || compressor_low_on_space(vm->compressor))
        return 0;
    uint32_t non_compressed = vm->q[VM_PAGE_Q_ACTIVE].count + vm->q[VM_PAGE_Q_SPECULATIVE].count +
                              vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count +
                              vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count + free_frames(vm);
    return (uint32_t)((uint64_t)non_compressed * 10 / FILECACHE_MIN_DIVISOR);
}

static bool compressible(struct vm *vm, struct vm_page *pg)
{
    return vm->compressor && !vm->compressor_full && vm_object_internal(pg->object);
}

/* One inactive page: back to active if used since it was deactivated, else
 * dropped if clean and file-backed, compressed if anonymous, else parked. */
static void consider_inactive(struct vm *vm, struct vm_page *pg)
{
    pfn_t pfn = vm_page_pfn(vm, pg);
    if (pg->flags & VM_PAGE_BUSY) {
        vm_page_activate(vm, pg);      /* a fault is using it right now */
    } else if (pmap_is_referenced(vm->mmu, pfn)) {
        pmap_clear_reference(vm->mmu, pfn);
        vm_page_activate(vm, pg);
    } else if (reclaimable(vm, pg)) {
        vm->stats.reclaimed++;
        vm_phantom_cache_add_ghost(&vm->phantom, pg);
        vm_page_free(vm, pg);
    } else if (!compressible(vm, pg) || vm_compressor_pageout(vm, pg) != KERN_SUCCESS) {
        vm_page_throttle(vm, pg);
    }
}

static bool balance_inactive(struct vm *vm)
{
    struct vm_page *pg = head_of(vm, VM_PAGE_Q_ACTIVE);
    uint32_t inactive = vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count +
                        vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count;
    if (!pg || inactive >= vm_pageout_inactive_target(vm))
        return false;
    vm_page_deactivate(vm, pg);
    return true;
}

/* One step of the scan; false when there is nothing left to look at. */
static bool scan_step(struct vm *vm)
{
    struct vm_page *pg;
    if (purge_one(vm))
        return true;
    /* Read-ahead pages nobody has touched go first, then file-backed inactive
     * pages: they are the only ones that can be dropped. */
    if ((pg = head_of(vm, VM_PAGE_Q_SPECULATIVE))) {
        consider_inactive(vm, pg);
        return true;
    }
    if (balance_inactive(vm))
        return true;
    struct vm_page *file = head_of(vm, VM_PAGE_Q_INACTIVE_EXTERNAL);
    struct vm_page *anon = head_of(vm, VM_PAGE_Q_INACTIVE_INTERNAL);
    if (anon && file && compressible(vm, anon) && vm->external_pages < filecache_min(vm))
        file = NULL;
    if ((pg = file ? file : anon)) {
        consider_inactive(vm, pg);
        return true;
    }
    /* Pages parked while the compressor was full, now that it has room. */
    if ((pg = head_of(vm, VM_PAGE_Q_THROTTLED)) && compressible(vm, pg)) {
        consider_inactive(vm, pg);
        return true;
    }
    if ((pg = head_of(vm, VM_PAGE_Q_ACTIVE))) {
        vm_page_deactivate(vm, pg);   /* inactive target reached but still short */
        return true;
    }
    return false;
}

uint32_t vm_pageout_scan(struct vm *vm)
{
    uint32_t start = free_frames(vm);
    if (start >= vm->targets.free_target)
        return 0;
    vm->stats.scans++;
    uint32_t budget = (vm->targets.free_target - start) * SCAN_BATCH;
    while (free_frames(vm) < vm->targets.free_target && budget-- && scan_step(vm))
        ;
    return free_frames(vm) - start;
}

static uint32_t kmem_frames(uint64_t bytes)
{
    return (uint32_t)((bytes + PAGE_SIZE - 1) >> PAGE_SHIFT);
}

kern_return_t vm_kmem_resize(struct vm *vm, struct vm_kmem *k, uint64_t bytes)
{
    uint32_t want = kmem_frames(bytes);
    while (k->n > want)
        phys_free(vm->phys, k->frames[--k->n]);
    if (k->n == want)
        return KERN_SUCCESS;
    if (want > k->cap) {
        pfn_t *f = realloc(k->frames, want * sizeof *f);
        if (!f)
            return KERN_RESOURCE_SHORTAGE;
        k->frames = f;
        k->cap = want;
    }
    while (k->n < want) {
        if (free_frames(vm) < vm->targets.free_min)
            vm_pageout_scan(vm);
        pfn_t pfn = phys_alloc(vm->phys, PHYS_KERNEL);
        if (pfn == PFN_NONE)
            return KERN_RESOURCE_SHORTAGE;
        k->frames[k->n++] = pfn;
    }
    return KERN_SUCCESS;
}

kern_return_t vm_kmem_charge(struct vm *vm, struct vm_kmem *k, uint64_t bytes)
{
    uint32_t want = kmem_frames(bytes), more = want > k->n ? want - k->n : 0;
    if (free_frames(vm) < vm->targets.free_target + more)
        vm_pageout_scan(vm);
    if (free_frames(vm) < vm->targets.free_target + more) {
        vm->stats.shortages++;
        return KERN_RESOURCE_SHORTAGE;
    }
    return vm_kmem_resize(vm, k, bytes);
}

void vm_kmem_release(struct vm *vm, struct vm_kmem *k)
{
    vm_kmem_resize(vm, k, 0);
    free(k->frames);
    *k = (struct vm_kmem){ 0 };
}
