/* emu/cpu.c — Unicorn as the CPU; every translation comes from our MMU.
 *
 * Unicorn runs in virtual-TLB mode with 16 KB pages: each miss in its TLB calls
 * on_tlb_fill(), which asks mmu_translate() and, on a fault, vm_fault(). Unicorn's
 * TLB is only a cache of ours: it is flushed whole when ours invalidates an entry.
 *
 * Everything else the machine does with Unicorn is here too: registers and saved
 * contexts, running and stopping, the code cache, the exact address of a fault (a
 * replay), the clock that counts guest instructions, and the debugger's hooks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "emu/cpu_unicorn.h"
#include "emu/darwin.h"

/* --- registers ------------------------------------------------------------------- */

static int uc_reg_of(enum cpu_reg reg)
{
    static const int named[CPU_NREGS] = {
        [CPU_FP] = UC_ARM64_REG_X29, [CPU_LR] = UC_ARM64_REG_X30, [CPU_SP] = UC_ARM64_REG_SP,
        [CPU_PC] = UC_ARM64_REG_PC, [CPU_NZCV] = UC_ARM64_REG_NZCV,
        [CPU_FPSR] = UC_ARM64_REG_FPSR, [CPU_FPCR] = UC_ARM64_REG_FPCR,
        [CPU_TPIDR_EL0] = UC_ARM64_REG_TPIDR_EL0,
    };
    return reg <= 28 ? UC_ARM64_REG_X0 + (int)reg : named[reg];   /* x0..x28 are in a row */
}

uint64_t cpu_reg(struct emu *emu, enum cpu_reg reg)
{
    uint64_t v = 0;
    uc_reg_read(emu->cpu->uc, uc_reg_of(reg), &v);
    return v;
}

void cpu_set_reg(struct emu *emu, enum cpu_reg reg, uint64_t v)
{
    uc_reg_write(emu->cpu->uc, uc_reg_of(reg), &v);
}

void cpu_save_user(struct emu *emu, struct cpu_user_state *s)
{
    for (int i = 0; i <= 30; i++)
        s->x[i] = cpu_reg(emu, CPU_X(i));
    s->sp = cpu_reg(emu, CPU_SP);
    s->pc = cpu_reg(emu, CPU_PC);
    s->nzcv = cpu_reg(emu, CPU_NZCV);
    s->fpsr = (uint32_t)cpu_reg(emu, CPU_FPSR);
    s->fpcr = (uint32_t)cpu_reg(emu, CPU_FPCR);
    for (int i = 0; i < 32; i++)
        uc_reg_read(emu->cpu->uc, UC_ARM64_REG_Q0 + i, s->q[i]);
}

void cpu_load_user(struct emu *emu, const struct cpu_user_state *s)
{
    for (int i = 0; i <= 30; i++)
        cpu_set_reg(emu, CPU_X(i), s->x[i]);
    cpu_set_reg(emu, CPU_SP, s->sp);
    cpu_set_reg(emu, CPU_PC, s->pc);
    cpu_set_reg(emu, CPU_NZCV, s->nzcv & 0xf0000000u);   /* only the flags */
    cpu_set_reg(emu, CPU_FPSR, s->fpsr);
    cpu_set_reg(emu, CPU_FPCR, s->fpcr);
    for (int i = 0; i < 32; i++)
        uc_reg_write(emu->cpu->uc, UC_ARM64_REG_Q0 + i, s->q[i]);
}

void cpu_enter_handler(struct emu *emu, const struct cpu_handler_entry *e)
{
    for (int i = 0; i < e->nargs; i++)
        cpu_set_reg(emu, CPU_X(i), e->arg[i]);
    cpu_set_reg(emu, CPU_SP, e->sp);
    cpu_set_reg(emu, CPU_FP, e->fp);
    cpu_set_reg(emu, CPU_LR, e->lr);
    cpu_set_reg(emu, CPU_PC, e->pc);
    cpu_request_stop(emu, STOP_REDIRECT);
}

/* --- contexts ---------------------------------------------------------------------- */

/* Unicorn 2.1.4 crashes reading or writing FPSR and FPCR in a saved context (its helpers
 * reach for the live CPU), so a context keeps those two itself. */
struct cpu_context {
    uc_context *uc;
    uint64_t fpsr, fpcr;
    bool fp_changed;               /* set through the context: restore writes them back */
};

struct cpu_context *cpu_context_create(struct emu *emu)
{
    struct cpu_context *c = calloc(1, sizeof *c);
    if (c && uc_context_alloc(emu->cpu->uc, &c->uc) != UC_ERR_OK) {
        free(c);
        c = NULL;
    }
    return c;
}

void cpu_context_free(struct cpu_context *c)
{
    if (c)
        uc_context_free(c->uc);
    free(c);
}

void cpu_context_save(struct emu *emu, struct cpu_context *c)
{
    uc_context_save(emu->cpu->uc, c->uc);
    uc_reg_read(emu->cpu->uc, UC_ARM64_REG_FPSR, &c->fpsr);
    uc_reg_read(emu->cpu->uc, UC_ARM64_REG_FPCR, &c->fpcr);
    c->fp_changed = false;
}

void cpu_context_restore(struct emu *emu, const struct cpu_context *c)
{
    uc_context_restore(emu->cpu->uc, c->uc);
    if (c->fp_changed) {
        uc_reg_write(emu->cpu->uc, UC_ARM64_REG_FPSR, &c->fpsr);
        uc_reg_write(emu->cpu->uc, UC_ARM64_REG_FPCR, &c->fpcr);
    }
}

uint64_t cpu_context_reg(const struct cpu_context *c, enum cpu_reg reg)
{
    uint64_t v = 0;
    if (reg == CPU_FPSR || reg == CPU_FPCR)
        return reg == CPU_FPSR ? c->fpsr : c->fpcr;
    uc_context_reg_read(c->uc, uc_reg_of(reg), &v);
    return v;
}

void cpu_context_set_reg(struct cpu_context *c, enum cpu_reg reg, uint64_t v)
{
    if (reg == CPU_FPSR || reg == CPU_FPCR) {
        *(reg == CPU_FPSR ? &c->fpsr : &c->fpcr) = v;
        c->fp_changed = true;
        return;
    }
    uc_context_reg_write(c->uc, uc_reg_of(reg), &v);
}

void cpu_vreg(struct emu *emu, const struct cpu_context *c, int n, uint8_t q[16])
{
    memset(q, 0, 16);
    if (c)
        uc_context_reg_read(c->uc, UC_ARM64_REG_Q0 + n, q);
    else
        uc_reg_read(emu->cpu->uc, UC_ARM64_REG_Q0 + n, q);
}

void cpu_set_vreg(struct emu *emu, struct cpu_context *c, int n, const uint8_t q[16])
{
    if (c)
        uc_context_reg_write(c->uc, UC_ARM64_REG_Q0 + n, q);
    else
        uc_reg_write(emu->cpu->uc, UC_ARM64_REG_Q0 + n, q);
}

/* --- stopping, flushing ---------------------------------------------------------- */

/* Forgets every translation Unicorn holds (when the MMU's TLB drops one). */
static void cpu_flush_tlb(struct emu *emu)
{
    uc_ctl_flush_tlb(emu->cpu->uc);
    emu->stats.cpu_tlb_flushes++;
}

/* Forgets every translated instruction. */
static void cpu_flush_code(struct emu *emu)
{
    uc_ctl_flush_tb(emu->cpu->uc);
}

void cpu_request_stop(struct emu *emu, enum emu_stop why)
{
    if (emu->stop == STOP_NONE || emu->stop == STOP_UPCALL || why == STOP_EXIT)
        emu->stop = why;
    uc_emu_stop(emu->cpu->uc);
}

static void on_tlb_drop(void *ctx)
{
    cpu_flush_tlb(ctx);
}

/* --- translation ------------------------------------------------------------------ */

static void clock_rearm(struct emu *emu);

static vm_prot_t access_of(uc_mem_type type)
{
    switch (type) {
    case UC_MEM_WRITE: return VM_PROT_WRITE;
    case UC_MEM_FETCH: return VM_PROT_EXECUTE;
    default: return VM_PROT_READ;
    }
}

/* Resolves one access: translate, else fault it in and translate again. */
static bool translate(struct emu *emu, uint64_t va, vm_prot_t access, struct mmu_xlate *x)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        if (mmu_translate(&emu->mmu, va, access, x, &emu->fault) == MMU_OK)
            return true;
        emu->fault_kr = emu_vm_fault(emu, va, access);
        if (emu->fault_kr != KERN_SUCCESS)
            return false;
        task_account_kernel(emu, emu->task);
        emu_jetsam_poll(emu);
    }
    /* The VM said yes three times and the MMU still says no: a broken invariant. */
    emu->fault_kr = KERN_FAILURE;
    return false;
}

static bool on_tlb_fill(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *r, void *ctx)
{
    (void)uc;
    struct emu *emu = ctx;
    struct cpu *cpu = emu->cpu;
    struct mmu_xlate x;
    emu->stats.fills++;
    if (cpu->probe.active && trunc_page(va) == cpu->probe.page) {
        r->paddr = 0;              /* frame 0: reserved, never mapped, a safe scratch */
        r->perms = UC_PROT_READ | UC_PROT_WRITE;
        return true;
    }
    emu->in_fill = true;
    bool ok = translate(emu, va, access_of(type), &x);
    emu->in_fill = false;
    clock_rearm(emu);              /* a fault may have set a timer */
    if (!ok) {
        emu->stats.fill_faults++;
        emu->stop = STOP_FAULT;
        return false;
    }
    if (emu->stop == STOP_DEBUG)   /* the debugger shows this fault before the retry */
        return false;
    if (emu->jetsam.due && (emu->stop == STOP_NONE || emu->stop == STOP_UPCALL)) {
        emu->stop = STOP_UPCALL;   /* Jetsam evaluates, then this access runs again */
        return false;
    }
    if (emu->phys.stale_code) {
        /* A frame with translated code got new contents: flush the code cache
         * outside the CPU loop, then retry this access. */
        emu->stop = STOP_RETRY;
        return false;
    }
    /* Unicorn 2.1.4 sends every store through an executable TLB entry down its
     * self-modifying-code check (notdirty_write) and never clears the flag: ~10x
     * slower stores. So a data access to a frame with no translated code gets an
     * entry without EXEC; before the first fetch from such a frame every such entry
     * is dropped. While a frame may hold translated code, each writable entry for it
     * is executable, and each store to it is checked. (BENCHMARKS.md, store path.) */
    uc_prot perms = (uc_prot)x.prot;
    uint8_t *uf = &cpu->frame[x.pfn];
    if (type == UC_MEM_FETCH) {
        if (*uf & UCF_NOEXEC) {
            *uf = UCF_FETCHED;
            cpu->tlb_stale = true;
            emu->stop = STOP_RETRY;
            return false;
        }
        *uf |= UCF_FETCHED;
    } else if ((perms & UC_PROT_EXEC) && !(*uf & UCF_FETCHED)) {
        perms &= ~UC_PROT_EXEC;
        *uf |= UCF_NOEXEC;
    }
    r->paddr = phys_pa(x.pfn);
    r->perms = perms;
    return true;
}

/* --- exceptions and system calls --------------------------------------------------- */

static void on_interrupt(uc_engine *uc, uint32_t intno, void *ctx)
{
    (void)uc;
    struct emu *emu = ctx;
    if (intno == 1 && cpu_el0_emulate(emu))   /* EXCP_UDEF that Linux would emulate */
        return;
    if (intno != 2) {              /* not EXCP_SWI: undefined instruction, brk, ... */
        emu->fault.kind = MMU_OK;
        emu->fault_kr = (kern_return_t)intno;
        cpu_request_stop(emu, STOP_FAULT);
        return;
    }
    emu->stats.syscalls++;
    emu_peak_check(emu);           /* only a system call lowers a footprint */
    /* The PC is past the svc; its immediate names the personality. */
    const uint32_t *insn = guest_ptr(emu, cpu_reg(emu, CPU_PC) - 4, 4, VM_PROT_EXECUTE);
    uint32_t imm = insn ? (*insn >> 5) & 0xffff : 0;
    if (imm == 0x80)
        darwin_syscall(emu);
    else
        linux_syscall(emu);     /* Linux ignores the immediate */
    task_account_kernel(emu, emu->task);
    emu_jetsam_poll(emu);
    clock_rearm(emu);
    if (emu->phys.stale_code && emu->stop == STOP_NONE)
        cpu_request_stop(emu, STOP_RETRY);
}

/* --- creating, running ------------------------------------------------------------- */

int cpu_init(struct emu *emu, char *err, size_t errlen)
{
    uc_err e;
    uc_hook h;
    if (!(emu->cpu = calloc(1, sizeof *emu->cpu))) {
        snprintf(err, errlen, "out of host memory");
        return -1;
    }
    uc_engine **uc = &emu->cpu->uc;
    if ((e = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, uc)) != UC_ERR_OK)
        goto fail;
    if ((e = uc_ctl_set_cpu_model(*uc, UC_CPU_ARM64_MAX)) != UC_ERR_OK ||
        (e = uc_ctl_set_page_size(*uc, (uint32_t)PAGE_SIZE)) != UC_ERR_OK ||
        (e = uc_ctl_tlb_mode(*uc, UC_TLB_VIRTUAL)) != UC_ERR_OK ||
        (e = uc_mem_map_ptr(*uc, 0, emu->phys.size, UC_PROT_ALL, emu->phys.ram)) != UC_ERR_OK ||
        (e = uc_hook_add(*uc, &h, UC_HOOK_TLB_FILL, (void *)on_tlb_fill, emu, 1, 0)) != UC_ERR_OK ||
        (e = uc_hook_add(*uc, &h, UC_HOOK_INTR, (void *)on_interrupt, emu, 1, 0)) != UC_ERR_OK ||
        (e = cpu_el0_init(*uc)) != UC_ERR_OK)
        goto fail;
    if (!(emu->cpu->frame = calloc(emu->phys.nframes, 1))) {
        snprintf(err, errlen, "out of host memory");
        return -1;
    }
    emu->mmu.tlb.on_drop = on_tlb_drop;
    emu->mmu.tlb.ctx = emu;
    return 0;
fail:
    snprintf(err, errlen, "unicorn: %s", uc_strerror(e));
    return -1;
}

void cpu_fini(struct emu *emu)
{
    if (!emu->cpu)
        return;
    if (emu->cpu->uc)
        uc_close(emu->cpu->uc);
    free(emu->cpu->frame);
    free(emu->cpu);
    emu->cpu = NULL;
}

void cpu_run(struct emu *emu)
{
    struct cpu *cpu = emu->cpu;
    if (phys_take_stale_code(&emu->phys)) {
        cpu_flush_code(emu);
        emu->stats.tb_flushes++;
        /* No translated code is left anywhere (UCF_NOEXEC entries stay valid). */
        for (uint32_t f = 0; f < emu->phys.nframes; f++)
            cpu->frame[f] &= (uint8_t)~UCF_FETCHED;
    }
    if (cpu->tlb_stale) {
        cpu->tlb_stale = false;
        cpu_flush_tlb(emu);
    }
    emu->stop = STOP_NONE;
    if (!cpu->clock)
        emu->clock_gaps++;
    clock_rearm(emu);
    if (cpu_take_interrupt(emu)) {  /* before the start, which would forget the stop */
        emu->stop = STOP_UPCALL;
        return;
    }
    uc_err err = uc_emu_start(cpu->uc, cpu_reg(emu, CPU_PC), 0, 0, 0);
    if (emu->stop == STOP_NONE && cpu_take_interrupt(emu))
        emu->stop = STOP_UPCALL;   /* stopped from outside: nothing to do, go on */
    if (emu->stop == STOP_NONE) {
        if (err == UC_ERR_OK) {         /* reached PC 0: a jump to NULL */
            emu->fault = (struct mmu_fault){ .va = 0, .access = VM_PROT_EXECUTE,
                                             .kind = MMU_FAULT_TRANSLATION };
            emu->fault_kr = KERN_INVALID_ADDRESS;
        } else {                        /* Unicorn refused the instruction: SIGILL */
            emu->fault.kind = MMU_OK;
            emu->fault_kr = 0;
        }
        emu->stop = STOP_FAULT;
    }
}

/* --- the exact address of a fault ----------------------------------------------------- */

static void on_probe_access(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                            int64_t value, void *ctx)
{
    (void)uc; (void)type; (void)size; (void)value;
    struct cpu *cpu = ((struct emu *)ctx)->cpu;
    /* The hook may see the virtual address or the physical one (scratch frame 0). */
    if (!cpu->probe.found && (trunc_page(addr) == cpu->probe.page || addr < PAGE_SIZE)) {
        cpu->probe.found = true;
        cpu->probe.addr = cpu->probe.page | (addr & PAGE_MASK);
    }
}

/* Unicorn reports only the page of a refused access. To get the byte address the
 * guest expects in si_addr, the faulting instruction is run once more with that
 * page backed by the scratch frame and a memory hook watching it; then the CPU
 * state is put back as it was. */
uint64_t cpu_fault_address(struct emu *emu, uint64_t page)
{
    struct cpu *cpu = emu->cpu;
    uc_context *saved;
    uc_hook h;
    if (uc_context_alloc(cpu->uc, &saved) != UC_ERR_OK)
        return page;
    uc_context_save(cpu->uc, saved);
    struct mmu_fault fault = emu->fault;
    kern_return_t kr = emu->fault_kr;
    cpu->probe.active = true;
    cpu->probe.found = false;
    cpu->probe.page = trunc_page(page);
    if (uc_hook_add(cpu->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_probe_access,
                    emu, 1, 0) == UC_ERR_OK) {
        cpu_flush_code(emu);
        cpu_flush_tlb(emu);
        uc_emu_start(cpu->uc, cpu_reg(emu, CPU_PC), 0, 0, 1);
        uc_hook_del(cpu->uc, h);
    }
    cpu->probe.active = false;
    cpu_flush_code(emu);
    cpu_flush_tlb(emu);
    uc_context_restore(cpu->uc, saved);
    uc_context_free(saved);
    emu->fault = fault;
    emu->fault_kr = kr;
    emu->stop = STOP_FAULT;
    return cpu->probe.found ? cpu->probe.addr : page;
}

bool cpu_replaying(const struct emu *emu)
{
    return emu->cpu->probe.active;
}

/* --- the clock ------------------------------------------------------------------------- */

/* The events the clock stops for change only outside the CPU or in its callbacks (a
 * system call, a fault, the block hook itself): each of those rearms the threshold. */
static void clock_rearm(struct emu *emu)
{
    uint64_t next = emu->quantum_end;
    if (emu->notes.due < next)
        next = emu->notes.due;
    if (emu->jetsam.wake < next)
        next = emu->jetsam.wake;
    if (emu->alarm < next)
        next = emu->alarm;
    emu->clock_next = next;
}

static void clock_event(struct emu *emu)
{
    if (emu->icount >= emu->quantum_end)
        cpu_request_stop(emu, STOP_SWITCH);
    else if (emu->icount >= emu->notes.due || emu->icount >= emu->jetsam.wake ||
             emu->icount >= emu->alarm) {
        if (emu->icount >= emu->alarm)
            emu->alarm = UINT64_MAX;   /* one stop per alarm */
        cpu_request_stop(emu, STOP_UPCALL);
    }
    clock_rearm(emu);
}

static void on_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ctx)
{
    (void)uc;
    (void)addr;
    struct emu *emu = ctx;
    if ((emu->icount += size / 4) >= emu->clock_next)
        clock_event(emu);
}

/* The block hook costs time on every block (a fifth to a third of a tight loop's speed),
 * so the scheduler keeps it only while it needs it (sched_update_quantum). */
void cpu_set_clock(struct emu *emu, bool on)
{
    struct cpu *cpu = emu->cpu;
    /* Unicorn translates at the PC again when hooks change: not for a task that is
     * gone. The switch to the next task comes back here. */
    if (!emu->task || !emu->task->map)
        return;
    if (on && !cpu->clock) {
        if (uc_hook_add(cpu->uc, &cpu->clock, UC_HOOK_BLOCK, (void *)on_block, emu, 1, 0)
            != UC_ERR_OK)
            cpu->clock = 0;
        cpu_flush_code(emu);
    } else if (!on && cpu->clock) {
        uc_hook_del(cpu->uc, cpu->clock);
        cpu->clock = 0;
        emu->clock_gaps++;
        cpu_flush_code(emu);
    }
}

bool cpu_clock_on(const struct emu *emu)
{
    return emu->cpu->clock != 0;
}

/* --- the debugger's hooks --------------------------------------------------------------- */

static void on_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *ctx)
{
    (void)uc;
    const struct cpu_hook *h = ctx;
    h->fn(h->ctx, addr, size);
    clock_rearm(h->emu);           /* a debugger may set an alarm */
}

static void on_load_hook(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                         int64_t value, void *ctx)
{
    (void)uc; (void)type; (void)value;
    const struct cpu_hook *h = ctx;
    h->fn(h->ctx, addr, (uint32_t)size);
}

int cpu_add_load_hook(struct emu *emu, void (*fn)(void *ctx, uint64_t pa, uint32_t size),
                      void *ctx)
{
    struct cpu *cpu = emu->cpu;
    uc_hook h;
    if (cpu->nhooks == CPU_MAX_HOOKS)
        return -1;
    struct cpu_hook *slot = &cpu->hooks[cpu->nhooks];
    *slot = (struct cpu_hook){ fn, ctx, emu };
    if (uc_hook_add(cpu->uc, &h, UC_HOOK_MEM_READ, (void *)on_load_hook, slot, 1, 0) != UC_ERR_OK)
        return -1;
    cpu->nhooks++;
    /* code translated and TLB entries filled before the hook load without calling it */
    uc_ctl_flush_tb(cpu->uc);
    cpu_flush_tlb(emu);
    return 0;
}

int cpu_add_hook(struct emu *emu, enum cpu_hook_kind kind,
                 void (*fn)(void *ctx, uint64_t addr, uint32_t size), void *ctx)
{
    struct cpu *cpu = emu->cpu;
    uc_hook h;
    if (cpu->nhooks == CPU_MAX_HOOKS)
        return -1;
    struct cpu_hook *slot = &cpu->hooks[cpu->nhooks];
    *slot = (struct cpu_hook){ fn, ctx, emu };
    if (uc_hook_add(cpu->uc, &h, kind == CPU_HOOK_CODE ? UC_HOOK_CODE : UC_HOOK_BLOCK,
                    (void *)on_hook, slot, 1, 0) != UC_ERR_OK)
        return -1;
    cpu->nhooks++;
    return 0;
}
