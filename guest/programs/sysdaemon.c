/* sysdaemon: one process of the system image (--system, emu/system.c): launchd,
 * SpringBoard or a daemon, as far as memory goes.
 *   sysdaemon NAME DIRTY_KB CACHE_KB CACHE_AT_KB
 * reads CACHE_KB of the shared cache's read-only part from CACHE_AT_KB on (the
 * libraries it runs), makes DIRTY_KB of anonymous memory dirty with heap-like
 * contents (pointers, counters, strings and zeros: about 2:1 for WKdm), then waits
 * forever on a pipe only it can write: an idle process holding its memory.
 * Without a shared region mapped at 0x180000000 it skips the cache. */
#include "guest_test.h"
#include <sys/mman.h>

#define SHARED_REGION_BASE 0x180000000ul
#define PAGE 16384ul

static int region_mapped(void)
{
  void *p = mmap((void *)SHARED_REGION_BASE, PAGE, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED)
    return errno == EEXIST;
  munmap(p, PAGE);
  return 0;
}

static unsigned long read_cache(unsigned long at, unsigned long len)
{
  const volatile unsigned char *base = (const volatile unsigned char *)SHARED_REGION_BASE;
  uint32_t off = *(const volatile uint32_t *)(base + 16);
  uint64_t ro_size = *(const volatile uint64_t *)(base + off + 8) +
                     *(const volatile uint64_t *)(base + off + 32 + 8);   /* text + linkedit */
  unsigned long sum = 0;
  for (unsigned long a = at; a < at + len; a += PAGE)
    sum += base[a % ro_size];
  return sum;
}

static void fill_heap(uint64_t *w, size_t words, const char *name)
{
  size_t nlen = strlen(name);
  for (size_t i = 0; i < words; i++) {
    switch (i % 8) {
    case 0: case 1: w[i] = 0x100000000ul + ((i * 2654435761u) & 0xffff0); break;  /* pointers */
    case 2: w[i] = i & 0x3ff; break;                                                /* counters */
    case 3: memcpy(&w[i], name + (i / 8) % (nlen > 8 ? nlen - 7 : 1), 8); break;  /* strings */
    default: w[i] = 0;
    }
  }
}

int main(int argc, char **argv)
{
  CHECK(10, argc == 5);
  const char *name = argv[1];
  unsigned long dirty = strtoul(argv[2], NULL, 10) << 10, cache = strtoul(argv[3], NULL, 10) << 10;
  unsigned long at = strtoul(argv[4], NULL, 10) << 10;
  char label[64];
  snprintf(label, sizeof label, "%s-%s-%s-state", name, name, name);
  if (cache && region_mapped())
    read_cache(at, cache);
  if (dirty) {
    uint64_t *heap = mmap(NULL, dirty, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERRNO(11, heap != MAP_FAILED);
    fill_heap(heap, dirty / 8, label);
  }
  int fds[2];
  CHECK_ERRNO(12, pipe(fds) == 0);
  char c;
  CHECK_ERRNO(13, read(fds[0], &c, 1) >= 0);     /* never returns: it holds the write end */
  return 0;
}
