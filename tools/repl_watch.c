/* tools/repl_watch.c — gdb's watchpoints in `machemu debug`: watch, rwatch, awatch
 * [-l] [*][(TYPE *)]ADDR, with gdb's words at the stop (Old value / New value, Value).
 *
 * The machine watches the bytes through the task's map (emu/debug.h dbg_watch): the
 * stop comes after the instruction or system call that changed them, whichever
 * mapping of the page it wrote through. */
#include <stdlib.h>
#include <string.h>
#include "tools/repl.h"

static const struct { const char *type; unsigned len; } types[] = {
    { "char", 1 }, { "short", 2 }, { "int", 4 }, { "long", 8 },
    { "uint8_t", 1 }, { "uint16_t", 2 }, { "uint32_t", 4 }, { "uint64_t", 8 },
};

static const char *type_of(unsigned len)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (types[i].len == len)
            return types[i].type;
    return "long";
}

static const char *kind_title(unsigned access)
{
    return access == DBG_WATCH_WRITE ? "Hardware watchpoint"
         : access == DBG_WATCH_READ ? "Hardware read watchpoint"
         : "Hardware access (read/write) watchpoint";
}

/* "(int *)" at *s: the length it names, s moved past it; 0 if none is there. */
static unsigned cast_len(const char **s, char *err, size_t errlen)
{
    const char *p = *s;
    if (*p != '(')
        return 0;
    size_t n = strcspn(p + 1, " *)");
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strlen(types[i].type) == n && !strncmp(p + 1, types[i].type, n)) {
            p += 1 + n;
            p += strspn(p, " ");
            if (*p == '*' && p[1 + strspn(p + 1, " ")] == ')') {
                *s = p + 2 + strspn(p + 1, " ");
                return types[i].len;
            }
        }
    snprintf(err, errlen, "want a cast such as (int *) or (long *), got '%.*s'",
             (int)strcspn(p, ")") + 1, p);
    return (unsigned)-1;
}

static void do_watch(struct repl *r, int argc, char **argv, unsigned access, FILE *out)
{
    char expr[128] = "", err[160];
    int first = 1;
    if (argc > 1 && (!strcmp(argv[1], "-l") || !strcmp(argv[1], "-location")))
        first = 2;
    for (int i = first; i < argc; i++)
        strncat(expr, argv[i], sizeof expr - strlen(expr) - 1);
    if (!*expr) {
        fprintf(out, "usage: %s [*][(char|short|int|long *)]ADDR   (8 bytes without a cast)\n",
                argv[0]);
        return;
    }
    const char *p = expr + (*expr == '*');
    unsigned len = cast_len(&p, err, sizeof err);
    uint64_t va;
    if (len == (unsigned)-1) {
        fprintf(out, "%s\n", err);
        return;
    }
    if (!repl_eval(r, p, &va, err, sizeof err)) {
        fprintf(out, "%s\n", err);
        return;
    }
    len = len ? len : 8;
    int id = dbg_watch(repl_emu(r), repl_focus(r), va, len, access);
    if (id == -2)
        fprintf(out, "no live task to watch in\n");
    else if (id < 0)
        fprintf(out, "no room for another breakpoint (delete one)\n");
    else
        fprintf(out, "%s %d: *(%s *)0x%llx\n", kind_title(access), id, type_of(len),
                (unsigned long long)va);
}

bool repl_watch_exec(struct repl *r, int argc, char **argv, FILE *out)
{
    static const struct { const char *name; unsigned access; } cmds[] = {
        { "watch", DBG_WATCH_WRITE }, { "wa", DBG_WATCH_WRITE },
        { "rwatch", DBG_WATCH_READ }, { "rw", DBG_WATCH_READ },
        { "awatch", DBG_WATCH_ACCESS }, { "aw", DBG_WATCH_ACCESS },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[0], cmds[i].name)) {
            do_watch(r, argc, argv, cmds[i].access, out);
            return true;
        }
    return false;
}

/* gdb prints values of the watched type: signed decimal. */
static long long as_signed(uint64_t v, unsigned len)
{
    if (len < 8 && (v >> (8 * len - 1) & 1))
        v |= ~0ull << (8 * len);
    return (long long)v;
}

void repl_watch_print_stop(const struct dbg_event *ev, const struct dbg_breakpoint *w, FILE *out)
{
    const struct dbg_watch_hit *h = &ev->watch;
    fprintf(out, "\n%s %d: *(%s *)0x%llx\n\n", kind_title(w ? w->classes : h->access),
            ev->breakpoint, type_of(h->len), (unsigned long long)h->va);
    if (h->access == DBG_WATCH_WRITE) {
        fprintf(out, "Old value = %lld\n", as_signed(h->old, h->len));
        fprintf(out, "New value = %lld\n", as_signed(h->now, h->len));
    } else {
        fprintf(out, "Value = %lld\n", as_signed(h->now, h->len));
    }
}

void repl_watch_describe(const struct dbg_breakpoint *w, FILE *out)
{
    fprintf(out, "%-3d %s *(%s *)0x%llx", w->id,
            w->classes == DBG_WATCH_WRITE ? "watch " : w->classes == DBG_WATCH_READ ? "rwatch" : "awatch",
            type_of(w->len), (unsigned long long)w->va);
}

void repl_watch_help(FILE *out)
{
    fprintf(out, "watch, rwatch, awatch [*][(char|short|int|long *)]ADDR: stop after a write that\n"
            "      changes the bytes (through any mapping of the page, a system call's too), after\n"
            "      a load of them, or after either; delete removes them as other breakpoints\n");
}

const char *const repl_watch_words[] = { "watch", "rwatch", "awatch", NULL };
