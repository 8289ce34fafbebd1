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

/* jetsam_notes.c: the pressure traps -110..-112 (machemu/abi.h). */
int64_t jetsam_trap_handler_set(struct emu *emu, const uint64_t a[8]);
int64_t jetsam_trap_return(struct emu *emu, const uint64_t a[8]);
int64_t jetsam_trap_send(struct emu *emu, const uint64_t a[8]);

/* jetsam_control.c: memorystatus_control (BSD 440). */
int64_t darwin_memorystatus_control(struct emu *emu, const uint64_t a[8]);

#endif
