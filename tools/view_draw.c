/* tools/view_draw.c — drawing: text from a glyph atlas, the layout, the frame grid
 * with its flashes, the legend, the status bar and the help overlay. */
#include <SDL_ttf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tools/view_ui.h"

#define FONT_PT 12
#define FIRST_GLYPH 32
#define NGLYPHS 95

/* --- primitives ---------------------------------------------------------------------- */

static void set_colour(struct view *v, uint32_t rgb, uint8_t alpha)
{
    SDL_SetRenderDrawColor(v->ren, (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, alpha);
}

void ui_fill(struct view *v, const SDL_Rect *r, uint32_t rgb)
{
    set_colour(v, rgb, 255);
    SDL_RenderFillRect(v->ren, r);
}

static void ui_outline(struct view *v, const SDL_Rect *r, uint32_t rgb)
{
    set_colour(v, rgb, 255);
    SDL_RenderDrawRect(v->ren, r);
}

int ui_text(struct view *v, int x, int y, int max_w, uint32_t rgb, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    SDL_SetTextureColorMod(v->font.atlas, (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    int n = 0;
    for (const unsigned char *c = (const unsigned char *)buf; *c; c++, n++) {
        if (max_w && (n + 1) * v->font.w > max_w)
            break;
        int g = *c >= FIRST_GLYPH && *c < FIRST_GLYPH + NGLYPHS ? *c - FIRST_GLYPH : '?' - FIRST_GLYPH;
        SDL_Rect src = { g * v->font.w, 0, v->font.w, v->font.h };
        SDL_Rect dst = { x + n * v->font.w, y, v->font.w, v->font.h };
        SDL_RenderCopy(v->ren, v->font.atlas, &src, &dst);
    }
    return n * v->font.w;
}

void ui_bar(struct view *v, const SDL_Rect *r, double frac, uint32_t rgb)
{
    ui_fill(v, r, 0x24242c);
    if (frac > 1)
        frac = 1;
    SDL_Rect f = { r->x, r->y, frac > 0 ? (int)(frac * r->w + 0.5) : 0, r->h };
    if (f.w > 0)
        ui_fill(v, &f, rgb);
}

/* --- the font ---------------------------------------------------------------------------- */

static const char *font_path(void)
{
    static const char *const paths[] = {
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
        "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
        "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    };
    const char *env = getenv("MACHEMU_VIEW_FONT");
    if (env && *env)
        return env;
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (access(paths[i], R_OK) == 0)
            return paths[i];
    return NULL;
}

static SDL_Surface *glyph_sheet(TTF_Font *font, int w, int h)
{
    SDL_Surface *sheet = SDL_CreateRGBSurfaceWithFormat(0, w * NGLYPHS, h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Color white = { 255, 255, 255, 255 };
    for (int i = 0; sheet && i < NGLYPHS; i++) {
        SDL_Surface *g = TTF_RenderGlyph_Blended(font, (Uint16)(FIRST_GLYPH + i), white);
        if (!g)
            continue;
        SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_NONE);
        SDL_Rect src = { 0, 0, g->w < w ? g->w : w, g->h < h ? g->h : h };
        SDL_Rect dst = { i * w, 0, src.w, src.h };
        SDL_BlitSurface(g, &src, sheet, &dst);
        SDL_FreeSurface(g);
    }
    return sheet;
}

int view_font_open(struct view *v, char *err, size_t errlen)
{
    const char *path = font_path();
    if (!path) {
        snprintf(err, errlen, "no DejaVu Sans Mono font (install fonts-dejavu-core, or set "
                              "MACHEMU_VIEW_FONT to a monospace .ttf)");
        return -1;
    }
    if (TTF_Init() < 0) {
        snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
        return -1;
    }
    TTF_Font *font = TTF_OpenFont(path, FONT_PT);
    int advance = 0;
    if (!font || TTF_GlyphMetrics(font, 'M', NULL, NULL, NULL, NULL, &advance) < 0 || advance <= 0) {
        snprintf(err, errlen, "%s: %s", path, TTF_GetError());
        if (font)
            TTF_CloseFont(font);
        TTF_Quit();
        return -1;
    }
    v->font.w = advance;
    v->font.h = TTF_FontLineSkip(font);
    SDL_Surface *sheet = glyph_sheet(font, v->font.w, v->font.h);
    TTF_CloseFont(font);
    TTF_Quit();
    v->font.atlas = sheet ? SDL_CreateTextureFromSurface(v->ren, sheet) : NULL;
    SDL_FreeSurface(sheet);
    if (!v->font.atlas) {
        snprintf(err, errlen, "cannot make the glyph texture: %s", SDL_GetError());
        return -1;
    }
    SDL_SetTextureBlendMode(v->font.atlas, SDL_BLENDMODE_BLEND);
    return 0;
}

void view_font_close(struct view *v)
{
    if (v->font.atlas)
        SDL_DestroyTexture(v->font.atlas);
    v->font.atlas = NULL;
}

/* --- layout ------------------------------------------------------------------------------ */

static int lines(const struct view *v, int n) { return n * v->font.h; }

/* As many task rows as there are tasks, up to VIEW_TASK_ROWS, while the event log
 * below keeps at least 8 lines. */
static int task_rows(const struct view *v, int y_tasks)
{
    int rows = view_live_tasks(v), fixed = lines(v, 11) + 4 + 6 + lines(v, 9) + 10;
    if (rows > VIEW_TASK_ROWS)
        rows = VIEW_TASK_ROWS;
    while (rows > 1 && y_tasks + rows * view_task_row_height(v) + fixed >
                           v->lay.side.y + v->lay.side.h)
        rows--;
    return rows;
}

static void layout_side(struct view *v)
{
    struct view_layout *l = &v->lay;
    int x = l->side.x, w = l->side.w, y = l->side.y;
    l->pressure = (SDL_Rect){ x, y, w, lines(v, 6) + 40 };
    y += l->pressure.h + 6;
    l->compressor = (SDL_Rect){ x, y, w, lines(v, 5) + 12 };
    y += l->compressor.h + 6;
    l->tlb = (SDL_Rect){ x, y, w, lines(v, 3) + 8 };
    y += l->tlb.h + 6;
    l->task_rows = task_rows(v, y + lines(v, 1) + 4);
    l->tasks = (SDL_Rect){ x, y, w, lines(v, 1) + 4 + l->task_rows * view_task_row_height(v) };
    y += l->tasks.h + 6;
    l->frame = (SDL_Rect){ x, y, w, lines(v, 11) + 4 };
    y += l->frame.h + 6;
    l->log = (SDL_Rect){ x, y, w, l->side.y + l->side.h - y };
    /* Jetsam's own lines below the events, when there is room for both */
    int jh = lines(v, 7);
    l->jlog = (SDL_Rect){ x, l->log.y + l->log.h - jh, w, 0 };
    if (l->log.h >= 2 * jh + 6) {
        l->jlog.h = jh;
        l->log.h -= jh + 6;
    }
}

static int legend(struct view *v, bool measure);

/* Zoom 0 shows every frame, however small; 1 the cell size chosen from the RAM, each
 * level above twice as large (VIEW_MAX_CELL at most), scrolled to v->grid_top. */
static void layout_grid(struct view *v)
{
    struct view_layout *l = &v->lay;
    int bar = 8;                   /* room for the scroll bar, when the grid scrolls */
    if (v->zoom == 0) {
        view_grid_layout(&l->grid, l->main.x, l->main.y, l->main.w, l->main.h, v->nframes);
        return;
    }
    int cell = view_grid_auto_cell(l->main.w, l->main.h, v->nframes);
    for (int z = 1; z < v->zoom && cell * 2 <= VIEW_MAX_CELL; z++)
        cell *= 2;
    view_grid_layout_cells(&l->grid, l->main.x, l->main.y, l->main.w, l->main.h, v->nframes,
                           cell, v->grid_top);
    if (l->grid.rows < l->grid.total_rows)
        view_grid_layout_cells(&l->grid, l->main.x, l->main.y, l->main.w - bar, l->main.h,
                               v->nframes, cell, v->grid_top);
}

/* Where the rows shown are in the whole grid, at its right edge. */
static void draw_scroll_bar(struct view *v)
{
    const struct view_grid *g = &v->lay.grid;
    if (g->rows >= g->total_rows || g->total_rows == 0)
        return;
    SDL_Rect track = { g->x + g->cols * g->cell + 2, g->y, 5, g->rows * g->cell };
    ui_fill(v, &track, 0x24242c);
    SDL_Rect thumb = { track.x, track.y + (int)((int64_t)track.h * g->first_row / g->total_rows), 5,
                       (int)((int64_t)track.h * g->rows / g->total_rows) };
    thumb.h = thumb.h < 4 ? 4 : thumb.h;
    ui_fill(v, &thumb, 0xa0a0a8);
}

void view_compute_layout(struct view *v)
{
    struct view_layout *l = &v->lay;
    int W, H;
    SDL_GetRendererOutputSize(v->ren, &W, &H);
    int side_w = W >= 1150 ? 480 : W * 2 / 5;
    l->status = (SDL_Rect){ 0, 0, W, v->font.h + 6 };
    int top = l->status.h + 6;
    l->side = (SDL_Rect){ W - side_w - 6, top, side_w, H - top - 6 };
    /* as many legend lines as its items need at this width (a 900x600 window too) */
    l->legend = (SDL_Rect){ 8, 0, l->side.x - 22, H };
    int legend_h = legend(v, true) + 8;
    l->main = (SDL_Rect){ 8, top, l->side.x - 22, H - top - legend_h - 10 };
    l->legend = (SDL_Rect){ 8, l->main.y + l->main.h + 6, l->main.w, legend_h };
    /* the timeline lane across the bottom of the main area, when the grid can spare it */
    int lane_h = lines(v, 5);
    l->timeline = (SDL_Rect){ l->main.x, l->main.y + l->main.h - lane_h, l->main.w, 0 };
    if (l->main.h >= 4 * lane_h) {
        l->timeline.h = lane_h;
        l->main.h -= lane_h + 6;
    }
    layout_grid(v);
    layout_side(v);
}

/* --- the grid -------------------------------------------------------------------------------- */

/* The colour of cell c: its frame's, or the most common of its frames'. */
static uint32_t cell_rgb(const struct view *v, uint32_t c)
{
    const struct view_grid *g = &v->lay.grid;
    uint64_t first = (uint64_t)c * g->per_cell;
    if (first >= v->nframes)
        return VIEW_BG;
    if (g->per_cell == 1)
        return view_frame_rgb(&v->frames[first], v->colouring);
    uint32_t rgb[8], count[8], n = 0, best = 0;
    for (uint64_t f = first; f < first + g->per_cell && f < v->nframes; f++) {
        uint32_t x = view_frame_rgb(&v->frames[f], v->colouring), i = 0;
        while (i < n && rgb[i] != x)
            i++;
        if (i == n && n < 8) {
            rgb[n] = x;
            count[n++] = 0;
        }
        if (i < n && ++count[i] > count[best])
            best = i;
    }
    return rgb[best];
}

static bool grid_texture(struct view *v)
{
    const struct view_grid *g = &v->lay.grid;
    if (v->grid_tex && v->grid_tex_w == g->cols && v->grid_tex_h == g->rows)
        return true;
    if (v->grid_tex)
        SDL_DestroyTexture(v->grid_tex);
    v->grid_tex = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                                    g->cols, g->rows);
    v->grid_tex_w = g->cols;
    v->grid_tex_h = g->rows;
    return v->grid_tex != NULL;
}

static void grid_gaps(struct view *v)
{
    const struct view_grid *g = &v->lay.grid;
    set_colour(v, VIEW_BG, 255);
    int w = g->cols * g->cell, h = g->rows * g->cell;
    for (int c = 0; c < g->cols; c++) {
        int x = g->x + c * g->cell + g->cell - 1;
        SDL_RenderDrawLine(v->ren, x, g->y, x, g->y + h - 1);
    }
    for (int r = 0; r < g->rows; r++) {
        int y = g->y + r * g->cell + g->cell - 1;
        SDL_RenderDrawLine(v->ren, g->x, y, g->x + w - 1, y);
    }
}

/* The inside of a frame's cell (without the gap). */
static bool cell_rect(const struct view *v, pfn_t pfn, SDL_Rect *r)
{
    const struct view_grid *g = &v->lay.grid;
    if (!view_grid_cell_xy(g, pfn, &r->x, &r->y))
        return false;
    r->w = r->h = g->cell - g->gap;
    return true;
}

static void draw_flash(void *ctx, const struct view_flash *f, unsigned age)
{
    struct view *v = ctx;
    SDL_Rect r;
    if (!cell_rect(v, f->pfn, &r))
        return;
    set_colour(v, view_flash_rgb(f->kind), view_flash_alpha(age));
    if (r.w < 6) {
        SDL_RenderFillRect(v->ren, &r);
        return;
    }
    /* a ring: the cell's own colour stays visible inside */
    SDL_RenderDrawRect(v->ren, &r);
    SDL_Rect in = { r.x + 1, r.y + 1, r.w - 2, r.h - 2 };
    SDL_RenderDrawRect(v->ren, &in);
}

static void draw_grid(struct view *v)
{
    const struct view_grid *g = &v->lay.grid;
    void *pixels;
    int pitch;
    if (!g->cols || !grid_texture(v) || SDL_LockTexture(v->grid_tex, NULL, &pixels, &pitch) < 0)
        return;
    for (int r = 0; r < g->rows; r++) {
        uint32_t *row = (uint32_t *)((uint8_t *)pixels + (size_t)r * (size_t)pitch);
        for (int c = 0; c < g->cols; c++)
            row[c] = 0xff000000u | cell_rgb(v, (uint32_t)((r + g->first_row) * g->cols + c));
    }
    SDL_UnlockTexture(v->grid_tex);
    SDL_Rect dst = { g->x, g->y, g->cols * g->cell, g->rows * g->cell };
    SDL_RenderCopy(v->ren, v->grid_tex, NULL, &dst);
    if (g->gap)
        grid_gaps(v);
    view_flash_each(&v->flashes, draw_flash, v);
    draw_scroll_bar(v);
    SDL_Rect sel;
    if (v->hover != PFN_NONE && v->hover != v->selected && cell_rect(v, v->hover, &sel))
        ui_outline(v, &sel, 0xa0a0a0);
    if (v->selected != PFN_NONE && cell_rect(v, v->selected, &sel)) {
        sel = (SDL_Rect){ sel.x - 1, sel.y - 1, sel.w + 2, sel.h + 2 };
        ui_outline(v, &sel, 0xffffff);
    }
}

/* --- the legend ------------------------------------------------------------------------------- */

/* measure: only find where the items go (the layout sizes the legend to hold them all) */
struct legend_pen { struct view *v; int x, y; bool measure; };

static void legend_item(struct legend_pen *p, uint32_t rgb, const char *fmt, ...)
{
    char text[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    const struct view_layout *l = &p->v->lay;
    int w = 14 + (int)strlen(text) * p->v->font.w + 14;
    if (p->x + w > l->legend.x + l->legend.w && p->x > l->legend.x) {
        p->x = l->legend.x;
        p->y += p->v->font.h + 2;
    }
    if (!p->measure) {
        SDL_Rect sw = { p->x, p->y + p->v->font.h / 2 - 5, 10, 10 };
        ui_fill(p->v, &sw, rgb);
        ui_text(p->v, p->x + 14, p->y, 0, 0xc8c8c8, "%s", text);
    }
    p->x += w;
}

static void legend_states(struct legend_pen *p)
{
    for (int c = 0; c < VC_NCLASSES; c++)
        legend_item(p, view_class_rgb((enum view_class)c), "%s %u", view_class_name((enum view_class)c),
                    p->v->class_count[c]);
}

static void legend_owners(struct legend_pen *p)
{
    struct view *v = p->v;
    for (int i = 0; i < v->ntasks; i++)
        if (v->tasks[i].asid)
            legend_item(p, view_owner_rgb(v->tasks[i].pid), "task %d %s", v->tasks[i].pid,
                        view_task_name(v, v->tasks[i].pid, v->tasks[i].name));
    legend_item(p, VIEW_RGB_SHARED, "shared by tasks");
    legend_item(p, VIEW_RGB_NO_OWNER, "no task");
    legend_item(p, view_class_rgb(VC_FREE), "free");
}

/* Draws the legend (or only measures it); returns the bottom of its last line. */
static int legend(struct view *v, bool measure)
{
    struct legend_pen p = { v, v->lay.legend.x, v->lay.legend.y, measure };
    if (v->pane == VIEW_PANE_ADDRESS) {
        static const enum inspect_mem pages[] = {
            INSPECT_MEM_MAPPED, INSPECT_MEM_IN_OBJECT, INSPECT_MEM_COMPRESSED,
            INSPECT_MEM_ZERO_FILL, INSPECT_MEM_IN_FILE, INSPECT_MEM_PAST_EOF,
        };
        static const char *const names[] = { "resident, mapped", "resident, not mapped",
                                             "compressed", "absent: zero-fill",
                                             "absent: in the file", "past end of file" };
        for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
            legend_item(&p, view_page_rgb(pages[i]), "%s", names[i]);
        return p.y + v->font.h;
    }
    if (v->colouring == VIEW_BY_STATE)
        legend_states(&p);
    else
        legend_owners(&p);
    p.x = v->lay.legend.x + v->lay.legend.w;    /* flashes on a row of their own */
    legend_item(&p, VIEW_BG, "fault flashes:");
    for (int k = 0; k < VM_FAULT_NKINDS; k++)
        legend_item(&p, view_fault_rgb((enum vm_fault_kind)k), "%s",
                    vm_fault_kind_name((enum vm_fault_kind)k));
    legend_item(&p, view_flash_rgb(VIEW_FLASH_KILL), "killed");
    return p.y + v->font.h;
}

static void draw_legend(struct view *v)
{
    v->lay.legend_bottom = legend(v, false);
}

/* --- status bar and help ------------------------------------------------------------------------ */

static void draw_status(struct view *v)
{
    ui_fill(v, &v->lay.status, 0x1c1c24);
    char run[64];
    if (v->exited)
        snprintf(run, sizeof run, "EXITED, status %d (as before the teardown)", v->exit_status);
    else if (v->running)
        snprintf(run, sizeof run, "RUNNING %llu insn/redraw",
                 (unsigned long long)view_speed_steps(v->speed));
    else
        snprintf(run, sizeof run, "PAUSED (speed %llu insn/redraw)",
                 (unsigned long long)view_speed_steps(v->speed));
    const struct view_grid *g = &v->lay.grid;
    char shown[64] = "";
    if (g->rows < g->total_rows)
        snprintf(shown, sizeof shown, ", rows %d-%d of %d", g->first_row + 1,
                 g->first_row + g->rows, g->total_rows);
    ui_text(v, 6, 3, v->lay.status.w - 12, 0xe0e0e0,
            "%s | %s | faults %llu | RAM %llu MB: %u frames of 16 KB | zoom %d%s | colour by %s "
            "| h: help", v->program, run, (unsigned long long)v->faults,
            (unsigned long long)(((uint64_t)v->nframes * PAGE_SIZE) >> 20), v->nframes, v->zoom,
            shown, v->colouring == VIEW_BY_STATE ? "state" : "owner");
}

static const char *const help_lines[] = {
    "machemu view: keys",
    "",
    "space        pause / resume",
    "n            run to the next page fault (zero-fill, soft, pagein, cow, decompress)",
    "f            run to the next fault of any kind (ref/mod emulation too)",
    "l / o / k    run to Jetsam's next level change / note / kill (--pause-on stops there too)",
    "i            run one instruction",
    "+ / -        twice / half as fast (instructions per redraw, 1 .. 16M)",
    "c            colour frames by state / by owner task",
    "a            physical memory / address space of a task",
    "t, Tab       next task (address-space pane)",
    "z / Z, wheel zoom the frame grid in / out (zoom 0: every frame at once)",
    "PgUp/PgDn    scroll the grid or the address-space pane (Home, End, arrows)",
    "mouse        hover a frame: its object, offset, queue and mappings;",
    "             click to pin it (click again or Esc to unpin)",
    "s            write a PNG of the window (machemu-view-N.png)",
    "h, ?, F1     this help (Esc closes it)",
    "q            quit",
};

static void draw_help(struct view *v)
{
    int n = (int)(sizeof help_lines / sizeof *help_lines), longest = 0;
    for (int i = 0; i < n; i++)
        longest = (int)strlen(help_lines[i]) > longest ? (int)strlen(help_lines[i]) : longest;
    int w = (longest + 4) * v->font.w, h = (n + 2) * v->font.h;   /* every line inside */
    int W, H;
    SDL_GetRendererOutputSize(v->ren, &W, &H);
    SDL_Rect box = { (W - w) / 2, (H - h) / 2, w, h };
    v->lay.help = box;
    v->lay.help_text_w = longest * v->font.w;
    set_colour(v, 0x000000, 220);
    SDL_RenderFillRect(v->ren, &box);
    ui_outline(v, &box, 0xc8c8c8);
    for (int i = 0; i < n; i++)
        ui_text(v, box.x + v->font.w * 2, box.y + (i + 1) * v->font.h, 0, 0xf0f0f0, "%s",
                help_lines[i]);
}

void view_draw(struct view *v)
{
    view_compute_layout(v);
    set_colour(v, VIEW_BG, 255);
    SDL_RenderClear(v->ren);
    draw_status(v);
    if (v->pane == VIEW_PANE_PHYSICAL)
        draw_grid(v);
    else
        view_draw_address_space(v);
    draw_legend(v);
    view_draw_timeline(v);
    view_draw_side(v);
    if (v->help)
        draw_help(v);
}
