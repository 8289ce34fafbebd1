/* emu/mach.c — Mach traps: the mach_vm_* interface on the task's vm_map. */
#include <errno.h>
#include "emu/darwin.h"

static int64_t trap_task_self(struct emu *emu, const uint64_t a[8])
{
    (void)emu; (void)a;
    return MACHEMU_PORT_TASK_SELF;
}

static int64_t trap_host_self(struct emu *emu, const uint64_t a[8])
{
    (void)emu; (void)a;
    return MACHEMU_PORT_HOST;
}

static int64_t trap_thread_self(struct emu *emu, const uint64_t a[8])
{
    (void)emu; (void)a;
    return MACHEMU_PORT_THREAD_SELF;
}

#define TRAP(nr, fn) [MACHEMU_TRAP_##nr] = { #fn, (void *)trap_##fn }
const struct darwin_call mach_traps[MACH_NTRAPS] = {
    TRAP(TASK_SELF, task_self), TRAP(HOST_SELF, host_self), TRAP(THREAD_SELF, thread_self),
};
