/* emu/futex.c — futex(2): threads wait on a word of guest memory until woken.
 *
 * A futex is keyed by (vm_map, address) — the process's address space — unless the word
 * lies in a mapping shared with other maps (MAP_SHARED, inherited shared across fork):
 * then by (vm_object, offset), so that two processes waiting on the same shared page
 * meet. A private copy-on-write page is keyed by the map: two processes that only
 * shared it before a write are not one futex. The PRIVATE flag therefore changes
 * nothing (Linux skips the lookup with it; the result is the same).
 *
 * A waiter blocks as any blocked call does (task_block_io, no fds, the deadline of
 * its timeout on CLOCK_MONOTONIC ns) and its call restarts when it is woken: it then
 * finds itself marked woken or timed out. Waiters form one queue, oldest first, which
 * wakes go through in order, so that a run is the same run for the same seed. */
#include <errno.h>
#include <time.h>
#include "emu/internal.h"

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_BITSET_ANY      0xffffffffu

struct futex_key {
    const void *space;
    uint64_t addr;
};

static int futex_key_of(struct emu *emu, uint64_t va, struct futex_key *k)
{
    struct vm_map *map = emu->task->map;
    struct vm_map_entry *e;
    if (va & 3)
        return -EINVAL;
    if (!vm_map_lookup_entry(map, va, &e))
        return -EFAULT;
    if (e->is_shared && e->object) {
        *k = (struct futex_key){ e->object, e->offset + (va - e->start) };
        return 0;
    }
    *k = (struct futex_key){ map, va };
    return 0;
}

static void dequeue(struct emu *emu, struct task *t)
{
    for (struct task **pp = &emu->futex_waiters; *pp; pp = &(*pp)->th.futex.next)
        if (*pp == t) {
            *pp = t->th.futex.next;
            break;
        }
    t->th.futex.queued = false;
    t->th.futex.next = NULL;
}

static void enqueue(struct emu *emu, struct task *t, const struct futex_key *k, uint32_t bitset)
{
    struct task **pp = &emu->futex_waiters;
    while (*pp)
        pp = &(*pp)->th.futex.next;
    *pp = t;
    t->th.futex.space = k->space;
    t->th.futex.addr = k->addr;
    t->th.futex.bitset = bitset;
    t->th.futex.queued = true;
    t->th.futex.woken = false;
    t->th.futex.next = NULL;
}

void futex_cancel(struct emu *emu, struct task *t)
{
    if (t->th.futex.queued)
        dequeue(emu, t);
    t->th.futex.woken = false;
}

static bool matches(const struct task *t, const struct futex_key *k)
{
    return t->th.futex.space == k->space && t->th.futex.addr == k->addr;
}

/* Wakes up to n waiters on k whose bitset meets bitset; then moves up to n2 of the
 * rest to k2 (k2 NULL: none), counted in *moved. The number woken. */
static int wake_keyed(struct emu *emu, const struct futex_key *k, uint32_t bitset, int n,
                      const struct futex_key *k2, int n2, int *moved_out)
{
    int woken = 0, moved = 0;
    struct task **pp = &emu->futex_waiters;
    while (*pp) {
        struct task *t = *pp;
        if (!matches(t, k) || !(t->th.futex.bitset & bitset)) {
            pp = &t->th.futex.next;
        } else if (woken < n) {
            *pp = t->th.futex.next;
            t->th.futex.queued = false;
            t->th.futex.woken = true;
            t->th.futex.next = NULL;
            if (t->state == TASK_BLOCKED_IO)
                t->state = TASK_RUNNABLE;
            woken++;
        } else if (k2 && moved < n2) {
            t->th.futex.space = k2->space;
            t->th.futex.addr = k2->addr;
            moved++;
            pp = &t->th.futex.next;
        } else {
            break;
        }
    }
    if (moved_out)
        *moved_out = moved;
    return woken;
}

int futex_wake_va(struct emu *emu, uint64_t va, int n)
{
    struct futex_key k;
    return futex_key_of(emu, va, &k) < 0 ? 0 : wake_keyed(emu, &k, FUTEX_BITSET_ANY, n, NULL, 0, NULL);
}

/* The deadline of a WAIT's timeout: relative on CLOCK_MONOTONIC for FUTEX_WAIT,
 * absolute for WAIT_BITSET on CLOCK_MONOTONIC, or CLOCK_REALTIME with its flag. */
static int wait_deadline(struct emu *emu, uint64_t timeout, int cmd, bool realtime,
                         uint64_t *deadline)
{
    uint64_t ns;
    *deadline = 0;
    if (!timeout)
        return 0;
    int rc = guest_timespec_ns(emu, timeout, &ns);
    if (rc < 0)
        return rc;
    if (cmd == FUTEX_WAIT) {
        *deadline = deadline_after(ns);
    } else {
        struct timespec now;
        clock_gettime(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
        uint64_t at = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        *deadline = deadline_after(ns > at ? ns - at : 0);
    }
    if (!*deadline)
        *deadline = 1;             /* already past: time out at once */
    return 0;
}

static int64_t futex_wait(struct emu *emu, uint64_t va, uint32_t val, uint64_t timeout, int cmd,
                          bool realtime, uint32_t bitset)
{
    struct task *t = emu->task;
    if (t->th.futex.woken) {       /* the restart after a wake */
        t->th.futex.woken = false;
        t->timed_out = false;
        return 0;
    }
    if (t->th.futex.queued) {      /* the restart after its deadline */
        dequeue(emu, t);
        if (t->timed_out) {
            t->timed_out = false;
            return -ETIMEDOUT;
        }
        t->state = TASK_BLOCKED_IO;   /* woken for nothing: block again */
        cpu_set_reg(emu, CPU_PC, cpu_reg(emu, CPU_PC) - 4);
        enqueue(emu, t, &(struct futex_key){ t->th.futex.space, t->th.futex.addr }, bitset);
        cpu_request_stop(emu, STOP_SWITCH);
        return EMU_RESTART;
    }
    if (!bitset)
        return -EINVAL;
    struct futex_key k;
    uint32_t cur;
    uint64_t deadline = 0;
    int rc = futex_key_of(emu, va, &k);
    if (rc == 0 && copyin(emu, &cur, va, sizeof cur) < 0)
        rc = -EFAULT;
    if (rc == 0 && cur != val)
        rc = -EAGAIN;
    if (rc == 0)
        rc = wait_deadline(emu, timeout, cmd, realtime, &deadline);
    if (rc < 0)
        return rc;
    enqueue(emu, t, &k, bitset);
    struct pollfd none = { .fd = -1 };
    task_block_io(emu, &none, 0, deadline);
    return EMU_RESTART;
}

static int64_t futex_requeue(struct emu *emu, const uint64_t a[6], bool cmp)
{
    struct futex_key k, k2;
    int rc = futex_key_of(emu, a[0], &k);
    if (rc == 0)
        rc = futex_key_of(emu, a[4], &k2);
    if (rc < 0)
        return rc;
    if ((int32_t)a[2] < 0 || (int32_t)a[3] < 0)
        return -EINVAL;
    if (cmp) {
        uint32_t cur;
        if (copyin(emu, &cur, a[0], sizeof cur) < 0)
            return -EFAULT;
        if (cur != (uint32_t)a[5])
            return -EAGAIN;
    }
    int moved, n = wake_keyed(emu, &k, FUTEX_BITSET_ANY, (int32_t)a[2], &k2, (int32_t)a[3], &moved);
    return cmp ? n + moved : n;    /* CMP_REQUEUE counts the moved too */
}

/* FUTEX_WAKE_OP's operation on the old value (-1: an unknown one). */
static int wake_op_apply(uint32_t op, int32_t old, int32_t oparg, int32_t *new)
{
    switch (op) {
    case 0: *new = oparg; return 0;
    case 1: *new = (int32_t)((uint32_t)old + (uint32_t)oparg); return 0;
    case 2: *new = old | oparg; return 0;
    case 3: *new = old & ~oparg; return 0;
    case 4: *new = old ^ oparg; return 0;
    default: return -1;
    }
}

/* Its test of the old value: 1 true, 0 false, -1 an unknown comparison. */
static int wake_op_test(uint32_t cmp, int32_t old, int32_t cmparg)
{
    switch (cmp) {
    case 0: return old == cmparg;
    case 1: return old != cmparg;
    case 2: return old < cmparg;
    case 3: return old <= cmparg;
    case 4: return old > cmparg;
    case 5: return old >= cmparg;
    default: return -1;
    }
}

/* FUTEX_WAKE_OP: *uaddr2 = *uaddr2 OP oparg, then wake on uaddr, and on uaddr2 as well
 * when the old value passes the operation's test. */
static int64_t futex_wake_op(struct emu *emu, const uint64_t a[6])
{
    uint32_t enc = (uint32_t)a[5], op = enc >> 28 & 7, cmp = enc >> 24 & 15;
    int32_t oparg = (int32_t)(enc << 8) >> 20, cmparg = (int32_t)(enc << 20) >> 20;
    if (enc >> 31)
        oparg = 1 << (oparg & 31);   /* FUTEX_OP_OPARG_SHIFT */
    struct futex_key k, k2;
    int32_t old, new;
    int rc = futex_key_of(emu, a[0], &k);
    if (rc == 0)
        rc = futex_key_of(emu, a[4], &k2);
    if (rc == 0 && copyin(emu, &old, a[4], sizeof old) < 0)
        rc = -EFAULT;
    if (rc < 0)
        return rc;
    int hit = wake_op_test(cmp, old, cmparg);
    if (wake_op_apply(op, old, oparg, &new) < 0 || hit < 0)
        return -ENOSYS;
    if (copyout(emu, a[4], &new, sizeof new) < 0)
        return -EFAULT;
    int n = wake_keyed(emu, &k, FUTEX_BITSET_ANY, (int32_t)a[2], NULL, 0, NULL);
    if (hit)
        n += wake_keyed(emu, &k2, FUTEX_BITSET_ANY, (int32_t)a[3], NULL, 0, NULL);
    return n;
}

int64_t sys_futex(struct emu *emu, const uint64_t a[6])
{
    int cmd = (int)(a[1] & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
    bool realtime = a[1] & FUTEX_CLOCK_REALTIME;
    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
        return futex_wait(emu, a[0], (uint32_t)a[2], a[3], cmd, false, FUTEX_BITSET_ANY);
    case FUTEX_WAIT_BITSET:
        return futex_wait(emu, a[0], (uint32_t)a[2], a[3], cmd, realtime, (uint32_t)a[5]);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : (uint32_t)a[5];
        struct futex_key k;
        int rc = bitset ? futex_key_of(emu, a[0], &k) : -EINVAL;
        return rc < 0 ? rc : wake_keyed(emu, &k, bitset, (int32_t)a[2] < 0 ? 0 : (int)a[2], NULL, 0, NULL);
    }
    case FUTEX_REQUEUE:
        return futex_requeue(emu, a, false);
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(emu, a, true);
    case FUTEX_WAKE_OP:
        return futex_wake_op(emu, a);
    default:
        return -ENOSYS;
    }
}
