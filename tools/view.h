/* tools/view.h — `machemu view`: an SDL2 window onto the machine's memory.
 *
 * Physical memory as a grid of 16 KB frames coloured by page queue or by owner task,
 * fault flashes, a legend; pressure gauges, per-task bars, the TLB hit rate, an event
 * log; the frame under the mouse (owner object, offset, queue, every mapping); one
 * task's address space. The machine is read through emu/inspect.h and driven through
 * emu/debug.h (dbg_resume), so a viewed run makes the same faults in the same order as
 * `machemu run`.
 *
 * This header is the viewer's contract: the entry point, and the parts that do not
 * need SDL (classes and colours, grid layout, pressure levels, the event log), which
 * the unit tests check. Only tools/view*.c include SDL. */
#ifndef TOOLS_VIEW_H
#define TOOLS_VIEW_H

#include <stdarg.h>
#include "emu/inspect.h"
#include "emu/jetsam.h"

/* Something that drives the run besides the guest (a scenario): start() once the
 * viewer has attached to the machine, before anything runs (it launches what is due at
 * 0); step() after every turn of the run loop, as dbg_run_driver() says; name() names
 * the tasks it knows in the task panel and the event log. */
struct view_driver {
    void (*start)(void *ctx);
    bool (*step)(void *ctx, bool more);
    const char *(*name)(void *ctx, int pid);   /* its name for a task (an app's), or NULL */
    void *ctx;
};

struct view_options {
    const char *snapshot;          /* --snapshot FILE.png: written once the run ends, then quit */
    const char *script;            /* --view-script FILE: commands run first (docs/viewer.md) */
    int width, height;             /* --view-size WxH (0: 1280x800) */
    const struct view_driver *driver;   /* NULL: the loaded program alone */
    unsigned pause_on;             /* --pause-on: 1 << enum emu_jetsam_event_kind each */
};
/* "kill", "level", "note" or a comma-separated list of them -> the pause_on mask;
 * false if a word is none of them. */
bool view_parse_pause_on(const char *s, unsigned *mask);

/* Runs the window on a machine with a program loaded (or, with a driver, on one the
 * driver fills); `program` names it in the title. Returns machemu's exit status: the
 * guest's if it ended (with a driver: 0), else 0; 2 if SDL or the font failed or the
 * script had a bad line. */
int view_main(struct emu *emu, const char *program, const struct view_options *o);

/* --- what a frame looks like ------------------------------------------------------- */

/* One class per colour of the grid; view_frame_class() is the only place a frame's
 * use and queue become a class, for the grid and the legend alike. */
enum view_class {
    VC_FREE,
    VC_ACTIVE_ANON,
    VC_ACTIVE_FILE,
    VC_INACTIVE_ANON,              /* inactive-internal */
    VC_INACTIVE_FILE,              /* inactive-external */
    VC_SPECULATIVE,
    VC_THROTTLED,
    VC_COMPRESSOR,                 /* segment memory of the compressor pool */
    VC_WIRED,                      /* user-wired VM pages */
    VC_PAGETABLE,
    VC_KERNEL,
    VC_RESERVED,
    VC_VM_UNQUEUED,                /* a VM frame between queues (in the middle of an operation) */
    VC_NCLASSES
};
enum view_class view_frame_class(const struct inspect_frame_state *fs);
const char *view_class_name(enum view_class c);      /* "active anonymous" */
const char *view_class_key(enum view_class c);       /* "active-anon": for scripts */
/* The class with this key, or -1. */
int view_class_by_key(const char *key);
uint32_t view_class_rgb(enum view_class c);           /* 0xRRGGBB */

enum view_colouring { VIEW_BY_STATE, VIEW_BY_OWNER };
/* By owner: each task its own hue; frames of no task in the class colour of free or
 * VIEW_RGB_NO_OWNER; frames several tasks reach in VIEW_RGB_SHARED. */
#define VIEW_RGB_NO_OWNER 0x5a5a64
#define VIEW_RGB_SHARED   0xf0f0f0
uint32_t view_frame_rgb(const struct inspect_frame_state *fs, enum view_colouring mode);
uint32_t view_owner_rgb(int pid);
/* The flash of a fault of this kind (every kind its own colour). */
uint32_t view_fault_rgb(enum vm_fault_kind k);
/* A page of an address-space strip (enum inspect_mem). */
uint32_t view_page_rgb(enum inspect_mem m);
/* "mapped", "resident", "compressed", "zero-fill", "in-file", "past-eof", "unmapped",
 * "no-task": for scripts. */
const char *view_page_key(enum inspect_mem m);
/* The state with this key, or -1. */
int view_page_by_key(const char *key);
/* The state a strip pixel covering several pages shows: the most resident one
 * (mapped, resident, compressed, in the file, zero-fill, past EOF, unmapped). */
enum inspect_mem view_page_summary(const uint8_t *states, size_t n);

/* --- the frame grid ------------------------------------------------------------------ */

struct view_grid {
    int x, y;                      /* top left of cell 0 */
    int cell;                      /* pixels per cell side, gap included */
    int gap;                       /* pixels left dark between cells (0 or 1) */
    int cols, rows;
    uint32_t per_cell;             /* frames per cell: 1 unless there are more frames than pixels */
    uint32_t nframes;
    int first_row;                 /* the grid's row shown at the top (scrolled) */
    int total_rows;                /* rows of the whole grid; `rows` are those shown */
};
/* The largest square cells that fit nframes into the w x h area at (x, y), row by
 * row from frame 0; false if the area is empty. With more frames than pixels a cell
 * stands for per_cell consecutive frames (drawn in their most common colour). */
bool view_grid_layout(struct view_grid *g, int x, int y, int w, int h, uint32_t nframes);
/* A frame's cell side in pixels for nframes in a w x h area, chosen from the RAM: the
 * largest that shows them all, never under VIEW_MIN_CELL (the grid then scrolls: 256 MB
 * and 1 GB stay readable). */
#define VIEW_MIN_CELL 5
#define VIEW_MAX_CELL 64
int view_grid_auto_cell(int w, int h, uint32_t nframes);
/* One frame per square cell of `cell` pixels, row by row, showing the rows from the one
 * that holds frame `top` (earlier if the rows after it would not fill the area): the
 * zoomed and scrolled grid. false if the area is empty. */
bool view_grid_layout_cells(struct view_grid *g, int x, int y, int w, int h, uint32_t nframes,
                            int cell, pfn_t top);
/* Top left pixel of the cell holding pfn; false if pfn is beyond the grid or scrolled
 * out of sight. */
bool view_grid_cell_xy(const struct view_grid *g, pfn_t pfn, int *px, int *py);
/* The first frame of the cell under pixel (px, py), or PFN_NONE. */
pfn_t view_grid_frame_at(const struct view_grid *g, int px, int py);

/* --- memory pressure (XNU's vm_pressure_response rule) -------------------------------- */

enum view_pressure { VIEW_PRESSURE_NORMAL, VIEW_PRESSURE_WARNING, VIEW_PRESSURE_CRITICAL };
const char *view_pressure_name(enum view_pressure p);
uint32_t view_pressure_rgb(enum view_pressure p);

struct view_pressure_in {
    uint64_t active, inactive, free, speculative;
    uint64_t compressed;           /* pages in the compressor (0 without one) */
    bool compressor_low;           /* the compressor is low on space */
};
/* In pages: AVAILABLE_NON_COMPRESSED_MEMORY (active + inactive + free + speculative),
 * AVAILABLE_MEMORY (that + compressed) and the thresholds on the first: below 50%
 * of available normal -> warning, below 30% warning -> critical, above 60% warning
 * -> normal, above 35% critical -> warning. */
struct view_pressure_gauge {
    uint64_t non_compressed, available;
    uint64_t to_warning, to_critical, warning_to_normal, critical_to_warning;
};
void view_pressure_gauge(const struct view_pressure_in *in, struct view_pressure_gauge *g);
/* The level after `prev` given these counters. */
enum view_pressure view_pressure_next(enum view_pressure prev, const struct view_pressure_in *in);

/* --- the event log ------------------------------------------------------------------------ */

#define VIEW_LOG_LINES 512
struct view_log_line {
    uint32_t rgb;
    char text[100];
};
struct view_log {
    struct view_log_line line[VIEW_LOG_LINES];
    uint64_t total;                /* lines ever added; the newest is line[(total-1) % N] */
};
void view_log_add(struct view_log *l, uint32_t rgb, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void view_log_fault(struct view_log *l, const struct vm_fault_event *ev);
/* The i-th newest line (0: the newest), NULL past the oldest kept. */
const struct view_log_line *view_log_recent(const struct view_log *l, unsigned i);

/* --- Jetsam ---------------------------------------------------------------------------------- */

/* "30 background", "100 foreground", "55" (a band XNU does not name). */
void view_band_text(char *buf, size_t len, int band);
/* The limit in force for p (the active one while it is active, else the inactive one)
 * in MB, 0 for none; *fatal whether crossing it kills at once. */
uint32_t view_proc_limit(const struct memorystatus_proc *p, bool *fatal);
/* "limit 24 MB fatal", "limit 12 MB soft", "no limit"; "(inactive)" after the inactive one. */
void view_limit_text(char *buf, size_t len, const struct memorystatus_proc *p);
#define VIEW_RGB_LIMIT_FATAL 0xff3c3c
#define VIEW_RGB_LIMIT_SOFT  0xff8cc8
#define VIEW_RGB_NOTE        0xb48cff
#define VIEW_RGB_KILL        0xd4276b
/* One line of the event log per Jetsam event, in the new level's colour, VIEW_RGB_NOTE or
 * VIEW_RGB_KILL:
 *   level normal -> warning (48% uncompressed)       (", compressor low on space")
 *   note WARN -> 1002 memapp: to its handler         (or ": no handler, dropped")
 *   kill 1002 memapp, band 30: vm-pageshortage, 50.3 MB    (its footprint)
 * The percentage is of XNU's available memory (memorystatus_thresholds); page_size
 * converts the footprint. */
void view_log_jetsam(struct view_log *l, const struct emu_jetsam_event *ev, uint32_t page_size);
enum view_pressure view_pressure_of(enum memorystatus_level level);
/* The gauge of the counters Jetsam evaluated (memorystatus_thresholds: XNU's
 * AVAILABLE_MEMORY, with the frames the compressor occupies). */
void view_pressure_gauge_jetsam(const struct memorystatus_vm *vm, struct view_pressure_gauge *g);

/* --- fault flashes -------------------------------------------------------------------------- */

#define VIEW_FLASHES 4096          /* the newest faults flash; older ones are forgotten */
#define VIEW_FLASH_TICKS 6         /* redraws (or script commands) a flash lasts, fading */
#define VIEW_FLASH_KILL VM_FAULT_NKINDS   /* a frame a Jetsam kill gave back */
struct view_flash { pfn_t pfn; uint8_t kind; uint32_t born; };
struct view_flashes {
    struct view_flash f[VIEW_FLASHES];
    uint64_t total;
    uint32_t tick;
};
/* kind: an enum vm_fault_kind, or VIEW_FLASH_KILL. */
void view_flash_add(struct view_flashes *fl, pfn_t pfn, unsigned kind);
/* Its colour: the fault's (view_fault_rgb), VIEW_RGB_KILL for a kill's. */
uint32_t view_flash_rgb(unsigned kind);
/* How opaque a flash of this age is drawn (0 .. TICKS-1): 255 when new, fading to a
 * quarter by its last redraw. */
uint8_t view_flash_alpha(unsigned age);
/* The flashes still visible, oldest first, so that a frame's newest flash is drawn
 * last, over older ones: calls fn for each (age 0 .. TICKS-1). */
void view_flash_each(const struct view_flashes *fl,
                     void (*fn)(void *ctx, const struct view_flash *f, unsigned age), void *ctx);

/* --- run speed ------------------------------------------------------------------------------- */

#define VIEW_NSPEEDS 25
#define VIEW_SPEED_DEFAULT 17      /* 131072 instructions a redraw */
/* Guest instructions run per redraw at speed level i (0 .. VIEW_NSPEEDS-1): 2^i, so
 * each step of + or - doubles or halves the speed. */
uint64_t view_speed_steps(int level);

#endif
