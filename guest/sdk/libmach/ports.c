/* The ports a task starts with. */
#include "trap.h"

static mach_port_t task_self_port = MACH_PORT_NULL;

/* Darwin's libsystem fills mach_task_self_ at start-up; here the first call asks the
 * kernel. machemu names the task port the same in every task, so a forked child may
 * keep the cached name. */
mach_port_t mach_task_self(void)
{
    if (task_self_port == MACH_PORT_NULL)
        task_self_port = (mach_port_t)MACH_TRAP(MACHEMU_TRAP_TASK_SELF, 0);
    return task_self_port;
}

mach_port_t mach_host_self(void)
{
    return (mach_port_t)MACH_TRAP(MACHEMU_TRAP_HOST_SELF, 0);
}

mach_port_t mach_thread_self(void)
{
    return (mach_port_t)MACH_TRAP(MACHEMU_TRAP_THREAD_SELF, 0);
}
