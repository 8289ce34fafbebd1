/* mmu/phys.h — guest physical memory: one host buffer of 16 KB frames at PA 0.
 *
 * Every frame is in exactly one use at a time (free, page table, owned by the VM,
 * reserved); count[] always sums to nframes. Allocation order is deterministic. */
#ifndef MMU_PHYS_H
#define MMU_PHYS_H

#include <stddef.h>
#include "mmu/mmu.h"

enum phys_use {
    PHYS_FREE,
    PHYS_PAGETABLE,                /* translation table frame (wired) */
    PHYS_VM,                       /* owned by the VM layer (vm_page) */
    PHYS_RESERVED,                 /* never handed out (frame 0) */
    PHYS_KERNEL,                   /* wired kernel memory: task, thread, map bookkeeping */
    PHYS_COMPRESSOR,               /* segment memory of the compressor pool */
    PHYS_NUSES
};

/* Frame flags kept beside the use. */
#define PHYS_F_CODE 0x1            /* a translation of this frame was given out for fetch */
#define PHYS_F_RELEASED 0x2        /* free, and its host memory given back (or never used) */
#define PHYS_F_ZERO 0x4            /* allocated from released frames and not written since:
                                      the host reads it as zero, phys_zero need not clear it */

struct phys {
    uint8_t *ram;                  /* host view of guest PA 0 .. size */
    uint64_t size;
    uint32_t nframes;
    uint8_t *use;                  /* enum phys_use, per frame */
    uint8_t *flags;                /* PHYS_F_*, per frame */
    pfn_t *next;                   /* free-list links */
    pfn_t free_head;
    uint32_t count[PHYS_NUSES];
    /* Frames that held translated code and were freed or rewritten from the host
     * side since the last call to phys_take_stale_code(): the CPU's translation
     * cache must be flushed before they can be executed again. */
    uint32_t stale_code;
    /* Free frames whose host memory may still be resident: past PHYS_TRIM_AT of them
     * (a peak gone), all but the PHYS_TRIM_KEEP most recently freed, which the next
     * allocations take, are given back to the host (madvise), so the emulator's RSS
     * falls after the guest's peak. */
    uint32_t backed_free;
    /* Frames freed or written whole from the host side so far, and each free frame's
     * count when it was freed: a frame with many others through the caches since is
     * out of them, and is cleared or copied into with stores that bypass them (no read
     * of the old lines). */
    uint32_t churn;
    uint32_t *freed_at;
    uint64_t released;             /* frames given back so far */
    uint32_t trims;                /* times frames were given back */
};

/* Churn since a frame's free past which it counts as out of the caches (2 MB: above
 * a core's L2, well under a shared L3 less what others use of it). */
#define PHYS_COLD_FRAMES 128

/* Of nframes: give back when more than 3/8 of the frames are free and host-backed,
 * down to 1/8. */
#define PHYS_TRIM_AT(nframes)   ((nframes) / 8 * 3)
#define PHYS_TRIM_KEEP(nframes) ((nframes) / 8)

/* "free", "page-table", "vm", "reserved", "kernel", "compressor". */
const char *phys_use_name(enum phys_use use);

/* 0, or -EINVAL (size not a multiple of 16 KB, or under 4 frames) / -ENOMEM. */
int phys_init(struct phys *p, uint64_t size);
void phys_fini(struct phys *p);

/* A free frame now in `use`, contents unspecified (PHYS_F_ZERO set if known to be zero,
 * for page-table and VM frames); PFN_NONE if none is free. */
pfn_t phys_alloc(struct phys *p, enum phys_use use);
void phys_free(struct phys *p, pfn_t pfn);
/* Zeroes / copies whole frames through the host view (marks code frames stale). The
 * first phys_zero of a PHYS_F_ZERO frame writes nothing; phys_copy and phys_will_write
 * clear the flag, so every write from the host side must be announced by one of them
 * or follow a phys_zero. */
void phys_zero(struct phys *p, pfn_t pfn);
void phys_copy(struct phys *p, pfn_t dst, pfn_t src);
/* Call before writing into a frame from the host side. */
void phys_will_write(struct phys *p, pfn_t pfn);
/* The CPU's translated code of this frame is no longer to be trusted (its contents
 * change, or a mapping it was fetched through lost its access flag or went): counted
 * in stale_code if any was given out. */
void phys_forget_code(struct phys *p, pfn_t pfn);
/* Gives the host memory of the free frames back to the host, but for the `keep` most
 * recently freed (phys_free does so past PHYS_TRIM_AT). Their contents read as zero
 * afterwards. */
void phys_trim(struct phys *p, uint32_t keep);
/* Returns and resets the count of stale code frames. */
uint32_t phys_take_stale_code(struct phys *p);

static inline void *phys_ptr(const struct phys *p, pfn_t pfn)
{
    return p->ram + ((uint64_t)pfn << PAGE_SHIFT);
}

static inline uint64_t phys_pa(pfn_t pfn) { return (uint64_t)pfn << PAGE_SHIFT; }

#endif
