/* Unit tests for emu/jetsam.h on a whole machine: a kill returns everything the victim
 * held (frames, compressor slots, page tables, kernel memory, objects) and the books
 * balance after it (inspect_books_balance) and at the end, when the machine is back where
 * it started. Each runs $O/guest/memapp (`make` first). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu/emu.h"
#include "emu/inspect.h"
#include "emu/jetsam.h"

static const char *memapp(void)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/guest/memapp", getenv("O") ? getenv("O") : "build");
    return path;
}

struct watch {
    struct emu *emu;
    int kills;
    int victim;
    enum memorystatus_cause cause;
    struct inspect_task_memory at_kill; /* the victim's memory as it was killed */
    bool checked;                      /* the books were checked after the kill */
};

static void on_event(void *ctx, const struct emu_jetsam_event *ev)
{
    struct watch *w = ctx;
    if (ev->kind != EMU_JETSAM_KILL)
        return;
    w->kills++;
    w->victim = ev->pid;
    w->cause = ev->kill->cause;
    w->checked = false;
    ck_assert_int_eq(inspect_task_memory(w->emu, ev->pid, &w->at_kill), 0);
}

static struct emu *machine(uint64_t mb, bool run_all, struct watch *w)
{
    char err[256];
    struct emu_options opt = { .mem_size = mb << 20, .root = ".", .tlb_sets = 512,
                               .tlb_ways = 4, .run_all = run_all,
                               .notify_spacing = 2000000 };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    ck_assert_msg(emu, "emu_create: %s", err);
    *w = (struct watch){ .emu = emu };
    ck_assert_int_eq(emu_jetsam_add_listener(emu, on_event, w), 0);
    return emu;
}

static int spawn(struct emu *emu, int band, struct emu_jetsam_limit limit, unsigned states,
                 const char *a1, const char *a2, const char *a3)
{
    char err[256];
    char *argv[] = { (char *)memapp(), (char *)a1, (char *)a2, (char *)a3, NULL };
    int argc = a3 ? 4 : 3;
    char *envp[] = { NULL };
    struct emu_jetsam_props ms = { .band = band, .active = limit, .inactive = limit };
    int pid = emu_spawn(emu, memapp(), argc, argv, envp, &ms, states, err, sizeof err);
    ck_assert_msg(pid > 0, "%s (run make first)", err);
    return pid;
}

/* guest/scenarios/leak.scn's apps: the system's file-backed memory (it keeps available
 * pages up until the compressor has filled), an app in front, a leaker behind it. */
struct leak_scene {
    int system, front, leaky;
};

static struct leak_scene leak_scene(struct emu *emu)
{
    struct emu_jetsam_limit none = { EMU_JETSAM_LIMIT_NONE, false };
    struct leak_scene sc;
    sc.system = spawn(emu, MEMORYSTATUS_BAND_HOME, none, 0, "system", "60", NULL);
    sc.front = spawn(emu, EMU_JETSAM_BAND_DEFAULT, none, MEMORYSTATUS_STATE_FRONTMOST, "steady",
                     "12", "8");
    sc.leaky = spawn(emu, MEMORYSTATUS_BAND_BACKGROUND, none, 0, "leak", "512", "mixed");
    return sc;
}

static void books_balance(struct emu *emu, const char *when)
{
    char why[256];
    ck_assert_msg(inspect_books_balance(emu, why, sizeof why), "%s: %s", when, why);
}

static void check_after_kill(struct emu *emu, struct watch *w)
{
    if (!w->kills || w->checked)
        return;
    books_balance(emu, "after a kill");
    ck_assert_int_lt(inspect_task_memory(emu, w->victim, &(struct inspect_task_memory){ 0 }), 0);
    w->checked = true;
}

/* Runs to the end, checking the books at the first stop after each kill (several kills
 * in one evaluation are checked together). */
static void run(struct emu *emu, struct watch *w)
{
    emu_run_prepare(emu);
    while (emu_run_slice(emu))
        check_after_kill(emu, w);
    check_after_kill(emu, w);
}

/* Once every task has ended: nothing is held, and the frames are all back. */
static void back_to_start(struct emu *emu, const struct inspect_vm *start)
{
    books_balance(emu, "at the end");
    struct inspect_vm end;
    inspect_vm_counters(emu, &end);
    ck_assert_uint_eq(end.pages.pagetables, 0);
    ck_assert_uint_eq(end.pages.kernel, 0);
    ck_assert_uint_eq(end.pages.compressed, 0);
    ck_assert_uint_eq(end.pages.compressor_frames, 0);
    ck_assert_uint_eq(end.pages.active + end.pages.inactive + end.pages.speculative +
                      end.pages.throttled, 0);
    ck_assert_uint_eq(end.pages.free, start->pages.free);
}

START_TEST(pressure_kill_returns_everything)
{
    struct watch w;
    struct emu *emu = machine(64, true, &w);
    struct inspect_vm start;
    inspect_vm_counters(emu, &start);
    books_balance(emu, "at the start");
    struct leak_scene sc = leak_scene(emu);
    int system = sc.system, front = sc.front, leaky = sc.leaky;
    run(emu, &w);
    ck_assert_int_eq(w.kills, 1);
    ck_assert_int_eq(w.victim, leaky);
    ck_assert(w.cause == MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE ||
              w.cause == MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE);
    ck_assert_msg(w.at_kill.compressed > 0, "the victim had nothing in the compressor");
    ck_assert_uint_gt(w.at_kill.usage.tables, 0);
    ck_assert(w.checked);
    bool ended;
    ck_assert_int_eq(emu_exit_status(emu, leaky, &ended), 128 + SIGKILL);
    ck_assert_int_eq(emu_exit_status(emu, front, &ended), 0);
    ck_assert(ended);
    ck_assert_int_eq(emu_exit_status(emu, system, &ended), 0);
    ck_assert(ended);
    back_to_start(emu, &start);
    emu_destroy(emu);
}
END_TEST

START_TEST(limit_kill_of_a_lone_task_returns_everything)
{
    struct watch w;
    struct emu *emu = machine(64, false, &w);
    struct inspect_vm start;
    inspect_vm_counters(emu, &start);
    struct emu_jetsam_limit fatal = { 12, true };
    int pid = spawn(emu, MEMORYSTATUS_BAND_BACKGROUND, fatal, 0, "grow", "30", NULL);
    run(emu, &w);
    ck_assert_int_eq(w.kills, 1);
    ck_assert_int_eq(w.victim, pid);
    ck_assert_int_eq(w.cause, MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT);
    /* One page past 12 MB: the limit is checked at the fault that crosses it. */
    ck_assert_int_eq(w.at_kill.usage.footprint, 12 * 64 + 1);
    bool ended;
    ck_assert_int_eq(emu_exit_status(emu, pid, &ended), 128 + SIGKILL);
    back_to_start(emu, &start);
    emu_destroy(emu);
}
END_TEST

/* emu_jetsam_next_victim, asked between turns (where a debugger stops), names the
 * task the next kill takes and its cause, before it happens. */
START_TEST(next_victim_names_the_kill_before_it)
{
    struct watch w;
    struct emu *emu = machine(64, true, &w);
    int leaky = leak_scene(emu).leaky;
    int predicted = 0, quiet_turns = 0;
    enum memorystatus_cause cause = MEMORYSTATUS_CAUSE_NONE;
    emu_run_prepare(emu);
    do {
        if (!predicted) {
            predicted = emu_jetsam_next_victim(emu, &cause);
            quiet_turns += !predicted;
            ck_assert_int_eq(w.kills, 0);           /* named before the kill, not after */
        }
    } while (emu_run_slice(emu));
    ck_assert_int_gt(quiet_turns, 0);              /* nobody, while memory was plentiful */
    ck_assert_int_eq(predicted, leaky);
    ck_assert_int_eq(w.kills, 1);
    ck_assert_int_eq(w.victim, predicted);
    ck_assert_int_eq(w.cause, cause);
    emu_destroy(emu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_jetsam");
    TCase *tc = tcase_create("kills");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pressure_kill_returns_everything);
    tcase_add_test(tc, limit_kill_of_a_lone_task_returns_everything);
    tcase_add_test(tc, next_victim_names_the_kill_before_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
