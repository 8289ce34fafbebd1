/* mach/vm_types.h — the integer types of the Mach VM interface, arm64 (LP64) sizes. */
#ifndef MACHEMU_MACH_VM_TYPES_H
#define MACHEMU_MACH_VM_TYPES_H

#include <stdint.h>

typedef unsigned int natural_t;
typedef int integer_t;

/* Sized like a pointer: addresses and sizes in the caller's own address space. */
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
typedef vm_offset_t vm_address_t;
typedef vm_offset_t pointer_t;

/* Always 64 bits: addresses and sizes in any task's map. */
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;
typedef uint64_t vm_map_offset_t;
typedef uint64_t vm_map_address_t;
typedef uint64_t vm_map_size_t;
typedef uint64_t vm_object_offset_t;
typedef uint64_t vm_object_size_t;
typedef uint64_t addr64_t;

typedef uint32_t vm32_offset_t;
typedef uint32_t vm32_address_t;
typedef uint32_t vm32_size_t;

#endif
