/* tools/repl_gdb.c — gdb's spellings in `machemu debug`: info registers (info reg, i r),
 * info break, p/print EXPR, ni/nexti, finish, display/undisplay.
 *
 * They are read before the command table, so the table keeps machemu's own names and
 * these stay one file. Displays are the session's (one session per process). */
#include <stdlib.h>
#include <string.h>
#include "tools/repl.h"

#define MAX_DISPLAYS 8
#define EXPR_MAX 96

static char displays[MAX_DISPLAYS][EXPR_MAX];
static int ndisplays;
static unsigned values;            /* $1, $2, ... as gdb numbers what print shows */

static bool word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(w, *list))
            return true;
    return false;
}

/* EXPR from argv[first..]: the words joined again ("x0 + 8"). */
static void join(int argc, char **argv, int first, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = first; i < argc; i++)
        strncat(buf, argv[i], len - strlen(buf) - 1);
}

static void print_value(struct repl *r, const char *expr, const char *fmt, const char *label,
                        FILE *out)
{
    uint64_t v;
    char err[160], sym[128];
    if (!repl_eval(r, expr, &v, err, sizeof err)) {
        fprintf(out, "%s\n", err);
        return;
    }
    fprintf(out, "%s = ", label);
    if (fmt && *fmt == 'd')
        fprintf(out, "%lld\n", (long long)v);
    else if (fmt && *fmt == 'u')
        fprintf(out, "%llu\n", (unsigned long long)v);
    else
        fprintf(out, "0x%llx%s\n", (unsigned long long)v, repl_sym(r, v, sym, sizeof sym));
}

static void do_print(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    char expr[EXPR_MAX], label[32];
    if (argc < 2) {
        fprintf(out, "usage: print[/x|/d|/u] EXPR\n");
        return;
    }
    join(argc, argv, 1, expr, sizeof expr);
    snprintf(label, sizeof label, "$%u", ++values);
    print_value(r, expr, fmt, label, out);
}

void repl_gdb_displays(struct repl *r, FILE *out)
{
    for (int i = 0; i < ndisplays; i++) {
        char label[EXPR_MAX + 16];
        snprintf(label, sizeof label, "%d: %.*s", i + 1, EXPR_MAX, displays[i]);
        print_value(r, displays[i], NULL, label, out);
    }
}

static void do_display(struct repl *r, int argc, char **argv, FILE *out)
{
    if (argc < 2) {
        repl_gdb_displays(r, out);
        return;
    }
    if (ndisplays == MAX_DISPLAYS) {
        fprintf(out, "%d displays already (undisplay N removes one)\n", MAX_DISPLAYS);
        return;
    }
    join(argc, argv, 1, displays[ndisplays], EXPR_MAX);
    ndisplays++;
    char label[EXPR_MAX + 16];
    snprintf(label, sizeof label, "%d: %.*s", ndisplays, EXPR_MAX, displays[ndisplays - 1]);
    print_value(r, displays[ndisplays - 1], NULL, label, out);
}

static void do_undisplay(int argc, char **argv, FILE *out)
{
    if (argc < 2) {
        ndisplays = 0;
        return;
    }
    int n = atoi(argv[1]);
    if (n < 1 || n > ndisplays) {
        fprintf(out, "no display %s\n", argv[1]);
        return;
    }
    memmove(displays[n - 1], displays[n], (size_t)(ndisplays - n) * EXPR_MAX);
    ndisplays--;
}

/* Runs to `to` with a breakpoint of its own there, shown as a step when it is reached;
 * a breakpoint of the user's there stays. */
static void run_to(struct repl *r, uint64_t to, FILE *out)
{
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    int n = dbg_breakpoints(repl_emu(r), bp, DBG_MAX_BREAKPOINTS);
    bool theirs = false;
    for (int i = 0; i < n && i < DBG_MAX_BREAKPOINTS; i++)
        theirs |= bp[i].type == DBG_BP_CODE && bp[i].va == to;
    int id = dbg_break_code(repl_emu(r), to);
    if (id < 0) {
        fprintf(out, "no room for another breakpoint\n");
        return;
    }
    struct dbg_event ev;
    fflush(out);
    repl_resume(r, 0, 0, &ev);
    if (!theirs) {
        dbg_break_delete(repl_emu(r), id);
        if (ev.why == DBG_STOP_BREAK && ev.breakpoint == id)
            ev.why = DBG_STOP_STEP;
    }
    repl_print_stop(r, &ev, out);
}

static bool read_reg(struct repl *r, int reg, uint64_t *v)
{
    return inspect_reg(repl_emu(r), 0, reg, v) == 0;
}

/* ni: one instruction, a call (bl, blr) run through to its return. */
static void do_nexti(struct repl *r, FILE *out)
{
    uint64_t pc;
    uint32_t insn = 0;
    if (repl_exit_status(r) >= 0 || !read_reg(r, INSPECT_REG_PC, &pc)) {
        repl_exec(r, "stepi", out);
        return;
    }
    inspect_read(repl_emu(r), 0, pc, &insn, sizeof insn);
    bool call = (insn & 0xfc000000u) == 0x94000000u || (insn & 0xfffffc1fu) == 0xd63f0000u;
    if (call)
        run_to(r, pc + 4, out);
    else
        repl_exec(r, "stepi", out);
}

/* finish: to the caller. At a function's first instruction the return address is in lr;
 * past its prologue, in the frame record at fp (as bt reads it). */
static void do_finish(struct repl *r, FILE *out)
{
    uint64_t pc, lr, fp, rec[2];
    char sym[128];
    if (repl_exit_status(r) >= 0 || !read_reg(r, INSPECT_REG_PC, &pc) ||
        !read_reg(r, INSPECT_REG_LR, &lr) || !read_reg(r, INSPECT_REG_FP, &fp)) {
        fprintf(out, "the program is not running\n");
        return;
    }
    const char *where = repl_sym(r, pc, sym, sizeof sym);
    bool at_entry = *where && !strchr(where, '+');
    uint64_t to = lr;
    if (!at_entry && fp && inspect_read(repl_emu(r), 0, fp, rec, sizeof rec) == sizeof rec &&
        rec[1])
        to = rec[1];
    fprintf(out, "Run till exit from 0x%llx%s\n", (unsigned long long)pc, where);
    run_to(r, to, out);
    uint64_t x0, now;
    if (read_reg(r, INSPECT_REG_PC, &now) && now == to && read_reg(r, 0, &x0))
        fprintf(out, "Value returned: x0 = 0x%llx (%lld)\n", (unsigned long long)x0,
                (long long)x0);
}

bool repl_gdb_exec(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    static const char *const info[] = { "info", "i", "inf", NULL };
    static const char *const regs[] = { "registers", "reg", "r", "all-registers", NULL };
    /* not "breakpoints": that is the table's own `info breakpoints` */
    static const char *const brk[] = { "break", "br", "b", NULL };
    const char *cmd = argv[0];
    if (word_in(cmd, info) && argc > 1 && word_in(argv[1], regs))
        return repl_exec(r, "regs", out), true;
    if (word_in(cmd, info) && argc > 1 && word_in(argv[1], brk))
        return repl_exec(r, "info breakpoints", out), true;
    if (repl_threads_exec(r, argc, argv, out))
        return true;
    if (!strcmp(cmd, "p") || !strcmp(cmd, "print"))
        return do_print(r, argc, argv, fmt, out), true;
    if (!strcmp(cmd, "ni") || !strcmp(cmd, "nexti"))
        return do_nexti(r, out), true;
    if (!strcmp(cmd, "finish") || !strcmp(cmd, "fin"))
        return do_finish(r, out), true;
    if (!strcmp(cmd, "display"))
        return do_display(r, argc, argv, out), true;
    if (!strcmp(cmd, "undisplay"))
        return do_undisplay(argc, argv, out), true;
    return false;
}

void repl_gdb_help(FILE *out)
{
    fprintf(out, "gdb's spellings: info registers (info reg, i r), info break (i b), p/print[/x|d|u] "
            "EXPR,\n      ni/nexti (a bl or blr runs to its return), finish (to the caller), "
            "display [EXPR]\n      (shown at every stop), undisplay [N], info threads, thread [TID]\n");
}

const char *const repl_gdb_words[] = { "info", "registers", "breakpoints", "print", "nexti",
                                       "finish", "display", "undisplay", "threads", "thread",
                                       "watch", "rwatch", "awatch", NULL };
