/* Memory-pressure handlers (machemu/pressure.h): one trap each. */
#include <machemu/pressure.h>
#include "trap.h"

_Static_assert(NOTE_MEMORYSTATUS_PRESSURE_WARN == 0x2 && NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL == 0x20,
               "XNU's note values");

kern_return_t machemu_pressure_handler_set(unsigned long mask, machemu_pressure_handler_t handler,
                                           void *ctx)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_PRESSURE_HANDLER_SET, ARG(handler), ARG(ctx), mask));
}

kern_return_t machemu_pressure_send(int pid, unsigned long note, uint64_t delay_instructions)
{
    return mach_trap_kr(MACH_TRAP(MACHEMU_TRAP_PRESSURE_SEND, ARG((int64_t)pid), note,
                                  delay_instructions));
}
