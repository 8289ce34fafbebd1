/* viewpages: pages at fixed addresses, for the viewer's tests.
 * Usage: viewpages [FILE_MB [ANON_MB]]   (defaults 32 and 10)
 * Writes the anonymous page at 0x7e0000000000; reads a FILE_MB file, mapped
 * privately at 0x7d0000000000, twice from front to back; writes ANON_MB of other
 * anonymous memory (each 16 KB a few numbered words over a repeated byte: it
 * compresses well, but not to a single value, so the compressor's segments hold
 * it); checks the first page last. Under machemu -m 16M the pageout scan
 * compresses the first page (the oldest anonymous one) and drops the file's first
 * page while the file is read; the check at the end decompresses it. A viewer script can watch each frame change colour,
 * and the page leave for the compressor and come back, at a known address. */
#include "guest_test.h"
#include "guest_file.h"
#include <sys/mman.h>

#define ANON_VA 0x7e0000000000ul
#define FILE_VA 0x7d0000000000ul

static uint64_t read_all(const uint64_t *w, size_t words)
{
  uint64_t sum = 0;
  for (size_t i = 0; i < words; i++) {
    CHECK(5, w[i] == guest_file_word(i));
    sum += w[i];
  }
  return sum;
}

int main(int argc, char **argv)
{
  size_t file_len = (size_t)(argc > 1 ? atol(argv[1]) : 32) << 20;
  size_t fill_len = (size_t)(argc > 2 ? atol(argv[2]) : 10) << 20;
  CHECK(1, file_len > 0);
  unsigned char *anon = mmap((void *)ANON_VA, 16384, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  CHECK_ERRNO(6, anon == (unsigned char *)ANON_VA);
  memset(anon, 0x5a, 16384);

  guest_write_file("viewpages.data", file_len);
  int fd = open("viewpages.data", O_RDONLY);
  CHECK_ERRNO(7, fd >= 0);
  const uint64_t *w = mmap((void *)FILE_VA, file_len, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE,
                           fd, 0);
  CHECK_ERRNO(8, w == (const uint64_t *)FILE_VA);
  uint64_t first = read_all(w, file_len / 8), second = read_all(w, file_len / 8);
  CHECK(9, first == second);
  CHECK_ERRNO(11, munmap((void *)w, file_len) == 0);
  close(fd);
  CHECK_ERRNO(12, unlink("viewpages.data") == 0);

  unsigned char *fill = mmap(NULL, fill_len, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK_ERRNO(13, fill != MAP_FAILED);
  for (size_t off = 0; off < fill_len; off += 16384) {
    memset(fill + off, 0xa5, 16384);
    for (size_t k = 0; k < 32; k++)
      ((uint64_t *)(fill + off))[k] = off + k;
  }
  for (size_t i = 0; i < 16384; i++)
    CHECK(10, anon[i] == 0x5a);
  printf("viewpages: %zu MB file read twice, %zu MB written, the first page intact\n",
         file_len >> 20, fill_len >> 20);
  return 0;
}
