/* tools/machemu.c — the command line: `machemu run|debug|view [options] PROGRAM [ARGS...]`,
 * `machemu scenario [options] FILE`, `machemu codec [options] FILE`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/emu.h"
#include "emu/hostout.h"
#include "emu/jetsam.h"
#include "emu/peak.h"
#include "emu/trace.h"
#include "jetsam/memorystatus.h"
#include "mmu/tlb.h"
#include "tools/codec_cmd.h"
#include "tools/repl.h"
#include "tools/runwatch.h"
#include "tools/scenario.h"
#include "tools/view.h"

extern char **environ;

enum command { CMD_RUN, CMD_DEBUG, CMD_VIEW, CMD_SCENARIO, CMD_ALL };

static const char *const usage_lines[CMD_ALL] = {
    [CMD_RUN] = "machemu run [options] PROGRAM [ARGS...]",
    [CMD_DEBUG] = "machemu debug [options] [-x FILE] [--gdb PORT] PROGRAM [ARGS...]",
    [CMD_VIEW] = "machemu view [options] [--snapshot FILE.png] [--view-script FILE] PROGRAM [ARGS...]",
    [CMD_SCENARIO] = "machemu scenario [options] [--programs DIR] [--view [viewer options]] FILE",
};

static void usage_common(FILE *out)
{
    fprintf(out,
        "Runs a static AArch64 Linux ELF or arm64 Mach-O executable on an emulated ARM64\n"
        "machine with 16 KB pages, a software MMU and a Mach-style VM. The exit status is\n"
        "the guest's (128+N if signal N killed it; Darwin's numbers for a Mach-O).\n"
        "\n"
        "options:\n"
        "  -m, --memory SIZE        guest RAM, e.g. 64M, 1G (default 256M; 16 KB frames)\n"
        "      --root DIR           guest root directory (default: the current directory);\n"
        "                           the guest cannot reach host files outside it\n"
        "      --stats              print vm_stat-style counters and TLB/MMU counters at exit,\n"
        "                           then the same at the peak footprint\n"
        "      --stats=interval:N   run: also one vm_stat line every N guest instructions\n"
        "      --progress           run: a status line (instructions, faults, footprint,\n"
        "                           pressure); SIGUSR1 prints one at any time\n"
        "      --trace-faults[=FILE]  one line per page fault (default: stderr)\n"
        "      --trace-filter TERM  only the faults of kind=K[,K..], va=LO-HI or task=PID\n"
        "                           (repeat to require several); cost=split adds\n"
        "                           reclaim=, the part of cost= spent freeing frames\n"
        "      --trace-faults-no-cost  no host time in the trace: two runs, the same bytes\n"
        "      --strace[=FILE]      one line per system call, arguments decoded (default:\n"
        "                           stderr)\n"
        "      --vmmap[=FILE]       each task's address space, vmmap-style, when it exits,\n"
        "                           and every task's at the peak footprint\n"
        "      --dump-pages FILE    each task's anonymous pages (resident or compressed) when\n"
        "                           it exits, 16 KB each, for machemu codec\n"
        "      --tlb SETSxWAYS      TLB geometry (default 512x4: 2048 entries)\n"
        "      --seed N             seed for the guest's random bytes (default 0)\n"
        "      --codec NAME         compressor codec: wkdm, lz4 or hybrid (default hybrid:\n"
        "                           WKdm, LZ4 when WKdm's output is 12 KB or more)\n"
        "      --platform NAME      ios (default: no backing store, a full compressor raises\n"
        "                           pressure) or macos (compressor segments go to swap\n"
        "                           files, as macOS's swapper sends them)\n"
        "      --swap-dir DIR       macos: directory for the swap files (default: a new one\n"
        "                           under $TMPDIR, removed at exit); never inside --root\n"
        "      --swap-size SIZE     macos: swap space at most, in files the RAM's size\n"
        "                           (default: 100 of them, macOS's limit)\n"
        "      --band N             the program's Jetsam band, a number 0-210 or a name: idle,\n"
        "                           background, foreground (the default), ...\n"
        "      --memlimit MB[:fatal|soft]  its limit on phys_footprint (default: none). fatal,\n"
        "                           the default kind, kills at once (per-process-limit); soft\n"
        "                           lets it live until memory runs short (highwater)\n"
        "      --reports DIR        where JetsamEvent reports go, one per kill (default ./reports)\n"
        "      --no-jetsam          no pressure levels, notes or kills: a task then ends only\n"
        "                           when a page fault finds no frame at all\n"
        "      --notify-spacing N   guest instructions between two pressure notes (default\n"
        "                           25000000: XNU's 250 ms at 100 MIPS)\n"
        "      --guest-mips N       the guest's speed in millions of instructions a second,\n"
        "                           which turns every period of Jetsam's (notes, resting and\n"
        "                           smoothing, sustained pressure, the reaper) into\n"
        "                           instructions (default 100)\n"
        "      --clock exact|auto   Jetsam's clock, in guest instructions: exact (the default\n"
        "                           with Jetsam) counts every one, so each report's age and\n"
        "                           cpuTime is whole; auto counts only while several tasks\n"
        "                           run, a task has a limit or is idle, pressure is up or a\n"
        "                           note waits, and runs compute-bound code up to a third\n"
        "                           faster (reports then say \"clockExact\": false when a gap\n"
        "                           shortened them; debug and view always count all)\n"
        "      --no-shared-region   map no shared region (the shared cache, at 0x180000000)\n"
        "                           into the tasks\n"
        "      --shared-cache FILE  the shared cache to map (default: the one make builds\n"
        "                           next to machemu)\n"
        "      --system ios|none|FILE  run, debug, view: boot a system image first (default\n"
        "                           ios from 32M of RAM: launchd, SpringBoard and daemons\n"
        "                           in their Jetsam bands, guest/system/ios.system;\n"
        "                           docs/run.md); the program runs as the frontmost app\n"
        "      --maxproc N          tasks the machine holds at once, zombies included; fork\n"
        "                           past it fails with EAGAIN (default 1000: kern.maxproc)\n"
        "  -h, --help               this text\n");
}

static void usage_debug(FILE *out)
{
    fprintf(out, "\n"
        "debug: the program stops at its first instruction; commands (help lists them) step,\n"
        "break on addresses, page faults and Jetsam events, and show registers, memory,\n"
        "table walks, the TLB, VM objects and frames, pressure levels and the Jetsam table.\n"
        "  -x FILE                  run the commands in FILE first (then the terminal, or\n"
        "                           standard input when it is not a terminal)\n"
        "      --gdb PORT           serve the GDB remote protocol on 127.0.0.1:PORT instead\n"
        "                           (0: any free port, printed); `monitor CMD` runs a command\n");
}

static void usage_view(FILE *out)
{
    fprintf(out, "\n"
        "view (or run --view, scenario --view): an SDL window onto physical memory, the\n"
        "pressure level (Jetsam's), the compressor, tasks (band, footprint against limit),\n"
        "the TLB, and faults, notes and kills as they happen; h in the window lists the keys.\n"
        "      --snapshot FILE.png  run to the end, write a PNG of the window, quit\n"
        "      --view-script FILE   drive the viewer by commands first (see docs/viewer.md)\n"
        "      --view-size WxH      window size (default 1280x800)\n"
        "      --pause-on EVENTS    pause the running window at Jetsam's kill, level, note\n"
        "                           (a list: kill,level); it starts paused either way\n"
        "With SDL_VIDEODRIVER=offscreen (or dummy) the window is never shown.\n");
}

static void usage_scenario(FILE *out)
{
    fprintf(out, "\n"
        "scenario: several apps on one machine under Jetsam, launched and moved between\n"
        "foreground and background at given instruction counts (FILE's format: see\n"
        "docs/jetsam.md); prints a timeline of launches, levels, notes, kills and exits.\n"
        "      --programs DIR       where the file's programs are (default: FILE's directory)\n"
        "      --view               watch it in the viewer; the timeline still goes to stdout,\n"
        "                           the same as without; --snapshot, --view-script and\n"
        "                           --view-size as for view\n");
}

/* The usage of one command (with the options it shares), or of all (CMD_ALL). */
static void usage(FILE *out, enum command which)
{
    for (int c = 0; c < CMD_ALL; c++)
        if (which == CMD_ALL || which == (enum command)c)
            fprintf(out, "%s %s\n", c == (int)which || (which == CMD_ALL && c == 0) ? "usage:" : "      ",
                    usage_lines[c]);
    if (which == CMD_ALL)
        fprintf(out, "       machemu codec [codec options] FILE     (machemu codec --help lists them)\n"
                     "       machemu help [COMMAND] | --help | --version\n");
    fprintf(out, "\n");
    usage_common(out);
    if (which == CMD_ALL || which == CMD_DEBUG)
        usage_debug(out);
    if (which != CMD_DEBUG)
        usage_view(out);
    if (which == CMD_ALL || which == CMD_SCENARIO)
        usage_scenario(out);
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

/* The outputs a user may ask for, each stderr or a file of theirs. */
enum { OUT_TRACE, OUT_STRACE, OUT_VMMAP, OUT_DUMP, NOUTS };
static const char *const out_option[NOUTS] = { "--trace-faults", "--strace", "--vmmap", "--dump-pages" };

#define SYSTEM_MIN_MEM (32ull << 20)   /* the default --system is none below it */

struct cli {
    struct emu_options o;
    bool out_wanted[NOUTS];
    const char *out_path[NOUTS];   /* NULL: stderr */
    struct emu_jetsam_props ms;
    bool stats;
    bool view;                     /* run --view */
    struct debug_options dbg;
    struct view_options vo;
    const char *programs;          /* scenario: --programs */
    enum { CLOCK_DEFAULT, CLOCK_AUTO, CLOCK_EXACT } clock;
    bool no_shared_region;
    char *cache_path;              /* the default shared cache's (to free) */
    const char *system;            /* --system: ios, none or a file (NULL: none) */
    struct runwatch_options watch;
    struct emu_trace_filter filter;
};

static bool parse_view_size(const char *s, struct view_options *vo)
{
    char *end;
    long w = strtol(s, &end, 10), h = *end == 'x' ? strtol(end + 1, &end, 10) : 0;
    if (*end || w < 320 || h < 240 || w > 8192 || h > 8192)
        return false;
    vo->width = (int)w;
    vo->height = (int)h;
    return true;
}

static bool parse_port(const char *s, int *port)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || !*s || v < 0 || v > 65535)
        return false;
    *port = (int)v;
    return true;
}

/* Options of `run`, `debug` or `view`; returns the index of PROGRAM, or -status to
 * exit with. */
static int parse_options(int argc, char **argv, enum command which, struct cli *c)
{
    enum { O_ROOT = 256, O_STATS, O_TRACE, O_STRACE, O_TLB, O_SEED, O_VMMAP, O_GDB, O_VIEW,
           O_SNAPSHOT, O_SCRIPT, O_SIZE, O_CODEC, O_PLATFORM, O_SWAPDIR, O_BAND, O_MEMLIMIT,
           O_REPORTS, O_NOJETSAM, O_SPACING, O_PROGRAMS, O_CLOCK, O_MAXPROC, O_MIPS,
           O_SWAPSIZE, O_DUMP, O_NOSHARED, O_SHAREDCACHE, O_SYSTEM, O_PROGRESS, O_TFILTER,
           O_NOCOST, O_PAUSEON };
    bool debug = which == CMD_DEBUG;
    static const struct option opts[] = {
        { "memory", required_argument, 0, 'm' }, { "root", required_argument, 0, O_ROOT },
        { "stats", optional_argument, 0, O_STATS }, { "progress", no_argument, 0, O_PROGRESS },
        { "trace-filter", required_argument, 0, O_TFILTER },
        { "trace-faults-no-cost", no_argument, 0, O_NOCOST },
        { "pause-on", required_argument, 0, O_PAUSEON }, { "trace-faults", optional_argument, 0, O_TRACE },
        { "strace", optional_argument, 0, O_STRACE }, { "tlb", required_argument, 0, O_TLB },
        { "seed", required_argument, 0, O_SEED }, { "vmmap", optional_argument, 0, O_VMMAP },
        { "dump-pages", required_argument, 0, O_DUMP },
        { "help", no_argument, 0, 'h' }, { "gdb", required_argument, 0, O_GDB },
        { "view", no_argument, 0, O_VIEW }, { "snapshot", required_argument, 0, O_SNAPSHOT },
        { "view-script", required_argument, 0, O_SCRIPT },
        { "view-size", required_argument, 0, O_SIZE }, { "codec", required_argument, 0, O_CODEC },
        { "platform", required_argument, 0, O_PLATFORM },
        { "swap-dir", required_argument, 0, O_SWAPDIR }, { "band", required_argument, 0, O_BAND },
        { "swap-size", required_argument, 0, O_SWAPSIZE },
        { "memlimit", required_argument, 0, O_MEMLIMIT },
        { "reports", required_argument, 0, O_REPORTS },
        { "no-jetsam", no_argument, 0, O_NOJETSAM },
        { "notify-spacing", required_argument, 0, O_SPACING },
        { "guest-mips", required_argument, 0, O_MIPS },
        { "clock", required_argument, 0, O_CLOCK },
        { "maxproc", required_argument, 0, O_MAXPROC },
        { "no-shared-region", no_argument, 0, O_NOSHARED },
        { "shared-cache", required_argument, 0, O_SHAREDCACHE },
        { "system", required_argument, 0, O_SYSTEM },
        { "programs", required_argument, 0, O_PROGRAMS }, { 0 },
    };
    static const char *const names[] = { "run", "debug", "view", "scenario" };
    const char *cmd = names[which];
    int ch;
    *c = (struct cli){ .o = { .mem_size = EMU_DEFAULT_MEM, .root = ".",
                              .tlb_sets = EMU_DEFAULT_TLB_SETS, .tlb_ways = EMU_DEFAULT_TLB_WAYS,
                              .codec = COMPRESSOR_CODEC_HYBRID, .reports_dir = "reports" },
                       .ms = { .band = EMU_JETSAM_BAND_DEFAULT, .active = { EMU_JETSAM_LIMIT_NONE, false },
                               .inactive = { EMU_JETSAM_LIMIT_NONE, false } },
                       .dbg = { .gdb_port = -1 } };
    c->o.memstatus = &c->ms;
    optind = 1;
    opterr = 0;                    /* one error line of our own, below */
    /* _only: qemu's single-dash spellings (-strace) are the long options too */
    while ((ch = getopt_long_only(argc, argv, debug ? "+:m:hx:" : "+:m:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'm':
            c->o.mem_size = parse_size(optarg);
            if (c->o.mem_size < (1u << 20) || c->o.mem_size % (16 << 10)) {
                fprintf(stderr, "machemu: bad --memory '%s': want a multiple of 16K, at least 1M "
                        "(e.g. 64M)\n", optarg);
                return -2;
            }
            break;
        case O_ROOT: c->o.root = optarg; break;
        case O_STATS:
            c->stats = true;
            if (optarg && !runwatch_parse_stats(optarg, &c->watch.stats_interval)) {
                fprintf(stderr, "machemu: bad --stats '%s': want --stats or --stats=interval:N "
                        "(N guest instructions, e.g. interval:10000000)\n", optarg);
                return -2;
            }
            break;
        case O_PROGRESS: c->watch.progress = true; break;
        case O_NOCOST: c->filter.no_cost = true; break;
        case O_TFILTER: {
            char err[160];
            if (emu_trace_filter_add(&c->filter, optarg, err, sizeof err) < 0) {
                fprintf(stderr, "machemu: --trace-filter: %s\n", err);
                return -2;
            }
            break;
        }
        case O_TRACE: case O_STRACE: case O_VMMAP: case O_DUMP: {
            int k = ch == O_TRACE ? OUT_TRACE : ch == O_STRACE ? OUT_STRACE : ch == O_VMMAP ? OUT_VMMAP : OUT_DUMP;
            c->out_wanted[k] = true;
            c->out_path[k] = optarg;
            break;
        }
        case O_TLB:
            if (tlb_parse_geometry(optarg, &c->o.tlb_sets, &c->o.tlb_ways) < 0) {
                fprintf(stderr, "machemu: bad --tlb '%s': want SETSxWAYS, sets a power of two "
                        "(e.g. 64x4)\n", optarg);
                return -2;
            }
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            c->o.seed = strtoull(optarg, &end, 0);
            if (errno || *end || !*optarg || *optarg == '-') {
                fprintf(stderr, "machemu: bad --seed '%s': want a number 0 to %llu\n", optarg,
                        (unsigned long long)UINT64_MAX);
                return -2;
            }
            break;
        }
        case O_CODEC:
            if (compressor_codec_parse(optarg, &c->o.codec) < 0) {
                fprintf(stderr, "machemu: bad --codec '%s': want wkdm, lz4 or hybrid\n", optarg);
                return -2;
            }
            break;
        case O_PLATFORM:
            if (strcmp(optarg, "ios") && strcmp(optarg, "macos")) {
                fprintf(stderr, "machemu: bad --platform '%s': want ios or macos\n", optarg);
                return -2;
            }
            c->o.platform = !strcmp(optarg, "macos") ? EMU_PLATFORM_MACOS : EMU_PLATFORM_IOS;
            break;
        case O_SWAPDIR: c->o.swap_dir = optarg; break;
        case O_SWAPSIZE:
            if (!(c->o.swap_size = parse_size(optarg))) {
                fprintf(stderr, "machemu: bad --swap-size '%s': want a size such as 64M\n", optarg);
                return -2;
            }
            break;
        case O_BAND: {
            int band;
            if (memorystatus_band_parse(optarg, &band) < 0) {
                fprintf(stderr, "machemu: bad --band '%s': want 0-210 or a band name (idle, "
                        "background, foreground, ...)\n", optarg);
                return -2;
            }
            c->ms.band = band;
            break;
        }
        case O_MEMLIMIT: {
            uint32_t mb;
            bool fatal;
            if (memorystatus_limit_parse(optarg, &mb, &fatal) < 0 || mb == 0 || mb > INT32_MAX) {
                fprintf(stderr, "machemu: bad --memlimit '%s': want MB, MB:fatal or MB:soft "
                        "(e.g. 50:fatal)\n", optarg);
                return -2;
            }
            c->ms.active = c->ms.inactive = (struct emu_jetsam_limit){ (int32_t)mb, fatal };
            break;
        }
        case O_REPORTS: c->o.reports_dir = optarg; break;
        case O_NOJETSAM: c->o.no_jetsam = true; break;
        case O_NOSHARED: c->no_shared_region = true; break;
        case O_SHAREDCACHE: c->o.shared_cache = optarg; break;
        case O_SYSTEM:
            if (which == CMD_SCENARIO) {
                fprintf(stderr, "machemu: scenario: --system belongs to run, debug and view "
                        "(a scenario file names its own processes)\n");
                return -2;
            }
            c->system = optarg;
            break;
        case O_CLOCK:
            if (strcmp(optarg, "auto") && strcmp(optarg, "exact")) {
                fprintf(stderr, "machemu: bad --clock '%s': want auto or exact\n", optarg);
                return -2;
            }
            c->clock = !strcmp(optarg, "exact") ? CLOCK_EXACT : CLOCK_AUTO;
            break;
        case O_SPACING: {
            char *end;
            errno = 0;
            c->o.notify_spacing = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || *optarg == '-' || c->o.notify_spacing == 0) {
                fprintf(stderr, "machemu: bad --notify-spacing '%s': want a number of guest "
                        "instructions, at least 1\n", optarg);
                return -2;
            }
            break;
        }
        case O_MAXPROC: {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || !*optarg || *optarg == '-' || v == 0 || v > 1000000) {
                fprintf(stderr, "machemu: bad --maxproc '%s': want a number of tasks, "
                        "1-1000000\n", optarg);
                return -2;
            }
            c->o.max_tasks = (unsigned)v;
            break;
        }
        case O_MIPS: {
            char *end;
            errno = 0;
            c->o.guest_mips = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || *optarg == '-' || c->o.guest_mips == 0 ||
                c->o.guest_mips > 1000000) {
                fprintf(stderr, "machemu: bad --guest-mips '%s': want a number 1 to 1000000\n",
                        optarg);
                return -2;
            }
            break;
        }
        case O_PROGRAMS:
            if (which != CMD_SCENARIO) {
                fprintf(stderr, "machemu: %s: --programs belongs to machemu scenario\n", cmd);
                return -2;
            }
            c->programs = optarg;
            break;
        case 'x': c->dbg.script = optarg; break;
        case O_GDB:
            if (debug && parse_port(optarg, &c->dbg.gdb_port))
                break;
            if (debug)
                fprintf(stderr, "machemu: bad --gdb '%s': want a port number 0-65535\n", optarg);
            else
                fprintf(stderr, "machemu: %s: --gdb belongs to machemu debug\n", cmd);
            return -2;
        case O_VIEW:
            if (which != CMD_RUN && which != CMD_SCENARIO) {
                fprintf(stderr, "machemu: %s: --view belongs to machemu run and machemu "
                        "scenario\n", cmd);
                return -2;
            }
            c->view = true;
            break;
        case O_SNAPSHOT: c->vo.snapshot = optarg; break;
        case O_PAUSEON:
            if (!view_parse_pause_on(optarg, &c->vo.pause_on)) {
                fprintf(stderr, "machemu: bad --pause-on '%s': want kill, level or note, or a "
                        "list of them (kill,level)\n", optarg);
                return -2;
            }
            break;
        case O_SCRIPT: c->vo.script = optarg; break;
        case O_SIZE:
            if (!parse_view_size(optarg, &c->vo)) {
                fprintf(stderr, "machemu: bad --view-size '%s': want WxH, e.g. 1280x800 "
                        "(320x240 .. 8192x8192)\n", optarg);
                return -2;
            }
            break;
        case 'h': usage(stdout, which); return 0;
        case ':':
            fprintf(stderr, "machemu: %s: option '%s' needs a value (see machemu %s --help)\n", cmd,
                    argv[optind - 1], cmd);
            return -2;
        default:
            fprintf(stderr, "machemu: %s: unknown option '%s' (see machemu %s --help)\n", cmd,
                    argv[optind - 1], cmd);
            return -2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "machemu: %s: no %s given (see machemu %s --help)\n", cmd,
                which == CMD_SCENARIO ? "FILE" : "PROGRAM", cmd);
        return -2;
    }
    if (which == CMD_SCENARIO && optind != argc - 1) {
        fprintf(stderr, "machemu: scenario: one FILE, then nothing (got '%s' after it)\n",
                argv[optind + 1]);
        return -2;
    }
    if (which == CMD_SCENARIO && c->o.no_jetsam) {
        fprintf(stderr, "machemu: scenario: --no-jetsam leaves nothing to watch\n");
        return -2;
    }
    if ((c->o.swap_dir || c->o.swap_size) && c->o.platform != EMU_PLATFORM_MACOS) {
        fprintf(stderr, "machemu: %s: --%s needs --platform macos (iOS has no swap)\n", cmd,
                c->o.swap_dir ? "swap-dir" : "swap-size");
        return -2;
    }
    if (c->no_shared_region)
        c->o.shared_cache = NULL;
    /* Under 32 MB the image's tasks (their tables and kernel memory alone are about 100
     * frames) would leave a program little room: such a machine is no phone. */
    if (!c->system && which != CMD_SCENARIO)
        c->system = c->o.mem_size >= SYSTEM_MIN_MEM ? "ios" : "none";
    if (which != CMD_RUN && (c->watch.progress || c->watch.stats_interval)) {
        fprintf(stderr, "machemu: %s: --progress and --stats=interval:N belong to machemu run\n",
                cmd);
        return -2;
    }
    c->o.trace_filter = &c->filter;
    /* Jetsam's reports want every instruction counted; with no Jetsam, no one does. */
    c->o.exact_clock = c->clock == CLOCK_DEFAULT ? !c->o.no_jetsam : c->clock == CLOCK_EXACT;
    bool viewing = which == CMD_VIEW || c->view;
    if (!viewing && (c->vo.snapshot || c->vo.script || c->vo.width || c->vo.pause_on)) {
        fprintf(stderr, "machemu: %s: --snapshot, --view-script, --view-size and --pause-on "
                "belong to the viewer (machemu view, run --view or scenario --view)\n", cmd);
        return -2;
    }
    return optind;
}

static FILE **out_file(struct cli *c, int k)
{
    return k == OUT_TRACE ? &c->o.fault_trace : k == OUT_STRACE ? &c->o.strace
         : k == OUT_VMMAP ? &c->o.vmmap : &c->o.dump_pages;
}

/* Opened once the options are all known: the guest root decides what may be followed
 * (emu/hostout.h). false with one line said. */
static bool open_outputs(struct cli *c)
{
    for (int k = 0; k < NOUTS; k++) {
        if (!c->out_wanted[k])
            continue;
        if (!c->out_path[k]) {
            *out_file(c, k) = stderr;
            continue;
        }
        char err[PATH_MAX + 128];
        int fd = hostout_file(c->o.root, c->out_path[k], err, sizeof err);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
            if (fd >= 0) {
                snprintf(err, sizeof err, "%s: %s", c->out_path[k], strerror(errno));
                close(fd);
            }
            fprintf(stderr, "machemu: %s %s\n", out_option[k], err);
            return false;
        }
        *out_file(c, k) = f;
    }
    return true;
}

/* false if an output lost something (a full disk, /dev/full), said on stderr. */
static bool close_outputs(struct cli *c)
{
    bool ok = true;
    for (int k = 0; k < NOUTS; k++) {
        FILE **f = out_file(c, k);
        if (!*f || *f == stderr)
            continue;
        int bad = ferror(*f);
        errno = bad ? EIO : 0;
        if (fclose(*f) != 0 || bad) {
            fprintf(stderr, "machemu: %s %s: cannot write: %s\n", out_option[k],
                    c->out_path[k], strerror(errno ? errno : EIO));
            ok = false;
        }
        *f = NULL;
    }
    return ok;
}

static int start(struct emu *emu, enum command which, const char *program, struct cli *c)
{
    if (which == CMD_DEBUG)
        return debug_main(emu, program, &c->dbg);
    if (which == CMD_VIEW || c->view)
        return view_main(emu, program, &c->vo);
    return runwatch_run(emu, &c->watch);
}

/* The peak of --stats and --vmmap, after what they print at exit. */
static void print_peak(struct emu *emu, struct cli *c)
{
    emu_peak_update(emu);          /* a run interrupted since its last system call */
    if (c->stats)
        emu_peak_print_stats(emu, stderr);
    if (c->o.vmmap)
        emu_peak_print_vmmap(emu, c->o.vmmap);
}

/* The shared cache make builds next to machemu, unless the options chose another or
 * none; freed with the cli's cache_path. */
static void default_shared_cache(struct cli *c)
{
    if (!c->no_shared_region && !c->o.shared_cache)
        c->o.shared_cache = c->cache_path = emu_machine_file("guest/dyld_shared_cache_arm64");
}

/* --system: ios is the image make builds next to machemu, run by its sysdaemon. */
static int boot_system(struct emu *emu, const struct cli *c, char *err, size_t errlen)
{
    if (!c->system || !strcmp(c->system, "none"))
        return 0;
    char *file = strcmp(c->system, "ios") ? strdup(c->system)
                                          : emu_machine_file("guest/system/ios.system");
    char *program = emu_machine_file("guest/sysdaemon");
    int rc = file && program ? emu_boot_system(emu, file, program, err, errlen) : -1;
    if (!file || !program)
        snprintf(err, errlen, "--system: out of memory");
    free(file);
    free(program);
    return rc;
}

/* As a shell says it: 127 when there is no such file, 126 when it cannot be run. */
static int exec_failure_status(const char *path)
{
    struct stat st;
    return stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR) ? 127 : 126;
}

/* A machine with the system booted and the program loaded, or NULL with *status set
 * (one line said). */
static struct emu *make_machine(struct cli *c, int argc, char **argv, int first, int *status)
{
    char err[512];
    struct emu *emu = emu_create(&c->o, err, sizeof err);
    if (!emu) {
        fprintf(stderr, "machemu: %s\n", err);
        *status = 2;
        return NULL;
    }
    if (boot_system(emu, c, err, sizeof err) < 0) {
        fprintf(stderr, "machemu: %s\n", err);
        *status = 2;
    } else if (emu_load(emu, argv[first], argc - first, argv + first, environ, err, sizeof err) < 0) {
        fprintf(stderr, "machemu: %s\n", err);
        *status = exec_failure_status(argv[first]);
    } else if ((c->stats || c->o.vmmap) && emu_peak_enable(emu, c->o.vmmap != NULL) < 0) {
        fprintf(stderr, "machemu: out of host memory\n");
        *status = 2;
    } else {
        return emu;
    }
    emu_destroy(emu);
    return NULL;
}

struct machine {
    struct cli *c;
    int argc, first;
    char **argv;
    struct emu *emu;
};

/* debug's `run` after the program ended: the same program, arguments and options on a
 * new machine, the old one gone. */
static struct emu *remake_machine(void *ctx)
{
    struct machine *m = ctx;
    int status;
    struct emu *emu = make_machine(m->c, m->argc, m->argv, m->first, &status);
    if (emu) {
        emu_destroy(m->emu);
        m->emu = emu;
    }
    return emu;
}

static int cmd_machine(int argc, char **argv, enum command which)
{
    struct cli c;
    int first = parse_options(argc, argv, which, &c);
    if (first <= 0)
        return -first;
    if (!open_outputs(&c)) {
        close_outputs(&c);
        return 2;
    }
    default_shared_cache(&c);
    int status;
    struct machine m = { &c, argc, first, argv, make_machine(&c, argc, argv, first, &status) };
    if (m.emu) {
        c.dbg.restart = remake_machine;
        c.dbg.restart_ctx = &m;
        status = start(m.emu, which, argv[first], &c);
        if (c.stats)
            emu_print_stats(m.emu, stderr);
        print_peak(m.emu, &c);
        emu_destroy(m.emu);
    }
    free(c.cache_path);
    return close_outputs(&c) ? status : 2;
}

/* scenario --view: the viewer's run loop drives the scenario. */
struct scenario_view {
    struct scenario *s;
    struct emu *emu;
    bool started;
};

static void scenario_view_start(void *ctx)
{
    struct scenario_view *sv = ctx;
    scenario_start(sv->s, sv->emu, stdout);
    sv->started = true;
}

static bool scenario_view_step(void *ctx, bool more)
{
    return scenario_step(((struct scenario_view *)ctx)->s, more);
}

static const char *scenario_view_name(void *ctx, int pid)
{
    return scenario_app_name(((struct scenario_view *)ctx)->s, pid);
}

/* The scenario's status, or 2 if the viewer could not run (no window, a bad script). */
static int view_scenario(struct scenario *s, struct emu *emu, struct view_options *vo)
{
    struct scenario_view sv = { s, emu, false };
    struct view_driver driver = { scenario_view_start, scenario_view_step, scenario_view_name,
                                  &sv };
    char title[256];
    snprintf(title, sizeof title, "scenario %s", scenario_name(s));
    vo->driver = &driver;
    int rc = view_main(emu, title, vo);
    int status = sv.started ? scenario_finish(s) : 2;
    return rc == 2 ? 2 : status;
}

/* The file's `options` words go before the command line's, which win. */
static int cmd_scenario(int argc, char **argv)
{
    struct cli c;
    int first = parse_options(argc, argv, CMD_SCENARIO, &c);
    if (first <= 0)
        return -first;
    char err[512];
    struct scenario *s = scenario_load(argv[first], c.programs, err, sizeof err);
    if (!s) {
        fprintf(stderr, "machemu: scenario: %s\n", err);
        return 2;
    }
    int nopt, status = 2;
    char **opt = scenario_options(s, &nopt);
    char **v = calloc((size_t)(argc + nopt + 1), sizeof *v);
    if (!v) {
        scenario_free(s);
        return 2;
    }
    int n = 0;
    v[n++] = argv[0];
    for (int i = 0; i < nopt; i++)
        v[n++] = opt[i];
    for (int i = 1; i < argc; i++)
        v[n++] = argv[i];
    if ((first = parse_options(n, v, CMD_SCENARIO, &c)) > 0 && open_outputs(&c)) {
        c.o.run_all = true;
        default_shared_cache(&c);
        struct emu *emu = emu_create(&c.o, err, sizeof err);
        if (!emu) {
            fprintf(stderr, "machemu: %s\n", err);
        } else {
            if (c.stats || c.o.vmmap)
                emu_peak_enable(emu, c.o.vmmap != NULL);   /* out of memory: no peak */
            status = c.view ? view_scenario(s, emu, &c.vo) : scenario_run(s, emu, stdout);
            if (c.stats)
                emu_print_stats(emu, stderr);
            print_peak(emu, &c);
            emu_destroy(emu);
        }
    } else {
        status = first <= 0 ? -first : 2;
    }
    if (!close_outputs(&c))
        status = 2;
    free(c.cache_path);
    free(v);
    scenario_free(s);
    return status;
}

/* `machemu help [COMMAND]`: that command's usage, or all of it. */
static int help_command(const char *name)
{
    static const char *const names[CMD_ALL] = { "run", "debug", "view", "scenario" };
    if (name && !strcmp(name, "codec")) {
        char *argv[] = { "codec", "--help", NULL };
        return codec_main(2, argv);
    }
    for (int c = 0; c < CMD_ALL && name; c++)
        if (!strcmp(name, names[c])) {
            usage(stdout, (enum command)c);
            return 0;
        }
    if (name) {
        fprintf(stderr, "machemu: help: no command '%s' (run, debug, view, scenario, codec)\n", name);
        return 2;
    }
    usage(stdout, CMD_ALL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "machemu: no command given (try machemu run PROGRAM; see machemu --help)\n");
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return help_command(NULL);
    if (!strcmp(argv[1], "help")) {
        if (argc > 3) {
            fprintf(stderr, "machemu: help: one COMMAND at most (run, debug, view, scenario, codec)\n");
            return 2;
        }
        return help_command(argc == 3 ? argv[2] : NULL);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("machemu 0.1\n");
        return 0;
    }
    static const char *const commands[] = { [CMD_RUN] = "run", [CMD_DEBUG] = "debug",
                                            [CMD_VIEW] = "view" };
    for (int i = 0; i < 3; i++)
        if (!strcmp(argv[1], commands[i]))
            return cmd_machine(argc - 1, argv + 1, (enum command)i);
    if (!strcmp(argv[1], "scenario"))
        return cmd_scenario(argc - 1, argv + 1);
    if (!strcmp(argv[1], "codec"))
        return codec_main(argc - 1, argv + 1);
    fprintf(stderr, "machemu: unknown command '%s' (see machemu --help)\n", argv[1]);
    return 2;
}
