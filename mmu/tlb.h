/* mmu/tlb.h — an ASID-tagged, set-associative TLB of 16 KB translations.
 *
 * The CPU's own (Unicorn's) TLB caches translations this one made. It may keep one
 * that a capacity eviction dropped here: the page tables still say the same, so the
 * translation is still right, and flushing the CPU's TLB for every eviction cost more
 * than the whole walk. What makes a translation wrong always reaches it: on_drop is
 * called when an entry is replaced, on every TLBI that finds an entry, on every TLBI at
 * all while the CPU may hold evicted entries, and by tlb_flush_cpu (an ASID switch). */
#ifndef MMU_TLB_H
#define MMU_TLB_H

#include "mmu/mmu.h"

typedef uint16_t asid_t;

struct tlb_entry {
    uint64_t vpn;                  /* va >> PAGE_SHIFT */
    pfn_t pfn;
    asid_t asid;
    uint8_t prot;                  /* vm_prot_t granted by the descriptor (with AF set) */
    uint8_t valid;
    uint32_t stamp;                /* last use, for LRU within a set */
};

struct tlb_stats {
    uint64_t hits, misses, fills, evictions;
    uint64_t inval_va, inval_asid, inval_all;  /* TLBI operations */
    uint64_t dropped;              /* valid entries removed by TLBI */
};

struct tlb {
    unsigned sets, ways;           /* sets is a power of two */
    struct tlb_entry *e;           /* sets * ways */
    uint32_t clock;
    struct tlb_stats stats;
    void (*on_drop)(void *ctx);    /* flush the CPU's TLB (see above) */
    void *ctx;
    bool cpu_holds_evicted;        /* evictions since the last on_drop */
};

/* 0, or -EINVAL (sets not a power of two, ways 0, sets*ways > 65536) / -ENOMEM. */
int tlb_init(struct tlb *t, unsigned sets, unsigned ways);
void tlb_fini(struct tlb *t);
/* Parses "SETSxWAYS" (e.g. "64x4"); 0 or -EINVAL. */
int tlb_parse_geometry(const char *s, unsigned *sets, unsigned *ways);

/* Hit: copies the entry into *out (may be NULL), counts a hit, true. Miss: false. */
bool tlb_lookup(struct tlb *t, asid_t asid, uint64_t va, struct tlb_entry *out);
/* Installs a translation, evicting the set's least recently used way if full. */
void tlb_insert(struct tlb *t, asid_t asid, uint64_t va, pfn_t pfn, vm_prot_t prot);
void tlb_invalidate_va(struct tlb *t, asid_t asid, uint64_t va);   /* TLBI VAE1 */
/* Every ASID's entry for va (TLBI VAAE1): a nested table's mapping is cached under the
 * ASID of each address space that walked through it. */
void tlb_invalidate_va_all(struct tlb *t, uint64_t va);
void tlb_invalidate_asid(struct tlb *t, asid_t asid);              /* TLBI ASIDE1 */
void tlb_invalidate_all(struct tlb *t);                            /* TLBI VMALLE1 */
/* The CPU's TLB must hold nothing more (a switch to another address space). */
void tlb_flush_cpu(struct tlb *t);

#endif
