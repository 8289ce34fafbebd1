/* emu/inspect_bulk.c — the whole machine at once, for viewers: the state and owner of
 * every frame, the VM counters, a task's memory, its map entries and the state of
 * each page of a range. Reads only, like the rest of emu/inspect.h:
 * pages are found by scanning objects (no counted lookups), tables by reading them. */
#include <stdlib.h>
#include <string.h>
#include "emu/inspect.h"
#include "emu/internal.h"
#include "vm/vm_compressor.h"
#include "vm/vm_shared_region.h"

/* --- frames --------------------------------------------------------------------- */

static void set_owner(struct inspect_frame_state *fs, int pid)
{
    if (!fs->owner)
        fs->owner = pid;
    else if (fs->owner != pid)
        fs->flags |= INSPECT_FS_SHARED;
}

static uint8_t page_flags(const struct vm_page *pg)
{
    uint8_t f = 0;
    if (pg->object && !vm_object_internal(pg->object))
        f |= INSPECT_FS_FILE;
    if (pg->object && pg->object->purgable == VM_PURGABLE_VOLATILE)
        f |= INSPECT_FS_VOLATILE;
    return f;
}

static struct inspect_frame_state frame_state(struct emu *emu, pfn_t pfn)
{
    struct inspect_frame_state fs = { .use = emu->phys.use[pfn], .queue = VM_PAGE_NOT_ON_Q };
    if (fs.use == PHYS_VM) {
        fs.queue = emu->vm.pages[pfn].queue;
        fs.flags = page_flags(&emu->vm.pages[pfn]);
    }
    uint8_t attr = inspect_frame_attr(emu, pfn);
    if (attr & PMAP_ATTR_REFERENCED)
        fs.flags |= INSPECT_FS_REFERENCED;
    if (attr & PMAP_ATTR_MODIFIED)
        fs.flags |= INSPECT_FS_MODIFIED;
    if (emu->phys.flags[pfn] & PHYS_F_CODE)
        fs.flags |= INSPECT_FS_CODE;
    return fs;
}

int inspect_frame_state(struct emu *emu, pfn_t pfn, struct inspect_frame_state *out)
{
    if (pfn >= emu->phys.nframes)
        return -1;
    *out = frame_state(emu, pfn);
    return 0;
}

/* Marks the table frames of one pmap's tree, from `table` at `level` down. */
static void own_tables(struct emu *emu, pfn_t table, int level, int pid,
                       struct inspect_frame_state *out, uint32_t n)
{
    if (table >= n || emu->phys.use[table] != PHYS_PAGETABLE)
        return;
    set_owner(&out[table], pid);
    if (level == PT_LEVELS - 1)
        return;
    const pt_entry_t *e = phys_ptr(&emu->phys, table);
    unsigned entries = level == 0 ? 2 : PT_ENTRIES;
    for (unsigned i = 0; i < entries; i++)
        if (pt_is_table(e[i]))
            own_tables(emu, pt_pfn(e[i]), level + 1, pid, out, n);
}

static void own_pages(struct emu *emu, const struct vm_map *map, int pid,
                      struct inspect_frame_state *out, uint32_t n)
{
    for (const struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next)
        for (const struct vm_object *o = e->object; o; o = o->shadow)
            for (const struct vm_page *pg = o->memq; pg; pg = pg->listq_next) {
                pfn_t pfn = vm_page_pfn(&emu->vm, pg);
                if (pfn < n)
                    set_owner(&out[pfn], pid);
            }
}

/* The shared region's pages and nested tables are every task's at once: shared, even
 * while no task or a single one maps them. */
static void share_tables(struct emu *emu, pfn_t table, int level, struct inspect_frame_state *out,
                         uint32_t n)
{
    if (table >= n || emu->phys.use[table] != PHYS_PAGETABLE)
        return;
    out[table].flags |= INSPECT_FS_SHARED;
    const pt_entry_t *e = phys_ptr(&emu->phys, table);
    unsigned entries = level == 0 ? 2 : PT_ENTRIES;
    for (unsigned i = 0; level < PT_LEVELS - 1 && i < entries; i++)
        if (pt_is_table(e[i]))
            share_tables(emu, pt_pfn(e[i]), level + 1, out, n);
}

static void share_region(struct emu *emu, struct inspect_frame_state *out, uint32_t n)
{
    const struct vm_shared_region *sr = emu->shared_region;
    if (!sr)
        return;
    for (const struct vm_page *pg = sr->object->memq; pg; pg = pg->listq_next) {
        pfn_t pfn = vm_page_pfn(&emu->vm, pg);
        if (pfn < n)
            out[pfn].flags |= INSPECT_FS_SHARED;
    }
    share_tables(emu, sr->pmap->root, 0, out, n);
}

uint32_t inspect_frame_states(struct emu *emu, struct inspect_frame_state *out, uint32_t max)
{
    uint32_t n = emu->phys.nframes < max ? emu->phys.nframes : max;
    for (pfn_t pfn = 0; pfn < n; pfn++)
        out[pfn] = frame_state(emu, pfn);
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (!t->map)
            continue;
        own_pages(emu, t->map, t->pid, out, n);
        own_tables(emu, t->map->pmap->root, 0, t->pid, out, n);
        for (uint32_t i = 0; i < t->kmem.n; i++)
            if (t->kmem.frames[i] < n)
                set_owner(&out[t->kmem.frames[i]], t->pid);
    }
    share_region(emu, out, n);
    return emu->phys.nframes;
}

/* --- counters and tasks ------------------------------------------------------------ */

static void compressor_counters(struct emu *emu, struct inspect_vm *out)
{
    const struct compressor *c = emu->vm.compressor;
    const struct compressor_stats *cs = compressor_stats(c);
    out->compressor = true;
    out->compressor_pages = cs->pages;
    out->compressor_frames = (uint32_t)cs->frames;
    out->compressed_bytes = cs->bytes_stored;
    out->compressions = cs->compressions;
    out->decompressions = cs->decompressions;
    out->swap = emu->opt.platform == EMU_PLATFORM_MACOS;
    out->swapouts = cs->swapouts;
    out->swapins = cs->swapins;
    out->segments_swapped = cs->segments_swapped;
    out->pages_swapped = cs->pages_swapped;
    out->low_on_space = compressor_low_on_space(c);
    out->full = emu->vm.compressor_full;
    out->codec = compressor_codec_name(emu->opt.codec);
}

void inspect_vm_counters(struct emu *emu, struct inspect_vm *out)
{
    *out = (struct inspect_vm){ .stats = emu->vm.stats, .targets = emu->vm.targets,
                            .inactive_target = vm_pageout_inactive_target(&emu->vm),
                            .codec = "none" };
    vm_page_counts(&emu->vm, &out->pages);
    if (emu->vm.compressor)
        compressor_counters(emu, out);
}

int inspect_task_memory(struct emu *emu, int pid, struct inspect_task_memory *out)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t)
        return -1;
    *out = (struct inspect_task_memory){ .compressed = t->map->pmap->compressed };
    vm_map_usage(t->map, &out->usage);
    return 0;
}

int inspect_regions(struct emu *emu, int pid, struct vm_region_info *out, int max)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t)
        return -1;
    int n = 0;
    struct vm_region_info info;
    for (uint64_t addr = 0; vm_map_region(t->map, &addr, &info) == KERN_SUCCESS; addr = info.end)
        if (n++ < max)
            out[n - 1] = info;
    return n;
}

/* --- the pages of a range ------------------------------------------------------------- */

struct range { uint64_t va; size_t npages; uint8_t *st; };

/* What an untouched page of the entry at `va` would become on its first touch. */
static uint8_t absent_state(const struct vm_map_entry *e, uint64_t va)
{
    uint64_t off = e->offset + (va - e->start);
    for (const struct vm_object *o = e->object; o; off += o->shadow_offset, o = o->shadow)
        if (o->vnode)
            return off >= round_page(o->vnode->size) ? INSPECT_MEM_PAST_EOF : INSPECT_MEM_IN_FILE;
    return INSPECT_MEM_ZERO_FILL;
}

/* The pages of the range seen through an entry's chain. */
struct chain_view {
    const struct vm_map_entry *e;
    const struct range *r;
    uint64_t lo, hi;               /* the part of the range the entry covers */
};

/* A page some object of the chain has, resident or compressed: the first object
 * (from the top) that has it decides what the guest sees, the ones below cannot. */
static bool decided(uint8_t state)
{
    return state == INSPECT_MEM_MAPPED || state == INSPECT_MEM_IN_OBJECT ||
           state == INSPECT_MEM_COMPRESSED;
}

/* The range's state for offset `top` of the entry's top object, or NULL if outside. */
static uint8_t *state_at(const struct chain_view *cv, uint64_t top, uint64_t *va)
{
    const struct vm_map_entry *e = cv->e;
    if (top < e->offset || top - e->offset >= e->end - e->start)
        return NULL;
    *va = e->start + (top - e->offset);
    if (*va < cv->lo || *va >= cv->hi)
        return NULL;
    return &cv->r->st[(*va - cv->r->va) >> PAGE_SHIFT];
}

static void mark_resident(struct emu *emu, struct task *t, const struct chain_view *cv,
                          const struct vm_object *o, uint64_t delta)
{
    for (const struct vm_page *pg = o->memq; pg; pg = pg->listq_next) {
        uint64_t va;
        uint8_t *s = pg->offset < delta ? NULL : state_at(cv, pg->offset - delta, &va);
        if (!s || decided(*s))
            continue;
        pt_entry_t pte = pmap_pte(t->map->pmap, va);
        bool mapped = pt_is_table(pte) && pt_pfn(pte) == vm_page_pfn(&emu->vm, pg);
        *s = mapped ? INSPECT_MEM_MAPPED : INSPECT_MEM_IN_OBJECT;
    }
}

static void mark_compressed(const struct chain_view *cv, struct vm_object *o, uint64_t delta)
{
    for (uint64_t va = cv->lo; o->compressed && va < cv->hi; va += PAGE_SIZE) {
        uint8_t *s = &cv->r->st[(va - cv->r->va) >> PAGE_SHIFT];
        if (!decided(*s) && vm_object_compressed_at(o, cv->e->offset + (va - cv->e->start) + delta))
            *s = INSPECT_MEM_COMPRESSED;
    }
}

static void entry_states(struct emu *emu, struct task *t, const struct vm_map_entry *e,
                         const struct range *r)
{
    uint64_t end = r->va + (r->npages << PAGE_SHIFT);
    struct chain_view cv = { e, r, e->start > r->va ? e->start : r->va, e->end < end ? e->end : end };
    for (uint64_t va = cv.lo; va < cv.hi; va += PAGE_SIZE)
        r->st[(va - r->va) >> PAGE_SHIFT] = absent_state(e, va);
    uint64_t delta = 0;            /* offset in this object minus offset in the top one */
    for (struct vm_object *o = e->object; o; delta += o->shadow_offset, o = o->shadow) {
        mark_resident(emu, t, &cv, o, delta);
        mark_compressed(&cv, o, delta);
    }
}

size_t inspect_page_states(struct emu *emu, int pid, uint64_t va, size_t npages, uint8_t *out)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t || (va & PAGE_MASK) || va >= VA_USER_END)
        return 0;
    if (npages > (VA_USER_END - va) >> PAGE_SHIFT)
        npages = (VA_USER_END - va) >> PAGE_SHIFT;
    memset(out, INSPECT_MEM_UNMAPPED, npages);
    struct range r = { va, npages, out };
    uint64_t end = va + (npages << PAGE_SHIFT);
    struct vm_map_entry *e;
    if (!vm_map_lookup_entry(t->map, va, &e))
        e = e->next;
    for (; e != &t->map->header && e->start < end; e = e->next)
        entry_states(emu, t, e, &r);
    return npages;
}
