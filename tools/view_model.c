/* tools/view_model.c — the viewer's parts that need no SDL: frame classes and
 * colours, the grid layout, pressure levels, the event log (faults and Jetsam's
 * events), bands and limits as the task panel words them, fault flashes. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "emu/jetsam.h"
#include "tools/view.h"

/* --- classes and colours ------------------------------------------------------------ */

/* The palette: every class and every flash (view_fault_rgb, the kill's) at least 20 apart
 * in CIELAB (delta E 1976) from each other and from the background, for normal vision
 * and simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009, severity
 * 1): tests/unit/test_view_model.c checks it. */
static const struct { const char *name, *key; uint32_t rgb; } classes[VC_NCLASSES] = {
    [VC_FREE] = { "free", "free", 0x2a2d38 },
    [VC_ACTIVE_ANON] = { "active anonymous", "active-anon", 0x93c056 },
    [VC_ACTIVE_FILE] = { "active file", "active-file", 0x49928e },
    [VC_INACTIVE_ANON] = { "inactive anonymous", "inactive-anon", 0xe6b529 },
    [VC_INACTIVE_FILE] = { "inactive file", "inactive-file", 0x2b5dfd },
    [VC_SPECULATIVE] = { "speculative", "speculative", 0x52009c },
    [VC_THROTTLED] = { "throttled", "throttled", 0xbe7404 },
    [VC_COMPRESSOR] = { "compressor", "compressor", 0x46c87e },
    [VC_WIRED] = { "wired", "wired", 0xb498ce },
    [VC_PAGETABLE] = { "page tables", "page-tables", 0x885b21 },
    [VC_KERNEL] = { "kernel", "kernel", 0x440059 },
    [VC_RESERVED] = { "reserved", "reserved", 0x005834 },
    [VC_VM_UNQUEUED] = { "VM, on no queue", "unqueued", 0xbe00a5 },
};

static enum view_class vm_page_class(const struct inspect_frame_state *fs)
{
    bool file = fs->flags & INSPECT_FS_FILE;
    switch (fs->queue) {
    case VM_PAGE_Q_ACTIVE: return file ? VC_ACTIVE_FILE : VC_ACTIVE_ANON;
    case VM_PAGE_Q_INACTIVE_INTERNAL: return VC_INACTIVE_ANON;
    case VM_PAGE_Q_INACTIVE_EXTERNAL: return VC_INACTIVE_FILE;
    case VM_PAGE_Q_SPECULATIVE: return VC_SPECULATIVE;
    case VM_PAGE_Q_THROTTLED: return VC_THROTTLED;
    case VM_PAGE_Q_WIRED: return VC_WIRED;
    default: return VC_VM_UNQUEUED;
    }
}

enum view_class view_frame_class(const struct inspect_frame_state *fs)
{
    switch (fs->use) {
    case PHYS_FREE: return VC_FREE;
    case PHYS_PAGETABLE: return VC_PAGETABLE;
    case PHYS_VM: return vm_page_class(fs);
    case PHYS_KERNEL: return VC_KERNEL;
    case PHYS_COMPRESSOR: return VC_COMPRESSOR;
    default: return VC_RESERVED;
    }
}

const char *view_class_name(enum view_class c)
{
    return (unsigned)c < VC_NCLASSES ? classes[c].name : "?";
}

const char *view_class_key(enum view_class c)
{
    return (unsigned)c < VC_NCLASSES ? classes[c].key : "?";
}

int view_class_by_key(const char *key)
{
    for (int c = 0; c < VC_NCLASSES; c++)
        if (!strcmp(classes[c].key, key))
            return c;
    return -1;
}

uint32_t view_class_rgb(enum view_class c)
{
    return (unsigned)c < VC_NCLASSES ? classes[c].rgb : 0;
}

static uint32_t hsv_rgb(double h, double s, double v)
{
    double c = v * s, hp = fmod(h, 360.0) / 60.0, x = c * (1 - fabs(fmod(hp, 2.0) - 1));
    double rgb[3], parts[3] = { c, x, 0 };
    int sector = (int)hp;
    /* per sector of the wheel: which of (c, x, 0) goes to red, green, blue */
    static const int order[6][3] = { { 0, 1, 2 }, { 1, 0, 2 }, { 2, 0, 1 },
                                     { 2, 1, 0 }, { 1, 2, 0 }, { 0, 2, 1 } };
    for (int i = 0; i < 3; i++)
        rgb[i] = parts[order[sector % 6][i]] + (v - c);
    return (uint32_t)lround(rgb[0] * 255) << 16 | (uint32_t)lround(rgb[1] * 255) << 8 |
           (uint32_t)lround(rgb[2] * 255);
}

uint32_t view_owner_rgb(int pid)
{
    /* The golden angle spreads consecutive pids around the colour wheel. */
    return hsv_rgb(fmod(pid * 137.508, 360.0), 0.65, 0.92);
}

uint32_t view_frame_rgb(const struct inspect_frame_state *fs, enum view_colouring mode)
{
    if (mode == VIEW_BY_STATE || fs->use == PHYS_FREE)
        return view_class_rgb(view_frame_class(fs));
    if (fs->flags & INSPECT_FS_SHARED)
        return VIEW_RGB_SHARED;
    return fs->owner ? view_owner_rgb(fs->owner) : VIEW_RGB_NO_OWNER;
}

uint32_t view_fault_rgb(enum vm_fault_kind k)
{
    static const uint32_t rgb[VM_FAULT_NKINDS] = {
        [VM_FAULT_ZERO_FILL] = 0xffe815, [VM_FAULT_SOFT] = 0xffffff,
        [VM_FAULT_PAGEIN] = 0x93ffbd, [VM_FAULT_COW] = 0xd076fb,
        [VM_FAULT_DECOMPRESS] = 0x0a00d1, [VM_FAULT_FAST] = 0xbdfe76,
        [VM_FAULT_INVALID] = 0x600804,
    };
    return (unsigned)k < VM_FAULT_NKINDS ? rgb[k] : 0xffffff;
}

uint32_t view_page_rgb(enum inspect_mem m)
{
    switch (m) {
    case INSPECT_MEM_MAPPED: return classes[VC_ACTIVE_ANON].rgb;
    case INSPECT_MEM_IN_OBJECT: return classes[VC_INACTIVE_ANON].rgb;
    case INSPECT_MEM_COMPRESSED: return classes[VC_COMPRESSOR].rgb;
    case INSPECT_MEM_ZERO_FILL: return 0x2a2d38;
    case INSPECT_MEM_IN_FILE: return 0x23415f;
    case INSPECT_MEM_PAST_EOF: return 0x5a2828;
    default: return 0x101014;
    }
}

static const char *const page_keys[] = {
    [INSPECT_MEM_MAPPED] = "mapped", [INSPECT_MEM_IN_OBJECT] = "resident",
    [INSPECT_MEM_COMPRESSED] = "compressed", [INSPECT_MEM_ZERO_FILL] = "zero-fill",
    [INSPECT_MEM_IN_FILE] = "in-file", [INSPECT_MEM_PAST_EOF] = "past-eof",
    [INSPECT_MEM_UNMAPPED] = "unmapped", [INSPECT_MEM_NO_TASK] = "no-task",
};

const char *view_page_key(enum inspect_mem m)
{
    return (unsigned)m < sizeof page_keys / sizeof *page_keys ? page_keys[m] : "?";
}

int view_page_by_key(const char *key)
{
    for (size_t m = 0; m < sizeof page_keys / sizeof *page_keys; m++)
        if (!strcmp(page_keys[m], key))
            return (int)m;
    return -1;
}

/* Higher is more resident. */
static int residency(enum inspect_mem m)
{
    switch (m) {
    case INSPECT_MEM_MAPPED: return 6;
    case INSPECT_MEM_IN_OBJECT: return 5;
    case INSPECT_MEM_COMPRESSED: return 4;
    case INSPECT_MEM_IN_FILE: return 3;
    case INSPECT_MEM_ZERO_FILL: return 2;
    case INSPECT_MEM_PAST_EOF: return 1;
    default: return 0;
    }
}

enum inspect_mem view_page_summary(const uint8_t *states, size_t n)
{
    enum inspect_mem best = INSPECT_MEM_UNMAPPED;
    for (size_t i = 0; i < n; i++)
        if (residency((enum inspect_mem)states[i]) > residency(best))
            best = (enum inspect_mem)states[i];
    return best;
}

/* --- the grid ------------------------------------------------------------------------- */

static bool grid_fits(int w, int h, uint32_t cells, int side, int *cols, int *rows)
{
    *cols = w / side;
    if (*cols <= 0)
        return false;
    uint64_t r = (cells + (uint64_t)*cols - 1) / (uint64_t)*cols;
    *rows = (int)r;
    return r * (uint64_t)side <= (uint64_t)h;
}

bool view_grid_layout(struct view_grid *g, int x, int y, int w, int h, uint32_t nframes)
{
    *g = (struct view_grid){ .x = x, .y = y, .nframes = nframes, .per_cell = 1 };
    if (w <= 0 || h <= 0 || nframes == 0)
        return false;
    uint64_t pixels = (uint64_t)w * (uint64_t)h;
    if (nframes > pixels)
        g->per_cell = (uint32_t)((nframes + pixels - 1) / pixels);
    for (;; g->per_cell++) {
        uint32_t cells = (nframes + g->per_cell - 1) / g->per_cell;
        int side = (int)sqrt((double)pixels / cells) + 1;
        while (side > 0 && !grid_fits(w, h, cells, side, &g->cols, &g->rows))
            side--;
        if (side > 0) {
            g->cell = side;
            g->gap = side >= 4;
            g->total_rows = g->rows;
            return true;
        }
    }
}

int view_grid_auto_cell(int w, int h, uint32_t nframes)
{
    struct view_grid g;
    if (!view_grid_layout(&g, 0, 0, w, h, nframes) || g.per_cell > 1 || g.cell < VIEW_MIN_CELL)
        return VIEW_MIN_CELL;
    return g.cell;
}

bool view_grid_layout_cells(struct view_grid *g, int x, int y, int w, int h, uint32_t nframes,
                            int cell, pfn_t top)
{
    *g = (struct view_grid){ .x = x, .y = y, .nframes = nframes, .per_cell = 1, .cell = cell,
                             .gap = cell >= 4 };
    if (w < cell || h < cell || nframes == 0 || cell <= 0)
        return false;
    g->cols = w / cell;
    g->total_rows = (int)((nframes + (uint32_t)g->cols - 1) / (uint32_t)g->cols);
    int fit = h / cell;
    int first = top < nframes ? (int)(top / (uint32_t)g->cols) : g->total_rows - 1;
    if (first > g->total_rows - fit)
        first = g->total_rows - fit;
    g->first_row = first > 0 ? first : 0;
    g->rows = g->total_rows - g->first_row < fit ? g->total_rows - g->first_row : fit;
    return true;
}

bool view_grid_cell_xy(const struct view_grid *g, pfn_t pfn, int *px, int *py)
{
    if (!g->cols || pfn >= g->nframes)
        return false;
    uint32_t c = pfn / g->per_cell;
    int row = (int)(c / (uint32_t)g->cols) - g->first_row;
    if (row < 0 || row >= g->rows)
        return false;
    *px = g->x + (int)(c % (uint32_t)g->cols) * g->cell;
    *py = g->y + row * g->cell;
    return true;
}

pfn_t view_grid_frame_at(const struct view_grid *g, int px, int py)
{
    if (!g->cols || px < g->x || py < g->y)
        return PFN_NONE;
    int col = (px - g->x) / g->cell, row = (py - g->y) / g->cell;
    if (col >= g->cols || row >= g->rows)
        return PFN_NONE;
    uint64_t pfn = ((uint64_t)(row + g->first_row) * (uint64_t)g->cols + (uint64_t)col) * g->per_cell;
    return pfn < g->nframes ? (pfn_t)pfn : PFN_NONE;
}

/* --- pressure ------------------------------------------------------------------------- */

const char *view_pressure_name(enum view_pressure p)
{
    static const char *const names[] = { "normal", "warning", "critical" };
    return (unsigned)p < 3 ? names[p] : "?";
}

uint32_t view_pressure_rgb(enum view_pressure p)
{
    static const uint32_t rgb[] = { 0x3cc850, 0xf0c83c, 0xe63c3c };
    return (unsigned)p < 3 ? rgb[p] : 0;
}

void view_pressure_gauge(const struct view_pressure_in *in, struct view_pressure_gauge *g)
{
    g->non_compressed = in->active + in->inactive + in->free + in->speculative;
    g->available = g->non_compressed + in->compressed;
    /* iOS divisors: compact 50% of available memory, unthrottle 25%. */
    uint64_t compact = g->available * 10 / 20, unthrottle = g->available * 10 / 40;
    g->to_warning = compact;
    g->to_critical = 12 * unthrottle / 10;
    g->warning_to_normal = 12 * compact / 10;
    g->critical_to_warning = 14 * unthrottle / 10;
}

enum view_pressure view_pressure_next(enum view_pressure prev, const struct view_pressure_in *in)
{
    struct view_pressure_gauge g;
    view_pressure_gauge(in, &g);
    bool to_critical = in->compressor_low || g.non_compressed < g.to_critical;
    bool to_warning = in->compressor_low || g.non_compressed < g.to_warning;
    bool to_normal = g.non_compressed > g.warning_to_normal;
    switch (prev) {
    case VIEW_PRESSURE_NORMAL:
        return to_critical ? VIEW_PRESSURE_CRITICAL : to_warning ? VIEW_PRESSURE_WARNING : prev;
    case VIEW_PRESSURE_WARNING:
        return to_normal ? VIEW_PRESSURE_NORMAL : to_critical ? VIEW_PRESSURE_CRITICAL : prev;
    default:
        if (to_normal)
            return VIEW_PRESSURE_NORMAL;
        return g.non_compressed > g.critical_to_warning ? VIEW_PRESSURE_WARNING : prev;
    }
}

/* --- event log -------------------------------------------------------------------------- */

void view_log_add(struct view_log *l, uint32_t rgb, const char *fmt, ...)
{
    struct view_log_line *line = &l->line[l->total++ % VIEW_LOG_LINES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line->text, sizeof line->text, fmt, ap);
    va_end(ap);
    line->rgb = rgb;
}

void view_log_fault(struct view_log *l, const struct vm_fault_event *ev)
{
    static const char acc[] = "?RW?X";
    char pfn[16] = "-";
    if (ev->pfn != PFN_NONE)
        snprintf(pfn, sizeof pfn, "%u", ev->pfn);
    view_log_add(l, view_fault_rgb(ev->kind), "%d %c 0x%llx %s obj %u+0x%llx pfn %s%s", ev->task,
                 acc[ev->access & 7], (unsigned long long)ev->va, vm_fault_kind_name(ev->kind),
                 ev->object, (unsigned long long)ev->offset, pfn,
                 ev->result == KERN_SUCCESS ? "" : " (refused)");
}

const struct view_log_line *view_log_recent(const struct view_log *l, unsigned i)
{
    if (i >= l->total || i >= VIEW_LOG_LINES)
        return NULL;
    return &l->line[(l->total - 1 - i) % VIEW_LOG_LINES];
}

/* --- Jetsam ------------------------------------------------------------------------------- */

void view_band_text(char *buf, size_t len, int band)
{
    const char *name = memorystatus_band_name(band);
    snprintf(buf, len, "%d%s%s", band, name ? " " : "", name ? name : "");
}

uint32_t view_proc_limit(const struct memorystatus_proc *p, bool *fatal)
{
    bool active = memorystatus_proc_is_active(p);
    *fatal = active ? p->limits.active_fatal : p->limits.inactive_fatal;
    return active ? p->limits.active_mb : p->limits.inactive_mb;
}

void view_limit_text(char *buf, size_t len, const struct memorystatus_proc *p)
{
    bool fatal;
    uint32_t mb = view_proc_limit(p, &fatal);
    if (!mb)
        snprintf(buf, len, "no limit");
    else
        snprintf(buf, len, "limit %u MB %s%s", mb, fatal ? "fatal" : "soft",
                 memorystatus_proc_is_active(p) ? "" : " (inactive)");
}

enum view_pressure view_pressure_of(enum memorystatus_level level)
{
    switch (level) {
    case MEMORYSTATUS_LEVEL_WARNING: return VIEW_PRESSURE_WARNING;
    case MEMORYSTATUS_LEVEL_CRITICAL: return VIEW_PRESSURE_CRITICAL;
    default: return VIEW_PRESSURE_NORMAL;
    }
}

void view_pressure_gauge_jetsam(const struct memorystatus_vm *vm, struct view_pressure_gauge *g)
{
    struct memorystatus_thresholds th = memorystatus_thresholds(vm);
    *g = (struct view_pressure_gauge){
        .non_compressed = th.non_compressed, .available = th.available,
        .to_warning = th.enter_warning, .to_critical = th.enter_critical,
        .warning_to_normal = th.leave_to_normal, .critical_to_warning = th.leave_critical,
    };
}

static void log_level(struct view_log *l, const struct emu_jetsam_event *ev)
{
    struct memorystatus_thresholds th = memorystatus_thresholds(ev->vm);
    view_log_add(l, view_pressure_rgb(view_pressure_of(ev->to)),
                 "level %s -> %s (%llu%% uncompressed%s)", memorystatus_level_name(ev->from),
                 memorystatus_level_name(ev->to),
                 th.available ? (unsigned long long)(th.non_compressed * 100 / th.available) : 0ull,
                 ev->vm->compressor_low_on_space ? ", compressor low on space" : "");
}

void view_log_jetsam(struct view_log *l, const struct emu_jetsam_event *ev, uint32_t page_size)
{
    switch (ev->kind) {
    case EMU_JETSAM_LEVEL:
        log_level(l, ev);
        break;
    case EMU_JETSAM_NOTE:
        view_log_add(l, VIEW_RGB_NOTE, "note %s -> %d %s: %s", emu_jetsam_note_name(ev->note),
                     ev->pid, ev->name, ev->delivered ? "to its handler" : "no handler, dropped");
        break;
    case EMU_JETSAM_KILL:
        view_log_add(l, VIEW_RGB_KILL, "kill %d %s, band %d: %s, %.1f MB", ev->pid,
                     ev->name, ev->kill->band, memorystatus_cause_name(ev->kill->cause),
                     (double)(ev->kill->footprint * page_size) / (1 << 20));
        break;
    }
}

/* --- flashes ------------------------------------------------------------------------------ */

uint32_t view_flash_rgb(unsigned kind)
{
    return kind == VIEW_FLASH_KILL ? VIEW_RGB_KILL : view_fault_rgb((enum vm_fault_kind)kind);
}

uint8_t view_flash_alpha(unsigned age)
{
    return age >= VIEW_FLASH_TICKS ? 0 : (uint8_t)(255 - age * 192 / (VIEW_FLASH_TICKS - 1));
}

void view_flash_add(struct view_flashes *fl, pfn_t pfn, unsigned kind)
{
    fl->f[fl->total++ % VIEW_FLASHES] = (struct view_flash){ pfn, (uint8_t)kind, fl->tick };
}

void view_flash_each(const struct view_flashes *fl,
                     void (*fn)(void *ctx, const struct view_flash *f, unsigned age), void *ctx)
{
    uint64_t visible = 0;          /* counted from the newest */
    while (visible < fl->total && visible < VIEW_FLASHES &&
           fl->tick - fl->f[(fl->total - 1 - visible) % VIEW_FLASHES].born < VIEW_FLASH_TICKS)
        visible++;
    for (uint64_t i = fl->total - visible; i < fl->total; i++) {
        const struct view_flash *f = &fl->f[i % VIEW_FLASHES];
        fn(ctx, f, fl->tick - f->born);
    }
}

uint64_t view_speed_steps(int level)
{
    return 1ull << (level < 0 ? 0 : level >= VIEW_NSPEEDS ? VIEW_NSPEEDS - 1 : level);
}

bool view_parse_pause_on(const char *s, unsigned *mask)
{
    static const struct { const char *name; enum emu_jetsam_event_kind kind; } words[] = {
        { "level", EMU_JETSAM_LEVEL }, { "note", EMU_JETSAM_NOTE }, { "kill", EMU_JETSAM_KILL },
    };
    char buf[64];
    *mask = 0;
    if (snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf)
        return false;
    for (char *save, *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        unsigned m = 0;
        for (size_t i = 0; i < sizeof words / sizeof *words; i++)
            if (!strcmp(w, words[i].name))
                m = 1u << words[i].kind;
        if (!m)
            return false;
        *mask |= m;
    }
    return *mask != 0;
}
