/* spinwait: the parent forks and then spins, never blocking, until its child has written
 * a page they share; the child must get the CPU meanwhile. Then the same with a second
 * fork made while the first child runs, and the parent spinning on both. */
#include "guest_test.h"
#include <sys/mman.h>
#include <sys/wait.h>

static volatile unsigned *flags;

static void child(int i)
{
  flags[i] = 1;
  _exit(0);
}

/* Spins until flags[i] is set; false if it never was (after a very long while). */
static int spin_for(int i)
{
  for (unsigned long n = 0; n < 4000000000ul; n++)
    if (flags[i])
      return 1;
  return 0;
}

int main(void)
{
  flags = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK_ERRNO(10, flags != MAP_FAILED);
  pid_t a = fork();
  CHECK_ERRNO(11, a >= 0);
  if (a == 0)
    child(0);
  CHECK(12, spin_for(0));
  pid_t b = fork();
  CHECK_ERRNO(13, b >= 0);
  if (b == 0)
    child(1);
  pid_t c = fork();
  CHECK_ERRNO(14, c >= 0);
  if (c == 0)
    child(2);
  CHECK(15, spin_for(1) && spin_for(2));
  int st;
  CHECK_ERRNO(16, waitpid(a, &st, 0) == a && waitpid(b, &st, 0) == b && waitpid(c, &st, 0) == c);
  printf("spinwait: each child ran while its parent spun\n");
  return 0;
}
