/* emu/darwin.h — the Darwin personality (svc #0x80, number in x16).
 *
 * Negative numbers are Mach traps (mach.c), positive ones BSD system calls
 * (darwin_bsd.c). Numbers and layouts: guest/include/machemu/abi.h. */
#ifndef EMU_DARWIN_H
#define EMU_DARWIN_H

#include "emu/internal.h"
#include "guest/include/machemu/abi.h"

/* A Mach trap: returns a kern_return_t (or a port name) for x0. */
typedef int64_t (*mach_trap_fn)(struct emu *emu, const uint64_t a[8]);
/* A BSD call: the result, or -errno in Linux numbering (EMU_RESTART to block);
 * the dispatcher translates errors to Darwin's numbers and the carry flag. */
typedef int64_t (*bsd_call_fn)(struct emu *emu, const uint64_t a[8]);

struct darwin_call {
    const char *name;
    void *fn;                      /* mach_trap_fn or bsd_call_fn */
};

#define MACH_NTRAPS 128
#define BSD_NCALLS 560
extern const struct darwin_call mach_traps[MACH_NTRAPS];
extern const struct darwin_call bsd_calls[BSD_NCALLS];

void darwin_syscall(struct emu *emu);
/* Signal numbers: machemu keeps Linux's inside; Darwin's differ for BUS, USR1/2, CHLD,
 * STOP/TSTP/CONT, URG, IO, SYS. 0 if the other side has no such signal. */
int darwin_signo(int linux_signo);
int linux_signo(int darwin_signo);

/* darwin_crash.c: prints the crash report of the current (Darwin) task for the fault
 * in emu->fault / emu->fault_kr at addr, which signal.c would answer with signo (Linux's
 * choice: SIGSEGV, SIGBUS, SIGILL, SIGTRAP); returns the signal it dies of instead. */
int darwin_crash_report(struct emu *emu, int signo, uint64_t addr);

/* The map a task port names: only the calling task's own (no task_for_pid). */
static inline struct vm_map *mach_task_map(struct emu *emu, uint64_t port)
{
    return port == MACHEMU_PORT_TASK_SELF ? emu->task->map : NULL;
}
/* mach.c: the name vmmap shows for a VM_MAKE_TAG() alias in mach_vm_* flags. */
const char *mach_tag_name(uint32_t flags);
/* mach_entry.c: mach_vm_map of a memory entry (a[5] names it; x: the other args). */
int64_t mach_map_entry(struct emu *emu, const uint64_t a[8], const struct machemu_vm_map_args *x);
int64_t trap_port_deallocate(struct emu *emu, const uint64_t a[8]);
int64_t trap_make_memory_entry(struct emu *emu, const uint64_t a[8]);
int64_t trap_memory_object_entry(struct emu *emu, const uint64_t a[8]);
/* mach_copy.c: the copies, virtual for large page-aligned ranges (vm/vm_map_copy.h). */
int64_t trap_vm_copy(struct emu *emu, const uint64_t a[8]);
int64_t trap_vm_read(struct emu *emu, const uint64_t a[8]);
int64_t trap_vm_read_overwrite(struct emu *emu, const uint64_t a[8]);
int64_t trap_vm_write(struct emu *emu, const uint64_t a[8]);
/* mach_region.c: mach_vm_region_recurse_64 and the region flavors beyond basic. */
int64_t trap_vm_region_recurse(struct emu *emu, const uint64_t a[8]);
int64_t mach_region_flavor(struct emu *emu, struct vm_map *map, const uint64_t a[8]);

/* jetsam_notes.c: the pressure traps -110..-112 (machemu/abi.h). */
int64_t jetsam_trap_handler_set(struct emu *emu, const uint64_t a[8]);
int64_t jetsam_trap_return(struct emu *emu, const uint64_t a[8]);
int64_t jetsam_trap_send(struct emu *emu, const uint64_t a[8]);

/* jetsam_control.c: memorystatus_control (BSD 440). */
int64_t darwin_memorystatus_control(struct emu *emu, const uint64_t a[8]);

#endif
