/* tools/repl_threads.c — gdb's `info threads` and `thread [TID]` in the debugger: the
 * threads of the task looked at, and a thread to look at (registers, backtrace, stepping
 * stay the CPU's: one CPU runs them all). */
#include <stdlib.h>
#include <string.h>
#include "tools/repl.h"

#define MAX_THREADS 512

static void info_threads(struct repl *r, FILE *out)
{
    struct inspect_thread *t = calloc(MAX_THREADS, sizeof *t);
    int focus = repl_focus(r);
    int n = t ? inspect_threads(repl_emu(r), focus, t, MAX_THREADS) : -1;
    if (n < 0) {
        fprintf(out, "no live task to list the threads of\n");
        free(t);
        return;
    }
    fprintf(out, "  %-7s %-14s %-16s %s\n", "tid", "state", "name", "pc");
    for (int i = 0; i < n && i < MAX_THREADS; i++) {
        char sym[128];
        bool looked_at = focus ? t[i].tid == focus : t[i].on_cpu;
        fprintf(out, "%c %-7d %-14s %-16s ", looked_at ? '*' : ' ', t[i].tid, t[i].state, t[i].name);
        if (t[i].pc)
            fprintf(out, "0x%llx%s\n", (unsigned long long)t[i].pc, repl_sym(r, t[i].pc, sym, sizeof sym));
        else
            fprintf(out, "-\n");
    }
    free(t);
}

bool repl_threads_exec(struct repl *r, int argc, char **argv, FILE *out)
{
    bool info = !strcmp(argv[0], "info") || !strcmp(argv[0], "i") || !strcmp(argv[0], "inf");
    if (info && argc == 2 && !strcmp(argv[1], "threads")) {
        info_threads(r, out);
        return true;
    }
    if (!strcmp(argv[0], "thread") && argc <= 2) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "task %s", argc == 2 ? argv[1] : "");
        repl_exec(r, cmd, out);
        return true;
    }
    return false;
}
