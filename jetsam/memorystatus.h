/* jetsam/memorystatus.h — memory pressure levels, notifications and Jetsam kills.
 *
 * A pure policy library, the memorystatus of XNU (bsd/kern/kern_memorystatus*.c) and the
 * level machine of vm_pressure_response (osfmk/vm/vm_pageout.c). It includes nothing of
 * vm/ or emu/: the caller fills in struct memorystatus_vm (system counters) and each
 * process's usage, calls memorystatus_evaluate(), and the library acts through callbacks
 * (notify, kill). Time is always a count of guest instructions the caller passes as
 * `now`, never a clock, so a run replays identically; XNU's periods in milliseconds
 * become instructions at `insns_per_ms` (default 100,000: a 100 MHz guest, so the 250 ms
 * between two notes is 25,000,000 instructions, 5 s 500,000,000).
 *
 * Typical use: create the table once with the callbacks; memorystatus_add() when a task
 * starts and memorystatus_remove() when it ends; memorystatus_set_notes() when a guest
 * registers its pressure handler; after each quantum or VM change, memorystatus_update()
 * the tasks that ran and call memorystatus_evaluate() with fresh counters, and again,
 * with the victim's memory freed, for as long as it returns MEMORYSTATUS_DID_KILL.
 * memorystatus_next_timer() says when the table next wants an evaluation although no
 * counter moved (a note waiting out its spacing, a timer of XNU's).
 *
 * One evaluation, in this order:
 *  1. Level. memorystatus_level_next() from the counters (rules below).
 *  2. At most one kill (rules below); the caller frees the victim's memory, refreshes the
 *     counters and evaluates again (XNU's memorystatus thread loops the same way).
 *  3. Per-process limit notes, to every process that earned one (not spaced).
 *  4. The pressure notes the pressure thread would send by now (below).
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
 * low-on-space holds the level at critical until it clears. A level that stays warning or
 * critical for 30 minutes counts as a fresh transition (PRESSURE_LEVEL_STUCK_THRESHOLD_MINS).
 * On iOS the level drives notes only: it never kills.
 *
 * Pressure notes (memorystatus_update_vm_pressure and
 * vm_pressure_select_optimal_candidate_to_notify, kern_memorystatus_notify.c). A level
 * change wakes the pressure thread unless it is already working; it then sends one note
 * at a time, 250 ms apart (`notify_spacing`; none between notes while the available pages
 * are at or below halfway from the soft to the critical threshold), until no candidate
 * is left. When the level fell, it first waits until the lower level has held for 5 s
 * (the smoothing period). A round at warning or critical that runs out of candidates
 * starts a 25 s resting period for that level: a later wake at the same level within it
 * sends nothing, one after it re-arms every process for that level.
 * Candidates for WARN and CRITICAL: not killed, listening for the level's note, not yet
 * notified at this level, not suspended, in a band >= BACKGROUND_OPPORTUNISTIC (20),
 * with a footprint of at least 6 whole MB. NORMAL: the same, to those notified WARN or
 * CRITICAL since their last NORMAL (it clears both marks). Order: rising pressure (a level
 * at or above the one the last choice was made at) lowest band first, ties by the largest
 * footprint in whole MB, then table order; falling pressure (the first choice after the
 * level fell, and every NORMAL) highest band first, ties likewise.
 *
 * Per-process limits (phys_footprint against the active or the inactive limit, in MB,
 * each fatal or soft, 0 = none). The active limit applies while the process is active:
 * frontmost, or in a band >= FOREGROUND and neither idle nor suspended; otherwise the
 * inactive one. The limit in force behaves as XNU's phys_footprint ledger: a change of
 * the limit in force (set_limits, or the process turning active or inactive) re-arms it.
 *   footprint >  80% of it, below it, not warned: the warning (memorystatus_warn_process):
 *                iOS: PROC_LIMIT_WARN if it listens for it, else PRESSURE_CRITICAL if it
 *                listens for that, else PRESSURE_WARN: how an iOS app hears of its own
 *                limit; macOS: PROC_LIMIT_WARN only, and for a soft limit once per
 *                active/inactive state until it registers again. Falling back to 80% or
 *                less re-arms the warning (LEDGER_WARNING_DIPPED_BELOW).
 *   footprint >  a soft limit, once per arming   -> PROC_LIMIT_CRITICAL (if it listens)
 *   footprint >  a fatal limit                   -> killed, cause per-process-limit
 *
 * Kills, one per evaluation (memorystatus_pick_action, memorystatus_pick_kill_cause):
 *   available = free + file_backed (memorystatus_available_pages); its thresholds
 *   (memorystatus_page_thresholds): critical 5% of RAM (4% above 3 GB), idle 2x critical
 *   (9/4x from 3 to 6 GB), soft 3x (15/4x), reaper 4x (18/4x); all "below" are strict.
 *   The system is unhealthy when available < critical, the compressor is low on space
 *   (exhausted) or thrashing, or the file cache thrashes (phantom cache pressure, unless
 *   the compressor is both thrashing and exhausted).
 *   0. over a fatal limit                             -> per-process-limit (the ledger's
 *                                                        callback: at once, any level)
 *   1. available < soft, or unhealthy:
 *        compressor exhausted                         -> the top process,
 *                                                        vm-compressor-space-shortage
 *        over a soft limit                            -> highwater
 *   2. healthy, available < idle: the head of the IDLE band -> idle-exit
 *   3. healthy, a reaper sweep under way: the first IDLE-band process that has been in
 *      its band for 300 s                            -> long-idle-exit (a sweep starts
 *      when available < reaper and one is that old, ends when none is left; the next may
 *      start 300 s later)
 *   4. unhealthy: the top process, cause compressor thrashing -> vm-compressor-thrashing,
 *      else exhausted -> vm-compressor-space-shortage, else file cache thrashing ->
 *      fc-thrashing, else vm-pageshortage
 *   5. sustained pressure: 10 minutes after the pressure thread saw the level rise from
 *      normal (cancelled when it sees normal again), the first IDLE-band process, every
 *      500 ms while the level is not normal, at most twice as many as the IDLE band held
 *      then                                         -> sustained-memory-pressure
 *   macOS (no CONFIG_JETSAM): unhealthy means the compressor is low on space; then rule 1
 *   with highwater first, then the top process (vm-compressor-space-shortage); idle-exit
 *   of the IDLE band while the level is not normal, 1 s apart (the pressure thread's
 *   loop); no other rule.
 * "The top process": lowest band first, the head of each band first; the FOREGROUND band
 * is first re-sorted (memorystatus_sort_bucket): coalitions led by a process in the band,
 * the largest coalition (its members' footprints added, any band) first, within one the
 * members largest first and the leader last; the band's other processes after them in
 * their order; with no leader in the band, largest footprint first.
 *
 * Band order. Each band is a list: memorystatus_add() and a change of band put the process
 * at the tail; memorystatus_proc_at() walks all processes band by band (lowest first), in
 * list order. A top-process kill re-sorts the FOREGROUND list as it goes, as XNU does.
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

#include "guest/include/machemu/abi.h"   /* the guest ABI: bands and notes */

/* ---- bands (JETSAM_PRIORITY_*): lower dies first ---------------------------------- */
#define MEMORYSTATUS_BAND_IDLE                      MACHEMU_JETSAM_PRIORITY_IDLE
#define MEMORYSTATUS_BAND_AGING_BAND1               MACHEMU_JETSAM_PRIORITY_AGING_BAND1
#define MEMORYSTATUS_BAND_BACKGROUND_OPPORTUNISTIC  MACHEMU_JETSAM_PRIORITY_BACKGROUND_OPPORTUNISTIC
#define MEMORYSTATUS_BAND_BACKGROUND                MACHEMU_JETSAM_PRIORITY_BACKGROUND
#define MEMORYSTATUS_BAND_MAIL                      MACHEMU_JETSAM_PRIORITY_MAIL
#define MEMORYSTATUS_BAND_PHONE                     MACHEMU_JETSAM_PRIORITY_PHONE
#define MEMORYSTATUS_BAND_FREEZER                   MACHEMU_JETSAM_PRIORITY_FREEZER
#define MEMORYSTATUS_BAND_UI_SUPPORT                MACHEMU_JETSAM_PRIORITY_UI_SUPPORT
#define MEMORYSTATUS_BAND_FOREGROUND_SUPPORT        MACHEMU_JETSAM_PRIORITY_FOREGROUND_SUPPORT
#define MEMORYSTATUS_BAND_FOREGROUND                MACHEMU_JETSAM_PRIORITY_FOREGROUND
#define MEMORYSTATUS_BAND_AUDIO_AND_ACCESSORY       MACHEMU_JETSAM_PRIORITY_AUDIO_AND_ACCESSORY
#define MEMORYSTATUS_BAND_CONDUCTOR                 MACHEMU_JETSAM_PRIORITY_CONDUCTOR
#define MEMORYSTATUS_BAND_DRIVER_APPLE              MACHEMU_JETSAM_PRIORITY_DRIVER_APPLE
#define MEMORYSTATUS_BAND_HOME                      MACHEMU_JETSAM_PRIORITY_HOME
#define MEMORYSTATUS_BAND_EXECUTIVE                 MACHEMU_JETSAM_PRIORITY_EXECUTIVE
#define MEMORYSTATUS_BAND_IMPORTANT                 MACHEMU_JETSAM_PRIORITY_IMPORTANT
#define MEMORYSTATUS_BAND_CRITICAL                  MACHEMU_JETSAM_PRIORITY_CRITICAL
#define MEMORYSTATUS_BAND_MAX                       MACHEMU_JETSAM_PRIORITY_MAX

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

#define NOTE_MEMORYSTATUS_PRESSURE_NORMAL      MACHEMU_NOTE_PRESSURE_NORMAL
#define NOTE_MEMORYSTATUS_PRESSURE_WARN        MACHEMU_NOTE_PRESSURE_WARN
#define NOTE_MEMORYSTATUS_PRESSURE_CRITICAL    MACHEMU_NOTE_PRESSURE_CRITICAL
#define NOTE_MEMORYSTATUS_PROC_LIMIT_WARN      MACHEMU_NOTE_PROC_LIMIT_WARN
#define NOTE_MEMORYSTATUS_PROC_LIMIT_CRITICAL  MACHEMU_NOTE_PROC_LIMIT_CRITICAL
#define MEMORYSTATUS_NOTES_ALL                  MACHEMU_NOTE_ALL

/* The note of a level: NORMAL, WARN or CRITICAL. */
uint32_t memorystatus_level_note(enum memorystatus_level level);

/* ---- fixed numbers ------------------------------------------------------------------ */
#define MEMORYSTATUS_NOTIFY_MIN_BYTES      (6u << 20)  /* smaller processes are not notified */
#define MEMORYSTATUS_LIMIT_WARN_PERCENT    80u
#define MEMORYSTATUS_NAME_MAX              33          /* p_name: 2 * MAXCOMLEN + 1 */
#define MEMORYSTATUS_LIMIT_MB_MAX          1048575u    /* largest limit: just under 1 TB */

/* Guest time scale: a 100 MHz guest retiring one instruction a cycle, so 1 ms is 100,000
 * instructions (memorystatus_config.insns_per_ms changes it). XNU's periods, in ms: */
#define MEMORYSTATUS_INSTRUCTIONS_PER_MS   100000u
#define MEMORYSTATUS_NOTIFY_SPACING_MS     250u        /* INTER_NOTIFICATION_DELAY */
#define MEMORYSTATUS_SMOOTHING_MS          5000u       /* VM_PRESSURE_DECREASED_SMOOTHING_PERIOD */
#define MEMORYSTATUS_RESTING_MS            25000u      /* WARNING_/CRITICAL_NOTIFICATION_RESTING_PERIOD */
#define MEMORYSTATUS_STUCK_MS              (30u * 60 * 1000)   /* PRESSURE_LEVEL_STUCK_THRESHOLD_MINS */
#define MEMORYSTATUS_SUSTAINED_MS          (10u * 60 * 1000)   /* ..._kill_on_sustained_pressure_window_s */
#define MEMORYSTATUS_SUSTAINED_DELAY_MS    500u        /* ..._kill_on_sustained_pressure_delay_ms */
#define MEMORYSTATUS_REAPER_AGE_MS         (300u * 1000)       /* MEMORYSTATUS_REAPER_MIN_AGE_SECS_DEFAULT */
#define MEMORYSTATUS_REAPER_RESCAN_MS      (300u * 1000)       /* MEMORYSTATUS_REAPER_RESCAN_SECS_DEFAULT */
#define MEMORYSTATUS_MACOS_IDLE_EXIT_MS    1000u       /* the pressure thread's delay between idle exits */
#define MEMORYSTATUS_NOTIFY_SPACING_DEFAULT \
    ((uint64_t)MEMORYSTATUS_NOTIFY_SPACING_MS * MEMORYSTATUS_INSTRUCTIONS_PER_MS)

/* ---- system counters: the caller fills them in, in pages ------------------------------ */
struct memorystatus_vm {
    uint64_t free, active, inactive, speculative, throttled, wired;
    uint64_t purgeable;            /* pages in volatile purgeable objects */
    uint64_t file_backed;          /* pageable external (file-backed) pages */
    uint64_t anonymous;            /* pageable internal (anonymous) pages */
    uint64_t compressor_pages;     /* pages stored in the compressor (uncompressed count) */
    uint64_t compressor_frames;    /* frames the compressor occupies */
    uint64_t compressions, decompressions;
    bool compressor_low_on_space;  /* vm_compressor_low_on_space: "exhausted" */
    bool compressor_thrashing;     /* vm_compressor_is_thrashing */
    bool filecache_thrashing;      /* phantom cache pressure (vm_phantom_cache_check_pressure) */
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

/* memorystatus_available_pages: free + file_backed. */
uint64_t memorystatus_available_pages(const struct memorystatus_vm *vm);
/* Its thresholds in pages for a machine of total_pages of page_size bytes
 * (memorystatus_init): critical = pct% of total_pages (5, or 4 above 3 GB), then
 * idle, soft and reaper as ratios of critical (2, 3, 4; 9/4, 15/4, 18/4 above 3 GB up
 * to 6 GB), each truncated. */
struct memorystatus_page_thresholds {
    uint64_t critical;             /* page shortage: kill above the IDLE band */
    uint64_t idle;                 /* idle exit */
    uint64_t soft;                 /* soft (highwater) limits enforced */
    uint64_t reaper;               /* long-idle exit */
};
struct memorystatus_page_thresholds memorystatus_page_thresholds(uint64_t total_pages,
                                                                 uint32_t page_size);
/* Where the pressure thread stops spacing its notes: halfway from soft down to critical. */
uint64_t memorystatus_backoff_pages(const struct memorystatus_page_thresholds *t);

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
    uint64_t internal;             /* resident anonymous pages (physicalPages.internal[0]) */
    uint64_t compressed;           /* its pages in the compressor (physicalPages.internal[1]) */
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
    uint32_t notified;             /* WARN and CRITICAL it has been told since its last
                                      NORMAL (task_has_been_notified): 0, or those bits */
    uint32_t last_note;            /* the last note sent to it, of any kind; 0: none */
    uint32_t notes_sent;           /* every kind of note ever sent to it (bits) */
    unsigned limit_state;          /* its limit's ledger flags (MEMORYSTATUS_LIMIT_*) */
    struct memorystatus_limits limits;
    struct memorystatus_usage usage;
    uint64_t lifetime_max;         /* largest footprint seen, pages */
    uint64_t coalition;
    uint64_t launch_time;
    uint64_t idle_since;           /* when it last became idle */
    uint64_t band_since;           /* when it entered its band (p_memstat_prio_start) */
    enum memorystatus_cause killed; /* NONE while alive */
};

/* Active limit in force (see the top). */
bool memorystatus_proc_is_active(const struct memorystatus_proc *p);

/* limit_state: the phys_footprint ledger's flags for the limit in force. */
#define MEMORYSTATUS_LIMIT_ACTIVE      0x01u   /* they belong to the active limit */
#define MEMORYSTATUS_LIMIT_WARNED      0x02u   /* LF_WARNED: the 80% warning went off */
#define MEMORYSTATUS_LIMIT_EXCEEDED    0x04u   /* LF_CALLED_BACK: the limit went off */
/* macOS: PROC_LIMIT notes for soft limits given once per registration (kn_sfflags). */
#define MEMORYSTATUS_LIMIT_MACOS_WARN_ACTIVE   0x10u
#define MEMORYSTATUS_LIMIT_MACOS_WARN_INACTIVE 0x20u
#define MEMORYSTATUS_LIMIT_MACOS_CRIT_ACTIVE   0x40u
#define MEMORYSTATUS_LIMIT_MACOS_CRIT_INACTIVE 0x80u

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
    uint64_t previous_report;      /* `now` of the kill before (0: none): timeDelta */
    const char *report;            /* path of its JetsamEvent report, or NULL */
    const char *report_error;      /* why there is none although save_report is set */
};

struct memorystatus_config {
    uint32_t page_size;            /* bytes, a power of two (16384 on arm64 iOS) */
    uint64_t insns_per_ms;         /* guest instructions in an XNU millisecond; 0: default */
    int64_t epoch;                 /* Unix seconds at instruction 0: the reports' dates and
                                      file names (0: 2025-01-01 00:00:00 UTC) */
    uint64_t seed;                 /* mixed into the reports' uuid and incident ids */
    uint64_t notify_spacing;       /* instructions between two pressure notes; 0: 250 ms */
    /* macOS policy (XNU without CONFIG_JETSAM, a swap file behind the compressor): see
     * the kill rules at the top; levels and notes as on iOS, limit notes macOS's. */
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
 * one page more earns a limit warning, a PROC_LIMIT_CRITICAL or a per-process-limit
 * kill. UINT64_MAX when the limit has nothing more to give (none, or a soft one past
 * both lines). Lets the caller evaluate at the page that crosses a line instead of
 * polling; a fall back under a line re-arms it at the next evaluation. */
uint64_t memorystatus_limit_line(const struct memorystatus *ms, const struct memorystatus_proc *p);

/* The process an evaluation with these counters at `now` would kill first, and the
 * cause; NULL if it would kill none. Changes nothing: for a debugger that says what will
 * happen (a timer that would fire at `now` is not looked at). */
const struct memorystatus_proc *memorystatus_next_victim(const struct memorystatus *ms,
                                                         const struct memorystatus_vm *vm,
                                                         uint64_t now,
                                                         enum memorystatus_cause *cause);

/* NULL with errno EINVAL (bad config) or ENOMEM. The config is copied. */
struct memorystatus *memorystatus_create(const struct memorystatus_config *cfg);
void memorystatus_destroy(struct memorystatus *ms);

/* These return 0, -EINVAL (bad argument), -EEXIST (add: pid present), -ESRCH (no such
 * pid) or -ENOMEM. */
int memorystatus_add(struct memorystatus *ms, const struct memorystatus_spawn *s);
int memorystatus_remove(struct memorystatus *ms, int pid);
/* To the tail of the new band, in it since `now`; the same band leaves the process
 * where it is. */
int memorystatus_set_band(struct memorystatus *ms, int pid, int band, uint64_t now);
/* Limits of at most MEMORYSTATUS_LIMIT_MB_MAX; re-arms the limit's warning and
 * PROC_LIMIT_CRITICAL (ledger_set_limit). */
int memorystatus_set_limits(struct memorystatus *ms, int pid, const struct memorystatus_limits *l);
/* MEMORYSTATUS_STATE_* as a whole; becoming idle records `now` as idle_since. */
int memorystatus_set_state(struct memorystatus *ms, int pid, unsigned states, uint64_t now);
/* The NOTE_MEMORYSTATUS_* the process listens for (a guest registering its handler);
 * a registration gives macOS's once-only limit notes again. */
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
/* When the pressure thread next sends a note: `now` or later while it works through a
 * round, UINT64_MAX while it sleeps. */
uint64_t memorystatus_next_notify(const struct memorystatus *ms, uint64_t now);
/* When an evaluation is next wanted although no counter moves: the next note, the
 * sustained-pressure timer, the next sustained or macOS idle kill, an IDLE-band process
 * turning old enough for the reaper; `now` or later, UINT64_MAX for none. */
uint64_t memorystatus_next_timer(const struct memorystatus *ms, uint64_t now);
/* Guest instructions in ms milliseconds of XNU's time, at this table's scale. */
uint64_t memorystatus_ms(const struct memorystatus *ms, uint64_t ms_count);

/* ---- file-cache thrashing (vm_phantom_cache_check_pressure) --------------------------- */
/* The caller's sampler of the phantom cache: zero it to start. */
struct memorystatus_fc_sampler {
    uint64_t period_start;         /* the evaluation period's start (250 ms) */
    uint64_t added0, found0;       /* the cache's counts then */
    uint32_t history;              /* bit 0: the current period thrashes, bit 1 the last... */
    bool restart;                  /* start a new period at the next call */
};
/* Feeds the phantom cache's running counts (ghosts added: file pages evicted; found:
 * evicted pages read again) at `now`: a period of 250 ms thrashes once 1000 ghosts
 * were added and 1000 found in it, at least half as many found as added (the flash
 * threshold); pressure is four periods in a row thrashing, unless file-backed pages
 * are more than half of AVAILABLE_MEMORY. The caller holds the answer
 * (memorystatus_vm.filecache_thrashing) until a thrashing kill, then restarts. */
bool memorystatus_fc_pressure(const struct memorystatus *ms, struct memorystatus_fc_sampler *s,
                              uint64_t now, uint64_t added, uint64_t found,
                              const struct memorystatus_vm *vm);
/* vm_phantom_cache_restart_sample: the next call starts a new period. */
void memorystatus_fc_restart(struct memorystatus_fc_sampler *s);
/* The counters of the last evaluation (zero before the first) and the page size. */
const struct memorystatus_vm *memorystatus_last_vm(const struct memorystatus *ms);
uint32_t memorystatus_page_size(const struct memorystatus *ms);

#endif
