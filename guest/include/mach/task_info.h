/* mach/task_info.h — task_info flavors machemu answers. */
#ifndef MACHEMU_MACH_TASK_INFO_H
#define MACHEMU_MACH_TASK_INFO_H

#include <stddef.h>
#include <machemu/abi.h>
#include <mach/message.h>

typedef natural_t task_flavor_t;
typedef integer_t *task_info_t;
#define TASK_INFO_MAX 1024
typedef integer_t task_info_data_t[TASK_INFO_MAX];

/* TASK_VM_INFO: struct task_vm_info (machemu/abi.h) through revision 2. Revision 0 ends
 * before phys_footprint, revision 1 before min_address; the kernel fills as many
 * revisions as the caller's count holds and returns the count it filled. */
#define TASK_VM_INFO           22
#define TASK_VM_INFO_PURGEABLE 23
typedef struct task_vm_info task_vm_info_data_t;
typedef struct task_vm_info *task_vm_info_t;
#define TASK_VM_INFO_COUNT \
    ((mach_msg_type_number_t)(sizeof(task_vm_info_data_t) / sizeof(natural_t)))
#define TASK_VM_INFO_REV2_COUNT TASK_VM_INFO_COUNT
#define TASK_VM_INFO_REV1_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, min_address) / sizeof(natural_t)))
#define TASK_VM_INFO_REV0_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, phys_footprint) / sizeof(natural_t)))

#endif
