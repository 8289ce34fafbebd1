/* forkcompress: a parent's pages and a forked child's copy of one of them, all sent
 * to the compressor, for the debugger's look at shadow chains.
 * Usage: forkcompress [PRESSURE_MB]   (default 24)
 * Maps 1 MB at 0x7c0000000000 and writes it (word i of 16 KB block b: b << 32 | i),
 * then forks. The child writes its own copy of block 0 (0xc41d << 48 | i) and waits
 * on a pipe. The parent writes PRESSURE_MB of other memory (a few words in each
 * block, the rest left zero: compressible), so that under machemu
 * -m 16M the compressor takes the parent's blocks and the child's copy alike, calls
 * pressure_done(), reads its blocks back (the originals are resident again, the
 * child's copy still compressed above them), calls parent_checked() and lets the
 * child check its own: block 0 its copy, block 1 the parent's. */
#include "guest_test.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define BUF_VA 0x7c0000000000ul
#define BUF_LEN (1ul << 20)
#define BLOCK 16384ul                   /* the unit of the pattern, not the page size */
#define WORDS (BLOCK / 8)
#define CHILD_TAG (0xc41dull << 48)

static uint64_t parent_word(size_t b, size_t i) { return (uint64_t)b << 32 | i; }

static void write_block(uint64_t *w, uint64_t base)
{
  for (size_t i = 0; i < WORDS; i++)
    w[i] = base | i;
}

static int block_is(const uint64_t *w, uint64_t base)
{
  for (size_t i = 0; i < WORDS; i++)
    if (w[i] != (base | i))
      return 0;
  return 1;
}

/* Places for breakpoints. */
__attribute__((noinline)) void pressure_done(void)
{
  __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void parent_checked(void)
{
  __asm__ volatile("" ::: "memory");
}

static void child(uint64_t *buf, int ready, int go)
{
  char c = 0;
  write_block(buf, CHILD_TAG);
  CHECK_ERRNO(20, write(ready, "r", 1) == 1);
  CHECK_ERRNO(21, read(go, &c, 1) == 1);
  CHECK(22, block_is(buf, CHILD_TAG));
  CHECK(23, block_is(buf + WORDS, parent_word(1, 0)));
  _exit(0);
}

int main(int argc, char **argv)
{
  size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 24;
  uint64_t *buf = mmap((void *)BUF_VA, BUF_LEN, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  CHECK_ERRNO(1, buf == (uint64_t *)BUF_VA);
  for (size_t b = 0; b < BUF_LEN / BLOCK; b++)
    write_block(buf + b * WORDS, parent_word(b, 0));
  int ready[2], go[2];
  CHECK_ERRNO(2, pipe(ready) == 0 && pipe(go) == 0);
  pid_t pid = fork();
  CHECK_ERRNO(3, pid >= 0);
  if (pid == 0)
    child(buf, ready[1], go[0]);
  char c = 0;
  CHECK_ERRNO(4, read(ready[0], &c, 1) == 1);

  uint64_t *fill = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK_ERRNO(5, fill != MAP_FAILED);
  for (size_t b = 0; b < (mb << 20) / BLOCK; b++)      /* a few words a block: compressible */
    for (size_t i = 0; i < 32; i++)
      fill[b * WORDS + i] = (uint64_t)(b + 1000) << 32 | i;
  pressure_done();

  for (size_t b = 0; b < BUF_LEN / BLOCK; b++)
    CHECK(6, block_is(buf + b * WORDS, parent_word(b, 0)));
  parent_checked();
  CHECK_ERRNO(7, write(go[1], "g", 1) == 1);
  int status = 0;
  CHECK_ERRNO(8, waitpid(pid, &status, 0) == pid);
  CHECK(9, WIFEXITED(status) && WEXITSTATUS(status) == 0);
  printf("forkcompress: parent and child read their own blocks back after %zu MB\n", mb);
  return 0;
}
