/* vm/vm_pageout.c — keeping frames free: XNU's vm_pageout_scan, run synchronously
 * when an allocation finds fewer free frames than free_min, so a run is
 * deterministic. One scan keeps the inactive queues at their target, empties
 * volatile objects whose purgeable token is ripe (or that the pressure level
 * forces), ages the speculative bins, and takes victims as vps_choose_victim_page
 * does: aged speculative pages first, then anonymous and file-backed inactive pages
 * in turn. Anonymous pages go to the compressor; with no compressor they wait on the
 * throttled queue. */
#include <stdlib.h>
#include "vm/vm_compressor.h"

#define SCAN_BATCH 64              /* pages looked at per frame still wanted */

/* vm_page_free_reserve's constants (iOS). */
#define VM_PAGE_LAUNDRY_MAX            128u
#define VM_PAGE_FREE_RESERVED_LIMIT    100u
#define COMPRESSOR_FREE_RESERVED_LIMIT 28u
#define VM_PAGE_FREE_MIN_LIMIT         1500u
#define VM_PAGE_FREE_TARGET_LIMIT      2000u
#define NCPUS                          1u

/* vm_pageout_scan's. */
#define ANONS_GRABBED_LIMIT            2
#define INACTIVE_FORCE_RECLAIM         1000u   /* VM_PAGEOUT_INACTIVE_FORCE_RECLAIM */
#define REACTIVATE_LIMIT_MAX           20000u  /* VM_PAGE_REACTIVATE_LIMIT_MAX (macOS) */
#define SPECULATIVE_PERCENT            5u      /* vm_page_speculative_percentage */
#define FILECACHE_MIN_DIVISOR_IOS      70u     /* vm_page_filecache_min_divisor */
#define FILECACHE_MIN_DIVISOR_MACOS    27u
#define FB_FACTOR_NR                   5u      /* vm_pageout_memorystatus_fb_factor_nr */
#define FB_FACTOR_DR                   2u

static uint32_t free_frames(const struct vm *vm) { return vm->phys->count[PHYS_FREE]; }

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

void vm_pageout_targets_for(uint32_t nframes, uint32_t free_count, bool compressor,
                            struct vm_targets *t)
{
    uint32_t reserve = min_u32(6 * VM_PAGE_LAUNDRY_MAX + NCPUS, VM_PAGE_FREE_RESERVED_LIMIT) +
                       (compressor ? COMPRESSOR_FREE_RESERVED_LIMIT : 0);
    /* XNU's reserve is 128 pages whatever the RAM; a machine of a few MB keeps 7/8. */
    reserve = min_u32(reserve, nframes / 8);
    uint32_t after = free_count > reserve ? free_count - reserve : 0;
    t->reserved = reserve;
    t->free_min = min_u32(reserve + 10 + after / 200, VM_PAGE_FREE_MIN_LIMIT);
    t->free_target = min_u32(reserve + 15 + after / 100, VM_PAGE_FREE_TARGET_LIMIT);
    if (t->free_target < t->free_min + 5)
        t->free_target = t->free_min + 5;
}

void vm_pageout_init_targets(struct vm *vm)
{
    vm_pageout_targets_for(vm->phys->nframes, free_frames(vm), vm->compressor != NULL,
                           &vm->targets);
}

static uint32_t inactive_count(const struct vm *vm)
{
    return vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count + vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count;
}

uint32_t vm_pageout_inactive_target(const struct vm *vm)
{
    return (vm->q[VM_PAGE_Q_ACTIVE].count + inactive_count(vm) +
            vm->q[VM_PAGE_Q_SPECULATIVE].count) / 2;
}

static struct vm_page *head_of(struct vm *vm, enum vm_page_queue q)
{
    return vm->q[q].head == PFN_NONE ? NULL : &vm->pages[vm->q[q].head];
}

/* What one scan keeps between its steps (vm_pageout_scan's locals). */
struct scan {
    uint32_t reactivated, reactivate_limit;
    uint32_t reclaim_run;          /* reactivations since the last page taken */
    uint32_t anonymous_min, spec_target, filecache_min;
    int anons_grabbed;
    bool grab_anonymous;
    bool iq_throttled;             /* the compressor refused a page in this scan */
    bool force_spec_aging;
};

/* vps_init_page_targets and the reactivation limit (VM_PAGE_REACTIVATE_LIMIT). */
static void scan_init(struct vm *vm, struct scan *s)
{
    uint32_t avail = vm->q[VM_PAGE_Q_ACTIVE].count + inactive_count(vm);
    *s = (struct scan){ 0 };
    if (vm->macos)
        s->reactivate_limit = avail / 20 > REACTIVATE_LIMIT_MAX ? avail / 20 : REACTIVATE_LIMIT_MAX;
    else
        s->reactivate_limit = avail / 2 / 2;
    s->anonymous_min = vm_pageout_inactive_target(vm) / 20;
    s->spec_target = avail * SPECULATIVE_PERCENT / 100;
}

/* vps_purge_object: a volatile object for a ripe token, or, under pressure, any in
 * the groups below 2, 5 or 8 (memorystatus_purge_on_warning, _urgent, _critical). */
static bool purge_one(struct vm *vm)
{
    static const int force_below[] = {
        [VM_PRESSURE_NORMAL] = 0, [VM_PRESSURE_WARNING] = 2,
        [VM_PRESSURE_URGENT] = 5, [VM_PRESSURE_CRITICAL] = 8,
    };
    enum vm_pressure_level level = vm->env.pressure ? vm->env.pressure(vm->env.ctx)
                                                    : VM_PRESSURE_NORMAL;
    int force = level <= VM_PRESSURE_CRITICAL ? force_below[level] : 8;
    if (!vm->volatile_head || (!vm->tokens.ripe && !force))
        return false;
    return vm_purgeable_purge_one(vm, force);
}

static uint64_t now_ms(const struct vm *vm)
{
    return vm->env.now_ms ? vm->env.now_ms(vm->env.ctx) : 0;
}

/* vps_age_speculative_queue: with no aged page left, the oldest bin is aged once the
 * queue is over its target (5% of active + inactive), or the bin closed 5 s ago, or
 * nothing else is left to take. */
static void age_speculative(struct vm *vm, struct scan *s)
{
    struct vm_speculative *sp = &vm->spec;
    if (sp->count[0] || vm->q[VM_PAGE_Q_SPECULATIVE].count == 0)
        return;
    for (int i = 0; i < VM_SPECULATIVE_BINS && !sp->count[sp->steal_index]; i++)
        sp->steal_index = sp->steal_index % VM_SPECULATIVE_BINS + 1;
    uint64_t ripe_at = sp->closes_ms[sp->steal_index] +
                       (uint64_t)VM_SPECULATIVE_BINS * VM_SPECULATIVE_BIN_MS;
    if (vm->q[VM_PAGE_Q_SPECULATIVE].count > s->spec_target || s->force_spec_aging ||
        now_ms(vm) >= ripe_at)
        vm_page_speculate_ageit(vm, sp->steal_index);
    s->force_spec_aging = false;
}

/* vps_calculate_filecache_min: the file cache is kept at 10/70 of the non-compressed
 * memory (10/27 on macOS) while the compressor can take pages (not low on space on
 * iOS, not out of space on macOS), and not at all under a quarter of the reserve.
 * Dropping it all first would leave memorystatus_available_pages (free +
 * file-backed) under Jetsam's critical line while the compressor could still take
 * anonymous pages. */
static uint32_t filecache_min(const struct vm *vm)
{
    if (!vm->compressor || free_frames(vm) < vm->targets.reserved / 4)
        return 0;
    if (vm->macos ? compressor_out_of_space(vm->compressor)
                  : compressor_low_on_space(vm->compressor))
        return 0;
    uint32_t non_compressed = vm->q[VM_PAGE_Q_ACTIVE].count + vm->q[VM_PAGE_Q_SPECULATIVE].count +
                              inactive_count(vm) + free_frames(vm);
    uint32_t divisor = vm->macos ? FILECACHE_MIN_DIVISOR_MACOS : FILECACHE_MIN_DIVISOR_IOS;
    return (uint32_t)((uint64_t)non_compressed * 10 / divisor);
}

/* memorystatus_get_critical_page_shortage_threshold: 5% of the RAM, 4% above 3 GB. */
static uint32_t critical_pages(const struct vm *vm)
{
    uint64_t n = vm->phys->nframes;
    return (uint32_t)(n * (n * PAGE_SIZE > (3ull << 30) ? 4 : 5) / 100);
}

/* Whether to look for an anonymous page rather than a file-backed one. */
static void want_anonymous(struct vm *vm, struct scan *s)
{
    uint32_t external = vm->external_pages;
    if (external < s->filecache_min ||
        vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count < external / 2) {
        s->grab_anonymous = true;
        s->anons_grabbed = 0;
        /* No swap, and dangerously few free pages: the compressor would wait for
         * frames, so take a file page. */
        if (!vm->macos && free_frames(vm) < 2 * COMPRESSOR_FREE_RESERVED_LIMIT) {
            s->grab_anonymous = false;
            s->anons_grabbed = ANONS_GRABBED_LIMIT;
        }
        return;
    }
    s->grab_anonymous = vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count > s->anonymous_min;
    /* A file cache well above Jetsam's critical line is cheaper to take from. */
    if (!vm->macos && s->grab_anonymous && external > s->filecache_min &&
        (uint64_t)external * FB_FACTOR_DR > (uint64_t)critical_pages(vm) * FB_FACTOR_NR)
        s->grab_anonymous = false;
}

/* vps_choose_victim_page. NULL with *again when a file page was kept back for the
 * file cache's floor (look again), NULL alone when there is nothing to take. */
static struct vm_page *choose_victim(struct vm *vm, struct scan *s, bool *again)
{
    *again = false;
    struct vm_page *pg = head_of(vm, VM_PAGE_Q_SPECULATIVE);
    if (pg && pg->spec_bin == 0)
        return pg;
    want_anonymous(vm, s);
    struct vm_page *anon = head_of(vm, VM_PAGE_Q_INACTIVE_INTERNAL);
    if (!s->grab_anonymous || s->anons_grabbed >= ANONS_GRABBED_LIMIT || !anon) {
        if ((pg = head_of(vm, VM_PAGE_Q_INACTIVE_EXTERNAL))) {
            s->anons_grabbed = 0;
            /* Under the floor, 99 file pages in 100 are kept while anonymous ones
             * can be taken instead. */
            if (vm->external_pages < s->filecache_min && anon && ++s->reactivated % 100) {
                vm->stats.filecache_reactivated++;
                vm_page_activate(vm, pg);
                *again = true;
                return NULL;
            }
            return pg;
        }
    }
    if (anon)
        s->anons_grabbed++;
    return anon;
}

/* A referenced victim goes back to the active queue, unless the scan has reactivated
 * its limit already or a thousand in a row: then it is taken anyway. */
static bool keep_referenced(struct vm *vm, struct scan *s, struct vm_page *pg)
{
    pfn_t pfn = vm_page_pfn(vm, pg);
    if (!pmap_is_referenced(vm->mmu, pfn))
        return false;
    if (++s->reactivated >= s->reactivate_limit) {
        vm->stats.reactivation_limit++;
        return false;
    }
    if (++s->reclaim_run >= INACTIVE_FORCE_RECLAIM)
        return false;
    pmap_clear_reference(vm->mmu, pfn);
    vm_page_activate(vm, pg);
    return true;
}

/* One victim: kept if in use, else dropped (clean file page), compressed (anonymous)
 * or parked (anonymous, no compressor). */
static void take_victim(struct vm *vm, struct scan *s, struct vm_page *pg)
{
    bool internal = vm_object_internal(pg->object);
    if (pg->flags & VM_PAGE_BUSY) {
        vm_page_activate(vm, pg);      /* a fault is using it right now */
        return;
    }
    if (pg->object->purgable == VM_PURGABLE_EMPTY) {
        vm_page_free(vm, pg);          /* left in an emptied object: no need to keep it */
        return;
    }
    if (keep_referenced(vm, s, pg))
        return;
    if (pg->flags & VM_PAGE_REUSABLE) {
        vm->stats.reusable_reclaimed++;
        vm_page_free(vm, pg);          /* its owner said the contents may go */
        return;
    }
    if (internal && !vm->compressor) {
        vm_page_throttle(vm, pg);      /* dynamic paging off: nowhere to go */
        return;
    }
    if (internal && s->iq_throttled) {
        vm->stats.compressor_refused++;  /* vps_deal_with_throttled_queues */
        vm_page_activate(vm, pg);
        return;
    }
    s->reclaim_run = 0;
    if (!internal) {
        if (pmap_is_modified(vm->mmu, vm_page_pfn(vm, pg))) {
            vm_page_activate(vm, pg);  /* no pager writes file pages back */
            return;
        }
        vm->stats.reclaimed++;
        vm_phantom_cache_add_ghost(&vm->phantom, pg);
        vm_page_free(vm, pg);
        return;
    }
    if (vm_compressor_pageout(vm, pg) != KERN_SUCCESS) {
        vm->stats.compressor_refused++;
        s->iq_throttled = true;
        vm_page_activate(vm, pg);
    }
}

/* One step of the scan; false when there is nothing left to look at. */
static bool scan_step(struct vm *vm, struct scan *s)
{
    vm_page_balance_inactive(vm, 1);
    if (free_frames(vm) >= vm->targets.free_target)
        return false;
    if (purge_one(vm))
        return true;
    age_speculative(vm, s);
    s->filecache_min = filecache_min(vm);
    bool again;
    struct vm_page *pg = choose_victim(vm, s, &again);
    if (pg) {
        take_victim(vm, s, pg);
        return true;
    }
    if (again)
        return true;
    if (vm->q[VM_PAGE_Q_SPECULATIVE].count) {
        s->force_spec_aging = true;    /* nothing else: age the speculative pages now */
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
    vm->compressor_full = false;       /* tried again: compaction or frees may have made room */
    struct scan s;
    scan_init(vm, &s);
    uint32_t budget = (vm->targets.free_target - start) * SCAN_BATCH;
    while (free_frames(vm) < vm->targets.free_target && budget-- && scan_step(vm, &s))
        ;
    if (vm->compressor)
        vm_compressor_maintain(vm);
    return free_frames(vm) > start ? free_frames(vm) - start : 0;
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
