/* mmu/mmu.h — types shared by the machine-dependent layer (phys, pt, tlb, pmap).
 *
 * The MMU is an ARMv8-A stage-1 translation regime for EL0 with a 16 KB granule.
 * Nothing here knows about vm/: faults are reported, the layer above decides. */
#ifndef MMU_MMU_H
#define MMU_MMU_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT 14
#define PAGE_SIZE  ((uint64_t)1 << PAGE_SHIFT)
#define PAGE_MASK  (PAGE_SIZE - 1)
#define trunc_page(x) ((uint64_t)(x) & ~PAGE_MASK)
#define round_page(x) (((uint64_t)(x) + PAGE_MASK) & ~PAGE_MASK)

/* User virtual addresses are 47 bits (TTBR0 range with bit 47 clear). */
#define VA_BITS     47
#define VA_USER_END ((uint64_t)1 << VA_BITS)

typedef uint32_t pfn_t;            /* physical frame number: PA = pfn << PAGE_SHIFT */
#define PFN_NONE UINT32_MAX

/* Mach protection bits; an access type is one of them. */
#include "guest/include/mach/vm_prot.h"   /* vm_prot_t and VM_PROT_*: the guest ABI */

enum mmu_fault_kind {
    MMU_OK = 0,
    MMU_FAULT_TRANSLATION,         /* no valid descriptor at `level` */
    MMU_FAULT_ACCESS_FLAG,         /* page descriptor with AF clear */
    MMU_FAULT_PERMISSION,          /* AP/UXN forbid the access */
};

/* A fault as the hardware would report it: FAR, ESR and what the walk saw. */
struct mmu_fault {
    uint64_t va;                   /* faulting address (FAR_EL1) */
    enum mmu_fault_kind kind;
    int level;                     /* table level (0-3) where the walk stopped */
    vm_prot_t access;              /* READ, WRITE or EXECUTE */
    uint32_t esr;                  /* ESR_EL1-style syndrome, see mmu_esr() */
};

/* A successful translation: the frame and what EL0 may do with it right now. */
struct mmu_xlate {
    pfn_t pfn;
    vm_prot_t prot;
};

/* ESR for an EL0 abort: EC 0x24 (data) or 0x20 (instruction), IL=1, WnR, xFSC. */
uint32_t mmu_esr(enum mmu_fault_kind kind, int level, vm_prot_t access);
const char *mmu_fault_name(enum mmu_fault_kind kind);

#endif
