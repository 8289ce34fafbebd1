/* mmu/pmap.c — address spaces: tables, ASIDs, the reverse map and ref/mod emulation.
 *
 * Invariants kept here:
 *  - every valid L3 descriptor of every pmap has exactly one pv entry on the list
 *    of its frame, and nothing else is on those lists;
 *  - a mapping the VM allows to write is either writable or RO with PT_SW_WRITEABLE,
 *    never both, so its logical rights are pt_page_prot() plus that bit;
 *  - whenever a descriptor changes or goes away, its TLB entry is invalidated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/invariant.h"
#include "mmu/pmap.h"

#define PV_INITIAL 64
#define ASID_COUNT 65536
/* A range operation touching more pages than this flushes its ASID once rather
 * than page by page: each flush that drops something costs a CPU TLB flush. */
#define RANGE_TLBI_MAX 32

static _Noreturn void pmap_panic(const char *what, uint64_t x)
{
    fprintf(stderr, "pmap: %s (0x%llx)\n", what, (unsigned long long)x);
    abort();
}

static void check_frame(const struct mmu *m, pfn_t pfn)
{
    if (pfn == 0 || pfn >= m->phys->nframes)
        pmap_panic("frame out of range", pfn);
}

/* --- ASIDs -------------------------------------------------------------- */

static int asid_alloc(struct mmu *m)
{
    for (unsigned w = 0; w < ASID_COUNT / 64; w++) {
        if (m->asid_map[w] == ~0ull)
            continue;
        unsigned bit = (unsigned)__builtin_ctzll(~m->asid_map[w]);
        m->asid_map[w] |= 1ull << bit;
        return (int)(w * 64 + bit);
    }
    return -1;
}

static void asid_free(struct mmu *m, asid_t asid)
{
    m->asid_map[asid / 64] &= ~(1ull << (asid % 64));
}

/* --- the reverse map ---------------------------------------------------- */

/* Makes sure pv_add cannot fail; 0 or -ENOMEM. */
static int pv_reserve(struct mmu *m)
{
    if (m->pv_free)
        return 0;
    uint32_t old = m->pv_cap, cap = old ? old * 2 : PV_INITIAL;
    if (cap <= old)
        return -ENOMEM;
    struct pv_entry *pv = realloc(m->pv, (size_t)cap * sizeof *pv);
    if (!pv)
        return -ENOMEM;
    memset(pv + old, 0, (size_t)(cap - old) * sizeof *pv);
    /* Pushed high to low, so the lowest new index is used first. */
    for (uint32_t i = cap - 1; i >= (old ? old : 1); i--) {
        pv[i].next = m->pv_free;
        m->pv_free = i;
    }
    m->pv = pv;
    m->pv_cap = cap;
    return 0;
}

static bool pv_find(const struct mmu *m, pfn_t pfn, const struct pmap *pm, uint64_t va)
{
    for (uint32_t i = m->pv_head[pfn]; i; i = m->pv[i].next)
        if (m->pv[i].pmap == pm && m->pv[i].va == va)
            return true;
    return false;
}

static void pv_add(struct mmu *m, pfn_t pfn, struct pmap *pm, uint64_t va)
{
    PMAP_ASSERT(m->pv_free != 0 && !pv_find(m, pfn, pm, va));
    uint32_t i = m->pv_free;
    m->pv_free = m->pv[i].next;
    m->pv[i] = (struct pv_entry){ .pmap = pm, .va = va, .next = m->pv_head[pfn] };
    m->pv_head[pfn] = i;
}

static void pv_del(struct mmu *m, pfn_t pfn, struct pmap *pm, uint64_t va)
{
    for (uint32_t *link = &m->pv_head[pfn]; *link; link = &m->pv[*link].next) {
        uint32_t i = *link;
        if (m->pv[i].pmap == pm && m->pv[i].va == va) {
            *link = m->pv[i].next;
            m->pv[i] = (struct pv_entry){ .next = m->pv_free };
            m->pv_free = i;
            return;
        }
    }
    pmap_panic("mapping missing from the reverse map", va);
}

/* --- descriptors -------------------------------------------------------- */

static bool pte_valid(pt_entry_t e) { return pt_is_table(e); } /* L3: a page */

static vm_prot_t pte_rights(pt_entry_t e)
{
    return pt_page_prot(e) | (e & PT_SW_WRITEABLE ? VM_PROT_WRITE : 0);
}

static pt_entry_t pte_lower(pt_entry_t e, vm_prot_t prot)
{
    if (!(prot & VM_PROT_WRITE))
        e = (e | PT_AP_RO) & ~PT_SW_WRITEABLE;
    if (!(prot & VM_PROT_EXECUTE))
        e |= PT_UXN;
    return e;
}

static pt_entry_t *pte_of(struct pmap *pm, uint64_t va)
{
    return pt_lookup(pm->mmu->phys, pm->root, trunc_page(va), false, NULL);
}

/* The descriptor a pv entry stands for; the two must agree. */
static pt_entry_t *pv_pte(const struct pv_entry *pv, pfn_t pfn)
{
    pt_entry_t *pte = pte_of(pv->pmap, pv->va);
    if (!pte || !pte_valid(*pte) || pt_pfn(*pte) != pfn)
        pmap_panic("reverse map out of sync", pv->va);
    return pte;
}

static bool fetchable(pt_entry_t e)
{
    return (e & (PT_VALID | PT_AF)) == (PT_VALID | PT_AF) && !(e & PT_UXN);
}

/* The CPU runs code it translated without fetching through the TLB again, where
 * hardware fetches through it at every instruction. When the mapping code was fetched
 * through loses its access flag or goes, that code is dropped so that the next fetch
 * faults as on hardware: a hot code page stays referenced, and a stop of the CPU
 * (which always fetches afresh) changes nothing the VM sees. */
static void fetch_mapping_changed(struct mmu *m, pt_entry_t old, pt_entry_t e)
{
    if (fetchable(old) && !fetchable(e))
        phys_forget_code(m->phys, pt_pfn(old));
}

/* A nested pmap's translations are cached under the ASIDs of those that nest it. */
static void invalidate_va(struct pmap *pm, uint64_t va)
{
    if (pm->is_nested)
        tlb_invalidate_va_all(&pm->mmu->tlb, va);
    else
        tlb_invalidate_va(&pm->mmu->tlb, pm->asid, va);
}

static void invalidate_pmap(struct pmap *pm)
{
    if (pm->is_nested)
        tlb_invalidate_all(&pm->mmu->tlb);
    else
        tlb_invalidate_asid(&pm->mmu->tlb, pm->asid);
}

static bool in_nested(const struct pmap *pm, uint64_t va)
{
    return pm->nested && va >= pm->nested_start && va < pm->nested_end;
}

static void set_pte(struct pmap *pm, uint64_t va, pt_entry_t *pte, pt_entry_t e)
{
    if (*pte == e)
        return;
    fetch_mapping_changed(pm->mmu, *pte, e);
    *pte = e;
    invalidate_va(pm, va);
}

/* Drops one mapping, leaving `left` (0 or PT_COMPRESSED); the caller invalidates
 * the TLB. */
static void unmap_pte(struct pmap *pm, uint64_t va, pt_entry_t *pte, pt_entry_t left)
{
    pt_entry_t e = *pte;
    fetch_mapping_changed(pm->mmu, e, left);
    *pte = left;
    if (left) {
        pm->compressed_lifetime++;
        if (++pm->compressed > pm->compressed_peak)
            pm->compressed_peak = pm->compressed;
    }
    pv_del(pm->mmu, pt_pfn(e), pm, va);
    PMAP_ASSERT(pm->resident > 0);
    PMAP_ASSERT(!(e & PT_SW_WIRED) || pm->wired > 0);
    PMAP_ASSERT(!(e & PT_SW_INTERNAL) || pm->internal > 0);
    pm->resident--;
    if (e & PT_SW_WIRED)
        pm->wired--;
    if (e & PT_SW_INTERNAL)
        pm->internal--;
}

/* --- ranges ------------------------------------------------------------- */

/* Returns true if it changed or removed the descriptor. */
typedef bool (*pte_fn)(struct pmap *pm, uint64_t va, pt_entry_t *pte, void *arg);

static uint64_t level_span(int level)
{
    return 1ull << (PAGE_SHIFT + 11 * (3 - level));
}

/* The L3 table covering va; NULL if a table is missing, and *span is then the
 * size of the hole around va (the region the missing entry would have mapped). */
static pt_entry_t *l3_table(struct pmap *pm, uint64_t va, uint64_t *span)
{
    const struct phys *p = pm->mmu->phys;
    pfn_t t = pm->root;
    for (int level = 0; level < 3; level++) {
        pt_entry_t e = ((pt_entry_t *)phys_ptr(p, t))[pt_index(va, level)];
        uint64_t next = (e & PT_ADDR_MASK) >> PAGE_SHIFT;
        if (!pt_is_table(e) || next == 0 || next >= p->nframes) {
            *span = level_span(level);
            return NULL;
        }
        t = pt_pfn(e);
    }
    *span = level_span(2);
    return phys_ptr(p, t);
}

/* Calls fn on the valid descriptors of [start, end), and on compressed markers too
 * if `markers`. */
static void for_each_pte(struct pmap *pm, uint64_t start, uint64_t end, pte_fn fn, void *arg,
                         bool markers)
{
    if (end > VA_USER_END)
        end = VA_USER_END;
    start = trunc_page(start);
    if (start >= end)
        return;
    bool per_page = (end - start) / PAGE_SIZE <= RANGE_TLBI_MAX;
    unsigned changed = 0;
    for (uint64_t va = start; va < end;) {
        if (in_nested(pm, va)) {   /* the subordinate's: not this pmap's to change */
            va = pm->nested_end;
            continue;
        }
        uint64_t span;
        pt_entry_t *l3 = l3_table(pm, va, &span);
        uint64_t next = (va & ~(span - 1)) + span;
        for (; l3 && va < end && va < next; va += PAGE_SIZE) {
            pt_entry_t *pte = &l3[pt_index(va, 3)];
            bool visit = pte_valid(*pte) || (markers && pt_is_compressed(*pte));
            if (!visit || !fn(pm, va, pte, arg))
                continue;
            if (per_page)
                invalidate_va(pm, va);
            else
                changed++;
        }
        va = next;
    }
    if (changed)
        invalidate_pmap(pm);
}

static bool forget_marker(struct pmap *pm, pt_entry_t *pte)
{
    if (!pt_is_compressed(*pte))
        return false;
    PMAP_ASSERT(pm->compressed > 0);
    *pte = 0;
    pm->compressed--;
    return true;
}

static bool remove_cb(struct pmap *pm, uint64_t va, pt_entry_t *pte, void *arg)
{
    (void)arg;
    if (forget_marker(pm, pte))
        return false;              /* nothing was translatable: no TLB entry */
    unmap_pte(pm, va, pte, 0);
    return true;
}

static bool lower_cb(struct pmap *pm, uint64_t va, pt_entry_t *pte, void *arg)
{
    (void)pm;
    (void)va;
    pt_entry_t e = pte_lower(*pte, *(const vm_prot_t *)arg);
    if (e == *pte)
        return false;
    *pte = e;
    return true;
}

/* --- address spaces ----------------------------------------------------- */

struct pmap *pmap_create(struct mmu *m)
{
    int asid = asid_alloc(m);
    if (asid < 0)
        return NULL;
    struct pmap *pm = calloc(1, sizeof *pm);
    pfn_t root = pm ? phys_alloc(m->phys, PHYS_PAGETABLE) : PFN_NONE;
    if (root == PFN_NONE) {
        free(pm);
        asid_free(m, (asid_t)asid);
        return NULL;
    }
    phys_zero(m->phys, root);
    *pm = (struct pmap){ .mmu = m, .root = root, .asid = (asid_t)asid, .tables = 1 };
    return pm;
}

struct pmap *pmap_create_nested(struct mmu *m)
{
    struct pmap *pm = pmap_create(m);
    if (pm)
        pm->is_nested = true;
    return pm;
}

/* The L3 table of subord for the twig at va, made if missing. */
static pfn_t nested_l3(struct pmap *subord, uint64_t va)
{
    unsigned made;
    pt_entry_t *l2 = pt_lookup_level(subord->mmu->phys, subord->root, va, 2, true, &made);
    subord->tables += made;
    if (!l2)
        return PFN_NONE;
    if (!pt_is_table(*l2)) {
        pfn_t t = phys_alloc(subord->mmu->phys, PHYS_PAGETABLE);
        if (t == PFN_NONE)
            return PFN_NONE;
        phys_zero(subord->mmu->phys, t);
        *l2 = pt_make_table(t);
        subord->tables++;
    }
    return pt_pfn(*l2);
}

static void unlink_twigs(struct pmap *grand, uint64_t start, uint64_t end)
{
    for (uint64_t va = start; va < end; va += PMAP_TWIG_SIZE) {
        pt_entry_t *l2 = pt_lookup_level(grand->mmu->phys, grand->root, va, 2, false, NULL);
        if (l2)
            *l2 = 0;
    }
    tlb_invalidate_asid(&grand->mmu->tlb, grand->asid);
}

int pmap_nest(struct pmap *grand, struct pmap *subord, uint64_t va, uint64_t size)
{
    if (!subord->is_nested || grand->is_nested || grand->nested || !size ||
        (va | size) & (PMAP_TWIG_SIZE - 1) || va + size > VA_USER_END || va + size < va)
        return -EINVAL;
    struct phys *p = grand->mmu->phys;
    for (uint64_t a = va; a < va + size; a += PMAP_TWIG_SIZE) {
        pt_entry_t *l2 = pt_lookup_level(p, grand->root, a, 2, false, NULL);
        if (l2 && *l2 & PT_VALID)
            return -EEXIST;
        uint64_t span;
        if (l3_table(grand, a, &span))
            return -EEXIST;
    }
    for (uint64_t a = va; a < va + size; a += PMAP_TWIG_SIZE) {
        pfn_t l3 = nested_l3(subord, a);
        unsigned made;
        pt_entry_t *l2 = l3 == PFN_NONE ? NULL : pt_lookup_level(p, grand->root, a, 2, true, &made);
        if (!l2) {
            unlink_twigs(grand, va, a);
            return -ENOMEM;
        }
        grand->tables += made;
        *l2 = pt_make_table(l3);
    }
    grand->nested = subord;
    grand->nested_start = va;
    grand->nested_end = va + size;
    subord->nest_count++;
    return 0;
}

void pmap_unnest(struct pmap *grand)
{
    if (!grand->nested)
        return;
    unlink_twigs(grand, grand->nested_start, grand->nested_end);
    grand->nested->nest_count--;
    grand->nested = NULL;
    grand->nested_start = grand->nested_end = 0;
}

void pmap_destroy(struct pmap *pm)
{
    if (!pm)
        return;
    struct mmu *m = pm->mmu;
    if (pm->nest_count)
        pmap_panic("destroying a pmap still nested", pm->nest_count);
    pmap_unnest(pm);
    for_each_pte(pm, 0, VA_USER_END, remove_cb, NULL, true);
    unsigned freed = pt_free_tables(m->phys, pm->root);
    if (freed != pm->tables)
        pmap_panic("table count out of sync", freed);
    invalidate_pmap(pm);
    asid_free(m, pm->asid);
    if (m->current == pm)
        m->current = NULL;
    free(pm);
}

void pmap_activate(struct mmu *m, struct pmap *pm)
{
    m->current = pm;
    tlb_flush_cpu(&m->tlb);
}

/* --- mappings ----------------------------------------------------------- */

int pmap_enter(struct pmap *pm, uint64_t va, pfn_t pfn, vm_prot_t prot,
               vm_prot_t fault_type, unsigned options)
{
    struct mmu *m = pm->mmu;
    va = trunc_page(va);
    if (va >= VA_USER_END || in_nested(pm, va))
        return -EINVAL;
    check_frame(m, pfn);
    if (m->phys->use[pfn] != PHYS_VM)
        pmap_panic("mapping a frame the VM does not own", pfn);
    if (!(prot & VM_PROT_ALL)) {
        pmap_remove(pm, va, va + PAGE_SIZE);
        return 0;
    }
    unsigned made;
    pt_entry_t *pte = pt_lookup(m->phys, pm->root, va, true, &made);
    pm->tables += made;
    if (!pte || pv_reserve(m))
        return -ENOMEM;

    forget_marker(pm, pte);
    bool replacing = pte_valid(*pte);
    if (replacing)
        unmap_pte(pm, va, pte, 0);

    uint8_t *attr = &m->attr[pfn];
    if (fault_type & VM_PROT_ALL)
        *attr |= PMAP_ATTR_REFERENCED;
    if ((fault_type & VM_PROT_WRITE) && (prot & VM_PROT_WRITE))
        *attr |= PMAP_ATTR_MODIFIED;
    /* Write is granted at once only to a frame already known dirty; otherwise
     * the first write must fault so that it can be recorded. */
    bool write_now = (prot & VM_PROT_WRITE) && (*attr & PMAP_ATTR_MODIFIED);
    vm_prot_t hw = (prot | VM_PROT_READ) & (write_now ? VM_PROT_ALL : ~VM_PROT_WRITE);
    pt_entry_t e = pt_make_page(pfn, hw, fault_type & VM_PROT_ALL);
    if ((prot & VM_PROT_WRITE) && !write_now)
        e |= PT_SW_WRITEABLE;
    if (options & PMAP_OPT_WIRED)
        e |= PT_SW_WIRED;
    if (options & PMAP_OPT_INTERNAL)
        e |= PT_SW_INTERNAL;

    *pte = e;
    pv_add(m, pfn, pm, va);
    pm->resident++;
    pm->wired += (options & PMAP_OPT_WIRED) != 0;
    pm->internal += (options & PMAP_OPT_INTERNAL) != 0;
    PMAP_ASSERT(pm->wired <= pm->resident && pm->internal <= pm->resident);
    if (replacing)
        invalidate_va(pm, va);
    return 0;
}

void pmap_remove(struct pmap *pm, uint64_t start, uint64_t end)
{
    for_each_pte(pm, start, end, remove_cb, NULL, true);
}

void pmap_protect(struct pmap *pm, uint64_t start, uint64_t end, vm_prot_t prot)
{
    if (!(prot & VM_PROT_READ))
        for_each_pte(pm, start, end, remove_cb, NULL, false);
    else
        for_each_pte(pm, start, end, lower_cb, &prot, false);
}

void pmap_change_wiring(struct pmap *pm, uint64_t va, bool wired)
{
    if (in_nested(pm, va))
        return;
    pt_entry_t *pte = pte_of(pm, va);
    if (!pte || !pte_valid(*pte) || !(*pte & PT_SW_WIRED) == !wired)
        return;
    *pte ^= PT_SW_WIRED;
    PMAP_ASSERT(wired || pm->wired > 0);
    if (wired)
        pm->wired++;
    else
        pm->wired--;
}

pfn_t pmap_extract(struct pmap *pm, uint64_t va)
{
    pt_entry_t *pte = pte_of(pm, va);
    return pte && pte_valid(*pte) ? pt_pfn(*pte) : PFN_NONE;
}

pt_entry_t pmap_pte(struct pmap *pm, uint64_t va)
{
    pt_entry_t *pte = pte_of(pm, va);
    return pte ? *pte : 0;
}

/* --- reference / modify emulation ---------------------------------------- */

bool pmap_fast_fault(struct pmap *pm, uint64_t va, vm_prot_t access)
{
    struct mmu *m = pm->mmu;
    pt_entry_t *pte = pte_of(pm, va);
    if (!pte || !pte_valid(*pte))
        return false;
    pt_entry_t e = *pte;
    access &= VM_PROT_ALL;
    if ((pte_rights(e) & access) != access)
        return false;
    bool mod = (access & VM_PROT_WRITE) && (e & PT_SW_WRITEABLE);
    bool ref = !(e & PT_AF);
    if (!mod && !ref)
        return true;            /* already allowed: the access raced a fix */

    pfn_t pfn = pt_pfn(e);
    /* The frame is now referenced (and maybe dirty) whichever mapping touched it,
     * so every mapping gets the same fix and none faults again for it. */
    for (uint32_t i = m->pv_head[pfn]; i; i = m->pv[i].next) {
        struct pv_entry *pv = &m->pv[i];
        pt_entry_t *p = pv_pte(pv, pfn);
        pt_entry_t n = *p | PT_AF;
        if (mod && (n & PT_SW_WRITEABLE))
            n &= ~(PT_AP_RO | PT_SW_WRITEABLE);
        set_pte(pv->pmap, pv->va, p, n);
    }
    m->attr[pfn] |= PMAP_ATTR_REFERENCED | (mod ? PMAP_ATTR_MODIFIED : 0);
    if (mod)
        m->stats.fast_mod++;
    else
        m->stats.fast_ref++;
    return true;
}

static void unmap_all(struct mmu *m, pfn_t pfn, pt_entry_t left)
{
    uint32_t i;
    while ((i = m->pv_head[pfn]) != 0) {
        struct pmap *pm = m->pv[i].pmap;
        uint64_t va = m->pv[i].va;
        unmap_pte(pm, va, pv_pte(&m->pv[i], pfn), left);
        invalidate_va(pm, va);
    }
}

void pmap_disconnect_compressed(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    unmap_all(m, pfn, PT_COMPRESSED);
}

void pmap_page_protect(struct mmu *m, pfn_t pfn, vm_prot_t prot)
{
    check_frame(m, pfn);
    if (!(prot & VM_PROT_READ)) {
        unmap_all(m, pfn, 0);
        return;
    }
    for (uint32_t i = m->pv_head[pfn]; i; i = m->pv[i].next) {
        struct pv_entry *pv = &m->pv[i];
        pt_entry_t *p = pv_pte(pv, pfn);
        set_pte(pv->pmap, pv->va, p, pte_lower(*p, prot));
    }
}

bool pmap_is_referenced(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    return m->attr[pfn] & PMAP_ATTR_REFERENCED;
}

bool pmap_is_modified(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    return m->attr[pfn] & PMAP_ATTR_MODIFIED;
}

void pmap_clear_reference(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    for (uint32_t i = m->pv_head[pfn]; i; i = m->pv[i].next) {
        struct pv_entry *pv = &m->pv[i];
        pt_entry_t *p = pv_pte(pv, pfn);
        set_pte(pv->pmap, pv->va, p, *p & ~PT_AF);
    }
    m->attr[pfn] &= (uint8_t)~PMAP_ATTR_REFERENCED;
}

void pmap_clear_modify(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    for (uint32_t i = m->pv_head[pfn]; i; i = m->pv[i].next) {
        struct pv_entry *pv = &m->pv[i];
        pt_entry_t *p = pv_pte(pv, pfn);
        if (!(*p & PT_AP_RO))
            set_pte(pv->pmap, pv->va, p, *p | PT_AP_RO | PT_SW_WRITEABLE);
    }
    m->attr[pfn] &= (uint8_t)~PMAP_ATTR_MODIFIED;
}

void pmap_set_modify(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    m->attr[pfn] |= PMAP_ATTR_MODIFIED;
}

unsigned pmap_mapping_count(struct mmu *m, pfn_t pfn)
{
    check_frame(m, pfn);
    unsigned n = 0;
    for (uint32_t i = m->pv_head[pfn]; i; i = m->pv[i].next)
        n++;
    return n;
}

/* --- checks ------------------------------------------------------------- */

struct ledger_walk {
    uint32_t resident, wired, internal, compressed;
    char *why;
    size_t len;
    bool ok;
};

static bool count_cb(struct pmap *pm, uint64_t va, pt_entry_t *pte, void *arg)
{
    struct ledger_walk *w = arg;
    if (pt_is_compressed(*pte)) {
        w->compressed++;
        return false;
    }
    w->resident++;
    w->wired += (*pte & PT_SW_WIRED) != 0;
    w->internal += (*pte & PT_SW_INTERNAL) != 0;
    pfn_t pfn = pt_pfn(*pte);
    const struct mmu *m = pm->mmu;
    if (w->ok && (pfn == 0 || pfn >= m->phys->nframes || m->phys->use[pfn] != PHYS_VM ||
                  !pv_find(m, pfn, pm, va))) {
        snprintf(w->why, w->len, "0x%llx: frame %u is not the VM's or has no pv entry",
                 (unsigned long long)va, pfn);
        w->ok = false;
    }
    return false;                  /* nothing changed: no TLB invalidation */
}

static uint32_t count_tables(const struct phys *p, pfn_t t, int level)
{
    uint32_t n = 1;
    const pt_entry_t *d = phys_ptr(p, t);
    for (unsigned i = 0; level < 3 && i < (level == 0 ? 2 : PT_ENTRIES); i++)
        if (pt_is_table(d[i]))
            n += count_tables(p, pt_pfn(d[i]), level + 1);
    return n;
}

static bool ledger_differs(char *why, size_t len, const char *what, uint32_t kept, uint32_t found)
{
    if (kept == found)
        return false;
    snprintf(why, len, "%s: the pmap counts %u, its tables hold %u", what, kept, found);
    return true;
}

/* The subordinate's L3 tables a walk of pm's tables meets: not pm's. */
static uint32_t nested_twigs(const struct pmap *pm)
{
    return pm->nested ? (uint32_t)((pm->nested_end - pm->nested_start) / PMAP_TWIG_SIZE) : 0;
}

bool pmap_check(struct pmap *pm, char *why, size_t len)
{
    struct ledger_walk w = { .why = why, .len = len, .ok = true };
    for_each_pte(pm, 0, VA_USER_END, count_cb, &w, true);
    if (!w.ok)
        return false;
    uint32_t pv = 0;
    const struct mmu *m = pm->mmu;
    for (uint32_t i = 1; i < m->pv_cap; i++)
        pv += m->pv[i].pmap == pm;
    return !ledger_differs(why, len, "resident pages", pm->resident, w.resident) &&
           !ledger_differs(why, len, "wired pages", pm->wired, w.wired) &&
           !ledger_differs(why, len, "internal pages", pm->internal, w.internal) &&
           !ledger_differs(why, len, "compressed markers", pm->compressed, w.compressed) &&
           !ledger_differs(why, len, "pv entries", pm->resident, pv) &&
           !ledger_differs(why, len, "table frames", pm->tables,
                           count_tables(pm->mmu->phys, pm->root, 0) - nested_twigs(pm));
}
