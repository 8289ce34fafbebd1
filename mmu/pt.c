/* mmu/pt.c — ARMv8-A descriptors (16 KB granule) and the stage-1 EL0 walker.
 *
 * The tables live in guest RAM, which the guest may be able to corrupt, so every
 * frame number read from a descriptor is checked before it is dereferenced. */
#include <string.h>

#include "mmu/pt.h"

/* A frame a descriptor may name: inside RAM and not the reserved frame 0. */
static bool frame_ok(const struct phys *p, pfn_t pfn)
{
    return pfn != 0 && pfn < p->nframes;
}

/* Checked on the full output address: pt_pfn() truncates to 32 bits, which would
 * turn a far-away address into a small, valid-looking frame number. */
static bool desc_ok(const struct phys *p, pt_entry_t e)
{
    uint64_t pfn = (e & PT_ADDR_MASK) >> PAGE_SHIFT;
    return pfn != 0 && pfn < p->nframes;
}

static pt_entry_t *table(const struct phys *p, pfn_t pfn)
{
    return (pt_entry_t *)phys_ptr(p, pfn);
}

pt_entry_t pt_make_table(pfn_t t)
{
    return phys_pa(t) | PT_TYPE | PT_VALID;
}

pt_entry_t pt_make_page(pfn_t pfn, vm_prot_t prot, bool af)
{
    pt_entry_t e = (phys_pa(pfn) & PT_ADDR_MASK) | PT_VALID | PT_TYPE |
                   PT_ATTRIDX(PT_ATTR_NORMAL) | PT_SH_INNER | PT_NG | PT_PXN;
    if (prot & VM_PROT_ALL)
        e |= PT_AP_EL0;
    if (!(prot & VM_PROT_WRITE))
        e |= PT_AP_RO;
    if (!(prot & VM_PROT_EXECUTE))
        e |= PT_UXN;
    if (af)
        e |= PT_AF;
    return e;
}

vm_prot_t pt_page_prot(pt_entry_t e)
{
    if (!(e & PT_AP_EL0))
        return VM_PROT_NONE;
    vm_prot_t prot = VM_PROT_READ;
    if (!(e & PT_AP_RO))
        prot |= VM_PROT_WRITE;
    if (!(e & PT_UXN))
        prot |= VM_PROT_EXECUTE;
    return prot;
}

static enum mmu_fault_kind fail(struct mmu_fault *f, uint64_t va, vm_prot_t access,
                                enum mmu_fault_kind kind, int level)
{
    f->va = va;
    f->kind = kind;
    f->level = level;
    f->access = access;
    f->esr = mmu_esr(kind, level, access);
    return kind;
}

static pt_entry_t read_step(const struct phys *p, pfn_t t, uint64_t va, int level,
                            struct pt_walk_trace *trace)
{
    unsigned i = pt_index(va, level);
    pt_entry_t e = table(p, t)[i];
    if (trace)
        trace->step[trace->nsteps++] = (struct pt_walk_step){ level, t, i, e };
    return e;
}

enum mmu_fault_kind pt_walk_traced(const struct phys *p, pfn_t root, uint64_t va, vm_prot_t access,
                                   struct mmu_xlate *out, struct mmu_fault *fault,
                                   struct pt_walk_trace *trace)
{
    if (trace)
        trace->nsteps = 0;
    /* Bits 63:47 set: outside the TTBR0 range we model; faults at the first level. */
    if (va >= VA_USER_END || !frame_ok(p, root))
        return fail(fault, va, access, MMU_FAULT_TRANSLATION, 0);
    pfn_t t = root;
    for (int level = 0; level < 3; level++) {
        pt_entry_t e = read_step(p, t, va, level, trace);
        /* Block descriptors are never written by the pmap: treat as invalid. */
        if (!pt_is_table(e) || !desc_ok(p, e))
            return fail(fault, va, access, MMU_FAULT_TRANSLATION, level);
        t = pt_pfn(e);
    }
    pt_entry_t e = read_step(p, t, va, 3, trace);
    if (!pt_is_table(e) || !desc_ok(p, e))  /* at L3 "table" means page */
        return fail(fault, va, access, MMU_FAULT_TRANSLATION, 3);
    if (!(e & PT_AF))
        return fail(fault, va, access, MMU_FAULT_ACCESS_FLAG, 3);
    vm_prot_t prot = pt_page_prot(e);
    if ((prot & access) != access || prot == VM_PROT_NONE)
        return fail(fault, va, access, MMU_FAULT_PERMISSION, 3);
    out->pfn = pt_pfn(e);
    out->prot = prot;
    return MMU_OK;
}

enum mmu_fault_kind pt_walk(const struct phys *p, pfn_t root, uint64_t va, vm_prot_t access,
                            struct mmu_xlate *out, struct mmu_fault *fault)
{
    return pt_walk_traced(p, root, va, access, out, fault, NULL);
}

static pfn_t new_table(struct phys *p)
{
    pfn_t t = phys_alloc(p, PHYS_PAGETABLE);
    if (t != PFN_NONE)
        phys_zero(p, t);
    return t;
}

pt_entry_t *pt_lookup(struct phys *p, pfn_t root, uint64_t va, bool alloc, unsigned *new_tables)
{
    return pt_lookup_level(p, root, va, 3, alloc, new_tables);
}

pt_entry_t *pt_lookup_level(struct phys *p, pfn_t root, uint64_t va, int want, bool alloc,
                            unsigned *new_tables)
{
    unsigned made = 0;
    pt_entry_t *slot = NULL;
    if (va >= VA_USER_END || !frame_ok(p, root) || want < 0 || want > 3)
        goto out;
    pfn_t t = root;
    for (int level = 0; level < want; level++) {
        pt_entry_t *e = &table(p, t)[pt_index(va, level)];
        /* Only an invalid slot gets a new table: a corrupted valid one is left alone. */
        if (!(*e & PT_VALID) && alloc) {
            pfn_t nt = new_table(p);
            if (nt == PFN_NONE)
                goto out;
            *e = pt_make_table(nt);
            made++;
        }
        if (!pt_is_table(*e) || !desc_ok(p, *e))
            goto out;
        t = pt_pfn(*e);
    }
    slot = &table(p, t)[pt_index(va, want)];
out:
    if (new_tables)
        *new_tables = made;
    return slot;
}

static unsigned free_level(struct phys *p, pfn_t t, int level)
{
    unsigned n = 0;
    if (level < 3) {
        unsigned entries = level == 0 ? 2 : PT_ENTRIES;
        for (unsigned i = 0; i < entries; i++) {
            pt_entry_t e = table(p, t)[i];
            if (pt_is_table(e) && desc_ok(p, e) && p->use[pt_pfn(e)] == PHYS_PAGETABLE)
                n += free_level(p, pt_pfn(e), level + 1);
        }
    }
    phys_free(p, t);
    return n + 1;
}

unsigned pt_free_tables(struct phys *p, pfn_t root)
{
    if (!frame_ok(p, root))
        return 0;
    return free_level(p, root, 0);
}
