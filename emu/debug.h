/* emu/debug.h — the machine as a debugger sees it.
 *
 * Run control (resume until an event, step N instructions, breakpoints, stops on
 * faults filtered by kind and address range), registers, memory through the MMU,
 * the table walk level by level, the TLB, tasks, VM objects and physical frames.
 *
 * Determinism: a debugged run makes the guest-visible decisions `machemu run` makes
 * (the same instructions, the same faults in the same order, the same task
 * switches). Stops fall on instruction boundaries; a fault stop comes after the VM
 * resolved the fault and before the faulting instruction runs again. Reads here
 * never fault a page in, set an access flag or touch the TLB; only dbg_write and
 * dbg_reg_write change the guest.
 *
 * Tasks are named by pid; pid 0 means the task on the CPU. */
#ifndef EMU_DEBUG_H
#define EMU_DEBUG_H

#include "emu/emu.h"
#include "emu/jetsam.h"
#include "vm/vm_map.h"

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
};

/* Fault classes for filters: one bit per enum vm_fault_kind, and DBG_FAULT_PROT for
 * an access the mapping's protection forbids (a KERN_PROTECTION_FAILURE). */
#define DBG_FAULT_KIND(k) (1u << (k))
#define DBG_FAULT_PROT    (1u << 31)
#define DBG_FAULT_ANY     (DBG_FAULT_PROT | ((1u << VM_FAULT_NKINDS) - 1))
/* "zero", "soft", "cow", "file", "compressed", "prot", "fast", "invalid", "any"
 * (or a kind's own name, e.g. "zero-fill", "decompress") -> mask; 0 if unknown. */
unsigned dbg_fault_class(const char *name);

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

enum dbg_bp_type { DBG_BP_CODE, DBG_BP_FAULT, DBG_BP_JETSAM };
/* What a Jetsam breakpoint watches: one bit per enum emu_jetsam_event_kind. */
#define DBG_JETSAM_KIND(k) (1u << (k))
#define DBG_JETSAM_ANY     (DBG_JETSAM_KIND(EMU_JETSAM_LEVEL) | DBG_JETSAM_KIND(EMU_JETSAM_NOTE) | \
                            DBG_JETSAM_KIND(EMU_JETSAM_KILL))
struct dbg_breakpoint {
    int id;
    enum dbg_bp_type type;
    uint64_t va;                   /* code */
    unsigned classes;              /* fault: DBG_FAULT_* mask; jetsam: DBG_JETSAM_* mask */
    uint64_t lo, hi;               /* fault: VA range [lo, hi) */
    uint64_t hits;
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
/* Deletes one breakpoint (id > 0) or all (id 0); false if there is no such id. */
bool dbg_break_delete(struct emu *emu, int id);
/* Deletes the code breakpoint at va; false if none. */
bool dbg_break_delete_at(struct emu *emu, uint64_t va);
int dbg_breakpoints(struct emu *emu, struct dbg_breakpoint *out, int max);

/* --- registers (GDB's AArch64 numbering) -------------------------------------- */

enum { DBG_REG_X0 = 0, DBG_REG_FP = 29, DBG_REG_LR = 30, DBG_REG_SP = 31, DBG_REG_PC = 32,
       DBG_REG_CPSR = 33, DBG_NREGS = 34 };
/* 0, or -1 (no such task or register). */
int dbg_reg_read(struct emu *emu, int pid, int reg, uint64_t *v);
int dbg_reg_write(struct emu *emu, int pid, int reg, uint64_t v);

/* --- memory ----------------------------------------------------------------- */

enum dbg_mem {
    DBG_MEM_MAPPED,                /* a valid descriptor maps the page */
    DBG_MEM_IN_OBJECT,             /* not in the tables; resident in the entry's chain */
    DBG_MEM_COMPRESSED,            /* not resident: in the compressor (the first object of
                                      the chain that has the page has it compressed) */
    DBG_MEM_ZERO_FILL,             /* not resident; the first touch zero-fills it */
    DBG_MEM_IN_FILE,               /* not resident; the first touch reads the file */
    DBG_MEM_PAST_EOF,              /* beyond the end of the mapped file (SIGBUS) */
    DBG_MEM_UNMAPPED,              /* no map entry */
    DBG_MEM_NO_TASK,
};
const char *dbg_mem_name(enum dbg_mem m);
enum dbg_mem dbg_page_state(struct emu *emu, int pid, uint64_t va);
/* Reads what the guest would read (ignoring protections) without changing anything
 * (a compressed page is decoded aside: no decompression is counted, no segment
 * swapped in); returns how many bytes were read: it stops at the first page that
 * cannot be read. */
size_t dbg_read(struct emu *emu, int pid, uint64_t va, void *buf, size_t len);
/* Writes as the running task's own store would, faulting pages in (copy-on-write
 * applies, protections too); returns how many bytes were written (none once that
 * task has no address space: it exited or was killed). */
size_t dbg_write(struct emu *emu, uint64_t va, const void *buf, size_t len);

/* --- translation --------------------------------------------------------------- */

struct dbg_walk {
    int pid;
    asid_t asid;
    pfn_t root;                    /* TTBR0 */
    enum mmu_fault_kind result;
    struct mmu_fault fault;        /* when result != MMU_OK */
    struct mmu_xlate x;            /* when MMU_OK */
    struct pt_walk_trace trace;
};
/* The walk an EL0 `access` to va would do now (no TLB, no side effects); -1 if
 * there is no such task. */
int dbg_walk(struct emu *emu, int pid, uint64_t va, vm_prot_t access, struct dbg_walk *w);
const struct tlb *dbg_tlb(struct emu *emu);
const struct mmu_stats *dbg_mmu_stats(struct emu *emu);
/* The task whose address space has this ASID, 0 if none. */
int dbg_pid_of_asid(struct emu *emu, asid_t asid);

/* --- tasks ---------------------------------------------------------------------- */

struct dbg_task {
    int pid, ppid;
    const char *name, *exe;        /* valid until the next resume */
    const char *state;             /* "running", "runnable", "blocked-io", ... */
    bool on_cpu;
    uint64_t pc;
    asid_t asid;                   /* 0 once exited */
    uint64_t resident, mapped;     /* pages, bytes */
    uint32_t compressed;           /* its pages in the compressor */
    uint32_t entries, tables;
    uint32_t kernel;               /* frames of wired kernel memory it holds (a zombie:
                                      its process, until reaped) */
};
int dbg_tasks(struct emu *emu, struct dbg_task *out, int max);
bool dbg_task_exists(struct emu *emu, int pid);

/* --- VM objects and frames ------------------------------------------------------ */

struct dbg_object {
    uint32_t id;
    int ref_count;
    uint64_t size;
    uint32_t resident;
    uint32_t compressed;           /* its pages in the compressor */
    uint64_t shadow_offset;        /* of the object below, 0 at the bottom */
    const char *pager;             /* guest path of the file; NULL: anonymous */
};
/* The shadow chain from the object mapping va in task pid, top first; returns how
 * many objects (0: the entry has no object yet), or -1 if nothing maps va. *offset
 * is va's offset in the top object; *entry_tag the entry's name ("heap", ...). */
int dbg_object_chain_at(struct emu *emu, int pid, uint64_t va, struct dbg_object *out, int max,
                        uint64_t *offset, const char **entry_tag);
/* The chain from the object with this id (found through every task's map); -1 if
 * no map reaches it. */
int dbg_object_chain(struct emu *emu, uint32_t id, struct dbg_object *out, int max);
struct dbg_object_page { uint64_t offset; pfn_t pfn; };
/* Resident pages of object id in offset order; returns how many there are (may be
 * more than max, of which max are stored). */
size_t dbg_object_pages(struct emu *emu, uint32_t id, struct dbg_object_page *out, size_t max);
/* Offsets of the compressed pages of object id, in order; returns how many there are
 * (may be more than max, of which the first max are stored). */
size_t dbg_object_compressed(struct emu *emu, uint32_t id, uint64_t *out, size_t max);

struct dbg_frame {
    pfn_t pfn;
    const char *use;               /* phys_use_name(): "free", "page-table", "vm", ... */
    bool code;                     /* handed out for instruction fetch */
    bool referenced, modified;     /* pmap attributes */
    uint32_t object;               /* vm: owning object id, 0 if none */
    uint64_t offset;
    const char *queue;             /* "active", "inactive-internal", ..., "none" */
    uint16_t wire_count;
    uint8_t flags;                 /* VM_PAGE_* */
    unsigned mappings;
    /* compressor frames: the pool's segment whose memory it is */
    bool in_segment;
    struct compressor_frame_info segment;
};
/* -1 if pfn is outside RAM. */
int dbg_frame(struct emu *emu, pfn_t pfn, struct dbg_frame *out);
struct dbg_mapping { int pid; uint64_t va; pt_entry_t pte; };
/* Every mapping of the frame (the pmap's reverse map); returns how many. */
int dbg_frame_mappings(struct emu *emu, pfn_t pfn, struct dbg_mapping *out, int max);

/* Every fault the VM reports, after the fault trace (--trace-faults) saw it: for a
 * viewer that flashes frames and logs faults. One observer; NULL removes it. The
 * callback runs inside the fault path: it may copy the event, not inspect or resume. */
void dbg_fault_observer(struct emu *emu, void (*fn)(void *ctx, const struct vm_fault_event *ev),
                        void *ctx);

/* --- the whole machine at once (viewers) ------------------------------------------ */

/* The state of one frame, compactly, for drawing every frame on every redraw. */
struct dbg_frame_state {
    uint8_t use;                   /* enum phys_use */
    uint8_t queue;                 /* enum vm_page_queue for PHYS_VM frames, else NOT_ON_Q */
    uint8_t flags;                 /* DBG_FS_* */
    uint8_t reserved;
    int32_t owner;                 /* pid of the owning task, 0 if none (see below) */
};
#define DBG_FS_FILE       0x01     /* a page of a file-backed (external) object */
#define DBG_FS_REFERENCED 0x02     /* pmap attributes */
#define DBG_FS_MODIFIED   0x04
#define DBG_FS_SHARED     0x08     /* several tasks' maps reach it */
#define DBG_FS_VOLATILE   0x10     /* of a volatile purgeable object */
#define DBG_FS_CODE       0x20     /* handed out for instruction fetch */
/* Fills out[0 .. min(max, frames)) and returns the number of frames. The owner of a
 * VM page is the first task (in creation order) whose map reaches its object through
 * an entry's shadow chain; of a page-table frame, the task whose tables hold it; of a
 * kernel frame, the task whose wired kernel memory it is. Costs O(frames + resident
 * pages reached per map entry + table frames); changes nothing. */
uint32_t dbg_frame_states(struct emu *emu, struct dbg_frame_state *out, uint32_t max);
/* One frame's state, cheaply, with owner 0 (only dbg_frame_states works owners out);
 * -1 if pfn is outside RAM. */
int dbg_frame_state(struct emu *emu, pfn_t pfn, struct dbg_frame_state *out);

/* VM counters as numbers (what --stats prints), with the compressor's figures. */
struct dbg_vm {
    struct vm_page_counts pages;
    struct vm_stats stats;
    struct vm_targets targets;
    uint32_t inactive_target;
    bool compressor;               /* false: the machine has no compressor, the rest are 0 */
    uint64_t compressor_pages;     /* pages stored compressed */
    uint32_t compressor_frames;    /* frames the compressor pool occupies */
    uint64_t compressed_bytes;     /* what the stored pages take in it */
    uint64_t compressions, decompressions;
    bool swap;                     /* a swap file is attached (--platform macos) */
    uint64_t swapouts, swapins;    /* segments written to / read back from it */
    uint64_t segments_swapped, pages_swapped;   /* in the swap file now */
    bool low_on_space;             /* compressor_low_on_space(): pressure goes critical */
    bool full;                     /* the last compression was refused for space */
    const char *codec;             /* "hybrid", "wkdm", "lz4" */
};
void dbg_vm_counters(struct emu *emu, struct dbg_vm *out);

/* One task's memory as task_info(TASK_VM_INFO) reports it (its band and limits:
 * emu_jetsam_table). */
struct dbg_task_memory {
    struct vm_map_usage usage;     /* pages: resident, footprint, internal, external, ... */
    int64_t compressed;            /* its pages in the compressor (its pmap's compressed
                                      markers), as counted in the footprint */
};
/* -1 if the task has no address space (exited) or does not exist. */
int dbg_task_memory(struct emu *emu, int pid, struct dbg_task_memory *out);

/* The map entries of a task in address order (as mach_vm_region reports them);
 * returns how many there are (may exceed max), -1 if there is no such live task. */
int dbg_regions(struct emu *emu, int pid, struct vm_region_info *out, int max);
/* The state (enum dbg_mem) of each of npages pages from va (page aligned) into out,
 * as dbg_page_state would say for each: MAPPED, IN_OBJECT, COMPRESSED, ZERO_FILL,
 * IN_FILE, PAST_EOF, UNMAPPED. Costs O(npages x objects holding compressed pages +
 * resident pages of the objects mapped there);
 * returns npages, or 0 if there is no such live task (or va is not aligned). */
size_t dbg_page_states(struct emu *emu, int pid, uint64_t va, size_t npages, uint8_t *out);

/* --- books ---------------------------------------------------------------------- */

/* Whether the machine's books balance: every frame on exactly one queue or class and
 * the counts adding up (vm_page_queues_check), and what the machine counts equal to
 * what the tasks hold: page-table frames = the live ones' pmaps' tables, kernel frames =
 * the kernel memory of every task (a zombie keeps its process structure, one frame,
 * until it is reaped), live VM objects = the objects their maps reach (entries and
 * shadow chains), pages stored in the compressor = those objects' compressed pages.
 * After a task ends, killed or not, nothing else it held may remain. False with the first
 * difference in why. Costs a walk of every frame and every map. */
bool dbg_books_balance(struct emu *emu, char *why, size_t len);

#endif
