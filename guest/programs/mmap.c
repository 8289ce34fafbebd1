/* mmap: anonymous and file mappings, MAP_FIXED, mprotect, faults delivered as SIGSEGV
 * (si_addr, si_code), PROT_NONE, mremap, MAP_NORESERVE, MADV_DONTNEED.
 * Creates and removes mmap_test.dat in the current directory. */
#include "guest_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

static size_t ps;
static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_count;
static void *volatile fault_addr;
static volatile int fault_code;
static volatile int fault_signo;

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  fault_signo = sig;
  fault_addr = si->si_addr;
  fault_code = si->si_code;
  fault_count++;
  siglongjmp(fault_env, 1);
}

/* Performs one access; returns 1 if it faulted (and records the fault), 0 if not. */
static int try_access(void *addr, int write) {
  volatile unsigned char *p = addr;
  fault_addr = NULL;
  fault_code = 0;
  fault_signo = 0;
  if (sigsetjmp(fault_env, 1) == 0) {
    if (write)
      *p = 0x5a;
    else
      (void)*p;
    return 0;
  }
  return 1;
}

static const char *code_name(int code) {
  switch (code) {
  case SEGV_MAPERR: return "SEGV_MAPERR";
  case SEGV_ACCERR: return "SEGV_ACCERR";
  default: return "other";
  }
}

static void *map_anon(size_t len, int prot) {
  void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p;
}

static void fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7 + (i >> 9));
}

static int check_fill(const unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)(seed + i * 7 + (i >> 9))) return 0;
  return 1;
}

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static void test_anon(void) {
  size_t len = 8 * ps;
  unsigned char *p = map_anon(len, PROT_READ | PROT_WRITE);
  CHECK_ERRNO(10, p != MAP_FAILED);
  CHECK(11, ((uintptr_t)p & (ps - 1)) == 0);
  CHECK(12, all_zero(p, len));
  fill(p, len, 1);
  CHECK(13, check_fill(p, len, 1));
  CHECK_ERRNO(14, munmap(p, len) == 0);
  printf("anon: zero-filled, written and read back, unmapped\n");

  /* Touch only every other page of a larger mapping. */
  len = 64 * ps;
  p = map_anon(len, PROT_READ | PROT_WRITE);
  CHECK_ERRNO(15, p != MAP_FAILED);
  for (size_t i = 0; i < 64; i += 2) p[i * ps + 5] = (unsigned char)i;
  for (size_t i = 0; i < 64; i++) CHECK(16, p[i * ps + 5] == ((i & 1) ? 0 : (unsigned char)i));
  CHECK_ERRNO(17, munmap(p, len) == 0);
  printf("anon: sparse touch ok\n");
}

static void test_fixed(void) {
  size_t len = 4 * ps;
  unsigned char *p = map_anon(len, PROT_READ | PROT_WRITE);
  CHECK_ERRNO(20, p != MAP_FAILED);
  fill(p, len, 3);
  unsigned char *q = mmap(p + ps, 2 * ps, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  CHECK_ERRNO(21, q == p + ps);
  CHECK(22, check_fill(p, ps, 3));
  CHECK(23, all_zero(p + ps, 2 * ps));
  for (size_t i = 3 * ps; i < 4 * ps; i++)
    CHECK(24, p[i] == (unsigned char)(3 + i * 7 + (i >> 9)));
  CHECK_ERRNO(25, munmap(p, len) == 0);
  printf("fixed: MAP_FIXED replaced the middle pages with zero pages\n");
}

static void test_mprotect(void) {
  size_t len = 3 * ps;
  unsigned char *p = map_anon(len, PROT_READ | PROT_WRITE);
  CHECK_ERRNO(30, p != MAP_FAILED);
  memset(p, 0x11, len);
  CHECK_ERRNO(31, mprotect(p + ps, ps, PROT_READ) == 0);
  CHECK(32, try_access(p + ps + 100, 0) == 0); /* reads still work */
  CHECK(33, p[ps + 100] == 0x11);
  CHECK(34, try_access(p + 100, 1) == 0);      /* neighbours stay writable */
  CHECK(35, try_access(p + 2 * ps + 100, 1) == 0);
  CHECK(36, try_access(p + ps + 123, 1) == 1); /* write to the read-only page */
  CHECK(37, fault_signo == SIGSEGV);
  CHECK(38, fault_addr == (void *)(p + ps + 123));
  CHECK(39, fault_code == SEGV_ACCERR);
  CHECK(40, p[ps + 123] == 0x11);
  printf("mprotect: write to read-only page -> SIGSEGV %s at the written address\n",
         code_name(fault_code));
  CHECK_ERRNO(41, mprotect(p + ps, ps, PROT_READ | PROT_WRITE) == 0);
  CHECK(42, try_access(p + ps + 123, 1) == 0);
  CHECK(43, p[ps + 123] == 0x5a);
  printf("mprotect: writable again after PROT_READ|PROT_WRITE\n");

  /* munmapped page in the middle: SEGV_MAPERR. */
  CHECK_ERRNO(44, munmap(p + ps, ps) == 0);
  CHECK(45, try_access(p + ps + 8, 0) == 1);
  CHECK(46, fault_addr == (void *)(p + ps + 8));
  CHECK(47, fault_code == SEGV_MAPERR);
  printf("munmap: read of unmapped page -> SIGSEGV %s at the read address\n",
         code_name(fault_code));
  CHECK(48, p[8] == 0x11 && p[2 * ps + 8] == 0x11);
  CHECK_ERRNO(49, munmap(p, len) == 0);
}

static void test_prot_none(void) {
  unsigned char *p = map_anon(2 * ps, PROT_NONE);
  CHECK_ERRNO(50, p != MAP_FAILED);
  CHECK(51, try_access(p + ps + 1, 0) == 1);
  CHECK(52, fault_addr == (void *)(p + ps + 1));
  CHECK(53, fault_code == SEGV_ACCERR);
  printf("prot_none: read -> SIGSEGV %s\n", code_name(fault_code));
  CHECK(54, try_access(p + 7, 1) == 1);
  CHECK(55, fault_addr == (void *)(p + 7) && fault_code == SEGV_ACCERR);
  printf("prot_none: write -> SIGSEGV %s\n", code_name(fault_code));
  CHECK_ERRNO(56, mprotect(p, 2 * ps, PROT_READ | PROT_WRITE) == 0);
  CHECK(57, all_zero(p, 2 * ps));
  p[ps + 1] = 9;
  CHECK(58, p[ps + 1] == 9);
  CHECK_ERRNO(59, munmap(p, 2 * ps) == 0);
  printf("prot_none: usable (and zero) after mprotect read/write\n");
}

static void test_mremap(void) {
  /* Grow in place: reserve 4 pages, give the last 2 back, grow 2 -> 4 without MAYMOVE. */
  unsigned char *p = map_anon(4 * ps, PROT_READ | PROT_WRITE);
  CHECK_ERRNO(60, p != MAP_FAILED);
  CHECK_ERRNO(61, munmap(p + 2 * ps, 2 * ps) == 0);
  fill(p, 2 * ps, 5);
  unsigned char *q = mremap(p, 2 * ps, 4 * ps, 0);
  CHECK_ERRNO(62, q == p);
  CHECK(63, check_fill(q, 2 * ps, 5));
  CHECK(64, all_zero(q + 2 * ps, 2 * ps));
  fill(q, 4 * ps, 6);
  printf("mremap: grew in place, contents preserved, new pages zero\n");

  /* Grow with a blocker right after: must fail without MAYMOVE, move with it. */
  unsigned char *blk = mmap(q + 4 * ps, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  CHECK_ERRNO(65, blk == q + 4 * ps);
  errno = 0;
  CHECK(66, mremap(q, 4 * ps, 8 * ps, 0) == MAP_FAILED && errno == ENOMEM);
  unsigned char *r = mremap(q, 4 * ps, 8 * ps, MREMAP_MAYMOVE);
  CHECK_ERRNO(67, r != MAP_FAILED);
  CHECK(68, r != q);
  CHECK(69, check_fill(r, 4 * ps, 6));
  CHECK(70, all_zero(r + 4 * ps, 4 * ps));
  CHECK(71, try_access(q + 10, 0) == 1 && fault_code == SEGV_MAPERR);
  printf("mremap: MREMAP_MAYMOVE moved past a blocker, contents preserved, old range unmapped\n");
  CHECK_ERRNO(72, munmap(blk, ps) == 0);

  /* Shrink: 8 -> 3 pages, same address, tail unmapped. */
  unsigned char *s = mremap(r, 8 * ps, 3 * ps, 0);
  CHECK_ERRNO(73, s == r);
  CHECK(74, check_fill(s, 3 * ps, 6));
  CHECK(75, try_access(s + 3 * ps + 4, 0) == 1 && fault_code == SEGV_MAPERR);
  CHECK(76, try_access(s + 7 * ps + 4, 1) == 1 && fault_code == SEGV_MAPERR);
  CHECK_ERRNO(77, munmap(s, 3 * ps) == 0);
  printf("mremap: shrank in place, tail unmapped\n");
}

static void test_noreserve(void) {
  const size_t len = (size_t)1 << 30;
  const size_t stride = (size_t)64 << 20;
  unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK_ERRNO(80, p != MAP_FAILED);
  uint64_t sum = 0;
  for (size_t off = 0; off < len; off += stride) {
    p[off] = (unsigned char)(off >> 26);
    p[off + stride / 2 + 3] = 0xa5;
  }
  p[len - 1] = 0x77;
  for (size_t off = 0; off < len; off += stride) {
    CHECK(81, p[off] == (unsigned char)(off >> 26));
    CHECK(82, p[off + stride / 2 + 3] == 0xa5);
    CHECK(83, p[off + 4096 + 1] == 0);
    sum += p[off] + p[off + stride / 2 + 3];
  }
  CHECK(84, p[len - 1] == 0x77);
  CHECK_ERRNO(85, munmap(p, len) == 0);
  printf("noreserve: 1 GB mapping, %zu sparse touches, sum=%llu\n", 2 * (len / stride) + 1,
         (unsigned long long)sum);
}

static void test_file(void) {
  const char *name = "mmap_test.dat";
  /* Fixed size (the output must not depend on the page size), not a page multiple,
   * longer than two 16 KB pages. */
  const size_t flen = 2 * 16384 + 1000;
  const size_t maplen = (flen + ps - 1) & ~(ps - 1);
  unsigned char *buf = malloc(flen);
  CHECK(90, buf != NULL);
  fill(buf, flen, 9);
  int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
  CHECK_ERRNO(91, fd >= 0);
  size_t done = 0;
  while (done < flen) {
    ssize_t w = write(fd, buf + done, flen - done);
    CHECK_ERRNO(92, w > 0);
    done += (size_t)w;
  }
  unsigned char *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  CHECK_ERRNO(93, m != MAP_FAILED);
  CHECK(94, memcmp(m, buf, flen) == 0);
  CHECK(95, all_zero(m + flen, maplen - flen)); /* tail of the last page reads zero */
  printf("file: MAP_PRIVATE mapping sees the file's data, zero past EOF\n");

  /* Writes to a private mapping stay private. */
  memset(m + 10, 0xee, 50);
  memset(m + ps + 10, 0xdd, 50);
  CHECK(96, m[10] == 0xee && m[ps + 59] == 0xdd);
  CHECK_ERRNO(97, munmap(m, maplen) == 0);
  unsigned char *back = malloc(flen);
  CHECK(98, back != NULL);
  CHECK_ERRNO(99, pread(fd, back, flen, 0) == (ssize_t)flen);
  CHECK(100, memcmp(back, buf, flen) == 0);
  printf("file: writes to the MAP_PRIVATE mapping did not reach the file\n");

  /* A mapping at a page offset, read-only. */
  unsigned char *m2 = mmap(NULL, ps, PROT_READ, MAP_PRIVATE, fd, (off_t)ps);
  CHECK_ERRNO(101, m2 != MAP_FAILED);
  CHECK(102, memcmp(m2, buf + ps, ps) == 0);
  CHECK(103, try_access(m2 + 5, 1) == 1 && fault_code == SEGV_ACCERR);
  CHECK_ERRNO(104, munmap(m2, ps) == 0);
  printf("file: mapping at a page offset ok, read-only mapping faults on write\n");

  /* The mapping survives close(). */
  unsigned char *m3 = mmap(NULL, flen, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK_ERRNO(105, m3 != MAP_FAILED);
  CHECK_ERRNO(106, close(fd) == 0);
  CHECK(107, memcmp(m3, buf, flen) == 0);
  CHECK_ERRNO(108, munmap(m3, flen) == 0);
  CHECK_ERRNO(109, unlink(name) == 0);
  printf("file: mapping stays valid after close, checksum=%016llx\n",
         (unsigned long long)guest_fnv1a(buf, flen, GUEST_FNV_INIT));
  free(buf);
  free(back);
}

static void test_dontneed(void) {
  size_t len = 6 * ps;
  unsigned char *p = map_anon(len, PROT_READ | PROT_WRITE);
  CHECK_ERRNO(110, p != MAP_FAILED);
  memset(p, 0xcc, len);
  CHECK_ERRNO(111, madvise(p + ps, 3 * ps, MADV_DONTNEED) == 0);
  for (size_t i = 0; i < len; i++) {
    int inside = i >= ps && i < 4 * ps;
    CHECK(112, p[i] == (inside ? 0 : 0xcc));
  }
  p[2 * ps] = 1; /* still mapped and writable */
  CHECK(113, p[2 * ps] == 1);
  CHECK_ERRNO(114, munmap(p, len) == 0);
  printf("madvise: MADV_DONTNEED pages read back zero, others kept\n");
}

int main(void) {
  ps = guest_pagesize();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  CHECK_ERRNO(1, sigaction(SIGSEGV, &sa, NULL) == 0);

  test_anon();
  test_fixed();
  test_mprotect();
  test_prot_none();
  test_mremap();
  test_noreserve();
  test_file();
  test_dontneed();
  printf("mmap: %d faults caught, all checks passed\n", (int)fault_count);
  return 0;
}
