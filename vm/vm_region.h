/* vm/vm_region.h — what mach_vm_region's EXTENDED and TOP flavors, and
 * mach_vm_region_recurse_64, report about an entry: pages by kind and the share
 * mode, computed as XNU's vm_map_region_walk and vm_map_region_top_walk do. */
#ifndef VM_VM_REGION_H
#define VM_VM_REGION_H

#include "vm/vm_map.h"

/* Share modes (XNU's SM_* values). */
enum vm_share_mode {
    SM_COW = 1, SM_PRIVATE = 2, SM_EMPTY = 3, SM_SHARED = 4, SM_TRUESHARED = 5,
    SM_PRIVATE_ALIASED = 6, SM_SHARED_ALIASED = 7, SM_LARGE_PAGE = 8,
};

struct vm_region_extended {
    uint32_t pages_resident, pages_shared_now_private, pages_swapped_out, pages_dirtied;
    uint32_t pages_reusable;
    uint32_t ref_count;
    uint16_t shadow_depth;         /* deepest shadow a resident page was found in */
    bool external_pager;           /* a file is at the bottom */
    uint8_t share_mode;
};

struct vm_region_top {
    uint32_t obj_id, ref_count, private_pages_resident, shared_pages_resident;
    uint8_t share_mode;
};

/* The pages of e in [start, end) and its share mode (vm_map_region_walk with
 * look_for_pages). An entry without an object is SM_EMPTY. */
void vm_map_region_walk(struct vm_map *map, const struct vm_map_entry *e, uint64_t start,
                        uint64_t end, struct vm_region_extended *x);
void vm_map_region_top_walk(const struct vm_map_entry *e, struct vm_region_top *t);
/* vmmap's SM= column for a share mode: PRV, COW, SHM, NUL, ALI, S/A, LPG. */
const char *vm_share_mode_name(int mode);

#endif
