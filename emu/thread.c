/* emu/thread.c — threads: several tasks of one process (clone with CLONE_THREAD).
 *
 * Each thread is a struct task with its own registers, TLS, signal mask, pending
 * signals, alternate stack and blocking state, so that the scheduler, blocking calls and
 * signal delivery treat it as they treat any task. The process's leader (its first
 * thread) is the one in emu->tasks that everything else sees as the process; the other
 * threads hang off it. They share its map (so its pmap and ASID), its handlers (the same
 * array) and the rest of the process state: the running thread holds a copy of that
 * state, whose changes go back to the leader when it leaves the CPU, since a call such
 * as open or chdir may move the fd table or the cwd string. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "emu/internal.h"

#define L_CLONE_VM      0x00000100
#define L_CLONE_SIGHAND 0x00000800
#define L_CLONE_SETTLS  0x00080000
#define L_CLONE_PARENT_SETTID  0x00100000
#define L_CLONE_CHILD_CLEARTID 0x00200000
#define L_CLONE_CHILD_SETTID   0x01000000

/* XNU's kernel stack of a thread on arm64 (16 KB) and its thread structure: each thread
 * past the first costs the wired memory a task's thread does (task.c, KMEM_THREAD). */
#define KMEM_THREAD 21504

/* What the threads of a process share, moved between the running thread and the
 * leader. The machine may change the leader meanwhile (a dying parent's children are
 * given to another, a parent sets a child's group): at the switch only what the
 * thread changed goes back, found against a snapshot taken when it got the CPU. What
 * the machine changes by itself alone (Jetsam's band, states and limits, the
 * footprint's peak, the interval timer) is only ever the leader's. */
#define SHARED_FIELDS(X) X(parent) X(ppid) X(abi) X(exe) X(exe_fd) X(map) X(brk_start) \
    X(brk_end) X(mmap_hint) X(stack_top) X(fds) X(nfds) X(cwd) X(cwd_fd) X(umask) X(sig) \
    X(sigtramp) X(ptimers) X(pgid) X(sid)
#define COPY_FIELD(f) dst->f = src->f;
#define MERGE_FIELD(f) if (t->f != snap->f) leader->f = t->f;

static void share(struct task *dst, const struct task *src)
{
    SHARED_FIELDS(COPY_FIELD)
    dst->cred = src->cred;
    memcpy(dst->rlim, src->rlim, sizeof dst->rlim);
}

void thread_share_out(struct task *t)
{
    if (!t || !t->th.leader || t->state == TASK_ZOMBIE)
        return;
    struct task *leader = t->th.leader, *snap = t->th.snap;
    SHARED_FIELDS(MERGE_FIELD)
    if (memcmp(&t->cred, &snap->cred, sizeof t->cred))
        leader->cred = t->cred;
    if (memcmp(t->rlim, snap->rlim, sizeof t->rlim))
        memcpy(leader->rlim, t->rlim, sizeof t->rlim);
}

void thread_share_in(struct task *t)
{
    if (t && t->th.leader && t->state != TASK_ZOMBIE) {
        share(t, t->th.leader);
        share(t->th.snap, t->th.leader);
    }
}

struct task *task_walk_next(const struct emu *emu, const struct task *t)
{
    (void)emu;
    if (!t->th.leader && t->th.list)
        return t->th.list;
    if (t->th.leader && t->th.next)
        return t->th.next;
    return task_leader((struct task *)t)->next;
}

unsigned thread_count(const struct task *leader)
{
    unsigned n = leader->state != TASK_ZOMBIE && leader->state != TASK_THREAD_EXITED;
    for (const struct task *t = leader->th.list; t; t = t->th.next)
        n += t->state != TASK_ZOMBIE;
    return n;
}

struct task *thread_by_tid(struct emu *emu, int tid)
{
    for (struct task *t = emu->tasks; t; t = task_walk_next(emu, t))
        if (t->pid == tid)
            return t;
    return NULL;
}

static bool takes(const struct task *t, int signo)
{
    return t->state != TASK_ZOMBIE && t->state != TASK_THREAD_EXITED &&
           !(t->sigmask >> (signo - 1) & 1);
}

struct task *thread_for_signal(struct task *leader, int signo)
{
    if (signo < 1 || signo > GUEST_NSIG || takes(leader, signo))
        return leader;
    for (struct task *t = leader->th.list; t; t = t->th.next)
        if (takes(t, signo))
            return t;
    for (struct task *t = leader->th.list; t && leader->state == TASK_THREAD_EXITED; t = t->th.next)
        if (t->state != TASK_ZOMBIE)
            return t;              /* all block it: one that may unblock it holds it */
    return leader;
}

static void free_unstarted(struct task *c)
{
    if (!c)
        return;
    cpu_context_free(c->ctx);
    free(c->name);
    free(c->th.snap);
    free(c);
}

/* A thread structure with its kernel stack charged; NULL with *err. */
static struct task *thread_alloc(struct emu *emu, const struct task *p, int *err)
{
    struct task *c = calloc(1, sizeof *c);
    *err = -ENOMEM;
    if (!c || !(c->ctx = cpu_context_create(emu)) || !(c->name = strdup(p->name ? p->name : "?")) ||
        !(c->th.snap = calloc(1, sizeof *c->th.snap))) {
        free_unstarted(c);
        return NULL;
    }
    if (vm_kmem_charge(&emu->vm, &c->kmem, KMEM_THREAD) != KERN_SUCCESS) {
        free_unstarted(c);
        *err = -EAGAIN;            /* Linux's answer when no thread can be made */
        return NULL;
    }
    return c;
}

void clone_start_state(struct emu *emu, struct task *c, uint64_t flags, uint64_t newsp,
                       uint64_t ptid, uint64_t tls, uint64_t ctid)
{
    cpu_context_save(emu, c->ctx);
    cpu_context_set_reg(c->ctx, CPU_X(0), 0);
    if (newsp)
        cpu_context_set_reg(c->ctx, CPU_SP, newsp);
    if (flags & L_CLONE_SETTLS)
        cpu_context_set_reg(c->ctx, CPU_TPIDR_EL0, tls);
    if (flags & L_CLONE_CHILD_SETTID)
        c->set_child_tid = ctid;
    if (flags & L_CLONE_CHILD_CLEARTID)
        c->clear_child_tid = ctid;
    if (flags & L_CLONE_PARENT_SETTID) {
        uint32_t tid = (uint32_t)c->pid;
        copyout(emu, ptid, &tid, sizeof tid);
    }
}

int64_t thread_create(struct emu *emu, uint64_t flags, uint64_t newsp, uint64_t ptid,
                      uint64_t tls, uint64_t ctid)
{
    struct task *p = emu->task, *leader = task_leader(p);
    int err;
    if ((flags & (L_CLONE_VM | L_CLONE_SIGHAND)) != (L_CLONE_VM | L_CLONE_SIGHAND))
        return -EINVAL;            /* Linux: a thread shares handlers, which need the VM */
    struct task *c = thread_alloc(emu, p, &err);
    if (!c)
        return err;
    c->pid = emu->next_pid++;
    c->th.leader = leader;
    share(c, p);
    c->sigmask = p->sigmask;       /* the new thread's mask is its creator's */
    c->upcall = p->upcall;
    c->launched = emu->icount;
    c->ran_from = emu->icount;
    struct task **pp = &leader->th.list;
    while (*pp)
        pp = &(*pp)->th.next;
    *pp = c;
    clone_start_state(emu, c, flags, newsp, ptid, tls, ctid);
    return c->pid;
}

/* The thread's own resources; what it shares stays with the leader. */
static void thread_release(struct emu *emu, struct task *t)
{
    futex_cancel(emu, t);
    t->state = TASK_ZOMBIE;
    t->exited = true;
    cpu_context_free(t->ctx);
    t->ctx = NULL;
    free(t->wait);
    t->wait = NULL;
    t->nwait = t->wait_cap = 0;
    t->map = NULL;
    t->fds = NULL;
    t->nfds = 0;
    t->sig = NULL;
    t->cwd = NULL;
    t->exe = NULL;
    t->ptimers = NULL;
    vm_kmem_release(&emu->vm, &t->kmem);
}

/* The robust list (set_robust_list): each mutex the dying thread t still holds gets
 * FUTEX_OWNER_DIED, its waiters bit kept, and one waiter is woken, so that the next
 * locker gets EOWNERDEAD. Only on the thread's own map (it is on the CPU). */
#define ROBUST_LIMIT      2048     /* Linux's ROBUST_LIST_LIMIT: a cycle ends here */
#define FUTEX_WAITERS     0x80000000u
#define FUTEX_OWNER_DIED  0x40000000u
#define FUTEX_TID_MASK    0x3fffffffu

static void owner_died(struct emu *emu, const struct task *t, uint64_t word)
{
    uint32_t v;
    if (copyin(emu, &v, word, sizeof v) < 0 || (v & FUTEX_TID_MASK) != (uint32_t)t->pid)
        return;
    uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (copyout(emu, word, &nv, sizeof nv) == 0 && (v & FUTEX_WAITERS))
        futex_wake_va(emu, word, 1);
}

static void walk_robust_list(struct emu *emu, struct task *t)
{
    uint64_t head = t->th.robust_list, h[3];   /* next, futex_offset, list_op_pending */
    t->th.robust_list = 0;
    if (!head || copyin(emu, h, head, sizeof h) < 0)
        return;
    uint64_t entry = h[0] & ~1ull, pending = h[2] & ~1ull;   /* bit 0: a PI mutex */
    for (int n = 0; entry && entry != head && n < ROBUST_LIMIT; n++) {
        uint64_t next;
        if (copyin(emu, &next, entry, sizeof next) < 0)
            break;
        if (entry != pending)
            owner_died(emu, t, entry + h[1]);
        entry = next & ~1ull;
    }
    if (pending)
        owner_died(emu, t, pending + h[1]);
}

/* CLONE_CHILD_CLEARTID: zero the word and wake one waiter (pthread_join). */
static void clear_child_tid(struct emu *emu, struct task *t)
{
    uint32_t zero = 0;
    if (t->clear_child_tid && copyout(emu, t->clear_child_tid, &zero, sizeof zero) == 0)
        futex_wake_va(emu, t->clear_child_tid, 1);
    t->clear_child_tid = 0;
}

void thread_exit(struct emu *emu, int wstatus)
{
    struct task *t = emu->task, *leader = task_leader(t);
    walk_robust_list(emu, t);
    if (thread_count(leader) <= 1) {   /* the last thread: the process ends */
        task_exit(emu, wstatus);
        return;
    }
    clear_child_tid(emu, t);
    t->cpu_insns += emu->icount - t->ran_from;
    if (t == leader) {             /* the process lives on in its other threads */
        futex_cancel(emu, t);
        t->state = TASK_THREAD_EXITED;
    } else {
        thread_share_out(t);
        thread_release(emu, t);
    }
    cpu_request_stop(emu, STOP_EXIT);
}

void thread_group_end(struct emu *emu, struct task *leader)
{
    if (emu->task && emu->task->th.leader == leader)
        thread_share_out(emu->task);
    if (emu->task && emu->task->map && task_leader(emu->task) == leader) {
        /* Its memory is on the CPU: what its threads hold in shared memory is freed. */
        for (struct task *t = leader->th.list; t; t = t->th.next)
            if (t->state != TASK_ZOMBIE)
                walk_robust_list(emu, t);
        walk_robust_list(emu, leader);
    }
    for (struct task *t = leader->th.list; t; t = t->th.next)
        if (t->state != TASK_ZOMBIE) {
            if (t == emu->task) {
                t->cpu_insns += emu->icount - t->ran_from;
                cpu_request_stop(emu, STOP_EXIT);
            }
            thread_release(emu, t);
        }
    futex_cancel(emu, leader);
}

static void thread_free(struct emu *emu, struct task *t)
{
    thread_release(emu, t);
    free(t->th.snap);
    free(t->name);
    free(t->cmdline);
    free(t);
}

void thread_reap(struct emu *emu)
{
    for (struct task *l = emu->tasks; l; l = l->next)
        for (struct task **pp = &l->th.list; *pp;) {
            struct task *t = *pp;
            if (t->state == TASK_ZOMBIE && t != emu->task) {
                *pp = t->th.next;
                thread_free(emu, t);
            } else {
                pp = &t->th.next;
            }
        }
}

void thread_free_all(struct emu *emu, struct task *leader)
{
    while (leader->th.list) {
        struct task *t = leader->th.list;
        leader->th.list = t->th.next;
        if (emu->task == t)
            emu->task = leader;
        thread_free(emu, t);
    }
}

/* exec loaded the new image's name and argv into the calling thread t: they are the
 * process's, whose leader t becomes; t leaves with the old ones. */
static void take_image_names(struct task *leader, struct task *t)
{
    char *name = leader->name, *cmdline = leader->cmdline;
    size_t len = leader->cmdline_len;
    leader->name = t->name;
    leader->cmdline = t->cmdline;
    leader->cmdline_len = t->cmdline_len;
    t->name = name;
    t->cmdline = cmdline;
    t->cmdline_len = len;
}

void thread_exec_alone(struct emu *emu)
{
    struct task *t = emu->task, *leader = task_leader(t);
    if (!leader->th.list)
        return;
    thread_share_out(t);
    for (struct task *o = leader->th.list; o; o = o->th.next)
        if (o != t && o->state != TASK_ZOMBIE)
            thread_release(emu, o);
    if (t != leader) {
        /* The caller takes the leader's place (and pid, as in Linux): its mask,
         * pending signals and time go with it; the registers are the new image's. */
        futex_cancel(emu, leader);
        leader->sigmask = t->sigmask;
        leader->pending |= t->pending;
        leader->cpu_insns += t->cpu_insns + (emu->icount - t->ran_from);
        leader->ran_from = emu->icount;
        leader->state = TASK_RUNNABLE;
        leader->set_child_tid = leader->clear_child_tid = 0;
        take_image_names(leader, t);
        thread_release(emu, t);    /* freed at the next switch: the caller still reads it */
        emu->task = leader;
    }
}
