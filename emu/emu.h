/* emu/emu.h — the machine: CPU (Unicorn), physical memory, MMU, VM, one guest task.
 *
 * The tools layer builds options, creates a machine, loads a program and runs it.
 * Errors come back as a message in a caller-supplied buffer; the machine never
 * exits the process. */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compressor/compressor.h"

struct emu_jetsam_props;
struct emu_trace_filter;

/* ios: no backing store, the compressor is the only place for anonymous pages.
 * macos: the compressor's segments also go to swap files. */
enum emu_platform { EMU_PLATFORM_IOS, EMU_PLATFORM_MACOS };

struct emu_options {
    uint64_t mem_size;             /* guest RAM in bytes (multiple of 16 KB) */
    const char *root;              /* guest root directory */
    unsigned tlb_sets, tlb_ways;
    FILE *fault_trace;             /* one line per fault, or NULL */
    const struct emu_trace_filter *trace_filter;   /* which faults, how (emu/trace.h);
                                                      NULL: all, with their cost */
    FILE *strace;                  /* one line per system call, or NULL */
    FILE *vmmap;                   /* each task's vmmap listing when it exits, or NULL */
    FILE *dump_pages;              /* each task's anonymous pages when it exits, or NULL */
    uint64_t seed;                 /* for everything random the guest sees */
    enum compressor_codec codec;   /* the compressor's (the CLI's default: hybrid) */
    enum emu_platform platform;
    const char *swap_dir;          /* macos: where the swap files go (NULL: a new
                                      directory under $TMPDIR, removed at exit) */
    uint64_t swap_size;            /* macos: swap space at most, in files of the RAM's
                                      size (0: EMU_SWAP_FILES of them) */
    bool no_jetsam;                /* no pressure levels, notes or kills (emu/jetsam.h) */
    const char *reports_dir;       /* JetsamEvent reports go here; NULL: none written */
    uint64_t notify_spacing;       /* guest instructions between pressure notes; 0: XNU's */
    uint64_t guest_mips;           /* guest instructions per microsecond of XNU's time, for
                                      every period of Jetsam's (0: 100) */
    const struct emu_jetsam_props *memstatus;   /* what emu_load's program starts with
                                                (NULL: emu/jetsam.h's defaults) */
    bool exact_clock;              /* count every guest instruction from boot (--clock
                                      exact); otherwise only while something needs time */
    bool run_all;                  /* emu_run ends when every task has ended, not the
                                      first one (several programs, a scenario) */
    const char *shared_cache;      /* host path of the shared cache mapped into every task
                                      at 0x180000000 (emu/shared_cache.c); NULL: none */
    unsigned max_tasks;            /* tasks the machine holds at once, zombies included;
                                      fork past it gives EAGAIN (0: EMU_DEFAULT_MAX_TASKS) */
};

#define EMU_DEFAULT_MEM (256ull << 20)
/* kern.maxproc of arm64 XNU: NPROC in bsd/conf/param.c, 1000 (the ASID space bounds it). */
#define EMU_DEFAULT_MAX_TASKS 1000
#define EMU_DEFAULT_TLB_SETS 512
#define EMU_DEFAULT_TLB_WAYS 4

struct emu;

struct emu *emu_create(const struct emu_options *opt, char *err, size_t errlen);
void emu_destroy(struct emu *emu);
/* Loads a static AArch64 ELF executable from a host path; 0 or -1 with err set. */
int emu_load(struct emu *emu, const char *path, int argc, char *const argv[],
             char *const envp[], char *err, size_t errlen);
/* One more program, started next to those running (a scenario's app): a new task
 * with no parent, with band and limits from ms (NULL: the defaults) and the Jetsam
 * states given (MEMORYSTATUS_STATE_*). Its pid, or -1 with err set. Call it between
 * emu_run_slice() calls, or before emu_run(). */
int emu_spawn(struct emu *emu, const char *path, int argc, char *const argv[],
              char *const envp[], const struct emu_jetsam_props *ms, unsigned states,
              char *err, size_t errlen);
/* Starts the system image in `file` (emu/system.c: launchd, SpringBoard, daemons),
 * each process running `program` (sysdaemon), and runs them until each waits. Before
 * emu_load. 0, or -1 with err set. */
int emu_boot_system(struct emu *emu, const char *file, const char *program, char *err,
                    size_t errlen);
/* Runs until the guest exits; returns its exit status (128+signo if killed). */
int emu_run(struct emu *emu);
/* One turn of the run loop (for tools that watch between turns): false once the run is
 * over. Before the first, call emu_run_prepare(). */
void emu_run_prepare(struct emu *emu);
bool emu_run_slice(struct emu *emu);
/* The machine's clock: guest instructions run so far (all of them with exact_clock or a
 * debugger attached, otherwise those run while something needed time: several tasks,
 * Jetsam timing a limit, a note or raised pressure, an alarm), plus idle time
 * (emu_idle_until). */
uint64_t emu_icount(const struct emu *emu);
/* Stops the CPU once, at the first block boundary at or past `icount` guest
 * instructions, so emu_run_slice() returns there (UINT64_MAX: no alarm). */
void emu_set_alarm(struct emu *emu, uint64_t icount);
/* While every task is blocked, the machine waits on the host (for a sleep's end, a
 * pipe, a terminal). emu_wake() ends that wait, or the next one, early: emu_run_slice()
 * returns with nothing done. Async-signal-safe (a debugger's Ctrl-C handler). */
void emu_wake(struct emu *emu);
/* Such a wait also ends when fd is readable (-1: none; a debugger's socket) and after
 * limit_ms (-1: none; a viewer that draws). */
void emu_wait_options(struct emu *emu, int fd, int limit_ms);
/* True if a wait ended early since the last call; forgets it. */
bool emu_take_wake(struct emu *emu);
/* Idle time: once emu_run_slice() has returned false (nothing can run), the clock moves
 * on to `icount` (never back), as a device's clock goes on while its CPU sleeps; no
 * instruction runs and no task is charged for it. Returns the clock. */
uint64_t emu_idle_until(struct emu *emu, uint64_t icount);
/* The exit status of the task with this pid (0 if it has not ended; -1: no such task). */
int emu_exit_status(const struct emu *emu, int pid, bool *ended);
/* The guest root as a host path (where hostout must follow nothing). */
const char *emu_root(const struct emu *emu);
/* DIR/rel for the running program in DIR, as make builds the machine's files next to
 * it (guest/dyld_shared_cache_arm64, guest/system/ios.system): malloc'd, NULL if
 * unknown. */
char *emu_machine_file(const char *rel);
/* vm_stat-style summary, TLB and MMU counters, per-task fault counts. */
void emu_print_stats(struct emu *emu, FILE *out);
/* A vmmap-like listing of the task with this pid (0: every live task). */
void emu_print_vmmap(struct emu *emu, int pid, FILE *out);

#endif
