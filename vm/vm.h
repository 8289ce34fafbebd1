/* vm/vm.h — the machine-independent VM: one struct vm per emulated machine.
 *
 * It owns the vm_page array (one record per physical frame), the page queues and
 * the global statistics that `vm_stat` prints. Maps, objects and the fault handler
 * live in vm_map.h, vm_object.h and vm_fault.h. Return values are Mach's
 * kern_return_t codes. */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdio.h>
#include "mmu/invariant.h"
#include "mmu/pmap.h"
#include "vm/vm_phantom_cache.h"

/* VM_ASSERT(cond): an invariant of the VM, checked only in builds with
 * MACHEMU_INVARIANTS (`make asan`; see mmu/invariant.h). */
#define VM_ASSERT(cond) MMU_INVARIANT(cond)
#define VM_INVARIANTS MMU_INVARIANTS

/* kern_return_t and the KERN_* codes: the one definition the guest SDK also uses. */
#include "guest/include/mach/kern_return.h"

const char *vm_kern_name(kern_return_t kr);

/* Why the VM last refused an access with KERN_MEMORY_ERROR (the guest's SIGBUS). */
enum vm_memory_error {
    VM_MEMORY_ERROR_PAST_EOF,      /* past the end of the mapped file */
    VM_MEMORY_ERROR_PAGEIN,        /* the mapped file could not be read */
    VM_MEMORY_ERROR_PURGED,        /* its volatile purgeable object was emptied */
    VM_MEMORY_ERROR_SWAPIN,        /* its compressed copy could not be read back */
};
/* "past the end of the mapped file", ... */
const char *vm_memory_error_text(enum vm_memory_error e);

/* Page queues (XNU vm_page.h vm_page_q_state). Every frame the VM owns is on
 * exactly one of them between operations; free frames and page tables are counted
 * by phys. */
enum vm_page_queue {
    VM_PAGE_NOT_ON_Q,
    VM_PAGE_Q_ACTIVE,
    VM_PAGE_Q_INACTIVE_INTERNAL,   /* anonymous */
    VM_PAGE_Q_INACTIVE_EXTERNAL,   /* file-backed */
    VM_PAGE_Q_SPECULATIVE,
    VM_PAGE_Q_THROTTLED,
    VM_PAGE_Q_WIRED,
    VM_PAGE_NQUEUES
};

#define VM_PAGE_BUSY    0x01
#define VM_PAGE_DIRTY   0x02       /* known modified (beyond the pmap's bit) */
#define VM_PAGE_PRECIOUS 0x04

struct vm_object;
struct compressor;

struct vm_page {                   /* <= 64 bytes, indexed by frame number */
    struct vm_object *object;
    uint64_t offset;               /* in object */
    struct vm_page *hash_next;     /* (object, offset) hash chain */
    struct vm_page *listq_next;    /* object's resident pages */
    struct vm_page *listq_prev;
    uint32_t pageq_next, pageq_prev; /* queue links: frame numbers, PFN_NONE ends */
    uint16_t wire_count;
    uint8_t queue;                 /* enum vm_page_queue */
    uint8_t flags;                 /* VM_PAGE_* */
};

_Static_assert(sizeof(struct vm_page) <= 64, "one small record per 16 KB frame");

struct vm_page_queue_head { pfn_t head, tail; uint32_t count; };

/* Counters in the spirit of vm_statistics64 (vm_stat). */
struct vm_stats {
    uint64_t faults;               /* every vm_fault call */
    uint64_t zero_fill, cow_faults, pageins, soft_faults, fast_faults;
    uint64_t lookups, hits;
    uint64_t collapses;            /* shadow objects merged into the object above */
    uint64_t invalid_faults;       /* no mapping / protection: delivered to the guest */
    uint64_t reactivations;        /* inactive pages found referenced again */
    uint64_t deactivations;        /* active -> inactive, reference bit cleared */
    uint64_t reclaimed;            /* clean file pages dropped (re-read on the next fault) */
    uint64_t throttled;            /* anonymous pages parked: the compressor is full or absent */
    uint64_t pageouts;             /* pages written to a vnode pager (none yet: shared
                                      writable file mappings are refused) */
    uint64_t purges;               /* pages of volatile purgeable objects emptied */
    uint64_t scans;                /* runs of the pageout scan */
    uint64_t shortages;            /* allocations refused: nothing left to reclaim */
    uint64_t read_ahead;           /* pages read ahead of a sequential page-in */
};

enum vm_fault_kind {
    VM_FAULT_ZERO_FILL,
    VM_FAULT_SOFT,                 /* page resident: (re)enter the mapping */
    VM_FAULT_PAGEIN,               /* read from the vnode pager */
    VM_FAULT_COW,                  /* copied into the top object */
    VM_FAULT_DECOMPRESS,           /* brought back from the compressor (a hard fault) */
    VM_FAULT_FAST,                 /* reference/modify emulation, resolved by the pmap */
    VM_FAULT_INVALID,              /* not resolved: the guest gets a signal */
    VM_FAULT_NKINDS
};
const char *vm_fault_kind_name(enum vm_fault_kind k);

/* One line of the fault trace. */
struct vm_fault_event {
    int task;                      /* map's owner id */
    uint64_t va;
    vm_prot_t access;
    enum vm_fault_kind kind;
    uint32_t object;               /* id of the object that supplied the page, 0 if none */
    uint64_t offset;
    kern_return_t result;
    pfn_t pfn;
    uint64_t cost_ns;
};

/* Paging thresholds in frames, from XNU's iOS formulas (docs/fidelity.md): computed once
 * from the frames free when the VM starts. User allocations never dip into the
 * reserve, which is kept for page tables. */
struct vm_targets {
    uint32_t reserved;
    uint32_t free_min;
    uint32_t free_target;
};

struct vm {
    struct phys *phys;
    struct mmu *mmu;
    struct vm_targets targets;
    struct vm_object *volatile_head; /* purgeable objects marked volatile, oldest first */
    uint32_t object_pages;         /* pages in some object (vm_page_insert) */
    uint32_t external_pages;       /* of which in file-backed objects */
    struct vm_page *pages;         /* [phys->nframes] */
    struct vm_page **hash;         /* buckets */
    uint32_t hash_mask;
    struct vm_page_queue_head q[VM_PAGE_NQUEUES];
    struct vm_stats stats;
    uint32_t next_object_id;
    uint32_t objects;              /* live vm_objects */
    void (*trace)(void *ctx, const struct vm_fault_event *ev);
    void *trace_ctx;
    struct compressor *compressor; /* NULL: anonymous pages can only be throttled */
    enum vm_memory_error memory_error;   /* the reason of the latest KERN_MEMORY_ERROR */
    bool compressor_full;          /* the last compression was refused for space:
                                      retried once a compressed page leaves */
    struct vm_phantom_cache phantom; /* ghosts of evicted file pages */
};

/* 0 or -ENOMEM. */
int vm_init(struct vm *vm, struct phys *p, struct mmu *m);
void vm_fini(struct vm *vm);

static inline pfn_t vm_page_pfn(const struct vm *vm, const struct vm_page *pg)
{
    return (pfn_t)(pg - vm->pages);
}

/* A free frame as a vm_page, not in any object, on no queue, contents unspecified,
 * reference/modify attributes clear. Below free_min it first runs the pageout scan,
 * which refills to free_target; NULL when only the reserve is left and nothing
 * could be reclaimed. */
struct vm_page *vm_page_grab(struct vm *vm);
/* Unmaps everywhere, removes from object and queue, returns the frame. */
void vm_page_free(struct vm *vm, struct vm_page *pg);
void vm_page_insert(struct vm *vm, struct vm_page *pg, struct vm_object *obj, uint64_t offset);
void vm_page_remove(struct vm *vm, struct vm_page *pg);
struct vm_page *vm_page_lookup(struct vm *vm, struct vm_object *obj, uint64_t offset);
/* To the tail of the active queue (not wired pages); from an inactive or throttled
 * queue that is a reactivation. */
void vm_page_activate(struct vm *vm, struct vm_page *pg);
/* To the tail of the inactive queue of its kind, reference bit cleared in the pmap. */
void vm_page_deactivate(struct vm *vm, struct vm_page *pg);
void vm_page_speculate(struct vm *vm, struct vm_page *pg);
void vm_page_throttle(struct vm *vm, struct vm_page *pg);
void vm_page_wire(struct vm *vm, struct vm_page *pg);
void vm_page_unwire(struct vm *vm, struct vm_page *pg);

/* vm_pageout.c */
/* free_target/free_min/reserve from the free frames now (call once the boot-time
 * frames are taken, or again after resizing). */
void vm_pageout_init_targets(struct vm *vm);
/* inactive_target = (active + inactive + speculative) / 2. */
uint32_t vm_pageout_inactive_target(const struct vm *vm);
/* Ages and reclaims until free frames reach the free target or nothing more can be
 * reclaimed: purges volatile objects, moves active pages to inactive clearing their
 * reference bits, reactivates the ones referenced since, drops clean file-backed
 * pages, compresses anonymous ones (or parks them on the throttled queue when there
 * is no compressor or it is full). Returns frames freed. */
uint32_t vm_pageout_scan(struct vm *vm);
/* Checks that every VM frame is on exactly one queue and that the counts add up
 * (free + active + inactive + speculative + throttled + wired + tables + kernel +
 * compressor + reserved = total, and the compressor's frames are the pool's);
 * false with a reason otherwise. For tests; costs a walk of every frame. */
bool vm_page_queues_check(const struct vm *vm, char *why, size_t len);
/* Only the sums of vm_page_queues_check(), from the counts kept: O(1). */
bool vm_page_totals_check(const struct vm *vm, char *why, size_t len);

/* Wired kernel memory held for one owner (a task's structures, its threads' stacks,
 * its map entries and pv entries), in whole frames. */
struct vm_kmem {
    pfn_t *frames;
    uint32_t n, cap;
};
/* Holds as many frames as `bytes` needs, taking or returning the difference. Kernel
 * allocations may use the reserve; KERN_RESOURCE_SHORTAGE when nothing is left. */
kern_return_t vm_kmem_resize(struct vm *vm, struct vm_kmem *k, uint64_t bytes);
/* The same for memory a user asked for (a new task's, at fork): it takes nothing when
 * the pageout scan cannot leave free_target frames free after it, so a fork loop meets a
 * refusal while the tasks that run still find frames for their faults without a scan
 * taking their own pages back at every one. */
kern_return_t vm_kmem_charge(struct vm *vm, struct vm_kmem *k, uint64_t bytes);
void vm_kmem_release(struct vm *vm, struct vm_kmem *k);

/* Frame totals for vm_stat: free, active, inactive, speculative, wired (vm pages and
 * page tables), throttled, file-backed, anonymous, the compressor's. */
struct vm_page_counts {
    uint32_t total, free, active, inactive, speculative, throttled, wired;
    uint32_t pagetables, kernel, file_backed, anonymous, purgeable;
    uint32_t compressor_frames;    /* "Pages occupied by compressor" */
    uint64_t compressed;           /* "Pages stored in compressor" */
};
void vm_page_counts(const struct vm *vm, struct vm_page_counts *c);
void vm_print_stats(const struct vm *vm, FILE *out);

#endif
