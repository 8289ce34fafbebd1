/* bench_tlb: TLB refill cost (benchmark only).
 * Usage: bench_tlb PAGES ACCESSES
 * Allocates PAGES 16 KB pages, touches each once (faults them in), then makes
 * ACCESSES loads, cycling over the pages one 16 KB stride at a time. With few pages
 * every load hits the CPU's TLB; with more pages than Unicorn's TLB holds (but fewer
 * than machemu's) each load is a Unicorn TLB miss that our TLB answers. */
#include "guest_test.h"

int main(int argc, char **argv) {
  CHECK(1, argc == 3);
  size_t pages = (size_t)atol(argv[1]);
  long accesses = atol(argv[2]);
  CHECK(2, pages >= 1 && accesses >= 1);
  volatile unsigned char *buf = aligned_alloc(16384, pages * 16384);
  CHECK(3, buf != NULL);
  for (size_t i = 0; i < pages; i++) buf[i * 16384] = (unsigned char)i;
  uint64_t sum = 0;
  size_t i = 0;
  for (long a = 0; a < accesses; a++) {
    sum += buf[i * 16384 + (a & 63)];
    if (++i == pages) i = 0;
  }
  printf("tlb: %zu pages, %ld accesses: %llu\n", pages, accesses, (unsigned long long)sum);
  return 0;
}
