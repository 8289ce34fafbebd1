/* mach/host_priv.h — calls that need the privileged host port. machemu's guests may
 * pass mach_host_self() (every guest is privileged here). */
#ifndef MACHEMU_MACH_HOST_PRIV_H
#define MACHEMU_MACH_HOST_PRIV_H

#include <mach/mach_types.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

/* Wire [address, address + size) for desired_access; VM_PROT_NONE unwires. Wirings
 * nest: each call with an access adds one user wiring, each VM_PROT_NONE drops one. */
kern_return_t mach_vm_wire(host_priv_t host_priv, vm_map_t task, mach_vm_address_t address,
                           mach_vm_size_t size, vm_prot_t desired_access);

MACHEMU_END_DECLS

#endif
