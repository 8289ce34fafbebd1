/* tools/view_script.c — --view-script FILE: commands that drive the viewer
 * deterministically (every stop is an instruction count, a fault or a frame's
 * state, never a time), for tests and for reproducible pictures. Each command is
 * echoed as "view> LINE"; what it reports comes on lines starting "view: ". */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "tools/textin.h"
#include "tools/view_ui.h"

#define MAX_ARGS 8

struct script {
    struct view *v;
    const char *path;
    int line;
};

static int bad(const struct script *s, const char *fmt, const char *arg)
{
    printf("view: %s:%d: ", s->path, s->line);
    printf(fmt, arg);
    printf("\n");
    return 2;
}

static bool number(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return *s && !*end && !errno;
}

/* "zero-fill", "cow", ... (dbg_fault_class names) -> mask; 0 if one is unknown. */
static unsigned fault_mask(char *const *names, int n)
{
    unsigned mask = 0;
    for (int i = 0; i < n; i++) {
        unsigned m = dbg_fault_class(names[i]);
        if (!m)
            return 0;
        mask |= m;
    }
    return mask;
}

static void print_fault(const struct dbg_event *ev)
{
    if (!ev->nfaults)
        return;
    const struct vm_fault_event *f = &ev->faults[ev->nfaults - 1].ev;
    printf("view: fault task=%d va=0x%llx kind=%s object=%u offset=0x%llx pfn=%d\n", f->task,
           (unsigned long long)f->va, vm_fault_kind_name(f->kind), f->object,
           (unsigned long long)f->offset, f->pfn == PFN_NONE ? -1 : (int)f->pfn);
}

static void print_end(struct view *v)
{
    printf("view: the run is over, status %d\n", v->exit_status);
}

/* --- running --------------------------------------------------------------------- */

static int cmd_run(struct script *s, char **a, int n)
{
    uint64_t steps;
    struct dbg_event ev;
    if (n != 2 || !number(a[1], &steps) || !steps)
        return bad(s, "%s: want run N (instructions, N > 0)", a[0]);
    if (view_resume(s->v, steps, 0, &ev) == DBG_STOP_EXIT)
        print_end(s->v);
    return 0;
}

static int cmd_continue(struct script *s, char **a, int n)
{
    struct dbg_event ev;
    if (n != 1)
        return bad(s, "%s takes no arguments", a[0]);
    while (view_resume(s->v, 0, 0, &ev) != DBG_STOP_EXIT)
        ;
    print_end(s->v);
    return 0;
}

static int cmd_nextfault(struct script *s, char **a, int n)
{
    static char *const vm_faults[] = { "zero-fill", "soft", "pagein", "cow", "decompress" };
    unsigned mask = n > 1 ? fault_mask(a + 1, n - 1) : fault_mask(vm_faults, 5);
    struct dbg_event ev;
    if (!mask)
        return bad(s, "%s: unknown fault kind; the kinds: " DBG_FAULT_CLASS_NAMES, a[0]);
    if (view_resume(s->v, 0, mask, &ev) == DBG_STOP_EXIT)
        print_end(s->v);
    else
        print_fault(&ev);
    return 0;
}

static int cmd_until_fault(struct script *s, char **a, int n)
{
    uint64_t va;
    unsigned mask = n == 3 ? fault_mask(a + 1, 1) : 0;
    if (!mask || !number(a[2], &va))
        return bad(s, "%s: want until-fault KIND VA", a[0]);
    int id = dbg_break_fault(s->v->emu, mask, trunc_page(va), trunc_page(va) + PAGE_SIZE);
    struct dbg_event ev;
    enum dbg_stop why;
    while ((why = view_resume(s->v, 0, 0, &ev)) != DBG_STOP_EXIT &&
           !(why == DBG_STOP_FAULT && ev.breakpoint == id))
        ;
    dbg_break_delete(s->v->emu, id);
    if (why == DBG_STOP_EXIT)
        return bad(s, "%s: the run ended before that fault", a[0]);
    print_fault(&ev);
    return 0;
}

static bool frame_is(struct view *v, pfn_t pfn, int cls)
{
    struct inspect_frame_state fs;
    return inspect_frame_state(v->emu, pfn, &fs) == 0 && (int)view_frame_class(&fs) == cls;
}

static int cmd_until_frame(struct script *s, char **a, int n)
{
    uint64_t pfn, max = 1000000, faults = 0;
    int cls = n >= 3 ? view_class_by_key(a[2]) : -1;
    if (n < 3 || n > 4 || !number(a[1], &pfn) || pfn >= s->v->nframes || cls < 0 ||
        (n == 4 && !number(a[3], &max)))
        return bad(s, "%s: want until-frame PFN CLASS [MAX-FAULTS] (CLASS: free, active-anon, "
                      "inactive-anon, inactive-file, throttled, compressor, ...)", a[0]);
    struct dbg_event ev;
    while (!frame_is(s->v, (pfn_t)pfn, cls)) {
        if (faults++ == max || view_resume(s->v, 0, DBG_FAULT_ANY, &ev) == DBG_STOP_EXIT)
            return bad(s, "%s: the frame did not get there", a[0]);
    }
    printf("view: frame %llu is %s after %llu faults\n", (unsigned long long)pfn, a[2],
           (unsigned long long)faults);
    return 0;
}

/* The state of the page at va in the address-space pane's task (0: the running one). */
static enum inspect_mem page_state(struct view *v, uint64_t va)
{
    return inspect_page_state(v->emu, v->as_pid, va);
}

static int cmd_until_page(struct script *s, char **a, int n)
{
    uint64_t va, max = 1000000, faults = 0;
    int want = n >= 3 ? view_page_by_key(a[2]) : -1;
    if (n < 3 || n > 4 || !number(a[1], &va) || want < 0 || (n == 4 && !number(a[3], &max)))
        return bad(s, "%s: want until-page VA STATE [MAX-FAULTS] (STATE: mapped, resident, "
                      "compressed, zero-fill, in-file, past-eof, unmapped)", a[0]);
    struct dbg_event ev;
    while ((int)page_state(s->v, va) != want) {
        if (faults++ == max || view_resume(s->v, 0, DBG_FAULT_ANY, &ev) == DBG_STOP_EXIT)
            return bad(s, "%s: the page did not get there", a[0]);
    }
    printf("view: page 0x%llx is %s after %llu faults\n", (unsigned long long)va, a[2],
           (unsigned long long)faults);
    return 0;
}

/* "view: released N frames: a,b,..." (the first 16). */
static void print_released(const struct view_kill *k)
{
    printf("view: released %u frames of task %d:", k->frames, k->pid);
    for (uint32_t i = 0; i < k->frames && i < sizeof k->first / sizeof *k->first; i++)
        printf("%s%u", i ? "," : " ", k->first[i]);
    printf("\n");
}

/* until-level LEVEL | until-note | until-kill: the next event of Jetsam's of that kind. */
static int cmd_until_jetsam(struct script *s, char **a, int n)
{
    static const char *const levels[] = { "normal", "warning", "critical" };
    int level = -1;
    for (int i = 0; n == 2 && i < 3; i++)
        if (!strcmp(a[1], levels[i]))
            level = i;
    bool want_level = !strcmp(a[0], "until-level");
    if (want_level ? level < 0 : n != 1)
        return bad(s, "%s: want until-level normal|warning|critical, until-note or until-kill", a[0]);
    if (!emu_jetsam_table(s->v->emu))
        return bad(s, "%s: no Jetsam on this machine (--no-jetsam)", a[0]);
    enum emu_jetsam_event_kind kind = want_level ? EMU_JETSAM_LEVEL
                                      : !strcmp(a[0], "until-note") ? EMU_JETSAM_NOTE
                                                                    : EMU_JETSAM_KILL;
    if (!view_until_jetsam(s->v, kind, (enum memorystatus_level)(level < 0 ? 0 : level)))
        return bad(s, "%s: the run ended first", a[0]);
    printf("view: at %llu: %s\n", (unsigned long long)s->v->wait.icount, s->v->wait.text);
    if (kind == EMU_JETSAM_KILL)
        print_released(&s->v->wait.kill);
    return 0;
}

/* --- looking ------------------------------------------------------------------------ */

static int cmd_page(struct script *s, char **a, int n)
{
    uint64_t va;
    if (n != 2 || !number(a[1], &va))
        return bad(s, "%s: want page VA", a[0]);
    printf("view: page 0x%llx %s\n", (unsigned long long)va, view_page_key(page_state(s->v, va)));
    return 0;
}

static int cmd_frames(struct script *s, char **a, int n)
{
    int cls = n == 2 ? view_class_by_key(a[1]) : -1;
    if (cls < 0)
        return bad(s, "%s: want frames CLASS (free, active-anon, compressor, ...)", a[0]);
    struct view *v = s->v;
    view_sample(v);
    long first = -1;
    for (uint32_t pfn = 0; pfn < v->nframes && first < 0; pfn++)
        if ((int)view_frame_class(&v->frames[pfn]) == cls)
            first = pfn;
    printf("view: frames %s=%u first=%ld\n", a[1], v->class_count[cls], first);
    return 0;
}

static int cmd_log(struct script *s, char **a, int n)
{
    uint64_t want = 20;
    bool jetsam = !strcmp(a[0], "jetsam-log");
    if (n > 2 || (n == 2 && (!number(a[1], &want) || !want)))
        return bad(s, "%s: want log [N] or jetsam-log [N] (the newest N lines, default 20)", a[0]);
    const struct view_log *l = jetsam ? &s->v->jlog : &s->v->log;
    unsigned k = 0;
    while (k < want && view_log_recent(l, k))
        k++;
    while (k-- > 0)
        printf("view: %s %s\n", jetsam ? "jetsam-log" : "log", view_log_recent(l, k)->text);
    return 0;
}

/* As the window runs when nobody presses a key: slices at the current speed, redrawn,
 * until the end or a pause (--pause-on). */
static int cmd_play(struct script *s, char **a, int n)
{
    struct view *v = s->v;
    if (n != 1)
        return bad(s, "%s takes no arguments", a[0]);
    v->running = !v->exited;
    v->paused_by_jetsam = false;
    while (v->running && !v->exited) {
        struct dbg_event ev;
        view_resume(v, view_speed_steps(v->speed), 0, &ev);
    }
    v->running = false;
    if (v->paused_by_jetsam)
        printf("view: paused at %llu: %s\n", (unsigned long long)emu_icount(v->emu),
               v->pause_text);
    else
        printf("view: the run is over\n");
    return 0;
}

static int cmd_tasks(struct script *s, char **a, int n)
{
    struct view *v = s->v;
    if (n != 1)
        return bad(s, "%s takes no arguments", a[0]);
    view_sample(v);
    for (int i = 0; i < v->ntasks; i++) {
        char lines[2][100];
        if (!v->mem_ok[i])
            continue;
        view_task_lines(v, i, lines);
        printf("view: %s\nview: %s\n", lines[0], lines[1]);
    }
    return 0;
}

/* The frames owned by a task (the owner colouring's owner) and the first 16 of them. */
static int cmd_owned(struct script *s, char **a, int n)
{
    uint64_t pid;
    if (n != 2 || !number(a[1], &pid) || !pid || pid > INT32_MAX)
        return bad(s, "%s: want owned PID", a[0]);
    struct view *v = s->v;
    view_sample(v);
    uint32_t count = 0;
    char list[16 * 12] = "";
    for (uint32_t pfn = 0; pfn < v->nframes; pfn++) {
        if (v->frames[pfn].owner != (int32_t)pid)
            continue;
        if (count++ < 16)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%u", count > 1 ? "," : "",
                     pfn);
    }
    printf("view: owned %llu frames=%u first=%s\n", (unsigned long long)pid, count,
           count ? list : "none");
    return 0;
}

static int cmd_snapshot(struct script *s, char **a, int n)
{
    if (n != 2)
        return bad(s, "%s: want snapshot FILE.png", a[0]);
    if (view_snapshot(s->v, a[1]) < 0)
        return 2;
    printf("view: wrote %s\n", a[1]);
    return 0;
}

static void print_rect(const char *name, const SDL_Rect *r)
{
    printf("view: %s x=%d y=%d w=%d h=%d\n", name, r->x, r->y, r->w, r->h);
}

static int cmd_layout(struct script *s, char **a, int n)
{
    struct view *v = s->v;
    if (n != 1)
        return bad(s, "%s takes no arguments", a[0]);
    view_sample(v);
    view_draw(v);                  /* places the gauges */
    const struct view_grid *g = &v->lay.grid;
    printf("view: grid x=%d y=%d cell=%d gap=%d cols=%d rows=%d per_cell=%u frames=%u first_row=%d "
           "total_rows=%d zoom=%d\n", g->x, g->y, g->cell, g->gap, g->cols, g->rows, g->per_cell,
           g->nframes, g->first_row, g->total_rows, v->zoom);
    print_rect("pressure-swatch", &v->lay.pressure_swatch);
    print_rect("available-gauge", &v->lay.avail_gauge);
    print_rect("free-gauge", &v->lay.free_gauge);
    print_rect("memory-bar", &v->lay.memory_bar);
    print_rect("compressor-bar", &v->lay.compressor_bar);
    print_rect("log-panel", &v->lay.log);
    print_rect("jetsam-log-panel", &v->lay.jlog);
    print_rect("timeline", &v->lay.timeline);
    for (int i = 0; i < v->timeline.nmarks; i++)
        printf("view: timeline-mark %s at=%llu x=%d\n",
               v->timeline.marks[i].kind == EMU_JETSAM_KILL ? "kill"
               : v->timeline.marks[i].kind == EMU_JETSAM_NOTE ? "note" : "level",
               (unsigned long long)v->timeline.marks[i].icount,
               view_timeline_x(v, v->timeline.marks[i].icount));
    print_rect("legend", &v->lay.legend);
    printf("view: legend-used bottom=%d\n", v->lay.legend_bottom);
    if (v->help) {
        print_rect("help-box", &v->lay.help);
        printf("view: help-text x=%d w=%d\n", v->lay.help.x + 2 * v->font.w, v->lay.help_text_w);
    }
    for (int i = 0; i < v->lay.ntask_bars; i++) {
        const struct view_task_bar *b = &v->lay.task_bars[i];
        printf("view: task-bar %d x=%d y=%d w=%d h=%d limit=%d\n", b->pid, b->foot.x, b->foot.y,
               b->foot.w, b->foot.h, b->limit_x);
    }
    for (int i = 0; v->pane == VIEW_PANE_ADDRESS && i < v->nstrips; i++) {
        char name[64];
        snprintf(name, sizeof name, "strip 0x%llx-0x%llx", (unsigned long long)v->strips[i].start,
                 (unsigned long long)v->strips[i].end);
        print_rect(name, &v->strips[i].r);
        printf("view: %s label %s\n", name, v->strips[i].label_whole ? "whole" : "cut");
    }
    return 0;
}

static int cmd_frame(struct script *s, char **a, int n)
{
    uint64_t pfn;
    if (n != 2 || !number(a[1], &pfn) || pfn >= s->v->nframes)
        return bad(s, "%s: want frame PFN (a frame of guest RAM)", a[0]);
    view_sample(s->v);
    char lines[12][100];
    int k = view_frame_lines(s->v, (pfn_t)pfn, lines, 12);
    for (int i = 0; i < k; i++)
        printf("view: %s\n", lines[i]);
    return 0;
}

static int cmd_counters(struct script *s, char **a, int n)
{
    struct view *v = s->v;
    if (n != 1)
        return bad(s, "%s takes no arguments", a[0]);
    view_sample(v);
    const struct vm_page_counts *c = &v->vm.pages;
    const struct inspect_vm *vm = &v->vm;
    printf("view: counters total=%u free=%u active=%u inactive=%u speculative=%u throttled=%u "
           "wired=%u free_min=%u free_target=%u compressor=%s compressed=%llu "
           "compressor_frames=%u compressions=%llu decompressions=%llu low_on_space=%d "
           "level=%s level_from=%s non_compressed=%llu available=%llu\n", c->total, c->free,
           c->active, c->inactive, c->speculative, c->throttled, c->wired, vm->targets.free_min,
           vm->targets.free_target, vm->compressor ? "yes" : "none",
           (unsigned long long)vm->compressor_pages, vm->compressor_frames,
           (unsigned long long)vm->compressions, (unsigned long long)vm->decompressions,
           vm->low_on_space, view_pressure_name(v->pressure), v->jetsam_level ? "jetsam" : "viewer",
           (unsigned long long)v->gauge.non_compressed, (unsigned long long)v->gauge.available);
    return 0;
}

/* --- steering ------------------------------------------------------------------------- */

static int cmd_select(struct script *s, char **a, int n)
{
    uint64_t pfn;
    if (n == 2 && !strcmp(a[1], "none")) {
        s->v->selected = PFN_NONE;
        return 0;
    }
    if (n != 2 || !number(a[1], &pfn) || pfn >= s->v->nframes)
        return bad(s, "%s: want select PFN|none", a[0]);
    s->v->selected = (pfn_t)pfn;
    return 0;
}

static int cmd_mouse(struct script *s, char **a, int n)
{
    uint64_t x, y;
    if (n != 3 || !number(a[1], &x) || !number(a[2], &y) || x > 1 << 20 || y > 1 << 20)
        return bad(s, "%s: want hover|click X Y", a[0]);
    view_sample(s->v);
    view_compute_layout(s->v);
    view_mouse(s->v, (int)x, (int)y, !strcmp(a[0], "click"));
    return 0;
}

_Static_assert(VIEW_MAX_ZOOM == 5, "zoom's message names the levels");

/* zoom N: the grid's zoom level (0: every frame at once, 1: the size chosen from the RAM) */
static int cmd_zoom(struct script *s, char **a, int n)
{
    uint64_t z;
    if (n != 2 || !number(a[1], &z) || z > VIEW_MAX_ZOOM)
        return bad(s, "%s: want zoom N (0 .. 5)", a[0]);
    view_zoom(s->v, (int)z);
    return 0;
}

/* scroll ROWS: the grid down (up if negative) */
static int cmd_scroll(struct script *s, char **a, int n)
{
    char *end;
    long rows = n == 2 ? strtol(a[1], &end, 10) : 0;
    if (n != 2 || *end || !*a[1])
        return bad(s, "%s: want scroll ROWS (negative: up)", a[0]);
    view_scroll_grid(s->v, (int)rows);
    return 0;
}

static int cmd_key(struct script *s, char **a, int n)
{
    SDL_Keycode k = n == 2 ? SDL_GetKeyFromName(a[1]) : SDLK_UNKNOWN;
    if (k == SDLK_UNKNOWN)
        return bad(s, "%s: want key NAME (an SDL key name: space, c, Tab, ...)", a[0]);
    view_key(s->v, k);
    return 0;
}

static int cmd_colour(struct script *s, char **a, int n)
{
    if (n == 2 && !strcmp(a[1], "state"))
        s->v->colouring = VIEW_BY_STATE;
    else if (n == 2 && !strcmp(a[1], "owner"))
        s->v->colouring = VIEW_BY_OWNER;
    else
        return bad(s, "%s: want colour state|owner", a[0]);
    return 0;
}

static int cmd_pane(struct script *s, char **a, int n)
{
    uint64_t pid = 0;
    if (n == 2 && !strcmp(a[1], "physical")) {
        s->v->pane = VIEW_PANE_PHYSICAL;
        return 0;
    }
    if (n < 2 || n > 3 || strcmp(a[1], "address") || (n == 3 && !number(a[2], &pid)))
        return bad(s, "%s: want pane physical | pane address [PID]", a[0]);
    s->v->pane = VIEW_PANE_ADDRESS;
    s->v->as_pid = (int)pid;
    s->v->as_scroll = 0;
    return 0;
}

static int cmd_quit(struct script *s, char **a, int n)
{
    (void)a;
    (void)n;
    s->v->quit = true;
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(struct script *s, char **a, int n);
} commands[] = {
    { "run", cmd_run }, { "continue", cmd_continue }, { "nextfault", cmd_nextfault },
    { "until-fault", cmd_until_fault }, { "until-frame", cmd_until_frame },
    { "until-page", cmd_until_page }, { "snapshot", cmd_snapshot }, { "layout", cmd_layout },
    { "frame", cmd_frame }, { "page", cmd_page }, { "frames", cmd_frames },
    { "counters", cmd_counters }, { "until-level", cmd_until_jetsam },
    { "until-note", cmd_until_jetsam }, { "until-kill", cmd_until_jetsam }, { "log", cmd_log },
    { "jetsam-log", cmd_log }, { "play", cmd_play },
    { "tasks", cmd_tasks }, { "owned", cmd_owned }, { "select", cmd_select }, { "hover", cmd_mouse },
    { "click", cmd_mouse }, { "key", cmd_key }, { "colour", cmd_colour }, { "pane", cmd_pane },
    { "quit", cmd_quit }, { "zoom", cmd_zoom }, { "scroll", cmd_scroll },
};

static int exec_line(struct script *s, char *line)
{
    char *a[MAX_ARGS];
    int n = 0;
    for (char *w = strtok(line, " \t\r\n"); w && n < MAX_ARGS; w = strtok(NULL, " \t\r\n"))
        a[n++] = w;
    if (!n || a[0][0] == '#')
        return 0;
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(a[0], commands[i].name))
            return commands[i].fn(s, a, n);
    return bad(s, "unknown command '%s' (see docs/viewer.md)", a[0]);
}

int view_script(struct view *v, const char *path)
{
    char err[PATH_MAX + 64], line[TEXTIN_LINE_MAX + 2];
    FILE *f = textin_open(path, err, sizeof err);
    if (!f) {
        fprintf(stderr, "machemu: %s\n", err);
        return 2;
    }
    struct script s = { v, path, 0 };
    int rc = 0, got = 0;
    while (!rc && !v->quit && (got = textin_line(f, line, err, sizeof err)) > 0) {
        s.line++;
        line[strcspn(line, "\r\n")] = 0;
        if (line[strspn(line, " \t")] && line[strspn(line, " \t")] != '#')
            printf("view> %s\n", line + strspn(line, " \t"));
        rc = exec_line(&s, line);
        fflush(stdout);
    }
    if (got < 0) {
        s.line++;
        rc = bad(&s, "%s", err);
    }
    fclose(f);
    return rc;
}
