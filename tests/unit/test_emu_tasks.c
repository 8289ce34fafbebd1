/* Unit tests for tasks on a whole machine: each task's kernel cost held in guest frames,
 * a zombie's process held until it is reaped (and the books balancing all along), the
 * machine's task limit (fork gets EAGAIN, an app launch a clear error), and apps and
 * orphans nobody waits for reaped at once; the shared region and a system image on a
 * whole machine. Runs $O/guest/zombies, hello, shared_region, fork and sysdaemon with
 * $O/guest/dyld_shared_cache_arm64 and $O/guest/system/ios.system (`make` first). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/inspect.h"

#define MAX_TASKS 64

static const char *guest(const char *name)
{
    static char path[2][256];
    static int i;
    i ^= 1;
    snprintf(path[i], sizeof path[i], "%s/guest/%s", getenv("O") ? getenv("O") : "build", name);
    return path[i];
}

static struct emu *machine(uint64_t mb, unsigned max_tasks, bool run_all, bool no_jetsam)
{
    char err[256];
    struct emu_options opt = { .mem_size = mb << 20, .root = ".", .tlb_sets = 512,
                               .tlb_ways = 4, .run_all = run_all, .max_tasks = max_tasks,
                               .no_jetsam = no_jetsam };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    ck_assert_msg(emu, "emu_create: %s", err);
    return emu;
}

/* The guest's stdout goes to a file: a task's fds 0-2 are copies of the tool's, taken
 * when it is loaded. */
struct capture {
    char path[64];
    int saved;
};

static void capture_start(struct capture *c)
{
    snprintf(c->path, sizeof c->path, "/tmp/machemu-tasks.XXXXXX");
    int fd = mkstemp(c->path);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    c->saved = dup(1);
    ck_assert_int_ge(dup2(fd, 1), 0);
    close(fd);
}

static void capture_check(struct capture *c, const char *want)
{
    fflush(stdout);
    dup2(c->saved, 1);
    close(c->saved);
    char got[512] = { 0 };
    FILE *f = fopen(c->path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    unlink(c->path);
    got[n] = 0;
    ck_assert_str_eq(got, want);
}

static int load(struct emu *emu, const char *prog, const char *a1, const char *a2)
{
    char err[256];
    char *argv[] = { (char *)guest(prog), (char *)a1, (char *)a2, NULL };
    char *envp[] = { NULL };
    int argc = a2 ? 3 : a1 ? 2 : 1;
    ck_assert_int_eq(emu_load(emu, guest(prog), argc, argv, envp, err, sizeof err), 0);
    return 0;
}

static void books_balance(struct emu *emu, const char *when)
{
    char why[256];
    ck_assert_msg(inspect_books_balance(emu, why, sizeof why), "%s: %s", when, why);
}

static uint32_t kernel_frames(struct emu *emu)
{
    struct inspect_vm vm;
    inspect_vm_counters(emu, &vm);
    return vm.pages.kernel;
}

/* What one turn of the run loop left behind. */
struct census {
    int tasks, zombies, live_children;
    uint32_t kernel;               /* frames the tasks hold, by inspect_tasks */
};

static struct census count(struct emu *emu, int parent)
{
    static struct inspect_task t[4096];
    int n = inspect_tasks(emu, t, 4096);
    ck_assert_int_le(n, 4096);
    struct census c = { .tasks = n };
    for (int i = 0; i < n; i++) {
        bool exited = !strcmp(t[i].state, "exited");
        c.kernel += t[i].kernel;
        if (t[i].pid == parent)
            continue;
        if (exited) {
            ck_assert_uint_le(t[i].kernel, 1);        /* its process, until reaped */
            c.zombies += t[i].kernel == 1;
        } else {
            c.live_children++;
            ck_assert_uint_ge(t[i].kernel, 3);        /* process, thread, ports, map */
        }
    }
    return c;
}

START_TEST(zombies_hold_their_process_until_reaped)
{
    struct emu *emu = machine(64, 0, false, false);
    uint32_t at_start = kernel_frames(emu);
    ck_assert_uint_eq(at_start, 0);
    struct capture cap;
    capture_start(&cap);
    load(emu, "zombies", "40", "hold");
    const int parent = 1000;
    int most = 0;
    emu_run_prepare(emu);
    while (emu_run_slice(emu)) {
        books_balance(emu, "during the run");
        struct census c = count(emu, parent);
        ck_assert_uint_eq(c.kernel, kernel_frames(emu));
        if (c.zombies > most) {
            most = c.zombies;
            ck_assert_uint_ge(kernel_frames(emu), (uint32_t)c.zombies + 3);
        }
    }
    capture_check(&cap, "fork: no error after 40 children\nall 40 children have exited\n"
                        "reaped 40 children, every status as it exited\n"
                        "fork again: the child ran and exited 42\n");
    ck_assert_int_eq(most, 40);
    bool ended;
    ck_assert_int_eq(emu_exit_status(emu, parent, &ended), 0);
    ck_assert(ended);
    /* The app itself was reaped by launchd: nothing is held any more. */
    books_balance(emu, "at the end");
    ck_assert_uint_eq(kernel_frames(emu), 0);
    ck_assert_int_eq(count(emu, parent).tasks, 1);
    emu_destroy(emu);
}
END_TEST

START_TEST(fork_past_the_limit_gets_eagain)
{
    struct emu *emu = machine(64, 16, false, false);
    struct capture cap;
    capture_start(&cap);
    load(emu, "zombies", NULL, NULL);
    int most = 0;
    emu_run_prepare(emu);
    while (emu_run_slice(emu)) {
        struct census c = count(emu, 1000);
        ck_assert_int_le(c.tasks, 16);
        most = c.tasks > most ? c.tasks : most;
    }
    capture_check(&cap, "fork: EAGAIN after 15 children\n"
                        "reaped 15 children, every status as it exited\n"
                        "fork again: the child ran and exited 42\n");
    ck_assert_int_eq(most, 16);
    bool ended;
    ck_assert_int_eq(emu_exit_status(emu, 1000, &ended), 0);
    books_balance(emu, "at the end");
    ck_assert_uint_eq(kernel_frames(emu), 0);
    emu_destroy(emu);
}
END_TEST

static int spawn(struct emu *emu, const char *prog, const char *a1, const char *a2,
                 char *err, size_t errlen)
{
    char *argv[] = { (char *)guest(prog), (char *)a1, (char *)a2, NULL };
    char *envp[] = { NULL };
    int argc = a2 ? 3 : a1 ? 2 : 1;
    return emu_spawn(emu, guest(prog), argc, argv, envp, NULL, 0, err, errlen);
}

/* An app that has ended holds no slot: launchd reaped it. */
START_TEST(an_app_past_the_limit_is_refused)
{
    struct emu *emu = machine(64, 2, true, false);
    char err[256] = "";
    struct capture cap;
    capture_start(&cap);
    ck_assert_int_gt(spawn(emu, "hello", NULL, NULL, err, sizeof err), 0);
    ck_assert_int_gt(spawn(emu, "hello", NULL, NULL, err, sizeof err), 0);
    ck_assert_int_eq(spawn(emu, "hello", NULL, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "holds 2 tasks already (its task limit)"), "%s", err);
    emu_run(emu);
    int pid = spawn(emu, "hello", NULL, NULL, err, sizeof err);
    ck_assert_msg(pid > 0, "%s", err);
    emu_run(emu);
    fflush(stdout);
    dup2(cap.saved, 1);
    close(cap.saved);
    unlink(cap.path);
    bool ended;
    ck_assert_int_eq(emu_exit_status(emu, pid, &ended), 0);
    ck_assert(ended);
    books_balance(emu, "at the end");
    ck_assert_uint_eq(kernel_frames(emu), 0);
    emu_destroy(emu);
}
END_TEST

/* The first app has ended, so nobody adopts the children the second leaves behind:
 * they are reaped at once and their records go. */
START_TEST(orphans_nobody_adopts_are_reaped)
{
    struct emu *emu = machine(64, 0, true, false);
    char err[256];
    struct capture cap;
    capture_start(&cap);
    int first = spawn(emu, "hello", NULL, NULL, err, sizeof err);
    ck_assert_msg(first > 0, "%s", err);
    int second = spawn(emu, "zombies", "20", "leave", err, sizeof err);
    ck_assert_msg(second > 0, "%s", err);
    emu_run_prepare(emu);
    bool first_ended = false;
    while (emu_run_slice(emu)) {
        books_balance(emu, "during the run");
        if (!first_ended)
            emu_exit_status(emu, first, &first_ended);
        else
            ck_assert_uint_eq(count(emu, second).kernel, kernel_frames(emu));
    }
    fflush(stdout);
    dup2(cap.saved, 1);
    close(cap.saved);
    unlink(cap.path);
    bool ended;
    ck_assert_int_eq(emu_exit_status(emu, second, &ended), 0);
    ck_assert(ended && first_ended);
    books_balance(emu, "at the end");
    ck_assert_uint_eq(kernel_frames(emu), 0);
    ck_assert_int_eq(count(emu, 0).tasks, 2);          /* the two apps' records */
    emu_destroy(emu);
}
END_TEST

/* The shared region on a whole machine: the books count its nested tables and its
 * file once, and the viewer's frames show its pages and tables as shared even after
 * the one task that used them has gone. */
START_TEST(the_shared_region_is_the_machine_s)
{
    char err[256], cache[256];
    snprintf(cache, sizeof cache, "%s", guest("dyld_shared_cache_arm64"));
    struct emu_options opt = { .mem_size = 64ull << 20, .root = ".", .tlb_sets = 512,
                               .tlb_ways = 4, .shared_cache = cache };
    struct emu *emu = emu_create(&opt, err, sizeof err);
    ck_assert_msg(emu, "emu_create: %s", err);
    struct capture cap;
    capture_start(&cap);
    load(emu, "shared_region", "read", NULL);
    ck_assert_int_eq(emu_run(emu), 0);
    capture_check(&cap, "magic: dyld_v1   arm64\nmapping 0: r-x/r-x 40 MB\n"
                  "mapping 1: r--/r-- 8 MB\nmapping 2: rw-/rw- 2 MB\n"
                  "data: written, a private copy\n"
                  "child: same text, the parent's data, its own write\n"
                  "parent: its data unchanged by the child\n");
    books_balance(emu, "after the run");
    static struct inspect_frame_state fs[4096];
    uint32_t n = inspect_frame_states(emu, fs, 4096), file = 0, tables = 0;
    for (uint32_t i = 0; i < n; i++) {
        file += fs[i].use == PHYS_VM && (fs[i].flags & (INSPECT_FS_FILE | INSPECT_FS_SHARED)) ==
                                            (INSPECT_FS_FILE | INSPECT_FS_SHARED);
        tables += fs[i].use == PHYS_PAGETABLE && (fs[i].flags & INSPECT_FS_SHARED);
    }
    ck_assert_uint_gt(file, 0);
    ck_assert_uint_eq(tables, 5);      /* root, L1, L2 and the L3 of two twigs */
    emu_destroy(emu);
}
END_TEST

/* A system image boots before the program, which then ends the run with its status. */
START_TEST(a_system_image_boots_first)
{
    struct emu *emu = machine(64, 0, false, false);
    char err[256], image[256];
    snprintf(image, sizeof image, "%s", guest("system/ios.system"));
    ck_assert_msg(emu_boot_system(emu, image, guest("sysdaemon"), err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(count(emu, 0).tasks, 9);
    books_balance(emu, "after the boot");
    struct capture cap;
    capture_start(&cap);
    load(emu, "fork", "exec-child", "x");
    ck_assert_int_eq(emu_run(emu), 42);
    capture_check(&cap, "exec: child image runs with argv[2]=x\n");
    ck_assert_int_eq(count(emu, 0).tasks, 10);
    books_balance(emu, "at the end");
    emu_destroy(emu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_tasks");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, zombies_hold_their_process_until_reaped);
    tcase_add_test(tc, fork_past_the_limit_gets_eagain);
    tcase_add_test(tc, an_app_past_the_limit_is_refused);
    tcase_add_test(tc, orphans_nobody_adopts_are_reaped);
    tcase_add_test(tc, the_shared_region_is_the_machine_s);
    tcase_add_test(tc, a_system_image_boots_first);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
