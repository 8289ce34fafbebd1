/* emu/signal.c — Linux/arm64 signal frames, sigreturn, and death of a task.
 *
 * The frame matches the kernel's rt_sigframe so that handlers can read siginfo
 * and the saved registers (and change them): siginfo (128 bytes), then a ucontext
 * whose mcontext holds x0-x30, sp, pc, pstate and, in __reserved, an fpsimd and
 * an esr record. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "emu/darwin.h"

#define SIGINFO_SIZE   128
#define UC_SIGMASK     40
#define UC_STACK       16
#define UC_MCONTEXT    176
#define MC_FAULT_ADDR  0
#define MC_REGS        8
#define MC_SP          (8 + 31 * 8)
#define MC_PC          (MC_SP + 8)
#define MC_PSTATE      (MC_PC + 8)
#define MC_RESERVED    288
#define UC_SIZE        (UC_MCONTEXT + MC_RESERVED + 4096)
#define FRAME_SIZE     (SIGINFO_SIZE + UC_SIZE)

#define FPSIMD_MAGIC   0x46508001u
#define FPSIMD_SIZE    528
#define ESR_MAGIC      0x45535201u
#define ESR_SIZE       16

#define G_SA_NODEFER   0x40000000u
#define G_SA_RESETHAND 0x80000000u
#define G_SA_ONSTACK   0x08000000u
#define G_SA_SIGINFO   0x4u
#define G_SA_RESTORER  0x04000000u
#define G_SS_ONSTACK   1
#define G_SS_DISABLE   2

static const char *signame(int signo)
{
    const char *d = sigabbrev_np(signo);
    static char buf[16];
    snprintf(buf, sizeof buf, "SIG%s", d ? d : "?");
    return buf;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* "in data [0x..-0x..) rw-" or "no mapping (below stack [..))" */
static void describe_address(struct emu *emu, uint64_t addr, char *buf, size_t len)
{
    struct vm_map_entry *e;
    struct vm_map *map = emu->task->map;
    bool in = vm_map_lookup_entry(map, addr, &e);
    if (!in && e->next != &map->header && e->next->start - addr <= PAGE_SIZE * 16)
        e = e->next;                 /* just below the next mapping: name that one */
    if (e == &map->header) {
        snprintf(buf, len, "no mapping");
        return;
    }
    snprintf(buf, len, "%s %s [0x%llx-0x%llx) %c%c%c", in ? "in" : "no mapping; nearest is",
             e->tag ? e->tag : "anonymous", (unsigned long long)e->start, (unsigned long long)e->end,
             e->protection & VM_PROT_READ ? 'r' : '-', e->protection & VM_PROT_WRITE ? 'w' : '-',
             e->protection & VM_PROT_EXECUTE ? 'x' : '-');
}

void task_die(struct emu *emu, int signo, const char *why)
{
    struct task *t = emu->task;
    uint64_t pc = cpu_reg(emu, CPU_PC);
    struct task *p = task_leader(t);
    char thread[32] = "";
    if (p->th.list)                /* several threads: which one */
        snprintf(thread, sizeof thread, " thread %d", t->pid);
    fprintf(stderr, "machemu: crash: task %d (%s)%s killed by %s at pc=0x%llx: %s\n", p->pid,
            p->name ? p->name : "?", thread, signame(signo), (unsigned long long)pc, why);
    task_exit(emu, signo);
}

static void die_of_fault(struct emu *emu, int signo, uint64_t addr)
{
    char where[160], why[256];
    static const char *const acc[] = { "?", "read", "write", "?", "execute" };
    if (emu->stop != STOP_FAULT) {
        /* Sent by kill(2), not raised by the task's own instruction: it ends
         * quietly, as a process killed by another does; wait4 reports the signal. */
        task_exit(emu, signo);
        return;
    }
    if (emu->task->abi == TASK_ABI_DARWIN) {
        task_exit(emu, darwin_crash_report(emu, signo, addr));
        return;
    }
    if (emu->fault.kind == MMU_OK) {
        task_die(emu, signo, signo == SIGTRAP ? "breakpoint instruction" : "illegal instruction");
        return;
    }
    describe_address(emu, addr, where, sizeof where);
    snprintf(why, sizeof why, "%s of 0x%llx, %s (%s fault, level %d), %s",
             acc[emu->fault.access & 7], (unsigned long long)addr,
             emu->fault_kr == KERN_PROTECTION_FAILURE ? "protection violation"
             : emu->fault_kr == KERN_MEMORY_ERROR ? vm_memory_error_text(emu->vm.memory_error)
             : "unmapped address",
             mmu_fault_name(emu->fault.kind), emu->fault.level, where);
    task_die(emu, signo, why);
}

static bool default_ignored(int signo)
{
    return signo == SIGCHLD || signo == SIGURG || signo == SIGWINCH || signo == SIGCONT;
}

bool signal_acts(const struct task *t, int signo)
{
    uint64_t h = t->sig[signo].handler;
    if (h == (uint64_t)(uintptr_t)SIG_IGN)
        return signo == SIGKILL || signo == SIGSTOP;
    return h != (uint64_t)(uintptr_t)SIG_DFL || !default_ignored(signo);
}

static int write_frame(struct emu *emu, uint64_t frame, int signo, int code, uint64_t addr)
{
    struct task *t = emu->task;
    struct cpu_user_state cs;
    uint8_t *f = calloc(1, FRAME_SIZE);
    if (!f)
        return -ENOMEM;
    linux_sleep_interrupted(emu);
    cpu_save_user(emu, &cs);
    put32(f + 0, (uint32_t)signo);
    put32(f + 8, (uint32_t)code);
    if (t->sent_info) {                /* kill, SIGCHLD: who sent it, and the status */
        const struct sig_info *si = &t->sig_info[signo];
        put32(f + 16, (uint32_t)si->pid);
        put32(f + 20, si->code == L_SI_TIMER ? 0 /* si_overrun */ : si->pid ? t->cred.ruid : 0);
        put64(f + 24, si->value);
    } else {
        put64(f + 16, addr);
    }
    uint8_t *uc = f + SIGINFO_SIZE, *mc = uc + UC_MCONTEXT;
    put64(uc + UC_STACK, t->altstack_sp);
    put32(uc + UC_STACK + 8, t->altstack_size ? 0 : G_SS_DISABLE);
    put64(uc + UC_STACK + 16, t->altstack_size);
    /* sigsuspend and pselect6 return to the mask from before the call. */
    put64(uc + UC_SIGMASK, t->call.restore_mask ? t->call.saved_mask : t->sigmask);
    t->call.restore_mask = false;
    put64(mc + MC_FAULT_ADDR, addr);
    for (int i = 0; i <= 30; i++)
        put64(mc + MC_REGS + 8 * i, cs.x[i]);
    put64(mc + MC_SP, cs.sp);
    put64(mc + MC_PC, cs.pc);
    put64(mc + MC_PSTATE, cs.nzcv);
    uint8_t *r = mc + MC_RESERVED;
    put32(r, FPSIMD_MAGIC);
    put32(r + 4, FPSIMD_SIZE);
    put32(r + 8, cs.fpsr);
    put32(r + 12, cs.fpcr);
    memcpy(r + 16, cs.q, sizeof cs.q);
    r += FPSIMD_SIZE;
    if (signo == SIGSEGV || signo == SIGBUS) {
        put32(r, ESR_MAGIC);
        put32(r + 4, ESR_SIZE);
        put64(r + 8, emu->fault.esr);
        r += ESR_SIZE;
    }
    put32(r, 0);                       /* terminator */
    put32(r + 4, 0);
    int rc = copyout(emu, frame, f, FRAME_SIZE);
    free(f);
    return rc;
}

void signal_deliver(struct emu *emu, int signo, int code, uint64_t addr)
{
    struct task *t = emu->task;
    struct guest_sigaction *sa = &t->sig[signo];
    bool fault = signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGTRAP ||
                 signo == SIGFPE;
    bool blocked = t->sigmask & (1ull << (signo - 1));
    if (sa->handler == (uint64_t)(uintptr_t)SIG_IGN && !fault)
        return;
    if (sa->handler == (uint64_t)(uintptr_t)SIG_DFL || sa->handler == (uint64_t)(uintptr_t)SIG_IGN ||
        (fault && blocked) || signo == SIGKILL || signo == SIGSTOP) {
        if (!fault && default_ignored(signo))
            return;
        die_of_fault(emu, signo, addr);
        return;
    }
    uint64_t sp = cpu_reg(emu, CPU_SP);
    bool on_alt = t->altstack_size && sp - t->altstack_sp <= t->altstack_size;
    if ((sa->flags & G_SA_ONSTACK) && t->altstack_size && !on_alt)
        sp = t->altstack_sp + t->altstack_size;
    uint64_t frame = (sp - FRAME_SIZE - 16) & ~15ull;
    if (write_frame(emu, frame, signo, code, addr) < 0) {
        /* No room for the frame: the kernel's answer is SIGSEGV with the default action. */
        emu->fault.kind = MMU_FAULT_TRANSLATION;
        emu->fault.access = VM_PROT_WRITE;
        emu->fault_kr = KERN_INVALID_ADDRESS;
        emu->stop = STOP_FAULT;
        die_of_fault(emu, SIGSEGV, frame);
        return;
    }
    cpu_enter_handler(emu, &(struct cpu_handler_entry){
        .pc = sa->handler, .sp = frame, .fp = frame,
        .lr = sa->flags & G_SA_RESTORER ? sa->restorer : t->sigtramp,
        .arg = { (uint64_t)signo, frame, frame + SIGINFO_SIZE }, .nargs = 3 });
    t->sigmask |= sa->mask;
    if (!(sa->flags & G_SA_NODEFER))
        t->sigmask |= 1ull << (signo - 1);
    t->sigmask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    if (sa->flags & G_SA_RESETHAND)
        sa->handler = (uint64_t)(uintptr_t)SIG_DFL;
}

int signal_sigreturn(struct emu *emu)
{
    struct task *t = emu->task;
    uint64_t frame = cpu_reg(emu, CPU_SP);
    uint8_t *f = malloc(FRAME_SIZE);
    if (!f || copyin(emu, f, frame, FRAME_SIZE) < 0) {
        free(f);
        emu->fault = (struct mmu_fault){ .va = frame, .access = VM_PROT_READ,
                                         .kind = MMU_FAULT_TRANSLATION };
        emu->fault_kr = KERN_INVALID_ADDRESS;
        emu->stop = STOP_FAULT;
        die_of_fault(emu, SIGSEGV, frame);
        return -EFAULT;
    }
    const uint8_t *uc = f + SIGINFO_SIZE, *mc = uc + UC_MCONTEXT;
    struct cpu_user_state cs;
    cpu_save_user(emu, &cs);           /* the FP state stays if the frame has none */
    for (int i = 0; i <= 30; i++)
        cs.x[i] = get64(mc + MC_REGS + 8 * i);
    cs.sp = get64(mc + MC_SP);
    cs.pc = get64(mc + MC_PC);
    cs.nzcv = get64(mc + MC_PSTATE);
    const uint8_t *r = mc + MC_RESERVED;
    if (get32(r) == FPSIMD_MAGIC) {
        cs.fpsr = get32(r + 8);
        cs.fpcr = get32(r + 12);
        memcpy(cs.q, r + 16, sizeof cs.q);
    }
    cpu_load_user(emu, &cs);
    t->sigmask = get64(uc + UC_SIGMASK) & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    free(f);
    cpu_request_stop(emu, STOP_REDIRECT);
    return 0;
}
