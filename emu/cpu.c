/* emu/cpu.c — Unicorn as the CPU; every translation comes from our MMU.
 *
 * Unicorn runs in virtual-TLB mode with 16 KB pages: each miss in its TLB calls
 * on_tlb_fill(), which asks mmu_translate() and, on a fault, vm_fault(). Unicorn's
 * TLB is only a cache of ours: whenever ours drops an entry it is flushed whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "emu/darwin.h"

uint64_t cpu_reg(struct emu *emu, int reg)
{
    uint64_t v = 0;
    uc_reg_read(emu->uc, reg, &v);
    return v;
}

void cpu_set_reg(struct emu *emu, int reg, uint64_t v)
{
    uc_reg_write(emu->uc, reg, &v);
}

void cpu_save_user(struct emu *emu, struct cpu_user_state *s)
{
    for (int i = 0; i <= 28; i++)
        s->x[i] = cpu_reg(emu, REG_X(i));
    s->x[29] = cpu_reg(emu, UC_ARM64_REG_X29);
    s->x[30] = cpu_reg(emu, UC_ARM64_REG_X30);
    s->sp = cpu_reg(emu, UC_ARM64_REG_SP);
    s->pc = cpu_reg(emu, UC_ARM64_REG_PC);
    s->nzcv = cpu_reg(emu, UC_ARM64_REG_NZCV);
    s->fpsr = (uint32_t)cpu_reg(emu, UC_ARM64_REG_FPSR);
    s->fpcr = (uint32_t)cpu_reg(emu, UC_ARM64_REG_FPCR);
    for (int i = 0; i < 32; i++)
        uc_reg_read(emu->uc, UC_ARM64_REG_Q0 + i, s->q[i]);
}

void cpu_load_user(struct emu *emu, const struct cpu_user_state *s)
{
    for (int i = 0; i <= 28; i++)
        cpu_set_reg(emu, REG_X(i), s->x[i]);
    cpu_set_reg(emu, UC_ARM64_REG_X29, s->x[29]);
    cpu_set_reg(emu, UC_ARM64_REG_X30, s->x[30]);
    cpu_set_reg(emu, UC_ARM64_REG_SP, s->sp);
    cpu_set_reg(emu, UC_ARM64_REG_PC, s->pc);
    cpu_set_reg(emu, UC_ARM64_REG_NZCV, s->nzcv & 0xf0000000u);   /* only the flags */
    cpu_set_reg(emu, UC_ARM64_REG_FPSR, s->fpsr);
    cpu_set_reg(emu, UC_ARM64_REG_FPCR, s->fpcr);
    for (int i = 0; i < 32; i++)
        uc_reg_write(emu->uc, UC_ARM64_REG_Q0 + i, s->q[i]);
}

void cpu_enter_handler(struct emu *emu, const struct cpu_handler_entry *e)
{
    for (int i = 0; i < e->nargs; i++)
        cpu_set_reg(emu, REG_X(i), e->arg[i]);
    cpu_set_reg(emu, UC_ARM64_REG_SP, e->sp);
    cpu_set_reg(emu, UC_ARM64_REG_X29, e->fp);
    cpu_set_reg(emu, UC_ARM64_REG_X30, e->lr);
    cpu_set_reg(emu, UC_ARM64_REG_PC, e->pc);
    cpu_request_stop(emu, STOP_REDIRECT);
}

void cpu_flush_tlb(struct emu *emu)
{
    uc_ctl_flush_tlb(emu->uc);
    emu->stats.uc_tlb_flushes++;
}

void cpu_request_stop(struct emu *emu, enum emu_stop why)
{
    if (emu->stop == STOP_NONE || emu->stop == STOP_UPCALL || why == STOP_EXIT)
        emu->stop = why;
    uc_emu_stop(emu->uc);
}

static void on_tlb_drop(void *ctx)
{
    cpu_flush_tlb(ctx);
}

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
    struct mmu_xlate x;
    emu->stats.fills++;
    if (emu->probe.active && trunc_page(va) == emu->probe.page) {
        r->paddr = 0;              /* frame 0: reserved, never mapped, a safe scratch */
        r->perms = UC_PROT_READ | UC_PROT_WRITE;
        return true;
    }
    emu->in_fill = true;
    bool ok = translate(emu, va, access_of(type), &x);
    emu->in_fill = false;
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
    uint8_t *uf = &emu->uc_frame[x.pfn];
    if (type == UC_MEM_FETCH) {
        if (*uf & UCF_NOEXEC) {
            *uf = UCF_FETCHED;
            emu->uc_tlb_stale = true;
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
    /* The PC is past the svc; its immediate names the personality. */
    const uint32_t *insn = guest_ptr(emu, cpu_reg(emu, UC_ARM64_REG_PC) - 4, 4, VM_PROT_EXECUTE);
    uint32_t imm = insn ? (*insn >> 5) & 0xffff : 0;
    if (imm == 0x80)
        darwin_syscall(emu);
    else
        linux_syscall(emu);     /* Linux ignores the immediate */
    task_account_kernel(emu, emu->task);
    emu_jetsam_poll(emu);
    if (emu->phys.stale_code && emu->stop == STOP_NONE)
        cpu_request_stop(emu, STOP_RETRY);
}

int cpu_init(struct emu *emu, char *err, size_t errlen)
{
    uc_err e;
    uc_hook h;
    if ((e = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &emu->uc)) != UC_ERR_OK)
        goto fail;
    if ((e = uc_ctl_set_cpu_model(emu->uc, UC_CPU_ARM64_MAX)) != UC_ERR_OK ||
        (e = uc_ctl_set_page_size(emu->uc, (uint32_t)PAGE_SIZE)) != UC_ERR_OK ||
        (e = uc_ctl_tlb_mode(emu->uc, UC_TLB_VIRTUAL)) != UC_ERR_OK ||
        (e = uc_mem_map_ptr(emu->uc, 0, emu->phys.size, UC_PROT_ALL, emu->phys.ram)) != UC_ERR_OK ||
        (e = uc_hook_add(emu->uc, &h, UC_HOOK_TLB_FILL, (void *)on_tlb_fill, emu, 1, 0)) != UC_ERR_OK ||
        (e = uc_hook_add(emu->uc, &h, UC_HOOK_INTR, (void *)on_interrupt, emu, 1, 0)) != UC_ERR_OK ||
        (e = cpu_el0_init(emu->uc)) != UC_ERR_OK)
        goto fail;
    if (!(emu->uc_frame = calloc(emu->phys.nframes, 1))) {
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

static void on_probe_access(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                            int64_t value, void *ctx)
{
    (void)uc; (void)type; (void)size; (void)value;
    struct emu *emu = ctx;
    /* The hook may see the virtual address or the physical one (scratch frame 0). */
    if (!emu->probe.found && (trunc_page(addr) == emu->probe.page || addr < PAGE_SIZE)) {
        emu->probe.found = true;
        emu->probe.addr = emu->probe.page | (addr & PAGE_MASK);
    }
}

/* Unicorn reports only the page of a refused access. To get the byte address the
 * guest expects in si_addr, the faulting instruction is run once more with that
 * page backed by the scratch frame and a memory hook watching it; then the CPU
 * state is put back as it was. */
uint64_t emu_precise_fault_address(struct emu *emu, uint64_t page)
{
    uc_context *saved;
    uc_hook h;
    if (uc_context_alloc(emu->uc, &saved) != UC_ERR_OK)
        return page;
    uc_context_save(emu->uc, saved);
    struct mmu_fault fault = emu->fault;
    kern_return_t kr = emu->fault_kr;
    emu->probe.active = true;
    emu->probe.found = false;
    emu->probe.page = trunc_page(page);
    if (uc_hook_add(emu->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_probe_access,
                    emu, 1, 0) == UC_ERR_OK) {
        uc_ctl_flush_tb(emu->uc);
        cpu_flush_tlb(emu);
        uc_emu_start(emu->uc, cpu_reg(emu, UC_ARM64_REG_PC), 0, 0, 1);
        uc_hook_del(emu->uc, h);
    }
    emu->probe.active = false;
    uc_ctl_flush_tb(emu->uc);
    cpu_flush_tlb(emu);
    uc_context_restore(emu->uc, saved);
    uc_context_free(saved);
    emu->fault = fault;
    emu->fault_kr = kr;
    emu->stop = STOP_FAULT;
    return emu->probe.found ? emu->probe.addr : page;
}
