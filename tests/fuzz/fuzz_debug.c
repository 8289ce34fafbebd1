/* fuzz_debug — the debugger's command interpreter (repl_exec in tools/debug_repl.c, and
 * the commands of tools/debug_mm.c, debug_jetsam.c, debug_print.c it calls): the input
 * is a command script, one command a line, run on a fresh machine stopped at the start
 * of a small program (support.c's elf-exec, with symbols) as `machemu debug -x FILE`
 * runs it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/debug.h"
#include "emu/emu.h"
#include "tests/fuzz/support.h"
#include "tools/debug.h"

#define MAX_LINES 64

static char program[64];
static FILE *sink;

static void setup(void)
{
    static uint8_t image[4096];
    size_t n = fz_image(FZ_ELF_EXEC, image, sizeof image);
    FZ_CHECK(n > 0);
    FZ_CHECK(fz_memfile(image, n, program, sizeof program) >= 0);
    sink = fopen("/dev/null", "w");
    FZ_CHECK(sink);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    char *argv[] = { program, NULL }, *envp[] = { NULL };
    if (!sink)
        setup();
    struct emu *emu = fz_machine();
    FZ_CHECK(emu_load(emu, program, 1, argv, envp, err, sizeof err) == 0);
    FZ_CHECK(dbg_attach(emu, err, sizeof err) == 0);
    struct repl *r = repl_create(emu, program);
    FZ_CHECK(r);
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
    repl_destroy(r);
    emu_destroy(emu);
    return 0;
}
