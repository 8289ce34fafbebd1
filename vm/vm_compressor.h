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
 * iOS mode has no backing store: when the pool is full, pages are throttled and
 * pressure rises. macOS mode attaches a swap file: full segments go to it. */
#ifndef VM_VM_COMPRESSOR_H
#define VM_VM_COMPRESSOR_H

#include "vm/vm_object.h"

struct vm_compressor_config {
    enum compressor_codec codec;
    uint32_t segment_size;         /* 0: the pool's default (64 KB) */
    uint32_t max_frames;           /* 0: the pool's default (3/4 of the RAM) */
    int swap_fd;                   /* read-write swap file (macOS mode), or -1 */
};

/* Creates the pool for vm (its limits relative to RAM). 0, or -errno. */
int vm_compressor_init(struct vm *vm, const struct vm_compressor_config *cfg);
/* After every object is gone. */
void vm_compressor_fini(struct vm *vm);

/* The slot for offset in obj; with `create`, allocates the chunk holding it (NULL if
 * out of host memory), else NULL when the chunk does not exist. */
compressor_handle_t *vm_object_slot(struct vm_object *obj, uint64_t offset, bool create);
bool vm_object_compressed_at(struct vm_object *obj, uint64_t offset);

/* Compresses pg (an unwired page of an internal object) and frees its frame.
 * KERN_RESOURCE_SHORTAGE if the pool refused it (full: vm->compressor_full is set). */
kern_return_t vm_compressor_pageout(struct vm *vm, struct vm_page *pg);
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
