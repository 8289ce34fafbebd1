/* emu/inspect.c — reading the machine: registers, memory as the guest would see it,
 * the table walk, tasks, objects and frames. Nothing here changes the guest or the
 * VM's counters (pages are found by scanning objects, not by the counted lookup). */
#include <stdlib.h>
#include <string.h>
#include "emu/inspect.h"
#include "emu/internal.h"
#include "vm/vm_compressor.h"

/* A task with an address space: pid 0 is the one on the CPU. */
struct task *inspect_live_task(struct emu *emu, int pid)
{
    struct task *t = pid ? thread_by_tid(emu, pid) : emu->task;   /* a thread's id too */
    return t && t->map ? t : NULL;
}

bool inspect_task_exists(struct emu *emu, int pid)
{
    return inspect_live_task(emu, pid) != NULL;
}

/* --- registers ---------------------------------------------------------------- */

/* The CPU numbers x0 to cpsr as GDB does, and so do INSPECT_REG_* (and dbg_reg_write). */
_Static_assert((int)INSPECT_REG_FP == CPU_FP && (int)INSPECT_REG_LR == CPU_LR &&
               (int)INSPECT_REG_SP == CPU_SP && (int)INSPECT_REG_PC == CPU_PC &&
               (int)INSPECT_REG_CPSR == CPU_NZCV, "GDB's register numbers");

static bool reg_exists(int reg)
{
    return reg >= 0 && reg < INSPECT_NREGS;
}

int inspect_reg(struct emu *emu, int pid, int reg, uint64_t *v)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t || !reg_exists(reg))
        return -1;
    if (t == emu->task)
        *v = cpu_reg(emu, (enum cpu_reg)reg);
    else
        *v = cpu_context_reg(t->ctx, (enum cpu_reg)reg);
    if (reg == INSPECT_REG_CPSR)
        *v &= 0xffffffffu;
    return 0;
}

_Static_assert((int)INSPECT_REG_CPSR + 1 == CPU_FPSR && CPU_FPSR + 1 == CPU_FPCR,
              "fpsr and fpcr follow cpsr in the CPU's numbering");

int inspect_reg_bytes(struct emu *emu, int pid, int reg, uint8_t buf[16])
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t || reg < 0 || reg >= INSPECT_NREGS_ALL)
        return -1;
    const struct cpu_context *c = t == emu->task ? NULL : t->ctx;
    if (reg >= INSPECT_REG_V0 && reg < INSPECT_REG_FPSR) {
        cpu_vreg(emu, c, reg - INSPECT_REG_V0, buf);
        return 16;
    }
    enum cpu_reg r = reg < INSPECT_NREGS ? (enum cpu_reg)reg
                   : reg == INSPECT_REG_FPSR ? CPU_FPSR : CPU_FPCR;
    uint64_t v = c ? cpu_context_reg(c, r) : cpu_reg(emu, r);
    int n = reg < INSPECT_REG_CPSR ? 8 : 4;
    for (int i = 0; i < n; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
    return n;
}

/* --- memory ------------------------------------------------------------------- */

const char *inspect_mem_name(enum inspect_mem m)
{
    static const char *const names[] = {
        "mapped", "resident in its object but not in the page tables",
        "not resident: in the compressor; the first touch decompresses it",
        "not resident: the first touch zero-fills it",
        "not resident: the first touch reads it from the file",
        "past the end of the mapped file", "unmapped", "no such task",
    };
    return (unsigned)m < sizeof names / sizeof *names ? names[m] : "?";
}

static struct vm_page *resident_in(struct vm_object *obj, uint64_t offset)
{
    for (struct vm_page *pg = obj->memq; pg; pg = pg->listq_next)
        if (pg->offset == offset)
            return pg;
    return NULL;
}

static const uint8_t *frame_bytes(struct emu *emu, pfn_t pfn)
{
    return pfn && pfn < emu->phys.nframes ? phys_ptr(&emu->phys, pfn) : NULL;
}

/* The compressed page at (obj, offset) decoded into scratch, or NULL. */
static const uint8_t *compressed_view(struct emu *emu, struct vm_object *obj, uint64_t offset,
                                      uint8_t *scratch)
{
    compressor_handle_t *slot = vm_object_slot(obj, offset, false);
    return slot && compressor_inspect(emu->vm.compressor, *slot, scratch) == 0 ? scratch : NULL;
}

/* The page at va as the guest would read it, in place or in scratch; NULL if it
 * cannot be read. Walks the shadow chain as vm_fault would, without its effects. */
static const uint8_t *page_view(struct emu *emu, struct task *t, uint64_t va, uint8_t *scratch,
                                enum inspect_mem *state)
{
    pt_entry_t e = pmap_pte(t->map->pmap, va);
    if (pt_is_table(e) && frame_bytes(emu, pt_pfn(e))) {
        *state = INSPECT_MEM_MAPPED;
        return frame_bytes(emu, pt_pfn(e));
    }
    struct vm_map_entry *ent;
    if (!vm_map_lookup_entry(t->map, va, &ent)) {
        *state = INSPECT_MEM_UNMAPPED;
        return NULL;
    }
    uint64_t off = ent->offset + (trunc_page(va) - ent->start);
    for (struct vm_object *obj = ent->object; obj; obj = obj->shadow) {
        struct vm_page *pg = resident_in(obj, off);
        if (pg) {
            *state = INSPECT_MEM_IN_OBJECT;
            return frame_bytes(emu, vm_page_pfn(&emu->vm, pg));
        }
        if (vm_object_compressed_at(obj, off)) {
            *state = INSPECT_MEM_COMPRESSED;
            return compressed_view(emu, obj, off, scratch);
        }
        if (obj->vnode) {
            bool eof = off >= round_page(obj->vnode->size);
            *state = eof ? INSPECT_MEM_PAST_EOF : INSPECT_MEM_IN_FILE;
            return !eof && vnode_pagein(obj->vnode, off, scratch) == 0 ? scratch : NULL;
        }
        off += obj->shadow_offset;
    }
    *state = INSPECT_MEM_ZERO_FILL;
    memset(scratch, 0, PAGE_SIZE);
    return scratch;
}

pfn_t inspect_frame_of(struct emu *emu, int pid, uint64_t va)
{
    struct task *t = inspect_live_task(emu, pid);
    struct vm_map_entry *ent;
    if (!t || va >= VA_USER_END)
        return PFN_NONE;
    pt_entry_t e = pmap_pte(t->map->pmap, va);
    if (pt_is_table(e) && frame_bytes(emu, pt_pfn(e)))
        return pt_pfn(e);
    if (!vm_map_lookup_entry(t->map, va, &ent))
        return PFN_NONE;
    uint64_t off = ent->offset + (trunc_page(va) - ent->start);
    for (struct vm_object *obj = ent->object; obj; off += obj->shadow_offset, obj = obj->shadow) {
        struct vm_page *pg = resident_in(obj, off);
        if (pg)
            return vm_page_pfn(&emu->vm, pg);
        if (vm_object_compressed_at(obj, off) || obj->vnode)
            return PFN_NONE;
    }
    return PFN_NONE;
}

enum inspect_mem inspect_page_state(struct emu *emu, int pid, uint64_t va)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t)
        return INSPECT_MEM_NO_TASK;
    if (va >= VA_USER_END)
        return INSPECT_MEM_UNMAPPED;
    uint8_t *scratch = malloc(PAGE_SIZE);
    enum inspect_mem state = INSPECT_MEM_UNMAPPED;
    if (scratch)
        page_view(emu, t, va, scratch, &state);
    free(scratch);
    return state;
}

size_t inspect_read(struct emu *emu, int pid, uint64_t va, void *buf, size_t len)
{
    struct task *t = inspect_live_task(emu, pid);
    uint8_t *scratch = NULL;
    size_t done = 0;
    while (t && done < len) {
        uint64_t at = va + done;
        enum inspect_mem state;
        if (at < va || at >= VA_USER_END)
            break;
        /* a mapped page needs no scratch: a watchpoint reads one before every instruction */
        pt_entry_t e = pmap_pte(t->map->pmap, at);
        const uint8_t *page = pt_is_table(e) ? frame_bytes(emu, pt_pfn(e)) : NULL;
        if (!page && !scratch && !(scratch = malloc(PAGE_SIZE)))
            break;
        if (!page)
            page = page_view(emu, t, at, scratch, &state);
        if (!page)
            break;
        size_t n = PAGE_SIZE - (at & PAGE_MASK);
        if (n > len - done)
            n = len - done;
        memcpy((uint8_t *)buf + done, page + (at & PAGE_MASK), n);
        done += n;
    }
    free(scratch);
    return done;
}

/* --- translation ----------------------------------------------------------------- */

int inspect_walk(struct emu *emu, int pid, uint64_t va, vm_prot_t access, struct inspect_walk *w)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t)
        return -1;
    memset(w, 0, sizeof *w);
    w->pid = t->pid;
    w->asid = t->map->pmap->asid;
    w->root = t->map->pmap->root;
    w->result = pt_walk_traced(&emu->phys, w->root, va, access, &w->x, &w->fault, &w->trace);
    return 0;
}

const struct tlb *inspect_tlb(struct emu *emu)
{
    return &emu->mmu.tlb;
}

const struct mmu_stats *inspect_mmu_stats(struct emu *emu)
{
    return &emu->mmu.stats;
}

int inspect_pid_of_asid(struct emu *emu, asid_t asid)
{
    for (struct task *t = emu->tasks; t; t = t->next)
        if (t->map && t->map->pmap->asid == asid)
            return t->pid;
    return 0;
}

static int pid_of_pmap(struct emu *emu, const struct pmap *pm)
{
    for (struct task *t = emu->tasks; t; t = t->next)
        if (t->map && t->map->pmap == pm)
            return t->pid;
    return 0;
}

/* --- tasks ---------------------------------------------------------------------- */

const char *inspect_state_name(struct emu *emu, const struct task *t)
{
    if (t == emu->task && t->state == TASK_RUNNABLE)
        return "running";
    switch (t->state) {
    case TASK_RUNNABLE: return "runnable";
    case TASK_BLOCKED_IO: return "blocked-io";
    case TASK_BLOCKED_WAIT: return "blocked-wait";
    case TASK_ZOMBIE: return "exited";
    case TASK_THREAD_EXITED: return "thread-exited";
    }
    return "?";
}

int inspect_tasks(struct emu *emu, struct inspect_task *out, int max)
{
    int n = 0;
    for (struct task *t = emu->tasks; t; t = t->next, n++) {
        if (n >= max)
            continue;
        struct inspect_task *d = &out[n];
        *d = (struct inspect_task){ .pid = t->pid, .ppid = t->ppid, .name = t->name ? t->name : "?",
                                .exe = t->exe ? t->exe : "?", .state = inspect_state_name(emu, t),
                                .on_cpu = t == emu->task, .kernel = t->kmem.n };
        if (t->map) {
            inspect_reg(emu, t->pid, INSPECT_REG_PC, &d->pc);
            d->asid = t->map->pmap->asid;
            d->resident = vm_map_resident(t->map);
            d->compressed = t->map->pmap->compressed;
            d->mapped = t->map->size;
            d->entries = t->map->nentries;
            d->tables = t->map->pmap->tables;
        }
    }
    return n;
}

/* --- objects -------------------------------------------------------------------- */

static int chain_from(struct vm_object *obj, struct inspect_object *out, int max)
{
    int n = 0;
    for (; obj; obj = obj->shadow, n++)
        if (n < max)
            out[n] = (struct inspect_object){
                .id = obj->id, .ref_count = obj->ref_count, .size = obj->size,
                .resident = obj->resident, .compressed = obj->compressed,
                .shadow_offset = obj->shadow ? obj->shadow_offset : 0,
                .pager = obj->vnode ? obj->vnode->path : NULL };
    return n;
}

int inspect_object_chain_at(struct emu *emu, int pid, uint64_t va, struct inspect_object *out,
                            int max, uint64_t *offset, const char **entry_tag)
{
    struct task *t = inspect_live_task(emu, pid);
    struct vm_map_entry *e;
    if (!t || !vm_map_lookup_entry(t->map, va, &e))
        return -1;
    *offset = e->offset + (trunc_page(va) - e->start);
    *entry_tag = e->tag ? e->tag : "anonymous";
    return chain_from(e->object, out, max);
}

static struct vm_object *object_by_id(struct emu *emu, uint32_t id)
{
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (!t->map)
            continue;
        for (struct vm_map_entry *e = t->map->header.next; e != &t->map->header; e = e->next)
            for (struct vm_object *o = e->object; o; o = o->shadow)
                if (o->id == id)
                    return o;
    }
    return NULL;
}

int inspect_object_chain(struct emu *emu, uint32_t id, struct inspect_object *out, int max)
{
    struct vm_object *obj = object_by_id(emu, id);
    return obj ? chain_from(obj, out, max) : -1;
}

static int by_offset(const void *a, const void *b)
{
    const struct inspect_object_page *x = a, *y = b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

size_t inspect_object_pages(struct emu *emu, uint32_t id, struct inspect_object_page *out,
                            size_t max)
{
    struct vm_object *obj = object_by_id(emu, id);
    if (!obj)
        return 0;
    struct inspect_object_page *all = malloc((obj->resident + 1) * sizeof *all);
    size_t n = 0;
    for (struct vm_page *pg = obj->memq; all && pg && n < obj->resident; pg = pg->listq_next)
        all[n++] = (struct inspect_object_page){ pg->offset, vm_page_pfn(&emu->vm, pg) };
    if (all)
        qsort(all, n, sizeof *all, by_offset);
    if (all)
        memcpy(out, all, (n < max ? n : max) * sizeof *out);
    free(all);
    return all ? n : 0;
}

size_t inspect_object_compressed(struct emu *emu, uint32_t id, uint64_t *out, size_t max)
{
    struct vm_object *obj = object_by_id(emu, id);
    size_t n = 0;
    for (uint64_t off = 0; obj && n < obj->compressed && off < obj->size; off += PAGE_SIZE)
        if (vm_object_compressed_at(obj, off)) {
            if (n < max)
                out[n] = off;
            n++;
        }
    return n;
}

/* --- frames ---------------------------------------------------------------------- */

static const char *queue_name(unsigned q)
{
    static const char *const names[] = {
        [VM_PAGE_NOT_ON_Q] = "none", [VM_PAGE_Q_ACTIVE] = "active",
        [VM_PAGE_Q_INACTIVE_INTERNAL] = "inactive-internal",
        [VM_PAGE_Q_INACTIVE_EXTERNAL] = "inactive-external",
        [VM_PAGE_Q_SPECULATIVE] = "speculative", [VM_PAGE_Q_THROTTLED] = "throttled",
        [VM_PAGE_Q_WIRED] = "wired",
    };
    return q < sizeof names / sizeof *names && names[q] ? names[q] : "other";
}

uint8_t inspect_frame_attr(struct emu *emu, pfn_t pfn)
{
    return emu->phys.use[pfn] == PHYS_VM ? emu->mmu.attr[pfn] : 0;
}

int inspect_frame(struct emu *emu, pfn_t pfn, struct inspect_frame *out)
{
    if (pfn >= emu->phys.nframes)
        return -1;
    unsigned use = emu->phys.use[pfn];
    uint8_t attr = inspect_frame_attr(emu, pfn);
    *out = (struct inspect_frame){ .pfn = pfn, .use = phys_use_name(use),
                               .code = emu->phys.flags[pfn] & PHYS_F_CODE,
                               .referenced = attr & PMAP_ATTR_REFERENCED,
                               .modified = attr & PMAP_ATTR_MODIFIED, .queue = "none" };
    if (use == PHYS_VM) {
        const struct vm_page *pg = &emu->vm.pages[pfn];
        out->object = pg->object ? pg->object->id : 0;
        out->offset = pg->offset;
        out->queue = queue_name(pg->queue);
        out->wire_count = pg->wire_count;
        out->flags = pg->flags;
    }
    if (use == PHYS_COMPRESSOR && emu->vm.compressor)
        out->in_segment = compressor_frame_info(emu->vm.compressor, phys_ptr(&emu->phys, pfn),
                                                &out->segment) == 0;
    for (uint32_t i = emu->mmu.pv_head[pfn]; i; i = emu->mmu.pv[i].next)
        out->mappings++;
    return 0;
}

int inspect_frame_mappings(struct emu *emu, pfn_t pfn, struct inspect_mapping *out, int max)
{
    int n = 0;
    if (pfn >= emu->phys.nframes)
        return 0;
    for (uint32_t i = emu->mmu.pv_head[pfn]; i; i = emu->mmu.pv[i].next, n++) {
        const struct pv_entry *pv = &emu->mmu.pv[i];
        if (n < max)
            out[n] = (struct inspect_mapping){ pid_of_pmap(emu, pv->pmap), pv->va,
                                           pmap_pte(pv->pmap, pv->va) };
    }
    return n;
}
