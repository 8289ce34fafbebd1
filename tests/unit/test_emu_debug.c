/* Unit tests for emu/debug.h on a whole machine: what a debugger may still ask once the
 * program has exited (the gdb stub passes on whatever a client sends). Each runs
 * $O/guest/hello (`make` first). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu/debug.h"
#include "emu/emu.h"
#include "emu/inspect.h"

static const char *hello(void)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/guest/hello", getenv("O") ? getenv("O") : "build");
    return path;
}

static struct emu *debugged_hello(void)
{
    char err[256];
    struct emu_options opt = { .mem_size = 16 << 20, .root = ".", .tlb_sets = 64, .tlb_ways = 4 };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    ck_assert_msg(emu, "emu_create: %s", err);
    char *argv[] = { (char *)hello(), NULL }, *envp[] = { NULL };
    ck_assert_msg(emu_load(emu, hello(), 1, argv, envp, err, sizeof err) == 0, "%s (run make first)",
                  err);
    ck_assert_msg(dbg_attach(emu, err, sizeof err) == 0, "dbg_attach: %s", err);
    return emu;
}

static void run_to_exit(struct emu *emu)
{
    struct dbg_event ev;
    for (int i = 0; i < 100; i++) {
        dbg_resume(emu, 0, 0, &ev);
        if (ev.why == DBG_STOP_EXIT) {
            ck_assert_int_eq(ev.exit_status, 0);
            return;
        }
    }
    ck_abort_msg("hello did not exit in 100 resumes");
}

START_TEST(memory_writes_stop_at_exit)
{
    struct emu *emu = debugged_hello();
    uint64_t sp, v = 0x1122334455667788ull, back = 0;
    ck_assert_int_eq(inspect_reg(emu, 0, INSPECT_REG_SP, &sp), 0);
    ck_assert_uint_eq(dbg_write(emu, sp - 64, &v, sizeof v), sizeof v);
    ck_assert_uint_eq(inspect_read(emu, 0, sp - 64, &back, sizeof back), sizeof back);
    ck_assert_uint_eq(back, v);
    run_to_exit(emu);
    ck_assert(!inspect_task_exists(emu, 0));
    ck_assert_uint_eq(dbg_write(emu, sp - 64, &v, sizeof v), 0);
    ck_assert_uint_eq(inspect_read(emu, 0, sp - 64, &back, sizeof back), 0);
    ck_assert_int_eq(dbg_reg_write(emu, 0, INSPECT_REG_PC, 0x400000), -1);
    ck_assert_int_eq(inspect_reg(emu, 0, INSPECT_REG_PC, &back), -1);
    emu_destroy(emu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_debug");
    TCase *tc = tcase_create("after_exit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, memory_writes_stop_at_exit);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
