/* jetsam_bench GUEST_DIR [REPS] — Jetsam's two costs, each against a reference from the
 * same run (best of REPS):
 *  1. From a level change to the handler running: guest instructions and host time
 *     from the evaluation that moves the level to warning to the first instruction of
 *     the app's handler (scenario 1's machine: guest/memapp system + cache). The
 *     reference is XNU's budget, the 250 ms between two notes (25,000,000 instructions
 *     here), and the host time the same number of instructions takes in that run.
 *  2. Killing a task with 64 MB resident (a fatal 64 MB limit crossed by memapp grow):
 *     host time from the kill decision to its frames being free again, report
 *     included. The reference is the same 64 MB task ending by itself: memapp steady
 *     ending with a bare exit_group (no libc exit path), timed from an alarm set 64
 *     instructions before its end (found by a first run: the runs are identical) to
 *     its frames being free, so the reference is its exit plus a few instructions of
 *     its last loop and one small block translated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "emu/emu.h"
#include "emu/jetsam.h"

extern char **environ;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct emu *machine(uint64_t mb, const char *reports)
{
    char err[256];
    struct emu_options o = { .mem_size = mb << 20, .root = "/", .tlb_sets = EMU_DEFAULT_TLB_SETS,
                             .tlb_ways = EMU_DEFAULT_TLB_WAYS, .codec = COMPRESSOR_CODEC_HYBRID,
                             .reports_dir = reports, .notify_spacing = 2000000, .run_all = true };
    struct emu *emu = emu_create(&o, err, sizeof err);
    if (!emu) {
        fprintf(stderr, "jetsam_bench: %s\n", err);
        exit(1);
    }
    return emu;
}

static int spawn(struct emu *emu, const char *dir, const char *args, const struct emu_jetsam_props *ms)
{
    char path[4096], buf[256], err[256], *argv[8];
    snprintf(path, sizeof path, "%s/memapp", dir);
    snprintf(buf, sizeof buf, "%s", args);
    int argc = 0;
    argv[argc++] = path;
    for (char *save, *t = strtok_r(buf, " ", &save); t && argc < 7; t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    int pid = emu_spawn(emu, path, argc, argv, environ, ms, 0, err, sizeof err);
    if (pid < 0) {
        fprintf(stderr, "jetsam_bench: %s\n", err);
        exit(1);
    }
    return pid;
}

/* --- 1. level change -> handler ------------------------------------------------------ */

struct latency {
    int front;
    uint64_t level_icount, handler_icount;
    double level_us, handler_us;
};

static void on_event(void *ctx, const struct emu_jetsam_event *ev)
{
    struct latency *l = ctx;
    if (ev->kind == EMU_JETSAM_LEVEL && ev->to == MEMORYSTATUS_LEVEL_WARNING && !l->level_icount) {
        l->level_icount = ev->icount;
        l->level_us = now_us();
    }
}

static void on_upcall(void *ctx, struct task *t, uint32_t note, uint64_t icount)
{
    (void)t;
    struct latency *l = ctx;
    if (note == NOTE_MEMORYSTATUS_PRESSURE_WARN && l->level_icount && !l->handler_icount) {
        l->handler_icount = icount;
        l->handler_us = now_us();
    }
}

static void latency_once(const char *dir, struct latency *l, double *us_per_insn)
{
    struct emu *emu = machine(64, NULL);
    *l = (struct latency){ 0 };
    emu_jetsam_add_listener(emu, on_event, l);
    emu_jetsam_set_hooks(emu, &(struct emu_jetsam_hooks){ .upcall = on_upcall, .ctx = l });
    struct emu_jetsam_props home = { .band = MEMORYSTATUS_BAND_HOME, .active = { -1, false },
                                  .inactive = { -1, false } };
    spawn(emu, dir, "system 60", &home);
    l->front = spawn(emu, dir, "cache 40 30", NULL);
    emu_run_prepare(emu);
    double t0 = now_us();
    while (emu_run_slice(emu))
        ;
    *us_per_insn = (now_us() - t0) / (double)emu_icount(emu);
    emu_destroy(emu);
}

/* --- 2. killing 64 MB ------------------------------------------------------------------- */

struct kill_time {
    double at_us;
};

static void on_kill(void *ctx, const struct emu_jetsam_event *ev)
{
    if (ev->kind == EMU_JETSAM_KILL)
        ((struct kill_time *)ctx)->at_us = now_us();
}

static double kill_once(const char *dir, const char *reports)
{
    struct emu *emu = machine(256, reports);
    struct kill_time k = { 0 };
    emu_jetsam_add_listener(emu, on_kill, &k);
    struct emu_jetsam_props lim = { .band = 100, .active = { 64, true }, .inactive = { 64, true } };
    spawn(emu, dir, "grow 100", &lim);
    emu_run_prepare(emu);
    while (emu_run_slice(emu) && !k.at_us)
        ;
    double done = now_us();
    emu_destroy(emu);
    if (!k.at_us) {
        fprintf(stderr, "jetsam_bench: the 64 MB task was not killed\n");
        exit(1);
    }
    return done - k.at_us;
}

/* memapp steady 64 0 exit: fills 64 MB and exits at once. */
static uint64_t run_to_end(struct emu *emu, const char *dir, uint64_t alarm, double *tail_us)
{
    spawn(emu, dir, "steady 64 0 exit", NULL);
    emu_run_prepare(emu);
    emu_set_alarm(emu, alarm ? alarm : UINT64_MAX - 1);   /* a lone task: count anyway */
    double t0 = 0;
    while (emu_run_slice(emu))
        if (alarm && !t0 && emu_icount(emu) >= alarm)
            t0 = now_us();
    *tail_us = t0 ? now_us() - t0 : 0;
    return emu_icount(emu);
}

#define EXIT_TAIL 64                       /* instructions timed before the exit */

static double exit_once(const char *dir)
{
    double tail;
    struct emu *emu = machine(256, NULL);
    uint64_t end = run_to_end(emu, dir, 0, &tail);
    emu_destroy(emu);
    emu = machine(256, NULL);
    run_to_end(emu, dir, end - EXIT_TAIL, &tail);
    emu_destroy(emu);
    return tail;
}

static double min_d(double a, double b) { return a < b ? a : b; }

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jetsam_bench GUEST_DIR [REPS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (reps < 1)
        reps = 1;
    double best_us = 1e300, us_per_insn = 0;
    uint64_t insns = 0;
    for (int r = 0; r < reps; r++) {
        struct latency l;
        double upi;
        latency_once(argv[1], &l, &upi);
        if (!l.handler_icount) {
            fprintf(stderr, "jetsam_bench: no WARN handler ran after the level change\n");
            return 1;
        }
        insns = l.handler_icount - l.level_icount;    /* the same on every run */
        if (l.handler_us - l.level_us < best_us) {
            best_us = l.handler_us - l.level_us;
            us_per_insn = upi;
        }
    }
    printf("level change -> handler: %llu guest instructions (%.4f of XNU's 250 ms between notes, "
           "25000000), %.1f us host; running those instructions takes %.1f us: %.2fx\n",
           (unsigned long long)insns, insns / 25e6, best_us, insns * us_per_insn,
           insns ? best_us / (insns * us_per_insn) : 0.0);

    char dir[] = "/tmp/jetsam_bench.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("jetsam_bench: mkdtemp");
        return 1;
    }
    double kill_us = 1e300, kill_noreport_us = 1e300, exit_us = 1e300;
    for (int r = 0; r < reps; r++) {
        kill_us = min_d(kill_us, kill_once(argv[1], dir));
        kill_noreport_us = min_d(kill_noreport_us, kill_once(argv[1], NULL));
        exit_us = min_d(exit_us, exit_once(argv[1]));
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "jetsam_bench: could not remove %s\n", dir);
    printf("kill of a 64 MB task: %.0f us with its report, %.0f us without; the same task's own "
           "exit (bare exit_group, its last %d instructions included): %.0f us; kill/exit %.2fx\n",
           kill_us, kill_noreport_us, EXIT_TAIL, exit_us, kill_us / exit_us);
    return 0;
}
