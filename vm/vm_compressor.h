/* vm/vm_compressor.h — the compressor pager: where anonymous pages go under pressure.
 *
 * Connects the pure pool (compressor/compressor.h) to the VM. Its frames are guest
 * frames in use PHYS_COMPRESSOR ("Pages occupied by compressor"). Each object keeps
 * a slot map from page offset to pool handle; the pool's owner pointer for a handle
 * is its slot, so the map's chunks never move and a handle that changes object
 * (collapse) is rebound.
 *
 * A page is either resident or compressed in an object, never both. Pageout
 * compresses a page, leaves compressed markers in the pmaps that mapped it (their
 * share of compressed memory) and frees its frame; a fault on it decompresses into
 * a new frame and frees the slot (a hard fault, VM_FAULT_DECOMPRESS).
 *
 * iOS mode has no backing store: when the pool is full, the scan reactivates the
 * anonymous pages it refuses and pressure rises. macOS mode swaps: segments go to
 * swap files ahead of need, as vm_swapout_thread sends them (vm_compressor_maintain). */
#ifndef VM_VM_COMPRESSOR_H
#define VM_VM_COMPRESSOR_H

#include "vm/vm_object.h"

struct vm_compressor_config {
    enum compressor_codec codec;
    bool macos;                    /* macOS mode: XNU's macOS sizes, swap */
    uint32_t max_pages;            /* 0: XNU's limits for the RAM (vm_compressor_set_size) */
    uint32_t max_segments;
    /* macOS mode: where swap files come from (compressor_swap_ops; create NULL: none). */
    struct compressor_swap_ops swap;
};

/* Creates the pool for vm (its limits relative to RAM) and sets vm->macos; the paging
 * targets are computed again with the compressor's reserve. 0, or -errno. */
int vm_compressor_init(struct vm *vm, const struct vm_compressor_config *cfg);
/* After every object is gone. */
void vm_compressor_fini(struct vm *vm);

/* The slot for offset in obj; with `create`, allocates the chunk holding it (NULL if
 * out of host memory), else NULL when the chunk does not exist. */
compressor_handle_t *vm_object_slot(struct vm_object *obj, uint64_t offset, bool create);
bool vm_object_compressed_at(struct vm_object *obj, uint64_t offset);

/* Compresses pg (an unwired page of an internal object) and frees its frame.
 * KERN_RESOURCE_SHORTAGE if the pool refused it: full (vm->compressor_full is set), or
 * no frame for it. */
kern_return_t vm_compressor_pageout(struct vm *vm, struct vm_page *pg);
/* What XNU's compactor-swapper thread does when it is woken (after a scan, and on
 * iOS after a decompression; vm_consider_waking_compactor_swapper): a major
 * compaction when the pool needs one, and in macOS mode, swapouts of the oldest
 * segments while compressor_needs_to_swap() holds. Then tells env.swap_low. */
void vm_compressor_maintain(struct vm *vm);
/* compressor_needs_to_swap, macOS: non-compressed memory (active + inactive +
 * speculative + free) under 10/13 of that plus the compressor's frames (10/25 above
 * 3 GB of RAM), or free frames under the reserve less 56. */
bool vm_compressor_needs_to_swap(const struct vm *vm);
/* vm_compressor_is_thrashing (iOS): the decompressions of the last half second or more
 * of guest time came at 50 or more per 10 ms, 95% of them from segments young enough
 * that the working set they imply is smaller than the compressor's contents, and the
 * oldest segment in memory is no younger than the age that 1% of them exceed. Runs
 * compute_swapout_target_age's sampling; false until a sample is complete. */
bool vm_compressor_is_thrashing(struct vm *vm);
/* After a kill for thrashing: detection starts over (vm_thrashing_jetsam_done). */
void vm_compressor_thrashing_done(struct vm *vm);
/* Decompresses the page at (obj, offset) into a new resident, active page. KERN_ABORTED
 * if the page left the compressor while a frame was found (look it up again),
 * KERN_RESOURCE_SHORTAGE (no frame), KERN_MEMORY_ERROR (data lost or corrupt). */
kern_return_t vm_compressor_pagein(struct vm *vm, struct vm_object *obj, uint64_t offset,
                                   struct vm_page **out);
/* Frees the compressed pages of obj in [start, end); returns how many. */
uint32_t vm_compressor_free_range(struct vm_object *obj, uint64_t start, uint64_t end);
/* Moves the compressed page at from_off of `from` to to_off of `to` (which has no
 * page there). */
void vm_compressor_move(struct vm_object *from, uint64_t from_off, struct vm_object *to,
                        uint64_t to_off);
/* The slot map's storage, once the object holds no compressed page. */
void vm_compressor_release_slots(struct vm_object *obj);

#endif
