/* jetsam/evaluate.c — one evaluation: the level, one kill, per-process limit notes, one
 * pressure note (the rules are in jetsam/memorystatus.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "jetsam/jetsam_report.h"
#include "jetsam/memorystatus_impl.h"

#define SENT_WARN      0x1u
#define SENT_CRITICAL  0x2u
#define PRESSURE_NOTES (NOTE_MEMORYSTATUS_PRESSURE_WARN | NOTE_MEMORYSTATUS_PRESSURE_CRITICAL)

/* ---- the limit in force --------------------------------------------------------------- */

struct limit {
    uint64_t bytes;                /* 0: none */
    bool fatal;
    unsigned shift;                /* of its bits in limit_notes_sent */
};

static struct limit limit_in_force(const struct memorystatus_proc *p)
{
    const struct memorystatus_limits *l = &p->limits;
    if (memorystatus_proc_is_active(p))
        return (struct limit){ (uint64_t)l->active_mb << 20, l->active_fatal, 0 };
    return (struct limit){ (uint64_t)l->inactive_mb << 20, l->inactive_fatal, 2 };
}

static bool over_limit(const struct memorystatus *ms, const struct memorystatus_proc *p,
                       bool fatal)
{
    struct limit l = limit_in_force(p);
    return l.bytes && l.fatal == fatal && memorystatus_footprint_bytes(ms, p) > l.bytes;
}

/* ---- level ------------------------------------------------------------------------------ */

static unsigned update_level(struct memorystatus *ms)
{
    enum memorystatus_level from = ms->level;
    enum memorystatus_level to = memorystatus_level_next(from, &ms->vm);
    if (to == from)
        return 0;
    ms->level = to;
    ms->falling = to < from;
    if (ms->cfg.level_changed)
        ms->cfg.level_changed(ms->cfg.ctx, from, to);
    return MEMORYSTATUS_DID_LEVEL;
}

/* ---- per-process limit notes --------------------------------------------------------- */

/* The PROC_LIMIT note p has earned and not had yet (marked as sent), or 0. */
static uint32_t take_limit_note(struct memorystatus *ms, struct memorystatus_proc *p)
{
    struct limit l = limit_in_force(p);
    if (p->killed || !l.bytes)
        return 0;
    uint64_t bytes = memorystatus_footprint_bytes(ms, p);
    unsigned sent = (p->limit_notes_sent >> l.shift) & (SENT_WARN | SENT_CRITICAL);
    if (bytes > l.bytes) {
        if (l.fatal || (sent & SENT_CRITICAL))
            return 0;
        p->limit_notes_sent |= (SENT_WARN | SENT_CRITICAL) << l.shift;
        return NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL;
    }
    if ((sent & SENT_WARN) || bytes * 100 <= l.bytes * MEMORYSTATUS_LIMIT_WARN_PERCENT)
        return 0;
    p->limit_notes_sent |= SENT_WARN << l.shift;
    return NOTE_MEMORYSTATUS_PROC_LIMIT_WARN;
}

uint64_t memorystatus_limit_line(const struct memorystatus *ms, const struct memorystatus_proc *p)
{
    struct limit l = limit_in_force(p);
    unsigned sent = (p->limit_notes_sent >> l.shift) & (SENT_WARN | SENT_CRITICAL);
    if (p->killed || !l.bytes)
        return UINT64_MAX;
    if (!(sent & SENT_WARN))
        return l.bytes * MEMORYSTATUS_LIMIT_WARN_PERCENT / (100ull * ms->cfg.page_size);
    if (l.fatal || !(sent & SENT_CRITICAL))
        return l.bytes / ms->cfg.page_size;
    return UINT64_MAX;
}

static unsigned send_limit_notes(struct memorystatus *ms)
{
    unsigned did = 0;
    size_t i = 0;
    while (i < ms->n) {
        struct memorystatus_proc *p = &ms->procs[i++];
        uint32_t note = take_limit_note(ms, p);
        if (!(note & p->notes))
            continue;
        uint64_t generation = ms->generation;
        ms->cfg.notify(ms->cfg.ctx, p->pid, note);
        did = MEMORYSTATUS_DID_LIMIT;
        if (ms->generation != generation)
            i = 0;         /* the table changed under us; what was sent stays marked */
    }
    return did;
}

/* ---- pressure notes ------------------------------------------------------------------- */

static bool is_pressure_candidate(const struct memorystatus *ms,
                                  const struct memorystatus_proc *p, uint32_t note)
{
    if (p->killed || !(p->notes & note) || p->notified == note)
        return false;
    if (ms->level == MEMORYSTATUS_LEVEL_NORMAL)
        return (p->notified & PRESSURE_NOTES) != 0;
    return memorystatus_footprint_bytes(ms, p) >= MEMORYSTATUS_NOTIFY_MIN_BYTES;
}

/* Rising: the least important first; falling: the most important first; then the
 * largest footprint; then list order (the first found). */
static bool notify_before(const struct memorystatus *ms, const struct memorystatus_proc *a,
                          const struct memorystatus_proc *b)
{
    if (a->band != b->band)
        return ms->falling ? a->band > b->band : a->band < b->band;
    return a->usage.footprint > b->usage.footprint;
}

static struct memorystatus_proc *pressure_candidate(const struct memorystatus *ms)
{
    uint32_t note = memorystatus_level_note(ms->level);
    struct memorystatus_proc *best = NULL;
    for (size_t i = 0; i < ms->n; i++) {
        struct memorystatus_proc *p = &ms->procs[i];
        if (is_pressure_candidate(ms, p, note) && (!best || notify_before(ms, p, best)))
            best = p;
    }
    return best;
}

/* The earliest time the next pressure note may go out. */
static uint64_t spacing_ends(const struct memorystatus *ms)
{
    if (!ms->notified_once)
        return 0;
    uint64_t due = ms->last_notify + ms->cfg.notify_spacing;
    return due < ms->last_notify ? UINT64_MAX : due;
}

uint64_t memorystatus_next_notify(const struct memorystatus *ms, uint64_t now)
{
    if (!pressure_candidate(ms))
        return UINT64_MAX;
    uint64_t due = spacing_ends(ms);
    return due > now ? due : now;
}

static unsigned send_pressure_note(struct memorystatus *ms, uint64_t now)
{
    struct memorystatus_proc *p = pressure_candidate(ms);
    if (!p || spacing_ends(ms) > now)
        return 0;
    p->notified = memorystatus_level_note(ms->level);
    ms->notified_once = true;
    ms->last_notify = now;
    ms->cfg.notify(ms->cfg.ctx, p->pid, p->notified);
    return MEMORYSTATUS_DID_NOTIFY;
}

/* ---- kills ------------------------------------------------------------------------------- */

/* The first live process (lowest band, head of its band) that `want` accepts. */
static const struct memorystatus_proc *first_live(const struct memorystatus *ms,
                                                  bool (*want)(const struct memorystatus *,
                                                               const struct memorystatus_proc *))
{
    for (size_t i = 0; i < ms->n; i++)
        if (!ms->procs[i].killed && want(ms, &ms->procs[i]))
            return &ms->procs[i];
    return NULL;
}

static bool over_fatal_limit(const struct memorystatus *ms, const struct memorystatus_proc *p)
{
    return over_limit(ms, p, true);
}

static bool over_soft_limit(const struct memorystatus *ms, const struct memorystatus_proc *p)
{
    return over_limit(ms, p, false);
}

static bool any_process(const struct memorystatus *ms, const struct memorystatus_proc *p)
{
    (void)ms;
    (void)p;
    return true;
}

static bool in_idle_band(const struct memorystatus *ms, const struct memorystatus_proc *p)
{
    (void)ms;
    return p->band == MEMORYSTATUS_BAND_IDLE;
}

/* The first live process in kill order, where FOREGROUND goes largest first: what
 * memorystatus_sort_foreground() then first_live() give, without moving anything. */
static const struct memorystatus_proc *top_of_kill_order(const struct memorystatus *ms)
{
    const struct memorystatus_proc *p = first_live(ms, any_process), *q;
    if (!p || p->band != MEMORYSTATUS_BAND_FOREGROUND)
        return p;
    for (q = p + 1; q < ms->procs + ms->n && q->band == MEMORYSTATUS_BAND_FOREGROUND; q++)
        if (!q->killed && q->usage.footprint > p->usage.footprint)
            p = q;
    return p;
}

/* Who dies first at this level with these counters, and why; NULL: nobody. */
static const struct memorystatus_proc *choose_victim(const struct memorystatus *ms,
                                                     enum memorystatus_level level,
                                                     const struct memorystatus_vm *vm,
                                                     enum memorystatus_cause *cause)
{
    uint64_t avail = memorystatus_available_pages(vm);
    bool pressure = level >= MEMORYSTATUS_LEVEL_WARNING ||
                    avail < memorystatus_pressure_pages(vm->total_pages);
    bool shortage = ms->cfg.macos ? vm->compressor_low_on_space
                                  : level == MEMORYSTATUS_LEVEL_CRITICAL ||
                                    avail < memorystatus_critical_pages(vm->total_pages);
    const struct memorystatus_proc *p;
    if ((p = first_live(ms, over_fatal_limit))) {
        *cause = MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT;
        return p;
    }
    if (pressure && (p = first_live(ms, over_soft_limit))) {
        *cause = MEMORYSTATUS_CAUSE_HIGHWATER;
        return p;
    }
    if (shortage) {
        *cause = vm->compressor_low_on_space ? MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE
                                             : MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE;
        return top_of_kill_order(ms);
    }
    *cause = MEMORYSTATUS_CAUSE_IDLE_EXIT;
    return avail < memorystatus_idle_pages(vm->total_pages) ? first_live(ms, in_idle_band) : NULL;
}

const struct memorystatus_proc *memorystatus_next_victim(const struct memorystatus *ms,
                                                         const struct memorystatus_vm *vm,
                                                         enum memorystatus_cause *cause)
{
    return choose_victim(ms, memorystatus_level_next(ms->level, vm), vm, cause);
}

static void save_report(struct memorystatus *ms, struct memorystatus_kill *k)
{
    if (!ms->cfg.save_report)
        return;
    char name[MEMORYSTATUS_NAME_MAX + 32];
    jetsam_report_name(k, name, sizeof name);
    char *text = jetsam_report_text(ms, k);
    int rc = text ? ms->cfg.save_report(ms->cfg.ctx, name, text, ms->report_path,
                                        sizeof ms->report_path, ms->report_error,
                                        sizeof ms->report_error)
                  : -ENOMEM;
    if (!text)
        snprintf(ms->report_error, sizeof ms->report_error, "out of memory for the report");
    free(text);
    if (rc == 0)
        k->report = ms->report_path;
    else
        k->report_error = ms->report_error;
}

static unsigned kill_one(struct memorystatus *ms, uint64_t now)
{
    enum memorystatus_cause cause;
    const struct memorystatus_proc *victim = choose_victim(ms, ms->level, &ms->vm, &cause);
    if (!victim) {
        ms->kill_round = false;
        return 0;
    }
    if (cause == MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE ||
        cause == MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE) {
        int pid = victim->pid;
        memorystatus_sort_foreground(ms);        /* the table in the order it kills */
        victim = memorystatus_find(ms, pid);
    }
    struct memorystatus_proc *p = &ms->procs[victim - ms->procs];
    if (!ms->kill_round) {
        ms->kill_round = true;
        ms->kill_round_start = now;
    }
    p->killed = cause;
    struct memorystatus_kill k = {
        .pid = p->pid,
        .band = p->band,
        .cause = cause,
        .footprint = p->usage.footprint,
        .now = now,
        .round_start = ms->kill_round_start,
        .seq = ++ms->kills,
    };
    snprintf(k.name, sizeof k.name, "%s", p->name);
    save_report(ms, &k);
    ms->cfg.kill(ms->cfg.ctx, &k);
    return MEMORYSTATUS_DID_KILL;
}

unsigned memorystatus_evaluate(struct memorystatus *ms, const struct memorystatus_vm *vm,
                               uint64_t now)
{
    ms->vm = *vm;
    unsigned did = update_level(ms);
    did |= kill_one(ms, now);
    did |= send_limit_notes(ms);
    return did | send_pressure_note(ms, now);
}
