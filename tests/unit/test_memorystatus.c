/* Unit tests for jetsam/memorystatus.h: the level machine at each threshold (both sides,
 * hysteresis, low on space, XNU's truncating arithmetic), the process table (bands as
 * lists, setters, names), pressure notes (order, 6 MB floor, listeners, already notified,
 * spacing in instructions), per-process limit notes, and kills (order and cause of every
 * rule, one per evaluation, callbacks that remove processes). */
#include <errno.h>

#include "tests/unit/jetsam_fixture.h"

#define N MEMORYSTATUS_LEVEL_NORMAL
#define W MEMORYSTATUS_LEVEL_WARNING
#define C MEMORYSTATUS_LEVEL_CRITICAL
#define WARN NOTE_MEMORYSTATUS_PRESSURE_WARN
#define CRIT NOTE_MEMORYSTATUS_PRESSURE_CRITICAL
#define NORM NOTE_MEMORYSTATUS_PRESSURE_NORMAL
#define LIMIT_WARN NOTE_MEMORYSTATUS_PROC_LIMIT_WARN
#define LIMIT_CRIT NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL

/* The level from `cur` with nc non-compressed pages of 1000 available. */
static enum memorystatus_level next_of_1000(enum memorystatus_level cur, uint64_t nc)
{
    struct memorystatus_vm vm = vm_at(nc, 1000 - nc);
    return memorystatus_level_next(cur, &vm);
}

/* ---- levels ------------------------------------------------------------------------------ */

/* Each threshold of 1000 available pages from both sides: from, non-compressed, to. */
static const struct {
    enum memorystatus_level from;
    uint64_t nc;
    enum memorystatus_level to;
} transitions[] = {
    { N, 1000, N }, { N, 500, N }, { N, 499, W },               /* warning under 50% */
    { N, 300, W }, { N, 299, C }, { N, 0, C },                  /* straight to critical < 30% */
    { W, 500, W }, { W, 600, W }, { W, 601, N },                /* normal only above 60% */
    { W, 300, W }, { W, 299, C },                               /* critical under 30% */
    { C, 300, C }, { C, 350, C }, { C, 351, W },                /* warning only above 35% */
    { C, 600, W }, { C, 601, N },                               /* straight to normal > 60% */
};
#define NTRANSITIONS (int)(sizeof transitions / sizeof transitions[0])

START_TEST(level_transition)
{
    enum memorystatus_level from = transitions[_i].from;
    uint64_t nc = transitions[_i].nc;
    ck_assert_msg(next_of_1000(from, nc) == transitions[_i].to, "%s with %llu of 1000: %s, not %s",
                  memorystatus_level_name(from), (unsigned long long)nc,
                  memorystatus_level_name(next_of_1000(from, nc)),
                  memorystatus_level_name(transitions[_i].to));
}
END_TEST

START_TEST(low_on_space_holds_critical)
{
    struct memorystatus_vm vm = vm_at(900, 100);
    vm.compressor_low_on_space = true;
    ck_assert_int_eq(memorystatus_level_next(N, &vm), C);
    ck_assert_int_eq(memorystatus_level_next(W, &vm), C);
    ck_assert_int_eq(memorystatus_level_next(C, &vm), C);
    vm.compressor_low_on_space = false;
    ck_assert_int_eq(memorystatus_level_next(C, &vm), N);
}
END_TEST

START_TEST(thresholds_truncate_as_xnu)
{
    struct memorystatus_vm vm = vm_at(400, 600);
    struct memorystatus_thresholds t = memorystatus_thresholds(&vm);
    ck_assert_uint_eq(t.non_compressed, 400);
    ck_assert_uint_eq(t.available, 1000);
    ck_assert_uint_eq(t.enter_warning, 500);
    ck_assert_uint_eq(t.enter_critical, 300);
    ck_assert_uint_eq(t.leave_to_normal, 600);
    ck_assert_uint_eq(t.leave_critical, 350);
    /* 1001 available: 50% is 500.5 and 30% 300.3, truncated to 500 and 300. */
    vm = vm_at(500, 501);
    ck_assert_int_eq(memorystatus_level_next(N, &vm), N);
    vm = vm_at(499, 502);
    ck_assert_int_eq(memorystatus_level_next(N, &vm), W);
    vm = vm_at(300, 701);
    ck_assert_int_eq(memorystatus_level_next(W, &vm), W);
    t = memorystatus_thresholds(&vm);
    ck_assert_uint_eq(t.enter_critical, 300);
    ck_assert_uint_eq(t.leave_critical, 350);
}
END_TEST

START_TEST(which_counters_count)
{
    struct memorystatus_vm vm = {
        .active = 100, .inactive = 100, .free = 100, .speculative = 99,
        .throttled = 5000, .wired = 5000, .purgeable = 50, .file_backed = 70,
        .compressor_pages = 9000, .compressor_frames = 601, .total_pages = TOTAL,
    };
    struct memorystatus_thresholds t = memorystatus_thresholds(&vm);
    ck_assert_uint_eq(t.non_compressed, 399);
    ck_assert_uint_eq(t.available, 1000);
    ck_assert_int_eq(memorystatus_level_next(N, &vm), W);
    ck_assert_uint_eq(memorystatus_available_pages(&vm), 170);      /* free + file-backed */
}
END_TEST

START_TEST(available_page_thresholds)
{
    ck_assert_uint_eq(memorystatus_critical_pages(TOTAL), 500);
    ck_assert_uint_eq(memorystatus_idle_pages(TOTAL), 1000);
    ck_assert_uint_eq(memorystatus_pressure_pages(TOTAL), 1500);
    ck_assert_uint_eq(memorystatus_critical_pages(10019), 500);
    ck_assert_uint_eq(memorystatus_critical_pages(10020), 501);
}
END_TEST

START_TEST(evaluate_reports_level_changes)
{
    ck_assert_int_eq(memorystatus_level(fx.ms), N);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 0), MEMORYSTATUS_DID_LEVEL);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 1), 0);
    struct memorystatus_vm vm = calm();
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &vm, 2), MEMORYSTATUS_DID_LEVEL);
    ck_assert_uint_eq(fx.n, 2);
    ck_assert_int_eq(fx.ev[0].kind, 'l');
    ck_assert_int_eq(fx.ev[0].from, N);
    ck_assert_int_eq(fx.ev[0].to, W);
    ck_assert_int_eq(fx.ev[1].from, W);
    ck_assert_int_eq(fx.ev[1].to, N);
    ck_assert_uint_eq(memorystatus_last_vm(fx.ms)->active, vm.active);
    ck_assert_uint_eq(memorystatus_page_size(fx.ms), PAGE);
}
END_TEST

/* ---- the table ---------------------------------------------------------------------------- */

START_TEST(add_find_remove)
{
    struct memorystatus_spawn s = { .pid = 7, .name = "app", .band = 30, .coalition = 3,
                                    .launch_time = 99 };
    ck_assert_int_eq(memorystatus_add(fx.ms, &s), 0);
    ck_assert_int_eq(memorystatus_add(fx.ms, &s), -EEXIST);
    const struct memorystatus_proc *p = memorystatus_find(fx.ms, 7);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->name, "app");
    ck_assert_int_eq(p->band, 30);
    ck_assert_uint_eq(p->coalition, 3);
    ck_assert_uint_eq(p->launch_time, 99);
    ck_assert_uint_eq(p->notes, 0);
    ck_assert_int_eq(p->killed, MEMORYSTATUS_CAUSE_NONE);
    struct memorystatus_spawn bad[] = {
        { .pid = 0, .name = "x" }, { .pid = -3, .name = "x" }, { .pid = 8 },
        { .pid = 8, .name = "x", .band = 211 }, { .pid = 8, .name = "x", .band = -1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(memorystatus_add(fx.ms, &bad[i]), -EINVAL);
    ck_assert_int_eq(memorystatus_add(fx.ms, NULL), -EINVAL);
    ck_assert_uint_eq(memorystatus_count(fx.ms), 1);
    ck_assert_int_eq(memorystatus_remove(fx.ms, 7), 0);
    ck_assert_int_eq(memorystatus_remove(fx.ms, 7), -ESRCH);
    ck_assert_ptr_null(memorystatus_find(fx.ms, 7));
    ck_assert_uint_eq(memorystatus_count(fx.ms), 0);
}
END_TEST

START_TEST(long_names_are_truncated)
{
    spawn(1, "a-name-much-longer-than-thirty-two-bytes-long", 0, 0);
    const char *name = memorystatus_find(fx.ms, 1)->name;
    ck_assert_uint_eq(strlen(name), MEMORYSTATUS_NAME_MAX - 1);
    ck_assert_str_eq(name, "a-name-much-longer-than-thirty-t");
}
END_TEST

static void expect_order(const int *pids, size_t n)
{
    ck_assert_uint_eq(memorystatus_count(fx.ms), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(memorystatus_proc_at(fx.ms, i)->pid, pids[i]);
    ck_assert_ptr_null(memorystatus_proc_at(fx.ms, n));
}

START_TEST(bands_are_lists)
{
    spawn(1, "a", 30, 0);
    spawn(2, "b", 0, 0);
    spawn(3, "c", 30, 0);
    spawn(4, "d", 100, 0);
    spawn(5, "e", 0, 0);
    expect_order((int[]){ 2, 5, 1, 3, 4 }, 5);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 2, 30), 0);       /* to the tail */
    expect_order((int[]){ 5, 1, 3, 2, 4 }, 5);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 1, 30), 0);       /* same band: stays */
    expect_order((int[]){ 5, 1, 3, 2, 4 }, 5);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 4, 0), 0);
    expect_order((int[]){ 5, 4, 1, 3, 2 }, 5);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 4, 211), -EINVAL);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 9, 10), -ESRCH);
}
END_TEST

START_TEST(setters_check_their_input)
{
    spawn(1, "a", 30, MB(3));
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, 0x8, 0), -EINVAL);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 2, 0, 0), -ESRCH);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, MEMORYSTATUS_STATE_IDLE, 500), 0);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, MEMORYSTATUS_STATE_IDLE, 900), 0);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 1)->idle_since, 500);   /* still idle */
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, 0, 1000), 0);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, MEMORYSTATUS_STATE_IDLE, 1200), 0);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 1)->idle_since, 1200);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, 0x100), -EINVAL);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 2, WARN), -ESRCH);
    struct memorystatus_limits l = { .active_mb = MEMORYSTATUS_LIMIT_MB_MAX + 1 };
    ck_assert_int_eq(memorystatus_set_limits(fx.ms, 1, &l), -EINVAL);
    ck_assert_int_eq(memorystatus_set_limits(fx.ms, 1, NULL), -EINVAL);
    l.active_mb = MEMORYSTATUS_LIMIT_MB_MAX;
    ck_assert_int_eq(memorystatus_set_limits(fx.ms, 2, &l), -ESRCH);
    ck_assert_int_eq(memorystatus_set_limits(fx.ms, 1, &l), 0);
    ck_assert_int_eq(memorystatus_update(fx.ms, 1, NULL), -EINVAL);
    ck_assert_int_eq(memorystatus_update(fx.ms, 2, &(struct memorystatus_usage){ 0 }), -ESRCH);
}
END_TEST

START_TEST(lifetime_max_follows_the_footprint)
{
    spawn(1, "a", 30, MB(3));
    set_footprint(1, MB(9));
    set_footprint(1, MB(4));
    const struct memorystatus_proc *p = memorystatus_find(fx.ms, 1);
    ck_assert_uint_eq(p->usage.footprint, MB(4));
    ck_assert_uint_eq(p->lifetime_max, MB(9));
}
END_TEST

START_TEST(create_checks_its_config)
{
    struct memorystatus_config good = { .page_size = PAGE, .notify = fx_notify, .kill = fx_kill };
    struct memorystatus_config bad[4] = { good, good, good, good };
    bad[0].page_size = 0;
    bad[1].page_size = 3000;
    bad[2].notify = NULL;
    bad[3].kill = NULL;
    for (int i = 0; i < 4; i++) {
        errno = 0;
        ck_assert_ptr_null(memorystatus_create(&bad[i]));
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_ptr_null(memorystatus_create(NULL));
    struct memorystatus *ms = memorystatus_create(&good);
    ck_assert_ptr_nonnull(ms);
    memorystatus_destroy(ms);
    memorystatus_destroy(NULL);
}
END_TEST

START_TEST(names_of_bands_causes_levels)
{
    ck_assert_str_eq(memorystatus_band_name(0), "idle");
    ck_assert_str_eq(memorystatus_band_name(30), "background");
    ck_assert_str_eq(memorystatus_band_name(100), "foreground");
    ck_assert_str_eq(memorystatus_band_name(210), "max");
    ck_assert_ptr_null(memorystatus_band_name(5));
    static const char *const causes[] = {
        NULL, "jettisoned", "highwater", "vnode-limit", "vm-pageshortage", "proc-thrashing",
        "fc-thrashing", "per-process-limit", "disk-space-shortage", "idle-exit",
        "zone-map-exhaustion", "vm-compressor-thrashing", "vm-compressor-space-shortage",
        "low-swap", "sustained-memory-pressure", "vm-pageout-starvation", NULL,
        "long-idle-exit", NULL,
    };
    for (int c = 0; c < (int)(sizeof causes / sizeof causes[0]); c++) {
        const char *name = memorystatus_cause_name((enum memorystatus_cause)c);
        if (causes[c])
            ck_assert_str_eq(name, causes[c]);
        else
            ck_assert_ptr_null(name);
    }
    ck_assert_str_eq(memorystatus_level_name(N), "normal");
    ck_assert_str_eq(memorystatus_level_name(W), "warning");
    ck_assert_str_eq(memorystatus_level_name(C), "critical");
    ck_assert_ptr_null(memorystatus_level_name((enum memorystatus_level)3));
    ck_assert_uint_eq(memorystatus_level_note(N), 0x1);
    ck_assert_uint_eq(memorystatus_level_note(W), 0x2);
    ck_assert_uint_eq(memorystatus_level_note(C), 0x4);
    ck_assert_uint_eq(LIMIT_WARN, 0x10);
    ck_assert_uint_eq(LIMIT_CRIT, 0x20);
}
END_TEST

START_TEST(parsing_bands_and_limits)
{
    int band = -1;
    ck_assert_int_eq(memorystatus_band_parse("background", &band), 0);
    ck_assert_int_eq(band, 30);
    ck_assert_int_eq(memorystatus_band_parse("42", &band), 0);
    ck_assert_int_eq(band, 42);
    static const char *const bad_bands[] = { "211", "-1", "fg", "", "10x", " 10" };
    for (size_t i = 0; i < sizeof bad_bands / sizeof bad_bands[0]; i++)
        ck_assert_int_eq(memorystatus_band_parse(bad_bands[i], &band), -1);
    ck_assert_int_eq(band, 42);
    uint32_t mb = 0;
    bool fatal = false;
    ck_assert_int_eq(memorystatus_limit_parse("100", &mb, &fatal), 0);
    ck_assert(mb == 100 && fatal);
    ck_assert_int_eq(memorystatus_limit_parse("50:soft", &mb, &fatal), 0);
    ck_assert(mb == 50 && !fatal);
    ck_assert_int_eq(memorystatus_limit_parse("1048575:fatal", &mb, &fatal), 0);
    ck_assert(mb == 1048575 && fatal);
    static const char *const bad_limits[] = { "x", "50:hard", ":soft", "1048576", "", "50:",
                                              "-5", "5 " };
    for (size_t i = 0; i < sizeof bad_limits / sizeof bad_limits[0]; i++)
        ck_assert_int_eq(memorystatus_limit_parse(bad_limits[i], &mb, &fatal), -1);
}
END_TEST

START_TEST(active_state_picks_the_limit)
{
    struct memorystatus_proc p = { .band = 30 };
    ck_assert(!memorystatus_proc_is_active(&p));
    p.states = MEMORYSTATUS_STATE_FRONTMOST;
    ck_assert(memorystatus_proc_is_active(&p));
    p = (struct memorystatus_proc){ .band = 100 };
    ck_assert(memorystatus_proc_is_active(&p));
    p.states = MEMORYSTATUS_STATE_SUSPENDED;
    ck_assert(!memorystatus_proc_is_active(&p));
    p.states = MEMORYSTATUS_STATE_IDLE;
    ck_assert(!memorystatus_proc_is_active(&p));
    p = (struct memorystatus_proc){ .band = 180 };
    ck_assert(memorystatus_proc_is_active(&p));
}
END_TEST

/* ---- pressure notes ------------------------------------------------------------------ */

static void five_processes(void)
{
    spawn(1, "a", 0, MB(10));
    spawn(2, "b", 30, MB(20));
    spawn(3, "c", 30, MB(40));
    spawn(4, "d", 100, MB(50));
    spawn(5, "e", 0, MB(5));            /* under 6 MB */
}

/* Evaluates at now = t0, t0 + SPACING, ... for `rounds` spacings. */
static void evaluate_spaced(const struct memorystatus_vm *vm, uint64_t t0, int rounds)
{
    for (int i = 0; i < rounds; i++)
        memorystatus_evaluate(fx.ms, vm, t0 + (uint64_t)i * SPACING);
}

/* The pressure notes recorded, from event `from` on, as pids, each with `note`. */
static void expect_notes(size_t from, uint32_t note, const int *pids, size_t n)
{
    size_t k = 0;
    for (size_t i = from; i < fx.n; i++) {
        if (fx.ev[i].kind != 'n')
            continue;
        ck_assert_uint_lt(k, n);
        expect_note(i, pids[k++], note);
    }
    ck_assert_uint_eq(k, n);
}

START_TEST(rising_pressure_lowest_band_first_then_largest)
{
    five_processes();
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 0),
                      MEMORYSTATUS_DID_LEVEL | MEMORYSTATUS_DID_NOTIFY);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, SPACING - 1), 0);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 500), SPACING);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, SPACING), MEMORYSTATUS_DID_NOTIFY);
    evaluate_spaced(&warning_vm, 2 * SPACING, 5);
    expect_notes(0, WARN, (int[]){ 1, 3, 2, 4 }, 4);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 9999), UINT64_MAX);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 3)->notified, WARN);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 5)->notified, 0);
}
END_TEST

START_TEST(six_megabytes_is_the_floor)
{
    spawn(1, "at", 0, MB(6));
    spawn(2, "under", 0, MB(6) - 1);
    evaluate_spaced(&warning_vm, 0, 4);
    expect_notes(0, WARN, (int[]){ 1 }, 1);
}
END_TEST

START_TEST(falling_pressure_most_important_first)
{
    five_processes();
    memorystatus_evaluate(fx.ms, &critical_vm, 0);             /* kills a, tells c */
    expect_kill(kill_event(0), 1, MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE);
    expect_notes(0, CRIT, (int[]){ 3 }, 1);
    size_t mark = fx.n;
    struct memorystatus_vm down = vm_at(351, 649);             /* critical -> warning */
    evaluate_spaced(&down, SPACING, 4);
    ck_assert_int_eq(memorystatus_level(fx.ms), W);
    expect_notes(mark, WARN, (int[]){ 4, 3, 2 }, 3);
    set_footprint(2, MB(1));            /* under 6 MB now: still told pressure ended */
    mark = fx.n;
    struct memorystatus_vm normal = vm_at(601, 399);
    evaluate_spaced(&normal, 10 * SPACING, 5);
    expect_notes(mark, NORM, (int[]){ 4, 3, 2 }, 3);           /* not e: never told */
}
END_TEST

START_TEST(already_notified_at_this_level_is_skipped)
{
    five_processes();
    evaluate_spaced(&warning_vm, 0, 4);
    size_t mark = fx.n;
    struct memorystatus_vm normal = vm_at(601, 399);
    memorystatus_evaluate(fx.ms, &normal, 4 * SPACING);         /* NORMAL to d only */
    expect_notes(mark, NORM, (int[]){ 4 }, 1);
    mark = fx.n;
    struct memorystatus_vm up = vm_at(499, 501);
    evaluate_spaced(&up, 4 * SPACING + 500, 4);
    ck_assert_int_eq(memorystatus_level(fx.ms), W);
    expect_notes(mark, WARN, (int[]){ 4 }, 1);                  /* a, b, c were still at WARN */
    spawn(6, "late", 0, MB(8));
    memorystatus_evaluate(fx.ms, &up, 20 * SPACING);
    expect_note(fx.n - 1, 6, WARN);
}
END_TEST

START_TEST(only_listeners_for_the_note)
{
    five_processes();
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 3, CRIT), 0);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 2, 0), 0);
    evaluate_spaced(&warning_vm, 0, 4);
    expect_notes(0, WARN, (int[]){ 1, 4 }, 2);
    size_t mark = fx.n;
    memorystatus_evaluate(fx.ms, &critical_vm, 4 * SPACING);   /* kills a */
    expect_notes(mark, CRIT, (int[]){ 3 }, 1);
}
END_TEST

START_TEST(spacing_spans_level_changes)
{
    five_processes();
    memorystatus_evaluate(fx.ms, &warning_vm, 100);
    struct memorystatus_vm normal = vm_at(601, 399);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &normal, 110), MEMORYSTATUS_DID_LEVEL);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 110), 100 + SPACING);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &normal, 100 + SPACING - 1), 0);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &normal, 100 + SPACING),
                      MEMORYSTATUS_DID_NOTIFY);
    expect_note(fx.n - 1, 1, NORM);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 2000), UINT64_MAX);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &normal, UINT64_MAX), 0);
}
END_TEST

START_TEST(time_going_back_sends_nothing_early)
{
    five_processes();
    memorystatus_evaluate(fx.ms, &warning_vm, 5000);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 10), 0);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 10), 5000 + SPACING);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 5000 + SPACING),
                      MEMORYSTATUS_DID_NOTIFY);
}
END_TEST

START_TEST(default_spacing_is_250ms_of_guest_time)
{
    memorystatus_destroy(fx.ms);
    fx_create(false, 0);
    five_processes();
    memorystatus_evaluate(fx.ms, &warning_vm, 0);
    ck_assert_uint_eq(MEMORYSTATUS_NOTIFY_SPACING_DEFAULT, 25000000u);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 0), MEMORYSTATUS_NOTIFY_SPACING_DEFAULT);
}
END_TEST

START_TEST(killed_processes_hear_nothing)
{
    five_processes();
    set_limit(1, 5, true, 5, true);                             /* a is over: killed */
    memorystatus_evaluate(fx.ms, &warning_vm, 0);
    expect_kill(kill_event(0), 1, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    evaluate_spaced(&warning_vm, SPACING, 4);
    expect_notes(0, WARN, (int[]){ 3, 2, 4 }, 3);
}
END_TEST

/* ---- per-process limit notes --------------------------------------------------------------- */

static void frontmost_app(uint32_t limit_mb, bool fatal)
{
    spawn(1, "app", 100, 0);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, MEMORYSTATUS_STATE_FRONTMOST, 0), 0);
    set_limit(1, limit_mb, fatal, 0, false);
}

static unsigned evaluate_calm(uint64_t now)
{
    struct memorystatus_vm vm = calm();
    return memorystatus_evaluate(fx.ms, &vm, now);
}

/* Sets pid 1's footprint, evaluates at `now` under no pressure, checks what it did. */
static void step(uint64_t pages, uint64_t now, unsigned did)
{
    set_footprint(1, pages);
    ck_assert_uint_eq(evaluate_calm(now), did);
}

START_TEST(limit_warning_past_80_percent_once)
{
    frontmost_app(100, true);
    step(MB(80), 0, 0);
    step(MB(80) + 1, 1, MEMORYSTATUS_DID_LIMIT);
    step(MB(80) + 1, 2, 0);
    step(MB(100), 3, 0);                                        /* at a fatal limit: alive */
    step(MB(100) + 1, 4, MEMORYSTATUS_DID_KILL);                /* no CRITICAL note first */
    ck_assert_uint_eq(fx.n, 2);
    expect_note(0, 1, LIMIT_WARN);
    expect_kill(1, 1, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
}
END_TEST

START_TEST(soft_limit_critical_note_without_kill)
{
    frontmost_app(100, false);
    step(MB(81), 0, MEMORYSTATUS_DID_LIMIT);
    step(MB(100), 1, 0);
    step(MB(100) + 1, 2, MEMORYSTATUS_DID_LIMIT);
    step(MB(100) + 1, 3, 0);
    ck_assert_uint_eq(fx.n, 2);
    expect_note(0, 1, LIMIT_WARN);
    expect_note(1, 1, LIMIT_CRIT);
}
END_TEST

START_TEST(jump_past_both_lines_gives_critical_only)
{
    frontmost_app(100, false);
    step(MB(150), 0, MEMORYSTATUS_DID_LIMIT);
    step(MB(150), 1, 0);
    ck_assert_uint_eq(fx.n, 1);
    expect_note(0, 1, LIMIT_CRIT);
}
END_TEST

static uint64_t line_of(int pid)
{
    return memorystatus_limit_line(fx.ms, memorystatus_find(fx.ms, pid));
}

/* Each line is the last quiet page: at it nothing happens, one page past it the next
 * note or the kill comes; after the last one the line is gone. */
static void walk_the_lines(bool fatal, uint32_t expect_last)
{
    frontmost_app(100, fatal);
    ck_assert_uint_eq(line_of(1), MB(80));
    uint64_t now = 0, line;
    while ((line = line_of(1)) != UINT64_MAX) {
        step(line, now++, 0);
        set_footprint(1, line + 1);
        ck_assert_uint_ne(evaluate_calm(now++), 0);
        if (fx.n && fx.ev[fx.n - 1].kind == 'k')
            break;
    }
    ck_assert_uint_eq(line, fatal ? MB(100) : UINT64_MAX);
    ck_assert_uint_eq(fx.n, 2);
    if (fatal)
        expect_kill(1, 1, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    else
        expect_note(1, 1, expect_last);
}

START_TEST(limit_line_is_the_last_quiet_page)
{
    walk_the_lines(false, LIMIT_CRIT);
    teardown();
    setup();
    walk_the_lines(true, 0);
    spawn(2, "nolimit", 100, MB(500));
    ck_assert_uint_eq(line_of(2), UINT64_MAX);
}
END_TEST

START_TEST(set_limits_rearms_the_notes)
{
    frontmost_app(100, false);
    step(MB(90), 0, MEMORYSTATUS_DID_LIMIT);
    set_limit(1, 100, false, 0, false);
    step(MB(90), 1, MEMORYSTATUS_DID_LIMIT);
    ck_assert_uint_eq(fx.n, 2);
    expect_note(1, 1, LIMIT_WARN);
}
END_TEST

START_TEST(active_and_inactive_limits_apart)
{
    spawn(1, "bg", 30, 0);
    set_limit(1, 100, false, 50, false);
    step(MB(45), 0, MEMORYSTATUS_DID_LIMIT);                    /* 45 > 80% of 50 */
    expect_note(0, 1, LIMIT_WARN);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, MEMORYSTATUS_STATE_FRONTMOST, 1), 0);
    step(MB(45), 2, 0);                                         /* 45 of 100: quiet */
    step(MB(81), 3, MEMORYSTATUS_DID_LIMIT);                    /* the active limit's */
    expect_note(1, 1, LIMIT_WARN);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, 0, 4), 0);
    step(MB(81), 5, MEMORYSTATUS_DID_LIMIT);                    /* 81 > 50, inactive */
    ck_assert_uint_eq(fx.n, 3);
    expect_note(2, 1, LIMIT_CRIT);
}
END_TEST

START_TEST(limit_notes_need_a_listener)
{
    frontmost_app(100, false);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, WARN | CRIT), 0);
    set_footprint(1, MB(150));
    ck_assert_uint_eq(evaluate_calm(0), 0);
    ck_assert_uint_eq(fx.n, 0);
}
END_TEST

START_TEST(note_callback_may_remove_processes)
{
    for (int pid = 1; pid <= 3; pid++) {
        spawn(pid, "p", pid * 30, MB(90));
        set_limit(pid, 100, false, 100, false);
    }
    fx.remove_on_note = 3;              /* another one, not yet notified */
    ck_assert_uint_eq(evaluate_calm(0), MEMORYSTATUS_DID_LIMIT);
    ck_assert_uint_eq(fx.n, 2);
    expect_note(0, 1, LIMIT_WARN);
    expect_note(1, 2, LIMIT_WARN);
    ck_assert_uint_eq(fx.ev[0].count_after, 2);
    spawn(4, "q", 0, MB(90));
    set_limit(4, 100, false, 100, false);
    fx.remove_on_note = 4;              /* itself */
    set_limit(2, 100, false, 100, false);
    evaluate_calm(1);
    ck_assert_uint_eq(fx.n, 4);
    expect_note(2, 4, LIMIT_WARN);
    expect_note(3, 2, LIMIT_WARN);
}
END_TEST

/* ---- kills -------------------------------------------------------------------------------- */

/* The pids killed, in order, and their common cause. */
static void expect_kills(enum memorystatus_cause cause, const int *pids, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < fx.n; i++) {
        if (fx.ev[i].kind != 'k')
            continue;
        ck_assert_uint_lt(k, n);
        expect_kill(i, pids[k++], cause);
    }
    ck_assert_uint_eq(k, n);
}

/* Evaluates until an evaluation kills nothing (at most 20 times); returns the kills. */
static int evaluate_until_quiet(const struct memorystatus_vm *vm, uint64_t now)
{
    for (int kills = 0; kills < 20; kills++)
        if (!(memorystatus_evaluate(fx.ms, vm, now) & MEMORYSTATUS_DID_KILL))
            return kills;
    ck_abort_msg("kills did not stop");
    return -1;
}

START_TEST(fatal_limit_kills_at_once)
{
    fx.remove_on_kill = true;
    frontmost_app(100, true);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, 0), 0);
    set_footprint(1, MB(101));
    ck_assert_uint_eq(evaluate_calm(7), MEMORYSTATUS_DID_KILL);
    expect_kill(0, 1, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    const struct memorystatus_kill *k = &fx.ev[0].kill;
    ck_assert_str_eq(k->name, "app");
    ck_assert_int_eq(k->band, 100);
    ck_assert_uint_eq(k->footprint, MB(101));
    ck_assert_uint_eq(k->now, 7);
    ck_assert_uint_eq(k->seq, 1);
    ck_assert_ptr_null(k->report);
    ck_assert_ptr_null(k->report_error);
    ck_assert_uint_eq(fx.ev[0].count_after, 0);
}
END_TEST

START_TEST(fatal_limit_follows_the_active_state)
{
    spawn(1, "bg", 30, MB(60));
    set_limit(1, 100, true, 50, true);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, MEMORYSTATUS_STATE_FRONTMOST, 0), 0);
    ck_assert_uint_eq(evaluate_calm(0) & MEMORYSTATUS_DID_KILL, 0);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 1, 0, 1), 0);
    ck_assert_uint_eq(evaluate_calm(2) & MEMORYSTATUS_DID_KILL, MEMORYSTATUS_DID_KILL);
    expect_kills(MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT, (int[]){ 1 }, 1);
}
END_TEST

START_TEST(one_kill_per_evaluation_lowest_band_first)
{
    spawn(1, "fg", 100, MB(60));
    spawn(2, "bg", 30, MB(60));
    set_limit(1, 50, true, 50, true);
    set_limit(2, 50, true, 50, true);
    ck_assert_uint_eq(evaluate_calm(0), MEMORYSTATUS_DID_KILL);
    ck_assert_uint_eq(count_kind('k'), 1);
    ck_assert_int_eq(memorystatus_find(fx.ms, 2)->killed, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    evaluate_calm(1);
    ck_assert_uint_eq(evaluate_calm(2), 0);                      /* killed once only */
    expect_kills(MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT, (int[]){ 2, 1 }, 2);
}
END_TEST

static void soft_over(int pid, int band)
{
    spawn(pid, "soft", band, MB(60));
    set_limit(pid, 50, false, 50, false);
}

START_TEST(highwater_needs_pressure)
{
    soft_over(1, 30);
    ck_assert_uint_eq(evaluate_calm(0), MEMORYSTATUS_DID_LIMIT);  /* the note, no kill */
    struct memorystatus_vm vm = vm_avail(1500);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &vm, 1), 0);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 2), 1);
    expect_kills(MEMORYSTATUS_CAUSE_HIGHWATER, (int[]){ 1 }, 1);
}
END_TEST

START_TEST(highwater_under_the_pressure_threshold)
{
    soft_over(1, 30);
    struct memorystatus_vm vm = vm_avail(1499);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 1);
    expect_kills(MEMORYSTATUS_CAUSE_HIGHWATER, (int[]){ 1 }, 1);
}
END_TEST

START_TEST(highwater_lowest_band_head_first)
{
    soft_over(1, 100);
    soft_over(2, 0);
    soft_over(3, 0);
    spawn(4, "under", 0, MB(10));
    set_limit(4, 50, false, 50, false);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 0), 3);
    expect_kills(MEMORYSTATUS_CAUSE_HIGHWATER, (int[]){ 2, 3, 1 }, 3);
}
END_TEST

START_TEST(fatal_limit_before_highwater)
{
    soft_over(1, 0);
    spawn(2, "fatal", 100, MB(60));
    set_limit(2, 50, true, 50, true);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 0), 2);
    expect_kill(kill_event(0), 2, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    expect_kill(kill_event(1), 1, MEMORYSTATUS_CAUSE_HIGHWATER);
    ck_assert_int_eq(memorystatus_find(fx.ms, 1)->killed, MEMORYSTATUS_CAUSE_HIGHWATER);
}
END_TEST

START_TEST(critical_kills_upward_head_of_band_first)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "idle-small", 0, MB(5));
    spawn(3, "idle-big", 0, MB(50));
    spawn(4, "fg", 100, MB(20));
    ck_assert_int_eq(evaluate_until_quiet(&critical_vm, 0), 4);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 2, 3, 1, 4 }, 4);
}
END_TEST

START_TEST(low_on_space_gives_compressor_space_shortage)
{
    spawn(1, "bg", 30, MB(10));
    struct memorystatus_vm vm = calm();
    vm.compressor_low_on_space = true;
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE, (int[]){ 1 }, 1);
}
END_TEST

START_TEST(page_shortage_under_the_critical_threshold)
{
    spawn(1, "bg", 30, MB(10));
    struct memorystatus_vm vm = vm_avail(500);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 0);
    vm = vm_avail(499);
    vm.free = 400;
    vm.file_backed = 99;                /* file-backed pages count as available */
    ck_assert_int_eq(evaluate_until_quiet(&vm, 1), 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 1 }, 1);
    ck_assert_int_eq(memorystatus_level(fx.ms), N);
}
END_TEST

/* macOS: a swap file behind the compressor, no CONFIG_JETSAM: neither the critical level
 * nor a page shortage kills; a compressor low on space does, and idle exit stays. */
START_TEST(macos_kills_only_for_compressor_space)
{
    memorystatus_destroy(fx.ms);
    fx_create_for(false, SPACING, true);
    spawn(1, "bg", 30, MB(10));
    spawn(2, "idle", 0, MB(10));
    struct memorystatus_vm vm = vm_avail(999);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 1);
    expect_kills(MEMORYSTATUS_CAUSE_IDLE_EXIT, (int[]){ 2 }, 1);
    ck_assert_int_eq(evaluate_until_quiet(&critical_vm, 1), 0);
    ck_assert_int_eq(memorystatus_level(fx.ms), C);
    vm = calm();
    vm.compressor_low_on_space = true;
    ck_assert_int_eq(evaluate_until_quiet(&vm, 2), 1);
    expect_kill(kill_event(1), 1, MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE);
}
END_TEST

START_TEST(idle_exit_under_the_idle_threshold)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "idle1", 0, MB(10));
    spawn(3, "idle2", 0, MB(10));
    struct memorystatus_vm vm = vm_avail(1000);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 0);
    vm = vm_avail(999);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 1), 2);          /* bg survives */
    expect_kills(MEMORYSTATUS_CAUSE_IDLE_EXIT, (int[]){ 2, 3 }, 2);
}
END_TEST

START_TEST(foreground_sorted_largest_first)
{
    spawn(1, "fg10", 100, MB(10));
    spawn(2, "fg30a", 100, MB(30));
    spawn(3, "fg30b", 100, MB(30));
    spawn(4, "home", 160, MB(90));
    memorystatus_evaluate(fx.ms, &critical_vm, 0);
    expect_order((int[]){ 2, 3, 1, 4 }, 4);                     /* re-sorted in place */
    evaluate_until_quiet(&critical_vm, 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 2, 3, 1, 4 }, 4);
}
END_TEST

/* The preview names each victim and cause before the evaluation kills it, and moves,
 * calls and changes nothing itself. */
START_TEST(next_victim_is_the_next_kill)
{
    spawn(1, "fg10", 100, MB(10));
    spawn(2, "bg", 30, MB(8));
    spawn(3, "fg40", 100, MB(40));
    spawn(4, "limited", 100, MB(30));
    set_limit(4, 20, true, 20, true);
    enum memorystatus_cause cause = MEMORYSTATUS_CAUSE_NONE;
    const struct memorystatus_proc *v = memorystatus_next_victim(fx.ms, &critical_vm, &cause);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->pid, 4);                                /* the fatal limit first */
    ck_assert_int_eq(cause, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    int want[] = { 4, 2, 3, 1 };
    for (int round = 0; round < 4; round++) {
        size_t events = fx.n;
        v = memorystatus_next_victim(fx.ms, &critical_vm, &cause);
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(v->pid, want[round]);
        ck_assert_uint_eq(fx.n, events);                        /* no callback */
        ck_assert_int_eq(memorystatus_level(fx.ms), round ? C : N);
        if (round == 1)
            expect_order((int[]){ 2, 1, 3, 4 }, 4);             /* not sorted by the preview */
        memorystatus_evaluate(fx.ms, &critical_vm, (uint64_t)round);
        ck_assert_uint_eq(count_kind('k'), (size_t)round + 1);
        expect_kill(kill_event((size_t)round), want[round], cause);
    }
    ck_assert_ptr_null(memorystatus_next_victim(fx.ms, &critical_vm, &cause));
}
END_TEST

START_TEST(other_bands_keep_list_order)
{
    spawn(1, "small", 30, MB(5));
    spawn(2, "large", 30, MB(50));
    evaluate_until_quiet(&critical_vm, 0);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 1, 2 }, 2);
}
END_TEST

START_TEST(moving_band_goes_to_the_tail)
{
    spawn(1, "first", 0, MB(5));
    spawn(2, "second", 0, MB(5));
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 1, 30), 0);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 1, 0), 0);
    memorystatus_evaluate(fx.ms, &critical_vm, 0);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 2 }, 1);
}
END_TEST

START_TEST(kill_callback_may_remove_processes)
{
    fx.remove_on_kill = true;
    spawn(1, "a", 0, MB(10));
    spawn(2, "b", 10, MB(10));
    spawn(3, "c", 30, MB(10));
    fx.remove_also = 3;
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &critical_vm, 0) & MEMORYSTATUS_DID_KILL,
                      MEMORYSTATUS_DID_KILL);
    ck_assert_uint_eq(memorystatus_count(fx.ms), 1);
    ck_assert_ptr_null(memorystatus_find(fx.ms, 1));
    ck_assert_int_eq(evaluate_until_quiet(&critical_vm, 1), 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 1, 2 }, 2);
    ck_assert_uint_eq(memorystatus_count(fx.ms), 0);
}
END_TEST

START_TEST(kill_rounds_and_sequence_numbers)
{
    for (int pid = 1; pid <= 3; pid++)
        spawn(pid, "p", 30, MB(10));
    memorystatus_evaluate(fx.ms, &critical_vm, 100);
    memorystatus_evaluate(fx.ms, &critical_vm, 200);
    evaluate_calm(300);                                         /* nothing to kill: round over */
    memorystatus_evaluate(fx.ms, &critical_vm, 400);
    ck_assert_uint_eq(count_kind('k'), 3);
    uint64_t starts[3], seqs[3];
    for (size_t i = 0, k = 0; i < fx.n; i++) {
        if (fx.ev[i].kind == 'k') {
            starts[k] = fx.ev[i].kill.round_start;
            seqs[k++] = fx.ev[i].kill.seq;
        }
    }
    ck_assert_uint_eq(starts[0], 100);
    ck_assert_uint_eq(starts[1], 100);
    ck_assert_uint_eq(starts[2], 400);
    ck_assert_uint_eq(seqs[0], 1);
    ck_assert_uint_eq(seqs[1], 2);
    ck_assert_uint_eq(seqs[2], 3);
}
END_TEST

START_TEST(nothing_left_to_kill)
{
    spawn(1, "only", 30, MB(10));
    ck_assert_int_eq(evaluate_until_quiet(&critical_vm, 0), 1);
    ck_assert_int_eq(memorystatus_find(fx.ms, 1)->killed, MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &critical_vm, 1) & MEMORYSTATUS_DID_KILL, 0);
}
END_TEST

static Suite *memorystatus_suite(void)
{
    Suite *s = suite_create("memorystatus");
    TCase *levels = tcase_create("levels");
    tcase_add_checked_fixture(levels, setup, teardown);
    tcase_add_loop_test(levels, level_transition, 0, NTRANSITIONS);
    tcase_add_test(levels, low_on_space_holds_critical);
    tcase_add_test(levels, thresholds_truncate_as_xnu);
    tcase_add_test(levels, which_counters_count);
    tcase_add_test(levels, available_page_thresholds);
    tcase_add_test(levels, evaluate_reports_level_changes);
    suite_add_tcase(s, levels);

    TCase *table = tcase_create("table");
    tcase_add_checked_fixture(table, setup, teardown);
    tcase_add_test(table, add_find_remove);
    tcase_add_test(table, long_names_are_truncated);
    tcase_add_test(table, bands_are_lists);
    tcase_add_test(table, setters_check_their_input);
    tcase_add_test(table, lifetime_max_follows_the_footprint);
    tcase_add_test(table, create_checks_its_config);
    tcase_add_test(table, names_of_bands_causes_levels);
    tcase_add_test(table, parsing_bands_and_limits);
    tcase_add_test(table, active_state_picks_the_limit);
    suite_add_tcase(s, table);

    TCase *notes = tcase_create("notes");
    tcase_add_checked_fixture(notes, setup, teardown);
    tcase_add_test(notes, rising_pressure_lowest_band_first_then_largest);
    tcase_add_test(notes, six_megabytes_is_the_floor);
    tcase_add_test(notes, falling_pressure_most_important_first);
    tcase_add_test(notes, already_notified_at_this_level_is_skipped);
    tcase_add_test(notes, only_listeners_for_the_note);
    tcase_add_test(notes, spacing_spans_level_changes);
    tcase_add_test(notes, time_going_back_sends_nothing_early);
    tcase_add_test(notes, default_spacing_is_250ms_of_guest_time);
    tcase_add_test(notes, killed_processes_hear_nothing);
    tcase_add_test(notes, limit_warning_past_80_percent_once);
    tcase_add_test(notes, soft_limit_critical_note_without_kill);
    tcase_add_test(notes, jump_past_both_lines_gives_critical_only);
    tcase_add_test(notes, limit_line_is_the_last_quiet_page);
    tcase_add_test(notes, set_limits_rearms_the_notes);
    tcase_add_test(notes, active_and_inactive_limits_apart);
    tcase_add_test(notes, limit_notes_need_a_listener);
    tcase_add_test(notes, note_callback_may_remove_processes);
    suite_add_tcase(s, notes);

    TCase *kills = tcase_create("kills");
    tcase_add_checked_fixture(kills, setup, teardown);
    tcase_add_test(kills, fatal_limit_kills_at_once);
    tcase_add_test(kills, fatal_limit_follows_the_active_state);
    tcase_add_test(kills, one_kill_per_evaluation_lowest_band_first);
    tcase_add_test(kills, highwater_needs_pressure);
    tcase_add_test(kills, highwater_under_the_pressure_threshold);
    tcase_add_test(kills, highwater_lowest_band_head_first);
    tcase_add_test(kills, fatal_limit_before_highwater);
    tcase_add_test(kills, critical_kills_upward_head_of_band_first);
    tcase_add_test(kills, low_on_space_gives_compressor_space_shortage);
    tcase_add_test(kills, page_shortage_under_the_critical_threshold);
    tcase_add_test(kills, idle_exit_under_the_idle_threshold);
    tcase_add_test(kills, macos_kills_only_for_compressor_space);
    tcase_add_test(kills, foreground_sorted_largest_first);
    tcase_add_test(kills, next_victim_is_the_next_kill);
    tcase_add_test(kills, other_bands_keep_list_order);
    tcase_add_test(kills, moving_band_goes_to_the_tail);
    tcase_add_test(kills, kill_callback_may_remove_processes);
    tcase_add_test(kills, kill_rounds_and_sequence_numbers);
    tcase_add_test(kills, nothing_left_to_kill);
    suite_add_tcase(s, kills);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memorystatus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
