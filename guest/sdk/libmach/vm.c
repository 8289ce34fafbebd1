/* The mach_vm_* calls: one trap each (machemu/abi.h gives the argument order). */
#include "trap.h"

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
                               mach_vm_size_t size, int flags)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_ALLOCATE, target, ARG(address), size,
                                  ARG((unsigned)flags)));
}

kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
                                 mach_vm_size_t size)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_DEALLOCATE, target, address, size));
}

kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address,
                              mach_vm_size_t size, boolean_t set_maximum,
                              vm_prot_t new_protection)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_PROTECT, target_task, address, size,
                                  ARG((unsigned)set_maximum), ARG((unsigned)new_protection)));
}

kern_return_t mach_vm_inherit(vm_map_t target_task, mach_vm_address_t address,
                              mach_vm_size_t size, vm_inherit_t new_inheritance)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_INHERIT, target_task, address, size,
                                  new_inheritance));
}

kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task, mach_vm_address_t address,
                                     mach_vm_size_t size, mach_vm_address_t data,
                                     mach_vm_size_t *outsize)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_READ_OVERWRITE, target_task, address, size,
                                  data, ARG(outsize)));
}

kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address,
                            vm_offset_t data, mach_msg_type_number_t dataCnt)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_WRITE, target_task, address, data, dataCnt));
}

kern_return_t mach_vm_copy(vm_map_t target_task, mach_vm_address_t source_address,
                           mach_vm_size_t size, mach_vm_address_t dest_address)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_COPY, target_task, source_address, size,
                                  dest_address));
}

/* Eleven arguments: the last four travel in a struct whose address is the eighth. */
kern_return_t mach_vm_map(vm_map_t target_task, mach_vm_address_t *address,
                          mach_vm_size_t size, mach_vm_offset_t mask, int flags,
                          mem_entry_name_port_t object, memory_object_offset_t offset,
                          boolean_t copy, vm_prot_t cur_protection,
                          vm_prot_t max_protection, vm_inherit_t inheritance)
{
    struct machemu_vm_map_args rest = {
        .copy = copy,
        .cur_protection = cur_protection,
        .max_protection = max_protection,
        .inheritance = inheritance,
    };
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_MAP, target_task, ARG(address), size, mask,
                                  ARG((unsigned)flags), object, offset, ARG(&rest)));
}

kern_return_t mach_vm_region(vm_map_read_t target_task, mach_vm_address_t *address,
                             mach_vm_size_t *size, vm_region_flavor_t flavor,
                             vm_region_info_t info, mach_msg_type_number_t *infoCnt,
                             mach_port_t *object_name)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_REGION, target_task, ARG(address), ARG(size),
                                  ARG((unsigned)flavor), ARG(info), ARG(infoCnt),
                                  ARG(object_name)));
}

kern_return_t mach_vm_page_query(vm_map_read_t target_map, mach_vm_offset_t offset,
                                 integer_t *disposition, integer_t *ref_count)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_PAGE_QUERY, target_map, offset,
                                  ARG(disposition), ARG(ref_count)));
}

kern_return_t mach_vm_purgable_control(vm_map_t target_task, mach_vm_address_t address,
                                       vm_purgable_t control, int *state)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_PURGABLE_CONTROL, target_task, address,
                                  ARG((unsigned)control), ARG(state)));
}

kern_return_t mach_vm_wire(host_priv_t host_priv, vm_map_t task, mach_vm_address_t address,
                           mach_vm_size_t size, vm_prot_t desired_access)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_WIRE, host_priv, task, address, size,
                                  ARG((unsigned)desired_access)));
}

kern_return_t mach_vm_read(vm_map_read_t target_task, mach_vm_address_t address,
                           mach_vm_size_t size, vm_offset_t *data,
                           mach_msg_type_number_t *dataCnt)
{
    uint64_t d = 0;
    kern_return_t kr = mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_READ, target_task, address, size,
                                              ARG(&d), ARG(dataCnt)));
    if (kr == KERN_SUCCESS)
        *data = (vm_offset_t)d;
    return kr;
}

kern_return_t mach_vm_region_recurse(vm_map_read_t target_task, mach_vm_address_t *address,
                                     mach_vm_size_t *size, natural_t *nesting_depth,
                                     vm_region_recurse_info_t info,
                                     mach_msg_type_number_t *infoCnt)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_VM_REGION_RECURSE, target_task, ARG(address),
                                  ARG(size), ARG(nesting_depth), ARG(info), ARG(infoCnt)));
}

kern_return_t mach_make_memory_entry_64(vm_map_t target_task, memory_object_size_t *size,
                                        memory_object_offset_t offset, vm_prot_t permission,
                                        mach_port_t *object_handle,
                                        mem_entry_name_port_t parent_entry)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_MAKE_MEMORY_ENTRY, target_task, ARG(size), offset,
                                  ARG((unsigned)permission), ARG(object_handle), parent_entry));
}

kern_return_t mach_memory_object_memory_entry_64(host_t host, boolean_t internal,
                                                 memory_object_size_t size,
                                                 vm_prot_t permission, memory_object_t pager,
                                                 mach_port_t *entry_handle)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_MEMORY_OBJECT_ENTRY, host, ARG((unsigned)internal),
                                  size, ARG((unsigned)permission), pager, ARG(entry_handle)));
}

kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_PORT_DEALLOCATE, task, name));
}
