/* emu/jetsam_notes.c — memory-pressure notes delivered to guest handlers as upcalls.
 *
 * A note interrupts its task as a signal does: the whole user context is saved, the
 * handler runs as handler(note, ctx) on the task's own stack, below the 128-byte red
 * zone Darwin's arm64 ABI gives leaf code, 16-byte aligned, with x30 pointing at a
 * trampoline whose trap restores the context; the interrupted code goes on as if
 * nothing happened.
 *
 * Unlike a Linux signal frame, the saved context stays in the task, on this side: the
 * handler is given only (note, ctx), so there is nothing it needs to read or change,
 * and neither a stack overflow nor a return trap issued by hand can make the emulator
 * load a context it did not save (outside a handler the trap is refused).
 *
 * Notes are delivered only at safe points, all decided by guest instructions, never
 * by the clock: the return of a system call, a CPU stop after a fault was resolved
 * (emu_jetsam_post_note asks for one), and the block boundary at which a delayed note
 * falls due (the scheduler's block hook counts instructions while one waits). */
#include <errno.h>
#include <stdarg.h>
#include "emu/darwin.h"

#define RED_ZONE 128

static const uint32_t trampoline_code[] = {
    0x92800dd0,                    /* mov x16, #-111  (MACHEMU_TRAP_PRESSURE_RETURN) */
    0xd4001001,                    /* svc #0x80 */
    0xd4200020,                    /* brk #1: the trap refused (no handler was running) */
};
_Static_assert(MACHEMU_TRAP_PRESSURE_RETURN == 111, "the trampoline's mov");

static bool note_valid(uint64_t note)
{
    return note && !(note & (note - 1)) && (note & MACHEMU_NOTE_ALL);
}

const char *emu_jetsam_note_name(uint32_t note)
{
    switch (note) {
    case MACHEMU_NOTE_PRESSURE_NORMAL: return "NORMAL";
    case MACHEMU_NOTE_PRESSURE_WARN: return "WARN";
    case MACHEMU_NOTE_PRESSURE_CRITICAL: return "CRITICAL";
    case MACHEMU_NOTE_LOW_SWAP: return "LOW_SWAP";
    case MACHEMU_NOTE_PROC_LIMIT_WARN: return "PROC_LIMIT_WARN";
    case MACHEMU_NOTE_PROC_LIMIT_CRITICAL: return "PROC_LIMIT_CRITICAL";
    default: return "?";
    }
}

/* "[pid] upcall pressure WARN (0x2) " and the rest, on the --strace stream. */
static void __attribute__((format(printf, 4, 5)))
trace(struct emu *emu, const struct task *t, uint32_t note, const char *fmt, ...)
{
    if (!emu->opt.strace)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(emu->opt.strace, "[%d] upcall pressure %s (0x%x) ", t->pid,
            emu_jetsam_note_name(note), note);
    vfprintf(emu->opt.strace, fmt, ap);
    fputc('\n', emu->opt.strace);
    va_end(ap);
}

/* --- the per-task queue ----------------------------------------------------------- */

static void enqueue(struct task_upcall *u, uint32_t note)
{
    for (int i = 0; i < u->nqueued; i++)
        if (u->queue[i] == note)
            return;                /* coalesced with the one already waiting */
    u->queue[u->nqueued++] = note;
}

static uint32_t dequeue(struct task_upcall *u)
{
    uint32_t note = u->queue[0];
    u->nqueued--;
    for (int i = 0; i < u->nqueued; i++)
        u->queue[i] = u->queue[i + 1];
    return note;
}

/* Keeps only the waiting notes the handler still takes. */
static void filter_queue(struct task_upcall *u)
{
    int n = 0;
    for (int i = 0; i < u->nqueued; i++)
        if (u->handler && (u->queue[i] & u->mask))
            u->queue[n++] = u->queue[i];
    u->nqueued = n;
}

static bool wants(const struct task *t, uint32_t note)
{
    return t->state != TASK_ZOMBIE && t->upcall.handler && (t->upcall.mask & note);
}

int emu_jetsam_post_note(struct emu *emu, struct task *t, uint32_t note)
{
    if (!note_valid(note))
        return -EINVAL;
    if (!t || !wants(t, note))
        return 0;
    enqueue(&t->upcall, note);
    task_wake_for_delivery(t);
    if (t == emu->task && !t->upcall.active)
        cpu_request_stop(emu, STOP_UPCALL);
    return 1;
}

uint32_t emu_jetsam_handler_mask(const struct task *t)
{
    return t->upcall.handler ? t->upcall.mask : 0;
}

bool emu_jetsam_in_handler(const struct task *t)
{
    return t->upcall.active;
}

void emu_jetsam_set_level(struct emu *emu, uint32_t note_level)
{
    emu->notes.level = note_level;
}

uint32_t emu_jetsam_level(const struct emu *emu)
{
    return emu->notes.level;
}

void emu_jetsam_set_hooks(struct emu *emu, const struct emu_jetsam_hooks *hooks)
{
    emu->notes.hooks = hooks ? *hooks : (struct emu_jetsam_hooks){ 0 };
}

/* --- delayed notes ------------------------------------------------------------------ */

static kern_return_t add_timer(struct emu *emu, int pid, uint32_t note, uint64_t delay)
{
    if (emu->notes.ntimers == MACHEMU_PRESSURE_MAX_DELAYED)
        return KERN_RESOURCE_SHORTAGE;
    uint64_t due = emu->icount + delay < emu->icount ? UINT64_MAX - 1 : emu->icount + delay;
    struct jetsam_note_timer *v = emu->notes.timers;
    int i = emu->notes.ntimers++;
    for (; i > 0 && v[i - 1].due > due; i--)     /* equal due times keep their order */
        v[i] = v[i - 1];
    v[i] = (struct jetsam_note_timer){ .due = due, .pid = pid, .note = note };
    emu->notes.due = v[0].due;
    cpu_request_stop(emu, STOP_UPCALL);          /* to start counting instructions */
    return KERN_SUCCESS;
}

static void fire_due_timers(struct emu *emu)
{
    struct jetsam_note_timer *v = emu->notes.timers;
    int n = 0;
    while (n < emu->notes.ntimers && v[n].due <= emu->icount) {
        struct task *t = task_by_pid(emu, v[n].pid);
        if (t && emu_jetsam_post_note(emu, t, v[n].note) == 0)
            trace(emu, t, v[n].note, "dropped: no handler takes it any more");
        n++;
    }
    emu->notes.ntimers -= n;
    for (int i = 0; i < emu->notes.ntimers; i++)
        v[i] = v[i + n];
    emu->notes.due = emu->notes.ntimers ? v[0].due : UINT64_MAX;
}

/* --- delivery and return ------------------------------------------------------------ */

void jetsam_notes_deliver(struct emu *emu)
{
    struct task *t = emu->task;
    struct task_upcall *u = &t->upcall;
    if (u->active || !u->nqueued || !u->handler || t->exited)
        return;
    uint32_t note = dequeue(u);
    linux_sleep_interrupted(emu);
    cpu_save_user(emu, &u->saved);
    cpu_enter_handler(emu, &(struct cpu_handler_entry){
        .pc = u->handler, .sp = (u->saved.sp - RED_ZONE) & ~15ull, .fp = u->saved.x[29],
        .lr = u->tramp, .arg = { note, u->ctx }, .nargs = 2 });
    u->active = true;
    trace(emu, t, note, "-> handler 0x%llx, interrupted at pc=0x%llx",
          (unsigned long long)u->handler, (unsigned long long)u->saved.pc);
    if (emu->notes.hooks.upcall)
        emu->notes.hooks.upcall(emu->notes.hooks.ctx, t, note, emu->icount);
}

void jetsam_notes_before_run(struct emu *emu)
{
    if (emu->icount >= emu->notes.due)
        fire_due_timers(emu);
    if (emu->notes.ntimers)
        sched_count_instructions(emu);
    jetsam_notes_deliver(emu);
}

int64_t jetsam_trap_return(struct emu *emu, const uint64_t a[8])
{
    (void)a;
    struct task *t = emu->task;
    if (!t->upcall.active)
        return KERN_INVALID_ARGUMENT;
    cpu_load_user(emu, &t->upcall.saved);
    t->upcall.active = false;
    cpu_request_stop(emu, STOP_REDIRECT);
    return KERN_SUCCESS;
}

/* --- registration ------------------------------------------------------------------- */

/* One read-execute page above the stack, where nothing else is mapped. */
static kern_return_t map_trampoline(struct emu *emu, struct task *t)
{
    uint64_t at;
    kern_return_t kr = vm_map_find_space(t->map, t->stack_top, PAGE_SIZE, 0, &at);
    if (kr != KERN_SUCCESS)
        return kr;
    if (loader_map_code(emu, t, at, trampoline_code, sizeof trampoline_code,
                        "pressure trampoline") < 0) {
        vm_map_remove(t->map, at, at + PAGE_SIZE);
        return KERN_RESOURCE_SHORTAGE;
    }
    t->upcall.tramp = at;
    return KERN_SUCCESS;
}

int64_t jetsam_trap_handler_set(struct emu *emu, const uint64_t a[8])
{
    struct task *t = emu->task;
    struct task_upcall *u = &t->upcall;
    uint64_t handler = a[0], ctx = a[1], mask = a[2];
    if (handler && (!mask || (mask & ~(uint64_t)MACHEMU_NOTE_ALL)))
        return KERN_INVALID_ARGUMENT;
    if (handler && !u->tramp) {
        kern_return_t kr = map_trampoline(emu, t);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    u->handler = handler;
    u->ctx = handler ? ctx : 0;
    u->mask = handler ? (uint32_t)mask : 0;
    filter_queue(u);
    emu_jetsam_task_changed(emu, t);
    if (emu->notes.hooks.handler)
        emu->notes.hooks.handler(emu->notes.hooks.ctx, t, u->mask);
    return KERN_SUCCESS;
}

int64_t jetsam_trap_send(struct emu *emu, const uint64_t a[8])
{
    int64_t pid = (int64_t)a[0];
    if (!note_valid(a[1]))
        return KERN_INVALID_ARGUMENT;
    uint32_t note = (uint32_t)a[1];
    struct task *t = pid == 0 ? emu->task : pid > 0 && pid <= INT32_MAX ? task_by_pid(emu, (int)pid)
                                                                       : NULL;
    if (!t || t->state == TASK_ZOMBIE)
        return KERN_INVALID_TASK;
    if (!wants(t, note))
        return KERN_NOT_RECEIVER;
    if (a[2])
        return add_timer(emu, t->pid, note, a[2]);
    emu_jetsam_post_note(emu, t, note);
    return KERN_SUCCESS;
}

/* --- task life ------------------------------------------------------------------------ */

/* As on XNU, where a process's kevents stay with it: the child has no handler. It is
 * a copy of the parent's memory, though, so if the parent was inside a handler the
 * child is too, and returns through the same trampoline to the same code. */
void jetsam_notes_fork(struct task *child, const struct task *parent)
{
    child->upcall = (struct task_upcall){
        .active = parent->upcall.active,
        .saved = parent->upcall.saved,
        .tramp = parent->upcall.tramp,
    };
}

void jetsam_notes_exec(struct emu *emu, struct task *t)
{
    bool had = t->upcall.handler != 0;
    t->upcall = (struct task_upcall){ 0 };
    if (had && emu->notes.hooks.handler)
        emu->notes.hooks.handler(emu->notes.hooks.ctx, t, 0);
}
