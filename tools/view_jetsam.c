/* tools/view_jetsam.c — the viewer's side of Jetsam: its events in the event log (and
 * the script's waits for them), a kill's frames flashing as they are given back, and
 * the task panel with each task's band and its footprint against its limit. */
#include <string.h>
#include "tools/view_ui.h"

#define TITLE_RGB 0xffffff
#define TEXT_RGB  0xc8c8c8
#define DIM_RGB   0x8c8c96

static double mb(uint64_t pages) { return (double)(pages * PAGE_SIZE) / (1 << 20); }

/* --- events ------------------------------------------------------------------------ */

static bool waited_for(const struct view_wait *w, const struct emu_jetsam_event *ev)
{
    return w->active && !w->hit && ev->kind == w->kind &&
           (ev->kind != EMU_JETSAM_LEVEL || w->any_level || ev->to == w->level);
}

/* Called before the victim's memory goes: its frames flash in the kill's colour. */
static void mark_victim(struct view *v, int pid)
{
    struct view_kill *k = &v->last_kill;
    *k = (struct view_kill){ .pid = pid };
    inspect_frame_states(v->emu, v->frames, v->nframes);
    for (uint32_t pfn = 0; pfn < v->nframes; pfn++) {
        if (v->frames[pfn].owner != pid)
            continue;
        if (k->frames < sizeof k->first / sizeof *k->first)
            k->first[k->frames] = pfn;
        k->frames++;
        view_flash_add(&v->flashes, pfn, VIEW_FLASH_KILL);
    }
}

const char *view_task_name(const struct view *v, int pid, const char *own)
{
    const char *name = v->driver && v->driver->name ? v->driver->name(v->driver->ctx, pid) : NULL;
    return name ? name : own;
}

static void on_jetsam(void *ctx, const struct emu_jetsam_event *event)
{
    struct view *v = ctx;
    struct emu_jetsam_event named = *event;
    const struct emu_jetsam_event *ev = &named;
    named.name = view_task_name(v, event->pid, event->name);
    view_log_jetsam(&v->log, ev, (uint32_t)PAGE_SIZE);
    view_log_jetsam(&v->jlog, ev, (uint32_t)PAGE_SIZE);
    view_timeline_mark(v, ev->kind);
    if (ev->kind == EMU_JETSAM_LEVEL)
        view_timeline_sample(v, ev->vm, view_pressure_of(ev->to));
    if (ev->vm && ev->vm->compressor_pages > v->story.peak_compressed)
        v->story.peak_compressed = ev->vm->compressor_pages;
    if (ev->kind == EMU_JETSAM_KILL) {
        mark_victim(v, ev->pid);
        size_t used = strlen(v->story.victims);
        snprintf(v->story.victims + used, sizeof v->story.victims - used, "%s%s (pid %d): %s",
                 v->story.kills ? "; " : "", named.name ? named.name : "?", ev->pid,
                 memorystatus_cause_name(ev->kill->cause));
        v->story.kills++;
    }
    if (v->running && (v->pause_on & (1u << ev->kind))) {
        v->running = false;        /* --pause-on: stop right after the evaluation */
        v->paused_by_jetsam = true;
        snprintf(v->pause_text, sizeof v->pause_text, "%s", view_log_recent(&v->jlog, 0)->text);
        view_log_add(&v->log, 0xffffff, "paused (--pause-on): space runs on");
        dbg_interrupt(v->emu);
    }
    if (!waited_for(&v->wait, ev))
        return;
    v->wait.hit = true;
    v->wait.icount = ev->icount;
    v->wait.kill = v->last_kill;
    snprintf(v->wait.text, sizeof v->wait.text, "%s", view_log_recent(&v->log, 0)->text);
    dbg_interrupt(v->emu);         /* the resume stops at the next instruction */
}

void view_jetsam_listen(struct view *v, bool on)
{
    if (on)
        emu_jetsam_add_listener(v->emu, on_jetsam, v);
    else
        emu_jetsam_remove_listener(v->emu, on_jetsam, v);
}

bool view_until_jetsam(struct view *v, enum emu_jetsam_event_kind kind,
                       enum memorystatus_level level)
{
    v->wait = (struct view_wait){ .active = true, .kind = kind, .level = level };
    struct dbg_event ev;
    while (!v->wait.hit && view_resume(v, 0, 0, &ev) != DBG_STOP_EXIT)
        ;
    v->wait.active = false;
    return v->wait.hit;
}

bool view_until_level_change(struct view *v)
{
    v->wait = (struct view_wait){ .active = true, .kind = EMU_JETSAM_LEVEL, .any_level = true };
    struct dbg_event ev;
    while (!v->wait.hit && view_resume(v, 0, 0, &ev) != DBG_STOP_EXIT)
        ;
    v->wait.active = false;
    return v->wait.hit;
}

void view_jetsam_summary(struct view *v)
{
    if (!emu_jetsam_table(v->emu))
        return;
    if (v->vm.compressor_pages > v->story.peak_compressed)
        v->story.peak_compressed = v->vm.compressor_pages;
    char peak[64];
    snprintf(peak, sizeof peak, "peak compressor %llu pages (%.1f MB)",
             (unsigned long long)v->story.peak_compressed, mb(v->story.peak_compressed));
    for (struct view_log *l = &v->log; l; l = l == &v->log ? &v->jlog : NULL) {
        if (v->story.kills)
            view_log_add(l, VIEW_RGB_KILL, "end: %d killed: %s; %s", v->story.kills,
                         v->story.victims, peak);
        else
            view_log_add(l, 0xffffff, "end: nobody killed; %s", peak);
    }
}

/* The process Jetsam's table has for pid, NULL if none (no Jetsam, or not in it yet). */
static const struct memorystatus_proc *view_jetsam_proc(const struct view *v, int pid)
{
    const struct memorystatus *ms = emu_jetsam_table(v->emu);
    return ms ? memorystatus_find(ms, pid) : NULL;
}

/* --- the task panel ---------------------------------------------------------------- */


int view_live_tasks(const struct view *v)
{
    int n = 0;
    for (int i = 0; i < v->ntasks; i++)
        n += v->mem_ok[i];
    return n;
}

int view_task_row_height(const struct view *v)
{
    return 2 * v->font.h + 14;
}

static void jetsam_line(struct view *v, int pid, char *line)
{
    const struct memorystatus_proc *p = view_jetsam_proc(v, pid);
    char band[32], limit[40];
    if (!emu_jetsam_table(v->emu)) {
        snprintf(line, 100, "  no Jetsam (--no-jetsam): no band, no limit");
        return;
    }
    if (!p) {
        snprintf(line, 100, "  not in Jetsam's table yet");
        return;
    }
    view_band_text(band, sizeof band, p->band);
    view_limit_text(limit, sizeof limit, p);
    snprintf(line, 100, "  band %s, %s", band, limit);
}

int view_task_lines(struct view *v, int i, char lines[][100])
{
    const struct inspect_task *t = &v->tasks[i];
    const struct inspect_task_memory *m = &v->mem[i];
    char comp[24] = "n/a";
    if (m->compressed >= 0)
        snprintf(comp, sizeof comp, "%.1fM", mb((uint64_t)m->compressed));
    snprintf(lines[0], 100, "%d %-12.12s res %.1fM foot %.1fM compr %s", t->pid,
             view_task_name(v, t->pid, t->name),
             mb(m->usage.resident), mb(m->usage.footprint), comp);
    jetsam_line(v, t->pid, lines[1]);
    return 2;
}

/* x of `part` of `whole` along the bar (part <= whole). */
static int bar_x(const SDL_Rect *bar, double part, double whole)
{
    return bar->x + (int)(part / whole * bar->w + 0.5);
}

/* The footprint against all RAM, its compressed part at its end; past the limit, the
 * limit's colour. */
static void footprint_bar(struct view *v, const struct inspect_task_memory *m, const SDL_Rect *bar,
                          double limit_pages, uint32_t limit_rgb)
{
    double all = v->nframes, fp = m->usage.footprint < all ? m->usage.footprint : all;
    double comp = m->compressed < fp ? (double)m->compressed : fp;
    ui_bar(v, bar, fp / all, view_class_rgb(VC_INACTIVE_ANON));
    int end = bar_x(bar, fp, all), w = (int)(comp / all * bar->w + 0.5);
    SDL_Rect part = { end - w, bar->y, w, bar->h };
    if (part.w > 0)
        ui_fill(v, &part, view_class_rgb(VC_COMPRESSOR));
    if (limit_pages > 0 && fp > limit_pages && limit_pages < all) {
        int from = bar_x(bar, limit_pages, all);
        SDL_Rect over = { from, bar->y, end - from, bar->h };
        ui_fill(v, &over, limit_rgb);
    }
}

/* The limit as a tick across the footprint bar; its x, or -1 if it is past all RAM. */
static int limit_tick(struct view *v, const SDL_Rect *bar, double limit_pages, uint32_t rgb)
{
    if (limit_pages <= 0 || limit_pages > v->nframes)
        return -1;
    int x = bar_x(bar, limit_pages, v->nframes);
    SDL_Rect t = { x, bar->y - 3, 2, bar->h + 6 };
    ui_fill(v, &t, rgb);
    return x;
}

static void draw_task(struct view *v, int i, int y)
{
    const SDL_Rect *r = &v->lay.tasks;
    const struct inspect_task *t = &v->tasks[i];
    const struct inspect_task_memory *m = &v->mem[i];
    char lines[2][100];
    view_task_lines(v, i, lines);
    ui_text(v, r->x, y, r->w, v->colouring == VIEW_BY_OWNER ? view_owner_rgb(t->pid) : TEXT_RGB,
            "%s", lines[0]);
    ui_text(v, r->x, y + v->font.h, r->w, DIM_RGB, "%s", lines[1]);
    int by = y + 2 * v->font.h + 1;
    SDL_Rect res = { r->x, by, r->w, 3 };
    ui_bar(v, &res, (double)m->usage.resident / v->nframes, view_class_rgb(VC_ACTIVE_ANON));
    const struct memorystatus_proc *p = view_jetsam_proc(v, t->pid);
    bool fatal = false;
    double limit = p ? (double)view_proc_limit(p, &fatal) * (1 << 20) / PAGE_SIZE : 0;
    uint32_t rgb = fatal ? VIEW_RGB_LIMIT_FATAL : VIEW_RGB_LIMIT_SOFT;
    SDL_Rect foot = { r->x, by + 5, r->w, 5 };
    footprint_bar(v, m, &foot, limit, rgb);
    int lx = limit_tick(v, &foot, limit, rgb);
    if (v->lay.ntask_bars < VIEW_TASK_ROWS)
        v->lay.task_bars[v->lay.ntask_bars++] = (struct view_task_bar){ t->pid, foot, lx };
}

void view_draw_tasks(struct view *v)
{
    const SDL_Rect *r = &v->lay.tasks;
    int live = view_live_tasks(v);
    ui_text(v, r->x, r->y, r->w, TITLE_RGB, "Tasks: footprint against RAM, limit marked (%d%s)",
            live, live > v->lay.task_rows ? ", not all shown" : "");
    int y = r->y + v->font.h + 4, shown = 0;
    v->lay.ntask_bars = 0;
    for (int i = 0; i < v->ntasks && shown < v->lay.task_rows; i++) {
        if (!v->mem_ok[i])
            continue;
        draw_task(v, i, y);
        y += view_task_row_height(v);
        shown++;
    }
}
