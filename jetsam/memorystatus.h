/* jetsam/memorystatus.h — memory pressure levels, notifications and Jetsam kills.
 *
 * A pure policy library, the memorystatus of XNU (bsd/kern/kern_memorystatus*.c) and the
 * level machine of vm_pressure_response (osfmk/vm/vm_pageout.c). It includes nothing of
 * vm/ or emu/: the caller fills in struct memorystatus_vm (system counters) and each
 * process's usage, calls memorystatus_evaluate(), and the library acts through callbacks
 * (notify, kill). Time is always a count of guest instructions the caller passes as
 * `now`, never a clock, so a run replays identically.
 *
 * Typical use: create the table once with the callbacks; memorystatus_add() when a task
 * starts and memorystatus_remove() when it ends; memorystatus_set_notes() when a guest
 * registers its pressure handler; after each quantum or VM change, memorystatus_update()
 * the tasks that ran and call memorystatus_evaluate() with fresh counters, and again,
 * with the victim's memory freed, for as long as it returns MEMORYSTATUS_DID_KILL.
 * memorystatus_next_notify() says when a round of notes wants the next evaluation.
 *
 * One evaluation, in this order:
 *  1. Level. memorystatus_level_next() from the counters (rules below).
 *  2. At most one kill (rules below); the caller frees the victim's memory, refreshes the
 *     counters and evaluates again (XNU's memorystatus thread loops the same way).
 *     Deterministic, and each kill is decided on counters that show the previous one.
 *     Killing first means a process over a fatal limit hears nothing before it dies.
 *  3. Per-process limit notes, to every process that earned one (not spaced).
 *  4. At most one pressure note, if `notify_spacing` instructions have passed since the
 *     last one (the 250 ms of XNU's INTER_NOTIFICATION_DELAY).
 *
 * Pressure levels (all integer arithmetic, divisions truncate as in XNU's macros):
 *   non_compressed = active + inactive + free + speculative   (AVAILABLE_NON_COMPRESSED)
 *   available      = non_compressed + compressor_frames        (AVAILABLE_MEMORY)
 *   compact        = available * 10 / 20      (50%, iOS minor-compact divisor 20)
 *   unthrottle     = available * 10 / 40      (25%, iOS swap-unthrottle divisor 40)
 *   compressor_low_on_space                 -> critical, from any level (checked first)
 *   normal:   non_compressed < 12 * unthrottle / 10 (30%)  -> critical
 *             else non_compressed < compact (50%)          -> warning
 *   warning:  non_compressed > 12 * compact / 10 (60%)     -> normal
 *             else non_compressed < 12 * unthrottle / 10   -> critical
 *   critical: non_compressed > 12 * compact / 10           -> normal
 *             else non_compressed > 14 * unthrottle / 10 (35%) -> warning
 * Comparisons are strict: exactly at a threshold the level does not move. Normal may jump
 * straight to critical and critical straight to normal, as in XNU. One deliberate
 * deviation: XNU tests low-on-space only on the way up, so a full compressor with plenty
 * of uncompressed memory makes its level flap critical/normal on every evaluation; here
 * low-on-space holds the level at critical until it clears.
 *
 * Pressure notes (vm_pressure_select_optimal_candidate_to_notify). A level change starts a
 * round; each due evaluation notifies one candidate with the level's note. Candidates:
 * not killed, listening for that note (memorystatus_set_notes), not already notified at
 * this level, and with a footprint of at least 6 MB (MEMORYSTATUS_NOTIFY_MIN_BYTES).
 * Rising pressure (the level went up): lowest band first, ties by largest footprint, then
 * band order. Falling pressure (critical -> warning, or -> normal): highest band first
 * (XNU's "pressure decreased" branch: the most important process first), ties likewise.
 * Back at normal, NORMAL goes only to processes last told WARN or CRITICAL (the 6 MB floor
 * does not apply: whoever was told of pressure hears it ended). The spacing is one
 * interval between any two pressure notes of the system (one pressure thread).
 *
 * Per-process limits (phys_footprint against the active or the inactive limit, in MB,
 * each fatal or soft, 0 = none). The active limit applies while the process is active:
 * frontmost, or in a band >= FOREGROUND and neither idle nor suspended; otherwise the
 * inactive one. For the limit that applies:
 *   footprint >  80% of it (MEMORYSTATUS_LIMIT_WARN_PERCENT, XNU's phys_footprint ledger
 *                warning level)                 -> NOTE_MEMORYSTATUS_PROC_LIMIT_WARN, once
 *   footprint >  a soft limit                   -> NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL, once
 *                (a process that jumps past both lines gets only CRITICAL)
 *   footprint >  a fatal limit                  -> killed, cause per-process-limit
 * "Once" per limit (active and inactive apart) until memorystatus_set_limits() re-arms.
 *
 * Kills, one per evaluation, the first rule that finds a victim:
 *   1. over a fatal limit                          -> per-process-limit
 *   2. level >= warning or available_pages < pressure threshold:
 *      over a soft limit                           -> highwater
 *   3. level critical, compressor low on space, or available_pages < critical threshold:
 *      the top process                             -> vm-compressor-space-shortage when the
 *                                                     compressor is low on space, else
 *                                                     vm-pageshortage
 *   4. available_pages < idle threshold: the head of the IDLE band -> idle-exit
 * Rules 1 and 2 take the lowest band first, the head of the band first. Rule 3 ("the top
 * process") too, except that the FOREGROUND band is first re-sorted largest footprint
 * first (memorystatus_sort_bucket). Rule 3 kills IDLE-band processes with rule 3's cause,
 * as XNU's "killing_idle_process" path does; idle-exit (rule 4) stands for the kill XNU's
 * VM asks for between the idle and the critical threshold (memorystatus_idle_exit_from_VM).
 * available_pages is XNU's memorystatus_available_pages with a compressor: free +
 * file_backed (pageable external pages). Thresholds: critical = 5% of total_pages, idle
 * = 2x, pressure = 3x; all "under" comparisons are strict.
 *
 * Band order. Each band is a list: memorystatus_add() and a change of band put the process
 * at the tail; memorystatus_proc_at() walks all processes band by band (lowest first), in
 * list order. Rule 3 re-sorts the FOREGROUND list as it goes, as XNU does.
 *
 * Callbacks. Any callback may change the table (the kill callback typically removes the
 * victim), but must not call memorystatus_evaluate() or memorystatus_destroy(): the
 * library touches no process after a callback without looking it up again.
 * A victim the caller does not remove stays in the table, marked killed: it is never
 * chosen, notified or killed again, and later reports show it with its reason. Pointers
 * from memorystatus_find()/memorystatus_proc_at() are valid until the next call that
 * changes the table (add, remove, set_band, evaluate).
 *
 * Not thread-safe: one caller at a time. */
#ifndef JETSAM_MEMORYSTATUS_H
#define JETSAM_MEMORYSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bands (JETSAM_PRIORITY_*): lower dies first ---------------------------------- */
#define MEMORYSTATUS_BAND_IDLE                       0
#define MEMORYSTATUS_BAND_AGING_BAND1               10
#define MEMORYSTATUS_BAND_BACKGROUND_OPPORTUNISTIC  20
#define MEMORYSTATUS_BAND_BACKGROUND                30
#define MEMORYSTATUS_BAND_MAIL                      40
#define MEMORYSTATUS_BAND_PHONE                     50
#define MEMORYSTATUS_BAND_FREEZER                   75
#define MEMORYSTATUS_BAND_UI_SUPPORT                80
#define MEMORYSTATUS_BAND_FOREGROUND_SUPPORT        90
#define MEMORYSTATUS_BAND_FOREGROUND               100
#define MEMORYSTATUS_BAND_AUDIO_AND_ACCESSORY      120
#define MEMORYSTATUS_BAND_CONDUCTOR                130
#define MEMORYSTATUS_BAND_DRIVER_APPLE             150
#define MEMORYSTATUS_BAND_HOME                     160
#define MEMORYSTATUS_BAND_EXECUTIVE                170
#define MEMORYSTATUS_BAND_IMPORTANT                180
#define MEMORYSTATUS_BAND_CRITICAL                 190
#define MEMORYSTATUS_BAND_MAX                      210

/* "idle", "background", "foreground", ... (XNU's names, lower case); NULL for a band
 * number XNU does not name (any 0..210 is a valid band). */
const char *memorystatus_band_name(int band);
/* A band by name (as above) or number 0..210: 0, or -1. */
int memorystatus_band_parse(const char *s, int *band);

/* ---- kill causes (kMemorystatusKilled*) and their report strings ------------------ */
enum memorystatus_cause {
    MEMORYSTATUS_CAUSE_NONE = 0,
    MEMORYSTATUS_CAUSE_JETTISONED = 1,
    MEMORYSTATUS_CAUSE_HIGHWATER = 2,
    MEMORYSTATUS_CAUSE_VNODE_LIMIT = 3,
    MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE = 4,
    MEMORYSTATUS_CAUSE_PROC_THRASHING = 5,
    MEMORYSTATUS_CAUSE_FC_THRASHING = 6,
    MEMORYSTATUS_CAUSE_PER_PROCESS_LIMIT = 7,
    MEMORYSTATUS_CAUSE_DISK_SPACE_SHORTAGE = 8,
    MEMORYSTATUS_CAUSE_IDLE_EXIT = 9,
    MEMORYSTATUS_CAUSE_ZONE_MAP_EXHAUSTION = 10,
    MEMORYSTATUS_CAUSE_VM_COMPRESSOR_THRASHING = 11,
    MEMORYSTATUS_CAUSE_VM_COMPRESSOR_SPACE_SHORTAGE = 12,
    MEMORYSTATUS_CAUSE_LOW_SWAP = 13,
    MEMORYSTATUS_CAUSE_SUSTAINED_PRESSURE = 14,
    MEMORYSTATUS_CAUSE_VM_PAGEOUT_STARVATION = 15,
    MEMORYSTATUS_CAUSE_LONG_IDLE_EXIT = 17,
};
/* "highwater", "vm-pageshortage", ...; NULL for NONE, 16 and unknown values. */
const char *memorystatus_cause_name(enum memorystatus_cause cause);

/* ---- levels and notes -------------------------------------------------------------- */
enum memorystatus_level {
    MEMORYSTATUS_LEVEL_NORMAL = 0,
    MEMORYSTATUS_LEVEL_WARNING = 1,
    MEMORYSTATUS_LEVEL_CRITICAL = 2,
};
/* "normal", "warning", "critical"; NULL otherwise. */
const char *memorystatus_level_name(enum memorystatus_level level);

#define NOTE_MEMORYSTATUS_PRESSURE_NORMAL    0x00000001u
#define NOTE_MEMORYSTATUS_PRESSURE_WARN      0x00000002u
#define NOTE_MEMORYSTATUS_PRESSURE_CRITICAL  0x00000004u
#define NOTE_MEMORYSTATUS_PROC_LIMIT_WARN    0x00000010u
#define NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL 0x00000020u
#define MEMORYSTATUS_NOTES_ALL  0x00000037u

/* The note of a level: NORMAL, WARN or CRITICAL. */
uint32_t memorystatus_level_note(enum memorystatus_level level);

/* ---- fixed numbers ------------------------------------------------------------------ */
#define MEMORYSTATUS_NOTIFY_MIN_BYTES      (6u << 20)  /* smaller processes are not notified */
#define MEMORYSTATUS_LIMIT_WARN_PERCENT    80u
#define MEMORYSTATUS_CRITICAL_PERCENT      5u          /* of total_pages (devices <= 3 GB) */
#define MEMORYSTATUS_IDLE_FACTOR           2u          /* idle threshold = 2 x critical */
#define MEMORYSTATUS_PRESSURE_FACTOR       3u          /* pressure threshold = 3 x critical */
/* Guest time scale: a 100 MHz guest retiring one instruction a cycle, so 1 ms is 100,000
 * instructions and XNU's 250 ms between notes is 25,000,000: a guest app runs a quarter
 * of an emulated second (about 0.1-0.3 s of host time under Unicorn) between two notes,
 * enough to free its cache before the next process is told. */
#define MEMORYSTATUS_INSTRUCTIONS_PER_MS   100000u
#define MEMORYSTATUS_NOTIFY_SPACING_DEFAULT (250ull * MEMORYSTATUS_INSTRUCTIONS_PER_MS)
#define MEMORYSTATUS_NAME_MAX              33          /* p_name: 2 * MAXCOMLEN + 1 */
#define MEMORYSTATUS_LIMIT_MB_MAX          1048575u    /* largest limit: just under 1 TB */

/* ---- system counters: the caller fills them in, in pages ------------------------------ */
struct memorystatus_vm {
    uint64_t free, active, inactive, speculative, throttled, wired;
    uint64_t purgeable;            /* pages in volatile purgeable objects */
    uint64_t file_backed;          /* pageable external (file-backed) pages */
    uint64_t anonymous;            /* pageable internal (anonymous) pages */
    uint64_t compressor_pages;     /* pages stored in the compressor (uncompressed count) */
    uint64_t compressor_frames;    /* frames the compressor occupies */
    uint64_t compressions, decompressions;
    bool compressor_low_on_space;
    uint64_t total_pages;          /* RAM */
};

/* The numbers the level machine compares non_compressed against (see the top). */
struct memorystatus_thresholds {
    uint64_t non_compressed, available;
    uint64_t enter_warning;        /* normal -> warning below this */
    uint64_t enter_critical;       /* -> critical below this */
    uint64_t leave_to_normal;      /* warning/critical -> normal above this */
    uint64_t leave_critical;       /* critical -> warning above this */
};
struct memorystatus_thresholds memorystatus_thresholds(const struct memorystatus_vm *vm);
enum memorystatus_level memorystatus_level_next(enum memorystatus_level cur,
                                                const struct memorystatus_vm *vm);

/* memorystatus_available_pages (free + file_backed) and its thresholds in pages. */
uint64_t memorystatus_available_pages(const struct memorystatus_vm *vm);
uint64_t memorystatus_critical_pages(uint64_t total_pages);     /* total * 5 / 100 */
uint64_t memorystatus_idle_pages(uint64_t total_pages);         /* 2 x critical */
uint64_t memorystatus_pressure_pages(uint64_t total_pages);     /* 3 x critical */

/* ---- processes ----------------------------------------------------------------------- */
#define MEMORYSTATUS_STATE_FRONTMOST  0x1u
#define MEMORYSTATUS_STATE_SUSPENDED  0x2u
#define MEMORYSTATUS_STATE_IDLE       0x4u

struct memorystatus_limits {
    uint32_t active_mb, inactive_mb;       /* 0: no limit */
    bool active_fatal, inactive_fatal;     /* fatal: killed at once; soft: highwater */
};
/* "MB", "MB:fatal" or "MB:soft" (--memlimit; no suffix: fatal, as iOS app limits are) into
 * *mb and *fatal: 0, or -1. */
int memorystatus_limit_parse(const char *s, uint32_t *mb, bool *fatal);

/* What the caller knows of a process; memorystatus_update() replaces all of it. */
struct memorystatus_usage {
    uint64_t footprint;            /* phys_footprint, pages */
    uint64_t purgeable;            /* pages */
    uint64_t cpu_time;             /* guest instructions it has run */
    uint32_t fds;                  /* open file descriptors */
    bool times_exact;              /* cpu_time and its age count every instruction since
                                      its launch (the caller's clock had no gap) */
};

struct memorystatus_spawn {
    int pid;                       /* > 0 */
    const char *name;              /* truncated to MEMORYSTATUS_NAME_MAX - 1 bytes */
    int band;                      /* 0..210 */
    uint64_t coalition;
    uint64_t launch_time;          /* guest instructions */
};

/* One process as the library sees it: read-only for callers. */
struct memorystatus_proc {
    int pid;
    char name[MEMORYSTATUS_NAME_MAX];
    int band;
    unsigned states;               /* MEMORYSTATUS_STATE_* */
    uint32_t notes;                /* NOTE_MEMORYSTATUS_* it listens for; 0: none */
    uint32_t notified;             /* last pressure note sent; 0: none */
    uint32_t limit_notes_sent;     /* PROC_LIMIT_* sent, bits 0-1 active, 2-3 inactive */
    struct memorystatus_limits limits;
    struct memorystatus_usage usage;
    uint64_t lifetime_max;         /* largest footprint seen, pages */
    uint64_t coalition;
    uint64_t launch_time;
    uint64_t idle_since;           /* when it last became idle */
    enum memorystatus_cause killed; /* NONE while alive */
};

/* Active limit in force (see the top). */
bool memorystatus_proc_is_active(const struct memorystatus_proc *p);

/* What the kill callback learns. Valid during the callback only. */
struct memorystatus_kill {
    int pid;
    char name[MEMORYSTATUS_NAME_MAX];
    int band;
    enum memorystatus_cause cause;
    uint64_t footprint;            /* pages */
    uint64_t now;
    uint64_t round_start;          /* first kill of this run of evaluations that each killed
                                      (the report's killDelta is now - round_start) */
    uint64_t seq;                  /* 1 for the first kill of this table, then 2, ... */
    const char *report;            /* path of its JetsamEvent report, or NULL */
    const char *report_error;      /* why there is none although save_report is set */
};

struct memorystatus_config {
    uint32_t page_size;            /* bytes, a power of two (16384 on arm64 iOS) */
    uint64_t notify_spacing;       /* instructions between two pressure notes; 0: default */
    /* macOS policy (XNU without CONFIG_JETSAM, a swap file behind the compressor): no
     * kill for a page shortage or the critical level; rule 3 only while the compressor
     * is low on space (memorystatus_kill_on_VM_compressor_space_shortage). Levels,
     * notes, limits and idle exit as on iOS. */
    bool macos;
    void *ctx;
    void (*notify)(void *ctx, int pid, uint32_t note);                  /* required */
    void (*kill)(void *ctx, const struct memorystatus_kill *k);         /* required */
    void (*level_changed)(void *ctx, enum memorystatus_level from,
                          enum memorystatus_level to);                  /* optional */
    /* Keeps the JetsamEvent report of a kill, before the kill callback: its file name
     * and text (jetsam/jetsam_report.h). 0 with where it went in where[], or -errno with
     * one line in err[]. Optional: NULL, no reports. The table never touches files. */
    int (*save_report)(void *ctx, const char *name, const char *text, char *where,
                       size_t wherelen, char *err, size_t errlen);
};

struct memorystatus;

/* The footprint (pages) up to which p's limit in force asks nothing of an evaluation:
 * one page more earns a PROC_LIMIT note or a per-process-limit kill. UINT64_MAX when the
 * limit has nothing more to give (none, or a soft one whose notes were all sent). Lets
 * the caller evaluate at the page that crosses a line instead of polling. */
uint64_t memorystatus_limit_line(const struct memorystatus *ms, const struct memorystatus_proc *p);

/* The process an evaluation with these counters would kill first, and the cause; NULL
 * if it would kill none. Changes nothing: for a debugger that says what will happen. */
const struct memorystatus_proc *memorystatus_next_victim(const struct memorystatus *ms,
                                                         const struct memorystatus_vm *vm,
                                                         enum memorystatus_cause *cause);

/* NULL with errno EINVAL (bad config) or ENOMEM. The config is copied. */
struct memorystatus *memorystatus_create(const struct memorystatus_config *cfg);
void memorystatus_destroy(struct memorystatus *ms);

/* These return 0, -EINVAL (bad argument), -EEXIST (add: pid present), -ESRCH (no such
 * pid) or -ENOMEM. */
int memorystatus_add(struct memorystatus *ms, const struct memorystatus_spawn *s);
int memorystatus_remove(struct memorystatus *ms, int pid);
/* To the tail of the new band; the same band leaves the process where it is. */
int memorystatus_set_band(struct memorystatus *ms, int pid, int band);
/* Limits of at most MEMORYSTATUS_LIMIT_MB_MAX; re-arms the PROC_LIMIT notes. */
int memorystatus_set_limits(struct memorystatus *ms, int pid, const struct memorystatus_limits *l);
/* MEMORYSTATUS_STATE_* as a whole; becoming idle records `now` as idle_since. */
int memorystatus_set_state(struct memorystatus *ms, int pid, unsigned states, uint64_t now);
/* The NOTE_MEMORYSTATUS_* the process listens for (a guest registering its handler). */
int memorystatus_set_notes(struct memorystatus *ms, int pid, uint32_t notes);
int memorystatus_update(struct memorystatus *ms, int pid, const struct memorystatus_usage *u);

const struct memorystatus_proc *memorystatus_find(const struct memorystatus *ms, int pid);
size_t memorystatus_count(const struct memorystatus *ms);
/* The i-th process, band by band from the lowest, each band in list order; NULL past the end. */
const struct memorystatus_proc *memorystatus_proc_at(const struct memorystatus *ms, size_t i);

/* What an evaluation did (bits). */
#define MEMORYSTATUS_DID_LEVEL   0x1u      /* the level changed */
#define MEMORYSTATUS_DID_LIMIT   0x2u      /* at least one PROC_LIMIT note */
#define MEMORYSTATUS_DID_NOTIFY  0x4u      /* a pressure note */
#define MEMORYSTATUS_DID_KILL    0x8u      /* a kill (call again after freeing its memory) */

unsigned memorystatus_evaluate(struct memorystatus *ms, const struct memorystatus_vm *vm,
                               uint64_t now);
enum memorystatus_level memorystatus_level(const struct memorystatus *ms);
/* When the next pressure note may go out: `now` or later if a candidate waits, UINT64_MAX
 * if none does (so a caller knows when to evaluate again with unchanged counters). */
uint64_t memorystatus_next_notify(const struct memorystatus *ms, uint64_t now);
/* The counters of the last evaluation (zero before the first) and the page size. */
const struct memorystatus_vm *memorystatus_last_vm(const struct memorystatus *ms);
uint32_t memorystatus_page_size(const struct memorystatus *ms);

#endif
