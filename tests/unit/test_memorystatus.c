/* Unit tests for jetsam/memorystatus.h, each rule next to the XNU routine it follows: the
 * level machine at each threshold (vm_pressure_response: both sides, hysteresis, low on
 * space, truncating arithmetic), the page-shortage thresholds by RAM size
 * (memorystatus_init), the process table (bands as lists, setters, names), the pressure
 * thread's notes (memorystatus_update_vm_pressure, vm_pressure_select_optimal_candidate_
 * to_notify: order, eligibility, 6 MB floor, spacing, smoothing, resting periods, the
 * 30-minute re-notify), limit notes (memorystatus_warn_process and the phys_footprint
 * ledger), and kills (memorystatus_pick_action, memorystatus_pick_kill_cause: the trigger
 * and cause of every rule, the reaper, sustained pressure, the coalition sort, macOS). Time
 * runs at one instruction per XNU millisecond (jetsam_fixture.h). */
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

/* AVAILABLE_NON_COMPRESSED_MEMORY, AVAILABLE_MEMORY and, for kills,
 * memorystatus_available_pages (VM_CHECK_MEMORYSTATUS: free + pageable external). */
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

/* memorystatus_init's fallbacks (kern_memorystatus.c): 5% and 1:2:3:4 up to 3 GB, 4% and
 * 4:9:15:18 up to 6 GB, 4% and 1:2:3:4 above, each value truncated. */
static const struct {
    uint64_t pages;
    uint32_t page_size;
    uint64_t critical, idle, soft, reaper;
} page_thresholds[] = {
    { TOTAL, PAGE, 500, 1000, 1500, 2000 },
    { 10019, PAGE, 500, 1000, 1500, 2000 },                 /* 500.95 truncated */
    { 10020, PAGE, 501, 1002, 1503, 2004 },
    { 4096, PAGE, 204, 408, 612, 816 },                      /* 64 MB */
    { 196608, PAGE, 9830, 19660, 29490, 39320 },             /* 3 GB exactly: small */
    { 196609, PAGE, 7864, 17694, 29490, 35388 },             /* a page more: medium */
    { 393216, PAGE, 15728, 35388, 58980, 70776 },            /* 6 GB: still medium */
    { 524288, PAGE, 20971, 41942, 62913, 83884 },            /* 8 GB: large, 1:2:3:4 */
    { 786432, 4096, 39321, 78642, 117963, 157284 },          /* 3 GB of 4 KB pages */
};

START_TEST(page_thresholds_by_ram_size)
{
    struct memorystatus_page_thresholds t =
        memorystatus_page_thresholds(page_thresholds[_i].pages, page_thresholds[_i].page_size);
    ck_assert_uint_eq(t.critical, page_thresholds[_i].critical);
    ck_assert_uint_eq(t.idle, page_thresholds[_i].idle);
    ck_assert_uint_eq(t.soft, page_thresholds[_i].soft);
    ck_assert_uint_eq(t.reaper, page_thresholds[_i].reaper);
}
END_TEST

/* memorystatus_update_vm_pressure's backoff: halfway from the soft threshold down to the
 * critical one. */
START_TEST(backoff_is_halfway_from_soft_to_critical)
{
    struct memorystatus_page_thresholds t = memorystatus_page_thresholds(TOTAL, PAGE);
    ck_assert_uint_eq(memorystatus_backoff_pages(&t), 1000);
    t = memorystatus_page_thresholds(10020, PAGE);              /* 1503 - 1002 / 2 */
    ck_assert_uint_eq(memorystatus_backoff_pages(&t), 1002);
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
    ck_assert_uint_eq(p->band_since, 99);
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
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 2, 30, 7), 0);    /* to the tail */
    expect_order((int[]){ 5, 1, 3, 2, 4 }, 5);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 2)->band_since, 7);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 1, 30, 8), 0);    /* same band: stays */
    expect_order((int[]){ 5, 1, 3, 2, 4 }, 5);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 1)->band_since, 0);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 4, 0, 9), 0);
    expect_order((int[]){ 5, 4, 1, 3, 2 }, 5);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 4, 211, 9), -EINVAL);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 9, 10, 9), -ESRCH);
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

/* Evaluates at now = t0, t0 + SPACING, ... for `rounds` spacings. */
static void evaluate_spaced(const struct memorystatus_vm *vm, uint64_t t0, int rounds)
{
    for (int i = 0; i < rounds; i++)
        memorystatus_evaluate(fx.ms, vm, t0 + (uint64_t)i * SPACING);
}

/* The notes recorded from event `from` on, as pids, each with `note`. */
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

static struct memorystatus_vm normal_vm(void)
{
    return vm_at(601, 399);
}

/* vm_pressure_select_optimal_candidate_to_notify, rising pressure: the least important
 * (lowest band) first, then the largest; one note per INTER_NOTIFICATION_DELAY. */
START_TEST(rising_pressure_lowest_band_first_then_largest)
{
    spawn(1, "a", 30, MB(10));
    spawn(2, "b", 40, MB(20));
    spawn(3, "c", 40, MB(40));
    spawn(4, "d", 100, MB(50));
    spawn(5, "e", 30, MB(5));           /* under 6 MB */
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 0),
                      MEMORYSTATUS_DID_LEVEL | MEMORYSTATUS_DID_NOTIFY);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, SPACING - 1), 0);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 100), SPACING);
    ck_assert_uint_eq(memorystatus_next_timer(fx.ms, 100), SPACING);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, SPACING), MEMORYSTATUS_DID_NOTIFY);
    evaluate_spaced(&warning_vm, 2 * SPACING, 5);
    expect_notes(0, WARN, (int[]){ 1, 3, 2, 4 }, 4);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 9999), UINT64_MAX);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 3)->notified, WARN);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 5)->notified, 0);
}
END_TEST

/* memorystatus_bg_pressure_eligible: no note to a suspended process, nor below
 * BACKGROUND_OPPORTUNISTIC (the IDLE and aging bands have nothing to give back). */
START_TEST(suspended_and_low_bands_hear_nothing)
{
    spawn(1, "idle", 0, MB(50));
    spawn(2, "aging", 10, MB(50));
    spawn(3, "opportunistic", 20, MB(10));
    spawn(4, "suspended", 30, MB(50));
    spawn(5, "front", 100, MB(10));
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 4, MEMORYSTATUS_STATE_SUSPENDED, 0), 0);
    evaluate_spaced(&warning_vm, 0, 6);
    expect_notes(0, WARN, (int[]){ 3, 5 }, 2);
}
END_TEST

/* VM_PRESSURE_MINIMUM_RSIZE: 6 whole megabytes, at every level, NORMAL included. */
START_TEST(six_whole_megabytes_is_the_floor)
{
    spawn(1, "at", 30, MB(6));
    spawn(2, "under", 30, MB(6) - 1);   /* 5.99 MB: 5 whole */
    evaluate_spaced(&warning_vm, 0, 4);
    expect_notes(0, WARN, (int[]){ 1 }, 1);
    set_footprint(1, MB(6) - 1);
    size_t mark = fx.n;
    struct memorystatus_vm normal = normal_vm();
    evaluate_spaced(&normal, SECONDS(1), 40);                   /* past the smoothing */
    ck_assert_uint_eq(fx.n, mark + 1);                          /* the level change only */
    ck_assert_uint_eq(memorystatus_find(fx.ms, 1)->notified, WARN);
}
END_TEST

/* Footprints compare in whole megabytes; equals go in table order. */
START_TEST(ties_by_whole_megabytes_then_table_order)
{
    spawn(1, "x", 30, MB(10) + 63);
    spawn(2, "y", 30, MB(10));
    spawn(3, "z", 30, MB(11));
    evaluate_spaced(&warning_vm, 0, 4);
    expect_notes(0, WARN, (int[]){ 3, 1, 2 }, 3);
}
END_TEST

/* memorystatus_update_vm_pressure: no delay between notes once the available pages are at
 * or under the backoff threshold (halfway from soft to critical: 1000 here). */
START_TEST(no_spacing_near_critical)
{
    spawn(1, "a", 30, MB(10));
    spawn(2, "b", 40, MB(10));
    spawn(3, "c", 100, MB(10));
    struct memorystatus_vm vm = warning_vm;
    vm.file_backed = 1001;
    memorystatus_evaluate(fx.ms, &vm, 0);
    ck_assert_uint_eq(count_kind('n'), 1);                      /* spaced */
    vm.file_backed = 1000;
    memorystatus_evaluate(fx.ms, &vm, SPACING);
    expect_notes(0, WARN, (int[]){ 1, 2, 3 }, 3);               /* the rest at once */
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, SPACING), UINT64_MAX); /* round over */
}
END_TEST

/* Two processes, bands 30 and 100, 10 and 20 MB, told CRITICAL in a round that is over. */
static void critical_round_done(void)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "fg", 100, MB(20));
    evaluate_spaced(&critical_vm, 0, 3);
    expect_notes(0, CRIT, (int[]){ 1, 2 }, 2);
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, 3 * SPACING), UINT64_MAX);
}

/* VM_PRESSURE_DECREASED_SMOOTHING_PERIOD: after pressure falls, nothing for 5 s; then the
 * first choice is the most important process, the next ones least important first again
 * (the choice compares the level with the one the last choice was made at). */
START_TEST(falling_pressure_waits_five_seconds)
{
    critical_round_done();
    size_t mark = fx.n;
    struct memorystatus_vm down = vm_at(351, 649);             /* critical -> warning */
    uint64_t t0 = SECONDS(1);
    for (uint64_t t = t0; t < t0 + SECONDS(5); t += SPACING)
        memorystatus_evaluate(fx.ms, &down, t);
    ck_assert_uint_eq(count_kind('n'), 2);                      /* nothing yet */
    ck_assert_uint_eq(memorystatus_next_notify(fx.ms, t0 + SECONDS(5) - 1), t0 + SECONDS(5));
    evaluate_spaced(&down, t0 + SECONDS(5), 3);
    expect_notes(mark, WARN, (int[]){ 2, 1 }, 2);
}
END_TEST

/* The same, but the level rises again within the 5 s: the thread goes on at once. */
START_TEST(smoothing_ends_when_pressure_rises_again)
{
    critical_round_done();
    struct memorystatus_vm down = vm_at(351, 649);
    memorystatus_evaluate(fx.ms, &down, SECONDS(1));
    memorystatus_evaluate(fx.ms, &down, SECONDS(1) + SPACING);
    size_t mark = fx.n;
    spawn(3, "new", 30, MB(8));
    memorystatus_evaluate(fx.ms, &critical_vm, SECONDS(2));    /* back up: no wait */
    expect_notes(mark, CRIT, (int[]){ 3 }, 1);
}
END_TEST

/* Back at normal: NORMAL goes, after the smoothing, to those told WARN or CRITICAL since
 * their last NORMAL, most important first; it clears both marks. */
START_TEST(normal_only_to_those_told_of_pressure)
{
    critical_round_done();
    spawn(3, "never-told", 30, MB(30));
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 3, NORM), 0);
    size_t mark = fx.n;
    struct memorystatus_vm normal = normal_vm();
    evaluate_spaced(&normal, SECONDS(1), 30);
    expect_notes(mark + 1, NORM, (int[]){ 2, 1 }, 2);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 1)->notified, 0);
    ck_assert_uint_eq(memorystatus_find(fx.ms, 2)->notified, 0);
}
END_TEST

/* WARNING_ and CRITICAL_NOTIFICATION_RESTING_PERIOD: once a round at a level ran out of
 * candidates, a return to that level within 25 s sends nothing; a return after it
 * re-arms everybody for that level. */
START_TEST(resting_periods_of_25_seconds)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "fg", 100, MB(20));
    evaluate_spaced(&warning_vm, 0, 3);                         /* WARN round over at 500 */
    expect_notes(0, WARN, (int[]){ 1, 2 }, 2);
    size_t mark = fx.n;
    evaluate_spaced(&critical_vm, 1000, 3);                     /* CRITICAL round over */
    expect_notes(mark, CRIT, (int[]){ 1, 2 }, 2);
    mark = fx.n;
    struct memorystatus_vm down = vm_at(351, 649);
    evaluate_spaced(&down, 2000, 40);                           /* warning within 25 s */
    evaluate_spaced(&critical_vm, 20000, 4);                    /* critical within 25 s */
    ck_assert_uint_eq(count_kind('n'), 4);
    ck_assert_uint_eq(fx.n, mark + 2);                          /* the level changes only */
    mark = fx.n;
    evaluate_spaced(&down, SECONDS(30), 30);                    /* after: everyone again */
    expect_notes(mark + 1, WARN, (int[]){ 2, 1 }, 2);
}
END_TEST

/* PRESSURE_LEVEL_STUCK_THRESHOLD_MINS: a level unchanged for 30 minutes is a new
 * transition; the resting period counts as over, so everyone hears the level again. */
START_TEST(stuck_level_renotifies_after_30_minutes)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "fg", 100, MB(20));
    evaluate_spaced(&warning_vm, 0, 3);
    size_t mark = fx.n;
    memorystatus_evaluate(fx.ms, &warning_vm, SECONDS(30 * 60) - 1);
    ck_assert_uint_eq(fx.n, mark);
    evaluate_spaced(&warning_vm, SECONDS(30 * 60), 3);
    expect_notes(mark, WARN, (int[]){ 1, 2 }, 2);
    mark = fx.n;
    memorystatus_evaluate(fx.ms, &warning_vm, SECONDS(59 * 60));
    ck_assert_uint_eq(fx.n, mark);                              /* the clock restarted */
}
END_TEST

/* The thread reads the level at each turn: a round at warning goes on at critical. */
START_TEST(a_round_follows_the_level)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "fg", 100, MB(20));
    memorystatus_evaluate(fx.ms, &warning_vm, 0);
    evaluate_spaced(&critical_vm, SPACING, 3);
    expect_event(1, 'n', 1);
    ck_assert_uint_eq(fx.ev[1].note, WARN);
    expect_note(3, 1, CRIT);
    expect_note(4, 2, CRIT);
    ck_assert_uint_eq(count_kind('n'), 3);
}
END_TEST

START_TEST(only_listeners_for_the_note)
{
    spawn(1, "a", 30, MB(10));
    spawn(2, "b", 30, MB(20));
    spawn(3, "c", 40, MB(40));
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 3, CRIT), 0);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 2, 0), 0);
    evaluate_spaced(&warning_vm, 0, 4);
    expect_notes(0, WARN, (int[]){ 1 }, 1);
    size_t mark = fx.n;
    evaluate_spaced(&critical_vm, SECONDS(1), 4);
    expect_notes(mark, CRIT, (int[]){ 1, 3 }, 2);
}
END_TEST

START_TEST(default_spacing_is_250ms_of_guest_time)
{
    struct memorystatus_config cfg = { .page_size = PAGE, .notify = fx_notify, .kill = fx_kill,
                                       .ctx = &fx };
    struct memorystatus *ms = memorystatus_create(&cfg);
    ck_assert_ptr_nonnull(ms);
    struct memorystatus_spawn s = { .pid = 1, .name = "a", .band = 30 };
    ck_assert_int_eq(memorystatus_add(ms, &s), 0);
    ck_assert_int_eq(memorystatus_set_notes(ms, 1, WARN), 0);
    struct memorystatus_usage u = { .footprint = MB(10) };
    ck_assert_int_eq(memorystatus_update(ms, 1, &u), 0);
    memorystatus_evaluate(ms, &warning_vm, 0);
    ck_assert_uint_eq(MEMORYSTATUS_NOTIFY_SPACING_DEFAULT, 25000000u);
    ck_assert_uint_eq(memorystatus_next_notify(ms, 0), MEMORYSTATUS_NOTIFY_SPACING_DEFAULT);
    ck_assert_uint_eq(memorystatus_ms(ms, 5000), 500000000u);  /* 5 s at 100 MIPS */
    memorystatus_destroy(ms);
}
END_TEST

START_TEST(killed_processes_hear_nothing)
{
    spawn(1, "a", 30, MB(10));
    spawn(2, "b", 40, MB(20));
    set_limit(1, 5, true, 5, true);                             /* a is over: killed */
    evaluate_spaced(&warning_vm, 0, 4);
    expect_kill(kill_event(0), 1, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    expect_notes(0, WARN, (int[]){ 2 }, 1);
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

/* PHYS_FOOTPRINT_WARNING_LEVEL and the ledger's warning: past 80% of the limit once, again
 * after the footprint fell back to 80% or less (LEDGER_WARNING_DIPPED_BELOW). */
START_TEST(limit_warning_past_80_percent_rearmed_below)
{
    frontmost_app(100, true);
    step(MB(80), 0, 0);
    step(MB(80) + 1, 1, MEMORYSTATUS_DID_LIMIT);
    step(MB(90), 2, 0);
    step(MB(80), 3, 0);                                         /* dipped: re-armed */
    step(MB(81), 4, MEMORYSTATUS_DID_LIMIT);
    step(MB(100), 5, 0);                                        /* at a fatal limit: alive */
    step(MB(100) + 1, 6, MEMORYSTATUS_DID_KILL);                /* no CRITICAL note first */
    ck_assert_uint_eq(fx.n, 3);
    expect_note(0, 1, LIMIT_WARN);
    expect_note(1, 1, LIMIT_WARN);
    expect_kill(2, 1, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
}
END_TEST

/* memorystatus_warn_process on iOS: an app not registered for PROC_LIMIT_WARN hears
 * PRESSURE_CRITICAL near its limit, or PRESSURE_WARN if it takes only that; it does not
 * count as told of system pressure. */
START_TEST(ios_app_hears_its_limit_as_pressure)
{
    static const struct { uint32_t listens, hears; } cases[] = {
        { NORM | WARN | CRIT, CRIT }, { WARN, WARN }, { WARN | LIMIT_WARN, LIMIT_WARN },
        { NORM | LIMIT_CRIT, 0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        teardown();
        setup();
        frontmost_app(100, true);
        ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, cases[c].listens), 0);
        step(MB(81), 0, cases[c].hears ? MEMORYSTATUS_DID_LIMIT : 0);
        ck_assert_uint_eq(fx.n, cases[c].hears ? 1 : 0);
        if (cases[c].hears)
            expect_note(0, 1, cases[c].hears);
        ck_assert_uint_eq(memorystatus_find(fx.ms, 1)->notified, 0);
    }
}
END_TEST

/* A soft limit's PROC_LIMIT_CRITICAL goes off once (LF_CALLED_BACK) until the limit is
 * set again (ledger_set_limit). */
START_TEST(soft_limit_critical_once_until_set_again)
{
    frontmost_app(100, false);
    step(MB(81), 0, MEMORYSTATUS_DID_LIMIT);
    step(MB(100), 1, 0);
    step(MB(100) + 1, 2, MEMORYSTATUS_DID_LIMIT);
    step(MB(100) + 1, 3, 0);
    step(MB(90), 4, 0);                                         /* still warned */
    step(MB(120), 5, 0);                                        /* called back already */
    set_limit(1, 100, false, 0, false);
    step(MB(120), 6, MEMORYSTATUS_DID_LIMIT);
    ck_assert_uint_eq(fx.n, 3);
    expect_note(0, 1, LIMIT_WARN);
    expect_note(1, 1, LIMIT_CRIT);
    expect_note(2, 1, LIMIT_CRIT);
}
END_TEST

/* A jump past both lines: only the limit's callback (the ledger checks the warning only
 * under the limit); falling back between them then gives the warning. */
START_TEST(jump_past_both_lines_gives_critical_only)
{
    frontmost_app(100, false);
    step(MB(150), 0, MEMORYSTATUS_DID_LIMIT);
    step(MB(150), 1, 0);
    step(MB(90), 2, MEMORYSTATUS_DID_LIMIT);
    ck_assert_uint_eq(fx.n, 2);
    expect_note(0, 1, LIMIT_CRIT);
    expect_note(1, 1, LIMIT_WARN);
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

/* Turning active or inactive puts the other limit in force: a new ledger limit, armed. */
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

/* memorystatus_warn_process on macOS: PROC_LIMIT_WARN only; for a soft limit once per
 * active/inactive state until the process registers again, for a fatal one each time. */
START_TEST(macos_limit_warnings)
{
    teardown();
    fx_create_for(false, SPACING, true);
    frontmost_app(100, false);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, WARN | CRIT | LIMIT_CRIT), 0);
    step(MB(81), 0, 0);                                         /* no PRESSURE_* stand-in */
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, MEMORYSTATUS_NOTES_ALL), 0);
    step(MB(70), 1, 0);
    step(MB(81), 2, MEMORYSTATUS_DID_LIMIT);
    step(MB(70), 3, 0);
    step(MB(81), 4, 0);                                         /* once for a soft limit */
    step(MB(101), 5, MEMORYSTATUS_DID_LIMIT);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, WARN), 0);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, MEMORYSTATUS_NOTES_ALL), 0);
    step(MB(70), 6, 0);
    step(MB(81), 7, MEMORYSTATUS_DID_LIMIT);                    /* registered again */
    set_limit(1, 100, true, 0, false);
    step(MB(70), 8, 0);
    step(MB(81), 9, MEMORYSTATUS_DID_LIMIT);
    step(MB(70), 10, 0);
    step(MB(81), 11, MEMORYSTATUS_DID_LIMIT);                   /* fatal: every time */
    ck_assert_uint_eq(fx.n, 5);
    expect_note(0, 1, LIMIT_WARN);
    expect_note(1, 1, LIMIT_CRIT);
    expect_note(2, 1, LIMIT_WARN);
    expect_note(3, 1, LIMIT_WARN);
    expect_note(4, 1, LIMIT_WARN);
}
END_TEST

START_TEST(limit_notes_need_a_listener)
{
    frontmost_app(100, false);
    ck_assert_int_eq(memorystatus_set_notes(fx.ms, 1, NORM), 0);
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

/* Available pages under the critical threshold (500): a page shortage. */
static struct memorystatus_vm shortage(void)
{
    return vm_avail(499);
}

/* memorystatus_on_ledger_footprint_exceeded: a fatal limit kills at once, at any level. */
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

/* memorystatus_pick_action on iOS: the pressure level drives notes only. */
START_TEST(level_never_kills_on_ios)
{
    spawn(1, "idle", 0, MB(10));
    spawn(2, "bg", 30, MB(10));

    set_limit(2, 5, false, 5, false);
    ck_assert_int_eq(evaluate_until_quiet(&critical_vm, 0), 0);
    ck_assert_int_eq(memorystatus_level(fx.ms), C);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 1), 0);
}
END_TEST

static void soft_over(int pid, int band)
{
    spawn(pid, "soft", band, MB(60));
    set_limit(pid, 50, false, 50, false);
}

/* MEMORYSTATUS_KILL_HIWATER: soft limits are enforced under the soft (pressure) threshold
 * only, not at a pressure level. */
START_TEST(highwater_only_under_the_soft_threshold)
{
    soft_over(1, 30);
    ck_assert_uint_eq(evaluate_calm(0), MEMORYSTATUS_DID_LIMIT);  /* the note, no kill */
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &warning_vm, 1) & MEMORYSTATUS_DID_KILL, 0);
    struct memorystatus_vm vm = vm_avail(1500);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &vm, 2) & MEMORYSTATUS_DID_KILL, 0);
    vm = vm_avail(1499);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 3), 1);
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
    struct memorystatus_vm vm = vm_avail(1200);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 3);
    expect_kills(MEMORYSTATUS_CAUSE_HIGHWATER, (int[]){ 2, 3, 1 }, 3);
}
END_TEST

START_TEST(fatal_limit_before_highwater)
{
    soft_over(1, 0);
    spawn(2, "fatal", 100, MB(60));
    set_limit(2, 50, true, 50, true);
    struct memorystatus_vm vm = vm_avail(1200);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 2);
    expect_kill(kill_event(0), 2, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    expect_kill(kill_event(1), 1, MEMORYSTATUS_CAUSE_HIGHWATER);
}
END_TEST

/* memorystatus_pick_action: an exhausted compressor is checked before the soft limits,
 * and kills the top process (idle band first), whatever the available pages say. */
START_TEST(compressor_exhaustion_before_highwater)
{
    soft_over(1, 30);
    spawn(2, "idle", 0, MB(5));
    struct memorystatus_vm vm = calm();
    vm.compressor_low_on_space = true;
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 2);
    expect_kills(MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE, (int[]){ 2, 1 }, 2);
}
END_TEST

/* memstat_evaluate_page_shortage: a page shortage under the critical threshold (strict),
 * free and file-backed pages counted; the top process, lowest band first. */
START_TEST(page_shortage_under_the_critical_threshold)
{
    spawn(1, "bg", 30, MB(10));
    spawn(2, "fg", 100, MB(10));
    struct memorystatus_vm vm = vm_avail(500);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 0);
    vm = vm_avail(499);
    vm.free = 400;
    vm.file_backed = 99;                /* file-backed pages count as available */
    ck_assert_int_eq(evaluate_until_quiet(&vm, 1), 2);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 1, 2 }, 2);
    ck_assert_int_eq(memorystatus_level(fx.ms), N);
}
END_TEST

/* MEMORYSTATUS_KILL_IDLE: under the idle threshold, a healthy system exits idle processes
 * only; under the critical one the idle band goes first with the shortage's cause. */
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
    spawn(4, "idle3", 0, MB(10));
    vm = shortage();
    ck_assert_int_eq(evaluate_until_quiet(&vm, 2), 2);
    expect_kill(kill_event(2), 4, MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE);
    expect_kill(kill_event(3), 1, MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE);
}
END_TEST

/* memorystatus_pick_kill_cause: compressor thrashing, then exhaustion, then the file
 * cache; file-cache thrashing does not count while the compressor both thrashes and is
 * exhausted (memorystatus_health_check). */
START_TEST(kill_cause_of_an_unhealthy_system)
{
    static const struct {
        bool thrashing, exhausted, filecache;
        uint64_t avail;
        enum memorystatus_cause cause;
    } cases[] = {
        { true, false, false, 4000, MEMORYSTATUS_CAUSE_VM_COMPRESSOR_THRASHING },
        { true, true, true, 4000, MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE },
        { false, true, true, 499, MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE },
        { false, false, true, 499, MEMORYSTATUS_CAUSE_FC_THRASHING },
        { true, false, true, 499, MEMORYSTATUS_CAUSE_VM_COMPRESSOR_THRASHING },
        { false, false, false, 499, MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE },
        { false, false, false, 500, MEMORYSTATUS_CAUSE_NONE },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        teardown();
        setup();
        spawn(1, "fg", 100, MB(10));
        struct memorystatus_vm vm = vm_avail(cases[c].avail);
        vm.compressor_thrashing = cases[c].thrashing;
        vm.compressor_low_on_space = cases[c].exhausted;
        vm.filecache_thrashing = cases[c].filecache;
        enum memorystatus_cause cause = MEMORYSTATUS_CAUSE_JETTISONED;
        const struct memorystatus_proc *v = memorystatus_next_victim(fx.ms, &vm, 0, &cause);
        ck_assert_int_eq(cause, cases[c].cause);
        ck_assert(!v == (cases[c].cause == MEMORYSTATUS_CAUSE_NONE));
        memorystatus_evaluate(fx.ms, &vm, 0);
        ck_assert_uint_eq(count_kind('k'), cases[c].cause != MEMORYSTATUS_CAUSE_NONE);
        if (count_kind('k'))
            expect_kill(kill_event(0), 1, cases[c].cause);
    }
}
END_TEST

/* _memstat_proc_is_reapable and the reaper's sweep: under the reaper threshold (2000),
 * a healthy system exits IDLE-band processes that have been in the band 300 s
 * (long-idle-exit); a sweep ends when none is left, the next starts 300 s later (here
 * at 600 s, although "young" is old enough at 500 s). */
START_TEST(long_idle_exit_by_the_reaper)
{
    spawn(1, "old", 0, MB(10));
    struct memorystatus_spawn s = { .pid = 2, .name = "young", .band = 30,
                                    .launch_time = SECONDS(100) };
    ck_assert_int_eq(memorystatus_add(fx.ms, &s), 0);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 2, 0, SECONDS(200)), 0);
    spawn(3, "bg", 30, MB(10));
    struct memorystatus_vm vm = vm_avail(1999);
    ck_assert_int_eq(evaluate_until_quiet(&vm, SECONDS(300) - 1), 0);
    ck_assert_uint_eq(memorystatus_next_timer(fx.ms, 0), SECONDS(300));
    struct memorystatus_vm plenty = vm_avail(2000);
    ck_assert_int_eq(evaluate_until_quiet(&plenty, SECONDS(300)), 0);
    ck_assert_int_eq(evaluate_until_quiet(&vm, SECONDS(300)), 1);
    expect_kills(MEMORYSTATUS_CAUSE_LONG_IDLE_EXIT, (int[]){ 1 }, 1);
    ck_assert_uint_eq(memorystatus_next_timer(fx.ms, SECONDS(400)), SECONDS(600));
    ck_assert_int_eq(evaluate_until_quiet(&vm, SECONDS(500)), 0);   /* the sweep ended */
    ck_assert_int_eq(evaluate_until_quiet(&vm, SECONDS(600) - 1), 0);
    ck_assert_int_eq(evaluate_until_quiet(&vm, SECONDS(600)), 1);
    expect_kills(MEMORYSTATUS_CAUSE_LONG_IDLE_EXIT, (int[]){ 1, 2 }, 2);
}
END_TEST

/* sustained_pressure_handler: ten minutes after the pressure thread saw the level leave
 * normal, it kills the IDLE band every 500 ms while pressure stays, up to twice the
 * band's size; a return to normal first cancels it. */
START_TEST(sustained_pressure_kills_the_idle_band)
{
    spawn(1, "idle1", 0, MB(10));
    spawn(2, "idle2", 0, MB(10));
    spawn(3, "bg", 30, MB(20));
    evaluate_spaced(&warning_vm, 0, 2);                         /* bg told, round over */
    ck_assert_uint_eq(memorystatus_next_timer(fx.ms, SECONDS(1)), SECONDS(600));
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(600) - 1), 0);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(600)), 1);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(600) + 499), 0);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(600) + 500), 1);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(601)), 0);  /* no idle left */
    expect_kills(MEMORYSTATUS_CAUSE_SUSTAINED_PRESSURE, (int[]){ 1, 2 }, 2);
    ck_assert_int_eq(memorystatus_find(fx.ms, 3)->killed, MEMORYSTATUS_CAUSE_NONE);
}
END_TEST

START_TEST(sustained_pressure_cancelled_by_normal)
{
    spawn(1, "idle", 0, MB(10));
    spawn(3, "bg", 30, MB(20));
    evaluate_spaced(&warning_vm, 0, 3);
    struct memorystatus_vm normal = normal_vm();
    evaluate_spaced(&normal, SECONDS(1), 30);                   /* the NORMAL round, done */
    evaluate_spaced(&warning_vm, SECONDS(10), 3);               /* rises again: rescheduled */
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(600)), 0);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, SECONDS(610)), 1);
    expect_kills(MEMORYSTATUS_CAUSE_SUSTAINED_PRESSURE, (int[]){ 1 }, 1);
}
END_TEST

/* memorystatus_sort_by_largest_process_locked, without coalitions: the FOREGROUND band is
 * re-sorted largest first before a top-process kill; other bands keep list order. */
START_TEST(foreground_sorted_largest_first)
{
    spawn(1, "fg10", 100, MB(10));
    spawn(2, "fg30a", 100, MB(30));
    spawn(3, "fg30b", 100, MB(30));
    spawn(4, "home", 160, MB(90));
    struct memorystatus_vm vm = shortage();
    memorystatus_evaluate(fx.ms, &vm, 0);
    expect_order((int[]){ 2, 3, 1, 4 }, 4);                     /* re-sorted in place */
    evaluate_until_quiet(&vm, 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 2, 3, 1, 4 }, 4);
}
END_TEST

static void spawn_in(int pid, int band, uint64_t coalition, uint64_t pages)
{
    struct memorystatus_spawn s = { .pid = pid, .name = "p", .band = band, .coalition = coalition };
    ck_assert_int_eq(memorystatus_add(fx.ms, &s), 0);
    set_footprint(pid, pages);
}

/* memorystatus_sort_by_largest_coalition_locked: coalitions led from the band, largest
 * (all members counted) first; in one, members largest first, the leader last; the band's
 * others after them. */
START_TEST(foreground_sorted_by_coalition)
{
    spawn_in(10, 100, 10, MB(10));      /* leader of A: 10 + 30 + 5 = 45 MB */
    spawn_in(30, 100, 99, MB(50));      /* its leader is elsewhere */
    spawn_in(11, 100, 10, MB(30));
    spawn_in(20, 100, 20, MB(60));      /* leader of B: 60 + 20 = 80 MB */
    spawn_in(12, 100, 10, MB(5));
    spawn_in(21, 30, 20, MB(20));
    spawn_in(99, 160, 99, MB(1));
    struct memorystatus_vm vm = shortage();
    enum memorystatus_cause cause;
    ck_assert_int_eq(memorystatus_next_victim(fx.ms, &vm, 0, &cause)->pid, 21);
    memorystatus_evaluate(fx.ms, &vm, 0);
    expect_order((int[]){ 21, 20, 11, 12, 10, 30, 99 }, 7);
    ck_assert_int_eq(memorystatus_next_victim(fx.ms, &vm, 0, &cause)->pid, 20);
    evaluate_until_quiet(&vm, 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 21, 20, 11, 12, 10, 30, 99 }, 7);
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
    struct memorystatus_vm vm = shortage();
    enum memorystatus_cause cause = MEMORYSTATUS_CAUSE_NONE;
    const struct memorystatus_proc *v = memorystatus_next_victim(fx.ms, &vm, 0, &cause);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->pid, 4);                                /* the fatal limit first */
    ck_assert_int_eq(cause, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    int want[] = { 4, 2, 3, 1 };
    for (int round = 0; round < 4; round++) {
        size_t events = fx.n;
        v = memorystatus_next_victim(fx.ms, &vm, (uint64_t)round, &cause);
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(v->pid, want[round]);
        ck_assert_uint_eq(fx.n, events);                        /* no callback */
        if (round == 1)
            expect_order((int[]){ 2, 1, 3, 4 }, 4);             /* not sorted by the preview */
        memorystatus_evaluate(fx.ms, &vm, (uint64_t)round);
        ck_assert_uint_eq(count_kind('k'), (size_t)round + 1);
        expect_kill(kill_event((size_t)round), want[round], cause);
    }
    ck_assert_ptr_null(memorystatus_next_victim(fx.ms, &vm, 5, &cause));
}
END_TEST

START_TEST(other_bands_keep_list_order)
{
    spawn(1, "small", 30, MB(5));
    spawn(2, "large", 30, MB(50));
    struct memorystatus_vm vm = shortage();
    evaluate_until_quiet(&vm, 0);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 1, 2 }, 2);
}
END_TEST

START_TEST(moving_band_goes_to_the_tail)
{
    spawn(1, "first", 0, MB(5));
    spawn(2, "second", 0, MB(5));
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 1, 30, 0), 0);
    ck_assert_int_eq(memorystatus_set_band(fx.ms, 1, 0, 0), 0);
    struct memorystatus_vm vm = shortage();
    memorystatus_evaluate(fx.ms, &vm, 0);
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
    struct memorystatus_vm vm = shortage();
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &vm, 0) & MEMORYSTATUS_DID_KILL,
                      MEMORYSTATUS_DID_KILL);
    ck_assert_uint_eq(memorystatus_count(fx.ms), 1);
    ck_assert_ptr_null(memorystatus_find(fx.ms, 1));
    ck_assert_int_eq(evaluate_until_quiet(&vm, 1), 1);
    expect_kills(MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE, (int[]){ 1, 2 }, 2);
    ck_assert_uint_eq(memorystatus_count(fx.ms), 0);
}
END_TEST

START_TEST(kill_rounds_and_sequence_numbers)
{
    for (int pid = 1; pid <= 3; pid++)
        spawn(pid, "p", 30, MB(10));
    struct memorystatus_vm vm = shortage();
    memorystatus_evaluate(fx.ms, &vm, 100);
    memorystatus_evaluate(fx.ms, &vm, 200);
    evaluate_calm(300);                                         /* nothing to kill: round over */
    memorystatus_evaluate(fx.ms, &vm, 400);
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
    struct memorystatus_vm vm = shortage();
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 1);
    ck_assert_int_eq(memorystatus_find(fx.ms, 1)->killed, MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE);
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &vm, 1) & MEMORYSTATUS_DID_KILL, 0);
}
END_TEST

/* memorystatus_pick_action without CONFIG_JETSAM (macOS): only an unhealthy system (the
 * compressor low on space) kills, soft limits first, then the top process; idle exits
 * come from the pressure thread while the level is not normal, 1 s apart. */
START_TEST(macos_kills_only_when_unhealthy)
{
    teardown();
    fx_create_for(false, SPACING, true);
    spawn(1, "bg", 30, MB(10));
    soft_over(2, 100);
    spawn(3, "idle1", 0, MB(10));
    spawn(4, "idle2", 0, MB(10));
    struct memorystatus_vm vm = vm_avail(10);
    ck_assert_int_eq(evaluate_until_quiet(&vm, 0), 0);         /* no page-shortage kill */
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 1), 1);
    expect_kill(kill_event(0), 3, MEMORYSTATUS_CAUSE_IDLE_EXIT);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 1000), 0);
    ck_assert_uint_eq(memorystatus_next_timer(fx.ms, 1000), 1001);
    ck_assert_int_eq(evaluate_until_quiet(&warning_vm, 1001), 1);
    expect_kill(kill_event(1), 4, MEMORYSTATUS_CAUSE_IDLE_EXIT);
    vm = calm();
    vm.compressor_low_on_space = true;
    ck_assert_int_eq(evaluate_until_quiet(&vm, 2000), 2);
    expect_kill(kill_event(2), 2, MEMORYSTATUS_CAUSE_HIGHWATER);
    expect_kill(kill_event(3), 1, MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE);
}
END_TEST

/* vm_phantom_cache_check_pressure: a 250 ms period thrashes with 1000 ghosts added and
 * 1000 found, at least half as many found as added; pressure after four in a row; none
 * while file pages are more than half of AVAILABLE_MEMORY; a restart starts over. */
static bool fc_period(struct memorystatus_fc_sampler *s, uint64_t *added, uint64_t *found,
                      uint64_t t, uint64_t add, uint64_t find, const struct memorystatus_vm *vm)
{
    memorystatus_fc_pressure(fx.ms, s, t, *added, *found, vm);          /* the period's start */
    *added += add;
    *found += find;
    return memorystatus_fc_pressure(fx.ms, s, t + 100, *added, *found, vm);
}

START_TEST(file_cache_thrashing_from_the_phantom_cache)
{
    struct memorystatus_fc_sampler s = { 0 };
    struct memorystatus_vm vm = calm();                 /* 4000 file pages of 10000 */
    uint64_t added = 0, found = 0, t = 1000;
    for (int k = 0; k < 3; k++, t += 250)
        ck_assert(!fc_period(&s, &added, &found, t, 1000, 1000, &vm));
    ck_assert(fc_period(&s, &added, &found, t, 1000, 1000, &vm));     /* the fourth */
    t += 250;
    ck_assert(!fc_period(&s, &added, &found, t, 2002, 1000, &vm));    /* under half found */
    t += 250;
    for (int k = 0; k < 3; k++, t += 250)
        ck_assert(!fc_period(&s, &added, &found, t, 1000, 999, &vm)); /* under 1000 */
    for (int k = 0; k < 4; k++, t += 250)
        fc_period(&s, &added, &found, t, 3000, 1500, &vm);
    ck_assert(memorystatus_fc_pressure(fx.ms, &s, t - 100, added, found, &vm));
    struct memorystatus_vm cache_rich = vm_at(4000, 0);                /* 4000 of 8000 */
    cache_rich.file_backed = 4001;
    ck_assert(!memorystatus_fc_pressure(fx.ms, &s, t - 99, added, found, &cache_rich));
    memorystatus_fc_restart(&s);
    ck_assert(!memorystatus_fc_pressure(fx.ms, &s, t - 98, added, found, &vm));
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
    tcase_add_loop_test(levels, page_thresholds_by_ram_size, 0,
                        (int)(sizeof page_thresholds / sizeof page_thresholds[0]));
    tcase_add_test(levels, backoff_is_halfway_from_soft_to_critical);
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
    tcase_add_test(notes, suspended_and_low_bands_hear_nothing);
    tcase_add_test(notes, six_whole_megabytes_is_the_floor);
    tcase_add_test(notes, ties_by_whole_megabytes_then_table_order);
    tcase_add_test(notes, no_spacing_near_critical);
    tcase_add_test(notes, falling_pressure_waits_five_seconds);
    tcase_add_test(notes, smoothing_ends_when_pressure_rises_again);
    tcase_add_test(notes, normal_only_to_those_told_of_pressure);
    tcase_add_test(notes, resting_periods_of_25_seconds);
    tcase_add_test(notes, stuck_level_renotifies_after_30_minutes);
    tcase_add_test(notes, a_round_follows_the_level);
    tcase_add_test(notes, only_listeners_for_the_note);
    tcase_add_test(notes, default_spacing_is_250ms_of_guest_time);
    tcase_add_test(notes, killed_processes_hear_nothing);
    tcase_add_test(notes, limit_warning_past_80_percent_rearmed_below);
    tcase_add_test(notes, ios_app_hears_its_limit_as_pressure);
    tcase_add_test(notes, soft_limit_critical_once_until_set_again);
    tcase_add_test(notes, jump_past_both_lines_gives_critical_only);
    tcase_add_test(notes, limit_line_is_the_last_quiet_page);
    tcase_add_test(notes, active_and_inactive_limits_apart);
    tcase_add_test(notes, macos_limit_warnings);
    tcase_add_test(notes, limit_notes_need_a_listener);
    tcase_add_test(notes, note_callback_may_remove_processes);
    suite_add_tcase(s, notes);

    TCase *kills = tcase_create("kills");
    tcase_add_checked_fixture(kills, setup, teardown);
    tcase_add_test(kills, fatal_limit_kills_at_once);
    tcase_add_test(kills, fatal_limit_follows_the_active_state);
    tcase_add_test(kills, one_kill_per_evaluation_lowest_band_first);
    tcase_add_test(kills, level_never_kills_on_ios);
    tcase_add_test(kills, highwater_only_under_the_soft_threshold);
    tcase_add_test(kills, highwater_lowest_band_head_first);
    tcase_add_test(kills, fatal_limit_before_highwater);
    tcase_add_test(kills, compressor_exhaustion_before_highwater);
    tcase_add_test(kills, page_shortage_under_the_critical_threshold);
    tcase_add_test(kills, idle_exit_under_the_idle_threshold);
    tcase_add_test(kills, kill_cause_of_an_unhealthy_system);
    tcase_add_test(kills, file_cache_thrashing_from_the_phantom_cache);
    tcase_add_test(kills, long_idle_exit_by_the_reaper);
    tcase_add_test(kills, sustained_pressure_kills_the_idle_band);
    tcase_add_test(kills, sustained_pressure_cancelled_by_normal);
    tcase_add_test(kills, foreground_sorted_largest_first);
    tcase_add_test(kills, foreground_sorted_by_coalition);
    tcase_add_test(kills, next_victim_is_the_next_kill);
    tcase_add_test(kills, other_bands_keep_list_order);
    tcase_add_test(kills, moving_band_goes_to_the_tail);
    tcase_add_test(kills, kill_callback_may_remove_processes);
    tcase_add_test(kills, kill_rounds_and_sequence_numbers);
    tcase_add_test(kills, nothing_left_to_kill);
    tcase_add_test(kills, macos_kills_only_when_unhealthy);
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
