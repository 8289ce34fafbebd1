/* vm/vm_map.h — address spaces: sorted, non-overlapping entries over objects.
 *
 * Entries are 16 KB aligned and kept in a doubly linked list around a sentinel,
 * with a hint for lookups near the last one. Operations on part of an entry clip
 * it first; neighbours that became compatible are coalesced. */
#ifndef VM_VM_MAP_H
#define VM_VM_MAP_H

#include "vm/vm_object.h"

enum vm_inherit { VM_INHERIT_SHARE = 0, VM_INHERIT_COPY = 1, VM_INHERIT_NONE = 2 };

struct vm_map_entry {
    struct vm_map_entry *prev, *next;
    uint64_t start, end;
    struct vm_object *object;      /* NULL: anonymous, allocated on first fault */
    uint64_t offset;
    vm_prot_t protection, max_protection;
    uint8_t inheritance;
    bool needs_copy;               /* object is shared copy-on-write: shadow it on write */
    uint16_t wired_count;
    const char *tag;               /* static name: "text", "data", "heap", "stack", ... */
};

#define VM_FLAGS_FIXED     0x0     /* at *addr; fails if occupied */
#define VM_FLAGS_ANYWHERE  0x1     /* first fit at or after *addr */
#define VM_FLAGS_OVERWRITE 0x4000  /* with FIXED: replace what is there */

struct vm_map_stats {
    uint64_t faults[VM_FAULT_NKINDS];
};

struct vm_map {
    struct vm *vm;
    struct pmap *pmap;
    struct vm_map_entry header;    /* sentinel: header.next is the lowest entry */
    struct vm_map_entry *hint;
    uint32_t nentries;
    uint64_t min, max;             /* usable range */
    uint64_t size;                 /* bytes mapped */
    int owner;                     /* task id, for traces */
    struct vm_map_stats stats;
};

struct vm_map *vm_map_create(struct vm *vm, struct pmap *pmap, uint64_t min, uint64_t max);
void vm_map_destroy(struct vm_map *map);   /* also destroys the pmap */

/* A new map for a child task: each entry by its inheritance — SHARE maps the same
 * object, COPY shares it copy-on-write (both entries marked needs_copy, the
 * parent's mappings write-protected), NONE leaves a hole. NULL if out of memory. */
struct vm_map *vm_map_fork(struct vm_map *old, struct pmap *pmap);
/* Objects between the entry at addr and the bottom of its shadow chain (0 if none). */
unsigned vm_map_shadow_depth(struct vm_map *map, uint64_t addr);

/* Maps [*addr, *addr + size) to obj at offset (obj's reference is consumed; NULL for
 * anonymous memory). size and *addr must be page aligned; *addr is updated for
 * ANYWHERE. */
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
/* First free range of size at or after hint (aligned to PAGE_SIZE); KERN_NO_SPACE. */
kern_return_t vm_map_find_space(struct vm_map *map, uint64_t hint, uint64_t size, uint64_t *addr);

/* The entry containing addr (true), or the one before it (false; &header if none). */
bool vm_map_lookup_entry(struct vm_map *map, uint64_t addr, struct vm_map_entry **entry);
/* Calls fn for every entry in address order (for stats, the debugger, the viewer). */
void vm_map_foreach(struct vm_map *map, void (*fn)(void *ctx, const struct vm_map_entry *e),
                    void *ctx);
/* Pages of the map resident in the pmap, and its resident anonymous pages. */
uint64_t vm_map_resident(struct vm_map *map);

#endif
