/* emu/watch.h — run control for a tool that watches a run from outside: stopping it
 * from a signal handler, alarms that leave the schedule alone, its status.
 *
 * `machemu run` drives the run loop itself (emu_run_prepare, emu_run_slice) so that a
 * Ctrl-C, SIGUSR1 or a timer can stop the CPU, let the tool print something between two
 * turns, and go on, or end the run with its statistics. */
#ifndef EMU_WATCH_H
#define EMU_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct emu;

/* Async-signal-safe: the CPU stops at its next block and emu_run_slice() returns;
 * a wait on the host for the tasks ends too. Nothing of the guest changes: the slice
 * after it continues where this one stopped. */
void emu_interrupt(struct emu *emu);

/* As emu_set_alarm(), but without starting a new quantum: with several tasks, a run
 * watched every N instructions switches tasks where an unwatched run does. */
void emu_watch_alarm(struct emu *emu, uint64_t icount);

/* The first program's exit status once emu_run_slice() has returned false. */
int emu_run_status(const struct emu *emu);

#endif
