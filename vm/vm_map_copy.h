/* vm/vm_map_copy.h — virtual copies of a range (XNU's vm_map_copy objects).
 *
 * vm_map_copyin takes the objects behind a range copy-on-write: the source entries
 * become needs_copy and lose write access in the pmap, the copy holds a reference
 * on each object. vm_map_copy_overwrite puts the copy in place of a destination
 * range, vm_map_copyout at a new address; either way the destination shares the
 * pages until one side writes. Ranges of VM_MAP_COPY_SMALL bytes or less are
 * copied byte by byte instead, as XNU does through a kernel buffer. */
#ifndef VM_VM_MAP_COPY_H
#define VM_VM_MAP_COPY_H

#include "vm/vm_map.h"

/* msg_ool_size_small on arm64: KHEAP_MAX_SIZE, 32 KB (two 16 KB pages). */
#define VM_MAP_COPY_SMALL (32u * 1024)

struct vm_map_copy_piece {
    struct vm_object *object;      /* referenced; NULL: zero-fill */
    uint64_t offset, size;
};

struct vm_map_copy {
    uint64_t size;
    uint32_t n;
    struct vm_map_copy_piece piece[];
};

/* Whether a copy of [src, src + len) is made virtually: page aligned and larger
 * than VM_MAP_COPY_SMALL. */
bool vm_map_copy_is_virtual(uint64_t src, uint64_t len);
/* Whether the source range can be taken copy-on-write: every entry readable (else
 * KERN_INVALID_ADDRESS / KERN_PROTECTION_FAILURE), and none wired, nested in the
 * shared region or purgeable (KERN_NOT_SUPPORTED: the caller copies bytes). */
kern_return_t vm_map_copyin_check(struct vm_map *map, uint64_t start, uint64_t len);
/* Takes [start, start + len) copy-on-write (page aligned; vm_map_copyin_check first).
 * An entry others write in place (is_shared) gives a delayed copy instead. */
kern_return_t vm_map_copyin(struct vm_map *map, uint64_t start, uint64_t len,
                            struct vm_map_copy **copy);
/* Whether the destination may be replaced by a copy, as XNU's
 * vm_map_copy_overwrite_aligned decides: every entry writable (else its error),
 * none shared, wired, nested or executable, each anonymous and not purgeable; a
 * malloc region only takes anonymous memory. KERN_NOT_SUPPORTED: copy bytes. */
kern_return_t vm_map_copy_overwrite_check(struct vm_map *map, uint64_t dst, uint64_t len,
                                          const struct vm_map_copy *copy);
/* Puts copy in place of [dst, dst + copy->size), keeping each destination entry's
 * protections, inheritance and tag. Consumes the copy. */
kern_return_t vm_map_copy_overwrite(struct vm_map *map, uint64_t dst, struct vm_map_copy *copy);
/* Maps the copy at the first free range at or after hint, read/write (max all),
 * inherited by copy: *addr. Consumes the copy on success. */
kern_return_t vm_map_copyout(struct vm_map *map, uint64_t hint, uint64_t *addr,
                             struct vm_map_copy *copy);
void vm_map_copy_discard(struct vm_map_copy *copy);

#endif
