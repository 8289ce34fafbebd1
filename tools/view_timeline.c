/* tools/view_timeline.c — the timeline lane under the grid: the pressure level as a
 * coloured band, free, compressed and file-backed pages as lines, a tick per note and per
 * kill, and a cursor at now, all over the guest clock from 0 to now.
 *
 * Samples are taken at every turn of the viewer's run loop and at every Jetsam event (so
 * each level change has its own); when the buffer is full every other sample goes and
 * the stride doubles, so the lane covers the whole run in bounded memory. */
#include "tools/view_ui.h"

void view_timeline_sample(struct view *v, const struct memorystatus_vm *vm, int level)
{
    struct view_timeline *t = &v->timeline;
    uint64_t now = emu_icount(v->emu);
    if (t->n && now < t->s[t->n - 1].icount + t->stride && level == t->s[t->n - 1].level)
        return;
    if (t->n == VIEW_TIMELINE_SAMPLES) {
        for (int i = 0; i < VIEW_TIMELINE_SAMPLES / 2; i++)
            t->s[i] = t->s[2 * i];
        t->n = VIEW_TIMELINE_SAMPLES / 2;
        t->stride = t->stride ? t->stride * 2 : 1;
    }
    struct view_timeline_sample s = { .icount = now, .level = (uint8_t)level };
    if (vm) {
        s.free = vm->free;
        s.compressed = vm->compressor_pages;
        s.file = vm->file_backed;
    } else {
        struct inspect_vm c;
        inspect_vm_counters(v->emu, &c);
        s.free = c.pages.free;
        s.compressed = c.compressor_pages;
        s.file = c.pages.file_backed;
    }
    t->s[t->n++] = s;
}

void view_timeline_mark(struct view *v, enum emu_jetsam_event_kind kind)
{
    struct view_timeline *t = &v->timeline;
    if (t->nmarks < VIEW_TIMELINE_MARKS)
        t->marks[t->nmarks++] = (struct view_timeline_mark){ emu_icount(v->emu), (uint8_t)kind };
}

/* The x of guest instruction `at` on the lane. */
int view_timeline_x(const struct view *v, uint64_t at)
{
    const SDL_Rect *r = &v->lay.timeline;
    uint64_t end = emu_icount(v->emu);
    if (!end || r->w < 2)
        return r->x;
    return r->x + (int)((double)(at > end ? end : at) * (r->w - 1) / (double)end);
}

static int y_of(const SDL_Rect *plot, uint64_t pages, uint64_t most)
{
    return plot->y + plot->h - 1 - (int)((double)pages * (plot->h - 1) / (double)most);
}

static void line(struct view *v, const SDL_Rect *plot, uint64_t most, uint32_t rgb,
                 uint32_t (*pick)(const struct view_timeline_sample *s))
{
    const struct view_timeline *t = &v->timeline;
    SDL_SetRenderDrawColor(v->ren, rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff, 255);
    for (int i = 1; i < t->n; i++)
        SDL_RenderDrawLine(v->ren, view_timeline_x(v, t->s[i - 1].icount),
                           y_of(plot, pick(&t->s[i - 1]), most), view_timeline_x(v, t->s[i].icount),
                           y_of(plot, pick(&t->s[i]), most));
}

static uint32_t free_of(const struct view_timeline_sample *s) { return s->free; }
static uint32_t compressed_of(const struct view_timeline_sample *s) { return s->compressed; }
static uint32_t file_of(const struct view_timeline_sample *s) { return s->file; }

void view_draw_timeline(struct view *v)
{
    const SDL_Rect *r = &v->lay.timeline;
    const struct view_timeline *t = &v->timeline;
    if (r->h < 3 * v->font.h)
        return;
    ui_fill(v, r, 0x18181e);
    int band_h = v->font.h / 2 + 2;
    /* the level: each sample's colour up to the next one */
    for (int i = 0; i < t->n; i++) {
        int x0 = view_timeline_x(v, t->s[i].icount);
        int x1 = i + 1 < t->n ? view_timeline_x(v, t->s[i + 1].icount) : r->x + r->w;
        SDL_Rect band = { x0, r->y, x1 - x0 > 0 ? x1 - x0 : 1, band_h };
        ui_fill(v, &band, view_pressure_rgb((enum view_pressure)t->s[i].level));
    }
    SDL_Rect plot = { r->x, r->y + band_h + 2, r->w, r->h - band_h - 2 - v->font.h };
    uint64_t most = v->nframes;
    uint64_t peak = 0;
    for (int i = 0; i < t->n; i++)
        peak = t->s[i].compressed > peak ? t->s[i].compressed : peak;
    most = peak > most ? peak : most;    /* the compressor may hold more than RAM */
    line(v, &plot, most, 0xe0e0e0, free_of);
    line(v, &plot, most, view_class_rgb(VC_COMPRESSOR), compressed_of);
    line(v, &plot, most, view_class_rgb(VC_ACTIVE_FILE), file_of);
    SDL_Rect cursor = { view_timeline_x(v, emu_icount(v->emu)), r->y, 1, band_h + 2 + plot.h };
    ui_fill(v, &cursor, 0xffffff); /* now: under the ticks, so a kill just now shows */
    for (int i = 0; i < t->nmarks; i++) {
        bool kill = t->marks[i].kind == EMU_JETSAM_KILL;
        if (!kill && t->marks[i].kind != EMU_JETSAM_NOTE)
            continue;
        SDL_Rect tick = { view_timeline_x(v, t->marks[i].icount) - (kill ? 2 : 0), kill ? r->y : plot.y,
                          kill ? 3 : 1, kill ? band_h + 2 + plot.h : plot.h / 3 };
        ui_fill(v, &tick, kill ? VIEW_RGB_KILL : VIEW_RGB_NOTE);
    }
    ui_text(v, r->x, r->y + r->h - v->font.h, r->w, 0x8c8c96,
            "timeline 0..%llu insns: level band; free (white), compressed, file-backed; "
            "notes, kills", (unsigned long long)emu_icount(v->emu));
}
