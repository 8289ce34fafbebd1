/* emu/debug.c — run control for debuggers: stops, steps, breakpoints, fault stops.
 *
 * A code hook on every instruction (installed before anything is translated, so it
 * never forces a code-cache flush the plain run would not do) counts steps, checks
 * breakpoints and stops the CPU before the instruction runs. Fault stops come from
 * the VM's fault trace: a fault raised by an instruction's own access makes the TLB
 * fill fail once the VM has resolved it, so the CPU stops on that instruction, which
 * runs again on resume; a fault raised by a system call stops after the call.
 *
 * Staying deterministic: the scheduler counts guest instructions per translated
 * block, when the block starts. A block that the debugger interrupted and that is
 * entered again on resume must not be counted twice, or task switches would move;
 * the debugger's block hook, which Unicorn calls before the scheduler's (hooks run
 * in the order they were added, and this one is added first), takes that second
 * count back. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "emu/debug.h"
#include "emu/internal.h"
#include "vm/vm_compressor.h"

#define NO_PC UINT64_MAX

struct dbg {
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    int nbp, ncode, next_id;
    /* the current resume */
    struct dbg_event *ev;
    bool stepping;
    uint64_t steps_left;
    unsigned once_faults;
    uint64_t resume_pc;            /* a breakpoint there is not hit again */
    bool first;                    /* no instruction has completed since the resume */
    bool restarted;                /* the CPU was started again since the last hook */
    uint64_t last_pc;              /* of the last instruction hook */
    bool stop_set;                 /* a hook stopped the CPU */
    bool held;                     /* emu->fault waits to be delivered on resume */
    int jetsam_hit;                /* the Jetsam breakpoint an evaluation matched, or 0 */
    uint64_t skip_block;           /* block already counted by the scheduler, or NO_PC */
    volatile sig_atomic_t interrupt;
    bool quiet;                    /* the debugger's own accesses: never a stop */
    /* Where the page of the fault being handled was in the compressor (see
     * before_fault): object and offset it had there. */
    struct dbg_compressed_from from;
    uint32_t from_object;
    uint64_t from_offset;
    bool exited;
    void (*chain)(void *ctx, const struct vm_fault_event *ev);   /* --trace-faults */
    void *chain_ctx;
    void (*observer)(void *ctx, const struct vm_fault_event *ev); /* a viewer */
    void *observer_ctx;
    bool (*driver)(void *ctx, bool more);                        /* a scenario */
    void *driver_ctx;
    int nwatch;                    /* watchpoints in bp[] */
    bool read_hook;                /* the CPU reports loads (a read watchpoint was set) */
    int read_hit;                  /* the watchpoint a load matched since the last hook */
};

/* --- fault classes -------------------------------------------------------------- */

unsigned dbg_fault_class(const char *name)
{
    if (!strcmp(name, "any"))
        return DBG_FAULT_ANY;
    if (!strcmp(name, "prot"))
        return DBG_FAULT_PROT;
    int k = vm_fault_kind_parse(name);
    return k < 0 ? 0 : DBG_FAULT_KIND(k);
}

static bool class_match(unsigned classes, const struct vm_fault_event *ev)
{
    if ((classes & DBG_FAULT_PROT) && ev->result == KERN_PROTECTION_FAILURE)
        return true;
    return classes & DBG_FAULT_KIND(ev->kind);
}

/* --- breakpoints ----------------------------------------------------------------- */

static int add_breakpoint(struct dbg *d, struct dbg_breakpoint bp)
{
    if (d->nbp == DBG_MAX_BREAKPOINTS)
        return -1;
    bp.id = ++d->next_id;
    d->bp[d->nbp++] = bp;
    if (bp.type == DBG_BP_CODE)
        d->ncode++;
    if (bp.type == DBG_BP_WATCH)
        d->nwatch++;
    return bp.id;
}

static struct dbg_breakpoint *code_bp_at(struct dbg *d, uint64_t va)
{
    for (int i = 0; d->ncode && i < d->nbp; i++)
        if (d->bp[i].type == DBG_BP_CODE && d->bp[i].va == va)
            return &d->bp[i];
    return NULL;
}

int dbg_break_code(struct emu *emu, uint64_t va)
{
    struct dbg_breakpoint *old = code_bp_at(emu->dbg, va);
    if (old)
        return old->id;
    return add_breakpoint(emu->dbg, (struct dbg_breakpoint){ .type = DBG_BP_CODE, .va = va });
}

int dbg_break_fault(struct emu *emu, unsigned classes, uint64_t lo, uint64_t hi)
{
    return add_breakpoint(emu->dbg, (struct dbg_breakpoint){ .type = DBG_BP_FAULT,
                                                              .classes = classes,
                                                              .lo = lo, .hi = hi });
}

int dbg_break_jetsam(struct emu *emu, unsigned kinds)
{
    return add_breakpoint(emu->dbg, (struct dbg_breakpoint){ .type = DBG_BP_JETSAM,
                                                              .classes = kinds });
}

static void remove_at(struct dbg *d, int i)
{
    if (d->bp[i].type == DBG_BP_CODE)
        d->ncode--;
    if (d->bp[i].type == DBG_BP_WATCH)
        d->nwatch--;
    memmove(&d->bp[i], &d->bp[i + 1], (size_t)(d->nbp - i - 1) * sizeof d->bp[0]);
    d->nbp--;
}

bool dbg_break_delete(struct emu *emu, int id)
{
    struct dbg *d = emu->dbg;
    if (id == 0) {
        d->nbp = d->ncode = d->nwatch = 0;
        return true;
    }
    for (int i = 0; i < d->nbp; i++)
        if (d->bp[i].id == id) {
            remove_at(d, i);
            return true;
        }
    return false;
}

bool dbg_break_delete_at(struct emu *emu, uint64_t va)
{
    struct dbg *d = emu->dbg;
    for (int i = 0; i < d->nbp; i++)
        if (d->bp[i].type == DBG_BP_CODE && d->bp[i].va == va) {
            remove_at(d, i);
            return true;
        }
    return false;
}

int dbg_breakpoints(struct emu *emu, struct dbg_breakpoint *out, int max)
{
    struct dbg *d = emu->dbg;
    int n = d->nbp < max ? d->nbp : max;
    memcpy(out, d->bp, (size_t)n * sizeof *out);
    return d->nbp;
}

/* --- watchpoints ----------------------------------------------------------------- */

/* A write watchpoint compares the bytes before every instruction, read through the
 * task's map as the debugger reads them (emu/inspect.h): whatever wrote them (the task,
 * another mapping of the page, a system call), the change shows at the next
 * instruction. A load cannot be seen that way: read watchpoints have the CPU report
 * loads, from the first one set on (dropping the translated code once). */

static bool watch_read(struct emu *emu, const struct dbg_breakpoint *w, uint64_t *v)
{
    uint8_t b[8] = { 0 };
    if (inspect_read(emu, w->pid, w->va, b, w->len) != w->len)
        return false;
    *v = 0;
    for (unsigned i = w->len; i-- > 0;)
        *v = *v << 8 | b[i];
    return true;
}

/* Where the watched bytes are in RAM now, for a read watchpoint: loads are reported
 * by physical address, so a load through any mapping of the frame matches. */
static void watch_locate(struct emu *emu, struct dbg_breakpoint *w)
{
    pfn_t pfn = w->classes & DBG_WATCH_READ ? inspect_frame_of(emu, w->pid, w->va) : PFN_NONE;
    w->lo = pfn == PFN_NONE ? 0 : phys_pa(pfn) | (w->va & PAGE_MASK);
    w->hi = pfn == PFN_NONE ? 0 : w->lo + w->len;
}

/* The values the next check compares with: after a tool's own write, nothing. */
static void watch_refresh(struct emu *emu)
{
    struct dbg *d = emu->dbg;
    for (int i = 0; d->nwatch && i < d->nbp; i++)
        if (d->bp[i].type == DBG_BP_WATCH) {
            d->bp[i].value_known = watch_read(emu, &d->bp[i], &d->bp[i].value);
            watch_locate(emu, &d->bp[i]);
        }
}

static void on_load(void *ctx, uint64_t pa, uint32_t size)
{
    struct emu *emu = ctx;
    struct dbg *d = emu->dbg;
    if (d->read_hit || d->quiet || !d->ev || cpu_replaying(emu))
        return;
    for (int i = 0; i < d->nbp; i++) {
        const struct dbg_breakpoint *w = &d->bp[i];
        if (w->type == DBG_BP_WATCH && w->hi && pa < w->hi && w->lo < pa + size) {
            d->read_hit = w->id;
            return;
        }
    }
}

int dbg_watch(struct emu *emu, int pid, uint64_t va, unsigned len, unsigned access)
{
    struct dbg *d = emu->dbg;
    struct task *t = inspect_live_task(emu, pid);
    if (!t || (len != 1 && len != 2 && len != 4 && len != 8) || !(access & DBG_WATCH_ACCESS) ||
        va + len < va)
        return -2;
    if ((access & DBG_WATCH_READ) && !d->read_hook) {
        if (cpu_add_load_hook(emu, on_load, emu) < 0)
            return -1;
        d->read_hook = true;
    }
    struct dbg_breakpoint w = { .type = DBG_BP_WATCH, .va = va, .len = len, .pid = t->pid,
                                .classes = access & DBG_WATCH_ACCESS };
    w.value_known = watch_read(emu, &w, &w.value);
    watch_locate(emu, &w);
    return add_breakpoint(d, w);
}

/* The watchpoint the last instruction set off, its hit in the event; 0 for none. */
static int watch_check(struct emu *emu)
{
    struct dbg *d = emu->dbg;
    int hit = 0;
    for (int i = 0; d->nwatch && i < d->nbp; i++) {
        struct dbg_breakpoint *w = &d->bp[i];
        uint64_t now;
        if (w->type != DBG_BP_WATCH || !watch_read(emu, w, &now))   /* its task gone too */
            continue;
        /* a page never touched reads as zeros, as it will once touched */
        uint64_t before = w->value_known ? w->value : 0;
        bool read = w->id == d->read_hit;
        bool changed = now != before && (w->classes & DBG_WATCH_WRITE);
        if (!hit && (changed || read)) {
            hit = w->id;
            w->hits++;
            d->ev->watch = (struct dbg_watch_hit){ .va = w->va, .len = w->len, .old = before,
                                                   .now = now, .old_known = w->value_known,
                                                   .access = changed ? DBG_WATCH_WRITE
                                                                     : DBG_WATCH_READ };
        }
        w->value = now;
        w->value_known = true;
        watch_locate(emu, w);
    }
    d->read_hit = 0;
    return hit;
}

/* --- hooks ---------------------------------------------------------------------- */

static void stop_here(struct emu *emu, enum dbg_stop why, int bp, uint64_t pc)
{
    struct dbg *d = emu->dbg;
    d->ev->why = why;
    d->ev->breakpoint = bp;
    d->stop_set = true;
    d->skip_block = pc;            /* the scheduler counted this block already */
    cpu_request_stop(emu, STOP_DEBUG);
}

static void on_code(void *ctx, uint64_t pc, uint32_t size)
{
    (void)size;
    struct emu *emu = ctx;
    struct dbg *d = emu->dbg;
    if (cpu_replaying(emu) || !d->ev)
        return;
    /* The same instruction right after a restart: it was aborted (a TLB fill asked
     * for a retry) and runs again; it was counted and checked the first time. */
    bool retry = d->restarted && pc == d->last_pc;
    d->restarted = false;
    d->last_pc = pc;
    d->skip_block = NO_PC;
    if (d->interrupt) {
        d->interrupt = 0;
        stop_here(emu, DBG_STOP_INTERRUPT, 0, pc);
        return;
    }
    if (retry)
        return;
    int watch = d->nwatch ? watch_check(emu) : 0;
    if (watch) {
        stop_here(emu, DBG_STOP_WATCH, watch, pc);
        return;
    }
    if (d->stepping && d->steps_left == 0) {
        stop_here(emu, DBG_STOP_STEP, 0, pc);
        return;
    }
    struct dbg_breakpoint *bp = code_bp_at(d, pc);
    if (bp && !(d->first && pc == d->resume_pc)) {
        bp->hits++;
        stop_here(emu, DBG_STOP_BREAK, bp->id, pc);
        return;
    }
    d->first = false;
    if (d->stepping)
        d->steps_left--;
}

static void on_block(void *ctx, uint64_t addr, uint32_t size)
{
    struct emu *emu = ctx;
    struct dbg *d = emu->dbg;
    if (addr == d->skip_block && !cpu_replaying(emu)) {
        if (cpu_clock_on(emu))
            emu->icount -= size / 4;
        d->skip_block = NO_PC;
    }
}

/* The breakpoint a fault matches: its id, -1 for the resume's own filter or a fault
 * the guest will get a signal for, 0 for none. */
static int fault_match(struct emu *emu, const struct vm_fault_event *ev)
{
    struct dbg *d = emu->dbg;
    for (int i = 0; i < d->nbp; i++) {
        struct dbg_breakpoint *bp = &d->bp[i];
        if (bp->type == DBG_BP_FAULT && class_match(bp->classes, ev) &&
            ev->va >= bp->lo && ev->va < bp->hi) {
            bp->hits++;
            return bp->id;
        }
    }
    if (class_match(d->once_faults, ev))
        return -1;
    return ev->kind == VM_FAULT_INVALID && emu->in_fill ? -1 : 0;
}

/* The fault watch's first call, before the VM handles a fault: notes where the page
 * is in the compressor, if it is, since the fault takes it out. The first object of
 * the chain that has the page decides: the fault will find it there, or resident in
 * an object above (then the event names another object). */
static void before_fault(void *ctx, uint64_t va)
{
    struct emu *emu = ctx;
    struct dbg *d = emu->dbg;
    struct vm_map_entry *e;
    d->from.known = false;
    if (!emu->vm.compressor || !compressor_stats(emu->vm.compressor)->pages ||
        !vm_map_lookup_entry(emu->task->map, va, &e))
        return;
    uint64_t off = e->offset + (trunc_page(va) - e->start);
    for (struct vm_object *o = e->object; o; off += o->shadow_offset, o = o->shadow) {
        compressor_handle_t *slot = o->compressed ? vm_object_slot(o, off, false) : NULL;
        struct compressor_where w;
        if (!slot || *slot == COMPRESSOR_NO_HANDLE ||
            compressor_locate(emu->vm.compressor, *slot, &w) < 0)
            continue;
        d->from = (struct dbg_compressed_from){ .known = true, .form = (uint8_t)w.form,
                                                .swapped = w.swapped, .segment = w.segment,
                                                .slot = w.slot, .size = w.size, .value = w.value };
        d->from_object = o->id;
        d->from_offset = off;
        return;
    }
}

static bool came_from_compressor(const struct dbg *d, const struct vm_fault_event *ev)
{
    return d->from.known && (ev->kind == VM_FAULT_DECOMPRESS || ev->kind == VM_FAULT_COW) &&
           ev->object == d->from_object && ev->offset == d->from_offset;
}

static void record_fault(struct emu *emu, const struct vm_fault_event *ev)
{
    struct dbg_event *e = emu->dbg->ev;
    if (e->nfaults == DBG_MAX_FAULTS) {
        e->faults_dropped++;
        return;
    }
    struct dbg_fault *f = &e->faults[e->nfaults++];
    struct vm_map *map = emu->task->map;
    struct vm_map_entry *ent;
    *f = (struct dbg_fault){ .ev = *ev, .in_syscall = !emu->in_fill,
                             .pc = cpu_reg(emu, CPU_PC),
                             .pte = pmap_pte(map->pmap, ev->va) };
    if (f->in_syscall)
        f->pc -= 4;                /* the PC is past the svc */
    else
        f->mmu = emu->fault;
    if (vm_map_lookup_entry(map, ev->va, &ent) && ent->object)
        f->top_object = ent->object->id;
    if (came_from_compressor(emu->dbg, ev))
        f->from = emu->dbg->from;
}

static void on_fault(void *ctx, const struct vm_fault_event *ev)
{
    struct emu *emu = ctx;
    struct dbg *d = emu->dbg;
    if (d->chain)
        d->chain(d->chain_ctx, ev);
    if (d->observer)
        d->observer(d->observer_ctx, ev);
    int id = d->quiet || cpu_replaying(emu) || !d->ev ? 0 : fault_match(emu, ev);
    if (id) {
        if (d->ev->nfaults == 0)
            d->ev->breakpoint = id > 0 ? id : 0;
        record_fault(emu, ev);
        cpu_request_stop(emu, STOP_DEBUG);
    }
    d->from.known = false;
}

/* A Jetsam listener: the first Jetsam breakpoint an event of a resume matches. */
static void on_jetsam(void *ctx, const struct emu_jetsam_event *ev)
{
    struct dbg *d = ((struct emu *)ctx)->dbg;
    if (!d->ev || d->jetsam_hit)
        return;
    for (int i = 0; i < d->nbp; i++)
        if (d->bp[i].type == DBG_BP_JETSAM && (d->bp[i].classes & DBG_JETSAM_KIND(ev->kind))) {
            d->bp[i].hits++;
            d->jetsam_hit = d->bp[i].id;
            return;
        }
}

/* The fault watch's second: during a resume, a fault the guest gets a signal for is
 * shown first (DBG_STOP_SIGNAL) and delivered when the run resumes. */
static bool hold_fault(void *ctx)
{
    struct dbg *d = ((struct emu *)ctx)->dbg;
    if (!d->ev)
        return false;
    d->held = true;
    return true;
}

int dbg_attach(struct emu *emu, char *err, size_t errlen)
{
    struct dbg *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of host memory");
        return -1;
    }
    if (emu_jetsam_add_listener(emu, on_jetsam, emu) < 0) {
        free(d);
        snprintf(err, errlen, "no Jetsam listener slot left for the debugger");
        return -1;
    }
    if (cpu_add_hook(emu, CPU_HOOK_BLOCK, on_block, emu) < 0 ||
        cpu_add_hook(emu, CPU_HOOK_CODE, on_code, emu) < 0) {
        emu_jetsam_remove_listener(emu, on_jetsam, emu);
        free(d);
        snprintf(err, errlen, "unicorn refused the debugger's hooks");
        return -1;
    }
    d->skip_block = d->last_pc = NO_PC;
    d->chain = emu->vm.trace;
    d->chain_ctx = emu->vm.trace_ctx;
    emu->vm.trace = on_fault;
    emu->vm.trace_ctx = emu;
    emu->dbg = d;
    emu->fault_watch = (struct emu_fault_watch){ before_fault, hold_fault, emu };
    /* Every instruction is hooked already: counting them all costs little more, and
     * every "at" the debugger shows is then exact. */
    emu->clock_always = true;
    sched_update_quantum(emu);     /* as emu_run does first */
    return 0;
}

void dbg_fault_observer(struct emu *emu, void (*fn)(void *ctx, const struct vm_fault_event *ev),
                        void *ctx)
{
    emu->dbg->observer = fn;
    emu->dbg->observer_ctx = ctx;
}

/* --- resuming --------------------------------------------------------------------- */

static int signal_of_held_fault(struct emu *emu)
{
    if (emu->fault.kind == MMU_OK)
        return emu->fault_kr == 7 /* EXCP_BKPT */ ? SIGTRAP : SIGILL;
    switch (emu->fault_kr) {
    case KERN_RESOURCE_SHORTAGE: return SIGKILL;
    case KERN_MEMORY_ERROR: return SIGBUS;
    default: return SIGSEGV;
    }
}

/* The plain run also fails this fill and runs the access again (on_tlb_fill: Jetsam
 * is due, or translated code must be flushed), entering its block a second time. */
static bool plain_run_retries(const struct emu *emu)
{
    return emu->jetsam.due || emu->phys.stale_code;
}

/* After a stop on an instruction's own data access, that instruction's block is
 * entered again on resume: see the top of this file. Its second count stays when the
 * plain run counts it twice as well. */
static void note_fault_stop(struct emu *emu)
{
    struct dbg_event *ev = emu->dbg->ev;
    const struct dbg_fault *last = &ev->faults[ev->nfaults - 1];
    ev->why = DBG_STOP_FAULT;
    if (emu->stop == STOP_DEBUG && !ev->faults_dropped && !last->in_syscall &&
        last->ev.access != VM_PROT_EXECUTE && !plain_run_retries(emu))
        emu->dbg->skip_block = cpu_reg(emu, CPU_PC);
}

static void finish_resume(struct emu *emu, struct dbg_event *ev)
{
    struct dbg *d = emu->dbg;
    d->jetsam_hit = 0;
    if (d->exited) {
        ev->why = DBG_STOP_EXIT;
        ev->exit_status = emu->init ? emu->init->exit_status : 0;   /* none: a scenario */
        ev->pid = emu->init ? emu->init->pid : 0;                   /* that launched nothing */
    } else {
        ev->pid = emu->task->pid;
        ev->pc = cpu_reg(emu, CPU_PC);
    }
    d->ev = NULL;
}

static bool jetsam_stop(const struct dbg *d, struct dbg_event *ev)
{
    if (!d->jetsam_hit)
        return false;
    ev->why = DBG_STOP_JETSAM;
    ev->breakpoint = d->jetsam_hit;
    return true;
}

void dbg_run_driver(struct emu *emu, bool (*fn)(void *ctx, bool more), void *ctx)
{
    emu->dbg->driver = fn;
    emu->dbg->driver_ctx = ctx;
}

/* One turn of the run loop, and the driver's turn after it; false once the run is over. */
static bool run_turn(struct emu *emu)
{
    bool more = emu_run_slice(emu);
    struct dbg *d = emu->dbg;
    return d->driver ? d->driver(d->driver_ctx, more) : more;
}

void dbg_resume(struct emu *emu, uint64_t steps, unsigned once_faults, struct dbg_event *ev)
{
    struct dbg *d = emu->dbg;
    memset(ev, 0, sizeof *ev);
    if (d->exited) {
        finish_resume(emu, ev);
        return;
    }
    d->ev = ev;
    d->stepping = steps > 0;
    d->steps_left = steps;
    d->once_faults = once_faults;
    d->stop_set = false;
    d->jetsam_hit = 0;
    d->interrupt = 0;              /* a Ctrl-C at the prompt is not for this resume */
    emu_take_wake(emu);
    if (d->held) {
        d->held = false;
        emu_deliver_fault(emu);
    }
    d->first = true;
    d->last_pc = NO_PC;
    d->resume_pc = cpu_reg(emu, CPU_PC);
    watch_refresh(emu);
    for (;;) {
        /* The evaluation the slice would start with, done first so that a Jetsam stop
         * comes before the CPU runs on (the slice then finds nothing due). */
        emu_jetsam_before_run(emu);
        if (jetsam_stop(d, ev))
            break;
        d->restarted = true;
        if (!run_turn(emu)) {
            d->exited = true;
            break;
        }
        if (d->held) {
            ev->why = DBG_STOP_SIGNAL;
            ev->signo = signal_of_held_fault(emu);
            if (ev->signo == SIGKILL)  /* no frame: emu_deliver_fault asks Jetsam first */
                ev->victim = emu_jetsam_next_victim(emu, &ev->victim_cause);
            break;
        }
        if (d->stop_set)
            break;
        if (d->interrupt) {        /* stopped while no instruction ran (blocked task) */
            d->interrupt = 0;
            ev->why = DBG_STOP_INTERRUPT;
            break;
        }
        /* The tool's fd or time limit ended a wait: a slice ends there, early. */
        bool woken = emu->wait.woken;
        emu->wait.woken = false;
        if (woken && d->stepping) {
            ev->why = DBG_STOP_STEP;
            break;
        }
        if (ev->nfaults) {
            note_fault_stop(emu);
            break;
        }
        if (jetsam_stop(d, ev))
            break;
    }
    finish_resume(emu, ev);
}

void dbg_interrupt(struct emu *emu)
{
    if (emu->dbg) {
        emu->dbg->interrupt = 1;
        emu_wake(emu);             /* a machine waiting on the host for its tasks */
    }
}

/* --- changing the guest -------------------------------------------------------- */

int dbg_reg_write(struct emu *emu, int pid, int reg, uint64_t v)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t || reg < 0 || reg >= INSPECT_NREGS)   /* numbered as the CPU's (inspect.c) */
        return -1;
    if (reg == INSPECT_REG_CPSR)
        v &= 0xf0000000u;          /* EL0 can change only the flags */
    if (t == emu->task)
        cpu_set_reg(emu, (enum cpu_reg)reg, v);
    else
        cpu_context_set_reg(t->ctx, (enum cpu_reg)reg, v);
    return 0;
}

int dbg_reg_write_bytes(struct emu *emu, int pid, int reg, const uint8_t *buf)
{
    struct task *t = inspect_live_task(emu, pid);
    if (!t || reg < 0 || reg >= INSPECT_NREGS_ALL)
        return -1;
    struct cpu_context *c = t == emu->task ? NULL : t->ctx;
    if (reg >= INSPECT_REG_V0 && reg < INSPECT_REG_FPSR) {
        cpu_set_vreg(emu, c, reg - INSPECT_REG_V0, buf);
        return 0;
    }
    uint64_t v = 0;
    for (int i = reg < INSPECT_REG_CPSR ? 8 : 4; i-- > 0;)
        v = v << 8 | buf[i];
    if (reg < INSPECT_NREGS)
        return dbg_reg_write(emu, pid, reg, v);
    enum cpu_reg r = reg == INSPECT_REG_FPSR ? CPU_FPSR : CPU_FPCR;
    if (c)
        cpu_context_set_reg(c, r, v);
    else
        cpu_set_reg(emu, r, v);
    return 0;
}

size_t dbg_write(struct emu *emu, uint64_t va, const void *buf, size_t len)
{
    size_t done = 0;
    if (!inspect_live_task(emu, 0))
        return 0;                  /* it exited or was killed: no map to fault in */
    emu->dbg->quiet = true;
    while (done < len) {
        size_t n = PAGE_SIZE - ((va + done) & PAGE_MASK);
        if (n > len - done)
            n = len - done;
        uint8_t *g = guest_ptr(emu, va + done, n, VM_PROT_WRITE);
        if (!g)
            break;
        memcpy(g, (const uint8_t *)buf + done, n);
        done += n;
    }
    emu->dbg->quiet = false;
    return done;
}
