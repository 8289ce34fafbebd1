/* emu/strace.c — --strace lines of Linux system calls, arguments decoded as qemu's
 * -strace and strace(1) show them: AT_FDCWD, strings, flag names, signal names, and
 * errors as -1 ENAME (text).
 *
 * Strings are read before the call (exec replaces the memory they are in) and through
 * inspect_read, which faults nothing in: a run with --strace makes the same faults as
 * one without. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include "emu/inspect.h"
#include "emu/internal.h"

/* One letter per argument:
 *   d fd   D dirfd (AT_FDCWD)   s string   A string array (argv)   p pointer
 *   i signed   u unsigned   x hex   o mode (octal)   O open flags (F: without the
 *   access mode, as dup3 and pipe2 take them)   P prot
 *   M mmap flags   S signal
 * A leading '*' says the result is an address (shown in hex). */
static const char *const specs[] = {
    [17] = "pu", [23] = "d", [24] = "ddF", [25] = "dix", [29] = "dxp", [34] = "Dso",
    [35] = "Dsx", [36] = "sDs", [38] = "DsDs", [46] = "di", [48] = "Dsx", [49] = "s",
    [50] = "d", [56] = "DsOo", [57] = "d", [59] = "pF", [61] = "dpu", [62] = "dii",
    [63] = "dpu", [64] = "dpu", [65] = "dpu", [66] = "dpu", [67] = "dpui", [68] = "dpui",
    [72] = "ipppp", [73] = "pupp", [78] = "Dspu", [79] = "Dspx", [80] = "dp", [82] = "d",
    [83] = "d", [93] = "i", [94] = "i", [96] = "p", [98] = "pixp", [101] = "pp",
    [113] = "ip", [114] = "ip", [115] = "ixpp", [123] = "iup", [129] = "iS", [130] = "iS",
    [131] = "iiS", [132] = "pp", [134] = "Sppu", [135] = "ippu", [139] = "", [160] = "p",
    [163] = "ip", [166] = "o", [167] = "ixxx", [169] = "pp", [172] = "", [173] = "",
    [174] = "", [175] = "", [176] = "", [177] = "", [178] = "", [179] = "p", [214] = "*p",
    [215] = "pu", [216] = "*puux", [220] = "xppp", [221] = "sAA", [222] = "*puPMdx",
    [226] = "puP", [227] = "pux", [233] = "pui", [260] = "ipxp", [261] = "iipp",
    [276] = "DsDsx", [278] = "pux", [439] = "Dsxx",
};

struct flag { uint64_t bit; const char *name; };

static const struct flag open_flags[] = {
    { 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" },
    { 02000, "O_APPEND" }, { 04000, "O_NONBLOCK" }, { 010000, "O_DSYNC" },
    { 040000, "O_DIRECT" }, { 0100000, "O_LARGEFILE" }, { 0200000, "O_DIRECTORY" },
    { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" }, { 02000000, "O_CLOEXEC" },
    { 04000000, "__O_SYNC" }, { 010000000, "O_PATH" }, { 020000000, "__O_TMPFILE" }, { 0, 0 },
};
static const struct flag prot_flags[] = {
    { 1, "PROT_READ" }, { 2, "PROT_WRITE" }, { 4, "PROT_EXEC" }, { 0, 0 },
};
static const struct flag map_flags[] = {
    { 0x1, "MAP_SHARED" }, { 0x2, "MAP_PRIVATE" }, { 0x10, "MAP_FIXED" },
    { 0x20, "MAP_ANONYMOUS" }, { 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" },
    { 0x1000, "MAP_EXECUTABLE" }, { 0x2000, "MAP_LOCKED" }, { 0x4000, "MAP_NORESERVE" },
    { 0x8000, "MAP_POPULATE" }, { 0x10000, "MAP_NONBLOCK" }, { 0x20000, "MAP_STACK" },
    { 0x40000, "MAP_HUGETLB" }, { 0x100000, "MAP_FIXED_NOREPLACE" }, { 0, 0 },
};

struct out { char *p; size_t left; };

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p, o->left, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t used = (size_t)n < o->left ? (size_t)n : o->left ? o->left - 1 : 0;
    o->p += used;
    o->left -= used;
}

static void flags(struct out *o, uint64_t v, const struct flag *f, const char *zero)
{
    bool any = false;
    if (zero) {                    /* the access mode of open: a value, not a bit */
        static const char *const modes[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
        put(o, "%s", modes[v & 3]);
        v &= ~(uint64_t)3;
        any = true;
    }
    for (; f->name; f++)
        if ((v & f->bit) == f->bit && f->bit) {
            put(o, "%s%s", any ? "|" : "", f->name);
            v &= ~f->bit;
            any = true;
        }
    if (v || !any)
        put(o, "%s%#llx", any ? "|" : "", (unsigned long long)v);
}

enum { STR_MAX = 48 };

/* A guest string as a C literal, cut at STR_MAX bytes ("..." after it); its address
 * if none of it can be read. */
static void string(struct emu *emu, struct out *o, uint64_t va)
{
    char buf[STR_MAX + 1];
    size_t n = va ? inspect_read(emu, 0, va, buf, sizeof buf) : 0;
    if (n == 0) {
        put(o, va ? "%#llx" : "NULL", (unsigned long long)va);
        return;
    }
    size_t len = strnlen(buf, n);
    put(o, "\"");
    for (size_t i = 0; i < len && i < STR_MAX; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c == '\n')
            put(o, "\\n");
        else if (c == '\t')
            put(o, "\\t");
        else if (c < 32 || c >= 127)
            put(o, "\\x%02x", c);
        else
            put(o, "%c", c);
    }
    put(o, len > STR_MAX || len == n ? "\"..." : "\"");
}

/* argv and envp: the first few strings, then how many more. */
static void strings(struct emu *emu, struct out *o, uint64_t va)
{
    if (!va) {
        put(o, "NULL");
        return;
    }
    put(o, "[");
    for (int i = 0; i < 64; i++) {
        uint64_t s;
        if (inspect_read(emu, 0, va + 8 * (uint64_t)i, &s, 8) != 8) {
            put(o, "%s...", i ? ", " : "");
            break;
        }
        if (!s)
            break;
        if (i == 8) {
            put(o, ", ...");
            break;
        }
        if (i)
            put(o, ", ");
        string(emu, o, s);
    }
    put(o, "]");
}

static void signal_name(struct out *o, uint64_t v)
{
    const char *abbrev = (int64_t)v > 0 && v < 65 ? sigabbrev_np((int)v) : NULL;
    if (abbrev)
        put(o, "SIG%s", abbrev);
    else
        put(o, "%lld", (long long)v);
}

static void argument(struct emu *emu, struct out *o, char kind, uint64_t v)
{
    switch (kind) {
    case 'D':
        if ((int)v == -100) {
            put(o, "AT_FDCWD");
            break;
        }
        /* fall through */
    case 'd': case 'i': put(o, "%d", (int)v); break;
    case 's': string(emu, o, v); break;
    case 'A': strings(emu, o, v); break;
    case 'p': put(o, v ? "%#llx" : "NULL", (unsigned long long)v); break;
    case 'u': put(o, "%llu", (unsigned long long)v); break;
    case 'o': put(o, "0%llo", (unsigned long long)v); break;
    case 'O': flags(o, v, open_flags, "O_RDONLY"); break;
    case 'F': flags(o, v, open_flags, NULL); break;
    case 'P': if (v) flags(o, v, prot_flags, NULL); else put(o, "PROT_NONE"); break;
    case 'M': flags(o, v, map_flags, NULL); break;
    case 'S': signal_name(o, v); break;
    default: put(o, "%#llx", (unsigned long long)v); break;
    }
}

void strace_linux_args(struct emu *emu, uint64_t nr, const uint64_t a[6], char *buf, size_t len)
{
    struct out o = { buf, len };
    const char *spec = nr < sizeof specs / sizeof *specs ? specs[nr] : NULL;
    buf[0] = 0;
    if (!spec) {                   /* not decoded: four raw arguments */
        put(&o, "%#llx, %#llx, %#llx, %#llx", (unsigned long long)a[0],
            (unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3]);
        return;
    }
    if (*spec == '*')
        spec++;
    for (int i = 0; spec[i] && i < 6; i++) {
        if (i)
            put(&o, ", ");
        argument(emu, &o, spec[i], a[i]);
    }
}

void strace_linux_line(struct emu *emu, const char *name, uint64_t nr, const char *args,
                       int64_t rc)
{
    FILE *f = emu->opt.strace;
    const struct task *p = task_leader(emu->task);
    if (p->th.list)                /* a process with several threads: which one */
        fprintf(f, "[%d tid %d] ", p->pid, emu->task->pid);
    else
        fprintf(f, "[%d] ", p->pid);
    if (name)
        fprintf(f, "%s(%s)", name, args);
    else
        fprintf(f, "unknown#%llu(%s)", (unsigned long long)nr, args);
    if (rc < 0 && rc > -4096) {
        const char *ename = strerrorname_np((int)-rc);
        fprintf(f, " = -1 %s (%s)\n", ename ? ename : "E?", strerror((int)-rc));
        return;
    }
    bool address = nr < sizeof specs / sizeof *specs && specs[nr] && specs[nr][0] == '*';
    if (address)
        fprintf(f, " = %#llx\n", (unsigned long long)rc);
    else
        fprintf(f, " = %lld\n", (long long)rc);
}
