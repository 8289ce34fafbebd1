/* mach/vm_map.h — the older vm_* calls, sized by the caller's pointer width. On
 * arm64 they are the mach_vm_* calls (libmach forwards them). */
#ifndef MACHEMU_MACH_VM_MAP_H
#define MACHEMU_MACH_VM_MAP_H

#include <mach/mach_types.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
                          int flags);
kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size);
kern_return_t vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size,
                         boolean_t set_maximum, vm_prot_t new_protection);

MACHEMU_END_DECLS

#endif
