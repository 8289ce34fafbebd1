/* emu/hostout.c — see emu/hostout.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/hostout.h"

static int fail(char *err, size_t errlen, int e, const char *fmt, const char *what)
{
    char msg[PATH_MAX + 128];
    snprintf(msg, sizeof msg, fmt, what);
    snprintf(err, errlen, "%s: %s", msg, strerror(e));
    return -e;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether directory fd is the root or lies below it: climbs ".." to "/". */
static bool under_root(int fd, const struct stat *root)
{
    int cur = dup(fd);
    bool below = false;
    struct stat st, up_st;
    while (cur >= 0 && fstat(cur, &st) == 0) {
        if (same_file(&st, root)) {
            below = true;
            break;
        }
        int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        close(cur);
        cur = up;
        if (up < 0 || fstat(up, &up_st) < 0 || same_file(&up_st, &st))
            break;                 /* "/" is its own parent */
    }
    if (cur >= 0)
        close(cur);
    return below;
}

/* path made absolute against the current directory, malloc'ed. */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *abs = malloc(n);
    if (abs)
        snprintf(abs, n, "%s/%s", cwd, path);
    return abs;
}

/* One step down from dir to its entry `name`, made if missing and `create`. */
static int step(int dir, const char *name, bool inside, bool create)
{
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (inside ? O_NOFOLLOW : 0);
    int fd = openat(dir, name, flags);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(dir, name, 0777) < 0 && errno != EEXIST)
            return -errno;
        fd = openat(dir, name, flags);
    }
    if (fd >= 0)
        return fd;
    int e = errno;
    struct stat st;
    if (inside && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return -ELOOP;
    return -e;
}

/* Opens directory `path` component by component; *inside tells whether it is within
 * the guest root. */
static int open_dir(const char *root, const char *path, bool create, bool *inside, char *err,
                    size_t errlen)
{
    struct stat rst;
    if (stat(root ? root : ".", &rst) < 0)
        return fail(err, errlen, errno, "guest root %s", root ? root : ".");
    char *abs = absolute(path);
    if (!abs)
        return fail(err, errlen, errno ? errno : ENOMEM, "%s", path);
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        free(abs);
        return fail(err, errlen, errno, "%s", "/");
    }
    bool in = under_root(fd, &rst);
    for (char *save, *c = strtok_r(abs, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        int next = step(fd, c, in, create);
        close(fd);
        fd = next;
        if (fd == -ELOOP) {
            snprintf(err, errlen, "%s: %s is a symbolic link inside the guest root; not followed",
                     path, c);
            break;
        }
        if (fd < 0) {
            fail(err, errlen, -fd, "%s", path);
            break;
        }
        if (!in || !strcmp(c, ".."))
            in = under_root(fd, &rst);
    }
    free(abs);
    *inside = in;
    return fd;
}

int hostout_dir(const char *root, const char *path, bool create, char *err, size_t errlen)
{
    bool inside;
    return open_dir(root, path, create, &inside, err, errlen);
}

/* name, or name with "-n" before its extension. */
static int nth_name(const char *name, unsigned n, char *out, size_t len)
{
    if (n == 1)
        return snprintf(out, len, "%s", name) < (int)len ? 0 : -ENAMETOOLONG;
    const char *dot = strrchr(name, '.');
    int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    int w = snprintf(out, len, "%.*s-%u%s", stem, name, n, name + stem);
    return w < (int)len ? 0 : -ENAMETOOLONG;
}

int hostout_create(int dirfd, const char *name, char *made, size_t madelen, char *err,
                   size_t errlen)
{
    for (unsigned n = 1; n <= 10000; n++) {
        int rc = nth_name(name, n, made, madelen);
        if (rc < 0)
            return fail(err, errlen, -rc, "%s", name);
        int fd = openat(dirfd, made, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return fail(err, errlen, errno, "%s", made);
    }
    return fail(err, errlen, EEXIST, "%s and 9999 more names like it", name);
}

/* Inside the root only a plain file or none at all: a link is not followed and a FIFO
 * the guest made would block the open. */
static int check_inside(int dir, const char *base, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISREG(st.st_mode))
        return 0;
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "%s is a symbolic link inside the guest root; not followed", path);
        return -ELOOP;
    }
    snprintf(err, errlen, "%s is inside the guest root and not a plain file", path);
    return -EPERM;
}

static int open_named(int dir, const char *base, bool inside, const char *path, char *err,
                      size_t errlen)
{
    int rc = inside ? check_inside(dir, base, path, err, errlen) : 0;
    if (rc < 0)
        return rc;
    int flags = O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | (inside ? O_NOFOLLOW : 0);
    int fd = openat(dir, base, flags, 0666);
    struct stat st;
    if (fd < 0)
        return fail(err, errlen, errno, "%s", path);
    int e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (inside && !S_ISREG(st.st_mode))
        e = EPERM;                 /* replaced since check_inside looked */
    else if ((S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) || fcntl(fd, F_SETFL, 0) < 0)
        e = errno;
    if (e) {
        close(fd);
        return fail(err, errlen, e, "%s", path);
    }
    return fd;
}

int hostout_file(const char *root, const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return fail(err, errlen, EISDIR, "%s", path);
    char dir[PATH_MAX];
    int dlen = slash ? (slash == path ? 1 : (int)(slash - path)) : 1;
    if (snprintf(dir, sizeof dir, "%.*s", dlen, slash ? path : ".") >= (int)sizeof dir)
        return fail(err, errlen, ENAMETOOLONG, "%s", path);
    bool inside;
    int d = open_dir(root, dir, false, &inside, err, errlen);
    if (d < 0)
        return d;
    int fd = open_named(d, base, inside, path, err, errlen);
    close(d);
    return fd;
}

int hostout_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
