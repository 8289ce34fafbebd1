/* vm/vm_fault.h — resolving a translation, access-flag or permission fault.
 *
 * vm_fault() first lets the pmap try reference/modify emulation (arm_fast_fault),
 * then finds the map entry, walks the object shadow chain and resolves the fault
 * as zero fill, soft fault, page-in from the vnode pager, or copy-on-write, and
 * enters the mapping. An access no entry allows returns KERN_INVALID_ADDRESS
 * (nothing mapped) or KERN_PROTECTION_FAILURE; past the end of a file,
 * KERN_MEMORY_ERROR (SIGBUS). Every call is counted and traced. */
#ifndef VM_VM_FAULT_H
#define VM_VM_FAULT_H

#include "vm/vm_map.h"

kern_return_t vm_fault(struct vm_map *map, uint64_t va, vm_prot_t access,
                       enum vm_fault_kind *kind);

/* Makes [start, end) resident and mapped with `access` (used for mlock-like wiring
 * and by the loader); stops at the first failure. */
kern_return_t vm_fault_range(struct vm_map *map, uint64_t start, uint64_t end, vm_prot_t access);

#endif
