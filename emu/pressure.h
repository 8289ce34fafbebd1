/* emu/pressure.h — memory pressure as the guests see it: notes delivered to a task's
 * handler as upcalls, and each task's memorystatus properties (band, memory limits).
 *
 * The contract the Jetsam glue uses: jetsam/ decides who hears what and when; emu/
 * delivers (emu_pressure_post), stores what guests and the CLI set through
 * memorystatus_control (emu_task_memstatus), and reports both back through hooks.
 * Notes are XNU's NOTE_MEMORYSTATUS_* values (MACHEMU_NOTE_* in machemu/abi.h). */
#ifndef EMU_PRESSURE_H
#define EMU_PRESSURE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/include/machemu/abi.h"   /* the bands: MACHEMU_JETSAM_PRIORITY_* */

struct emu;
struct task;

/* Queues one note (exactly one MACHEMU_NOTE_* bit) for task t's handler. It runs at
 * t's next safe point: for the task on the CPU, the end of the current system call or
 * the next block boundary (the CPU is asked to stop); for another task, the moment it
 * is next scheduled (a task blocked in a system call is woken for it; the call starts
 * again after the handler). While t runs a handler the note waits, one per kind, in
 * order of arrival. 1 if t has a handler for the note (queued, or merged with the same
 * note already waiting), 0 if not (dropped; also for a dead task), -EINVAL for a value
 * that is not exactly one note. */
int emu_pressure_post(struct emu *emu, struct task *t, uint32_t note);
/* The notes t's registered handler takes; 0 if it has none. */
uint32_t emu_pressure_handler_mask(const struct task *t);
/* True while t runs a handler (its interrupted context is held by the emulator). */
bool emu_pressure_in_handler(const struct task *t);

/* The system level for memorystatus_control(GET_PRESSURE_STATUS): NORMAL (the start),
 * WARN or CRITICAL, as jetsam's level machine says. */
void emu_pressure_set_level(struct emu *emu, uint32_t note_level);
uint32_t emu_pressure_level(const struct emu *emu);

/* Jetsam bands (XNU's JETSAM_PRIORITY_*), and what a task starts with: the program
 * machemu runs is the app in front (FOREGROUND), with no memory limit; a forked child
 * takes its parent's band and limits; exec keeps them (the process stays). */
#define EMU_BAND_DEFAULT MACHEMU_JETSAM_PRIORITY_FOREGROUND
#define EMU_BAND_MAX     MACHEMU_JETSAM_PRIORITY_MAX
#define EMU_MEMLIMIT_NONE (-1)

struct emu_memlimit {
    int32_t mb;                    /* EMU_MEMLIMIT_NONE or > 0 */
    bool fatal;                    /* kill at once (per-process-limit) or soft (highwater) */
};

struct emu_memstatus {
    int32_t band;                  /* 0..EMU_BAND_MAX */
    uint64_t user_data;            /* memorystatus_priority_properties_t.user_data */
    struct emu_memlimit active, inactive;
};

const struct emu_memstatus *emu_task_memstatus(const struct task *t);
/* 0, or -EINVAL for a band outside 0..EMU_BAND_MAX. */
int emu_task_set_band(struct emu *emu, struct task *t, int32_t band, uint64_t user_data);
/* A limit of 0 or less means none (its fatal flag is then cleared). */
void emu_task_set_memlimits(struct emu *emu, struct task *t, struct emu_memlimit active,
                            struct emu_memlimit inactive);

/* Called back, when set: a handler starts running for note (the CPU is at its first
 * instruction; icount is emu's guest-instruction clock); a task's band or limits
 * changed; a task registered, replaced or dropped its handler (exec drops it), with the
 * notes it now takes (emu_pressure_handler_mask). Each may post notes and set
 * properties; none is called for a forked child, which starts with no handler and its
 * parent's band and limits. */
struct emu_pressure_hooks {
    void (*upcall)(void *ctx, struct task *t, uint32_t note, uint64_t icount);
    void (*memstatus)(void *ctx, struct task *t);
    void (*handler)(void *ctx, struct task *t, uint32_t mask);
    void *ctx;
};
void emu_pressure_set_hooks(struct emu *emu, const struct emu_pressure_hooks *hooks);

/* A name for a note: "WARN", "CRITICAL", "NORMAL", "PROC_LIMIT_WARN", ...; "?" if none. */
const char *emu_pressure_note_name(uint32_t note);

#endif
