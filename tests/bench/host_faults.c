/* host_faults: the host kernel's own page-fault costs, the physical anchor beside
 * machemu's fault figures in scripts/bench.sh (a native program, no emulator).
 * Usage: host_faults MB
 * Prints two lines, in microseconds per 16 KB (machemu's page) and per host page:
 *   zero-fill: MB of fresh anonymous memory, one byte written per host page;
 *   cow: MB written, then fork, and the child writes one byte per host page.
 * Each is the best of three rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char *fresh(size_t len)
{
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("host_faults: mmap");
        exit(1);
    }
    return p;
}

static double touch(char *p, size_t len, size_t step, char v)
{
    double t0 = now_us();
    for (size_t off = 0; off < len; off += step)
        p[off] = v;
    return now_us() - t0;
}

/* The child's time to write every page of what it shares with its parent. */
static double cow_round(char *p, size_t len, size_t step)
{
    int fds[2];
    double us = -1;
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        double t = touch(p, len, step, 2);
        (void)!write(fds[1], &t, sizeof t);
        _exit(0);
    }
    close(fds[1]);
    if (pid > 0 && read(fds[0], &us, sizeof us) != sizeof us)
        us = -1;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return us;
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: host_faults MB\n");
        return 2;
    }
    size_t len = (size_t)atoi(argv[1]) << 20, step = (size_t)sysconf(_SC_PAGESIZE);
    double pages = (double)(len / step), per16k = 16384.0 / (double)step;
    double zero = 1e30, cow = 1e30;
    for (int r = 0; r < 3; r++) {
        char *p = fresh(len);
        double t = touch(p, len, step, 1);
        zero = t < zero ? t : zero;
        double c = cow_round(p, len, step);
        if (c >= 0 && c < cow)
            cow = c;
        munmap(p, len);
    }
    printf("zero-fill: %.3f us per 16 KB (%.3f us per %zu-byte host page)\n",
           zero / pages * per16k, zero / pages, step);
    printf("cow: %.3f us per 16 KB (%.3f us per %zu-byte host page)\n",
           cow / pages * per16k, cow / pages, step);
    return 0;
}
