/* mmu/pt.h — ARMv8-A VMSA descriptors, 16 KB granule, and the table walker.
 *
 * A 48-bit input address splits into four table indices and the page offset:
 *
 *   47 | 46       36 | 35       25 | 24       14 | 13          0
 *   L0 |     L1      |     L2      |     L3      |  page offset
 *  (1b)|   (11 bits) |   (11 bits) |   (11 bits) |   (14 bits)
 *
 * L0 has 2 entries, L1-L3 2048 entries of 8 bytes (one 16 KB frame each).
 * User space is the lower 47 bits, so L0 index is always 0 for user VAs.
 * Tables live in guest physical frames; descriptors are little-endian u64. */
#ifndef MMU_PT_H
#define MMU_PT_H

#include "mmu/phys.h"

typedef uint64_t pt_entry_t;

#define PT_LEVELS    4
#define PT_ENTRIES   2048u

#define PT_VALID     (1ull << 0)
#define PT_TYPE      (1ull << 1)   /* table (L0-L2) or page (L3); clear = block */
#define PT_ATTRIDX(i) ((uint64_t)(i) << 2)
#define PT_ATTRIDX_MASK (7ull << 2)
#define PT_AP_EL0    (1ull << 6)   /* AP[1]: EL0 may access */
#define PT_AP_RO     (1ull << 7)   /* AP[2]: read-only */
#define PT_SH_INNER  (3ull << 8)
#define PT_AF        (1ull << 10)  /* access flag */
#define PT_NG        (1ull << 11)  /* not global: tagged with the ASID */
#define PT_PXN       (1ull << 53)
#define PT_UXN       (1ull << 54)
/* Software bits 55-58. */
#define PT_SW_WIRED     (1ull << 55)
#define PT_SW_WRITEABLE (1ull << 56) /* the VM allows writes; held RO until first write */
#define PT_SW_INTERNAL  (1ull << 57) /* an anonymous page: counts in the footprint */
/* An invalid L3 descriptor left where a page was mapped when the page went to the
 * compressor (XNU's ARM_PTE_COMPRESSED): the walker sees a translation fault, the
 * pmap counts it as this address space's compressed memory. */
#define PT_COMPRESSED   (1ull << 62)
#define PT_ADDR_MASK 0x0000ffffffffc000ull /* output address bits 47:14 */

#define PT_ATTR_NORMAL 0           /* MAIR index used for normal write-back memory */

static inline unsigned pt_index(uint64_t va, int level)
{
    return (unsigned)(va >> (PAGE_SHIFT + 11 * (3 - level))) & (level == 0 ? 1u : PT_ENTRIES - 1);
}

static inline pfn_t pt_pfn(pt_entry_t e) { return (pfn_t)((e & PT_ADDR_MASK) >> PAGE_SHIFT); }
static inline bool pt_is_table(pt_entry_t e) { return (e & (PT_VALID | PT_TYPE)) == (PT_VALID | PT_TYPE); }
/* An L3 entry that maps nothing but marks a page that went to the compressor. */
static inline bool pt_is_compressed(pt_entry_t e) { return !pt_is_table(e) && (e & PT_COMPRESSED); }

pt_entry_t pt_make_table(pfn_t table);
/* An L3 page descriptor for EL0 with `prot` (READ implied by any access),
 * non-global, inner shareable, normal memory; AF as given. */
pt_entry_t pt_make_page(pfn_t pfn, vm_prot_t prot, bool af);
/* What EL0 may do through a valid L3 descriptor (ignores AF). */
vm_prot_t pt_page_prot(pt_entry_t e);

/* Walks the tables rooted at `root` for an EL0 `access` (READ, WRITE or EXECUTE).
 * MMU_OK fills *out; otherwise *fault is filled (va, kind, level, access, esr).
 * A descriptor that names a frame outside RAM is a translation fault at that level. */
enum mmu_fault_kind pt_walk(const struct phys *p, pfn_t root, uint64_t va, vm_prot_t access,
                            struct mmu_xlate *out, struct mmu_fault *fault);

/* The same walk, step by step, for debuggers: one step per descriptor read (the
 * table frame, the index in it and the raw descriptor). A walk that faults stops at
 * the step of fault->level; a root outside RAM or a VA beyond the user range has no
 * step at all. Reads only: no TLB, no counters. */
struct pt_walk_step {
    int level;
    pfn_t table;                   /* frame of the table read at this level */
    unsigned index;
    pt_entry_t desc;
};
struct pt_walk_trace {
    int nsteps;
    struct pt_walk_step step[PT_LEVELS];
};
enum mmu_fault_kind pt_walk_traced(const struct phys *p, pfn_t root, uint64_t va, vm_prot_t access,
                                   struct mmu_xlate *out, struct mmu_fault *fault,
                                   struct pt_walk_trace *trace);

/* Host pointer to the L3 descriptor for va, or NULL if a table on the way is missing.
 * With `alloc`, missing tables are allocated (PHYS_PAGETABLE, zeroed) and *new_tables
 * counts them; NULL then means no free frame. */
pt_entry_t *pt_lookup(struct phys *p, pfn_t root, uint64_t va, bool alloc, unsigned *new_tables);

/* The same for the descriptor at `level` (0-3) that translates va: the tables above
 * it are allocated with `alloc`. */
pt_entry_t *pt_lookup_level(struct phys *p, pfn_t root, uint64_t va, int level, bool alloc,
                            unsigned *new_tables);

/* Frees every table below and including root; returns how many frames were freed. */
unsigned pt_free_tables(struct phys *p, pfn_t root);

#endif
