/* emu/darwin_bsd.c — Darwin BSD system calls (x16 > 0): Darwin's numbers, flags and
 * structure layouts (bsd/kern/syscalls.master, the bsd/sys headers), implemented by the
 * Linux calls where the arguments mean the same, translated where they do not
 * (open flags, mmap flags, madvise advice, lseek whence, signals, struct stat64).
 * Errors come back in Linux numbering; darwin.c turns them into Darwin's errno and
 * the carry flag. */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include "emu/darwin.h"
#include "emu/linux.h"

#define D_AT_FDCWD_LINUX (-100)    /* what the file_* helpers take for "the cwd" */
#define DARWIN_UID 501             /* iOS runs apps as mobile (501:501) */

static int64_t bsd_exit(struct emu *emu, const uint64_t a[8])
{
    task_exit(emu, (int)(a[0] & 0xff) << 8);
    return 0;
}

static int64_t bsd_read(struct emu *emu, const uint64_t a[8]) { return sys_read(emu, a); }
static int64_t bsd_write(struct emu *emu, const uint64_t a[8]) { return sys_write(emu, a); }
static int64_t bsd_close(struct emu *emu, const uint64_t a[8]) { return sys_close(emu, a); }
static int64_t bsd_getpid(struct emu *emu, const uint64_t a[8]) { (void)a; return emu->task->pid; }
static int64_t bsd_getppid(struct emu *emu, const uint64_t a[8]) { (void)a; return emu->task->ppid; }
static int64_t bsd_getuid(struct emu *emu, const uint64_t a[8]) { (void)emu; (void)a; return DARWIN_UID; }

/* --- files ----------------------------------------------------------------------- */

/* bsd/sys/fcntl.h: the access mode is the same; the rest differs. */
static const struct { uint32_t darwin; int host; } open_flags[] = {
    { 0x00000004, O_NONBLOCK }, { 0x00000008, O_APPEND }, { 0x00000080, O_SYNC },
    { 0x00000100, O_NOFOLLOW }, { 0x00000200, O_CREAT }, { 0x00000400, O_TRUNC },
    { 0x00000800, O_EXCL }, { 0x00020000, O_NOCTTY }, { 0x00100000, O_DIRECTORY },
    { 0x00400000, O_DSYNC }, { 0x01000000, O_CLOEXEC },
};
/* O_SHLOCK, O_EXLOCK, O_SYMLINK, O_NOFOLLOW_ANY: not honoured, so refused. */
#define D_O_UNSUPPORTED (0x10u | 0x20u | 0x200000u | 0x20000000u)

static int open_flags_from_darwin(uint64_t d)
{
    if ((d & 3) == 3)
        return -EINVAL;
    if (d & D_O_UNSUPPORTED)
        return -ENOTSUP;
    int host = (int)(d & 3);
    for (size_t i = 0; i < sizeof open_flags / sizeof *open_flags; i++)
        if (d & open_flags[i].darwin)
            host |= open_flags[i].host;
    return host;
}

static int64_t bsd_open(struct emu *emu, const uint64_t a[8])
{
    int flags = open_flags_from_darwin(a[1]);
    if (flags < 0)
        return flags;
    return file_open_at(emu, (uint64_t)D_AT_FDCWD_LINUX, a[0], flags, (int)(a[2] & 07777));
}

static int64_t bsd_unlink(struct emu *emu, const uint64_t a[8])
{
    uint64_t b[6] = { (uint64_t)D_AT_FDCWD_LINUX, a[0], 0 };
    return sys_unlinkat(emu, b);
}

static int64_t bsd_lseek(struct emu *emu, const uint64_t a[8])
{
    /* Darwin's SEEK_HOLE is 3 and SEEK_DATA 4; Linux has them the other way round. */
    uint64_t whence = a[2] == 3 ? SEEK_HOLE : a[2] == 4 ? SEEK_DATA : a[2];
    uint64_t b[6] = { a[0], a[1], whence };
    return sys_lseek(emu, b);
}

/* struct stat64 on arm64 Darwin (bsd/sys/stat.h, 144 bytes). */
struct darwin_stat64 {
    int32_t dev;
    uint16_t mode, nlink;
    uint64_t ino;
    uint32_t uid, gid;
    int32_t rdev;
    int32_t pad0;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns, birthtime, birthtime_ns;
    int64_t size, blocks;
    int32_t blksize;
    uint32_t flags, gen;
    int32_t lspare;
    int64_t qspare[2];
};
_Static_assert(sizeof(struct darwin_stat64) == 144, "Darwin's struct stat64 is 144 bytes");

static int64_t put_stat64(struct emu *emu, uint64_t dst, int64_t rc, const struct stat *st)
{
    if (rc < 0)
        return rc;
    /* Linux's struct stat has no birth time: the status change time stands in. */
    struct darwin_stat64 d = {
        .dev = (int32_t)st->st_dev, .mode = (uint16_t)st->st_mode, .nlink = (uint16_t)st->st_nlink,
        .ino = st->st_ino, .uid = st->st_uid, .gid = st->st_gid, .rdev = (int32_t)st->st_rdev,
        .atime = st->st_atim.tv_sec, .atime_ns = st->st_atim.tv_nsec,
        .mtime = st->st_mtim.tv_sec, .mtime_ns = st->st_mtim.tv_nsec,
        .ctime = st->st_ctim.tv_sec, .ctime_ns = st->st_ctim.tv_nsec,
        .birthtime = st->st_ctim.tv_sec, .birthtime_ns = st->st_ctim.tv_nsec,
        .size = st->st_size, .blocks = st->st_blocks, .blksize = (int32_t)st->st_blksize,
    };
    return copyout(emu, dst, &d, sizeof d);
}

static int64_t bsd_fstat64(struct emu *emu, const uint64_t a[8])
{
    struct stat st;
    return put_stat64(emu, a[1], file_fstat(emu, (int)a[0], &st), &st);
}

static int64_t bsd_stat64(struct emu *emu, const uint64_t a[8])
{
    struct stat st;
    return put_stat64(emu, a[1], file_stat_at(emu, (uint64_t)D_AT_FDCWD_LINUX, a[0], true, &st), &st);
}

static int64_t bsd_lstat64(struct emu *emu, const uint64_t a[8])
{
    struct stat st;
    return put_stat64(emu, a[1], file_stat_at(emu, (uint64_t)D_AT_FDCWD_LINUX, a[0], false, &st), &st);
}

/* --- memory ---------------------------------------------------------------------- */

#define D_MAP_SHARED    0x0001
#define D_MAP_FIXED     0x0010
#define D_MAP_NORESERVE 0x0040
#define D_MAP_ANON      0x1000
#define L_MAP_SHARED    0x01
#define L_MAP_PRIVATE   0x02
#define L_MAP_FIXED     0x10
#define L_MAP_ANONYMOUS 0x20
#define L_MAP_NORESERVE 0x4000

/* (addr, len, prot, flags, fd, pos). With MAP_ANON, fd carries a VM tag (or -1).
 * Darwin-only flags (MAP_JIT, MAP_NOCACHE, MAP_RESILIENT_*) change nothing here. */
static int64_t bsd_mmap(struct emu *emu, const uint64_t a[8])
{
    uint64_t f = a[3];
    uint64_t lf = (f & D_MAP_SHARED ? L_MAP_SHARED : L_MAP_PRIVATE) |
                  (f & D_MAP_FIXED ? L_MAP_FIXED : 0) | (f & D_MAP_ANON ? L_MAP_ANONYMOUS : 0) |
                  (f & D_MAP_NORESERVE ? L_MAP_NORESERVE : 0);
    uint64_t b[6] = { a[0], a[1], a[2], lf, a[4], a[5] };
    return sys_mmap(emu, b);
}

static int64_t bsd_munmap(struct emu *emu, const uint64_t a[8]) { return sys_munmap(emu, a); }
static int64_t bsd_mprotect(struct emu *emu, const uint64_t a[8]) { return sys_mprotect(emu, a); }

#define D_MADV_DONTNEED      4
#define D_MADV_FREE          5
#define D_MADV_FREE_REUSABLE 7
#define D_MADV_FREE_REUSE    8
#define D_MADV_PAGEOUT       10
#define L_MADV_NORMAL        0
#define L_MADV_DONTNEED      4

/* libmalloc's MADV_FREE_REUSABLE and MADV_FREE_REUSE (vm/vm_reusable.c), with the
 * errors XNU's madvise gives for their kern_return_t. */
static int64_t reusable(struct emu *emu, const uint64_t a[8])
{
    uint64_t start = trunc_page(a[0]), end = round_page(a[0] + a[1]);
    if (end < start || end > VA_USER_END || (start == 0 && a[1] && a[2] == D_MADV_FREE_REUSABLE))
        return -EINVAL;
    kern_return_t kr = a[2] == D_MADV_FREE_REUSABLE
                           ? vm_map_reusable_pages(emu->task->map, start, end)
                           : vm_map_reuse_pages(emu->task->map, start, end);
    switch (kr) {
    case KERN_SUCCESS: return 0;
    case KERN_NO_SPACE: return -ENOMEM;
    case KERN_PROTECTION_FAILURE: return -EPERM;
    default: return -EINVAL;
    }
}

/* Darwin's MADV_DONTNEED keeps the data (it is only a hint); MADV_FREE lets the pages
 * go, which Linux's DONTNEED does. */
static int64_t bsd_madvise(struct emu *emu, const uint64_t a[8])
{
    if (a[2] > D_MADV_PAGEOUT)
        return -EINVAL;
    if (a[2] == D_MADV_FREE_REUSABLE || a[2] == D_MADV_FREE_REUSE)
        return reusable(emu, a);
    bool discard = a[2] == D_MADV_FREE;
    uint64_t b[6] = { a[0], a[1], discard ? L_MADV_DONTNEED : L_MADV_NORMAL };
    return sys_madvise(emu, b);
}

/* --- processes, signals, time ---------------------------------------------------- */

/* Parent: x0 = child's pid, x1 = 0. Child: x0 = 0, x1 = 1 (libc's fork looks at x1). */
static int64_t bsd_fork(struct emu *emu, const uint64_t a[8])
{
    (void)a;
    int64_t pid = task_fork(emu, 0, 0, 0, 0, 0);
    if (pid < 0)
        return pid;
    struct task *child = task_by_pid(emu, (int)pid);
    uint64_t nzcv = cpu_reg(emu, CPU_NZCV) & ~(1ull << 29);
    cpu_context_set_reg(child->ctx, CPU_X(0), 0);
    cpu_context_set_reg(child->ctx, CPU_X(1), 1);
    cpu_context_set_reg(child->ctx, CPU_NZCV, nzcv);
    cpu_set_reg(emu, CPU_X(1), 0);
    return pid;
}

static int64_t bsd_wait4(struct emu *emu, const uint64_t a[8]) { return sys_wait4(emu, a); }
static int64_t bsd_execve(struct emu *emu, const uint64_t a[8]) { return sys_execve(emu, a); }

/* kill(pid, signum, posix) with Darwin's signal numbers. */
static int64_t bsd_kill(struct emu *emu, const uint64_t a[8])
{
    int sig = a[1] ? linux_signo((int)a[1]) : 0;
    if (a[1] && (a[1] > 31 || !sig))
        return -EINVAL;
    uint64_t b[6] = { a[0], (uint64_t)sig };
    return sys_kill(emu, b);
}

/* (struct timeval *tp, struct timezone *tzp): timeval is { int64 sec; int32 usec }. */
static int64_t bsd_gettimeofday(struct emu *emu, const uint64_t a[8])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct { int64_t sec; int32_t usec, pad; } tv = { ts.tv_sec, (int32_t)(ts.tv_nsec / 1000), 0 };
    int32_t tz[2] = { 0, 0 };
    if (a[0] && copyout(emu, a[0], &tv, sizeof tv) < 0)
        return -EFAULT;
    return a[1] && copyout(emu, a[1], tz, sizeof tz) < 0 ? -EFAULT : 0;
}

#define BSD(nr, fn) [MACHEMU_SYS_##nr] = { #fn, (void *)bsd_##fn }
#define BSD_AS(nr, name, fn) [MACHEMU_SYS_##nr] = { name, (void *)bsd_##fn }
const struct darwin_call bsd_calls[BSD_NCALLS] = {
    BSD(exit, exit), BSD(fork, fork), BSD(read, read), BSD(write, write), BSD(open, open),
    BSD(close, close), BSD(wait4, wait4), BSD(unlink, unlink), BSD(getpid, getpid),
    BSD(getuid, getuid), BSD_AS(geteuid, "geteuid", getuid), BSD_AS(getgid, "getgid", getuid),
    BSD_AS(getegid, "getegid", getuid), BSD(kill, kill), BSD(getppid, getppid),
    BSD(execve, execve), BSD(munmap, munmap), BSD(mprotect, mprotect), BSD(madvise, madvise),
    BSD(gettimeofday, gettimeofday), BSD(mmap, mmap), BSD(lseek, lseek),
    BSD(stat64, stat64), BSD(fstat64, fstat64), BSD(lstat64, lstat64),
    [MACHEMU_SYS_memorystatus_control] = { "memorystatus_control",
                                           (void *)darwin_memorystatus_control },
};
