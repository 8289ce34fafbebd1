/* emu/internal.h — what the emu/ files share: the machine, the task, guest access. */
#ifndef EMU_INTERNAL_H
#define EMU_INTERNAL_H

#include <poll.h>
#include "emu/cpu.h"
#include "emu/emu.h"
#include "emu/jetsam.h"
#include "emu/mach_port.h"
#include "guest/include/machemu/abi.h"
#include "vm/vm_fault.h"

#define GUEST_NSIG 64
#define GUEST_NRLIMITS 16
#define GUEST_NTIMERS 32              /* POSIX timers per process */
#define GUEST_RLIMIT_NOFILE 7
#define GUEST_UID 1000             /* the ids every guest has (docs/run.md) */

struct guest_sigaction {
    uint64_t handler, flags, restorer, mask;
};

struct gfd {                       /* a guest file descriptor */
    int host;                      /* -1: closed */
    bool cloexec;
    char *path;                    /* absolute guest path it was opened with */
    int8_t stream;                 /* 0-2: a dup of the host's stdin, stdout or stderr
                                      that the run was given; -1: opened by a guest */
};

/* Which system-call personality and fault reporting a task's image expects. */
enum task_abi {
    TASK_ABI_LINUX,                /* ELF: svc #0, signals, the Linux crash line */
    TASK_ABI_DARWIN,               /* Mach-O: svc #0x80, EXC_* crash reports */
};

enum task_state {
    TASK_RUNNABLE,
    TASK_BLOCKED_IO,               /* in read/write on wait_fd; the call restarts */
    TASK_BLOCKED_WAIT,             /* in wait4 or waiting for a vfork child; restarts */
    TASK_ZOMBIE,                   /* exited, not yet reaped */
    TASK_THREAD_EXITED,            /* a leader whose own thread ended while others of its
                                      process run on (emu/thread.c) */
};

#define UPCALL_NOTE_KINDS 6        /* the MACHEMU_NOTE_* values */

/* A task's memory-pressure handler and the upcall in progress (jetsam_notes.c). */
struct task_upcall {
    uint64_t handler, ctx;         /* handler 0: none registered */
    uint32_t mask;                 /* the notes it takes */
    uint32_t queue[UPCALL_NOTE_KINDS];   /* waiting notes, oldest first, one per kind */
    int nqueued;
    bool active;                   /* a handler runs; saved is the code it interrupted */
    struct cpu_user_state saved;
    uint64_t tramp;                /* the trampoline page; 0 until the first registration */
};

/* A task is one thread. The first thread of a process (its leader) is in emu->tasks and
 * owns what the threads share; the others hang off it (emu/thread.c). */
struct task_threads {
    struct task *leader;           /* NULL: this task is a leader */
    struct task *list;             /* a leader's other threads, oldest first */
    struct task *next;             /* in the leader's list */
    uint64_t robust_list, robust_len;   /* set_robust_list, kept for get_robust_list */
    struct task *snap;             /* a thread's: the shared fields as it got the CPU */
    struct {                       /* the futex the thread waits on (emu/futex.c) */
        const void *space;         /* the vm_map, or the vm_object of a shared mapping */
        uint64_t addr;             /* the address, or the offset in the object */
        uint32_t bitset;
        bool queued, woken;
        struct task *next;         /* in emu->futex_waiters, oldest first */
    } futex;
};

struct task {
    struct task *next;             /* in emu->tasks */
    struct task *parent;
    enum task_state state;
    enum task_abi abi;
    struct cpu_context *ctx;       /* CPU state while not running */
    struct pollfd *wait;           /* host fds a TASK_BLOCKED_IO task waits for */
    int nwait, wait_cap;
    struct {                       /* the nanosleep it is blocked in (linux.c) */
        uint64_t until;            /* CLOCK_MONOTONIC ns; 0: none */
        uint64_t rem;              /* guest address for the time left, or 0 */
    } sleep;
    uint64_t deadline_ns;          /* CLOCK_MONOTONIC; 0 = none */
    bool timed_out;                /* woken by the deadline, not by an fd */
    struct task *vfork_parent;     /* blocked until this task execs or exits */
    uint64_t set_child_tid;        /* CLONE_CHILD_SETTID, written on first run */
    uint64_t clear_child_tid;      /* CLONE_CHILD_CLEARTID, zeroed at exit */
    int wstatus;                   /* what wait4 reports */
    struct {                       /* the map's figures when the task exited */
        struct vm_map_stats stats;
        uint64_t resident, mapped;
        uint32_t tables, entries;
        struct vm_ledgers ledgers;
    } last;
    int pid, ppid;
    bool app;                      /* started by the machine (emu_load, emu_spawn), not
                                      forked: launchd's child, reaped as it ends */
    char *name;                    /* for crash lines and reports */
    char *exe;                     /* absolute guest path of the executable */
    char *cmdline;                 /* argv as exec gave it, NUL after each: /proc/PID/cmdline */
    size_t cmdline_len;
    int exe_fd;                    /* host fd of its file, for an exec of /proc/self/exe
                                      (busybox runs its applets so); -1: none */
    struct vm_map *map;
    struct ipc_space ports;        /* its memory entries' names (emu/mach_port.h) */
    uint32_t footprint_peak;       /* pages, its lifetime's highest (emu/peak.h) */
    struct vm_kmem kmem;           /* wired kernel memory the task costs */
    uint64_t brk_start, brk_end;   /* program break: [start, end) mapped as "heap" */
    uint64_t mmap_hint;
    uint64_t stack_top;
    struct gfd *fds;
    int nfds;
    char *cwd;                     /* absolute guest path */
    int cwd_fd;                    /* host O_PATH fd of the cwd, which its path follows
                                      (fs_follow_directory); -1: the root, never moved */
    mode_t umask;                  /* the guest's own: the host process keeps the user's */
    struct guest_sigaction *sig;   /* [GUEST_NSIG + 1]; freed at exit, with the map, the
                                      fds, the CPU context and cwd: a zombie keeps only
                                      what wait4, the stats and reports read */
    uint64_t sigmask;
    uint64_t sigtramp;              /* code page: mov x8, #139; svc #0 */
    uint64_t altstack_sp, altstack_size;
    uint32_t altstack_flags;
    uint64_t pending;              /* signals raised by kill/tgkill */
    struct sig_info {              /* what each pending signal's siginfo says */
        int32_t code, pid;
        uint64_t value;            /* si_status (SIGCHLD) or si_value (sigqueue) */
    } sig_info[GUEST_NSIG + 1];
    bool sent_info;                /* the signal being delivered was sent: sig_info holds
                                      its siginfo, not a fault's address */
    struct {                       /* a system call blocked and restarting (linux.c) */
        bool eintr;                /* a handler ends it with EINTR (sigsuspend, poll) */
        uint64_t done;             /* bytes a write or MSG_WAITALL read moved so far:
                                      what a handler makes it return */
        bool restore_mask;         /* sigsuspend, pselect6, ppoll: the mask to restore */
        uint64_t saved_mask;       /* when the call ends or in the handler's frame */
        uint64_t deadline;         /* ppoll, pselect6: CLOCK_MONOTONIC ns; 0: none yet */
        uint64_t timeout_addr;     /* their guest timespec, which gets the time left */
    } call;
    struct {                       /* ITIMER_REAL (alarm, setitimer): CLOCK_MONOTONIC ns */
        uint64_t due, interval;    /* due 0: disarmed */
    } itimer;
    struct posix_timer {           /* timer_create's, by id; on CLOCK_MONOTONIC ns */
        bool used;
        int signo;                 /* 0: SIGEV_NONE */
        uint64_t value;            /* sigev_value */
        uint64_t due, interval;    /* due 0: disarmed */
        int32_t overrun;
    } *ptimers;                    /* [GUEST_NTIMERS], allocated at the first one */
    int pgid, sid;                 /* process group and session */
    int nice;                      /* -20..19, as setpriority leaves it */
    struct task_cred {             /* fake credentials: the guest is one ordinary user */
        uint32_t ruid, euid, suid, rgid, egid, sgid;
    } cred;
    uint64_t rlim[GUEST_NRLIMITS][2];   /* soft and hard, RLIM_INFINITY = UINT64_MAX */
    struct task_upcall upcall;
    struct emu_jetsam_props memstatus;
    unsigned jetsam_states;        /* MEMORYSTATUS_STATE_* */
    uint64_t limit_trip;           /* pmap ledgers' sum past which its limit needs an
                                      evaluation (0: not yet evaluated) */
    uint64_t launched;             /* emu->icount when it was created */
    uint64_t gaps_at_launch;       /* emu->clock_gaps then */
    uint64_t cpu_insns;            /* guest instructions it ran, up to ran_from */
    uint64_t ran_from;             /* emu->icount when it last got the CPU */
    bool exited;
    int exit_status;               /* as emu_run returns it */
    struct task_threads th;        /* the threads of its process (emu/thread.c) */
};

/* A pressure note sent with a delay (jetsam_notes.c). */
struct jetsam_note_timer {
    uint64_t due;                  /* emu->icount at which it is posted */
    int pid;
    uint32_t note;
};

struct dbg;

/* Who watches the CPU's faults besides the VM's fault trace: the debugger (debug.c),
 * which registers itself. Unset fields: nobody. */
struct emu_fault_watch {
    /* Before the VM handles a fault of the running task at va (it may only read). */
    void (*before)(void *ctx, uint64_t va);
    /* The CPU stopped on a fault the VM refused or an exception (emu->fault): true
     * keeps it there to be shown first; it is delivered when the run resumes. */
    bool (*hold)(void *ctx);
    void *ctx;
};

/* The memorystatus of the machine (jetsam.c). */
struct emu_jetsam {
    struct memorystatus *ms;       /* NULL: Jetsam off */
    bool due;                      /* evaluate before the CPU runs again */
    bool evaluating;
    bool clock;                    /* count instructions: a note waits or pressure is up */
    uint32_t step;                 /* free frames moved that call for an evaluation */
    uint32_t last_free;            /* free frames at the last evaluation */
    uint64_t last_scans;           /* pageout scans then */
    uint64_t wake;                 /* icount at which a waiting note may go */
    struct memorystatus_vm vm;     /* the counters of the latest evaluation */
    struct memorystatus_fc_sampler fc; /* the phantom cache over time */
    bool fc_pressure;              /* memorystatus_phantom_cache_pressure: held until a
                                      thrashing kill */
    int reports_fd;                /* opt.reports_dir, opened at the first report; -1 */
    struct { emu_jetsam_listener fn; void *ctx; } listeners[EMU_JETSAM_LISTENERS];
};

#define EMU_SWAP_FILES 100        /* macos: swap files at most (VM_MAX_SWAP_FILE_NUM) */

struct emu {
    struct emu_options opt;
    struct vm_shared_region *shared_region;   /* NULL: none (emu/shared_cache.c) */
    uint8_t shared_cache_uuid[16];            /* its header's, at dyld's offset 0x58 */
    mode_t user_umask;             /* machemu's, read at start: the first task's too */
    struct cpu *cpu;               /* Unicorn and its state (cpu.c) */
    struct phys phys;
    struct mmu mmu;
    struct vm vm;
    struct task *task;             /* the running task */
    struct task *tasks;            /* all tasks, in creation order */
    struct task *init;             /* the first task: its exit ends the run */
    int next_pid;
    unsigned unwaited;             /* ended forked tasks nobody will reap: freed at the
                                      next switch */
    uint64_t icount, quantum_end;  /* guest instructions, counted per block (cpu_set_clock) */
    uint64_t clock_next;           /* the first of quantum_end, pressure.due, jetsam.wake
                                      and alarm: the block hook's one compare, beside
                                      icount (cpu.c, clock_rearm) */
    bool clock_always;             /* count from boot to end (--clock exact, a debugger) */
    uint64_t clock_gaps;           /* CPU runs that may have gone uncounted */
    struct {                       /* memory-pressure notes (jetsam_notes.c) */
        struct jetsam_note_timer timers[MACHEMU_PRESSURE_MAX_DELAYED];   /* by due time */
        int ntimers;
        uint64_t due;              /* the first timer's; UINT64_MAX when none */
        uint32_t level;            /* MACHEMU_NOTE_PRESSURE_NORMAL/WARN/CRITICAL */
        struct emu_jetsam_hooks hooks;
    } notes;
    struct emu_jetsam jetsam;
    uint64_t alarm;                /* emu_set_alarm(); UINT64_MAX: none */
    int swap_fds[EMU_SWAP_FILES];  /* macos: the swap files this run made, */
    unsigned swap_names[EMU_SWAP_FILES];   /* swapfileN: their N, */
    unsigned nswap;                /* how many */
    uint64_t low_swap_next;        /* icount before which no low-swap note is sent again */
    uint64_t low_swap_notes;       /* rounds of low-swap notes sent */
    char *swap_dir;
    bool swap_dir_made;            /* created by us: removed at exit */
    int rootfd;                    /* O_PATH directory: the guest root */
    char *root;
    enum emu_stop stop;
    struct mmu_fault fault;        /* with kr: the unresolved fault */
    kern_return_t fault_kr;
    uint64_t insns_hint;
    struct {
        uint64_t cpu_tlb_flushes, tb_flushes, syscalls, fills, fill_faults, switches;
    } stats;
    uint64_t rng;                  /* xorshift state for getrandom */
    uint64_t unknown_calls[8];     /* Linux call numbers already said to be unknown; the
                                      last bit stands for every number past 510 */
    bool in_fill;                  /* vm_fault is running for a CPU access (not a syscall's) */
    struct dbg *dbg;               /* the debugger, when one is attached */
    struct emu_fault_watch fault_watch;   /* the debugger's, once attached */
    struct {                       /* waits on the host (wait.c) */
        int pipe[2];               /* emu_wake() writes, a wait watches */
        int fd;                    /* the tool's fd that also ends a wait, or -1 */
        int limit_ms;              /* the longest wait, or -1 */
        bool woken;                /* a wait ended early, not yet taken */
    } wait;
    struct emu_peak_state *peak;   /* peak.c; NULL: not tracked */
    struct task *futex_waiters;    /* threads in FUTEX_WAIT, oldest first (futex.c) */
};

/* emu.c */
/* Gives the guest the signal for the unresolved fault or CPU exception in emu->fault. */
void emu_deliver_fault(struct emu *emu);

/* The running task's fault on va (cpu.c, uaccess.c): vm_fault, seen by the fault watch. */
static inline kern_return_t emu_vm_fault(struct emu *emu, uint64_t va, vm_prot_t access)
{
    if (emu->fault_watch.before)
        emu->fault_watch.before(emu->fault_watch.ctx, va);
    return vm_fault(emu->task->map, va, access, NULL);
}
/* inspect.c: the pmap's reference/modify attributes of a frame that holds a VM
 * page; 0 for other frames (a frame keeps its last page's bits until it is handed out
 * as a page again). */
uint8_t inspect_frame_attr(struct emu *emu, pfn_t pfn);
/* inspect.c: the task with this pid and an address space (0: the running one),
 * or NULL. */
struct task *inspect_live_task(struct emu *emu, int pid);
/* inspect.c: "running", "runnable", "blocked-io", ... */
const char *inspect_state_name(struct emu *emu, const struct task *t);

/* uaccess.c: guest memory through the MMU and the VM. 0 or -EFAULT. */
int copyin(struct emu *emu, void *dst, uint64_t src, size_t len);
int copyout(struct emu *emu, uint64_t dst, const void *src, size_t len);
/* A NUL-terminated string of at most max bytes (with the NUL); -EFAULT, -ENAMETOOLONG. */
int copyinstr(struct emu *emu, char *dst, uint64_t src, size_t max);
/* Host pointer to guest [va, va+len) if it lies in one page, faulting it in for
 * `access`; NULL on a bad address. */
void *guest_ptr(struct emu *emu, uint64_t va, size_t len, vm_prot_t access);

#define MAP_MIN_DEFAULT 0x10000ull /* lowest address a fresh map allows */

/* The CPU state a freshly loaded image starts with. */
struct exec_start {
    uint64_t pc, sp, lr;
    uint64_t x[4];                 /* x0..x3 */
};

/* loader.c: loads the executable open at fd (guest path `path`) into t's map, which
 * must be the current one, choosing ELF or Mach-O by its magic and recording the
 * task's ABI; fd stays the caller's. 0, or -1 with one line in err. */
int exec_load(struct emu *emu, struct task *t, int fd, const char *path, int argc,
              char *const argv[], char *const envp[], struct exec_start *start,
              char *err, size_t errlen);
void exec_start_apply(struct emu *emu, const struct exec_start *s);
/* For the loaders. */
int loader_fail(char *err, size_t errlen, const char *path, const char *why);
int loader_read_at(int fd, void *buf, size_t len, uint64_t off);
struct vm_object *loader_file_object(struct emu *emu, int fd, const char *path);
/* Private copy-on-write file mapping / zero-fill memory, read-write until protected. */
kern_return_t loader_map_file(struct task *t, struct vm_object *fobj, uint64_t addr,
                              uint64_t size, uint64_t offset, const char *tag);
kern_return_t loader_map_anon(struct task *t, uint64_t addr, uint64_t size, const char *tag);
/* Zeroes [from, end of its page): file bytes past a segment's end must read as zero. */
int loader_zero_to_page_end(struct emu *emu, uint64_t from);
/* A stack of size bytes below top, with a guard page under it. */
int loader_map_stack(struct task *t, uint64_t top, uint64_t size);
/* One read-execute page at `at` holding code. */
int loader_map_code(struct emu *emu, struct task *t, uint64_t at, const uint32_t *code,
                    size_t len, const char *tag);
struct loader_stack {
    struct emu *emu;
    uint64_t sp;
    int err;                       /* -1 once a push failed */
};
uint64_t loader_push(struct loader_stack *s, const void *p, size_t n);
uint64_t loader_push_str(struct loader_stack *s, const char *str);
void loader_set_names(struct task *t, const char *path);

/* elf.c, macho.c: the two formats; size is the file's. */
int elf_load(struct emu *emu, struct task *t, int fd, uint64_t size, const char *path, int argc,
             char *const argv[], char *const envp[], struct exec_start *start,
             char *err, size_t errlen);
bool macho_is_macho(const uint8_t magic[4]);
int macho_load(struct emu *emu, struct task *t, int fd, uint64_t size, const char *path,
               int argc, char *const argv[], char *const envp[], struct exec_start *start,
               char *err, size_t errlen);

/* task.c */
#define EMU_RESTART (-512)         /* a system call that blocked: run it again later */
struct task *task_create(struct emu *emu);
void task_free(struct emu *emu, struct task *t);
/* Another task fits under the machine's limit (emu_options.max_tasks); zombies not yet
 * reaped count, as each still holds its process structure. */
bool task_slot_free(const struct emu *emu);
/* Ends the current task with a wait4 status; wakes its parent. */
void task_exit(struct emu *emu, int wstatus);
/* The same for any task t, on the CPU or not (a kill): its memory is freed now. */
void task_end(struct emu *emu, struct task *t, int wstatus);
int64_t task_fork(struct emu *emu, uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t tls,
                  uint64_t ctid);
int64_t task_wait4(struct emu *emu, int64_t pid, uint64_t wstatus, uint64_t options);
int64_t task_execve(struct emu *emu, const char *path, char **argv, char **envp);
/* If an I/O call on host fd would block, blocks the current task and returns true:
 * the caller returns EMU_RESTART. */
bool task_would_block(struct emu *emu, int host, short events);
/* Blocks the current task on a set of host pollfds until one is ready or the deadline
 * (CLOCK_MONOTONIC ns; 0: none) passes; the system call restarts. */
void task_block_io(struct emu *emu, const struct pollfd *fds, int n, uint64_t deadline_ns);
/* Zeroes the general registers, FP, LR and TPIDR_EL0 on the CPU: a new image starts
 * with nothing of the task that held the CPU before. */
void task_regs_clear(struct emu *emu);
/* Puts t on the CPU now (a program loaded while the system image's tasks wait). */
void sched_make_current(struct emu *emu, struct task *t);
/* Picks the next task to run (waiting for I/O if all are blocked) and switches to it;
 * false if none can ever run again. */
bool sched_next(struct emu *emu);
void sched_update_quantum(struct emu *emu);
/* From a system call (the CPU running): a timer was armed, so a lone task's quantum
 * must end for it to be looked at. */
void sched_timers_changed(struct emu *emu);
/* With the CPU stopped, before the current task runs: a quantum that started while
 * the CPU ran (a fork) gets the block hook that counts it. */
void sched_before_run(struct emu *emu);
/* Makes sure guest instructions are being counted (the block hook is installed);
 * call with the CPU stopped. */
void sched_count_instructions(struct emu *emu);
/* Something (a signal, a pressure note) is to be delivered to t: a task blocked in a
 * system call becomes runnable, and the call starts again after the handler. */
void task_wake_for_delivery(struct task *t);
struct task *task_by_pid(struct emu *emu, int pid);
/* Brings the task's wired kernel memory in line with its size (task, thread,
 * mappings, map entries: Apple's figures, see docs/fidelity.md); short of frames it stays
 * under-counted and says KERN_RESOURCE_SHORTAGE. A zombie keeps the process's share. */
kern_return_t task_account_kernel(struct emu *emu, struct task *t);
/* The first charge of a new task (fork, a launch): a user's request, so it leaves the
 * reserve alone and fails rather than take part of it. */
kern_return_t task_charge_kernel(struct emu *emu, struct task *t);
uint64_t task_now_ns(void);

/* wait.c */
int emu_wait_init(struct emu *emu, char *err, size_t errlen);
void emu_wait_fini(struct emu *emu);
enum wait_end {
    WAIT_READY,                    /* a guest fd, a deadline, or nothing yet: look again */
    WAIT_WOKEN,                    /* emu_wake(), the tool's fd or the time limit */
    WAIT_FAILED,
};
/* Waits for fds[0..n) or the deadline (CLOCK_MONOTONIC ns; 0: none); fds must have two
 * spare entries past n. */
enum wait_end emu_wait_host(struct emu *emu, struct pollfd *fds, nfds_t n, uint64_t deadline);
/* now + ns, saturating: UINT64_MAX is never. */
uint64_t deadline_after(uint64_t ns);
/* The guest's struct timespec at addr in ns, saturating; -EFAULT, or -EINVAL for a
 * negative or unnormalized one. */
int guest_timespec_ns(struct emu *emu, uint64_t addr, uint64_t *ns);

/* pager.c: the compressor of the machine (after fs_init: the swap files must be
 * outside the root). 0, or -1 with err set. */
int emu_pager_init(struct emu *emu, char *err, size_t errlen);
void emu_pager_fini(struct emu *emu);
/* pageout.c: what the VM asks of the machine (struct vm_env): guest time, the
 * pressure level, and the low-swap notes. */
void emu_pageout_init(struct emu *emu);

/* fs.c: paths resolved inside the guest root. */
int fs_init(struct emu *emu, const char *root, char *err, size_t errlen);
int fs_open(struct emu *emu, int dirfd, const char *path, int flags, int mode);   /* host fd */
int fs_resolve_parent(struct emu *emu, int dirfd, const char *path, int *parent, char **base);
/* The guest path of a host file: relative to the root if inside it, else "/name". */
char *fs_guest_path_of_host(struct emu *emu, const char *host_path);

/* emu/shared_cache.c: the shared region of opt.shared_cache (none if NULL); 0, or -1
 * with err set. enter maps it into a task just loaded: 0, or -ENOMEM. */
int emu_shared_cache_init(struct emu *emu, char *err, size_t errlen);
void emu_shared_cache_fini(struct emu *emu);
int emu_shared_cache_enter(struct emu *emu, struct task *t);
int fs_join(struct emu *emu, int dirfd, const char *path, char **abs);  /* -errno or 0 */
/* Brings *path (a guest path) to where the directory open at host is now, if that is
 * inside the root and the directory still exists. */
void fs_follow_directory(struct emu *emu, int host, char **path);
int fd_install(struct task *t, int host, bool cloexec, const char *path, int min);
int fd_host(struct task *t, int fd);
int fd_close(struct task *t, int fd);

/* thread.c: threads of a process (CLONE_THREAD) and their futexes (futex.c). */
static inline struct task *task_leader(struct task *t)
{
    return t->th.leader ? t->th.leader : t;
}
/* The next task after t in the scheduler's order (each leader, then its threads);
 * NULL after the last. */
struct task *task_walk_next(const struct emu *emu, const struct task *t);
int64_t thread_create(struct emu *emu, uint64_t flags, uint64_t newsp, uint64_t ptid,
                      uint64_t tls, uint64_t ctid);
/* A clone's first state (a thread's or a forked child's): the creator's registers, but
 * x0 = 0, the new stack and TLS; the tid words the flags ask for. */
void clone_start_state(struct emu *emu, struct task *c, uint64_t flags, uint64_t newsp,
                       uint64_t ptid, uint64_t tls, uint64_t ctid);
/* Moves what the process shares between the running thread and its leader: at a switch,
 * and before anything looks at or frees the process as a whole. */
void thread_share_out(struct task *t);
void thread_share_in(struct task *t);
/* exit(2) of the running thread: only it ends, unless it is the last. */
void thread_exit(struct emu *emu, int wstatus);
/* The whole process of leader ends: its other threads go (exit_group, a fatal signal). */
void thread_group_end(struct emu *emu, struct task *leader);
/* Frees the ended threads that are not on the CPU. */
void thread_reap(struct emu *emu);
void thread_free_all(struct emu *emu, struct task *leader);
/* execve from a thread of a process with several: the others end and the caller
 * becomes the leader, on the CPU. */
void thread_exec_alone(struct emu *emu);
struct task *thread_by_tid(struct emu *emu, int tid);
/* The thread of leader's process that takes a signal sent to the process. */
struct task *thread_for_signal(struct task *leader, int signo);
unsigned thread_count(const struct task *leader);   /* live threads, the leader's own too */
/* futex.c */
/* Wakes up to n waiters on the futex at va of the running task's map (CLEARTID). */
int futex_wake_va(struct emu *emu, uint64_t va, int n);
/* A handler is to run or the thread ends: it leaves the queue it waits in. */
void futex_cancel(struct emu *emu, struct task *t);

/* trace.c: sets the VM's fault trace up from the options (emu/trace.h). */
void emu_trace_install(struct emu *emu);

/* peak.c (emu/peak.h): at a system call's entry and before a task's memory goes. */
void emu_peak_check(struct emu *emu);
void emu_peak_free(struct emu *emu);

/* vmmap.c: the listing --vmmap prints when a task exits. */
void vmmap_print_task(struct emu *emu, struct task *t, FILE *out);
/* dump_pages.c: the pages --dump-pages writes when a task exits. */
void dump_pages_task(struct emu *emu, struct task *t, FILE *out);

/* linux.c */
void linux_syscall(struct emu *emu);
/* strace.c: a Linux call's --strace line: its arguments as text, read before the call
 * (strings with inspect_read: nothing faults in), then the line with the result. */
#define STRACE_ARGS_MAX 768
void strace_linux_args(struct emu *emu, uint64_t nr, const uint64_t a[6], char *buf, size_t len);
void strace_linux_line(struct emu *emu, const char *name, uint64_t nr, const char *args,
                       int64_t rc);
/* Before a signal handler or an upcall starts: a nanosleep the current task is blocked
 * in returns EINTR (with the time left), as Linux returns it for a handler. */
void linux_sleep_interrupted(struct emu *emu);
/* signo to thread t: pending, and t woken if blocked (SIGPIPE). */
void linux_post_signal(struct task *t, int signo);
/* signo with the siginfo it carries (si_code, the sender's pid, si_status or si_value)
 * to t; sent to a leader other than by tkill/tgkill (SI_TKILL), it goes to the process:
 * the first of its threads that does not block it takes it. */
void linux_post_signal_info(struct task *t, int signo, int code, int pid, uint64_t value);
#define L_SI_USER   0
#define L_SI_KERNEL 0x80
#define L_SI_TKILL  (-6)
#define L_SI_TIMER  (-2)
/* The defaults of a new task: credentials, limits, its group and session. */
void linux_task_defaults(struct emu *emu, struct task *t);
/* Fires the interval timers now due (posting SIGALRM); the earliest still armed (0:
 * none). */
uint64_t linux_timers_fire(struct emu *emu);
/* The task's earliest armed timer (interval or POSIX), CLOCK_MONOTONIC ns; 0: none. */
uint64_t linux_task_timer_due(const struct task *t);
/* A pending signal the task's mask lets through would act (run a handler or kill). */
bool linux_signal_ready(const struct task *t);
/* ppoll and pselect6 write the time left back: at the end, or when a handler ends them. */
void linux_poll_time_left(struct emu *emu);

/* signal.c */
/* Delivers signo to the task at the current CPU state (with siginfo fields); if the
 * task has no handler (or the signal can't be caught), the task dies. */
void signal_deliver(struct emu *emu, int signo, int code, uint64_t addr);
/* Delivers the lowest pending unblocked signal of the current task, if any. */
void signal_deliver_pending(struct emu *emu);
int signal_sigreturn(struct emu *emu);
void task_die(struct emu *emu, int signo, const char *why);
/* The signal would run a handler or end the task (not ignored, by choice or default). */
bool signal_acts(const struct task *t, int signo);

/* jetsam_notes.c: memory-pressure notes (see emu/jetsam.h and machemu/abi.h). */
/* With the CPU stopped, before the current task runs: posts the delayed notes now due,
 * keeps instructions counted while some wait, and starts the current task's handler
 * if a note waits for it. */
void jetsam_notes_before_run(struct emu *emu);
/* At a system call's return: starts the current task's handler if a note waits. */
void jetsam_notes_deliver(struct emu *emu);
/* What fork and exec do to a task's handler. */
void jetsam_notes_fork(struct task *child, const struct task *parent);
void jetsam_notes_exec(struct emu *emu, struct task *t);

/* jetsam_control.c: the band and limits a task starts with (see emu/jetsam.h), and
 * their one setter: 0, or -EINVAL for a band outside 0..EMU_JETSAM_BAND_MAX. */
void jetsam_task_init(struct task *t);
int jetsam_task_set(struct emu *emu, struct task *t, const struct emu_jetsam_props *p);

/* jetsam.c (see emu/jetsam.h). */
int emu_jetsam_init(struct emu *emu, char *err, size_t errlen);
void emu_jetsam_fini(struct emu *emu);
/* Cheap, from any hook: asks for an evaluation if the VM has moved enough. */
void emu_jetsam_poll(struct emu *emu);
/* With the CPU stopped: evaluates if one is due. */
void emu_jetsam_before_run(struct emu *emu);
/* Before a fault is refused for want of memory: true if a kill may have made room. */
bool emu_jetsam_reclaim(struct emu *emu);
void emu_jetsam_task_started(struct emu *emu, struct task *t);
void emu_jetsam_task_changed(struct emu *emu, struct task *t);   /* band, limits, notes */
void emu_jetsam_task_renamed(struct emu *emu, struct task *t);   /* exec */

#endif
