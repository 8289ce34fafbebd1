/* tools/repl_cmd.c — the debugger's commands: parsing, execution and state views. */
#include <capstone/capstone.h>
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "tools/repl.h"

struct repl {
    struct emu *emu;
    struct symtab *syms;
    int focus;                     /* pid the state commands look at; 0: the one on the CPU */
    int exit_status;               /* -1 while the program runs */
    struct jetsam_log *jetsam;
    struct emu *(*restart)(void *ctx);
    void *restart_ctx;
    char *program;                 /* its path on the host, absolute if it can be */
};

#define MAX_ARGS 16

struct cmd {
    const char *name, *alias, *usage, *help;
    bool (*fn)(struct repl *r, int argc, char **argv, const char *fmt, FILE *out);
};

struct repl *repl_create(struct emu *emu, const char *program)
{
    struct repl *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->emu = emu;
    r->jetsam = jetsam_log_attach(emu);
    if (!r->jetsam) {
        free(r);
        return NULL;
    }
    r->syms = sym_load(program);
    r->program = realpath(program, NULL);
    if (!r->program)
        r->program = strdup(program);
    r->exit_status = -1;
    return r;
}

void repl_destroy(struct repl *r)
{
    if (!r)
        return;
    sym_free(r->syms);
    free(r->program);
    jetsam_log_detach(r->jetsam);
    free(r);
}

void repl_set_restart(struct repl *r, struct emu *(*restart)(void *ctx), void *ctx)
{
    r->restart = restart;
    r->restart_ctx = ctx;
}

struct emu *repl_emu(struct repl *r) { return r->emu; }
int repl_focus(const struct repl *r) { return r->focus; }
const char *repl_program(struct repl *r) { return r->program; }
struct symtab *repl_symtab(struct repl *r) { return r->syms; }
struct jetsam_log *repl_jetsam_log(struct repl *r) { return r->jetsam; }
int repl_exit_status(struct repl *r) { return r->exit_status; }

const char *repl_sym(struct repl *r, uint64_t addr, char *buf, size_t len)
{
    char name[96];
    if (!sym_describe(r->syms, addr, name, sizeof name))
        return "";
    snprintf(buf, len, " <%s>", name);
    return buf;
}

/* --- expressions ------------------------------------------------------------------- */

static int reg_by_name(const char *s)
{
    static const struct { const char *name; int reg; } named[] = {
        { "fp", INSPECT_REG_FP }, { "lr", INSPECT_REG_LR }, { "sp", INSPECT_REG_SP },
        { "pc", INSPECT_REG_PC }, { "cpsr", INSPECT_REG_CPSR },
    };
    if (*s == '$')
        s++;
    for (size_t i = 0; i < sizeof named / sizeof *named; i++)
        if (!strcmp(s, named[i].name))
            return named[i].reg;
    if (s[0] == 'x' && isdigit((unsigned char)s[1])) {
        char *end;
        long n = strtol(s + 1, &end, 10);
        if (!*end && n >= 0 && n <= 30)
            return (int)n;
    }
    return -1;
}

static bool eval_term(struct repl *r, const char *t, uint64_t *v, char *err, size_t errlen)
{
    char *end;
    int reg;
    if (isdigit((unsigned char)t[0])) {
        *v = strtoull(t, &end, 0);
        if (!*end)
            return true;
    } else if ((reg = reg_by_name(t)) >= 0) {
        if (inspect_reg(r->emu, r->focus, reg, v) == 0)
            return true;
        snprintf(err, errlen, "no live task to read %s from", t);
        return false;
    } else if (sym_lookup(r->syms, t, v)) {
        return true;
    }
    snprintf(err, errlen, "'%s' is not a number, a register or a symbol", t);
    return false;
}

bool repl_eval(struct repl *r, const char *expr, uint64_t *v, char *err, size_t errlen)
{
    char buf[128];
    uint64_t acc = 0;
    int sign = 1;
    const char *p = expr;
    if (!*p) {
        snprintf(err, errlen, "an address is needed");
        return false;
    }
    while (*p) {
        size_t n = strcspn(p + (*p == '$'), "+-") + (*p == '$');
        if (n == 0 || n >= sizeof buf) {
            snprintf(err, errlen, "cannot read the expression '%s'", expr);
            return false;
        }
        memcpy(buf, p, n);
        buf[n] = 0;
        uint64_t t;
        if (!eval_term(r, buf, &t, err, errlen))
            return false;
        acc += sign > 0 ? t : -t;
        p += n;
        if (*p) {
            sign = *p == '+' ? 1 : -1;
            p++;
        }
    }
    *v = acc;
    return true;
}

static bool eval_arg(struct repl *r, const char *s, uint64_t *v, FILE *out)
{
    char err[160];
    if (repl_eval(r, s, v, err, sizeof err))
        return true;
    fprintf(out, "%s\n", err);
    return false;
}

static bool count_arg(const char *s, uint64_t *n, FILE *out)
{
    char *end;
    *n = strtoull(s, &end, 0);
    if (*end || !*s || *n == 0) {
        fprintf(out, "'%s' is not a positive count\n", s);
        return false;
    }
    return true;
}

static bool need_live(struct repl *r, FILE *out)
{
    if (inspect_task_exists(r->emu, r->focus))
        return true;
    if (r->exit_status >= 0)
        fprintf(out, "the program has exited (status %d)\n", r->exit_status);
    else if (r->focus)
        fprintf(out, "task %d has no address space any more\n", r->focus);
    else
        fprintf(out, "the task that was on the CPU has no address space any more (killed or "
                "exited: see `tasks`, `task PID`)\n");
    return false;
}

/* --- execution ------------------------------------------------------------------------ */

void repl_resume(struct repl *r, uint64_t steps, unsigned once, struct dbg_event *ev)
{
    fflush(stdout);
    jetsam_log_mark(r->jetsam);
    dbg_resume(r->emu, steps, once, ev);
    r->focus = 0;
    if (ev->why == DBG_STOP_EXIT)
        r->exit_status = ev->exit_status;
}

static void resume(struct repl *r, uint64_t steps, unsigned once, FILE *out)
{
    struct dbg_event ev;
    if (r->exit_status >= 0) {
        fprintf(out, "the program has exited (status %d)\n", r->exit_status);
        return;
    }
    fflush(out);
    repl_resume(r, steps, once, &ev);
    repl_print_stop(r, &ev, out);
}

/* The breakpoints of the old machine set again on the new one, as gdb keeps them
 * across runs (a watchpoint on the same task's pid, which the new run has again). */
static void copy_breakpoints(struct emu *to, const struct dbg_breakpoint *bp, int n)
{
    for (int i = 0; i < n; i++) {
        switch (bp[i].type) {
        case DBG_BP_CODE: dbg_break_code(to, bp[i].va); break;
        case DBG_BP_FAULT: dbg_break_fault(to, bp[i].classes, bp[i].lo, bp[i].hi); break;
        case DBG_BP_JETSAM: dbg_break_jetsam(to, bp[i].classes); break;
        case DBG_BP_WATCH: dbg_watch(to, bp[i].pid, bp[i].va, bp[i].len, bp[i].classes); break;
        }
    }
}

/* A new machine with the program loaded again; false (said why) if there is none. */
static bool restart(struct repl *r, FILE *out)
{
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    int n = dbg_breakpoints(r->emu, bp, DBG_MAX_BREAKPOINTS);
    if (!r->restart) {
        fprintf(out, "the program has exited (status %d) and cannot be started again here\n",
                r->exit_status);
        return false;
    }
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);     /* its handler reaches the machine through r */
    sigprocmask(SIG_BLOCK, &block, &old);
    jetsam_log_detach(r->jetsam);
    r->jetsam = NULL;
    struct emu *emu = r->restart(r->restart_ctx);
    if (emu) {
        r->emu = emu;
        r->exit_status = -1;
        r->focus = 0;
    }
    bool ok = emu && debug_attach(emu);
    r->jetsam = jetsam_log_attach(r->emu);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (!ok || !r->jetsam) {
        fprintf(out, "cannot start the program again\n");
        return false;
    }
    copy_breakpoints(emu, bp, n < DBG_MAX_BREAKPOINTS ? n : DBG_MAX_BREAKPOINTS);
    fprintf(out, "starting the program again, on a new machine\n");
    return true;
}

static bool do_run(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argc; (void)argv; (void)fmt;
    if (r->exit_status >= 0 && !restart(r, out))
        return true;
    resume(r, 0, 0, out);
    return true;
}

static bool do_continue(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argc; (void)argv; (void)fmt;
    resume(r, 0, 0, out);
    return true;
}

static bool do_stepi(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t n = 1;
    if (argc > 1 && !count_arg(argv[1], &n, out))
        return true;
    resume(r, n, 0, out);
    return true;
}

static bool fault_classes(int argc, char **argv, unsigned *classes, FILE *out)
{
    *classes = 0;
    for (int i = 0; i < argc; i++) {
        unsigned c = dbg_fault_class(argv[i]);
        if (!c) {
            fprintf(out, "unknown fault kind '%s'; the kinds: " DBG_FAULT_CLASS_NAMES "\n",
                    argv[i]);
            return false;
        }
        *classes |= c;
    }
    return true;
}

static bool do_nextfault(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    unsigned classes = DBG_FAULT_ANY;
    if (argc > 1 && !fault_classes(argc - 1, argv + 1, &classes, out))
        return true;
    resume(r, 0, classes, out);
    return true;
}

static bool is_fault_class_name(const char *s)
{
    return dbg_fault_class(s) != 0;
}

/* "LO-HI" or one address (its page). */
static bool parse_range(struct repl *r, const char *s, uint64_t *lo, uint64_t *hi, FILE *out)
{
    char buf[128];
    const char *dash = strchr(s + 1, '-');
    if (!dash) {
        if (!eval_arg(r, s, lo, out))
            return false;
        *lo = *lo & ~PAGE_MASK;
        *hi = *lo + PAGE_SIZE;
        return true;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)(dash - s), s);
    if (!eval_arg(r, buf, lo, out) || !eval_arg(r, dash + 1, hi, out))
        return false;
    if (*hi <= *lo) {
        fprintf(out, "empty range %s\n", s);
        return false;
    }
    return true;
}

static bool break_fault(struct repl *r, int argc, char **argv, FILE *out)
{
    unsigned classes = 0;
    uint64_t lo = 0, hi = UINT64_MAX;
    int nk = 0;
    while (nk < argc && is_fault_class_name(argv[nk]))
        nk++;
    if (!fault_classes(nk, argv, &classes, out))
        return true;
    if (nk == 0)
        classes = DBG_FAULT_ANY;
    uint64_t v;
    char err[8];
    if (nk < argc && isalpha((unsigned char)argv[nk][0]) && !strchr(argv[nk], '-') &&
        !repl_eval(r, argv[nk], &v, err, sizeof err)) {
        /* a word that is neither a kind nor an address: a misspelt kind */
        fault_classes(1, argv + nk, &classes, out);
        return true;
    }
    if (nk < argc && !parse_range(r, argv[nk], &lo, &hi, out))
        return true;
    if (nk + 1 < argc) {
        fprintf(out, "usage: break fault [KIND...] [VA | LO-HI]\n");
        return true;
    }
    int id = dbg_break_fault(r->emu, classes, lo, hi);
    if (id < 0)
        fprintf(out, "too many breakpoints (%d)\n", DBG_MAX_BREAKPOINTS);
    else
        fprintf(out, "fault breakpoint %d\n", id);
    return true;
}

static const struct { const char *name; unsigned kinds; } jetsam_kinds[] = {
    { "level", DBG_JETSAM_KIND(EMU_JETSAM_LEVEL) }, { "note", DBG_JETSAM_KIND(EMU_JETSAM_NOTE) },
    { "kill", DBG_JETSAM_KIND(EMU_JETSAM_KILL) }, { "any", DBG_JETSAM_ANY },
};
#define NJETSAM_KINDS (sizeof jetsam_kinds / sizeof *jetsam_kinds)

static bool break_jetsam(struct repl *r, int argc, char **argv, FILE *out)
{
    unsigned kinds = argc ? 0 : DBG_JETSAM_ANY;
    for (int i = 0; i < argc; i++) {
        size_t k = 0;
        while (k < NJETSAM_KINDS && strcmp(argv[i], jetsam_kinds[k].name))
            k++;
        if (k == NJETSAM_KINDS) {
            fprintf(out, "unknown Jetsam event '%s' (level, note, kill, any)\n", argv[i]);
            return true;
        }
        kinds |= jetsam_kinds[k].kinds;
    }
    if (!emu_jetsam_table(r->emu)) {
        fprintf(out, "Jetsam is off (--no-jetsam): nothing to stop at\n");
        return true;
    }
    int id = dbg_break_jetsam(r->emu, kinds);
    if (id < 0)
        fprintf(out, "too many breakpoints (%d)\n", DBG_MAX_BREAKPOINTS);
    else
        fprintf(out, "jetsam breakpoint %d\n", id);
    return true;
}

static bool do_break(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t va;
    char sym[128];
    if (argc > 1 && !strcmp(argv[1], "fault"))
        return break_fault(r, argc - 2, argv + 2, out);
    if (argc > 1 && !strcmp(argv[1], "jetsam"))
        return break_jetsam(r, argc - 2, argv + 2, out);
    if (argc != 2) {
        fprintf(out, "usage: break ADDR | break fault [KIND...] [VA | LO-HI] | "
                "break jetsam [level|note|kill|any]...\n");
        return true;
    }
    if (!eval_arg(r, argv[1], &va, out))
        return true;
    int id = dbg_break_code(r->emu, va);
    if (id < 0)
        fprintf(out, "too many breakpoints (%d)\n", DBG_MAX_BREAKPOINTS);
    else
        fprintf(out, "breakpoint %d at 0x%llx%s\n", id, (unsigned long long)va,
                repl_sym(r, va, sym, sizeof sym));
    return true;
}

static bool do_delete(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t id = 0;
    if (argc > 1 && !count_arg(argv[1], &id, out))
        return true;
    if (!dbg_break_delete(r->emu, (int)id))
        fprintf(out, "no breakpoint %llu\n", (unsigned long long)id);
    return true;
}

static void jetsam_kind_names(unsigned kinds, FILE *out)
{
    const char *sep = "";
    if (kinds == DBG_JETSAM_ANY) {
        fprintf(out, "any");
        return;
    }
    for (size_t k = 0; k < NJETSAM_KINDS; k++)
        if (jetsam_kinds[k].kinds != DBG_JETSAM_ANY && (kinds & jetsam_kinds[k].kinds)) {
            fprintf(out, "%s%s", sep, jetsam_kinds[k].name);
            sep = ",";
        }
}

static void class_names(unsigned c, FILE *out)
{
    if (c == DBG_FAULT_ANY) {
        fprintf(out, "any");
        return;
    }
    const char *sep = "";
    for (int k = 0; k < VM_FAULT_NKINDS; k++)
        if (c & DBG_FAULT_KIND(k)) {
            fprintf(out, "%s%s", sep, vm_fault_kind_name((enum vm_fault_kind)k));
            sep = ",";
        }
    if (c & DBG_FAULT_PROT)
        fprintf(out, "%sprot", sep);
}

static bool do_info(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    struct dbg_breakpoint bp[DBG_MAX_BREAKPOINTS];
    char sym[128];
    if (argc < 2 || (strcmp(argv[1], "breakpoints") && strcmp(argv[1], "b"))) {
        fprintf(out, "usage: info breakpoints\n");
        return true;
    }
    int n = dbg_breakpoints(r->emu, bp, DBG_MAX_BREAKPOINTS);
    if (n == 0)
        fprintf(out, "no breakpoints\n");
    for (int i = 0; i < n; i++) {
        if (bp[i].type == DBG_BP_CODE) {
            fprintf(out, "%-3d code   0x%llx%s", bp[i].id, (unsigned long long)bp[i].va,
                    repl_sym(r, bp[i].va, sym, sizeof sym));
        } else if (bp[i].type == DBG_BP_WATCH) {
            repl_watch_describe(&bp[i], out);
        } else if (bp[i].type == DBG_BP_JETSAM) {
            fprintf(out, "%-3d jetsam ", bp[i].id);
            jetsam_kind_names(bp[i].classes, out);
        } else {
            fprintf(out, "%-3d fault  ", bp[i].id);
            class_names(bp[i].classes, out);
            if (bp[i].lo || bp[i].hi != UINT64_MAX)
                fprintf(out, " in 0x%llx-0x%llx", (unsigned long long)bp[i].lo,
                        (unsigned long long)bp[i].hi);
        }
        fprintf(out, ", hit %llu time%s\n", (unsigned long long)bp[i].hits,
                bp[i].hits == 1 ? "" : "s");
    }
    return true;
}

/* --- state ------------------------------------------------------------------------------ */

static bool do_regs(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argc; (void)argv; (void)fmt;
    uint64_t v[INSPECT_NREGS];
    char sym[128];
    if (!need_live(r, out))
        return true;
    for (int i = 0; i < INSPECT_NREGS; i++)
        inspect_reg(r->emu, r->focus, i, &v[i]);
    for (int i = 0; i < 31; i++)
        fprintf(out, "x%-2d 0x%016llx%s", i, (unsigned long long)v[i], i % 3 == 2 || i == 30 ? "\n" : "  ");
    fprintf(out, "sp  0x%016llx  pc  0x%016llx%s\n", (unsigned long long)v[INSPECT_REG_SP],
            (unsigned long long)v[INSPECT_REG_PC], repl_sym(r, v[INSPECT_REG_PC], sym, sizeof sym));
    uint64_t f = v[INSPECT_REG_CPSR];
    fprintf(out, "cpsr 0x%08llx [%s%s%s%s ] EL0\n", (unsigned long long)f, f >> 31 & 1 ? " N" : "",
            f >> 30 & 1 ? " Z" : "", f >> 29 & 1 ? " C" : "", f >> 28 & 1 ? " V" : "");
    return true;
}

struct xfmt { uint64_t count; char fmt; int size; };

#define X_COUNT_MAX 4096           /* what x/FMT shows at once, however it is asked */

static bool x_count_ok(uint64_t count, FILE *out)
{
    if (count >= 1 && count <= X_COUNT_MAX)
        return true;
    fprintf(out, "count must be 1 to %d\n", X_COUNT_MAX);
    return false;
}

static bool parse_xfmt(const char *s, struct xfmt *x, FILE *out)
{
    *x = (struct xfmt){ 1, 'x', 4 };
    if (!s)
        return true;
    char *end;
    if (isdigit((unsigned char)*s)) {
        x->count = strtoull(s, &end, 10);
        s = end;
    }
    for (; *s; s++) {
        switch (*s) {
        case 'x': case 'd': case 'u': case 'c': case 's': case 'i': x->fmt = *s; break;
        case 'b': x->size = 1; break;
        case 'h': x->size = 2; break;
        case 'w': x->size = 4; break;
        case 'g': x->size = 8; break;
        default:
            fprintf(out, "unknown format letter '%c' (x d u c s i; sizes b h w g)\n", *s);
            return false;
        }
    }
    return x_count_ok(x->count, out);
}

static void page_note(struct repl *r, uint64_t va, FILE *out)
{
    enum inspect_mem m = inspect_page_state(r->emu, r->focus, va);
    if (m != INSPECT_MEM_MAPPED)
        fprintf(out, "  (page 0x%llx: %s)\n", (unsigned long long)(va & ~PAGE_MASK),
                inspect_mem_name(m));
}

static void x_string(struct repl *r, uint64_t va, uint64_t count, FILE *out)
{
    for (uint64_t i = 0; i < count; i++) {
        char s[257];
        size_t n = inspect_read(r->emu, r->focus, va, s, sizeof s - 1);
        s[n] = 0;
        if (n == 0) {
            fprintf(out, "0x%llx: cannot read: %s\n", (unsigned long long)va,
                    inspect_mem_name(inspect_page_state(r->emu, r->focus, va)));
            return;
        }
        size_t len = strlen(s);
        fprintf(out, "0x%llx: \"", (unsigned long long)va);
        for (size_t k = 0; k < len; k++)
            fprintf(out, isprint((unsigned char)s[k]) ? "%c" : "\\x%02x", (unsigned char)s[k]);
        fprintf(out, "\"%s\n", len == n ? "..." : "");
        va += len + 1;
    }
}

static void x_value(uint64_t v, const struct xfmt *x, FILE *out)
{
    int bits = x->size * 8;
    switch (x->fmt) {
    case 'd': {
        int64_t s = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
        fprintf(out, "  %*lld", x->size * 3 + 1, (long long)s);
        break;
    }
    case 'u': fprintf(out, "  %*llu", x->size * 3 + 1, (unsigned long long)v); break;
    case 'c':
        if (isprint((int)(v & 0xff)))
            fprintf(out, "  '%c'", (int)(v & 0xff));
        else
            fprintf(out, "  %3d", (int)(v & 0xff));
        break;
    default: fprintf(out, "  0x%0*llx", x->size * 2, (unsigned long long)v);
    }
}

static void x_units(struct repl *r, uint64_t va, const struct xfmt *x, FILE *out)
{
    char sym[128];
    int per_line = x->fmt == 'c' ? 8 : 16 / x->size, col = 0;
    page_note(r, va, out);
    for (uint64_t i = 0; i < x->count; i++) {
        uint64_t at = va + i * (uint64_t)x->size, v = 0;
        if (i && (at & PAGE_MASK) < (uint64_t)x->size) {      /* a new page */
            if (col)
                fputc('\n', out);
            col = 0;
            page_note(r, at, out);
        }
        if (col == 0)
            fprintf(out, "0x%llx%s:", (unsigned long long)at, repl_sym(r, at, sym, sizeof sym));
        if (inspect_read(r->emu, r->focus, at, &v, (size_t)x->size) != (size_t)x->size) {
            fprintf(out, "  cannot read: %s",
                    inspect_mem_name(inspect_page_state(r->emu, r->focus, at)));
            col = 1;
            break;
        }
        x_value(v, x, out);
        if (++col == per_line) {
            fputc('\n', out);
            col = 0;
        }
    }
    if (col)
        fputc('\n', out);
}

static void disas(struct repl *r, uint64_t va, uint64_t n, FILE *out)
{
    uint64_t pc = 0;
    inspect_reg(r->emu, r->focus, INSPECT_REG_PC, &pc);
    for (uint64_t i = 0; i < n; i++, va += 4) {
        fprintf(out, "%s", va == pc ? "=> " : "   ");
        print_insn_line(r, r->focus, va, out);
    }
}

static bool do_x(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    struct xfmt x;
    uint64_t va;
    if (!need_live(r, out) || !parse_xfmt(fmt, &x, out))
        return true;
    if (argc < 2 || argc > 3) {
        fprintf(out, "usage: x/FMT ADDR [N]\n");
        return true;
    }
    if (!eval_arg(r, argv[1], &va, out) ||
        (argc == 3 && (!count_arg(argv[2], &x.count, out) || !x_count_ok(x.count, out))))
        return true;
    if (x.fmt == 's')
        x_string(r, va, x.count, out);
    else if (x.fmt == 'i')
        disas(r, va, x.count, out);
    else
        x_units(r, va, &x, out);
    return true;
}

static bool do_disas(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t va, n = 8;
    if (!need_live(r, out))
        return true;
    inspect_reg(r->emu, r->focus, INSPECT_REG_PC, &va);
    if ((argc > 1 && !eval_arg(r, argv[1], &va, out)) || (argc > 2 && !count_arg(argv[2], &n, out)))
        return true;
    disas(r, va & ~3ull, n > 1024 ? 1024 : n, out);
    return true;
}

static bool do_bt(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argc; (void)argv; (void)fmt;
    uint64_t pc, fp;
    char sym[128];
    if (!need_live(r, out))
        return true;
    inspect_reg(r->emu, r->focus, INSPECT_REG_PC, &pc);
    inspect_reg(r->emu, r->focus, INSPECT_REG_FP, &fp);
    fprintf(out, "#0  0x%llx%s\n", (unsigned long long)pc, repl_sym(r, pc, sym, sizeof sym));
    /* A frame record is {previous fp, return address} at fp; each is older (higher). */
    for (int depth = 1; fp && depth < 64; depth++) {
        uint64_t rec[2];
        if (inspect_read(r->emu, r->focus, fp, rec, sizeof rec) != sizeof rec) {
            fprintf(out, "    (frame record at 0x%llx cannot be read)\n", (unsigned long long)fp);
            break;
        }
        if (!rec[1])
            break;
        fprintf(out, "#%-2d 0x%llx%s  (frame at 0x%llx)\n", depth, (unsigned long long)rec[1],
                repl_sym(r, rec[1], sym, sizeof sym), (unsigned long long)fp);
        if (rec[0] <= fp)
            break;
        fp = rec[0];
    }
    return true;
}

/* --- memory system --------------------------------------------------------------------- */

static bool do_walk(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t va;
    vm_prot_t access = VM_PROT_READ;
    if (argc < 2 || argc > 3) {
        fprintf(out, "usage: walk ADDR [r|w|x]\n");
        return true;
    }
    if (argc == 3) {
        access = !strcmp(argv[2], "w") ? VM_PROT_WRITE : !strcmp(argv[2], "x") ? VM_PROT_EXECUTE
               : !strcmp(argv[2], "r") ? VM_PROT_READ : 0;
        if (!access) {
            fprintf(out, "access must be r, w or x\n");
            return true;
        }
    }
    if (need_live(r, out) && eval_arg(r, argv[1], &va, out))
        cmd_walk(r, r->focus, va, access, out);
    return true;
}

static bool do_tlb(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    cmd_tlb(r, r->focus, argc > 1 && !strcmp(argv[1], "all"), out);
    return true;
}

static bool do_object(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    if (argc != 2)
        fprintf(out, "usage: object VA | object #ID\n");
    else if (argv[1][0] == '#' || need_live(r, out))
        cmd_object(r, r->focus, argv[1], out);
    return true;
}

static bool do_page(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t pfn;
    if (argc != 2)
        fprintf(out, "usage: page PFN\n");
    else if (eval_arg(r, argv[1], &pfn, out))
        cmd_page(r, pfn > UINT32_MAX ? UINT32_MAX : (pfn_t)pfn, out);
    return true;
}

static bool do_vmmap(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t pid = 0;
    bool all = argc > 1 && !strcmp(argv[1], "all");
    if (argc > 1 && !all && !count_arg(argv[1], &pid, out))
        return true;
    if (!all && !pid) {
        if (!need_live(r, out))
            return true;
        struct inspect_walk w;
        inspect_walk(r->emu, r->focus, 0, VM_PROT_READ, &w);
        pid = (uint64_t)w.pid;
    }
    if (!all && !inspect_task_exists(r->emu, (int)pid))
        fprintf(out, "no live task %llu (see `tasks`)\n", (unsigned long long)pid);
    else
        emu_print_vmmap(r->emu, (int)pid, out);
    return true;
}

static bool do_vm_stat(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argc; (void)argv; (void)fmt;
    emu_print_stats(r->emu, out);
    return true;
}

static bool do_books(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argv; (void)fmt;
    char why[256];
    if (argc > 1)
        fprintf(out, "usage: books\n");
    else if (inspect_books_balance(r->emu, why, sizeof why))
        fprintf(out, "the books balance: every frame on one queue, and the page tables, kernel "
                "memory, objects and compressed pages are the live tasks'\n");
    else
        fprintf(out, "the books do not balance: %s\n", why);
    return true;
}

static bool do_pressure(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argv; (void)fmt;
    if (argc > 1)
        fprintf(out, "usage: pressure\n");
    else
        cmd_pressure(r, out);
    return true;
}

static bool do_jetsam(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    cmd_jetsam(r, argc, argv, out);
    return true;
}

static bool do_tasks(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)argc; (void)argv; (void)fmt;
    cmd_tasks(r, r->focus, out);
    return true;
}

void repl_print_where(struct repl *r, FILE *out)
{
    struct inspect_task t[64];
    uint64_t pc;
    int n = inspect_tasks(r->emu, t, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (r->focus ? t[i].pid == r->focus : t[i].on_cpu) {
            fprintf(out, "task %d (%s), %s, at ", t[i].pid, t[i].name, t[i].state);
            if (inspect_reg(r->emu, t[i].pid, INSPECT_REG_PC, &pc) == 0)
                print_insn_line(r, t[i].pid, pc, out);
            else
                fprintf(out, "(exited)\n");
        }
}

static bool do_task(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)fmt;
    uint64_t pid;
    if (argc != 2) {
        repl_print_where(r, out);
        return true;
    }
    if (!count_arg(argv[1], &pid, out))
        return true;
    if (!inspect_task_exists(r->emu, (int)pid)) {
        fprintf(out, "no live task %llu (see `tasks`)\n", (unsigned long long)pid);
        return true;
    }
    r->focus = (int)pid;
    repl_print_where(r, out);
    return true;
}

static bool do_quit(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)r; (void)argc; (void)argv; (void)fmt; (void)out;
    return false;
}

static bool do_help(struct repl *r, int argc, char **argv, const char *fmt, FILE *out);

static const struct cmd cmds[] = {
    { "run", "r", "run", "start or go on: until a breakpoint, a watchpoint, a watched fault, a\n"
      "      signal or the exit; once the program has exited, start it again (the same\n"
      "      arguments and options, a new machine; breakpoints kept)", do_run },
    { "continue", "c", "continue", "the same as run", do_continue },
    { "stepi", "si", "stepi [N]", "execute N instructions (default 1), then stop", do_stepi },
    { "nextfault", "nf", "nextfault [KIND...]",
      "go on until the next page fault of these kinds (default any)", do_nextfault },
    { "break", "b", "break ADDR | break fault [KIND...] [VA | LO-HI] | break jetsam [EVENT...]",
      "stop before the instruction at ADDR; or after every fault of these kinds (zero-fill,\n"
      "      soft, pagein, cow, decompress, fast, invalid, prot, any; default any) in the range;\n"
      "      or after a Jetsam evaluation that changed the level, sent a note or killed a task\n"
      "      (level, note, kill, any; default any), before the program runs on",
      do_break },
    { "delete", "d", "delete [ID]", "delete breakpoint ID (all without ID)", do_delete },
    { "info", NULL, "info breakpoints", "list breakpoints and how often they were hit", do_info },
    { "regs", NULL, "regs", "general registers, sp, pc and the flags", do_regs },
    { "x", NULL, "x/FMT ADDR [N]",
      "examine memory through the MMU without faulting it in: FMT is [count][x|d|u|c|s|i][b|h|w|g];\n"
      "      pages that are not mapped say why (compressed pages are decoded aside, left compressed)",
      do_x },
    { "disas", NULL, "disas [ADDR] [N]", "disassemble N instructions (default 8) at ADDR (default pc)",
      do_disas },
    { "bt", NULL, "bt", "backtrace by frame pointers", do_bt },
    { "walk", NULL, "walk ADDR [r|w|x]",
      "the translation table walk, level by level: table, index, descriptor, where it stops and\n"
      "      why (a compressed marker: the page is in the compressor)",
      do_walk },
    { "tlb", NULL, "tlb [all]", "TLB geometry, counters and the entries of this task (all: every ASID)",
      do_tlb },
    { "object", NULL, "object VA | object #ID",
      "the VM object behind VA (or with this id), its shadow chain, resident and compressed pages",
      do_object },
    { "page", NULL, "page PFN",
      "a physical frame: use, owner object, queue, ref/mod, every mapping (reverse map); a\n"
      "      compressor frame: its segment", do_page },
    { "vmmap", NULL, "vmmap [PID|all]", "the map entries of this task (or PID, or every task)",
      do_vmmap },
    { "vm_stat", NULL, "vm_stat",
      "the VM counters (the compressor's too), TLB and MMU counters, per-task figures",
      do_vm_stat },
    { "books", NULL, "books",
      "check that the VM's books balance: every frame on exactly one queue, and the page-table\n"
      "      frames, kernel frames, objects and compressed pages equal what the tasks hold",
      do_books },
    { "pressure", NULL, "pressure",
      "the memory pressure level and why: Jetsam's last counters against the thresholds, the\n"
      "      compressor, available and free pages against their lines, the notes last sent and waiting",
      do_pressure },
    { "jetsam", NULL, "jetsam [band PID BAND | state PID STATE... | eval]",
      "the Jetsam table in kill order (band, states, footprint, limits, notes each process had)\n"
      "      and the kills so far; band and state change a task's (STATE: frontmost, suspended,\n"
      "      idle, or none); eval evaluates now and says what it did", do_jetsam },
    { "tasks", NULL, "tasks",
      "every task with its resident and compressed pages; * marks the one the state commands\n"
      "      look at", do_tasks },
    { "task", NULL, "task [PID]", "look at task PID (registers, memory, walks; a thread's id\n"
      "      looks at that thread: `info threads`, `thread TID`); without PID: where",
      do_task },
    { "help", "h", "help [COMMAND]", "this list, or one command", do_help },
    { "quit", "q", "quit", "end the session (a live program is killed)", do_quit },
};
#define NCMDS (sizeof cmds / sizeof *cmds)

static const struct cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(name, cmds[i].name) || (cmds[i].alias && !strcmp(name, cmds[i].alias)))
            return &cmds[i];
    return NULL;
}

static bool do_help(struct repl *r, int argc, char **argv, const char *fmt, FILE *out)
{
    (void)r; (void)fmt;
    const struct cmd *c = argc > 1 ? find_cmd(argv[1]) : NULL;
    if (argc > 1 && !c) {
        fprintf(out, "no command '%s'\n", argv[1]);
        return true;
    }
    for (size_t i = 0; i < NCMDS; i++)
        if (!c || c == &cmds[i])
            fprintf(out, "%-44s %s%s%s\n      %s\n", cmds[i].usage, cmds[i].alias ? "(" : "",
                    cmds[i].alias ? cmds[i].alias : "", cmds[i].alias ? ")" : "", cmds[i].help);
    if (!c) {
        repl_gdb_help(out);
        repl_watch_help(out);
        fprintf(out, "Addresses: numbers (0x...), registers (pc, sp, lr, fp, x0-x30), symbols of "
                "the program, joined by + and -.\n");
    }
    return true;
}

const char *repl_command_name(size_t i)
{
    return i < NCMDS ? cmds[i].name : NULL;
}

bool repl_resumes(const char *line)
{
    char name[32];
    size_t n = strcspn(line, " \t/");
    if (n >= sizeof name)
        return false;
    memcpy(name, line, n);
    name[n] = 0;
    const struct cmd *c = find_cmd(name);
    return c && (c->fn == do_continue || c->fn == do_run || c->fn == do_stepi ||
                 c->fn == do_nextfault);
}

bool repl_exec(struct repl *r, const char *line, FILE *out)
{
    char buf[1024], *argv[MAX_ARGS + 1];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *tok = strtok(buf, " \t\r\n"); tok && argc < MAX_ARGS; tok = strtok(NULL, " \t\r\n"))
        argv[argc++] = tok;
    if (argc == 0 || argv[0][0] == '#')
        return true;
    argv[argc] = NULL;
    char *fmt = strchr(argv[0], '/');
    if (fmt)
        *fmt++ = 0;
    if (repl_gdb_exec(r, argc, argv, fmt, out) || repl_watch_exec(r, argc, argv, out))
        return true;
    const struct cmd *c = find_cmd(argv[0]);
    if (!c) {
        fprintf(out, "unknown command '%s' (try help)\n", argv[0]);
        return true;
    }
    if (fmt && c->fn != do_x) {
        fprintf(out, "%s takes no /FMT\n", argv[0]);
        return true;
    }
    return c->fn(r, argc, argv, fmt, out);
}
