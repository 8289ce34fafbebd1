/* vm/vm_map.h — address spaces: sorted, non-overlapping entries over objects.
 *
 * Entries are 16 KB aligned and kept in a doubly linked list around a sentinel,
 * with a hint for lookups near the last one and a balanced tree over the list
 * (vm_map_tree.c) for the others and for finding free space. Operations on part of
 * an entry clip it first; neighbours that became compatible are coalesced. A map
 * holds at most max_entries entries: what would need more fails with KERN_NO_SPACE. */
#ifndef VM_VM_MAP_H
#define VM_VM_MAP_H

#include "vm/vm_object.h"

enum vm_inherit { VM_INHERIT_SHARE = 0, VM_INHERIT_COPY = 1, VM_INHERIT_NONE = 2 };

/* An entry's place in its map's tree (vm_map_tree.h). */
struct vm_map_node {
    struct vm_map_entry *child[2], *parent;   /* child[0] is the lower side */
    uint64_t gap;                  /* free bytes just below the entry */
    uint64_t max_gap;              /* the largest gap in its subtree */
    int height;
};

struct vm_map_entry {
    struct vm_map_entry *prev, *next;
    struct vm_map_node node;
    uint64_t start, end;
    struct vm_object *object;      /* NULL: anonymous, allocated on first fault */
    uint64_t offset;
    vm_prot_t protection, max_protection;
    uint8_t inheritance;
    bool needs_copy;               /* object is shared copy-on-write: shadow it on write */
    bool is_shared;                /* another map writes the same object (inherited SHARE) */
    uint16_t wired_count;
    bool nested;                   /* in the shared region's nested range: its pages are
                                      entered in the shared region's pmap */
    const char *tag;               /* static name: "text", "data", "heap", "stack", ... */
};

/* Whether the ledgers count e's pages apart (its object is purgeable; an object is
 * purgeable or not for life). */
static inline bool vm_map_entry_purgeable(const struct vm_map_entry *e)
{
    return e->object && e->object->purgable != VM_PURGABLE_DENY;
}

#define VM_FLAGS_FIXED     0x0     /* at *addr; fails if occupied */
#define VM_FLAGS_ANYWHERE  0x1     /* first fit at or after *addr */
#define VM_FLAGS_PURGABLE  0x2     /* anonymous memory in a purgeable object */
#define VM_FLAGS_OVERWRITE 0x4000  /* with FIXED: replace what is there */

struct vm_map_stats {
    uint64_t faults[VM_FAULT_NKINDS];
    uint32_t resident_peak;        /* most pages the pmap has mapped at once */
    uint32_t footprint_peak;       /* highest phys_footprint (ledger_phys_footprint_peak) */
    uint64_t reactivations;        /* its faults on pages the scan had deactivated */
};

/* Linux's default vm.max_map_count. */
#define VM_MAP_MAX_ENTRIES_DEFAULT 65530

struct vm_map {
    struct vm *vm;
    struct pmap *pmap;
    struct vm_map_entry header;    /* sentinel: header.next is the lowest entry */
    struct vm_map_entry *hint;
    struct vm_map_entry *root;     /* of the tree over the entries */
    uint32_t nentries;
    uint32_t purgeable_entries;    /* of which vm_map_entry_purgeable(): the ledgers visit
                                      these only, and none in most maps */
    uint32_t max_entries;          /* VM_MAP_MAX_ENTRIES_DEFAULT unless changed */
    uint64_t min, max;             /* usable range */
    uint64_t size;                 /* bytes mapped */
    int owner;                     /* task id, for traces */
    struct vm_map_stats stats;
    struct vm_shared_region *shared_region;   /* mapped in, or NULL (vm_shared_region.h) */
};

struct vm_shared_region;

struct vm_map *vm_map_create(struct vm *vm, struct pmap *pmap, uint64_t min, uint64_t max);
/* After e->object changed in place (e linked in map; was: vm_map_entry_purgeable() before). */
void vm_map_entry_object_changed(struct vm_map *map, const struct vm_map_entry *e, bool was);
void vm_map_destroy(struct vm_map *map);   /* also destroys the pmap */

/* A new map for a child task, with old's max_entries: each entry by its inheritance —
 * SHARE maps the same object, COPY shares it copy-on-write (both entries marked
 * needs_copy, the parent's mappings write-protected), NONE leaves a hole. NULL if out
 * of memory. */
struct vm_map *vm_map_fork(struct vm_map *old, struct pmap *pmap);
/* Objects between the entry at addr and the bottom of its shadow chain (0 if none). */
unsigned vm_map_shadow_depth(struct vm_map *map, uint64_t addr);

/* Maps [*addr, *addr + size) to obj at offset (obj's reference is consumed; NULL for
 * anonymous memory). size and *addr must be page aligned; *addr is updated for
 * ANYWHERE. KERN_NO_SPACE also when the map has max_entries entries and the new one
 * would not merge with a neighbour.
 *
 * The calls below that act on part of an entry split it, which takes one more entry
 * at each end inside one: at the limit they fail with KERN_NO_SPACE and change nothing
 * (vm_map_remove only when it splits one entry in two). */
kern_return_t vm_map_enter(struct vm_map *map, uint64_t *addr, uint64_t size, int flags,
                           struct vm_object *obj, uint64_t offset, bool needs_copy,
                           vm_prot_t cur, vm_prot_t max, enum vm_inherit inh, const char *tag);
kern_return_t vm_map_remove(struct vm_map *map, uint64_t start, uint64_t end);
kern_return_t vm_map_protect(struct vm_map *map, uint64_t start, uint64_t end,
                             vm_prot_t prot, bool set_max);
/* Linux MADV_DONTNEED: private pages in range are dropped; the next touch sees
 * zeros (anonymous) or the file again (private file mapping). */
kern_return_t vm_map_discard(struct vm_map *map, uint64_t start, uint64_t end);
/* Moves the mappings of [start, start+size) to new_start (which must be free). */
kern_return_t vm_map_move(struct vm_map *map, uint64_t start, uint64_t size, uint64_t new_start);
/* True if [start, end) is entirely mapped / entirely free. */
bool vm_map_range_mapped(struct vm_map *map, uint64_t start, uint64_t end);
bool vm_map_range_free(struct vm_map *map, uint64_t start, uint64_t end);
/* First free range of size at or after hint whose start has no bit of mask set (and
 * is page aligned); KERN_NO_SPACE. */
kern_return_t vm_map_find_space(struct vm_map *map, uint64_t hint, uint64_t size, uint64_t mask,
                                uint64_t *addr);

/* KERN_SUCCESS if [start, end) is mapped and every entry allows prot;
 * KERN_INVALID_ADDRESS for a hole, KERN_PROTECTION_FAILURE otherwise. */
kern_return_t vm_map_check_access(struct vm_map *map, uint64_t start, uint64_t end, vm_prot_t prot);
kern_return_t vm_map_inherit(struct vm_map *map, uint64_t start, uint64_t end, enum vm_inherit inh);
/* User wiring (mach_vm_wire, mlock): faults every page in with `access` and keeps
 * it resident and mapped; counts nest. KERN_INVALID_ADDRESS for a hole,
 * KERN_PROTECTION_FAILURE if an entry does not allow access, KERN_RESOURCE_SHORTAGE
 * beyond the wired limit or when memory runs out (nothing stays wired then). */
kern_return_t vm_map_wire(struct vm_map *map, uint64_t start, uint64_t end, vm_prot_t access);
/* Drops one user wiring from each wired entry in range; as XNU's user unwire,
 * entries that are not wired are passed over. KERN_INVALID_ADDRESS for a hole. */
kern_return_t vm_map_unwire(struct vm_map *map, uint64_t start, uint64_t end);

/* What mach_vm_region and vmmap report about one entry. */
struct vm_region_info {
    uint64_t start, end, offset;
    vm_prot_t protection, max_protection;
    enum vm_inherit inheritance;
    bool shared;                   /* the object is mapped elsewhere too */
    uint16_t user_wired_count;
    uint32_t object_id;            /* 0: nothing allocated yet */
    unsigned shadow_depth;
    uint32_t resident, dirty;      /* pages of the range resident / modified */
    uint32_t compressed;           /* not resident: in the compressor (vmmap's SWAP) */
    int purgable;                  /* enum vm_purgable_state */
    const char *tag;
};
/* The entry containing *addr, or else the first one above it: *addr becomes its
 * start. KERN_INVALID_ADDRESS if there is none. */
kern_return_t vm_map_region(struct vm_map *map, uint64_t *addr, struct vm_region_info *info);

/* mach_vm_page_query's dispositions (XNU's values). */
#define VM_PAGE_QUERY_PAGE_PRESENT     0x1
#define VM_PAGE_QUERY_PAGE_FICTITIOUS  0x2
#define VM_PAGE_QUERY_PAGE_REF         0x4
#define VM_PAGE_QUERY_PAGE_DIRTY       0x8
#define VM_PAGE_QUERY_PAGE_PAGED_OUT   0x10
#define VM_PAGE_QUERY_PAGE_COPIED      0x20
#define VM_PAGE_QUERY_PAGE_SPECULATIVE 0x40
#define VM_PAGE_QUERY_PAGE_EXTERNAL    0x80
#define VM_PAGE_QUERY_PAGE_REUSABLE    0x800
/* The page at addr: where it is and what the pmap knows of it. COPIED means the
 * page is a private copy made on write (it sits in a shadow object). */
kern_return_t vm_map_page_query(struct vm_map *map, uint64_t addr, int *disposition,
                                int *ref_count);
/* A task's memory as task_info(TASK_VM_INFO) and vmmap report it, in pages. */
struct vm_map_usage {
    uint64_t virtual_pages;
    uint32_t regions;
    uint32_t resident, resident_peak;
    uint32_t internal, external;   /* resident anonymous / file-backed */
    uint32_t volatile_resident, volatile_virtual;  /* of purgeable volatile objects */
    uint32_t wired;                /* user-wired pages mapped */
    uint32_t tables;               /* page-table frames */
    uint32_t compressed;           /* its pages in the compressor (pmap markers) */
    uint32_t volatile_compressed;  /* of purgeable volatile objects, in the compressor */
    uint32_t footprint;            /* phys_footprint, from a walk of every page */
};
void vm_map_usage(struct vm_map *map, struct vm_map_usage *u);

/* A task's phys_footprint and the ledgers it is made of (XNU's task ledgers), in
 * pages:
 *   phys_footprint = (internal - alternate_accounting)
 *                  + (internal_compressed - alternate_accounting_compressed)
 *                  + iokit_mapped
 *                  + purgeable_nonvolatile + purgeable_nonvolatile_compressed
 *                  + page_table
 * Pages of purgeable objects are internal but taken out again as alternate
 * accounting, then counted by the object's state: nonvolatile in the footprint,
 * volatile or empty not. machemu maps no device memory: iokit_mapped is 0. */
struct vm_ledgers {
    uint32_t internal, internal_compressed;
    uint32_t alternate_accounting, alternate_accounting_compressed;
    uint32_t iokit_mapped;
    uint32_t purgeable_nonvolatile, purgeable_nonvolatile_compressed;
    uint32_t purgeable_volatile, purgeable_volatile_compressed;
    uint32_t page_table;
    uint32_t phys_footprint, phys_footprint_peak;
    uint32_t reusable;             /* madvise(MADV_FREE_REUSABLE) pages: out of internal,
                                      so out of phys_footprint */
};
/* From the pmap's counters, visiting only the pages of purgeable regions: what Jetsam
 * reads after each change. Its phys_footprint equals vm_map_usage()'s. */
void vm_map_ledgers(struct vm_map *map, struct vm_ledgers *l);
/* The footprint's peak brought up to now, without the reusable count's walk of the
 * map (the fault path); O(1) while the map has no purgeable entry. */
void vm_map_footprint_peak_update(struct vm_map *map);

/* madvise(MADV_FREE_REUSABLE) (Linux: MADV_FREE): the private anonymous pages in
 * range keep their contents but leave the pmap, and so the task's internal pages
 * and phys_footprint, for its reusable ledger; the pageout scan frees them first,
 * without compressing them. KERN_INVALID_ADDRESS for a hole or a range that is not
 * private anonymous read/write memory (XNU's vm_map_entry_is_reusable),
 * KERN_PROTECTION_FAILURE if not writable. */
kern_return_t vm_map_reusable_pages(struct vm_map *map, uint64_t start, uint64_t end);
/* madvise(MADV_FREE_REUSE): the reusable pages left in range are mapped and counted
 * again (those the scan took come back as zeros on the next touch). */
kern_return_t vm_map_reuse_pages(struct vm_map *map, uint64_t start, uint64_t end);
/* The reusable pages of the map's objects (its reusable ledger). */
uint32_t vm_map_reusable_count(struct vm_map *map);

/* mach_vm_purgable_control on the object mapped at addr. */
kern_return_t vm_map_purgable_control(struct vm_map *map, uint64_t addr, int control, int *state);

/* The entry containing addr (true), or the one before it (false; &header if none). */
bool vm_map_lookup_entry(struct vm_map *map, uint64_t addr, struct vm_map_entry **entry);
/* For the calls that work on entries themselves (vm_map_copy.c, vm_memory_entry.c):
 * clips the entries over [start, end) to it (clip_range: KERN_NO_SPACE at the entry
 * limit), and merges what became compatible again. */
kern_return_t vm_map_clip(struct vm_map *map, uint64_t start, uint64_t end,
                          struct vm_map_entry **first);
void vm_map_simplify(struct vm_map *map, uint64_t start, uint64_t end);
/* Gives e an object of its own (a pending copy is made now) that others may map
 * and write in place, and marks it shared. */
kern_return_t vm_map_entry_share(struct vm_map *map, struct vm_map_entry *e);

/* Calls fn for every entry in address order (for stats, the debugger, the viewer). */
void vm_map_foreach(struct vm_map *map, void (*fn)(void *ctx, const struct vm_map_entry *e),
                    void *ctx);
/* Pages of the map resident in the pmap, and its resident anonymous pages. */
uint64_t vm_map_resident(struct vm_map *map);

#endif
