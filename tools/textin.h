/* tools/textin.h — the user's text input (debugger and viewer scripts, scenario files,
 * commands on standard input), read a bounded line at a time: a directory, a device
 * that never ends a line or a line too long is one clear error, never a hang or a
 * heap that grows without end. */
#ifndef TOOLS_TEXTIN_H
#define TOOLS_TEXTIN_H

#include <stddef.h>
#include <stdio.h>

#define TEXTIN_LINE_MAX 4096       /* bytes in a line, its newline not counted */

/* path opened for reading; NULL with "PATH: why" in err[] (a directory is refused). */
FILE *textin_open(const char *path, char *err, size_t errlen);

/* The next line of f in buf[TEXTIN_LINE_MAX + 2], its newline kept. 1: a line; 0: the
 * end; -1: too long, a NUL byte in it, or a read error, with why in err[]. */
int textin_line(FILE *f, char *buf, char *err, size_t errlen);

#endif
