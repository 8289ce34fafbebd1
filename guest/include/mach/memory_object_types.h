/* mach/memory_object_types.h — the offset and size types of memory objects. */
#ifndef MACHEMU_MACH_MEMORY_OBJECT_TYPES_H
#define MACHEMU_MACH_MEMORY_OBJECT_TYPES_H

#include <mach/port.h>

typedef unsigned long long memory_object_offset_t;
typedef unsigned long long memory_object_size_t;
typedef mach_port_t memory_object_t;

#define MEMORY_OBJECT_NULL ((memory_object_t)0)

#endif
