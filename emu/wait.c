/* emu/wait.c — the machine's waits on the host, and ending them early.
 *
 * When every task is blocked (a sleep, a read of an empty pipe or terminal, ppoll,
 * wait4 for a child that sleeps), sched_next() waits in poll(2) for a guest fd or the
 * nearest deadline. A tool that drives the run must get control back meanwhile: a
 * debugger on Ctrl-C, the gdb stub when gdb sends its interrupt byte, the viewer to
 * draw and read its events. So the wait also watches a self-pipe that emu_wake()
 * writes (from a signal handler too), an fd the tool names, and a time limit; any of
 * them ends it, and the tool learns of it from emu_take_wake(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "emu/internal.h"

int emu_wait_init(struct emu *emu, char *err, size_t errlen)
{
    emu->wait.fd = -1;
    emu->wait.limit_ms = -1;
    if (pipe2(emu->wait.pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        emu->wait.pipe[0] = emu->wait.pipe[1] = -1;
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void emu_wait_fini(struct emu *emu)
{
    for (int i = 0; i < 2; i++)
        if (emu->wait.pipe[i] >= 0)
            close(emu->wait.pipe[i]);
}

void emu_wake(struct emu *emu)
{
    int e = errno;                 /* a signal handler must leave errno as it was */
    char c = 1;
    if (write(emu->wait.pipe[1], &c, 1) < 0) {
        /* full: a wake is already waiting to be seen */
    }
    errno = e;
}

void emu_wait_options(struct emu *emu, int fd, int limit_ms)
{
    emu->wait.fd = fd;
    emu->wait.limit_ms = limit_ms;
}

static bool drain(int fd)
{
    char buf[64];
    bool any = false;
    while (read(fd, buf, sizeof buf) > 0)
        any = true;
    return any;
}

bool emu_take_wake(struct emu *emu)
{
    bool woken = emu->wait.woken | drain(emu->wait.pipe[0]);
    emu->wait.woken = false;
    return woken;
}

uint64_t deadline_after(uint64_t ns)
{
    uint64_t now = task_now_ns();
    return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

int guest_timespec_ns(struct emu *emu, uint64_t addr, uint64_t *ns)
{
    int64_t g[2];
    if (copyin(emu, g, addr, sizeof g) < 0)
        return -EFAULT;
    if (g[0] < 0 || g[1] < 0 || g[1] >= 1000000000)
        return -EINVAL;
    uint64_t s = (uint64_t)g[0], n = (uint64_t)g[1];
    *ns = s > (UINT64_MAX - n) / 1000000000u ? UINT64_MAX : s * 1000000000u + n;
    return 0;
}

/* poll(2)'s timeout until deadline (0: none, -1), rounded up to whole ms, at most
 * INT_MAX (25 days: the caller polls again), and at most the tool's limit. */
static int poll_timeout(const struct emu *emu, uint64_t deadline)
{
    int ms = -1;
    if (deadline) {
        uint64_t now = task_now_ns(), left = deadline > now ? deadline - now : 0;
        uint64_t whole = left / 1000000u + (left % 1000000u != 0);
        ms = whole > INT_MAX ? INT_MAX : (int)whole;
    }
    if (emu->wait.limit_ms >= 0 && (ms < 0 || emu->wait.limit_ms < ms))
        ms = emu->wait.limit_ms;
    return ms;
}

enum wait_end emu_wait_host(struct emu *emu, struct pollfd *fds, nfds_t n, uint64_t deadline)
{
    /* fds has room for two more: the self-pipe and the tool's fd. */
    nfds_t all = n;
    fds[all++] = (struct pollfd){ .fd = emu->wait.pipe[0], .events = POLLIN };
    if (emu->wait.fd >= 0)
        fds[all++] = (struct pollfd){ .fd = emu->wait.fd, .events = POLLIN };
    int timeout, r;
    do {
        timeout = poll_timeout(emu, deadline);
        r = poll(fds, all, timeout);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return WAIT_FAILED;
    bool woken = fds[n].revents && drain(emu->wait.pipe[0]);
    if (all > n + 1)
        woken |= fds[n + 1].revents != 0;
    woken |= r == 0 && timeout >= 0 && timeout == emu->wait.limit_ms;
    if (woken) {
        emu->wait.woken = true;
        return WAIT_WOKEN;
    }
    return WAIT_READY;          /* a guest fd or the deadline, or nothing: look again */
}
