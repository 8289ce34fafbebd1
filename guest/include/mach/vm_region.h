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

/* Share modes, as vmmap prints them: COW, PRV, NUL, SHM (shared and true shared),
 * ALI (private aliased), S/A (shared aliased). */
#define SM_COW             1
#define SM_PRIVATE         2
#define SM_EMPTY           3
#define SM_SHARED          4
#define SM_TRUESHARED      5
#define SM_PRIVATE_ALIASED 6
#define SM_SHARED_ALIASED  7
#define SM_LARGE_PAGE      8

/* Flavors VM_REGION_EXTENDED_INFO and VM_REGION_TOP_INFO (machemu/abi.h gives the
 * layouts, XNU's). */
#define VM_REGION_EXTENDED_INFO 13
typedef struct vm_region_extended_info *vm_region_extended_info_t;
typedef struct vm_region_extended_info vm_region_extended_info_data_t;
#define VM_REGION_EXTENDED_INFO_COUNT \
    ((mach_msg_type_number_t)(sizeof(vm_region_extended_info_data_t) / sizeof(natural_t)))
#define VM_REGION_TOP_INFO 12
typedef struct vm_region_top_info *vm_region_top_info_t;
typedef struct vm_region_top_info vm_region_top_info_data_t;
#define VM_REGION_TOP_INFO_COUNT \
    ((mach_msg_type_number_t)(sizeof(vm_region_top_info_data_t) / sizeof(natural_t)))

/* mach_vm_region_recurse's answer. */
typedef struct vm_region_submap_info_64 *vm_region_submap_info_64_t;
typedef struct vm_region_submap_info_64 vm_region_submap_info_data_64_t;
#define VM_REGION_SUBMAP_INFO_COUNT_64 \
    ((mach_msg_type_number_t)(sizeof(vm_region_submap_info_data_64_t) / sizeof(natural_t)))

#endif
