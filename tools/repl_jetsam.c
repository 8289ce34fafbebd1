/* tools/repl_jetsam.c — memory pressure and Jetsam in the debugger: `pressure`,
 * `jetsam`, and the log of what Jetsam did (levels, notes, kills), kept by the
 * machine's Jetsam listener. Every number shown is the glue's or the library's own
 * (the counters of the last evaluation, memorystatus_thresholds()), so the output
 * explains the level the machine is at rather than a level worked out anew. */
#include <stdlib.h>
#include <string.h>
#include "emu/jetsam.h"
#include "tools/repl.h"

#define RECENT_MAX 32              /* events kept for stop blocks and `jetsam eval` */

struct jetsam_record {
    uint64_t seq;                  /* 1 for the first event the log saw */
    uint64_t icount;
    enum emu_jetsam_event_kind kind;
    enum memorystatus_level from, to;
    uint64_t non_compressed, available;    /* level: what the level machine compared */
    int pid;
    char name[MEMORYSTATUS_NAME_MAX];
    uint32_t note;
    bool delivered;
    struct memorystatus_kill kill; /* kind KILL; its report strings are not kept here */
    char *report;                  /* kills list only: the report's path, or NULL */
};

struct jetsam_log {
    struct emu *emu;
    uint64_t seq, mark;
    struct jetsam_record recent[RECENT_MAX];   /* event seq s at [(s - 1) % RECENT_MAX] */
    struct jetsam_record *kills;
    size_t nkills, cap;
    struct jetsam_record last_level, last_note;   /* seq 0: none yet */
    uint64_t level_changes;
};

static void keep_kill(struct jetsam_log *l, const struct jetsam_record *rec, const char *report)
{
    if (l->nkills == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct jetsam_record *k = realloc(l->kills, cap * sizeof *k);
        if (!k)
            return;                /* out of host memory: the kill goes unlisted */
        l->kills = k;
        l->cap = cap;
    }
    struct jetsam_record *k = &l->kills[l->nkills++];
    *k = *rec;
    k->report = report ? strdup(report) : NULL;
}

static void on_event(void *ctx, const struct emu_jetsam_event *ev)
{
    struct jetsam_log *l = ctx;
    struct jetsam_record rec = { .seq = ++l->seq, .icount = ev->icount, .kind = ev->kind,
                                 .from = ev->from, .to = ev->to, .pid = ev->pid,
                                 .note = ev->note, .delivered = ev->delivered == 1 };
    snprintf(rec.name, sizeof rec.name, "%s", ev->name ? ev->name : "");
    if (ev->kind == EMU_JETSAM_LEVEL) {
        struct memorystatus_thresholds t = memorystatus_thresholds(ev->vm);
        rec.non_compressed = t.non_compressed;
        rec.available = t.available;
        l->last_level = rec;
        l->level_changes++;
    } else if (ev->kind == EMU_JETSAM_NOTE) {
        l->last_note = rec;
    } else {
        rec.kill = *ev->kill;
        rec.kill.report = rec.kill.report_error = NULL;    /* valid during the event only */
        keep_kill(l, &rec, ev->kill->report);
    }
    l->recent[(rec.seq - 1) % RECENT_MAX] = rec;
}

struct jetsam_log *jetsam_log_attach(struct emu *emu)
{
    struct jetsam_log *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->emu = emu;
    if (emu_jetsam_add_listener(emu, on_event, l) < 0) {
        free(l);
        return NULL;
    }
    return l;
}

void jetsam_log_detach(struct jetsam_log *l)
{
    if (!l)
        return;
    emu_jetsam_remove_listener(l->emu, on_event, l);
    for (size_t i = 0; i < l->nkills; i++)
        free(l->kills[i].report);
    free(l->kills);
    free(l);
}

void jetsam_log_mark(struct jetsam_log *l)
{
    l->mark = l->seq;
}

/* --- text ------------------------------------------------------------------------------ */

static double mb(uint64_t pages)
{
    return (double)(pages * PAGE_SIZE) / (1 << 20);
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* emu's instruction count runs only while Jetsam needs a clock (emu/jetsam.h): before
 * that it says nothing. */
/* "100 (foreground)", or "77" for a band XNU does not name. */
static const char *band_label(int band, char *buf, size_t len)
{
    const char *name = memorystatus_band_name(band);
    if (name)
        snprintf(buf, len, "%d (%s)", band, name);
    else
        snprintf(buf, len, "%d", band);
    return buf;
}

static void print_kill_text(const struct jetsam_record *k, FILE *out)
{
    char band[48];
    fprintf(out, "%s (pid %d), band %s: %s, footprint %.1f MB", k->kill.name, k->kill.pid,
            band_label(k->kill.band, band, sizeof band), memorystatus_cause_name(k->kill.cause),
            mb(k->kill.footprint));
}

static void print_note_text(const struct jetsam_record *n, FILE *out)
{
    fprintf(out, "%s -> %s (pid %d), %s", emu_jetsam_note_name(n->note), n->name, n->pid,
            n->delivered ? "queued for its handler" : "dropped: it has no handler for it");
}

static void print_record(const struct jetsam_record *rec, FILE *out)
{
    fprintf(out, "jetsam: ");
    switch (rec->kind) {
    case EMU_JETSAM_LEVEL:
        fprintf(out, "level %s -> %s: non-compressed %llu of %llu available pages (%.1f%%)",
                memorystatus_level_name(rec->from), memorystatus_level_name(rec->to),
                (unsigned long long)rec->non_compressed, (unsigned long long)rec->available,
                percent(rec->non_compressed, rec->available));
        break;
    case EMU_JETSAM_NOTE:
        fprintf(out, "note ");
        print_note_text(rec, out);
        break;
    case EMU_JETSAM_KILL:
        fprintf(out, "killed ");
        print_kill_text(rec, out);
        break;
    }
    fprintf(out, " (at icount %llu)", (unsigned long long)rec->icount);
    fputc('\n', out);
}

void jetsam_log_print_new(const struct jetsam_log *l, FILE *out)
{
    uint64_t from = l->mark + 1;
    if (l->seq >= RECENT_MAX && from <= l->seq - RECENT_MAX) {
        fprintf(out, "(%llu earlier Jetsam events not shown)\n",
                (unsigned long long)(l->seq - RECENT_MAX + 1 - from));
        from = l->seq - RECENT_MAX + 1;
    }
    for (uint64_t s = from; s <= l->seq; s++)
        print_record(&l->recent[(s - 1) % RECENT_MAX], out);
}

/* --- pressure --------------------------------------------------------------------------- */

static void print_level_why(enum memorystatus_level level, const struct memorystatus_vm *vm,
                            const struct memorystatus_thresholds *t, FILE *out)
{
    unsigned long long nc = t->non_compressed;
    fprintf(out, "  why             ");
    if (vm->compressor_low_on_space) {
        fprintf(out, "critical whatever the pages say: the compressor is low on space\n");
        return;
    }
    switch (level) {
    case MEMORYSTATUS_LEVEL_NORMAL:
        fprintf(out, "normal: %llu is not below %llu (50%%), the way to warning\n", nc,
                (unsigned long long)t->enter_warning);
        break;
    case MEMORYSTATUS_LEVEL_WARNING:
        fprintf(out, "warning: %llu is neither above %llu (60%%), the way back to normal,\n"
                "                  nor below %llu (30%%), the way to critical\n", nc,
                (unsigned long long)t->leave_to_normal, (unsigned long long)t->enter_critical);
        break;
    case MEMORYSTATUS_LEVEL_CRITICAL:
        fprintf(out, "critical: %llu is not above %llu (35%%), the way back to warning\n", nc,
                (unsigned long long)t->leave_critical);
        break;
    }
}

static void print_level_lines(const struct memorystatus_vm *vm, enum memorystatus_level level,
                              FILE *out)
{
    struct memorystatus_thresholds t = memorystatus_thresholds(vm);
    fprintf(out, "  non-compressed  %llu pages (active %llu + inactive %llu + free %llu + "
            "speculative %llu),\n                  %.1f%% of %llu available (non-compressed + "
            "%llu frames of the compressor)\n",
            (unsigned long long)t.non_compressed, (unsigned long long)vm->active,
            (unsigned long long)vm->inactive, (unsigned long long)vm->free,
            (unsigned long long)vm->speculative, percent(t.non_compressed, t.available),
            (unsigned long long)t.available, (unsigned long long)vm->compressor_frames);
    fprintf(out, "  thresholds      normal -> warning below %llu (50%%), -> critical below %llu "
            "(30%%);\n                  back to normal above %llu (60%%), critical -> warning "
            "above %llu (35%%)\n", (unsigned long long)t.enter_warning,
            (unsigned long long)t.enter_critical, (unsigned long long)t.leave_to_normal,
            (unsigned long long)t.leave_critical);
    print_level_why(level, vm, &t, out);
}

static void print_memory_lines(struct emu *emu, const struct memorystatus_vm *vm, FILE *out)
{
    struct inspect_vm d;
    inspect_vm_counters(emu, &d);
    fprintf(out, "  compressor      %llu pages stored in %llu frames; low on space: %s\n",
            (unsigned long long)vm->compressor_pages, (unsigned long long)vm->compressor_frames,
            vm->compressor_low_on_space ? "yes" : "no");
    uint64_t total = vm->total_pages;
    struct memorystatus_page_thresholds t =
        memorystatus_page_thresholds(total, memorystatus_page_size(emu_jetsam_table(emu)));
    fprintf(out, "  available pages %llu = free %llu + file-backed %llu (memorystatus_available_"
            "pages):\n                  page-shortage kills below %llu (%.0f%% of %llu), idle "
            "exit below %llu,\n                  soft limits enforced below %llu, long-idle exit "
            "below %llu\n", (unsigned long long)memorystatus_available_pages(vm),
            (unsigned long long)vm->free, (unsigned long long)vm->file_backed,
            (unsigned long long)t.critical, percent(t.critical, total), (unsigned long long)total,
            (unsigned long long)t.idle, (unsigned long long)t.soft, (unsigned long long)t.reaper);
    if (vm->compressor_thrashing || vm->filecache_thrashing)
        fprintf(out, "  thrashing       %s%s%s\n", vm->compressor_thrashing ? "the compressor" : "",
                vm->compressor_thrashing && vm->filecache_thrashing ? " and " : "",
                vm->filecache_thrashing ? "the file cache (phantom cache)" : "");
    fprintf(out, "  free            %llu pages (now %u); the pageout scan's free_min %u, "
            "free_target %u\n", (unsigned long long)vm->free, d.pages.free, d.targets.free_min,
            d.targets.free_target);
}

static void print_note_lines(const struct jetsam_log *l, const struct memorystatus *ms,
                             uint64_t now, FILE *out)
{
    fprintf(out, "  level changes   %llu", (unsigned long long)l->level_changes);
    if (l->last_level.seq) {
        fprintf(out, "; the last %s -> %s", memorystatus_level_name(l->last_level.from),
                memorystatus_level_name(l->last_level.to));
        fprintf(out, " at icount %llu", (unsigned long long)l->last_level.icount);
    }
    fprintf(out, "\n  notes           last: ");
    if (l->last_note.seq) {
        print_note_text(&l->last_note, out);
        fprintf(out, " at icount %llu", (unsigned long long)l->last_note.icount);
        fputc('\n', out);
    } else {
        fprintf(out, "none\n");
    }
    uint64_t next = memorystatus_next_notify(ms, now);
    if (next == UINT64_MAX)
        fprintf(out, "                  next: none (the pressure thread sleeps until the level "
                "changes)\n");
    else if (next <= now)
        fprintf(out, "                  next: the pressure thread's turn is due now (at the next "
                "evaluation)\n");
    else
        fprintf(out, "                  next: the pressure thread's turn at icount %llu (in %llu "
                "instructions: notes are spaced, a fall waits 5 s)\n", (unsigned long long)next,
                (unsigned long long)(next - now));
}

static const struct memorystatus *table_or_say(struct emu *emu, FILE *out)
{
    const struct memorystatus *ms = emu_jetsam_table(emu);
    if (!ms)
        fprintf(out, "Jetsam is off (--no-jetsam): no pressure levels, notes or kills\n");
    return ms;
}

void cmd_pressure(struct repl *r, FILE *out)
{
    struct emu *emu = repl_emu(r);
    const struct memorystatus *ms = table_or_say(emu, out);
    if (!ms)
        return;
    enum memorystatus_level level = memorystatus_level(ms);
    const struct memorystatus_vm *vm = memorystatus_last_vm(ms);
    fprintf(out, "pressure: %s\n", memorystatus_level_name(level));
    if (vm->total_pages == 0) {
        fprintf(out, "  (Jetsam has not evaluated yet: it does once the program runs; "
                "`jetsam eval` evaluates now)\n");
        return;
    }
    print_level_lines(vm, level, out);
    print_memory_lines(emu, vm, out);
    print_note_lines(repl_jetsam_log(r), ms, emu_icount(emu), out);
    fprintf(out, "  (the counters of Jetsam's last evaluation; `jetsam eval` evaluates now)\n");
}

/* --- the table ---------------------------------------------------------------------------- */

/* "frontmost,idle", or "-" for none. */
static const char *states_text(unsigned states, char *buf, size_t len)
{
    *buf = 0;
    static const struct { unsigned bit; const char *name; } names[] = {
        { MEMORYSTATUS_STATE_FRONTMOST, "frontmost" }, { MEMORYSTATUS_STATE_SUSPENDED, "suspended" },
        { MEMORYSTATUS_STATE_IDLE, "idle" },
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (states & names[i].bit)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", *buf ? "," : "", names[i].name);
    return *buf ? buf : "-";
}

static void print_limit(uint32_t limit_mb, bool fatal, bool in_force, FILE *out)
{
    char buf[32] = "-";
    if (limit_mb)
        snprintf(buf, sizeof buf, "%u MB %s%s", limit_mb, fatal ? "fatal" : "soft",
                 in_force ? "*" : "");
    fprintf(out, " %-15s", buf);
}

/* The notes it takes, short: N W C LW LC. */
static void print_listens(uint32_t notes, FILE *out)
{
    static const struct { uint32_t note; const char *tag; } tags[] = {
        { NOTE_MEMORYSTATUS_PRESSURE_NORMAL, "N" }, { NOTE_MEMORYSTATUS_PRESSURE_WARN, "W" },
        { NOTE_MEMORYSTATUS_PRESSURE_CRITICAL, "C" }, { NOTE_MEMORYSTATUS_PROC_LIMIT_WARN, "LW" },
        { NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL, "LC" },
    };
    char buf[24] = "";
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        if (notes & tags[i].note)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", *buf ? "," : "",
                     tags[i].tag);
    fprintf(out, " %-13s", *buf ? buf : "none");
}

/* Every kind of note it was sent, the last one first. */
static void print_heard(const struct memorystatus_proc *p, FILE *out)
{
    static const uint32_t kinds[] = {
        NOTE_MEMORYSTATUS_PRESSURE_NORMAL, NOTE_MEMORYSTATUS_PRESSURE_WARN,
        NOTE_MEMORYSTATUS_PRESSURE_CRITICAL, NOTE_MEMORYSTATUS_PROC_LIMIT_WARN,
        NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL,
    };
    if (!p->notes_sent) {
        fprintf(out, " -");
        return;
    }
    fprintf(out, " %s", emu_jetsam_note_name(p->last_note));
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if ((p->notes_sent & kinds[i]) && kinds[i] != p->last_note)
            fprintf(out, ", %s", emu_jetsam_note_name(kinds[i]));
}

static void print_proc(const struct memorystatus_proc *p, FILE *out)
{
    char band[48], states[40];
    bool active = memorystatus_proc_is_active(p);
    fprintf(out, "  %-6d %-16s %-26s %-24s %7.1f MB", p->pid, p->name,
            band_label(p->band, band, sizeof band), states_text(p->states, states, sizeof states),
            mb(p->usage.footprint));
    print_limit(p->limits.active_mb, p->limits.active_fatal, active, out);
    print_limit(p->limits.inactive_mb, p->limits.inactive_fatal, !active, out);
    print_listens(p->notes, out);
    print_heard(p, out);
    fputc('\n', out);
}

static void print_kills(const struct jetsam_log *l, FILE *out)
{
    if (l->nkills == 0) {
        fprintf(out, "no kills so far\n");
        return;
    }
    fprintf(out, "kills so far:\n");
    for (size_t i = 0; i < l->nkills; i++) {
        const struct jetsam_record *k = &l->kills[i];
        fprintf(out, "  #%llu", (unsigned long long)k->kill.seq);
        fprintf(out, " at icount %llu", (unsigned long long)k->icount);
        fprintf(out, ": ");
        print_kill_text(k, out);
        if (k->report)
            fprintf(out, "; report %s", k->report);
        fputc('\n', out);
    }
}

static void print_table(struct repl *r, const struct memorystatus *ms, FILE *out)
{
    size_t n = memorystatus_count(ms);
    fprintf(out, "Jetsam: level %s; %zu process%s in kill order (lowest band first, each band "
            "in its list's order)\n", memorystatus_level_name(memorystatus_level(ms)), n,
            n == 1 ? "" : "es");
    if (n == 0)
        fprintf(out, "  %s\n", memorystatus_last_vm(ms)->total_pages ? "(no live process)"
                : "(none yet: tasks join the table at Jetsam's first evaluation, once the "
                  "program runs)");
    else
        fprintf(out, "  %-6s %-16s %-26s %-24s %10s %-15s %-15s %-13s %s\n", "PID", "NAME", "BAND",
                "STATES", "FOOTPRINT", "ACTIVE LIMIT", "INACTIVE LIMIT", "LISTENS", "NOTES SENT");
    for (size_t i = 0; i < n; i++)
        print_proc(memorystatus_proc_at(ms, i), out);
    if (n)
        fprintf(out, "  (* the limit in force; footprints as of the last evaluation)\n");
    print_kills(repl_jetsam_log(r), out);
}

/* --- subcommands ----------------------------------------------------------------------------- */

static bool pid_arg(const char *s, int *pid, FILE *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v <= 0 || v > 0x7fffffff) {
        fprintf(out, "'%s' is not a pid\n", s);
        return false;
    }
    *pid = (int)v;
    return true;
}

static void say_no_task(int pid, FILE *out)
{
    fprintf(out, "no live task %d (see `jetsam` or `tasks`)\n", pid);
}

static void jetsam_band(struct repl *r, int argc, char **argv, FILE *out)
{
    int pid, band;
    char label[48];
    if (argc != 3) {
        fprintf(out, "usage: jetsam band PID BAND\n");
        return;
    }
    if (!pid_arg(argv[1], &pid, out))
        return;
    if (memorystatus_band_parse(argv[2], &band) < 0) {
        fprintf(out, "'%s' is not a band: 0-210 or a name (idle, background, mail, foreground, "
                "home, critical, ...)\n", argv[2]);
        return;
    }
    const struct emu_jetsam_props *cur = emu_jetsam_props(repl_emu(r), pid);
    struct emu_jetsam_props p = cur ? *cur : (struct emu_jetsam_props){ 0 };
    p.band = band;
    if (!cur || emu_jetsam_set_props(repl_emu(r), pid, &p) < 0) {
        say_no_task(pid, out);
        return;
    }
    fprintf(out, "task %d: band %s, at the tail of its list; Jetsam evaluates before the "
            "program runs on\n", pid, band_label(band, label, sizeof label));
}

static unsigned state_named(const char *s)
{
    return !strcmp(s, "frontmost") ? MEMORYSTATUS_STATE_FRONTMOST
         : !strcmp(s, "suspended") ? MEMORYSTATUS_STATE_SUSPENDED
         : !strcmp(s, "idle") ? MEMORYSTATUS_STATE_IDLE : 0;
}

static void jetsam_state(struct repl *r, int argc, char **argv, FILE *out)
{
    int pid;
    unsigned states = 0;
    char text[40];
    if (argc < 3) {
        fprintf(out, "usage: jetsam state PID frontmost|suspended|idle... | none\n");
        return;
    }
    if (!pid_arg(argv[1], &pid, out))
        return;
    for (int i = 2; i < argc; i++) {
        unsigned s = state_named(argv[i]);
        if (!s && (strcmp(argv[i], "none") || argc > 3)) {
            fprintf(out, "unknown state '%s' (frontmost, suspended, idle; or none alone)\n",
                    argv[i]);
            return;
        }
        states |= s;
    }
    if (emu_jetsam_set_state(repl_emu(r), pid, states) < 0) {
        say_no_task(pid, out);
        return;
    }
    fprintf(out, "task %d: states %s; Jetsam evaluates before the program runs on\n", pid,
            states_text(states, text, sizeof text));
}

static void jetsam_eval(struct repl *r, FILE *out)
{
    struct jetsam_log *l = repl_jetsam_log(r);
    jetsam_log_mark(l);
    emu_jetsam_evaluate(repl_emu(r));
    if (l->seq == l->mark)
        fprintf(out, "evaluated: nothing changed (level %s)\n",
                memorystatus_level_name(memorystatus_level(emu_jetsam_table(repl_emu(r)))));
    else
        jetsam_log_print_new(l, out);
}

void cmd_jetsam(struct repl *r, int argc, char **argv, FILE *out)
{
    const struct memorystatus *ms = table_or_say(repl_emu(r), out);
    if (!ms)
        return;
    if (argc == 1)
        print_table(r, ms, out);
    else if (!strcmp(argv[1], "band"))
        jetsam_band(r, argc - 1, argv + 1, out);
    else if (!strcmp(argv[1], "state"))
        jetsam_state(r, argc - 1, argv + 1, out);
    else if (!strcmp(argv[1], "eval") && argc == 2)
        jetsam_eval(r, out);
    else
        fprintf(out, "usage: jetsam [band PID BAND | state PID STATE... | eval]\n");
}
