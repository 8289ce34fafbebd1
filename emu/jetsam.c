/* emu/jetsam.c — the machine's memorystatus (see emu/jetsam.h): keeps jetsam/'s table
 * in step with the tasks, feeds it the VM's counters, and carries out what it decides. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "emu/hostout.h"
#include "emu/internal.h"
#include "emu/jetsam.h"
#include "vm/vm_compressor.h"

static void event(struct emu *emu, struct emu_jetsam_event ev)
{
    ev.icount = emu->icount;
    ev.vm = &emu->jetsam.vm;
    for (int i = 0; i < EMU_JETSAM_LISTENERS; i++)
        if (emu->jetsam.listeners[i].fn)
            emu->jetsam.listeners[i].fn(emu->jetsam.listeners[i].ctx, &ev);
}

static void on_notify(void *ctx, int pid, uint32_t note)
{
    struct emu *emu = ctx;
    struct task *t = task_by_pid(emu, pid);
    int delivered = t ? emu_jetsam_post_note(emu, t, note) : 0;
    event(emu, (struct emu_jetsam_event){ .kind = EMU_JETSAM_NOTE, .pid = pid,
                                          .name = t ? t->name : "?", .note = note,
                                          .delivered = delivered == 1 });
}

static void on_level(void *ctx, enum memorystatus_level from, enum memorystatus_level to)
{
    struct emu *emu = ctx;
    emu_jetsam_set_level(emu, memorystatus_level_note(to));
    event(emu, (struct emu_jetsam_event){ .kind = EMU_JETSAM_LEVEL, .from = from, .to = to });
}

static void print_kill(const struct memorystatus_kill *k)
{
    const char *band = memorystatus_band_name(k->band);
    fprintf(stderr, "machemu: jetsam: killed task %d (%s), band %d%s%s%s: %s, footprint %.1f MB",
            k->pid, k->name, k->band, band ? " (" : "", band ? band : "", band ? ")" : "",
            memorystatus_cause_name(k->cause), (double)(k->footprint * PAGE_SIZE) / (1 << 20));
    if (k->report)
        fprintf(stderr, "; report %s", k->report);
    else if (k->report_error)
        fprintf(stderr, "; no report: %s", k->report_error);
    fputc('\n', stderr);
}

static void on_kill(void *ctx, const struct memorystatus_kill *k)
{
    struct emu *emu = ctx;
    print_kill(k);
    if (k->cause == MEMORYSTATUS_CAUSE_FC_THRASHING ||
        k->cause == MEMORYSTATUS_CAUSE_VM_COMPRESSOR_THRASHING) {
        emu->jetsam.fc_pressure = false;       /* vm_thrashing_jetsam_done */
        if (emu->vm.thrashing.target_age_s)
            vm_compressor_thrashing_done(&emu->vm);
        else
            memorystatus_fc_restart(&emu->jetsam.fc);
    }
    event(emu, (struct emu_jetsam_event){ .kind = EMU_JETSAM_KILL, .pid = k->pid,
                                          .name = k->name, .kill = k });
    struct task *t = task_by_pid(emu, k->pid);
    if (t && t->map)
        task_end(emu, t, SIGKILL);
}

/* The directory is made and opened at the first report, so a run that kills no one
 * leaves none behind; each report takes a name no file has (emu/hostout.h). */
static int on_save_report(void *ctx, const char *name, const char *text, char *where,
                          size_t wherelen, char *err, size_t errlen)
{
    struct emu *emu = ctx;
    struct emu_jetsam *j = &emu->jetsam;
    const char *dir = emu->opt.reports_dir;
    char why[PATH_MAX + 128], made[NAME_MAX + 1];
    if (j->reports_fd < 0) {
        int fd = hostout_dir(emu->opt.root, dir, true, why, sizeof why);
        if (fd < 0) {
            snprintf(err, errlen, "reports: %s", why);
            return fd;
        }
        j->reports_fd = fd;
    }
    int fd = hostout_create(j->reports_fd, name, made, sizeof made, why, sizeof why);
    if (fd < 0) {
        snprintf(err, errlen, "reports: %s/%s", dir, why);
        return fd;
    }
    int rc = hostout_write_all(fd, text, strlen(text));
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc < 0)
        snprintf(err, errlen, "reports: %s/%s: %s", dir, made, strerror(-rc));
    else
        snprintf(where, wherelen, "%s/%s", dir, made);
    return rc;
}

int emu_jetsam_init(struct emu *emu, char *err, size_t errlen)
{
    struct emu_jetsam *j = &emu->jetsam;
    j->wake = UINT64_MAX;
    j->reports_fd = -1;
    j->step = emu->phys.nframes / 512 > 4 ? emu->phys.nframes / 512 : 4;
    if (emu->opt.no_jetsam)
        return 0;
    struct memorystatus_config cfg = {
        .page_size = (uint32_t)PAGE_SIZE,
        .insns_per_ms = emu->opt.guest_mips * 1000,
        .notify_spacing = emu->opt.notify_spacing,
        .seed = emu->opt.seed,
        .macos = emu->opt.platform == EMU_PLATFORM_MACOS,
        .ctx = emu,
        .notify = on_notify,
        .kill = on_kill,
        .level_changed = on_level,
        .save_report = emu->opt.reports_dir ? on_save_report : NULL,
    };
    if (!(j->ms = memorystatus_create(&cfg))) {
        snprintf(err, errlen, "cannot create the memorystatus table: %s", strerror(errno));
        return -1;
    }
    j->clock = emu->opt.run_all;   /* a scenario's timeline runs on it throughout */
    return 0;
}

void emu_jetsam_fini(struct emu *emu)
{
    memorystatus_destroy(emu->jetsam.ms);
    emu->jetsam.ms = NULL;
    if (emu->jetsam.reports_fd >= 0)
        close(emu->jetsam.reports_fd);
    emu->jetsam.reports_fd = -1;
}

int emu_jetsam_add_listener(struct emu *emu, emu_jetsam_listener fn, void *ctx)
{
    for (int i = 0; i < EMU_JETSAM_LISTENERS; i++)
        if (!emu->jetsam.listeners[i].fn) {
            emu->jetsam.listeners[i].fn = fn;
            emu->jetsam.listeners[i].ctx = ctx;
            return 0;
        }
    return -1;
}

void emu_jetsam_remove_listener(struct emu *emu, emu_jetsam_listener fn, void *ctx)
{
    for (int i = 0; i < EMU_JETSAM_LISTENERS; i++)
        if (emu->jetsam.listeners[i].fn == fn && emu->jetsam.listeners[i].ctx == ctx) {
            emu->jetsam.listeners[i].fn = NULL;
            emu->jetsam.listeners[i].ctx = NULL;
            return;
        }
}

const struct memorystatus *emu_jetsam_table(const struct emu *emu)
{
    return emu->jetsam.ms;
}

static void mark_due(struct emu *emu)
{
    if (!emu->jetsam.ms)
        return;
    emu->jetsam.due = true;
    /* Not from inside a TLB fill: a stop there leaves Unicorn's PC at the start of the
     * block. The fill fails instead (on_tlb_fill), and the access runs again after the
     * evaluation. */
    if (!emu->in_fill)
        cpu_request_stop(emu, STOP_UPCALL);
}

/* An upper bound of the footprint (volatile pages not taken off): cheap enough for
 * every fault, so a limit line is acted on at the page that crosses it. */
static uint64_t ledgers(const struct task *t)
{
    const struct pmap *pm = t->map->pmap;
    return pm ? (uint64_t)pm->internal + pm->compressed + pm->tables : 0;
}

static bool crossed_limit_line(const struct emu *emu)
{
    const struct task *t = emu->task ? task_leader(emu->task) : NULL;   /* the process's */
    return t && t->map && ledgers(t) > t->limit_trip;
}

void emu_jetsam_poll(struct emu *emu)
{
    struct emu_jetsam *j = &emu->jetsam;
    if (!j->ms || j->due)
        return;
    uint32_t free = emu->phys.count[PHYS_FREE];
    uint32_t moved = free > j->last_free ? free - j->last_free : j->last_free - free;
    if (moved >= j->step || emu->vm.stats.scans != j->last_scans || crossed_limit_line(emu))
        mark_due(emu);
}

/* --- the table follows the tasks --------------------------------------------------- */

static uint32_t limit_mb(struct emu_jetsam_limit l)
{
    return l.mb > 0 ? (uint32_t)l.mb : 0;
}

static struct memorystatus_limits limits_of(const struct task *t)
{
    return (struct memorystatus_limits){
        .active_mb = limit_mb(t->memstatus.active),
        .inactive_mb = limit_mb(t->memstatus.inactive),
        .active_fatal = t->memstatus.active.fatal,
        .inactive_fatal = t->memstatus.inactive.fatal,
    };
}

static bool alive(const struct task *t)
{
    return t->state != TASK_ZOMBIE && t->map;
}

static void add_task(struct emu *emu, struct task *t)
{
    struct memorystatus *ms = emu->jetsam.ms;
    struct memorystatus_spawn s = {
        .pid = t->pid, .name = t->name ? t->name : "?", .band = t->memstatus.band,
        .coalition = (uint64_t)t->pid, .launch_time = t->launched,
    };
    for (const struct task *p = t->parent; p; p = p->parent)
        s.coalition = (uint64_t)p->pid;             /* the app that started it all */
    if (memorystatus_add(ms, &s) < 0)
        return;                                       /* out of host memory: not watched */
    struct memorystatus_limits l = limits_of(t);
    memorystatus_set_limits(ms, t->pid, &l);
    memorystatus_set_notes(ms, t->pid, emu_jetsam_handler_mask(t));
    memorystatus_set_state(ms, t->pid, t->jetsam_states, emu->icount);
}

static uint64_t cpu_time(const struct emu *emu, const struct task *t)
{
    return t->cpu_insns + (t == emu->task ? emu->icount - t->ran_from : 0);
}

static uint32_t open_fds(const struct task *t)
{
    uint32_t n = 0;
    for (int i = 0; i < t->nfds; i++)
        n += t->fds[i].host >= 0;
    return n;
}

static int by_pid(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Drops the processes whose task is gone, through a sorted list of the live pids: with
 * a thousand zombies about, a walk of the tasks per process costs more than the run. */
static void drop_ended(struct emu *emu)
{
    struct memorystatus *ms = emu->jetsam.ms;
    size_t n = 0;
    for (const struct task *t = emu->tasks; t; t = t->next)
        n += alive(t);
    int *live = malloc((n ? n : 1) * sizeof *live);
    if (!live)
        return;                    /* out of host memory: they go next time */
    n = 0;
    for (const struct task *t = emu->tasks; t; t = t->next)
        if (alive(t))
            live[n++] = t->pid;
    qsort(live, n, sizeof *live, by_pid);
    for (size_t i = 0; i < memorystatus_count(ms);) {
        int pid = memorystatus_proc_at(ms, i)->pid;
        if (bsearch(&pid, live, n, sizeof *live, by_pid))
            i++;
        else
            memorystatus_remove(ms, pid);
    }
    free(live);
}

/* Drops the processes whose task is gone, adds new tasks, refreshes every footprint. */
static void sync_tasks(struct emu *emu)
{
    struct memorystatus *ms = emu->jetsam.ms;
    drop_ended(emu);
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (!alive(t))
            continue;
        if (!memorystatus_find(ms, t->pid))
            add_task(emu, t);
        struct vm_ledgers l;
        vm_map_ledgers(t->map, &l);
        struct memorystatus_usage u = {
            .footprint = l.phys_footprint,
            .cpu_time = cpu_time(emu, t),
            .times_exact = t->gaps_at_launch == emu->clock_gaps,
            .fds = open_fds(t),
            .internal = t->map->pmap ? t->map->pmap->internal : 0,
            .compressed = t->map->pmap ? t->map->pmap->compressed : 0,
        };
        u.purgeable = l.purgeable_volatile;
        memorystatus_update(ms, t->pid, &u);
    }
}

static void read_counters(struct emu *emu, struct memorystatus_vm *vm)
{
    struct vm_page_counts c;
    vm_page_counts(&emu->vm, &c);
    const struct compressor *pool = emu->vm.compressor;
    const struct compressor_stats *cs = pool ? compressor_stats(pool) : NULL;
    *vm = (struct memorystatus_vm){
        .free = c.free, .active = c.active, .inactive = c.inactive,
        .speculative = c.speculative, .throttled = c.throttled, .wired = c.wired,
        .purgeable = c.purgeable, .file_backed = c.file_backed, .anonymous = c.anonymous,
        .compressor_pages = c.compressed, .compressor_frames = c.compressor_frames,
        .compressions = cs ? cs->compressions : 0,
        .decompressions = cs ? cs->decompressions : 0,
        .compressor_low_on_space = pool && (compressor_low_on_space(pool) ||
                                            emu->vm.compressor_full),
        .compressor_thrashing = vm_compressor_is_thrashing(&emu->vm),
        .filecache_thrashing = emu->jetsam.fc_pressure,
        .total_pages = c.total,
    };
}

/* The phantom cache's pressure, as the compressor thread would find it now; only with a
 * compressor (vm_phantom_cache_init). */
static void sample_phantom_cache(struct emu *emu)
{
    struct emu_jetsam *j = &emu->jetsam;
    if (!emu->vm.compressor)
        return;
    if (memorystatus_fc_pressure(j->ms, &j->fc, emu->icount, emu->vm.phantom.added,
                                 emu->vm.phantom.found, &j->vm))
        j->fc_pressure = true;
    j->vm.filecache_thrashing = j->fc_pressure;
}

/* Where each task's ledgers next call for an evaluation, from the lines as the last
 * round left them. The sum exceeds the footprint by the volatile pages. */
static void set_limit_trips(struct emu *emu)
{
    for (struct task *t = emu->tasks; t; t = t->next) {
        const struct memorystatus_proc *p = memorystatus_find(emu->jetsam.ms, t->pid);
        uint64_t line = p ? memorystatus_limit_line(emu->jetsam.ms, p) : UINT64_MAX;
        uint64_t vol = p ? p->usage.purgeable : 0;
        t->limit_trip = line > UINT64_MAX - vol ? UINT64_MAX : line + vol;
    }
}

/* A task that could be killed with no pressure first (past a memory limit, or idle)
 * needs its age counted from the start: a lone one would otherwise be reported at 0. */
static bool limits_in_play(const struct emu *emu)
{
    for (const struct task *t = emu->tasks; t; t = t->next)
        if (alive(t) && (t->memstatus.active.mb > 0 || t->memstatus.inactive.mb > 0 ||
                         t->memstatus.band == MEMORYSTATUS_BAND_IDLE))
            return true;
    return false;
}

unsigned emu_jetsam_evaluate(struct emu *emu)
{
    struct emu_jetsam *j = &emu->jetsam;
    j->due = false;
    if (!j->ms || j->evaluating)
        return 0;
    j->evaluating = true;
    unsigned all = 0, did;
    do {
        sync_tasks(emu);
        read_counters(emu, &j->vm);
        sample_phantom_cache(emu);
        did = memorystatus_evaluate(j->ms, &j->vm, emu->icount);
        all |= did;
    } while (did & MEMORYSTATUS_DID_KILL);
    set_limit_trips(emu);
    j->last_free = emu->phys.count[PHYS_FREE];
    j->last_scans = emu->vm.stats.scans;
    j->wake = memorystatus_next_timer(j->ms, emu->icount);
    bool clock = emu->opt.run_all || j->wake != UINT64_MAX ||
                 memorystatus_level(j->ms) != MEMORYSTATUS_LEVEL_NORMAL || limits_in_play(emu);
    if (clock != j->clock) {
        j->clock = clock;
        sched_update_quantum(emu);
    }
    j->evaluating = false;
    return all;
}

int emu_jetsam_next_victim(struct emu *emu, enum memorystatus_cause *cause)
{
    struct emu_jetsam *j = &emu->jetsam;
    if (!j->ms)
        return 0;
    struct memorystatus_vm vm;
    sync_tasks(emu);
    read_counters(emu, &vm);
    const struct memorystatus_proc *p = memorystatus_next_victim(j->ms, &vm, emu->icount, cause);
    return p ? p->pid : 0;
}

void emu_jetsam_before_run(struct emu *emu)
{
    if (emu->jetsam.due || emu->icount >= emu->jetsam.wake)
        emu_jetsam_evaluate(emu);
}

bool emu_jetsam_reclaim(struct emu *emu)
{
    return (emu_jetsam_evaluate(emu) & MEMORYSTATUS_DID_KILL) != 0;
}

/* --- what tasks and guests change ---------------------------------------------------- */

void emu_jetsam_task_changed(struct emu *emu, struct task *t)
{
    struct memorystatus *ms = emu->jetsam.ms;
    if (!ms || !memorystatus_find(ms, t->pid))
        return;                    /* added with its properties at the next evaluation */
    memorystatus_set_band(ms, t->pid, t->memstatus.band, emu->icount);
    const struct memorystatus_proc *p = memorystatus_find(ms, t->pid);
    struct memorystatus_limits l = limits_of(t);
    if (memcmp(&p->limits, &l, sizeof l) != 0)
        memorystatus_set_limits(ms, t->pid, &l);
    memorystatus_set_notes(ms, t->pid, emu_jetsam_handler_mask(t));
    mark_due(emu);
}

/* exec: a new name, and the table hears of the process afresh. */
int emu_jetsam_set_name(struct emu *emu, int pid, const char *name)
{
    struct task *t = task_by_pid(emu, pid);
    char *copy = t && t->map ? strdup(name) : NULL;
    if (!copy)
        return t && t->map ? -ENOMEM : -ESRCH;
    free(t->name);
    t->name = copy;
    emu_jetsam_task_renamed(emu, t);
    return 0;
}

void emu_jetsam_task_renamed(struct emu *emu, struct task *t)
{
    if (emu->jetsam.ms && memorystatus_remove(emu->jetsam.ms, t->pid) == 0)
        mark_due(emu);
}

void emu_jetsam_task_started(struct emu *emu, struct task *t)
{
    t->launched = emu->icount;
    t->gaps_at_launch = emu->clock_gaps;
    t->ran_from = emu->icount;
    mark_due(emu);
}

const struct emu_jetsam_props *emu_jetsam_props(struct emu *emu, int pid)
{
    struct task *t = task_by_pid(emu, pid);
    return t && alive(t) ? &t->memstatus : NULL;
}

int emu_jetsam_set_props(struct emu *emu, int pid, const struct emu_jetsam_props *p)
{
    struct task *t = task_by_pid(emu, pid);
    if (!t || !alive(t))
        return -ESRCH;
    return jetsam_task_set(emu, t, p);
}

int emu_jetsam_set_state(struct emu *emu, int pid, unsigned states)
{
    struct task *t = task_by_pid(emu, pid);
    if (!t || !alive(t))
        return -ESRCH;
    t->jetsam_states = states;
    if (emu->jetsam.ms && memorystatus_find(emu->jetsam.ms, pid)) {
        memorystatus_set_state(emu->jetsam.ms, pid, states, emu->icount);
        mark_due(emu);
    }
    return 0;
}
