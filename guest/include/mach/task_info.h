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

/* TASK_VM_INFO: struct task_vm_info (machemu/abi.h) through revision 5. Revision 0 ends
 * before phys_footprint, 1 before min_address, 2 before the ledgers, 3 before
 * limit_bytes_remaining, 4 before decompressions; the kernel fills as many revisions as
 * the caller's count holds and returns the count it filled. */
#define TASK_VM_INFO           22
#define TASK_VM_INFO_PURGEABLE 23
typedef struct task_vm_info task_vm_info_data_t;
typedef struct task_vm_info *task_vm_info_t;
#define TASK_VM_INFO_COUNT \
    ((mach_msg_type_number_t)(sizeof(task_vm_info_data_t) / sizeof(natural_t)))
#define TASK_VM_INFO_REV5_COUNT TASK_VM_INFO_COUNT
#define TASK_VM_INFO_REV4_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, decompressions) / sizeof(natural_t)))
#define TASK_VM_INFO_REV3_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, limit_bytes_remaining) / \
                              sizeof(natural_t)))
#define TASK_VM_INFO_REV2_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, ledger_phys_footprint_peak) / \
                              sizeof(natural_t)))
#define TASK_VM_INFO_REV1_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, min_address) / sizeof(natural_t)))
#define TASK_VM_INFO_REV0_COUNT \
    ((mach_msg_type_number_t)(offsetof(task_vm_info_data_t, phys_footprint) / sizeof(natural_t)))

#endif
