/* emu/peak.h — the machine at the moment of its peak footprint.
 *
 * The statistics at exit describe a machine whose guest has usually freed its memory
 * already. With peak tracking on, the machine watches the sum of every live task's
 * phys_footprint and, each time it reaches a new high, keeps the vm_stat counters (and,
 * if asked, every task's vmmap) as they are then.
 *
 * A footprint only grows between system calls (faults add pages; pageouts move them to
 * the compressor, where they still count); it falls only in a system call (munmap,
 * madvise, exec, exit, ...) or when a task ends (a kill, a fatal signal). So the machine
 * checks at the entry of every system call and before a task's memory is released: the
 * state it keeps is the state at the peak, not a sample near it. */
#ifndef EMU_PEAK_H
#define EMU_PEAK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct emu;

/* Starts tracking (call before emu_run; with_vmmap: keep the vmmap listings too).
 * 0, or -1 out of host memory. */
int emu_peak_enable(struct emu *emu, bool with_vmmap);

/* Checks now (the CPU stopped, e.g. a run interrupted between system calls). */
void emu_peak_update(struct emu *emu);

struct emu_peak {
    uint32_t footprint;            /* pages: the sum of the live tasks' phys_footprint */
    uint64_t icount;               /* the guest clock when it was reached */
    int tasks;                     /* live tasks then */
};
/* false if tracking is off. */
bool emu_peak_get(const struct emu *emu, struct emu_peak *out);
/* The highest phys_footprint this task has had, in pages (footprint(1)'s "Physical
 * footprint (peak)"); 0 if tracking is off or there is no such task. */
uint32_t emu_peak_task_footprint(const struct emu *emu, int pid);

/* The peak block of --stats: the footprint, each task's peak, the vm_stat counters at
 * the peak. */
void emu_peak_print_stats(const struct emu *emu, FILE *out);
/* The vmmap listings of every live task at the peak (emu_peak_enable(.., true)). */
void emu_peak_print_vmmap(const struct emu *emu, FILE *out);

#endif
