/* bench_stores: store-heavy vs load-heavy loops over one buffer (benchmark only).
 * Usage: bench_stores MODE KB PASSES
 *   store  : writes every 8-byte word of a KB-sized buffer, PASSES times
 *   load   : reads (sums) every 8-byte word of the same buffer, PASSES times
 *   memset : memset(buf, c, KB) PASSES times (glibc's vectorized memset)
 *   any mode with an "-x" suffix (store-x, load-x, memset-x) maps the buffer
 *   PROT_READ|PROT_WRITE|PROT_EXEC instead of PROT_READ|PROT_WRITE (JIT-style).
 * The buffer is written once before the loops, so all pages are resident and
 * writable; the loops then differ only in the kind of access.
 * Prints a checksum so the work cannot be optimized away. */
#include "guest_test.h"
#include <sys/mman.h>

int main(int argc, char **argv) {
  CHECK(1, argc == 4);
  char mode[16];
  snprintf(mode, sizeof mode, "%s", argv[1]);
  int prot = PROT_READ | PROT_WRITE;
  size_t ml = strlen(mode);
  if (ml > 2 && !strcmp(mode + ml - 2, "-x")) {
    prot |= PROT_EXEC;
    mode[ml - 2] = 0;
  }
  size_t kb = (size_t)atol(argv[2]);
  long passes = atol(argv[3]);
  CHECK(2, kb >= 1 && passes >= 1);
  size_t words = kb * 1024 / 8;
  volatile uint64_t *buf = mmap(NULL, words * 8, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(3, buf != MAP_FAILED);
  for (size_t i = 0; i < words; i++) buf[i] = i;
  uint64_t sum = 0;
  if (!strcmp(mode, "store")) {
    for (long p = 0; p < passes; p++)
      for (size_t i = 0; i < words; i++) buf[i] = i + (uint64_t)p;
    sum = buf[words - 1];
  } else if (!strcmp(mode, "load")) {
    for (long p = 0; p < passes; p++)
      for (size_t i = 0; i < words; i++) sum += buf[i];
  } else if (!strcmp(mode, "memset")) {
    for (long p = 0; p < passes; p++) memset((void *)buf, (int)(p & 0x7f) | 1, words * 8);
    sum = buf[words - 1];
  } else {
    CHECK(4, 0);
  }
  printf("%s %zu KB x %ld: %016llx\n", argv[1], kb, passes, (unsigned long long)sum);
  return 0;
}
