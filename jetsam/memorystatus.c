/* jetsam/memorystatus.c — the process table: bands as ordered lists, states, limits,
 * usage. The policy is in jetsam/evaluate.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jetsam/memorystatus_impl.h"

#define FOOTPRINT_BYTES_MAX (1ull << 50)

static bool valid_band(int band)
{
    return band >= MEMORYSTATUS_BAND_IDLE && band <= MEMORYSTATUS_BAND_MAX;
}

struct memorystatus *memorystatus_create(const struct memorystatus_config *cfg)
{
    if (!cfg || !cfg->notify || !cfg->kill || cfg->page_size == 0 ||
        (cfg->page_size & (cfg->page_size - 1))) {
        errno = EINVAL;
        return NULL;
    }
    struct memorystatus *ms = calloc(1, sizeof *ms);
    if (!ms)
        return NULL;
    ms->cfg = *cfg;
    if (!ms->cfg.insns_per_ms)
        ms->cfg.insns_per_ms = MEMORYSTATUS_INSTRUCTIONS_PER_MS;
    if (!ms->cfg.epoch)
        ms->cfg.epoch = MEMORYSTATUS_REPORT_EPOCH;
    if (!ms->cfg.notify_spacing)
        ms->cfg.notify_spacing = memorystatus_ms(ms, MEMORYSTATUS_NOTIFY_SPACING_MS);
    ms->nt.choice_level = -1;
    ms->nt.next_warning_at = ms->nt.next_critical_at = NEVER;
    ms->sus.fires_at = NEVER;
    return ms;
}

void memorystatus_destroy(struct memorystatus *ms)
{
    if (!ms)
        return;
    free(ms->procs);
    free(ms);
}

static size_t index_of(const struct memorystatus *ms, int pid)
{
    for (size_t i = 0; i < ms->n; i++)
        if (ms->procs[i].pid == pid)
            return i;
    return SIZE_MAX;
}

struct memorystatus_proc *memorystatus_lookup(struct memorystatus *ms, int pid)
{
    size_t i = index_of(ms, pid);
    return i == SIZE_MAX ? NULL : &ms->procs[i];
}

const struct memorystatus_proc *memorystatus_find(const struct memorystatus *ms, int pid)
{
    return memorystatus_lookup((struct memorystatus *)ms, pid);
}

size_t memorystatus_count(const struct memorystatus *ms)
{
    return ms->n;
}

const struct memorystatus_proc *memorystatus_proc_at(const struct memorystatus *ms, size_t i)
{
    return i < ms->n ? &ms->procs[i] : NULL;
}

/* Puts *p at the tail of its band's list. Room for it must exist. */
static void insert_at_band_tail(struct memorystatus *ms, const struct memorystatus_proc *p)
{
    size_t at = 0;
    while (at < ms->n && ms->procs[at].band <= p->band)
        at++;
    memmove(&ms->procs[at + 1], &ms->procs[at], (ms->n - at) * sizeof *p);
    ms->procs[at] = *p;
    ms->n++;
    ms->generation++;
}

static void remove_at(struct memorystatus *ms, size_t i)
{
    memmove(&ms->procs[i], &ms->procs[i + 1], (ms->n - i - 1) * sizeof ms->procs[0]);
    ms->n--;
    ms->generation++;
}

static int reserve_one(struct memorystatus *ms)
{
    if (ms->n < ms->cap)
        return 0;
    size_t cap = ms->cap ? 2 * ms->cap : 16;
    struct memorystatus_proc *procs = realloc(ms->procs, cap * sizeof *procs);
    if (!procs)
        return -ENOMEM;
    ms->procs = procs;
    ms->cap = cap;
    return 0;
}

int memorystatus_add(struct memorystatus *ms, const struct memorystatus_spawn *s)
{
    if (!s || s->pid <= 0 || !s->name || !valid_band(s->band))
        return -EINVAL;
    if (index_of(ms, s->pid) != SIZE_MAX)
        return -EEXIST;
    if (reserve_one(ms) < 0)
        return -ENOMEM;
    struct memorystatus_proc p = {
        .pid = s->pid,
        .band = s->band,
        .coalition = s->coalition,
        .launch_time = s->launch_time,
        .band_since = s->launch_time,
    };
    strncpy(p.name, s->name, sizeof p.name - 1);
    insert_at_band_tail(ms, &p);
    return 0;
}

int memorystatus_remove(struct memorystatus *ms, int pid)
{
    size_t i = index_of(ms, pid);
    if (i == SIZE_MAX)
        return -ESRCH;
    remove_at(ms, i);
    return 0;
}

int memorystatus_set_band(struct memorystatus *ms, int pid, int band, uint64_t now)
{
    if (!valid_band(band))
        return -EINVAL;
    size_t i = index_of(ms, pid);
    if (i == SIZE_MAX)
        return -ESRCH;
    if (ms->procs[i].band == band)
        return 0;
    struct memorystatus_proc p = ms->procs[i];
    p.band = band;
    p.band_since = now;
    remove_at(ms, i);
    insert_at_band_tail(ms, &p);
    return 0;
}

int memorystatus_set_limits(struct memorystatus *ms, int pid, const struct memorystatus_limits *l)
{
    if (!l || l->active_mb > MEMORYSTATUS_LIMIT_MB_MAX ||
        l->inactive_mb > MEMORYSTATUS_LIMIT_MB_MAX)
        return -EINVAL;
    struct memorystatus_proc *p = memorystatus_lookup(ms, pid);
    if (!p)
        return -ESRCH;
    p->limits = *l;
    p->limit_state &= ~(MEMORYSTATUS_LIMIT_WARNED | MEMORYSTATUS_LIMIT_EXCEEDED);
    return 0;
}

int memorystatus_set_state(struct memorystatus *ms, int pid, unsigned states, uint64_t now)
{
    const unsigned known = MEMORYSTATUS_STATE_FRONTMOST | MEMORYSTATUS_STATE_SUSPENDED |
                           MEMORYSTATUS_STATE_IDLE;
    if (states & ~known)
        return -EINVAL;
    struct memorystatus_proc *p = memorystatus_lookup(ms, pid);
    if (!p)
        return -ESRCH;
    if ((states & MEMORYSTATUS_STATE_IDLE) && !(p->states & MEMORYSTATUS_STATE_IDLE))
        p->idle_since = now;
    p->states = states;
    return 0;
}

int memorystatus_set_notes(struct memorystatus *ms, int pid, uint32_t notes)
{
    if (notes & ~MEMORYSTATUS_NOTES_ALL)
        return -EINVAL;
    struct memorystatus_proc *p = memorystatus_lookup(ms, pid);
    if (!p)
        return -ESRCH;
    if (p->notes != notes)         /* a new registration: new knotes */
        p->limit_state &= MEMORYSTATUS_LIMIT_ACTIVE | MEMORYSTATUS_LIMIT_WARNED |
                          MEMORYSTATUS_LIMIT_EXCEEDED;
    p->notes = notes;
    return 0;
}

int memorystatus_update(struct memorystatus *ms, int pid, const struct memorystatus_usage *u)
{
    if (!u)
        return -EINVAL;
    struct memorystatus_proc *p = memorystatus_lookup(ms, pid);
    if (!p)
        return -ESRCH;
    p->usage = *u;
    if (u->footprint > p->lifetime_max)
        p->lifetime_max = u->footprint;
    return 0;
}

bool memorystatus_proc_is_active(const struct memorystatus_proc *p)
{
    if (p->states & MEMORYSTATUS_STATE_FRONTMOST)
        return true;
    return p->band >= MEMORYSTATUS_BAND_FOREGROUND &&
           !(p->states & (MEMORYSTATUS_STATE_IDLE | MEMORYSTATUS_STATE_SUSPENDED));
}

uint64_t memorystatus_footprint_bytes(const struct memorystatus *ms,
                                      const struct memorystatus_proc *p)
{
    uint64_t pages = p->usage.footprint;
    if (pages > FOOTPRINT_BYTES_MAX / ms->cfg.page_size)
        return FOOTPRINT_BYTES_MAX;
    return pages * ms->cfg.page_size;
}

/* The FOREGROUND band's bounds in procs. */
static size_t foreground_band(const struct memorystatus *ms, size_t *first)
{
    size_t i = 0;
    while (i < ms->n && ms->procs[i].band < MEMORYSTATUS_BAND_FOREGROUND)
        i++;
    size_t end = i;
    while (end < ms->n && ms->procs[end].band == MEMORYSTATUS_BAND_FOREGROUND)
        end++;
    *first = i;
    return end - i;
}

static uint64_t coalition_pages(const struct memorystatus *ms, uint64_t coalition)
{
    uint64_t pages = 0;
    for (size_t i = 0; i < ms->n; i++)
        if (ms->procs[i].coalition == coalition && !ms->procs[i].killed)
            pages += ms->procs[i].usage.footprint;
    return pages;
}

static bool is_leader(const struct memorystatus_proc *p)
{
    return p->coalition == (uint64_t)p->pid;
}

/* Moves order[at] to the front of order[0..at]. */
static void to_front(size_t *order, size_t at)
{
    size_t x = order[at];
    memmove(&order[1], &order[0], at * sizeof *order);
    order[0] = x;
}

static size_t position(const size_t *order, size_t n, size_t index)
{
    size_t k = 0;
    while (k < n && order[k] != index)
        k++;
    return k;
}

/* memorystatus_sort_by_largest_process_locked: largest first, stable. */
static void largest_first(const struct memorystatus *ms, size_t *order, size_t n)
{
    for (size_t k = 1; k < n; k++) {
        size_t x = order[k], j = k;
        for (; j > 0 && ms->procs[order[j - 1]].usage.footprint < ms->procs[x].usage.footprint; j--)
            order[j] = order[j - 1];
        order[j] = x;
    }
}

/* One coalition to the front, as memorystatus_move_list_locked does: the leader first,
 * then its members smallest to largest, so the largest member ends at the front and the
 * leader behind its members. */
static void coalition_to_front(const struct memorystatus *ms, size_t *order, size_t n,
                               size_t leader)
{
    to_front(order, position(order, n, leader));
    uint64_t coal = ms->procs[leader].coalition;
    size_t moved = 1;
    for (;;) {
        size_t pick = SIZE_MAX;
        for (size_t k = moved; k < n; k++) {
            const struct memorystatus_proc *p = &ms->procs[order[k]];
            if (p->coalition != coal || is_leader(p))
                continue;
            if (pick == SIZE_MAX || p->usage.footprint < ms->procs[order[pick]].usage.footprint)
                pick = k;
        }
        if (pick == SIZE_MAX)
            return;
        to_front(order, pick);
        moved++;
    }
}

size_t memorystatus_foreground_order(const struct memorystatus *ms, size_t *order, size_t *first)
{
    size_t n = foreground_band(ms, first);
    for (size_t k = 0; k < n; k++)
        order[k] = *first + k;
    /* The leaders, smallest coalition first (memstat_asc_cmp), list order on ties. */
    size_t leaders[n ? n : 1], nl = 0;
    for (size_t k = 0; k < n; k++)
        if (is_leader(&ms->procs[order[k]]))
            leaders[nl++] = order[k];
    for (size_t a = 1; a < nl; a++) {
        size_t x = leaders[a], b = a;
        uint64_t px = coalition_pages(ms, ms->procs[x].coalition);
        for (; b > 0 && coalition_pages(ms, ms->procs[leaders[b - 1]].coalition) > px; b--)
            leaders[b] = leaders[b - 1];
        leaders[b] = x;
    }
    if (nl == 0) {
        largest_first(ms, order, n);
        return n;
    }
    for (size_t a = 0; a < nl; a++)
        coalition_to_front(ms, order, n, leaders[a]);
    return n;
}

void memorystatus_sort_foreground(struct memorystatus *ms)
{
    size_t first, order[ms->n ? ms->n : 1];
    size_t n = memorystatus_foreground_order(ms, order, &first);
    if (n < 2)
        return;
    struct memorystatus_proc band[n];
    for (size_t k = 0; k < n; k++)
        band[k] = ms->procs[order[k]];
    memcpy(&ms->procs[first], band, n * sizeof *band);
}

uint64_t memorystatus_ms(const struct memorystatus *ms, uint64_t ms_count)
{
    uint64_t per = ms->cfg.insns_per_ms;
    return ms_count > UINT64_MAX / per ? UINT64_MAX : ms_count * per;
}

enum memorystatus_level memorystatus_level(const struct memorystatus *ms)
{
    return ms->level;
}

const struct memorystatus_vm *memorystatus_last_vm(const struct memorystatus *ms)
{
    return &ms->vm;
}

uint32_t memorystatus_page_size(const struct memorystatus *ms)
{
    return ms->cfg.page_size;
}
