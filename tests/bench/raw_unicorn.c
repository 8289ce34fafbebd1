/* raw_unicorn: runs a program on a bare Unicorn (emu/cpu_raw.c), as the reference for
 * machemu's CPU speed in scripts/bench.sh.
 * Usage: raw_unicorn [-m MB] PROGRAM [ARGS...]   (default 256 MB of RAM)
 * PROGRAM is a static AArch64 ELF that only writes and exits (guest/bench/bench_raw.c).
 * Exits with its exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/cpu.h"

int main(int argc, char **argv)
{
    uint64_t mb = 256;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "-m") == 0) {
        char *end;
        mb = strtoull(argv[2], &end, 10);
        if (*end || mb < 1 || mb > 65536) {
            fprintf(stderr, "raw_unicorn: bad -m '%s' (MB, 1 to 65536)\n", argv[2]);
            return 2;
        }
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: raw_unicorn [-m MB] PROGRAM [ARGS...]\n");
        return 2;
    }
    char err[256];
    int status = cpu_raw_run(argv[i], argc - i, argv + i, mb << 20, err, sizeof err);
    if (status < 0) {
        fprintf(stderr, "raw_unicorn: %s\n", err);
        return 1;
    }
    return status;
}
