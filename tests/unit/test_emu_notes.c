/* Unit tests for emu/jetsam.h, the interface Jetsam uses: posting notes from the
 * emulator's side, the upcall and memstatus hooks, band and limit setters, and the level
 * memorystatus_control(GET_PRESSURE_STATUS) reports; and emu/jetsam.h's listeners
 * (several at once, each hearing every event). Each runs a guest program of the
 * build ($O/guest/pressure or memstatus: `make` first). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/jetsam.h"
#include "guest/include/machemu/abi.h"

#define WARN MACHEMU_NOTE_PRESSURE_WARN
#define CRITICAL MACHEMU_NOTE_PRESSURE_CRITICAL
#define NORMAL MACHEMU_NOTE_PRESSURE_NORMAL
#define FIRST_PID 1000                   /* the pid emu_load gives the program */

/* The guest program's path in the build, relative to the top of the tree (the guest
 * root, so "/" + it names the same file inside the guest). */
static const char *guest_path(const char *prog)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/guest/%s", getenv("O") ? getenv("O") : "build", prog);
    return path;
}

/* A machine with prog loaded with up to two arguments (NULL: none). */
static struct emu *load2(const char *prog, const char *arg1, const char *arg2)
{
    char err[256];
    struct emu_options opt = { .mem_size = 64ull << 20, .root = ".", .tlb_sets = 512,
                               .tlb_ways = 4 };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    ck_assert_msg(emu, "emu_create: %s", err);
    char *argv[] = { (char *)prog, (char *)arg1, (char *)arg2, NULL };
    char *envp[] = { NULL };
    int argc = arg1 ? (arg2 ? 3 : 2) : 1;
    ck_assert_msg(emu_load(emu, guest_path(prog), argc, argv, envp, err, sizeof err) == 0,
                  "%s (run make first)", err);
    return emu;
}

static struct emu *load(const char *prog, const char *arg)
{
    return load2(prog, arg, NULL);
}

/* --- the upcall hook, and posting from inside the emulator ------------------------------- */

struct seen {
    struct emu *emu;
    int n;
    uint32_t notes[8];
    uint64_t icount[8];
    int posts[6];
    struct emu_jetsam_props before, after;
    int band_too_high;
    int changes;
    int registrations;
    uint32_t mask, masks[4];
};

static void on_handler(void *ctx, struct task *t, uint32_t mask)
{
    struct seen *s = ctx;
    if (s->registrations < 4)
        s->masks[s->registrations] = mask;
    s->registrations++;
    s->mask = mask;
    ck_assert_uint_eq(emu_jetsam_handler_mask(t), mask);
}

static void on_change(void *ctx, struct task *t)
{
    (void)t;
    ((struct seen *)ctx)->changes++;
}

/* At the first upcall (the WARN the guest sent itself), Jetsam's side of things: more
 * notes for the same task while it is in its handler, and its band and limits. */
static void on_upcall(void *ctx, struct task *t, uint32_t note, uint64_t icount)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        s->notes[s->n] = note;
        s->icount[s->n] = icount;
    }
    if (s->n++ > 0)
        return;
    ck_assert(emu_jetsam_in_handler(t));
    ck_assert_uint_eq(emu_jetsam_handler_mask(t), NORMAL | WARN | CRITICAL);
    s->posts[0] = emu_jetsam_post_note(s->emu, t, CRITICAL);
    s->posts[1] = emu_jetsam_post_note(s->emu, t, NORMAL);
    s->posts[2] = emu_jetsam_post_note(s->emu, t, CRITICAL);        /* merged: one waits */
    s->posts[3] = emu_jetsam_post_note(s->emu, t, MACHEMU_NOTE_PROC_LIMIT_WARN);   /* not taken */
    s->posts[4] = emu_jetsam_post_note(s->emu, t, 0x40);
    s->posts[5] = emu_jetsam_post_note(s->emu, t, WARN | CRITICAL);
    s->before = *emu_jetsam_props(s->emu, FIRST_PID);
    struct emu_jetsam_props p = s->before;
    p.band = EMU_JETSAM_BAND_MAX + 1;
    s->band_too_high = emu_jetsam_set_props(s->emu, FIRST_PID, &p);
    p = (struct emu_jetsam_props){ .band = 30, .user_data = 9, .active = { 50, true },
                                   .inactive = { 0, true } };
    ck_assert_int_eq(emu_jetsam_set_props(s->emu, FIRST_PID, &p), 0);
    ck_assert_int_eq(emu_jetsam_set_props(s->emu, FIRST_PID + 1, &p), -ESRCH);
    s->after = *emu_jetsam_props(s->emu, FIRST_PID);
}

START_TEST(post_from_the_emulator_side)
{
    struct seen s = { 0 };
    s.emu = load("pressure", "listen");
    emu_jetsam_set_hooks(s.emu, &(struct emu_jetsam_hooks){
        .upcall = on_upcall, .memstatus = on_change, .handler = on_handler, .ctx = &s });
    int status = emu_run(s.emu);
    emu_destroy(s.emu);
    ck_assert_int_eq(status, 3);                 /* the guest saw three notes */
    ck_assert_int_eq(s.n, 3);
    ck_assert_uint_eq(s.notes[0], WARN);
    ck_assert_uint_eq(s.notes[1], CRITICAL);
    ck_assert_uint_eq(s.notes[2], NORMAL);
    ck_assert_uint_ge(s.icount[0], 1000);        /* sent with a delay of 1000 instructions */
    ck_assert_uint_ge(s.icount[2], s.icount[1]);
    ck_assert_int_eq(s.posts[0], 1);
    ck_assert_int_eq(s.posts[1], 1);
    ck_assert_int_eq(s.posts[2], 1);
    ck_assert_int_eq(s.posts[3], 0);
    ck_assert_int_eq(s.posts[4], -EINVAL);
    ck_assert_int_eq(s.posts[5], -EINVAL);
    ck_assert_int_eq(s.registrations, 1);
    ck_assert_uint_eq(s.mask, NORMAL | WARN | CRITICAL);
}
END_TEST

/* exec drops the handler: the hook hears the registration, then mask 0; the new image
 * (`pressure errors`) registers its own later. */
START_TEST(exec_drops_the_handler)
{
    struct seen s = { 0 };
    char path[300];
    snprintf(path, sizeof path, "/%s", guest_path("pressure"));
    s.emu = load2("pressure", "exec", path);
    emu_jetsam_set_hooks(s.emu, &(struct emu_jetsam_hooks){ .handler = on_handler, .ctx = &s });
    int status = emu_run(s.emu);
    emu_destroy(s.emu);
    ck_assert_int_eq(status, 0);
    ck_assert_int_ge(s.registrations, 3);
    ck_assert_uint_eq(s.masks[0], WARN);
    ck_assert_uint_eq(s.masks[1], 0);
    ck_assert_uint_eq(s.masks[2], WARN);
}
END_TEST

START_TEST(band_and_limits_setters)
{
    struct seen s = { 0 };
    s.emu = load("pressure", "listen");
    emu_jetsam_set_hooks(s.emu, &(struct emu_jetsam_hooks){
        .upcall = on_upcall, .memstatus = on_change, .ctx = &s });
    emu_run(s.emu);
    emu_destroy(s.emu);
    ck_assert_int_eq(s.before.band, EMU_JETSAM_BAND_DEFAULT);
    ck_assert_int_eq(s.before.active.mb, EMU_JETSAM_LIMIT_NONE);
    ck_assert_int_eq(s.before.inactive.mb, EMU_JETSAM_LIMIT_NONE);
    ck_assert_int_eq(s.band_too_high, -EINVAL);
    ck_assert_int_eq(s.after.band, 30);
    ck_assert_uint_eq(s.after.user_data, 9);
    ck_assert_int_eq(s.after.active.mb, 50);
    ck_assert(s.after.active.fatal);
    ck_assert_int_eq(s.after.inactive.mb, EMU_JETSAM_LIMIT_NONE);   /* 0 is none... */
    ck_assert(!s.after.inactive.fatal);                           /* ...and not fatal */
    ck_assert_int_eq(s.changes, 1);
}
END_TEST

/* --- memorystatus_control through the hooks and the level -------------------------------- */

/* guest/memstatus changes properties 13 times with success; refused calls change none. */
START_TEST(memstatus_hook_counts_changes)
{
    struct seen s = { 0 };
    s.emu = load("memstatus", NULL);
    emu_jetsam_set_hooks(s.emu, &(struct emu_jetsam_hooks){ .memstatus = on_change, .ctx = &s });
    int status = emu_run(s.emu);
    emu_destroy(s.emu);
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(s.changes, 13);
}
END_TEST

START_TEST(pressure_status_follows_the_level)
{
    static const uint32_t levels[] = { NORMAL, WARN, CRITICAL };
    for (int i = 0; i < 3; i++) {
        struct emu *emu = load("memstatus", "pressure");
        ck_assert_uint_eq(emu_jetsam_level(emu), NORMAL);   /* where a machine starts */
        emu_jetsam_set_level(emu, levels[i]);
        ck_assert_uint_eq(emu_jetsam_level(emu), levels[i]);
        int status = emu_run(emu);
        emu_destroy(emu);
        ck_assert_int_eq(status, levels[i] == NORMAL ? 0 : 1);
    }
}
END_TEST

/* --- emu/jetsam.h's listeners: each hears every event ------------------------------------ */

struct heard { int level, note, kill; int kill_pid; };

static void on_jetsam(void *ctx, const struct emu_jetsam_event *ev)
{
    struct heard *h = ctx;
    h->level += ev->kind == EMU_JETSAM_LEVEL;
    h->note += ev->kind == EMU_JETSAM_NOTE;
    if (ev->kind == EMU_JETSAM_KILL) {
        h->kill++;
        h->kill_pid = ev->pid;
    }
}

/* memapp grows past a 12 MB fatal limit: PROC_LIMIT_WARN at 80%, then the kill. */
START_TEST(jetsam_listeners_all_hear)
{
    char err[256];
    struct emu_jetsam_props lim = { .band = 100, .active = { 12, true }, .inactive = { 12, true } };
    struct emu_options opt = { .mem_size = 64ull << 20, .root = ".", .tlb_sets = 512,
                               .tlb_ways = 4, .memstatus = &lim };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    ck_assert_msg(emu, "emu_create: %s", err);
    char *argv[] = { "memapp", "grow", "30", NULL }, *envp[] = { NULL };
    ck_assert_msg(emu_load(emu, guest_path("memapp"), 3, argv, envp, err, sizeof err) == 0,
                  "%s (run make first)", err);
    struct heard a = { 0 }, b = { 0 }, gone = { 0 }, spare[EMU_JETSAM_LISTENERS];
    ck_assert_int_eq(emu_jetsam_add_listener(emu, on_jetsam, &a), 0);
    ck_assert_int_eq(emu_jetsam_add_listener(emu, on_jetsam, &gone), 0);
    ck_assert_int_eq(emu_jetsam_add_listener(emu, on_jetsam, &b), 0);
    emu_jetsam_remove_listener(emu, on_jetsam, &gone);
    int added = 0;
    while (emu_jetsam_add_listener(emu, on_jetsam, &spare[added]) == 0)
        added++;
    ck_assert_int_eq(added, EMU_JETSAM_LISTENERS - 2);   /* the removed one's slot is free */
    for (int i = 0; i < added; i++)
        emu_jetsam_remove_listener(emu, on_jetsam, &spare[i]);
    int status = emu_run(emu);
    emu_destroy(emu);
    ck_assert_int_eq(status, 128 + 9);
    ck_assert_int_eq(a.kill, 1);
    ck_assert_int_eq(a.kill_pid, 1000);
    ck_assert_int_ge(a.note, 1);                          /* PROC_LIMIT_WARN */
    ck_assert_mem_eq(&a, &b, sizeof a);
    ck_assert_int_eq(gone.kill + gone.note + gone.level, 0);
}
END_TEST

START_TEST(note_names)
{
    ck_assert_str_eq(emu_jetsam_note_name(WARN), "WARN");
    ck_assert_str_eq(emu_jetsam_note_name(MACHEMU_NOTE_PROC_LIMIT_CRITICAL), "PROC_LIMIT_CRITICAL");
    ck_assert_str_eq(emu_jetsam_note_name(WARN | CRITICAL), "?");
}
END_TEST

static Suite *pressure_suite(void)
{
    Suite *s = suite_create("pressure");
    TCase *tc = tcase_create("emu");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, post_from_the_emulator_side);
    tcase_add_test(tc, exec_drops_the_handler);
    tcase_add_test(tc, band_and_limits_setters);
    tcase_add_test(tc, memstatus_hook_counts_changes);
    tcase_add_test(tc, pressure_status_follows_the_level);
    tcase_add_test(tc, note_names);
    tcase_add_test(tc, jetsam_listeners_all_hear);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pressure_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
