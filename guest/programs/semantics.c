/* semantics: system calls whose edge cases real programs meet (issue 18, point 4), one
 * area per argument (all without one): bigio (a read or write of several MB on a file
 * moves it all), dirfd (a directory descriptor follows its directory through a rename),
 * bigmap (mmap without MAP_FIXED finds room for 1 TB), minus1 (length -1 to munmap,
 * mprotect, madvise, mremap), dupfd (F_DUPFD below 0), iovlen (writev with a negative
 * iov_len), prname (PR_SET_NAME with a short string at the end of the mapped memory);
 * named only: proc (machemu's /proc: maps, status, meminfo, cpuinfo, exe).
 * Each check has its own exit status; stdout is the same under every kernel. Works in
 * the current directory. */
#include "guest_test.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>

static void t_bigio(void) {
  size_t n = 5u << 20;
  char *buf = malloc(n), *back = malloc(n);
  CHECK(10, buf && back);
  for (size_t i = 0; i < n; i++) buf[i] = (char)(i * 7 + i / 4096);
  int fd = open("sem_big", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(11, fd >= 0);
  CHECK_ERRNO(12, write(fd, buf, n) == (ssize_t)n);
  CHECK_ERRNO(13, pread(fd, back, n, 0) == (ssize_t)n && !memcmp(buf, back, n));
  lseek(fd, 0, SEEK_SET);
  memset(back, 0, n);
  CHECK_ERRNO(14, read(fd, back, n) == (ssize_t)n && !memcmp(buf, back, n));
  CHECK_ERRNO(15, pwrite(fd, buf + 1, n - 1, 1) == (ssize_t)(n - 1));
  struct iovec iov[2] = { { back, n / 2 }, { back + n / 2, n - n / 2 } };
  lseek(fd, 0, SEEK_SET);
  CHECK_ERRNO(16, readv(fd, iov, 2) == (ssize_t)n);
  close(fd);
  unlink("sem_big");
  free(buf);
  free(back);
  printf("bigio: 5 MB moved by one write, read, pread, pwrite and readv\n");
}

static void t_dirfd(void) {
  CHECK_ERRNO(20, mkdir("sem_d1", 0755) == 0);
  int f = open("sem_d1/file", O_WRONLY | O_CREAT, 0644);
  CHECK_ERRNO(21, f >= 0 && write(f, "moved", 5) == 5);
  close(f);
  int d = open("sem_d1", O_RDONLY | O_DIRECTORY);
  CHECK_ERRNO(22, d >= 0);
  CHECK_ERRNO(23, rename("sem_d1", "sem_d2") == 0);
  CHECK_ERRNO(24, mkdir("sem_d1", 0755) == 0);   /* a new directory under the old name */
  char buf[8] = { 0 };
  f = openat(d, "file", O_RDONLY);
  CHECK_ERRNO(25, f >= 0 && read(f, buf, sizeof buf) == 5 && !strcmp(buf, "moved"));
  close(f);
  f = openat(d, "made", O_WRONLY | O_CREAT, 0644);
  CHECK_ERRNO(26, f >= 0);
  close(f);
  struct stat st;
  CHECK(27, stat("sem_d2/made", &st) == 0 && stat("sem_d1/made", &st) == -1);
  CHECK_ERRNO(28, fchdir(d) == 0);
  CHECK_ERRNO(29, access("file", R_OK) == 0);
  char cwd[256];
  CHECK(30, getcwd(cwd, sizeof cwd) && !strcmp(strrchr(cwd, '/'), "/sem_d2"));
  CHECK_ERRNO(31, chdir("..") == 0);
  /* The cwd follows its directory too. */
  CHECK_ERRNO(32, chdir("sem_d2") == 0 && rename("../sem_d2", "../sem_d3") == 0);
  CHECK(33, getcwd(cwd, sizeof cwd) && !strcmp(strrchr(cwd, '/'), "/sem_d3"));
  CHECK_ERRNO(34, access("file", R_OK) == 0);
  CHECK_ERRNO(35, chdir("..") == 0 && rename("sem_d3", "sem_d2") == 0);
  close(d);
  unlink("sem_d2/file");
  unlink("sem_d2/made");
  rmdir("sem_d2");
  rmdir("sem_d1");
  printf("dirfd: openat, fchdir, getcwd and the cwd follow the renamed directory\n");
}

static void t_bigmap(void) {
  size_t tb = 1ull << 40;
  void *p = mmap(NULL, tb, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK_ERRNO(40, p != MAP_FAILED);
  CHECK_ERRNO(41, munmap(p, tb) == 0);
  void *q = mmap(NULL, tb / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK_ERRNO(42, q != MAP_FAILED);
  ((char *)q)[tb / 2 - 1] = 1;
  CHECK_ERRNO(43, munmap(q, tb / 2) == 0);
  printf("bigmap: 1 TB and 512 GB found without MAP_FIXED\n");
}

static void t_minus1(void) {
  size_t ps = guest_pagesize();
  char *p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(50, p != MAP_FAILED);
  errno = 0;
  CHECK(51, munmap(p, (size_t)-1) == -1 && errno == EINVAL);
  CHECK(52, mprotect(p, (size_t)-1, PROT_READ) == -1 && errno == ENOMEM);
  CHECK(53, madvise(p, (size_t)-1, MADV_DONTNEED) == -1 && errno == EINVAL);
  p[0] = 5;   /* all still mapped and writable */
  void *r = mremap(p, (size_t)-1, ps, MREMAP_MAYMOVE);
  CHECK(54, r == MAP_FAILED && errno == EINVAL);
  CHECK(55, p[0] == 5);
  CHECK_ERRNO(56, munmap(p, 4 * ps) == 0);
  printf("minus1: munmap EINVAL, mprotect ENOMEM, madvise EINVAL, mremap EINVAL\n");
}

static void t_dupfd(void) {
  errno = 0;
  CHECK(60, fcntl(1, F_DUPFD, -5) == -1 && errno == EINVAL);
  CHECK(61, fcntl(1, F_DUPFD_CLOEXEC, -1) == -1 && errno == EINVAL);
  CHECK(62, fcntl(1, F_DUPFD, 1 << 20) == -1 && errno == EINVAL);
  int fd = fcntl(1, F_DUPFD, 10);
  CHECK_ERRNO(63, fd >= 10);
  close(fd);
  printf("dupfd: negative and huge minimums refused\n");
}

static void t_iovlen(void) {
  int fd = open("sem_iov", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK_ERRNO(70, fd >= 0);
  struct iovec iov[2] = { { "ab", 2 }, { "cd", (size_t)-1 } };
  errno = 0;
  CHECK(71, writev(fd, iov, 2) == -1 && errno == EINVAL);
  CHECK(72, lseek(fd, 0, SEEK_END) == 0);   /* nothing written */
  char buf[4];
  struct iovec r[1] = { { buf, (size_t)-1 } };
  CHECK(73, readv(fd, r, 1) == -1 && errno == EINVAL);
  close(fd);
  unlink("sem_iov");
  printf("iovlen: a negative iov_len is EINVAL for writev and readv\n");
}

static void t_prname(void) {
  size_t ps = guest_pagesize();
  char *p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(80, p != MAP_FAILED && munmap(p + ps, ps) == 0);
  char *name = p + ps - 4;
  memcpy(name, "abc", 4);   /* ends at the last byte of the mapping */
  CHECK_ERRNO(81, prctl(PR_SET_NAME, name) == 0);
  char back[16] = { 0 };
  CHECK_ERRNO(82, prctl(PR_GET_NAME, back) == 0 && !strcmp(back, "abc"));
  CHECK_ERRNO(83, prctl(PR_SET_NAME, "a-name-longer-than-15") == 0);
  CHECK_ERRNO(84, prctl(PR_GET_NAME, back) == 0 && !strcmp(back, "a-name-longer-t"));
  errno = 0;
  CHECK(85, prctl(PR_SET_NAME, p + ps) == -1 && errno == EFAULT);
  munmap(p, ps);
  printf("prname: a short name at the end of memory, a long one cut to 15 bytes\n");
}

/* machemu only (qemu shows the host's /proc): /proc as programs read it. */
static char *slurp(const char *path) {
  static char buf[65536];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return NULL;
  size_t got = 0;
  for (ssize_t n; got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0;)
    got += (size_t)n;
  close(fd);
  buf[got] = 0;
  return buf;
}

static void t_proc(void) {
  size_t ps = guest_pagesize();
  char *p = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(90, p != MAP_FAILED);
  mprotect(p + ps, ps, PROT_READ);
  char want[96];
  snprintf(want, sizeof want, "%08lx-%08lx r--p ", (unsigned long)(p + ps), (unsigned long)(p + 2 * ps));
  char *maps = slurp("/proc/self/maps");
  CHECK(91, maps && strstr(maps, want) && strstr(maps, "[stack]\n"));
  char *status = slurp("/proc/self/status");
  char pid[32];
  snprintf(pid, sizeof pid, "\nPid:\t%d\n", getpid());
  CHECK(92, status && strstr(status, pid) && strstr(status, "VmRSS:"));
  long rss = atol(strstr(status, "VmRSS:") + 6);
  CHECK(93, rss > 0);
  struct sysinfo si;
  CHECK(94, sysinfo(&si) == 0);
  char *mem = slurp("/proc/meminfo");
  CHECK(95, mem && !strncmp(mem, "MemTotal:", 9) &&
                atol(mem + 9) == (long)(si.totalram * si.mem_unit / 1024));
  char *cpu = slurp("/proc/cpuinfo");
  int n = 0;
  for (char *q = cpu; q && (q = strstr(q, "processor\t:")); q++) n++;
  CHECK(96, n == 1 && sysconf(_SC_NPROCESSORS_ONLN) == 1);
  char *exe = slurp("/proc/self/exe");
  CHECK(97, exe && !memcmp(exe, "\177ELF", 4));
  CHECK(98, slurp("/proc/self/nothing") == NULL && errno == ENOENT);
  CHECK(99, open("/proc/meminfo", O_WRONLY) == -1 && errno == EACCES);
  munmap(p, 3 * ps);
  printf("proc: maps, status, meminfo, cpuinfo, exe\n");
}

static const struct { const char *name; void (*fn)(void); } areas[] = {
  { "bigio", t_bigio }, { "dirfd", t_dirfd }, { "bigmap", t_bigmap }, { "minus1", t_minus1 },
  { "dupfd", t_dupfd }, { "iovlen", t_iovlen }, { "prname", t_prname },
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int ran = 0;
  if (argc > 1 && !strcmp(argv[1], "proc")) {
    t_proc();
    return 0;
  }
  for (size_t i = 0; i < sizeof areas / sizeof *areas; i++)
    if (argc < 2 || !strcmp(argv[1], areas[i].name)) {
      areas[i].fn();
      ran++;
    }
  if (!ran) {
    fprintf(stderr, "semantics: unknown area %s\n", argv[1]);
    return 2;
  }
  return 0;
}
