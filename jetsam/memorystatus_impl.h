/* jetsam/memorystatus_impl.h — the table behind struct memorystatus (jetsam/ only). */
#ifndef JETSAM_MEMORYSTATUS_IMPL_H
#define JETSAM_MEMORYSTATUS_IMPL_H

#include <limits.h>

#include "jetsam/memorystatus.h"

#define NEVER UINT64_MAX

/* The pressure thread (memorystatus_update_vm_pressure) as a machine stepped by evaluations. */
struct notify_thread {
    bool working;                          /* a round is under way */
    uint64_t resume_at;                    /* its next step, when working */
    enum memorystatus_level seen;          /* level_snapshot */
    enum memorystatus_level prev;          /* prev_level_snapshot */
    bool smoothing;
    uint64_t smoothing_since;
    uint64_t next_warning_at, next_critical_at;   /* resting periods' ends; NEVER: none */
    int choice_level;                      /* pressure_snapshot of the last choice; -1: none */
    uint64_t last_transition;              /* vm_pressure_last_level_transition_abs */
};

/* The sustained-pressure thread call and its loop of kills. */
struct sustained {
    uint64_t fires_at;                     /* NEVER: not scheduled */
    bool killing;
    uint64_t next_kill;
    uint64_t kills_left;
};

struct memorystatus {
    struct memorystatus_config cfg;
    struct memorystatus_proc *procs;       /* sorted by band; each band in list order */
    size_t n, cap;
    uint64_t generation;                   /* bumped by every add, remove and move */
    struct memorystatus_vm vm;             /* of the last evaluation */
    enum memorystatus_level level;
    struct notify_thread nt;
    struct sustained sus;
    bool reaper_sweeping;
    uint64_t reaper_after;                 /* the next sweep may start after this */
    uint64_t macos_idle_next;              /* macOS: the next idle exit, not before */
    uint64_t kills;
    bool kill_round;
    uint64_t kill_round_start;
    uint64_t last_report;                  /* `now` of the last kill (its report's timeDelta) */
    char report_path[PATH_MAX];
    char report_error[PATH_MAX + 64];
};

/* 2025-01-01 00:00:00 UTC: the reports' date of instruction 0 unless the caller gives one. */
#define MEMORYSTATUS_REPORT_EPOCH 1735689600

struct memorystatus_proc *memorystatus_lookup(struct memorystatus *ms, int pid);
/* phys_footprint in bytes, clamped at 2^50 (past any limit) so products cannot overflow. */
uint64_t memorystatus_footprint_bytes(const struct memorystatus *ms,
                                      const struct memorystatus_proc *p);
/* The order memorystatus_sort_bucket gives the FOREGROUND band, as indices into procs
 * (order[k] for k < the band's size; see the top of memorystatus.h); *first is the
 * band's first index. Returns the band's size (0: no FOREGROUND process). order must
 * hold ms->n entries. */
size_t memorystatus_foreground_order(const struct memorystatus *ms, size_t *order, size_t *first);
/* Applies that order to the table (the band's list re-sorted in place). */
void memorystatus_sort_foreground(struct memorystatus *ms);

/* jetsam/notify.c */
unsigned memorystatus_send_limit_notes(struct memorystatus *ms);
unsigned memorystatus_pressure_thread(struct memorystatus *ms, bool woken, uint64_t now);
/* What the level machine hands the pressure thread: a change of level, or the 30 minutes
 * of a stuck one; resets the sustained-pressure timer as the thread would. */
bool memorystatus_level_wakes(struct memorystatus *ms, enum memorystatus_level from, uint64_t now);

#endif
