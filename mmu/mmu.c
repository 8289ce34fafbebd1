/* mmu/mmu.c — fault syndromes, the shared MMU state and the translation path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/pmap.h"

#define ESR_EC_IABT_LOWER 0x20u
#define ESR_EC_DABT_LOWER 0x24u
#define ESR_EC_SHIFT      26
#define ESR_IL            (1u << 25)
#define ESR_WNR           (1u << 6)

/* ASIDs are 16 bits; ASID 0 is kept for "no address space". */
#define ASID_WORDS (65536 / 64)

uint32_t mmu_esr(enum mmu_fault_kind kind, int level, vm_prot_t access)
{
    static const uint32_t fsc_base[] = {
        [MMU_FAULT_TRANSLATION] = 0x04,
        [MMU_FAULT_ACCESS_FLAG] = 0x08,
        [MMU_FAULT_PERMISSION] = 0x0c,
    };
    if (kind == MMU_OK || kind > MMU_FAULT_PERMISSION)
        return 0;
    bool fetch = access & VM_PROT_EXECUTE;
    uint32_t esr = (fetch ? ESR_EC_IABT_LOWER : ESR_EC_DABT_LOWER) << ESR_EC_SHIFT;
    esr |= ESR_IL | fsc_base[kind] | ((uint32_t)level & 3);
    /* WnR exists only in the data abort syndrome. */
    if (!fetch && (access & VM_PROT_WRITE))
        esr |= ESR_WNR;
    return esr;
}

const char *mmu_fault_name(enum mmu_fault_kind kind)
{
    switch (kind) {
    case MMU_OK: return "ok";
    case MMU_FAULT_TRANSLATION: return "translation";
    case MMU_FAULT_ACCESS_FLAG: return "access-flag";
    case MMU_FAULT_PERMISSION: return "permission";
    }
    return "unknown";
}

int mmu_init(struct mmu *m, struct phys *p, unsigned tlb_sets, unsigned tlb_ways)
{
    memset(m, 0, sizeof *m);
    if (!p || !p->nframes)
        return -EINVAL;
    int err = tlb_init(&m->tlb, tlb_sets, tlb_ways);
    if (err)
        return err;
    m->phys = p;
    m->pv_head = calloc(p->nframes, sizeof *m->pv_head);
    m->attr = calloc(p->nframes, sizeof *m->attr);
    m->asid_map = calloc(ASID_WORDS, sizeof *m->asid_map);
    if (!m->pv_head || !m->attr || !m->asid_map) {
        mmu_fini(m);
        return -ENOMEM;
    }
    m->asid_map[0] = 1;
    return 0;
}

void mmu_fini(struct mmu *m)
{
    tlb_fini(&m->tlb);
    free(m->pv_head);
    free(m->pv);
    free(m->attr);
    free(m->asid_map);
    memset(m, 0, sizeof *m);
}

static enum mmu_fault_kind fault_out(struct mmu *m, enum mmu_fault_kind k, int level,
                                     uint64_t va, vm_prot_t access, struct mmu_fault *f)
{
    f->va = va;
    f->kind = k;
    f->level = level;
    f->access = access;
    f->esr = mmu_esr(k, level, access);
    m->stats.faults[k]++;
    return k;
}

enum mmu_fault_kind mmu_translate(struct mmu *m, uint64_t va, vm_prot_t access,
                                  struct mmu_xlate *out, struct mmu_fault *fault)
{
    struct pmap *pm = m->current;
    struct tlb_entry te;
    m->stats.translations++;
    if (!pm)
        return fault_out(m, MMU_FAULT_TRANSLATION, 0, va, access, fault);
    /* A hit lacking the right still goes to the tables: they give the fault its
     * level and kind, and refill the entry if they now allow the access. */
    if (tlb_lookup(&m->tlb, pm->asid, va, &te) && (te.prot & access) == access) {
        out->pfn = te.pfn;
        out->prot = te.prot;
    } else {
        m->stats.walks++;
        enum mmu_fault_kind k = pt_walk(m->phys, pm->root, va, access, out, fault);
        if (k != MMU_OK) {
            m->stats.faults[k]++;
            return k;
        }
        tlb_insert(&m->tlb, pm->asid, va, out->pfn, out->prot);
    }
    /* Set on hits too: a host write may have cleared it while the TLB kept the entry. */
    if (out->prot & VM_PROT_EXECUTE)
        m->phys->flags[out->pfn] |= PHYS_F_CODE;
    return MMU_OK;
}
