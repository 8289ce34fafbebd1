/* emu/cpu_watch.c — run control for a tool that watches a run (emu/watch.h). */
#include "emu/cpu_unicorn.h"
#include "emu/watch.h"

void emu_interrupt(struct emu *emu)
{
    emu->cpu->interrupted = 1;
    /* Stores only (a flag and the CPU's exit request), as a signal handler may do. */
    uc_emu_stop(emu->cpu->uc);
    emu_wake(emu);
}

bool cpu_take_interrupt(struct emu *emu)
{
    if (!emu->cpu->interrupted)
        return false;
    emu->cpu->interrupted = 0;
    return true;
}

void emu_watch_alarm(struct emu *emu, uint64_t icount)
{
    emu->alarm = icount;
    /* The clock is off only while a single task runs (its quantum is endless): turning
     * it on starts nothing another task would notice. */
    if (!cpu_clock_on(emu))
        sched_update_quantum(emu);
}

int emu_run_status(const struct emu *emu)
{
    return emu->init ? emu->init->exit_status : 0;
}
