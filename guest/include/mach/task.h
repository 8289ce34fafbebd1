/* mach/task.h — calls on a task port. */
#ifndef MACHEMU_MACH_TASK_H
#define MACHEMU_MACH_TASK_H

#include <mach/mach_types.h>
#include <machemu/cdefs.h>

MACHEMU_BEGIN_DECLS

/* TASK_VM_INFO fills a task_vm_info_data_t; *task_info_outCnt is in natural_t on
 * input (at least TASK_VM_INFO_REV0_COUNT) and says which revision was filled. */
kern_return_t task_info(task_name_t target_task, task_flavor_t flavor,
                        task_info_t task_info_out, mach_msg_type_number_t *task_info_outCnt);

MACHEMU_END_DECLS

#endif
