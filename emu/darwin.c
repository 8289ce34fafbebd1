/* emu/darwin.c — dispatch for svc #0x80: Mach traps and BSD calls. */
#include <errno.h>
#include <string.h>
#include "emu/darwin.h"

#define NZCV_C (1u << 29)

/* Linux errno -> Darwin errno where they differ (bsd/sys/errno.h). */
static const struct { int lx, dw; } errno_map[] = {
    { EAGAIN, 35 }, { EDEADLK, 11 }, { ENAMETOOLONG, 63 }, { ENOLCK, 77 }, { ENOSYS, 78 },
    { ENOTEMPTY, 66 }, { ELOOP, 62 }, { ENOTSUP, 45 }, { EINPROGRESS, 36 }, { EALREADY, 37 },
    { ENOTSOCK, 38 }, { EMSGSIZE, 40 }, { EADDRINUSE, 48 }, { ECONNREFUSED, 61 },
    { ETIMEDOUT, 60 }, { EOVERFLOW, 84 }, { ECANCELED, 89 }, { EILSEQ, 92 }, { ENOTCONN, 57 },
};

static int darwin_errno(int lx)
{
    for (size_t i = 0; i < sizeof errno_map / sizeof *errno_map; i++)
        if (errno_map[i].lx == lx)
            return errno_map[i].dw;
    return lx <= 34 ? lx : 5 /* EIO: no Darwin equivalent */;
}

/* Linux signal number -> Darwin's (bsd/sys/signal.h); same below 7 and at 8, 9, 11, 13-15. */
static const int8_t signo_map[32] = {
    [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 10 /* BUS */, [8] = 8, [9] = 9,
    [10] = 30 /* USR1 */, [11] = 11, [12] = 31 /* USR2 */, [13] = 13, [14] = 14, [15] = 15,
    [17] = 20 /* CHLD */, [18] = 19 /* CONT */, [19] = 17 /* STOP */, [20] = 18 /* TSTP */,
    [21] = 21, [22] = 22, [23] = 16 /* URG */, [24] = 24, [25] = 25, [26] = 26, [27] = 27,
    [28] = 28, [29] = 23 /* IO */, [31] = 12 /* SYS */,
};

int darwin_signo(int lx)
{
    return lx > 0 && lx < 32 ? signo_map[lx] : 0;
}

int linux_signo(int dw)
{
    for (int lx = 1; lx < 32; lx++)
        if (dw > 0 && signo_map[lx] == dw)
            return lx;
    return 0;
}

static void trace(struct emu *emu, const char *kind, const char *name, int64_t nr,
                  const uint64_t a[8], int64_t rc, const char *suffix)
{
    fprintf(emu->opt.strace, "[%d] %s %s", emu->task->pid, kind, name ? name : "unknown");
    if (!name)
        fprintf(emu->opt.strace, "#%lld", (long long)nr);
    fprintf(emu->opt.strace, "(0x%llx, 0x%llx, 0x%llx, 0x%llx) = %lld%s\n",
            (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
            (unsigned long long)a[3], (long long)rc, suffix);
}

/* The name --strace gives a trap's kern_return_t; NULL for a port name or a count. */
static const char *kern_name(int64_t rc)
{
    switch (rc) {
    case KERN_NOT_RECEIVER: return "KERN_NOT_RECEIVER";
    case KERN_INVALID_TASK: return "KERN_INVALID_TASK";
    default: return rc > 0 && rc <= KERN_MEMORY_ERROR ? vm_kern_name((kern_return_t)rc) : NULL;
    }
}

static void mach_trap(struct emu *emu, int64_t nr, const uint64_t a[8])
{
    const struct darwin_call *c = nr < MACH_NTRAPS && mach_traps[nr].fn ? &mach_traps[nr] : NULL;
    /* XNU's kern_invalid answers KERN_INVALID_ARGUMENT for an empty slot. */
    int64_t rc = c ? ((mach_trap_fn)c->fn)(emu, a) : KERN_INVALID_ARGUMENT;
    if (emu->opt.strace) {
        char why[48] = "";
        if (c && kern_name(rc))
            snprintf(why, sizeof why, " %s", kern_name(rc));
        trace(emu, "mach", c ? c->name : NULL, -nr, a, rc, why);
    }
    if (emu->task->exited)
        return;
    if (emu->stop != STOP_REDIRECT)    /* the return trap restored x0 with the rest */
        cpu_set_reg(emu, CPU_X(0), (uint64_t)rc);
    jetsam_notes_deliver(emu);
}

static void bsd_call(struct emu *emu, int64_t nr, const uint64_t a[8])
{
    const struct darwin_call *c = nr < BSD_NCALLS && bsd_calls[nr].fn ? &bsd_calls[nr] : NULL;
    int64_t rc = c ? ((bsd_call_fn)c->fn)(emu, a) : -ENOSYS;
    if (emu->opt.strace)
        trace(emu, "bsd", c ? c->name : NULL, nr, a, rc,
              rc < 0 && rc > -4096 ? " (error)" : "");
    if (rc != EMU_RESTART && !emu->task->exited) {
        emu->task->call.done = 0;       /* the call is over (see linux_syscall) */
        emu->task->call.eintr = false;
        emu->task->call.deadline = 0;
    }
    if (emu->task->exited || rc == EMU_RESTART || emu->stop == STOP_REDIRECT)
        return;
    uint64_t nzcv = cpu_reg(emu, CPU_NZCV) & ~(uint64_t)NZCV_C;
    if (rc < 0 && rc > -4096) {
        nzcv |= NZCV_C;
        rc = darwin_errno((int)-rc);
    }
    cpu_set_reg(emu, CPU_NZCV, nzcv);
    cpu_set_reg(emu, CPU_X(0), (uint64_t)rc);
    signal_deliver_pending(emu);
    jetsam_notes_deliver(emu);
}

void darwin_syscall(struct emu *emu)
{
    int64_t nr = (int64_t)cpu_reg(emu, CPU_X(16));
    uint64_t a[8];
    for (int i = 0; i < 8; i++)
        a[i] = cpu_reg(emu, CPU_X(i));
    if (nr < 0)
        mach_trap(emu, -nr, a);
    else
        bsd_call(emu, nr, a);
}
