/* emu/linux_thread.c — the Linux calls about threads: ids, thread exit, clone3, the
 * robust list, yielding and signals aimed at one thread (emu/thread.c has the threads,
 * emu/futex.c the futexes). */
#include <errno.h>
#include <signal.h>
#include "emu/linux.h"

#define L_CLONE_THREAD 0x00010000
#define ROBUST_LIST_HEAD_SIZE 24   /* struct robust_list_head on arm64 */

int64_t sys_exit(struct emu *emu, const uint64_t a[6])
{
    thread_exit(emu, (int)(a[0] & 0xff) << 8);
    return 0;
}

int64_t sys_getpid(struct emu *emu, const uint64_t a[6]) { (void)a; return task_leader(emu->task)->pid; }
int64_t sys_gettid(struct emu *emu, const uint64_t a[6]) { (void)a; return emu->task->pid; }
int64_t sys_getppid(struct emu *emu, const uint64_t a[6]) { (void)a; return task_leader(emu->task)->ppid; }

int64_t sys_set_tid_address(struct emu *emu, const uint64_t a[6])
{
    emu->task->clear_child_tid = a[0];
    return emu->task->pid;
}

/* The list is walked when the thread dies (thread.c): the mutexes it holds are marked
 * FUTEX_OWNER_DIED. */
int64_t sys_set_robust_list(struct emu *emu, const uint64_t a[6])
{
    if (a[1] != ROBUST_LIST_HEAD_SIZE)
        return -EINVAL;
    emu->task->th.robust_list = a[0];
    emu->task->th.robust_len = a[1];
    return 0;
}

int64_t sys_get_robust_list(struct emu *emu, const uint64_t a[6])
{
    struct task *t = a[0] ? thread_by_tid(emu, (int)a[0]) : emu->task;
    if (!t || t->state == TASK_ZOMBIE)
        return -ESRCH;
    uint64_t head = t->th.robust_list, len = ROBUST_LIST_HEAD_SIZE;
    if (copyout(emu, a[2], &len, sizeof len) < 0 || copyout(emu, a[1], &head, sizeof head) < 0)
        return -EFAULT;
    return 0;
}

/* The CPU goes to the next runnable task in the scheduler's order, if there is one. */
int64_t sys_sched_yield(struct emu *emu, const uint64_t a[6])
{
    (void)a;
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        if (t != emu->task && t->state == TASK_RUNNABLE) {
            cpu_request_stop(emu, STOP_SWITCH);
            break;
        }
    return 0;
}

/* tkill and tgkill: to one thread (tgid -1 or 0 in tkill: any process). */
static int64_t kill_thread(struct emu *emu, int64_t tgid, int64_t tid, uint64_t sig)
{
    if (tid <= 0 || (tgid != -1 && tgid <= 0) || sig > GUEST_NSIG)
        return -EINVAL;
    struct task *t = thread_by_tid(emu, (int)tid);
    if (!t || t->state == TASK_ZOMBIE || t->state == TASK_THREAD_EXITED ||
        (tgid != -1 && task_leader(t)->pid != tgid))
        return -ESRCH;
    linux_post_signal_info(t, (int)sig, L_SI_TKILL, task_leader(emu->task)->pid, 0);
    return 0;
}

int64_t sys_tkill(struct emu *emu, const uint64_t a[6])
{
    return kill_thread(emu, -1, (int32_t)a[0], a[1]);
}

int64_t sys_tgkill(struct emu *emu, const uint64_t a[6])
{
    return kill_thread(emu, (int32_t)a[0], (int32_t)a[1], a[2]);
}

/* clone3(args, size): struct clone_args's flags, child_tid, parent_tid, exit_signal,
 * stack, stack_size and tls, as clone takes them. */
int64_t sys_clone3(struct emu *emu, const uint64_t a[6])
{
    uint64_t ca[11] = { 0 };
    if (a[1] < 64 || a[1] > 4096)
        return -EINVAL;
    if (copyin(emu, ca, a[0], a[1] < sizeof ca ? a[1] : sizeof ca) < 0)
        return -EFAULT;
    uint64_t flags = ca[0], pidfd = ca[1], ctid = ca[2], ptid = ca[3], exit_signal = ca[4];
    uint64_t stack = ca[5], stack_size = ca[6], tls = ca[7];
    if (pidfd || (flags & 0xff) || exit_signal > GUEST_NSIG || (a[1] > 64 && (ca[8] || ca[9])) ||
        (!stack != !stack_size) || ((flags & L_CLONE_THREAD) && exit_signal))
        return -EINVAL;            /* no pidfd, set_tid or cgroup here */
    return task_fork(emu, flags, stack ? stack + stack_size : 0, ptid, tls, ctid);
}
