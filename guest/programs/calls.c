/* calls: the Linux system calls everyday programs make (mv, sed -i, touch, chmod, mkfifo,
 * shells' job control, ulimit, nproc, cat's sendfile), one area per argument (all of them
 * without one): rename, utimes, chmod, chown, fifo, pgrp, creds, sigsuspend, sendfile,
 * socket, statx, affinity, rlimit, rseq, siginfo, linkfd; and, named only, inet (machemu's refusal of
 * other socket families) and unknown (calls machemu does not implement). Each check has its own exit status; stdout holds
 * only what is the same under every kernel (no pids, ids, times or addresses). Works in
 * the current directory. */
#include "guest_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

static void put_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(90, fd >= 0);
  CHECK_ERRNO(91, write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
}

static const char *get_file(const char *path) {
  static char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return strerror(errno);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  return buf;
}

/* renameat has no flags: garbage left in x4 must not matter (mv, sed -i, rename()). */
static void t_rename(void) {
  put_file("calls_a", "one");
  CHECK_ERRNO(10, syscall(SYS_renameat, AT_FDCWD, "calls_a", AT_FDCWD, "calls_b", 0x5555) == 0);
  CHECK(11, !strcmp(get_file("calls_b"), "one"));
  CHECK_ERRNO(12, rename("calls_b", "calls_c") == 0);
  put_file("calls_a", "two");
  errno = 0;
  CHECK(13, syscall(SYS_renameat2, AT_FDCWD, "calls_a", AT_FDCWD, "calls_c", 1 /* NOREPLACE */) == -1 &&
                errno == EEXIST);
  CHECK(14, syscall(SYS_renameat2, AT_FDCWD, "calls_a", AT_FDCWD, "calls_c", 0x100) == -1 &&
                errno == EINVAL);
  CHECK_ERRNO(15, syscall(SYS_renameat2, AT_FDCWD, "calls_a", AT_FDCWD, "calls_c", 2 /* EXCHANGE */) == 0);
  CHECK(16, !strcmp(get_file("calls_c"), "two") && !strcmp(get_file("calls_a"), "one"));
  unlink("calls_a");
  unlink("calls_c");
  printf("rename: renameat ignores x4, renameat2 flags honoured\n");
}

static void t_utimes(void) {
  put_file("calls_t", "x");
  struct timespec ts[2] = { { 1000000000, 5 }, { 1234567890, 123456789 } };
  CHECK_ERRNO(20, utimensat(AT_FDCWD, "calls_t", ts, 0) == 0);
  struct stat st;
  CHECK_ERRNO(21, stat("calls_t", &st) == 0);
  CHECK(22, st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 5);
  CHECK(23, st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 123456789);
  struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
  int fd = open("calls_t", O_RDONLY);
  CHECK_ERRNO(24, futimens(fd, omit_now) == 0);
  CHECK_ERRNO(25, fstat(fd, &st) == 0);
  CHECK(26, st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1234567890);
  close(fd);
  CHECK_ERRNO(27, symlink("calls_t", "calls_l") == 0);
  CHECK_ERRNO(28, utimensat(AT_FDCWD, "calls_l", ts, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK_ERRNO(29, lstat("calls_l", &st) == 0 && st.st_mtim.tv_sec == 1234567890);
  struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
  errno = 0;
  CHECK(30, utimensat(AT_FDCWD, "calls_t", bad, 0) == -1 && errno == EINVAL);
  CHECK(31, utimensat(AT_FDCWD, "calls_missing", NULL, 0) == -1 && errno == ENOENT);
  struct timespec *volatile wild = (struct timespec *)16;
  CHECK(32, utimensat(AT_FDCWD, "calls_t", wild, 0) == -1 && errno == EFAULT);
  unlink("calls_l");
  unlink("calls_t");
  printf("utimes: times set, UTIME_OMIT and UTIME_NOW, lstat of a link, EINVAL/ENOENT/EFAULT\n");
}

static void t_chmod(void) {
  put_file("calls_m", "x");
  struct stat st;
  CHECK_ERRNO(40, chmod("calls_m", 0600) == 0);
  CHECK(41, stat("calls_m", &st) == 0 && (st.st_mode & 07777) == 0600);
  int fd = open("calls_m", O_RDONLY);
  CHECK_ERRNO(42, fchmod(fd, 04751) == 0);
  CHECK(43, fstat(fd, &st) == 0 && (st.st_mode & 07777) == 04751);
  close(fd);
  CHECK_ERRNO(44, fchmodat(AT_FDCWD, "calls_m", 0640, 0) == 0);
  CHECK(45, stat("calls_m", &st) == 0 && (st.st_mode & 07777) == 0640);
  errno = 0;
  CHECK(46, chmod("calls_missing", 0600) == -1 && errno == ENOENT);
  CHECK(47, fchmod(77, 0600) == -1 && errno == EBADF);
  unlink("calls_m");
  printf("chmod: chmod, fchmod, fchmodat, ENOENT, EBADF\n");
}

/* The ids are whatever the kernel says; only their agreement is printed. */
static void t_chown(void) {
  put_file("calls_o", "x");
  struct stat st;
  CHECK_ERRNO(50, stat("calls_o", &st) == 0);
  CHECK(51, st.st_uid == getuid() && st.st_gid == getgid());
  CHECK_ERRNO(52, chown("calls_o", getuid(), getgid()) == 0);
  CHECK_ERRNO(53, lchown("calls_o", (uid_t)-1, (gid_t)-1) == 0);
  int fd = open("calls_o", O_RDONLY);
  CHECK_ERRNO(54, fchown(fd, getuid(), (gid_t)-1) == 0);
  close(fd);
  CHECK_ERRNO(55, fchownat(AT_FDCWD, "calls_o", (uid_t)-1, getgid(), AT_SYMLINK_NOFOLLOW) == 0);
  errno = 0;
  CHECK(56, chown("calls_missing", getuid(), getgid()) == -1 && errno == ENOENT);
  if (getuid() != 0) CHECK(57, chown("calls_o", 0, 0) == -1 && errno == EPERM);
  unlink("calls_o");
  printf("chown: a file is the user's, chown to the user's own ids, ENOENT\n");
}

static void t_fifo(void) {
  CHECK_ERRNO(60, mkfifo("calls_f", 0600) == 0);
  struct stat st;
  CHECK(61, stat("calls_f", &st) == 0 && S_ISFIFO(st.st_mode));
  CHECK(62, mkfifo("calls_f", 0600) == -1 && errno == EEXIST);
  pid_t pid = fork();
  CHECK_ERRNO(63, pid >= 0);
  if (pid == 0) {
    int w = open("calls_f", O_WRONLY);
    if (w < 0 || write(w, "through the fifo", 16) != 16) _exit(1);
    _exit(0);
  }
  int r = open("calls_f", O_RDONLY);
  CHECK_ERRNO(64, r >= 0);
  char buf[32] = { 0 };
  size_t got = 0;
  for (ssize_t n; got < sizeof buf - 1 && (n = read(r, buf + got, sizeof buf - 1 - got)) > 0;)
    got += (size_t)n;
  int status;
  CHECK(65, waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(66, !strcmp(buf, "through the fifo"));
  close(r);
  CHECK_ERRNO(67, mknod("calls_r", S_IFREG | 0600, 0) == 0);
  CHECK(68, stat("calls_r", &st) == 0 && S_ISREG(st.st_mode));
  unlink("calls_f");
  unlink("calls_r");
  printf("fifo: mkfifo, a child writes and the parent reads; mknod S_IFREG\n");
}

static volatile sig_atomic_t usr1;
static void on_usr1(int s) { usr1 = s; }

static void t_pgrp(void) {
  pid_t pid = fork();
  CHECK_ERRNO(70, pid >= 0);
  if (pid == 0) {
    if (getpgid(0) != getpgrp() || getpgrp() == getpid()) _exit(1);
    if (setpgid(0, 0) != 0 || getpgrp() != getpid()) _exit(2);
    if (setsid() != -1 || errno != EPERM) _exit(3);   /* a group leader */
    /* kill(0, sig) reaches the caller's own group, now only this child. */
    signal(SIGUSR1, on_usr1);
    if (kill(0, SIGUSR1) != 0 || !usr1) _exit(8);
    pid_t gc = fork();
    if (gc == 0) {
      if (getsid(0) != getsid(getppid())) _exit(4);
      if (setsid() != getpid() || getsid(0) != getpid() || getpgrp() != getpid()) _exit(5);
      if (setpgid(0, getppid()) != -1 || errno != EPERM) _exit(6);  /* another session */
      _exit(0);
    }
    int st;
    if (waitpid(gc, &st, 0) != gc || !WIFEXITED(st)) _exit(7);
    _exit(WEXITSTATUS(st));
  }
  int st;
  CHECK(71, waitpid(pid, &st, 0) == pid && WIFEXITED(st));
  if (WEXITSTATUS(st)) { printf("pgrp: child check %d failed\n", WEXITSTATUS(st)); exit(72); }
  CHECK(73, getpgid(999999) == -1 && errno == ESRCH);
  CHECK(74, getsid(999999) == -1 && errno == ESRCH);
  CHECK(75, setpgid(0, -1) == -1 && errno == EINVAL);
  CHECK_ERRNO(76, kill(0, 0) == 0 && kill(-getpgrp(), 0) == 0);
  printf("pgrp: setpgid, setsid, getsid, getpgid, ESRCH/EPERM/EINVAL\n");
}

static void t_creds(void) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  CHECK_ERRNO(80, getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid() && s == e);
  CHECK_ERRNO(81, getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == getegid() && gs == ge);
  CHECK_ERRNO(82, setuid(getuid()) == 0 && setgid(getgid()) == 0);
  CHECK_ERRNO(83, setresuid((uid_t)-1, (uid_t)-1, (uid_t)-1) == 0);
  CHECK_ERRNO(84, setreuid(getuid(), geteuid()) == 0 && setregid((gid_t)-1, getegid()) == 0);
  CHECK_ERRNO(85, seteuid(geteuid()) == 0 && setegid(getegid()) == 0);
  gid_t groups[64];
  int n = getgroups(64, groups);
  CHECK_ERRNO(86, n >= 0);
  if (getuid() != 0) {
    errno = 0;
    CHECK(87, setuid(0) == -1 && errno == EPERM);
    CHECK(88, setgroups(0, NULL) == -1 && errno == EPERM);
  }
  printf("creds: getres[ug]id agree, set*id to one's own ids\n");
}

static volatile sig_atomic_t got;
static void on_sig(int s) { got = s; }

static void t_sigsuspend(void) {
  signal(SIGUSR1, on_sig);
  sigset_t block, old, wait;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t pid = fork();
  CHECK_ERRNO(100, pid >= 0);
  if (pid == 0) {
    kill(getppid(), SIGUSR1);
    _exit(0);
  }
  sigemptyset(&wait);
  errno = 0;
  CHECK(101, sigsuspend(&wait) == -1 && errno == EINTR && got == SIGUSR1);
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  CHECK(102, sigismember(&now, SIGUSR1));   /* the mask before the call is back */
  waitpid(pid, NULL, 0);
  /* A signal already pending ends it at once. */
  got = 0;
  raise(SIGUSR1);
  CHECK(103, got == 0);
  CHECK(104, sigsuspend(&wait) == -1 && errno == EINTR && got == SIGUSR1);
  sigprocmask(SIG_SETMASK, &old, NULL);
  signal(SIGUSR1, SIG_DFL);
  printf("sigsuspend: woken by a child's kill, and by a pending signal; mask restored\n");
}

static void t_sendfile(void) {
  char big[70000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
  int in = open("calls_s", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(110, in >= 0 && write(in, big, sizeof big) == (ssize_t)sizeof big);
  int out = open("calls_s2", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(111, out >= 0);
  off_t off = 10;
  CHECK_ERRNO(112, sendfile(out, in, &off, 100) == 100 && off == 110);
  CHECK(113, lseek(in, 0, SEEK_CUR) == (off_t)sizeof big);   /* untouched with an offset */
  lseek(in, 0, SEEK_SET);
  ssize_t n = sendfile(out, in, NULL, sizeof big);
  CHECK_ERRNO(114, n == (ssize_t)sizeof big && lseek(in, 0, SEEK_CUR) == (off_t)sizeof big);
  char back[100];
  CHECK(115, pread(out, back, 100, 0) == 100 && !memcmp(back, big + 10, 100));
  CHECK(116, sendfile(out, 77, NULL, 10) == -1 && errno == EBADF);
  CHECK(117, sendfile(out, in, (off_t *volatile)(uintptr_t)16, 10) == -1 && errno == EFAULT);
  close(in);
  close(out);
  unlink("calls_s");
  unlink("calls_s2");
  printf("sendfile: with and without an offset, %zd bytes, EBADF, EFAULT\n", n);
}

static void t_socket(void) {
  int sv[2];
  CHECK_ERRNO(120, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  CHECK(121, fcntl(sv[0], F_GETFD) == FD_CLOEXEC);
  CHECK(122, write(sv[0], "ping", 4) == 4);
  char buf[8] = { 0 };
  CHECK(123, read(sv[1], buf, sizeof buf) == 4 && !strcmp(buf, "ping"));
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[1]);
    char b[8] = { 0 };
    if (read(sv[0], b, 4) != 4 || write(sv[0], "pong", 4) != 4) _exit(1);
    _exit(0);
  }
  CHECK(124, send(sv[1], "ping", 4, 0) == 4);
  memset(buf, 0, sizeof buf);
  CHECK(125, recv(sv[1], buf, 4, MSG_WAITALL) == 4 && !strcmp(buf, "pong"));
  int st;
  CHECK(126, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(sv[0]);
  close(sv[1]);
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK_ERRNO(127, s >= 0);
  close(s);
  errno = 0;
  CHECK(128, socket(AF_UNIX, 77, 0) == -1 && errno == EINVAL);
  int *volatile wild = (int *)16;
  CHECK(129, socketpair(AF_UNIX, SOCK_STREAM, 0, wild) == -1 && errno == EFAULT);
  printf("socket: AF_UNIX socketpair across a fork, a bad type refused\n");
}

struct gstatx {
  uint32_t mask, blksize;
  uint64_t attributes;
  uint32_t nlink, uid, gid;
  uint16_t mode, pad;
  uint64_t ino, size, blocks, attributes_mask;
  struct { int64_t sec; uint32_t nsec; int32_t pad; } atime, btime, ctime, mtime;
  uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
  uint64_t spare[14];
};

static void t_statx(void) {
  put_file("calls_x", "twelve bytes");
  struct gstatx sx;
  struct stat st;
  CHECK_ERRNO(130, syscall(SYS_statx, AT_FDCWD, "calls_x", 0, 0x7ff, &sx) == 0);
  CHECK_ERRNO(131, stat("calls_x", &st) == 0);
  CHECK(132, sx.size == 12 && S_ISREG(sx.mode) && sx.ino == st.st_ino && sx.nlink == 1);
  CHECK(133, sx.uid == getuid() && sx.mtime.sec == st.st_mtim.tv_sec);
  CHECK(134, (sx.mask & 0x7ff) == 0x7ff);
  symlink("calls_x", "calls_xl");
  CHECK_ERRNO(135, syscall(SYS_statx, AT_FDCWD, "calls_xl", 0x100, 0x7ff, &sx) == 0 && S_ISLNK(sx.mode));
  int fd = open("calls_x", O_RDONLY);
  CHECK_ERRNO(136, syscall(SYS_statx, fd, "", 0x1000, 0x7ff, &sx) == 0 && sx.size == 12);
  close(fd);
  errno = 0;
  CHECK(137, syscall(SYS_statx, AT_FDCWD, "calls_x", 0, 0x7ff, (void *)16) == -1 && errno == EFAULT);
  CHECK(138, syscall(SYS_statx, AT_FDCWD, "calls_missing", 0, 0x7ff, &sx) == -1 && errno == ENOENT);
  unlink("calls_xl");
  unlink("calls_x");
  printf("statx: size, mode, inode, links, owner, times; a link; AT_EMPTY_PATH; EFAULT, ENOENT\n");
}

static void t_affinity(void) {
  cpu_set_t set;
  CHECK_ERRNO(140, sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1);
  long r = syscall(SYS_sched_getaffinity, 0, 8, &set);
  CHECK(141, r == 8 || r == 16 || r == 32 || r == 64 || r == 128 || r == 256 || r == 512 || r == 1024);
  errno = 0;
  CHECK(142, syscall(SYS_sched_getaffinity, 0, 12, &set) == -1 && errno == EINVAL);
  CHECK(143, syscall(SYS_sched_getaffinity, 999999, sizeof set, &set) == -1 && errno == ESRCH);
  CHECK(144, syscall(SYS_sched_getaffinity, 0, sizeof set, (void *)16) == -1 && errno == EFAULT);
  CHECK(145, sysconf(_SC_NPROCESSORS_ONLN) >= 1);
  printf("affinity: at least one CPU, EINVAL, ESRCH, EFAULT\n");
}

static void t_rlimit(void) {
  struct rlimit rl, back;
  CHECK_ERRNO(150, getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 64 && rl.rlim_cur <= rl.rlim_max);
  struct rlimit low = { 40, 60 };
  CHECK_ERRNO(151, setrlimit(RLIMIT_NOFILE, &low) == 0);
  CHECK(152, getrlimit(RLIMIT_NOFILE, &back) == 0 && back.rlim_cur == 40 && back.rlim_max == 60);
  errno = 0;
  CHECK(153, fcntl(0, F_DUPFD, 45) == -1 && errno == EINVAL);
  struct rlimit up = { 40, 100 };
  if (getuid() != 0) CHECK(154, setrlimit(RLIMIT_NOFILE, &up) == -1 && errno == EPERM);
  struct rlimit inv = { 61, 60 };
  CHECK(155, setrlimit(RLIMIT_NOFILE, &inv) == -1 && errno == EINVAL);
  CHECK(156, prlimit(0, RLIMIT_NOFILE, NULL, &back) == 0 && back.rlim_cur == 40);
  pid_t pid = fork();
  if (pid == 0) {   /* inherited */
    struct rlimit c;
    _exit(getrlimit(RLIMIT_NOFILE, &c) == 0 && c.rlim_cur == 40 ? 0 : 1);
  }
  int st;
  CHECK(157, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  struct rlimit core;
  CHECK_ERRNO(158, getrlimit(RLIMIT_CORE, &core) == 0);
  core.rlim_cur = 0;
  CHECK_ERRNO(158, setrlimit(RLIMIT_CORE, &core) == 0 && getrlimit(RLIMIT_CORE, &back) == 0 &&
                       back.rlim_cur == 0);
  CHECK(159, getrlimit(99, &back) == -1 && errno == EINVAL);
  printf("rlimit: lowered, read back, inherited, enforced by F_DUPFD; EINVAL\n");
}

static void t_rseq(void) {
  /* glibc registers rseq itself; a second registration or ENOSYS both say "no". */
  char area[64] __attribute__((aligned(32))) = { 0 };
  CHECK(160, syscall(SYS_rseq, area, 32, 0, 0x53053053) == -1);
  printf("rseq: a second registration refused\n");
}

static volatile sig_atomic_t info_code, info_pid_ok, info_status, info_value;
static void on_info(int s, siginfo_t *si, void *uc) {
  (void)s; (void)uc;
  info_code = si->si_code;
  info_pid_ok = si->si_pid == getpid() ? 1 : si->si_pid > 0 ? 2 : 0;
  info_status = si->si_status;
  info_value = si->si_value.sival_int;
}

/* siginfo of kill, raise and SIGCHLD; sigpending; sigtimedwait. */
static void t_siginfo(void) {
  struct sigaction sa = { .sa_sigaction = on_info, .sa_flags = SA_SIGINFO };
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGCHLD, &sa, NULL);
  CHECK(190, kill(getpid(), SIGUSR1) == 0 && info_code == SI_USER && info_pid_ok == 1);
  CHECK(191, raise(SIGUSR1) == 0 && info_code == SI_TKILL && info_pid_ok == 1);
  CHECK_ERRNO(197, sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 4242 }) == 0 &&
                       info_code == SI_QUEUE && info_pid_ok == 1 && info_value == 4242);
  sigset_t chld, none;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  pid_t pid = fork();
  if (pid == 0) _exit(7);
  siginfo_t si;
  struct timespec ts = { 10, 0 };
  CHECK_ERRNO(192, sigtimedwait(&chld, &si, &ts) == SIGCHLD);
  CHECK(193, si.si_code == CLD_EXITED && si.si_pid == pid && si.si_status == 7);
  waitpid(pid, NULL, 0);
  pid = fork();
  if (pid == 0) { pause(); _exit(0); }
  kill(pid, SIGKILL);
  sigset_t pend;
  for (int i = 0; i < 1000; i++) {   /* SIGCHLD comes once the child is gone */
    sigpending(&pend);
    if (sigismember(&pend, SIGCHLD)) break;
    sched_yield();
    if (i > 100) { struct timespec w = { 0, 1000000 }; nanosleep(&w, NULL); }
  }
  CHECK(194, sigismember(&pend, SIGCHLD));
  info_code = 0;
  sigprocmask(SIG_UNBLOCK, &chld, NULL);   /* the handler runs now */
  CHECK(195, info_code == CLD_KILLED && info_pid_ok == 2 && info_status == SIGKILL);
  waitpid(pid, NULL, 0);
  ts = (struct timespec){ 0, 20000000 };
  errno = 0;
  CHECK(196, sigtimedwait(&chld, &si, &ts) == -1 && errno == EAGAIN);
  signal(SIGUSR1, SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  printf("siginfo: kill, raise, sigqueue, CLD_EXITED, CLD_KILLED; sigpending, sigtimedwait\n");
}

/* linkat inside the root, eventfd, /dev/fd/N. */
static void t_linkfd(void) {
  put_file("calls_h", "linked");
  CHECK_ERRNO(200, link("calls_h", "calls_h2") == 0);
  struct stat st;
  CHECK(201, stat("calls_h2", &st) == 0 && st.st_nlink == 2 && !strcmp(get_file("calls_h2"), "linked"));
  CHECK_ERRNO(202, symlink("calls_h", "calls_hl") == 0);
  CHECK_ERRNO(203, linkat(AT_FDCWD, "calls_hl", AT_FDCWD, "calls_h3", AT_SYMLINK_FOLLOW) == 0);
  CHECK(204, lstat("calls_h3", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 3);
  CHECK_ERRNO(205, linkat(AT_FDCWD, "calls_hl", AT_FDCWD, "calls_h4", 0) == 0);
  CHECK(206, lstat("calls_h4", &st) == 0 && S_ISLNK(st.st_mode));
  errno = 0;
  CHECK(207, link("calls_h", "calls_h2") == -1 && errno == EEXIST);
  CHECK(208, link("calls_missing", "calls_h5") == -1 && errno == ENOENT);
  unlink("calls_h"); unlink("calls_h2"); unlink("calls_h3"); unlink("calls_h4"); unlink("calls_hl");
  int e = eventfd(3, EFD_CLOEXEC);
  CHECK_ERRNO(209, e >= 0);
  uint64_t v = 4;
  CHECK(210, write(e, &v, 8) == 8 && read(e, &v, 8) == 8 && v == 7);
  pid_t pid = fork();
  if (pid == 0) {   /* the parent's read waits for this */
    uint64_t one = 42;
    _exit(write(e, &one, 8) == 8 ? 0 : 1);
  }
  CHECK(211, read(e, &v, 8) == 8 && v == 42);
  waitpid(pid, NULL, 0);
  close(e);
  int p[2];
  CHECK_ERRNO(212, pipe(p) == 0);
  char name[32], buf[8] = { 0 };
  snprintf(name, sizeof name, "/dev/fd/%d", p[1]);
  int w = open(name, O_WRONLY);
  CHECK_ERRNO(213, w >= 0 && write(w, "fd", 2) == 2);
  CHECK(214, read(p[0], buf, sizeof buf) == 2 && !strcmp(buf, "fd"));
  snprintf(name, sizeof name, "/proc/self/fd/%d", p[0]);
  int r = open(name, O_RDONLY);
  CHECK_ERRNO(215, r >= 0 && write(w, "again", 5) == 5 && read(r, buf, 5) == 5);
  errno = 0;
  CHECK(216, open("/dev/fd/99", O_RDONLY) == -1 && (errno == ENOENT || errno == EBADF));
  close(w); close(r); close(p[0]); close(p[1]);
  printf("linkfd: link, linkat (following and not), eventfd, /dev/fd/N\n");
}

/* machemu only (qemu passes sockets through to the host): no network for a guest. */
static void t_inet(void) {
  errno = 0;
  CHECK(170, socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
  CHECK(171, socket(AF_INET6, SOCK_DGRAM, 0) == -1 && errno == EAFNOSUPPORT);
  int sv[2];
  CHECK(172, socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EAFNOSUPPORT);
  printf("inet: refused\n");
}

/* machemu only: calls it does not implement are ENOSYS, each said once on stderr. */
static void t_unknown(void) {
  for (int i = 0; i < 3; i++) {
    errno = 0;
    CHECK(180, syscall(SYS_io_setup, 1, (void *)0) == -1 && errno == ENOSYS);
    CHECK(181, syscall(600, 0) == -1 && errno == ENOSYS);
  }
  printf("unknown: ENOSYS\n");
}

static const struct { const char *name; void (*fn)(void); } areas[] = {
  { "rename", t_rename }, { "utimes", t_utimes }, { "chmod", t_chmod }, { "chown", t_chown },
  { "fifo", t_fifo }, { "pgrp", t_pgrp }, { "creds", t_creds }, { "sigsuspend", t_sigsuspend },
  { "sendfile", t_sendfile }, { "socket", t_socket }, { "statx", t_statx },
  { "affinity", t_affinity }, { "rlimit", t_rlimit }, { "rseq", t_rseq },
  { "siginfo", t_siginfo }, { "linkfd", t_linkfd },
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int ran = 0;
  if (argc > 1 && (!strcmp(argv[1], "inet") || !strcmp(argv[1], "unknown"))) {
    (argv[1][0] == 'i' ? t_inet : t_unknown)();
    return 0;
  }
  for (size_t i = 0; i < sizeof areas / sizeof *areas; i++)
    if (argc < 2 || !strcmp(argv[1], areas[i].name)) {
      areas[i].fn();
      ran++;
    }
  if (!ran) {
    fprintf(stderr, "calls: unknown area %s\n", argv[1]);
    return 2;
  }
  return 0;
}
