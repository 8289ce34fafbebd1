/* emu/system.c — the system image (--system): the processes a phone runs before any
 * app, started and run until each waits, so that the user's program starts on a
 * machine with a device's baseline of idle processes and file cache.
 *
 * The image is a text file, one process a line (guest/system/ios.system documents it):
 *   NAME band BAND dirty MB cache MB at MB
 * Each runs the program given to emu_boot_system (guest/programs/sysdaemon.c) with the
 * sizes scaled from a 256 MB machine to this one's RAM, and its band; none has a
 * memory limit. Their pids count from 1 (launchd's), the user's program keeps 1000. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/internal.h"
#include "jetsam/memorystatus.h"

#define SYSTEM_MAX 32
#define SYSTEM_BASE_RAM (256ull << 20)
#define BOOT_MAX_ICOUNT 4000000000ull    /* a process that never waits is a broken image */

struct sysproc {
    char name[32];
    int band;
    double dirty_mb, cache_mb, at_mb;
};

static int syntax(char *err, size_t errlen, const char *file, int line, const char *why)
{
    snprintf(err, errlen, "system image %s:%d: %s", file, line, why);
    return -1;
}

static bool number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return !errno && end != s && !*end && *v >= 0 && *v <= 4096;
}

/* One line into p: 1, 0 for a blank or comment line, -1 with err set. */
static int parse_line(char *text, struct sysproc *p, const char *file, int line, char *err,
                      size_t errlen)
{
    char *save, *tok[16];
    int n = 0;
    for (char *w = strtok_r(text, " \t\r\n", &save); w && n < 16; w = strtok_r(NULL, " \t\r\n", &save))
        tok[n++] = w;
    if (n == 0 || tok[0][0] == '#')
        return 0;
    if (n != 9 || strcmp(tok[1], "band") || strcmp(tok[3], "dirty") || strcmp(tok[5], "cache") ||
        strcmp(tok[7], "at"))
        return syntax(err, errlen, file, line, "want NAME band BAND dirty MB cache MB at MB");
    if (strlen(tok[0]) >= sizeof p->name)
        return syntax(err, errlen, file, line, "name longer than 31 characters");
    snprintf(p->name, sizeof p->name, "%s", tok[0]);
    if (memorystatus_band_parse(tok[2], &p->band) < 0)
        return syntax(err, errlen, file, line, "bad band: want 0-210 or a band name");
    if (!number(tok[4], &p->dirty_mb) || !number(tok[6], &p->cache_mb) || !number(tok[8], &p->at_mb))
        return syntax(err, errlen, file, line, "sizes are MB from 0 to 4096");
    return 1;
}

static int read_image(const char *file, struct sysproc *procs, int *n, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "system image %s: %s", file, strerror(errno));
        return -1;
    }
    char text[512];
    int line = 0, rc = 0;
    *n = 0;
    while (rc >= 0 && fgets(text, sizeof text, f)) {
        line++;
        if (*n == SYSTEM_MAX) {
            rc = syntax(err, errlen, file, line, "more than 32 processes");
            break;
        }
        rc = parse_line(text, &procs[*n], file, line, err, errlen);
        if (rc > 0)
            (*n)++;
    }
    fclose(f);
    if (rc >= 0 && *n == 0)
        rc = syntax(err, errlen, file, line, "no process");
    return rc < 0 ? -1 : 0;
}

static unsigned long scaled_kb(const struct emu *emu, double mb)
{
    return (unsigned long)(mb * 1024.0 * (double)emu->opt.mem_size / (double)SYSTEM_BASE_RAM);
}

static int spawn(struct emu *emu, const struct sysproc *p, const char *program, char *err,
                 size_t errlen)
{
    char dirty[24], cache[24], at[24];
    snprintf(dirty, sizeof dirty, "%lu", scaled_kb(emu, p->dirty_mb));
    snprintf(cache, sizeof cache, "%lu", scaled_kb(emu, p->cache_mb));
    snprintf(at, sizeof at, "%lu", (unsigned long)(p->at_mb * 1024.0));
    char *argv[] = { (char *)program, (char *)p->name, dirty, cache, at, NULL };
    char *envp[] = { NULL };
    struct emu_jetsam_props ms = { .band = p->band, .active = { EMU_JETSAM_LIMIT_NONE, false },
                                   .inactive = { EMU_JETSAM_LIMIT_NONE, false } };
    unsigned states = p->band == 0 ? MEMORYSTATUS_STATE_IDLE : 0;
    int pid = emu_spawn(emu, program, 5, argv, envp, &ms, states, err, errlen);
    if (pid < 0)
        return -1;
    struct task *t = task_by_pid(emu, pid);
    if (t && pid == 1)
        t->ppid = 0;               /* launchd has no parent */
    char *name = strdup(p->name);
    if (t && name) {
        free(t->name);
        t->name = name;
        emu_jetsam_task_renamed(emu, t);
    } else {
        free(name);
    }
    return 0;
}

static bool any_runnable(const struct emu *emu)
{
    for (const struct task *t = emu->tasks; t; t = t->next)
        if (t->state == TASK_RUNNABLE)
            return true;
    return false;
}

int emu_boot_system(struct emu *emu, const char *file, const char *program, char *err,
                    size_t errlen)
{
    struct sysproc procs[SYSTEM_MAX];
    int n;
    if (emu->tasks) {
        snprintf(err, errlen, "the system image boots first, before any program");
        return -1;
    }
    if (read_image(file, procs, &n, err, errlen) < 0)
        return -1;
    emu->next_pid = 1;
    for (int i = 0; i < n; i++)
        if (spawn(emu, &procs[i], program, err, errlen) < 0)
            return -1;
    /* Until each waits: run as a scenario does, every task for itself, with the first
     * (launchd) standing in for init. The boot happens before the program: its faults
     * and system calls are not the program's to trace. */
    bool run_all = emu->opt.run_all;
    FILE *strace = emu->opt.strace;
    void (*trace)(void *, const struct vm_fault_event *) = emu->vm.trace;
    emu->opt.run_all = true;
    emu->opt.strace = NULL;
    emu->vm.trace = NULL;
    emu_run_prepare(emu);
    while (any_runnable(emu) && emu->icount < BOOT_MAX_ICOUNT && emu_run_slice(emu))
        ;
    emu->opt.run_all = run_all;
    emu->opt.strace = strace;
    emu->vm.trace = trace;
    if (any_runnable(emu)) {
        snprintf(err, errlen, "system image %s: a process still runs after %llu instructions "
                 "of boot", file, (unsigned long long)BOOT_MAX_ICOUNT);
        return -1;
    }
    emu->init = NULL;              /* the user's program is the one whose end ends the run */
    return 0;
}
