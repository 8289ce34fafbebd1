/* files: file and process system calls. Works in the current directory, where it creates
 * and removes files_test.txt and files_dir/.
 * openat read write lseek pread pwrite fstat newfstatat dup dup2 dup3 pipe2 fcntl getcwd
 * readlink(/proc/self/exe) writev readv ioctl(TCGETS) ftruncate unlink close
 * mkdirat unlinkat umask clock_gettime getrandom getpid getppid uname. */
#include "guest_test.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>

static const char *name = "files_test.txt";

static void test_rw(void) {
  int fd = openat(AT_FDCWD, name, O_CREAT | O_TRUNC | O_RDWR, 0640);
  CHECK_ERRNO(10, fd >= 0);
  static const char text[] = "The quick brown fox jumps over the lazy dog\n";
  const ssize_t tl = (ssize_t)(sizeof text - 1);
  CHECK_ERRNO(11, write(fd, text, (size_t)tl) == tl);
  CHECK(12, lseek(fd, 0, SEEK_CUR) == tl);
  CHECK(13, lseek(fd, 4, SEEK_SET) == 4);
  char buf[128];
  CHECK_ERRNO(14, read(fd, buf, 5) == 5);
  CHECK(15, memcmp(buf, "quick", 5) == 0);
  CHECK(16, lseek(fd, -4, SEEK_END) == tl - 4);
  CHECK_ERRNO(17, read(fd, buf, sizeof buf) == 4);
  CHECK(18, memcmp(buf, "dog\n", 4) == 0);
  CHECK(19, read(fd, buf, sizeof buf) == 0); /* EOF */
  printf("rw: write, lseek SET/CUR/END, read and EOF ok\n");

  /* pread/pwrite do not move the offset. */
  off_t before = lseek(fd, 10, SEEK_SET);
  CHECK(20, before == 10);
  CHECK_ERRNO(21, pwrite(fd, "QUICK", 5, 4) == 5);
  memset(buf, 0, sizeof buf);
  CHECK_ERRNO(22, pread(fd, buf, 9, 4) == 9);
  CHECK(23, memcmp(buf, "QUICK bro", 9) == 0);
  CHECK(24, lseek(fd, 0, SEEK_CUR) == 10);
  /* A hole: pwrite past EOF, the gap reads as zeros. */
  CHECK_ERRNO(25, pwrite(fd, "END", 3, 100) == 3);
  CHECK_ERRNO(26, pread(fd, buf, 20, tl) == 20);
  for (int i = 0; i < 20; i++) CHECK(27, buf[i] == 0);
  printf("rw: pread/pwrite keep the offset, a hole reads zero\n");

  struct stat st, st2;
  CHECK_ERRNO(28, fstat(fd, &st) == 0);
  CHECK(29, S_ISREG(st.st_mode));
  CHECK(30, st.st_size == 103);
  CHECK(31, (st.st_mode & 0777) == 0640); /* umask 022 */
  CHECK_ERRNO(32, stat(name, &st2) == 0);
  CHECK(33, st2.st_size == 103 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev);
  CHECK_ERRNO(34, fstatat(AT_FDCWD, name, &st2, AT_SYMLINK_NOFOLLOW) == 0 && st2.st_size == 103);
  errno = 0;
  CHECK(35, stat("no_such_file_here", &st2) == -1 && errno == ENOENT);
  printf("stat: fstat and stat agree (regular file, size %lld), ENOENT for a missing file\n",
         (long long)st.st_size);

  /* dup, dup2, dup3 share the offset; FD_CLOEXEC only with dup3(O_CLOEXEC). */
  int d1 = dup(fd);
  CHECK_ERRNO(36, d1 > fd);
  CHECK(37, lseek(d1, 0, SEEK_SET) == 0);
  CHECK(38, lseek(fd, 0, SEEK_CUR) == 0);
  int d2 = dup2(fd, 40);
  CHECK_ERRNO(39, d2 == 40);
  CHECK(40, dup2(d2, d2) == d2);
  int d3 = dup3(fd, 41, O_CLOEXEC);
  CHECK_ERRNO(41, d3 == 41);
  errno = 0;
  CHECK(42, dup3(d3, d3, 0) == -1 && errno == EINVAL);
  CHECK_ERRNO(43, fcntl(d2, F_GETFD) == 0);
  CHECK_ERRNO(44, fcntl(d3, F_GETFD) == FD_CLOEXEC);
  CHECK_ERRNO(45, fcntl(d2, F_SETFD, FD_CLOEXEC) == 0);
  CHECK_ERRNO(46, fcntl(d2, F_GETFD) == FD_CLOEXEC);
  CHECK_ERRNO(47, (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
  CHECK_ERRNO(48, read(d3, buf, 3) == 3 && memcmp(buf, "The", 3) == 0);
  CHECK(49, lseek(d1, 0, SEEK_CUR) == 3);
  int d4 = fcntl(fd, F_DUPFD, 50);
  CHECK_ERRNO(50, d4 >= 50);
  printf("dup: dup/dup2/dup3/F_DUPFD share the file offset, FD_CLOEXEC as requested\n");

  CHECK_ERRNO(51, close(d1) == 0 && close(d2) == 0 && close(d3) == 0 && close(d4) == 0);
  errno = 0;
  CHECK(52, close(d3) == -1 && errno == EBADF);
  errno = 0;
  CHECK(53, read(d2, buf, 1) == -1 && errno == EBADF);

  /* writev/readv */
  CHECK(54, lseek(fd, 0, SEEK_SET) == 0);
  CHECK_ERRNO(55, ftruncate(fd, 0) == 0);
  struct iovec wv[3] = {{"alpha ", 6}, {"beta ", 5}, {"gamma\n", 6}};
  CHECK_ERRNO(56, writev(fd, wv, 3) == 17);
  CHECK(57, lseek(fd, 0, SEEK_SET) == 0);
  char a[4], b[8], c[16];
  memset(c, 0, sizeof c);
  struct iovec rv[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
  CHECK_ERRNO(58, readv(fd, rv, 3) == 17);
  CHECK(59, memcmp(a, "alph", 4) == 0 && memcmp(b, "a beta g", 8) == 0 && strcmp(c, "amma\n") == 0);
  CHECK_ERRNO(60, fstat(fd, &st) == 0 && st.st_size == 17);
  printf("iov: writev 3 buffers, readv into 3 differently sized buffers\n");
  CHECK_ERRNO(61, close(fd) == 0);

  /* O_APPEND and F_GETFL/F_SETFL */
  fd = open(name, O_WRONLY | O_APPEND);
  CHECK_ERRNO(62, fd >= 0);
  int fl = fcntl(fd, F_GETFL);
  CHECK(63, (fl & O_APPEND) && (fl & O_ACCMODE) == O_WRONLY);
  CHECK_ERRNO(64, write(fd, "tail\n", 5) == 5);
  CHECK_ERRNO(65, fstat(fd, &st) == 0 && st.st_size == 22);
  CHECK_ERRNO(66, close(fd) == 0);
  printf("append: O_APPEND writes at the end, F_GETFL shows it\n");

  CHECK_ERRNO(67, unlink(name) == 0);
  errno = 0;
  CHECK(68, open(name, O_RDONLY) == -1 && errno == ENOENT);
  errno = 0;
  CHECK(69, unlink(name) == -1 && errno == ENOENT);
  printf("unlink: file gone, open and unlink give ENOENT\n");
}

static void test_dirs(void) {
  CHECK_ERRNO(70, mkdirat(AT_FDCWD, "files_dir", 0755) == 0);
  errno = 0;
  CHECK(71, mkdir("files_dir", 0755) == -1 && errno == EEXIST);
  int dfd = open("files_dir", O_RDONLY | O_DIRECTORY);
  CHECK_ERRNO(72, dfd >= 0);
  int fd = openat(dfd, "inner.txt", O_CREAT | O_WRONLY | O_EXCL, 0600);
  CHECK_ERRNO(73, fd >= 0);
  CHECK_ERRNO(74, write(fd, "inner\n", 6) == 6 && close(fd) == 0);
  struct stat st;
  CHECK_ERRNO(75, stat("files_dir/inner.txt", &st) == 0 && st.st_size == 6);
  CHECK_ERRNO(76, stat("files_dir", &st) == 0 && S_ISDIR(st.st_mode));
  errno = 0;
  CHECK(77, open("files_dir/inner.txt/x", O_RDONLY) == -1 && errno == ENOTDIR);
  errno = 0;
  CHECK(78, unlinkat(AT_FDCWD, "files_dir", AT_REMOVEDIR) == -1 && errno == ENOTEMPTY);
  CHECK_ERRNO(79, unlinkat(dfd, "inner.txt", 0) == 0);
  CHECK_ERRNO(80, close(dfd) == 0);
  CHECK_ERRNO(81, rmdir("files_dir") == 0);
  printf("dirs: mkdirat, openat relative to a directory fd, ENOTDIR, ENOTEMPTY, rmdir\n");

  char cwd[PATH_MAX];
  CHECK_ERRNO(82, getcwd(cwd, sizeof cwd) != NULL);
  printf("getcwd: %s\n", cwd[0] == '/' ? "absolute" : "relative");
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  CHECK_ERRNO(83, n > 0);
  exe[n] = 0;
  printf("readlink /proc/self/exe: %s\n", exe[0] == '/' ? "absolute" : "relative");
}

static void test_pipe(void) {
  int p[2];
  CHECK_ERRNO(90, pipe2(p, O_CLOEXEC) == 0);
  CHECK(91, fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC);
  CHECK(92, (fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK(93, (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
  CHECK_ERRNO(94, write(p[1], "through the pipe", 16) == 16);
  char buf[32] = {0};
  CHECK_ERRNO(95, read(p[0], buf, sizeof buf) == 16);
  CHECK(96, strcmp(buf, "through the pipe") == 0);
  struct stat st;
  CHECK_ERRNO(97, fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
  /* Non-blocking read of an empty pipe: EAGAIN. */
  CHECK_ERRNO(98, fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == 0);
  CHECK(99, fcntl(p[0], F_GETFL) & O_NONBLOCK);
  errno = 0;
  CHECK(100, read(p[0], buf, 1) == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
  struct termios t;
  errno = 0;
  CHECK(101, ioctl(p[0], TCGETS, &t) == -1 && errno == ENOTTY);
  CHECK(102, isatty(p[1]) == 0);
  /* EOF after the write end is closed. */
  CHECK_ERRNO(103, close(p[1]) == 0);
  CHECK(104, read(p[0], buf, 1) == 0);
  CHECK_ERRNO(105, close(p[0]) == 0);
  printf("pipe: pipe2(O_CLOEXEC), data through, EAGAIN when empty, ENOTTY for TCGETS, EOF\n");
}

static void test_misc(void) {
  struct timespec prev, now;
  CHECK_ERRNO(110, clock_gettime(CLOCK_MONOTONIC, &prev) == 0);
  for (int i = 0; i < 1000; i++) {
    CHECK_ERRNO(111, clock_gettime(CLOCK_MONOTONIC, &now) == 0);
    CHECK(112, now.tv_nsec >= 0 && now.tv_nsec < 1000000000L);
    CHECK(113, now.tv_sec > prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec >= prev.tv_nsec));
    prev = now;
  }
  struct timespec rt;
  CHECK_ERRNO(114, clock_gettime(CLOCK_REALTIME, &rt) == 0);
  CHECK(115, rt.tv_sec > 1500000000); /* after 2017 */
  printf("clock: CLOCK_MONOTONIC non-decreasing over 1000 reads, CLOCK_REALTIME plausible\n");

  unsigned char r1[64], r2[64];
  memset(r1, 0, sizeof r1);
  memset(r2, 0, sizeof r2);
  CHECK_ERRNO(116, getrandom(r1, sizeof r1, 0) == (ssize_t)sizeof r1);
  CHECK_ERRNO(117, getrandom(r2, sizeof r2, 0) == (ssize_t)sizeof r2);
  int zeros = 0;
  for (size_t i = 0; i < sizeof r1; i++) zeros += r1[i] == 0;
  CHECK(118, zeros < 16);
  CHECK(119, memcmp(r1, r2, sizeof r1) != 0);
  printf("getrandom: 64 bytes twice, different and not all zero\n");

  pid_t a = getpid(), b = getpid();
  CHECK(120, a > 0 && a == b);
  CHECK(121, getppid() >= 0);
  CHECK(122, getppid() != a);
  printf("pid: getpid stable and positive, getppid distinct\n");

  struct utsname u;
  CHECK_ERRNO(123, uname(&u) == 0);
  CHECK(124, strcmp(u.machine, "aarch64") == 0);
  CHECK(125, strlen(u.sysname) > 0);
  printf("uname: machine %s\n", u.machine);
}

int main(void) {
  umask(022);
  CHECK(1, umask(022) == 022);
  test_rw();
  test_dirs();
  test_pipe();
  test_misc();
  printf("files: all checks passed\n");
  return 0;
}
