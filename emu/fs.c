/* emu/fs.c — guest paths and file descriptors, confined to the guest root.
 *
 * Every path is made absolute (against the task's cwd or a directory fd's path),
 * then resolved by the host kernel with openat2(RESOLVE_IN_ROOT) from the root
 * directory: ".." stops at the root and absolute symlinks are taken relative to
 * it, so no path can name a host file outside the root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "emu/internal.h"
#include "emu/linux.h"

#define MAX_FDS 1024

int fs_init(struct emu *emu, const char *root, char *err, size_t errlen)
{
    emu->user_umask = umask(0);
    umask(emu->user_umask);
    emu->root = realpath(root ? root : ".", NULL);
    if (!emu->root || (emu->rootfd = open(emu->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "guest root %s: %s", root ? root : ".", strerror(errno));
        return -1;
    }
    return 0;
}

/* Lexically normalizes an absolute path in place: no "//", ".", ".." (clamped at /). */
static void normalize(char *p)
{
    char *out = p, *in = p;
    while (*in) {
        while (*in == '/')
            in++;
        char *seg = in;
        while (*in && *in != '/')
            in++;
        size_t len = (size_t)(in - seg);
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, len);
        out += len;
    }
    if (out == p)
        *out++ = '/';
    *out = 0;
}

/* A directory descriptor (and the cwd) names the directory, not the path it was opened
 * with: after a rename, paths from it resolve in the directory's new place. The host knows that
 * place; inside the root it becomes the descriptor's guest path again. A directory
 * now outside the root (moved away by the host) or deleted keeps its old path. */
void fs_follow_directory(struct emu *emu, int host, char **path)
{
    char link[40], now[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", host);
    ssize_t n = readlink(link, now, sizeof now - 1);
    if (n <= 0)
        return;
    now[n] = 0;
    size_t rl = strlen(emu->root);
    const char *rest = now + (rl == 1 ? 0 : rl);   /* a root of "/" is all of the path */
    if ((rl > 1 && (strncmp(now, emu->root, rl) || (now[rl] != '/' && now[rl] != 0))) ||
        ((size_t)n > rl + 10 && !strcmp(now + n - 10, " (deleted)")))
        return;
    char *p = strdup(*rest ? rest : "/");
    if (p) {
        free(*path);
        *path = p;
    }
}

/* The absolute guest path a relative path starts from: the cwd, or the
 * directory a descriptor names. Linux answers ENOTDIR for a descriptor that is
 * not a directory (a pipe, a file, a terminal), so do we. */
static int dir_base(struct emu *emu, int dirfd, const char **base)
{
    struct task *t = emu->task;
    if (dirfd == AT_FDCWD) {
        if (t->cwd_fd >= 0)
            fs_follow_directory(emu, t->cwd_fd, &t->cwd);
        *base = t->cwd;
        return 0;
    }
    int host = fd_host(t, dirfd);
    if (host < 0)
        return host;
    struct stat st;
    if (fstat(host, &st) < 0)
        return -errno;
    bool dir = S_ISDIR(st.st_mode) || procfs_kind(emu, t->fds[dirfd].path) == PROCFS_DIR;
    if (!dir || t->fds[dirfd].path[0] != '/')
        return -ENOTDIR;
    fs_follow_directory(emu, t->fds[dirfd].host, &t->fds[dirfd].path);
    *base = t->fds[dirfd].path;
    return 0;
}

int fs_join(struct emu *emu, int dirfd, const char *path, char **out)
{
    const char *base = "/";
    if (path[0] != '/') {
        int rc = dir_base(emu, dirfd, &base);
        if (rc < 0)
            return rc;
    }
    /* normalize() may add one leading '/'; the base is absolute, so it never does. */
    size_t n = strlen(base) + strlen(path) + 3;
    char *full = malloc(n);
    if (!full)
        return -ENOMEM;
    snprintf(full, n, "%s/%s", base, path);
    normalize(full);
    *out = full;
    return 0;
}

static int open_in_root(struct emu *emu, const char *abs, int flags, int mode);

/* The host gives what it creates the user's umask; the guest expects its own. So a
 * file is first made with O_EXCL, to know that this call made it, and then given the
 * mode the guest's umask says. */
static int create_in_root(struct emu *emu, const char *abs, int flags, int mode)
{
    mode_t want = (mode_t)mode & 07777 & ~emu->task->umask;
    bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
    int fd = open_in_root(emu, abs, tmpfile ? flags : flags | O_EXCL, mode);
    bool made = fd >= 0;
    if (fd == -EEXIST && !(flags & O_EXCL))
        fd = open_in_root(emu, abs, flags, mode);
    if (made)
        fchmod(fd, want);
    return fd;
}

/* The host's /proc describes the host: a root that holds it (--root /, a bind mount, a
 * symlink to it) must not show it. machemu's own /proc files come from procfs.c. */
static bool on_host_procfs(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* A refusal (EACCES, ELOOP...) inside the host's /proc would tell that the path exists:
 * is the nearest ancestor that opens on procfs? */
static bool in_host_procfs(struct emu *emu, const char *abs)
{
    char *dir = strdup(abs[0] == '/' ? abs + 1 : abs), *slash;
    struct open_how how = { .flags = O_PATH | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    long fd = -1;
    while (dir && fd < 0 && (slash = strrchr(dir, '/'))) {
        *slash = 0;
        fd = syscall(SYS_openat2, emu->rootfd, dir, &how, sizeof how);
    }
    free(dir);
    bool in = fd >= 0 && on_host_procfs((int)fd);
    if (fd >= 0)
        close((int)fd);
    return in;
}

static int open_in_root(struct emu *emu, const char *abs, int flags, int mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? (uint64_t)(mode & 07777) : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, emu->rootfd, abs[0] == '/' ? abs + 1 : abs, &how, sizeof how);
    if (fd < 0 && errno == ENOENT && abs[1] == 0)
        fd = syscall(SYS_openat2, emu->rootfd, ".", &how, sizeof how);
    if (fd < 0)
        return errno != ENOENT && in_host_procfs(emu, abs) ? -ENOENT : -errno;
    if (on_host_procfs((int)fd)) {
        close((int)fd);
        return -ENOENT;
    }
    return (int)fd;
}

/* A few device nodes every program expects, whatever the root holds. */
static const char *host_device(const char *abs)
{
    static const char *const devs[] = { "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random" };
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
        if (!strcmp(abs, devs[i]))
            return devs[i];
    return NULL;
}

int fs_open(struct emu *emu, int dirfd, const char *path, int flags, int mode)
{
    if (!*path)
        return -ENOENT;
    char *abs;
    int rc = fs_join(emu, dirfd, path, &abs);
    if (rc < 0)
        return rc;
    const char *dev = host_device(abs);
    int fd;
    if (dev) {
        fd = open(dev, (flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_DIRECTORY)) | O_CLOEXEC);
        if (fd < 0)
            fd = -errno;
    } else if (flags & O_CREAT || (flags & O_TMPFILE) == O_TMPFILE)
        fd = create_in_root(emu, abs, flags, mode);
    else
        fd = open_in_root(emu, abs, flags, mode);
    free(abs);
    return fd;
}

int fs_resolve_parent(struct emu *emu, int dirfd, const char *path, int *parent, char **base)
{
    if (!*path)
        return -ENOENT;
    char *abs;
    int rc = fs_join(emu, dirfd, path, &abs);
    if (rc < 0)
        return rc;
    char *slash = strrchr(abs, '/');
    if (slash[1] == 0) {                    /* the root itself: operate on it by fd */
        *parent = open_in_root(emu, "/", O_PATH | O_DIRECTORY, 0);
        *base = strdup("");
    } else {
        *base = strdup(slash + 1);
        slash[slash == abs ? 1 : 0] = 0;
        *parent = open_in_root(emu, abs, O_PATH | O_DIRECTORY, 0);
    }
    free(abs);
    if (*parent < 0 || !*base) {
        rc = *parent < 0 ? *parent : -ENOMEM;
        if (*parent >= 0)
            close(*parent);
        free(*base);
        return rc;
    }
    return 0;
}

char *fs_guest_path_of_host(struct emu *emu, const char *host_path)
{
    char *real = realpath(host_path, NULL);
    size_t rl = strcmp(emu->root, "/") ? strlen(emu->root) : 0;   /* root "/" holds all */
    char *out;
    if (real && !strncmp(real, emu->root, rl) && (real[rl] == '/' || real[rl] == 0))
        out = strdup(real[rl] ? real + rl : "/");
    else {
        const char *b = strrchr(host_path, '/');
        size_t n = strlen(b ? b : host_path) + 2;
        out = malloc(n);
        if (out)
            snprintf(out, n, "/%s", b ? b + 1 : host_path);
    }
    free(real);
    return out;
}

int fd_install(struct task *t, int host, bool cloexec, const char *path, int min)
{
    int fd = min < 0 ? 0 : min;
    while (fd < t->nfds && t->fds[fd].host >= 0)
        fd++;
    if (fd >= MAX_FDS || (uint64_t)fd >= t->rlim[GUEST_RLIMIT_NOFILE][0])
        return -EMFILE;
    if (fd >= t->nfds) {
        int n = fd + 16 > MAX_FDS ? MAX_FDS : fd + 16;
        struct gfd *g = realloc(t->fds, (size_t)n * sizeof *g);
        if (!g)
            return -ENOMEM;
        for (int i = t->nfds; i < n; i++)
            g[i] = (struct gfd){ .host = -1 };
        t->fds = g;
        t->nfds = n;
    }
    char *p = strdup(path ? path : "?");
    if (!p)
        return -ENOMEM;
    t->fds[fd] = (struct gfd){ .host = host, .cloexec = cloexec, .path = p, .stream = -1 };
    return fd;
}

int fd_host(struct task *t, int fd)
{
    return fd >= 0 && fd < t->nfds && t->fds[fd].host >= 0 ? t->fds[fd].host : -EBADF;
}

int fd_close(struct task *t, int fd)
{
    int host = fd_host(t, fd);
    if (host < 0)
        return host;
    close(host);
    free(t->fds[fd].path);
    t->fds[fd] = (struct gfd){ .host = -1 };
    return 0;
}
