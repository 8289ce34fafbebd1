/* faults: a known number of page faults, for the fault trace and the statistics.
 * Usage: faults touch N   mmap N anonymous pages, write one byte in each, read them all
 *                         back, munmap. Prints "range 0xSTART-0xEND" (the mapping) on
 *                         stderr first; stdout is deterministic.
 *        faults rowrite   write to a page after mprotect(PROT_READ), with no handler:
 *                         dies by SIGSEGV. Prints "fault address 0xADDR" on stderr first.
 * Any other usage: exit 2. */
#include "guest_test.h"

#include <signal.h>
#include <sys/mman.h>

static int touch(long n) {
  size_t ps = guest_pagesize();
  size_t len = (size_t)n * ps;
  unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(10, p != MAP_FAILED);
  CHECK(11, ((uintptr_t)p & (ps - 1)) == 0);
  fprintf(stderr, "range %p-%p\n", (void *)p, (void *)(p + len));
  for (long i = 0; i < n; i++) p[(size_t)i * ps + (size_t)(i % 64) * 8] = (unsigned char)(i + 1);
  unsigned long sum = 0;
  for (long i = 0; i < n; i++) {
    unsigned char v = p[(size_t)i * ps + (size_t)(i % 64) * 8];
    CHECK(12, v == (unsigned char)(i + 1));
    CHECK(13, p[(size_t)i * ps + ps - 1] == 0);   /* the rest of each page is zero */
    sum += v;
  }
  CHECK_ERRNO(14, munmap(p, len) == 0);
  printf("touched %ld pages, sum %lu\n", n, sum);
  return 0;
}

static int rowrite(void) {
  struct sigaction old;
  CHECK_ERRNO(20, sigaction(SIGSEGV, NULL, &old) == 0);
  CHECK(21, old.sa_handler == SIG_DFL);
  size_t ps = guest_pagesize();
  unsigned char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(22, p != MAP_FAILED);
  p[0] = 1;
  CHECK_ERRNO(23, mprotect(p, ps, PROT_READ) == 0);
  CHECK(24, p[0] == 1);                            /* still readable */
  volatile unsigned char *target = p + 123;
  fprintf(stderr, "fault address %p\n", (void *)target);
  printf("faults: writing to a read-only page\n");
  fflush(stdout);
  *target = 2;
  fprintf(stderr, "faults: the write to a read-only page succeeded\n");
  return 25;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "touch") == 0) {
    char *end;
    long n = strtol(argv[2], &end, 10);
    if (*end || n <= 0 || n > 100000) {
      fprintf(stderr, "faults: bad page count '%s'\n", argv[2]);
      return 2;
    }
    return touch(n);
  }
  if (argc == 2 && strcmp(argv[1], "rowrite") == 0) return rowrite();
  fprintf(stderr, "usage: faults touch N | faults rowrite\n");
  return 2;
}
