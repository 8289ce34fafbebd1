/* emu/emu.c — building the machine and running a task to its end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compressor/wkdm.h"
#include "emu/internal.h"
#include "emu/linux.h"

/* phys_footprint and its parts, as task_info and Jetsam see them (vm_map.h). */
static void print_ledgers(FILE *out, struct task *t)
{
    struct vm_ledgers l = t->last.ledgers;
    if (t->map)
        vm_map_ledgers(t->map, &l);
    fprintf(out, "  phys_footprint %u pages (peak %u) = internal %u - alternate %u + compressed %u "
            "- alternate %u + purgeable nonvolatile %u + compressed %u + page tables %u; "
            "not counted: purgeable volatile %u + compressed %u, reusable %u\n",
            l.phys_footprint, l.phys_footprint_peak, l.internal, l.alternate_accounting,
            l.internal_compressed, l.alternate_accounting_compressed, l.purgeable_nonvolatile,
            l.purgeable_nonvolatile_compressed, l.page_table, l.purgeable_volatile,
            l.purgeable_volatile_compressed, l.reusable);
}

struct emu *emu_create(const struct emu_options *opt, char *err, size_t errlen)
{
    struct emu *emu = calloc(1, sizeof *emu);
    if (!emu) {
        snprintf(err, errlen, "out of host memory");
        return NULL;
    }
    emu->opt = *opt;
    emu->jetsam.reports_fd = -1;
    emu->clock_always = opt->exact_clock;
    emu->rootfd = -1;
    emu->wait.pipe[0] = emu->wait.pipe[1] = -1;
    emu->rng = opt->seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
    emu->notes.due = UINT64_MAX;
    emu->notes.level = MACHEMU_NOTE_PRESSURE_NORMAL;
    emu->alarm = UINT64_MAX;
    int rc = phys_init(&emu->phys, opt->mem_size);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create %llu bytes of guest RAM: %s",
                 (unsigned long long)opt->mem_size, strerror(-rc));
        goto fail;
    }
    if ((rc = mmu_init(&emu->mmu, &emu->phys, opt->tlb_sets, opt->tlb_ways)) < 0) {
        snprintf(err, errlen, "cannot create a %ux%u TLB: %s", opt->tlb_sets, opt->tlb_ways,
                 strerror(-rc));
        goto fail;
    }
    if (vm_init(&emu->vm, &emu->phys, &emu->mmu) < 0) {
        snprintf(err, errlen, "out of host memory");
        goto fail;
    }
    emu_trace_install(emu);
    /* A guest writing to a closed pipe gets SIGPIPE or EPIPE; machemu must not die of it. */
    signal(SIGPIPE, SIG_IGN);
    if (emu_wait_init(emu, err, errlen) < 0 || fs_init(emu, opt->root, err, errlen) < 0 || emu_pager_init(emu, err, errlen) < 0 ||
        emu_shared_cache_init(emu, err, errlen) < 0 ||
        emu_jetsam_init(emu, err, errlen) < 0 || cpu_init(emu, err, errlen) < 0)
        goto fail;
    return emu;
fail:
    emu_destroy(emu);
    return NULL;
}

void emu_destroy(struct emu *emu)
{
    if (!emu)
        return;
    while (emu->tasks) {
        struct task *t = emu->tasks;
        emu->tasks = t->next;
        task_free(emu, t);
    }
    cpu_fini(emu);
    free(emu->dbg);
    emu_peak_free(emu);
    emu_jetsam_fini(emu);
    emu_shared_cache_fini(emu);
    emu_pager_fini(emu);
    if (emu->vm.pages)
        vm_fini(&emu->vm);
    mmu_fini(&emu->mmu);
    phys_fini(&emu->phys);
    if (emu->rootfd >= 0)
        close(emu->rootfd);
    emu_wait_fini(emu);
    free(emu->root);
    free(emu);
}

/* A new task running the program at host path `path`; the current task (if any)
 * keeps the CPU. NULL with err set. */
/* The loader names the file by its path in the guest; the person who typed the host
 * path wants that one back ("/bin/ls: ...", not "/ls: ..."). */
static void name_as_given(char *err, size_t errlen, const char *guest, const char *given)
{
    size_t n = strlen(guest);
    if (strncmp(err, guest, n) || strncmp(err + n, ": ", 2))
        return;
    char why[512];
    snprintf(why, sizeof why, "%s", err + n + 2);
    snprintf(err, errlen, "%s: %s", given, why);
}

static struct task *start_program(struct emu *emu, const char *path, int argc,
                                  char *const argv[], char *const envp[], char *err,
                                  size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!task_slot_free(emu)) {
        snprintf(err, errlen, "%s: the machine holds %u tasks already (its task limit)", path,
                 emu->opt.max_tasks ? emu->opt.max_tasks : EMU_DEFAULT_MAX_TASKS);
        close(fd);
        return NULL;
    }
    struct task *prev = emu->task;
    if (prev && prev->map)
        cpu_context_save(emu, prev->ctx);
    struct task *t = task_create(emu);
    struct pmap *pm = t ? pmap_create(&emu->mmu) : NULL;
    if (t) {
        t->app = true;
        t->ppid = 999;
        t->cwd = strdup("/");
        t->umask = emu->user_umask;
        t->exe = fs_guest_path_of_host(emu, path);
        t->map = pm ? vm_map_create(&emu->vm, pm, MAP_MIN_DEFAULT, VA_USER_END) : NULL;
    }
    int rc = -1;
    if (!t || !t->cwd || !t->exe || !t->map) {
        if (pm && t && !t->map)
            pmap_destroy(pm);
        snprintf(err, errlen, "out of memory creating the task");
    } else {
        emu->task = t;
        t->map->owner = t->pid;
        for (int gfd = 0; gfd < 3; gfd++) {
            int host = fcntl(gfd, F_DUPFD_CLOEXEC, 0);
            static const char *const names[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
            if (host >= 0 && fd_install(t, host, false, names[gfd], gfd) != gfd)
                close(host);
            else if (host >= 0)
                t->fds[gfd].stream = (int8_t)gfd;
        }
        fs_start_in_host_cwd(emu);
        pmap_activate(&emu->mmu, pm);
        struct exec_start start;
        char *exe = strdup(t->exe);
        rc = exe ? exec_load(emu, t, fd, exe, argc, argv, envp, &start, err, errlen) : -1;
        if (!exe)
            snprintf(err, errlen, "out of memory creating the task");
        else if (rc < 0)
            name_as_given(err, errlen, exe, path);
        free(exe);
        if (rc == 0 && task_charge_kernel(emu, t) != KERN_SUCCESS) {
            snprintf(err, errlen, "%s: no guest memory left for the new task's kernel "
                     "structures", path);
            rc = -1;
        }
        if (rc == 0) {
            task_regs_clear(emu);  /* the CPU still holds the previous task's */
            exec_start_apply(emu, &start);
            cpu_context_save(emu, t->ctx);
            t->exe_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        }
    }
    close(fd);
    if (rc < 0 && t) {
        for (struct task **pp = &emu->tasks; *pp; pp = &(*pp)->next)
            if (*pp == t) {
                *pp = t->next;
                break;
            }
        task_free(emu, t);
        t = NULL;
    }
    emu->task = prev ? prev : t;
    if (prev && prev->map && t) {
        cpu_context_restore(emu, prev->ctx);
        pmap_activate(&emu->mmu, prev->map->pmap);
    }
    return t;
}

static void apply_memstatus(struct emu *emu, struct task *t, const struct emu_jetsam_props *ms)
{
    if (!ms)
        return;
    jetsam_task_set(emu, t, ms);
}

int emu_load(struct emu *emu, const char *path, int argc, char *const argv[],
             char *const envp[], char *err, size_t errlen)
{
    if (emu->init) {               /* a system image's processes may run already */
        snprintf(err, errlen, "a program is already loaded");
        return -1;
    }
    emu->next_pid = 1000;
    struct task *t = start_program(emu, path, argc, argv, envp, err, errlen);
    if (!t)
        return -1;
    emu->init = t;
    sched_make_current(emu, t);    /* before the system's waiting tasks, if any */
    t->jetsam_states = MEMORYSTATUS_STATE_FRONTMOST;   /* the app in front */
    apply_memstatus(emu, t, emu->opt.memstatus);
    return 0;
}

int emu_spawn(struct emu *emu, const char *path, int argc, char *const argv[],
              char *const envp[], const struct emu_jetsam_props *ms, unsigned states,
              char *err, size_t errlen)
{
    if (!emu->tasks && !emu->next_pid)
        emu->next_pid = 1000;
    struct task *t = start_program(emu, path, argc, argv, envp, err, errlen);
    if (!t)
        return -1;
    t->ppid = 1;                   /* launchd's child, as an app is */
    if (!emu->init)
        emu->init = t;
    t->jetsam_states = states;
    apply_memstatus(emu, t, ms);
    sched_update_quantum(emu);
    return t->pid;
}

/* An access the VM refused: SIGSEGV (SIGBUS past EOF) to the guest. */
void emu_deliver_fault(struct emu *emu)
{
    if (emu->fault.kind == MMU_OK) {        /* a CPU exception, not an access */
        int intno = emu->fault_kr;
        /* EXCP_BKPT (brk) is a trap; anything else an illegal instruction. */
        signal_deliver(emu, intno == 7 ? SIGTRAP : SIGILL, 1 /* TRAP_BRKPT, ILL_ILLOPC */,
                       cpu_reg(emu, CPU_PC));
        return;
    }
    if (emu->fault_kr == KERN_RESOURCE_SHORTAGE) {
        if (emu_jetsam_reclaim(emu))
            return;                /* a kill made room: the access runs again */
        task_die(emu, SIGKILL, "out of memory: no free frame for a page fault, and the "
                               "compressor has no room for more anonymous memory");
        return;
    }
    uint64_t addr = emu->fault.va;
    if (emu->fault.access != VM_PROT_EXECUTE)
        addr = cpu_fault_address(emu, addr);
    if (emu->fault_kr == KERN_MEMORY_ERROR)
        signal_deliver(emu, SIGBUS, 2 /* BUS_ADRERR */, addr);
    else
        signal_deliver(emu, SIGSEGV, emu->fault_kr == KERN_PROTECTION_FAILURE ? 2 : 1, addr);
}

static bool fault_held(struct emu *emu)
{
    const struct emu_fault_watch *w = &emu->fault_watch;
    return w->hold && w->hold(w->ctx);
}

static void run_current(struct emu *emu)
{
    sched_before_run(emu);
    jetsam_notes_before_run(emu);
    cpu_run(emu);
    if (emu->stop == STOP_FAULT && !fault_held(emu))
        emu_deliver_fault(emu);
}

static bool run_over(struct emu *emu)
{
    if (!emu->opt.run_all)
        return emu->init->state == TASK_ZOMBIE;
    for (struct task *t = emu->tasks; t; t = t->next)
        if (t->state != TASK_ZOMBIE)
            return false;
    return true;
}

bool emu_run_slice(struct emu *emu)
{
    struct task *init = emu->init;
    emu_jetsam_before_run(emu);
    if (run_over(emu))
        return false;
    if (emu->task->state == TASK_RUNNABLE && emu->stop != STOP_SWITCH) {
        run_current(emu);
        return true;
    }
    emu->stop = STOP_NONE;
    if (!sched_next(emu)) {
        fprintf(stderr, "machemu: every task is waiting for another: deadlock\n");
        emu->task = init;
        init->exit_status = 128 + SIGKILL;
        return false;
    }
    return true;
}

void emu_run_prepare(struct emu *emu)
{
    sched_update_quantum(emu);
}

int emu_run(struct emu *emu)
{
    emu_run_prepare(emu);
    while (emu_run_slice(emu))
        ;
    return emu->init->exit_status;
}

uint64_t emu_icount(const struct emu *emu)
{
    return emu->icount;
}

const char *emu_root(const struct emu *emu)
{
    return emu->root;
}

uint64_t emu_idle_until(struct emu *emu, uint64_t icount)
{
    if (icount > emu->icount && icount != UINT64_MAX)
        emu->icount = icount;
    return emu->icount;
}

void emu_set_alarm(struct emu *emu, uint64_t icount)
{
    emu->alarm = icount;
    sched_update_quantum(emu);
}

int emu_exit_status(const struct emu *emu, int pid, bool *ended)
{
    for (const struct task *t = emu->tasks; t; t = t->next)
        if (t->pid == pid) {
            *ended = t->state == TASK_ZOMBIE;
            return *ended ? t->exit_status : 0;
        }
    *ended = false;
    return -1;
}

/* The emulator's own resident memory and its peak, in KB, from /proc (0 if unknown). */
static void host_rss(uint64_t *now_kb, uint64_t *peak_kb)
{
    char line[128];
    unsigned long long v;
    *now_kb = *peak_kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %llu", &v) == 1)
            *now_kb = v;
        else if (sscanf(line, "VmHWM: %llu", &v) == 1)
            *peak_kb = v;
    }
    fclose(f);
}

void emu_print_stats(struct emu *emu, FILE *out)
{
    vm_print_stats(&emu->vm, out);
    const struct tlb_stats *ts = &emu->mmu.tlb.stats;
    const struct mmu_stats *ms = &emu->mmu.stats;
    fprintf(out, "TLB (%ux%u): hits %llu, misses %llu, walks %llu, fills %llu, evictions %llu, "
            "TLBI va %llu asid %llu all %llu\n",
            emu->mmu.tlb.sets, emu->mmu.tlb.ways, (unsigned long long)ts->hits,
            (unsigned long long)ts->misses, (unsigned long long)ms->walks,
            (unsigned long long)ts->fills, (unsigned long long)ts->evictions,
            (unsigned long long)ts->inval_va, (unsigned long long)ts->inval_asid,
            (unsigned long long)ts->inval_all);
    fprintf(out, "MMU faults: translation %llu, access-flag %llu, permission %llu; "
            "ref/mod emulation: ref %llu, mod %llu\n",
            (unsigned long long)ms->faults[MMU_FAULT_TRANSLATION],
            (unsigned long long)ms->faults[MMU_FAULT_ACCESS_FLAG],
            (unsigned long long)ms->faults[MMU_FAULT_PERMISSION],
            (unsigned long long)ms->fast_ref, (unsigned long long)ms->fast_mod);
    fprintf(out, "CPU: TLB fills %llu (faulting %llu), CPU TLB flushes %llu, code cache flushes %llu, "
            "system calls %llu\n",
            (unsigned long long)emu->stats.fills, (unsigned long long)emu->stats.fill_faults,
            (unsigned long long)emu->stats.cpu_tlb_flushes, (unsigned long long)emu->stats.tb_flushes,
            (unsigned long long)emu->stats.syscalls);
    uint64_t rss, rss_peak;
    host_rss(&rss, &rss_peak);
    fprintf(out, "Host memory: resident %llu MB, peak %llu MB; free frames given back %llu "
            "(%u times), free frames still host-backed %u\n",
            (unsigned long long)(rss >> 10), (unsigned long long)(rss_peak >> 10),
            (unsigned long long)emu->phys.released, emu->phys.trims, emu->phys.backed_free);
    fprintf(out, "WKdm loops: %s (%s)\n", wkdm_loops_name(wkdm_loops_current()), wkdm_loops_choice());
    for (struct task *t = emu->tasks; t; t = t->next) {
        bool live = t->map != NULL;
        const uint64_t *f = live ? t->map->stats.faults : t->last.stats.faults;
        fprintf(out, "task %d (%s)%s: resident %llu pages, page tables %u, mapped %llu KB in %u "
                "entries; faults: zero-fill %llu, soft %llu, pagein %llu, cow %llu, fast %llu, "
                "invalid %llu; reactivated %llu\n",
                t->pid, t->name ? t->name : "?", live ? "" : " at exit",
                (unsigned long long)(live ? vm_map_resident(t->map) : t->last.resident),
                live ? t->map->pmap->tables : t->last.tables,
                (unsigned long long)((live ? t->map->size : t->last.mapped) >> 10),
                live ? t->map->nentries : t->last.entries, (unsigned long long)f[VM_FAULT_ZERO_FILL],
                (unsigned long long)f[VM_FAULT_SOFT], (unsigned long long)f[VM_FAULT_PAGEIN],
                (unsigned long long)f[VM_FAULT_COW], (unsigned long long)f[VM_FAULT_FAST],
                (unsigned long long)f[VM_FAULT_INVALID],
                (unsigned long long)(live ? t->map->stats : t->last.stats).reactivations);
        print_ledgers(out, t);
    }
}
