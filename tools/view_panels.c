/* tools/view_panels.c — the side panels (pressure, compressor, TLB, the frame under
 * the mouse, the event log; the tasks' panel is in view_jetsam.c) and the
 * address-space pane. */
#include <stdlib.h>
#include <string.h>
#include "tools/view_ui.h"

#define TITLE_RGB 0xffffff
#define TEXT_RGB  0xc8c8c8
#define DIM_RGB   0x8c8c96

/* "1.5 GB", "16.0 KB" */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = { "bytes", "KB", "MB", "GB", "TB" };
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

static int pct(uint64_t part, uint64_t whole)
{
    return whole ? (int)(part * 100 / whole) : 0;
}

/* A 1-pixel tick across a bar at part/whole of its width. */
static void tick(struct view *v, const SDL_Rect *bar, uint64_t part, uint64_t whole, uint32_t rgb)
{
    if (!whole || part > whole)
        return;
    int x = bar->x + (int)((double)part / (double)whole * bar->w + 0.5);
    SDL_Rect t = { x, bar->y - 2, 1, bar->h + 4 };
    ui_fill(v, &t, rgb);
}

/* --- pressure ---------------------------------------------------------------------------- */

static void memory_bar(struct view *v, const SDL_Rect *r)
{
    int x = r->x;
    uint64_t done = 0;
    for (int c = 0; c < VC_NCLASSES; c++) {
        done += v->class_count[c];
        int end = r->x + (int)(done * (uint64_t)r->w / (v->nframes ? v->nframes : 1));
        SDL_Rect part = { x, r->y, end - x, r->h };
        if (part.w > 0)
            ui_fill(v, &part, view_class_rgb((enum view_class)c));
        x = end;
    }
}

static void draw_pressure(struct view *v)
{
    struct view_layout *l = &v->lay;
    const SDL_Rect *p = &l->pressure;
    const struct inspect_vm *vm = &v->vm;
    int fh = v->font.h, y = p->y;
    ui_text(v, p->x, y, p->w, TITLE_RGB, "Memory pressure");
    l->pressure_swatch = (SDL_Rect){ p->x + 17 * v->font.w, y + 1, 4 * v->font.w, fh - 2 };
    ui_fill(v, &l->pressure_swatch, view_pressure_rgb(v->pressure));
    ui_text(v, p->x + 22 * v->font.w, y, 0, TEXT_RGB, "%s", view_pressure_name(v->pressure));
    ui_text(v, p->x + 31 * v->font.w, y, p->w - 31 * v->font.w, DIM_RGB, "%s",
            v->jetsam_level ? "Jetsam's level" : "no Jetsam: the viewer's rule");
    y += fh + 2;
    const struct view_pressure_gauge g = v->gauge;
    ui_text(v, p->x, y, p->w, TEXT_RGB, "available, not compressed: %llu of %llu pages (%d%%)",
            (unsigned long long)g.non_compressed, (unsigned long long)g.available,
            pct(g.non_compressed, g.available));
    y += fh + 2;
    l->avail_gauge = (SDL_Rect){ p->x, y, p->w, 8 };
    ui_bar(v, &l->avail_gauge, g.available ? (double)g.non_compressed / (double)g.available : 0,
           view_pressure_rgb(v->pressure));
    tick(v, &l->avail_gauge, g.to_critical, g.available, view_pressure_rgb(VIEW_PRESSURE_CRITICAL));
    tick(v, &l->avail_gauge, g.critical_to_warning, g.available, 0xffffff);
    tick(v, &l->avail_gauge, g.to_warning, g.available, view_pressure_rgb(VIEW_PRESSURE_WARNING));
    tick(v, &l->avail_gauge, g.warning_to_normal, g.available, 0xffffff);
    y += 12;
    ui_text(v, p->x, y, p->w, DIM_RGB, "warning below 50%%, critical below 30%%; back above 60%%, 35%%");
    y += fh + 2;
    const struct vm_targets *t = &vm->targets;
    ui_text(v, p->x, y, p->w, TEXT_RGB, "free %u pages: scan below %u (free_min), up to %u",
            vm->pages.free, t->free_min, t->free_target);
    y += fh + 2;
    uint64_t scale = (uint64_t)t->free_target * 4 < vm->pages.total ? (uint64_t)t->free_target * 4
                                                                      : vm->pages.total;
    l->free_gauge = (SDL_Rect){ p->x, y, p->w, 8 };
    ui_bar(v, &l->free_gauge, scale ? (double)vm->pages.free / (double)scale : 0,
           view_class_rgb(VC_ACTIVE_FILE));
    tick(v, &l->free_gauge, t->free_min, scale, view_pressure_rgb(VIEW_PRESSURE_CRITICAL));
    tick(v, &l->free_gauge, t->free_target, scale, 0xffffff);
    y += 12;
    l->memory_bar = (SDL_Rect){ p->x, y, p->w, 10 };
    memory_bar(v, &l->memory_bar);
    y += 14;
    ui_text(v, p->x, y, p->w, DIM_RGB, "pageout: %llu scans, %llu reclaimed, %llu throttled",
            (unsigned long long)vm->stats.scans, (unsigned long long)vm->stats.reclaimed,
            (unsigned long long)vm->stats.throttled);
}

/* --- compressor ------------------------------------------------------------------------------ */

static void draw_compressor(struct view *v)
{
    struct view_layout *l = &v->lay;
    const SDL_Rect *r = &l->compressor;
    const struct inspect_vm *vm = &v->vm;
    int fh = v->font.h, y = r->y;
    char stored[24], held[24];
    if (!vm->compressor) {
        ui_text(v, r->x, y, r->w, DIM_RGB, "Compressor: none on this machine");
        return;
    }
    ui_text(v, r->x, y, r->w, TITLE_RGB, "Compressor (%s%s)", vm->codec,
            vm->swap ? ", swapping to a file" : ", no swap: iOS");
    if (vm->low_on_space || vm->full)
        ui_text(v, r->x + 34 * v->font.w, y, 0, view_pressure_rgb(VIEW_PRESSURE_CRITICAL), "%s",
                vm->full ? "FULL: pages refused" : "LOW ON SPACE");
    y += fh + 2;
    ui_text(v, r->x, y, r->w, TEXT_RGB, "%llu pages (%s) in %u frames (%s): %.1f to 1",
            (unsigned long long)vm->compressor_pages,
            human(vm->compressor_pages * PAGE_SIZE, stored, sizeof stored), vm->compressor_frames,
            human((uint64_t)vm->compressor_frames * PAGE_SIZE, held, sizeof held),
            vm->compressor_frames ? (double)vm->compressor_pages / vm->compressor_frames : 0.0);
    y += fh + 2;
    l->compressor_bar = (SDL_Rect){ r->x, y, r->w, 6 };    /* its frames, of all RAM */
    ui_bar(v, &l->compressor_bar, v->nframes ? (double)vm->compressor_frames / v->nframes : 0,
           view_class_rgb(VC_COMPRESSOR));
    y += 10;
    ui_text(v, r->x, y, r->w, DIM_RGB, "%llu compressions, %llu decompressions",
            (unsigned long long)vm->compressions, (unsigned long long)vm->decompressions);
    y += fh;
    if (vm->swap)
        ui_text(v, r->x, y, r->w, DIM_RGB, "swap: %llu out, %llu in; %llu segments (%llu pages) in "
                "the file", (unsigned long long)vm->swapouts, (unsigned long long)vm->swapins,
                (unsigned long long)vm->segments_swapped, (unsigned long long)vm->pages_swapped);
}

/* --- TLB ------------------------------------------------------------------------- */

static void draw_tlb(struct view *v)
{
    const SDL_Rect *r = &v->lay.tlb;
    const struct tlb *t = inspect_tlb(v->emu);
    uint64_t all = t->stats.hits + t->stats.misses;
    double rate = all ? (double)t->stats.hits / (double)all : 0;
    ui_text(v, r->x, r->y, r->w, TITLE_RGB, "TLB %ux%u: hit rate %.2f%%", t->sets, t->ways, rate * 100);
    int y = r->y + v->font.h + 2;
    if (v->tlb_recent >= 0)
        ui_text(v, r->x, y, r->w, TEXT_RGB, "%.2f%% since the last redraw; %llu misses, %llu walks",
                v->tlb_recent * 100, (unsigned long long)t->stats.misses,
                (unsigned long long)inspect_mmu_stats(v->emu)->walks);
    else
        ui_text(v, r->x, y, r->w, TEXT_RGB, "no lookups since the last redraw; %llu misses",
                (unsigned long long)t->stats.misses);
    SDL_Rect bar = { r->x, y + v->font.h + 2, r->w, 6 };
    ui_bar(v, &bar, rate, view_class_rgb(VC_ACTIVE_ANON));
}

/* --- the frame panel ---------------------------------------------------------------------------- */

static const char *pte_rights(pt_entry_t pte, char *buf)
{
    vm_prot_t p = pt_page_prot(pte);
    bool held_ro = (pte & PT_SW_WRITEABLE) && (pte & PT_AP_RO);
    snprintf(buf, 48, "%c%c%c%s%s", p & VM_PROT_READ ? 'r' : '-', p & VM_PROT_WRITE ? 'w' : '-',
             p & VM_PROT_EXECUTE ? 'x' : '-', pte & PT_AF ? "" : ", AF clear",
             held_ro ? ", read-only until written" : "");
    return buf;
}

static int vm_page_lines(struct view *v, const struct inspect_frame *f, char lines[][100], int n)
{
    struct inspect_object obj;
    const char *what = "anonymous";
    if (f->object && inspect_object_chain(v->emu, f->object, &obj, 1) > 0 && obj.pager)
        what = obj.pager;
    snprintf(lines[n++], 100, "  object %u (%s) offset 0x%llx", f->object, what,
             (unsigned long long)f->offset);
    snprintf(lines[n++], 100, "  queue %s, wired %u%s%s", f->queue, f->wire_count,
             f->flags & VM_PAGE_BUSY ? ", busy" : "", f->flags & VM_PAGE_DIRTY ? ", dirty" : "");
    return n;
}

int view_frame_lines(struct view *v, pfn_t pfn, char lines[][100], int max)
{
    struct inspect_frame f;
    struct inspect_frame_state fs;
    if (max < 8 || inspect_frame(v->emu, pfn, &f) < 0 || inspect_frame_state(v->emu, pfn, &fs) < 0)
        return 0;
    int n = 0;
    snprintf(lines[n++], 100, "frame %u, PA 0x%llx: %s", pfn, (unsigned long long)pfn << PAGE_SHIFT,
             view_class_name(view_frame_class(&fs)));
    if (!strcmp(f.use, "vm"))
        n = vm_page_lines(v, &f, lines, n);
    else
        snprintf(lines[n++], 100, "  use %s", f.use);
    if (f.in_segment) {
        snprintf(lines[n++], 100, "  segment %u of the pool: its frame %u of %u", f.segment.segment,
                 f.segment.index, f.segment.nframes);
        snprintf(lines[n++], 100, "  %u compressed pages, %u of %u bytes live", f.segment.live_slots,
                 f.segment.live_bytes, f.segment.used);
    }
    int owner = pfn < v->nframes ? v->frames[pfn].owner : 0;
    bool shared = pfn < v->nframes && (v->frames[pfn].flags & INSPECT_FS_SHARED);
    snprintf(lines[n++], 100, "  owner %s%.0d%s; %sreferenced, %smodified%s", owner ? "task " : "none",
             owner, shared ? " and others" : "", f.referenced ? "" : "not ",
             f.modified ? "" : "not ", f.code ? ", code" : "");
    struct inspect_mapping m[8];
    int nm = inspect_frame_mappings(v->emu, pfn, m, 8);
    snprintf(lines[n++], 100, "  %d mapping%s (reverse map)%s", nm, nm == 1 ? "" : "s", nm ? ":" : "");
    for (int i = 0; i < nm && i < 8 && n < max; i++) {
        char rights[48];
        snprintf(lines[n++], 100, "    task %d VA 0x%llx %s", m[i].pid, (unsigned long long)m[i].va,
                 pte_rights(m[i].pte, rights));
    }
    return n;
}

static void draw_frame(struct view *v)
{
    const SDL_Rect *r = &v->lay.frame;
    pfn_t pfn = v->selected != PFN_NONE ? v->selected : v->hover;
    if (pfn == PFN_NONE) {
        ui_text(v, r->x, r->y, r->w, DIM_RGB, "Frame: hover or click a frame of the grid");
        return;
    }
    char lines[11][100];
    int n = view_frame_lines(v, pfn, lines, 11);
    for (int i = 0; i < n; i++)
        ui_text(v, r->x, r->y + i * v->font.h, r->w, i ? TEXT_RGB : TITLE_RGB, "%s%s", lines[i],
                i == 0 && pfn == v->selected ? "  [pinned]" : "");
}

static void draw_log(struct view *v)
{
    const SDL_Rect *r = &v->lay.log;
    ui_text(v, r->x, r->y, r->w, TITLE_RGB, "Events: %llu faults (task access VA kind object pfn)",
            (unsigned long long)v->faults);
    int rows = r->h / v->font.h - 1;
    for (int i = 0; i < rows; i++) {
        const struct view_log_line *line = view_log_recent(&v->log, (unsigned)i);
        if (!line)
            break;
        ui_text(v, r->x, r->y + (i + 1) * v->font.h, r->w, line->rgb, "%s", line->text);
    }
}

static void draw_jetsam_log(struct view *v)
{
    const SDL_Rect *r = &v->lay.jlog;
    if (!r->h)
        return;
    ui_text(v, r->x, r->y, r->w, TITLE_RGB, "Jetsam: %d killed, compressor peak %llu pages",
            v->story.kills, (unsigned long long)v->story.peak_compressed);
    int rows = r->h / v->font.h - 1;
    for (int i = 0; i < rows; i++) {
        const struct view_log_line *line = view_log_recent(&v->jlog, (unsigned)i);
        if (!line)
            break;
        ui_text(v, r->x, r->y + (i + 1) * v->font.h, r->w, line->rgb, "%s", line->text);
    }
}

void view_draw_side(struct view *v)
{
    draw_pressure(v);
    draw_compressor(v);
    draw_tlb(v);
    view_draw_tasks(v);
    draw_frame(v);
    draw_log(v);
    draw_jetsam_log(v);
}

/* --- the address-space pane ------------------------------------------------------------------------ */

#define ROW_H 16
#define LABEL_CHARS 40            /* at least; more for a longer name */

static uint8_t *states_for(struct view *v, size_t npages)
{
    if (npages > v->page_states_cap) {
        uint8_t *p = realloc(v->page_states, npages);
        if (!p)
            return NULL;
        v->page_states = p;
        v->page_states_cap = npages;
    }
    return v->page_states;
}

/* The pages of one region as a strip: each pixel column shows the most resident
 * state of the pages under it. Returns the width drawn (a small region gets up to
 * 12 pixels a page). */
static int draw_strip(struct view *v, int pid, const struct vm_region_info *r, const SDL_Rect *s)
{
    size_t npages = (r->end - r->start) >> PAGE_SHIFT;
    if (npages > (64ull << 30) >> PAGE_SHIFT)
        npages = (64ull << 30) >> PAGE_SHIFT;     /* the first 64 GB of a huge reservation */
    uint8_t *st = states_for(v, npages);
    if (!st || inspect_page_states(v->emu, pid, r->start, npages, st) != npages)
        return 0;
    int w = npages < (size_t)s->w / 2 ? (int)npages * (s->w / (int)npages < 12 ? s->w / (int)npages : 12)
                                      : s->w;
    for (int x = 0; x < w; x++) {
        size_t a = (size_t)x * npages / (size_t)w, b = (size_t)(x + 1) * npages / (size_t)w;
        if (b <= a)
            b = a + 1;
        SDL_Rect px = { s->x + x, s->y, 1, s->h };
        ui_fill(v, &px, view_page_rgb(view_page_summary(st + a, b - a)));
    }
    return w;
}

/* "0000004c0000-0000004c4000 rw- mapped file": the label's width in characters. */
static int label_chars(const struct vm_region_info *r)
{
    return 31 + (r->tag ? (int)strlen(r->tag) : 0);
}

static void region_row(struct view *v, int pid, const struct vm_region_info *r, int y, int chars)
{
    const SDL_Rect *m = &v->lay.main;
    char prot[4] = { r->protection & VM_PROT_READ ? 'r' : '-', r->protection & VM_PROT_WRITE ? 'w' : '-',
                     r->protection & VM_PROT_EXECUTE ? 'x' : '-', 0 };
    ui_text(v, m->x, y, chars * v->font.w, TEXT_RGB, "%012llx-%012llx %s %s",
            (unsigned long long)r->start, (unsigned long long)r->end, prot, r->tag ? r->tag : "");
    int sx = m->x + chars * v->font.w + 8;
    SDL_Rect strip = { sx, y + 2, m->x + m->w - sx - 16 * v->font.w, ROW_H - 5 };
    SDL_Rect drawn = { strip.x, strip.y, draw_strip(v, pid, r, &strip), strip.h };
    if (v->nstrips < VIEW_MAX_REGIONS)
        v->strips[v->nstrips++] = (struct view_strip){ r->start, r->end, drawn,
                                                       label_chars(r) <= chars };
    ui_text(v, strip.x + strip.w + v->font.w, y, 0, DIM_RGB, "%u/%llu res", r->resident,
            (unsigned long long)((r->end - r->start) >> PAGE_SHIFT));
}

void view_draw_address_space(struct view *v)
{
    const SDL_Rect *m = &v->lay.main;
    int pid = v->as_pid;
    for (int i = 0; !pid && i < v->ntasks; i++)
        if (v->tasks[i].on_cpu)
            pid = v->tasks[i].pid;
    int n = inspect_regions(v->emu, pid, v->regions, VIEW_MAX_REGIONS);
    v->nstrips = 0;
    if (n < 0) {
        ui_text(v, m->x, m->y, m->w, TEXT_RGB, "task %d has no address space (t: next task)", pid);
        return;
    }
    if (n > VIEW_MAX_REGIONS)
        n = VIEW_MAX_REGIONS;
    if (v->as_scroll >= n)
        v->as_scroll = n ? n - 1 : 0;
    ui_text(v, m->x, m->y, m->w, TITLE_RGB, "Address space of task %d: %d entries (t: next task, "
            "a: physical memory)", pid, n);
    int y = m->y + v->font.h + 6, chars = LABEL_CHARS;
    for (int i = 0; i < n; i++)    /* every name whole ("mapped file", "stack guard") */
        chars = label_chars(&v->regions[i]) > chars ? label_chars(&v->regions[i]) : chars;
    for (int i = v->as_scroll; i < n && y + ROW_H <= m->y + m->h; i++) {
        if (i > v->as_scroll && v->regions[i].start != v->regions[i - 1].end) {
            char gap[32];
            ui_text(v, m->x + 2 * v->font.w, y, 0, DIM_RGB, "... %s unmapped",
                    human(v->regions[i].start - v->regions[i - 1].end, gap, sizeof gap));
            y += v->font.h;
        }
        region_row(v, pid, &v->regions[i], y, chars);
        y += ROW_H;
    }
}
