/* mach/vm_region.h — what mach_vm_region reports about a region. */
#ifndef MACHEMU_MACH_VM_REGION_H
#define MACHEMU_MACH_VM_REGION_H

#include <machemu/abi.h>
#include <mach/boolean.h>
#include <mach/memory_object_types.h>
#include <mach/message.h>
#include <mach/vm_behavior.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>

typedef int vm_region_flavor_t;
typedef int *vm_region_info_t;
typedef int *vm_region_info_64_t;
typedef int *vm_region_recurse_info_t;
typedef int *vm_region_recurse_info_64_t;
typedef int vm_region_info_data_t[1024];

#define VM_REGION_INFO_MAX 1024

/* Flavor VM_REGION_BASIC_INFO_64: struct vm_region_basic_info_64 (machemu/abi.h),
 * fields protection, max_protection, inheritance, shared, reserved, offset, behavior,
 * user_wired_count; packed to 4 bytes, 9 ints. */
#define VM_REGION_BASIC_INFO_64 9
typedef struct vm_region_basic_info_64 *vm_region_basic_info_64_t;
typedef struct vm_region_basic_info_64 vm_region_basic_info_data_64_t;
#define VM_REGION_BASIC_INFO_COUNT_64 \
    ((mach_msg_type_number_t)(sizeof(vm_region_basic_info_data_64_t) / sizeof(int)))

#endif
