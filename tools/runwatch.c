/* tools/runwatch.c — `machemu run` watched (tools/runwatch.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "emu/inspect.h"
#include "emu/jetsam.h"
#include "emu/watch.h"
#include "tools/runwatch.h"

static struct emu *target;
static volatile sig_atomic_t got_int, got_usr1, got_tick;

static void on_signal(int sig)
{
    if (sig == SIGINT) {
        if (got_int) {             /* the second: at once, as without us */
            signal(SIGINT, SIG_DFL);
            raise(SIGINT);
            return;
        }
        got_int = 1;
    } else if (sig == SIGUSR1) {
        got_usr1 = 1;
    } else {
        got_tick = 1;
    }
    if (target)
        emu_interrupt(target);
}

static void catch(int sig)
{
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void ticks(bool on)
{
    struct itimerval it = { { 0, on ? 500000 : 0 }, { 0, on ? 500000 : 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

bool runwatch_parse_stats(const char *arg, uint64_t *interval)
{
    char *end;
    if (strncmp(arg, "interval:", 9) || !arg[9] || arg[9] == '-')
        return false;
    errno = 0;
    *interval = strtoull(arg + 9, &end, 10);
    return !errno && !*end && *interval > 0;
}

/* --- the status line ------------------------------------------------------------ */

static uint64_t footprint_pages(struct emu *emu)
{
    struct inspect_task t[64];
    int n = inspect_tasks(emu, t, 64);
    uint64_t sum = 0;
    for (int i = 0; i < n && i < 64; i++) {
        struct inspect_task_memory m;
        if (inspect_task_memory(emu, t[i].pid, &m) == 0)
            sum += m.usage.footprint;
    }
    return sum;
}

static const char *pressure(struct emu *emu)
{
    const struct memorystatus *ms = emu_jetsam_table(emu);
    return ms ? memorystatus_level_name(memorystatus_level(ms)) : "off (--no-jetsam)";
}

static void status(struct emu *emu, FILE *out, bool redraw)
{
    struct inspect_vm v;
    inspect_vm_counters(emu, &v);
    fprintf(out, "%smachemu: %llu guest instructions, %llu faults, footprint %.1f MB, "
            "pressure %s%s", redraw ? "\r" : "", (unsigned long long)emu_icount(emu),
            (unsigned long long)v.stats.faults,
            (double)(footprint_pages(emu) * 16384) / (1 << 20), pressure(emu),
            redraw ? "\033[K" : "\n");
    fflush(out);
}

/* --- vm_stat N ------------------------------------------------------------------ */

enum { NCOUNTERS = 15 };

struct vmstat_line {
    uint64_t counters[NCOUNTERS];  /* as they were: faults .. swapouts */
    bool first;
};

static void vmstat_header(FILE *out)
{
    fprintf(out, "Mach Virtual Memory Statistics: (page size of 16384 bytes, one line every "
            "interval of guest instructions)\n"
            "%8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s "
            "%8s %8s %8s %8s %8s\n", "free", "active", "specul", "inactive", "throttle",
            "wired", "prgable", "faults", "copy", "0fill", "reactive", "purged", "file-backed",
            "anonymous", "cmprssed", "cmprssor", "dcomprs", "comprs", "pageins", "pageout",
            "swapins", "swapouts", "icount");
}

/* The state columns as they are, the event columns since the line before (the first
 * line: since boot), as vm_stat prints them. */
static void vmstat_print(struct emu *emu, struct vmstat_line *prev, FILE *out)
{
    struct inspect_vm v;
    inspect_vm_counters(emu, &v);
    const struct vm_page_counts *c = &v.pages;
    uint64_t now[NCOUNTERS] = {
        v.stats.faults, v.stats.cow_faults, v.stats.zero_fill, v.stats.reactivations,
        v.stats.purges, c->file_backed, c->anonymous, v.compressor_pages, v.compressor_frames,
        v.decompressions, v.compressions, v.stats.pageins, v.stats.pageouts, v.swapins,
        v.swapouts,
    };
    fprintf(out, "%8u %8u %8u %8u %8u %8u %8u", c->free, c->active, c->speculative,
            c->inactive, c->throttled, c->wired, c->purgeable);
    /* file-backed, anonymous, cmprssed, cmprssor are states too */
    static const bool state[NCOUNTERS] = { [5] = true, [6] = true, [7] = true, [8] = true };
    for (int i = 0; i < NCOUNTERS; i++) {
        uint64_t shown = state[i] || prev->first ? now[i] : now[i] - prev->counters[i];
        fprintf(out, " %8llu", (unsigned long long)shown);
        prev->counters[i] = now[i];
    }
    fprintf(out, " %8llu\n", (unsigned long long)emu_icount(emu));
    prev->first = false;
}

/* --- the loop ------------------------------------------------------------------- */

int runwatch_run(struct emu *emu, const struct runwatch_options *o)
{
    FILE *out = o->out ? o->out : stderr;
    bool tty = isatty(fileno(out));
    struct vmstat_line line = { .first = true };
    uint64_t next = 0;
    target = emu;
    got_int = got_usr1 = got_tick = 0;
    catch(SIGINT);
    catch(SIGUSR1);
    if (o->progress) {
        catch(SIGALRM);
        ticks(true);
    }
    emu_run_prepare(emu);
    if (o->stats_interval) {
        vmstat_header(out);
        vmstat_print(emu, &line, out);
        emu_watch_alarm(emu, next = emu_icount(emu) + o->stats_interval);
    }
    unsigned tick = 0;
    while (!got_int && emu_run_slice(emu)) {
        if (o->stats_interval && emu_icount(emu) >= next) {
            if (o->progress && tty)
                fputs("\r\033[K", out);
            vmstat_print(emu, &line, out);
            while (next <= emu_icount(emu))
                next += o->stats_interval;
            emu_watch_alarm(emu, next);
        }
        if (got_usr1) {
            got_usr1 = 0;
            status(emu, out, false);
        }
        if (got_tick) {
            got_tick = 0;
            /* on a terminal, one line redrawn; elsewhere one line a second */
            if (tty || ++tick % 2 == 0)
                status(emu, out, tty);
        }
    }
    if (o->progress) {
        ticks(false);
        signal(SIGALRM, SIG_DFL);
        if (tty)
            status(emu, out, true), fputc('\n', out);
    }
    bool interrupted = got_int;
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    target = NULL;
    if (interrupted) {
        fprintf(out, "machemu: interrupted at guest instruction %llu: the guest is stopped\n",
                (unsigned long long)emu_icount(emu));
        return 130;
    }
    return emu_run_status(emu);
}
