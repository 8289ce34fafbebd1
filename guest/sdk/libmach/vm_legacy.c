/* The vm_* calls of <mach/vm_map.h>: on a 64-bit task they are the mach_vm_* ones. */
#include "trap.h"

_Static_assert(sizeof(vm_address_t) == sizeof(mach_vm_address_t), "arm64: 64-bit vm_address_t");

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
                          int flags)
{
    mach_vm_address_t a = *address;
    kern_return_t kr = mach_vm_allocate(target_task, &a, size, flags);
    if (kr == KERN_SUCCESS)
        *address = (vm_address_t)a;
    return kr;
}

kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size)
{
    return mach_vm_deallocate(target_task, address, size);
}

kern_return_t vm_protect(vm_map_t target_task, vm_address_t address, vm_size_t size,
                         boolean_t set_maximum, vm_prot_t new_protection)
{
    return mach_vm_protect(target_task, address, size, set_maximum, new_protection);
}
