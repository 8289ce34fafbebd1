/* vm/vm_memory_entry.c — named memory entries and their mappings. */
#include <stdlib.h>
#include "vm/vm_memory_entry.h"

static struct vm_named_entry *entry_new(struct vm_object *obj, uint64_t offset, uint64_t size,
                                        vm_prot_t prot)
{
    struct vm_named_entry *ne = malloc(sizeof *ne);
    if (!ne) {
        vm_object_deallocate(obj);
        return NULL;
    }
    *ne = (struct vm_named_entry){ obj, offset, size, prot & VM_PROT_ALL };
    return ne;
}

struct vm_named_entry *vm_named_entry_create(struct vm *vm, uint64_t size, vm_prot_t prot,
                                             bool purgable)
{
    size = round_page(size);
    struct vm_object *obj = purgable ? vm_object_allocate_purgable(vm, size)
                                     : vm_object_allocate(vm, size);
    return obj ? entry_new(obj, 0, size, prot) : NULL;
}

kern_return_t vm_named_entry_from_map(struct vm_map *map, uint64_t offset, uint64_t *size,
                                      vm_prot_t prot, bool mask, struct vm_named_entry **out)
{
    uint64_t start = trunc_page(offset), end = round_page(offset + *size);
    struct vm_map_entry *e;
    if (*size == 0 || end < start)
        return KERN_INVALID_ARGUMENT;
    if (!vm_map_lookup_entry(map, start, &e))
        return KERN_INVALID_ADDRESS;
    if (e->nested)
        return KERN_INVALID_ARGUMENT;
    if (mask && !(prot &= e->protection))
        return KERN_PROTECTION_FAILURE;
    if ((e->protection & prot) != prot)
        return KERN_PROTECTION_FAILURE;
    if (end > e->end)
        end = e->end;
    kern_return_t kr = vm_map_clip(map, start, end, &e);
    if (kr == KERN_SUCCESS)
        kr = vm_map_entry_share(map, e);
    if (kr != KERN_SUCCESS)
        return kr;
    vm_object_reference(e->object);
    e->object->true_share = true;
    *out = entry_new(e->object, e->offset, end - start, prot);
    vm_map_simplify(map, start, end);
    if (!*out)
        return KERN_RESOURCE_SHORTAGE;
    *size = end - start;
    return KERN_SUCCESS;
}

kern_return_t vm_map_enter_named_entry(struct vm_map *map, uint64_t *addr, uint64_t size,
                                       int flags, const struct vm_named_entry *ne,
                                       uint64_t offset, bool copy, vm_prot_t cur, vm_prot_t max,
                                       enum vm_inherit inh, const char *tag)
{
    if ((ne->protection & max) != max || (ne->protection & cur) != cur)
        return KERN_INVALID_RIGHT;
    if (offset & PAGE_MASK || offset + size < offset || offset + size > ne->size)
        return KERN_INVALID_ARGUMENT;
    struct vm_object *obj = ne->object;
    uint64_t obj_offset = ne->offset + offset;
    if (copy) {
        if (!(obj = vm_object_copy_delayed(ne->object, obj_offset, size)))
            return KERN_RESOURCE_SHORTAGE;
        obj_offset = 0;
    } else {
        vm_object_reference(obj);
        obj->true_share = true;
    }
    kern_return_t kr = vm_map_enter(map, addr, size, flags, obj, obj_offset, false, cur, max, inh,
                                    tag);
    struct vm_map_entry *e;
    if (kr == KERN_SUCCESS && !copy && vm_map_clip(map, *addr, *addr + size, &e) == KERN_SUCCESS) {
        /* The entry's object is written in place by every such mapping. */
        for (; e != &map->header && e->start < *addr + size; e = e->next)
            e->is_shared = true;
        vm_map_simplify(map, *addr, *addr + size);
    }
    return kr;
}

void vm_named_entry_release(struct vm_named_entry *ne)
{
    if (!ne)
        return;
    vm_object_deallocate(ne->object);
    free(ne);
}
