/* vm/vm_compressor.c — the compressor pager: slot maps, pageout into the pool,
 * decompression on fault. */
#include <errno.h>
#include <stdlib.h>
#include "vm/vm_compressor.h"

#define SLOT_CHUNK 512u            /* handles per chunk: 2 KB, 8 MB of object */

/* --- the pool's frames ---------------------------------------------------------- */

/* The pool may dig into the reserve, as XNU's pageout thread does, but leaves half
 * of it for page tables and kernel memory. */
static void *frame_alloc(void *ctx)
{
    struct vm *vm = ctx;
    if (vm->phys->count[PHYS_FREE] <= vm->targets.reserved / 2)
        return NULL;
    pfn_t pfn = phys_alloc(vm->phys, PHYS_COMPRESSOR);
    return pfn == PFN_NONE ? NULL : phys_ptr(vm->phys, pfn);
}

static void frame_free(void *ctx, void *frame)
{
    struct vm *vm = ctx;
    phys_free(vm->phys, (pfn_t)(((uint8_t *)frame - vm->phys->ram) >> PAGE_SHIFT));
}

int vm_compressor_init(struct vm *vm, const struct vm_compressor_config *cfg)
{
    struct compressor_config cc;
    compressor_config_default(&cc, vm->phys->nframes, cfg->macos ? COMPRESSOR_MACOS : COMPRESSOR_IOS);
    cc.codec = cfg->codec;
    if (cfg->max_pages)
        cc.max_pages = cfg->max_pages;
    if (cfg->max_segments)
        cc.max_segments = cfg->max_segments;
    cc.frames = (struct compressor_frame_ops){ .ctx = vm, .alloc = frame_alloc,
                                               .free = frame_free };
    struct compressor *c = compressor_create(&cc);
    if (!c)
        return -errno;
    if (cfg->swap.create && compressor_swap_enable(c, &cfg->swap) < 0) {
        compressor_destroy(c);
        return -EINVAL;
    }
    vm->compressor = c;
    vm->macos = cfg->macos;
    vm_pageout_init_targets(vm);
    return 0;
}

void vm_compressor_fini(struct vm *vm)
{
    compressor_destroy(vm->compressor);
    vm->compressor = NULL;
}

/* --- slot maps ------------------------------------------------------------------ */

static uint32_t chunks_for(const struct vm_object *obj)
{
    uint64_t pages = obj->size >> PAGE_SHIFT;
    return (uint32_t)((pages + SLOT_CHUNK - 1) / SLOT_CHUNK);
}

compressor_handle_t *vm_object_slot(struct vm_object *obj, uint64_t offset, bool create)
{
    uint64_t index = offset >> PAGE_SHIFT;
    if (offset >= obj->size)
        return NULL;
    if (!obj->slots) {
        if (!create || !(obj->slots = calloc(chunks_for(obj), sizeof *obj->slots)))
            return NULL;
        obj->nchunks = chunks_for(obj);
    }
    compressor_handle_t **chunk = &obj->slots[index / SLOT_CHUNK];
    if (!*chunk && (!create || !(*chunk = calloc(SLOT_CHUNK, sizeof **chunk))))
        return NULL;
    return &(*chunk)[index % SLOT_CHUNK];
}

bool vm_object_compressed_at(struct vm_object *obj, uint64_t offset)
{
    if (!obj->compressed)
        return false;
    compressor_handle_t *slot = vm_object_slot(obj, offset, false);
    return slot && *slot != COMPRESSOR_NO_HANDLE;
}

void vm_compressor_release_slots(struct vm_object *obj)
{
    for (uint32_t i = 0; i < obj->nchunks; i++)
        free(obj->slots[i]);
    free(obj->slots);
    obj->slots = NULL;
    obj->nchunks = 0;
}

/* A compressed page left the pool: compressions refused for space may work now. */
static void slot_emptied(struct vm_object *obj)
{
    obj->compressed--;
    obj->vm->compressor_full = false;
}

uint32_t vm_compressor_free_range(struct vm_object *obj, uint64_t start, uint64_t end)
{
    uint32_t n = 0;
    if (end > obj->size)
        end = obj->size;
    for (uint64_t off = start; obj->compressed && off < end; off += PAGE_SIZE) {
        compressor_handle_t *slot = vm_object_slot(obj, off, false);
        if (!slot) {
            off = (off / (SLOT_CHUNK * PAGE_SIZE) + 1) * SLOT_CHUNK * PAGE_SIZE - PAGE_SIZE;
            continue;              /* no chunk: skip to the next one */
        }
        if (*slot == COMPRESSOR_NO_HANDLE)
            continue;
        compressor_free(obj->vm->compressor, slot);
        slot_emptied(obj);
        n++;
    }
    return n;
}

void vm_compressor_move(struct vm_object *from, uint64_t from_off, struct vm_object *to,
                        uint64_t to_off)
{
    compressor_handle_t *src = vm_object_slot(from, from_off, false);
    compressor_handle_t *dst = vm_object_slot(to, to_off, true);
    if (!dst) {                    /* no host memory for the map: the page is lost */
        compressor_free(from->vm->compressor, src);
        slot_emptied(from);
        return;
    }
    *dst = *src;
    *src = COMPRESSOR_NO_HANDLE;
    compressor_rebind(from->vm->compressor, dst);
    from->compressed--;
    to->compressed++;
}

/* --- paging --------------------------------------------------------------------- */

static uint64_t now_ms(const struct vm *vm)
{
    return vm->env.now_ms ? vm->env.now_ms(vm->env.ctx) : 0;
}

/* The compressor's clock: seconds of guest time, counted from 1 as a device's clock
 * never reads 0 (a target age of 0 means none). */
static uint64_t now_s(const struct vm *vm)
{
    return now_ms(vm) / 1000 + 1;
}

kern_return_t vm_compressor_pageout(struct vm *vm, struct vm_page *pg)
{
    compressor_set_time(vm->compressor, now_s(vm));
    struct vm_object *obj = pg->object;
    compressor_handle_t *slot = vm_object_slot(obj, pg->offset, true);
    pfn_t pfn = vm_page_pfn(vm, pg);
    int rc = slot ? compressor_put(vm->compressor, phys_ptr(vm->phys, pfn), slot) : -ENOMEM;
    if (rc < 0) {
        vm->compressor_full |= rc == -ENOSPC;
        return KERN_RESOURCE_SHORTAGE;
    }
    obj->compressed++;
    pmap_disconnect_compressed(vm->mmu, pfn);
    vm_page_free(vm, pg);
    return KERN_SUCCESS;
}

kern_return_t vm_compressor_pagein(struct vm *vm, struct vm_object *obj, uint64_t offset,
                                   struct vm_page **out)
{
    struct vm_page *pg = vm_page_grab(vm);
    if (!pg)
        return KERN_RESOURCE_SHORTAGE;
    /* Finding a frame may have run the scan, which can purge obj. */
    compressor_handle_t *slot = vm_object_slot(obj, offset, false);
    if (!slot || *slot == COMPRESSOR_NO_HANDLE) {
        vm_page_free(vm, pg);
        return KERN_ABORTED;
    }
    pfn_t pfn = vm_page_pfn(vm, pg);
    phys_will_write(vm->phys, pfn);
    compressor_set_time(vm->compressor, now_s(vm));
    int rc = compressor_get(vm->compressor, slot, phys_ptr(vm->phys, pfn));
    if (rc < 0) {
        vm_page_free(vm, pg);
        if (rc != -EIO && rc != -EINVAL)
            return KERN_RESOURCE_SHORTAGE;
        vm->memory_error = VM_MEMORY_ERROR_SWAPIN;
        return KERN_MEMORY_ERROR;
    }
    slot_emptied(obj);
    vm_page_insert(vm, pg, obj, offset);
    vm_page_activate(vm, pg);
    *out = pg;
    if (!vm->macos)
        vm_compressor_maintain(vm);    /* decompressions fragment the pool */
    return KERN_SUCCESS;
}

/* --- the compactor-swapper ---------------------------------------------------------- */

bool vm_compressor_needs_to_swap(const struct vm *vm)
{
    uint64_t non_compressed = vm->q[VM_PAGE_Q_ACTIVE].count +
                              vm->q[VM_PAGE_Q_INACTIVE_INTERNAL].count +
                              vm->q[VM_PAGE_Q_INACTIVE_EXTERNAL].count +
                              vm->q[VM_PAGE_Q_SPECULATIVE].count + vm->phys->count[PHYS_FREE];
    uint64_t available = non_compressed + vm->phys->count[PHYS_COMPRESSOR];
    /* vm_compressor_majorcompact_threshold_divisor: 13 up to 3 GB, else 25. */
    uint64_t divisor = (uint64_t)vm->phys->nframes * PAGE_SIZE > (3ull << 30) ? 25 : 13;
    uint32_t reserve = vm->targets.reserved;
    return non_compressed < available * 10 / divisor ||
           (reserve > 56 && vm->phys->count[PHYS_FREE] < reserve - 56);
}

/* A major compaction costs a walk of the pool: after one, the next waits until an
 * eighth of its segments' worth of pages has left it. */
static bool compaction_due(struct vm *vm)
{
    const struct compressor_stats *st = compressor_stats(vm->compressor);
    uint64_t left = st->compressions - st->pages;     /* pages that left the pool */
    uint64_t spacing = (st->segments + st->segments_swapped) / 8 *
                       (compressor_config_of(vm->compressor)->segment_size / PAGE_SIZE);
    return left >= vm->compactions_at + spacing && compressor_needs_major_compact(vm->compressor);
}

static void swap_as_needed(struct vm *vm)
{
    struct compressor *c = vm->compressor;
    while (vm_compressor_needs_to_swap(vm) && compressor_swapout(c, 1) > 0)
        ;
    if (vm->env.swap_low && (compressor_swap_low(c) || vm->swap_was_low))
        vm->env.swap_low(vm->env.ctx, vm->swap_was_low = compressor_swap_low(c));
}

void vm_compressor_maintain(struct vm *vm)
{
    if (compaction_due(vm)) {
        const struct compressor_stats *st = compressor_stats(vm->compressor);
        compressor_compact(vm->compressor);
        vm->compactions_at = st->compressions - st->pages;
    }
    if (vm->macos)
        swap_as_needed(vm);
    else
        vm_compressor_is_thrashing(vm);    /* samples as compressor_needs_to_swap does */
}

/* --- thrashing detection (compute_swapout_target_age, vm_compressor_is_thrashing) ---- */

#define EVAL_PERIOD_MS        250u  /* compressor_eval_period_in_msecs */
#define SAMPLE_MIN_MS         500u  /* compressor_sample_min_in_msecs */
#define SAMPLE_MAX_MS       10000u  /* compressor_sample_max_in_msecs */
#define THRASHING_PER_10MS     50u  /* compressor_thrashing_threshold_per_10msecs */
#define THRASHING_MIN_PER_10MS 20u  /* compressor_thrashing_min_per_10msecs */

/* The age under which 95% of the sample's decompressions fall, and the working set
 * that implies (pages a second); false if the ages go past the histogram. */
static bool working_set(const struct compressor_sample *s, uint64_t sample_ms, uint64_t *pages)
{
    uint64_t target = s->decompressions / 100 * 95, total = 0, ws = 0;
    uint32_t age = 0;
    for (; age < COMPRESSOR_SAMPLE_MAX_AGE; age++) {
        total += s->by_age[age];
        ws += (uint64_t)age * s->by_age[age];
        if (total >= target)
            break;
    }
    if (age == COMPRESSOR_SAMPLE_MAX_AGE)
        return false;
    *pages = ws * 1000 / sample_ms;
    return true;
}

/* The age that the oldest 1% of the sample's decompressions reach. */
static uint32_t aging_age(const struct compressor_sample *s)
{
    uint64_t target = s->decompressions / 100, total = s->overage;
    uint32_t age = COMPRESSOR_SAMPLE_MAX_AGE - 1;
    for (; age > 0; age--) {
        total += s->by_age[age];
        if (total >= target)
            break;
    }
    return age;
}

static void judge_sample(struct vm *vm, const struct compressor_sample *s, uint64_t sample_ms,
                         uint64_t now_s)
{
    struct vm_thrashing *t = &vm->thrashing;
    t->target_age_s = 0;
    uint64_t pages;
    if (working_set(s, sample_ms, &pages) && pages < compressor_stats(vm->compressor)->pages)
        t->target_age_s = now_s - aging_age(s);
    t->need_reset = true;
}

static void swapout_target_age(struct vm *vm)
{
    struct vm_thrashing *t = &vm->thrashing;
    const struct compressor_sample *s = compressor_sample(vm->compressor);
    uint64_t now = now_ms(vm), in_sample = now - t->sample_start_ms;
    bool eval_reset = false;
    if (t->need_reset || in_sample >= SAMPLE_MAX_MS) {
        t->need_reset = eval_reset = true;
    } else if (now - t->eval_start_ms >= EVAL_PERIOD_MS) {
        uint64_t in_eval = now - t->eval_start_ms;
        uint64_t min_ops = THRASHING_MIN_PER_10MS * in_eval / 10;
        eval_reset = true;
        if (s->compressions - t->last_eval_compressions < min_ops ||
            s->decompressions - t->last_eval_decompressions < min_ops) {
            t->target_age_s = 0;
            t->need_reset = true;
        } else {
            t->last_eval_compressions = s->compressions;
            t->last_eval_decompressions = s->decompressions;
            if (in_sample >= SAMPLE_MIN_MS && s->decompressions > THRASHING_PER_10MS * in_sample / 10)
                judge_sample(vm, s, in_sample, now_s(vm));
        }
    }
    if (t->need_reset) {
        compressor_sample_reset(vm->compressor);
        t->sample_start_ms = now;
        t->last_eval_compressions = t->last_eval_decompressions = 0;
        t->need_reset = false;
    }
    if (eval_reset)
        t->eval_start_ms = now;
}

bool vm_compressor_is_thrashing(struct vm *vm)
{
    if (!vm->compressor || vm->macos)
        return false;
    swapout_target_age(vm);
    uint64_t oldest;
    if (vm->thrashing.target_age_s && compressor_oldest_segment(vm->compressor, &oldest) &&
        oldest > vm->thrashing.target_age_s)
        vm->thrashing.target_age_s = 0;
    return vm->thrashing.target_age_s != 0;
}

void vm_compressor_thrashing_done(struct vm *vm)
{
    if (vm->thrashing.target_age_s) {
        vm->thrashing.target_age_s = 0;
        vm->thrashing.need_reset = true;
    }
}
