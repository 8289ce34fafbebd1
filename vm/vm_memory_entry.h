/* vm/vm_memory_entry.h — named memory entries (XNU's vm_named_entry): a range of
 * one object with the protection its holders may map it with. The emulator's port
 * space (emu/mach_port.c) names them; each mapping of an entry holds its own
 * reference on the object, so the memory lives while a port or a mapping does. */
#ifndef VM_VM_MEMORY_ENTRY_H
#define VM_VM_MEMORY_ENTRY_H

#include "vm/vm_map.h"

/* mach_make_memory_entry_64's permission bits (XNU's memory_object_types.h). */
#define MAP_MEM_NAMED_CREATE 0x020000
#define MAP_MEM_NAMED_REUSE  0x080000
#define MAP_MEM_USE_DATA_ADDR 0x100000
#define MAP_MEM_VM_COPY      0x200000
#define MAP_MEM_VM_SHARE     0x400000
#define MAP_MEM_PURGABLE     0x040000

struct vm_named_entry {
    struct vm_object *object;      /* referenced */
    uint64_t offset, size;         /* page aligned, within the object */
    vm_prot_t protection;          /* what a mapping may have, cur and max */
};

/* MAP_MEM_NAMED_CREATE: a new anonymous (or purgeable) object of round_page(size). */
struct vm_named_entry *vm_named_entry_create(struct vm *vm, uint64_t size, vm_prot_t prot,
                                             bool purgable);
/* An entry over the memory at [offset, offset + *size) of map, shared with it: the
 * object of the map entry there (made its own first, vm_map_entry_share). As XNU's
 * single-object share, *size is cut at the end of that map entry.
 * KERN_INVALID_ADDRESS if nothing is mapped at offset, KERN_PROTECTION_FAILURE if
 * the mapping does not allow prot (with mask: if it allows none of it; the entry
 * then gets what it allows), KERN_INVALID_ARGUMENT for the shared region's nested
 * range. */
kern_return_t vm_named_entry_from_map(struct vm_map *map, uint64_t offset, uint64_t *size,
                                      vm_prot_t prot, bool mask, struct vm_named_entry **out);
/* mach_vm_map of an entry: [offset, offset + size) of it at *addr (flags as
 * vm_map_enter), shared (copy false: the mapping writes the entry's object in place)
 * or as a delayed copy. KERN_INVALID_RIGHT if cur or max exceeds the entry's
 * protection, KERN_INVALID_ARGUMENT if the range is past its end. */
kern_return_t vm_map_enter_named_entry(struct vm_map *map, uint64_t *addr, uint64_t size,
                                       int flags, const struct vm_named_entry *ne,
                                       uint64_t offset, bool copy, vm_prot_t cur, vm_prot_t max,
                                       enum vm_inherit inh, const char *tag);
void vm_named_entry_release(struct vm_named_entry *ne);

#endif
