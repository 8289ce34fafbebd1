/* jetsam/evaluate.c — one evaluation: the level, one kill, per-process limit notes, the
 * pressure thread's notes (the rules are in jetsam/memorystatus.h; notes in notify.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "jetsam/jetsam_report.h"
#include "jetsam/memorystatus_impl.h"

/* ---- the limit in force --------------------------------------------------------------- */

static bool over_limit(const struct memorystatus *ms, const struct memorystatus_proc *p,
                       bool fatal)
{
    const struct memorystatus_limits *l = &p->limits;
    bool active = memorystatus_proc_is_active(p);
    uint64_t bytes = (uint64_t)(active ? l->active_mb : l->inactive_mb) << 20;
    bool is_fatal = active ? l->active_fatal : l->inactive_fatal;
    return bytes && is_fatal == fatal && memorystatus_footprint_bytes(ms, p) > bytes;
}

/* ---- level ------------------------------------------------------------------------------ */

/* The level, and whether the pressure thread is woken (a change, or a stuck level). */
static unsigned update_level(struct memorystatus *ms, uint64_t now, bool *wake)
{
    enum memorystatus_level from = ms->level;
    enum memorystatus_level to = memorystatus_level_next(from, &ms->vm);
    ms->level = to;
    *wake = memorystatus_level_wakes(ms, from, now);
    if (to == from)
        return 0;
    if (ms->cfg.level_changed)
        ms->cfg.level_changed(ms->cfg.ctx, from, to);
    return MEMORYSTATUS_DID_LEVEL;
}

/* ---- whom the rules pick ------------------------------------------------------------------ */

/* memorystatus_health_check: what the memorystatus thread sees. */
struct health {
    uint64_t available;
    struct memorystatus_page_thresholds t;
    bool below_soft, below_idle, below_critical, below_reaper;
    bool exhausted, compressor_thrashing, filecache_thrashing;
    bool healthy;
};

static struct health health_of(const struct memorystatus *ms, const struct memorystatus_vm *vm)
{
    struct health h = {
        .available = memorystatus_available_pages(vm),
        .t = memorystatus_page_thresholds(vm->total_pages, ms->cfg.page_size),
        .exhausted = vm->compressor_low_on_space,
    };
    if (ms->cfg.macos) {
        h.healthy = !h.exhausted;
        return h;
    }
    h.below_soft = h.available < h.t.soft;
    h.below_idle = h.available < h.t.idle;
    h.below_critical = h.available < h.t.critical;
    h.below_reaper = h.available < h.t.reaper;
    h.compressor_thrashing = vm->compressor_thrashing;
    h.filecache_thrashing = vm->filecache_thrashing &&
                            !(h.compressor_thrashing && h.exhausted);
    h.healthy = !(h.below_critical || h.compressor_thrashing || h.exhausted ||
                  h.filecache_thrashing);
    return h;
}

typedef bool (*want_fn)(const struct memorystatus *, const struct memorystatus_proc *,
                        uint64_t now);

/* The first live process, lowest band first, head of its band first, that `want` accepts. */
static const struct memorystatus_proc *first_live(const struct memorystatus *ms, want_fn want,
                                                  uint64_t now)
{
    for (size_t i = 0; i < ms->n; i++)
        if (!ms->procs[i].killed && want(ms, &ms->procs[i], now))
            return &ms->procs[i];
    return NULL;
}

static bool over_fatal_limit(const struct memorystatus *ms, const struct memorystatus_proc *p,
                             uint64_t now)
{
    (void)now;
    return over_limit(ms, p, true);
}

static bool over_soft_limit(const struct memorystatus *ms, const struct memorystatus_proc *p,
                            uint64_t now)
{
    (void)now;
    return over_limit(ms, p, false);
}

static bool in_idle_band(const struct memorystatus *ms, const struct memorystatus_proc *p,
                         uint64_t now)
{
    (void)ms;
    (void)now;
    return p->band == MEMORYSTATUS_BAND_IDLE;
}

/* _memstat_proc_is_reapable: in the IDLE band for the reaper's minimum age (no relaunch
 * probability is known here, which XNU's default mask accepts). */
static bool reapable(const struct memorystatus *ms, const struct memorystatus_proc *p,
                     uint64_t now)
{
    return p->band == MEMORYSTATUS_BAND_IDLE && now >= p->band_since &&
           now - p->band_since >= memorystatus_ms(ms, MEMORYSTATUS_REAPER_AGE_MS);
}

/* memorystatus_kill_top_process: the first live process in kill order, the FOREGROUND
 * band in memorystatus_sort_bucket's order; found without moving anything. */
static const struct memorystatus_proc *top_process(const struct memorystatus *ms)
{
    size_t first, order[ms->n ? ms->n : 1];
    size_t nfg = memorystatus_foreground_order(ms, order, &first);
    for (size_t i = 0; i < ms->n; i++) {
        size_t at = i >= first && i < first + nfg ? order[i - first] : i;
        if (!ms->procs[at].killed)
            return &ms->procs[at];
    }
    return NULL;
}

/* memorystatus_pick_kill_cause on iOS. */
static enum memorystatus_cause unhealthy_cause(const struct health *h)
{
    if (h->compressor_thrashing)
        return MEMORYSTATUS_CAUSE_VM_COMPRESSOR_THRASHING;
    if (h->exhausted)
        return MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE;
    if (h->filecache_thrashing)
        return MEMORYSTATUS_CAUSE_FC_THRASHING;
    return MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE;
}

/* The reaper's side of memstat_evaluate_page_shortage: a sweep starts below the reaper
 * threshold once the rescan delay has passed and some process is old enough. */
static bool reaper_sweeping(const struct memorystatus *ms, const struct health *h, uint64_t now)
{
    if (ms->reaper_sweeping)
        return true;
    return h->below_reaper && now >= ms->reaper_after && first_live(ms, reapable, now);
}

struct pick {
    const struct memorystatus_proc *victim;
    enum memorystatus_cause cause;
    bool top;                      /* a top-process kill: the FOREGROUND band is sorted */
    bool sweep_ends;               /* the reaper found nobody: its sweep is over */
};

/* memorystatus_pick_action with CONFIG_JETSAM, then the sustained-pressure kills. */
static struct pick pick_ios(const struct memorystatus *ms, const struct health *h, uint64_t now)
{
    struct pick k = { 0 };
    if (h->below_soft || !h->healthy) {
        if (h->exhausted)
            return (struct pick){ top_process(ms), MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE, true, false };
        if ((k.victim = first_live(ms, over_soft_limit, now))) {
            k.cause = MEMORYSTATUS_CAUSE_HIGHWATER;
            return k;
        }
    }
    if (h->below_idle && h->healthy && (k.victim = first_live(ms, in_idle_band, now))) {
        k.cause = MEMORYSTATUS_CAUSE_IDLE_EXIT;
        return k;
    }
    if (h->healthy && reaper_sweeping(ms, h, now)) {
        k.cause = MEMORYSTATUS_CAUSE_LONG_IDLE_EXIT;
        k.victim = first_live(ms, reapable, now);
        k.sweep_ends = !k.victim;
        if (k.victim)
            return k;
    }
    if (!h->healthy)
        return (struct pick){ top_process(ms), unhealthy_cause(h), true, k.sweep_ends };
    const struct sustained *s = &ms->sus;
    if (s->killing && now >= s->next_kill && s->kills_left && ms->level != MEMORYSTATUS_LEVEL_NORMAL &&
        (k.victim = first_live(ms, in_idle_band, now)))
        k.cause = MEMORYSTATUS_CAUSE_SUSTAINED_PRESSURE;
    return k;
}

/* memorystatus_pick_action without CONFIG_JETSAM, and the pressure thread's idle exits. */
static struct pick pick_macos(const struct memorystatus *ms, const struct health *h,
                              uint64_t now)
{
    struct pick k = { 0 };
    if (!h->healthy) {
        if ((k.victim = first_live(ms, over_soft_limit, now))) {
            k.cause = MEMORYSTATUS_CAUSE_HIGHWATER;
            return k;
        }
        return (struct pick){ top_process(ms), MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE, true, false };
    }
    if (ms->level != MEMORYSTATUS_LEVEL_NORMAL && now >= ms->macos_idle_next &&
        (k.victim = first_live(ms, in_idle_band, now)))
        k.cause = MEMORYSTATUS_CAUSE_IDLE_EXIT;
    return k;
}

static struct pick pick_victim(const struct memorystatus *ms, const struct memorystatus_vm *vm,
                               uint64_t now)
{
    struct pick k = { first_live(ms, over_fatal_limit, now), MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT,
                      false, false };
    if (k.victim)
        return k;
    struct health h = health_of(ms, vm);
    k = ms->cfg.macos ? pick_macos(ms, &h, now) : pick_ios(ms, &h, now);
    if (!k.victim)
        k.cause = MEMORYSTATUS_CAUSE_NONE;
    return k;
}

const struct memorystatus_proc *memorystatus_next_victim(const struct memorystatus *ms,
                                                         const struct memorystatus_vm *vm,
                                                         uint64_t now,
                                                         enum memorystatus_cause *cause)
{
    struct pick k = pick_victim(ms, vm, now);
    *cause = k.cause;
    return k.victim;
}

/* ---- the kill ------------------------------------------------------------------------------- */

static void save_report(struct memorystatus *ms, struct memorystatus_kill *k)
{
    if (!ms->cfg.save_report)
        return;
    char name[MEMORYSTATUS_NAME_MAX + 32];
    jetsam_report_name(ms, k, name, sizeof name);
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

/* What a kill of this cause does to the timers that chose it. */
static void account_kill(struct memorystatus *ms, enum memorystatus_cause cause, uint64_t now)
{
    if (cause == MEMORYSTATUS_CAUSE_SUSTAINED_PRESSURE) {
        ms->sus.kills_left--;
        ms->sus.next_kill = now + memorystatus_ms(ms, MEMORYSTATUS_SUSTAINED_DELAY_MS);
    } else if (cause == MEMORYSTATUS_CAUSE_IDLE_EXIT && ms->cfg.macos) {
        ms->macos_idle_next = now + memorystatus_ms(ms, MEMORYSTATUS_MACOS_IDLE_EXIT_MS);
    } else if (cause == MEMORYSTATUS_CAUSE_LONG_IDLE_EXIT) {
        ms->reaper_sweeping = true;
    }
}

static void end_sweep(struct memorystatus *ms, uint64_t now)
{
    ms->reaper_sweeping = false;
    ms->reaper_after = now + memorystatus_ms(ms, MEMORYSTATUS_REAPER_RESCAN_MS);
}

/* The sustained-pressure thread call fires: its loop may kill twice the IDLE band. */
static void sustained_timer(struct memorystatus *ms, uint64_t now)
{
    struct sustained *s = &ms->sus;
    if (s->fires_at != NEVER && now >= s->fires_at) {
        s->fires_at = NEVER;
        s->killing = true;
        s->next_kill = now;
        s->kills_left = 0;
        for (size_t i = 0; i < ms->n; i++)
            s->kills_left += 2 * (!ms->procs[i].killed && ms->procs[i].band == MEMORYSTATUS_BAND_IDLE);
    }
    if (s->killing && now >= s->next_kill &&
        (!s->kills_left || ms->level == MEMORYSTATUS_LEVEL_NORMAL ||
         !first_live(ms, in_idle_band, now)))
        s->killing = false;
}

static unsigned kill_one(struct memorystatus *ms, uint64_t now)
{
    sustained_timer(ms, now);
    struct pick k = pick_victim(ms, &ms->vm, now);
    if (k.sweep_ends)
        end_sweep(ms, now);
    if (!k.victim) {
        ms->kill_round = false;
        return 0;
    }
    if (k.top) {
        int pid = k.victim->pid;
        memorystatus_sort_foreground(ms);        /* the table in the order it kills */
        k.victim = memorystatus_find(ms, pid);
    }
    struct memorystatus_proc *p = &ms->procs[k.victim - ms->procs];
    if (!ms->kill_round) {
        ms->kill_round = true;
        ms->kill_round_start = now;
    }
    p->killed = k.cause;
    account_kill(ms, k.cause, now);
    struct memorystatus_kill kill = {
        .pid = p->pid,
        .band = p->band,
        .cause = k.cause,
        .footprint = p->usage.footprint,
        .now = now,
        .round_start = ms->kill_round_start,
        .seq = ++ms->kills,
        .previous_report = ms->last_report,
    };
    snprintf(kill.name, sizeof kill.name, "%s", p->name);
    save_report(ms, &kill);
    ms->last_report = now;
    ms->cfg.kill(ms->cfg.ctx, &kill);
    return MEMORYSTATUS_DID_KILL;
}

unsigned memorystatus_evaluate(struct memorystatus *ms, const struct memorystatus_vm *vm,
                               uint64_t now)
{
    ms->vm = *vm;
    bool wake;
    unsigned did = update_level(ms, now, &wake);
    did |= kill_one(ms, now);
    did |= memorystatus_send_limit_notes(ms);
    return did | memorystatus_pressure_thread(ms, wake, now);
}

/* The next time a timer of the kill rules wants an evaluation (the reaper's only while the
 * last counters were under its threshold: memory moving wakes the table anyway). */
static uint64_t next_kill_timer(const struct memorystatus *ms, uint64_t now)
{
    uint64_t t = ms->sus.fires_at;
    if (ms->sus.killing && ms->sus.next_kill < t)
        t = ms->sus.next_kill;
    if (ms->cfg.macos && ms->level != MEMORYSTATUS_LEVEL_NORMAL && ms->macos_idle_next > now &&
        ms->macos_idle_next < t && first_live(ms, in_idle_band, now))
        t = ms->macos_idle_next;
    struct health h = health_of(ms, &ms->vm);
    uint64_t age = memorystatus_ms(ms, MEMORYSTATUS_REAPER_AGE_MS);
    for (size_t i = 0; h.below_reaper && i < ms->n; i++) {
        const struct memorystatus_proc *p = &ms->procs[i];
        if (p->killed || p->band != MEMORYSTATUS_BAND_IDLE || p->band_since > UINT64_MAX - age)
            continue;
        uint64_t ripe = p->band_since + age;
        if (ripe < ms->reaper_after)
            ripe = ms->reaper_after;
        if (ripe > now && ripe < t)
            t = ripe;
    }
    return t;
}

uint64_t memorystatus_next_timer(const struct memorystatus *ms, uint64_t now)
{
    uint64_t t = memorystatus_next_notify(ms, now), k = next_kill_timer(ms, now);
    t = k < t ? k : t;
    return t == NEVER || t > now ? t : now;
}
