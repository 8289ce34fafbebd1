/* tools/machemu.c — the command line: `machemu run [options] PROGRAM [ARGS...]`. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "emu/emu.h"
#include "mmu/tlb.h"

extern char **environ;

static void usage(FILE *out)
{
    fprintf(out,
        "usage: machemu run [options] PROGRAM [ARGS...]\n"
        "       machemu --help | --version\n"
        "\n"
        "Runs a static AArch64 Linux ELF or arm64 Mach-O executable on an emulated ARM64\n"
        "machine with 16 KB pages, a software MMU and a Mach-style VM. The exit status is\n"
        "the guest's (128+N if signal N killed it; Darwin's numbers for a Mach-O).\n"
        "\n"
        "options:\n"
        "  -m, --memory SIZE        guest RAM, e.g. 64M, 1G (default 256M; 16 KB frames)\n"
        "      --root DIR           guest root directory (default: the current directory);\n"
        "                           the guest cannot reach host files outside it\n"
        "      --stats              print vm_stat-style counters and TLB/MMU counters at exit\n"
        "      --trace-faults[=FILE]  one line per page fault (default: stderr)\n"
        "      --strace[=FILE]      one line per system call (default: stderr)\n"
        "      --vmmap[=FILE]       each task's address space, vmmap-style, when it exits\n"
        "      --tlb SETSxWAYS      TLB geometry (default 512x4: 2048 entries)\n"
        "      --seed N             seed for the guest's random bytes (default 0)\n"
        "  -h, --help               this text\n");
}

/* "64M" -> bytes; 0 on error. */
static uint64_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 0: break;
    default: return 0;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > (1ull << 40) >> shift)
        return 0;
    return (uint64_t)v << shift;
}

static FILE *open_out(const char *path)
{
    if (!path)
        return stderr;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "machemu: %s: %s\n", path, strerror(errno));
    return f;
}

static int cmd_run(int argc, char **argv)
{
    enum { O_ROOT = 256, O_STATS, O_TRACE, O_STRACE, O_TLB, O_SEED, O_VMMAP };
    static const struct option opts[] = {
        { "memory", required_argument, 0, 'm' }, { "root", required_argument, 0, O_ROOT },
        { "stats", no_argument, 0, O_STATS }, { "trace-faults", optional_argument, 0, O_TRACE },
        { "strace", optional_argument, 0, O_STRACE }, { "tlb", required_argument, 0, O_TLB },
        { "seed", required_argument, 0, O_SEED }, { "vmmap", optional_argument, 0, O_VMMAP },
        { "help", no_argument, 0, 'h' }, { 0 },
    };
    struct emu_options o = { .mem_size = EMU_DEFAULT_MEM, .root = ".",
                             .tlb_sets = EMU_DEFAULT_TLB_SETS, .tlb_ways = EMU_DEFAULT_TLB_WAYS };
    bool stats = false;
    int c;
    optind = 1;
    opterr = 0;                    /* one error line of our own, below */
    while ((c = getopt_long(argc, argv, "+:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            o.mem_size = parse_size(optarg);
            if (o.mem_size < (1u << 20) || o.mem_size % (16 << 10)) {
                fprintf(stderr, "machemu: bad --memory '%s': want a multiple of 16K, at least 1M "
                        "(e.g. 64M)\n", optarg);
                return 2;
            }
            break;
        case O_ROOT: o.root = optarg; break;
        case O_STATS: stats = true; break;
        case O_TRACE: if (!(o.fault_trace = open_out(optarg))) return 2; break;
        case O_STRACE: if (!(o.strace = open_out(optarg))) return 2; break;
        case O_VMMAP: if (!(o.vmmap = open_out(optarg))) return 2; break;
        case O_TLB:
            if (tlb_parse_geometry(optarg, &o.tlb_sets, &o.tlb_ways) < 0) {
                fprintf(stderr, "machemu: bad --tlb '%s': want SETSxWAYS, sets a power of two "
                        "(e.g. 64x4)\n", optarg);
                return 2;
            }
            break;
        case O_SEED: {
            char *end;
            o.seed = strtoull(optarg, &end, 0);
            if (*end || !*optarg) {
                fprintf(stderr, "machemu: bad --seed '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': usage(stdout); return 0;
        case ':':
            fprintf(stderr, "machemu: run: option '%s' needs a value (see machemu --help)\n",
                    argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "machemu: run: unknown option '%s' (see machemu --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "machemu: run: no PROGRAM given (see machemu --help)\n");
        return 2;
    }
    char err[512];
    struct emu *emu = emu_create(&o, err, sizeof err);
    if (!emu) {
        fprintf(stderr, "machemu: %s\n", err);
        return 2;
    }
    int status;
    if (emu_load(emu, argv[optind], argc - optind, argv + optind, environ, err, sizeof err) < 0) {
        fprintf(stderr, "machemu: %s\n", err);
        status = 126;
    } else {
        status = emu_run(emu);
        if (stats)
            emu_print_stats(emu, stderr);
    }
    emu_destroy(emu);
    if (o.fault_trace && o.fault_trace != stderr)
        fclose(o.fault_trace);
    if (o.strace && o.strace != stderr)
        fclose(o.strace);
    if (o.vmmap && o.vmmap != stderr)
        fclose(o.vmmap);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "machemu: no command given (try machemu run PROGRAM; see machemu --help)\n");
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("machemu 0.1\n");
        return 0;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_run(argc - 1, argv + 1);
    fprintf(stderr, "machemu: unknown command '%s' (see machemu --help)\n", argv[1]);
    return 2;
}
