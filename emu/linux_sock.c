/* emu/linux_sock.c — AF_UNIX sockets: socketpair, and sockets bound to a path inside the
 * root (bind, listen, accept, connect; no abstract names, which are the host's), their
 * names, sendmsg and recvmsg with descriptors passed (SCM_RIGHTS); sendfile and
 * copy_file_range.
 *
 * Other address families are refused with EAFNOSUPPORT: a guest reaches no network.
 * Like pipes, a socket's other end may be another task, so the host never blocks in
 * one: a call that would waits in the scheduler (task_block_io) and restarts. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The host would block: the task waits until host is ready for events, then the call
 * restarts. */
static int64_t wait_ready(struct emu *emu, int host, short events)
{
    task_block_io(emu, &(struct pollfd){ .fd = host, .events = events }, 1, 0);
    return EMU_RESTART;
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

/* The names the guest gave a socket (bind) and its peer (connect) are kept in its
 * descriptor's path, "socket:LOCAL\nPEER": the host's are /proc/self/fd/N/... paths
 * the guest never saw. */
static void get_names(const char *path, char local[110], char peer[110])
{
    const char *l = strncmp(path, "socket:", 7) ? "" : path + 7, *nl = strchr(l, '\n');
    size_t n = nl ? (size_t)(nl - l) : strlen(l);
    snprintf(local, 110, "%.*s", (int)(n < 109 ? n : 109), l);
    snprintf(peer, 110, "%s", nl ? nl + 1 : "");
}

static int set_names(struct emu *emu, int fd, const char *local, const char *peer)
{
    struct gfd *g = &emu->task->fds[fd];
    char old_local[110], old_peer[110], *path;
    get_names(g->path, old_local, old_peer);
    if (asprintf(&path, "socket:%s\n%s", local ? local : old_local, peer ? peer : old_peer) < 0)
        return -ENOMEM;
    free(g->path);
    g->path = path;
    return 0;
}

/* A sockaddr_un of name ("" unnamed: the family alone) into (addr, *lenp), cut to the
 * room the guest gave; *lenp gets the whole length. */
static int64_t put_name(struct emu *emu, const char *name, uint64_t addr, uint64_t lenp)
{
    uint8_t sa[112] = { L_AF_UNIX, 0 };
    uint32_t room, len = 2 + (uint32_t)(*name ? strlen(name) + 1 : 0);
    memcpy(sa + 2, name, strlen(name));
    if (copyin(emu, &room, lenp, sizeof room) < 0)
        return -EFAULT;
    if ((int32_t)room < 0)
        return -EINVAL;
    if ((room && copyout(emu, addr, sa, room < len ? room : len) < 0) ||
        copyout(emu, lenp, &len, sizeof len) < 0)
        return -EFAULT;
    return 0;
}

static int64_t sys_getsockname(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]);
    char local[110], peer[110];
    if (host < 0)
        return host;
    get_names(emu->task->fds[a[0]].path, local, peer);
    return put_name(emu, local, a[1], a[2]);
}

static int64_t sys_getpeername(struct emu *emu, const uint64_t a[6])
{
    int host = sock_host(emu, (int)a[0]);
    struct sockaddr_un un;
    socklen_t ul = sizeof un;
    char local[110], peer[110];
    if (host < 0)
        return host;
    if (getpeername(host, (struct sockaddr *)&un, &ul) < 0)
        return -errno;
    get_names(emu->task->fds[a[0]].path, local, peer);
    return put_name(emu, peer, a[1], a[2]);
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
        if (rc == 0)
            rc = set_names(emu, (int)a[0], path, NULL);
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
    if (rc == 0 || rc == -EINPROGRESS)
        set_names(emu, (int)a[0], NULL, path);
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
    char local[110], peer[110];
    get_names(emu->task->fds[a[0]].path, local, peer);
    int fd = fd_install(emu->task, c, a[3] & L_SOCK_CLOEXEC, "socket:", 0);
    if (fd < 0)
        close(c);
    else
        set_names(emu, fd, local, NULL);   /* named as the listener, its peer unnamed */
    return fd;
}

static int64_t sys_accept(struct emu *emu, const uint64_t a[6])
{
    return sys_accept4(emu, (const uint64_t[6]){ a[0], a[1], a[2], 0, 0, 0 });
}

/* sendto a socket file the path names inside the root, reached through an O_PATH
 * descriptor as connect does: a datagram, or EISCONN on a connected socket. */
static int64_t sendto_path(struct emu *emu, int host, const uint64_t a[6])
{
    char path[110];
    int rc = sock_path(emu, a[4], a[5], path);
    if (rc < 0)
        return rc;
    if (a[2] > SOCK_IO_MAX)
        return -EMSGSIZE;
    int target = fs_open(emu, AT_FDCWD, path, O_PATH, 0);
    if (target < 0)
        return target;
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    snprintf(un.sun_path, sizeof un.sun_path, "/proc/self/fd/%d", target);
    char *tmp = malloc(a[2] ? a[2] : 1);
    int64_t n = tmp ? copyin(emu, tmp, a[1], (size_t)a[2]) : -ENOMEM;
    if (n == 0) {
        ssize_t s = sendto(host, tmp, (size_t)a[2], MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&un, sizeof un);
        n = s < 0 ? -errno : s;
    }
    free(tmp);
    close(target);
    if (n == -EAGAIN && !nonblocking(host, a[3]))
        return wait_ready(emu, host, POLLOUT);
    return n;
}

/* sendto: without an address (a connected socket), send and write are this. */
static int64_t sys_sendto(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    if (a[3] & ~(uint64_t)L_MSG_FLAGS)
        return -EOPNOTSUPP;
    if (a[4])
        return sendto_path(emu, host, a);
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
    return wait_ready(emu, host, POLLOUT);
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
    return wait_ready(emu, host, POLLIN);
}

/* --- sendmsg, recvmsg -------------------------------------------------------------- */

/* struct msghdr and struct cmsghdr have the same layout on arm64 as on the host. */
#define MSG_IOV_MAX 1024
#define MSG_CONTROL_MAX 4096
#define L_MSG_CMSG_CLOEXEC 0x40000000

struct guest_msg {
    struct msghdr h;               /* the guest's, its pointers guest addresses */
    struct iovec iov[MSG_IOV_MAX];
    size_t total;
};

static int64_t msg_in(struct emu *emu, uint64_t addr, struct guest_msg *m)
{
    if (copyin(emu, &m->h, addr, sizeof m->h) < 0)
        return -EFAULT;
    if (m->h.msg_iovlen > MSG_IOV_MAX)
        return -EMSGSIZE;
    if (m->h.msg_iovlen &&
        copyin(emu, m->iov, (uint64_t)m->h.msg_iov, m->h.msg_iovlen * sizeof *m->iov) < 0)
        return -EFAULT;
    m->total = 0;
    for (size_t i = 0; i < m->h.msg_iovlen; i++) {
        if ((ssize_t)m->iov[i].iov_len < 0)
            return -EINVAL;
        m->total += m->iov[i].iov_len;
    }
    if (m->total > SOCK_IO_MAX)
        m->total = SOCK_IO_MAX;
    return m->h.msg_controllen > MSG_CONTROL_MAX ? -ENOBUFS : 0;
}

/* Between the guest's buffers and one host buffer of m->total bytes; to_guest moves n. */
static int64_t msg_copy(struct emu *emu, struct guest_msg *m, char *buf, size_t n, bool to_guest)
{
    size_t done = 0;
    for (size_t i = 0; i < m->h.msg_iovlen && done < n; i++) {
        size_t k = m->iov[i].iov_len < n - done ? m->iov[i].iov_len : n - done;
        uint64_t g = (uint64_t)m->iov[i].iov_base;
        if (k && (to_guest ? copyout(emu, g, buf + done, k) : copyin(emu, buf + done, g, k)) < 0)
            return -EFAULT;
        done += k;
    }
    return 0;
}

/* SCM_RIGHTS: the guest's descriptors become the host's, in place; any other
 * control message is refused. */
static int64_t rights_to_host(struct emu *emu, char *ctl, size_t len)
{
    struct msghdr h = { .msg_control = ctl, .msg_controllen = len };
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_len < CMSG_LEN(0) || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            return -EINVAL;
        int *fd = (int *)CMSG_DATA(c);
        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
            if ((fd[i] = fd_host(emu->task, fd[i])) < 0)
                return -EBADF;
    }
    return 0;
}

static int64_t do_sendmsg(struct emu *emu, const uint64_t a[6], struct guest_msg *m)
{
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    if (a[2] & ~(uint64_t)L_MSG_FLAGS)
        return -EOPNOTSUPP;
    char ctl[MSG_CONTROL_MAX];
    int64_t rc = msg_in(emu, a[1], m);
    if (rc < 0)
        return rc;
    if (m->h.msg_name)
        return -EISCONN;           /* as sendto: every usable socket is connected */
    if (m->h.msg_controllen && (copyin(emu, ctl, (uint64_t)m->h.msg_control, m->h.msg_controllen) < 0))
        return -EFAULT;
    if (m->h.msg_controllen && (rc = rights_to_host(emu, ctl, m->h.msg_controllen)) < 0)
        return rc;
    char *buf = malloc(m->total ? m->total : 1);
    if (!buf)
        return -ENOMEM;
    if ((rc = msg_copy(emu, m, buf, m->total, false)) == 0) {
        struct iovec one = { buf, m->total };
        struct msghdr h = { .msg_iov = &one, .msg_iovlen = 1,
                            .msg_control = m->h.msg_controllen ? ctl : NULL, .msg_controllen = m->h.msg_controllen };
        ssize_t n = sendmsg(host, &h, MSG_DONTWAIT | MSG_NOSIGNAL | (int)(a[2] & MSG_OOB));
        rc = n < 0 ? -errno : n;
    }
    free(buf);
    if (rc == -EPIPE && !(a[2] & MSG_NOSIGNAL))
        linux_post_signal(emu->task, SIGPIPE);
    if (rc == -EAGAIN && !nonblocking(host, a[2]))
        return wait_ready(emu, host, POLLOUT);
    return rc;
}

/* sendmsg and recvmsg with their guest_msg on the heap (it holds the iovec array). */
static int64_t with_msg(struct emu *emu, const uint64_t a[6],
                        int64_t (*call)(struct emu *, const uint64_t *, struct guest_msg *))
{
    struct guest_msg *m = malloc(sizeof *m);
    int64_t rc = m ? call(emu, a, m) : -ENOMEM;
    free(m);
    return rc;
}

static int64_t sys_sendmsg(struct emu *emu, const uint64_t a[6])
{
    return with_msg(emu, a, do_sendmsg);
}

/* The host descriptors a message brought become the receiver's; the guest path each
 * is known by is where it lies in the root (a socket or pipe: none). */
static void rights_to_guest(struct emu *emu, struct msghdr *h, bool cloexec)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int *fd = (int *)CMSG_DATA(c);
        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
            char link[40], target[PATH_MAX], *path = NULL;
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd[i]);
            ssize_t n = readlink(link, target, sizeof target - 1);
            if (n > 0 && target[0] == '/') {
                target[n] = 0;
                path = fs_guest_path_of_host(emu, target);
            }
            int g = fd_install(emu->task, fd[i], cloexec, path ? path : "socket:", 0);
            free(path);
            if (g < 0)
                close(fd[i]);
            fd[i] = g;
        }
    }
}

static int64_t do_recvmsg(struct emu *emu, const uint64_t a[6], struct guest_msg *m)
{
    int host = sock_host(emu, (int)a[0]);
    if (host < 0)
        return host;
    if (a[2] & ~(uint64_t)(L_MSG_FLAGS | L_MSG_CMSG_CLOEXEC))
        return -EOPNOTSUPP;
    char ctl[MSG_CONTROL_MAX];
    int64_t rc = msg_in(emu, a[1], m);
    if (rc < 0)
        return rc;
    char *buf = malloc(m->total ? m->total : 1);
    if (!buf)
        return -ENOMEM;
    struct iovec one = { buf, m->total };
    struct msghdr h = { .msg_iov = &one, .msg_iovlen = 1,
                        .msg_control = m->h.msg_controllen ? ctl : NULL, .msg_controllen = m->h.msg_controllen };
    ssize_t n = recvmsg(host, &h, MSG_DONTWAIT | MSG_CMSG_CLOEXEC |
                                      (int)(a[2] & (MSG_OOB | MSG_PEEK | MSG_TRUNC)));
    rc = n < 0 ? -errno : n;
    if (rc >= 0) {
        rights_to_guest(emu, &h, a[2] & L_MSG_CMSG_CLOEXEC);
        struct msghdr out = m->h;
        out.msg_namelen = 0;       /* an unnamed peer, as recvfrom says */
        out.msg_controllen = h.msg_control ? h.msg_controllen : 0;
        out.msg_flags = h.msg_flags;
        if (msg_copy(emu, m, buf, (size_t)n < m->total ? (size_t)n : m->total, true) < 0 ||
            (out.msg_controllen && copyout(emu, (uint64_t)m->h.msg_control, ctl, out.msg_controllen) < 0) ||
            copyout(emu, a[1], &out, sizeof out) < 0)
            rc = -EFAULT;
    }
    free(buf);
    if (rc == -EAGAIN && !nonblocking(host, a[2]))
        return wait_ready(emu, host, POLLIN);
    return rc;
}

static int64_t sys_recvmsg(struct emu *emu, const uint64_t a[6])
{
    return with_msg(emu, a, do_recvmsg);
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

/* copy_file_range: between two regular files, by the host, at most 1 MB a call (Linux
 * may also copy less than asked); the offsets given are read and advanced. */
static int64_t sys_copy_file_range(struct emu *emu, const uint64_t a[6])
{
    int in = fd_host(emu->task, (int)a[0]), out = fd_host(emu->task, (int)a[2]);
    loff_t off[2], *offp[2] = { NULL, NULL };
    struct stat si, so;
    if (in < 0 || out < 0)
        return -EBADF;
    if (a[5])
        return -EINVAL;
    if (fstat(in, &si) < 0 || fstat(out, &so) < 0 || !S_ISREG(si.st_mode) || !S_ISREG(so.st_mode))
        return S_ISDIR(si.st_mode) || S_ISDIR(so.st_mode) ? -EISDIR : -EINVAL;
    for (int i = 0; i < 2; i++)
        if (a[1 + 2 * i]) {
            if (copyin(emu, &off[i], a[1 + 2 * i], sizeof off[i]) < 0)
                return -EFAULT;
            offp[i] = &off[i];
        }
    size_t len = a[4] > SOCK_IO_MAX ? SOCK_IO_MAX : (size_t)a[4];
    ssize_t n = copy_file_range(in, offp[0], out, offp[1], len, 0);
    if (n < 0)
        return -errno;
    for (int i = 0; i < 2; i++)
        if (offp[i] && copyout(emu, a[1 + 2 * i], offp[i], sizeof off[i]) < 0)
            return -EFAULT;
    return n;
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
    SOCK_CALL(204, getsockname), SOCK_CALL(205, getpeername),
    SOCK_CALL(206, sendto), SOCK_CALL(207, recvfrom), SOCK_CALL(210, shutdown),
    SOCK_CALL(211, sendmsg), SOCK_CALL(212, recvmsg), SOCK_CALL(285, copy_file_range),
};
const size_t linux_sock_ncalls = sizeof linux_sock_calls / sizeof *linux_sock_calls;
