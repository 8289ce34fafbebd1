/* vm/vm_shared_region.h — the shared region: one file mapped at one address in every
 * task, as the dyld shared cache is on iOS.
 *
 * The region is a list of mappings of one file (dyld's dyld_cache_mapping_info):
 * read-only ones (text, linkedit) and writable copy-on-write ones (data). The
 * read-only ones must come first, from the base, and the writable ones start on a
 * twig (32 MB) boundary past them: the twigs holding the read-only mappings are
 * nested (pmap_nest) into each task, so one set of L3 tables maps them for all tasks
 * and none is charged to a task. The data mappings are ordinary private file
 * mappings in each task: a write gives the task a copy of one page. */
#ifndef VM_VM_SHARED_REGION_H
#define VM_VM_SHARED_REGION_H

#include "vm/vm_map.h"

#define VM_SHARED_REGION_MAX_MAPPINGS 8
#define VM_SHARED_REGION_TAG "shared region"

struct vm_shared_mapping {
    uint64_t address, size, file_offset;   /* page aligned */
    vm_prot_t max_prot, init_prot;
};

struct vm_shared_region {
    struct vm *vm;
    struct pmap *pmap;             /* nested into every task that maps the region */
    struct vm_object *object;      /* the file's */
    uint64_t base, end;            /* of all mappings */
    uint64_t nest_start, nest_end; /* twigs of the read-only mappings */
    unsigned nmappings;
    struct vm_shared_mapping mapping[VM_SHARED_REGION_MAX_MAPPINGS];
    uint32_t tasks;                /* maps holding it */
};

/* A region of the file vn (a reference is taken) with those mappings; NULL with the
 * reason in err when the mappings break the rules above, lie past the file's end or
 * out of the user range, or memory runs out. */
struct vm_shared_region *vm_shared_region_create(struct vm *vm, struct vnode *vn,
                                                 const struct vm_shared_mapping *m,
                                                 unsigned n, char *err, size_t errlen);
/* Only once no map holds it. */
void vm_shared_region_destroy(struct vm_shared_region *sr);

/* Maps the region into map (whose range there must be free) and nests its tables.
 * KERN_NO_SPACE if something is mapped there, KERN_RESOURCE_SHORTAGE. */
kern_return_t vm_shared_region_enter(struct vm_shared_region *sr, struct vm_map *map);
/* Called by the map when it goes or when an operation must change the nested range
 * as its own (removal, protection, wiring): the pmap unnests and the entries become
 * ordinary file mappings of the task (XNU's vm_map_clip_unnest, for the whole range). */
void vm_shared_region_unnest(struct vm_map *map);
/* The map no longer holds the region (vm_map_destroy). */
void vm_shared_region_release(struct vm_map *map);
/* True if [start, end) meets the nested range of map. */
bool vm_shared_region_touches(const struct vm_map *map, uint64_t start, uint64_t end);

#endif
