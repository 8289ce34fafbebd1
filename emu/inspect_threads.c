/* emu/inspect_threads.c — the threads of a process, for the debugger and the gdb stub. */
#include "emu/inspect.h"
#include "emu/internal.h"

static void describe(struct emu *emu, struct task *t, struct inspect_thread *d)
{
    *d = (struct inspect_thread){ .tid = t->pid, .name = t->name ? t->name : "?",
                                  .state = inspect_state_name(emu, t), .on_cpu = t == emu->task };
    if (t->state != TASK_ZOMBIE && t->state != TASK_THREAD_EXITED)
        inspect_reg(emu, t->pid, INSPECT_REG_PC, &d->pc);
}

int inspect_threads(struct emu *emu, int pid, struct inspect_thread *out, int max)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t)
        return -1;
    struct task *leader = task_leader(t);
    int n = 0;
    if (leader->state != TASK_THREAD_EXITED && n++ < max)
        describe(emu, leader, &out[n - 1]);
    for (struct task *o = leader->th.list; o; o = o->th.next)
        if (o->state != TASK_ZOMBIE && n++ < max)
            describe(emu, o, &out[n - 1]);
    return n;
}
