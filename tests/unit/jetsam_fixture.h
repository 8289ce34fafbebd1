/* tests/unit/jetsam_fixture.h — a memorystatus table whose callbacks record what they are
 * told (notes, kills, level changes), with helpers for processes and synthetic counters.
 * Included by one test file each (the state is static). */
#ifndef TESTS_JETSAM_FIXTURE_H
#define TESTS_JETSAM_FIXTURE_H

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jetsam/memorystatus.h"

#define PAGE 16384u
#define MB(n) ((uint64_t)(n) * 64)      /* pages of 16 KB */
#define MS 1u                           /* instructions in an XNU millisecond (insns_per_ms) */
#define SPACING (250u * MS)             /* between two pressure notes: XNU's 250 ms */
#define SECONDS(n) ((uint64_t)(n) * 1000 * MS)
#define TOTAL 10000u                    /* RAM pages: critical 500, idle 1000, soft 1500,
                                           reaper 2000; notes unspaced at 1000 or less */
#define MAX_EVENTS 128

struct event {
    char kind;                          /* 'n' note, 'k' kill, 'l' level change */
    int pid;
    uint32_t note;
    struct memorystatus_kill kill;
    char report[PATH_MAX];         /* where save_report said it went */
    char report_error[PATH_MAX + 64];
    char *report_text;             /* what it was given (fx_create(true, ...) only) */
    enum memorystatus_level from, to;
    size_t count_after;                 /* processes in the table after the callback */
};

static struct {
    struct memorystatus *ms;
    struct event ev[MAX_EVENTS];
    size_t n;
    bool remove_on_kill;                /* the kill callback removes the victim */
    int remove_also;                    /* and this pid too, once (0: none) */
    int remove_on_note;                 /* the notify callback removes this pid, once */
    int save_fails;                     /* save_report answers this -errno (0: saves) */
    char *saved;                        /* the text of the report being saved */
} fx;

static inline struct event *record(char kind)
{
    ck_assert_uint_lt(fx.n, MAX_EVENTS);
    struct event *e = &fx.ev[fx.n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

static inline void remove_once(int *pid)
{
    if (*pid) {
        ck_assert_int_eq(memorystatus_remove(fx.ms, *pid), 0);
        *pid = 0;
    }
}

static inline void fx_notify(void *ctx, int pid, uint32_t note)
{
    ck_assert_ptr_eq(ctx, &fx);
    struct event *e = record('n');
    e->pid = pid;
    e->note = note;
    remove_once(&fx.remove_on_note);
    e->count_after = memorystatus_count(fx.ms);
}

static inline void fx_kill(void *ctx, const struct memorystatus_kill *k)
{
    ck_assert_ptr_eq(ctx, &fx);
    struct event *e = record('k');
    e->pid = k->pid;
    e->kill = *k;
    if (k->report)
        snprintf(e->report, sizeof e->report, "%s", k->report);
    if (k->report_error)
        snprintf(e->report_error, sizeof e->report_error, "%s", k->report_error);
    e->report_text = fx.saved;
    fx.saved = NULL;
    if (fx.remove_on_kill)
        ck_assert_int_eq(memorystatus_remove(fx.ms, k->pid), 0);
    remove_once(&fx.remove_also);
    /* What the callback was given stays readable after the removals. */
    ck_assert_int_eq(k->pid, e->pid);
    ck_assert_str_eq(k->name, e->kill.name);
    e->count_after = memorystatus_count(fx.ms);
}

static inline void fx_level(void *ctx, enum memorystatus_level from, enum memorystatus_level to)
{
    ck_assert_ptr_eq(ctx, &fx);
    struct event *e = record('l');
    e->from = from;
    e->to = to;
}

/* Keeps the report in memory; its "place" is reports/NAME. */
static inline int fx_save_report(void *ctx, const char *name, const char *text, char *where,
                                 size_t wherelen, char *err, size_t errlen)
{
    ck_assert_ptr_eq(ctx, &fx);
    ck_assert_ptr_null(fx.saved);
    if (fx.save_fails) {
        snprintf(err, errlen, "reports: %s: %s", name, strerror(-fx.save_fails));
        return fx.save_fails;
    }
    fx.saved = strdup(text);
    ck_assert_ptr_nonnull(fx.saved);
    snprintf(where, wherelen, "reports/%s", name);
    return 0;
}

static inline void fx_create_for(bool reports, uint64_t spacing, bool macos)
{
    memset(&fx, 0, sizeof fx);
    struct memorystatus_config cfg = {
        .page_size = PAGE,
        .insns_per_ms = MS,
        .notify_spacing = spacing,
        .save_report = reports ? fx_save_report : NULL,
        .ctx = &fx,
        .notify = fx_notify,
        .kill = fx_kill,
        .level_changed = fx_level,
        .macos = macos,
    };
    fx.ms = memorystatus_create(&cfg);
    ck_assert_ptr_nonnull(fx.ms);
}

static inline void fx_create(bool reports, uint64_t spacing)
{
    fx_create_for(reports, spacing, false);
}

static inline void setup(void)
{
    fx_create(false, SPACING);
}

static inline void teardown(void)
{
    memorystatus_destroy(fx.ms);
    fx.ms = NULL;
    for (size_t i = 0; i < fx.n; i++)
        free(fx.ev[i].report_text);
}

static inline void set_footprint(int pid, uint64_t pages)
{
    struct memorystatus_usage u = { .footprint = pages };
    ck_assert_int_eq(memorystatus_update(fx.ms, pid, &u), 0);
}

/* A process listening for every note, with a footprint, launched at 0. */
static inline void spawn(int pid, const char *name, int band, uint64_t pages)
{
    struct memorystatus_spawn s = { .pid = pid, .name = name, .band = band };
    ck_assert_int_eq(memorystatus_add(fx.ms, &s), 0);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, pid, MEMORYSTATUS_NOTES_ALL), 0);
    set_footprint(pid, pages);
}

static inline void set_limit(int pid, uint32_t active_mb, bool active_fatal, uint32_t inactive_mb,
                      bool inactive_fatal)
{
    struct memorystatus_limits l = { active_mb, inactive_mb, active_fatal, inactive_fatal };
    ck_assert_int_eq(memorystatus_set_limits(fx.ms, pid, &l), 0);
}

/* Counters with `nc` non-compressed pages (all active) and `frames` compressor frames,
 * and 4000 available pages (file-backed): healthy, so only the level matters. */
static inline struct memorystatus_vm vm_at(uint64_t nc, uint64_t frames)
{
    return (struct memorystatus_vm){
        .active = nc, .compressor_frames = frames, .file_backed = 4000, .total_pages = TOTAL,
    };
}

/* Normal level (plenty uncompressed) with `avail` available pages (all free). */
static inline struct memorystatus_vm vm_avail(uint64_t avail)
{
    return (struct memorystatus_vm){ .active = TOTAL, .free = avail, .total_pages = TOTAL };
}

static inline struct memorystatus_vm calm(void)
{
    return vm_at(TOTAL, 0);
}

static const struct memorystatus_vm warning_vm = {
    .active = 450, .compressor_frames = 550, .file_backed = 4000, .total_pages = TOTAL,
};
static const struct memorystatus_vm critical_vm = {
    .active = 250, .compressor_frames = 750, .file_backed = 4000, .total_pages = TOTAL,
};

static inline void expect_event(size_t i, char kind, int pid)
{
    ck_assert_uint_lt(i, fx.n);
    ck_assert_int_eq(fx.ev[i].kind, kind);
    ck_assert_int_eq(fx.ev[i].pid, pid);
}

static inline void expect_note(size_t i, int pid, uint32_t note)
{
    expect_event(i, 'n', pid);
    ck_assert_uint_eq(fx.ev[i].note, note);
}

static inline void expect_kill(size_t i, int pid, enum memorystatus_cause cause)
{
    expect_event(i, 'k', pid);
    ck_assert_int_eq(fx.ev[i].kill.cause, cause);
}

/* The event index of the k-th kill. */
static inline size_t kill_event(size_t k)
{
    for (size_t i = 0; i < fx.n; i++)
        if (fx.ev[i].kind == 'k' && k-- == 0)
            return i;
    ck_abort_msg("fewer kills than expected");
    return 0;
}

/* How many events of one kind were recorded. */
static inline size_t count_kind(char kind)
{
    size_t n = 0;
    for (size_t i = 0; i < fx.n; i++)
        n += fx.ev[i].kind == kind;
    return n;
}

#endif
