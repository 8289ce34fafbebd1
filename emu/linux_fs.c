/* emu/linux_fs.c — file system calls: guest buffers through copyin/copyout, guest
 * paths through fs.c (confined to the root), guest fds through the task's table. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "emu/linux.h"

#define IO_MAX   (1u << 20)        /* bytes moved per host read or write */
#define RW_MAX   0x7ffff000u       /* bytes one call moves at most (Linux's MAX_RW_COUNT) */
#define L_AT_FDCWD (-100)
#define L_AT_SYMLINK_NOFOLLOW 0x100
#define L_AT_REMOVEDIR 0x200
#define L_AT_EMPTY_PATH 0x1000
/* open(2) flags that differ between arm64 and x86-64. */
#define L_O_DIRECTORY 0040000
#define L_O_NOFOLLOW  0100000
#define L_O_DIRECT    0200000
#define L_O_LARGEFILE 0400000

static int open_flags_from_guest(uint64_t g)
{
    int h = (int)(g & ~(uint64_t)(L_O_DIRECTORY | L_O_NOFOLLOW | L_O_DIRECT | L_O_LARGEFILE));
    h |= g & L_O_DIRECTORY ? O_DIRECTORY : 0;
    h |= g & L_O_NOFOLLOW ? O_NOFOLLOW : 0;
    h |= g & L_O_DIRECT ? O_DIRECT : 0;
    return h;
}

static uint64_t open_flags_to_guest(int h)
{
    uint64_t g = (uint64_t)h & ~(uint64_t)(O_DIRECTORY | O_NOFOLLOW | O_DIRECT | O_LARGEFILE);
    g |= h & O_DIRECTORY ? L_O_DIRECTORY : 0;
    g |= h & O_NOFOLLOW ? L_O_NOFOLLOW : 0;
    g |= h & O_DIRECT ? L_O_DIRECT : 0;
    return g | L_O_LARGEFILE;
}

static int dirfd_of(uint64_t a) { return (int)a == L_AT_FDCWD ? AT_FDCWD : (int)a; }

static int get_path(struct emu *emu, uint64_t gptr, char *buf)
{
    return copyinstr(emu, buf, gptr, PATH_MAX);
}

/* A FIFO's blocking open waits for the other end; the host's must not, or the whole
 * machine would wait. So every open is made non-blocking, then made what the guest
 * asked. An open for reading returns at once (its reads wait for data, as a poll of
 * the FIFO does); one for writing with no reader yet waits in the scheduler, looking
 * again every few milliseconds. */
#define FIFO_RETRY_NS 5000000u

static bool is_fifo_at(struct emu *emu, int dirfd, const char *path)
{
    struct stat st;
    int fd = fs_open(emu, dirfd, path, O_PATH, 0);
    bool fifo = fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
    if (fd >= 0)
        close(fd);
    return fifo;
}

/* /dev/fd/N, /proc/self/fd/N, /dev/stdin... name the guest's descriptor N: opening one
 * opens that file again (a new open file description, as Linux does; bash's process
 * substitution passes a pipe so). -ENOENT if the path is none of them. */
static int open_own_fd(struct emu *emu, int dirfd, const char *path, int flags)
{
    static const char *const std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
    char *abs, *end;
    long n = -1;
    if (fs_join(emu, dirfd, path, &abs) < 0)
        return -ENOENT;
    for (int i = 0; i < 3; i++)
        if (!strcmp(abs, std[i]))
            n = i;
    const char *num = !strncmp(abs, "/dev/fd/", 8) ? abs + 8
                      : !strncmp(abs, "/proc/self/fd/", 14) ? abs + 14 : NULL;
    if (num && *num)
        n = strtol(num, &end, 10), n = *end ? -1 : n;
    free(abs);
    if (n < 0)
        return -ENOENT;
    int host = n < INT_MAX ? fd_host(emu->task, (int)n) : -EBADF;
    if (host < 0)
        return -ENOENT;
    /* No more than the descriptor gives: its file may be the user's, outside the root
     * (standard output redirected to a file), which the guest may only write. */
    int have = fcntl(host, F_GETFL), want = flags & O_ACCMODE;
    if (have < 0 || (have & O_PATH) ||
        (want != (have & O_ACCMODE) && (have & O_ACCMODE) != O_RDWR))
        return -EACCES;
    char link[40];
    snprintf(link, sizeof link, "/proc/self/fd/%d", host);
    int fd = open(link, (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}
/* The guest fd for host, opened at (dirfd, path): named by its absolute guest path.
 * host is closed if no fd can be had. */
static int64_t install_opened(struct emu *emu, uint64_t dirfd, const char *path, int host, int flags)
{
    char *abs;
    int fd = fs_join(emu, dirfd_of(dirfd), path, &abs);
    if (fd == 0) {
        fd = fd_install(emu->task, host, flags & O_CLOEXEC, abs, 0);
        free(abs);
    }
    if (fd < 0)
        close(host);
    return fd;
}


int64_t file_open_at(struct emu *emu, uint64_t dirfd, uint64_t gpath, int flags, int mode)
{
    char path[PATH_MAX];
    int rc = get_path(emu, gpath, path);
    if (rc < 0)
        return rc;
    int own = open_own_fd(emu, dirfd_of(dirfd), path, flags);
    if (own == -ENOENT) {
        char *abs;
        if (fs_join(emu, dirfd_of(dirfd), path, &abs) == 0) {
            own = procfs_open(emu, abs, flags);
            free(abs);
        }
    }
    if (own != -ENOENT)
        return own < 0 ? own : install_opened(emu, dirfd, path, own, flags);
    emu->task->timed_out = false;
    bool path_only = flags & O_PATH;
    int host = fs_open(emu, dirfd_of(dirfd), path, (flags & ~O_CLOEXEC) | (path_only ? 0 : O_NONBLOCK), mode);
    if (host == -ENXIO && !(flags & O_NONBLOCK) && (flags & O_ACCMODE) == O_WRONLY &&
        is_fifo_at(emu, dirfd_of(dirfd), path)) {
        task_block_io(emu, NULL, 0, deadline_after(FIFO_RETRY_NS));
        return EMU_RESTART;
    }
    if (host < 0)
        return host;
    if (!path_only && !(flags & O_NONBLOCK)) {
        int fl = fcntl(host, F_GETFL);
        if (fl >= 0)
            fcntl(host, F_SETFL, fl & ~O_NONBLOCK);
    }
    return install_opened(emu, dirfd, path, host, flags);
}

int64_t sys_openat(struct emu *emu, const uint64_t a[6])
{
    return file_open_at(emu, a[0], a[1], open_flags_from_guest(a[2]), (int)a[3]);
}

int64_t sys_close(struct emu *emu, const uint64_t a[6])
{
    return fd_close(emu->task, (int)a[0]);
}

/* Makes sure the guest buffer can take len bytes before reading anything. */
static int check_writable(struct emu *emu, uint64_t buf, size_t len)
{
    for (uint64_t va = buf; va < buf + len; va = trunc_page(va) + PAGE_SIZE) {
        size_t n = PAGE_SIZE - (va & PAGE_MASK);
        if (!guest_ptr(emu, va, n < buf + len - va ? n : buf + len - va, VM_PROT_WRITE))
            return -EFAULT;
    }
    return 0;
}

/* Pipes, FIFOs and sockets: the other end may be another guest task, so the host must
 * never block in them. */
static bool is_stream(int host)
{
    struct stat st;
    return fstat(host, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static bool host_nonblocking(int host)
{
    int fl = fcntl(host, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

int64_t file_write_some(int host, const void *buf, size_t len)
{
    struct stat st;
    if (fstat(host, &st) == 0 && S_ISSOCK(st.st_mode)) {
        ssize_t n = send(host, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        return n < 0 ? -errno : n;
    }
    /* A pipe that polls writable has a free page: a write of at most PIPE_BUF bytes
     * goes in whole (atomically, as the guest expects of such a write) at once. */
    size_t done = 0;
    while (done < len) {
        struct pollfd p = { .fd = host, .events = POLLOUT };
        if (poll(&p, 1, 0) < 0 || !(p.revents & (POLLOUT | POLLERR)))
            break;
        size_t n = len - done < PIPE_BUF ? len - done : PIPE_BUF;
        ssize_t w = write(host, (const char *)buf + done, n);
        if (w < 0) {
            if (!done)
                return -errno;
            break;
        }
        done += (size_t)w;
    }
    return done ? (int64_t)done : -EAGAIN;
}

/* A write to a pipe or socket: what fits now; the rest after the task has waited for
 * room (the call restarts, with the count so far in t->call.done), as a blocking write
 * on Linux moves everything unless a handler interrupts it. A reader gone: SIGPIPE. */
struct giov { uint64_t base, len; };

/* The guest bytes [at, at+n) of what a write sends: one buffer or an iovec. */
struct wsrc {
    uint64_t buf;                  /* the buffer, or with iov the array */
    const struct giov *iov;
    uint64_t niov;
};

static int wsrc_copyin(struct emu *emu, const struct wsrc *s, uint64_t at, char *dst, size_t n)
{
    if (!s->iov)
        return copyin(emu, dst, s->buf + at, n);
    for (uint64_t i = 0; n && i < s->niov; i++) {
        if (at >= s->iov[i].len) {
            at -= s->iov[i].len;
            continue;
        }
        size_t k = s->iov[i].len - at < n ? (size_t)(s->iov[i].len - at) : n;
        if (copyin(emu, dst, s->iov[i].base + at, k) < 0)
            return -EFAULT;
        dst += k;
        n -= k;
        at = 0;
    }
    return 0;
}

static int64_t write_stream(struct emu *emu, int host, const struct wsrc *src, uint64_t len)
{
    struct task *t = emu->task;
    uint64_t done = t->call.done;
    size_t n = len - done > IO_MAX ? IO_MAX : (size_t)(len - done);
    char *tmp = malloc(n ? n : 1);
    if (!tmp)
        return done ? (int64_t)done : -ENOMEM;
    int64_t w = wsrc_copyin(emu, src, done, tmp, n);
    if (w == 0)
        w = file_write_some(host, tmp, n);
    free(tmp);
    if (w == -EPIPE)
        linux_post_signal(t, SIGPIPE);
    if (w < 0 && w != -EAGAIN)
        return done ? (int64_t)done : w;
    done += w > 0 ? (uint64_t)w : 0;
    if (done == len || host_nonblocking(host))
        return done ? (int64_t)done : -EAGAIN;
    t->call.done = done;
    struct pollfd p = { .fd = host, .events = POLLOUT };
    task_block_io(emu, &p, 1, 0);
    return EMU_RESTART;
}

static int64_t do_read(struct emu *emu, int fd, uint64_t buf, uint64_t len, int64_t off)
{
    int host = fd_host(emu->task, fd);
    if (host < 0)
        return host;
    if (len > RW_MAX)
        len = RW_MAX;
    if (buf + len < buf)
        return -EFAULT;
    if (off < 0 && task_would_block(emu, host, POLLIN))
        return EMU_RESTART;
    /* A regular file gives everything asked for, a chunk at a time; a pipe, socket or
     * terminal what it holds now. */
    bool all = !is_stream(host);
    size_t chunk = len > IO_MAX ? IO_MAX : (size_t)len;
    char *tmp = malloc(chunk ? chunk : 1);
    if (!tmp)
        return -ENOMEM;
    uint64_t done = 0;
    int64_t rc = 0;
    do {
        size_t want = len - done < chunk ? (size_t)(len - done) : chunk;
        if (check_writable(emu, buf + done, want) < 0) {
            rc = -EFAULT;
            break;
        }
        ssize_t n = off < 0 ? read(host, tmp, want) : pread(host, tmp, want, off + (int64_t)done);
        if (n < 0) {
            rc = -errno;
            break;
        }
        if (n > 0 && copyout(emu, buf + done, tmp, (size_t)n) < 0) {
            rc = -EFAULT;
            break;
        }
        done += (uint64_t)n;
        if ((size_t)n < want)
            break;
    } while (all && done < len);
    free(tmp);
    return done ? (int64_t)done : rc;
}

static int64_t do_write(struct emu *emu, int fd, uint64_t buf, uint64_t len, int64_t off)
{
    int host = fd_host(emu->task, fd);
    if (host < 0)
        return host;
    if (len > RW_MAX)
        len = RW_MAX;
    if (off < 0 && is_stream(host))
        return write_stream(emu, host, &(struct wsrc){ .buf = buf }, len);
    size_t chunk = len > IO_MAX ? IO_MAX : (size_t)len;
    char *tmp = malloc(chunk ? chunk : 1);
    if (!tmp)
        return -ENOMEM;
    uint64_t done = 0;
    int64_t rc = 0;
    do {
        size_t want = len - done < chunk ? (size_t)(len - done) : chunk;
        if (copyin(emu, tmp, buf + done, want) < 0) {
            rc = -EFAULT;
            break;
        }
        ssize_t n = off < 0 ? write(host, tmp, want) : pwrite(host, tmp, want, off + (int64_t)done);
        if (n < 0) {
            rc = -errno;
            break;
        }
        done += (uint64_t)n;
        if ((size_t)n < want)
            break;
    } while (done < len);
    free(tmp);
    return done ? (int64_t)done : rc;
}

int64_t sys_read(struct emu *emu, const uint64_t a[6]) { return do_read(emu, (int)a[0], a[1], a[2], -1); }
int64_t sys_write(struct emu *emu, const uint64_t a[6]) { return do_write(emu, (int)a[0], a[1], a[2], -1); }

int64_t sys_pread64(struct emu *emu, const uint64_t a[6])
{
    return (int64_t)a[3] < 0 ? -EINVAL : do_read(emu, (int)a[0], a[1], a[2], (int64_t)a[3]);
}

int64_t sys_pwrite64(struct emu *emu, const uint64_t a[6])
{
    return (int64_t)a[3] < 0 ? -EINVAL : do_write(emu, (int)a[0], a[1], a[2], (int64_t)a[3]);
}

/* Linux refuses a negative length and moves at most RW_MAX bytes in all. */
static int64_t get_iov(struct emu *emu, uint64_t ptr, uint64_t cnt, struct giov **iov, uint64_t *total)
{
    if (cnt > 1024)
        return -EINVAL;
    *iov = malloc((cnt ? cnt : 1) * sizeof **iov);
    if (!*iov)
        return -ENOMEM;
    if (copyin(emu, *iov, ptr, cnt * sizeof **iov) < 0) {
        free(*iov);
        return -EFAULT;
    }
    *total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        if ((int64_t)(*iov)[i].len < 0) {
            free(*iov);
            return -EINVAL;
        }
        if ((*iov)[i].len > RW_MAX - *total)
            (*iov)[i].len = RW_MAX - *total;
        *total += (*iov)[i].len;
    }
    return 0;
}

/* readv/writev on a file: fn (do_read or do_write) on one buffer after the other, until
 * one comes up short; the bytes moved, or the first error if none moved. */
static int64_t each_buffer(struct emu *emu, int fd, const struct giov *iov, uint64_t n,
                           int64_t (*fn)(struct emu *, int, uint64_t, uint64_t, int64_t))
{
    uint64_t done = 0;
    int64_t rc = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (!iov[i].len)
            continue;
        rc = fn(emu, fd, iov[i].base, iov[i].len, -1);
        if (rc < 0)
            break;
        done += (uint64_t)rc;
        if ((uint64_t)rc < iov[i].len)
            break;
    }
    return done ? (int64_t)done : rc;
}

/* To a pipe or socket the gathered bytes go as one write (atomic up to PIPE_BUF);
 * to a file, one buffer after the other until one is short. */
int64_t sys_writev(struct emu *emu, const uint64_t a[6])
{
    struct giov *iov;
    uint64_t total;
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    int64_t rc = get_iov(emu, a[1], a[2], &iov, &total);
    if (rc < 0)
        return rc;
    if (is_stream(host)) {
        rc = write_stream(emu, host, &(struct wsrc){ .iov = iov, .niov = a[2] }, total);
        free(iov);
        return rc;
    }
    rc = each_buffer(emu, (int)a[0], iov, a[2], do_write);
    free(iov);
    return rc;
}

int64_t sys_readv(struct emu *emu, const uint64_t a[6])
{
    struct giov *iov;
    uint64_t total;
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    int64_t rc = get_iov(emu, a[1], a[2], &iov, &total);
    if (rc < 0)
        return rc;
    if (!is_stream(host)) {        /* a file: one buffer after the other */
        rc = each_buffer(emu, (int)a[0], iov, a[2], do_read);
        free(iov);
        return rc;
    }
    if (total > IO_MAX)
        total = IO_MAX;
    for (uint64_t i = 0; rc == 0 && i < a[2]; i++)
        if (iov[i].len && check_writable(emu, iov[i].base, iov[i].len) < 0)
            rc = -EFAULT;
    if (rc == 0 && task_would_block(emu, host, POLLIN))
        rc = EMU_RESTART;
    char *tmp = rc == 0 ? malloc(total ? total : 1) : NULL;
    if (rc == 0 && !tmp)
        rc = -ENOMEM;
    if (rc == 0) {
        ssize_t n = read(host, tmp, total);
        rc = n < 0 ? -errno : n;
        size_t left = n > 0 ? (size_t)n : 0, at = 0;
        for (uint64_t i = 0; left && i < a[2]; i++) {
            size_t k = iov[i].len < left ? iov[i].len : left;
            if (copyout(emu, iov[i].base, tmp + at, k) < 0)
                rc = -EFAULT;
            at += k;
            left -= k;
        }
    }
    free(tmp);
    free(iov);
    return rc;
}

int64_t sys_lseek(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    off_t r = lseek(host, (off_t)a[1], (int)a[2]);
    return r < 0 ? -errno : r;
}

/* struct stat as arm64 Linux lays it out (asm-generic). */
struct gstat {
    uint64_t dev, ino;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev, pad1;
    int64_t size;
    int32_t blksize, pad2;
    int64_t blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    uint32_t unused[2];
};

uint32_t file_guest_uid(uint32_t host_uid) { return host_uid == geteuid() ? GUEST_UID : host_uid; }
uint32_t file_guest_gid(uint32_t host_gid) { return host_gid == getegid() ? GUEST_UID : host_gid; }

static int put_stat(struct emu *emu, uint64_t dst, const struct stat *st)
{
    struct gstat g = {
        .dev = st->st_dev, .ino = st->st_ino, .mode = st->st_mode, .nlink = (uint32_t)st->st_nlink,
        .uid = file_guest_uid(st->st_uid), .gid = file_guest_gid(st->st_gid), .rdev = st->st_rdev, .size = st->st_size,
        .blksize = (int32_t)st->st_blksize, .blocks = st->st_blocks,
        .atime = st->st_atim.tv_sec, .atime_ns = st->st_atim.tv_nsec,
        .mtime = st->st_mtim.tv_sec, .mtime_ns = st->st_mtim.tv_nsec,
        .ctime = st->st_ctim.tv_sec, .ctime_ns = st->st_ctim.tv_nsec,
    };
    return copyout(emu, dst, &g, sizeof g);
}

/* The host's own streams keep their type, mode and size, but not the host's device,
 * inode and times: libc keeps a stat of stdout in guest memory, and host facts there
 * would change how its pages compress, so two runs of one program would differ. */
int64_t file_fstat(struct emu *emu, int fd, struct stat *st)
{
    int host = fd_host(emu->task, fd);
    if (host < 0)
        return host;
    if (fstat(host, st) < 0)
        return -errno;
    const char *path = emu->task->fds[fd].path;
    if (S_ISREG(st->st_mode) && !strncmp(path, "/proc", 5) && procfs_kind(emu, path) != PROCFS_LINK) {
        int rc = procfs_stat(emu, path, true, st);
        if (rc <= 0)
            return rc;
    }
    int stream = emu->task->fds[fd].stream;
    if (stream >= 0) {
        st->st_dev = 0;
        st->st_ino = (ino_t)stream + 1;
        st->st_atim = st->st_mtim = st->st_ctim = (struct timespec){ 0 };
    }
    return 0;
}

int64_t sys_fstat(struct emu *emu, const uint64_t a[6])
{
    struct stat st;
    int64_t rc = file_fstat(emu, (int)a[0], &st);
    return rc < 0 ? rc : put_stat(emu, a[1], &st);
}

/* Runs fn on (parent dir fd, last component) without following a final symlink
 * on the host side, or on an O_PATH fd of the fully resolved path with `follow`. */
int64_t file_at_path(struct emu *emu, uint64_t dirfd, uint64_t gpath, bool follow,
                     int64_t (*fn)(int dir, const char *base, void *ctx), void *ctx)
{
    char path[PATH_MAX];
    int rc = get_path(emu, gpath, path);
    if (rc < 0)
        return rc;
    if (follow) {
        int fd = fs_open(emu, dirfd_of(dirfd), path, O_PATH, 0);
        if (fd < 0)
            return fd;
        int64_t r = fn(fd, "", ctx);
        close(fd);
        return r;
    }
    int parent;
    char *base;
    if ((rc = fs_resolve_parent(emu, dirfd_of(dirfd), path, &parent, &base)) < 0)
        return rc;
    int64_t r = fn(parent, base, ctx);
    close(parent);
    free(base);
    return r;
}

static int64_t do_fstatat(int dir, const char *base, void *st)
{
    return fstatat(dir, base, st, AT_SYMLINK_NOFOLLOW | (*base ? 0 : AT_EMPTY_PATH)) < 0 ? -errno : 0;
}

/* machemu's /proc first: the host's is hidden (fs.c). */
int procfs_stat_at(struct emu *emu, uint64_t dirfd, uint64_t gpath, bool follow, struct stat *st)
{
    char path[PATH_MAX], *abs;
    int rc = get_path(emu, gpath, path);
    if (rc < 0 || fs_join(emu, dirfd_of(dirfd), path, &abs) < 0)
        return 1;
    size_t n = strlen(path);
    rc = procfs_stat(emu, abs, follow || (n && path[n - 1] == '/'), st);   /* "self/" is the directory */
    free(abs);
    return rc;
}

int64_t file_stat_at(struct emu *emu, uint64_t dirfd, uint64_t gpath, bool follow, struct stat *st)
{
    int rc = procfs_stat_at(emu, dirfd, gpath, follow, st);
    if (rc <= 0)
        return rc;
    return file_at_path(emu, dirfd, gpath, follow, do_fstatat, st);
}

/* fstatat(fd, "", AT_EMPTY_PATH): the fd itself, or the cwd. */
static int64_t stat_empty_path(struct emu *emu, uint64_t dirfd, struct stat *st)
{
    if ((int)dirfd != L_AT_FDCWD)
        return file_fstat(emu, (int)dirfd, st);
    int fd = fs_open(emu, AT_FDCWD, ".", O_PATH, 0);
    if (fd < 0)
        return fd;
    int64_t r = do_fstatat(fd, "", st);
    close(fd);
    return r;
}

int64_t sys_newfstatat(struct emu *emu, const uint64_t a[6])
{
    struct stat st;
    int64_t rc;
    char first;
    if ((a[3] & L_AT_EMPTY_PATH) && copyin(emu, &first, a[1], 1) == 0 && first == 0)
        rc = stat_empty_path(emu, a[0], &st);
    else
        rc = file_stat_at(emu, a[0], a[1], !(a[3] & L_AT_SYMLINK_NOFOLLOW), &st);
    return rc < 0 ? rc : put_stat(emu, a[2], &st);
}

struct buf_ctx { struct emu *emu; uint64_t buf, size; };

static int64_t do_readlinkat(int dir, const char *base, void *ctx)
{
    struct buf_ctx *c = ctx;
    char target[PATH_MAX];
    ssize_t n = readlinkat(dir, base, target, sizeof target);
    if (n < 0)
        return -errno;
    if ((uint64_t)n > c->size)
        n = (ssize_t)c->size;
    return copyout(c->emu, c->buf, target, (size_t)n) < 0 ? -EFAULT : n;
}

int64_t sys_readlinkat(struct emu *emu, const uint64_t a[6])
{
    char path[PATH_MAX];
    int rc = get_path(emu, a[1], path);
    if (rc < 0)
        return rc;
    if ((int64_t)a[3] <= 0)
        return -EINVAL;
    char *abs, link[PATH_MAX];
    if (fs_join(emu, dirfd_of(a[0]), path, &abs) == 0) {
        int n = procfs_readlink(emu, abs, link, sizeof link);
        free(abs);
        if (n != 1) {
            if (n < 0)
                return n;
            size_t len = strlen(link) < a[3] ? strlen(link) : a[3];
            return copyout(emu, a[2], link, len) < 0 ? -EFAULT : (int64_t)len;
        }
    }
    struct buf_ctx c = { emu, a[2], a[3] };
    return file_at_path(emu, a[0], a[1], false, do_readlinkat, &c);
}

int64_t sys_getcwd(struct emu *emu, const uint64_t a[6])
{
    if (emu->task->cwd_fd >= 0)
        fs_follow_directory(emu, emu->task->cwd_fd, &emu->task->cwd);
    size_t n = strlen(emu->task->cwd) + 1;
    if (a[1] < n)
        return -ERANGE;
    return copyout(emu, a[0], emu->task->cwd, n) < 0 ? -EFAULT : (int64_t)n;
}

/* The cwd may be a directory of machemu's /proc: it has no host descriptor then, and
 * relative paths are joined to its name. */
static int64_t set_cwd(struct emu *emu, int dirfd, const char *path)
{
    int fd = fs_open(emu, dirfd, path, O_PATH | O_DIRECTORY, 0);
    char *abs;
    int rc = fs_join(emu, dirfd, path, &abs);
    if ((fd == -ENOENT || fd == -ENOTDIR) && rc == 0 && procfs_kind(emu, abs) != PROCFS_NONE) {
        fd = procfs_kind(emu, abs) == PROCFS_DIR ? -1 : -ENOTDIR;
        char *pid;                 /* the link followed, as getcwd shows it */
        if (fd == -1 && !strcmp(abs, "/proc/self") &&
            asprintf(&pid, "/proc/%d", task_leader(emu->task)->pid) > 0) {
            free(abs);
            abs = pid;
        }
    }
    if (fd < -1 || rc < 0) {
        if (fd >= 0)
            close(fd);
        if (rc == 0)
            free(abs);
        return fd < -1 ? fd : rc;
    }
    struct task *t = emu->task;
    free(t->cwd);
    t->cwd = abs;
    if (t->cwd_fd >= 0)
        close(t->cwd_fd);
    t->cwd_fd = fd;
    return 0;
}

/* A task the machine starts begins in machemu's own working directory when that lies
 * inside the root, as under qemu-aarch64 -L, else at the root's top. */
void fs_start_in_host_cwd(struct emu *emu)
{
    char *host = getcwd(NULL, 0);
    char *real = host ? realpath(host, NULL) : NULL;
    size_t rl = strlen(emu->root);
    while (rl > 0 && emu->root[rl - 1] == '/')
        rl--;
    if (real && !strncmp(real, emu->root, rl) && real[rl] == '/')
        set_cwd(emu, AT_FDCWD, real + rl);
    free(real);
    free(host);
}

int64_t sys_chdir(struct emu *emu, const uint64_t a[6])
{
    char path[PATH_MAX];
    int rc = get_path(emu, a[0], path);
    return rc < 0 ? rc : set_cwd(emu, AT_FDCWD, path);
}

int64_t sys_fchdir(struct emu *emu, const uint64_t a[6])
{
    return fd_host(emu->task, (int)a[0]) < 0 ? -EBADF : set_cwd(emu, (int)a[0], ".");
}

static int64_t dup_to(struct task *t, int old, int min, bool exact, bool cloexec)
{
    int host = fd_host(t, old);
    if (host < 0)
        return host;
    int h2 = fcntl(host, F_DUPFD_CLOEXEC, 0);
    if (h2 < 0)
        return -errno;
    char *path = strdup(t->fds[old].path);
    if (exact)
        fd_close(t, min);
    int fd = fd_install(t, h2, cloexec, path, min);
    free(path);
    if (fd < 0)
        close(h2);
    else
        t->fds[fd].stream = t->fds[old].stream;
    return fd;
}

int64_t sys_dup(struct emu *emu, const uint64_t a[6])
{
    return dup_to(emu->task, (int)a[0], 0, false, false);
}

int64_t sys_dup3(struct emu *emu, const uint64_t a[6])
{
    if (a[0] == a[1] || (a[2] & ~(uint64_t)O_CLOEXEC))
        return -EINVAL;
    if ((int)a[1] < 0 || (uint64_t)(int)a[1] >= emu->task->rlim[GUEST_RLIMIT_NOFILE][0])
        return -EBADF;
    return dup_to(emu->task, (int)a[0], (int)a[1], true, a[2] & O_CLOEXEC);
}

int64_t sys_pipe2(struct emu *emu, const uint64_t a[6])
{
    int hfd[2];
    if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    if (pipe2(hfd, O_CLOEXEC | (int)(a[1] & O_NONBLOCK)) < 0)
        return -errno;
    int g[2] = { fd_install(emu->task, hfd[0], a[1] & O_CLOEXEC, "pipe:[r]", 0), -1 };
    if (g[0] >= 0)
        g[1] = fd_install(emu->task, hfd[1], a[1] & O_CLOEXEC, "pipe:[w]", 0);
    if (g[1] < 0 || copyout(emu, a[0], g, sizeof g) < 0) {
        int rc = g[0] < 0 ? g[0] : g[1] < 0 ? g[1] : -EFAULT;
        if (g[0] >= 0)
            fd_close(emu->task, g[0]);
        else
            close(hfd[0]);
        if (g[1] >= 0)
            fd_close(emu->task, g[1]);
        else
            close(hfd[1]);
        return rc;
    }
    return 0;
}

int64_t sys_fcntl(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    int fd = (int)a[0], host = fd_host(t, fd);
    if (host < 0)
        return host;
    switch (a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if ((int)a[2] < 0 || (uint64_t)(int)a[2] >= t->rlim[GUEST_RLIMIT_NOFILE][0])
            return -EINVAL;
        return dup_to(t, fd, (int)a[2], false, a[1] == F_DUPFD_CLOEXEC);
    case F_GETFD: return t->fds[fd].cloexec ? FD_CLOEXEC : 0;
    case F_SETFD: t->fds[fd].cloexec = a[2] & FD_CLOEXEC; return 0;
    case F_GETFL: {
        int fl = fcntl(host, F_GETFL);
        return fl < 0 ? -errno : (int64_t)open_flags_to_guest(fl);
    }
    case F_SETFL:
        return fcntl(host, F_SETFL, open_flags_from_guest(a[2])) < 0 ? -errno : 0;
    default:
        return -EINVAL;
    }
}

int64_t sys_ioctl(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    switch (a[1]) {
    case TCGETS: {                       /* struct termios has one layout on both */
        struct termios tio;
        if (ioctl(host, TCGETS, &tio) < 0)
            return -errno;
        return copyout(emu, a[2], &tio, sizeof tio);
    }
    case TIOCGWINSZ: {
        struct winsize ws;
        if (ioctl(host, TIOCGWINSZ, &ws) < 0)
            return -errno;
        return copyout(emu, a[2], &ws, sizeof ws);
    }
    case FIONREAD: {
        int n;
        if (ioctl(host, FIONREAD, &n) < 0)
            return -errno;
        return copyout(emu, a[2], &n, sizeof n);
    }
    default:
        return -ENOTTY;
    }
}

int64_t sys_getdents64(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    size_t len = a[2] > IO_MAX ? IO_MAX : a[2];
    char *tmp = malloc(len ? len : 1);
    if (!tmp)
        return -ENOMEM;
    const char *path = emu->task->fds[a[0]].path;
    int64_t rc;
    if (!strncmp(path, "/proc", 5) && procfs_kind(emu, path) == PROCFS_DIR) {
        rc = procfs_getdents(host, tmp, len);
    } else {
        long n = syscall(SYS_getdents64, host, tmp, len);   /* struct linux_dirent64 is arch-neutral */
        rc = n < 0 ? -errno : n;
    }
    if (rc > 0 && copyout(emu, a[1], tmp, (size_t)rc) < 0)
        rc = -EFAULT;
    free(tmp);
    return rc;
}

static int64_t do_unlinkat(int dir, const char *base, void *ctx)
{
    return unlinkat(dir, base, *(int *)ctx) < 0 ? -errno : 0;
}

int64_t sys_unlinkat(struct emu *emu, const uint64_t a[6])
{
    int flags = a[2] & L_AT_REMOVEDIR ? AT_REMOVEDIR : 0;
    return file_at_path(emu, a[0], a[1], false, do_unlinkat, &flags);
}

/* The mode the guest's umask gives it, not the host's (see create_in_root, fs.c). */
static int64_t do_mkdirat(int dir, const char *base, void *ctx)
{
    mode_t mode = *(mode_t *)ctx;
    if (mkdirat(dir, base, mode) < 0)
        return -errno;
    fchmodat(dir, base, mode, 0);
    return 0;
}

int64_t sys_mkdirat(struct emu *emu, const uint64_t a[6])
{
    mode_t mode = (mode_t)a[2] & 01777 & ~emu->task->umask;
    return file_at_path(emu, a[0], a[1], false, do_mkdirat, &mode);
}

struct symlink_ctx { const char *target; };

static int64_t do_symlinkat(int dir, const char *base, void *ctx)
{
    /* The target is stored as text; it is only ever resolved inside the root. */
    return symlinkat(((struct symlink_ctx *)ctx)->target, dir, base) < 0 ? -errno : 0;
}

int64_t sys_symlinkat(struct emu *emu, const uint64_t a[6])
{
    char target[PATH_MAX];
    int rc = get_path(emu, a[0], target);
    if (rc < 0)
        return rc;
    struct symlink_ctx c = { target };
    return file_at_path(emu, a[1], a[2], false, do_symlinkat, &c);
}

#define L_RENAME_NOREPLACE 1
#define L_RENAME_EXCHANGE  2
#define L_RENAME_WHITEOUT  4

static int64_t rename_at(struct emu *emu, const uint64_t a[6], unsigned flags)
{
    char from[PATH_MAX], to[PATH_MAX];
    int rc;
    if ((flags & ~(unsigned)(L_RENAME_NOREPLACE | L_RENAME_EXCHANGE | L_RENAME_WHITEOUT)) ||
        ((flags & L_RENAME_EXCHANGE) && (flags & (L_RENAME_NOREPLACE | L_RENAME_WHITEOUT))))
        return -EINVAL;
    if ((rc = get_path(emu, a[1], from)) < 0 || (rc = get_path(emu, a[3], to)) < 0)
        return rc;
    int p1, p2;
    char *b1, *b2;
    if ((rc = fs_resolve_parent(emu, dirfd_of(a[0]), from, &p1, &b1)) < 0)
        return rc;
    if ((rc = fs_resolve_parent(emu, dirfd_of(a[2]), to, &p2, &b2)) == 0) {
        rc = syscall(SYS_renameat2, p1, b1, p2, b2, flags) < 0 ? -errno : 0;
        close(p2);
        free(b2);
    }
    close(p1);
    free(b1);
    return rc;
}

/* renameat has no flags argument: x4 holds whatever the caller left there. */
int64_t sys_renameat(struct emu *emu, const uint64_t a[6]) { return rename_at(emu, a, 0); }
int64_t sys_renameat2(struct emu *emu, const uint64_t a[6]) { return rename_at(emu, a, (unsigned)a[4]); }

static int64_t do_faccessat(int dir, const char *base, void *ctx)
{
    long r = syscall(SYS_faccessat2, dir, base, *(int *)ctx, *base ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH);
    return r < 0 ? -errno : 0;
}

int64_t sys_faccessat(struct emu *emu, const uint64_t a[6])
{
    int mode = (int)a[2];
    return file_at_path(emu, a[0], a[1], !(a[3] & L_AT_SYMLINK_NOFOLLOW), do_faccessat, &mode);
}

int64_t sys_ftruncate(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    return ftruncate(host, (off_t)a[1]) < 0 ? -errno : 0;
}

int64_t sys_fsync(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    return fsync(host) < 0 ? -errno : 0;
}

/* The ready fds of h now, or, if none is and the timeout (timed: else none) allows,
 * blocks the task (not the machine) and gives EMU_RESTART: the call runs again when
 * one is ready or at the deadline, fixed at the first try, when it gives 0; a handler
 * ends it with EINTR. -errno. */
static int poll_or_block(struct emu *emu, struct pollfd *h, nfds_t n, bool timed, uint64_t ns)
{
    struct task *t = emu->task;
    bool woken_by_deadline = t->timed_out;
    t->timed_out = false;
    int ready = poll(h, n, 0);
    if (ready == 0 && ns != 0 && !woken_by_deadline) {
        if (timed && !t->call.deadline)
            t->call.deadline = deadline_after(ns);
        t->call.eintr = true;
        task_block_io(emu, h, (int)n, timed ? t->call.deadline : 0);
        return EMU_RESTART;
    }
    return ready < 0 ? -errno : ready;
}

void linux_poll_time_left(struct emu *emu)
{
    struct task *t = emu->task;
    if (!t->call.timeout_addr)
        return;
    uint64_t now = task_now_ns(), left = t->call.deadline > now ? t->call.deadline - now : 0;
    int64_t g[2] = { (int64_t)(left / 1000000000u), (int64_t)(left % 1000000000u) };
    if (t->call.deadline)          /* never blocked: the time is all there */
        copyout(emu, t->call.timeout_addr, g, sizeof g);   /* a bad address: Linux ignores it */
}

/* The temporary signal mask of ppoll and pselect6 (the old one comes back when the
 * call ends, or by the handler's sigreturn), applied at the first try. -EINTR if a
 * signal it lets through is pending. */
static int poll_mask(struct emu *emu, uint64_t gset, uint64_t size, uint64_t timeout)
{
    struct task *t = emu->task;
    if (timeout && !t->call.timeout_addr)
        t->call.timeout_addr = timeout;
    if (!gset || t->call.restore_mask)
        return 0;
    uint64_t set;
    if (size != 8)
        return -EINVAL;
    if (copyin(emu, &set, gset, sizeof set) < 0)
        return -EFAULT;
    t->call.saved_mask = t->sigmask;
    t->call.restore_mask = true;
    t->sigmask = set & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    return linux_signal_ready(t) ? -EINTR : 0;
}

/* ppoll: guest fds to host fds. */
int64_t sys_ppoll(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    uint64_t nfds = a[1];
    if (nfds > 256)
        return -EINVAL;
    struct pollfd g[256], h[256];
    if (nfds && copyin(emu, g, a[0], nfds * sizeof *g) < 0)
        return -EFAULT;
    uint64_t timeout_ns = UINT64_MAX;   /* no timeout: never */
    if (a[2]) {
        int rc = guest_timespec_ns(emu, a[2], &timeout_ns);
        if (rc < 0)
            return rc;
    }
    int rc = poll_mask(emu, a[3], a[4], a[2]);
    if (rc < 0)
        return rc;
    for (uint64_t i = 0; i < nfds; i++) {
        h[i] = g[i];
        h[i].fd = g[i].fd < 0 ? -1 : fd_host(t, g[i].fd);
        if (g[i].fd >= 0 && h[i].fd < 0)
            h[i].fd = INT_MAX;   /* poll reports POLLNVAL for it */
    }
    int n = poll_or_block(emu, h, nfds, a[2] != 0, timeout_ns);
    if (n == EMU_RESTART)
        return n;
    linux_poll_time_left(emu);
    if (n < 0)
        return n;
    for (uint64_t i = 0; i < nfds; i++)
        g[i].revents = h[i].revents;
    return nfds && copyout(emu, a[0], g, nfds * sizeof *g) < 0 ? -EFAULT : n;
}

/* epoll: the host's, with guest fds turned into host ones on the way in; the guest's
 * 16-byte struct epoll_event (arm64 does not pack it) on the way out. epoll_pwait waits
 * in the scheduler for the epoll fd itself to be readable. */
struct gepoll_event { uint32_t events, pad; uint64_t data; };

static int64_t sys_epoll_create1(struct emu *emu, const uint64_t a[6])
{
    if (a[0] & ~(uint64_t)O_CLOEXEC)
        return -EINVAL;
    int host = epoll_create1(EPOLL_CLOEXEC);
    if (host < 0)
        return -errno;
    int fd = fd_install(emu->task, host, a[0] & O_CLOEXEC, "anon_inode:[eventpoll]", 0);
    if (fd < 0)
        close(host);
    return fd;
}

static int64_t sys_epoll_ctl(struct emu *emu, const uint64_t a[6])
{
    int ep = fd_host(emu->task, (int)a[0]), host = fd_host(emu->task, (int)a[2]);
    struct gepoll_event g = { 0 };
    if (ep < 0 || host < 0)
        return -EBADF;
    if ((int)a[0] == (int)a[2])
        return -EINVAL;
    if (a[1] != EPOLL_CTL_DEL && copyin(emu, &g, a[3], sizeof g) < 0)
        return -EFAULT;
    struct epoll_event h = { .events = g.events, .data.u64 = g.data };
    return epoll_ctl(ep, (int)a[1], host, &h) < 0 ? -errno : 0;
}

static int64_t sys_epoll_pwait(struct emu *emu, const uint64_t a[6])
{
    struct task *t = emu->task;
    int ep = fd_host(t, (int)a[0]), max = (int)a[2];
    if (ep < 0)
        return ep;
    if (max <= 0 || max > 1024)
        return -EINVAL;
    int rc = poll_mask(emu, a[4], a[5], 0);
    if (rc < 0)
        return rc;
    struct epoll_event h[1024];
    int n = epoll_wait(ep, h, max, 0);
    if (n < 0)
        return -errno;
    if (n == 0 && (int)a[3] != 0 && !t->timed_out) {
        if ((int)a[3] > 0 && !t->call.deadline)
            t->call.deadline = deadline_after((uint64_t)(int)a[3] * 1000000u);
        t->call.eintr = true;
        struct pollfd p = { .fd = ep, .events = POLLIN };
        task_block_io(emu, &p, 1, (int)a[3] > 0 ? t->call.deadline : 0);
        return EMU_RESTART;
    }
    t->timed_out = false;
    for (int i = 0; i < n; i++) {
        struct gepoll_event g = { .events = h[i].events, .data = h[i].data.u64 };
        if (copyout(emu, a[1] + (uint64_t)i * sizeof g, &g, sizeof g) < 0)
            return -EFAULT;
    }
    return n;
}

const struct linux_call linux_poll_calls[] = {
    [20] = { "epoll_create1", sys_epoll_create1 },
    [21] = { "epoll_ctl", sys_epoll_ctl },
    [22] = { "epoll_pwait", sys_epoll_pwait },
};
const size_t linux_poll_ncalls = sizeof linux_poll_calls / sizeof *linux_poll_calls;

/* pselect6 (glibc's select and pselect) as a poll of the fds in the three sets; the
 * same caveats as ppoll. */
#define SELECT_MAX 1024                /* FD_SETSIZE */
#define SELECT_IN  (POLLIN | POLLHUP | POLLERR)
#define SELECT_OUT (POLLOUT | POLLERR)

int64_t sys_pselect6(struct emu *emu, const uint64_t a[6])
{
    int64_t nfd = (int64_t)(int32_t)a[0];
    if (nfd < 0)
        return -EINVAL;
    if (nfd > SELECT_MAX)
        nfd = SELECT_MAX;
    uint64_t set[3][SELECT_MAX / 64] = { { 0 } };
    size_t bytes = (size_t)(nfd + 63) / 64 * 8;
    for (int k = 0; k < 3; k++)
        if (a[1 + k] && bytes && copyin(emu, set[k], a[1 + k], bytes) < 0)
            return -EFAULT;
    uint64_t timeout_ns = UINT64_MAX, mask[2] = { 0, 0 };
    if (a[4]) {
        int rc = guest_timespec_ns(emu, a[4], &timeout_ns);
        if (rc < 0)
            return rc;
    }
    if (a[5] && copyin(emu, mask, a[5], sizeof mask) < 0)   /* { sigset, its size } */
        return -EFAULT;
    int rc = poll_mask(emu, mask[0], mask[1], a[4]);
    if (rc < 0)
        return rc;
    static const short events[3] = { POLLIN, POLLOUT, POLLPRI };
    struct pollfd h[SELECT_MAX];
    int fdof[SELECT_MAX];
    nfds_t n = 0;
    for (int fd = 0; fd < nfd; fd++) {
        short ev = 0;
        for (int k = 0; k < 3; k++)
            if (set[k][fd / 64] >> (fd % 64) & 1)
                ev |= events[k];
        if (!ev)
            continue;
        int host = fd_host(emu->task, fd);
        if (host < 0)
            return -EBADF;
        h[n] = (struct pollfd){ .fd = host, .events = ev };
        fdof[n++] = fd;
    }
    int ready = poll_or_block(emu, h, n, a[4] != 0, timeout_ns);
    if (ready == EMU_RESTART)
        return ready;
    linux_poll_time_left(emu);
    if (ready < 0)
        return ready;
    static const short fires[3] = { SELECT_IN, SELECT_OUT, POLLPRI };
    uint64_t out[3][SELECT_MAX / 64] = { { 0 } };
    int64_t count = 0;
    for (nfds_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            if ((h[i].events & events[k]) && (h[i].revents & fires[k])) {
                out[k][fdof[i] / 64] |= 1ull << (fdof[i] % 64);
                count++;
            }
    for (int k = 0; k < 3; k++)
        if (a[1 + k] && bytes && copyout(emu, a[1 + k], out[k], bytes) < 0)
            return -EFAULT;
    return count;
}
