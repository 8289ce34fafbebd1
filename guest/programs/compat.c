/* compat: calls and files the compatibility suite found missing (ps, renice, zsh, time),
 * one area per argument: priority (getpriority/setpriority for a process, its group and
 * its user, inherited by a child), proc (/proc/self/cmdline and /proc/PID/stat of itself
 * and of a child), unixmsg (AF_UNIX datagram pairs, socket names, a descriptor passed with
 * sendmsg/recvmsg), fsinfo (statfs, fstatfs, fadvise64, copy_file_range), xattr (extended attributes), procdir (/proc listed and stat'ed as Linux's procfs), rusage (getrusage), unix (AF_UNIX sockets bound to a path); cwd
 * (emulator only: the directory it starts in).
 * Each check has its own exit status; stdout holds only what is the same under every
 * kernel. */
#include "guest_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>

static void t_priority(void) {
  errno = 0;
  int now = getpriority(PRIO_PROCESS, 0);
  CHECK_ERRNO(10, errno == 0);
  CHECK_ERRNO(11, setpriority(PRIO_PROCESS, 0, now + 3) == 0);
  CHECK(12, getpriority(PRIO_PROCESS, 0) == now + 3);
  CHECK(13, getpriority(PRIO_PROCESS, getpid()) == now + 3);
  CHECK(14, getpriority(PRIO_PGRP, 0) <= now + 3);   /* the group's least nice */
  errno = 0;
  CHECK(15, getpriority(7, 0) == -1 && errno == EINVAL);
  errno = 0;
  CHECK(16, setpriority(PRIO_PROCESS, 999999, 5) == -1 && errno == ESRCH);
  errno = 0;
  CHECK(17, setpriority(PRIO_PROCESS, 0, 100) == 0 && getpriority(PRIO_PROCESS, 0) == 19);
  pid_t pid = fork();
  if (pid == 0)
    _exit(getpriority(PRIO_PROCESS, 0) == 19 ? 0 : 1);
  int st;
  CHECK_ERRNO(18, waitpid(pid, &st, 0) == pid);
  CHECK(19, WIFEXITED(st) && WEXITSTATUS(st) == 0);
  printf("priority: get, set, group, limits, inherited\n");
}

static size_t read_all(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  CHECK_ERRNO(30, fd >= 0);
  size_t n = 0;
  ssize_t r;
  while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
    n += (size_t)r;
  buf[n] = 0;
  close(fd);
  return n;
}

/* Fields 1 to 4 of /proc/PID/stat: pid (comm) state ppid; comm only for itself (qemu
 * shows a child's as its own, and fakes neither state nor group for itself). */
static void check_stat(int code, pid_t pid, pid_t ppid, const char *comm) {
  char path[64], buf[1024], want[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  read_all(path, buf, sizeof buf);
  snprintf(want, sizeof want, "%d (", (int)pid);
  CHECK(code, !strncmp(buf, want, strlen(want)) && strstr(buf, ") "));
  snprintf(want, sizeof want, "(%s) ", comm);
  CHECK(code + 1, !comm[0] || strstr(buf, want));
  int f_ppid = 0, fields = 1;
  char state[8];
  CHECK(code + 2, sscanf(strstr(buf, ") ") + 2, "%7s %d", state, &f_ppid) == 2 && f_ppid == ppid);
  for (const char *p = buf; *p; p++)
    fields += *p == ' ';
  CHECK(code + 3, fields >= 44);
}

static void t_proc(int argc, char **argv) {
  char buf[256];
  size_t n = read_all("/proc/self/cmdline", buf, sizeof buf);
  size_t want = 0;
  for (int i = 0; i < argc; i++)
    want += strlen(argv[i]) + 1;
  CHECK(40, n == want && !strcmp(buf + strlen(buf) + 1, "proc"));
  CHECK(41, !strcmp(strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf, "compat"));
  check_stat(42, getpid(), getppid(), "compat");
  int p[2];
  CHECK_ERRNO(50, pipe(p) == 0);
  pid_t pid = fork();
  if (pid == 0) {   /* waits, as a second task to look at */
    char c;
    close(p[1]);
    _exit(read(p[0], &c, 1) == 0 ? 0 : 1);
  }
  close(p[0]);
  check_stat(51, pid, getpid(), "");
  snprintf(buf, sizeof buf, "/proc/%d/cmdline", (int)pid);
  char child[256];   /* ends with its argv[1] (qemu shows its own command line first) */
  size_t cn = read_all(buf, child, sizeof child);
  CHECK(55, cn >= 5 && !child[cn - 1] && !strcmp(child + cn - 5, "proc"));
  close(p[1]);
  int st;
  CHECK_ERRNO(56, waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  printf("proc: cmdline and stat of itself and a child\n");
}

static void t_rusage(void) {
  struct rusage a, b;
  CHECK_ERRNO(70, getrusage(RUSAGE_SELF, &a) == 0);
  CHECK(71, a.ru_maxrss > 0 && a.ru_minflt > 0);
  size_t n = 8 << 20;
  char *p = malloc(n);
  CHECK(72, p != NULL);
  for (size_t i = 0; i < n; i += 1024)
    p[i] = (char)i;
  CHECK_ERRNO(73, getrusage(RUSAGE_SELF, &b) == 0);
  CHECK(74, b.ru_maxrss >= a.ru_maxrss + 6 * 1024 && b.ru_minflt >= a.ru_minflt + 100);
  CHECK(75, b.ru_utime.tv_sec * 1000000 + b.ru_utime.tv_usec + b.ru_stime.tv_sec * 1000000 +
            b.ru_stime.tv_usec >= a.ru_utime.tv_sec * 1000000 + a.ru_utime.tv_usec);
  CHECK_ERRNO(76, getrusage(RUSAGE_CHILDREN, &a) == 0 && a.ru_maxrss >= 0);
  errno = 0;
  CHECK(77, getrusage(5, &a) == -1 && errno == EINVAL);
  errno = 0;
  CHECK(78, getrusage(RUSAGE_SELF, (struct rusage *)8) == -1 && errno == EFAULT);
  free(p);
  printf("rusage: peak size, faults and time grow; children, bad who and address\n");
}

static socklen_t unix_addr(struct sockaddr_un *un, const char *path) {
  memset(un, 0, sizeof *un);
  un->sun_family = AF_UNIX;
  strcpy(un->sun_path, path);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* A server bound to a path, a child connecting to it, both ways of talk; the errors. */
static void t_unix(void) {
  struct sockaddr_un un;
  unlink("compat.sock");
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK_ERRNO(80, s >= 0);
  socklen_t len = unix_addr(&un, "compat.sock");
  CHECK_ERRNO(81, bind(s, (struct sockaddr *)&un, len) == 0);
  struct stat st;
  CHECK_ERRNO(82, stat("compat.sock", &st) == 0 && S_ISSOCK(st.st_mode));
  errno = 0;
  int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(83, bind(s2, (struct sockaddr *)&un, len) == -1 && errno == EADDRINUSE);
  CHECK_ERRNO(84, listen(s, 4) == 0);
  errno = 0;
  CHECK(85, fcntl(s, F_SETFL, O_NONBLOCK) == 0 && accept(s, NULL, NULL) == -1 && errno == EAGAIN);
  errno = 0;
  CHECK(93, accept4(s, NULL, NULL, 0x40) == -1 && errno == EINVAL);
  fcntl(s, F_SETFL, 0);
  pid_t pid = fork();
  if (pid == 0) {   /* the client: waits for the server to answer */
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    char buf[8] = { 0 };
    if (connect(c, (struct sockaddr *)&un, len) != 0 || write(c, "hello", 5) != 5 ||
        read(c, buf, sizeof buf) != 3 || strcmp(buf, "bye"))
      _exit(1);
    _exit(0);
  }
  struct sockaddr_un peer;
  socklen_t plen = sizeof peer;
  int a = accept(s, (struct sockaddr *)&peer, &plen);
  CHECK_ERRNO(86, a >= 0 && peer.sun_family == AF_UNIX);
  char buf[8] = { 0 };
  CHECK(87, read(a, buf, sizeof buf) == 5 && !strcmp(buf, "hello"));
  CHECK(88, write(a, "bye", 3) == 3);
  int wst;
  CHECK_ERRNO(89, waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  errno = 0;
  len = unix_addr(&un, "no-such.sock");
  CHECK(90, connect(s2, (struct sockaddr *)&un, len) == -1 && errno == ENOENT);
  errno = 0;
  len = unix_addr(&un, "a.txt-not-a-dir/x.sock");
  CHECK(91, bind(s2, (struct sockaddr *)&un, len) == -1 && errno == ENOENT);
  close(a); close(s); close(s2);
  CHECK_ERRNO(92, unlink("compat.sock") == 0);
  printf("unix: bind, listen, accept, connect, talk both ways; in use, missing\n");
}

static bool name_is(int code, int fd, bool peer, const char *want) {
  struct sockaddr_un un;
  memset(&un, 0x55, sizeof un);
  socklen_t len = sizeof un;
  CHECK_ERRNO(code, (peer ? getpeername(fd, (struct sockaddr *)&un, &len)
                          : getsockname(fd, (struct sockaddr *)&un, &len)) == 0);
  size_t n = *want ? offsetof(struct sockaddr_un, sun_path) + strlen(want) + 1
                   : offsetof(struct sockaddr_un, sun_path);
  return un.sun_family == AF_UNIX && len == n && (!*want || !strcmp(un.sun_path, want));
}

/* A descriptor and two buffers in one message, as SCM_RIGHTS passes it. */
static void send_fd(int sock, int fd) {
  char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
  struct iovec iov[2] = { { "hel", 3 }, { "lo", 2 } };
  struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl, .msg_controllen = sizeof ctl };
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(sock, &m, 0) != 5)
    _exit(3);
}

/* Datagram pairs, the names of bound, connected and accepted sockets, and a file
 * descriptor passed from one task to another with sendmsg/recvmsg. */
static void t_unixmsg(void) {
  int sv[2];
  char buf[16] = { 0 };
  CHECK_ERRNO(130, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
  CHECK(131, send(sv[0], "one", 3, 0) == 3 && send(sv[0], "three", 5, 0) == 5);
  CHECK(132, recv(sv[1], buf, sizeof buf, 0) == 3 && recv(sv[1], buf, sizeof buf, 0) == 5 &&
                 !memcmp(buf, "three", 5));
  CHECK(133, name_is(134, sv[0], false, "") && name_is(135, sv[0], true, ""));
  close(sv[0]); close(sv[1]);
  struct sockaddr_un un;
  unlink("msg.sock");
  int s = socket(AF_UNIX, SOCK_STREAM, 0), lone = socket(AF_UNIX, SOCK_STREAM, 0);
  socklen_t len = unix_addr(&un, "msg.sock");
  CHECK_ERRNO(136, s >= 0 && bind(s, (struct sockaddr *)&un, len) == 0 && listen(s, 2) == 0);
  CHECK(137, name_is(138, s, false, "msg.sock"));
  errno = 0;
  CHECK(139, getpeername(lone, (struct sockaddr *)&un, &len) == -1 && errno == ENOTCONN);
  errno = 0;
  CHECK(140, getsockname(0x3ff, (struct sockaddr *)&un, &len) == -1 && errno == EBADF);
  pid_t pid = fork();
  if (pid == 0) {   /* the client: names, then a file it opened, passed with a message */
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&un, len) != 0)
      _exit(1);
    if (!name_is(2, c, true, "msg.sock") || !name_is(2, c, false, ""))
      _exit(2);
    int f = open("passed.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (f < 0 || write(f, "secret", 6) != 6 || lseek(f, 0, SEEK_SET) != 0)
      _exit(4);
    send_fd(c, f);
    close(f);
    _exit(read(c, buf, 1) == 0 ? 0 : 5);   /* until the server is done */
  }
  int a = accept(s, NULL, NULL);
  CHECK_ERRNO(141, a >= 0);
  CHECK(142, name_is(143, a, false, "msg.sock") && name_is(144, a, true, ""));
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { buf, sizeof buf };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  memset(buf, 0, sizeof buf);
  CHECK_ERRNO(145, recvmsg(a, &m, MSG_CMSG_CLOEXEC) == 5 && !strcmp(buf, "hello"));
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  CHECK(146, c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                 c->cmsg_len == CMSG_LEN(sizeof(int)) && !(m.msg_flags & MSG_CTRUNC));
  int got;
  memcpy(&got, CMSG_DATA(c), sizeof got);
  CHECK(147, got > a && (fcntl(got, F_GETFD) & FD_CLOEXEC));
  memset(buf, 0, sizeof buf);
  CHECK_ERRNO(148, read(got, buf, sizeof buf) == 6 && !strcmp(buf, "secret"));
  close(got);
  close(a);
  int wst;
  CHECK_ERRNO(149, waitpid(pid, &wst, 0) == pid && WIFEXITED(wst));
  CHECK(150, WEXITSTATUS(wst) == 0);
  close(s); close(lone);
  unlink("msg.sock");
  unlink("dgram.sock");
  int d = socket(AF_UNIX, SOCK_DGRAM, 0), c2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  len = unix_addr(&un, "dgram.sock");
  CHECK_ERRNO(151, d >= 0 && c2 >= 0 && bind(d, (struct sockaddr *)&un, len) == 0);
  CHECK_ERRNO(152, sendto(c2, "ping", 4, 0, (struct sockaddr *)&un, len) == 4);
  memset(buf, 0, sizeof buf);
  CHECK_ERRNO(153, recvfrom(d, buf, sizeof buf, 0, NULL, NULL) == 4 && !strcmp(buf, "ping"));
  errno = 0;
  len = unix_addr(&un, "no-such.sock");
  CHECK(154, sendto(c2, "x", 1, 0, (struct sockaddr *)&un, len) == -1 && errno == ENOENT);
  close(d); close(c2);
  unlink("dgram.sock");
  unlink("passed.txt");
  printf("unixmsg: datagram pair; names of bound, connected, accepted sockets; a file passed; sendto a path\n");
}

/* statfs and fstatfs of one file agree; posix_fadvise takes advice and refuses
 * what Linux refuses. */
static void t_fsinfo(void) {
  struct statfs a, b;
  int fd = open("fsinfo.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(160, fd >= 0 && statfs("fsinfo.txt", &a) == 0 && fstatfs(fd, &b) == 0);
  CHECK(161, a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_bsize > 0 && a.f_namelen == b.f_namelen &&
                 a.f_namelen > 0);
  errno = 0;
  CHECK(162, statfs("no-such-dir/x", &a) == -1 && errno == ENOENT);
  errno = 0;
  CHECK(163, fstatfs(0x3ff, &a) == -1 && errno == EBADF);
  CHECK(164, posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0 &&
                 posix_fadvise(fd, 0, 4096, POSIX_FADV_DONTNEED) == 0);
  CHECK(165, posix_fadvise(fd, 0, 0, 99) == EINVAL && posix_fadvise(0x3ff, 0, 0, 0) == EBADF);
  int p[2];
  CHECK_ERRNO(166, pipe(p) == 0);
  CHECK(167, posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL) == ESPIPE);
  CHECK(168, write(fd, "0123456789", 10) == 10);
  int out = open("fsinfo.out", O_RDWR | O_CREAT | O_TRUNC, 0644);
  off_t from = 2, to = 0;
  char buf[16] = { 0 };
  CHECK_ERRNO(169, out >= 0 && copy_file_range(fd, &from, out, NULL, 5, 0) == 5 && from == 7);
  CHECK(190, pread(out, buf, sizeof buf, 0) == 5 && !strcmp(buf, "23456") && lseek(out, 0, SEEK_CUR) == 5);
  lseek(fd, 8, SEEK_SET);
  CHECK_ERRNO(191, copy_file_range(fd, NULL, out, &to, 100, 0) == 2 && to == 2 && lseek(fd, 0, SEEK_CUR) == 10);
  errno = 0;
  CHECK(192, copy_file_range(fd, NULL, p[1], NULL, 1, 0) == -1 && errno == EINVAL);
  errno = 0;
  CHECK(193, copy_file_range(fd, NULL, out, NULL, 1, 1) == -1 && errno == EINVAL);
  close(p[0]); close(p[1]); close(fd); close(out);
  unlink("fsinfo.out");
  unlink("fsinfo.txt");
  printf("fsinfo: statfs and fstatfs agree, their errors; fadvise, copy_file_range and their errors\n");
}

/* User attributes set, read, listed and removed by path, link path and descriptor;
 * on a file system without them, the refusals. */
static void t_xattr(void) {
  char v[16] = { 0 }, list[256];
  int fd = open("xattr.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(170, fd >= 0);
  errno = 0;
  CHECK(171, lgetxattr("xattr.txt", "user.none", v, sizeof v) == -1 && (errno == ENODATA || errno == ENOTSUP));
  errno = 0;
  CHECK(172, getxattr("no-such.txt", "user.none", v, sizeof v) == -1 && errno == ENOENT);
  if (setxattr("xattr.txt", "user.machemu", "v1", 2, 0) != 0) {
    CHECK(173, errno == ENOTSUP);
    printf("xattr: none on this file system\n");
    return;
  }
  CHECK(174, getxattr("xattr.txt", "user.machemu", NULL, 0) == 2);
  CHECK(175, lgetxattr("xattr.txt", "user.machemu", v, sizeof v) == 2 && !strcmp(v, "v1"));
  errno = 0;
  CHECK(176, setxattr("xattr.txt", "user.machemu", "v2", 2, XATTR_CREATE) == -1 && errno == EEXIST);
  CHECK_ERRNO(177, fsetxattr(fd, "user.other", "value", 5, 0) == 0);
  ssize_t n = flistxattr(fd, list, sizeof list);
  bool a = false, b = false;
  for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
    a |= !strcmp(list + i, "user.machemu");
    b |= !strcmp(list + i, "user.other");
  }
  CHECK(178, a && b && listxattr("xattr.txt", NULL, 0) == n);
  errno = 0;
  CHECK(179, fgetxattr(fd, "user.other", v, 2) == -1 && errno == ERANGE);
  CHECK_ERRNO(180, removexattr("xattr.txt", "user.machemu") == 0 && fremovexattr(fd, "user.other") == 0);
  errno = 0;
  CHECK(181, getxattr("xattr.txt", "user.machemu", v, sizeof v) == -1 && errno == ENODATA);
  close(fd);
  unlink("xattr.txt");
  printf("xattr: set, get, list, remove by path and descriptor; their errors\n");
}

static bool proc_lists(const char *name) {
  DIR *d = opendir("/proc");
  CHECK_ERRNO(100, d != NULL);
  struct dirent *e;
  bool found = false;
  while ((e = readdir(d)))
    found |= !strcmp(e->d_name, name);
  closedir(d);
  return found;
}

static void check_mode(int code, const char *path, bool follow, mode_t want) {
  struct stat st;
  CHECK_ERRNO(code, (follow ? stat(path, &st) : lstat(path, &st)) == 0);
  CHECK(code + 1, (want & S_IFMT) == (st.st_mode & S_IFMT) && (st.st_mode & 07777) == (want & 07777) &&
                      (S_ISLNK(want) || st.st_size == 0));
}

/* /proc as a directory: listed, stat'ed, opened, its entries opened relative to it. */
static void t_procdir(void) {
  char self[16], link[16] = { 0 };
  snprintf(self, sizeof self, "%d", (int)getpid());
  CHECK(101, proc_lists("self") && proc_lists(self));
  check_mode(102, "/proc", true, S_IFDIR | 0555);
  check_mode(104, "/proc/self", true, S_IFDIR | 0555);
  check_mode(106, "/proc/self", false, S_IFLNK | 0777);
  CHECK_ERRNO(108, readlink("/proc/self", link, sizeof link - 1) > 0 && !strcmp(link, self));
  check_mode(109, "/proc/self/stat", true, S_IFREG | 0444);
  check_mode(111, "/proc/meminfo", true, S_IFREG | 0444);
  struct stat st;
  int fd = open("/proc/meminfo", O_RDONLY);
  CHECK_ERRNO(113, fd >= 0 && fstat(fd, &st) == 0);
  CHECK(114, S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444 && st.st_size == 0);
  close(fd);
  int dir = open("/proc/self", O_RDONLY | O_DIRECTORY);
  CHECK_ERRNO(115, dir >= 0 && fstat(dir, &st) == 0 && S_ISDIR(st.st_mode));
  fd = openat(dir, "stat", O_RDONLY);
  char buf[64] = { 0 };
  CHECK_ERRNO(116, fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
  CHECK(117, !strncmp(buf, self, strlen(self)) && buf[strlen(self)] == ' ');
  close(fd);
  close(dir);
  int p[2];
  CHECK_ERRNO(118, pipe(p) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    _exit(read(p[0], &c, 1) == 0 ? 0 : 1);
  }
  close(p[0]);
  char child[16], path[32];
  snprintf(child, sizeof child, "%d", (int)pid);
  snprintf(path, sizeof path, "/proc/%d", (int)pid);
  CHECK(119, proc_lists(child));
  check_mode(120, path, true, S_IFDIR | 0555);
  close(p[1]);
  int wst;
  CHECK_ERRNO(122, waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  errno = 0;
  CHECK(123, stat("/proc/999999999", &st) == -1 && errno == ENOENT);
  char back[4096], cwd[64], want[64];
  CHECK_ERRNO(124, getcwd(back, sizeof back) && chdir("/proc/self") == 0 && getcwd(cwd, sizeof cwd));
  snprintf(want, sizeof want, "/proc/%s", self);
  CHECK(125, !strcmp(cwd, want));
  fd = open("stat", O_RDONLY);
  CHECK_ERRNO(126, fd >= 0);
  close(fd);
  errno = 0;
  CHECK(127, chdir("/proc/meminfo") == -1 && errno == ENOTDIR);
  CHECK_ERRNO(128, chdir(back) == 0);
  printf("procdir: /proc lists self and the tasks; modes of its directories, files, link; a cwd\n");
}

static void t_cwd(void) {
  char buf[4096];
  CHECK_ERRNO(60, getcwd(buf, sizeof buf));
  printf("cwd: %s\n", buf);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *area = argc > 1 ? argv[1] : "";
  if (!strcmp(area, "priority"))
    t_priority();
  else if (!strcmp(area, "proc"))
    t_proc(argc, argv);
  else if (!strcmp(area, "rusage"))
    t_rusage();
  else if (!strcmp(area, "unix"))
    t_unix();
  else if (!strcmp(area, "unixmsg"))
    t_unixmsg();
  else if (!strcmp(area, "fsinfo"))
    t_fsinfo();
  else if (!strcmp(area, "xattr"))
    t_xattr();
  else if (!strcmp(area, "procdir"))
    t_procdir();
  else if (!strcmp(area, "cwd"))
    t_cwd();
  else {
    fprintf(stderr, "compat: unknown area '%s' (priority, proc, procdir, rusage, unix, unixmsg, fsinfo, xattr, cwd)\n", area);
    return 2;
  }
  return 0;
}
