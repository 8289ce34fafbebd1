/* emu/inspect.h — the machine as it is, read without changing it: registers, memory
 * as the guest would read it, the table walk level by level, the TLB, tasks, VM objects
 * and physical frames, the state of every frame and page at once, the VM's counters,
 * and whether the machine's books balance.
 *
 * Reads here never fault a page in, set an access flag, touch the TLB or move a VM
 * counter (pages are found by scanning objects, not by the counted lookup), so a tool
 * that inspects between turns of the run loop (the debugger, the viewer, a scenario, a
 * test) leaves the run as `machemu run` makes it. Run control and the two writers are
 * in emu/debug.h.
 *
 * Tasks are named by pid; pid 0 means the task on the CPU. */
#ifndef EMU_INSPECT_H
#define EMU_INSPECT_H

#include "emu/emu.h"
#include "vm/vm_map.h"

/* --- registers (GDB's AArch64 numbering) -------------------------------------- */

enum { INSPECT_REG_X0 = 0, INSPECT_REG_FP = 29, INSPECT_REG_LR = 30, INSPECT_REG_SP = 31,
       INSPECT_REG_PC = 32, INSPECT_REG_CPSR = 33, INSPECT_NREGS = 34 };
/* 0, or -1 (no such task or register). */
int inspect_reg(struct emu *emu, int pid, int reg, uint64_t *v);
/* After cpsr, GDB's FP/SIMD registers: v0-v31 (16 bytes), fpsr and fpcr (4). */
enum { INSPECT_REG_V0 = 34, INSPECT_REG_FPSR = 66, INSPECT_REG_FPCR = 67, INSPECT_NREGS_ALL = 68 };
/* Any register, 0 .. INSPECT_NREGS_ALL - 1, little-endian into buf (16 bytes of room):
 * its size in bytes, or -1 (no such task or register). */
int inspect_reg_bytes(struct emu *emu, int pid, int reg, uint8_t buf[16]);

/* --- memory ----------------------------------------------------------------- */

enum inspect_mem {
    INSPECT_MEM_MAPPED,            /* a valid descriptor maps the page */
    INSPECT_MEM_IN_OBJECT,         /* not in the tables; resident in the entry's chain */
    INSPECT_MEM_COMPRESSED,        /* not resident: in the compressor (the first object of
                                      the chain that has the page has it compressed) */
    INSPECT_MEM_ZERO_FILL,         /* not resident; the first touch zero-fills it */
    INSPECT_MEM_IN_FILE,           /* not resident; the first touch reads the file */
    INSPECT_MEM_PAST_EOF,          /* beyond the end of the mapped file (SIGBUS) */
    INSPECT_MEM_UNMAPPED,          /* no map entry */
    INSPECT_MEM_NO_TASK,
};
const char *inspect_mem_name(enum inspect_mem m);
enum inspect_mem inspect_page_state(struct emu *emu, int pid, uint64_t va);
/* Reads what the guest would read (ignoring protections) without changing anything
 * (a compressed page is decoded aside: no decompression is counted, no segment
 * swapped in); returns how many bytes were read: it stops at the first page that
 * cannot be read. */
size_t inspect_read(struct emu *emu, int pid, uint64_t va, void *buf, size_t len);
/* The frame holding the page a load at va would read now (mapped, or resident in the
 * entry's chain), PFN_NONE if none does (compressed, in the file, never touched). */
pfn_t inspect_frame_of(struct emu *emu, int pid, uint64_t va);

/* --- translation --------------------------------------------------------------- */

struct inspect_walk {
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
int inspect_walk(struct emu *emu, int pid, uint64_t va, vm_prot_t access, struct inspect_walk *w);
const struct tlb *inspect_tlb(struct emu *emu);
const struct mmu_stats *inspect_mmu_stats(struct emu *emu);
/* The task whose address space has this ASID, 0 if none. */
int inspect_pid_of_asid(struct emu *emu, asid_t asid);

/* --- tasks ---------------------------------------------------------------------- */

struct inspect_task {
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
int inspect_tasks(struct emu *emu, struct inspect_task *out, int max);
bool inspect_task_exists(struct emu *emu, int pid);

/* The threads of the process that thread (or process) id pid belongs to (0: the one on
 * the CPU), leader first: how many, or -1 if there is no such live task. The registers
 * and memory calls take a thread's id as a pid. */
struct inspect_thread {
    int tid;
    const char *name, *state;      /* valid until the next resume */
    bool on_cpu;
    uint64_t pc;
};
int inspect_threads(struct emu *emu, int pid, struct inspect_thread *out, int max);

/* --- VM objects and frames ------------------------------------------------------ */

struct inspect_object {
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
int inspect_object_chain_at(struct emu *emu, int pid, uint64_t va, struct inspect_object *out,
                            int max, uint64_t *offset, const char **entry_tag);
/* The chain from the object with this id (found through every task's map); -1 if
 * no map reaches it. */
int inspect_object_chain(struct emu *emu, uint32_t id, struct inspect_object *out, int max);
struct inspect_object_page { uint64_t offset; pfn_t pfn; };
/* Resident pages of object id in offset order; returns how many there are (may be
 * more than max, of which max are stored). */
size_t inspect_object_pages(struct emu *emu, uint32_t id, struct inspect_object_page *out,
                            size_t max);
/* Offsets of the compressed pages of object id, in order; returns how many there are
 * (may be more than max, of which the first max are stored). */
size_t inspect_object_compressed(struct emu *emu, uint32_t id, uint64_t *out, size_t max);

struct inspect_frame {
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
int inspect_frame(struct emu *emu, pfn_t pfn, struct inspect_frame *out);
struct inspect_mapping { int pid; uint64_t va; pt_entry_t pte; };
/* Every mapping of the frame (the pmap's reverse map); returns how many. */
int inspect_frame_mappings(struct emu *emu, pfn_t pfn, struct inspect_mapping *out, int max);

/* --- the whole machine at once (viewers) ------------------------------------------ */

/* The state of one frame, compactly, for drawing every frame on every redraw. */
struct inspect_frame_state {
    uint8_t use;                   /* enum phys_use */
    uint8_t queue;                 /* enum vm_page_queue for PHYS_VM frames, else NOT_ON_Q */
    uint8_t flags;                 /* INSPECT_FS_* */
    uint8_t reserved;
    int32_t owner;                 /* pid of the owning task, 0 if none (see below) */
};
#define INSPECT_FS_FILE       0x01 /* a page of a file-backed (external) object */
#define INSPECT_FS_REFERENCED 0x02 /* pmap attributes */
#define INSPECT_FS_MODIFIED   0x04
#define INSPECT_FS_SHARED     0x08 /* several tasks' maps reach it, or it is the shared
                                      region's (its pages and nested tables) */
#define INSPECT_FS_VOLATILE   0x10 /* of a volatile purgeable object */
#define INSPECT_FS_CODE       0x20 /* handed out for instruction fetch */
/* Fills out[0 .. min(max, frames)) and returns the number of frames. The owner of a
 * VM page is the first task (in creation order) whose map reaches its object through
 * an entry's shadow chain; of a page-table frame, the task whose tables hold it; of a
 * kernel frame, the task whose wired kernel memory it is. Costs O(frames + resident
 * pages reached per map entry + table frames); changes nothing. */
uint32_t inspect_frame_states(struct emu *emu, struct inspect_frame_state *out, uint32_t max);
/* One frame's state, cheaply, with owner 0 (only inspect_frame_states works owners out);
 * -1 if pfn is outside RAM. */
int inspect_frame_state(struct emu *emu, pfn_t pfn, struct inspect_frame_state *out);

/* VM counters as numbers (what --stats prints), with the compressor's figures. */
struct inspect_vm {
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
void inspect_vm_counters(struct emu *emu, struct inspect_vm *out);

/* One task's memory as task_info(TASK_VM_INFO) reports it (its band and limits:
 * emu_jetsam_table). */
struct inspect_task_memory {
    struct vm_map_usage usage;     /* pages: resident, footprint, internal, external, ... */
    int64_t compressed;            /* its pages in the compressor (its pmap's compressed
                                      markers), as counted in the footprint */
};
/* -1 if the task has no address space (exited) or does not exist. */
int inspect_task_memory(struct emu *emu, int pid, struct inspect_task_memory *out);

/* The map entries of a task in address order (as mach_vm_region reports them);
 * returns how many there are (may exceed max), -1 if there is no such live task. */
int inspect_regions(struct emu *emu, int pid, struct vm_region_info *out, int max);
/* The state (enum inspect_mem) of each of npages pages from va (page aligned) into out,
 * as inspect_page_state would say for each: MAPPED, IN_OBJECT, COMPRESSED, ZERO_FILL,
 * IN_FILE, PAST_EOF, UNMAPPED. Costs O(npages x objects holding compressed pages +
 * resident pages of the objects mapped there);
 * returns npages, or 0 if there is no such live task (or va is not aligned). */
size_t inspect_page_states(struct emu *emu, int pid, uint64_t va, size_t npages, uint8_t *out);

/* --- books ---------------------------------------------------------------------- */

/* Whether the machine's books balance: every frame on exactly one queue or class and
 * the counts adding up (vm_page_queues_check), and what the machine counts equal to
 * what the tasks hold: page-table frames = the live ones' pmaps' tables, kernel frames =
 * the kernel memory of every task (a zombie keeps its process structure, one frame,
 * until it is reaped), live VM objects = the objects their maps reach (entries and
 * shadow chains), pages stored in the compressor = those objects' compressed pages.
 * After a task ends, killed or not, nothing else it held may remain. False with the first
 * difference in why. Costs a walk of every frame and every map. */
bool inspect_books_balance(struct emu *emu, char *why, size_t len);

#endif
