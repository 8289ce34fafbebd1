/* bench_vm: cost of one fault of each kind, timed inside the guest (benchmark only).
 * Usage: bench_vm MODE MB
 *   soft    pages resident but unmapped (mprotect NONE then RW): re-touch each page
 *   cow     after fork, the child writes one byte per page of MB its parent wrote
 *           (three rounds, the last reported: the first copies land in host
 *           memory never touched before, which costs the host a page clear)
 *   pagein  a MB file mapped, touched, unmapped, mapped again, touched (timed)
 *   fork    fork() of a task with MB resident, until the parent returns
 * Prints "MODE: N faults, T us each" (fork: "fork: MB MB resident, T us"). One
 * byte per 16 KB, so there is one fault per touch with 4 KB or 16 KB pages. */
#include "guest_test.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define STEP 16384

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double touch(volatile unsigned char *p, size_t len, int write)
{
    double t0 = now_us();
    unsigned sum = 0;
    for (size_t off = 0; off < len; off += STEP) {
        if (write)
            p[off] = 1;
        else
            sum += p[off];
    }
    (void)sum;
    return now_us() - t0;
}

static unsigned char *anon(size_t len)
{
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(3, p != MAP_FAILED);
    return p;
}

static void report(const char *mode, size_t len, double us)
{
    size_t n = len / STEP;
    printf("%s: %zu faults, %.3f us each\n", mode, n, us / (double)n);
}

static void bench_soft(size_t len)
{
    unsigned char *p = anon(len);
    touch(p, len, 1);
    CHECK_ERRNO(4, mprotect(p, len, PROT_NONE) == 0);
    CHECK_ERRNO(5, mprotect(p, len, PROT_READ | PROT_WRITE) == 0);
    report("soft", len, touch(p, len, 0));
}

static void bench_cow(size_t len)
{
    unsigned char *p = anon(len);
    touch(p, len, 1);
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        CHECK_ERRNO(6, pid >= 0);
        if (pid == 0) {
            double us = touch(p, len, 1);
            if (round == 2)
                report("cow", len, us);
            fflush(stdout);
            _exit(0);
        }
        int st;
        CHECK_ERRNO(7, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

static void bench_pagein(size_t len)
{
    int fd = open("bench_vm.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_ERRNO(8, fd >= 0);
    static unsigned char buf[1 << 16];
    memset(buf, 0x5a, sizeof buf);
    for (size_t done = 0; done < len; done += sizeof buf)
        CHECK_ERRNO(9, write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
    for (int round = 0; round < 2; round++) {
        unsigned char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        CHECK_ERRNO(10, p != MAP_FAILED);
        double us = touch(p, len, 0);
        if (round == 1)
            report("pagein", len, us);
        CHECK_ERRNO(11, munmap(p, len) == 0);
    }
    close(fd);
    unlink("bench_vm.data");
}

static void bench_fork(size_t len)
{
    unsigned char *p = anon(len);
    touch(p, len, 1);
    double t0 = now_us();
    pid_t pid = fork();
    CHECK_ERRNO(12, pid >= 0);
    if (pid == 0)
        _exit(0);
    double us = now_us() - t0;
    int st;
    CHECK_ERRNO(13, waitpid(pid, &st, 0) == pid);
    printf("fork: %zu MB resident, %.1f us\n", len >> 20, us);
}

int main(int argc, char **argv)
{
    CHECK(1, argc == 3);
    size_t len = (size_t)atol(argv[2]) << 20;
    CHECK(2, len > 0);
    if (!strcmp(argv[1], "soft"))
        bench_soft(len);
    else if (!strcmp(argv[1], "cow"))
        bench_cow(len);
    else if (!strcmp(argv[1], "pagein"))
        bench_pagein(len);
    else if (!strcmp(argv[1], "fork"))
        bench_fork(len);
    else
        CHECK(14, 0);
    return 0;
}
