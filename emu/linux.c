/* emu/linux.c — the system-call dispatcher and the process, signal, time calls. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "emu/linux.h"

#define G_MINSIGSTKSZ 5120
#define G_SS_ONSTACK  1
#define G_SS_DISABLE  2
#define G_PR_SET_NAME 15
#define G_PR_GET_NAME 16

static int64_t sys_exit_group(struct emu *emu, const uint64_t a[6])
{
    task_exit(emu, (int)(a[0] & 0xff) << 8);
    return 0;
}

static int64_t sys_clone(struct emu *emu, const uint64_t a[6])
{
    /* arm64 order: flags, newsp, parent_tid, tls, child_tid; the low byte of flags
     * is the signal sent to the parent at exit (always SIGCHLD here). */
    return task_fork(emu, a[0] & ~0xffull, a[1], a[2], a[3], a[4]);
}

int64_t sys_wait4(struct emu *emu, const uint64_t a[6])
{
    if (a[3]) {                    /* rusage: none is kept per child yet */
        uint8_t zero[144] = { 0 };
        if (copyout(emu, a[3], zero, sizeof zero) < 0)
            return -EFAULT;
    }
    return task_wait4(emu, (int64_t)(int32_t)a[0], a[1], a[2]);
}

/* A NULL-terminated array of guest strings into a host one (freed by free_strv). */
static int64_t copyin_strv(struct emu *emu, uint64_t gv, char ***out)
{
    enum { MAX_STRS = 4096, MAX_BYTES = 2 << 20 };
    char **v = calloc(MAX_STRS + 1, sizeof *v);
    size_t bytes = 0;
    int n = 0;
    if (!v)
        return -ENOMEM;
    for (; gv; n++) {
        uint64_t p;
        if (n == MAX_STRS) {
            *out = v;
            return -E2BIG;
        }
        if (copyin(emu, &p, gv + 8u * (unsigned)n, sizeof p) < 0) {
            *out = v;
            return -EFAULT;
        }
        if (!p)
            break;
        char buf[PATH_MAX * 4];
        int rc = copyinstr(emu, buf, p, sizeof buf);
        if (rc < 0 || (bytes += strlen(buf) + 1) > MAX_BYTES || !(v[n] = strdup(buf))) {
            *out = v;
            return rc < 0 ? (rc == -ENAMETOOLONG ? -E2BIG : rc) : -E2BIG;
        }
    }
    *out = v;
    return 0;
}

static void free_strv(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

int64_t sys_execve(struct emu *emu, const uint64_t a[6])
{
    char path[PATH_MAX];
    char **argv = NULL, **envp = NULL;
    int64_t rc = copyinstr(emu, path, a[0], sizeof path);
    if (rc == 0)
        rc = copyin_strv(emu, a[1], &argv);
    if (rc == 0)
        rc = copyin_strv(emu, a[2], &envp);
    if (rc == 0)
        rc = task_execve(emu, path, argv, envp);
    free_strv(argv);
    free_strv(envp);
    return rc;
}

static int64_t sys_enosys(struct emu *emu, const uint64_t a[6]) { (void)emu; (void)a; return -ENOSYS; }

static int64_t sys_uname(struct emu *emu, const uint64_t a[6])
{
    char u[6][65] = { "Linux", "machemu", "6.1.0-machemu", "#1 SMP machemu", "aarch64", "(none)" };
    return copyout(emu, a[0], u, sizeof u);
}

static int64_t sys_prctl(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    char name[16] = { 0 };
    switch (a[0]) {
    case G_PR_SET_NAME:
        /* A string, cut to 15 bytes: nothing past its NUL is read. */
        for (int i = 0; i < 15; i++) {
            if (copyin(emu, &name[i], a[1] + (unsigned)i, 1) < 0)
                return -EFAULT;
            if (!name[i])
                break;
        }
        free(t->name);
        t->name = strdup(name);
        return 0;
    case G_PR_GET_NAME:
        strncpy(name, t->name ? t->name : "", 15);
        return copyout(emu, a[1], name, 16);
    default:
        return -EINVAL;
    }
}

static int64_t sys_clock_gettime(struct emu *emu, const uint64_t a[6])
{
    struct timespec ts;
    if (clock_gettime((clockid_t)a[0], &ts) < 0)
        return -errno;
    int64_t g[2] = { ts.tv_sec, ts.tv_nsec };
    return copyout(emu, a[1], g, sizeof g);
}

static int64_t sys_clock_getres(struct emu *emu, const uint64_t a[6])
{
    struct timespec ts;
    if (clock_getres((clockid_t)a[0], &ts) < 0)
        return -errno;
    int64_t g[2] = { ts.tv_sec, ts.tv_nsec };
    return a[1] ? copyout(emu, a[1], g, sizeof g) : 0;
}

static int64_t sys_gettimeofday(struct emu *emu, const uint64_t a[6])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t g[2] = { ts.tv_sec, ts.tv_nsec / 1000 };
    return a[0] && copyout(emu, a[0], g, sizeof g) < 0 ? -EFAULT : 0;
}

/* nanosleep and clock_nanosleep block the task, not the machine (other tasks run, and
 * a debugger's Ctrl-C ends the machine's wait), until a deadline kept in the task while
 * the call restarts. A handler that interrupts it makes it return EINTR. */
static int64_t sleep_ns(struct emu *emu, uint64_t ns, uint64_t rem)
{
    struct task *t = emu->task;
    if (!t->sleep.until) {         /* a new call */
        if (ns == 0)
            return 0;
        t->sleep.until = deadline_after(ns);
        t->sleep.rem = rem;
    } else if (task_now_ns() >= t->sleep.until) {   /* the restart at the deadline */
        t->sleep.until = 0;
        t->timed_out = false;
        return 0;
    }
    struct pollfd none = { .fd = -1 };
    task_block_io(emu, &none, 0, t->sleep.until);
    return EMU_RESTART;
}

/* A blocked call other than a sleep that a handler interrupts: a write that moved
 * bytes returns their count, sigsuspend, poll and select return EINTR, the others
 * start again after the handler (SA_RESTART is what every program here expects). */
static void call_interrupted(struct emu *emu)
{
    struct task *t = emu->task;
    if (!t->call.eintr && !t->call.done)
        return;
    linux_poll_time_left(emu);
    cpu_set_reg(emu, CPU_X(0), t->call.done ? t->call.done : (uint64_t)-EINTR);
    cpu_set_reg(emu, CPU_PC, cpu_reg(emu, CPU_PC) + 4);   /* past the svc */
    t->call.eintr = false;
    t->call.done = 0;
    t->call.deadline = 0;
    t->call.timeout_addr = 0;
}

void linux_sleep_interrupted(struct emu *emu)
{
    struct task *t = emu->task;
    futex_cancel(emu, t);          /* the wait starts again after the handler */
    if (!t->sleep.until) {
        call_interrupted(emu);
        return;
    }
    uint64_t now = task_now_ns(), left = t->sleep.until > now ? t->sleep.until - now : 0;
    int64_t g[2] = { (int64_t)(left / 1000000000u), (int64_t)(left % 1000000000u) };
    if (t->sleep.rem)
        copyout(emu, t->sleep.rem, g, sizeof g);   /* a bad address: Linux ignores it too */
    t->sleep.until = 0;
    t->timed_out = false;
    cpu_set_reg(emu, CPU_X(0), (uint64_t)-EINTR);
    cpu_set_reg(emu, CPU_PC, cpu_reg(emu, CPU_PC) + 4);   /* past the svc */
}

static int64_t sys_nanosleep(struct emu *emu, const uint64_t a[6])
{
    uint64_t ns = 0;
    int rc = emu->task->sleep.until ? 0 : guest_timespec_ns(emu, a[0], &ns);
    return rc < 0 ? rc : sleep_ns(emu, ns, a[1]);
}

#define L_TIMER_ABSTIME 1

/* The time until an absolute deadline on clock c; -EINVAL for a clock one cannot sleep on. */
static int64_t ns_until(clockid_t c, uint64_t at, uint64_t *ns)
{
    struct timespec now;
    if ((c != CLOCK_REALTIME && c != CLOCK_MONOTONIC && c != CLOCK_BOOTTIME && c != CLOCK_TAI) ||
        clock_gettime(c, &now) < 0)
        return -EINVAL;
    uint64_t n = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    *ns = at > n ? at - n : 0;
    return 0;
}

static int64_t sys_clock_nanosleep(struct emu *emu, const uint64_t a[6])
{
    clockid_t c = (clockid_t)a[0];
    uint64_t ns = 0, unused;
    if (emu->task->sleep.until)    /* the restart: the deadline is kept */
        return sleep_ns(emu, 0, 0);
    int64_t rc = guest_timespec_ns(emu, a[2], &ns);
    if (rc == 0 && (a[1] & L_TIMER_ABSTIME))
        rc = ns_until(c, ns, &ns);
    else if (rc == 0)
        rc = ns_until(c, 0, &unused);   /* the clock must exist */
    return rc < 0 ? rc : sleep_ns(emu, ns, a[1] & L_TIMER_ABSTIME ? 0 : a[3]);
}

/* Deterministic: a run's bytes depend only on the seed (docs/design.md, Determinism). */
static int64_t sys_getrandom(struct emu *emu, const uint64_t a[6])
{
    uint64_t len = a[1] > 65536 ? 65536 : a[1];
    uint8_t buf[256];
    for (uint64_t done = 0; done < len;) {
        size_t n = len - done < sizeof buf ? (size_t)(len - done) : sizeof buf;
        for (size_t i = 0; i < n; i++) {
            emu->rng ^= emu->rng << 13;
            emu->rng ^= emu->rng >> 7;
            emu->rng ^= emu->rng << 17;
            buf[i] = (uint8_t)(emu->rng >> 24);
        }
        if (copyout(emu, a[0] + done, buf, n) < 0)
            return -EFAULT;
        done += n;
    }
    return (int64_t)len;
}

static int64_t sys_umask(struct emu *emu, const uint64_t a[6])
{
    mode_t old = emu->task->umask;
    emu->task->umask = (mode_t)(a[0] & 0777);
    return old;
}

static int64_t sys_rt_sigaction(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    int sig = (int)a[0];
    if (sig < 1 || sig > GUEST_NSIG || (a[1] && (sig == SIGKILL || sig == SIGSTOP)) || a[3] != 8)
        return -EINVAL;
    struct guest_sigaction old = t->sig[sig], new;
    if (a[1]) {
        if (copyin(emu, &new, a[1], sizeof new) < 0)
            return -EFAULT;
        t->sig[sig] = new;
    }
    return a[2] && copyout(emu, a[2], &old, sizeof old) < 0 ? -EFAULT : 0;
}

static int64_t sys_rt_sigprocmask(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    uint64_t old = t->sigmask, set;
    if (a[3] != 8)
        return -EINVAL;
    if (a[1]) {
        if (copyin(emu, &set, a[1], sizeof set) < 0)
            return -EFAULT;
        switch (a[0]) {
        case SIG_BLOCK: t->sigmask |= set; break;
        case SIG_UNBLOCK: t->sigmask &= ~set; break;
        case SIG_SETMASK: t->sigmask = set; break;
        default: return -EINVAL;
        }
        t->sigmask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    }
    return a[2] && copyout(emu, a[2], &old, sizeof old) < 0 ? -EFAULT : 0;
}

static int64_t sys_rt_sigreturn(struct emu *emu, const uint64_t a[6])
{
    (void)a;
    return signal_sigreturn(emu);
}

static int64_t sys_sigaltstack(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    struct { uint64_t sp; int32_t flags, pad; uint64_t size; } ss, old = {
        t->altstack_sp, t->altstack_size ? 0 : G_SS_DISABLE, 0, t->altstack_size };
    uint64_t sp = cpu_reg(emu, CPU_SP);
    bool on = t->altstack_size && sp - t->altstack_sp <= t->altstack_size;
    if (on)
        old.flags = G_SS_ONSTACK;
    if (a[0]) {
        if (copyin(emu, &ss, a[0], sizeof ss) < 0)
            return -EFAULT;
        if (on)
            return -EPERM;
        if (ss.flags & ~G_SS_DISABLE)
            return -EINVAL;
        if (ss.flags & G_SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
        } else {
            if (ss.size < G_MINSIGSTKSZ)
                return -ENOMEM;
            t->altstack_sp = ss.sp;
            t->altstack_size = ss.size;
        }
    }
    return a[1] && copyout(emu, a[1], &old, sizeof old) < 0 ? -EFAULT : 0;
}

/* kill(2): one task, a process group (0: the caller's, -pgid), or (-1) every task
 * but the caller. */
static int64_t raise_signal(struct emu *emu, int64_t pid, uint64_t sig, int code)
{
    int from = task_leader(emu->task)->pid;
    if (sig > GUEST_NSIG)
        return -EINVAL;
    if (pid > 0) {
        struct task *t = thread_by_tid(emu, (int)pid);   /* a thread's id names its process */
        if (!t || t->state == TASK_ZOMBIE)
            return -ESRCH;
        linux_post_signal_info(task_leader(t), (int)sig, code, from, 0);
        return 0;
    }
    int64_t group = pid == 0 ? emu->task->pgid : -pid;
    bool any = false;
    for (struct task *t = emu->tasks; t; t = t->next) {
        if (t->state == TASK_ZOMBIE || (pid == -1 ? t == task_leader(emu->task) : t->pgid != group))
            continue;
        linux_post_signal_info(t, (int)sig, code, from, 0);
        any = true;
    }
    return any || pid == -1 ? 0 : -ESRCH;
}

int64_t sys_kill(struct emu *emu, const uint64_t a[6]) { return raise_signal(emu, (int)a[0], a[1], L_SI_USER); }

static int64_t sys_sysinfo(struct emu *emu, const uint64_t a[6])
{
    uint8_t si[112] = { 0 };
    uint64_t total = emu->phys.size, free = (uint64_t)emu->phys.count[PHYS_FREE] << PAGE_SHIFT;
    uint16_t procs = 1;
    uint32_t unit = 1;
    memcpy(si + 32, &total, 8);
    memcpy(si + 40, &free, 8);
    memcpy(si + 80, &procs, 2);
    memcpy(si + 104, &unit, 4);
    return copyout(emu, a[0], si, sizeof si);
}

#define LINUX_NSYSCALLS 450
#define CALL(nr, fn) [nr] = { #fn, sys_##fn }
#define NAMED(nr, name, fn) [nr] = { name, sys_##fn }
static const struct linux_call linux_calls[LINUX_NSYSCALLS] = {
    CALL(17, getcwd), CALL(23, dup), CALL(24, dup3), CALL(25, fcntl), CALL(29, ioctl),
    CALL(34, mkdirat), CALL(35, unlinkat), CALL(36, symlinkat), CALL(38, renameat),
    CALL(46, ftruncate), NAMED(48, "faccessat", faccessat), CALL(49, chdir), CALL(50, fchdir),
    CALL(56, openat), CALL(57, close), CALL(59, pipe2), CALL(61, getdents64), CALL(62, lseek),
    CALL(63, read), CALL(64, write), CALL(65, readv), CALL(66, writev), CALL(67, pread64),
    CALL(68, pwrite64), CALL(72, pselect6), CALL(73, ppoll), CALL(78, readlinkat), CALL(79, newfstatat), CALL(80, fstat),
    CALL(82, fsync), NAMED(83, "fdatasync", fsync), CALL(93, exit),
    CALL(94, exit_group), CALL(96, set_tid_address), CALL(98, futex),
    CALL(99, set_robust_list), CALL(100, get_robust_list), CALL(101, nanosleep), CALL(113, clock_gettime),
    CALL(114, clock_getres), CALL(115, clock_nanosleep), CALL(124, sched_yield), CALL(129, kill), CALL(130, tkill), CALL(131, tgkill),
    CALL(132, sigaltstack), CALL(134, rt_sigaction), CALL(135, rt_sigprocmask),
    CALL(139, rt_sigreturn), CALL(160, uname), CALL(166, umask),
    CALL(167, prctl), CALL(169, gettimeofday), CALL(172, getpid), CALL(173, getppid),
    CALL(178, gettid), CALL(179, sysinfo),
    CALL(214, brk), CALL(220, clone), CALL(221, execve), CALL(260, wait4), CALL(215, munmap), CALL(216, mremap), CALL(222, mmap), CALL(226, mprotect),
    CALL(227, msync), CALL(233, madvise), CALL(276, renameat2),
    CALL(278, getrandom), NAMED(293, "rseq", enosys),
    CALL(435, clone3), NAMED(439, "faccessat2", faccessat),
};

static const struct linux_call *linux_call_of(uint64_t nr)
{
    static const struct { const struct linux_call *calls; const size_t *n; } more[] = {
        { linux_proc_calls, &linux_proc_ncalls },
        { linux_fsmeta_calls, &linux_fsmeta_ncalls },
        { linux_sock_calls, &linux_sock_ncalls },
        { linux_poll_calls, &linux_poll_ncalls },
    };
    if (nr < LINUX_NSYSCALLS && linux_calls[nr].fn)
        return &linux_calls[nr];
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        if (nr < *more[i].n && more[i].calls[nr].fn)
            return &more[i].calls[nr];
    return NULL;
}

/* A call machemu does not implement answers ENOSYS; the first time in a run each is
 * said on stderr, by number and name, as what a program that fails may have needed. */
static void note_unknown(struct emu *emu, uint64_t nr)
{
    uint64_t bit = nr < 511 ? nr : 511;
    if (emu->unknown_calls[bit / 64] >> (bit % 64) & 1)
        return;
    emu->unknown_calls[bit / 64] |= 1ull << (bit % 64);
    const char *name = linux_call_name(nr);
    fprintf(stderr, "machemu: task %d (%s) made system call %llu (%s), which machemu does not "
            "implement: ENOSYS\n", emu->task->pid, emu->task->name ? emu->task->name : "?",
            (unsigned long long)nr, name ? name : "no such call on arm64");
}

void signal_deliver_pending(struct emu *emu)
{
    struct task *t = emu->task;
    uint64_t ready = t->pending & ~t->sigmask;
    if (!ready || t->exited)
        return;
    int sig = __builtin_ctzll(ready) + 1;
    t->pending &= ~(1ull << (sig - 1));
    emu->fault = (struct mmu_fault){ 0 };
    t->sent_info = true;
    signal_deliver(emu, sig, t->sig_info[sig].code, 0);
    t->sent_info = false;
}

/* One --strace line: a call machemu lacks shows its Linux name and number. */
static void strace_call(struct emu *emu, const struct linux_call *c, uint64_t nr, const char *args,
                        int64_t rc)
{
    char lacking[64];
    const char *name = c ? c->name : linux_call_name(nr);
    if (!c && name) {
        snprintf(lacking, sizeof lacking, "%s#%llu", name, (unsigned long long)nr);
        name = lacking;
    }
    strace_linux_line(emu, name, nr, args, rc);
}

void linux_syscall(struct emu *emu)
{
    uint64_t nr = cpu_reg(emu, CPU_X(8)), a[6];
    for (int i = 0; i < 6; i++)
        a[i] = cpu_reg(emu, CPU_X(i));
    const struct linux_call *c = linux_call_of(nr);
    struct task *t = emu->task;
    char args[STRACE_ARGS_MAX];
    if (emu->opt.strace)
        strace_linux_args(emu, nr, a, args, sizeof args);
    int64_t rc = c ? c->fn(emu, a) : -ENOSYS;
    if (!c)
        note_unknown(emu, nr);
    if (rc != EMU_RESTART && !t->exited) {   /* the call is over */
        t->call.eintr = false;
        t->call.done = 0;
        t->call.deadline = 0;
        t->call.timeout_addr = 0;
        if (t->call.restore_mask && rc != -EINTR) {
            t->sigmask = t->call.saved_mask;
            t->call.restore_mask = false;
        }
    }
    if (emu->opt.strace)
        strace_call(emu, c, nr, args, rc);
    /* sigreturn restored x0 with everything else; a blocked call runs again later. */
    if (nr == 139 || (nr == 221 && rc == 0) || emu->task->exited || rc == EMU_RESTART)
        return;
    cpu_set_reg(emu, CPU_X(0), (uint64_t)rc);
    signal_deliver_pending(emu);
    if (t->call.restore_mask && !t->exited) {   /* no handler took the old mask */
        t->sigmask = t->call.saved_mask;
        t->call.restore_mask = false;
    }
    jetsam_notes_deliver(emu);
}
