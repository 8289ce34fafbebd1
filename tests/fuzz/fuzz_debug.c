/* fuzz_debug — the debugger's command interpreter (repl_exec in tools/repl_cmd.c, and
 * the commands of tools/repl_mm.c, repl_jetsam.c, repl_print.c it calls): the input
 * is a command script, one command a line, run on a fresh machine stopped at the start
 * of a small program (support.c's elf-exec, with symbols) as `machemu debug -x FILE`
 * runs it. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/support.h"
#include "tools/repl.h"

#define MAX_LINES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        FZ_CHECK((sink = fopen("/dev/null", "w")));
    struct repl *r = fz_debug_session();
    const uint8_t *p = data, *end = data + size;
    for (int lines = 0; p < end && lines < MAX_LINES; lines++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = malloc(len + 1);     /* exactly the line: overreads show */
        FZ_CHECK(line);
        memcpy(line, p, len);
        line[len] = 0;
        bool go = repl_exec(r, line, sink);
        free(line);
        if (!go)
            break;
        p += len + 1;
    }
    fz_debug_end(r);
    return 0;
}
