/* emu/mach_entry.c — named memory entries: mach_make_memory_entry_64,
 * mach_memory_object_memory_entry_64, mach_vm_map of an entry, mach_port_deallocate.
 * Return codes follow XNU's vm_memory_entry.c and vm_map_enter_mem_object. */
#include <stdlib.h>
#include "emu/darwin.h"

#define MAP_MEM_ONLY    0x010000
#define MAP_MEM_FLAGS_MASK 0x00ffff00u      /* what is not a protection */
/* A name the caller's space does not hold: the MIG send fails. */
#define MACH_SEND_INVALID_RIGHT 0x10000007

static bool fixed_port(uint64_t name)
{
    return name == MACHEMU_PORT_TASK_SELF || name == MACHEMU_PORT_HOST ||
           name == MACHEMU_PORT_THREAD_SELF;
}

/* The protections a permission asks for (its upper bits say how to make the entry). */
static vm_prot_t entry_prot(uint64_t permission)
{
    return (vm_prot_t)(permission & VM_PROT_ALL);
}

/* An entry over part of a parent entry: the same object, no more protection. */
static kern_return_t from_parent(const struct vm_named_entry *parent, uint64_t offset,
                                 uint64_t *size, vm_prot_t prot, struct vm_named_entry **out)
{
    uint64_t start = trunc_page(offset), end = round_page(offset + *size);
    if (*size == 0 || end < start || end > parent->size)
        return KERN_INVALID_ARGUMENT;
    if ((parent->protection & prot) != prot)
        return KERN_PROTECTION_FAILURE;
    if (!(*out = malloc(sizeof **out)))
        return KERN_RESOURCE_SHORTAGE;
    vm_object_reference(parent->object);
    **out = (struct vm_named_entry){ parent->object, parent->offset + start, end - start, prot };
    *size = end - start;
    return KERN_SUCCESS;
}

static kern_return_t make_entry(struct emu *emu, struct vm_map *map, uint64_t *size,
                                uint64_t offset, uint64_t permission, uint64_t parent_name,
                                struct vm_named_entry **ne)
{
    vm_prot_t prot = entry_prot(permission);
    const struct vm_named_entry *parent = ipc_space_entry(&emu->task->ports, (uint32_t)parent_name);
    *ne = NULL;
    if (permission & (MAP_MEM_ONLY | MAP_MEM_VM_COPY))
        return KERN_NOT_SUPPORTED;
    if (permission & MAP_MEM_NAMED_CREATE) {
        if (*size == 0)
            return KERN_SUCCESS;           /* XNU: success, and no port */
        if (round_page(*size) < *size)
            return KERN_INVALID_ARGUMENT;
        *ne = vm_named_entry_create(&emu->vm, *size, prot, permission & MAP_MEM_PURGABLE);
        *size = round_page(*size);
        return *ne ? KERN_SUCCESS : KERN_RESOURCE_SHORTAGE;
    }
    if (parent && !(permission & (MAP_MEM_VM_SHARE | MAP_MEM_NAMED_REUSE)))
        return from_parent(parent, offset, size, prot, ne);
    return vm_named_entry_from_map(map, offset, size, prot, permission & VM_PROT_IS_MASK, ne);
}

int64_t trap_make_memory_entry(struct emu *emu, const uint64_t a[8])
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    uint64_t size;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if ((a[3] & ~(uint64_t)(MAP_MEM_FLAGS_MASK | VM_PROT_ALL | VM_PROT_IS_MASK)) != 0)
        return KERN_INVALID_VALUE;
    if (copyin(emu, &size, a[1], sizeof size) < 0)
        return KERN_INVALID_ADDRESS;
    if (a[5] && !fixed_port(a[5]) && !ipc_space_entry(&emu->task->ports, (uint32_t)a[5]))
        return MACH_SEND_INVALID_RIGHT;
    struct vm_named_entry *ne;
    kern_return_t kr = make_entry(emu, map, &size, a[2], a[3], a[5], &ne);
    if (kr != KERN_SUCCESS)
        return kr;
    uint32_t name = ne ? ipc_space_insert_entry(&emu->task->ports, ne) : 0;
    if (ne && !name)
        return KERN_NO_SPACE;          /* XNU's answer when the port table is full */
    if (copyout(emu, a[1], &size, sizeof size) < 0 || copyout(emu, a[4], &name, sizeof name) < 0) {
        ipc_space_deallocate(&emu->task->ports, name);
        return KERN_INVALID_ADDRESS;
    }
    return KERN_SUCCESS;
}

/* Only an anonymous entry (internal, no pager): machemu gives user space no pager
 * ports to pass. */
int64_t trap_memory_object_entry(struct emu *emu, const uint64_t a[8])
{
    if (a[0] != MACHEMU_PORT_HOST)
        return a[0] == MACHEMU_PORT_TASK_SELF || a[0] == MACHEMU_PORT_THREAD_SELF
                   ? KERN_INVALID_HOST : MACHEMU_MACH_SEND_INVALID_DEST;
    if (!a[1] || a[4] || a[2] == 0 || round_page(a[2]) < a[2])
        return KERN_INVALID_ARGUMENT;
    struct vm_named_entry *ne = vm_named_entry_create(&emu->vm, a[2], entry_prot(a[3]), false);
    uint32_t name = ne ? ipc_space_insert_entry(&emu->task->ports, ne) : 0;
    if (!name)
        return ne ? KERN_NO_SPACE : KERN_RESOURCE_SHORTAGE;
    if (copyout(emu, a[5], &name, sizeof name) < 0) {
        ipc_space_deallocate(&emu->task->ports, name);
        return KERN_INVALID_ADDRESS;
    }
    return KERN_SUCCESS;
}

int64_t trap_port_deallocate(struct emu *emu, const uint64_t a[8])
{
    if (!mach_task_map(emu, a[0]))
        return MACHEMU_MACH_SEND_INVALID_DEST;
    uint32_t name = (uint32_t)a[1];
    if (name == 0 || name == ~0u || fixed_port(name))
        return KERN_SUCCESS;       /* the fixed ports never lose their last reference */
    return ipc_space_deallocate(&emu->task->ports, name);
}

/* Where the mapping goes: ANYWHERE (first fit with mask) or the fixed address. */
static kern_return_t place(struct emu *emu, struct vm_map *map, uint64_t *addr, uint64_t size,
                           uint64_t mask, uint32_t flags)
{
    if (flags & VM_FLAGS_ANYWHERE)
        return vm_map_find_space(map, *addr > emu->task->mmap_hint ? *addr : emu->task->mmap_hint,
                                 size, mask, addr);
    *addr = trunc_page(*addr);         /* as mach_vm_allocate's fixed addresses */
    return *addr & mask ? KERN_NO_SPACE : KERN_SUCCESS;
}

int64_t mach_map_entry(struct emu *emu, const uint64_t a[8], const struct machemu_vm_map_args *x)
{
    struct vm_map *map = mach_task_map(emu, a[0]);
    const struct vm_named_entry *ne = ipc_space_entry(&emu->task->ports, (uint32_t)a[5]);
    uint64_t addr, size = round_page(a[2]);
    vm_prot_t cur = (vm_prot_t)x->cur_protection, max = (vm_prot_t)x->max_protection;
    if (!map)
        return MACHEMU_MACH_SEND_INVALID_DEST;
    if (!ne)
        return fixed_port(a[5]) ? KERN_INVALID_OBJECT : MACH_SEND_INVALID_RIGHT;
    /* VM_PROT_IS_MASK: as much of it as the entry allows. */
    if (cur & VM_PROT_IS_MASK)
        cur &= ne->protection;
    if (max & VM_PROT_IS_MASK)
        max &= ne->protection;
    if (a[2] == 0 || size < a[2] || (cur & ~VM_PROT_ALL) || (max & ~VM_PROT_ALL) || (cur & ~max) ||
        x->inheritance > VM_INHERIT_NONE)
        return KERN_INVALID_ARGUMENT;
    if (copyin(emu, &addr, a[1], sizeof addr) < 0)
        return KERN_INVALID_ADDRESS;
    uint32_t flags = (uint32_t)a[4];
    kern_return_t kr = place(emu, map, &addr, size, a[3], flags);
    if (kr != KERN_SUCCESS)
        return kr;
    kr = vm_map_enter_named_entry(map, &addr, size, VM_FLAGS_FIXED | (flags & VM_FLAGS_OVERWRITE),
                                  ne, a[6], x->copy != 0, cur, max,
                                  (enum vm_inherit)x->inheritance, mach_tag_name(flags));
    if (kr != KERN_SUCCESS)
        return kr;
    if (copyout(emu, a[1], &addr, sizeof addr) < 0) {
        vm_map_remove(map, addr, addr + size);
        return KERN_INVALID_ADDRESS;
    }
    return KERN_SUCCESS;
}
