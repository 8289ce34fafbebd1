/* vm/vm.h — the machine-independent VM: one struct vm per emulated machine.
 *
 * It owns the vm_page array (one record per physical frame), the page queues and
 * the global statistics that `vm_stat` prints. Maps, objects and the fault handler
 * live in vm_map.h, vm_object.h and vm_fault.h. Return values are Mach's
 * kern_return_t codes. */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdio.h>
#include <time.h>
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
#define VM_PAGE_REUSABLE 0x08      /* madvise(MADV_FREE_REUSABLE): contents may go */

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
    uint8_t spec_bin;              /* on the speculative queue: its aging bin (0: aged) */
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
    uint64_t throttled;            /* anonymous pages parked: there is no compressor */
    uint64_t pageouts;             /* pages written to a vnode pager (none yet: shared
                                      writable file mappings are refused) */
    uint64_t purges;               /* pages of volatile purgeable objects emptied */
    uint64_t scans;                /* runs of the pageout scan */
    uint64_t shortages;            /* allocations refused: nothing left to reclaim */
    uint64_t read_ahead;           /* pages read ahead of a sequential page-in */
    uint64_t reactivation_limit;   /* referenced pages taken anyway: the reactivation
                                      limit of the scan was reached */
    uint64_t filecache_reactivated;/* file pages kept: the file cache is at its floor */
    uint64_t compressor_refused;   /* anonymous pages reactivated: the compressor
                                      refused them (full, or no frame) */
    uint64_t purged_objects;       /* volatile objects emptied by the scan */
    uint64_t forced_purges;        /* of which before their token was ripe */
    uint64_t speculative_aged;     /* speculative bins aged into the stealable queue */
    uint64_t reusable_reclaimed;   /* reusable pages freed by the scan, not compressed */
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
/* The one vocabulary of fault kinds (the fault trace, the debugger, the viewer, the
 * docs): zero-fill, soft, pagein, cow, decompress, fast, invalid. */
const char *vm_fault_kind_name(enum vm_fault_kind k);
/* A kind by its name or an older spelling (zero, file, compressed, ...); -1 if none. */
int vm_fault_kind_parse(const char *name);

/* Host time, for the fault trace's costs. */
static inline uint64_t vm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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
    uint64_t reclaim_ns;           /* of cost_ns: pageout scans run to free a frame */
};

/* Paging thresholds in frames, from XNU's iOS formulas (vm_page_free_reserve,
 * docs/fidelity.md): computed from the frames free when the VM starts. User
 * allocations never dip into the reserve, which is kept for the compressor, page
 * tables and kernel memory. */
struct vm_targets {
    uint32_t reserved;
    uint32_t free_min;
    uint32_t free_target;
};

/* memorystatus_vm_pressure_level, as the machine around the VM knows it. */
enum vm_pressure_level {
    VM_PRESSURE_NORMAL, VM_PRESSURE_WARNING, VM_PRESSURE_URGENT, VM_PRESSURE_CRITICAL
};

/* What the VM asks of the machine around it. Every member may be NULL: then time
 * stands still and the level is normal. */
struct vm_env {
    void *ctx;
    uint64_t (*now_ms)(void *ctx);                 /* guest time (speculative aging) */
    enum vm_pressure_level (*pressure)(void *ctx); /* forced purges (vps_purge_object) */
    /* macOS mode, after a scan or a swapout: swap is low on space (vm_swap_low_on_space)
     * or not; called at each such point while it is, and once when it stops. */
    void (*swap_low)(void *ctx, bool low);
};

/* The speculative queue's aging bins (XNU's vm_page_queue_speculative): read-ahead
 * pages join bin age_index, which closes 500 ms after it opened; the pages of a bin
 * that is aged (stealable) move to bin 0, the head of the queue, where the scan
 * takes them first. Bins follow each other on the one queue in age order. */
#define VM_SPECULATIVE_BINS 10     /* VM_PAGE_DEFAULT_MAX_SPECULATIVE_AGE_Q */
#define VM_SPECULATIVE_BIN_MS 500  /* VM_PAGE_SPECULATIVE_Q_AGE_MS */
struct vm_speculative {
    uint8_t age_index, steal_index;
    uint32_t count[VM_SPECULATIVE_BINS + 1];
    uint64_t closes_ms[VM_SPECULATIVE_BINS + 1];
};

/* Compressor thrashing detection (XNU's compute_swapout_target_age): sample and
 * evaluation periods in guest ms, and the age past which segments are taken to be
 * outside the working set (swapout_target_age, guest s; 0: none). */
struct vm_thrashing {
    uint64_t sample_start_ms, eval_start_ms;
    uint32_t last_eval_compressions, last_eval_decompressions;
    bool need_reset;
    uint64_t target_age_s;
};

/* Purgeable token aging (XNU's vm_purgeable.c, one FIFO queue): a token joins when an
 * object becomes volatile, counting the pages that entered an inactive queue since the
 * token before; each page that leaves an inactive queue takes one from the first
 * unripe token. A token at 0 is ripe: the scan may empty one volatile object for it. */
struct vm_purge_tokens {
    uint32_t *count;               /* tokens, oldest first, from head */
    uint32_t head, n, cap;         /* ring */
    uint32_t ripe;                 /* tokens at the head with count 0 (available_for_purge) */
    int64_t new_pages;             /* pages entered inactive since the last token */
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
    uint32_t reusable_pages;       /* VM_PAGE_REUSABLE pages (vm_reusable.c) */
    uint32_t purgeable_objects;    /* of which purgeable */
    void (*trace)(void *ctx, const struct vm_fault_event *ev);
    void *trace_ctx;
    uint64_t reclaim_ns;           /* host time in pageout scans run by vm_page_grab,
                                      counted while trace is set */
    struct compressor *compressor; /* NULL: anonymous pages can only be throttled */
    enum vm_memory_error memory_error;   /* the reason of the latest KERN_MEMORY_ERROR */
    bool compressor_full;          /* the last compression was refused for space (the
                                      page or segment limit): cleared when a compressed
                                      page leaves, or at the next scan */
    bool macos;                    /* macOS mode: swap behind the compressor, macOS's
                                      pageout rules where they differ (vm_compressor_init) */
    uint64_t compactions_at;       /* pool pages freed when the last major compaction
                                      ran (vm_compressor_maintain) */
    bool swap_was_low;             /* what env.swap_low heard last */
    struct vm_env env;
    struct vm_speculative spec;
    struct vm_purge_tokens tokens;
    struct vm_thrashing thrashing;
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
/* The page is wanted again: no longer reusable (vm_reusable.c). */
void vm_page_reuse(struct vm *vm, struct vm_page *pg);
/* vm_page_balance_inactive: up to max pages from the head of the active queue to the
 * inactive queues while those (with the speculative queue) are under the inactive
 * target. Also run for three whenever a page leaves an inactive queue. */
void vm_page_balance_inactive(struct vm *vm, int max);
/* Onto the speculative queue (read ahead), in the current aging bin (vm.h). */
void vm_page_speculate(struct vm *vm, struct vm_page *pg);
/* Makes the pages of bin b stealable (bin 0). */
void vm_page_speculate_ageit(struct vm *vm, uint8_t b);
void vm_page_throttle(struct vm *vm, struct vm_page *pg);
void vm_page_wire(struct vm *vm, struct vm_page *pg);
void vm_page_unwire(struct vm *vm, struct vm_page *pg);

/* vm_pageout.c */
/* vm_page_free_reserve for a machine of nframes frames with free_count free: the
 * reserve (XNU's 100 pages, plus 28 for the compressor, at most 1/8 of the frames),
 * free_min = reserve + 10 + free/200 and free_target = reserve + 15 + free/100 ("free"
 * counted after the reserve), capped at 1500 and 2000, target >= min + 5. */
void vm_pageout_targets_for(uint32_t nframes, uint32_t free_count, bool compressor,
                            struct vm_targets *t);
/* free_target/free_min/reserve from the free frames now (call once the boot-time
 * frames are taken, or again after resizing or adding the compressor). */
void vm_pageout_init_targets(struct vm *vm);
/* inactive_target = (active + inactive + speculative) / 2. */
uint32_t vm_pageout_inactive_target(const struct vm *vm);
/* vm_pageout_scan: ages and reclaims until free frames reach the free target or
 * nothing more can be reclaimed. Each step keeps the inactive queues at their target
 * (moving active pages there, reference bit cleared), empties a volatile object whose
 * token is ripe (or any, in the groups the pressure level forces), ages the
 * speculative bins, then takes one victim (vps_choose_victim_page): an aged
 * speculative page, else anonymous and file-backed inactive pages in turn (at most
 * two anonymous ones in a row), minding the file cache's floor. A victim referenced
 * since its deactivation is reactivated, up to the scan's reactivation limit; a clean
 * file-backed one is dropped; an anonymous one is compressed, or reactivated if the
 * compressor refuses it, or parked on the throttled queue if there is no compressor.
 * Afterwards the compressor is compacted, and in macOS mode swapped out, as it
 * needs. Returns frames freed. */
uint32_t vm_pageout_scan(struct vm *vm);
/* The purgeable tokens (vm_purgeable.c): a volatile object joins (token_add), an
 * object stops being volatile (delete_first: purged or destroyed; delete_last: made
 * nonvolatile again), pages enter and leave the inactive queues. */
void vm_purgeable_token_add(struct vm *vm);
void vm_purgeable_token_delete_first(struct vm *vm);
void vm_purgeable_token_delete_last(struct vm *vm);
void vm_purgeable_page_inactive(struct vm *vm);
void vm_purgeable_q_advance(struct vm *vm);
/* Empties one volatile object if a token is ripe (the lowest group first), or, with
 * force_below > 0, the first one in a group below it; true if it did
 * (vm_purgeable_object_purge_one). */
bool vm_purgeable_purge_one(struct vm *vm, int force_below);
void vm_purgeable_fini(struct vm *vm);
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
