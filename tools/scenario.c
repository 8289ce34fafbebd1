/* tools/scenario.c — several apps under Jetsam, and their timeline (see scenario.h). */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "emu/emu.h"
#include "emu/jetsam.h"
#include "tools/scenario.h"
#include "tools/textin.h"

extern char **environ;

struct app {
    char *name;
    uint64_t at;
    struct emu_jetsam_props ms;
    bool frontmost;
    char **argv;                   /* PROGRAM (resolved) and its arguments */
    int argc;
    int pid;                       /* 0 until launched, -1 if it could not be */
    bool ended;
    bool killed;                   /* by Jetsam, at killed_at */
    uint64_t killed_at;
};

enum step_kind { STEP_LAUNCH, STEP_FOREGROUND, STEP_BAND, STEP_STATE };

struct step {
    enum step_kind kind;
    uint64_t at;
    int app;
    int band;                      /* STEP_STATE: the MEMORYSTATUS_STATE_* bits */
    int line;                      /* order in the file: ties keep it */
};

struct scenario {
    char *path;
    struct app *apps;
    int napps;
    struct step *steps;
    int nsteps, next;
    char **options;
    int noptions;
    FILE *out;
    struct emu *emu;
    int front;                     /* the app in front, or -1 */
    int failed;
    uint64_t alarm;                /* set for the next step */
};

/* --- reading the file ------------------------------------------------------------------ */

struct reader {
    const char *path;
    int line;
    char *err;
    size_t errlen;
};

static int __attribute__((format(printf, 2, 3))) bad(struct reader *r, const char *fmt, ...)
{
    int n = snprintf(r->err, r->errlen, "%s:%d: ", r->path, r->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < r->errlen)
        vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool parse_time(const char *s, uint64_t *t)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return false;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1000, end++;
    else if (*end == 'M')
        mul = 1000000, end++;
    else if (*end == 'G')
        mul = 1000000000, end++;
    if (*end || v > UINT64_MAX / mul)
        return false;
    *t = v * mul;
    return true;
}

static int find_app(const struct scenario *s, const char *name)
{
    for (int i = 0; i < s->napps; i++)
        if (!strcmp(s->apps[i].name, name))
            return i;
    return -1;
}

static int add_step(struct scenario *s, struct reader *r, enum step_kind kind, uint64_t at,
                    int app, int band)
{
    struct step *v = realloc(s->steps, (size_t)(s->nsteps + 1) * sizeof *v);
    if (!v)
        return bad(r, "out of memory");
    s->steps = v;
    v[s->nsteps++] = (struct step){ kind, at, app, band, r->line };
    return 0;
}

static char *program_path(const char *dir, const char *prog)
{
    if (prog[0] == '/')
        return strdup(prog);
    size_t n = strlen(dir) + strlen(prog) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, prog);
    return p;
}

/* app NAME [at T] [band B] [memlimit L] [frontmost] -- PROGRAM [ARGS...] */
static int parse_app(struct scenario *s, struct reader *r, char **w, int n, const char *dir)
{
    if (n < 2)
        return bad(r, "app: want a name");
    if (find_app(s, w[1]) >= 0)
        return bad(r, "app %s: named twice", w[1]);
    struct app a = {
        .ms = { .band = EMU_JETSAM_BAND_DEFAULT, .active = { EMU_JETSAM_LIMIT_NONE, false },
                .inactive = { EMU_JETSAM_LIMIT_NONE, false } },
    };
    int i = 2;
    for (; i < n && strcmp(w[i], "--"); i++) {
        if (!strcmp(w[i], "frontmost")) {
            a.frontmost = true;
        } else if (i + 1 >= n) {
            return bad(r, "app %s: '%s' needs a value", w[1], w[i]);
        } else if (!strcmp(w[i], "at")) {
            if (!parse_time(w[++i], &a.at))
                return bad(r, "app %s: bad time '%s' (instructions, e.g. 20M)", w[1], w[i]);
        } else if (!strcmp(w[i], "band")) {
            int band;
            if (memorystatus_band_parse(w[++i], &band) < 0)
                return bad(r, "app %s: bad band '%s'", w[1], w[i]);
            a.ms.band = band;
        } else if (!strcmp(w[i], "memlimit")) {
            uint32_t mb;
            bool fatal;
            if (memorystatus_limit_parse(w[++i], &mb, &fatal) < 0 || !mb || mb > INT32_MAX)
                return bad(r, "app %s: bad memlimit '%s' (MB, MB:fatal or MB:soft)", w[1], w[i]);
            a.ms.active = a.ms.inactive = (struct emu_jetsam_limit){ (int32_t)mb, fatal };
        } else {
            return bad(r, "app %s: unknown word '%s'", w[1], w[i]);
        }
    }
    if (i + 1 >= n)
        return bad(r, "app %s: want -- PROGRAM [ARGS...]", w[1]);
    struct app *v = realloc(s->apps, (size_t)(s->napps + 1) * sizeof *v);
    if (!v)
        return bad(r, "out of memory");
    s->apps = v;
    a.argc = n - i - 1;
    a.name = strdup(w[1]);
    a.argv = calloc((size_t)a.argc + 1, sizeof *a.argv);
    if (!a.name || !a.argv) {
        free(a.name);
        free(a.argv);
        return bad(r, "out of memory");
    }
    s->apps[s->napps++] = a;   /* owned from here: freed with s even if what follows fails */
    for (int k = 0; k < a.argc; k++)
        if (!(a.argv[k] = k ? strdup(w[i + 1 + k]) : program_path(dir, w[i + 1])))
            return bad(r, "out of memory");
    return add_step(s, r, STEP_LAUNCH, a.at, s->napps - 1, 0);
}

/* foreground NAME at T | band NAME B at T */
static int parse_move(struct scenario *s, struct reader *r, char **w, int n)
{
    bool fg = !strcmp(w[0], "foreground");
    int want = fg ? 4 : 5;
    if (n != want || strcmp(w[n - 2], "at"))
        return bad(r, fg ? "want: foreground NAME at T" : "want: band NAME B at T");
    int app = find_app(s, w[1]);
    if (app < 0)
        return bad(r, "%s: no app named %s above", w[0], w[1]);
    int band = 0;
    if (!fg && memorystatus_band_parse(w[2], &band) < 0)
        return bad(r, "band %s: bad band '%s'", w[1], w[2]);
    uint64_t at;
    if (!parse_time(w[n - 1], &at))
        return bad(r, "%s %s: bad time '%s'", w[0], w[1], w[n - 1]);
    if (at < s->apps[app].at)
        return bad(r, "%s %s: at %s, before the app is launched", w[0], w[1], w[n - 1]);
    return add_step(s, r, fg ? STEP_FOREGROUND : STEP_BAND, at, app, band);
}

/* "none", or suspended and idle joined by commas, as MEMORYSTATUS_STATE_* bits; -1. */
static int parse_states(const char *word)
{
    if (!strcmp(word, "none"))
        return 0;
    int states = 0;
    for (const char *p = word; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 9 && !strncmp(p, "suspended", len))
            states |= MEMORYSTATUS_STATE_SUSPENDED;
        else if (len == 4 && !strncmp(p, "idle", len))
            states |= MEMORYSTATUS_STATE_IDLE;
        else
            return -1;
        p += len + (p[len] == ',');
    }
    return states ? states : -1;
}

/* state NAME STATES at T */
static int parse_state(struct scenario *s, struct reader *r, char **w, int n)
{
    if (n != 5 || strcmp(w[3], "at"))
        return bad(r, "want: state NAME none|suspended|idle|suspended,idle at T");
    int app = find_app(s, w[1]);
    if (app < 0)
        return bad(r, "state: no app named %s above", w[1]);
    int states = parse_states(w[2]);
    if (states < 0)
        return bad(r, "state %s: bad states '%s' (none, suspended, idle, suspended,idle)", w[1],
                   w[2]);
    uint64_t at;
    if (!parse_time(w[4], &at))
        return bad(r, "state %s: bad time '%s'", w[1], w[4]);
    if (at < s->apps[app].at)
        return bad(r, "state %s: at %s, before the app is launched", w[1], w[4]);
    return add_step(s, r, STEP_STATE, at, app, states);
}

/* What a file may set: the machine. Where output goes and which host files the apps
 * see (--root, --reports, --trace-faults, ...) belong to the command line alone, so a
 * scenario from elsewhere cannot write or read host files. */
static const struct { const char *name; bool value; } machine_options[] = {
    { "-m", true }, { "--memory", true }, { "--tlb", true }, { "--seed", true },
    { "--codec", true }, { "--platform", true }, { "--notify-spacing", true },
    { "--guest-mips", true }, { "--clock", true }, { "--stats", false },
    { "--maxproc", true },
};

/* Words used by the option at w[i]: 1 or 2; 0 if it is not a machine option. */
static int machine_option(char **w, int i, int n)
{
    size_t len = strcspn(w[i], "=");
    if (!strncmp(w[i], "-m", 2) && w[i][2])
        return 1;                  /* -m64M */
    for (size_t k = 0; k < sizeof machine_options / sizeof *machine_options; k++) {
        if (strlen(machine_options[k].name) != len || strncmp(w[i], machine_options[k].name, len))
            continue;
        if (w[i][len] == '=')
            return machine_options[k].value ? 1 : 0;
        return machine_options[k].value ? (i + 1 < n ? 2 : 0) : 1;
    }
    return 0;
}

static int add_options(struct scenario *s, struct reader *r, char **w, int n)
{
    for (int i = 1, used; i < n; i += used)
        if (!(used = machine_option(w, i, n)))
            return bad(r, "options: '%s' is not a machine option (a file may set -m, --tlb, "
                       "--seed, --codec, --platform, --notify-spacing, --guest-mips, --clock, "
                       "--stats, --maxproc)", w[i]);
    char **v = realloc(s->options, (size_t)(s->noptions + n) * sizeof *v);
    if (!v)
        return bad(r, "out of memory");
    s->options = v;
    for (int i = 1; i < n; i++)
        if (!(s->options[s->noptions++] = strdup(w[i])))
            return bad(r, "out of memory");
    return 0;
}

#define MAX_WORDS 64

static int parse_line(struct scenario *s, struct reader *r, char *line, const char *dir)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    char *w[MAX_WORDS];
    int n = 0;
    for (char *save, *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == MAX_WORDS)
            return bad(r, "more than %d words", MAX_WORDS);
        w[n++] = t;
    }
    if (n == 0)
        return 0;
    if (!strcmp(w[0], "app"))
        return parse_app(s, r, w, n, dir);
    if (!strcmp(w[0], "foreground") || !strcmp(w[0], "band"))
        return parse_move(s, r, w, n);
    if (!strcmp(w[0], "state"))
        return parse_state(s, r, w, n);
    if (!strcmp(w[0], "options"))
        return add_options(s, r, w, n);
    return bad(r, "unknown directive '%s' (app, foreground, band, state, options)", w[0]);
}

static int by_time(const void *a, const void *b)
{
    const struct step *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->line - y->line;
}

struct scenario *scenario_load(const char *path, const char *programs_dir, char *err,
                               size_t errlen)
{
    struct reader r = { .path = path, .err = err, .errlen = errlen };
    FILE *f = textin_open(path, err, errlen);
    if (!f)
        return NULL;
    struct scenario *s = calloc(1, sizeof *s);
    char *copy = strdup(path), *dir = NULL;
    if (s && copy)
        dir = programs_dir ? (char *)programs_dir : dirname(copy);
    if (!s || !copy || !(s->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->front = -1;
    char line[TEXTIN_LINE_MAX + 2], why[128];
    int got;
    while ((got = textin_line(f, line, why, sizeof why)) > 0) {
        r.line++;
        if (parse_line(s, &r, line, dir) < 0)
            goto fail;
    }
    if (got < 0) {
        r.line++;
        bad(&r, "%s", why);
        goto fail;
    }
    if (s->napps == 0) {
        snprintf(err, errlen, "%s: no app to run (want lines: app NAME ... -- PROGRAM)", path);
        goto fail;
    }
    qsort(s->steps, (size_t)s->nsteps, sizeof *s->steps, by_time);
    fclose(f);
    free(copy);
    return s;
fail:
    fclose(f);
    free(copy);
    scenario_free(s);
    return NULL;
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->napps; i++) {
        for (int k = 0; k < s->apps[i].argc; k++)
            free(s->apps[i].argv[k]);
        free(s->apps[i].argv);
        free(s->apps[i].name);
    }
    for (int i = 0; i < s->noptions; i++)
        free(s->options[i]);
    free(s->options);
    free(s->apps);
    free(s->steps);
    free(s->path);
    free(s);
}

const char *scenario_name(const struct scenario *s)
{
    const char *slash = strrchr(s->path, '/');
    return slash ? slash + 1 : s->path;
}

char **scenario_options(const struct scenario *s, int *n)
{
    *n = s->noptions;
    return s->options;
}

/* --- the timeline ------------------------------------------------------------------------ */

static void __attribute__((format(printf, 4, 5)))
say(struct scenario *s, uint64_t at, const char *what, const char *fmt, ...)
{
    fprintf(s->out, "[%12llu] %-10s ", (unsigned long long)at, what);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(s->out, fmt, ap);
    va_end(ap);
    fputc('\n', s->out);
    fflush(s->out);
}

static struct app *app_of(struct scenario *s, int pid)
{
    for (int i = 0; i < s->napps; i++)
        if (s->apps[i].pid == pid)
            return &s->apps[i];
    return NULL;                     /* a process an app forked */
}

const char *scenario_app_name(struct scenario *s, int pid)
{
    const struct app *a = app_of(s, pid);
    return a ? a->name : NULL;
}

static const char *app_name(struct scenario *s, int pid, const char *fallback)
{
    const char *name = scenario_app_name(s, pid);
    return name ? name : fallback;
}

static void band_text(char *buf, size_t len, int band)
{
    const char *name = memorystatus_band_name(band);
    snprintf(buf, len, "%d%s%s%s", band, name ? " (" : "", name ? name : "", name ? ")" : "");
}

/* "free 120, file-backed 20, compressor 2000 pages in 1990 frames" */
static void memory_text(char *buf, size_t len, const struct memorystatus_vm *vm)
{
    struct memorystatus_thresholds th = memorystatus_thresholds(vm);
    snprintf(buf, len, "free %llu, file-backed %llu, non-compressed %llu of %llu, compressor "
             "%llu pages in %llu frames%s", (unsigned long long)vm->free,
             (unsigned long long)vm->file_backed, (unsigned long long)th.non_compressed,
             (unsigned long long)th.available, (unsigned long long)vm->compressor_pages,
             (unsigned long long)vm->compressor_frames,
             vm->compressor_low_on_space ? " (low on space)" : "");
}

/* Its exit is told at the kill's own count: when the run loop next hands over depends
 * on who else stops the CPU (a viewer), the kill does not. */
static void note_kill(struct scenario *s, const struct emu_jetsam_event *ev)
{
    struct app *a = app_of(s, ev->pid);
    if (a) {
        a->killed = true;
        a->killed_at = ev->icount;
    }
}

static void on_event(void *ctx, const struct emu_jetsam_event *ev)
{
    struct scenario *s = ctx;
    char mem[256], band[48];
    switch (ev->kind) {
    case EMU_JETSAM_LEVEL:
        memory_text(mem, sizeof mem, ev->vm);
        say(s, ev->icount, "level", "%s -> %s: %s", memorystatus_level_name(ev->from),
            memorystatus_level_name(ev->to), mem);
        break;
    case EMU_JETSAM_NOTE:
        say(s, ev->icount, "note", "%s -> %s (pid %d)%s", emu_jetsam_note_name(ev->note),
            app_name(s, ev->pid, ev->name), ev->pid, ev->delivered ? "" : ": it has no handler");
        break;
    case EMU_JETSAM_KILL:
        band_text(band, sizeof band, ev->kill->band);
        memory_text(mem, sizeof mem, ev->vm);
        say(s, ev->icount, "kill", "%s (pid %d), band %s: %s, footprint %.1f MB; %s",
            app_name(s, ev->pid, ev->name), ev->pid, band, memorystatus_cause_name(ev->kill->cause),
            (double)(ev->kill->footprint * memorystatus_page_size(emu_jetsam_table(s->emu))) /
                (1 << 20), mem);
        if (ev->kill->report)
            say(s, ev->icount, "report", "%s", ev->kill->report);
        note_kill(s, ev);
        break;
    }
}

/* --- running -------------------------------------------------------------------------------- */

static void launch(struct scenario *s, int i, uint64_t now)
{
    struct app *a = &s->apps[i];
    char err[512], band[48];
    unsigned states = a->frontmost ? MEMORYSTATUS_STATE_FRONTMOST : 0;
    a->pid = emu_spawn(s->emu, a->argv[0], a->argc, a->argv, environ, &a->ms, states, err,
                       sizeof err);
    if (a->pid < 0) {
        say(s, now, "error", "%s: %s", a->name, err);
        a->ended = true;
        s->failed = 1;
        return;
    }
    emu_jetsam_set_name(s->emu, a->pid, a->name);   /* its reports say the app's name */
    if (a->frontmost)
        s->front = i;
    band_text(band, sizeof band, a->ms.band);
    char limit[64] = "";
    if (a->ms.active.mb > 0)
        snprintf(limit, sizeof limit, ", limit %d MB %s", a->ms.active.mb,
                 a->ms.active.fatal ? "fatal" : "soft");
    say(s, now, "launch", "%s (pid %d), band %s%s%s", a->name, a->pid, band, limit,
        a->frontmost ? ", frontmost" : "");
}

static const char *const step_words[] = {
    [STEP_FOREGROUND] = "foreground", [STEP_BAND] = "band", [STEP_STATE] = "state",
};

/* The frontmost state stays the foreground directive's. */
static void set_states(struct scenario *s, struct app *a, const struct step *st, uint64_t now)
{
    unsigned states = (unsigned)st->band;
    if (s->front >= 0 && &s->apps[s->front] == a)
        states |= MEMORYSTATUS_STATE_FRONTMOST;
    emu_jetsam_set_state(s->emu, a->pid, states);
    say(s, now, "state", "%s (pid %d) -> %s%s%s", a->name, a->pid,
        states & MEMORYSTATUS_STATE_SUSPENDED ? "suspended" : "",
        (states & MEMORYSTATUS_STATE_SUSPENDED) && (states & MEMORYSTATUS_STATE_IDLE) ? "," : "",
        states & MEMORYSTATUS_STATE_IDLE ? "idle"
        : states & MEMORYSTATUS_STATE_SUSPENDED ? "" : "none");
}

static void set_band(struct scenario *s, int pid, int band)
{
    const struct emu_jetsam_props *cur = emu_jetsam_props(s->emu, pid);
    if (cur) {
        struct emu_jetsam_props p = *cur;
        p.band = band;
        emu_jetsam_set_props(s->emu, pid, &p);
    }
}

static void move(struct scenario *s, const struct step *st, uint64_t now)
{
    struct app *a = &s->apps[st->app];
    char band[48];
    if (a->pid <= 0 || a->ended) {
        say(s, now, step_words[st->kind], "%s: not running", a->name);
        return;
    }
    if (st->kind == STEP_STATE) {
        set_states(s, a, st, now);
        return;
    }
    if (st->kind == STEP_BAND) {
        set_band(s, a->pid, st->band);
        band_text(band, sizeof band, st->band);
        say(s, now, "band", "%s (pid %d) -> %s", a->name, a->pid, band);
        return;
    }
    int old = s->front;
    if (old >= 0 && old != st->app && !s->apps[old].ended) {
        emu_jetsam_set_state(s->emu, s->apps[old].pid, 0);
        set_band(s, s->apps[old].pid, MEMORYSTATUS_BAND_BACKGROUND);
    }
    set_band(s, a->pid, MEMORYSTATUS_BAND_FOREGROUND);
    emu_jetsam_set_state(s->emu, a->pid, MEMORYSTATUS_STATE_FRONTMOST);
    s->front = st->app;
    say(s, now, "foreground", "%s (pid %d) to the front%s%s%s", a->name, a->pid,
        old >= 0 && old != st->app ? "; " : "", old >= 0 && old != st->app ? s->apps[old].name : "",
        old >= 0 && old != st->app ? " to the background" : "");
}

/* The steps due at `now`. */
static void run_steps(struct scenario *s, uint64_t now)
{
    while (s->next < s->nsteps && s->steps[s->next].at <= now) {
        const struct step *st = &s->steps[s->next++];
        if (st->kind == STEP_LAUNCH)
            launch(s, st->app, now);
        else
            move(s, st, now);
    }
    /* Only when it changes: setting it starts a new quantum, and a viewer returns
     * from the run loop more often than the plain run does. */
    uint64_t next = s->next < s->nsteps ? s->steps[s->next].at : UINT64_MAX;
    if (next != s->alarm) {
        s->alarm = next;
        emu_set_alarm(s->emu, next);
    }
}

static void report_exits(struct scenario *s, uint64_t now)
{
    for (int i = 0; i < s->napps; i++) {
        struct app *a = &s->apps[i];
        bool ended;
        if (a->pid <= 0 || a->ended)
            continue;
        int status = emu_exit_status(s->emu, a->pid, &ended);
        if (!ended)
            continue;
        a->ended = true;
        if (status > 128)
            say(s, a->killed ? a->killed_at : now, "exit", "%s (pid %d) killed by signal %d",
                a->name, a->pid, status - 128);
        else
            say(s, now, "exit", "%s (pid %d) status %d", a->name, a->pid, status);
    }
}

static bool all_ended(const struct scenario *s)
{
    for (int i = 0; i < s->napps; i++)
        if (!s->apps[i].ended)
            return false;
    return true;
}

/* Nothing runs (before the first launch, after every app has ended, or while every task
 * waits for another): idle time passes until the next step, and the clock with it. */
static uint64_t idle_until_next_step(struct scenario *s)
{
    return emu_idle_until(s->emu, s->next < s->nsteps ? s->steps[s->next].at : 0);
}

void scenario_start(struct scenario *s, struct emu *emu, FILE *out)
{
    s->emu = emu;
    s->out = out;
    s->alarm = 0;                  /* not the machine's: the first run_steps sets it */
    emu_jetsam_add_listener(emu, on_event, s);
    fprintf(out, "scenario %s: %d apps\n", s->path, s->napps);
    emu_run_prepare(emu);
    run_steps(s, idle_until_next_step(s));
}

bool scenario_step(struct scenario *s, bool more)
{
    uint64_t now = emu_icount(s->emu);
    report_exits(s, now);
    bool waiting = !more && s->next < s->nsteps;
    run_steps(s, waiting ? idle_until_next_step(s) : now);
    if (all_ended(s))
        return false;
    if (!more && !waiting) {
        say(s, now, "error", "the run stopped with apps still alive");
        s->failed = 1;
        return false;
    }
    return true;
}

int scenario_finish(struct scenario *s)
{
    int killed = 0, exited = 0, alive = 0;
    for (int i = 0; i < s->napps; i++) {
        bool ended = false;
        int st = s->apps[i].pid > 0 ? emu_exit_status(s->emu, s->apps[i].pid, &ended) : 0;
        alive += s->apps[i].pid > 0 && !ended;
        killed += ended && st > 128;
        exited += ended && st <= 128;
    }
    const struct memorystatus *ms = emu_jetsam_table(s->emu);
    const char *level = ms ? memorystatus_level_name(memorystatus_level(ms)) : "unknown (no Jetsam)";
    unsigned long long now = emu_icount(s->emu);
    if (alive)
        fprintf(s->out, "scenario stopped at %llu: %d exited, %d killed, %d running, level %s\n",
                now, exited, killed, alive, level);
    else
        fprintf(s->out, "scenario end at %llu: %d exited, %d killed, level %s\n", now, exited,
                killed, level);
    emu_jetsam_remove_listener(s->emu, on_event, s);
    return s->failed;
}

int scenario_run(struct scenario *s, struct emu *emu, FILE *out)
{
    scenario_start(s, emu, out);
    if (!all_ended(s))
        while (scenario_step(s, emu_run_slice(emu)))
            ;
    return scenario_finish(s);
}
