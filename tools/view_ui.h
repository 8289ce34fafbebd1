/* tools/view_ui.h — what the viewer's SDL files share (tools/view.c: window, run
 * control, input; tools/view_draw.c: drawing; tools/view_panels.c: the side panels;
 * tools/view_jetsam.c: Jetsam's events and the task panel; tools/view_script.c:
 * --view-script). Not a contract for anyone else. */
#ifndef TOOLS_VIEW_UI_H
#define TOOLS_VIEW_UI_H

#include <SDL.h>
#include "emu/debug.h"
#include "tools/view.h"

#define VIEW_MAX_TASKS 64
#define VIEW_TASK_ROWS 6               /* tasks the panel shows at most */
#define VIEW_MAX_REGIONS 512
#define VIEW_BG 0x101014

enum view_pane { VIEW_PANE_PHYSICAL, VIEW_PANE_ADDRESS };

/* A monospace font as a texture of the printable ASCII glyphs. */
struct view_font {
    SDL_Texture *atlas;
    int w, h;                      /* advance and line height */
};

/* Where things are on the window, recomputed from its size on every redraw. */
struct view_layout {
    SDL_Rect status, main, legend, side;
    SDL_Rect pressure, compressor, tlb, tasks, frame, log;
    SDL_Rect jlog;                 /* Jetsam's own log, under the events (h 0: no room) */
    SDL_Rect timeline;             /* the lane under the grid (h 0: no room) */
    SDL_Rect pressure_swatch, avail_gauge, free_gauge, memory_bar, compressor_bar;
    struct view_grid grid;
    int task_rows;                 /* tasks the panel has room for */
    int legend_bottom;             /* below the legend's last line, as drawn */
    SDL_Rect help;                 /* the help box, as last drawn */
    int help_text_w;               /* its longest line */
    struct view_task_bar {         /* drawn by the last redraw */
        int pid;
        SDL_Rect foot;             /* the footprint bar (all RAM wide) */
        int limit_x;               /* the limit's tick, -1 if none is drawn */
    } task_bars[VIEW_TASK_ROWS];
    int ntask_bars;
};

/* The frames the last Jetsam kill gave back: those its victim owned at the kill. */
struct view_kill {
    int pid;
    uint32_t frames;
    pfn_t first[16];               /* the lowest of them */
};

/* The timeline lane's history (tools/view_timeline.c). */
#define VIEW_TIMELINE_SAMPLES 2048
#define VIEW_TIMELINE_MARKS 256
struct view_timeline_sample { uint64_t icount; uint32_t free, compressed, file; uint8_t level; };
struct view_timeline_mark { uint64_t icount; uint8_t kind; };   /* enum emu_jetsam_event_kind */
struct view_timeline {
    struct view_timeline_sample s[VIEW_TIMELINE_SAMPLES];
    int n;
    uint64_t stride;               /* instructions between samples kept, at least */
    struct view_timeline_mark marks[VIEW_TIMELINE_MARKS];
    int nmarks;
};

/* A script or a key waiting for one of Jetsam's events (view_until_jetsam). */
struct view_wait {
    bool active, hit;
    bool any_level;                /* a level change to whichever level */
    enum emu_jetsam_event_kind kind;
    enum memorystatus_level level; /* for EMU_JETSAM_LEVEL: the level it goes to */
    uint64_t icount;               /* when it came */
    char text[100];                /* its line in the event log */
    struct view_kill kill;         /* for a kill: its frames */
};

struct view {
    struct emu *emu;
    const char *program;
    const struct view_driver *driver;      /* NULL: none */
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *grid_tex;         /* one texel per grid cell */
    int grid_tex_w, grid_tex_h;
    struct view_font font;
    bool headless;
    struct view_layout lay;

    /* the machine, sampled before each redraw */
    struct inspect_frame_state *frames;
    uint32_t nframes;
    uint32_t class_count[VC_NCLASSES];
    struct inspect_vm vm;
    struct inspect_task tasks[VIEW_MAX_TASKS];
    struct inspect_task_memory mem[VIEW_MAX_TASKS];
    bool mem_ok[VIEW_MAX_TASKS];
    int ntasks;
    enum view_pressure pressure;
    struct view_pressure_gauge gauge;      /* of the counters the level comes from */
    bool jetsam_level;                     /* the level is Jetsam's (else the viewer's rule) */
    uint64_t tlb_hits, tlb_misses;         /* at the previous sample */
    double tlb_recent;                     /* hit rate since then; < 0: no lookups */

    /* run control */
    bool running, exited, quit;
    int exit_status;
    int speed;                     /* index for view_speed_steps() */
    uint64_t steps;                /* instructions run through the viewer */
    uint64_t faults;               /* faults observed */

    /* what the person looks at */
    enum view_colouring colouring;
    enum view_pane pane;
    int zoom;                      /* the grid's: see layout_grid() in view_draw.c */
    pfn_t grid_top;                /* a frame of the grid's first row shown */
    char task_names[VIEW_MAX_TASKS][32];   /* tasks[i].name, kept past the run's end */
    bool help;
    pfn_t hover, selected;         /* PFN_NONE if none */
    int as_pid;                    /* the task of the address-space pane (0: the running one) */
    int as_scroll;                 /* first region row shown */
    uint8_t *page_states;
    size_t page_states_cap;
    struct vm_region_info regions[VIEW_MAX_REGIONS];
    struct view_strip { uint64_t start, end; SDL_Rect r; bool label_whole; } strips[VIEW_MAX_REGIONS];
    int nstrips;                   /* drawn in the address-space pane by the last redraw */

    struct view_log log;
    struct view_log jlog;          /* Jetsam's events alone: faults never push them off */
    struct view_timeline timeline;
    struct {                       /* the run's Jetsam story, for its end */
        int kills;
        char victims[160];         /* "leaky (pid 1002): vm-compressor-space-shortage" */
        uint64_t peak_compressed;  /* pages stored in the compressor at most */
    } story;
    unsigned pause_on;             /* --pause-on: 1 << enum emu_jetsam_event_kind */
    bool paused_by_jetsam;         /* the last pause was one of them (script `play`) */
    char pause_text[100];          /* the event it paused at */
    struct view_wait wait;
    struct view_kill last_kill;
    struct view_flashes flashes;
    unsigned snapshots;            /* written with the key, for their names */
};

/* view.c */
void view_sample(struct view *v);
/* Runs `steps` instructions (0: no limit), stopping early at a fault of `faults`
 * (a DBG_FAULT_* mask) or at the end of the run; returns why it stopped. */
enum dbg_stop view_resume(struct view *v, uint64_t steps, unsigned faults,
                          struct dbg_event *ev);
void view_key(struct view *v, SDL_Keycode key);
/* Zoom level z of the grid (0 .. VIEW_MAX_ZOOM), keeping its top row. */
#define VIEW_MAX_ZOOM 5
void view_zoom(struct view *v, int z);
/* Scrolls the grid by `rows` rows (negative: up). */
void view_scroll_grid(struct view *v, int rows);
void view_mouse(struct view *v, int x, int y, bool click);
/* Draws the window as it is now and writes it as a PNG; 0, or -1 with a message. */
int view_snapshot(struct view *v, const char *path);

/* view_draw.c */
int view_font_open(struct view *v, char *err, size_t errlen);
void view_font_close(struct view *v);
void view_compute_layout(struct view *v);
void view_draw(struct view *v);
void ui_fill(struct view *v, const SDL_Rect *r, uint32_t rgb);
/* Draws text at (x, y), clipped to max_w pixels (0: no limit); returns its width. */
int ui_text(struct view *v, int x, int y, int max_w, uint32_t rgb, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void ui_bar(struct view *v, const SDL_Rect *r, double frac, uint32_t rgb);

/* view_panels.c */
void view_draw_side(struct view *v);
void view_draw_address_space(struct view *v);
/* The lines describing frame pfn (the frame panel; the script's `frame`). */
int view_frame_lines(struct view *v, pfn_t pfn, char lines[][100], int max);

/* view_jetsam.c */
/* The driver's name for a task (a scenario's app), else its own. */
const char *view_task_name(const struct view *v, int pid, const char *own);
/* Starts (on) or stops hearing Jetsam's events: each becomes a line of the event log. */
void view_jetsam_listen(struct view *v, bool on);
/* Runs until Jetsam's next event of this kind (for a level change: to `level`); false
 * if the run ended first. What came is in v->wait. */
bool view_until_jetsam(struct view *v, enum emu_jetsam_event_kind kind,
                       enum memorystatus_level level);
/* The same for a level change to any level. */
bool view_until_level_change(struct view *v);
/* At the end of the run: the summary line (who was killed, why, the compressor's peak)
 * in both logs. */
void view_jetsam_summary(struct view *v);
/* The task panel's lines for v->tasks[i] (sampled, with memory): 2. */
int view_task_lines(struct view *v, int i, char lines[][100]);
int view_task_row_height(const struct view *v);
/* Tasks with an address space, as last sampled. */
int view_live_tasks(const struct view *v);
void view_draw_tasks(struct view *v);

/* view_timeline.c */
/* A sample of the counters now (vm: Jetsam's of this evaluation, NULL: read them) at
 * this pressure level (enum view_pressure). */
void view_timeline_sample(struct view *v, const struct memorystatus_vm *vm, int level);
void view_timeline_mark(struct view *v, enum emu_jetsam_event_kind kind);
int view_timeline_x(const struct view *v, uint64_t at);
void view_draw_timeline(struct view *v);

/* view_script.c: runs a --view-script; 0, or 2 on a bad line (after saying why). */
int view_script(struct view *v, const char *path);

#endif
