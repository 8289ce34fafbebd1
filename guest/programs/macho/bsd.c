/* bsd: Darwin BSD system calls with Darwin's numbers, flags, errno values and
 * layouts: files (open flags, lseek, fstat/stat, unlink), memory (mmap with MAP_ANON,
 * mprotect, madvise, munmap), processes (fork, wait4, kill with Darwin's signal
 * numbers, execve), time and ids. Works in the current directory (the guest root).
 *
 *   bsd            the checks, one line per area
 *   bsd child N    used by the exec check: prints its argument and exits with N
 *   bsd forks      forks children that exit at once, unreaped, until fork fails (the
 *                  machine's task limit); prints the errno, reaps them, forks again */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "guest_test.h"

static void files(void)
{
    int fd = open("bsd.tmp", O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0640);
    CHECK_ERRNO(10, fd >= 0);
    CHECK(11, open("bsd.tmp", O_RDWR | O_CREAT | O_EXCL, 0640) == -1 && errno == EEXIST);
    CHECK(12, write(fd, "hello, ", 7) == 7);
    close(fd);
    CHECK_ERRNO(13, (fd = open("bsd.tmp", O_WRONLY | O_APPEND)) >= 0);
    CHECK(14, write(fd, "darwin", 6) == 6);
    close(fd);
    CHECK_ERRNO(15, (fd = open("bsd.tmp", O_RDONLY | O_CLOEXEC)) >= 0);
    struct stat st;
    CHECK_ERRNO(16, fstat(fd, &st) == 0);
    CHECK(17, S_ISREG(st.st_mode) && st.st_size == 13 && (st.st_mode & 0777) == 0640);
    CHECK(18, lseek(fd, -6, SEEK_END) == 7);
    char buf[16] = { 0 };
    CHECK(19, read(fd, buf, sizeof buf) == 6 && !strcmp(buf, "darwin"));
    close(fd);
    CHECK(20, stat("bsd.tmp", &st) == 0 && st.st_size == 13 && st.st_nlink == 1);
    CHECK_ERRNO(21, unlink("bsd.tmp") == 0);
    CHECK(22, open("bsd.tmp", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(23, read(99, buf, 1) == -1 && errno == EBADF);
    printf("files: O_CREAT|O_EXCL, O_APPEND, lseek(SEEK_END), fstat and stat, unlink, "
           "EEXIST/ENOENT/EBADF\n");
}

static void memory(void)
{
    size_t len = 4 * 16384;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
    CHECK_ERRNO(30, p != MAP_FAILED);
    CHECK(31, p[0] == 0 && p[len - 1] == 0);
    memset(p, 0x5a, len);
    CHECK_ERRNO(32, mprotect(p, 16384, PROT_READ) == 0);
    CHECK(33, p[100] == 0x5a);
    CHECK_ERRNO(34, madvise(p + 16384, 16384, MADV_DONTNEED) == 0);
    CHECK(35, p[16384] == 0x5a);                 /* Darwin's DONTNEED keeps the data */
    CHECK_ERRNO(36, madvise(p + 2 * 16384, 16384, MADV_FREE) == 0);
    CHECK(37, madvise(p, 16384, 99) == -1 && errno == EINVAL);
    unsigned char *q = mmap(p + 3 * 16384, 16384, PROT_READ | PROT_WRITE,
                            MAP_ANON | MAP_PRIVATE | MAP_FIXED, -1, 0);
    CHECK(38, q == p + 3 * 16384 && q[0] == 0);
    CHECK_ERRNO(39, munmap(p, len) == 0);
    CHECK(40, mmap(NULL, 0, PROT_READ, MAP_ANON | MAP_PRIVATE, -1, 0) == MAP_FAILED &&
              errno == EINVAL);
    printf("memory: MAP_ANON zero fill, mprotect, madvise DONTNEED keeps data, MAP_FIXED, "
           "munmap\n");
}

static void processes(const char *self)
{
    pid_t me = getpid();
    CHECK(50, me > 0 && getppid() > 0 && getuid() == 501 && getgid() == 501);
    CHECK(51, kill(me, 0) == 0 && kill(99999, 0) == -1 && errno == ESRCH);
    int status;
    pid_t child = fork();
    CHECK_ERRNO(52, child >= 0);
    if (child == 0)
        _exit(7);
    CHECK(53, wait4(child, &status, 0, NULL) == child && WIFEXITED(status) &&
              WEXITSTATUS(status) == 7);
    child = fork();
    if (child == 0) {
        for (;;)
            getpid();              /* until the parent's signal */
    }
    CHECK(54, kill(child, SIGUSR1) == 0);
    CHECK(55, waitpid(child, &status, 0) == child && WIFSIGNALED(status) &&
              WTERMSIG(status) == SIGUSR1 && SIGUSR1 == 30);
    fflush(stdout);
    child = fork();
    if (child == 0) {
        char *argv[] = { (char *)self, "child", "9", NULL };
        execve(self, argv, environ);
        _exit(99);
    }
    CHECK(56, waitpid(child, &status, 0) == child && WIFEXITED(status) &&
              WEXITSTATUS(status) == 9);
    CHECK(57, wait(&status) == -1 && errno == ECHILD);
    printf("processes: ids, fork/wait4 exit 7, SIGUSR1 is Darwin's 30, execve, ECHILD\n");
}

static void time_and_errors(void)
{
    struct timeval tv;
    CHECK_ERRNO(60, gettimeofday(&tv, NULL) == 0);
    CHECK(61, tv.tv_sec > 1600000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    /* An unimplemented call: carry set, x0 = Darwin's ENOSYS (78). */
    register long x0 __asm__("x0") = 0;
    register long x16 __asm__("x16") = 9999;
    long carry;
    __asm__ volatile("svc #0x80\n\tcset %1, cs" : "+r"(x0), "=r"(carry) : "r"(x16) : "memory", "cc");
    CHECK(62, carry == 1 && x0 == 78 && ENOSYS == 78);
    printf("time and errors: gettimeofday, ENOSYS is 78 with the carry flag set\n");
}

/* The kernel's apple[] "executable_path=": this image's path inside the guest root. */
static const char *executable_path(char **apple)
{
    for (; *apple; apple++)
        if (!strncmp(*apple, "executable_path=", 16))
            return *apple + 16;
    return "/bsd";
}

static int forks(void)
{
    long n = 0;
    pid_t pid;
    while (n < 100000 && (pid = fork()) != 0) {
        if (pid < 0)
            break;
        n++;
    }
    if (pid == 0)
        _exit(3);
    int err = pid < 0 ? errno : 0, status;
    long reaped = 0;
    while (wait(&status) > 0)
        reaped += WIFEXITED(status) && WEXITSTATUS(status) == 3;
    CHECK(70, errno == ECHILD && reaped == n);
    CHECK_ERRNO(71, (pid = fork()) >= 0);
    if (pid == 0)
        _exit(4);
    CHECK(72, waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 4);
    printf("forks: errno %d%s after %ld children; all reaped, and fork works again\n", err,
           err == EAGAIN ? " (EAGAIN)" : "", n);
    return 0;
}

int main(int argc, char **argv, char **envp, char **apple)
{
    (void)envp;
    if (argc == 2 && !strcmp(argv[1], "forks"))
        return forks();
    if (argc == 3 && !strcmp(argv[1], "child")) {
        printf("exec'd child says %s\n", argv[2]);
        return atoi(argv[2]);
    }
    files();
    memory();
    processes(executable_path(apple));
    time_and_errors();
    return 0;
}
