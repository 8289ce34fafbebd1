/* vm/vm_shared_region.c — the shared region (dyld shared cache) of every task. */
#include <stdio.h>
#include <stdlib.h>
#include "vm/vm_shared_region.h"

static uint64_t round_twig(uint64_t x)
{
    return (x + PMAP_TWIG_SIZE - 1) & ~(PMAP_TWIG_SIZE - 1);
}

static bool writable(const struct vm_shared_mapping *m)
{
    return (m->max_prot | m->init_prot) & VM_PROT_WRITE;
}

/* Read-only mappings first, from a twig-aligned base, in order and disjoint; the
 * writable ones past the twigs of the read-only ones; all inside the file. */
static bool layout_ok(const struct vm_shared_mapping *m, unsigned n, uint64_t file_size,
                      char *err, size_t errlen)
{
    if (n == 0 || n > VM_SHARED_REGION_MAX_MAPPINGS || writable(&m[0]) ||
        m[0].address & (PMAP_TWIG_SIZE - 1)) {
        snprintf(err, errlen, "the first of 1 to %d mappings must be read-only at a 32 MB "
                 "boundary", VM_SHARED_REGION_MAX_MAPPINGS);
        return false;
    }
    uint64_t ro_end = m[0].address;
    for (unsigned i = 0; i < n; i++) {
        const struct vm_shared_mapping *x = &m[i];
        if (!x->size || (x->address | x->size | x->file_offset) & PAGE_MASK ||
            x->init_prot & ~x->max_prot || x->address + x->size < x->address ||
            x->address + x->size > VA_USER_END) {
            snprintf(err, errlen, "mapping %u: not page aligned, empty or out of range", i);
            return false;
        }
        if (x->file_offset > file_size || x->size > file_size - x->file_offset) {
            snprintf(err, errlen, "mapping %u: past the end of the file", i);
            return false;
        }
        if (i && x->address < m[i - 1].address + m[i - 1].size) {
            snprintf(err, errlen, "mapping %u: overlaps or precedes the one before", i);
            return false;
        }
        if (!writable(x) && i && writable(&m[i - 1])) {
            snprintf(err, errlen, "mapping %u: read-only after a writable one", i);
            return false;
        }
        if (!writable(x))
            ro_end = x->address + x->size;
        else if (x->address < round_twig(ro_end)) {
            snprintf(err, errlen, "mapping %u: writable inside the nested twigs of the "
                     "read-only mappings (below 0x%llx)", i,
                     (unsigned long long)round_twig(ro_end));
            return false;
        }
    }
    return true;
}

struct vm_shared_region *vm_shared_region_create(struct vm *vm, struct vnode *vn,
                                                 const struct vm_shared_mapping *m,
                                                 unsigned n, char *err, size_t errlen)
{
    if (!layout_ok(m, n, round_page(vn->size), err, errlen))
        return NULL;
    struct vm_shared_region *sr = calloc(1, sizeof *sr);
    if (sr && !(sr->pmap = pmap_create_nested(vm->mmu))) {
        free(sr);
        sr = NULL;
    }
    if (!sr || !(sr->object = vm_object_for_vnode(vm, vn))) {
        if (sr)
            pmap_destroy(sr->pmap);
        free(sr);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sr->vm = vm;
    sr->nmappings = n;
    for (unsigned i = 0; i < n; i++)
        sr->mapping[i] = m[i];
    sr->base = m[0].address;
    sr->end = m[n - 1].address + m[n - 1].size;
    sr->nest_start = sr->base;
    for (unsigned i = 0; i < n && !writable(&m[i]); i++)
        sr->nest_end = round_twig(m[i].address + m[i].size);
    return sr;
}

void vm_shared_region_destroy(struct vm_shared_region *sr)
{
    if (!sr)
        return;
    if (sr->tasks)
        fprintf(stderr, "vm: shared region destroyed while %u maps hold it\n", sr->tasks);
    pmap_destroy(sr->pmap);
    vm_object_deallocate(sr->object);
    free(sr);
}

kern_return_t vm_shared_region_enter(struct vm_shared_region *sr, struct vm_map *map)
{
    if (map->shared_region)
        return KERN_INVALID_ARGUMENT;
    if (!vm_map_range_free(map, sr->nest_start, sr->nest_end) ||
        !vm_map_range_free(map, sr->base, sr->end))
        return KERN_NO_SPACE;
    if (pmap_nest(map->pmap, sr->pmap, sr->nest_start, sr->nest_end - sr->nest_start) < 0)
        return KERN_RESOURCE_SHORTAGE;
    map->shared_region = sr;
    sr->tasks++;
    for (unsigned i = 0; i < sr->nmappings; i++) {
        const struct vm_shared_mapping *m = &sr->mapping[i];
        uint64_t addr = m->address;
        bool cow = writable(m);
        vm_object_reference(sr->object);
        kern_return_t kr = vm_map_enter(map, &addr, m->size, VM_FLAGS_FIXED, sr->object,
                                        m->file_offset, cow, m->init_prot, m->max_prot,
                                        cow ? VM_INHERIT_COPY : VM_INHERIT_SHARE,
                                        VM_SHARED_REGION_TAG);
        if (kr != KERN_SUCCESS) {
            vm_map_remove(map, sr->base, sr->end);
            vm_shared_region_unnest(map);
            vm_shared_region_release(map);
            return kr;
        }
        struct vm_map_entry *e;
        if (!cow && vm_map_lookup_entry(map, m->address, &e))
            e->nested = true;
    }
    return KERN_SUCCESS;
}

void vm_shared_region_unnest(struct vm_map *map)
{
    if (!map->pmap || !map->pmap->nested)
        return;
    pmap_unnest(map->pmap);
    for (struct vm_map_entry *e = map->header.next; e != &map->header; e = e->next)
        e->nested = false;
}

void vm_shared_region_release(struct vm_map *map)
{
    if (!map->shared_region)
        return;
    map->shared_region->tasks--;
    map->shared_region = NULL;
}

bool vm_shared_region_touches(const struct vm_map *map, uint64_t start, uint64_t end)
{
    const struct pmap *pm = map->pmap;
    return pm && pm->nested && start < pm->nested_end && end > pm->nested_start;
}
