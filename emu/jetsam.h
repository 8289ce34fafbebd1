/* emu/jetsam.h — the machine's memorystatus: jetsam/'s policy driven by the VM.
 *
 * With Jetsam on (the default), every live task is in a memorystatus table with its
 * band, limits and handler's notes (set from the CLI, by guests through
 * memorystatus_control, or by a scenario). The table is evaluated at points fixed by the
 * guest's own progress, so a run replays identically:
 *   - after a page fault or a system call, once the free frames have moved by
 *     `step` pages (1/512 of RAM, at least 4) or the pageout scan has run since the
 *     last evaluation, or the task's pmap ledgers have passed a line of its limit
 *     (memorystatus_limit_line: a note or a kill comes at the page that crosses it);
 *   - when a task starts or ends, or changes its band, limits or handler;
 *   - at the block where a timer of the table falls due (guest instructions): the
 *     pressure thread's next note, sustained pressure, the reaper
 *     (memorystatus_next_timer);
 *   - before a page fault is refused for want of memory (a kill may make room).
 * Each evaluation reads the counters (vm_page_counts, the compressor's statistics) and
 * each task's phys_footprint from its pmap ledgers, and calls memorystatus_evaluate()
 * again for as long as it kills, the CPU stopped. Notes go to the guests' handlers
 * (emu_pressure_post); a kill ends the victim at once with SIGKILL, whether it is on
 * the CPU or not, frees all its memory before the next evaluation, prints one line on
 * stderr and writes a JetsamEvent report into the reports directory.
 *
 * Time is emu's guest-instruction count (each task's cpuTime and age, the spacing of
 * notes). By default every instruction counts (emu_options.exact_clock, the CLI's
 * --clock exact), as it does under the debugger and the viewer. With --clock auto it
 * counts only while it matters: several tasks run, a note waits, the level is above
 * normal, a task has a limit or is idle, or throughout a scenario (run_all); reports
 * then say "clockExact": false where a gap shortened a process's age or cpuTime. */
#ifndef EMU_JETSAM_H
#define EMU_JETSAM_H

#include <stdint.h>

#include "jetsam/memorystatus.h"

struct emu;

enum emu_jetsam_event_kind {
    EMU_JETSAM_LEVEL,              /* the level changed: from, to */
    EMU_JETSAM_NOTE,               /* a note was sent: pid, name, note, delivered */
    EMU_JETSAM_KILL,               /* a task was killed: pid, name, kill */
};

struct emu_jetsam_event {
    enum emu_jetsam_event_kind kind;
    uint64_t icount;               /* guest instructions */
    const struct memorystatus_vm *vm;   /* the counters of this evaluation */
    enum memorystatus_level from, to;
    int pid;
    const char *name;
    uint32_t note;
    int delivered;                 /* 1: queued for its handler, 0: it has none */
    const struct memorystatus_kill *kill;
};

/* Called for each event, during the evaluation (the table may be read, not changed).
 * Several tools may listen at once (a scenario's timeline and a viewer): each listener
 * hears every event, in the order they were added. */
typedef void (*emu_jetsam_listener)(void *ctx, const struct emu_jetsam_event *ev);
#define EMU_JETSAM_LISTENERS 4
/* 0, or -1 when EMU_JETSAM_LISTENERS already listen. */
int emu_jetsam_add_listener(struct emu *emu, emu_jetsam_listener fn, void *ctx);
/* Removes the listener added with this fn and ctx (nothing if there is none). */
void emu_jetsam_remove_listener(struct emu *emu, emu_jetsam_listener fn, void *ctx);

/* The table (NULL with Jetsam off): bands, limits, footprints as of the last evaluation. */
const struct memorystatus *emu_jetsam_table(const struct emu *emu);

/* MEMORYSTATUS_STATE_* of a live task (a scenario's foreground switch). 0 or -ESRCH. */
int emu_jetsam_set_state(struct emu *emu, int pid, unsigned states);
/* The name a live task goes by in the table, its reports and its crash and kill lines
 * (a scenario's app name rather than its binary's). 0, -ESRCH or -ENOMEM. */
int emu_jetsam_set_name(struct emu *emu, int pid, const char *name);
/* The band of a live task, as memorystatus_control would set it. 0, -ESRCH or -EINVAL. */
int emu_jetsam_set_band(struct emu *emu, int pid, int band);

/* Evaluates now (the CPU must be stopped); the MEMORYSTATUS_DID_* bits of every round. */
unsigned emu_jetsam_evaluate(struct emu *emu);
/* The pid an evaluation now would kill first (0: none, or Jetsam off) and its cause,
 * without killing: the table takes in the tasks' present footprints, as the
 * evaluation would first. The CPU must be stopped. */
int emu_jetsam_next_victim(struct emu *emu, enum memorystatus_cause *cause);

#endif
