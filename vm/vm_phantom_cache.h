/* vm/vm_phantom_cache.h — the phantom cache: ghosts of recently evicted file pages
 * (XNU's osfmk/vm/vm_phantom_cache.c).
 *
 * When the pageout drops a clean file-backed page it leaves a ghost; a page-in that
 * finds a ghost is a page the file cache lost too soon. Ghosts cover four consecutive
 * pages of an object each and live in a ring of a power of two entries, at least a
 * tenth of RAM's pages / 4 (iOS's sizing): the oldest is replaced first. The VM only
 * counts ghosts added and found; whether that is thrashing is decided above it, on
 * these counts over time (jetsam/memorystatus.h, memorystatus_fc_thrashing). */
#ifndef VM_VM_PHANTOM_CACHE_H
#define VM_VM_PHANTOM_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vm_page;

struct vm_phantom_cache {
    struct vm_ghost *ring;         /* [size]; entry 0 unused: index 0 ends a chain */
    uint32_t *hash;                /* [size] heads of chains, by (object, block) */
    uint32_t size, next;
    uint64_t added, found;         /* ghosts added (evictions), found (page-ins) */
};

/* 0 or -ENOMEM; ram_pages sizes the ring. */
int vm_phantom_cache_init(struct vm_phantom_cache *pc, uint32_t ram_pages);
void vm_phantom_cache_fini(struct vm_phantom_cache *pc);
/* A clean file-backed page the pageout is dropping (vm_phantom_cache_add_ghost). */
void vm_phantom_cache_add_ghost(struct vm_phantom_cache *pc, const struct vm_page *pg);
/* A file-backed page just read in: counted as found if it had a ghost, which is spent
 * (vm_phantom_cache_update). */
void vm_phantom_cache_update(struct vm_phantom_cache *pc, const struct vm_page *pg);

#endif
