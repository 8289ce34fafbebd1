/* Unit tests for jetsam/jetsam_report.h: the JetsamEvent report a kill hands to the
 * table's save_report callback, read back with jansson field by field; file names, a
 * failed save, determinism. (Writing it to a host file is emu/hostout.h's, tested in
 * test_hostout.) */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "jetsam/jetsam_report.h"
#include "tests/unit/jetsam_fixture.h"

static void report_setup(void)
{
    fx_create(true, SPACING);
}

static void report_teardown(void)
{
    teardown();
}

/* The report text split into its header line and its body, parsed. */
static void parse_report(const char *text, json_t **header, json_t **body)
{
    const char *nl = strchr(text, '\n');
    ck_assert_ptr_nonnull(nl);
    json_error_t err;
    *header = json_loadb(text, (size_t)(nl - text), 0, &err);
    ck_assert_msg(*header != NULL, "header: %s", err.text);
    *body = json_loads(nl + 1, 0, &err);
    ck_assert_msg(*body != NULL, "body: %s", err.text);
}

static json_int_t int_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

static const char *str_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* Seconds are reals, as in Apple's reports (cpuTime 0.777). */
static double real_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_real(v), "%s is not a real", key);
    return json_real_value(v);
}

/* 8-4-4-4-12 upper-case hex, version 4. */
static void check_uuid(const char *u)
{
    ck_assert_uint_eq(strlen(u), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ck_assert_int_eq(u[i], '-');
        else
            ck_assert_msg(strchr("0123456789ABCDEF", u[i]), "uuid %s", u);
    }
    ck_assert_int_eq(u[14], '4');
}

static const struct memorystatus_vm report_vm = {
    .free = 11, .active = 22, .inactive = 33, .speculative = 44, .throttled = 55, .wired = 66,
    .purgeable = 77, .file_backed = 88, .anonymous = 99, .compressor_pages = 1234,
    .compressor_frames = 400, .compressions = 5678, .decompressions = 910,
    .total_pages = TOTAL,
};     /* critical: 110 uncompressed of 510 */

static void add_full(int pid, const char *name, int band, uint64_t launch,
                     const struct memorystatus_usage *u)
{
    struct memorystatus_spawn s = { .pid = pid, .name = name, .band = band,
                                    .coalition = (uint64_t)pid * 10, .launch_time = launch };
    ck_assert_int_eq(memorystatus_add(fx.ms, &s), 0);
    ck_assert_int_eq(memorystatus_update(fx.ms, pid, u), 0);
}

/* A daemon (idle), a suspended leaky app and a frontmost app; the leaky one dies first. */
static void three_processes(void)
{
    add_full(10, "backgroundd", 180, 500,
             &(struct memorystatus_usage){ .footprint = MB(8), .purgeable = 3, .cpu_time = 12345,
                                           .fds = 7, .times_exact = true, .internal = MB(6),
                                           .compressed = MB(2) });
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 10, MEMORYSTATUS_STATE_IDLE, 1000), 0);
    add_full(20, "Leaky App", 30, 100,
             &(struct memorystatus_usage){ .footprint = MB(310), .times_exact = true });
    struct memorystatus_usage leaky = { .footprint = MB(300), .purgeable = 5, .cpu_time = 777,
                                        .fds = 3, .times_exact = true, .internal = MB(100),
                                        .compressed = MB(195) };
    ck_assert_int_eq(memorystatus_update(fx.ms, 20, &leaky), 0);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 20, MEMORYSTATUS_STATE_SUSPENDED, 0), 0);
    add_full(30, "Front", 100, 200,
             &(struct memorystatus_usage){ .footprint = MB(120), .cpu_time = 999, .fds = 12 });
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 30, MEMORYSTATUS_STATE_FRONTMOST, 0), 0);
}

static void check_states(json_t *proc, const char *want)
{
    json_t *a = json_object_get(proc, "states");
    ck_assert(json_is_array(a));
    if (!want) {
        ck_assert_uint_eq(json_array_size(a), 0);
        return;
    }
    ck_assert_uint_eq(json_array_size(a), 1);
    ck_assert_str_eq(json_string_value(json_array_get(a, 0)), want);
}

static void check_memory_status(json_t *body)
{
    json_t *m = json_object_get(body, "memoryStatus");
    ck_assert(json_is_object(m));
    ck_assert_int_eq(int_at(m, "pageSize"), PAGE);
    ck_assert_int_eq(int_at(m, "compressorSize"), 400);
    ck_assert_int_eq(int_at(m, "uncompressed"), 1234);
    ck_assert_int_eq(int_at(m, "compressions"), 5678);
    ck_assert_int_eq(int_at(m, "decompressions"), 910);
    json_t *p = json_object_get(m, "memoryPages");
    static const struct {
        const char *key;
        json_int_t value;
    } pages[] = {
        { "active", 22 }, { "throttled", 55 }, { "fileBacked", 88 }, { "wired", 66 },
        { "anonymous", 99 }, { "purgeable", 77 }, { "inactive", 33 }, { "free", 11 },
        { "speculative", 44 },
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        ck_assert_int_eq(int_at(p, pages[i].key), pages[i].value);
}

static void check_victim(json_t *p)
{
    ck_assert_int_eq(int_at(p, "pid"), 20);
    ck_assert_str_eq(str_at(p, "name"), "Leaky App");
    ck_assert_int_eq(int_at(p, "priority"), 30);
    ck_assert_int_eq(int_at(p, "rpages"), MB(300));
    ck_assert_int_eq(int_at(p, "lifetimeMax"), MB(310));
    check_states(p, "suspended");
    ck_assert_str_eq(str_at(p, "reason"), "vm-pageshortage");
    ck_assert_int_eq(int_at(p, "killDelta"), 0);
    ck_assert_ptr_null(json_object_get(p, "idleDelta"));
    ck_assert_double_eq_tol(real_at(p, "age"), (50000 - 100) / 1000.0, 1e-9);  /* 1000/s */
    ck_assert_int_eq(int_at(p, "purgeable"), 5);
    ck_assert_int_eq(int_at(p, "fds"), 3);
    ck_assert_int_eq(int_at(p, "coalition"), 200);
    ck_assert_double_eq_tol(real_at(p, "cpuTime"), 0.777, 1e-9);
    check_uuid(str_at(p, "uuid"));
    ck_assert_int_eq(int_at(p, "genCount"), 0);
    json_t *internal = json_object_get(json_object_get(p, "physicalPages"), "internal");
    ck_assert_uint_eq(json_array_size(internal), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(internal, 0)), MB(100));
    ck_assert_int_eq(json_integer_value(json_array_get(internal, 1)), MB(195));
    ck_assert(json_is_true(json_object_get(p, "clockExact")));
}

static void check_bystanders(json_t *front, json_t *daemon)
{
    ck_assert_int_eq(int_at(front, "pid"), 30);
    check_states(front, "frontmost");
    ck_assert_ptr_null(json_object_get(front, "reason"));
    ck_assert_ptr_null(json_object_get(front, "killDelta"));
    ck_assert_double_eq_tol(real_at(front, "cpuTime"), 0.999, 1e-9);
    ck_assert_str_ne(str_at(front, "uuid"), str_at(daemon, "uuid"));
    ck_assert(json_is_false(json_object_get(front, "clockExact")));  /* its clock had a gap */
    ck_assert_int_eq(int_at(daemon, "pid"), 10);
    ck_assert_str_eq(str_at(daemon, "name"), "backgroundd");
    ck_assert_int_eq(int_at(daemon, "priority"), 180);
    check_states(daemon, "idle");
    ck_assert_int_eq(int_at(daemon, "idleDelta"), 50000 - 1000);
    ck_assert_double_eq_tol(real_at(daemon, "age"), 49.5, 1e-9);
    ck_assert_int_eq(int_at(daemon, "purgeable"), 3);
    ck_assert_int_eq(int_at(daemon, "fds"), 7);
    ck_assert_int_eq(int_at(daemon, "coalition"), 100);
    ck_assert_double_eq_tol(real_at(daemon, "cpuTime"), 12.345, 1e-9);
}

START_TEST(report_has_every_field)
{
    three_processes();
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &report_vm, 50000) & MEMORYSTATUS_DID_KILL,
                      MEMORYSTATUS_DID_KILL);
    struct event *e = &fx.ev[kill_event(0)];
    ck_assert_str_eq(e->report, "reports/JetsamEvent-2025-01-01-000050.ips");   /* 50 s */
    json_t *header, *body;
    parse_report(e->report_text, &header, &body);
    ck_assert_str_eq(str_at(header, "bug_type"), "298");
    ck_assert_str_eq(str_at(header, "os_version"), "machemu");
    ck_assert_str_eq(str_at(header, "timestamp"), "2025-01-01 00:00:50.00 +0000");
    check_uuid(str_at(header, "incident_id"));
    ck_assert_str_eq(str_at(body, "incident"), str_at(header, "incident_id"));
    ck_assert_str_eq(str_at(body, "date"), str_at(header, "timestamp"));
    ck_assert_int_eq(int_at(body, "timeDelta"), 50);
    ck_assert_int_eq(int_at(body, "genCounter"), 0);
    check_memory_status(body);
    ck_assert_str_eq(str_at(body, "largestProcess"), "Leaky App");
    json_t *procs = json_object_get(body, "processes");
    ck_assert_uint_eq(json_array_size(procs), 3);               /* band by band */
    check_victim(json_array_get(procs, 0));
    check_bystanders(json_array_get(procs, 1), json_array_get(procs, 2));
    json_decref(header);
    json_decref(body);
}
END_TEST

START_TEST(report_text_is_deterministic)
{
    three_processes();
    memorystatus_evaluate(fx.ms, &report_vm, 50000);
    struct event *e = &fx.ev[kill_event(0)];
    char *text = jetsam_report_text(fx.ms, &e->kill);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, e->report_text);
    char *again = jetsam_report_text(fx.ms, &e->kill);
    ck_assert_str_eq(text, again);
    free(text);
    free(again);
}
END_TEST

START_TEST(later_reports_keep_earlier_victims)
{
    three_processes();
    memorystatus_evaluate(fx.ms, &report_vm, 50000);
    memorystatus_evaluate(fx.ms, &report_vm, 50300);           /* the frontmost one next */
    struct event *e = &fx.ev[kill_event(1)];
    ck_assert_str_eq(e->report, "reports/JetsamEvent-2025-01-01-000050.ips");   /* 50.3 s */
    json_t *header, *body;
    parse_report(e->report_text, &header, &body);
    ck_assert_str_eq(str_at(header, "timestamp"), "2025-01-01 00:00:50.30 +0000");
    ck_assert_int_eq(int_at(body, "timeDelta"), 0);
    ck_assert_int_eq(int_at(body, "genCounter"), 1);
    json_t *first = json_loads(fx.ev[kill_event(0)].report_text, JSON_DISABLE_EOF_CHECK, NULL);
    ck_assert_ptr_nonnull(first);
    ck_assert_str_ne(str_at(header, "incident_id"), str_at(first, "incident_id"));
    json_decref(first);
    json_t *procs = json_object_get(body, "processes");
    ck_assert_str_eq(str_at(json_array_get(procs, 0), "reason"), "vm-pageshortage");
    ck_assert_ptr_null(json_object_get(json_array_get(procs, 0), "killDelta"));
    json_t *front = json_array_get(procs, 1);
    ck_assert_str_eq(str_at(front, "reason"), "vm-pageshortage");
    ck_assert_int_eq(int_at(front, "killDelta"), 300);
    json_decref(header);
    json_decref(body);
}
END_TEST

/* Apple's names: the date of the kill, whatever the process is called. */
START_TEST(file_names_are_dates)
{
    spawn(1, "../up/x y", 0, MB(1));
    spawn(2, "..", 0, MB(1));
    memorystatus_evaluate(fx.ms, &report_vm, 1);
    memorystatus_evaluate(fx.ms, &report_vm, (3600 + 62) * 1000 + 5);   /* 1 h 1 min 2 s */
    ck_assert_str_eq(fx.ev[kill_event(0)].report, "reports/JetsamEvent-2025-01-01-000000.ips");
    ck_assert_str_eq(fx.ev[kill_event(1)].report, "reports/JetsamEvent-2025-01-01-010102.ips");
}
END_TEST

START_TEST(failed_save_is_said_and_the_kill_goes_on)
{
    fx.save_fails = -ENOSPC;
    spawn(1, "victim", 0, MB(1));
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &report_vm, 1) & MEMORYSTATUS_DID_KILL,
                      MEMORYSTATUS_DID_KILL);
    struct event *e = &fx.ev[kill_event(0)];
    ck_assert_str_eq(e->report, "");
    ck_assert_ptr_null(e->report_text);
    char want[256];
    snprintf(want, sizeof want, "reports: JetsamEvent-2025-01-01-000000.ips: %s",
             strerror(ENOSPC));
    ck_assert_str_eq(e->report_error, want);
}
END_TEST

START_TEST(report_name_fits_its_buffer)
{
    struct memorystatus_kill k = { .seq = 12, .now = 1000 };
    char name[MEMORYSTATUS_NAME_MAX + 32];
    jetsam_report_name(fx.ms, &k, name, sizeof name);
    ck_assert_str_eq(name, "JetsamEvent-2025-01-01-000001.ips");
    char small[8];
    jetsam_report_name(fx.ms, &k, small, sizeof small);
    ck_assert_str_eq(small, "JetsamE");
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("jetsam_report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, report_setup, report_teardown);
    tcase_add_test(tc, report_has_every_field);
    tcase_add_test(tc, report_text_is_deterministic);
    tcase_add_test(tc, later_reports_keep_earlier_victims);
    tcase_add_test(tc, file_names_are_dates);
    tcase_add_test(tc, failed_save_is_said_and_the_kill_goes_on);
    tcase_add_test(tc, report_name_fits_its_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(report_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
