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
             &(struct memorystatus_usage){ MB(8), 3, 12345, 7, true });
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 10, MEMORYSTATUS_STATE_IDLE, 1000), 0);
    add_full(20, "Leaky App", 30, 100, &(struct memorystatus_usage){ MB(310), 0, 0, 0, true });
    struct memorystatus_usage leaky = { MB(300), 5, 777, 3, true };
    ck_assert_int_eq(memorystatus_update(fx.ms, 20, &leaky), 0);
    ck_assert_int_eq(memorystatus_set_state(fx.ms, 20, MEMORYSTATUS_STATE_SUSPENDED, 0), 0);
    add_full(30, "Front", 100, 200, &(struct memorystatus_usage){ MB(120), 0, 999, 12, false });
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
    ck_assert_int_eq(int_at(p, "age"), 50000 - 100);
    ck_assert_int_eq(int_at(p, "purgeable"), 5);
    ck_assert_int_eq(int_at(p, "fds"), 3);
    ck_assert_int_eq(int_at(p, "coalition"), 200);
    ck_assert_int_eq(int_at(p, "cpuTime"), 777);
    ck_assert(json_is_true(json_object_get(p, "clockExact")));
}

static void check_bystanders(json_t *front, json_t *daemon)
{
    ck_assert_int_eq(int_at(front, "pid"), 30);
    check_states(front, "frontmost");
    ck_assert_ptr_null(json_object_get(front, "reason"));
    ck_assert_ptr_null(json_object_get(front, "killDelta"));
    ck_assert_int_eq(int_at(front, "cpuTime"), 999);
    ck_assert(json_is_false(json_object_get(front, "clockExact")));  /* its clock had a gap */
    ck_assert_int_eq(int_at(daemon, "pid"), 10);
    ck_assert_str_eq(str_at(daemon, "name"), "backgroundd");
    ck_assert_int_eq(int_at(daemon, "priority"), 180);
    check_states(daemon, "idle");
    ck_assert_int_eq(int_at(daemon, "idleDelta"), 50000 - 1000);
    ck_assert_int_eq(int_at(daemon, "age"), 50000 - 500);
    ck_assert_int_eq(int_at(daemon, "purgeable"), 3);
    ck_assert_int_eq(int_at(daemon, "fds"), 7);
    ck_assert_int_eq(int_at(daemon, "coalition"), 100);
    ck_assert_int_eq(int_at(daemon, "cpuTime"), 12345);
}

START_TEST(report_has_every_field)
{
    three_processes();
    ck_assert_uint_eq(memorystatus_evaluate(fx.ms, &report_vm, 50000) & MEMORYSTATUS_DID_KILL,
                      MEMORYSTATUS_DID_KILL);
    struct event *e = &fx.ev[kill_event(0)];
    ck_assert_str_eq(e->report, "reports/JetsamEvent-1-Leaky_App.ips");
    json_t *header, *body;
    parse_report(e->report_text, &header, &body);
    ck_assert_str_eq(str_at(header, "bug_type"), "298");
    ck_assert_str_eq(str_at(header, "os_version"), "machemu");
    ck_assert_int_eq(int_at(header, "timestamp"), 50000);
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
    ck_assert_str_eq(e->report, "reports/JetsamEvent-2-Front.ips");
    json_t *header, *body;
    parse_report(e->report_text, &header, &body);
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

START_TEST(file_names_are_made_safe)
{
    spawn(1, "../up/x y", 0, MB(1));
    spawn(2, "..", 0, MB(1));
    memorystatus_evaluate(fx.ms, &report_vm, 1);
    memorystatus_evaluate(fx.ms, &report_vm, 2);
    ck_assert_str_eq(fx.ev[kill_event(0)].report, "reports/JetsamEvent-1-.._up_x_y.ips");
    ck_assert_str_eq(fx.ev[kill_event(1)].report, "reports/JetsamEvent-2-unknown.ips");
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
    snprintf(want, sizeof want, "reports: JetsamEvent-1-victim.ips: %s", strerror(ENOSPC));
    ck_assert_str_eq(e->report_error, want);
}
END_TEST

START_TEST(report_name_fits_its_buffer)
{
    struct memorystatus_kill k = { .seq = 12 };
    memset(k.name, 'n', sizeof k.name - 1);
    char name[MEMORYSTATUS_NAME_MAX + 32];
    jetsam_report_name(&k, name, sizeof name);
    ck_assert_uint_eq(strlen(name), strlen("JetsamEvent-12-.ips") + sizeof k.name - 1);
    char small[8];
    jetsam_report_name(&k, small, sizeof small);
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
    tcase_add_test(tc, file_names_are_made_safe);
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
