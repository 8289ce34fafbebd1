/* bench_faults: zero-fill fault cost (benchmark only).
 * Usage: bench_faults MB ROUNDS
 * Each round mmaps MB of anonymous memory, writes one byte in every 16 KB (so
 * every guest page takes exactly one zero-fill fault, whether pages are 4 KB or
 * 16 KB), then munmaps it. MB=0 does no rounds: the reference
 * run that measures process start-up and exit alone. */
#include "guest_test.h"
#include <sys/mman.h>

int main(int argc, char **argv) {
  CHECK(1, argc == 3);
  size_t mb = (size_t)atol(argv[1]);
  long rounds = atol(argv[2]);
  CHECK(2, rounds >= 1);
  size_t len = mb << 20, touched = 0;
  for (long r = 0; r < rounds && len; r++) {
    volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(3, p != MAP_FAILED);
    for (size_t off = 0; off < len; off += 16384, touched++) p[off] = 1;
    CHECK_ERRNO(4, munmap((void *)p, len) == 0);
  }
  printf("faults: %zu MB x %ld rounds, %zu pages touched\n", mb, rounds, touched);
  return 0;
}
