/* emu/darwin_crash.c — how a Darwin task dies of a fault: a crash report in the
 * shape of Apple's (.crash / .ips translated), on stderr.
 *
 * The Mach exception and its signal follow XNU's ux_exception(): EXC_BAD_ACCESS is
 * SIGSEGV for KERN_INVALID_ADDRESS and SIGBUS for anything else (a write to a
 * read-only page is SIGBUS on Darwin, SIGSEGV on Linux). The first line keeps the
 * "machemu: crash:" form every crash has, so one grep finds them all. */
#include <signal.h>
#include <string.h>
#include "emu/darwin.h"

struct exception {
    const char *type;              /* EXC_BAD_ACCESS, ... */
    int signo;                     /* Linux numbering; task_exit reports it in Darwin's */
    char codes[96];
};

static void classify(struct emu *emu, int signo, uint64_t addr, struct exception *x)
{
    uint64_t pc = cpu_reg(emu, CPU_PC);
    if (emu->fault.kind == MMU_OK) {           /* an instruction, not an access */
        bool bkpt = signo == SIGTRAP;
        const uint32_t *insn = guest_ptr(emu, pc, 4, VM_PROT_EXECUTE);
        x->type = bkpt ? "EXC_BREAKPOINT" : "EXC_BAD_INSTRUCTION";
        x->signo = bkpt ? SIGTRAP : SIGILL;
        snprintf(x->codes, sizeof x->codes, "0x0000000000000001, 0x%016llx",
                 (unsigned long long)(insn ? *insn : 0));
        return;
    }
    kern_return_t kr = emu->fault_kr;
    x->type = "EXC_BAD_ACCESS";
    x->signo = kr == KERN_INVALID_ADDRESS ? SIGSEGV : SIGBUS;
    snprintf(x->codes, sizeof x->codes, "%s at 0x%016llx", vm_kern_name(kr),
             (unsigned long long)addr);
}

static void size_text(char *buf, size_t len, uint64_t bytes)
{
    static const char units[] = "KMGT";
    uint64_t v = bytes >> 10;
    int u = 0;
    while (v >= 1024 && (v & 1023) == 0 && u < 3) {
        v >>= 10;
        u++;
    }
    snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
}

static void prot_text(char *buf, vm_prot_t p)
{
    buf[0] = p & VM_PROT_READ ? 'r' : '-';
    buf[1] = p & VM_PROT_WRITE ? 'w' : '-';
    buf[2] = p & VM_PROT_EXECUTE ? 'x' : '-';
    buf[3] = 0;
}

static void region_line(FILE *out, const char *mark, const struct vm_map_entry *e)
{
    char size[24], cur[4], max[4];
    size_text(size, sizeof size, e->end - e->start);
    prot_text(cur, e->protection);
    prot_text(max, e->max_protection);
    fprintf(out, "%-5s %-24s %9llx-%-9llx [%6s] %s/%s SM=%s\n", mark, e->tag ? e->tag : "VM_ALLOCATE",
            (unsigned long long)e->start, (unsigned long long)e->end, size, cur, max,
            e->object && !vm_object_internal(e->object) ? "COW" : e->needs_copy ? "COW" : "PRV");
}

/* vmmap's view around the address: the region before, the one hit (or the gap), after. */
static void region_info(struct emu *emu, FILE *out, uint64_t addr)
{
    struct vm_map *map = emu->task->map;
    struct vm_map_entry *e;
    bool in = vm_map_lookup_entry(map, addr, &e);
    struct vm_map_entry *prev = in ? e->prev : e, *next = in ? e->next : e->next;
    if (in)
        fprintf(out, "VM Region Info:      0x%llx is in 0x%llx-0x%llx;  bytes after start: %llu  "
                "bytes before end: %llu\n", (unsigned long long)addr, (unsigned long long)e->start,
                (unsigned long long)e->end, (unsigned long long)(addr - e->start),
                (unsigned long long)(e->end - addr - 1));
    else if (next != &map->header)
        fprintf(out, "VM Region Info:      0x%llx is not in any region.  Bytes before following "
                "region: %llu\n", (unsigned long long)addr, (unsigned long long)(next->start - addr));
    else
        fprintf(out, "VM Region Info:      0x%llx is not in any region.  Bytes after previous "
                "region: %llu\n", (unsigned long long)addr,
                (unsigned long long)(prev != &map->header ? addr - prev->end : addr));
    fprintf(out, "      REGION TYPE                  START - END       [ VSIZE] PRT/MAX SHRMOD\n");
    if (prev != &map->header)
        region_line(out, "", prev);
    else
        fprintf(out, "      UNUSED SPACE AT START\n");
    if (in)
        region_line(out, "--->", e);
    else
        fprintf(out, "--->\n");
    if (next != &map->header)
        region_line(out, "", next);
    else
        fprintf(out, "      UNUSED SPACE AT END\n");
}

static void thread_state(struct emu *emu, FILE *out)
{
    fprintf(out, "Thread 0 crashed with ARM Thread State (64-bit):\n");
    for (int i = 0; i < 33; i++) {
        static const char *const named[] = { "fp", "lr", "sp", "pc" };
        char name[16];
        if (i < 29)
            snprintf(name, sizeof name, "x%d", i);
        else
            snprintf(name, sizeof name, "%s", named[i - 29]);
        uint64_t v = cpu_reg(emu, (enum cpu_reg)i);   /* x0..x30, sp, pc */
        fprintf(out, "%6s: 0x%016llx%s", name, (unsigned long long)v, i % 4 == 3 ? "\n" : " ");
    }
    fprintf(out, "  cpsr: 0x%08llx\n", (unsigned long long)cpu_reg(emu, CPU_NZCV));
}

static void fault_note(struct emu *emu, FILE *out, uint64_t addr)
{
    static const char *const acc[] = { "?", "read", "write", "?", "execute" };
    const struct mmu_fault *f = &emu->fault;
    uint32_t esr = f->esr ? f->esr : mmu_esr(f->kind, f->level, f->access);
    fprintf(out, "Exception Note:      %s of 0x%llx: %s fault, level %d (far: 0x%016llx esr: 0x%08x)\n",
            acc[f->access & 7], (unsigned long long)addr, mmu_fault_name(f->kind), f->level,
            (unsigned long long)addr, esr);
}

int darwin_crash_report(struct emu *emu, int signo, uint64_t addr)
{
    struct task *t = emu->task;
    struct exception x;
    classify(emu, signo, addr, &x);
    const char *name = t->name ? t->name : "?";
    int dsig = darwin_signo(x.signo);
    FILE *out = stderr;
    fprintf(out, "machemu: crash: task %d (%s): %s (SIG%s), %s, pc=0x%llx\n", t->pid, name, x.type,
            sigabbrev_np(x.signo), x.codes, (unsigned long long)cpu_reg(emu, CPU_PC));
    fprintf(out, "Process:             %s [%d]\n", name, t->pid);
    fprintf(out, "Path:                %s\n", t->exe ? t->exe : "?");
    fprintf(out, "Parent Process:      [%d]\n", t->ppid);
    fprintf(out, "Exception Type:      %s (SIG%s)\n", x.type, sigabbrev_np(x.signo));
    fprintf(out, "Exception Codes:     %s\n", x.codes);
    if (emu->fault.kind != MMU_OK) {
        fault_note(emu, out, addr);
        region_info(emu, out, addr);
    }
    fprintf(out, "Termination Reason:  Namespace SIGNAL, Code %d, %s: %d\n", dsig,
            sigdescr_np(x.signo), dsig);
    fprintf(out, "Triggered by Thread: 0\n\n");
    thread_state(emu, out);
    return x.signo;
}
