/* mach/memory_object_types.h — the offset and size types of memory objects. */
#ifndef MACHEMU_MACH_MEMORY_OBJECT_TYPES_H
#define MACHEMU_MACH_MEMORY_OBJECT_TYPES_H

#include <mach/port.h>

typedef unsigned long long memory_object_offset_t;
typedef unsigned long long memory_object_size_t;
typedef mach_port_t memory_object_t;

#define MEMORY_OBJECT_NULL ((memory_object_t)0)

/* mach_make_memory_entry_64's permission: the protections in the low bits, and how
 * the entry is made (XNU's values). machemu implements NAMED_CREATE (with PURGABLE),
 * an entry over a mapped range (no flag, VM_SHARE, NAMED_REUSE) and over part of a
 * parent entry; VM_COPY and MAP_MEM_ONLY answer KERN_NOT_SUPPORTED. */
#define MAP_MEM_ONLY          0x010000
#define MAP_MEM_NAMED_CREATE  0x020000
#define MAP_MEM_PURGABLE      0x040000
#define MAP_MEM_NAMED_REUSE   0x080000
#define MAP_MEM_USE_DATA_ADDR 0x100000
#define MAP_MEM_VM_COPY       0x200000
#define MAP_MEM_VM_SHARE      0x400000

#endif
