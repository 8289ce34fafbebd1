/* vm/vm_page.c — per-frame records, the (object, offset) hash, page queues. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vm/vm_object.h"

static const char *const kern_names[] = {
    [KERN_SUCCESS] = "KERN_SUCCESS",
    [KERN_INVALID_ADDRESS] = "KERN_INVALID_ADDRESS",
    [KERN_PROTECTION_FAILURE] = "KERN_PROTECTION_FAILURE",
    [KERN_NO_SPACE] = "KERN_NO_SPACE",
    [KERN_INVALID_ARGUMENT] = "KERN_INVALID_ARGUMENT",
    [KERN_FAILURE] = "KERN_FAILURE",
    [KERN_RESOURCE_SHORTAGE] = "KERN_RESOURCE_SHORTAGE",
    [KERN_MEMORY_ERROR] = "KERN_MEMORY_ERROR",
};

const char *vm_kern_name(kern_return_t kr)
{
    if (kr >= 0 && kr < (int)(sizeof kern_names / sizeof *kern_names) && kern_names[kr])
        return kern_names[kr];
    return "KERN_?";
}

const char *vm_memory_error_text(enum vm_memory_error e)
{
    switch (e) {
    case VM_MEMORY_ERROR_PAST_EOF: return "past the end of the mapped file";
    case VM_MEMORY_ERROR_PAGEIN: return "the mapped file could not be read";
    case VM_MEMORY_ERROR_PURGED: return "its volatile purgeable memory was emptied";
    case VM_MEMORY_ERROR_SWAPIN:
        return "its compressed page could not be read back (swap file unreadable or damaged)";
    }
    return "memory error";
}

static const char *const fault_kind_names[VM_FAULT_NKINDS] = {
    "zero-fill", "soft", "pagein", "cow", "decompress", "fast", "invalid",
};

const char *vm_fault_kind_name(enum vm_fault_kind k)
{
    return k < VM_FAULT_NKINDS ? fault_kind_names[k] : "?";
}

int vm_fault_kind_parse(const char *name)
{
    /* Older spellings (the debugger's first breakpoint classes), kept as aliases. */
    static const struct { const char *alias; enum vm_fault_kind kind; } aliases[] = {
        { "zero", VM_FAULT_ZERO_FILL }, { "zerofill", VM_FAULT_ZERO_FILL },
        { "file", VM_FAULT_PAGEIN }, { "compressed", VM_FAULT_DECOMPRESS },
        { "copy-on-write", VM_FAULT_COW }, { "refmod", VM_FAULT_FAST },
    };
    for (int k = 0; k < VM_FAULT_NKINDS; k++)
        if (!strcmp(name, fault_kind_names[k]))
            return k;
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (!strcmp(name, aliases[i].alias))
            return (int)aliases[i].kind;
    return -1;
}

int vm_init(struct vm *vm, struct phys *p, struct mmu *m)
{
    memset(vm, 0, sizeof *vm);
    vm->phys = p;
    vm->mmu = m;
    vm->pages = calloc(p->nframes, sizeof *vm->pages);
    uint32_t buckets = 1;
    while (buckets < p->nframes)
        buckets <<= 1;
    vm->hash = calloc(buckets, sizeof *vm->hash);
    if (!vm->pages || !vm->hash || vm_phantom_cache_init(&vm->phantom, p->nframes) < 0) {
        vm_fini(vm);
        return -ENOMEM;
    }
    vm->hash_mask = buckets - 1;
    for (int q = 0; q < VM_PAGE_NQUEUES; q++)
        vm->q[q].head = vm->q[q].tail = PFN_NONE;
    vm->next_object_id = 1;
    vm->spec.age_index = vm->spec.steal_index = 1;
    vm_pageout_init_targets(vm);
    return 0;
}

void vm_fini(struct vm *vm)
{
    vm_purgeable_fini(vm);
    free(vm->pages);
    free(vm->hash);
    vm_phantom_cache_fini(&vm->phantom);
    vm->pages = NULL;
    vm->hash = NULL;
}

static uint32_t hash_of(const struct vm *vm, const struct vm_object *obj, uint64_t offset)
{
    uint64_t h = (uint64_t)(uintptr_t)obj * 0x9e3779b97f4a7c15ull ^ (offset >> PAGE_SHIFT);
    h ^= h >> 29;
    return (uint32_t)(h * 0xbf58476d1ce4e5b9ull >> 32) & vm->hash_mask;
}

static void queue_remove(struct vm *vm, struct vm_page *pg)
{
    if (pg->queue == VM_PAGE_NOT_ON_Q)
        return;
    VM_ASSERT(pg->queue < VM_PAGE_NQUEUES && vm->q[pg->queue].count > 0);
    struct vm_page_queue_head *q = &vm->q[pg->queue];
    pfn_t pfn = vm_page_pfn(vm, pg);
    /* Its neighbours (or the head and tail) must point back at it. */
    VM_ASSERT(pg->pageq_prev == PFN_NONE ? q->head == pfn
                                         : vm->pages[pg->pageq_prev].pageq_next == pfn);
    VM_ASSERT(pg->pageq_next == PFN_NONE ? q->tail == pfn
                                         : vm->pages[pg->pageq_next].pageq_prev == pfn);
    if (pg->pageq_prev != PFN_NONE)
        vm->pages[pg->pageq_prev].pageq_next = pg->pageq_next;
    else
        q->head = pg->pageq_next;
    if (pg->pageq_next != PFN_NONE)
        vm->pages[pg->pageq_next].pageq_prev = pg->pageq_prev;
    else
        q->tail = pg->pageq_prev;
    q->count--;
    bool was_inactive = pg->queue == VM_PAGE_Q_INACTIVE_INTERNAL ||
                        pg->queue == VM_PAGE_Q_INACTIVE_EXTERNAL;
    if (pg->queue == VM_PAGE_Q_SPECULATIVE)
        vm->spec.count[pg->spec_bin]--;
    pg->queue = VM_PAGE_NOT_ON_Q;
    /* As vm_page_queues_remove: a page leaving an inactive queue ages the purgeable
     * tokens and brings up to three active pages to the inactive queues. */
    if (was_inactive) {
        vm_purgeable_q_advance(vm);
        vm_page_balance_inactive(vm, 3);
    }
}

void vm_page_balance_inactive(struct vm *vm, int max)
{
    uint32_t target = vm_pageout_inactive_target(vm);
    pfn_t pfn;
    while (max-- && vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count +
                    vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count +
                    vm->q[VM_PAGE_Q_SPECULATIVE].count < target &&
           (pfn = vm->q[VM_PAGE_Q_ACTIVE].head) != PFN_NONE)
        vm_page_deactivate(vm, &vm->pages[pfn]);
}

static void queue_enter_tail(struct vm *vm, struct vm_page *pg, enum vm_page_queue which)
{
    queue_remove(vm, pg);
    struct vm_page_queue_head *q = &vm->q[which];
    pfn_t pfn = vm_page_pfn(vm, pg);
    VM_ASSERT(which > VM_PAGE_NOT_ON_Q && which < VM_PAGE_NQUEUES);
    VM_ASSERT(vm->phys->use[pfn] == PHYS_VM);
    /* A wired page sits on the wired queue and nowhere else. */
    VM_ASSERT((pg->wire_count != 0) == (which == VM_PAGE_Q_WIRED));
    pg->pageq_next = PFN_NONE;
    pg->pageq_prev = q->tail;
    if (q->tail != PFN_NONE)
        vm->pages[q->tail].pageq_next = pfn;
    else
        q->head = pfn;
    q->tail = pfn;
    q->count++;
    pg->queue = (uint8_t)which;
    if (which == VM_PAGE_Q_INACTIVE_INTERNAL || which == VM_PAGE_Q_INACTIVE_EXTERNAL)
        vm_purgeable_page_inactive(vm);
}

/* With a fault trace, the scan's time is counted apart: a fault's own cost is the
 * trace's cost less the victims' compression it paid for. */
static void scan_for_frames(struct vm *vm)
{
    uint64_t t0 = vm->trace ? vm_now_ns() : 0;
    vm_pageout_scan(vm);
    if (vm->trace)
        vm->reclaim_ns += vm_now_ns() - t0;
}

struct vm_page *vm_page_grab(struct vm *vm)
{
    /* Below free_min the scan runs and refills up to free_target: work in batches. */
    if (vm->phys->count[PHYS_FREE] < vm->targets.free_min)
        scan_for_frames(vm);
    if (vm->phys->count[PHYS_FREE] <= vm->targets.reserved) {
        vm->stats.shortages++;
        return NULL;
    }
    pfn_t pfn = phys_alloc(vm->phys, PHYS_VM);
    if (pfn == PFN_NONE)
        return NULL;
    struct vm_page *pg = &vm->pages[pfn];
    memset(pg, 0, sizeof *pg);
    pg->pageq_next = pg->pageq_prev = PFN_NONE;
    /* The frame's last life must not make this page look referenced or dirty. */
    pmap_clear_reference(vm->mmu, pfn);
    pmap_clear_modify(vm->mmu, pfn);
    return pg;
}

/* Whether a page of obj at offset is in the hash (no lookup counted). */
static bool hashed(const struct vm *vm, const struct vm_object *obj, uint64_t offset)
{
    for (const struct vm_page *pg = vm->hash[hash_of(vm, obj, offset)]; pg; pg = pg->hash_next)
        if (pg->object == obj && pg->offset == offset)
            return true;
    return false;
}

void vm_page_insert(struct vm *vm, struct vm_page *pg, struct vm_object *obj, uint64_t offset)
{
    VM_ASSERT(!pg->object && obj->ref_count > 0 && !(offset & PAGE_MASK));
    VM_ASSERT(!hashed(vm, obj, offset));
    uint32_t b = hash_of(vm, obj, offset);
    pg->object = obj;
    pg->offset = offset;
    pg->hash_next = vm->hash[b];
    vm->hash[b] = pg;
    pg->listq_prev = NULL;
    pg->listq_next = obj->memq;
    if (obj->memq)
        obj->memq->listq_prev = pg;
    obj->memq = pg;
    obj->resident++;
    vm->object_pages++;
    vm->external_pages += !vm_object_internal(obj);
}

void vm_page_remove(struct vm *vm, struct vm_page *pg)
{
    struct vm_object *obj = pg->object;
    if (!obj)
        return;
    VM_ASSERT(obj->resident > 0 && vm->object_pages > 0);
    struct vm_page **pp = &vm->hash[hash_of(vm, obj, pg->offset)];
    while (*pp != pg)
        pp = &(*pp)->hash_next;
    *pp = pg->hash_next;
    if (pg->listq_prev)
        pg->listq_prev->listq_next = pg->listq_next;
    else
        obj->memq = pg->listq_next;
    if (pg->listq_next)
        pg->listq_next->listq_prev = pg->listq_prev;
    obj->resident--;
    vm->object_pages--;
    vm_page_reuse(vm, pg);
    vm->external_pages -= !vm_object_internal(obj);
    pg->object = NULL;
    pg->hash_next = pg->listq_next = pg->listq_prev = NULL;
}

struct vm_page *vm_page_lookup(struct vm *vm, struct vm_object *obj, uint64_t offset)
{
    vm->stats.lookups++;
    for (struct vm_page *pg = vm->hash[hash_of(vm, obj, offset)]; pg; pg = pg->hash_next)
        if (pg->object == obj && pg->offset == offset) {
            vm->stats.hits++;
            return pg;
        }
    return NULL;
}

void vm_page_free(struct vm *vm, struct vm_page *pg)
{
    pfn_t pfn = vm_page_pfn(vm, pg);
    VM_ASSERT(vm->phys->use[pfn] == PHYS_VM && !(pg->flags & VM_PAGE_BUSY));
    pmap_page_protect(vm->mmu, pfn, VM_PROT_NONE);
    VM_ASSERT(pmap_mapping_count(vm->mmu, pfn) == 0);
    vm_page_remove(vm, pg);
    queue_remove(vm, pg);
    pg->wire_count = 0;
    phys_free(vm->phys, pfn);
}

void vm_page_activate(struct vm *vm, struct vm_page *pg)
{
    if (pg->wire_count || pg->queue == VM_PAGE_Q_ACTIVE)
        return;
    if (pg->queue == VM_PAGE_Q_INACTIVE_INTERNAL || pg->queue == VM_PAGE_Q_INACTIVE_EXTERNAL ||
        pg->queue == VM_PAGE_Q_THROTTLED)
        vm->stats.reactivations++;
    queue_enter_tail(vm, pg, VM_PAGE_Q_ACTIVE);
}

void vm_page_deactivate(struct vm *vm, struct vm_page *pg)
{
    if (pg->wire_count)
        return;
    pmap_clear_reference(vm->mmu, vm_page_pfn(vm, pg));
    vm->stats.deactivations++;
    queue_enter_tail(vm, pg, vm_object_internal(pg->object) ? VM_PAGE_Q_INACTIVE_INTERNAL
                                                            : VM_PAGE_Q_INACTIVE_EXTERNAL);
}

static uint64_t now_ms(const struct vm *vm)
{
    return vm->env.now_ms ? vm->env.now_ms(vm->env.ctx) : 0;
}

/* Moves the pages of bin b to bin 0, where the scan may take them
 * (vm_page_speculate_ageit). */
void vm_page_speculate_ageit(struct vm *vm, uint8_t b)
{
    for (pfn_t pfn = vm->q[VM_PAGE_Q_SPECULATIVE].head; pfn != PFN_NONE && vm->spec.count[b];
         pfn = vm->pages[pfn].pageq_next)
        if (vm->pages[pfn].spec_bin == b) {
            vm->pages[pfn].spec_bin = 0;
            vm->spec.count[b]--;
            vm->spec.count[0]++;
        }
    vm->stats.speculative_aged++;
}

/* vm_page_speculate: into the current bin, or the next one once it has closed (whose
 * pages, if it still has some, are aged first). */
void vm_page_speculate(struct vm *vm, struct vm_page *pg)
{
    if (pg->wire_count)
        return;
    struct vm_speculative *sp = &vm->spec;
    uint64_t now = now_ms(vm);
    if (vm->q[VM_PAGE_Q_SPECULATIVE].count == 0) {
        sp->age_index = sp->steal_index = 1;
        sp->closes_ms[1] = now + VM_SPECULATIVE_BIN_MS;
    } else if (now >= sp->closes_ms[sp->age_index]) {
        sp->age_index = sp->age_index % VM_SPECULATIVE_BINS + 1;
        if (sp->age_index == sp->steal_index)
            sp->steal_index = sp->age_index % VM_SPECULATIVE_BINS + 1;
        if (sp->count[sp->age_index])
            vm_page_speculate_ageit(vm, sp->age_index);
        sp->closes_ms[sp->age_index] = now + VM_SPECULATIVE_BIN_MS;
    }
    queue_enter_tail(vm, pg, VM_PAGE_Q_SPECULATIVE);
    pg->spec_bin = sp->age_index;
    sp->count[sp->age_index]++;
}

void vm_page_throttle(struct vm *vm, struct vm_page *pg)
{
    if (pg->wire_count == 0) {
        vm->stats.throttled++;
        queue_enter_tail(vm, pg, VM_PAGE_Q_THROTTLED);
    }
}

void vm_page_wire(struct vm *vm, struct vm_page *pg)
{
    VM_ASSERT(pg->object && pg->wire_count < UINT16_MAX);
    if (pg->wire_count++ == 0)
        queue_enter_tail(vm, pg, VM_PAGE_Q_WIRED);
}

void vm_page_unwire(struct vm *vm, struct vm_page *pg)
{
    VM_ASSERT(pg->wire_count > 0 && pg->queue == VM_PAGE_Q_WIRED);
    if (pg->wire_count && --pg->wire_count == 0)
        queue_enter_tail(vm, pg, VM_PAGE_Q_ACTIVE);
}

void vm_page_counts(const struct vm *vm, struct vm_page_counts *c)
{
    memset(c, 0, sizeof *c);
    c->total = vm->phys->nframes;
    c->free = vm->phys->count[PHYS_FREE];
    c->pagetables = vm->phys->count[PHYS_PAGETABLE];
    c->active = vm->q[VM_PAGE_Q_ACTIVE].count;
    c->inactive = vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count + vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count;
    c->speculative = vm->q[VM_PAGE_Q_SPECULATIVE].count;
    c->throttled = vm->q[VM_PAGE_Q_THROTTLED].count;
    c->kernel = vm->phys->count[PHYS_KERNEL];
    c->wired = vm->q[VM_PAGE_Q_WIRED].count + c->pagetables + c->kernel;
    c->compressor_frames = vm->phys->count[PHYS_COMPRESSOR];
    c->compressed = vm->compressor ? compressor_stats(vm->compressor)->pages : 0;
    c->file_backed = vm->external_pages;
    c->anonymous = vm->object_pages - vm->external_pages;
    for (const struct vm_object *o = vm->volatile_head; o; o = o->vol_next)
        c->purgeable += o->resident;
}

/* The page counts vm_page_counts() keeps as it goes, against a walk of every frame. */
static bool counts_ok(const struct vm *vm, char *why, size_t len)
{
    uint32_t anonymous = 0, file_backed = 0;
    for (uint32_t i = 0; i < vm->phys->nframes; i++) {
        const struct vm_object *obj = vm->pages[i].object;
        if (vm->phys->use[i] != PHYS_VM || !obj)
            continue;
        if (vm_object_internal(obj))
            anonymous++;
        else
            file_backed++;
    }
    struct vm_page_counts c;
    vm_page_counts(vm, &c);
    if (c.anonymous == anonymous && c.file_backed == file_backed)
        return true;
    snprintf(why, len, "counted %u anonymous and %u file-backed pages, found %u and %u",
             c.anonymous, c.file_backed, anonymous, file_backed);
    return false;
}

static bool queue_walk_ok(const struct vm *vm, int q, uint8_t *seen, char *why, size_t len)
{
    uint32_t n = 0;
    pfn_t prev = PFN_NONE;
    for (pfn_t pfn = vm->q[q].head; pfn != PFN_NONE; pfn = vm->pages[pfn].pageq_next) {
        const struct vm_page *pg = &vm->pages[pfn];
        if (pfn >= vm->phys->nframes || vm->phys->use[pfn] != PHYS_VM || seen[pfn] ||
            pg->queue != q || pg->pageq_prev != prev || ++n > vm->q[q].count) {
            snprintf(why, len, "queue %d: frame %u misplaced", q, pfn);
            return false;
        }
        seen[pfn] = 1;
        prev = pfn;
    }
    if (n != vm->q[q].count || vm->q[q].tail != prev) {
        snprintf(why, len, "queue %d: count %u, walked %u", q, vm->q[q].count, n);
        return false;
    }
    return true;
}

bool vm_page_totals_check(const struct vm *vm, char *why, size_t len)
{
    const struct phys *p = vm->phys;
    uint32_t queued = 0;
    for (int q = VM_PAGE_Q_ACTIVE; q < VM_PAGE_NQUEUES; q++)
        queued += vm->q[q].count;
    if (p->count[PHYS_FREE] + queued + p->count[PHYS_PAGETABLE] + p->count[PHYS_KERNEL] +
            p->count[PHYS_COMPRESSOR] + p->count[PHYS_RESERVED] != p->nframes) {
        snprintf(why, len, "free %u + queued %u + tables %u + kernel %u + compressor %u + "
                 "reserved %u != %u frames", p->count[PHYS_FREE], queued, p->count[PHYS_PAGETABLE],
                 p->count[PHYS_KERNEL], p->count[PHYS_COMPRESSOR], p->count[PHYS_RESERVED],
                 p->nframes);
        return false;
    }
    uint64_t pool = vm->compressor ? compressor_stats(vm->compressor)->frames : 0;
    if (pool != p->count[PHYS_COMPRESSOR]) {
        snprintf(why, len, "the compressor holds %llu frames, phys counts %u",
                 (unsigned long long)pool, p->count[PHYS_COMPRESSOR]);
        return false;
    }
    return true;
}

bool vm_page_queues_check(const struct vm *vm, char *why, size_t len)
{
    const struct phys *p = vm->phys;
    uint8_t *seen = calloc(p->nframes, 1);
    bool ok = seen != NULL;
    for (int q = VM_PAGE_Q_ACTIVE; ok && q < VM_PAGE_NQUEUES; q++)
        ok = queue_walk_ok(vm, q, seen, why, len);
    for (uint32_t i = 0; ok && i < p->nframes; i++)
        if (p->use[i] == PHYS_VM && !seen[i]) {
            snprintf(why, len, "frame %u is the VM's but on no queue", i);
            ok = false;
        }
    free(seen);
    return ok && vm_page_totals_check(vm, why, len) && counts_ok(vm, why, len);
}

void vm_print_stats(const struct vm *vm, FILE *out)
{
    struct vm_page_counts c;
    vm_page_counts(vm, &c);
    const struct vm_stats *s = &vm->stats;
    const struct compressor_stats *cs = vm->compressor ? compressor_stats(vm->compressor) : NULL;
    fprintf(out, "Mach Virtual Memory Statistics: (page size of %llu bytes)\n",
            (unsigned long long)PAGE_SIZE);
#define LINE(name, v) fprintf(out, "%-34s %12llu.\n", name ":", (unsigned long long)(v))
    LINE("Pages free", c.free);
    LINE("Pages active", c.active);
    LINE("Pages inactive", c.inactive);
    LINE("Pages speculative", c.speculative);
    LINE("Pages throttled", c.throttled);
    LINE("Pages wired down", c.wired);
    LINE("Pages purgeable", c.purgeable);
    LINE("\"Translation faults\"", s->faults);
    LINE("Pages copy-on-write", s->cow_faults);
    LINE("Pages zero filled", s->zero_fill);
    LINE("Pages reactivated", s->reactivations);
    LINE("Pages purged", s->purges);
    LINE("File-backed pages", c.file_backed);
    LINE("Anonymous pages", c.anonymous);
    LINE("Pages stored in compressor", c.compressed);
    LINE("Pages occupied by compressor", c.compressor_frames);
    LINE("Decompressions", cs ? cs->decompressions : 0);
    LINE("Compressions", cs ? cs->compressions : 0);
    LINE("Pageins", s->pageins);
    LINE("Pageouts", s->pageouts);
    LINE("Swapins", cs ? cs->swapins : 0);
    LINE("Swapouts", cs ? cs->swapouts : 0);
    /* Beyond vm_stat: how the faults and the pageout scan went. */
    LINE("Pages used by page tables", c.pagetables);
    LINE("Pages of kernel bookkeeping", c.kernel);
    LINE("Soft faults", s->soft_faults);
    LINE("Ref/mod faults (pmap)", s->fast_faults);
    LINE("Invalid accesses", s->invalid_faults);
    LINE("Pages deactivated", s->deactivations);
    LINE("Clean file pages reclaimed", s->reclaimed);
    LINE("Anonymous pages throttled", s->throttled);
    LINE("Anonymous pages refused", s->compressor_refused);
    LINE("Taken past the reactivation limit", s->reactivation_limit);
    LINE("Volatile objects purged", s->purged_objects);
    LINE("Pages read ahead (speculative)", s->read_ahead);
    LINE("Pageout scans", s->scans);
    LINE("Allocations refused", s->shortages);
    if (cs) {
        LINE("Compressed bytes", cs->bytes_stored);
        LINE("Compressions refused (pool full)", cs->rejected);
        fprintf(out, "%-34s %12llu / %llu.\n", "Compactions (minor / major):",
                (unsigned long long)cs->minor_compactions,
                (unsigned long long)cs->major_compactions);
        LINE("Segments swapped out now", cs->segments_swapped);
        LINE("Swap files used", cs->swap_files);
    }
    fprintf(out, "%-34s %5u / %u / %u pages\n", "Free min / target / reserve:",
            vm->targets.free_min, vm->targets.free_target, vm->targets.reserved);
#undef LINE
}
