/* vm/vm_map_copy.c — virtual copies: mach_vm_copy, mach_vm_read, mach_vm_write
 * and mach_vm_read_overwrite move objects copy-on-write instead of bytes. */
#include <stdlib.h>
#include <string.h>
#include "vm/vm_map_copy.h"
#include "mmu/pmap.h"

bool vm_map_copy_is_virtual(uint64_t src, uint64_t len)
{
    return len > VM_MAP_COPY_SMALL && !((src | len) & PAGE_MASK);
}

/* The entry at addr, which the caller knows to be mapped. */
static struct vm_map_entry *entry_at(struct vm_map *map, uint64_t addr)
{
    struct vm_map_entry *e;
    vm_map_lookup_entry(map, addr, &e);
    return e;
}

kern_return_t vm_map_copyin_check(struct vm_map *map, uint64_t start, uint64_t len)
{
    kern_return_t kr = vm_map_check_access(map, start, start + len, VM_PROT_READ);
    if (kr != KERN_SUCCESS || len == 0)
        return kr;
    for (struct vm_map_entry *e = entry_at(map, start); e != &map->header && e->start < start + len;
         e = e->next)
        if (e->wired_count || e->nested ||
            (e->object && e->object->purgable != VM_PURGABLE_DENY))
            return KERN_NOT_SUPPORTED;
    return KERN_SUCCESS;
}

static uint32_t entries_in(struct vm_map *map, uint64_t start, uint64_t end)
{
    uint32_t n = 0;
    for (struct vm_map_entry *e = entry_at(map, start); e != &map->header && e->start < end;
         e = e->next)
        n++;
    return n;
}

/* One source entry's part of the copy. */
static kern_return_t copyin_entry(struct vm_map *map, struct vm_map_entry *e,
                                  struct vm_map_copy_piece *p)
{
    p->size = e->end - e->start;
    p->offset = 0;
    p->object = NULL;
    if (!e->object)
        return KERN_SUCCESS;           /* never touched: the copy is zero-fill too */
    if (e->is_shared && !e->needs_copy) {
        /* Others write this object in place: a symmetric copy would see them. */
        p->object = vm_object_copy_delayed(e->object, e->offset, p->size);
        return p->object ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
    }
    vm_object_reference(e->object);
    p->object = e->object;
    p->offset = e->offset;
    e->needs_copy = true;
    pmap_protect(map->pmap, e->start, e->end, e->protection & ~VM_PROT_WRITE);
    return KERN_SUCCESS;
}

kern_return_t vm_map_copyin(struct vm_map *map, uint64_t start, uint64_t len,
                            struct vm_map_copy **out)
{
    struct vm_map_entry *e;
    uint64_t end = start + len;
    kern_return_t kr = vm_map_clip(map, start, end, &e);
    if (kr != KERN_SUCCESS)
        return kr;
    uint32_t n = entries_in(map, start, end);
    struct vm_map_copy *copy = calloc(1, sizeof *copy + n * sizeof copy->piece[0]);
    if (!copy)
        return KERN_RESOURCE_SHORTAGE;
    copy->size = len;
    for (; kr == KERN_SUCCESS && e != &map->header && e->start < end; e = e->next)
        kr = copyin_entry(map, e, &copy->piece[copy->n++]);
    vm_map_simplify(map, start, end);
    if (kr != KERN_SUCCESS) {
        vm_map_copy_discard(copy);
        return kr;
    }
    *out = copy;
    return KERN_SUCCESS;
}

void vm_map_copy_discard(struct vm_map_copy *copy)
{
    if (!copy)
        return;
    for (uint32_t i = 0; i < copy->n; i++)
        vm_object_deallocate(copy->piece[i].object);
    free(copy);
}

/* The bottom of the object's shadow chain is anonymous memory. */
static bool anonymous_at_bottom(const struct vm_object *o)
{
    while (o && o->shadow)
        o = o->shadow;
    return !o || vm_object_internal(o);
}

static bool is_malloc(const struct vm_map_entry *e)
{
    return e->tag && strncmp(e->tag, "MALLOC", 6) == 0;
}

kern_return_t vm_map_copy_overwrite_check(struct vm_map *map, uint64_t dst, uint64_t len,
                                          const struct vm_map_copy *copy)
{
    kern_return_t kr = vm_map_check_access(map, dst, dst + len, VM_PROT_WRITE);
    if (kr != KERN_SUCCESS || len == 0)
        return kr;
    bool external = false;
    for (uint32_t i = 0; copy && i < copy->n; i++)
        external |= !anonymous_at_bottom(copy->piece[i].object);
    for (struct vm_map_entry *e = entry_at(map, dst); e != &map->header && e->start < dst + len;
         e = e->next) {
        if (e->is_shared || e->wired_count || e->nested || (e->protection & VM_PROT_EXECUTE))
            return KERN_NOT_SUPPORTED;
        if (e->object && (!vm_object_internal(e->object) ||
                          e->object->purgable != VM_PURGABLE_DENY))
            return KERN_NOT_SUPPORTED;
        if (external && is_malloc(e))
            return KERN_NOT_SUPPORTED;
    }
    return KERN_SUCCESS;
}

/* What a destination entry keeps when its object is replaced. */
struct dst_attrs {
    uint64_t start, end;
    vm_prot_t cur, max;
    enum vm_inherit inh;
    const char *tag;
};

/* Maps the copy's part [at, at + size) (copy offsets) at addr with a's attributes. */
static kern_return_t enter_part(struct vm_map *map, const struct vm_map_copy *copy, uint64_t at,
                                uint64_t addr, uint64_t size, const struct dst_attrs *a)
{
    uint64_t base = 0;
    for (uint32_t i = 0; i < copy->n && size; i++) {
        const struct vm_map_copy_piece *p = &copy->piece[i];
        uint64_t lo = at > base ? at : base, hi = base + p->size;
        if (hi > at + size)
            hi = at + size;
        if (lo < hi) {
            uint64_t va = addr + (lo - at);
            vm_object_reference(p->object);
            kern_return_t kr = vm_map_enter(map, &va, hi - lo, VM_FLAGS_FIXED, p->object,
                                            p->offset + (lo - base), p->object != NULL,
                                            a->cur, a->max, a->inh, a->tag);
            if (kr != KERN_SUCCESS)
                return kr;
        }
        base += p->size;
    }
    return KERN_SUCCESS;
}

kern_return_t vm_map_copy_overwrite(struct vm_map *map, uint64_t dst, struct vm_map_copy *copy)
{
    uint64_t end = dst + copy->size;
    uint32_t n = entries_in(map, dst, end), k = 0;
    struct dst_attrs *a = calloc(n ? n : 1, sizeof *a);
    kern_return_t kr = KERN_RESOURCE_SHORTAGE;
    if (!a)
        goto out;
    for (struct vm_map_entry *e = entry_at(map, dst); k < n; e = e->next, k++)
        a[k] = (struct dst_attrs){ e->start > dst ? e->start : dst, e->end < end ? e->end : end,
                                   e->protection, e->max_protection,
                                   (enum vm_inherit)e->inheritance, e->tag };
    if ((kr = vm_map_remove(map, dst, end)) != KERN_SUCCESS)
        goto out;
    for (k = 0; k < n && kr == KERN_SUCCESS; k++)
        kr = enter_part(map, copy, a[k].start - dst, a[k].start, a[k].end - a[k].start, &a[k]);
out:
    free(a);
    vm_map_copy_discard(copy);
    return kr;
}

kern_return_t vm_map_copyout(struct vm_map *map, uint64_t hint, uint64_t *addr,
                             struct vm_map_copy *copy)
{
    kern_return_t kr = vm_map_find_space(map, hint, copy->size, 0, addr);
    if (kr != KERN_SUCCESS)
        return kr;
    const struct dst_attrs a = { *addr, *addr + copy->size, VM_PROT_READ | VM_PROT_WRITE,
                                 VM_PROT_ALL, VM_INHERIT_COPY, "VM_ALLOCATE" };
    kr = enter_part(map, copy, 0, *addr, copy->size, &a);
    if (kr != KERN_SUCCESS) {
        vm_map_remove(map, *addr, *addr + copy->size);
        return kr;
    }
    vm_map_copy_discard(copy);
    return KERN_SUCCESS;
}
