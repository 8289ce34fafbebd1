/* emu/linux_proc.c — process groups and sessions, credentials, resource limits,
 * sigsuspend and the interval timer.
 *
 * The guest is one ordinary user (GUEST_UID) whatever the host user is: ids can be set
 * only to the ones it has, and files the host user owns are its own (linux_fsmeta.c). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "emu/linux.h"

#define RLIM_INF UINT64_MAX
#define NO_ID    0xffffffffu           /* "leave it" in the set*id calls */

void linux_task_defaults(struct emu *emu, struct task *t)
{
    static const uint64_t mb8 = 8ull << 20;
    t->cred = (struct task_cred){ GUEST_UID, GUEST_UID, GUEST_UID, GUEST_UID, GUEST_UID, GUEST_UID };
    for (int r = 0; r < GUEST_NRLIMITS; r++)
        t->rlim[r][0] = t->rlim[r][1] = RLIM_INF;
    t->rlim[3][0] = mb8;               /* RLIMIT_STACK: the stack entry's size */
    t->rlim[4][0] = 0;                 /* RLIMIT_CORE: no core files are written */
    t->rlim[6][0] = t->rlim[6][1] = emu->opt.max_tasks ? emu->opt.max_tasks : EMU_DEFAULT_MAX_TASKS;
    t->rlim[GUEST_RLIMIT_NOFILE][0] = t->rlim[GUEST_RLIMIT_NOFILE][1] = 1024;   /* the fd table */
    t->rlim[8][0] = t->rlim[8][1] = mb8;   /* RLIMIT_MEMLOCK */
    t->rlim[13][0] = t->rlim[13][1] = 0;   /* RLIMIT_NICE */
    t->rlim[14][0] = t->rlim[14][1] = 0;   /* RLIMIT_RTPRIO */
    /* A program started by the machine is in the group and session of the shell that
     * started it (not their leader), as under any Linux shell without job control. */
    t->pgid = t->sid = 999;
}

/* To thread t itself. */
static void post_to_thread(struct task *t, int signo, int code, int pid, uint64_t value)
{
    if (!signo || t->state == TASK_ZOMBIE)
        return;
    if (!(t->pending >> (signo - 1) & 1))   /* a standard signal is pending once */
        t->sig_info[signo] = (struct sig_info){ code, pid, value };
    t->pending |= 1ull << (signo - 1);
    task_wake_for_delivery(t);
}

void linux_post_signal_info(struct task *t, int signo, int code, int pid, uint64_t value)
{
    if (!t->th.leader && code != L_SI_TKILL && t->state != TASK_ZOMBIE)
        t = thread_for_signal(t, signo);   /* to the process: a thread that takes it */
    post_to_thread(t, signo, code, pid, value);
}

/* SIGPIPE: the thread that wrote. */
void linux_post_signal(struct task *t, int signo)
{
    post_to_thread(t, signo, L_SI_KERNEL, 0, 0);
}

static struct task *live_task(struct emu *emu, int64_t pid)
{
    if (pid == 0)
        return emu->task;
    struct task *t = pid > 0 && pid <= INT32_MAX ? thread_by_tid(emu, (int)pid) : NULL;
    return t && t->state != TASK_ZOMBIE ? t : NULL;
}

/* --- groups and sessions ------------------------------------------------------ */

static int64_t sys_getpgid(struct emu *emu, const uint64_t a[6])
{
    struct task *t = live_task(emu, (int32_t)a[0]);
    return t ? t->pgid : -ESRCH;
}

static int64_t sys_getsid(struct emu *emu, const uint64_t a[6])
{
    struct task *t = live_task(emu, (int32_t)a[0]);
    return t ? t->sid : -ESRCH;
}

/* The tasks a (which, who) pair of get/setpriority names: a process, a group, a user
 * (the guest is one user: every task). */
static bool priority_names(struct emu *emu, const struct task *t, uint64_t which, int32_t who)
{
    if (t->state == TASK_ZOMBIE)
        return false;
    switch (which) {
    case 0: return t->pid == (who ? who : emu->task->pid);
    case 1: return t->pgid == (who ? who : emu->task->pgid);
    case 2: return !who || (uint32_t)who == emu->task->cred.ruid;
    default: return false;
    }
}

/* Linux returns 20 - nice, so that no priority looks like an error. */
static int64_t sys_getpriority(struct emu *emu, const uint64_t a[6])
{
    if (a[0] > 2)
        return -EINVAL;
    int64_t best = -ESRCH;
    for (struct task *t = emu->tasks; t; t = t->next)
        if (priority_names(emu, t, a[0], (int32_t)a[1]) && 20 - t->nice > best)
            best = 20 - t->nice;
    return best;
}

/* An ordinary user may only make its tasks nicer. */
static int64_t sys_setpriority(struct emu *emu, const uint64_t a[6])
{
    if (a[0] > 2)
        return -EINVAL;
    int32_t nice = (int32_t)a[2] < -20 ? -20 : (int32_t)a[2] > 19 ? 19 : (int32_t)a[2];
    int64_t rc = -ESRCH;
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (!priority_names(emu, t, a[0], (int32_t)a[1]))
            continue;
        if (nice < t->nice)
            return -EACCES;
        t->nice = nice;
        rc = 0;
    }
    return rc;
}

/* RUSAGE_SELF (and THREAD: one thread a task): the task's faults, major when the page came
 * from a file or the compressor, its peak resident size, and as CPU time that of the
 * machine's process, which CLOCK_PROCESS_CPUTIME_ID shows the guest too. Children's usage
 * is not kept: RUSAGE_CHILDREN gives zeros. */
static int64_t sys_getrusage(struct emu *emu, const uint64_t a[6])
{
    int64_t who = (int32_t)a[0], g[18] = { 0 };
    if (who != 0 && who != 1 && who != -1)
        return -EINVAL;
    if (who != -1) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        const struct vm_map *m = emu->task->map;
        const uint64_t *f = m->stats.faults;
        g[0] = ts.tv_sec;
        g[1] = ts.tv_nsec / 1000;
        g[4] = (int64_t)m->stats.resident_peak * (PAGE_SIZE / 1024);
        g[9] = (int64_t)(f[VM_FAULT_PAGEIN] + f[VM_FAULT_DECOMPRESS]);
        g[8] = (int64_t)(f[VM_FAULT_ZERO_FILL] + f[VM_FAULT_SOFT] + f[VM_FAULT_COW] +
                         f[VM_FAULT_FAST]);
    }
    return copyout(emu, a[1], g, sizeof g) < 0 ? -EFAULT : 0;
}

static bool group_in_session(struct emu *emu, int pgid, int sid)
{
    for (struct task *t = emu->tasks; t; t = t->next)
        if (t->state != TASK_ZOMBIE && t->pgid == pgid && t->sid == sid)
            return true;
    return false;
}

static int64_t sys_setpgid(struct emu *emu, const uint64_t a[6])
{
    struct task *self = emu->task, *t = live_task(emu, (int32_t)a[0]);
    int64_t pgid = (int32_t)a[1];
    if (pgid < 0)
        return -EINVAL;
    if (!t || (t != self && t->parent != self))
        return -ESRCH;
    if (t->sid == t->pid || t->sid != self->sid)
        return -EPERM;             /* a session leader, or a child in another session */
    if (pgid == 0)
        pgid = t->pid;
    if (pgid != t->pid && !group_in_session(emu, (int)pgid, self->sid))
        return -EPERM;
    t->pgid = (int)pgid;
    return 0;
}

static int64_t sys_setsid(struct emu *emu, const uint64_t a[6])
{
    (void)a;
    struct task *t = emu->task;
    for (struct task *o = emu->tasks; o; o = o->next)
        if (o->state != TASK_ZOMBIE && o->pgid == t->pid)
            return -EPERM;         /* already a group leader */
    t->pgid = t->sid = t->pid;
    return t->pid;
}

/* --- credentials ---------------------------------------------------------------- */

static int64_t sys_getuid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->cred.ruid; }
static int64_t sys_geteuid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->cred.euid; }
static int64_t sys_getgid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->cred.rgid; }
static int64_t sys_getegid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->cred.egid; }

static int64_t put_three(struct emu *emu, const uint64_t a[6], uint32_t r, uint32_t e, uint32_t s)
{
    if (copyout(emu, a[0], &r, 4) < 0 || copyout(emu, a[1], &e, 4) < 0 ||
        copyout(emu, a[2], &s, 4) < 0)
        return -EFAULT;
    return 0;
}

static int64_t sys_getresuid(struct emu *emu, const uint64_t a[6])
{
    const struct task_cred *c = &emu->task->cred;
    return put_three(emu, a, c->ruid, c->euid, c->suid);
}

static int64_t sys_getresgid(struct emu *emu, const uint64_t a[6])
{
    const struct task_cred *c = &emu->task->cred;
    return put_three(emu, a, c->rgid, c->egid, c->sgid);
}

/* setresuid's rules for an unprivileged caller: each new id is one of the three it has
 * (root may set any). */
static int set_three(uint32_t *r, uint32_t *e, uint32_t *s, bool root, const uint64_t a[3])
{
    uint32_t now[3] = { *r, *e, *s }, *out[3] = { r, e, s };
    for (int i = 0; i < 3; i++) {
        uint32_t v = (uint32_t)a[i];
        if (v != NO_ID && !root && v != now[0] && v != now[1] && v != now[2])
            return -EPERM;
    }
    for (int i = 0; i < 3; i++)
        if ((uint32_t)a[i] != NO_ID)
            *out[i] = (uint32_t)a[i];
    return 0;
}

static int64_t sys_setresuid(struct emu *emu, const uint64_t a[6])
{
    struct task_cred *c = &emu->task->cred;
    return set_three(&c->ruid, &c->euid, &c->suid, c->euid == 0, a);
}

static int64_t sys_setresgid(struct emu *emu, const uint64_t a[6])
{
    struct task_cred *c = &emu->task->cred;
    return set_three(&c->rgid, &c->egid, &c->sgid, c->euid == 0, a);
}

/* setreuid(r, e): the saved id follows the effective one when either changes. */
static int64_t set_re(uint32_t *r, uint32_t *e, uint32_t *s, bool root, const uint64_t a[6])
{
    uint64_t b[3] = { a[0], a[1], (uint32_t)a[0] != NO_ID || (uint32_t)a[1] != NO_ID
                                      ? ((uint32_t)a[1] != NO_ID ? a[1] : *e) : NO_ID };
    if ((uint32_t)a[0] != NO_ID && !root && (uint32_t)a[0] != *r && (uint32_t)a[0] != *e)
        return -EPERM;
    return set_three(r, e, s, root, b);
}

static int64_t sys_setreuid(struct emu *emu, const uint64_t a[6])
{
    struct task_cred *c = &emu->task->cred;
    return set_re(&c->ruid, &c->euid, &c->suid, c->euid == 0, a);
}

static int64_t sys_setregid(struct emu *emu, const uint64_t a[6])
{
    struct task_cred *c = &emu->task->cred;
    return set_re(&c->rgid, &c->egid, &c->sgid, c->euid == 0, a);
}

/* setuid(x): root sets all three; anyone else only the effective id, to one it has. */
static int64_t set_one(uint32_t *r, uint32_t *e, uint32_t *s, bool root, uint64_t x)
{
    uint32_t v = (uint32_t)x;
    if (v == NO_ID)
        return -EINVAL;
    if (root) {
        *r = *e = *s = v;
        return 0;
    }
    if (v != *r && v != *s)
        return -EPERM;
    *e = v;
    return 0;
}

static int64_t sys_setuid(struct emu *emu, const uint64_t a[6])
{
    struct task_cred *c = &emu->task->cred;
    return set_one(&c->ruid, &c->euid, &c->suid, c->euid == 0, a[0]);
}

static int64_t sys_setgid(struct emu *emu, const uint64_t a[6])
{
    struct task_cred *c = &emu->task->cred;
    return set_one(&c->rgid, &c->egid, &c->sgid, c->euid == 0, a[0]);
}

/* setfsuid and setfsgid answer the previous id and change nothing they may not. */
static int64_t sys_setfsuid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->cred.euid; }
static int64_t sys_setfsgid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->cred.egid; }

/* No supplementary groups. */
static int64_t sys_getgroups(struct emu *emu, const uint64_t a[6])
{
    (void)emu;
    return (int32_t)a[0] < 0 ? -EINVAL : 0;
}

static int64_t sys_setgroups(struct emu *emu, const uint64_t a[6])
{
    if (emu->task->cred.euid != 0)
        return -EPERM;
    return a[0] ? -EINVAL : 0;     /* root may drop them all, which it has done */
}

/* --- resource limits ------------------------------------------------------------ */

static int64_t sys_prlimit64(struct emu *emu, const uint64_t a[6])
{
    struct task *t = live_task(emu, (int32_t)a[0]);
    uint64_t res = (uint32_t)a[1], old[2], new[2];
    if (!t)
        return -ESRCH;
    if (res >= GUEST_NRLIMITS)
        return -EINVAL;
    memcpy(old, t->rlim[res], sizeof old);
    if (a[2]) {
        if (copyin(emu, new, a[2], sizeof new) < 0)
            return -EFAULT;
        if (new[0] > new[1])
            return -EINVAL;
        if (new[1] > t->rlim[res][1] && emu->task->cred.euid != 0)
            return -EPERM;
        if (res == GUEST_RLIMIT_NOFILE && new[1] > 1024)
            return -EPERM;         /* past the fd table (Linux's nr_open) */
        memcpy(t->rlim[res], new, sizeof new);
    }
    return a[3] && copyout(emu, a[3], old, sizeof old) < 0 ? -EFAULT : 0;
}

static int64_t sys_getrlimit(struct emu *emu, const uint64_t a[6])
{
    uint64_t b[6] = { 0, a[0], 0, a[1] };
    return sys_prlimit64(emu, b);
}

static int64_t sys_setrlimit(struct emu *emu, const uint64_t a[6])
{
    uint64_t b[6] = { 0, a[0], a[1], 0 };
    return sys_prlimit64(emu, b);
}

/* One CPU: a mask of one bit, in the 8 bytes of a kernel built for up to 64. */
static int64_t sys_sched_getaffinity(struct emu *emu, const uint64_t a[6])
{
    uint64_t mask = 1;
    if (!live_task(emu, (int32_t)a[0]))
        return -ESRCH;
    if (a[1] < sizeof mask || (a[1] & (sizeof mask - 1)))
        return -EINVAL;
    return copyout(emu, a[2], &mask, sizeof mask) < 0 ? -EFAULT : (int64_t)sizeof mask;
}

static int64_t sys_sched_setaffinity(struct emu *emu, const uint64_t a[6])
{
    uint64_t mask = 0;
    if (!live_task(emu, (int32_t)a[0]))
        return -ESRCH;
    if (copyin(emu, &mask, a[2], a[1] < sizeof mask ? a[1] : sizeof mask) < 0)
        return -EFAULT;
    return mask & 1 ? 0 : -EINVAL;
}

/* --- sigsuspend ------------------------------------------------------------------ */

bool linux_signal_ready(const struct task *t)
{
    uint64_t ready = t->pending & ~t->sigmask;
    for (int s = 1; ready; s++, ready >>= 1)
        if ((ready & 1) && signal_acts(t, s))
            return true;
    return false;
}

/* Waits with a temporary mask until a signal runs a handler (or ends the task); the
 * handler's frame holds the old mask, which its sigreturn restores. */
static int64_t sys_rt_sigsuspend(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    if (a[1] != 8)
        return -EINVAL;
    if (!t->call.restore_mask) {   /* a new call, not its restart */
        uint64_t set;
        if (copyin(emu, &set, a[0], sizeof set) < 0)
            return -EFAULT;
        t->call.saved_mask = t->sigmask;
        t->call.restore_mask = true;
        t->sigmask = set & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    }
    /* Ignored signals go, as the kernel discards them when they are sent. */
    for (int s = 1; s <= GUEST_NSIG; s++)
        if ((t->pending >> (s - 1) & 1) && !(t->sigmask >> (s - 1) & 1) && !signal_acts(t, s))
            t->pending &= ~(1ull << (s - 1));
    if (linux_signal_ready(t))
        return -EINTR;
    t->call.eintr = true;
    task_block_io(emu, NULL, 0, 0);
    return EMU_RESTART;
}

/* sigqueue: the caller's siginfo goes with the signal (code, pid, value); to another
 * process only a negative code other than SI_TKILL, as Linux allows. */
static int64_t queue_signal(struct emu *emu, int64_t pid, uint64_t sig, uint64_t ginfo)
{
    uint8_t info[128];
    int32_t code, from;
    uint64_t value;
    if (sig > GUEST_NSIG)
        return -EINVAL;
    if (copyin(emu, info, ginfo, sizeof info) < 0)
        return -EFAULT;
    memcpy(&code, info + 8, 4);
    memcpy(&from, info + 16, 4);
    memcpy(&value, info + 24, 8);
    struct task *t = pid > 0 && pid <= INT32_MAX ? thread_by_tid(emu, (int)pid) : NULL;
    if (!t || t->state == TASK_ZOMBIE)
        return -ESRCH;
    if (t != emu->task && (code >= 0 || code == L_SI_TKILL))
        return -EPERM;
    linux_post_signal_info(t, (int)sig, code, from, value);
    return 0;
}

static int64_t sys_rt_sigqueueinfo(struct emu *emu, const uint64_t a[6])
{
    return queue_signal(emu, (int32_t)a[0], a[1], a[2]);
}

static int64_t sys_rt_tgsigqueueinfo(struct emu *emu, const uint64_t a[6])
{
    return queue_signal(emu, (int32_t)a[1], a[2], a[3]);
}

static int64_t sys_rt_sigpending(struct emu *emu, const uint64_t a[6])
{
    if (a[1] > 8)
        return -EINVAL;
    uint64_t set = emu->task->pending;
    return copyout(emu, a[0], &set, a[1]) < 0 ? -EFAULT : 0;
}

/* Takes a pending signal of the set (normally blocked) without running its handler;
 * waits for one until the timeout (EAGAIN) or a handler of another (EINTR). */
static int64_t sys_rt_sigtimedwait(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    uint64_t set, ns = UINT64_MAX;
    if (a[3] != 8)
        return -EINVAL;
    if (copyin(emu, &set, a[0], sizeof set) < 0)
        return -EFAULT;
    set &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    if (a[2] && !t->call.deadline) {
        int rc = guest_timespec_ns(emu, a[2], &ns);
        if (rc < 0)
            return rc;
    }
    uint64_t ready = t->pending & set;
    if (ready) {
        int sig = __builtin_ctzll(ready) + 1;
        uint8_t info[128] = { 0 };
        const struct sig_info *si = &t->sig_info[sig];
        int32_t f[6] = { sig, 0, si->code, 0, si->pid, si->pid ? (int32_t)t->cred.ruid : 0 };
        memcpy(info, f, sizeof f);
        memcpy(info + 24, &si->value, sizeof si->value);
        if (a[1] && copyout(emu, a[1], info, sizeof info) < 0)
            return -EFAULT;
        t->pending &= ~(1ull << (sig - 1));
        t->timed_out = false;
        return sig;
    }
    if (t->timed_out || ns == 0) {
        t->timed_out = false;
        return -EAGAIN;
    }
    if (a[2] && !t->call.deadline)
        t->call.deadline = deadline_after(ns);
    t->call.eintr = true;
    task_block_io(emu, NULL, 0, t->call.deadline);
    return EMU_RESTART;
}

/* --- the interval timer --------------------------------------------------------- */

#define L_ITIMER_REAL 0

struct gitimerval { int64_t int_sec, int_usec, val_sec, val_usec; };

static uint64_t tv_ns(int64_t sec, int64_t usec)
{
    if (sec < 0 || usec < 0)
        return 0;
    return (uint64_t)sec > UINT64_MAX / 1000000000u - 1 ? UINT64_MAX
                                                        : (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
}

static struct gitimerval itimer_now(const struct task *t)
{
    uint64_t now = task_now_ns(), left = t->itimer.due > now ? t->itimer.due - now : 0;
    if (t->itimer.due && left == 0)
        left = 1000;               /* due but not yet fired: Linux shows a tick left */
    return (struct gitimerval){ (int64_t)(t->itimer.interval / 1000000000u),
                                (int64_t)(t->itimer.interval % 1000000000u / 1000u),
                                (int64_t)(left / 1000000000u), (int64_t)((left % 1000000000u + 999) / 1000u) };
}

static int64_t sys_getitimer(struct emu *emu, const uint64_t a[6])
{
    if (a[0] > 2)
        return -EINVAL;
    struct gitimerval v = a[0] == L_ITIMER_REAL ? itimer_now(task_leader(emu->task))
                                                : (struct gitimerval){ 0 };
    return copyout(emu, a[1], &v, sizeof v) < 0 ? -EFAULT : 0;
}

static int64_t sys_setitimer(struct emu *emu, const uint64_t a[6])
{
    struct task *t = task_leader(emu->task);   /* the process's timer: the leader's */
    struct gitimerval v = { 0 }, old = itimer_now(t);
    if (a[0] > 2)
        return -EINVAL;
    if (a[1] && copyin(emu, &v, a[1], sizeof v) < 0)
        return -EFAULT;
    if (v.int_usec < 0 || v.int_usec >= 1000000 || v.val_usec < 0 || v.val_usec >= 1000000 ||
        v.int_sec < 0 || v.val_sec < 0)
        return -EINVAL;
    if (a[0] != L_ITIMER_REAL)
        return -EINVAL;            /* the CPU-time timers are not kept */
    if (a[2] && copyout(emu, a[2], &old, sizeof old) < 0)
        return -EFAULT;
    uint64_t value = tv_ns(v.val_sec, v.val_usec);
    t->itimer.interval = tv_ns(v.int_sec, v.int_usec);
    t->itimer.due = value ? deadline_after(value) : 0;
    sched_timers_changed(emu);
    return 0;
}

uint64_t linux_task_timer_due(const struct task *t)
{
    uint64_t next = t->itimer.due;
    for (int i = 0; t->ptimers && i < GUEST_NTIMERS; i++)
        if (t->ptimers[i].used && t->ptimers[i].due && (!next || t->ptimers[i].due < next))
            next = t->ptimers[i].due;
    return next;
}

/* A POSIX timer due: its signal (SI_TIMER, the id, its value), or an overrun if the
 * last one is still pending. */
static void fire_posix(struct task *t, int id, uint64_t now)
{
    struct posix_timer *p = &t->ptimers[id];
    if (p->signo && (t->pending >> (p->signo - 1) & 1))
        p->overrun++;
    else if (p->signo)
        linux_post_signal_info(t, p->signo, L_SI_TIMER, id, p->value);
    p->due = p->interval ? now + p->interval : 0;
}

uint64_t linux_timers_fire(struct emu *emu)
{
    uint64_t now = task_now_ns(), next = 0;
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (t->state == TASK_ZOMBIE)
            continue;
        if (t->itimer.due && t->itimer.due <= now) {
            linux_post_signal_info(t, SIGALRM, L_SI_KERNEL, 0, 0);
            t->itimer.due = t->itimer.interval ? deadline_after(t->itimer.interval) : 0;
        }
        for (int i = 0; t->ptimers && i < GUEST_NTIMERS; i++)
            if (t->ptimers[i].used && t->ptimers[i].due && t->ptimers[i].due <= now)
                fire_posix(t, i, now);
        uint64_t due = linux_task_timer_due(t);
        if (due && (!next || due < next))
            next = due;
    }
    return next;
}

/* --- POSIX timers ---------------------------------------------------------------- */

#define L_SIGEV_SIGNAL    0
#define L_SIGEV_NONE      1
#define L_TIMER_ABSTIME_P 1

static bool timer_clock_ok(uint64_t c)
{
    return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC || c == CLOCK_BOOTTIME;
}

static int64_t sys_timer_create(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    struct { uint64_t value; int32_t signo, notify; } ev = { 0, SIGALRM, L_SIGEV_SIGNAL };
    if (!timer_clock_ok(a[0]))
        return -EINVAL;
    if (a[1] && copyin(emu, &ev, a[1], sizeof ev) < 0)
        return -EFAULT;
    if ((ev.notify != L_SIGEV_SIGNAL && ev.notify != L_SIGEV_NONE) ||
        (ev.notify == L_SIGEV_SIGNAL && (ev.signo < 1 || ev.signo > GUEST_NSIG)))
        return -EINVAL;            /* SIGEV_THREAD(_ID) needs threads */
    if (!a[1])
        ev.value = 0;              /* Linux: the id; set below */
    if (!t->ptimers && !(t->ptimers = calloc(GUEST_NTIMERS, sizeof *t->ptimers)))
        return -ENOMEM;
    int id = 0;
    while (id < GUEST_NTIMERS && t->ptimers[id].used)
        id++;
    if (id == GUEST_NTIMERS)
        return -EAGAIN;
    int32_t gid = id;
    if (copyout(emu, a[2], &gid, sizeof gid) < 0)
        return -EFAULT;
    t->ptimers[id] = (struct posix_timer){ .used = true, .signo = ev.notify == L_SIGEV_NONE ? 0 : ev.signo,
                                           .value = a[1] ? ev.value : (uint64_t)id };
    return 0;
}

static struct posix_timer *timer_of(struct task *t, uint64_t id)
{
    return t->ptimers && id < GUEST_NTIMERS && t->ptimers[id].used ? &t->ptimers[id] : NULL;
}

static void ns_to_ts(uint64_t ns, int64_t g[2])
{
    g[0] = (int64_t)(ns / 1000000000u);
    g[1] = (int64_t)(ns % 1000000000u);
}

static void timer_now(const struct posix_timer *p, int64_t g[4])
{
    uint64_t now = task_now_ns(), left = p->due > now ? p->due - now : p->due ? 1 : 0;
    ns_to_ts(p->interval, g);
    ns_to_ts(left, g + 2);
}

static int64_t sys_timer_gettime(struct emu *emu, const uint64_t a[6])
{
    struct posix_timer *p = timer_of(emu->task, a[0]);
    int64_t g[4];
    if (!p)
        return -EINVAL;
    timer_now(p, g);
    return copyout(emu, a[1], g, sizeof g) < 0 ? -EFAULT : 0;
}

static int64_t sys_timer_settime(struct emu *emu, const uint64_t a[6])
{
    struct posix_timer *p = timer_of(emu->task, a[0]);
    int64_t g[4], old[4];
    if (!p)
        return -EINVAL;
    if (copyin(emu, g, a[2], sizeof g) < 0)
        return -EFAULT;
    if (g[0] < 0 || g[1] < 0 || g[1] >= 1000000000 || g[2] < 0 || g[3] < 0 || g[3] >= 1000000000)
        return -EINVAL;
    timer_now(p, old);
    if (a[3] && copyout(emu, a[3], old, sizeof old) < 0)
        return -EFAULT;
    uint64_t value = (uint64_t)g[2] * 1000000000u + (uint64_t)g[3];
    p->interval = (uint64_t)g[0] * 1000000000u + (uint64_t)g[1];
    p->overrun = 0;
    if (value && (a[1] & L_TIMER_ABSTIME_P)) {   /* a time on the timer's clock: from now */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t n = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        value = value > n ? value - n : 1;
    }
    p->due = value ? deadline_after(value) : 0;
    sched_timers_changed(emu);
    return 0;
}

static int64_t sys_timer_getoverrun(struct emu *emu, const uint64_t a[6])
{
    struct posix_timer *p = timer_of(emu->task, a[0]);
    return p ? p->overrun : -EINVAL;
}

static int64_t sys_timer_delete(struct emu *emu, const uint64_t a[6])
{
    struct posix_timer *p = timer_of(emu->task, a[0]);
    if (!p)
        return -EINVAL;
    *p = (struct posix_timer){ 0 };
    return 0;
}

#define PROC_CALL(nr, fn) [nr] = { #fn, sys_##fn }
const struct linux_call linux_proc_calls[] = {
    PROC_CALL(102, getitimer), PROC_CALL(103, setitimer), PROC_CALL(107, timer_create),
    PROC_CALL(108, timer_gettime), PROC_CALL(109, timer_getoverrun), PROC_CALL(110, timer_settime),
    PROC_CALL(111, timer_delete), PROC_CALL(122, sched_setaffinity),
    PROC_CALL(123, sched_getaffinity), PROC_CALL(133, rt_sigsuspend), PROC_CALL(136, rt_sigpending),
    PROC_CALL(137, rt_sigtimedwait), PROC_CALL(138, rt_sigqueueinfo), PROC_CALL(140, setpriority),
    PROC_CALL(141, getpriority), PROC_CALL(143, setregid),
    PROC_CALL(144, setgid), PROC_CALL(145, setreuid), PROC_CALL(146, setuid),
    PROC_CALL(147, setresuid), PROC_CALL(148, getresuid), PROC_CALL(149, setresgid),
    PROC_CALL(150, getresgid), PROC_CALL(151, setfsuid), PROC_CALL(152, setfsgid),
    PROC_CALL(154, setpgid), PROC_CALL(155, getpgid), PROC_CALL(156, getsid),
    PROC_CALL(157, setsid), PROC_CALL(158, getgroups), PROC_CALL(159, setgroups),
    PROC_CALL(163, getrlimit), PROC_CALL(164, setrlimit), PROC_CALL(165, getrusage), PROC_CALL(174, getuid),
    PROC_CALL(175, geteuid), PROC_CALL(176, getgid), PROC_CALL(177, getegid),
    PROC_CALL(240, rt_tgsigqueueinfo), PROC_CALL(261, prlimit64),
};
const size_t linux_proc_ncalls = sizeof linux_proc_calls / sizeof *linux_proc_calls;
