/* tools/scenario.h — `machemu scenario FILE`: several apps on one machine under Jetsam,
 * launched and moved between foreground and background at fixed guest-instruction
 * counts, with a timeline of what memorystatus did.
 *
 * A scenario file, one directive per line, words split on blanks, # to the line's end:
 *   options WORD...      machine options as on the command line (-m 64M, --platform ios,
 *                        --notify-spacing N, ...); the command line's come after them
 *                        and win
 *   app NAME [at T] [band B] [memlimit MB[:fatal|soft]] [frontmost] -- PROGRAM [ARGS...]
 *                        launches PROGRAM as app NAME at instruction T (default 0), in
 *                        band B (a number or a name; default foreground), with a limit
 *                        on its footprint; PROGRAM is relative to the programs
 *                        directory (--programs DIR, default the file's own directory)
 *   foreground NAME at T NAME comes to the front (band foreground, frontmost); the app
 *                        in front before goes to the background band
 *   band NAME B at T     NAME moves to band B
 *   state NAME S at T    NAME's Jetsam states become S: none, suspended, idle or
 *                        suspended,idle (a suspended app is skipped by pressure notes
 *                        and has its inactive limit in force; it goes on running)
 * T counts guest instructions, with an optional k, M or G (10^3, 10^6, 10^9). While
 * nothing runs (before the first launch, once every app launched so far has ended, or
 * while every task waits for another) idle time passes: the clock moves straight on to
 * the next step's T, with no instruction run and no task charged for it.
 *
 * The run ends when every app has ended. The timeline goes to stdout, one line per
 * launch, level change, note, kill, foreground switch and exit, each with the
 * instruction count; the same file gives the same timeline on every run. */
#ifndef TOOLS_SCENARIO_H
#define TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct emu;
struct scenario;

/* NULL with one line (file:line: what) in err. */
struct scenario *scenario_load(const char *path, const char *programs_dir, char *err,
                               size_t errlen);
void scenario_free(struct scenario *s);
/* The words of its `options` lines, in order (owned by s). */
char **scenario_options(const struct scenario *s, int *n);
/* Runs it on a machine made with its options; the timeline goes to out. 0 if every app
 * launched (whatever became of them), 1 if one could not be loaded. */
int scenario_run(struct scenario *s, struct emu *emu, FILE *out);

/* The same run, driven from outside (the viewer's run loop, through dbg_run_driver):
 * scenario_start() prints the header and launches what is due at 0; scenario_step()
 * goes after every turn of the run loop with what emu_run_slice() returned, fires the
 * steps that are due and returns false once the scenario is over; scenario_finish()
 * prints the summary ("scenario stopped at ..." if apps still run) and returns what
 * scenario_run() would. The timeline does not depend on how often the loop hands
 * over: a driven run prints the lines of a plain one. */
void scenario_start(struct scenario *s, struct emu *emu, FILE *out);
bool scenario_step(struct scenario *s, bool more);
int scenario_finish(struct scenario *s);
/* The name of the app that runs as pid ("leaky"), NULL for any other task. */
const char *scenario_app_name(struct scenario *s, int pid);
/* The file's name without its directories ("leak.scn"). */
const char *scenario_name(const struct scenario *s);

#endif
