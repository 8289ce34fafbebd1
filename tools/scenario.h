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
 * T counts guest instructions, with an optional k, M or G (10^3, 10^6, 10^9).
 *
 * The run ends when every app has ended. The timeline goes to stdout, one line per
 * launch, level change, note, kill, foreground switch and exit, each with the
 * instruction count; the same file gives the same timeline on every run. */
#ifndef TOOLS_SCENARIO_H
#define TOOLS_SCENARIO_H

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

#endif
