/* emu/linux_fsmeta.c — what describes a file rather than its bytes: times, modes,
 * owners, statx, extended attributes, and mknodat for FIFOs and plain files. Paths are confined to the
 * root by file_at_path (fs.c): a call on a followed path gets a descriptor of the
 * resolved file and reaches it through /proc/self/fd, never through the guest's text. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "emu/linux.h"

#define L_AT_FDCWD            (-100)
#define L_AT_SYMLINK_NOFOLLOW 0x100
#define L_AT_NO_AUTOMOUNT     0x800
#define L_AT_EMPTY_PATH       0x1000
#define L_AT_STATX_SYNC       0x6000
#define L_UTIME_NOW           ((1l << 30) - 1)
#define L_UTIME_OMIT          ((1l << 30) - 2)
#define L_STATX_RESERVED      0x80000000u

/* The host name of (dir, base): base in dir, or the file dir is itself (base ""). */
struct host_name {
    int at;
    const char *name;
    char buf[40];
};

static void host_name_of(struct host_name *h, int dir, const char *base)
{
    if (*base) {
        h->at = dir;
        h->name = base;
        return;
    }
    snprintf(h->buf, sizeof h->buf, "/proc/self/fd/%d", dir);
    h->at = AT_FDCWD;
    h->name = h->buf;
}

/* The guest said "" with AT_EMPTY_PATH: the call is on the descriptor itself. */
static bool empty_path(struct emu *emu, uint64_t gpath, uint64_t flags)
{
    char first;
    return (flags & L_AT_EMPTY_PATH) && copyin(emu, &first, gpath, 1) == 0 && first == 0;
}

/* A guest descriptor as a (dir, "") pair for the helpers below; -EBADF. */
static int64_t on_fd(struct emu *emu, int fd, int64_t (*fn)(int, const char *, void *), void *ctx)
{
    int host = fd_host(emu->task, fd);
    if (fd == L_AT_FDCWD) {
        int cwd = fs_open(emu, AT_FDCWD, ".", O_PATH, 0);
        if (cwd < 0)
            return cwd;
        int64_t rc = fn(cwd, "", ctx);
        close(cwd);
        return rc;
    }
    return host < 0 ? host : fn(host, "", ctx);
}

/* --- times --------------------------------------------------------------------- */

static int64_t do_utimens(int dir, const char *base, void *ctx)
{
    struct host_name h;
    host_name_of(&h, dir, base);
    const struct timespec *ts = ((const struct timespec **)ctx)[0];
    return utimensat(h.at, h.name, ts, *base ? AT_SYMLINK_NOFOLLOW : 0) < 0 ? -errno : 0;
}

static bool nsec_ok(int64_t ns)
{
    return (ns >= 0 && ns < 1000000000) || ns == L_UTIME_NOW || ns == L_UTIME_OMIT;
}

static int64_t sys_utimensat(struct emu *emu, const uint64_t a[6])
{
    int64_t g[4];
    struct timespec ts[2], *tsp = NULL;
    if (a[3] & ~(uint64_t)(L_AT_SYMLINK_NOFOLLOW | L_AT_EMPTY_PATH))
        return -EINVAL;
    if (a[2]) {
        if (copyin(emu, g, a[2], sizeof g) < 0)
            return -EFAULT;
        if (!nsec_ok(g[1]) || !nsec_ok(g[3]))
            return -EINVAL;
        ts[0] = (struct timespec){ g[0], g[1] };
        ts[1] = (struct timespec){ g[2], g[3] };
        tsp = ts;
    }
    const struct timespec *ctx[1] = { tsp };
    if (!a[1]) {                   /* futimens: the descriptor itself */
        if ((int)a[0] == L_AT_FDCWD)
            return -EFAULT;
        if (a[3])
            return -EINVAL;
        int host = fd_host(emu->task, (int)a[0]);
        return host < 0 ? host : futimens(host, tsp) < 0 ? -errno : 0;
    }
    if (empty_path(emu, a[1], a[3]))
        return on_fd(emu, (int)a[0], do_utimens, ctx);
    return file_at_path(emu, a[0], a[1], !(a[3] & L_AT_SYMLINK_NOFOLLOW), do_utimens, ctx);
}

/* --- modes ---------------------------------------------------------------------- */

static int64_t do_chmod(int dir, const char *base, void *ctx)
{
    struct host_name h;
    host_name_of(&h, dir, base);
    return fchmodat(h.at, h.name, *(mode_t *)ctx, 0) < 0 ? -errno : 0;
}

static int64_t sys_fchmod(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    return fchmod(host, (mode_t)a[1] & 07777) < 0 ? -errno : 0;
}

static int64_t sys_fchmodat(struct emu *emu, const uint64_t a[6])
{
    mode_t mode = (mode_t)a[2] & 07777;
    return file_at_path(emu, a[0], a[1], true, do_chmod, &mode);
}

/* --- owners ---------------------------------------------------------------------- */

struct chown_req {
    const struct task_cred *cred;
    uint32_t uid, gid;             /* the guest's numbers; -1: unchanged */
};

/* An ordinary user may give a file it owns only to itself and its own group; the
 * change then touches nothing but the file's ctime. */
static int64_t do_chown(int dir, const char *base, void *ctx)
{
    const struct chown_req *r = ctx;
    struct host_name h;
    struct stat st;
    host_name_of(&h, dir, base);
    int nofollow = *base ? AT_SYMLINK_NOFOLLOW : 0;
    if (fstatat(h.at, h.name, &st, nofollow) < 0)
        return -errno;
    uint32_t owner = file_guest_uid(st.st_uid), group = file_guest_gid(st.st_gid);
    if (r->cred->euid != owner)
        return -EPERM;
    if ((r->uid != UINT32_MAX && r->uid != owner) ||
        (r->gid != UINT32_MAX && r->gid != group && r->gid != r->cred->egid))
        return -EPERM;
    return fchownat(h.at, h.name, (uid_t)-1, (gid_t)-1, nofollow) < 0 ? -errno : 0;
}

static int64_t sys_fchown(struct emu *emu, const uint64_t a[6])
{
    struct chown_req r = { &emu->task->cred, (uint32_t)a[1], (uint32_t)a[2] };
    return on_fd(emu, (int)a[0] == L_AT_FDCWD ? -1 : (int)a[0], do_chown, &r);
}

static int64_t sys_fchownat(struct emu *emu, const uint64_t a[6])
{
    struct chown_req r = { &emu->task->cred, (uint32_t)a[2], (uint32_t)a[3] };
    if (a[4] & ~(uint64_t)(L_AT_SYMLINK_NOFOLLOW | L_AT_EMPTY_PATH))
        return -EINVAL;
    if (empty_path(emu, a[1], a[4]))
        return on_fd(emu, (int)a[0], do_chown, &r);
    return file_at_path(emu, a[0], a[1], !(a[4] & L_AT_SYMLINK_NOFOLLOW), do_chown, &r);
}

/* --- mknodat --------------------------------------------------------------------- */

static int64_t do_mknod(int dir, const char *base, void *ctx)
{
    mode_t mode = *(mode_t *)ctx;
    if (!*base)
        return -EEXIST;            /* the root */
    if (S_ISREG(mode)) {
        int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return -errno;
        close(fd);
    } else if (mknodat(dir, base, mode, 0) < 0) {
        return -errno;
    }
    fchmodat(dir, base, mode & 07777, 0);   /* the guest's umask, not the host's */
    return 0;
}

/* Plain files, FIFOs and sockets, as an ordinary user may make them; devices EPERM. */
static int64_t sys_mknodat(struct emu *emu, const uint64_t a[6])
{
    mode_t mode = (mode_t)a[2], type = mode & S_IFMT;
    if (type == 0)
        type = S_IFREG;
    if (type == S_IFCHR || type == S_IFBLK)
        return -EPERM;
    if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
        return -EINVAL;
    mode = type | (mode & 07777 & ~emu->task->umask);
    return file_at_path(emu, a[0], a[1], false, do_mknod, &mode);
}

/* --- linkat ------------------------------------------------------------------------ */

struct link_req {
    int to_dir;
    const char *to;
};

/* The target's parent and name are resolved inside the root, and so is the source: with
 * AT_SYMLINK_FOLLOW it is the resolved file, reached through /proc/self/fd (the host's
 * own following would leave the root). */
static int64_t do_link(int dir, const char *base, void *ctx)
{
    const struct link_req *r = ctx;
    struct host_name h;
    host_name_of(&h, dir, base);
    return linkat(h.at, h.name, r->to_dir, r->to, *base ? 0 : AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
}

#define L_AT_SYMLINK_FOLLOW 0x400

static int64_t sys_linkat(struct emu *emu, const uint64_t a[6])
{
    char to[PATH_MAX];
    int rc, parent;
    char *base;
    if (a[4] & ~(uint64_t)(L_AT_SYMLINK_FOLLOW | L_AT_EMPTY_PATH))
        return -EINVAL;
    if ((rc = copyinstr(emu, to, a[3], sizeof to)) < 0)
        return rc;
    if ((rc = fs_resolve_parent(emu, (int)a[2] == L_AT_FDCWD ? AT_FDCWD : (int)a[2], to, &parent,
                                &base)) < 0)
        return rc;
    struct link_req r = { parent, base };
    int64_t out = !*base ? -EEXIST
                  : empty_path(emu, a[1], a[4]) ? on_fd(emu, (int)a[0], do_link, &r)
                  : file_at_path(emu, a[0], a[1], a[4] & L_AT_SYMLINK_FOLLOW, do_link, &r);
    close(parent);
    free(base);
    return out;
}

/* --- statx ------------------------------------------------------------------------- */

struct statx_req {
    unsigned flags, mask;
    struct statx stx;
};

static int64_t do_statx(int dir, const char *base, void *ctx)
{
    struct statx_req *r = ctx;
    unsigned fl = (r->flags & (L_AT_NO_AUTOMOUNT | L_AT_STATX_SYNC)) |
                  (*base ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH);
    return statx(dir, base, (int)fl, r->mask, &r->stx) < 0 ? -errno : 0;
}

static bool is_procfs_fd(struct emu *emu, int fd)
{
    const char *path = emu->task->fds[fd].path;
    return !strncmp(path, "/proc", 5) && procfs_kind(emu, path) != PROCFS_NONE &&
           procfs_kind(emu, path) != PROCFS_LINK;
}

/* A file of machemu's /proc, as procfs_stat describes it. */
static int64_t put_statx(struct emu *emu, uint64_t dst, const struct stat *st)
{
    struct statx x = {
        .stx_mask = STATX_BASIC_STATS, .stx_blksize = (uint32_t)st->st_blksize,
        .stx_nlink = (uint32_t)st->st_nlink, .stx_uid = file_guest_uid(st->st_uid),
        .stx_gid = file_guest_gid(st->st_gid), .stx_mode = (uint16_t)st->st_mode,
        .stx_ino = st->st_ino, .stx_size = (uint64_t)st->st_size, .stx_blocks = (uint64_t)st->st_blocks,
        .stx_dev_major = major(st->st_dev), .stx_dev_minor = minor(st->st_dev),
    };
    return copyout(emu, dst, &x, sizeof x) < 0 ? -EFAULT : 0;
}

/* struct statx has one layout on every architecture. */
static int64_t sys_statx(struct emu *emu, const uint64_t a[6])
{
    struct statx_req r = { (unsigned)a[2], (unsigned)a[3], { 0 } };
    if ((r.flags & ~(unsigned)(L_AT_SYMLINK_NOFOLLOW | L_AT_NO_AUTOMOUNT | L_AT_EMPTY_PATH |
                               L_AT_STATX_SYNC)) ||
        (r.flags & L_AT_STATX_SYNC) == L_AT_STATX_SYNC || (r.mask & L_STATX_RESERVED))
        return -EINVAL;
    struct stat st;
    bool follow = !(r.flags & L_AT_SYMLINK_NOFOLLOW), empty = empty_path(emu, a[1], r.flags);
    int64_t rc = empty ? file_fstat(emu, (int)a[0], &st) : procfs_stat_at(emu, a[0], a[1], follow, &st);
    if (rc <= 0 && (!empty || (rc == 0 && is_procfs_fd(emu, (int)a[0]))))
        return rc < 0 ? rc : put_statx(emu, a[4], &st);
    rc = empty ? on_fd(emu, (int)a[0], do_statx, &r) : file_at_path(emu, a[0], a[1], follow, do_statx, &r);
    if (rc < 0)
        return rc;
    r.stx.stx_uid = file_guest_uid(r.stx.stx_uid);
    r.stx.stx_gid = file_guest_gid(r.stx.stx_gid);
    return copyout(emu, a[4], &r.stx, sizeof r.stx) < 0 ? -EFAULT : 0;
}

/* --- statfs, fadvise64 --------------------------------------------------------------- */

/* struct statfs is eight-byte fields on arm64 as on the host (f_fsid two ints). */
_Static_assert(sizeof(struct statfs) == 120, "struct statfs as arm64 Linux lays it out");

static int64_t do_fstatfs(int dir, const char *base, void *ctx)
{
    (void)base;                    /* dir is the file itself (followed, or the fd) */
    return fstatfs(dir, ctx) < 0 ? -errno : 0;
}

static int64_t put_statfs(struct emu *emu, int64_t rc, uint64_t dst, const struct statfs *st)
{
    return rc < 0 ? rc : copyout(emu, dst, st, sizeof *st) < 0 ? -EFAULT : 0;
}

static int64_t sys_statfs(struct emu *emu, const uint64_t a[6])
{
    struct statfs st;
    return put_statfs(emu, file_at_path(emu, (uint64_t)L_AT_FDCWD, a[0], true, do_fstatfs, &st), a[1], &st);
}

static int64_t sys_fstatfs(struct emu *emu, const uint64_t a[6])
{
    struct statfs st;
    return put_statfs(emu, (int)a[0] == L_AT_FDCWD ? -EBADF : on_fd(emu, (int)a[0], do_fstatfs, &st), a[1], &st);
}

/* Advice is only advice: the host takes it for the host file. */
static int64_t sys_fadvise64(struct emu *emu, const uint64_t a[6])
{
    int host = fd_host(emu->task, (int)a[0]);
    if (host < 0)
        return host;
    if (a[3] > POSIX_FADV_NOREUSE)
        return -EINVAL;
    int rc = posix_fadvise(host, (off_t)a[1], (off_t)a[2], (int)a[3]);
    return -rc;
}

/* --- extended attributes ----------------------------------------------------------- */

/* The host's, of the file in the root: ls -l and cp -a ask for them. The guest is an
 * ordinary user, so it may change only the user namespace and ACLs (as chmod would). */
struct xattr_req {
    char name[256];
    char *value;                   /* host buffer of size bytes */
    size_t size;
    int flags;
    bool follow;
    enum { XATTR_GET, XATTR_LIST, XATTR_SET, XATTR_REMOVE } op;
};

static int64_t xattr_on(const char *path, struct xattr_req *r)
{
    ssize_t n;
    switch (r->op) {
    case XATTR_GET:
        n = r->follow ? getxattr(path, r->name, r->value, r->size) : lgetxattr(path, r->name, r->value, r->size);
        break;
    case XATTR_LIST:
        n = r->follow ? listxattr(path, r->value, r->size) : llistxattr(path, r->value, r->size);
        break;
    case XATTR_SET:
        n = r->follow ? setxattr(path, r->name, r->value, r->size, r->flags)
                      : lsetxattr(path, r->name, r->value, r->size, r->flags);
        break;
    default:
        n = r->follow ? removexattr(path, r->name) : lremovexattr(path, r->name);
    }
    return n < 0 ? -errno : n;
}

static int64_t do_xattr(int dir, const char *base, void *ctx)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, *base ? "/proc/self/fd/%d/%s" : "/proc/self/fd/%d", dir, base) >=
        (int)sizeof path)
        return -ENAMETOOLONG;
    return xattr_on(path, ctx);
}

static int64_t xattr_name(struct emu *emu, uint64_t gname, struct xattr_req *r)
{
    for (size_t i = 0; i < sizeof r->name; i++) {
        if (copyin(emu, &r->name[i], gname + i, 1) < 0)
            return -EFAULT;
        if (!r->name[i])
            return i ? 0 : -ERANGE;
    }
    return -ERANGE;
}

/* One of the twelve calls: op on a path (followed or not) or on fd a[0]. */
static int64_t xattr_call(struct emu *emu, const uint64_t a[6], int op, int how)
{
    struct xattr_req r = { .op = op, .follow = how != 'l' };
    int64_t rc = op == XATTR_LIST ? 0 : xattr_name(emu, a[1], &r);
    if (rc < 0)
        return rc;
    if ((op == XATTR_SET || op == XATTR_REMOVE) && strncmp(r.name, "user.", 5) &&
        strncmp(r.name, "system.posix_acl_", 17))
        return -EPERM;
    if (op == XATTR_GET && !strncmp(r.name, "trusted.", 8))
        return -ENODATA;           /* what an ordinary user sees of them */
    uint64_t buf = op == XATTR_LIST ? a[1] : a[2], size = op == XATTR_LIST ? a[2] : a[3];
    r.size = size > 65536 ? 65536 : (size_t)size;
    r.flags = (int)a[4];
    if (r.size && !(r.value = malloc(r.size)))
        return -ENOMEM;
    if (op == XATTR_SET && r.size && copyin(emu, r.value, buf, r.size) < 0)
        rc = -EFAULT;
    else if (how == 'f') {
        int host = fd_host(emu->task, (int)a[0]);
        char path[40];
        snprintf(path, sizeof path, "/proc/self/fd/%d", host);
        rc = host < 0 ? host : xattr_on(path, &r);
    } else {
        rc = file_at_path(emu, (uint64_t)L_AT_FDCWD, a[0], how != 'l', do_xattr, &r);
    }
    if (rc > 0 && (op == XATTR_GET || op == XATTR_LIST) && r.size && copyout(emu, buf, r.value, (size_t)rc) < 0)
        rc = -EFAULT;
    free(r.value);
    return rc;
}

#define XATTR_CALLS(op, name, OP)                                                                     \
    static int64_t sys_##op##name(struct emu *emu, const uint64_t a[6]) { return xattr_call(emu, a, OP, 'p'); } \
    static int64_t sys_l##op##name(struct emu *emu, const uint64_t a[6]) { return xattr_call(emu, a, OP, 'l'); } \
    static int64_t sys_f##op##name(struct emu *emu, const uint64_t a[6]) { return xattr_call(emu, a, OP, 'f'); }
XATTR_CALLS(set, xattr, XATTR_SET)
XATTR_CALLS(get, xattr, XATTR_GET)
XATTR_CALLS(list, xattr, XATTR_LIST)
XATTR_CALLS(remove, xattr, XATTR_REMOVE)

#define META_CALL(nr, fn) [nr] = { #fn, sys_##fn }
const struct linux_call linux_fsmeta_calls[] = {
    META_CALL(5, setxattr), META_CALL(6, lsetxattr), META_CALL(7, fsetxattr), META_CALL(8, getxattr),
    META_CALL(9, lgetxattr), META_CALL(10, fgetxattr), META_CALL(11, listxattr), META_CALL(12, llistxattr),
    META_CALL(13, flistxattr), META_CALL(14, removexattr), META_CALL(15, lremovexattr),
    META_CALL(16, fremovexattr),
    META_CALL(33, mknodat), META_CALL(37, linkat), META_CALL(43, statfs), META_CALL(44, fstatfs), META_CALL(52, fchmod), META_CALL(53, fchmodat),
    META_CALL(54, fchownat), META_CALL(55, fchown), META_CALL(88, utimensat),
    META_CALL(223, fadvise64), META_CALL(291, statx),
};
const size_t linux_fsmeta_ncalls = sizeof linux_fsmeta_calls / sizeof *linux_fsmeta_calls;
