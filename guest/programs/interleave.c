/* interleave: two tasks that compute and fault at the same time, so the scheduler's
 * instruction quanta decide how their faults interleave. A parent fills a buffer,
 * forks, and both sides then walk it in rounds, writing one byte per page (copy-on-
 * write faults) with arithmetic between the writes; the child exits with its sum's
 * low byte, the parent checks it and prints both sums. Used to check that the
 * debugger changes nothing the guest does. */
#include "guest_test.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGES 48
#define ROUNDS 6

static unsigned work(unsigned char *buf, size_t ps, unsigned seed)
{
  unsigned acc = seed;
  for (int round = 0; round < ROUNDS; round++)
    for (size_t p = 0; p < PAGES; p++) {
      for (int k = 0; k < 2000; k++)          /* instructions between faults */
        acc = acc * 1103515245u + 12345u + (unsigned)k;
      unsigned char *page = buf + ((size_t)round * PAGES + p) * ps;
      page[round] = (unsigned char)acc;       /* each round writes pages of its own */
      acc += page[0];
    }
  return acc;
}

int main(void)
{
  size_t ps = guest_pagesize();
  unsigned char *buf = mmap(NULL, ROUNDS * PAGES * ps, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(10, buf != MAP_FAILED);
  for (size_t p = 0; p < ROUNDS * PAGES; p++)
    buf[p * ps] = (unsigned char)p;
  pid_t pid = fork();
  CHECK_ERRNO(11, pid >= 0);
  if (pid == 0)
    _exit(work(buf, ps, 1) & 0xff);
  /* A vfork child that exits at once: waiting for it makes the scheduler switch
   * while the worker is runnable, and from then on the two take turns by quantum. */
  int st;
  pid_t v = vfork();
  CHECK_ERRNO(14, v >= 0);
  if (v == 0)
    _exit(0);
  CHECK_ERRNO(15, waitpid(v, &st, 0) == v);
  unsigned mine = work(buf, ps, 2);
  CHECK_ERRNO(12, waitpid(pid, &st, 0) == pid);
  CHECK(13, WIFEXITED(st));
  printf("interleave: parent %u, child low byte %d\n", mine, WEXITSTATUS(st));
  return 0;
}
