/* emu/linux_sock.c — AF_UNIX sockets: socketpair, and sockets bound to a path inside the
 * root (bind, listen, accept, connect; no abstract names, which are the host's); sendfile.
 *
 * Other address families are refused with EAFNOSUPPORT: a guest reaches no network.
 * Like pipes, a socket's other end may be another task, so the host never blocks in
 * one: a call that would waits in the scheduler (task_block_io) and restarts. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "emu/linux.h"

#define L_AF_UNIX       1
#define L_SOCK_NONBLOCK 04000
#define L_SOCK_CLOEXEC  02000000
#define L_MSG_WAITALL   0x100
#define L_MSG_FLAGS     (MSG_OOB | MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL | MSG_TRUNC)
#define SOCK_IO_MAX     (1u << 20)

static int socket_type(uint64_t type, int *host_type)
{
    int base = (int)(type & 0xf);
    if (type & ~(uint64_t)(0xf | L_SOCK_NONBLOCK | L_SOCK_CLOEXEC))
        return -EINVAL;
    if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_SEQPACKET)
        return -EINVAL;
    *host_type = base | SOCK_CLOEXEC | (type & L_SOCK_NONBLOCK ? SOCK_NONBLOCK : 0);
    return 0;
}

static int64_t sys_socket(struct emu *emu, const uint64_t a[6])
{
    int type, rc;
    if (a[0] != L_AF_UNIX)
        return -EAFNOSUPPORT;
    if ((rc = socket_type(a[1], &type)) < 0)
        return rc;
    int host = socket(AF_UNIX, type, (int)a[2]);
    if (host < 0)
        return -errno;
    int fd = fd_install(emu->task, host, a[1] & L_SOCK_CLOEXEC, "socket:", 0);
    if (fd < 0)
        close(host);
    return fd;
}

static int64_t sys_socketpair(struct emu *emu, const uint64_t a[6])
{
    int type, rc, h[2];
    if (a[0] != L_AF_UNIX)
        return -EAFNOSUPPORT;
    if ((rc = socket_type(a[1], &type)) < 0)
        return rc;
    if (!guest_ptr(emu, a[3], 8, VM_PROT_WRITE))
        return -EFAULT;
    if (socketpair(AF_UNIX, type, (int)a[2], h) < 0)
        return -errno;
    bool cloexec = a[1] & L_SOCK_CLOEXEC;
    int g[2] = { fd_install(emu->task, h[0], cloexec, "socket:", 0), -1 };
    if (g[0] >= 0)
        g[1] = fd_install(emu->task, h[1], cloexec, "socket:", 0);
    if (g[1] < 0 || copyout(emu, a[3], g, sizeof g) < 0) {
        rc = g[0] < 0 ? g[0] : g[1] < 0 ? g[1] : -EFAULT;
        if (g[0] >= 0)
            fd_close(emu->task, g[0]);
        else
            close(h[0]);
        if (g[1] >= 0)
            fd_close(emu->task, g[1]);
        else
            close(h[1]);
        return rc;
    }
    return 0;
}

static int sock_host(struct emu *emu, int fd)
{
    int host = fd_host(emu->task, fd);
    struct stat st;
    if (host < 0)
        return host;
    return fstat(host, &st) == 0 && S_ISSOCK(st.st_mode) ? host : -ENOTSOCK;
}

static bool nonblocking(int host, uint64_t flags)
{
    int fl = fcntl(host, F_GETFL);
    return (flags & MSG_DONTWAIT) || (fl >= 0 && (fl & O_NONBLOCK));
}

/* The guest's sockaddr_un path, NUL-terminated; abstract names (a leading NUL) are the
 * host's namespace and refused. */
static int sock_path(struct emu *emu, uint64_t addr, uint64_t len, char path[110])
{
    uint8_t sa[110] = { 0 };
    if (len < 3 || len > 110)
        return -EINVAL;
    if (copyin(emu, sa, addr, (size_t)len) < 0)
        return -EFAULT;
    if ((sa[0] | sa[1] << 8) != L_AF_UNIX)
        return -EAFNOSUPPORT;
    if (!sa[2])
        return -EACCES;
    memcpy(path, sa + 2, 108);
    path[108] = 0;
    return 0;
}

/* bind: the socket file is made in its directory inside the root, reached through the
 * directory's descriptor, so that no host path is spelled out. */
static int64_t sys_bind(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]), dir;
    char path[110], name[64], *base;
    int rc = host < 0 ? host : sock_path(emu, a[1], a[2], path);
    if (rc < 0 || (rc = fs_resolve_parent(emu, AT_FDCWD, path, &dir, &base)) < 0)
        return rc;
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    size_t n = (size_t)snprintf(name, sizeof name, "/proc/self/fd/%d/", dir), bn = strlen(base);
    if (!bn || n + bn >= sizeof un.sun_path)
        rc = -EINVAL;
    else {
        memcpy(un.sun_path, name, n);
        memcpy(un.sun_path + n, base, bn + 1);
        mode_t old = umask(emu->task->umask);
        rc = bind(host, (struct sockaddr *)&un, sizeof un) < 0 ? -errno : 0;
        umask(old);
    }
    close(dir);
    free(base);
    return rc;
}

static int64_t sys_listen(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]);
    return host < 0 ? host : listen(host, (int)a[1]) < 0 ? -errno : 0;
}

/* connect: to the socket file the path names inside the root (links followed there),
 * opened O_PATH and reached through that descriptor. The host never waits: a full
 * backlog makes the task retry after a millisecond. */
static int64_t sys_connect(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]);
    char path[110];
    int rc = host < 0 ? host : sock_path(emu, a[1], a[2], path);
    if (rc < 0)
        return rc;
    int target = fs_open(emu, AT_FDCWD, path, O_PATH, 0);
    if (target < 0)
        return target;
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    snprintf(un.sun_path, sizeof un.sun_path, "/proc/self/fd/%d", target);
    int fl = fcntl(host, F_GETFL);
    fcntl(host, F_SETFL, fl | O_NONBLOCK);
    rc = connect(host, (struct sockaddr *)&un, sizeof un) < 0 ? -errno : 0;
    fcntl(host, F_SETFL, fl);
    close(target);
    if (rc == -EAGAIN && !(fl & O_NONBLOCK)) {
        task_block_io(emu, NULL, 0, deadline_after(1000000));
        return EMU_RESTART;
    }
    return rc;
}

/* accept4: the peer's address is unnamed (a family of no path). */
static int64_t sys_accept4(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    if (a[3] & ~(uint64_t)(L_SOCK_NONBLOCK | L_SOCK_CLOEXEC))
        return -EINVAL;
    if (task_would_block(emu, host, POLLIN))
        return EMU_RESTART;
    int c = accept4(host, NULL, NULL, SOCK_CLOEXEC | (a[3] & L_SOCK_NONBLOCK ? SOCK_NONBLOCK : 0));
    if (c < 0)
        return -errno;
    if (a[1] && a[2]) {
        uint32_t len;
        uint16_t family = L_AF_UNIX;
        if (copyin(emu, &len, a[2], sizeof len) < 0 ||
            (len >= 2 && copyout(emu, a[1], &family, sizeof family) < 0) ||
            copyout(emu, a[2], &(uint32_t){ 2 }, sizeof len) < 0) {
            close(c);
            return -EFAULT;
        }
    }
    int fd = fd_install(emu->task, c, a[3] & L_SOCK_CLOEXEC, "socket:", 0);
    if (fd < 0)
        close(c);
    return fd;
}

static int64_t sys_accept(struct emu *emu, const uint64_t a[6])
{
    return sys_accept4(emu, (const uint64_t[6]){ a[0], a[1], a[2], 0, 0, 0 });
}

/* sendto without an address (a connected socket): send and write are this. */
static int64_t sys_sendto(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    if (a[4])
        return -EISCONN;           /* no named sockets: every usable one is connected */
    if (a[3] & ~(uint64_t)L_MSG_FLAGS)
        return -EOPNOTSUPP;
    uint64_t done = t->call.done, len = a[2];
    size_t n = len - done > SOCK_IO_MAX ? SOCK_IO_MAX : (size_t)(len - done);
    char *tmp = malloc(n ? n : 1);
    if (!tmp)
        return -ENOMEM;
    int64_t w = copyin(emu, tmp, a[1] + done, n);
    if (w == 0) {
        ssize_t s = send(host, tmp, n, MSG_DONTWAIT | MSG_NOSIGNAL | (int)(a[3] & MSG_OOB));
        w = s < 0 ? -errno : s;
    }
    free(tmp);
    if (w == -EPIPE && !(a[3] & MSG_NOSIGNAL))
        linux_post_signal(t, SIGPIPE);
    if (w < 0 && w != -EAGAIN)
        return done ? (int64_t)done : w;
    done += w > 0 ? (uint64_t)w : 0;
    if (done == len || nonblocking(host, a[3]))
        return done ? (int64_t)done : -EAGAIN;
    t->call.done = done;
    task_block_io(emu, &(struct pollfd){ .fd = host, .events = POLLOUT }, 1, 0);
    return EMU_RESTART;
}

/* recvfrom: what is there; with MSG_WAITALL on a stream, all of len (or the end). */
static int64_t sys_recvfrom(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    if (a[3] & ~(uint64_t)L_MSG_FLAGS)
        return -EOPNOTSUPP;
    uint64_t done = t->call.done, len = a[2];
    size_t n = len - done > SOCK_IO_MAX ? SOCK_IO_MAX : (size_t)(len - done);
    char *tmp = malloc(n ? n : 1);
    if (!tmp)
        return -ENOMEM;
    ssize_t r = recv(host, tmp, n, MSG_DONTWAIT | (int)(a[3] & (MSG_OOB | MSG_PEEK | MSG_TRUNC)));
    int64_t rc = r < 0 ? -errno : r;
    if (r > 0 && copyout(emu, a[1] + done, tmp, (size_t)r < n ? (size_t)r : n) < 0)
        rc = -EFAULT;
    free(tmp);
    if (rc == -EFAULT || (rc < 0 && rc != -EAGAIN))
        return done ? (int64_t)done : rc;
    if (a[4] && a[5]) {            /* an unnamed peer: an address of no bytes */
        uint32_t zero = 0;
        if (copyout(emu, a[5], &zero, sizeof zero) < 0)
            return -EFAULT;
    }
    if (rc == 0 && n)
        return (int64_t)done;      /* the end */
    done += rc > 0 ? (uint64_t)rc : 0;
    bool more = (a[3] & L_MSG_WAITALL) && !(a[3] & MSG_PEEK) && done < len;
    if ((rc > 0 && !more) || nonblocking(host, a[3]))
        return done ? (int64_t)done : rc;
    t->call.done = done;
    task_block_io(emu, &(struct pollfd){ .fd = host, .events = POLLIN }, 1, 0);
    return EMU_RESTART;
}

static int64_t sys_shutdown(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    return shutdown(host, (int)a[1]) < 0 ? -errno : 0;
}

/* sendfile: from a file (at *offset, which it advances, or at the file's position) to
 * anything; to a pipe or socket what fits now, once at least one byte could move. */
static int64_t sys_sendfile(struct emu *emu, const uint64_t a[6])
{
    int out = fd_host(emu->task, (int)a[0]), in = fd_host(emu->task, (int)a[1]);
    int64_t off;
    struct stat st;
    if (out < 0 || in < 0)
        return -EBADF;
    if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
        return -EINVAL;
    if (a[2] ? copyin(emu, &off, a[2], sizeof off) < 0 : (off = lseek(in, 0, SEEK_CUR)) < 0)
        return a[2] ? -EFAULT : -errno;
    if (off < 0)
        return -EINVAL;
    fstat(out, &st);
    bool stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
    if (stream && task_would_block(emu, out, POLLOUT))
        return EMU_RESTART;
    uint64_t count = a[3] > 0x7ffff000u ? 0x7ffff000u : a[3], done = 0;
    char *tmp = malloc(SOCK_IO_MAX);
    if (!tmp)
        return -ENOMEM;
    int64_t rc = 0;
    while (done < count) {
        size_t want = count - done < SOCK_IO_MAX ? (size_t)(count - done) : SOCK_IO_MAX;
        ssize_t r = pread(in, tmp, want, off + (int64_t)done);
        if (r <= 0) {
            rc = r < 0 ? -errno : 0;
            break;
        }
        int64_t w = stream ? file_write_some(out, tmp, (size_t)r) : write(out, tmp, (size_t)r);
        if (!stream && w < 0)
            w = -errno;
        if (w == -EPIPE)
            linux_post_signal(emu->task, SIGPIPE);
        if (w <= 0) {
            rc = w == -EAGAIN ? 0 : w;
            break;
        }
        done += (uint64_t)w;
        if (w < r)
            break;
    }
    free(tmp);
    if (!done && rc < 0)
        return rc;
    off += (int64_t)done;
    if (a[2])
        return copyout(emu, a[2], &off, sizeof off) < 0 ? -EFAULT : (int64_t)done;
    return lseek(in, off, SEEK_SET) < 0 ? -errno : (int64_t)done;
}

/* eventfd2: the host's eventfd; reads wait in the scheduler as on a pipe. */
static int64_t sys_eventfd2(struct emu *emu, const uint64_t a[6])
{
    if (a[1] & ~(uint64_t)(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
        return -EINVAL;
    int host = eventfd((unsigned)a[0], EFD_CLOEXEC | (int)(a[1] & (EFD_SEMAPHORE | EFD_NONBLOCK)));
    if (host < 0)
        return -errno;
    int fd = fd_install(emu->task, host, a[1] & EFD_CLOEXEC, "anon_inode:[eventfd]", 0);
    if (fd < 0)
        close(host);
    return fd;
}

#define SOCK_CALL(nr, fn) [nr] = { #fn, sys_##fn }
const struct linux_call linux_sock_calls[] = {
    SOCK_CALL(19, eventfd2), SOCK_CALL(71, sendfile), SOCK_CALL(198, socket), SOCK_CALL(199, socketpair),
    SOCK_CALL(200, bind), SOCK_CALL(201, listen), SOCK_CALL(202, accept), SOCK_CALL(203, connect),
    SOCK_CALL(242, accept4),
    SOCK_CALL(206, sendto), SOCK_CALL(207, recvfrom), SOCK_CALL(210, shutdown),
};
const size_t linux_sock_ncalls = sizeof linux_sock_calls / sizeof *linux_sock_calls;
