/* sleeper: long and huge timeouts, which must neither overflow nor hold the machine.
 *   sleeper sleep SECONDS   prints, sleeps in nanosleep, prints again (a debugger's or a
 *                           shell's Ctrl-C must get through meanwhile)
 *   sleeper block read|select   waits for ever for a pipe nobody writes to (as sleep)
 *   sleeper timeouts        ppoll, pselect6 and the sleeps with ordinary, zero and huge
 *                           timespecs;
 *                           exit 0, one line per check
 */
#include "guest_test.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* Writable: Linux writes the time left back into ppoll's timespec. */
static struct timespec huge_ts(void) { return (struct timespec){ INT64_MAX, 999999999 }; }

static double now_s(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The raw system call: glibc would check or convert the timespec first. */
static long ppoll_raw(struct pollfd *fds, nfds_t n, const struct timespec *ts) {
  return syscall(SYS_ppoll, fds, n, ts, NULL, 8);
}

static void check_ppoll(void) {
  int p[2];
  CHECK_ERRNO(10, pipe(p) == 0);
  struct pollfd fd = { .fd = p[0], .events = POLLIN };
  struct timespec zero = { 0, 0 }, ms20 = { 0, 20000000 }, bad = { 1, 1000000000 };
  double t0 = now_s(CLOCK_MONOTONIC);
  CHECK(11, ppoll_raw(&fd, 1, &zero) == 0);
  CHECK(12, ppoll_raw(&fd, 1, &ms20) == 0 && now_s(CLOCK_MONOTONIC) - t0 >= 0.019);
  printf("ppoll on an empty pipe: 0 at once with {0,0}, 0 after 20 ms with {0,20ms}\n");
  CHECK(13, ppoll_raw(&fd, 1, &bad) == -1 && errno == EINVAL);
  printf("ppoll with tv_nsec = 1e9: EINVAL\n");
  CHECK_ERRNO(14, write(p[1], "x", 1) == 1);
  t0 = now_s(CLOCK_MONOTONIC);
  struct timespec huge = huge_ts();
  CHECK(15, ppoll_raw(&fd, 1, &huge) == 1 && (fd.revents & POLLIN));
  CHECK(16, ppoll_raw(&fd, 1, NULL) == 1);
  CHECK(17, now_s(CLOCK_MONOTONIC) - t0 < 5);
  printf("ppoll on a ready pipe with {INT64_MAX, 999999999} and with no timeout: 1 at once\n");
  close(p[0]);
  close(p[1]);
}

static long pselect_raw(int n, fd_set *r, fd_set *w, struct timespec *ts) {
  return syscall(SYS_pselect6, n, r, w, NULL, ts, NULL);
}

static void check_pselect(void) {
  int p[2];
  CHECK_ERRNO(40, pipe(p) == 0);
  fd_set r, w;
  struct timespec zero = { 0, 0 }, ms20 = { 0, 20000000 }, bad = { 0, -1 };
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  double t0 = now_s(CLOCK_MONOTONIC);
  CHECK(41, pselect_raw(p[0] + 1, &r, NULL, &zero) == 0 && !FD_ISSET(p[0], &r));
  FD_SET(p[0], &r);
  CHECK(42, pselect_raw(p[0] + 1, &r, NULL, &ms20) == 0 && now_s(CLOCK_MONOTONIC) - t0 >= 0.019);
  printf("pselect6 on an empty pipe: 0 at once with {0,0}, 0 after 20 ms with {0,20ms}\n");
  FD_SET(p[0], &r);
  CHECK(43, pselect_raw(p[0] + 1, &r, NULL, &bad) == -1 && errno == EINVAL);
  printf("pselect6 with tv_nsec = -1: EINVAL\n");
  CHECK_ERRNO(44, write(p[1], "x", 1) == 1);
  struct timespec huge = huge_ts();
  FD_ZERO(&w);
  FD_SET(p[0], &r);
  FD_SET(p[1], &w);
  t0 = now_s(CLOCK_MONOTONIC);
  CHECK(45, pselect_raw(p[1] + 1, &r, &w, &huge) == 2 && FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
  FD_SET(p[0], &r);
  CHECK(46, select(p[0] + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &r));
  CHECK(47, now_s(CLOCK_MONOTONIC) - t0 < 5);
  printf("pselect6 with {INT64_MAX, 999999999}, select with none: the ready fds at once\n");
  close(p[1]);
  FD_ZERO(&r);
  FD_SET(p[1], &r);
  CHECK(48, pselect_raw(p[1] + 1, &r, NULL, &zero) == -1 && errno == EBADF);
  printf("pselect6 on a closed fd: EBADF\n");
  close(p[0]);
}

static void on_usr1(int sig) { (void)sig; }

/* A child sleeps for ever; its parent runs meanwhile and interrupts it with a signal. */
static void check_huge_sleep(int clock_call) {
  int p[2];
  CHECK_ERRNO(20, pipe(p) == 0);
  pid_t c = fork();
  CHECK_ERRNO(21, c >= 0);
  if (c == 0) {
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigaction(SIGUSR1, &sa, NULL);
    close(p[0]);
    CHECK_ERRNO(22, write(p[1], "r", 1) == 1);
    struct timespec rem = { 0, 0 }, huge = huge_ts();
    int rc = clock_call ? (int)syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &huge, &rem)
                        : (int)syscall(SYS_nanosleep, &huge, &rem);
    int err = rc < 0 ? errno : clock_call ? rc : 0;
    printf("  %s(INT64_MAX s) interrupted by a handler: %s, rem %s\n",
           clock_call ? "clock_nanosleep" : "nanosleep", err == EINTR ? "EINTR" : strerror(err),
           rem.tv_sec > 1000000 ? "huge" : "small");
    fflush(stdout);
    _exit(err == EINTR ? 0 : 1);
  }
  close(p[1]);
  char b;
  CHECK_ERRNO(23, read(p[0], &b, 1) == 1);
  struct timespec ms50 = { 0, 50000000 };
  nanosleep(&ms50, NULL);
  CHECK_ERRNO(24, kill(c, SIGUSR1) == 0);
  int st;
  CHECK_ERRNO(25, waitpid(c, &st, 0) == c);
  CHECK(26, WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(p[0]);
}

static void check_sleeps(void) {
  struct timespec ms30 = { 0, 30000000 }, bad = { 0, 1000000000 }, neg = { -1, 0 };
  double t0 = now_s(CLOCK_MONOTONIC);
  CHECK(30, nanosleep(&ms30, NULL) == 0 && now_s(CLOCK_MONOTONIC) - t0 >= 0.029);
  printf("nanosleep 30 ms: 0, at least 30 ms\n");
  CHECK(31, syscall(SYS_nanosleep, &bad, NULL) == -1 && errno == EINVAL);
  CHECK(32, syscall(SYS_nanosleep, &neg, NULL) == -1 && errno == EINVAL);
  printf("nanosleep with tv_nsec = 1e9 or tv_sec < 0: EINVAL\n");
  /* An absolute deadline 30 ms ahead, on CLOCK_MONOTONIC and CLOCK_REALTIME. */
  clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
  for (int i = 0; i < 2; i++) {
    struct timespec at;
    clock_gettime(clocks[i], &at);
    at.tv_nsec += 30000000;
    if (at.tv_nsec >= 1000000000) {
      at.tv_sec++;
      at.tv_nsec -= 1000000000;
    }
    t0 = now_s(CLOCK_MONOTONIC);
    CHECK(33, clock_nanosleep(clocks[i], TIMER_ABSTIME, &at, NULL) == 0);
    CHECK(34, now_s(CLOCK_MONOTONIC) - t0 >= 0.025);
  }
  struct timespec past = { 1, 0 };
  CHECK(35, clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0);
  printf("clock_nanosleep TIMER_ABSTIME: to the deadline, or at once for one passed\n");
  check_huge_sleep(0);
  check_huge_sleep(1);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
    struct timespec ts = { atol(argv[2]), 0 };
    printf("sleeping %ld s\n", (long)ts.tv_sec);
    fflush(stdout);
    int rc = nanosleep(&ts, NULL);
    printf("slept: %d\n", rc);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "block") == 0) {
    int p[2];
    char b;
    CHECK_ERRNO(2, pipe(p) == 0);
    printf("waiting in %s\n", argv[2]);
    fflush(stdout);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    long rc = strcmp(argv[2], "read") == 0 ? read(p[0], &b, 1) : select(p[0] + 1, &r, NULL, NULL, NULL);
    printf("%s returned %ld\n", argv[2], rc);
    return 0;
  }
  CHECK(1, argc == 2 && strcmp(argv[1], "timeouts") == 0);
  setvbuf(stdout, NULL, _IOLBF, 0);
  check_ppoll();
  check_pselect();
  check_sleeps();
  return 0;
}
