/* brk: the program break (sbrk/brk grow and shrink) and malloc/free/realloc of many
 * sizes, small (brk heap) and large (mmap'd by malloc), with checksums.
 * Usage: brk [ROUNDS]   (default 2000 allocation rounds) */
#include "guest_test.h"

#include <stdint.h>

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static void test_break(size_t ps) {
  unsigned char *start = sbrk(0);
  CHECK_ERRNO(10, start != (void *)-1);

  /* Grow by 1 MB and touch every page. */
  const size_t grow = (size_t)1 << 20;
  unsigned char *old = sbrk((intptr_t)grow);
  CHECK_ERRNO(11, old == start);
  CHECK(12, sbrk(0) == start + grow);
  for (size_t i = 0; i < grow; i += 1024) start[i] = (unsigned char)(i >> 10);
  start[grow - 1] = 0xfe;
  uint64_t sum = 0;
  for (size_t i = 0; i < grow; i += 1024) sum += start[i];
  CHECK(13, start[grow - 1] == 0xfe);
  printf("sbrk: grew by 1 MB, touched, sum=%llu\n", (unsigned long long)sum);

  /* Shrink by half with sbrk, then back to the start with brk(). */
  CHECK_ERRNO(14, sbrk(-(intptr_t)(grow / 2)) == start + grow);
  CHECK(15, sbrk(0) == start + grow / 2);
  CHECK(16, start[grow / 2 - 1024] == (unsigned char)((grow / 2 - 1024) >> 10));
  CHECK_ERRNO(17, brk(start) == 0);
  CHECK(18, sbrk(0) == start);
  printf("sbrk: shrank by 512 KB, brk() back to the start\n");

  /* Grow again with brk(): whole pages past the old break read back zero. */
  CHECK_ERRNO(19, brk(start + grow) == 0);
  CHECK(20, sbrk(0) == start + grow);
  uintptr_t first_page = ((uintptr_t)start + ps - 1) & ~(uintptr_t)(ps - 1);
  size_t zlen = (size_t)((uintptr_t)start + grow - first_page);
  CHECK(21, all_zero((unsigned char *)first_page, zlen));
  memset(start, 0x3c, grow);
  CHECK(22, start[grow - 1] == 0x3c);
  CHECK_ERRNO(23, brk(start) == 0);
  printf("brk: regrown memory reads zero, written, released\n");

  /* A break past the end of the user address space (47 bits) is refused and leaves the
   * break where it was. (A size the address space holds is not refused: there is no
   * overcommit heuristic; see docs/fidelity.md.) */
  CHECK(24, sbrk(0) == start);
  errno = 0;
  void *huge = sbrk((intptr_t)1 << 47);
  CHECK(25, huge == (void *)-1 && errno == ENOMEM);
  CHECK(26, sbrk(0) == start);
  printf("brk: a 128 TB break is refused with ENOMEM\n");
}

static void fill(unsigned char *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 31);
}

static int check_fill(const unsigned char *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)(seed + i * 31)) return 0;
  return 1;
}

#define SLOTS 256

static void test_malloc(int rounds) {
  static unsigned char *ptr[SLOTS];
  static size_t len[SLOTS];
  static uint64_t seed[SLOTS];
  uint64_t rng = 0x9e3779b97f4a7c15ULL;
  uint64_t checksum = GUEST_FNV_INIT;
  size_t max_live = 0, live = 0;
  int large = 0;

  for (int r = 0; r < rounds; r++) {
    int s = (int)(guest_rand(&rng) % SLOTS);
    if (ptr[s]) {
      CHECK(30, check_fill(ptr[s], len[s], seed[s]));
      checksum = guest_fnv1a(ptr[s], len[s], checksum);
      if (guest_rand(&rng) % 4 == 0) {
        /* realloc keeps the common prefix */
        size_t nl = 1 + (size_t)(guest_rand(&rng) % 5000);
        unsigned char *np = realloc(ptr[s], nl);
        CHECK(31, np != NULL);
        size_t keep = nl < len[s] ? nl : len[s];
        CHECK(32, check_fill(np, keep, seed[s]));
        live = live - len[s] + nl;
        ptr[s] = np;
        len[s] = nl;
        fill(np, nl, seed[s]);
        continue;
      }
      free(ptr[s]);
      live -= len[s];
      ptr[s] = NULL;
      continue;
    }
    uint64_t k = guest_rand(&rng);
    size_t n;
    switch (k % 8) {
    case 0: n = 1 + (size_t)(k >> 8) % 16; break;               /* tiny */
    case 1: case 2: case 3: n = 1 + (size_t)(k >> 8) % 256; break;
    case 4: case 5: n = 1 + (size_t)(k >> 8) % 4096; break;
    case 6: n = 4096 + (size_t)(k >> 8) % 60000; break;
    default:                                                    /* > mmap threshold */
      n = (k >> 8) % 4 == 0 ? 200000 + (size_t)(k >> 16) % 400000 : 1 + (size_t)(k >> 8) % 100;
      break;
    }
    if (n >= 200000) large++;
    unsigned char *p = (k >> 40) % 3 == 0 ? calloc(1, n) : malloc(n);
    CHECK(33, p != NULL);
    CHECK(34, ((uintptr_t)p & 15) == 0);
    if ((k >> 40) % 3 == 0) CHECK(35, all_zero(p, n));
    ptr[s] = p;
    len[s] = n;
    seed[s] = k;
    fill(p, n, k);
    live += n;
    if (live > max_live) max_live = live;
  }
  int left = 0;
  for (int s = 0; s < SLOTS; s++) {
    if (!ptr[s]) continue;
    CHECK(36, check_fill(ptr[s], len[s], seed[s]));
    checksum = guest_fnv1a(ptr[s], len[s], checksum);
    free(ptr[s]);
    left++;
  }
  printf("malloc: %d rounds, %d large blocks, max live %zu bytes, %d freed at the end\n",
         rounds, large, max_live, left);
  printf("malloc: checksum=%016llx\n", (unsigned long long)checksum);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 2000;
  CHECK(1, rounds > 0);
  size_t ps = guest_pagesize();
  /* stdout's buffer is malloc'd: let that happen before the break is moved by hand. */
  printf("brk: start\n");
  test_break(ps);
  test_malloc(rounds);
  return 0;
}
