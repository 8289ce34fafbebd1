/* tools/view.c — the viewer's window, run control and input.
 *
 * The guest runs in slices of instructions through dbg_resume (a debugger's resume
 * never changes what the guest does); between slices the machine is sampled and
 * drawn. Faults reach the viewer through the debugger's fault observer, which only
 * records them (flash and log line). Headless (SDL_VIDEODRIVER=dummy or offscreen)
 * the software renderer draws, so snapshots are the same pixels on every machine
 * with the same font. */
#include <SDL_image.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emu/hostout.h"
#include "tools/repl.h"
#include "tools/view_ui.h"

#define NEXT_FAULT_VM (DBG_FAULT_KIND(VM_FAULT_ZERO_FILL) | DBG_FAULT_KIND(VM_FAULT_SOFT) | \
                       DBG_FAULT_KIND(VM_FAULT_PAGEIN) | DBG_FAULT_KIND(VM_FAULT_COW) | \
                       DBG_FAULT_KIND(VM_FAULT_DECOMPRESS))

static int level_now(struct view *v)
{
    const struct memorystatus *ms = emu_jetsam_table(v->emu);
    return (int)(ms ? view_pressure_of(memorystatus_level(ms)) : v->pressure);
}

static void on_fault(void *ctx, const struct vm_fault_event *ev)
{
    struct view *v = ctx;
    v->faults++;
    view_timeline_sample(v, NULL, level_now(v));   /* the lane's lines move with faults */
    if (ev->pfn != PFN_NONE)
        view_flash_add(&v->flashes, ev->pfn, ev->kind);
    view_log_fault(&v->log, ev);
}

/* --- sampling ------------------------------------------------------------------ */

static void sample_tlb(struct view *v)
{
    const struct tlb_stats *s = &inspect_tlb(v->emu)->stats;
    uint64_t dh = s->hits - v->tlb_hits, dm = s->misses - v->tlb_misses;
    v->tlb_recent = dh + dm ? (double)dh / (double)(dh + dm) : -1;
    v->tlb_hits = s->hits;
    v->tlb_misses = s->misses;
}

/* The counters the pressure level is computed from, as last sampled. */
static void view_pressure_input(const struct view *v, struct view_pressure_in *in)
{
    const struct vm_page_counts *c = &v->vm.pages;
    *in = (struct view_pressure_in){ .active = c->active, .inactive = c->inactive, .free = c->free,
                                     .speculative = c->speculative,
                                     .compressed = v->vm.compressor_pages,
                                     .compressor_low = v->vm.low_on_space };
}

/* Jetsam's level and the counters it was evaluated on; without Jetsam, the viewer's
 * own reading of the counters as they are now. */
static void sample_pressure(struct view *v)
{
    const struct memorystatus *ms = emu_jetsam_table(v->emu);
    v->jetsam_level = ms != NULL;
    if (ms) {
        view_pressure_gauge_jetsam(memorystatus_last_vm(ms), &v->gauge);
        v->pressure = view_pressure_of(memorystatus_level(ms));
        return;
    }
    struct view_pressure_in in;
    view_pressure_input(v, &in);
    view_pressure_gauge(&in, &v->gauge);
    v->pressure = view_pressure_next(v->pressure, &in);
}

/* Once the run is over its tasks are torn down: the window keeps showing the machine
 * as it was last sampled, before that (with the end's summary line in the logs). */
void view_sample(struct view *v)
{
    if (v->exited)
        return;
    inspect_frame_states(v->emu, v->frames, v->nframes);
    memset(v->class_count, 0, sizeof v->class_count);
    for (uint32_t i = 0; i < v->nframes; i++)
        v->class_count[view_frame_class(&v->frames[i])]++;
    inspect_vm_counters(v->emu, &v->vm);
    int n = inspect_tasks(v->emu, v->tasks, VIEW_MAX_TASKS);
    v->ntasks = n < VIEW_MAX_TASKS ? n : VIEW_MAX_TASKS;
    for (int i = 0; i < v->ntasks; i++) {
        v->mem_ok[i] = inspect_task_memory(v->emu, v->tasks[i].pid, &v->mem[i]) == 0;
        /* the machine's copy goes with the task */
        snprintf(v->task_names[i], sizeof v->task_names[i], "%s", v->tasks[i].name);
        v->tasks[i].name = v->task_names[i];
        v->tasks[i].exe = NULL;
    }
    sample_pressure(v);
    sample_tlb(v);
}

/* --- run control ----------------------------------------------------------------- */

enum dbg_stop view_resume(struct view *v, uint64_t steps, unsigned faults, struct dbg_event *ev)
{
    if (v->exited) {
        ev->why = DBG_STOP_EXIT;
        return ev->why;
    }
    v->flashes.tick++;             /* older flashes fade with every resume */
    if (!v->timeline.n)
        view_timeline_sample(v, NULL, level_now(v));   /* the lane starts at the start */
    dbg_resume(v->emu, steps, faults, ev);
    view_timeline_sample(v, NULL, level_now(v));
    if (ev->why == DBG_STOP_STEP)
        v->steps += steps;
    if (ev->why == DBG_STOP_SIGNAL)
        view_log_add(&v->log, 0xff6060, "task %d gets signal %d at 0x%llx", ev->pid, ev->signo,
                     (unsigned long long)ev->pc);
    if (ev->why == DBG_STOP_EXIT) {
        v->exited = true;
        v->running = false;
        v->exit_status = ev->exit_status;
        view_log_add(&v->log, 0xffffff, "the run is over: task %d, status %d", ev->pid,
                     ev->exit_status);
        view_jetsam_summary(v);
    }
    return ev->why;
}

static void run_slice(struct view *v)
{
    struct dbg_event ev;
    view_resume(v, view_speed_steps(v->speed), 0, &ev);
}

static void next_fault(struct view *v, unsigned mask)
{
    struct dbg_event ev;
    v->running = false;
    view_resume(v, 0, mask, &ev);
}

/* --- input ----------------------------------------------------------------------- */

static void next_task(struct view *v)
{
    view_sample(v);
    int cur = -1;
    for (int i = 0; i < v->ntasks; i++)
        if (v->tasks[i].pid == v->as_pid)
            cur = i;
    for (int k = 1; k <= v->ntasks; k++) {
        const struct inspect_task *t = &v->tasks[(cur + k + v->ntasks) % v->ntasks];
        if (t->asid) {
            v->as_pid = t->pid;
            v->as_scroll = 0;
            return;
        }
    }
}

static int save_png(struct view *v, int fd, const char *shown);

/* Into the current directory, which is often the guest root: a fresh name, nothing
 * the guest left there followed (emu/hostout.h). */
static void snapshot_key(struct view *v)
{
    char name[64], made[NAME_MAX + 1], err[PATH_MAX + 128];
    snprintf(name, sizeof name, "machemu-view-%u.png", ++v->snapshots);
    int dir = hostout_dir(emu_root(v->emu), ".", false, err, sizeof err);
    int fd = dir < 0 ? dir : hostout_create(dir, name, made, sizeof made, err, sizeof err);
    if (dir >= 0)
        close(dir);
    if (fd < 0)
        fprintf(stderr, "machemu: view: %s\n", err);
    else if (save_png(v, fd, made) == 0)
        view_log_add(&v->log, 0xffffff, "wrote %s", made);
}

void view_zoom(struct view *v, int z)
{
    v->zoom = z < 0 ? 0 : z > VIEW_MAX_ZOOM ? VIEW_MAX_ZOOM : z;
    view_compute_layout(v);
}

void view_scroll_grid(struct view *v, int rows)
{
    const struct view_grid *g = &v->lay.grid;
    int64_t row = (int64_t)g->first_row + rows, last = g->total_rows - g->rows;
    row = row > last ? last : row;
    v->grid_top = row > 0 ? (pfn_t)(row * g->cols) : 0;
    view_compute_layout(v);
}

/* Page and arrow keys scroll the pane shown: the grid by rows, the address space by
 * regions. */
static void scroll_key(struct view *v, SDL_Keycode key)
{
    int page = v->lay.grid.rows > 1 ? v->lay.grid.rows - 1 : 1;
    int by = key == SDLK_PAGEDOWN ? page : key == SDLK_PAGEUP ? -page : key == SDLK_DOWN ? 1
           : key == SDLK_UP ? -1 : key == SDLK_HOME ? -(1 << 30) : 1 << 30;
    if (v->pane == VIEW_PANE_PHYSICAL) {
        view_scroll_grid(v, by);
        return;
    }
    by = by == page ? 10 : by == -page ? -10 : by;
    v->as_scroll = by < 0 && -by > v->as_scroll ? 0 : v->as_scroll + by;
    if (v->as_scroll > 1 << 20)
        v->as_scroll = 1 << 20;
}

void view_key(struct view *v, SDL_Keycode key)
{
    switch (key) {
    case SDLK_SPACE: v->running = !v->running && !v->exited; break;
    case SDLK_n: next_fault(v, NEXT_FAULT_VM); break;
    case SDLK_f: next_fault(v, DBG_FAULT_ANY); break;
    case SDLK_l: v->running = false; view_until_level_change(v); break;
    case SDLK_o: v->running = false; view_until_jetsam(v, EMU_JETSAM_NOTE, 0); break;
    case SDLK_k: v->running = false; view_until_jetsam(v, EMU_JETSAM_KILL, 0); break;
    case SDLK_i: {
        struct dbg_event ev;
        v->running = false;
        view_resume(v, 1, 0, &ev);
        break;
    }
    case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS:
        v->speed += v->speed < VIEW_NSPEEDS - 1;
        break;
    case SDLK_MINUS: case SDLK_KP_MINUS: v->speed -= v->speed > 0; break;
    case SDLK_c: v->colouring = v->colouring == VIEW_BY_STATE ? VIEW_BY_OWNER : VIEW_BY_STATE; break;
    case SDLK_a: v->pane = v->pane == VIEW_PANE_PHYSICAL ? VIEW_PANE_ADDRESS : VIEW_PANE_PHYSICAL; break;
    case SDLK_t: case SDLK_TAB: next_task(v); break;
    case SDLK_z: view_zoom(v, v->zoom + ((SDL_GetModState() & KMOD_SHIFT) ? -1 : 1)); break;
    case SDLK_PAGEDOWN: case SDLK_PAGEUP: case SDLK_DOWN: case SDLK_UP: case SDLK_HOME: case SDLK_END:
        scroll_key(v, key);
        break;
    case SDLK_s: snapshot_key(v); break;
    case SDLK_h: case SDLK_QUESTION: case SDLK_F1: v->help = !v->help; break;
    case SDLK_ESCAPE:
        if (v->help)
            v->help = false;
        else
            v->selected = PFN_NONE;
        break;
    case SDLK_q: v->quit = true; break;
    default: break;
    }
}

void view_mouse(struct view *v, int x, int y, bool click)
{
    if (v->pane != VIEW_PANE_PHYSICAL)
        return;
    pfn_t pfn = view_grid_frame_at(&v->lay.grid, x, y);
    v->hover = pfn;
    if (click)
        v->selected = pfn == v->selected ? PFN_NONE : pfn;
}

static void handle_event(struct view *v, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: v->quit = true; break;
    case SDL_KEYDOWN: view_key(v, e->key.keysym.sym); break;
    case SDL_MOUSEMOTION: view_mouse(v, e->motion.x, e->motion.y, false); break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT)
            view_mouse(v, e->button.x, e->button.y, true);
        break;
    case SDL_MOUSEWHEEL:
        if (v->pane == VIEW_PANE_PHYSICAL) {   /* up: closer */
            view_zoom(v, v->zoom + (e->wheel.y > 0) - (e->wheel.y < 0));
            break;
        }
        v->as_scroll -= e->wheel.y * 3;
        if (v->as_scroll < 0)
            v->as_scroll = 0;
        break;
    default: break;
    }
}

/* --- drawing and snapshots -------------------------------------------------------------- */

/* Samples, draws and presents one frame. */
static void view_redraw(struct view *v)
{
    view_sample(v);
    view_draw(v);
    SDL_RenderPresent(v->ren);
}

int view_snapshot(struct view *v, const char *path)
{
    char err[PATH_MAX + 128];
    int fd = hostout_file(emu_root(v->emu), path, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "machemu: view: %s\n", err);
        return -1;
    }
    return save_png(v, fd, path);
}

/* The window as a PNG into fd, which it closes; `shown` names it in messages. */
static int save_png(struct view *v, int fd, const char *shown)
{
    FILE *f = fdopen(fd, "wb");
    SDL_RWops *rw = f ? SDL_RWFromFP(f, SDL_TRUE) : NULL;
    if (!rw && f)
        fclose(f);
    else if (!f)
        close(fd);
    int w, h;
    view_sample(v);
    view_draw(v);
    SDL_GetRendererOutputSize(v->ren, &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_RGB24);
    int rc = -1;
    if (!s || !rw)
        fprintf(stderr, "machemu: view: %s\n", SDL_GetError());
    else if (SDL_RenderReadPixels(v->ren, NULL, SDL_PIXELFORMAT_RGB24, s->pixels, s->pitch) < 0)
        fprintf(stderr, "machemu: view: reading the window: %s\n", SDL_GetError());
    else if (IMG_SavePNG_RW(s, rw, 0) < 0)
        fprintf(stderr, "machemu: view: %s: %s\n", shown, IMG_GetError());
    else
        rc = 0;
    if (rw && SDL_RWclose(rw) < 0 && rc == 0) {
        fprintf(stderr, "machemu: view: %s: %s\n", shown, SDL_GetError());
        rc = -1;
    }
    SDL_FreeSurface(s);
    SDL_RenderPresent(v->ren);
    return rc;
}

/* --- set-up ------------------------------------------------------------------------------- */

static bool headless_driver(void)
{
    const char *d = SDL_GetCurrentVideoDriver();
    return d && (!strcmp(d, "dummy") || !strcmp(d, "offscreen"));
}

static int open_window(struct view *v, const struct view_options *o)
{
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        fprintf(stderr, "machemu: view: cannot start SDL: %s (no display? try "
                "SDL_VIDEODRIVER=offscreen with --snapshot)\n", SDL_GetError());
        return -1;
    }
    v->headless = headless_driver();
    if (v->headless)
        SDL_SetHintWithPriority(SDL_HINT_RENDER_DRIVER, "software", SDL_HINT_DEFAULT);
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "0");
    char title[256];
    snprintf(title, sizeof title, "machemu view: %s", v->program);
    v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                              o->width ? o->width : 1280, o->height ? o->height : 800,
                              SDL_WINDOW_RESIZABLE | (v->headless ? SDL_WINDOW_HIDDEN : 0));
    v->ren = v->win ? SDL_CreateRenderer(v->win, -1, v->headless ? SDL_RENDERER_SOFTWARE
                                                                 : SDL_RENDERER_PRESENTVSYNC)
                    : NULL;
    if (!v->ren) {
        fprintf(stderr, "machemu: view: cannot open a window: %s\n", SDL_GetError());
        return -1;
    }
    SDL_SetRenderDrawBlendMode(v->ren, SDL_BLENDMODE_BLEND);
    char err[256];
    if (view_font_open(v, err, sizeof err) < 0) {
        fprintf(stderr, "machemu: view: %s\n", err);
        return -1;
    }
    return 0;
}

static void close_window(struct view *v)
{
    view_font_close(v);
    if (v->grid_tex)
        SDL_DestroyTexture(v->grid_tex);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    SDL_Quit();
}

static void interactive(struct view *v)
{
    while (!v->quit) {
        SDL_Event e;
        bool idle = !v->running || v->exited;
        if (idle ? SDL_WaitEventTimeout(&e, 100) : SDL_PollEvent(&e)) {
            handle_event(v, &e);
            while (SDL_PollEvent(&e))
                handle_event(v, &e);
        }
        if (v->running && !v->exited)
            run_slice(v);
        view_redraw(v);
    }
}

/* --snapshot: the run to its end, then the picture. */
static int run_to_end_and_snapshot(struct view *v, const char *path)
{
    while (!v->exited) {
        run_slice(v);
        if (!v->headless)
            view_redraw(v);
        else
            view_sample(v);        /* what the picture keeps once the tasks are gone */
    }
    return view_snapshot(v, path) == 0 ? 0 : 2;
}

static int session(struct view *v, const struct view_options *o)
{
    if (o->script) {
        int rc = view_script(v, o->script);
        if (rc || v->quit)
            return rc;
    }
    if (o->snapshot)
        return run_to_end_and_snapshot(v, o->snapshot);
    if (v->headless) {
        /* Nobody can see or steer a hidden window: say so, and run to the end. */
        fprintf(stderr, "machemu: view: no display (SDL's video driver is '%s'): nothing "
                "is shown, the program runs to its end; use --snapshot FILE.png or "
                "--view-script FILE for pictures, or a virtual X server (xvfb-run -a "
                "machemu view ...)\n", SDL_GetCurrentVideoDriver());
        struct dbg_event ev;
        while (!v->exited)
            view_resume(v, 0, 0, &ev);
        return 0;
    }
    /* Paused at the first instruction, as debug starts: space runs it. */
    v->running = false;
    view_log_add(&v->log, 0xffffff, "paused at the first instruction: space runs, h lists "
                 "the keys");
    interactive(v);
    return 0;
}

/* The driver's turn comes after every turn of the run loop, from the first. */
static int drive(struct view *v, const struct view_options *o)
{
    if (o->driver) {
        dbg_run_driver(v->emu, o->driver->step, o->driver->ctx);
        o->driver->start(o->driver->ctx);
    }
    return session(v, o);
}

int view_main(struct emu *emu, const char *program, const struct view_options *o)
{
    if (!debug_attach(emu))
        return 2;
    struct view *v = calloc(1, sizeof *v);
    struct inspect_frame_state probe;
    uint32_t nframes = inspect_frame_states(emu, &probe, 1);
    if (v)
        v->frames = calloc(nframes, sizeof *v->frames);
    if (!v || !v->frames) {
        fprintf(stderr, "machemu: out of memory\n");
        free(v);
        return 2;
    }
    *v = (struct view){ .emu = emu, .program = program, .driver = o->driver,
                        .frames = v->frames, .nframes = nframes, .speed = VIEW_SPEED_DEFAULT, .hover = PFN_NONE, .zoom = 1,
                        .selected = PFN_NONE, .pause_on = o->pause_on };
    dbg_fault_observer(emu, on_fault, v);
    view_jetsam_listen(v, true);
    /* While every task sleeps the window still draws and takes keys (and SDL's Ctrl-C). */
    emu_wait_options(emu, -1, 100);
    int rc = open_window(v, o) < 0 ? 2 : drive(v, o);
    if (rc == 0 && v->exited && !o->driver)
        rc = v->exit_status;
    emu_wait_options(emu, -1, -1);
    view_jetsam_listen(v, false);
    dbg_run_driver(emu, NULL, NULL);
    dbg_fault_observer(emu, NULL, NULL);
    close_window(v);
    free(v->page_states);
    free(v->frames);
    free(v);
    return rc;
}
