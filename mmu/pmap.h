/* mmu/pmap.h — the machine-dependent half of the VM: one pmap per address space.
 *
 * A pmap owns a tree of translation tables (pt.h) tagged with an ASID; the shared
 * struct mmu holds the TLB, the reverse map (every mapping of every frame) and the
 * per-frame reference/modify attributes.
 *
 * Reference/modify bits are emulated as XNU's arm64 pmap does:
 *  - a page entered without an access has AF clear; its first access takes an
 *    access-flag fault which pmap_fast_fault() resolves by setting AF on every
 *    mapping of the frame and marking it referenced;
 *  - a writable page not yet modified is entered read-only with PT_SW_WRITEABLE;
 *    its first write takes a permission fault which pmap_fast_fault() resolves by
 *    making it writable and marking the frame modified;
 *  - pmap_clear_reference() / pmap_clear_modify() re-arm those traps on every
 *    mapping and shoot down the TLB entries. */
#ifndef MMU_PMAP_H
#define MMU_PMAP_H

#include "mmu/phys.h"
#include "mmu/pt.h"
#include "mmu/tlb.h"

#define PMAP_ATTR_REFERENCED 0x1
#define PMAP_ATTR_MODIFIED   0x2

struct pmap;

struct pv_entry {                  /* one mapping of a frame */
    struct pmap *pmap;
    uint64_t va;
    uint32_t next;                 /* index in mmu.pv, 0 = end */
};

struct mmu_stats {
    uint64_t translations;         /* mmu_translate calls */
    uint64_t walks;                /* table walks after a TLB miss */
    uint64_t faults[4];            /* by enum mmu_fault_kind */
    uint64_t fast_ref, fast_mod;   /* faults resolved by pmap_fast_fault */
};

struct mmu {
    struct phys *phys;
    struct tlb tlb;
    struct pmap *current;          /* the address space the CPU runs in */
    uint32_t *pv_head;             /* per frame: first pv index, 0 = unmapped */
    struct pv_entry *pv;           /* pool; index 0 unused */
    uint32_t pv_cap, pv_free;
    uint8_t *attr;                 /* per frame: PMAP_ATTR_* */
    uint64_t *asid_map;            /* bitmap of ASIDs in use */
    struct mmu_stats stats;
};

struct pmap {
    struct mmu *mmu;
    pfn_t root;                    /* L0 table frame (TTBR0) */
    asid_t asid;
    uint32_t resident;             /* valid L3 mappings */
    uint32_t wired;                /* of which wired */
    uint32_t internal;             /* of which entered PMAP_OPT_INTERNAL (XNU's
                                      internal ledger: the bulk of phys_footprint) */
    uint32_t tables;               /* table frames including root */
    uint32_t compressed;           /* PT_COMPRESSED markers: pages it had that went to
                                      the compressor (its share of compressed memory) */
    uint32_t compressed_peak;
    uint64_t compressed_lifetime;  /* markers ever left */
    /* Nesting (XNU's pmap_nest): a nested pmap's L3 tables are linked into the L2
     * tables of every address space that nests it, so one set of tables maps the
     * shared region for all of them. */
    bool is_nested;                /* a subordinate: its mappings live in many ASIDs */
    uint32_t nest_count;           /* address spaces nesting it */
    struct pmap *nested;           /* in a grand pmap: the subordinate it nests */
    uint64_t nested_start, nested_end;
};

/* 0, or -EINVAL / -ENOMEM. */
int mmu_init(struct mmu *m, struct phys *p, unsigned tlb_sets, unsigned tlb_ways);
void mmu_fini(struct mmu *m);

/* Translates an EL0 access in the current pmap: TLB, else walk and fill the TLB.
 * On MMU_OK, *out has the frame and the rights EL0 has now (the access among them);
 * a frame handed out with EXECUTE is flagged PHYS_F_CODE. Otherwise *fault says why. */
enum mmu_fault_kind mmu_translate(struct mmu *m, uint64_t va, vm_prot_t access,
                                  struct mmu_xlate *out, struct mmu_fault *fault);

/* NULL when out of ASIDs or frames. */
struct pmap *pmap_create(struct mmu *m);
/* Removes every mapping, frees the tables and the ASID; unnests first. A nested pmap
 * must no longer be nested anywhere. */
void pmap_destroy(struct pmap *pm);
/* A pmap meant to be nested into others (the shared region's); NULL as above. */
struct pmap *pmap_create_nested(struct mmu *m);
/* The span one L2 descriptor maps (32 MB): nesting is done in whole twigs. */
#define PMAP_TWIG_SIZE (1ull << (PAGE_SHIFT + 11))
/* Links subord's L3 tables for [va, va + size) into grand's L2 tables, allocating
 * the subordinate's L3 tables that are missing (they are counted in subord->tables)
 * and grand's L1/L2 tables (counted in grand's). va and size must be twig aligned,
 * the range free in grand and grand nest nothing else. 0, -EINVAL, -EEXIST or
 * -ENOMEM. Mappings made in subord are then seen by grand without faults of its
 * own, and are never counted in grand's ledgers. */
int pmap_nest(struct pmap *grand, struct pmap *subord, uint64_t va, uint64_t size);
/* Unlinks what grand nests (nothing if it nests nothing). */
void pmap_unnest(struct pmap *grand);
/* Makes pm current (NULL: none); calls the TLB's on_drop hook since the CPU's
 * cache is not ASID-tagged. */
void pmap_activate(struct mmu *m, struct pmap *pm);

/* Maps va -> pfn with at most `prot`. `fault_type` is the access being satisfied
 * (VM_PROT_NONE for a prefetch): it decides AF and whether write is granted now
 * (see above). Replaces any previous mapping or compressed marker at va. 0, or
 * -ENOMEM (no table frame). */
#define PMAP_OPT_WIRED    0x1u
#define PMAP_OPT_INTERNAL 0x2u     /* the page is anonymous memory (counted in `internal`) */
int pmap_enter(struct pmap *pm, uint64_t va, pfn_t pfn, vm_prot_t prot,
               vm_prot_t fault_type, unsigned options);
/* Removes mappings and compressed markers. */
void pmap_remove(struct pmap *pm, uint64_t start, uint64_t end);
/* Lowers the rights of [start, end) to prot; removes the mappings if no READ. */
void pmap_protect(struct pmap *pm, uint64_t start, uint64_t end, vm_prot_t prot);
void pmap_change_wiring(struct pmap *pm, uint64_t va, bool wired);
/* The frame mapped at va, or PFN_NONE (no TLB use, no fault). */
pfn_t pmap_extract(struct pmap *pm, uint64_t va);
/* The descriptor at va (0 if none): for debuggers and tests. */
pt_entry_t pmap_pte(struct pmap *pm, uint64_t va);

/* arm_fast_fault: resolves an access-flag or modify-emulation fault at va if the
 * mapping allows `access`; true if resolved (retry the access), false if the VM
 * must handle it. */
bool pmap_fast_fault(struct pmap *pm, uint64_t va, vm_prot_t access);

/* Per-frame operations on every mapping of pfn (reverse map). */
void pmap_page_protect(struct mmu *m, pfn_t pfn, vm_prot_t prot); /* NONE: unmap all */
/* Unmaps every mapping of pfn, leaving a compressed marker in its place (the page
 * is going to the compressor): each pmap's `compressed` counts it until the address
 * is mapped again or removed. */
void pmap_disconnect_compressed(struct mmu *m, pfn_t pfn);
bool pmap_is_referenced(struct mmu *m, pfn_t pfn);
bool pmap_is_modified(struct mmu *m, pfn_t pfn);
void pmap_clear_reference(struct mmu *m, pfn_t pfn);
void pmap_clear_modify(struct mmu *m, pfn_t pfn);
void pmap_set_modify(struct mmu *m, pfn_t pfn);
unsigned pmap_mapping_count(struct mmu *m, pfn_t pfn);

/* The pmap's ledgers against a walk of its tables: resident, wired, internal pages,
 * compressed markers and table frames as counted, every valid descriptor on its frame's
 * pv list and no other pv entry of this pmap. False with the first difference in why.
 * Costs a walk of every table and of the pv pool: for tests and invariant checks. */
bool pmap_check(struct pmap *pm, char *why, size_t len);

#endif
