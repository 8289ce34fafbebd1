/* emu/debug.h — run control for a debugger: resume until an event, step N
 * instructions, breakpoints, stops on faults filtered by kind and address range, and
 * the only two ways a tool changes the guest (a register, memory). What the machine
 * looks like is read through emu/inspect.h.
 *
 * Determinism: a debugged run makes the guest-visible decisions `machemu run` makes
 * (the same instructions, the same faults in the same order, the same task
 * switches). Stops fall on instruction boundaries; a fault stop comes after the VM
 * resolved the fault and before the faulting instruction runs again. Only dbg_write
 * and dbg_reg_write change the guest.
 *
 * Tasks are named by pid; pid 0 means the task on the CPU. */
#ifndef EMU_DEBUG_H
#define EMU_DEBUG_H

#include "emu/emu.h"
#include "emu/inspect.h"
#include "emu/jetsam.h"

/* Installs the debugger's hooks. Call once, after emu_load and before anything
 * runs. 0, or -1 with err set. */
int dbg_attach(struct emu *emu, char *err, size_t errlen);

/* --- stops ------------------------------------------------------------------ */

enum dbg_stop {
    DBG_STOP_STEP,                 /* the requested number of instructions ran */
    DBG_STOP_BREAK,                /* at a breakpoint, before its instruction */
    DBG_STOP_FAULT,                /* a fault matched a fault breakpoint */
    DBG_STOP_SIGNAL,               /* the task's instruction will get a signal on resume
                                      (a fault the VM refused, a CPU exception) */
    DBG_STOP_INTERRUPT,            /* dbg_interrupt() */
    DBG_STOP_EXIT,                 /* the run is over (the first task exited) */
    DBG_STOP_JETSAM,               /* a Jetsam evaluation did what a Jetsam breakpoint
                                      watches; the CPU stopped after it, before running on */
    DBG_STOP_WATCH,                /* a watchpoint: after the instruction (or system call)
                                      that changed or read the watched bytes */
};

/* What a watchpoint stop saw. */
struct dbg_watch_hit {
    uint64_t va;                   /* the watched address, as it was set */
    unsigned len;
    unsigned access;               /* DBG_WATCH_WRITE (the value changed) or DBG_WATCH_READ */
    bool old_known;                /* the bytes could be read before (else: old is 0) */
    uint64_t old, now;             /* little-endian values of len bytes */
};

/* Fault classes for filters: one bit per enum vm_fault_kind, and DBG_FAULT_PROT for
 * an access the mapping's protection forbids (a KERN_PROTECTION_FAILURE). */
#define DBG_FAULT_KIND(k) (1u << (k))
#define DBG_FAULT_PROT    (1u << 31)
#define DBG_FAULT_ANY     (DBG_FAULT_PROT | ((1u << VM_FAULT_NKINDS) - 1))
/* A fault kind's name (vm_fault_kind_parse: zero-fill, soft, pagein, cow, decompress,
 * fast, invalid, or an older spelling: zero, file, compressed), "prot" or "any" -> mask;
 * 0 if unknown. */
unsigned dbg_fault_class(const char *name);
/* The names dbg_fault_class() takes, for a message: "zero-fill, soft, ... (older: ...)". */
#define DBG_FAULT_CLASS_NAMES "zero-fill, soft, pagein, cow, decompress, fast, invalid, prot, " \
                              "any (older spellings: zero, file, compressed)"

/* Where a page was in the compressor before a fault brought it back (a decompress
 * fault, or a copy-on-write from a page of a shadow object that was compressed). */
struct dbg_compressed_from {
    bool known;                    /* false: the page did not come from the compressor */
    uint8_t form;                  /* enum compressor_form */
    bool swapped;                  /* its segment was in the swap file (a swapin) */
    uint32_t segment, slot, size;  /* not for a single-value page */
    uint32_t value;                /* single-value page: the value */
};

#define DBG_MAX_FAULTS 8
struct dbg_fault {
    struct vm_fault_event ev;      /* kind, object, offset, pfn, result, cost */
    uint64_t pc;                   /* the faulting instruction, or the svc of a syscall */
    bool in_syscall;               /* raised by a system call's access to guest memory */
    struct mmu_fault mmu;          /* what the MMU reported (when !in_syscall) */
    uint32_t top_object;           /* object at the top of the entry's chain, 0 if none */
    pt_entry_t pte;                /* the page's descriptor once the VM was done */
    struct dbg_compressed_from from;
};

struct dbg_event {
    enum dbg_stop why;
    int pid;                       /* the task on the CPU at the stop */
    uint64_t pc;
    int breakpoint;                /* DBG_STOP_BREAK/FAULT: the id that matched */
    int nfaults;                   /* faults that matched a filter since the resume */
    unsigned faults_dropped;       /* beyond DBG_MAX_FAULTS */
    struct dbg_fault faults[DBG_MAX_FAULTS];
    int signo;                     /* DBG_STOP_SIGNAL: the signal the guest will get */
    int victim;                    /* DBG_STOP_SIGNAL for want of a frame: the pid Jetsam
                                      kills on continue (0: none, the task gets signo) */
    enum memorystatus_cause victim_cause;
    int exit_status;               /* DBG_STOP_EXIT: as emu_run returns it */
    struct dbg_watch_hit watch;    /* DBG_STOP_WATCH */
};

/* Runs until a stop. steps > 0: stop after that many instructions. once_faults: a
 * fault-class mask that also stops this resume (nextfault). Breakpoints on the
 * instruction at the resume point are not hit again. */
void dbg_resume(struct emu *emu, uint64_t steps, unsigned once_faults, struct dbg_event *ev);
/* A tool that acts between turns of the run loop, as a loop of its own around
 * emu_run_slice() would (a scenario launching apps at their instruction counts):
 * dbg_resume calls fn(ctx, more) after every turn with what emu_run_slice() returned,
 * and the run is over when fn returns false. fn may spawn tasks and change their
 * Jetsam band and state, as between emu_run_slice() calls. NULL: the run is over when
 * emu_run_slice() says so. */
void dbg_run_driver(struct emu *emu, bool (*fn)(void *ctx, bool more), void *ctx);
/* Async-signal-safe: the running resume stops at the next instruction. */
void dbg_interrupt(struct emu *emu);

/* --- breakpoints ------------------------------------------------------------ */

enum dbg_bp_type { DBG_BP_CODE, DBG_BP_FAULT, DBG_BP_JETSAM, DBG_BP_WATCH };
/* What a watchpoint watches (its classes): writes that change the value, reads, both. */
#define DBG_WATCH_WRITE 1u
#define DBG_WATCH_READ  2u
#define DBG_WATCH_ACCESS (DBG_WATCH_WRITE | DBG_WATCH_READ)
/* What a Jetsam breakpoint watches: one bit per enum emu_jetsam_event_kind. */
#define DBG_JETSAM_KIND(k) (1u << (k))
#define DBG_JETSAM_ANY     (DBG_JETSAM_KIND(EMU_JETSAM_LEVEL) | DBG_JETSAM_KIND(EMU_JETSAM_NOTE) | \
                            DBG_JETSAM_KIND(EMU_JETSAM_KILL))
struct dbg_breakpoint {
    int id;
    enum dbg_bp_type type;
    uint64_t va;                   /* code */
    unsigned classes;              /* fault: DBG_FAULT_* mask; jetsam: DBG_JETSAM_* mask */
    uint64_t lo, hi;               /* fault: VA range [lo, hi); read watch: the bytes'
                                      physical range now (0, 0: not in RAM) */
    uint64_t hits;
    /* watch: va, len bytes of task pid; the value last seen */
    int pid;
    unsigned len;
    bool value_known;
    uint64_t value;
};
#define DBG_MAX_BREAKPOINTS 64
/* New id (> 0), or -1 when the table is full. A second code breakpoint at the same
 * address returns the first one's id. */
int dbg_break_code(struct emu *emu, uint64_t va);
int dbg_break_fault(struct emu *emu, unsigned classes, uint64_t lo, uint64_t hi);
/* Stops a resume once a Jetsam evaluation changed the level, sent a note or killed a
 * task (kinds: DBG_JETSAM_* mask), as those events match: after the evaluation (all
 * its rounds), before the CPU runs on. Evaluations outside a resume (emu_jetsam_evaluate
 * at a stop) stop nothing. */
int dbg_break_jetsam(struct emu *emu, unsigned kinds);
/* A watchpoint on len (1, 2, 4 or 8) bytes at va of task pid (0: the one on the CPU),
 * through its map: a write by any task or any mapping of the same page (an alias, a
 * shared region, a system call's copyout) that changes them stops after it
 * (DBG_WATCH_WRITE); with DBG_WATCH_READ, an instruction's load from the frame that
 * holds them (through any mapping) stops after the instruction too. New
 * id, -1 when the table is full, -2 for a bad len or task. */
int dbg_watch(struct emu *emu, int pid, uint64_t va, unsigned len, unsigned access);
/* Deletes one breakpoint (id > 0) or all (id 0); false if there is no such id. */
bool dbg_break_delete(struct emu *emu, int id);
/* Deletes the code breakpoint at va; false if none. */
bool dbg_break_delete_at(struct emu *emu, uint64_t va);
int dbg_breakpoints(struct emu *emu, struct dbg_breakpoint *out, int max);

/* --- changing the guest -------------------------------------------------------- */

/* A register of a task (INSPECT_REG_* numbering): 0, or -1 (no such task or register). */
int dbg_reg_write(struct emu *emu, int pid, int reg, uint64_t v);
/* Any register (inspect_reg_bytes' numbering and sizes) from little-endian bytes:
 * 0, or -1. */
int dbg_reg_write_bytes(struct emu *emu, int pid, int reg, const uint8_t *buf);
/* Writes as the running task's own store would, faulting pages in (copy-on-write
 * applies, protections too); returns how many bytes were written (none once that
 * task has no address space: it exited or was killed). */
size_t dbg_write(struct emu *emu, uint64_t va, const void *buf, size_t len);

/* --- faults, as they happen ------------------------------------------------------ */

/* Every fault the VM reports, after the fault trace (--trace-faults) saw it: for a
 * viewer that flashes frames and logs faults. One observer; NULL removes it. The
 * callback runs inside the fault path: it may copy the event, not inspect or resume. */
void dbg_fault_observer(struct emu *emu, void (*fn)(void *ctx, const struct vm_fault_event *ev),
                        void *ctx);

#endif
