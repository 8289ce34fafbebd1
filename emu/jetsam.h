/* emu/jetsam.h — the machine's memorystatus, the one seam between emu/ and jetsam/:
 * the table and its evaluations, each task's Jetsam properties (band, memory limits),
 * and the memory-pressure notes guests hear as upcalls.
 *
 * jetsam/ decides (levels, notes, victims); emu/ feeds it the VM's counters and each
 * task's phys_footprint, delivers its notes (emu_jetsam_post_note), stores what guests,
 * the CLI and tools set (memorystatus_control, emu_jetsam_set_props), and tells tools
 * of every event (listeners) and of every change (hooks). Notes are XNU's
 * NOTE_MEMORYSTATUS_* values (MACHEMU_NOTE_* in machemu/abi.h).
 *
 * With Jetsam on (the default), every live task is in the memorystatus table. The table
 * is evaluated at points fixed by the guest's own progress, so a run replays identically:
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
 * again for as long as it kills, the CPU stopped. A kill ends the victim at once with
 * SIGKILL, whether it is on the CPU or not, frees all its memory before the next
 * evaluation, prints one line on stderr and hands a JetsamEvent report to the tool.
 *
 * Time is emu's guest-instruction count (each task's cpuTime and age, the spacing of
 * notes). By default, with Jetsam on, every instruction counts (emu_options.exact_clock,
 * the CLI's --clock exact), as under the debugger and the viewer. With --clock auto
 * instructions are counted only while something needs time: several tasks share the
 * CPU, a delayed note waits, the level is above normal, a task has a memory limit,
 * the table has a timer running (the pressure thread, an idle process ageing), a
 * scenario runs, or a tool set an alarm (jetsam.c, task.c); reports then say
 * "clockExact": false where a gap shortened a process's age or cpuTime. */
#ifndef EMU_JETSAM_H
#define EMU_JETSAM_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/include/machemu/abi.h"   /* the bands: MACHEMU_JETSAM_PRIORITY_* */
#include "jetsam/memorystatus.h"

struct emu;
struct task;

/* --- the table ----------------------------------------------------------------------- */

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

/* Evaluates now (the CPU must be stopped); the MEMORYSTATUS_DID_* bits of every round. */
unsigned emu_jetsam_evaluate(struct emu *emu);
/* The pid an evaluation now would kill first (0: none, or Jetsam off) and its cause,
 * without killing: the table takes in the tasks' present footprints, as the
 * evaluation would first. The CPU must be stopped. */
int emu_jetsam_next_victim(struct emu *emu, enum memorystatus_cause *cause);

/* --- notes and task properties --------------------------------------------------------- */

/* Queues one note (exactly one MACHEMU_NOTE_* bit) for task t's handler. It runs at
 * t's next safe point: for the task on the CPU, the end of the current system call or
 * the next block boundary (the CPU is asked to stop); for another task, the moment it
 * is next scheduled (a task blocked in a system call is woken for it; the call starts
 * again after the handler). While t runs a handler the note waits, one per kind, in
 * order of arrival. 1 if t has a handler for the note (queued, or merged with the same
 * note already waiting), 0 if not (dropped; also for a dead task), -EINVAL for a value
 * that is not exactly one note. */
int emu_jetsam_post_note(struct emu *emu, struct task *t, uint32_t note);
/* The notes t's registered handler takes; 0 if it has none. */
uint32_t emu_jetsam_handler_mask(const struct task *t);
/* True while t runs a handler (its interrupted context is held by the emulator). */
bool emu_jetsam_in_handler(const struct task *t);

/* The system level for memorystatus_control(GET_PRESSURE_STATUS): NORMAL (the start),
 * WARN or CRITICAL, as jetsam's level machine says. */
void emu_jetsam_set_level(struct emu *emu, uint32_t note_level);
uint32_t emu_jetsam_level(const struct emu *emu);

/* Jetsam bands (XNU's JETSAM_PRIORITY_*), and what a task starts with: the program
 * machemu runs is the app in front (FOREGROUND), with no memory limit; a forked child
 * takes its parent's band and limits; exec keeps them (the process stays). */
#define EMU_JETSAM_BAND_DEFAULT MACHEMU_JETSAM_PRIORITY_FOREGROUND
#define EMU_JETSAM_BAND_MAX     MACHEMU_JETSAM_PRIORITY_MAX
#define EMU_JETSAM_LIMIT_NONE (-1)

struct emu_jetsam_limit {
    int32_t mb;                    /* EMU_JETSAM_LIMIT_NONE or > 0 */
    bool fatal;                    /* kill at once (per-process-limit) or soft (highwater) */
};

struct emu_jetsam_props {
    int32_t band;                  /* 0..EMU_JETSAM_BAND_MAX */
    uint64_t user_data;            /* memorystatus_priority_properties_t.user_data */
    struct emu_jetsam_limit active, inactive;
};

/* A live task's properties (NULL: no such task). */
const struct emu_jetsam_props *emu_jetsam_props(struct emu *emu, int pid);
/* Sets them all, as memorystatus_control would: the one way to change a band or a
 * limit. A limit of 0 or less means none (its fatal flag is then cleared). 0, -ESRCH,
 * or -EINVAL for a band outside 0..EMU_JETSAM_BAND_MAX. */
int emu_jetsam_set_props(struct emu *emu, int pid, const struct emu_jetsam_props *p);

/* Called back, when set: a handler starts running for note (the CPU is at its first
 * instruction; icount is emu's guest-instruction clock); a task's band or limits
 * changed; a task registered, replaced or dropped its handler (exec drops it), with the
 * notes it now takes (emu_jetsam_handler_mask). Each may post notes and set
 * properties; none is called for a forked child, which starts with no handler and its
 * parent's band and limits. */
struct emu_jetsam_hooks {
    void (*upcall)(void *ctx, struct task *t, uint32_t note, uint64_t icount);
    void (*memstatus)(void *ctx, struct task *t);
    void (*handler)(void *ctx, struct task *t, uint32_t mask);
    void *ctx;
};
void emu_jetsam_set_hooks(struct emu *emu, const struct emu_jetsam_hooks *hooks);

/* A name for a note: "WARN", "CRITICAL", "NORMAL", "PROC_LIMIT_WARN", ...; "?" if none. */
const char *emu_jetsam_note_name(uint32_t note);

#endif
