/* Host and task information, and the page size. */
#include "trap.h"

/* XNU's libsyscall sets these from the commpage; machemu's pages are always 16 KB. */
vm_size_t vm_page_size = 16384;
vm_size_t vm_page_mask = 16383;
int vm_page_shift = 14;
vm_size_t vm_kernel_page_size = 16384;
vm_size_t vm_kernel_page_mask = 16383;
int vm_kernel_page_shift = 14;

kern_return_t host_statistics64(host_t host_priv, host_flavor_t flavor,
                                host_info64_t host_info64_out,
                                mach_msg_type_number_t *host_info64_outCnt)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_HOST_STATISTICS64, host_priv,
                                  ARG((unsigned)flavor), ARG(host_info64_out),
                                  ARG(host_info64_outCnt)));
}

kern_return_t task_info(task_name_t target_task, task_flavor_t flavor,
                        task_info_t task_info_out, mach_msg_type_number_t *task_info_outCnt)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_TASK_INFO, target_task, flavor,
                                  ARG(task_info_out), ARG(task_info_outCnt)));
}

/* As Darwin's libsyscall does: no kernel call, whatever the host port. */
kern_return_t host_page_size(host_t host, vm_size_t *out_page_size)
{
    (void)host;
    *out_page_size = vm_kernel_page_size;
    return KERN_SUCCESS;
}
