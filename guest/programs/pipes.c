/* pipes: pipes, exec and signals as real programs use them (issue 18, point 5), one area
 * per argument: bigpipe (writes far larger than a pipe between two tasks, both ways),
 * nonblock (a partial write, then EAGAIN), partial (a handler interrupts a big write:
 * it returns what it moved), sigpipe (a write to a pipe nobody reads: SIGPIPE kills, or
 * EPIPE when ignored), epipe-stdout (writes to stdout until EPIPE, SIGPIPE ignored: run
 * with stdout a pipe closed early), timers (setitimer, alarm, pause, getitimer; a timer
 * ending a sleep; one firing while the task computes), select (select and pselect6:
 * readiness, a timeout with the time left written back, EINTR from a handler, pselect6's
 * mask), script (execve of a #! script and of a file with no known format: run with the
 * program copied to /pipes in the root), epoll (epoll_create1, epoll_ctl, epoll_pwait),
 * ptimers (timer_create and friends). Each check has its own exit status; stdout is
 * the same under every kernel. */
#include "guest_test.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define BIG (1u << 20)

static uint64_t pattern_sum(size_t n, unsigned seed) {
  uint64_t h = GUEST_FNV_INIT;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)(i * seed + i / 977);
    h = guest_fnv1a(&c, 1, h);
  }
  return h;
}

static void fill(char *b, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) b[i] = (char)(i * seed + i / 977);
}

/* Reads fd to its end; the FNV hash of all of it, the count in *n. */
static uint64_t drain(int fd, size_t *n) {
  static char buf[65536];
  uint64_t h = GUEST_FNV_INIT;
  *n = 0;
  for (ssize_t r; (r = read(fd, buf, sizeof buf)) != 0;) {
    if (r < 0) {
      if (errno == EINTR) continue;
      guest_fail_errno(19, __FILE__, __LINE__, "read", errno);
    }
    h = guest_fnv1a(buf, (size_t)r, h);
    *n += (size_t)r;
  }
  return h;
}

static void t_bigpipe(void) {
  char *buf = malloc(BIG);
  CHECK(10, buf != NULL);
  int down[2], up[2];
  CHECK_ERRNO(11, pipe(down) == 0 && pipe(up) == 0);
  pid_t pid = fork();
  CHECK_ERRNO(12, pid >= 0);
  if (pid == 0) {   /* reads all the parent sends, then sends 200000 bytes in one write */
    close(down[1]);
    close(up[0]);
    size_t n;
    uint64_t h = drain(down[0], &n);
    if (n != BIG || h != pattern_sum(BIG, 3)) _exit(1);
    fill(buf, 200000, 5);
    if (write(up[1], buf, 200000) != 200000) _exit(2);
    _exit(0);
  }
  close(down[0]);
  close(up[1]);
  fill(buf, BIG, 3);
  CHECK_ERRNO(13, write(down[1], buf, BIG) == BIG);   /* 16 pipes' worth in one call */
  close(down[1]);
  size_t n;
  uint64_t h = drain(up[0], &n);
  CHECK(14, n == 200000 && h == pattern_sum(200000, 5));
  int st;
  CHECK(15, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  free(buf);
  printf("bigpipe: 1 MB down and 200000 bytes up, each in one write\n");
}

static void t_nonblock(void) {
  char *buf = malloc(BIG);
  CHECK(20, buf != NULL);
  memset(buf, 'x', BIG);
  int p[2];
  CHECK_ERRNO(21, pipe2(p, O_NONBLOCK) == 0);
  ssize_t n = write(p[1], buf, BIG);
  CHECK_ERRNO(22, n > 0 && n < (ssize_t)BIG);
  errno = 0;
  CHECK(23, write(p[1], buf, BIG) == -1 && errno == EAGAIN);
  CHECK(24, read(p[0], buf, 100) == 100);
  close(p[0]);
  close(p[1]);
  free(buf);
  printf("nonblock: a partial write, then EAGAIN\n");
}

static volatile sig_atomic_t hits;
static void on_sig(int s) { (void)s; hits++; }

static void t_partial(void) {
  char *buf = malloc(BIG);
  CHECK(30, buf != NULL);
  memset(buf, 'y', BIG);
  struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_RESTART };
  sigaction(SIGUSR1, &sa, NULL);
  int p[2];
  CHECK_ERRNO(31, pipe(p) == 0);
  pid_t pid = fork();
  if (pid == 0) {   /* takes 100000 bytes, then interrupts the writer */
    close(p[1]);
    static char b[100000];
    size_t got = 0;
    while (got < sizeof b) {
      ssize_t r = read(p[0], b + got, sizeof b - got);
      if (r <= 0) _exit(1);
      got += (size_t)r;
    }
    kill(getppid(), SIGUSR1);
    for (;;) pause();   /* the read end stays open: the writer waits for room */
  }
  close(p[0]);
  ssize_t n = write(p[1], buf, BIG);
  CHECK_ERRNO(32, n >= 100000 && n < (ssize_t)BIG && hits == 1);
  kill(pid, SIGKILL);
  int st;
  CHECK(33, waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  close(p[1]);
  signal(SIGUSR1, SIG_DFL);
  free(buf);
  printf("partial: an interrupted write returns what it moved\n");
}

static void t_sigpipe(void) {
  int p[2];
  CHECK_ERRNO(40, pipe(p) == 0);
  close(p[0]);
  pid_t pid = fork();
  if (pid == 0) {
    write(p[1], "x", 1);
    _exit(0);   /* not reached */
  }
  int st;
  CHECK(41, waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  CHECK(42, write(p[1], "x", 1) == -1 && errno == EPIPE);
  signal(SIGPIPE, on_sig);
  hits = 0;
  CHECK(43, write(p[1], "x", 1) == -1 && errno == EPIPE && hits == 1);
  close(p[1]);
  signal(SIGPIPE, SIG_DFL);
  printf("sigpipe: SIGPIPE kills a writer; ignored or handled, EPIPE\n");
}

/* Meant for `pipes epipe-stdout | head -c 5`: the emulator must live to report it. */
static void t_epipe_stdout(void) {
  signal(SIGPIPE, SIG_IGN);
  static char line[4096];
  memset(line, 'y', sizeof line);
  for (long i = 0; i < 1000000; i++)
    if (write(1, line, sizeof line) < 0) {
      guest_puts_fd(2, errno == EPIPE ? "epipe-stdout: EPIPE\n" : "epipe-stdout: other error\n");
      exit(errno == EPIPE ? 7 : 8);
    }
  exit(9);
}

static void t_timers(void) {
  struct sigaction sa = { .sa_handler = on_sig };
  sigaction(SIGALRM, &sa, NULL);
  hits = 0;
  struct itimerval it = { { 0, 0 }, { 0, 50000 } }, old;
  CHECK_ERRNO(50, setitimer(ITIMER_REAL, &it, NULL) == 0);
  CHECK_ERRNO(51, getitimer(ITIMER_REAL, &old) == 0 && old.it_value.tv_usec <= 50000 &&
                      old.it_value.tv_sec == 0 && (old.it_value.tv_usec > 0));
  errno = 0;
  CHECK(52, pause() == -1 && errno == EINTR && hits == 1);
  CHECK(53, getitimer(ITIMER_REAL, &old) == 0 && old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
  /* alarm: the seconds left come back; alarm(0) disarms. */
  CHECK(54, alarm(100) == 0);
  CHECK(55, alarm(0) >= 99);
  /* A timer ends a long sleep with EINTR. */
  hits = 0;
  it.it_value.tv_usec = 20000;
  setitimer(ITIMER_REAL, &it, NULL);
  struct timespec ts = { 30, 0 }, rem;
  CHECK(56, nanosleep(&ts, &rem) == -1 && errno == EINTR && hits == 1 && rem.tv_sec > 20);
  /* An interval timer fires while the task computes. */
  hits = 0;
  struct itimerval every = { { 0, 10000 }, { 0, 10000 } };
  setitimer(ITIMER_REAL, &every, NULL);
  volatile uint64_t spin = 0;
  while (hits < 3) spin++;
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  CHECK_ERRNO(57, setitimer(ITIMER_REAL, &off, &old) == 0 && old.it_interval.tv_usec == 10000);
  errno = 0;
  CHECK(58, setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 1000000 } }, NULL) == -1 &&
                errno == EINVAL);
  signal(SIGALRM, SIG_DFL);
  printf("timers: pause ended by setitimer, alarm, a sleep ended, an interval while computing\n");
}

static volatile sig_atomic_t tcode, tvalue;
static void on_timer(int s, siginfo_t *si, void *uc) {
  (void)s; (void)uc;
  hits++;
  tcode = si->si_code;
  tvalue = si->si_value.sival_int;
}

static void t_ptimers(void) {
  struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };
  sigaction(SIGUSR2, &sa, NULL);
  struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2,
                         .sigev_value.sival_int = 55 };
  timer_t tm;
  CHECK_ERRNO(100, timer_create(CLOCK_MONOTONIC, &ev, &tm) == 0);
  struct itimerspec its = { { 0, 0 }, { 0, 20000000 } }, cur;
  hits = 0;
  CHECK_ERRNO(101, timer_settime(tm, 0, &its, NULL) == 0);
  CHECK_ERRNO(102, timer_gettime(tm, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
  errno = 0;
  CHECK(103, pause() == -1 && errno == EINTR && hits == 1 && tcode == SI_TIMER && tvalue == 55);
  CHECK(104, timer_gettime(tm, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
  /* An interval while the task computes. */
  hits = 0;
  its = (struct itimerspec){ { 0, 5000000 }, { 0, 5000000 } };
  CHECK_ERRNO(105, timer_settime(tm, 0, &its, NULL) == 0);
  volatile uint64_t spin = 0;
  while (hits < 3) spin++;
  CHECK(106, timer_getoverrun(tm) >= 0);
  /* An absolute time on CLOCK_REALTIME. */
  timer_t rt;
  CHECK_ERRNO(107, timer_create(CLOCK_REALTIME, &ev, &rt) == 0);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  now.tv_nsec += 20000000;
  if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
  its = (struct itimerspec){ { 0, 0 }, now };
  CHECK_ERRNO(108, timer_delete(tm) == 0);
  hits = 0;
  CHECK_ERRNO(109, timer_settime(rt, TIMER_ABSTIME, &its, NULL) == 0);
  errno = 0;
  CHECK(110, pause() == -1 && errno == EINTR && hits == 1);
  /* SIGEV_NONE counts down and sends nothing. */
  timer_t quiet;
  struct sigevent none = { .sigev_notify = SIGEV_NONE };
  CHECK_ERRNO(111, timer_create(CLOCK_MONOTONIC, &none, &quiet) == 0);
  its = (struct itimerspec){ { 0, 0 }, { 100, 0 } };
  CHECK_ERRNO(112, timer_settime(quiet, 0, &its, NULL) == 0 && timer_gettime(quiet, &cur) == 0 &&
                       cur.it_value.tv_sec >= 99 && cur.it_value.tv_sec <= 100);
  its.it_value.tv_nsec = 1000000000;
  errno = 0;
  CHECK(113, timer_settime(quiet, 0, &its, NULL) == -1 && errno == EINVAL);
  CHECK(114, timer_delete(quiet) == 0 && timer_delete(rt) == 0);
  signal(SIGUSR2, SIG_DFL);
  printf("ptimers: one-shot with its value, an interval while computing, TIMER_ABSTIME, SIGEV_NONE\n");
}

static void t_select(void) {
  int p[2];
  CHECK_ERRNO(60, pipe(p) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    write(p[1], "!", 1);
    _exit(0);
  }
  fd_set r;
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  struct timeval tv = { 10, 0 };
  CHECK_ERRNO(61, select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r));
  CHECK(62, tv.tv_sec < 10 && tv.tv_sec >= 8);   /* the time left, written back */
  waitpid(pid, NULL, 0);
  char c;
  CHECK(63, read(p[0], &c, 1) == 1);
  /* Nothing comes: a timeout, with nothing left. */
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  tv = (struct timeval){ 0, 30000 };
  CHECK(64, select(p[0] + 1, &r, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &r) && tv.tv_usec == 0);
  /* A handler ends select with EINTR, even with SA_RESTART. */
  struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_RESTART };
  sigaction(SIGALRM, &sa, NULL);
  hits = 0;
  setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 20000 } }, NULL);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  errno = 0;
  CHECK(65, select(p[0] + 1, &r, NULL, NULL, NULL) == -1 && errno == EINTR && hits == 1);
  /* pselect's mask: SIGUSR1 blocked outside, let in during the call. */
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t block, none;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &block, NULL);
  hits = 0;
  raise(SIGUSR1);
  CHECK(66, hits == 0);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  struct timespec ts = { 5, 0 };
  errno = 0;
  CHECK(67, pselect(p[0] + 1, &r, NULL, NULL, &ts, &none) == -1 && errno == EINTR && hits == 1);
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  CHECK(68, sigismember(&now, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  /* ppoll with no fds and a mask that lets a pending signal in. */
  sigprocmask(SIG_BLOCK, &block, NULL);
  hits = 0;
  raise(SIGUSR1);
  errno = 0;
  CHECK(69, ppoll(NULL, 0, &ts, &none) == -1 && errno == EINTR && hits == 1);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  signal(SIGALRM, SIG_DFL);
  signal(SIGUSR1, SIG_DFL);
  close(p[0]);
  close(p[1]);
  printf("select: ready, timed out, interrupted, pselect6 and ppoll masks\n");
}

static void t_epoll(void) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  CHECK_ERRNO(80, ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC);
  int p[2];
  CHECK_ERRNO(81, pipe(p) == 0);
  struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ull }, out[4];
  CHECK_ERRNO(82, epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
  errno = 0;
  CHECK(83, epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST);
  CHECK(84, epoll_wait(ep, out, 4, 0) == 0);
  CHECK(85, epoll_wait(ep, out, 4, 30) == 0);   /* a timeout */
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts = { 0, 30000000 };
    nanosleep(&ts, NULL);
    write(p[1], "e", 1);
    _exit(0);
  }
  CHECK_ERRNO(86, epoll_wait(ep, out, 4, -1) == 1 && out[0].events == EPOLLIN &&
                      out[0].data.u64 == 0x1122334455667788ull);
  waitpid(pid, NULL, 0);
  int e = eventfd(0, 0);
  ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = 9 };
  CHECK_ERRNO(87, epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev) == 0);
  uint64_t one = 1;
  CHECK(88, write(e, &one, 8) == 8 && epoll_wait(ep, out, 4, 0) == 2);
  CHECK_ERRNO(89, epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
  CHECK(90, epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u32 == 9);
  ev.events = EPOLLOUT;
  CHECK(91, epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == -1 && errno == ENOENT);
  CHECK(92, epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL);
  CHECK(93, epoll_ctl(ep, EPOLL_CTL_ADD, 77, &ev) == -1 && errno == EBADF);
  /* A handler ends a wait with EINTR. */
  struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_RESTART };
  sigaction(SIGALRM, &sa, NULL);
  setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 20000 } }, NULL);
  errno = 0;
  CHECK(94, epoll_wait(ep, out, 4, 0) == 1 && read(e, &one, 8) == 8);
  CHECK(95, epoll_wait(ep, out, 4, -1) == -1 && errno == EINTR);
  signal(SIGALRM, SIG_DFL);
  close(e); close(ep); close(p[0]); close(p[1]);
  printf("epoll: add, wait (timeout, ready, across a fork), mod, del, eventfd, EINTR\n");
}

static void t_script(void) {
  int fd = open("s.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
  CHECK_ERRNO(70, fd >= 0);
  const char *text = "#! /pipes  interp-mode \necho not run\n";
  CHECK(71, write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  fd = open("junk", O_WRONLY | O_CREAT | O_TRUNC, 0755);
  CHECK(72, fd >= 0 && write(fd, "plain words\n", 12) == 12);
  close(fd);
  fd = open("nointerp.sh", O_WRONLY | O_CREAT | O_TRUNC, 0755);
  CHECK(73, fd >= 0 && write(fd, "#!/missing\n", 11) == 11);
  close(fd);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = { "s.sh", "a", "b c", NULL };
    execv("./s.sh", argv);
    _exit(100 + errno);
  }
  int st;
  CHECK(74, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char *argv[] = { "junk", NULL };
  errno = 0;
  CHECK(75, execv("./junk", argv) == -1 && errno == ENOEXEC);
  CHECK(76, execv("./nointerp.sh", argv) == -1 && errno == ENOENT);
  printf("script: a #! script runs its interpreter; ENOEXEC, ENOENT\n");
}

/* The interpreter of t_script's script: shows the argv the kernel built. */
static int interp(int argc, char **argv) {
  printf("interpreter argv:");
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\n");
  return 0;
}

static const struct { const char *name; void (*fn)(void); } areas[] = {
  { "bigpipe", t_bigpipe }, { "nonblock", t_nonblock }, { "partial", t_partial },
  { "sigpipe", t_sigpipe }, { "epipe-stdout", t_epipe_stdout }, { "timers", t_timers },
  { "select", t_select }, { "script", t_script }, { "epoll", t_epoll },
  { "ptimers", t_ptimers },
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "interp-mode")) return interp(argc, argv);
  for (size_t i = 0; argc > 1 && i < sizeof areas / sizeof *areas; i++)
    if (!strcmp(argv[1], areas[i].name)) {
      areas[i].fn();
      return 0;
    }
  fprintf(stderr, "usage: pipes AREA (bigpipe, nonblock, partial, sigpipe, epipe-stdout, "
                  "timers, select, script)\n");
  return 2;
}
