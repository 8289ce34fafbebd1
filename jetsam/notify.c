/* jetsam/notify.c — notes: the per-process limit warnings of memorystatus_warn_process and
 * the pressure thread of kern_memorystatus_notify.c (rules in jetsam/memorystatus.h). */
#include <limits.h>

#include "jetsam/memorystatus_impl.h"

#define PRESSURE_NOTES (NOTE_MEMORYSTATUS_PRESSURE_WARN | NOTE_MEMORYSTATUS_PRESSURE_CRITICAL)
#define LIMIT_LEDGER   (MEMORYSTATUS_LIMIT_ACTIVE | MEMORYSTATUS_LIMIT_WARNED | \
                        MEMORYSTATUS_LIMIT_EXCEEDED)
#define NOTIFY_MIN_MB_MACOS 10u        /* VM_PRESSURE_MINIMUM_RSIZE on macOS */

static void send(struct memorystatus *ms, struct memorystatus_proc *p, uint32_t note)
{
    p->last_note = note;
    p->notes_sent |= note;
    ms->cfg.notify(ms->cfg.ctx, p->pid, note);
}

/* ---- per-process limits ------------------------------------------------------------------ */

/* iOS's warning near a limit: the process's own note if it takes it, else the system's. */
static uint32_t warn_note_ios(const struct memorystatus_proc *p)
{
    static const uint32_t order[] = { NOTE_MEMORYSTATUS_PROC_LIMIT_WARN,
                                      NOTE_MEMORYSTATUS_PRESSURE_CRITICAL,
                                      NOTE_MEMORYSTATUS_PRESSURE_WARN };
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (p->notes & order[i])
            return order[i];
    return 0;
}

/* macOS: a soft limit's note once per active/inactive state and registration. */
static uint32_t once_macos(struct memorystatus_proc *p, uint32_t note, unsigned flag)
{
    if (!(p->notes & note) || (p->limit_state & flag))
        return 0;
    p->limit_state |= flag;
    return note;
}

static uint32_t warn_note(const struct memorystatus *ms, struct memorystatus_proc *p,
                          bool active, bool fatal)
{
    if (!ms->cfg.macos)
        return warn_note_ios(p);
    if (fatal)
        return p->notes & NOTE_MEMORYSTATUS_PROC_LIMIT_WARN;
    return once_macos(p, NOTE_MEMORYSTATUS_PROC_LIMIT_WARN,
                      active ? MEMORYSTATUS_LIMIT_MACOS_WARN_ACTIVE
                             : MEMORYSTATUS_LIMIT_MACOS_WARN_INACTIVE);
}

static uint32_t exceeded_note(const struct memorystatus *ms, struct memorystatus_proc *p,
                              bool active)
{
    if (!ms->cfg.macos)
        return p->notes & NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL;
    return once_macos(p, NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL,
                      active ? MEMORYSTATUS_LIMIT_MACOS_CRIT_ACTIVE
                             : MEMORYSTATUS_LIMIT_MACOS_CRIT_INACTIVE);
}

/* The ledger's flags for the limit in force: a different limit in force is a new one. */
static void follow_limit_in_force(struct memorystatus_proc *p, bool active)
{
    if (!(p->limit_state & MEMORYSTATUS_LIMIT_ACTIVE) == !active)
        return;
    p->limit_state &= ~LIMIT_LEDGER;
    p->limit_state |= active ? MEMORYSTATUS_LIMIT_ACTIVE : 0;
}

/* The note p's footprint earns from its limit in force now (0: none), the ledger's
 * flags updated as its callbacks would be. */
static uint32_t take_limit_note(const struct memorystatus *ms, struct memorystatus_proc *p)
{
    bool active = memorystatus_proc_is_active(p);
    follow_limit_in_force(p, active);
    const struct memorystatus_limits *l = &p->limits;
    uint64_t limit = (uint64_t)(active ? l->active_mb : l->inactive_mb) << 20;
    bool fatal = active ? l->active_fatal : l->inactive_fatal;
    if (p->killed || !limit)
        return 0;
    uint64_t bytes = memorystatus_footprint_bytes(ms, p);
    if (bytes > limit) {
        if (p->limit_state & MEMORYSTATUS_LIMIT_EXCEEDED)
            return 0;
        p->limit_state |= MEMORYSTATUS_LIMIT_EXCEEDED;
        return fatal ? 0 : exceeded_note(ms, p, active);
    }
    if (bytes * 100 <= limit * MEMORYSTATUS_LIMIT_WARN_PERCENT) {
        p->limit_state &= ~MEMORYSTATUS_LIMIT_WARNED;       /* dipped below: re-armed */
        return 0;
    }
    if (p->limit_state & MEMORYSTATUS_LIMIT_WARNED)
        return 0;
    p->limit_state |= MEMORYSTATUS_LIMIT_WARNED;
    return warn_note(ms, p, active, fatal);
}

uint64_t memorystatus_limit_line(const struct memorystatus *ms, const struct memorystatus_proc *p)
{
    bool active = memorystatus_proc_is_active(p);
    const struct memorystatus_limits *l = &p->limits;
    uint64_t limit = (uint64_t)(active ? l->active_mb : l->inactive_mb) << 20;
    bool fatal = active ? l->active_fatal : l->inactive_fatal;
    unsigned state = p->limit_state;
    if (!(state & MEMORYSTATUS_LIMIT_ACTIVE) != !active)
        state = 0;                 /* armed afresh at the next evaluation */
    if (p->killed || !limit)
        return UINT64_MAX;
    if (!(state & (MEMORYSTATUS_LIMIT_WARNED | MEMORYSTATUS_LIMIT_EXCEEDED)))
        return limit * MEMORYSTATUS_LIMIT_WARN_PERCENT / (100ull * ms->cfg.page_size);
    if (fatal || !(state & MEMORYSTATUS_LIMIT_EXCEEDED))
        return limit / ms->cfg.page_size;
    return UINT64_MAX;
}

unsigned memorystatus_send_limit_notes(struct memorystatus *ms)
{
    unsigned did = 0;
    size_t i = 0;
    while (i < ms->n) {
        struct memorystatus_proc *p = &ms->procs[i++];
        uint32_t note = take_limit_note(ms, p);
        if (!note)
            continue;
        uint64_t generation = ms->generation;
        send(ms, p, note);
        did = MEMORYSTATUS_DID_LIMIT;
        if (ms->generation != generation)
            i = 0;         /* the table changed under us; what was sent stays marked */
    }
    return did;
}

/* ---- the pressure thread ------------------------------------------------------------------ */

bool memorystatus_level_wakes(struct memorystatus *ms, enum memorystatus_level from, uint64_t now)
{
    struct notify_thread *nt = &ms->nt;
    bool stuck = ms->level == from && ms->level != MEMORYSTATUS_LEVEL_NORMAL &&
                 now >= nt->last_transition &&
                 now - nt->last_transition >= memorystatus_ms(ms, MEMORYSTATUS_STUCK_MS);
    if (ms->level == from && !stuck)
        return false;
    nt->last_transition = now;
    if (stuck && ms->level == MEMORYSTATUS_LEVEL_WARNING)
        nt->next_warning_at = now;         /* the resting period is over: notify again */
    else if (stuck)
        nt->next_critical_at = now;
    return true;
}

/* task_has_been_notified for `note`'s level, cleared for every process. */
static void rearm_level(struct memorystatus *ms, uint32_t note)
{
    for (size_t i = 0; i < ms->n; i++)
        ms->procs[i].notified &= ~note;
}

/* The resting period of the level, if one runs: false while it does (the thread goes
 * back to sleep), true once it is over (everyone hears this level again). */
static bool rested(struct memorystatus *ms, uint64_t now)
{
    struct notify_thread *nt = &ms->nt;
    uint64_t *until = ms->level == MEMORYSTATUS_LEVEL_WARNING    ? &nt->next_warning_at
                      : ms->level == MEMORYSTATUS_LEVEL_CRITICAL ? &nt->next_critical_at
                                                                 : NULL;
    if (!until || *until == NEVER)
        return true;
    if (now < *until)
        return false;
    *until = NEVER;
    rearm_level(ms, memorystatus_level_note(ms->level));
    return true;
}

/* The sustained-pressure thread call, scheduled when the thread sees pressure rise from
 * normal and cancelled when it sees normal again. */
static void schedule_sustained(struct memorystatus *ms, uint64_t now)
{
    bool normal = ms->level == MEMORYSTATUS_LEVEL_NORMAL;
    bool was_normal = ms->nt.prev == MEMORYSTATUS_LEVEL_NORMAL;
    if (ms->cfg.macos || normal == was_normal)
        return;
    ms->sus.fires_at = normal ? NEVER : now + memorystatus_ms(ms, MEMORYSTATUS_SUSTAINED_MS);
}

/* memorystatus_update_vm_pressure's start, when woken. */
static void start_round(struct memorystatus *ms, uint64_t now)
{
    struct notify_thread *nt = &ms->nt;
    if (nt->seen != MEMORYSTATUS_LEVEL_NORMAL) {
        nt->seen = ms->level;
        if (!rested(ms, now))
            return;
    }
    schedule_sustained(ms, now);
    nt->working = true;
    nt->resume_at = now;
    nt->smoothing = false;
}

/* memorystatus_bg_pressure_eligible, and what the candidate loop checks first. */
static bool may_hear(const struct memorystatus_proc *p, uint32_t note)
{
    if (p->killed || !(p->notes & note) || (p->states & MEMORYSTATUS_STATE_SUSPENDED) ||
        p->band < MEMORYSTATUS_BAND_BACKGROUND_OPPORTUNISTIC)
        return false;
    if (note == NOTE_MEMORYSTATUS_PRESSURE_NORMAL)
        return (p->notified & PRESSURE_NOTES) != 0;
    return !(p->notified & note);
}

/* vm_pressure_select_optimal_candidate_to_notify: importance is the band; on rising
 * pressure the least important first, else the most important; ties by the larger
 * footprint in whole MB, then the first met. */
static struct memorystatus_proc *choose(struct memorystatus *ms, enum memorystatus_level level)
{
    struct notify_thread *nt = &ms->nt;
    bool increase = nt->choice_level < 0 ||
                    (level != MEMORYSTATUS_LEVEL_NORMAL && (int)level >= nt->choice_level);
    nt->choice_level = (int)level;
    uint32_t note = memorystatus_level_note(level);
    uint64_t min_mb = ms->cfg.macos ? NOTIFY_MIN_MB_MACOS : MEMORYSTATUS_NOTIFY_MIN_BYTES >> 20;
    int selected = increase ? INT_MAX : 0;
    uint64_t max_mb = 0;
    struct memorystatus_proc *best = NULL;
    for (size_t i = 0; i < ms->n; i++) {
        struct memorystatus_proc *p = &ms->procs[i];
        uint64_t mb = memorystatus_footprint_bytes(ms, p) >> 20;
        if (!may_hear(p, note) || mb < min_mb)
            continue;
        bool better = increase ? p->band < selected : p->band > selected;
        if (better || (p->band == selected && mb > max_mb)) {
            best = p;
            selected = p->band;
            max_mb = mb;
        }
    }
    return best;
}

/* No wait between notes while the available pages are near the critical threshold. */
static uint64_t pause_after_note(const struct memorystatus *ms)
{
    if (ms->cfg.macos)
        return ms->cfg.notify_spacing;
    struct memorystatus_page_thresholds t =
        memorystatus_page_thresholds(ms->vm.total_pages, ms->cfg.page_size);
    bool near = memorystatus_available_pages(&ms->vm) <= memorystatus_backoff_pages(&t);
    return near ? 0 : ms->cfg.notify_spacing;
}

/* One turn of the thread's loop: a note, a wait, or the end of the round. */
static unsigned step(struct memorystatus *ms, uint64_t now)
{
    struct notify_thread *nt = &ms->nt;
    nt->seen = ms->level;
    if (nt->prev > nt->seen) {         /* pressure fell: see whether it stays down */
        if (!nt->smoothing) {
            nt->smoothing = true;
            nt->smoothing_since = now;
        }
        if (now - nt->smoothing_since < memorystatus_ms(ms, MEMORYSTATUS_SMOOTHING_MS)) {
            nt->resume_at = now + ms->cfg.notify_spacing;
            return 0;
        }
    }
    nt->prev = nt->seen;
    nt->smoothing = false;
    struct memorystatus_proc *p = choose(ms, nt->seen);
    if (!p) {
        nt->working = false;
        uint64_t rest_ends = now + memorystatus_ms(ms, MEMORYSTATUS_RESTING_MS);
        if (nt->seen == MEMORYSTATUS_LEVEL_WARNING)
            nt->next_warning_at = rest_ends;
        else if (nt->seen == MEMORYSTATUS_LEVEL_CRITICAL)
            nt->next_critical_at = rest_ends;
        return 0;
    }
    uint32_t note = memorystatus_level_note(nt->seen);
    p->notified = nt->seen == MEMORYSTATUS_LEVEL_NORMAL ? 0 : p->notified | note;
    nt->resume_at = now + pause_after_note(ms);
    send(ms, p, note);
    return MEMORYSTATUS_DID_NOTIFY;
}

unsigned memorystatus_pressure_thread(struct memorystatus *ms, bool woken, uint64_t now)
{
    if (woken && !ms->nt.working)
        start_round(ms, now);
    unsigned did = 0;
    while (ms->nt.working && now >= ms->nt.resume_at)
        did |= step(ms, now);
    return did;
}

uint64_t memorystatus_next_notify(const struct memorystatus *ms, uint64_t now)
{
    if (!ms->nt.working)
        return NEVER;
    return ms->nt.resume_at > now ? ms->nt.resume_at : now;
}
