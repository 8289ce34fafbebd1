/* tools/repl_print.c — descriptors, instructions and the fault-stop block. */
#include <capstone/capstone.h>
#include <signal.h>
#include <string.h>
#include "tools/repl.h"

static const char *const access_names[] = { "?", "read", "write", "?", "execute" };

static const char *access_name(vm_prot_t a)
{
    return access_names[a & 7] ? access_names[a & 7] : "?";
}

static void rights(vm_prot_t p, char out[4])
{
    out[0] = p & VM_PROT_READ ? 'r' : '-';
    out[1] = p & VM_PROT_WRITE ? 'w' : '-';
    out[2] = p & VM_PROT_EXECUTE ? 'x' : '-';
    out[3] = 0;
}

void print_desc(FILE *out, pt_entry_t e, int level)
{
    if (!(e & PT_VALID)) {
        fprintf(out, level == 3 && (e & PT_COMPRESSED)
                ? "invalid: compressed marker (the page went to the compressor)" : "invalid");
        return;
    }
    if (!(e & PT_TYPE)) {
        fprintf(out, "block descriptor (never written by this pmap: treated as invalid)");
        return;
    }
    if (level < 3) {
        fprintf(out, "table -> pfn %u (PA 0x%llx)", pt_pfn(e),
                (unsigned long long)(e & PT_ADDR_MASK));
        return;
    }
    char r[4];
    rights(pt_page_prot(e), r);
    fprintf(out, "page pfn %u, AF=%d, EL0 %s%s, AttrIndx %llu, SH %s%s%s%s%s%s", pt_pfn(e),
            !!(e & PT_AF), r, e & PT_AP_RO ? " (AP read-only)" : "",
            (unsigned long long)((e & PT_ATTRIDX_MASK) >> 2),
            (e & PT_SH_INNER) == PT_SH_INNER ? "inner" : "other", e & PT_NG ? ", nG" : "",
            e & PT_UXN ? ", UXN" : "", e & PT_PXN ? ", PXN" : "",
            e & PT_SW_WRITEABLE ? ", sw:writeable (write traps to record modify)" : "",
            e & PT_SW_WIRED ? ", sw:wired" : "");
}

static uint32_t word_of(const uint8_t *b)
{
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Disassembles one instruction; says why when the text is not readable. */
static void disas_one(struct repl *r, int pid, uint64_t pc, char *buf, size_t len)
{
    static csh cs;
    static bool cs_ready;
    uint8_t code[4];
    cs_insn *insn;
    if (inspect_read(repl_emu(r), pid, pc, code, 4) != 4) {
        snprintf(buf, len, "(cannot read: %s)",
                 inspect_mem_name(inspect_page_state(repl_emu(r), pid, pc)));
        return;
    }
    if (!cs_ready && cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &cs) == CS_ERR_OK)
        cs_ready = true;
    if (cs_ready && cs_disasm(cs, code, 4, pc, 1, &insn) == 1) {
        snprintf(buf, len, "%s %s", insn->mnemonic, insn->op_str);
        cs_free(insn, 1);
    } else {
        snprintf(buf, len, "%s.word 0x%08x", cs_ready ? "(undefined) " : "", word_of(code));
    }
}

void print_insn_line(struct repl *r, int pid, uint64_t pc, FILE *out)
{
    char text[256], sym[128];
    disas_one(r, pid, pc, text, sizeof text);
    fprintf(out, "0x%llx%s:  %s\n", (unsigned long long)pc, repl_sym(r, pc, sym, sizeof sym), text);
}

static const char *pager_of(struct repl *r, uint32_t id)
{
    struct inspect_object chain[1];
    if (inspect_object_chain(repl_emu(r), id, chain, 1) < 1)
        return NULL;
    return chain[0].pager;
}

/* " (segment 3, slot 17: wkdm, 2148 bytes)" and the like. */
static void print_compressed_from(const struct dbg_compressed_from *c, FILE *out)
{
    if (!c->known)
        return;
    if (c->form == COMPRESSOR_FORM_SINGLE)
        fprintf(out, " (a single-value page: 0x%08x repeated, no segment bytes)", c->value);
    else
        fprintf(out, " (segment %u, slot %u: %s, %u bytes%s)", c->segment, c->slot,
                compressor_form_name((enum compressor_form)c->form), c->size,
                c->swapped ? "; its segment was read back from the swap file" : "");
}

static void print_resolution(struct repl *r, const struct dbg_fault *f, FILE *out)
{
    const struct vm_fault_event *ev = &f->ev;
    unsigned long long off = (unsigned long long)ev->offset;
    const char *pager;
    switch (ev->kind) {
    case VM_FAULT_ZERO_FILL:
        fprintf(out, "zero-filled a new page at offset 0x%llx of object %u\n", off, ev->object);
        break;
    case VM_FAULT_SOFT:
        fprintf(out, "page already resident at offset 0x%llx of object %u: mapping entered%s\n",
                off, ev->object,
                f->top_object && f->top_object != ev->object ? " read-only (it belongs to an "
                "object below the top one: a write will copy it)" : "");
        break;
    case VM_FAULT_PAGEIN:
        pager = pager_of(r, ev->object);
        fprintf(out, "read the page at offset 0x%llx of object %u from the file %s\n", off,
                ev->object, pager ? pager : "(closed)");
        break;
    case VM_FAULT_COW:
        fprintf(out, "copy-on-write: copied the page at offset 0x%llx of object %u into object %u",
                off, ev->object, f->top_object);
        if (f->from.known) {
            fprintf(out, ", after decompressing it from the compressor");
            print_compressed_from(&f->from, out);
        }
        fputc('\n', out);
        break;
    case VM_FAULT_DECOMPRESS:
        fprintf(out, "decompressed the page at offset 0x%llx of object %u from the compressor",
                off, ev->object);
        print_compressed_from(&f->from, out);
        fprintf(out, " into a new frame; its slot is freed\n");
        break;
    case VM_FAULT_FAST:
        fprintf(out, "%s\n", ev->access & VM_PROT_WRITE
                ? "reference/modify emulation: first write, the pmap made the page writable and "
                  "marked it modified (no VM work)"
                : "reference/modify emulation: first access, the pmap set the access flag and "
                  "marked the page referenced (no VM work)");
        break;
    case VM_FAULT_INVALID:
        fprintf(out, "not resolved: %s (%s)\n", vm_kern_name(ev->result),
                ev->result == KERN_PROTECTION_FAILURE ? "the mapping does not allow this access"
                : ev->result == KERN_MEMORY_ERROR ? "past the end of the mapped file, an emptied "
                  "purgeable object, or compressed data that could not be read back"
                : ev->result == KERN_RESOURCE_SHORTAGE ? "no free frame"
                : "nothing is mapped there");
        break;
    default:
        fprintf(out, "%s: page at offset 0x%llx of object %u\n", vm_fault_kind_name(ev->kind), off,
                ev->object);
    }
}

void print_fault(struct repl *r, const struct dbg_fault *f, FILE *out)
{
    const struct vm_fault_event *ev = &f->ev;
    fprintf(out, "fault: task %d %s at 0x%llx, %s", ev->task, access_name(ev->access),
            (unsigned long long)ev->va, vm_fault_kind_name(ev->kind));
    if (f->in_syscall)
        fprintf(out, " (an access by the system call)\n");
    else
        fprintf(out, " (%s fault, level %d, ESR 0x%08x)\n", mmu_fault_name(f->mmu.kind),
                f->mmu.level, f->mmu.esr);
    fprintf(out, "  insn   ");
    print_insn_line(r, ev->task, f->pc, out);
    fprintf(out, "  vm     ");
    print_resolution(r, f, out);
    fprintf(out, "  pte    ");
    if (f->pte & PT_VALID) {
        fprintf(out, "0x%016llx ", (unsigned long long)f->pte);
        print_desc(out, f->pte, 3);
    } else {
        fprintf(out, "none");
    }
    fprintf(out, "\n  cost   %.1f us\n", ev->cost_ns / 1000.0);
}

/* A fault that found no free frame goes to Jetsam first: say whom it will kill. */
static void print_signal_stop(const struct emu *emu, const struct dbg_event *ev, FILE *out)
{
    const struct memorystatus *ms = emu_jetsam_table(emu);
    const struct memorystatus_proc *v = ev->victim ? memorystatus_find(ms, ev->victim) : NULL;
    const char *cause = memorystatus_cause_name(ev->victim_cause);
    if (ev->signo != SIGKILL)
        fprintf(out, "task %d will get SIG%s on continue, at ", ev->pid, sigabbrev_np(ev->signo));
    else if (v && v->pid == ev->pid)
        fprintf(out, "task %d found no free frame: on continue Jetsam kills it (%s), at ",
                ev->pid, cause);
    else if (v)
        fprintf(out, "task %d found no free frame: on continue Jetsam kills %s (pid %d, %s) "
                "and the access runs again, at ", ev->pid, v->name, v->pid, cause);
    else
        fprintf(out, "task %d found no free frame and %s: it will get SIGKILL on continue, "
                "at ", ev->pid, ms ? "Jetsam has no one to kill" : "Jetsam is off");
}

static void print_watch_stop(struct repl *r, const struct dbg_event *ev, FILE *out)
{
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    const struct dbg_breakpoint *w = NULL;
    int n = dbg_breakpoints(repl_emu(r), bp, DBG_MAX_BREAKPOINTS);
    for (int i = 0; i < n && i < DBG_MAX_BREAKPOINTS; i++)
        if (bp[i].id == ev->breakpoint)
            w = &bp[i];
    repl_watch_print_stop(ev, w, out);
    fprintf(out, "task %d at ", ev->pid);
}

void repl_print_stop(struct repl *r, const struct dbg_event *ev, FILE *out)
{
    for (int i = 0; i < ev->nfaults; i++)
        print_fault(r, &ev->faults[i], out);
    if (ev->faults_dropped)
        fprintf(out, "(%u more faults matched before the CPU stopped)\n", ev->faults_dropped);
    switch (ev->why) {
    case DBG_STOP_EXIT:
        fprintf(out, "the program exited: status %d\n", ev->exit_status);
        return;
    case DBG_STOP_BREAK:
        fprintf(out, "breakpoint %d, task %d at ", ev->breakpoint, ev->pid);
        break;
    case DBG_STOP_FAULT:
        if (ev->breakpoint > 0)
            fprintf(out, "fault breakpoint %d, ", ev->breakpoint);
        fprintf(out, "%s in task %d at ", ev->faults[ev->nfaults - 1].in_syscall
                ? "stopped after the system call" : "stopped before the faulting instruction "
                "runs again", ev->pid);
        break;
    case DBG_STOP_SIGNAL:
        print_signal_stop(repl_emu(r), ev, out);
        break;
    case DBG_STOP_INTERRUPT:
        fprintf(out, "interrupted: task %d at ", ev->pid);
        break;
    case DBG_STOP_STEP:
        fprintf(out, "task %d at ", ev->pid);
        break;
    case DBG_STOP_WATCH:
        print_watch_stop(r, ev, out);
        break;
    case DBG_STOP_JETSAM:
        jetsam_log_print_new(repl_jetsam_log(r), out);
        fprintf(out, "jetsam breakpoint %d, ", ev->breakpoint);
        if (!inspect_task_exists(repl_emu(r), ev->pid)) {
            fprintf(out, "task %d, which was on the CPU, is gone\n", ev->pid);
            return;
        }
        fprintf(out, "task %d at ", ev->pid);
        break;
    }
    print_insn_line(r, ev->pid, ev->pc, out);
    repl_gdb_displays(r, out);
}
