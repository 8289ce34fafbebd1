/* watchme: stores a debugger's watchpoints should see, in a known order.
 *   counter (a global) goes 0 -> 1 -> 2 by the program's own stores, then 2 -> 3 by
 *   read(2) from a pipe (the kernel's copy, not a store of the task);
 *   the page at WATCHME_SHARED (MAP_SHARED, anonymous) is written by a forked child
 *   only: 0 -> 42 in the first long, through the child's mapping of it; the parent
 *   then reads it back.
 * Prints "watchme: counter 3, shared 42" and exits 0. */
#include "guest_test.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define WATCHME_SHARED 0x200000000ul

volatile long counter;

int main(void)
{
  long *shared = mmap((void *)WATCHME_SHARED, 65536, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  CHECK_ERRNO(10, shared == (long *)WATCHME_SHARED);
  counter = 1;
  counter = 2;
  int fds[2];
  long three = 3;
  CHECK_ERRNO(11, pipe(fds) == 0);
  CHECK_ERRNO(12, write(fds[1], &three, sizeof three) == sizeof three);
  CHECK_ERRNO(13, read(fds[0], (void *)&counter, sizeof counter) == sizeof counter);
  pid_t child = fork();
  CHECK_ERRNO(14, child >= 0);
  if (child == 0) {
    ((volatile long *)shared)[0] = 42;
    _exit(0);
  }
  int st;
  CHECK_ERRNO(15, waitpid(child, &st, 0) == child && WIFEXITED(st));
  long seen = ((volatile long *)shared)[0];
  printf("watchme: counter %ld, shared %ld\n", counter, seen);
  return 0;
}
