/* The BSD system calls, as Darwin's libsystem_kernel wraps them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "syscall.h"

static int errno_value;

int *__error(void)
{
    return &errno_value;
}

long __bsd_syscall(long number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                   uint64_t a5)
{
    struct bsd_result r = bsd_call6(number, a0, a1, a2, a3, a4, a5);
    if (r.failed) {
        errno = (int)r.x0;
        return -1;
    }
    return (long)r.x0;
}

ssize_t read(int fd, void *buf, size_t n) { return SYSCALL(read, fd, buf, n); }
ssize_t write(int fd, const void *buf, size_t n) { return SYSCALL(write, fd, buf, n); }
int close(int fd) { return (int)SYSCALL(close, fd); }
off_t lseek(int fd, off_t offset, int whence) { return SYSCALL(lseek, fd, offset, whence); }
int unlink(const char *path) { return (int)SYSCALL(unlink, path); }
pid_t getpid(void) { return (pid_t)SYSCALL(getpid, 0); }
pid_t getppid(void) { return (pid_t)SYSCALL(getppid, 0); }
uid_t getuid(void) { return (uid_t)SYSCALL(getuid, 0); }
uid_t geteuid(void) { return (uid_t)SYSCALL(geteuid, 0); }
gid_t getgid(void) { return (gid_t)SYSCALL(getgid, 0); }
gid_t getegid(void) { return (gid_t)SYSCALL(getegid, 0); }
int kill(pid_t pid, int sig) { return (int)SYSCALL(kill, pid, sig, 1 /* POSIX */); }
int raise(int sig) { return kill(getpid(), sig); }
int getpagesize(void) { return 16384; }

long sysconf(int name)
{
    if (name == _SC_PAGESIZE)
        return getpagesize();
    errno = EINVAL;
    return -1;
}

int open(const char *path, int oflag, ...)
{
    int mode = 0;
    if (oflag & O_CREAT) {
        va_list ap;
        va_start(ap, oflag);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return (int)SYSCALL(open, path, oflag, mode);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    return (int)SYSCALL(execve, path, argv, envp);
}

void _exit(int status)
{
    SYSCALL(exit, status);
    __builtin_trap();
}

/* The kernel answers in both processes; x1 is 1 in the child. */
pid_t fork(void)
{
    struct bsd_result r = bsd_call6(MACHEMU_SYS_fork, 0, 0, 0, 0, 0, 0);
    if (r.failed) {
        errno = (int)r.x0;
        return -1;
    }
    return r.x1 ? 0 : (pid_t)r.x0;
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *rusage)
{
    return (pid_t)SYSCALL(wait4, pid, status, options, rusage);
}

pid_t waitpid(pid_t pid, int *status, int options) { return wait4(pid, status, options, 0); }
pid_t wait(int *status) { return wait4(-1, status, 0, 0); }

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    long r = SYSCALL(mmap, addr, len, prot, flags, fd, offset);
    return r == -1 ? MAP_FAILED : (void *)r;
}

int munmap(void *addr, size_t len) { return (int)SYSCALL(munmap, addr, len); }
int mprotect(void *addr, size_t len, int prot) { return (int)SYSCALL(mprotect, addr, len, prot); }
int madvise(void *addr, size_t len, int advice) { return (int)SYSCALL(madvise, addr, len, advice); }

int fstat(int fd, struct stat *buf) { return (int)SYSCALL(fstat64, fd, buf); }
int stat(const char *path, struct stat *buf) { return (int)SYSCALL(stat64, path, buf); }
int lstat(const char *path, struct stat *buf) { return (int)SYSCALL(lstat64, path, buf); }

int isatty(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return 0;
    if (!S_ISCHR(st.st_mode)) {
        errno = ENOTTY;
        return 0;
    }
    return 1;
}

int gettimeofday(struct timeval *tp, void *tzp) { return (int)SYSCALL(gettimeofday, tp, tzp); }

time_t time(time_t *tloc)
{
    struct timeval tv;
    if (gettimeofday(&tv, 0) < 0)
        return -1;
    if (tloc)
        *tloc = tv.tv_sec;
    return tv.tv_sec;
}
