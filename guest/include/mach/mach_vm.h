/* mach/mach_vm.h — the mach_vm_* interface on a task's address space.
 *
 * Same names, types and arguments as Darwin. On XNU most of these are MIG routines
 * (a mach_msg to the task port); machemu has no IPC, so libmach reaches every one of
 * them through a direct trap (svc #0x80, see machemu/abi.h). A bad or null target
 * port answers MACH_SEND_INVALID_DEST, as the MIG path does on XNU. */
#ifndef MACHEMU_MACH_MACH_VM_H
#define MACHEMU_MACH_MACH_VM_H

#include <mach/mach_types.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
                               mach_vm_size_t size, int flags);

kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
                                 mach_vm_size_t size);

kern_return_t mach_vm_protect(vm_map_t target_task, mach_vm_address_t address,
                              mach_vm_size_t size, boolean_t set_maximum,
                              vm_prot_t new_protection);

kern_return_t mach_vm_inherit(vm_map_t target_task, mach_vm_address_t address,
                              mach_vm_size_t size, vm_inherit_t new_inheritance);

kern_return_t mach_vm_read_overwrite(vm_map_read_t target_task, mach_vm_address_t address,
                                     mach_vm_size_t size, mach_vm_address_t data,
                                     mach_vm_size_t *outsize);

kern_return_t mach_vm_write(vm_map_t target_task, mach_vm_address_t address,
                            vm_offset_t data, mach_msg_type_number_t dataCnt);

kern_return_t mach_vm_copy(vm_map_t target_task, mach_vm_address_t source_address,
                           mach_vm_size_t size, mach_vm_address_t dest_address);

kern_return_t mach_vm_map(vm_map_t target_task, mach_vm_address_t *address,
                          mach_vm_size_t size, mach_vm_offset_t mask, int flags,
                          mem_entry_name_port_t object, memory_object_offset_t offset,
                          boolean_t copy, vm_prot_t cur_protection,
                          vm_prot_t max_protection, vm_inherit_t inheritance);

kern_return_t mach_vm_region(vm_map_read_t target_task, mach_vm_address_t *address,
                             mach_vm_size_t *size, vm_region_flavor_t flavor,
                             vm_region_info_t info, mach_msg_type_number_t *infoCnt,
                             mach_port_t *object_name);

kern_return_t mach_vm_page_query(vm_map_read_t target_map, mach_vm_offset_t offset,
                                 integer_t *disposition, integer_t *ref_count);

kern_return_t mach_vm_purgable_control(vm_map_t target_task, mach_vm_address_t address,
                                       vm_purgable_t control, int *state);

/* Returns a new out-of-line copy of the range in *data (release it with
 * mach_vm_deallocate); *dataCnt is size. */
kern_return_t mach_vm_read(vm_map_read_t target_task, mach_vm_address_t address,
                           mach_vm_size_t size, vm_offset_t *data,
                           mach_msg_type_number_t *dataCnt);

/* *nesting_depth: how deep to descend into sub-maps (the shared region) on entry, the
 * depth of the region returned on exit. */
kern_return_t mach_vm_region_recurse(vm_map_read_t target_task, mach_vm_address_t *address,
                                     mach_vm_size_t *size, natural_t *nesting_depth,
                                     vm_region_recurse_info_t info,
                                     mach_msg_type_number_t *infoCnt);

/* A send right to a named memory entry: a new object (MAP_MEM_NAMED_CREATE) or the
 * memory mapped at offset (parent_entry: MACH_PORT_NULL), which mach_vm_map maps. */
kern_return_t mach_make_memory_entry_64(vm_map_t target_task, memory_object_size_t *size,
                                        memory_object_offset_t offset, vm_prot_t permission,
                                        mach_port_t *object_handle,
                                        mem_entry_name_port_t parent_entry);

kern_return_t mach_memory_object_memory_entry_64(host_t host, boolean_t internal,
                                                 memory_object_size_t size,
                                                 vm_prot_t permission, memory_object_t pager,
                                                 mach_port_t *entry_handle);

/* Drops one user reference of a right in task's space: a memory entry's last one
 * releases the entry (its mappings keep the memory). */
kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);

MACHEMU_END_DECLS

#endif
