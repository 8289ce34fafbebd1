/* emu/task.c — several guest tasks on one CPU: fork, exec, exit, wait, and a
 * deterministic round-robin scheduler.
 *
 * A task runs until it blocks in a system call (which then restarts when it is
 * woken: its PC is put back on the svc) or until its quantum of guest instructions,
 * counted by a block hook, runs out. Time is never used to decide anything. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "emu/darwin.h"

#define QUANTUM      200000        /* guest instructions */
#define L_CLONE_VM             0x00000100
#define L_CLONE_VFORK          0x00004000
#define L_CLONE_THREAD         0x00010000
#define L_CLONE_SETTLS         0x00080000
#define L_CLONE_PARENT_SETTID  0x00100000
#define L_CLONE_CHILD_CLEARTID 0x00200000
#define L_CLONE_CHILD_SETTID   0x01000000
#define L_WNOHANG 1

struct task *task_create(struct emu *emu)
{
    struct task *t = calloc(1, sizeof *t);
    if (t)
        t->sig = calloc(GUEST_NSIG + 1, sizeof *t->sig);
    if (t && t->sig)
        t->ctx = cpu_context_create(emu);
    if (!t || !t->ctx) {
        if (t)
            free(t->sig);
        free(t);
        return NULL;
    }
    t->pid = emu->next_pid++;
    t->exe_fd = -1;
    t->cwd_fd = -1;
    linux_task_defaults(emu, t);
    jetsam_task_init(t);
    emu_jetsam_task_started(emu, t);
    struct task **pp = &emu->tasks;
    while (*pp)
        pp = &(*pp)->next;
    *pp = t;
    return t;
}

bool task_slot_free(const struct emu *emu)
{
    unsigned max = emu->opt.max_tasks ? emu->opt.max_tasks : EMU_DEFAULT_MAX_TASKS, n = 0;
    for (const struct task *t = emu->tasks; t && n < max; t = t->next)
        n += t->state != TASK_ZOMBIE || t->parent;   /* not yet reaped */
    return n < max;
}

/* What a task costs the kernel (Apple's "About the Virtual Memory System"): the process
 * itself, one thread blocked in the kernel, the task's and the thread's Mach ports, 32
 * bytes per mapping, 160 per region. A zombie has only the process left, which it
 * keeps until it is reaped. */
#define KMEM_TASK    16384
#define KMEM_THREAD  21504
#define KMEM_PORT    116
#define KMEM_MAPPING 32
#define KMEM_REGION  160

static uint64_t kernel_bytes(const struct task *t)
{
    if (!t->map)
        return KMEM_TASK;
    return KMEM_TASK + KMEM_THREAD + 2 * KMEM_PORT +
           KMEM_MAPPING * (uint64_t)t->map->pmap->resident +
           KMEM_REGION * (uint64_t)t->map->nentries;
}

kern_return_t task_account_kernel(struct emu *emu, struct task *t)
{
    t = task_leader(t);            /* a thread's own charge is fixed (thread.c) */
    if (!t->map)
        return KERN_SUCCESS;       /* exited: what it keeps was settled then */
    return vm_kmem_resize(&emu->vm, &t->kmem, kernel_bytes(t));
}

kern_return_t task_charge_kernel(struct emu *emu, struct task *t)
{
    return vm_kmem_charge(&emu->vm, &t->kmem, kernel_bytes(t));
}

/* Everything only a live task needs; its kernel memory shrinks to the process's. */
static void release_live(struct emu *emu, struct task *t)
{
    ipc_space_destroy(&t->ports);      /* before the map: entries hold its objects */
    vm_map_destroy(t->map);
    t->map = NULL;
    for (int i = 0; i < t->nfds; i++)
        if (t->fds[i].host >= 0) {
            close(t->fds[i].host);
            free(t->fds[i].path);
        }
    free(t->fds);
    t->fds = NULL;
    t->nfds = 0;
    cpu_context_free(t->ctx);
    t->ctx = NULL;
    free(t->sig);
    t->sig = NULL;
    free(t->cwd);
    t->cwd = NULL;
    if (t->cwd_fd >= 0)
        close(t->cwd_fd);
    t->cwd_fd = -1;
    if (t->exe_fd >= 0)
        close(t->exe_fd);
    t->exe_fd = -1;
    free(t->wait);
    t->wait = NULL;
    free(t->ptimers);
    t->ptimers = NULL;
    t->nwait = 0;
    if (t->kmem.n > 1)
        vm_kmem_resize(&emu->vm, &t->kmem, kernel_bytes(t));   /* only shrinks */
}

void task_free(struct emu *emu, struct task *t)
{
    if (!t)
        return;
    thread_free_all(emu, t);
    release_live(emu, t);
    vm_kmem_release(&emu->vm, &t->kmem);
    free(t->name);
    free(t->exe);
    free(t->cmdline);
    free(t);
}

static void unlink_task(struct emu *emu, struct task *t)
{
    for (struct task **pp = &emu->tasks; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            return;
        }
}

/* Nobody will wait for t: launchd reaps an app at once, and an orphan whose adopter
 * has gone is reaped by the kernel. Its process goes; an app's record stays for the
 * tools (exit status, stats), a forked task's is freed (free_unwaited) once it is not
 * the one on the CPU. */
static void reap_unwaited(struct emu *emu, struct task *t)
{
    vm_kmem_release(&emu->vm, &t->kmem);
    if (!t->app)
        emu->unwaited++;
}

static void free_unwaited(struct emu *emu)
{
    struct task **pp = &emu->tasks;
    while (emu->unwaited && *pp) {
        struct task *t = *pp;
        if (t->state == TASK_ZOMBIE && !t->parent && !t->app && t != emu->task &&
            (!emu->task || emu->task->th.leader != t)) {
            *pp = t->next;
            task_free(emu, t);
            emu->unwaited--;
        } else {
            pp = &t->next;
        }
    }
}

struct task *task_by_pid(struct emu *emu, int pid)
{
    for (struct task *t = emu->tasks; t; t = t->next)
        if (t->pid == pid)
            return t;
    return NULL;
}

static unsigned live_tasks(struct emu *emu)
{
    unsigned n = 0;
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        n += t->state != TASK_ZOMBIE && t->state != TASK_THREAD_EXITED;
    return n;
}

static void wake(struct task *t)
{
    if (t && (t->state == TASK_BLOCKED_WAIT || t->state == TASK_BLOCKED_IO))
        t->state = TASK_RUNNABLE;
}

/* A child ended: the parent (a blocked call sees SIGCHLD) and whichever of its other
 * threads waits for it in wait4. */
static void wake_waiters(struct task *p)
{
    wake(p);
    for (struct task *t = p ? p->th.list : NULL; t; t = t->th.next)
        if (t->state == TASK_BLOCKED_WAIT)
            t->state = TASK_RUNNABLE;
}

void task_wake_for_delivery(struct task *t)
{
    if (t->state != TASK_ZOMBIE && t->state != TASK_RUNNABLE &&
        t->state != TASK_THREAD_EXITED && !t->vfork_parent)
        t->state = TASK_RUNNABLE;
}

/* --- switching ------------------------------------------------------------ */

static bool timers_armed(struct emu *emu)
{
    for (struct task *t = emu->tasks; t; t = t->next)
        if (t->state != TASK_ZOMBIE && linux_task_timer_due(t))
            return true;
    return false;
}

/* A lone task is never switched out: no stop at the end of its quantum, unless a
 * timer is armed, which the end of each quantum looks at. */
static void start_quantum(struct emu *emu)
{
    emu->quantum_end = live_tasks(emu) > 1 || timers_armed(emu) ? emu->icount + QUANTUM : UINT64_MAX;
}

/* The clock (cpu_set_clock) costs time on every block (a fifth to a third of a tight
 * loop's speed), so unless clock_always it runs only while needed: while several tasks
 * share the CPU, a delayed pressure note waits, Jetsam needs time (emu_jetsam.clock) or
 * a tool set an alarm. Stopping it opens a gap in the clock (emu->clock_gaps). */
void sched_update_quantum(struct emu *emu)
{
    cpu_set_clock(emu, emu->clock_always || live_tasks(emu) > 1 || emu->notes.ntimers > 0 ||
                           emu->jetsam.clock || emu->alarm != UINT64_MAX || timers_armed(emu));
    start_quantum(emu);
}

void sched_timers_changed(struct emu *emu)
{
    if (emu->quantum_end != UINT64_MAX || !timers_armed(emu))
        return;
    start_quantum(emu);
    if (!cpu_clock_on(emu))
        cpu_request_stop(emu, STOP_RETRY);   /* to count it: sched_before_run */
}

void sched_before_run(struct emu *emu)
{
    if (emu->quantum_end != UINT64_MAX && !cpu_clock_on(emu))
        cpu_set_clock(emu, true);
}

void sched_count_instructions(struct emu *emu)
{
    if (cpu_clock_on(emu))
        return;
    cpu_set_clock(emu, true);
    start_quantum(emu);
}

static void switch_to(struct emu *emu, struct task *next)
{
    struct task *cur = emu->task;
    if (cur == next)
        return;
    if (cur && cur->state != TASK_ZOMBIE)
        cpu_context_save(emu, cur->ctx);
    if (cur && cur->state != TASK_ZOMBIE)   /* a zombie's time ended with it (idle time) */
        cur->cpu_insns += emu->icount - cur->ran_from;
    thread_share_out(cur);
    thread_share_in(next);
    next->ran_from = emu->icount;
    cpu_context_restore(emu, next->ctx);
    emu->task = next;
    emu->stats.switches++;
    if (!cur || cur->map != next->map)   /* threads of one process: the same ASID */
        pmap_activate(&emu->mmu, next->map->pmap);
    if (next->set_child_tid) {
        uint32_t tid = (uint32_t)next->pid;
        copyout(emu, next->set_child_tid, &tid, sizeof tid);
        next->set_child_tid = 0;
    }
}

void sched_make_current(struct emu *emu, struct task *t)
{
    switch_to(emu, t);
}

static struct task *pick_runnable(struct emu *emu)
{
    struct task *cur = emu->task, *t = cur ? task_walk_next(emu, cur) : NULL;
    if (!t)
        t = emu->tasks;
    for (struct task *start = t; t;) {
        if (t->state == TASK_RUNNABLE)
            return t;
        t = task_walk_next(emu, t);
        if (!t)
            t = emu->tasks;
        if (t == start)
            break;
    }
    return NULL;
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wakes the blocked tasks whose deadline has passed (the clock is read only if one
 * has a deadline): at each switch too, so that a sleeper's or a futex waiter's time
 * may end while others run. */
static void wake_timed_out(struct emu *emu)
{
    uint64_t now = 0;
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        if (t->state == TASK_BLOCKED_IO && t->deadline_ns) {
            if (!now)
                now = monotonic_ns();
            if (t->deadline_ns <= now) {
                t->timed_out = true;
                wake(t);
            }
        }
}

/* Nobody can run: wait on the host until a blocked task's fd is ready, its deadline
 * passes or a tool wakes the machine (wait.c). */
static enum wait_end wait_for_io(struct emu *emu)
{
    nfds_t n = 0, cap = 2;
    uint64_t deadline = linux_timers_fire(emu);
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        if (t->state == TASK_BLOCKED_IO) {
            cap += (nfds_t)t->nwait;
            if (t->deadline_ns && (!deadline || t->deadline_ns < deadline))
                deadline = t->deadline_ns;
        }
    if (cap == 2 && !deadline)
        return WAIT_FAILED;        /* nothing can ever wake anyone */
    struct pollfd *fds = malloc(cap * sizeof *fds);
    struct task **who = malloc(cap * sizeof *who);
    if (!fds || !who) {
        free(fds);
        free(who);
        return WAIT_FAILED;
    }
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        for (int i = 0; t->state == TASK_BLOCKED_IO && i < t->nwait; i++) {
            fds[n] = t->wait[i];
            who[n++] = t;
        }
    enum wait_end end = emu_wait_host(emu, fds, n, deadline);
    for (nfds_t i = 0; end != WAIT_FAILED && i < n; i++)
        if (fds[i].revents)
            wake(who[i]);
    free(fds);
    free(who);
    wake_timed_out(emu);
    return end;
}

/* The wait ended early with the current task gone: a tool that looks at the machine
 * now needs a task with an address space on the CPU. */
static void keep_a_live_task(struct emu *emu)
{
    if (emu->task && emu->task->state != TASK_ZOMBIE)
        return;
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        if (t->state != TASK_ZOMBIE && t->state != TASK_THREAD_EXITED && t->map) {
            switch_to(emu, t);
            return;
        }
}

bool sched_next(struct emu *emu)
{
    for (;;) {
        linux_timers_fire(emu);
        wake_timed_out(emu);
        struct task *next = pick_runnable(emu);
        if (next) {
            switch_to(emu, next);
            thread_reap(emu);
            free_unwaited(emu);
            sched_update_quantum(emu);
            signal_deliver_pending(emu);
            return true;
        }
        switch (wait_for_io(emu)) {
        case WAIT_FAILED:
            return false;
        case WAIT_WOKEN:
            keep_a_live_task(emu);
            return true;
        case WAIT_READY:
            break;
        }
    }
}

void task_block_io(struct emu *emu, const struct pollfd *fds, int n, uint64_t deadline_ns)
{
    struct task *t = emu->task;
    if (n > t->wait_cap) {
        struct pollfd *w = realloc(t->wait, (size_t)n * sizeof *w);
        if (w) {
            t->wait = w;
            t->wait_cap = n;
        }
    }
    t->state = TASK_BLOCKED_IO;
    t->nwait = n < t->wait_cap ? n : t->wait_cap;   /* short of memory: fewer fds */
    if (t->nwait)
        memcpy(t->wait, fds, (size_t)t->nwait * sizeof *fds);
    t->deadline_ns = deadline_ns;
    t->timed_out = false;
    cpu_set_reg(emu, CPU_PC, cpu_reg(emu, CPU_PC) - 4);
    cpu_request_stop(emu, STOP_SWITCH);
}

bool task_would_block(struct emu *emu, int host, short events)
{
    struct pollfd p = { .fd = host, .events = events };
    if ((fcntl(host, F_GETFL) & O_NONBLOCK) || poll(&p, 1, 0) != 0)
        return false;
    task_block_io(emu, &p, 1, 0);
    return true;
}

uint64_t task_now_ns(void)
{
    return monotonic_ns();
}

/* --- fork ------------------------------------------------------------------ */

static int copy_fds(struct task *c, const struct task *p)
{
    for (int i = 0; i < p->nfds; i++) {
        if (p->fds[i].host < 0)
            continue;
        int h = fcntl(p->fds[i].host, F_DUPFD_CLOEXEC, 0);
        if (h < 0)
            return -errno;
        if (fd_install(c, h, p->fds[i].cloexec, p->fds[i].path, i) != i) {
            close(h);
            return -ENOMEM;
        }
        c->fds[i].stream = p->fds[i].stream;
    }
    return 0;
}

static int copy_task(struct emu *emu, struct task *c, const struct task *p)
{
    c->parent = task_leader((struct task *)p);   /* the process, whichever thread forks */
    c->ppid = c->parent->pid;
    c->abi = p->abi;
    c->name = strdup(p->name ? p->name : "?");
    c->exe = strdup(p->exe ? p->exe : "/");
    if (p->cmdline && (c->cmdline = malloc(p->cmdline_len)))
        memcpy(c->cmdline, p->cmdline, c->cmdline_len = p->cmdline_len);
    c->exe_fd = p->exe_fd >= 0 ? fcntl(p->exe_fd, F_DUPFD_CLOEXEC, 0) : -1;
    c->cwd = strdup(p->cwd);
    c->cwd_fd = p->cwd_fd >= 0 ? fcntl(p->cwd_fd, F_DUPFD_CLOEXEC, 0) : -1;
    c->umask = p->umask;
    c->pgid = p->pgid;
    c->nice = p->nice;
    c->sid = p->sid;
    c->cred = p->cred;
    memcpy(c->rlim, p->rlim, sizeof c->rlim);
    c->brk_start = p->brk_start;
    c->brk_end = p->brk_end;
    c->mmap_hint = p->mmap_hint;
    c->stack_top = p->stack_top;
    c->sigtramp = p->sigtramp;
    memcpy(c->sig, p->sig, (GUEST_NSIG + 1) * sizeof *c->sig);
    c->sigmask = p->sigmask;
    c->altstack_sp = p->altstack_sp;
    c->altstack_size = p->altstack_size;
    c->altstack_flags = p->altstack_flags;
    jetsam_notes_fork(c, p);
    c->memstatus = p->memstatus;
    if (!c->name || !c->exe || !c->cwd)
        return -ENOMEM;
    struct pmap *pm = pmap_create(&emu->mmu);
    if (!pm)
        return -EAGAIN;
    if (!(c->map = vm_map_fork(p->map, pm))) {
        pmap_destroy(pm);
        return -ENOMEM;
    }
    c->map->owner = c->pid;
    return copy_fds(c, p);
}

/* Two tasks now: the parent's turn becomes a quantum. One already running is not
 * renewed, or the children of a fork loop would never run. */
static void quantum_for_two(struct emu *emu)
{
    if (emu->quantum_end == UINT64_MAX) {
        start_quantum(emu);
        if (!cpu_clock_on(emu))
            cpu_request_stop(emu, STOP_RETRY);   /* to count it: sched_before_run */
    }
}

int64_t task_fork(struct emu *emu, uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t tls,
                  uint64_t ctid)
{
    struct task *p = emu->task;
    /* vfork's CLONE_VM is honoured as a copy (the child may only exec or _exit, which
     * behave the same); a thread shares the map (thread.c). */
    if (flags & L_CLONE_THREAD) {
        int64_t tid = thread_create(emu, flags, newsp, ptid, tls, ctid);
        if (tid > 0)
            quantum_for_two(emu);
        return tid;
    }
    if ((flags & L_CLONE_VM) && !(flags & L_CLONE_VFORK))
        return -ENOSYS;
    if (!task_slot_free(emu))
        return -EAGAIN;            /* XNU's answer at kern.maxproc */
    struct task *c = task_create(emu);
    if (!c)
        return -ENOMEM;
    int rc = copy_task(emu, c, p);
    if (rc == 0 && task_charge_kernel(emu, c) != KERN_SUCCESS)
        rc = -ENOMEM;
    if (rc < 0) {
        unlink_task(emu, c);
        task_free(emu, c);
        return rc;
    }
    clone_start_state(emu, c, flags, newsp, ptid, tls, ctid);
    if (flags & L_CLONE_VFORK) {
        c->vfork_parent = p;
        p->state = TASK_BLOCKED_WAIT;
        cpu_request_stop(emu, STOP_SWITCH);
    }
    quantum_for_two(emu);
    return c->pid;
}

/* --- exit and wait ---------------------------------------------------------- */

static void release_vfork_parent(struct task *t)
{
    if (t->vfork_parent) {
        wake(t->vfork_parent);
        t->vfork_parent = NULL;
    }
}

void task_exit(struct emu *emu, int wstatus)
{
    task_end(emu, emu->task, wstatus);
}

void task_end(struct emu *emu, struct task *t, int wstatus)
{
    t = task_leader(t);            /* a process ends with all its threads */
    thread_group_end(emu, t);      /* stops the CPU if one of them is on it */
    bool current = t == emu->task;
    if (t->abi == TASK_ABI_DARWIN && WIFSIGNALED(wstatus))   /* its parent reads Darwin's numbers */
        wstatus = (wstatus & ~0x7f) | darwin_signo(WTERMSIG(wstatus));
    if (current && t->clear_child_tid) {
        uint32_t zero = 0;
        copyout(emu, t->clear_child_tid, &zero, sizeof zero);
    }
    release_vfork_parent(t);
    emu_peak_check(emu);
    if (emu->opt.vmmap)
        vmmap_print_task(emu, t, emu->opt.vmmap);
    if (emu->opt.dump_pages)
        dump_pages_task(emu, t, emu->opt.dump_pages);
    t->last.stats = t->map->stats;
    t->last.resident = vm_map_resident(t->map);
    t->last.mapped = t->map->size;
    t->last.tables = t->map->pmap ? t->map->pmap->tables : 0;
    vm_map_ledgers(t->map, &t->last.ledgers);
    t->last.entries = t->map->nentries;
    release_live(emu, t);
    t->state = TASK_ZOMBIE;
    t->exited = true;
    t->wstatus = wstatus;
    t->exit_status = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
    struct task *adopter = emu->init != t && emu->init->state != TASK_ZOMBIE ? emu->init : NULL;
    for (struct task *c = emu->tasks; c; c = c->next) {
        if (c->parent == t) {
            c->parent = adopter;
            if (!adopter && c->state == TASK_ZOMBIE)
                reap_unwaited(emu, c);
        }
        if (c->vfork_parent == t)
            c->vfork_parent = NULL;
    }
    if (t->parent) {
        /* CLD_EXITED with the exit code, or CLD_KILLED / CLD_DUMPED with the signal. */
        int code = WIFEXITED(wstatus) ? 1 : (wstatus & 0x80) ? 3 : 2;
        int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus);
        wake_waiters(t->parent);
        if (t->parent->state != TASK_ZOMBIE) {
            struct task *p = t->parent;
            if (!(p->pending >> (SIGCHLD - 1) & 1))
                p->sig_info[SIGCHLD] = (struct sig_info){ code, t->pid, (uint32_t)status };
            p->pending |= 1ull << (SIGCHLD - 1);
        }
    } else {
        reap_unwaited(emu, t);
    }
    if (current) {
        t->cpu_insns += emu->icount - t->ran_from;
        t->ran_from = emu->icount;
        cpu_request_stop(emu, STOP_EXIT);
    }
    free_unwaited(emu);            /* t too, unless on the CPU; the callers are done with it */
}

static bool child_matches(const struct task *c, const struct task *p, int64_t pid)
{
    return c->parent == p && (pid <= 0 || c->pid == pid);
}

int64_t task_wait4(struct emu *emu, int64_t pid, uint64_t wstatus, uint64_t options)
{
    struct task *t = emu->task, *c, *zombie = NULL, *proc = task_leader(t);
    bool any = false;
    for (c = emu->tasks; c; c = c->next)
        if (child_matches(c, proc, pid)) {
            any = true;
            if (c->state == TASK_ZOMBIE && !zombie)
                zombie = c;
        }
    if (!any)
        return -ECHILD;
    if (!zombie) {
        if (options & L_WNOHANG)
            return 0;
        t->state = TASK_BLOCKED_WAIT;
        cpu_set_reg(emu, CPU_PC, cpu_reg(emu, CPU_PC) - 4);
        cpu_request_stop(emu, STOP_SWITCH);
        return EMU_RESTART;
    }
    int32_t st = zombie->wstatus;
    if (wstatus && copyout(emu, wstatus, &st, sizeof st) < 0)
        return -EFAULT;
    int rc = zombie->pid;
    unlink_task(emu, zombie);
    task_free(emu, zombie);
    return rc;
}

/* --- exec ------------------------------------------------------------------- */

void task_regs_clear(struct emu *emu)
{
    for (int i = 0; i <= 28; i++)
        cpu_set_reg(emu, CPU_X(i), 0);
    cpu_set_reg(emu, CPU_FP, 0);
    cpu_set_reg(emu, CPU_LR, 0);
    cpu_set_reg(emu, CPU_TPIDR_EL0, 0);
}

static void reset_for_exec(struct emu *emu, struct task *t)
{
    free(t->ptimers);              /* POSIX timers end with the image */
    t->ptimers = NULL;
    for (int i = 0; i < t->nfds; i++)
        if (t->fds[i].host >= 0 && t->fds[i].cloexec)
            fd_close(t, i);
    for (int s = 1; s <= GUEST_NSIG; s++)
        if (t->sig[s].handler != (uint64_t)(uintptr_t)SIG_IGN)
            t->sig[s] = (struct guest_sigaction){ 0 };
    t->altstack_sp = t->altstack_size = 0;
    jetsam_notes_exec(emu, t);
    task_regs_clear(emu);
    release_vfork_parent(t);
}

/* "#!interpreter [one argument]" at the start of fd: the interpreter's argv (freed by
 * the caller) replaces argv[0] by interpreter, its argument and path. 0: not a script. */
#define SCRIPT_LINE 256            /* Linux reads this much of the first line */

static int script_argv(int fd, const char *path, char **argv, char ***out)
{
    char line[SCRIPT_LINE + 1];
    ssize_t n = pread(fd, line, SCRIPT_LINE, 0);
    if (n < 2 || line[0] != '#' || line[1] != '!')
        return 0;
    line[n] = 0;
    char *end = strchr(line, '\n');
    if (!end && n == SCRIPT_LINE)
        return -ENOEXEC;           /* the interpreter's name may be cut */
    if (end)
        *end = 0;
    char *interp = line + 2;
    interp += strspn(interp, " \t");
    size_t ilen = strcspn(interp, " \t");
    char *arg = interp + ilen;
    arg += strspn(arg, " \t");
    for (char *e = arg + strlen(arg); e > arg && (e[-1] == ' ' || e[-1] == '\t');)
        *--e = 0;
    interp[ilen] = 0;
    if (!*interp)
        return -ENOEXEC;
    int argc = 0;
    while (argv[argc])
        argc++;
    char **v = calloc((size_t)argc + 4, sizeof *v);
    int k = 0;
    if (!v)
        return -ENOMEM;
    v[k++] = strdup(interp);
    if (*arg)
        v[k++] = strdup(arg);
    v[k++] = strdup(path);
    for (int i = 1; i < argc; i++)
        v[k++] = strdup(argv[i]);
    for (int i = 0; i < k; i++)
        if (!v[i]) {
            for (int j = 0; j < k; j++)
                free(v[j]);
            free(v);
            return -ENOMEM;
        }
    *out = v;
    return 1;
}

static void free_argv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

static int64_t exec_image(struct emu *emu, const char *path, char **argv, char **envp, int depth);

int64_t task_execve(struct emu *emu, const char *path, char **argv, char **envp)
{
    return exec_image(emu, path, argv, envp, 0);
}

/* A script runs its interpreter, itself perhaps a script, up to Linux's four levels. */
static int64_t exec_image(struct emu *emu, const char *path, char **argv, char **envp, int depth)
{
    struct task *t = emu->task;
    bool self = !strcmp(path, "/proc/self/exe");   /* the image the task runs now */
    int fd = !self ? fs_open(emu, AT_FDCWD, path, O_RDONLY, 0)
             : t->exe_fd >= 0 ? fcntl(t->exe_fd, F_DUPFD_CLOEXEC, 0) : -ENOENT;
    if (fd < 0)
        return fd;
    char **sv = NULL;
    int script = script_argv(fd, path, argv, &sv);
    if (script != 0) {
        close(fd);
        if (script < 0)
            return script;
        int64_t rc = depth >= 4 ? -ELOOP : exec_image(emu, sv[0], sv, envp, depth + 1);
        free_argv(sv);
        return rc;
    }
    char *abs = self ? strdup(t->exe) : NULL;
    struct pmap *pm = abs || fs_join(emu, AT_FDCWD, path, &abs) == 0 ? pmap_create(&emu->mmu) : NULL;
    struct vm_map *old = t->map;
    struct vm_map *map = pm ? vm_map_create(&emu->vm, pm, MAP_MIN_DEFAULT, old->max) : NULL;
    if (!map) {
        if (pm)
            pmap_destroy(pm);
        free(abs);
        close(fd);
        return -ENOMEM;
    }
    map->owner = t->pid;
    t->map = map;
    pmap_activate(&emu->mmu, pm);
    int argc = 0;
    while (argv[argc])
        argc++;
    struct exec_start start;
    char err[256];
    int rc = exec_load(emu, t, fd, abs, argc, argv, envp, &start, err, sizeof err);
    free(abs);
    if (rc == 0) {
        if (t->exe_fd >= 0)
            close(t->exe_fd);
        t->exe_fd = fd;
        if (self) {                /* Linux names a task after the path exec was given */
            free(t->name);
            t->name = strdup("exe");
        }
    } else {
        close(fd);
    }
    if (rc < 0) {                  /* the old image goes on */
        t->map = old;
        pmap_activate(&emu->mmu, old->pmap);
        vm_map_destroy(map);
        return -ENOEXEC;
    }
    thread_exec_alone(emu);        /* past the point of no return: the others end */
    t = emu->task;
    vm_map_destroy(old);
    reset_for_exec(emu, t);
    emu_jetsam_task_renamed(emu, t);
    exec_start_apply(emu, &start);
    cpu_request_stop(emu, STOP_REDIRECT);
    return 0;
}
