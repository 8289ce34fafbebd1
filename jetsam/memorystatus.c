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
    if (!ms->cfg.notify_spacing)
        ms->cfg.notify_spacing = MEMORYSTATUS_NOTIFY_SPACING_DEFAULT;
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

int memorystatus_set_band(struct memorystatus *ms, int pid, int band)
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
    p->limit_notes_sent = 0;
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

void memorystatus_sort_foreground(struct memorystatus *ms)
{
    size_t first = 0;
    while (first < ms->n && ms->procs[first].band < MEMORYSTATUS_BAND_FOREGROUND)
        first++;
    size_t end = first;
    while (end < ms->n && ms->procs[end].band == MEMORYSTATUS_BAND_FOREGROUND)
        end++;
    for (size_t i = first + 1; i < end; i++) {
        struct memorystatus_proc p = ms->procs[i];
        size_t j = i;
        for (; j > first && ms->procs[j - 1].usage.footprint < p.usage.footprint; j--)
            ms->procs[j] = ms->procs[j - 1];
        ms->procs[j] = p;
    }
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
