/* tools/runwatch.h — `machemu run` watched: Ctrl-C, SIGUSR1, --progress and
 * --stats=interval:N.
 *
 * The run loop is the tool's (emu_run_slice), so between two turns it can print one
 * vm_stat line every N guest instructions (as `vm_stat N` prints one every N seconds), a
 * status line (guest instructions, faults, footprint, pressure level) on demand or
 * twice a second on a terminal, and end the run at a Ctrl-C with its statistics. */
#ifndef TOOLS_RUNWATCH_H
#define TOOLS_RUNWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct emu;

struct runwatch_options {
    uint64_t stats_interval;       /* guest instructions between vm_stat lines; 0: none */
    bool progress;                 /* --progress: the status line, updated as it runs */
    FILE *out;                     /* where the lines go (stderr) */
};

/* Runs the loaded program to its end: its exit status; or, at the first SIGINT, stops
 * it and returns 130 (a second SIGINT while it stops ends machemu at once). */
int runwatch_run(struct emu *emu, const struct runwatch_options *o);

/* Parses --stats's value: "interval:N" (N guest instructions, at least 1). */
bool runwatch_parse_stats(const char *arg, uint64_t *interval);

#endif
