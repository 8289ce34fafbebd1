/* compute: a CPU-bound benchmark: sieve of Eratosthenes, qsort of a PRNG-generated array,
 * FNV-1a over a buffer. Prints results and checksums (deterministic for a given size).
 * Usage: compute [N]   (default 100000; the work grows roughly like N log N) */
#include "guest_test.h"

#include <stdint.h>

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  CHECK(1, n >= 10 && n <= 100000000L);

  /* Sieve up to 10 N. */
  size_t limit = (size_t)n * 10;
  unsigned char *composite = calloc(limit + 1, 1);
  CHECK(2, composite != NULL);
  for (size_t i = 2; i * i <= limit; i++)
    if (!composite[i])
      for (size_t j = i * i; j <= limit; j += i) composite[j] = 1;
  size_t count = 0, last = 0;
  uint64_t psum = 0;
  for (size_t i = 2; i <= limit; i++)
    if (!composite[i]) {
      count++;
      psum += i;
      last = i;
    }
  free(composite);
  printf("sieve: %zu primes up to %zu, largest %zu, sum %llu\n", count, limit, last,
         (unsigned long long)psum);
  if (limit == 1000000) CHECK(3, count == 78498);

  /* qsort N PRNG values. */
  uint64_t *a = malloc((size_t)n * sizeof *a);
  CHECK(4, a != NULL);
  uint64_t rng = 0x243f6a8885a308d3ULL, xsum = 0;
  for (long i = 0; i < n; i++) {
    a[i] = guest_rand(&rng);
    xsum ^= a[i];
  }
  qsort(a, (size_t)n, sizeof *a, cmp_u64);
  uint64_t wsum = 0, xsum2 = 0;
  for (long i = 0; i < n; i++) {
    if (i > 0) CHECK(5, a[i - 1] <= a[i]);
    wsum += a[i] * (uint64_t)(i + 1);
    xsum2 ^= a[i];
  }
  CHECK(6, xsum == xsum2);
  printf("qsort: %ld values sorted, min %016llx, max %016llx, weighted sum %016llx\n", n,
         (unsigned long long)a[0], (unsigned long long)a[n - 1], (unsigned long long)wsum);
  free(a);

  /* FNV-1a over a 16 N byte buffer, hashed 4 times. */
  size_t blen = (size_t)n * 16;
  unsigned char *buf = malloc(blen);
  CHECK(7, buf != NULL);
  for (size_t i = 0; i < blen; i++) buf[i] = (unsigned char)(guest_rand(&rng) >> 56);
  uint64_t h = GUEST_FNV_INIT;
  for (int round = 0; round < 4; round++) h = guest_fnv1a(buf, blen, h);
  free(buf);
  printf("fnv: %zu bytes x4, hash %016llx\n", blen, (unsigned long long)h);
  return 0;
}
